"""`critmin data fetch baci|comtrade` end to end against a real HTTP server on 127.0.0.1.

The server (http.server in a thread, started here) serves a small zip in the official CEPII BACI
bulk layout (``BACI_HS92_V202501.zip``: one ``BACI_HS92_Y<year>_V202501.csv`` per year with
columns t,i,j,k,v,q, ``country_codes_V202501.csv``, ``product_codes_HS92_V202501.csv``), honours
``Range`` requests (resume), can cut a response after N bytes, and answers UN Comtrade API v1
requests with JSON in the documented layout. No test touches the internet.
"""
from __future__ import annotations

import hashlib
import io
import json
import socket
import threading
import urllib.parse
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from typer.testing import CliRunner

from critmin import fetch
from critmin.cli import app
from critmin.store import Store, read_imports_index, reset_default_store

RELEASE = "V202501"
CODES_CSV = ("country_code,country_name,country_iso2,country_iso3\n36,Australia,AU,AUS\n156,China,CN,CHN\n"
             "392,Japan,JP,JPN\n410,Rep. of Korea,KR,KOR\n516,Namibia,NA,NAM\n842,USA,US,USA\n")
#: (t, i, j, k, v kUSD, q t) as the BACI CSV writes them: right-aligned numbers, 'NA' quantity
ROWS = {
    2022: [("2022", "410", "392", "790111", "   124.000", "    40.000"),
           ("2022", "36", "392", "790111", "    93.000", "    30.000"),
           ("2022", "156", "392", "790111", "    90.500", "           NA"),
           ("2022", "842", "392", "010121", "  5000.000", "   100.000")],      # horses: not a mineral
    2023: [("2023", "410", "392", "790111", "   130.250", "    41.000"),
           ("2023", "516", "392", "261210", "    10.000", "     2.500"),     # Namibia ('NA' ISO2), uranium ore
           ("2023", "842", "392", "870323", "  9999.000", "    50.000")],      # cars: not a mineral
}


def baci_zip(codes: str = CODES_CSV) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for year, rows in ROWS.items():
            z.writestr(f"BACI_HS92_Y{year}_{RELEASE}.csv",
                       "t,i,j,k,v,q\n" + "".join(",".join(r) + "\n" for r in rows))
        z.writestr(f"country_codes_{RELEASE}.csv", codes)
        z.writestr(f"product_codes_HS92_{RELEASE}.csv", 'code,description\n790111,"Zinc, unwrought, >= 99.99 %"\n')
        z.writestr("Readme.txt", "BACI test release\n" * 50)
    return buf.getvalue()


def damaged(data: bytes) -> bytes:
    """The zip with bytes flipped inside the first member's compressed data (the directory intact)."""
    z = zipfile.ZipFile(io.BytesIO(data))
    info = z.infolist()[0]
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    b = bytearray(data)
    for k in range(start + 5, start + min(info.compress_size - 2, 40)):
        b[k] ^= 0x5A
    return bytes(b)


def comtrade_record(year, partner, cmd, value, wgt, **kw):
    """One record in the API v1 final-data layout (all documented fields)."""
    r = {"typeCode": "C", "freqCode": "A", "refPeriodId": int(f"{year}0101"), "refYear": year, "refMonth": 52,
         "period": str(year), "reporterCode": 392, "reporterISO": "JPN", "reporterDesc": "Japan",
         "flowCode": "M", "flowDesc": "Import", "partnerCode": partner, "partnerISO": None, "partnerDesc": None,
         "partner2Code": 0, "partner2ISO": "W00", "partner2Desc": "World", "classificationCode": "H6",
         "classificationSearchCode": "HS", "isOriginalClassification": True, "cmdCode": cmd, "cmdDesc": "",
         "aggrLevel": 6, "isLeaf": True, "customsCode": "C00", "customsDesc": "TOTAL CPC", "mosCode": "0",
         "motCode": 0, "motDesc": "TOTAL MOT", "qtyUnitCode": 8, "qtyUnitAbbr": "kg", "qty": wgt,
         "isQtyEstimated": False, "altQtyUnitCode": -1, "altQtyUnitAbbr": "N/A", "altQty": 0,
         "isAltQtyEstimated": False, "netWgt": wgt, "isNetWgtEstimated": False, "grossWgt": 0,
         "isGrossWgtEstimated": False, "cifvalue": value, "fobvalue": None, "primaryValue": value,
         "legacyEstimationFlag": 0, "isReported": True, "isAggregate": True}
    r.update(kw)
    return r


COMTRADE = {
    2022: [comtrade_record(2022, 410, "790111", 12_400_000.0, 4_000_000.0),
           comtrade_record(2022, 36, "790111", 9_300_000.0, 3_000_000.0),
           # breakdown of the KOR row by mode of transport (sea): a part, dropped
           comtrade_record(2022, 410, "790111", 12_000_000.0, 3_900_000.0, motCode=2100, motDesc="Sea",
                           isAggregate=False),
           comtrade_record(2022, 0, "790111", 21_700_000.0, 7_000_000.0, partnerISO="W00")],   # World
    2023: [comtrade_record(2023, 410, "790111", 13_025_000.0, 0.0, qtyUnitCode=-1, qty=0.0)],  # no weight
}
KEY = "test-key-123"


class Server:
    """A local HTTP server: files with Range support, optional cut after N bytes, Comtrade JSON."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.cut_after: int | None = None
        self.ranges = True                    # False: a server that ignores Range (answers 200)
        self.requests: list[dict] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def do_GET(self):
                outer.requests.append({"path": self.path, "range": self.headers.get("Range"),
                                       "key": self.headers.get("Ocp-Apim-Subscription-Key")})
                url = urllib.parse.urlparse(self.path)
                if url.path == "/data/v1/get/C/A/HS":
                    return self._comtrade(urllib.parse.parse_qs(url.query))
                body = outer.files.get(url.path)
                if body is None:
                    return self._send(404, b"Not Found", "text/plain")
                start, status, extra = 0, 200, {}
                rng = self.headers.get("Range")
                if rng and outer.ranges:
                    start = int(rng.split("=")[1].split("-")[0])
                    if start >= len(body):
                        return self._send(416, b"", "text/plain", {"Content-Range": f"bytes */{len(body)}"})
                    status, extra = 206, {"Content-Range": f"bytes {start}-{len(body) - 1}/{len(body)}"}
                part = body[start:]
                self.send_response(status)
                self.send_header("Content-Type", "application/zip")
                self.send_header("Content-Length", str(len(part)))
                self.send_header("Accept-Ranges", "bytes")
                for k, v in extra.items():
                    self.send_header(k, v)
                self.end_headers()
                if outer.cut_after is not None and start < outer.cut_after:
                    self.wfile.write(part[: outer.cut_after - start])
                    self.wfile.flush()
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                self.wfile.write(part)

            def _comtrade(self, q):
                if self.headers.get("Ocp-Apim-Subscription-Key") != KEY:
                    return self._send(401, json.dumps({"statusCode": 401, "message": "Access denied due to "
                                                       "invalid subscription key."}).encode(), "application/json")
                data = COMTRADE.get(int(q["period"][0]), [])
                data = [r for r in data if r["cmdCode"] in q["cmdCode"][0].split(",")]
                doc = {"elapsedTime": "0.01 secs", "count": len(data), "data": data, "error": ""}
                self._send(200, json.dumps(doc).encode(), "application/json")

            def _send(self, status, body, ctype, headers=None):
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def zip_bytes() -> bytes:
    return baci_zip()


@pytest.fixture()
def server(zip_bytes):
    s = Server()
    s.files[f"/baci/BACI_HS92_{RELEASE}.zip"] = zip_bytes
    yield s
    s.close()


@pytest.fixture()
def home(user_dir):
    reset_default_store()
    yield user_dir
    reset_default_store()


def closed_port_url() -> str:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return f"http://127.0.0.1:{port}"


def run(*args, env=None):
    return CliRunner().invoke(app, ["data", "fetch", *args], env=env)


def _obs(home, **where):
    q = " AND ".join(f"{k} = ?" for k in where)
    return Store(home=home).sql(f"SELECT * FROM obs WHERE {q}", list(where.values()))


def _value(home, **where) -> float:
    r = _obs(home, **where)
    assert len(r) == 1, r
    return float(r["value"].iloc[0])


# --------------------------------------------------------------------------- BACI
def test_fetch_baci_imports_the_mineral_codes(server, home, zip_bytes):
    r = run("baci", "--release", RELEASE, "--url", f"{server.url}/baci/", "--no-progress")
    assert r.exit_code == 0, r.output
    assert "imported 9 observations" in r.output            # 5 flows; one without quantity
    idx = read_imports_index(home)
    assert len(idx) == 1
    assert idx[0]["sha256"] == hashlib.sha256(zip_bytes).hexdigest()
    assert idx[0]["origin"] == f"{server.url}/baci/BACI_HS92_{RELEASE}.zip"
    assert idx[0]["source"] == "baci_hs92" and idx[0]["edition"] == RELEASE
    kw = dict(source="baci_hs92", edition=RELEASE, country="JPN")
    assert _value(home, **kw, partner="KOR", hs="790111", year=2022, variable="value") == 124.0
    assert _value(home, **kw, partner="KOR", hs="790111", year=2022, variable="quantity") == 40.0
    assert _value(home, **kw, partner="CHN", hs="790111", year=2022, variable="value") == 90.5
    assert _obs(home, **kw, partner="CHN", hs="790111", year=2022, variable="quantity").empty   # 'NA'
    assert _value(home, **kw, partner="KOR", hs="790111", year=2023, variable="value") == 130.25
    assert _value(home, **kw, partner="NAM", hs="261210", year=2023, variable="quantity") == 2.5
    held = _obs(home, source="baci_hs92", edition=RELEASE)
    assert set(held["hs"]) == {"790111", "261210"}             # horses and cars filtered out
    # the zip is removed after the import; a second run downloads again and says it is held
    assert not list((home / "downloads").glob("*.zip*"))
    r2 = run("baci", "--release", RELEASE, "--url", f"{server.url}/baci/", "--no-progress")
    assert r2.exit_code == 0 and "already imported" in r2.output
    assert len(read_imports_index(home)) == 1
    # and the zinc refined stage of Japan 2022 is now held (shares 124 : 93 : 90.5 by value)
    flows = Store(home=home).trade(stage="refined", minerals=["zinc"], importers=["JPN"], variable="value")
    assert sorted(flows.loc[flows["year"] == 2022, "exporter"]) == ["AUS", "CHN", "KOR"]


def test_fetch_baci_resumes_an_interrupted_download(server, home, zip_bytes, monkeypatch):
    cut = len(zip_bytes) // 3
    server.cut_after = cut
    monkeypatch.setenv("CRITMIN_BACI_URL", f"{server.url}/baci")        # the base URL from the env var
    r = run("baci", "--release", RELEASE, "--no-progress")
    assert r.exit_code == 2
    assert "interrupted after" in r.output and "run the same command again to resume" in r.output
    part = home / "downloads" / f"BACI_HS92_{RELEASE}.zip.part"
    assert part.stat().st_size == cut
    assert read_imports_index(home) == []                               # nothing imported
    server.cut_after = None
    r = run("baci", "--release", RELEASE, "--no-progress")
    assert r.exit_code == 0, r.output
    assert server.requests[-1]["range"] == f"bytes={cut}-"                # resumed, not restarted
    assert read_imports_index(home)[0]["sha256"] == hashlib.sha256(zip_bytes).hexdigest()
    assert not part.exists()


def test_fetch_baci_restarts_when_the_server_cannot_resume(server, home, zip_bytes):
    server.cut_after = 100
    r = run("baci", "--release", RELEASE, "--url", f"{server.url}/baci", "--no-progress")
    assert r.exit_code == 2 and "interrupted after 100 of" in r.output
    server.cut_after, server.ranges = None, False
    r = run("baci", "--release", RELEASE, "--url", f"{server.url}/baci", "--no-progress")
    assert r.exit_code == 0, r.output
    assert server.requests[-1]["range"] == "bytes=100-"                  # asked to resume, got the whole file
    assert read_imports_index(home)[0]["sha256"] == hashlib.sha256(zip_bytes).hexdigest()


def test_fetch_baci_damaged_zip_leaves_the_store_unchanged(server, home, zip_bytes):
    server.files[f"/baci/BACI_HS92_{RELEASE}.zip"] = damaged(zip_bytes)
    r = run("baci", "--release", RELEASE, "--url", f"{server.url}/baci", "--no-progress")
    assert r.exit_code == 2
    assert "damaged" in r.output
    assert not (home / "imports.json").exists() and not (home / "imports").exists()   # store unchanged
    assert not list((home / "downloads").glob("*.zip"))                 # removed: the next run downloads anew
    server.files[f"/baci/BACI_HS92_{RELEASE}.zip"] = b"<html>not a zip</html>"
    r = run("baci", "--release", RELEASE, "--url", f"{server.url}/baci", "--no-progress")
    assert r.exit_code == 2 and "damaged or not a BACI release zip" in r.output
    assert read_imports_index(home) == []
    # a well-formed zip whose rows fail the BACI importer's validation (Korea missing from the codes)
    server.files[f"/baci/BACI_HS92_{RELEASE}.zip"] = baci_zip(CODES_CSV.replace("410,Rep. of Korea,KR,KOR\n", ""))
    r = run("baci", "--release", RELEASE, "--url", f"{server.url}/baci", "--no-progress")
    assert r.exit_code == 2 and "did not pass validation; nothing was imported" in r.output
    assert "country-codes table" in r.output
    assert read_imports_index(home) == [] and not (home / "imports").exists()
    assert not [p for p in (home / "downloads").iterdir()]             # no zip, part or filter folder left


def test_fetch_baci_offline_and_http_errors(server, home):
    r = run("baci", "--release", RELEASE, "--url", closed_port_url(), "--no-progress")
    assert r.exit_code == 2
    assert "cannot reach" in r.output and "offline" in r.output
    r = run("baci", "--release", "V209912", "--url", f"{server.url}/baci", "--no-progress")
    assert r.exit_code == 2 and "HTTP 404" in r.output
    r = run("baci", "--nomenclature", "HS99", "--no-progress")
    assert r.exit_code == 2 and "unknown BACI nomenclature" in r.output
    assert read_imports_index(home) == []


def test_baci_url():
    assert fetch.baci_url("V202501", "HS92", base="https://www.cepii.fr/DATA_DOWNLOAD/baci/data") == \
        "https://www.cepii.fr/DATA_DOWNLOAD/baci/data/BACI_HS92_V202501.zip"
    assert fetch.baci_url("V202501", "hs17", base="http://x/y/BACI_HS17_V202501.zip") == \
        "http://x/y/BACI_HS17_V202501.zip"


# --------------------------------------------------------------------------- UN Comtrade
def test_fetch_comtrade_imports_the_records(server, home, monkeypatch):
    monkeypatch.setenv("COMTRADE_API_KEY", KEY)
    r = run("comtrade", "--reporter", "JPN", "--hs", "790111,780110", "--years", "2022-2023",
            "--url", f"{server.url}/data/v1/get", "--no-progress")
    assert r.exit_code == 0, r.output
    calls = [q for q in server.requests if q["path"].startswith("/data/v1/get/C/A/HS")]
    assert len(calls) == 2 and all(q["key"] == KEY for q in calls)          # the key in the header only
    assert all(KEY not in q["path"] for q in calls)
    q0 = urllib.parse.parse_qs(urllib.parse.urlparse(calls[0]["path"]).query)
    assert q0["reporterCode"] == ["392"] and q0["flowCode"] == ["M"] and q0["period"] == ["2022"]
    assert q0["cmdCode"] == ["780110,790111"] and q0["motCode"] == ["0"] and q0["customsCode"] == ["C00"]
    idx = read_imports_index(home)
    assert len(idx) == 1 and idx[0]["source"] == "comtrade"
    assert idx[0]["edition"].startswith("UN Comtrade, retrieved ")
    kw = dict(source="comtrade", country="JPN", hs="790111")
    assert _value(home, **kw, partner="KOR", year=2022, variable="value") == 12_400.0   # the total, not + the sea part
    assert _value(home, **kw, partner="KOR", year=2022, variable="quantity") == 4_000.0
    assert _value(home, **kw, partner="AUS", year=2022, variable="value") == 9_300.0
    assert _value(home, **kw, partner="KOR", year=2023, variable="value") == 13_025.0
    assert _obs(home, **kw, partner="KOR", year=2023, variable="quantity").empty        # 0 kg = not reported
    assert set(_obs(home, source="comtrade")["partner"]) == {"KOR", "AUS"}              # World dropped


def test_fetch_comtrade_errors(server, home, monkeypatch):
    monkeypatch.delenv("COMTRADE_API_KEY", raising=False)
    r = run("comtrade", "--reporter", "JPN", "--hs", "790111", "--years", "2022", "--url",
            f"{server.url}/data/v1/get", "--no-progress")
    assert r.exit_code == 2 and "COMTRADE_API_KEY is not set" in r.output
    assert not [q for q in server.requests if q["path"].startswith("/data")]       # nothing asked
    monkeypatch.setenv("COMTRADE_API_KEY", "wrong")
    r = run("comtrade", "--hs", "790111", "--years", "2022", "--url", f"{server.url}/data/v1/get",
            "--no-progress")
    assert r.exit_code == 2 and "HTTP 401" in r.output and "COMTRADE_API_KEY" in r.output
    monkeypatch.setenv("COMTRADE_API_KEY", KEY)
    monkeypatch.setenv("CRITMIN_COMTRADE_URL", closed_port_url())
    r = run("comtrade", "--hs", "790111", "--years", "2022", "--no-progress")
    assert r.exit_code == 2 and "cannot reach" in r.output
    r = run("comtrade", "--hs", "999999", "--years", "2022", "--no-progress")
    assert r.exit_code == 2 and "not in the catalogue" in r.output
    assert read_imports_index(home) == []


def test_reporter_codes_and_years():
    assert fetch.comtrade_reporter_code("JPN") == 392
    assert fetch.comtrade_reporter_code("USA") == 842
    assert fetch.comtrade_reporter_code("DEU") == 276
    assert fetch.comtrade_reporter_code("TWN") == 490
    assert fetch.parse_years("2010-2012,2015") == [2010, 2011, 2012, 2015]
    with pytest.raises(fetch.FetchError):
        fetch.parse_years("2024-2010")

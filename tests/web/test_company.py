"""Company import files: read from memory like from a path (UTF-8, UTF-8 with BOM, Shift-JIS, .xlsx),
and through the API for their authenticated owner only — the CLI's JSON, size limits, no trace in the
log, no public caching.

Hand figures (tests/data/company_imports.csv: cobalt 60 t from COD and 40 t from FIN, value 3,000 +
2,200; lithium 100 t each from AUS and CHL, value 2,000 + 2,100): import HHI 0.6² + 0.4² = 0.52 and
0.5; price 5,200 / 100 = 52 and 4,100 / 200 = 20.5; the cobalt world production HHI of 2022
0.4928971158 (tests/methods/test_methods_misc.py)."""
from __future__ import annotations

import io
import json
import logging
from pathlib import Path

import pytest

from .conftest import PASSWORDS, TOKEN

DATA = Path(__file__).resolve().parents[1] / "data"
RAW = (DATA / "company_imports.csv").read_bytes()
ALICE = ("alice", PASSWORDS["alice"])
URL = "/api/v1/users/alice/company"


def _xlsx(text: str) -> bytes:
    import openpyxl

    wb = openpyxl.Workbook()
    for line in text.splitlines():
        wb.active.append(line.split(","))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@pytest.fixture(scope="module")
def variants() -> dict[str, bytes]:
    text = RAW.decode("utf-8")
    return {"utf-8": RAW, "utf-8 with BOM": b"\xef\xbb\xbf" + RAW,
            # a Japanese name for cobalt, as Excel writes CSV on a Japanese system (cp932)
            "shift-jis": text.replace("cobalt", "コバルト").encode("cp932"), "xlsx": _xlsx(text)}


def test_read_bytes_is_read_of_a_path(variants):
    from critmin.methods import company

    ref = company.read(DATA / "company_imports.csv")
    for kind, blob in variants.items():
        df = company.read_bytes(blob, "imports")
        assert df.equals(ref), kind
        assert df.attrs["encoding"] == {"utf-8": "UTF-8", "utf-8 with BOM": "UTF-8", "shift-jis": "Shift-JIS (cp932)",
                                        "xlsx": "xlsx"}[kind]
    assert ref["q"].tolist() == [60.0, 40.0, 100.0, 100.0] and ref["country"].tolist() == ["COD", "FIN", "AUS", "CHL"]


@pytest.mark.parametrize("blob,words", [
    (b"", "empty"),
    (b"PK\x03\x04not a workbook", "not a readable Excel workbook"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1old", ".xls"),
    ("mineral,country,quantity,value,year\ncobalt,COD,1,1,2022\ncobalt,COD,NaN,1,2022\n".encode(), "row 3"),
    (b"\xff\xfem\x00", "UTF-16"),
])
def test_read_bytes_errors_name_the_file_and_row(blob, words):
    from critmin.errors import DataValidationError
    from critmin.methods import company

    with pytest.raises(DataValidationError) as e:
        company.read_bytes(blob, "mine.csv")
    assert words in str(e.value) and "mine.csv" in str(e.value)


def test_company_api_is_the_cli_document_for_every_encoding(live, variants):
    from typer.testing import CliRunner

    from critmin.cli import app

    cli = CliRunner().invoke(app, ["company", str(DATA / "company_imports.csv"), "--format", "json"])
    assert cli.exit_code == 0, cli.output
    want = json.loads(cli.stdout)
    for kind, blob in variants.items():
        r = live.client.post(URL, content=blob, auth=ALICE, headers={
            "content-type": "application/octet-stream",
            "content-disposition": 'attachment; filename="imports.xlsx"' if kind == "xlsx" else "attachment"})
        assert r.status_code == 200, (kind, r.text)
        assert r.json() == want, kind
        assert r.headers["cache-control"] == "no-store" and "x-critmin-cache" not in r.headers
    rec = {x["mineral"]: x for x in want["records"]}
    assert rec["cobalt"]["import_hhi"] == pytest.approx(0.52) and rec["lithium"]["import_hhi"] == pytest.approx(0.5)
    assert rec["cobalt"]["price"] == pytest.approx(52.0) and rec["lithium"]["price"] == pytest.approx(20.5)
    assert rec["cobalt"]["hhi"] == pytest.approx(0.4928971158, rel=1e-9)
    assert rec["cobalt"]["score"] == pytest.approx(rec["cobalt"]["hhi"] * rec["cobalt"]["import_risk"], rel=1e-12)
    # a bearer token works for its own user
    r = live.client.post("/api/v1/users/bob/company", content=RAW, headers={"Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 200 and r.json() == want


def test_company_api_auth_limits_and_errors(live, caplog):
    caplog.set_level(logging.DEBUG)
    c = live.client
    secret = "cobalt,COD,4242.5,987123,2022\n"            # quantities nobody else may see
    body = b"mineral,country,quantity,value,year\n" + secret.encode()
    assert c.post(URL, content=body).status_code == 401
    assert c.post(URL, content=body, auth=("alice", "wrong")).status_code == 401
    assert c.post(URL, content=body, auth=("bob", PASSWORDS["bob"])).status_code == 403
    ok = c.post(URL, content=body, auth=ALICE)
    assert ok.status_code == 200 and ok.json()["records"][0]["quantity_t"] == 4242.5

    # errors: 422 naming the file, row and field (the year as the API's parameter)
    bad = c.post(URL, content=body.replace(b"COD", b"Atlantis"), auth=ALICE,
                 headers={"content-disposition": 'attachment; filename="q3 imports.csv"'})
    assert bad.status_code == 422
    d = bad.json()["detail"][0]
    assert d["field"] == "country" and "row 2" in d["msg"] and "q3 imports.csv" in d["msg"]
    y = c.post(URL, params={"year": 2019}, content=body, auth=ALICE).json()["detail"][0]
    assert y["field"] == "year" and "2019" in y["msg"]

    # the size limit: 413 beyond max_upload_bytes (larger than the JSON body limit, stated at /limits)
    lim = c.get("/api/v1/limits").json()
    assert lim["max_upload_bytes"] > lim["max_body_bytes"]
    big = c.post(URL, content=b"x" * (lim["max_upload_bytes"] + 1), auth=ALICE)
    assert big.status_code == 413 and "limit" in big.json()["detail"][0]["msg"]
    mid = body + b"\n" * (lim["max_body_bytes"] + 10)         # over the JSON limit, within the upload limit
    assert c.post(URL, content=mid, auth=ALICE).status_code == 200

    # nothing of the file in the server log, nor kept: health and public answers do not carry it
    text = "\n".join(f"{m.name} {m.getMessage()}" for m in caplog.records)
    assert "/company" in text                                # the log was captured
    for s in ("4242", "987123", "Atlantis", "q3 imports"):
        assert s not in text, s
        assert s not in c.get("/api/v1/health").text


def test_read_bytes_answers_every_damaged_file_as_read_does(tmp_path):
    """The 30 deterministic mutants of the company example (tests/test_hostile_input.py): the same table, or
    the same error (file, row, field and fix), from memory as from the path."""
    from critmin.errors import DataValidationError
    from critmin.methods import company

    from ..test_hostile_input import VARIANTS

    mutants = [(name, blob) for kind, name, blob in VARIANTS if kind == "company"]
    assert len(mutants) == 30
    read_ok = 0
    for k, (name, blob) in enumerate(mutants):
        f = tmp_path / f"{k:02d}.csv"
        f.write_bytes(blob)
        outcome = []
        for reader in (lambda: company.read(f), lambda: company.read_bytes(blob, str(f))):
            try:
                df = reader()
                outcome.append(("ok", df.to_dict("list"), df.attrs))
            except DataValidationError as e:
                outcome.append(("error", str(e), None))
        assert outcome[0] == outcome[1], name
        read_ok += outcome[0][0] == "ok"
    assert 5 <= read_ok < 30                 # the readable ones (encodings, BOM, CRLF ...) and not the broken

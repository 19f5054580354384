"""Data imported while the server runs is served at the next request, without a restart: the
server notices the store's new data version (its index, ``imports.json``) and drops the answers
and the tables of the old one."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("httpx")
#: Starlette's TestClient on httpx (not httpx2) warns; the client works the same
pytestmark = pytest.mark.filterwarnings("ignore:Using `httpx` with `starlette.testclient`")

#: an edition of the USGS MCS world table newer than any shipped, with cobalt reserves for 2024
#: (the year the JPN assessment reads): DRC 6,000,000 t, Indonesia 640,000 t, others 1,500,000 t
MCS = ("SOURCE,COMMODITY,COUNTRY,TYPE,UNIT_MEAS,PROD_2023,PROD_EST_ 2024,PROD_NOTES,CAP_2023,CAP_EST_ 2024,"
       "CAP_NOTES,RESERVES_2024,RESERVE_NOTES\n"
       'MCS2099,Cobalt,Congo (Kinshasa),"Mine production, cobalt content, estimated",metric tons,'
       "220000,230000,,,,,6000000,\n"
       'MCS2099,Cobalt,Indonesia,"Mine production, cobalt content, estimated",metric tons,'
       "28000,35000,,,,,640000,\n"
       'MCS2099,Cobalt,Other countries,"Mine production, cobalt content, estimated",metric tons,'
       "20000,21000,,,,,1500000,\n")


def test_an_import_while_the_server_runs_is_served_at_the_next_request(tmp_path, monkeypatch):
    from fastapi.testclient import TestClient

    from critmin.sources import module, sha256
    from critmin.store import Store
    from critmin.web import Settings, create_app

    home = tmp_path / "home"
    # the derived summaries of the shipped data, computed already under the session's home, are
    # named by the data version: copied, they spare the first request's rescan (not the second's)
    session = Path(os.environ["CRITMIN_HOME"]) / "cache"
    if session.is_dir():
        shutil.copytree(session, home / "cache")
    monkeypatch.setenv("CRITMIN_HOME", str(home))
    client = TestClient(create_app(Settings(data_check_s=0)))
    q = {"country": "JPN", "year": 2024, "mineral": "cobalt"}

    def reserves(r):
        rec = next(x for x in r.json()["records"] if x["indicator"] == "reserve_concentration")
        return rec["value"], rec["inputs"]["shares"]

    before = client.get("/api/v1/assess", params=q)
    assert before.status_code == 200
    # hand figure (critmin assess --country JPN --year 2024 --mineral cobalt --format json, shipped data)
    assert reserves(before)[0] == pytest.approx(0.3481219965616024, rel=1e-12)
    assert client.get("/api/v1/assess", params=q).headers["x-critmin-cache"] == "hit"

    # another process imports a file (here: the library, through its own Store, as `critmin data import` does)
    f = tmp_path / "MCS2099_World_Data.csv"
    f.write_text(MCS, encoding="utf-8-sig")
    mod = module("usgs-mcs")
    Store().add(mod.read(f), source=mod.SOURCE.id, edition="MCS2099", origin=str(f), sha256=sha256(f))

    after = client.get("/api/v1/assess", params=q)
    assert after.status_code == 200 and after.headers["x-critmin-cache"] == "miss"
    assert after.headers["x-critmin-data-version"] != before.headers["x-critmin-data-version"]
    value, shares = reserves(after)
    assert value != pytest.approx(0.3481219965616024, rel=1e-6)
    # the new edition's reserves are read: Indonesia / DRC = 640,000 / 6,000,000
    assert shares["IDN"] / shares["COD"] == pytest.approx(640_000 / 6_000_000, rel=1e-4)
    assert client.get("/api/v1/data/info", params={"country": "JPN"}).text.count("MCS2099") >= 1


def test_the_version_is_looked_at_no_more_often_than_asked(tmp_path, monkeypatch):
    from critmin.web.cache import DataWatch

    monkeypatch.setenv("CRITMIN_HOME", str(tmp_path))
    w = DataWatch(ttl=3600)
    v = w.version()
    (tmp_path / "imports.json").write_text("[]", encoding="utf-8")     # a change, seen only after the ttl
    assert w.version() == v
    w.ttl = 0
    assert w.version() == v                   # an empty index: the same files, the same fingerprint
    assert w._sig[1] is not None               # ... but the index was looked at

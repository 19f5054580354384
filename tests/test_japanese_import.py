"""The data commands that need a file or a server print no English sentence with ``--lang ja``
(issue 13; the others run in tests/test_japanese.py): ``data import`` on a small USGS MCS file,
``data fetch baci`` and ``data fetch comtrade`` against the local server of tests/test_fetch.py."""
from __future__ import annotations

import re

from typer.testing import CliRunner

from critmin.cli import app
from critmin.store import read_imports_index, reset_default_store

from .test_fetch import KEY, RELEASE, home, server, zip_bytes  # noqa: F401 - fixtures of the local server
from .test_japanese import english
from .test_store import GOOD_ROWS, mcs2027

JA = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def japanese(r) -> str:
    """Everything the command printed (stdout and stderr), checked: exit 0, Japanese, no English run."""
    assert r.exit_code == 0, r.output
    assert JA.search(r.output), r.output
    assert english(r.output) == [], english(r.output)
    return r.output


def test_data_import_in_japanese(user_dir, tmp_path):
    f = mcs2027(tmp_path, GOOD_ROWS)
    out = japanese(CliRunner().invoke(app, ["data", "import", "usgs-mcs", str(f), "--lang", "ja"]))
    # 3 countries x (production 2025, 2026 estimate, reserves): the count with its separator, the edition
    assert "件の観測値を" in out and "MCS2027" in out
    assert len(read_imports_index(user_dir)) == 1
    reset_default_store()


def test_data_fetch_baci_in_japanese(server, home):  # noqa: F811 - fixtures imported above
    r = CliRunner().invoke(app, ["data", "fetch", "baci", "--release", RELEASE, "--url", f"{server.url}/baci/",
                                 "--no-progress", "--lang", "ja"])
    out = japanese(r)
    assert "観測値 9 件" in out and "バイトをダウンロード" in out        # 9 observations, as in English
    again = japanese(CliRunner().invoke(app, ["data", "fetch", "baci", "--release", RELEASE, "--url",
                                              f"{server.url}/baci/", "--no-progress", "--lang", "ja"]))
    assert "取り込み済み" in again


def test_data_fetch_comtrade_in_japanese(server, home, monkeypatch):  # noqa: F811
    monkeypatch.setenv("COMTRADE_API_KEY", KEY)
    r = CliRunner().invoke(app, ["data", "fetch", "comtrade", "--reporter", "JPN", "--hs", "790111,780110",
                                 "--years", "2022-2023", "--url", f"{server.url}/data/v1/get", "--no-progress",
                                 "--lang", "ja"])
    assert "観測値 5 件" in japanese(r)        # as in English: 5 records

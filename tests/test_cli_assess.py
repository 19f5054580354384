"""``critmin assess`` as a person meets it (issue 13): the first screen in 100 columns in both
languages, ranked by overall risk; the wide table on request; reports never overwritten silently;
``--version``; progress on stderr also when stdout is piped."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from rich.cells import cell_len
from typer.testing import CliRunner

import critmin
from critmin.cli import SCREEN_ROWS, app

ROW = re.compile(r"^\s*(\d+)\s{2,}(\S.*?)\s{2,}")


def _rows(text: str) -> list[tuple[int, str]]:
    """(rank, mineral name) of each table row."""
    out = []
    for line in text.splitlines():
        m = ROW.match(line)
        if m and not line.strip().startswith(("#", "-")):
            out.append((int(m.group(1)), m.group(2).rstrip("…").strip()))
    return out


@pytest.fixture(scope="module")
def ranked():
    """JPN 2024 ranked as the table ranks it (the API, not the CLI): 94 minerals."""
    return critmin.assess("JPN", 2024).rank()


@pytest.fixture(scope="module")
def screens(monkeypatch_module, ranked):
    """The first screen (no minerals chosen) in English and Japanese, at COLUMNS=100."""
    monkeypatch_module.setenv("COLUMNS", "100")
    runner = CliRunner()
    out = {}
    for lang in ("en", "ja"):
        r = runner.invoke(app, ["assess", "--year", "2024", "--no-report", "--lang", lang])
        assert r.exit_code == 0, r.output
        out[lang] = r.stdout
    return out


@pytest.fixture(scope="module")
def monkeypatch_module():
    mp = pytest.MonkeyPatch()
    yield mp
    mp.undo()


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_first_screen_fits_100_columns_and_shows_the_highest_overall_risk(screens, ranked, lang):
    text = screens[lang]
    widths = [cell_len(line) for line in text.splitlines()]
    assert max(widths) <= 100, [line for line in text.splitlines() if cell_len(line) > 100]
    rows = _rows(text)
    assert [k for k, _ in rows] == list(range(1, SCREEN_ROWS + 1))      # 20 of 94
    names = [critmin.catalogue.name(m, lang) for m in ranked.index[:SCREEN_ROWS]]
    assert [n for _, n in rows] == names        # none cut: the column holds 31 cells
    # the first is mercury (mean 0.903 of 4 scored, 2024), then rhodium and magnesium
    assert list(ranked.index[:3]) == ["mercury", "rhodium", "magnesium"]
    assert round(float(ranked["mean"].iloc[0]), 3) == 0.903
    more = {"en": "20 of 94 minerals shown", "ja": "94 鉱種のうち総合リスクの高い 20 鉱種を表示"}[lang]
    assert more in " ".join(text.split()) or more in text.replace("\n", "")
    title = {"en": "importer Japan (JPN), year 2024", "ja": "輸入国 日本 (JPN)、2024年"}[lang]
    assert title in text


def test_a_chosen_list_is_shown_whole_and_ranked(monkeypatch):
    monkeypatch.setenv("COLUMNS", "100")
    r = CliRunner().invoke(app, ["assess", "--year", "2024", "--list", "jp-stockpile-34", "--no-report",
                                 "--lang", "ja"])
    assert r.exit_code == 0, r.output
    assert max(cell_len(x) for x in r.stdout.splitlines()) <= 100
    members = critmin.catalogue.list_members("jp-stockpile-34")
    want = [critmin.catalogue.name(m, "ja") for m in critmin.assess("JPN", 2024, members).rank().index]
    rows = _rows(r.stdout)
    assert len(rows) == 34 and [n for _, n in rows] == want
    assert "鉱種を表示" not in r.stdout                 # nothing left out


def test_wide_is_the_full_table(ranked, monkeypatch):
    monkeypatch.setenv("COLUMNS", "100")
    r = CliRunner().invoke(app, ["assess", "--year", "2024", "--no-report", "--wide"])
    assert r.exit_code == 0, r.output
    rows = _rows(r.stdout)
    assert len(rows) == 94 and rows[-1][0] == 94
    assert "ImpConc" in r.stdout and "Reserv" in r.stdout       # the longer headers


def test_a_report_is_never_overwritten_silently(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    args = ["assess", "-m", "copper", "--year", "2024", "--trend-years", "2", "--format", "json"]
    # json writes no report unless asked: the table format does
    first = CliRunner().invoke(app, ["assess", "-m", "copper", "--year", "2024", "--trend-years", "2"])
    assert first.exit_code == 0, first.output
    assert "report written to critmin-report.html" in first.stderr
    before = (tmp_path / "critmin-report.html").read_bytes()
    second = CliRunner().invoke(app, ["assess", "-m", "copper", "--year", "2024", "--trend-years", "2",
                                      "--lang", "ja"])
    assert second.exit_code == 0, second.output
    assert "critmin-report-2.html" in second.stderr and "critmin-report.html は既にあるため残しました" in second.stderr
    assert (tmp_path / "critmin-report.html").read_bytes() == before
    assert "<html lang='ja'>" in (tmp_path / "critmin-report-2.html").read_text(encoding="utf-8")
    # --out names the file: an existing one is replaced, and the message says so
    third = CliRunner().invoke(app, [*args, "-m", "lithium", "--out", "critmin-report.html"])
    assert third.exit_code == 0, third.output
    assert "report written to critmin-report.html (the previous file was replaced)" in third.stderr
    assert (tmp_path / "critmin-report.html").read_bytes() != before
    assert "id='m-lithium'" in (tmp_path / "critmin-report.html").read_text(encoding="utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["critmin-report-2.html", "critmin-report.html"]
    json.loads(third.stdout)                            # stdout stays the JSON document


def test_version():
    r = CliRunner().invoke(app, ["--version"])
    assert r.exit_code == 0 and r.stdout.strip() == f"critmin {critmin.__version__}"


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
def test_progress_shows_on_stderr_when_only_stdout_is_piped(tmp_path):
    """stdout to a pipe (``critmin assess --format json | jq``), stderr a terminal: the spinner
    shows there while the JSON goes to the pipe untouched."""
    master, slave = os.openpty()
    env = {**os.environ, "TERM": "xterm", "COLUMNS": "100"}
    env.pop("CI", None)
    exe = Path(sys.executable).with_name("critmin")
    t0 = time.perf_counter()
    p = subprocess.run([str(exe), "assess", "--year", "2024", "-m", "copper", "--format", "json"],
                       stdout=subprocess.PIPE, stderr=slave, env=env, cwd=tmp_path, timeout=120, check=False)
    os.close(slave)
    seen = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    os.close(master)
    assert p.returncode == 0
    assert json.loads(p.stdout)["records"][0]["mineral"] == "copper"
    assert b"assessing" in seen, (time.perf_counter() - t0, seen[:300])

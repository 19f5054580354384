"""With ``--lang ja`` the main commands print no English sentence (issue 13).

The check (:func:`english`): a table cell or line holding at least four consecutive English words of
lowercase letters ("reserves concentrated in few countries"). Labels and data values are aside by
construction: ids (``rare_earths``, ``weighted_hhi``), units, codes, capitalised source names,
URLs and file paths never form such a run. A command still printing English is marked xfail
(strict: the mark must go when it is fixed) with what remains.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from critmin.cli import app

REPO = Path(__file__).resolve().parents[1]
_URL_OR_PATH = re.compile(r"https?://\S+|\S*[/\\]\S*|`[^`]*`")     # URLs, paths, `code spans`
_CELL = re.compile(r"\s{2,}|[│┃|┆╎]")          # rich pads table cells with at least two spaces
_SENTENCE = re.compile(r"(?<![\w.-])[a-z]+[,;:.]?(?: [a-z]+[,;:.]?){3,}(?![\w-])")


def english(text: str) -> list[str]:
    """The English runs (≥ 4 lowercase words) in ``text``, cell by cell."""
    hits: list[str] = []
    for line in text.splitlines():
        for cell in _CELL.split(_URL_OR_PATH.sub(" ", line)):
            hits += _SENTENCE.findall(cell)
    return hits


def test_the_check_finds_sentences_and_ignores_ids_units_and_paths():
    assert english("銅: reserves concentrated in few countries") == ["reserves concentrated in few countries"]
    assert english("手法: 輸入安定性 weighted_hhi、ガバナンス pv、正規化 anchors") == []
    assert english("出典 usgs_mcs:MCS2026  https://pubs.usgs.gov/some/long/path  t  kt  USD/t") == []
    assert english("  copper   scored   basis   value  ") == []          # four cells, not a sentence
    assert english("World Mining Data (Federal Ministry, Austria)") == []
    assert english("BACI を取り込むと埋まる: `critmin data import baci FILE`") == []


POLICY = str(REPO / "examples" / "policies" / "ree_diversification_japan.yaml")
COMPANY = str(REPO / "tests" / "data" / "company_imports.csv")
SELF = str(REPO / "examples" / "selfsufficiency-template.csv")
STOCKS = str(REPO / "examples" / "stock-levels.example.csv")


def _xfail(why: str):
    return pytest.mark.xfail(reason=why, strict=True)


#: one case per command that prints a result from the shipped data (the rest: NO_RUN below)
CASES = [
    pytest.param(["assess", "--year", "2022", "-m", "copper", "-m", "gallium", "-m", "lithium", "--no-report"],
                 id="assess"),
    pytest.param(["lists"], id="lists"),
    pytest.param(["lists", "jp-stockpile-34"], id="lists-one"),
    pytest.param(["demand", "--scenario", "seed-ev-1m"], id="demand"),
    pytest.param(["selfsufficiency", SELF], id="selfsufficiency"),
    pytest.param(["policy", "evaluate", POLICY], id="policy-evaluate"),
    pytest.param(["policy", "rank", POLICY], id="policy-rank"),
    pytest.param(["policy", "optimise", POLICY, "--budget", "1e9"], id="policy-optimise"),
    pytest.param(["flow", "--mineral", "copper", "--country", "JPN", "--year", "2022"], id="flow"),
    pytest.param(["flow", "--mineral", "rare_earths", "--world", "--year", "2022"], id="flow-world"),
    pytest.param(["data", "info"], id="data-info"),
    pytest.param(["data", "gaps", "--country", "JPN"], id="data-gaps"),
    pytest.param(["stockpile", "plan", "--country", "JPN"], id="stockpile-plan"),
    pytest.param(["stockpile", "plan", "--country", "JPN", "--stocks", STOCKS], id="stockpile-plan-stocks"),
    pytest.param(["stockpile", "events"], id="stockpile-events"),
    pytest.param(["stockpile", "scenarios"], id="stockpile-scenarios"),
    pytest.param(["disrupt", "--scenario", "list"], id="disrupt-list"),
    pytest.param(["disrupt", "--scenario", "china_gallium_2023"], id="disrupt"),
    pytest.param(["disrupt", "--scenario", "china_gallium_2023", "--runs", "200", "--seed", "1"], id="disrupt-mc"),
    pytest.param(["compare", "--country", "JPN", "--year", "2022"], id="compare"),
    pytest.param(["geopolrisk", "--country", "JPN", "--year", "2022"], id="geopolrisk"),
    pytest.param(["uncertainty", "--country", "JPN", "--year", "2022", "--draws", "200", "--sobol-n", "32", "-m", "copper"],
                 id="uncertainty"),
    pytest.param(["company", COMPANY], id="company"),
]

#: cases still printing English, by the part that owns them (strict xfail: remove the id when fixed)
PENDING: dict[str, str] = {}
CASES = [pytest.param(*p.values, id=p.id, marks=[_xfail(f"not yet Japanese ({PENDING[p.id]})")])
         if p.id in PENDING else p for p in CASES]

#: commands not run here, and why; each must still take --lang (test below)
NO_RUN = {
    "serve": "starts a server (tests/web run it in Japanese)",
    "data build": "rebuilds the dataset from ../shared (tests/test_build.py runs it with --lang ja)",
    "data import": "needs a source file (tests/test_japanese_import.py)",
    "data fetch baci": "downloads (tests/test_fetch.py, local server)",
    "data fetch comtrade": "downloads (tests/test_fetch.py, local server)",
}


def _leaves(group, prefix=()):
    for name, cmd in group.commands.items():
        if hasattr(cmd, "commands"):                # a group (typer may ship its own click)
            yield from _leaves(cmd, (*prefix, name))
        else:
            yield " ".join((*prefix, name)), cmd


def test_every_command_takes_lang_and_is_run_here_or_excused():
    import typer.main

    leaves = dict(_leaves(typer.main.get_command(app)))
    no_lang = sorted(n for n, c in leaves.items() if not any("--lang" in p.opts for p in c.params))
    assert no_lang == [], f"commands without --lang: {no_lang}"
    ran = set()
    for p in CASES:
        args = p.values[0]
        ran |= {" ".join(args[:k]) for k in (1, 2, 3) if " ".join(args[:k]) in leaves}
    missing = sorted(set(leaves) - ran - set(NO_RUN))
    assert missing == [], f"add a case to CASES (or a reason to NO_RUN) for: {missing}"


@pytest.mark.parametrize("args", CASES)
def test_no_english_sentence_with_lang_ja(args, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)                 # any default report lands here
    monkeypatch.setenv("COLUMNS", "200")
    r = CliRunner().invoke(app, [*args, "--lang", "ja"])
    assert r.exit_code == 0, r.output
    assert re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", r.stdout), "no Japanese at all"
    assert english(r.stdout) == []

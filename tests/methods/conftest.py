"""The compare and uncertainty reports, each written once per test session through the CLI, in English
and in Japanese (tests/methods/test_methods_report.py, test_methods_report_lang.py)."""
from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from critmin.cli import app

MINERALS = ["copper", "lithium", "cobalt"]
YEARS = list(range(2018, 2025))


def _run(args: list[str]) -> dict:
    r = CliRunner().invoke(app, args)
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


def _uncertainty(tmp_path_factory, lang: str):
    out = tmp_path_factory.mktemp(f"unc-{lang}") / "uncertainty.html"
    args = ["uncertainty", "--country", "JPN", "--year", "2022", "--draws", "300", "--sobol-n", "32",
            "--out", str(out), "--format", "json", "--lang", lang]
    for m in MINERALS:
        args += ["-m", m]
    return out, _run(args)


def _compare(tmp_path_factory, lang: str):
    out = tmp_path_factory.mktemp(f"cmp-{lang}") / "compare.html"
    args = ["compare", "--country", "JPN", "--years", f"{YEARS[0]}-{YEARS[-1]}", "--out", str(out),
            "--format", "json", "--lang", lang]
    for m in MINERALS:
        args += ["-m", m]
    return out, _run(args)


@pytest.fixture(scope="session")
def unc_run(tmp_path_factory):
    """``critmin uncertainty … --out uncertainty.html --format json`` (English): (report, JSON)."""
    return _uncertainty(tmp_path_factory, "en")


@pytest.fixture(scope="session")
def cmp_run(tmp_path_factory):
    """``critmin compare … --out compare.html --format json`` (English): (report, JSON)."""
    return _compare(tmp_path_factory, "en")


@pytest.fixture(scope="session")
def unc_run_ja(tmp_path_factory):
    return _uncertainty(tmp_path_factory, "ja")


@pytest.fixture(scope="session")
def cmp_run_ja(tmp_path_factory):
    return _compare(tmp_path_factory, "ja")

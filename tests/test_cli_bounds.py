"""Command-line numbers outside their bounds are refused before any work, with the field and the fix."""
from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from critmin.cli import app

NICKEL = str(Path(__file__).resolve().parents[1] / "examples" / "policies" / "nickel_upstream_equity.yaml")


@pytest.mark.parametrize("args, message", [
    (["policy", "optimise", NICKEL, "--budget", "inf"], "the budget must be a finite number >= 0"),
    (["policy", "optimise", NICKEL, "--budget", "nan"], "the budget must be a finite number >= 0"),
    (["policy", "optimise", NICKEL, "--budget", "-5"], "found -5.0"),
    (["policy", "optimise", NICKEL, "--budget", "1e12"], "budget is above the limit of 1e+09"),
    (["demand", "--scenario", "seed-ev-1m", "--until", "100000000"], "expected 2030–2180"),
    (["demand", "--scenario", "seed-ev-1m", "--until", "2020"], "--until is outside the projection range"),
])
def test_out_of_bounds_numbers_are_refused(args, message):
    r = CliRunner().invoke(app, args)
    assert r.exit_code == 2, r.output
    assert message in r.output and "Fix:" in r.output and "Traceback" not in r.output

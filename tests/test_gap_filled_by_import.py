"""A stage the shipped data lacks is filled by importing the source file that has it — no code change.

Japan's refined-zinc imports (HS 7901.11) are not in the shipped BACI extract, so the refined
import indicator is null with a reason naming the code and the import command; importing a BACI
release CSV holding that code gives the score, equal to the hand-computed Σ s²·g.
"""
from __future__ import annotations

import pytest
from typer.testing import CliRunner

import critmin
from critmin.cli import app
from critmin.indicators import governance
from critmin.store import Store, reset_default_store

CODES = ("country_code,country_name,country_iso2,country_iso3\n36,Australia,AU,AUS\n156,China,CN,CHN\n"
         "392,Japan,JP,JPN\n410,Rep. of Korea,KR,KOR\n")
#: exporter BACI code → tonnes of refined zinc to Japan in 2024 (synthetic)
TONNES = {410: 40_000.0, 36: 30_000.0, 156: 30_000.0}


def _zinc_refined(store):
    a = critmin.assess("JPN", 2024, ["zinc"], store=store, domestic="ignore").records
    return a.set_index("indicator").loc["import_refined"]


def test_importing_the_missing_code_fills_the_refined_indicator(user_dir, tmp_path):
    before = _zinc_refined(Store(home=user_dir))
    assert before["score"] != before["score"]                                  # null
    assert before["reason"].startswith("HS 790111 not in the trade data held")

    (tmp_path / "country_codes_V202501.csv").write_text(CODES)
    csv = tmp_path / "BACI_HS92_Y2024_V202501.csv"
    csv.write_text("t,i,j,k,v,q\n" + "".join(f"2024,{i},392,790111,{q * 3.1 / 1000:.3f},{q}\n"
                                            for i, q in TONNES.items()))
    r = CliRunner().invoke(app, ["data", "import", "baci", str(csv)])
    assert r.exit_code == 0, r.output
    reset_default_store()

    store = Store(home=user_dir)
    after = _zinc_refined(store)
    g = governance.scores(store.load("governance"), years=[2024]).set_index("country")["g"]
    total = sum(TONNES.values())
    shares = {"KOR": 0.4, "AUS": 0.3, "CHN": 0.3}
    assert {k: q / total for k, q in zip(("KOR", "AUS", "CHN"), TONNES.values())} == shares
    expect = sum(s * s * g[c] for c, s in shares.items())
    assert after["value"] == pytest.approx(expect, rel=1e-9)
    assert after["reason"] == "" and after["score"] == after["score"]
    assert after["inputs"]["shares"] == pytest.approx(shares)
    assert any("V202501" in s for s in after["sources"])
    # the shipped concentrate flows are still there (the import added, it did not replace)
    conc = critmin.assess("JPN", 2024, ["zinc"], store=store).records.set_index("indicator").loc["import_concentrate"]
    assert conc["score"] == conc["score"]

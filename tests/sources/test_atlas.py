"""Critical Materials Atlas importer."""
from __future__ import annotations

import json

import pandas as pd
import pytest

from critmin import schema
from critmin.errors import DataValidationError
from critmin.sources import atlas
from critmin.sources.baci import BACI_HS92_CODES


@pytest.fixture(scope="module")
def adir(raw_dir):
    return raw_dir / "critical-materials-atlas"


@pytest.fixture(scope="module")
def flows(adir):
    return atlas.read(adir / "flows")


def _obs(df, **kw):
    for k, v in kw.items():
        df = df[df[k] == v]
    return df


def test_schema(flows):
    assert list(flows.columns) == schema.COLUMNS
    assert set(flows["dataset"]) == {"trade"} and set(flows["source"]) == {"atlas"}
    assert set(flows["mineral"]) == {""}
    assert (flows["year"].min(), flows["year"].max()) == (2002, 2024)
    assert not set(flows["hs"]) & BACI_HS92_CODES          # no double counting with BACI HS92
    assert {"740311", "750210", "850511", "811292"} <= set(flows["hs"])
    assert "811231" not in set(flows["hs"])                # hafnium = the shared 8112.92 flows
    assert "270112" not in set(flows["hs"])                # coking coal: not in catalogue
    assert flows["note"].str.startswith(atlas.NOTE).all()


def test_japan_refined_copper_from_chile(adir, flows):
    raw = json.loads((adir / "flows" / "flows_2019.json").read_text())
    usd = next(r["value"] for r in raw["materials"]["copper"] if r["from"] == "CL" and r["to"] == "JP")
    r = _obs(flows, country="JPN", partner="CHL", hs="740311", year=2019)
    assert r.loc[r["variable"] == "value", "value"].item() == pytest.approx(usd / 1000)
    assert r.loc[r["variable"] == "value", "unit"].item() == "kUSD"
    assert "quantity" not in set(r["variable"])            # no qty before 2024


def test_quantities_2024_only_and_no_zero(flows):
    q = flows[flows["variable"] == "quantity"]
    assert set(q["year"]) == {2024}
    assert (q["value"] > 0).all()                          # qty 0 (rounded) is missing, not zero


def test_single_file(adir):
    df = atlas.read(adir / "flows" / "flows_2024.json")
    assert set(df["year"]) == {2024}
    assert "HS17" in df["note"].iat[0]


def test_trade_hs17(adir):
    df = atlas.read_trade_hs17(adir / "trade_hs17_latest.parquet")
    raw = pd.read_parquet(adir / "trade_hs17_latest.parquet")
    exp = raw[(raw["hs6"] == "740311") & (raw["importer"] == "JPN") & (raw["exporter"] == "NGA")]
    r = _obs(df, country="JPN", partner="NGA", hs="740311")
    assert r.loc[r["variable"] == "value", "value"].item() == pytest.approx(exp["value_kusd"].item())
    assert r.loc[r["variable"] == "quantity", "value"].item() == pytest.approx(exp["qty_t"].item())
    assert set(df["edition"]) == {atlas.EDITION_HS17}
    assert "S19" not in set(df["partner"]) and "TWN" in set(df["partner"])
    nq = raw[raw["qty_t"].isna() & ~raw["hs6"].isin(BACI_HS92_CODES) & (raw["hs6"] != "270112")]
    assert (df["variable"] == "value").sum() - (df["variable"] == "quantity").sum() == len(nq)


def test_refined_shares(adir):
    df = atlas.read_refined_shares(adir / "refined_years.json")
    assert set(df["dataset"]) == {"refined_production"} and set(df["variable"]) == {"share"}
    assert "aluminium" not in set(df["mineral"])           # 'bauxite' skipped: ambiguous
    r = _obs(df, mineral="magnesium", year=2024, country="CHN")
    assert r["value"].item() == pytest.approx(0.94)
    tot = df.groupby(["mineral", "year"])["value"].sum()
    assert tot.between(0.95, 1.05).all()


def _mini(tmp_path, flows):
    (tmp_path / "crosswalk.json").write_text(json.dumps(
        {"copper": {"title_code": "740311"}, "lithium": {"title_code": "283691"}}))
    d = tmp_path / "flows"
    d.mkdir()
    (d / "flows_2020.json").write_text(json.dumps(
        {"year": 2020, "source": "UN Comtrade via CEPII BACI HS17 V202601", "materials": flows}))
    return d


def test_synthetic(tmp_path):
    d = _mini(tmp_path, {"copper": [{"from": "CL", "to": "JP", "value": 2000, "qty": 0},
                                    {"from": "NA", "to": "TW", "value": 1000, "qty": 3}],
                         "lithium": [{"from": "CL", "to": "JP", "value": 5}]})
    df = atlas.read(d)
    assert set(df["hs"]) == {"740311"}                     # lithium carbonate comes from BACI HS92
    nam = _obs(df, partner="NAM", country="TWN")           # 'NA' is Namibia, not missing
    assert dict(zip(nam["variable"], nam["value"])) == {"value": 1.0, "quantity": 3.0}
    chl = _obs(df, partner="CHL")
    assert list(chl["variable"]) == ["value"]


def test_unknown_material(tmp_path):
    d = _mini(tmp_path, {"unobtainium": [{"from": "CL", "to": "JP", "value": 1}]})
    with pytest.raises(DataValidationError, match="unobtainium"):
        atlas.read(d)


def test_truncated_json(tmp_path):
    d = _mini(tmp_path, {})
    (d / "flows_2020.json").write_text('{"year": 2020, "materials": {"copper": [{"from": "CL"')
    with pytest.raises(DataValidationError, match="flows_2020.json"):
        atlas.read(d)

"""A tiny synthetic dataset whose indicators can be computed by hand (year 2020, importer JPN).

g = (2.5 − WGI PV) / 5: AUS 0.3, PHL 0.7, IDN 0.6, CAN 0.2, CHN 0.5, FIN 0.1.
Nickel: world mine production IDN 600, PHL 200, AUS 100, CAN 100 t; reserves IDN 50, AUS 30, PHL 20;
JPN refined production 100 t; JPN imports concentrate (260400) PHL 300, IDN 100 t and refined
(750210) AUS 40, CHN 60 t; JPN exports 20 t refined to CHN (demand D = 100 + 100 − 20 = 180 t);
EoL-RIR 0.2. Cobalt: JPN imports refined (282200) CHN 50, FIN 50 t; no domestic production.
"""
from __future__ import annotations

import pandas as pd
import pytest

from critmin.schema import COLUMNS

WGI = {"AUS": 1.0, "PHL": -1.0, "IDN": -0.5, "CAN": 1.5, "CHN": 0.0, "FIN": 2.0, "JPN": 1.0}


def _rows():
    rows = []

    def r(dataset, mineral, country, year, variable, value, unit="t", hs="", partner="", basis="metal",
          source="usgs_mcs", edition="MCS2021", stage=""):
        rows.append({"dataset": dataset, "mineral": mineral, "stage": stage, "hs": hs, "country": country,
                     "partner": partner, "year": year, "variable": variable, "value": float(value), "unit": unit,
                     "basis": basis, "source": source, "edition": edition, "flag": "", "note": ""})

    for c, v in WGI.items():
        for y in (2018, 2019, 2020):
            r("governance", "", c, y, "pv_estimate", v, unit="1", basis="", source="wgi", edition="2023")
            r("governance", "", c, y, "pv_stderr", 0.2, unit="1", basis="", source="wgi", edition="2023")
    for c, v in {"IDN": 600, "PHL": 200, "AUS": 100, "CAN": 100}.items():
        r("mine_production", "nickel", c, 2020, "quantity", v, stage="mine")
    for c, v in {"IDN": 50, "AUS": 30, "PHL": 20}.items():
        r("reserves", "nickel", c, 2020, "quantity", v, stage="reserves")
    for c, v in {"COD": 700, "AUS": 300}.items():
        r("mine_production", "cobalt", c, 2020, "quantity", v, stage="mine")
        r("reserves", "cobalt", c, 2020, "quantity", v * 10, stage="reserves")
    r("refined_production", "nickel", "JPN", 2020, "quantity", 100, stage="refined")
    for hs, p, q in (("260400", "PHL", 300), ("260400", "IDN", 100), ("750210", "AUS", 40),
                     ("750210", "CHN", 60), ("282200", "CHN", 50), ("282200", "FIN", 50)):
        r("trade", "", "JPN", 2020, "quantity", q, hs=hs, partner=p, basis="", source="baci_hs92", edition="V1")
        r("trade", "", "JPN", 2020, "value", q * 10, unit="kUSD", hs=hs, partner=p, basis="",
          source="baci_hs92", edition="V1")
    r("trade", "", "CHN", 2020, "quantity", 20, hs="750210", partner="JPN", basis="", source="baci_hs92", edition="V1")
    r("recycling", "nickel", "WLD", 2020, "eol_rir", 0.2, unit="1", basis="", source="eu_crm", edition="2023")
    r("recycling", "cobalt", "WLD", 2020, "eol_rir", 0.1, unit="1", basis="", source="eu_crm", edition="2023")
    for m in ("nickel", "cobalt"):
        for i, y in enumerate(range(2011, 2021)):
            r("price", m, "", y, "price", 10000 * (1.2 if i % 2 else 1.0), unit="USD/t", basis="",
              source="pink_sheet", edition="2024")
    return pd.DataFrame(rows)[COLUMNS]


@pytest.fixture(scope="session")
def tiny_store(tmp_path_factory):
    from critmin.store import Store, write_parquet_atomic

    d = tmp_path_factory.mktemp("tiny-data")
    write_parquet_atomic(_rows(), d / "tiny.parquet")
    home = tmp_path_factory.mktemp("tiny-home")
    return Store(shipped=d, home=home, include_imports=False)

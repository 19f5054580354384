"""IEA (2021) *The Role of Critical Minerals in Clean Energy Transitions* — headline intensities.

File (transcribed, see ``shared/data/SOURCES.md`` §6):
``iea-2021-mineral-intensity-figures/iea2021_mineral_intensity_figure_values.csv`` with
columns ``technology, unit, mineral, value, basis, transcribed_from``: the rounded
figure values of the report's headline charts — kg per MW of capacity for
offshore wind, onshore wind and solar PV, and kg per vehicle for an electric car
(75 kWh NMC622 pack, graphite anode; steel and aluminium excluded) and a
conventional car.

Emits dataset ``intensity``: ``variable`` = technology id (``offshore_wind``,
``onshore_wind``, ``solar_pv``, ``electric_car``, ``conventional_car``),
``mineral`` = catalogue id (``REE`` / ``rare_earths`` → ``rare_earths``), unit
``kg/MW`` or ``kg/vehicle``, ``year`` = 2021 (report year), ``stage`` and
``country`` empty. The residual ``others`` bars are not a mineral and are
skipped. ``note`` carries the figure description and where the value was
transcribed from.
"""
from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from .. import schema
from ..catalogue import check_mineral
from ..errors import DataValidationError
from . import Source
from ._common import parse_number, require_columns, require_file

SOURCE = Source(
    id="iea_2021",
    name="IEA (2021) The Role of Critical Minerals in Clean Energy Transitions, headline figures",
    publisher="International Energy Agency",
    licence="CC BY 4.0 (as stated on the IEA report page; recorded in the dataset's SOURCES.md)",
    attribution="IEA (2021), The Role of Critical Minerals in Clean Energy Transitions, IEA, Paris",
    files=("iea-2021-mineral-intensity-figures/iea2021_mineral_intensity_figure_values.csv",),
    url="https://www.iea.org/reports/the-role-of-critical-minerals-in-clean-energy-transitions",
    importable=False,
)

EDITION = "WEO-SR 2021"
YEAR = 2021
REPORT = "IEA (2021) The Role of Critical Minerals in Clean Energy Transitions"

#: file unit → critmin unit
UNITS = {"kg_per_MW": "kg/MW", "kg_per_vehicle": "kg/vehicle", "kg/MW": "kg/MW",
         "kg/vehicle": "kg/vehicle"}
TECHNOLOGIES = ("offshore_wind", "onshore_wind", "solar_pv", "electric_car", "conventional_car")
SKIP_MINERALS = {"others", "other"}


def read(path: str | Path) -> pd.DataFrame:
    """Material intensities of five technologies (IEA 2021) as ``intensity`` observations."""
    p = require_file(path, what="IEA 2021 mineral intensity figure values")
    raw = pd.read_csv(p, dtype=str, keep_default_na=False)
    require_columns(raw, ["technology", "unit", "mineral", "value"], file=str(p),
                    what="the IEA 2021 transcribed figure values (iea2021_mineral_intensity_figure_values.csv)")
    rows = []
    described: dict[str, str] = {}   # technology → figure description
    last = ""
    for i, r in raw.iterrows():
        tech = r["technology"].strip()
        basis = r.get("basis", "").strip()
        # a bare 'IEA (2021) ibid.' repeats the technology's figure description; a longer
        # 'IEA (2021) ibid. - <figure>' names a new figure of the same report
        if basis and re.fullmatch(r"(IEA \(2021\) )?ibid\.?", basis):
            desc = described.get(tech, last)
        else:
            desc = re.sub(r"^IEA \(2021\) ibid\.", REPORT, basis)
            described[tech] = last = desc
        mname = r["mineral"].strip()
        if mname.lower() in SKIP_MINERALS:
            continue
        if tech not in TECHNOLOGIES:
            raise DataValidationError("unknown technology", file=str(p), row=i + 2, field="technology",
                                      found=tech, expected=f"one of {list(TECHNOLOGIES)}")
        unit = UNITS.get(r["unit"].strip())
        if unit is None:
            raise DataValidationError("unknown unit", file=str(p), row=i + 2, field="unit",
                                      found=r["unit"], expected=f"one of {sorted(UNITS)}")
        value, flag = parse_number(r["value"])
        if pd.isna(value) or flag:
            raise DataValidationError("intensity is not a plain number", file=str(p), row=i + 2,
                                      field="value", found=r["value"], expected="a number (kg)")
        mineral = check_mineral(mname, file=str(p))
        frm = r.get("transcribed_from", "").strip()
        note = "; ".join(x for x in (
            desc,
            f"rounded figure value transcribed from {frm}" if frm else "rounded figure value") if x)
        rows.append({"mineral": mineral, "variable": tech, "value": value, "unit": unit,
                     "note": note})
    df = pd.DataFrame(rows)
    df["dataset"] = "intensity"
    df["year"] = YEAR
    df["source"] = SOURCE.id
    df["edition"] = EDITION
    return schema.validate(df, file=str(p))

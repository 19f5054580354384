"""Battery mineral intensities (kg per kWh) from Argonne BatPac via P. Busch, *Critical-Minerals-EV*.

File: ``pmbusch-critical-minerals-ev/Mineral_Intensity.xlsx``. Sheet ``BatPac`` is
long: ``Mineral, chemistry, kg_per_kwh`` for 21 chemistries (NMC 111/532/622/721/811/95,
NMCA 89:4:4:3, NCA, LFP, LMO, LMO-LTO, LMNO, SIB and the solid-state ``SS …``
variants) × Lithium, Nickel, Cobalt, Manganese, Graphite, Aluminum, Copper, Steel,
Stainless steel, Phosphorus (plus a ``Battery_MWh`` bookkeeping row). Sheet
``Notes`` states the sources: Argonne BatPac 5.1 (Li-ion, default configurations),
SolidPac (solid state; only Li and P updated, the rest BatPac values), Zhao et al.
(2023) *Nature Reviews Materials* 8, 623–634 (sodium-ion, P2-type oxide cathode).

Emits dataset ``intensity``: ``variable = "battery_<chemistry id>"`` where the id is
the chemistry label lower-cased with spaces, ``:`` and ``-`` removed or turned into
``_`` (``NMC 622`` → ``battery_nmc622``, ``SS NMC 622`` → ``battery_ss_nmc622``,
``NMCA 89:4:4:3`` → ``battery_nmca89443``, ``LMO-LTO`` → ``battery_lmo_lto``),
``mineral`` = catalogue id, unit ``kg/kWh``, ``year`` = 2023 (the latest source of
the sheet, Zhao et al. 2023; BatPac 5.1 is of 2022–23). Zero intensities are real
zeros (the chemistry holds none of that mineral) and are kept. Phosphorus maps to
``phosphate_rock`` with ``basis = "element"`` and a note 'elemental P' (not
phosphate-rock gross weight). Steel, stainless steel and ``Battery_MWh`` are skipped.
"""
from __future__ import annotations

import math
import re
from pathlib import Path

import pandas as pd

from .. import schema
from ..errors import DataValidationError
from . import Source
from ._common import parse_number, require_file

SOURCE = Source(
    id="batpac",
    name="Battery mineral intensity by chemistry (Argonne BatPac 5.1, SolidPac, Zhao et al. 2023)",
    publisher="P. Busch (UC Davis), Critical-Minerals-EV, from Argonne National Laboratory BatPac",
    licence="MIT (repository)",
    attribution="Busch, P. Critical-Minerals-EV (github.com/pmbusch/Critical-Minerals-EV), "
                "Data/Demand Model/Mineral_Intensity.xlsx; values from Argonne BatPac 5.1, SolidPac, "
                "and Zhao et al. (2023) Nat. Rev. Mater. 8, 623-634",
    files=("pmbusch-critical-minerals-ev/Mineral_Intensity.xlsx",),
    url="https://github.com/pmbusch/Critical-Minerals-EV",
    importable=False,
)

SHEET = "BatPac"
EDITION = "BatPac 5.1"
YEAR = 2023

#: sheet mineral label → (catalogue id, basis, note); None = skipped
MINERALS: dict[str, tuple[str, str, str] | None] = {
    "lithium": ("lithium", "metal", "Li content"),
    "nickel": ("nickel", "metal", "Ni content"),
    "cobalt": ("cobalt", "metal", "Co content"),
    "manganese": ("manganese", "metal", "Mn content"),
    "graphite": ("graphite", "gross", "graphite anode material"),
    "aluminum": ("aluminium", "metal", "Al content"),
    "aluminium": ("aluminium", "metal", "Al content"),
    "copper": ("copper", "metal", "Cu content"),
    "phosphorus": ("phosphate_rock", "element", "elemental P (not phosphate-rock gross weight)"),
    "steel": None,
    "stainless steel": None,
    "battery_mwh": None,
}


def chemistry_id(label: str) -> str:
    """Chemistry label → id used in the variable name.

    >>> chemistry_id("NMC 622"), chemistry_id("SS NMCA 89:4:4:3"), chemistry_id("LMO-LTO")
    ('nmc622', 'ss_nmca89443', 'lmo_lto')
    """
    s = str(label).strip().lower().replace(":", "")
    s = re.sub(r"^ss\s+", "ss_", s)
    s = re.sub(r"[\s]+(?=\d)", "", s)
    return re.sub(r"[^a-z0-9]+", "_", s).strip("_")


def _family_note(chem: str) -> str:
    if chem.startswith("SS "):
        return "solid state (SolidPac: Li and P updated, rest BatPac)"
    if chem == "SIB":
        return "sodium-ion (Zhao et al. 2023; LFP energy density from BatPac)"
    return "BatPac 5.1 default configuration"


def read(path: str | Path) -> pd.DataFrame:
    """Mineral intensity of battery chemistries (kg/kWh) as ``intensity`` observations."""
    import openpyxl

    p = require_file(path, what="Busch Mineral_Intensity.xlsx")
    fix = (f"pass 'Mineral_Intensity.xlsx' from pmbusch/Critical-Minerals-EV unmodified; sheet "
           f"'{SHEET}' must have the header Mineral | chemistry | kg_per_kwh")
    try:
        wb = openpyxl.load_workbook(p, read_only=True, data_only=True)
    except Exception as exc:
        raise DataValidationError("cannot open as an Excel workbook", file=str(p), found=str(exc),
                                  fix=fix) from None
    try:
        if SHEET not in wb.sheetnames:
            raise DataValidationError(f"sheet '{SHEET}' not found", file=str(p), field="sheet",
                                      found=wb.sheetnames, fix=fix)
        rows = list(wb[SHEET].iter_rows(values_only=True))
        edition = EDITION
        if "Notes" in wb.sheetnames:   # the Notes sheet names the BatPac version
            text = " ".join(str(c) for r in wb["Notes"].iter_rows(values_only=True)
                            for c in r if c is not None)
            m = re.search(r"BatPac\s+(\d+(?:\.\d+)*)", text)
            if m:
                edition = f"BatPac {m.group(1)}"
    finally:
        wb.close()
    header = [str(c).strip().lower() if c is not None else "" for c in (rows[0] if rows else ())]
    if header[:3] != ["mineral", "chemistry", "kg_per_kwh"]:
        raise DataValidationError(f"unexpected header in sheet '{SHEET}'", file=str(p), row=1,
                                  field="header", found=header[:3],
                                  expected="['Mineral', 'chemistry', 'kg_per_kwh']", fix=fix)
    out = []
    for k, r in enumerate(rows[1:], start=2):
        if not r or all(c is None for c in r[:3]):
            continue
        label = str(r[0] or "").strip()
        key = label.lower()
        if key not in MINERALS:
            raise DataValidationError("unknown mineral label", file=str(p), row=k, field="Mineral",
                                      found=label, expected=f"one of {sorted(MINERALS)}",
                                      fix="add the label to critmin.sources.batpac.MINERALS")
        spec = MINERALS[key]
        if spec is None:
            continue
        mineral, basis, what = spec
        chem = str(r[1] or "").strip()
        v, flag = parse_number(r[2])
        if math.isnan(v) or flag:
            raise DataValidationError("intensity is not a number", file=str(p), row=k,
                                      field="kg_per_kwh", found=r[2], expected="kg per kWh")
        out.append({"mineral": mineral, "variable": f"battery_{chemistry_id(chem)}", "value": v,
                    "basis": basis,
                    "note": f"{chem}: {what}; {_family_note(chem)}; from Busch Mineral_Intensity.xlsx"})
    df = pd.DataFrame(out)
    df["dataset"] = "intensity"
    df["unit"] = "kg/kWh"
    df["year"] = YEAR
    df["source"] = SOURCE.id
    df["edition"] = edition
    return schema.validate(df, file=str(p))

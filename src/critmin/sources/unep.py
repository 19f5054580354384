"""UNEP International Resource Panel (2011), *Recycling Rates of Metals – A Status Report*.

Files (transcribed, see ``shared/data/SOURCES.md`` §5):
``unep-irp-2011-recycling-rates/unep_irp2011_appendix_cells.csv`` — one row per
element with the printed cells of appendix tables C1, D1, E2, F1
(``table, page, symbol, osr_cell, rc_cell, eolrr_cell``, in percent), and
``unep_irp2011_footnotes.csv`` (``table, letter, citation``; an entry without a
letter is working-group expert opinion).

Parsing rule
------------
A cell holds one or more comma-separated *estimates*, each optionally followed by
a footnote letter (``"24e, 78f"``, ``"58-63m"``, ``"<1c"``, ``">80"``, ``"0"``).
Each printed estimate is turned into a number and an interval (percent):

============  ===============  =================
printed       estimate         interval (low, high)
============  ===============  =================
``x``         x                (x, x)
``a-b``       (a + b) / 2      (a, b)
``<x``        x / 2            (0, x)
``>x``        x                (x, 100)
``~x``        x                (x, x)
============  ===============  =================

The cell value is the **median** of its estimates; ``*_low`` / ``*_high`` are the
minimum / maximum over the intervals of all its estimates. Values are divided by
100 (unit ``"1"``, fractions). Variables: ``osr`` (old-scrap ratio), ``rc``
(recycled content), ``eol_rr`` (end-of-life recycling rate), each with ``_low``
and ``_high``. An empty cell yields no rows. ``note`` carries the table, page,
the printed cell and its footnote citations.

Elements map to catalogue ids (Fe → ``iron_ore``). Two group rows are derived:
``rare_earths`` = median over the rare-earth elements present (catalogue parent
``rare_earths``: La–Lu, Y, Sc) and ``platinum_group_metals`` = median over the
PGM elements present (Ru, Rh, Pd, Os, Ir, Pt), each variable separately; their
``note`` says so and names the elements. Rows are global: ``country = "WLD"``,
``year = 2011`` (report year), ``source = "unep_2011"``.
"""
from __future__ import annotations

import re
import statistics
from pathlib import Path

import pandas as pd

from .. import schema
from ..catalogue import check_mineral, minerals
from ..errors import DataValidationError
from . import Source
from ._common import require_columns, require_file

SOURCE = Source(
    id="unep_2011",
    name="UNEP IRP (2011) Recycling Rates of Metals – A Status Report, appendix tables",
    publisher="UNEP International Resource Panel (Graedel et al. 2011)",
    licence="UNEP copyright; reproduction for non-commercial purposes with attribution",
    attribution="UNEP (2011) Recycling Rates of Metals – A Status Report. A Report of the Working "
                "Group on the Global Metal Flows to the International Resource Panel. Graedel, T.E. et al.",
    files=("unep-irp-2011-recycling-rates/unep_irp2011_appendix_cells.csv",
           "unep-irp-2011-recycling-rates/unep_irp2011_footnotes.csv"),
    url="https://www.resourcepanel.org/reports/recycling-rates-metals",
    importable=False,
)

EDITION = "IRP2011"
YEAR = 2011
FOOTNOTES_FILE = "unep_irp2011_footnotes.csv"

#: CSV column → variable stem
CELLS = {"osr_cell": "osr", "rc_cell": "rc", "eolrr_cell": "eol_rr"}

#: element symbol → catalogue id (or name resolvable by check_mineral)
ELEMENTS: dict[str, str] = {
    "V": "vanadium", "Cr": "chromium", "Mn": "manganese", "Fe": "iron_ore", "Ni": "nickel",
    "Nb": "niobium", "Mo": "molybdenum", "Mg": "magnesium", "Al": "aluminium",
    "Ti": "titanium", "Co": "cobalt", "Cu": "copper", "Zn": "zinc", "Sn": "tin", "Pb": "lead",
    "Ru": "ruthenium", "Rh": "rhodium", "Pd": "palladium", "Ag": "silver", "Os": "osmium",
    "Ir": "iridium", "Pt": "platinum", "Au": "gold", "Li": "lithium", "Be": "beryllium",
    "B": "boron", "Sc": "scandium", "Ga": "gallium", "Ge": "germanium", "As": "arsenic",
    "Se": "selenium", "Sr": "strontium", "Y": "yttrium", "Zr": "zirconium", "Cd": "cadmium",
    "In": "indium", "Sb": "antimony", "Te": "tellurium", "La": "lanthanum", "Ce": "cerium",
    "Pr": "praseodymium", "Nd": "neodymium", "Sm": "samarium", "Eu": "europium",
    "Gd": "gadolinium", "Tb": "terbium", "Dy": "dysprosium", "Ho": "holmium", "Er": "erbium",
    "Tm": "thulium", "Yb": "ytterbium", "Lu": "lutetium", "Hf": "hafnium", "Ta": "tantalum",
    "W": "tungsten", "Re": "rhenium", "Hg": "mercury", "Tl": "thallium", "Bi": "bismuth",
}

#: group rows derived as the median over their member elements
GROUPS = {"rare_earths": "rare-earth elements", "platinum_group_metals": "platinum-group metals"}

_NUM = r"\d+(?:\.\d+)?"
_ENTRY = re.compile(rf"^\s*(?P<bound>[<>~]?)\s*(?P<a>{_NUM})(?:\s*-\s*(?P<b>{_NUM}))?\s*(?P<letter>[a-z]?)\s*$")


def parse_estimate(text: str) -> tuple[float, float, float, str]:
    """Parse one printed estimate → ``(estimate, low, high, footnote letter)`` in percent.

    >>> parse_estimate("58-63m")
    (60.5, 58.0, 63.0, 'm')
    >>> parse_estimate("<1c")
    (0.5, 0.0, 1.0, 'c')
    >>> parse_estimate(">80")
    (80.0, 80.0, 100.0, '')
    >>> parse_estimate("~50")
    (50.0, 50.0, 50.0, '')
    """
    m = _ENTRY.match(text)
    if not m:
        raise ValueError(f"cannot parse estimate {text!r}")
    a = float(m["a"])
    letter = m["letter"] or ""
    if m["b"] is not None:
        if m["bound"]:
            raise ValueError(f"bound together with a range in {text!r}")
        b = float(m["b"])
        lo, hi = min(a, b), max(a, b)
        return (lo + hi) / 2, lo, hi, letter
    bound = m["bound"]
    if bound == "<":
        return a / 2, 0.0, a, letter
    if bound == ">":
        return a, a, max(a, 100.0), letter
    return a, a, a, letter


def parse_cell(text: str) -> tuple[float, float, float, list[str]] | None:
    """Parse a printed cell → ``(median estimate, low, high, letters)`` in percent, or None if empty.

    >>> parse_cell("24e, 78f")
    (51.0, 24.0, 78.0, ['e', 'f'])
    >>> parse_cell("<1")
    (0.5, 0.0, 1.0, [''])
    """
    text = (text or "").strip()
    if not text:
        return None
    parts = [parse_estimate(t) for t in text.split(",")]
    est = statistics.median(p[0] for p in parts)
    return float(est), min(p[1] for p in parts), max(p[2] for p in parts), [p[3] for p in parts]


def _footnotes(path: Path) -> dict[tuple[str, str], str]:
    f = path.parent / FOOTNOTES_FILE
    if not f.is_file():
        return {}
    fn = pd.read_csv(f, dtype=str, keep_default_na=False)
    require_columns(fn, ["table", "letter", "citation"], file=str(f), what="UNEP IRP 2011 footnotes")
    return {(r.table.strip(), r.letter.strip()): r.citation.strip() for r in fn.itertuples()}


def read(path: str | Path) -> pd.DataFrame:
    """Recycling rates (OSR, RC, EOL-RR with low/high) of UNEP IRP (2011) as fractions."""
    p = require_file(path, what="UNEP IRP 2011 appendix cells")
    cells = pd.read_csv(p, dtype=str, keep_default_na=False)
    require_columns(cells, ["table", "page", "symbol", *CELLS], file=str(p),
                    what="the UNEP IRP 2011 transcribed appendix cells (unep_irp2011_appendix_cells.csv)")
    notes_by_letter = _footnotes(p)

    rows: list[dict] = []
    for i, r in enumerate(cells.itertuples(index=False)):
        sym = r.symbol.strip()
        if sym not in ELEMENTS:
            raise DataValidationError(
                "unknown element symbol", file=str(p), row=i + 2, field="symbol", found=sym,
                expected=f"one of {sorted(ELEMENTS)}",
                fix="add the symbol to critmin.sources.unep.ELEMENTS (and the catalogue)")
        mineral = check_mineral(ELEMENTS[sym], file=str(p), field="symbol")
        for col, var in CELLS.items():
            raw = getattr(r, col)
            try:
                parsed = parse_cell(raw)
            except ValueError as exc:
                raise DataValidationError(
                    "cannot parse recycling-rate cell", file=str(p), row=i + 2, field=col,
                    found=raw, expected="estimates like '52', '58-63m', '<1c', '>80', '~50'",
                    fix=str(exc)) from None
            if parsed is None:
                continue
            est, lo, hi, letters = parsed
            cites = []
            for L in dict.fromkeys(letters):
                key = (r.table.strip(), L) if L else ("*", "(none)")
                c = notes_by_letter.get(key, "")
                cites.append(f"{L or '(no letter)'}: {c}" if c else (L or "(no letter)"))
            n = len(letters)
            note = (f"UNEP IRP 2011 table {r.table} p.{r.page}, {sym}, printed '{raw.strip()}'"
                    + (f"; median of {n} estimates" if n > 1 else "")
                    + "; sources " + "; ".join(cites))
            for suffix, v in (("", est), ("_low", lo), ("_high", hi)):
                rows.append({"mineral": mineral, "variable": var + suffix, "value": v / 100.0,
                             "note": note, "element": sym})
    df = pd.DataFrame(rows)

    # group rows: median over member elements of the catalogue parent
    parent = minerals()["parent"]
    groups = []
    for gid, label in GROUPS.items():
        members = df[df["mineral"].map(parent).eq(gid)]
        for var, sub in members.groupby("variable", sort=False):
            syms = sub["element"].tolist()
            groups.append({
                "mineral": gid, "variable": var, "value": float(sub["value"].median()),
                "note": f"median over the {len(syms)} {label} with a printed {re.sub(r'_(low|high)$', '', var)} "
                        f"cell ({', '.join(syms)}); UNEP IRP 2011 gives no group value",
                "element": ""})
    df = pd.concat([df, pd.DataFrame(groups)], ignore_index=True).drop(columns="element")
    df["dataset"] = "recycling"
    df["country"] = schema.WORLD
    df["year"] = YEAR
    df["unit"] = "1"
    df["source"] = SOURCE.id
    df["edition"] = EDITION
    return schema.validate(df, file=str(p))

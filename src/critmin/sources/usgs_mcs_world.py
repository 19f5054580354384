"""USGS Mineral Commodity Summaries — per-commodity world files, editions MCS2022–MCS2024.

Each MCS data release up to 2024 has one ``mcs<year>-<code>_world.csv`` per commodity chapter
(UTF-8 with BOM, CRLF; MCS2024 bismuth is spelled ``MCS2024-bismu_world.csv``): columns
``Source, Country, Type`` and then one column per statistic whose name carries the unit and,
for production, the year: ``Prod_kt_2022``, ``Prod_kt_est_2023``, ``Prod_notes``,
``Reserves_kt``, ``Reserves_notes`` (MCS2024 zirconium ``Reserves_kt_2023``; potash
``Reserves_ore_kt`` and ``Reserves_ore_K2O_equiv_kt``; titanium ``Prod_Sponge_t_Est_2022``;
capacity ``Cap_…`` columns; many files end in empty columns). The commodity is named only by
the file name's code (``coppe`` = copper, :data:`CODES`), so the original USGS file name must be
kept. MCS2022 (a 12-commodity subset) has production only (2020 and 2021e), no reserves.

:func:`read` takes one such file or a directory (every ``*_world.csv`` in it; the ``_meta.xml``
files are not read) and returns rows of source ``usgs_mcs``, edition ``MCS2022`` / ``MCS2023``
/ ``MCS2024`` (the file's ``Source`` column), with exactly the keys, units and bases that
:mod:`critmin.sources.usgs_mcs` gives the MCS2025 World Data and MCS2026 Commodities Data
rows: each file is rewritten into the MCS2025 World Data layout (``COMMODITY, COUNTRY, TYPE,
UNIT_MEAS, PROD_<year>, PROD_EST_<year>, RESERVES_<year>`` …) and read by the same function
(:func:`usgs_mcs.read_world_table`): the same commodity table (:data:`usgs_mcs.COMMODITIES`), country
mapping ('Other countries' → ``OTH``, 'World total…' → ``WLD``, group labels dropped), unit
conversion to tonnes, production-type classification (mine vs refinery/smelter/plant),
bases (:data:`usgs_mcs.PRODUCTION_BASIS`), sums of several rows per key (titanium ilmenite +
rutile, silicon in ferrosilicon + metal, mica scrap + sheet) and the PGM Pt + Pd sum. The
store's newest-edition-per-key rule then lets MCS2025/MCS2026 revise the figures of the years
they share with these editions (production 2023 of MCS2024 and MCS2025, for instance).

Rules (stated once, here):

* **reserves year**: an MCS edition ``N`` publishes reserves as of year ``N − 1`` (MCS2025's
  column is ``RESERVES_2024``, MCS2026's reserves rows are year 2025, MCS2024 zirconium's
  column is ``Reserves_kt_2023``), so MCS2023 reserves are stored as year 2022 and MCS2024
  reserves as year 2023. This matters because the assessment looks reserves up with
  :func:`critmin.supply.asof`: the latest reserves year ≤ the assessment year, looking back at
  most ``max_lag + 2`` years and never forward. An assessment of 2022 therefore scores with the
  MCS2023 reserves (end of 2022), 2023 with MCS2024's, 2024 with MCS2025's, 2025 and later with
  MCS2026's; 2021 and earlier find none (no edition held here reports reserves before 2022: the
  MCS2022 world files have no reserves column).
* **units** from the column name's unit token (:data:`UNIT_TOKENS`): ``t`` metric tons,
  ``kt`` thousand metric tons, ``Mt``/``mt``/``mmt`` million metric tons (all → ``t``), ``kg``,
  ``kct``/``mct`` thousand/million carats, ``mcm`` million cubic metres; production and reserves
  each take their own column's unit (molybdenum: production ``t``, reserves ``kt``). Potash
  reserves are the ``K2O_equiv`` column (the ore column is not read), as for MCS2025. A unit
  token the release got wrong (its values equal the neighbouring editions' figures in another
  unit) is corrected from :data:`usgs_mcs.UNIT_ERRATA`: MCS2023 chromium production (kt), MCS2023
  vanadium (kt) and rhenium (kg) reserves, MCS2024 selenium (t) and talc (kt) reserves.
* **cells**: ``W`` (withheld), ``NA``, ``XX`` (not applicable), blank, ``Large``, ``Moderate``,
  ``Small``, ``Very small``, ``Categorized as "large"``, ``Not available`` and ``Included
  with …`` / ``Included in World total.`` (the quantity sits in another row) give **no row** —
  never 0; ``—`` is a true zero (USGS's dash); ``>x`` keeps ``x`` with flag ``>`` (a lower
  bound) and ``<x`` keeps ``x`` with flag ``<`` (an upper bound); ``Less than ½ unit.`` is
  ``<0.5`` of the column's unit; a leading estimate marker (``e5000``) is the number with
  flag ``e``; thousands separators are removed. A range (``50–300``) gives no row (none occurs
  in the 2022–2024 world files). Any other text in a number column is an error naming file,
  row and column.
* **estimates**: a column named ``…_est_<year>``, an 'estimated' production note, or a country
  label with the superscript estimate marker glued on (``Chinae``, ``Russiae``, ``Other
  countriese``) gives flag ``e``; footnote digits glued to a country (``China6``,
  ``New Caledonia11``) are removed.
* **types**: ``usgs_mcs._classify`` reads the Type wording of these editions as of MCS2025
  (PGM ``Mine production: Platinum`` rows are platinum production and carry the all-PGM
  reserves; the ``Palladium`` rows' reserves say 'Included with platinum'). The MCS2024
  magnesite production is MgO content (basis ``MgO``; MCS2023 and MCS2025 give gross weight),
  see :data:`BASIS_OVERRIDES`.

* **impossible rows**: a country's figure above its own table's world total is a publishing
  error and gives no row (listed in :data:`DROPPED`): MCS2023 zinc reserves of Australia,
  ``1,166,000`` kt against a world total of ``210,000`` kt.
* **editions**: where editions overlap on a production figure, the store keeps the later one
  (newest edition per key). Where a later edition's table omits a country the earlier one listed
  (merged into 'Other countries', or withheld), the earlier row would survive beside the later
  table and count twice; :func:`supersede` (run by ``critmin data build``) removes such rows so
  that the newest edition's (dataset, mineral, stage, year) table stands whole.
  :func:`revisions` lists the figures changed by more than 5 % between consecutive editions
  (``critmin data info``).
"""
from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from .. import schema
from ..errors import DataValidationError
from . import Source
from . import usgs_mcs
from ._common import require_file

SOURCE = Source(
    id="usgs_mcs",
    name="USGS Mineral Commodity Summaries — world production and reserves (per-commodity files)",
    publisher="U.S. Geological Survey, National Minerals Information Center",
    licence="Public domain (U.S. Government work)",
    attribution="U.S. Geological Survey, Mineral Commodity Summaries 2022/2023/2024 data releases, "
                "world tables (doi:10.5066/P9KKMCP4; doi:10.5066/P9WCYUI6; doi:10.5066/P144BA54)",
    files=("usgs-mcs-2022/world", "usgs-mcs-2023/world", "usgs-mcs-2024/world"),
    url="https://www.usgs.gov/centers/national-minerals-information-center/"
        "mineral-commodity-summaries",
)

WHAT = "a USGS MCS per-commodity world CSV (mcs<year>-<code>_world.csv)"
PATTERN = "*_world.csv"
_NAME = re.compile(r"mcs(\d{4})-([a-z-]+?)_world\.csv$", re.I)

#: file-name code → the USGS commodity label of :data:`usgs_mcs.COMMODITIES` (the chapter titles
#: of the releases' ``_meta.xml``; ``None`` would mean a code the table does not know).
CODES: dict[str, str] = {
    "abras": "abrasives (manufactured)", "alumi": "aluminum", "antim": "antimony",
    "arsen": "arsenic", "asbes": "asbestos", "barit": "barite", "bauxi": "bauxite",
    "beryl": "beryllium", "bismu": "bismuth", "boron": "boron", "bromi": "bromine",
    "cadmi": "cadmium", "cemen": "cement", "chrom": "chromium", "clays": "clays",
    "cobal": "cobalt", "coppe": "copper", "diamo": "diamond (industrial)", "diato": "diatomite",
    "felds": "feldspar and nepheline syenite", "feore": "iron ore", "fepig": "iron oxide pigments",
    "feste": "iron and steel", "fluor": "fluorspar", "galli": "gallium",
    "garne": "garnet (industrial)", "gemst": "gemstones", "germa": "germanium", "gold": "gold",
    "graph": "graphite (natural)", "gypsu": "gypsum", "heliu": "helium", "indiu": "indium",
    "iodin": "iodine", "kyani": "kyanite and related minerals", "lead": "lead", "lime": "lime",
    "lithi": "lithium", "manga": "manganese", "mercu": "mercury", "mgcomp": "magnesium compounds",
    "mgmet": "magnesium metal", "mica": "mica (natural)", "molyb": "molybdenum", "nicke": "nickel",
    "niobi": "niobium (columbium)", "nitro": "nitrogen (fixed)—ammonia", "peat": "peat",
    "perli": "perlite", "phosp": "phosphate rock", "plati": "platinum-group metals",
    "potas": "potash", "pumic": "pumice and pumicite", "raree": "rare earths", "rheni": "rhenium",
    "salt": "salt", "sandi": "sand and gravel (industrial)", "selen": "selenium",
    "silve": "silver", "simet": "silicon", "sodaa": "soda ash", "stond": "stone (dimension)",
    "stron": "strontium", "sulfu": "sulfur", "talc": "talc and pyrophyllite",
    "tanta": "tantalum", "tellu": "tellurium", "timin": "titanium mineral concentrates",
    "tin": "tin", "titan": "titanium and titanium dioxide", "tungs": "tungsten",
    "vanad": "vanadium", "vermi": "vermiculite", "wolla": "wollastonite", "yttri": "yttrium",
    "zeoli": "zeolites (natural)", "zinc": "zinc", "zirco": "zirconium and hafnium",
    "zirco-hafni": "zirconium and hafnium",
}

#: unit token of a column name (lower case) → the unit label of :data:`usgs_mcs.UNITS`
UNIT_TOKENS: dict[str, str] = {
    "t": "metric tons", "kt": "thousand metric tons", "mt": "million metric tons",
    "mmt": "million metric tons", "kg": "kilograms", "kct": "thousand carats",
    "mct": "million carats", "mcm": "million cubic meters",
}

#: (edition, dataset, mineral) → basis, where an edition reports another basis than
#: :mod:`~critmin.sources.usgs_mcs` assigns (found by reading the Type labels).
BASIS_OVERRIDES: dict[tuple[str, str, str], str] = {
    # 'Mine production, magnesite - contained magnesium oxide (MgO)'; MCS2023/2025: gross weight
    ("MCS2024", "mine_production", "magnesite"): "MgO",
}

#: text cells of number columns that mean "no number here" (lower case, after whitespace and
#: trailing dots are stripped); they give no row.
NO_NUMBER = re.compile(r"^(w|na|n/a|xx|large|moderate|small|very small|not available|"
                       r"categori[sz]ed as \"?large\"?|included (with|in) .*)$")

#: Files skipped by the last directory :func:`read` (name → reason).
SKIPPED: dict[str, str] = {}
#: Rows left out by the last :func:`read` as publishing errors (``file: key`` → reason).
DROPPED: dict[str, str] = {}


def raw_files(path: str | Path) -> list[Path]:
    """The files :func:`read` reads from ``path`` (a file, or every ``*_world.csv`` of a folder)."""
    p = Path(path)
    if p.is_dir():
        return sorted(f for f in p.iterdir() if f.is_file() and f.name.lower().endswith("_world.csv"))
    return [p]


def code_of(path: Path) -> tuple[int, str]:
    """(edition year, commodity code) from the USGS file name, or a clear error."""
    m = _NAME.search(path.name)
    if not m or m.group(2).lower() not in CODES:
        raise DataValidationError(
            "cannot tell the commodity of a USGS MCS world file from its name", file=str(path),
            found=path.name, expected="mcs<year>-<code>_world.csv with a code of "
                                      f"{sorted(CODES)}",
            fix="keep the original USGS file name (e.g. mcs2024-coppe_world.csv)")
    return int(m.group(1)), m.group(2).lower()


# ----------------------------------------------------------------------------- cells

def _cell(raw: str) -> str:
    """One number cell → the text :func:`critmin.sources._common.parse_number` reads
    (``''`` = no number), or ``None`` for text that has no rule."""
    s = re.sub(r"\s+", " ", str(raw).replace("\xa0", " ")).strip()
    low = s.lower().rstrip(".").replace("“", '"').replace("”", '"').strip()
    if low == "" or NO_NUMBER.match(low):
        return ""
    if low.startswith("less than ½ unit") or low.startswith("less than 1/2 unit"):
        return "<0.5"
    if s in ("—", "–"):
        return "—"
    m = re.fullmatch(r"e\s*([\d,]*\.?\d+)", s)            # leading estimate marker
    if m:
        return f"{m.group(1)}e"
    if re.fullmatch(r"[<>]?\s*[\d,]*\.?\d+\s*e?", s):
        return s
    if re.fullmatch(r"[\d,.]+\s*[–-]\s*[\d,.]+", s):       # a range: no annual figure
        return ""
    return None  # type: ignore[return-value]


def _cells(col: pd.Series, *, file: str, field: str) -> pd.Series:
    out = col.map(_cell)
    bad = out.isna()
    if bad.any():
        i = int(bad.to_numpy().nonzero()[0][0])
        raise DataValidationError(
            "unreadable cell in a number column", file=file, row=int(col.index[i]) + 2, field=field,
            found=str(col.iat[i]),
            expected="a number, W, NA, XX, —, >n, <n, Large, 'Included with …'",
            fix="pass the original USGS file; if USGS added a new cell text, add its rule to "
                "critmin.sources.usgs_mcs_world")
    return out


# ----------------------------------------------------------------------------- columns

def _column(name: str) -> tuple[str, str | None, int | None, bool, list[str]] | None:
    """``Prod_kt_est_2023`` → ('prod', 'thousand metric tons', 2023, True, []); notes →
    ('prod_notes', …); other columns → None."""
    toks = [t for t in str(name).strip().split("_") if t]
    if not toks:
        return None
    kind = toks[0].lower()
    if kind not in ("prod", "reserves"):
        return None
    rest = [t.lower() for t in toks[1:]]
    if any(t.startswith("note") for t in rest):
        return f"{kind}_notes", None, None, False, []
    year = int(rest[-1]) if rest and re.fullmatch(r"\d{4}", rest[-1]) else None
    unit = next((UNIT_TOKENS[t] for t in rest if t in UNIT_TOKENS), None)
    qual = [t for t in rest if t not in UNIT_TOKENS and t != "est" and not re.fullmatch(r"\d{4}", t)]
    return kind, unit, year, "est" in rest, qual


_EST_SUFFIX: dict[str, bool] = {}


def _country(label: str) -> tuple[str, bool]:
    """A country label without footnote digits or the glued estimate marker; (label, estimated)."""
    from ..countries import iso3_names, to_iso3

    s = re.sub(r"\s+", " ", str(label).replace("\xa0", " ")).strip()
    s = re.sub(r"(?<=[A-Za-z)])\d{1,2}$", "", s).strip()
    if s.endswith("e") and len(s) > 2:
        base = s[:-1]
        known = _EST_SUFFIX.get(base)
        if known is None:
            names = {n.lower() for n in iso3_names().values()}
            known = (base.lower() in names | _USGS_NAMES) and to_iso3([base], strict=False)[0] is not None
            _EST_SUFFIX[base] = known
        if known:
            return base, True
    return s, False


#: USGS spellings that are not the converter's short names (for the 'e' marker test)
_USGS_NAMES = {"other countries", "korea, republic of", "russia", "iran", "turkey", "burma",
               "congo (kinshasa)", "slovakia", "new zealand", "world total"}


def _type(code: str, typ: str) -> str:
    """A row's Type, spaces normalised (``usgs_mcs._classify`` reads the MCS2022–2024 wording
    too: PGM ``Mine production: Platinum`` rows are platinum production and carry the PGM
    reserves, their ``Palladium`` rows say 'Included with platinum')."""
    return re.sub(r"\s+", " ", str(typ).replace("\xa0", " ")).strip()


def _standard(path: Path) -> pd.DataFrame:
    """One per-commodity file → the MCS2025 World Data layout read by :func:`usgs_mcs.read_world_table`."""
    file = str(path)
    year, code = code_of(path)
    df = usgs_mcs.read_csv_text(path)
    df = df.loc[:, [c for c in df.columns if c and not c.startswith("Unnamed")]]
    if len(df.columns) < 4 or [c.lower() for c in df.columns[:2]] != ["source", "country"]:
        raise DataValidationError(f"this does not look like {WHAT}", file=file,
                                  field="Source, Country, Type", found=list(df.columns)[:8],
                                  fix="pass the original USGS world file, unmodified")
    # the third column is Type (MCS2024 fluorspar names it 'Mine production, fluorspar')
    df = df.rename(columns={df.columns[0]: "Source", df.columns[1]: "Country", df.columns[2]: "Type"})
    df = df[df["Country"].str.strip() != ""]      # index kept: errors name the file's row
    edition = f"MCS{year}"
    src = df["Source"].str.extract(r"(MCS\s*\d{4})", expand=False).dropna()
    if len(src) and src.iloc[0].replace(" ", "").upper() != edition:
        raise DataValidationError("the file name and the Source column name different editions",
                                  file=file, field="Source", found=src.iloc[0], expected=edition,
                                  fix="keep the original USGS file name")
    prod, res, notes = [], [], {}
    for c in df.columns[3:]:
        p = _column(c)
        if p is None:
            continue
        kind, unit, y, est, qual = p
        if kind.endswith("_notes"):
            notes[kind] = c
        elif kind == "prod":
            if unit is None or y is None:
                raise DataValidationError("production column without a unit or year", file=file,
                                          field=c, expected="Prod_<unit>_[est_]<year>",
                                          fix="pass the original USGS world file, unmodified")
            prod.append((c, unit, y, est))
        else:
            res.append((c, unit, y, qual))
    if len(res) > 1:   # potash: the K2O-equivalent column, not the ore column
        k2o = [r for r in res if "k2o" in r[3]]
        res = k2o or [r for r in res if "ore" not in r[3]]
    if len(res) > 1 or any(r[1] is None for r in res):
        raise DataValidationError("cannot tell which reserves column to read", file=file,
                                  field=", ".join(r[0] for r in res),
                                  fix="pass the original USGS world file, unmodified")
    if len({u for _, u, _, _ in prod}) > 1:
        raise DataValidationError("production columns in several units", file=file,
                                  field=", ".join(c for c, *_ in prod),
                                  fix="pass the original USGS world file, unmodified")
    if res and res[0][2] not in (None, year - 1):
        raise DataValidationError("reserves column of an unexpected year", file=file,
                                  field=res[0][0], found=res[0][2], expected=year - 1,
                                  fix="MCS edition N reports reserves as of year N-1")

    label = CODES[code]
    punit = usgs_mcs.UNIT_ERRATA.get((edition, label, "production"), prod[0][1] if prod else None)
    runit = usgs_mcs.UNIT_ERRATA.get((edition, label, "reserves"), res[0][1] if res else None)
    country, est_c = zip(*(_country(c) for c in df["Country"])) if len(df) else ((), ())
    out = pd.DataFrame({
        "SOURCE": edition,
        "COMMODITY": CODES[code],
        "COUNTRY": list(country),
        "TYPE": [_type(code, t) for t in df["Type"]],
        "UNIT_MEAS": punit or runit or "",
        "RES_UNIT_MEAS": runit or "",
    }, index=df.index)
    pnote = df[notes["prod_notes"]].astype(str) if "prod_notes" in notes else pd.Series("", index=df.index)
    out["PROD_NOTES"] = [f"{n} | estimated (country marked e)" if e else n
                         for n, e in zip(pnote, est_c)]
    for c, _, y, est in prod:
        out[f"PROD_EST_{y}" if est else f"PROD_{y}"] = _cells(df[c], file=file, field=c)
    if res:
        out[f"RESERVES_{year - 1}"] = _cells(df[res[0][0]], file=file, field=res[0][0])
        out["RESERVE_NOTES"] = df[notes["reserves_notes"]].astype(str) \
            if "reserves_notes" in notes else ""
    return out


def _read_one(path: Path) -> pd.DataFrame:
    _, code = code_of(path)
    if usgs_mcs.COMMODITIES.get(CODES[code]) is None:
        SKIPPED[path.name] = f"{CODES[code]}: not a catalogue mineral (usgs_mcs.COMMODITIES)"
        return schema.empty()
    std = _standard(path)
    if not any(re.fullmatch(r"(PROD_(EST_)?|RESERVES_)\d{4}", c) for c in std.columns):
        SKIPPED[path.name] = "no production or reserves column (capacity only)"
        return schema.empty()
    df = usgs_mcs.read_world_table(std, path)
    if df.empty:
        return df
    for (ed, dataset, mineral), basis in BASIS_OVERRIDES.items():
        sel = (df["edition"] == ed) & (df["dataset"] == dataset) & (df["mineral"] == mineral)
        df.loc[sel, "basis"] = basis
    # a country's figure above its own table's world total is a publishing error (MCS2023 zinc
    # reserves of Australia: 1,166,000 kt against a world total of 210,000 kt): no row
    tab = ["dataset", "mineral", "stage", "year"]
    wld = df[df["country"] == schema.WORLD].set_index(tab)["value"].rename("_wld")
    chk = df.join(wld, on=tab)
    bad = (chk["country"] != schema.WORLD) & (chk["value"] > chk["_wld"] * 1.001)
    for r in df[bad].itertuples():
        DROPPED[f"{path.name}: {r.dataset} {r.mineral} {r.country} {r.year}"] = (
            f"{r.value:,.0f} {r.unit} exceeds the table's world total {chk.loc[r.Index, '_wld']:,.0f}")
    return df[~bad].reset_index(drop=True)


def supersede(df: pd.DataFrame, source: str = "usgs_mcs") -> tuple[pd.DataFrame, pd.DataFrame]:
    """Drop production rows of an older edition whose country the newest edition's table omits.

    The store keeps the newest edition *per key*; where a later edition merges a country into
    'Other countries' (MCS2025 manganese 2023: Georgia, Kazakhstan, Mexico … inside ``OTH``) or
    withholds it, the older edition's row for that country would survive beside the later
    table and be counted twice. Here the newest edition holding a (dataset, mineral, stage,
    year) production table stands for the whole table: older rows of that table with a
    country absent from it are removed. Returns ``(kept, removed)``.

    >>> d = pd.DataFrame({"dataset": "mine_production", "mineral": "x", "stage": "mine",
    ...                   "year": 2023, "source": "usgs_mcs", "country": ["A", "B", "A", "OTH"],
    ...                   "edition": ["MCS2024", "MCS2024", "MCS2025", "MCS2025"]})
    >>> kept, removed = supersede(d)
    >>> removed["country"].tolist(), len(kept)
    (['B'], 3)
    """
    sel = (df["source"] == source) & df["dataset"].isin(["mine_production", "refined_production"])
    if not sel.any():
        return df, df.iloc[0:0]
    tab = ["dataset", "mineral", "stage", "year"]
    sub = df[sel]
    newest = sub.groupby(tab)["edition"].transform("max")
    held = set(map(tuple, sub.loc[sub["edition"] == newest, tab + ["country"]].to_numpy().tolist()))
    keys = map(tuple, sub[tab + ["country"]].to_numpy().tolist())
    orphan = pd.Series([k not in held for k in keys], index=sub.index) & (sub["edition"] != newest)
    drop = orphan.index[orphan.to_numpy()]
    return df.drop(index=drop), df.loc[drop]


def revisions(obs: pd.DataFrame, threshold: float = 0.05) -> pd.DataFrame:
    """Production figures revised by more than ``threshold`` between consecutive editions.

    ``obs``: observations of several editions of one source (``editions="all"``). Compares,
    for every (dataset, mineral, stage, country, year) held in two or more editions on the same
    basis and unit, each edition with the next later one. Returns ``dataset, mineral, stage,
    country, year, unit, old_edition, old_value, new_edition, new_value, change`` (relative,
    ``new/old − 1``; NaN where the old figure is 0), largest changes first. The later figure
    is the one the store keeps.

    >>> d = pd.DataFrame({"dataset": "mine_production", "mineral": "x", "stage": "mine",
    ...                   "country": "A", "year": 2023, "unit": "t", "basis": "metal",
    ...                   "edition": ["MCS2024", "MCS2025"], "value": [100.0, 110.0]})
    >>> revisions(d)[["old_value", "new_value", "change"]].round(2).values.tolist()
    [[100.0, 110.0, 0.1]]
    """
    cols = ["dataset", "mineral", "stage", "country", "year", "unit", "old_edition", "old_value",
            "new_edition", "new_value", "change"]
    d = obs[obs["dataset"].isin(["mine_production", "refined_production"])
            & obs["value"].notna()]
    if d.empty:
        return pd.DataFrame(columns=cols)
    key = ["dataset", "mineral", "stage", "country", "year", "unit", "basis"]
    d = d.sort_values(key + ["edition"])
    nxt = d.groupby(key, sort=False)[["edition", "value"]].shift(-1)
    d = d.assign(new_edition=nxt["edition"], new_value=nxt["value"]).dropna(subset=["new_edition"])
    d = d.rename(columns={"edition": "old_edition", "value": "old_value"})
    old = d["old_value"].astype(float)
    change = (d["new_value"].astype(float) / old.where(old != 0)) - 1
    big = (change.abs() > threshold) | ((old == 0) & (d["new_value"] != 0))
    out = d.assign(change=change)[big][cols]
    return out.sort_values("change", key=lambda s: s.abs(), ascending=False,
                           na_position="first").reset_index(drop=True)


def read(path: str | Path) -> pd.DataFrame:
    """Read one ``mcs<year>-<code>_world.csv`` or a directory of them.

    Returns validated observations (datasets ``reserves``, ``mine_production``,
    ``refined_production``) of source ``usgs_mcs``.
    """
    p = Path(path)
    SKIPPED.clear()
    DROPPED.clear()
    usgs_mcs.UNMAPPED.clear()
    if p.is_dir():
        files = raw_files(p)
        if not files:
            raise DataValidationError(f"no {PATTERN} files in the folder", file=str(p),
                                      fix="pass a USGS MCS world folder (usgs-mcs-2024/world)")
    else:
        files = [require_file(p, what="USGS MCS world")]
    frames = []
    unmapped: set[str] = set()
    for f in files:
        frames.append(_read_one(f))
        unmapped |= usgs_mcs.UNMAPPED
    usgs_mcs.UNMAPPED.clear()
    usgs_mcs.UNMAPPED.update(unmapped)
    frames = [f for f in frames if len(f)]
    df = pd.concat(frames, ignore_index=True) if frames else schema.empty()
    return schema.validate(df, file=str(p))


def looks_like(columns: list[str]) -> bool:
    """Whether a CSV header is the per-commodity world layout (``Source, Country, Type, Prod_…``)."""
    cols = [str(c).replace("\ufeff", "").strip() for c in columns]
    return (len(cols) >= 4 and [c.lower() for c in cols[:2]] == ["source", "country"]
            and any(_column(c) is not None and not _column(c)[0].endswith("notes") for c in cols))

"""Rare-metal stockpile planning (レアメタル備蓄, SPEC §2.8).

For each stockpile mineral (the JOGMEC 34 kinds, catalogue flag ``stockpile``):

standard consumption (標準消費量)
    The mean of the importer's annual domestic consumption over the ``window`` (5) years
    ending in the plan year. Where no consumption figure exists, *apparent consumption*
    stands in, and the record's ``basis`` says which was used:

    1. ``user``: a consumption table the user supplies (mineral, year, consumption_t);
    2. ``usgs_salient``: for the United States, USGS MCS salient statistics
       (reported consumption, else USGS's own apparent consumption);
    3. ``apparent``: apparent consumption = domestic refined production + imports − exports
       of the mineral's **refined** stage (HS codes of the catalogue), in tonnes. Quantities
       are converted to contained element where the HS code's ``content_basis`` allows
       (lithium carbonate and hydroxide → Li; ``metal`` as is); ``gross`` codes stay gross
       weight and the label says so. Intermediate-stage codes are added only where the
       intermediate is the same material in unwrought form (:data:`INTERMEDIATE_INCLUDED`;
       magnets, ferro-alloys and semi-manufactures are other products). A mineral with no
       refined-stage trade in the window falls back to its concentrate stage (industrial
       minerals such as fluorspar or graphite whose traded product *is* the concentrate; mine
       production is then added), then to its chemical stage (:data:`STAGE_ORDER`).
       Exports are the partners' recorded imports from the country (mirror flows). Domestic
       production is the latest figure at most :data:`PRODUCTION_LAG` years old (USGS MCS,
       then WMD, then BGS). Years of the window without trade data are left out and the record
       counts the years used. A non-positive mean (a net exporter) gives no target.

target days
    ``days = min(cap, ceil(base × (1 + risk_gain × R) × (1 + w)))`` where ``base`` = 60 days
    (the 1986 JOGMEC base), ``R`` ∈ [0, 1] the geopolitical risk of the mineral — the mean of the
    assessment's scores for production concentration and concentrate and refined import
    stability (:data:`RISK_INDICATORS`, the indicators a stockpile answers; the mean of all
    scored indicators when none of these is scored; 0 with a note when nothing is scored) —
    and ``w ≥ 0`` the user's industrial-importance weight for the mineral (default 0).
    With the defaults ``risk_gain = 2`` and ``cap = 180``, the riskiest mineral gets six
    months, the figure of the 2020 revision (SPEC §2.12).

target quantity
    ``target_t = target_days × standard_consumption_t / 365``.

Confidential data
-----------------
Actual stock levels, locations and (where the user holds them) official target days are not
public. They come only from a file the user supplies (:func:`read_stocks`), are carried in
the plan's columns listed in ``plan.attrs["confidential"]`` and never appear in
:func:`to_json` or a report unless ``show_confidential=True``; any file critmin writes with
them is written owner-only (mode 0600, :func:`write_private`).
"""
from __future__ import annotations

import math
from pathlib import Path
from typing import Iterable, Mapping

import numpy as np
import pandas as pd

from . import catalogue
from .errors import DataValidationError, did_you_mean

BASE_DAYS = 60.0
RISK_GAIN = 2.0
CAP_DAYS = 180.0
WINDOW = 5
PRODUCTION_LAG = 3
DAYS_PER_YEAR = 365.0

#: The assessment indicators whose scores raise the target days (geopolitical supply risk).
RISK_INDICATORS = ("production_concentration", "import_concentrate", "import_refined")

#: Intermediate-stage HS codes counted with the refined stage, and why.
INTERMEDIATE_INCLUDED: dict[str, str] = {
    "cobalt": "HS 8105.10 (HS92) mixes cobalt mattes and intermediates with unwrought cobalt metal, "
              "the form held in stockpiles; the refined code 2822.00 alone covers only oxides",
}

#: Stages tried in turn for apparent consumption: the first with trade data in the window.
STAGE_ORDER = ("refined", "concentrate", "chemical")

REFINED_PRIORITY = ("usgs_mcs", "wmd", "bgs_wms")
MINE_PRIORITY = ("wmd", "usgs_mcs", "bgs_wms")

#: Columns of a stock file; ``mineral`` and ``stock_t`` are required.
STOCK_COLUMNS = {
    "mineral": "mineral id or name (catalogue)",
    "stock_t": "stock held, tonnes (>= 0)",
    "location": "where it is held (optional)",
    "target_days": "the official target in days, if you hold it (optional, confidential)",
    "holder": "national / private (optional)",
    "note": "free text (optional)",
}

#: Plan columns that carry confidential data.
CONFIDENTIAL_COLUMNS = ["stock_t", "stock_days", "gap_t", "locations", "confidential_target_days",
                        "confidential_target_t"]


# -- stock file (confidential) -------------------------------------------------------------------

def read_stocks(path: str | Path) -> pd.DataFrame:
    """Read a confidential stock file (CSV or YAML) into ``mineral, stock_t, location, ...``.

    CSV: a header row with at least ``mineral`` and ``stock_t``. YAML: a list of mappings, or a
    mapping with key ``stocks`` holding that list. Several rows of one mineral (locations) are
    allowed. Any problem raises :class:`DataValidationError` naming the file, row and column.

    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "s.csv"
    >>> _ = p.write_text("mineral,stock_t,location\\ncobalt,120,A\\nCobalt,30,B\\n")
    >>> read_stocks(p)[["mineral", "stock_t"]].to_dict("list")
    {'mineral': ['cobalt', 'cobalt'], 'stock_t': [120.0, 30.0]}
    """
    path = Path(path)
    f = str(path)
    if not path.is_file():
        raise DataValidationError("stock file not found", file=f,
                                  fix="give the path of your stock-level file (CSV or YAML with columns "
                                      "mineral, stock_t, location)")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise DataValidationError(f"stock file cannot be read ({exc.__class__.__name__})", file=f,
                                  fix="check the file's permissions and save it as UTF-8 text") from None
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        rows, first = _stock_rows_yaml(text, f), 1
    elif suffix in (".csv", ".txt", ""):
        rows, first = _stock_rows_csv(text, f), 2
    else:
        raise DataValidationError("unsupported stock file type", file=f, found=path.suffix,
                                  expected=".csv, .yaml or .yml",
                                  fix="save the stock levels as CSV or YAML")
    if not rows:
        raise DataValidationError("stock file holds no rows", file=f,
                                  fix="add one row per mineral (and location): mineral, stock_t")
    out = []
    for i, raw in enumerate(rows):
        row = i + first
        keys = {str(k).strip().lower(): v for k, v in raw.items()}
        extra = [k for k in keys if k not in STOCK_COLUMNS]
        if extra:
            raise DataValidationError(f"unknown column{did_you_mean(extra[0], STOCK_COLUMNS)}", file=f,
                                      row=row, field=extra[0], expected=f"columns among {list(STOCK_COLUMNS)}",
                                      fix="rename or remove the column")
        for req in ("mineral", "stock_t"):
            v = keys.get(req)
            if v is None or (isinstance(v, str) and not v.strip()) or (isinstance(v, float) and math.isnan(v)):
                raise DataValidationError(f"missing {req}", file=f, row=row, field=req,
                                          expected=STOCK_COLUMNS[req], fix=f"fill in '{req}' on this row")
        mineral = catalogue.check_mineral(str(keys["mineral"]), file=f)
        rec = {"mineral": mineral}
        for col in ("stock_t", "target_days"):
            v = keys.get(col)
            if v is None or (isinstance(v, str) and not v.strip()):
                rec[col] = np.nan
                continue
            try:
                x = float(str(v).replace(",", "").strip()) if isinstance(v, str) else float(v)
            except (TypeError, ValueError):
                raise DataValidationError("not a number", file=f, row=row, field=col, found=v,
                                          expected=STOCK_COLUMNS[col],
                                          fix="write a plain number in tonnes (e.g. 1250.5)") from None
            if not math.isfinite(x) or x < 0:
                raise DataValidationError("not a non-negative number", file=f, row=row, field=col, found=v,
                                          expected=STOCK_COLUMNS[col], fix="stocks and days cannot be negative")
            rec[col] = x
        for col in ("location", "holder", "note"):
            v = keys.get(col)
            rec[col] = "" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v)
        rec["row"] = row
        out.append(rec)
    df = pd.DataFrame(out)
    df.attrs["file"] = f
    return df


def _stock_rows_csv(text: str, f: str) -> list[dict]:
    import csv
    import io

    reader = csv.reader(io.StringIO(text))
    try:
        lines = list(reader)
    except csv.Error as exc:
        raise DataValidationError(f"malformed CSV ({exc})", file=f, fix="save the file as plain CSV") from None
    lines = [ln for ln in lines if any(c.strip() for c in ln) and not ln[0].lstrip().startswith("#")]
    if not lines:
        return []
    header = [h.strip().lower() for h in lines[0]]
    missing = [c for c in ("mineral", "stock_t") if c not in header]
    if missing:
        raise DataValidationError(f"missing column '{missing[0]}'", file=f, row=1, field=missing[0],
                                  found=lines[0], expected="a header with mineral, stock_t[, location, ...]",
                                  fix="the first non-comment line must be the header row")
    rows = []
    for k, ln in enumerate(lines[1:], start=2):
        if len(ln) != len(header):
            raise DataValidationError("wrong number of cells", file=f, row=k, found=len(ln),
                                      expected=f"{len(header)} cells as in the header",
                                      fix="quote cells that contain commas; check for a missing cell")
        rows.append(dict(zip(header, ln)))
    return rows


def _stock_rows_yaml(text: str, f: str) -> list[dict]:
    import yaml

    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise DataValidationError("malformed YAML", file=f, row=(mark.line + 1) if mark else None,
                                  found=str(getattr(exc, "problem", exc)),
                                  fix="a list of mappings: '- {mineral: cobalt, stock_t: 120}'") from None
    if isinstance(doc, dict) and "stocks" in doc:
        doc = doc["stocks"]
    if doc is None:
        return []
    if not isinstance(doc, list) or not all(isinstance(r, dict) for r in doc):
        raise DataValidationError("unexpected YAML structure", file=f, found=type(doc).__name__,
                                  expected="a list of mappings (or {stocks: [...]})",
                                  fix="write '- {mineral: cobalt, stock_t: 120, location: A}' per row")
    return doc


def write_private(path: str | Path, text: str) -> Path:
    """Write ``text`` to ``path`` readable and writable by the owner only (mode 0600)."""
    from .report.io import write_text_atomic

    return write_text_atomic(path, text, private=True)


# -- consumption ---------------------------------------------------------------------------------

def stockpile_minerals(elements: bool = False) -> list[str]:
    """The stockpile minerals: the 34 JOGMEC kinds (``elements=True`` adds REE/PGM elements)."""
    m = catalogue.minerals()
    m = m[m["stockpile"]]
    if not elements:
        m = m[m["parent"] == ""]
    return m.index.tolist()


def stage_for(mineral: str) -> str:
    """The first stage of :data:`STAGE_ORDER` with an HS code for ``mineral`` ('' if none)."""
    h = catalogue.hs_codes()
    stages = set(h.loc[h["mineral"] == mineral, "stage"])
    return next((s for s in STAGE_ORDER if s in stages), "")


def _content_t(df: pd.DataFrame) -> pd.DataFrame:
    """Trade quantities in tonnes of contained element where the code's basis allows; label it."""
    from .units import MASS_TO_T, STOICHIOMETRY

    df = df[df["unit"].isin(list(MASS_TO_T)) & np.isfinite(df["value"])].copy()
    cb = df["content_basis"].fillna("").astype(str)
    factor = cb.map(lambda b: 1.0 if b in ("metal", "") else STOICHIOMETRY[b][1] if b in STOICHIOMETRY
                    else np.nan)
    convertible = factor.notna()
    df["t"] = df["value"] * df["unit"].map(MASS_TO_T) * factor.fillna(1.0)
    df["basis"] = np.where(convertible, "content", "gross")
    return df


def trade_flows(store, country: str, minerals: list[str], stages: Iterable[str]) -> pd.DataFrame:
    """Imports of ``country`` and its exports (partners' mirror imports), one query.

    Columns of :meth:`Store.trade` plus ``direction`` (``import``/``export``), ``t`` (tonnes,
    content where convertible) and ``basis`` (``content``/``gross``).
    """
    stages, minerals = list(stages), list(minerals)
    if not minerals or not stages:
        return pd.DataFrame(columns=["mineral", "stage", "hs", "content_basis", "shared", "importer", "exporter",
                                     "year", "value", "unit", "source", "edition", "direction", "t", "basis"])
    ph = lambda xs: ", ".join("?" * len(xs))  # noqa: E731
    df = store.sql(f"""
        SELECT m.mineral, m.stage, o.hs, m.content_basis, m.shared, o.country AS importer,
               o.partner AS exporter, o.year, o.value, o.unit, o.source, o.edition
        FROM obs o JOIN hs_map m ON o.hs = m.hs
        WHERE o.dataset = 'trade' AND o.variable = 'quantity' AND (o.country = ? OR o.partner = ?)
          AND m.mineral IN ({ph(minerals)}) AND m.stage IN ({ph(stages)})""",
                   [country, country, *minerals, *stages])
    df = df[df["importer"] != df["exporter"]]
    df["direction"] = np.where(df["importer"] == country, "import", "export")
    return _content_t(df)


def domestic_production(store, country: str, minerals: list[str], dataset: str = "refined_production"
                        ) -> pd.DataFrame:
    """``mineral, year, production_t, basis, source`` of one country (one source per year)."""
    from .units import MASS_TO_T, STOICHIOMETRY

    prio = REFINED_PRIORITY if dataset == "refined_production" else MINE_PRIORITY
    d = store.load(dataset, minerals=minerals, countries=[country], variables=["quantity"])
    d = d[np.isfinite(d["value"]) & d["unit"].isin(list(MASS_TO_T)) & d["source"].isin(prio)].copy()
    if d.empty:
        return pd.DataFrame(columns=["mineral", "year", "production_t", "basis", "source"])
    d["rank"] = d["source"].map({s: i for i, s in enumerate(prio)})
    d = d.sort_values(["mineral", "year", "rank"]).drop_duplicates(["mineral", "year"])
    f = d["basis"].map(lambda b: 1.0 if b in ("metal", "") else STOICHIOMETRY[b][1] if b in STOICHIOMETRY
                       else np.nan)
    d["production_t"] = d["value"] * d["unit"].map(MASS_TO_T) * f.fillna(1.0)
    d["basis"] = np.where(f.notna(), "content", "gross")
    d["source"] = d["source"] + ":" + d["edition"]
    return d[["mineral", "year", "production_t", "basis", "source"]].reset_index(drop=True)


def apparent_consumption(flows: pd.DataFrame, production: pd.DataFrame, years: Iterable[int], *,
                         lag: int = PRODUCTION_LAG) -> pd.DataFrame:
    """Apparent consumption per (mineral, year) = production + imports − exports, in tonnes.

    Pure function of a flows table (``mineral, year, direction, t, basis``) and a production
    table (``mineral, year, production_t, basis``). Only years with trade rows are returned.
    Production is taken as of the year (latest figure at most ``lag`` years older).

    >>> fl = pd.DataFrame({"mineral": ["x"] * 3, "year": [2020, 2020, 2021],
    ...                    "direction": ["import", "export", "import"], "t": [100., 30., 90.],
    ...                    "basis": ["content"] * 3})
    >>> pr = pd.DataFrame({"mineral": ["x"], "year": [2019], "production_t": [10.], "basis": ["content"]})
    >>> apparent_consumption(fl, pr, [2020, 2021])[["year", "consumption_t"]].to_dict("list")
    {'year': [2020, 2021], 'consumption_t': [80.0, 100.0]}
    """
    years = [int(y) for y in years]
    fl = flows[flows["year"].isin(years)]
    if fl.empty:
        return pd.DataFrame(columns=["mineral", "year", "imports_t", "exports_t", "production_t",
                                     "consumption_t", "trade_basis", "production_basis"])
    piv = fl.pivot_table(index=["mineral", "year"], columns="direction", values="t", aggfunc="sum",
                         fill_value=0.0).reindex(columns=["import", "export"], fill_value=0.0)
    piv.columns = ["imports_t", "exports_t"]
    piv = piv.reset_index()
    tb = fl.groupby("mineral")["basis"].agg(lambda s: "+".join(sorted(set(s)))).rename("trade_basis")
    piv = piv.merge(tb, on="mineral", how="left")
    if production is not None and len(production):
        p = production.rename(columns={"year": "pyear", "basis": "production_basis"}).sort_values("pyear")
        left = piv.sort_values("year").assign(year=lambda d: d["year"].astype("int64"))
        p = p.assign(pyear=p["pyear"].astype("int64"))
        piv = pd.merge_asof(left, p[["mineral", "pyear", "production_t", "production_basis"]],
                            left_on="year", right_on="pyear", by="mineral", direction="backward",
                            tolerance=lag).drop(columns="pyear")
    else:
        piv["production_t"], piv["production_basis"] = np.nan, np.nan
    piv["production_t"] = piv["production_t"].fillna(0.0)
    piv["production_basis"] = piv["production_basis"].fillna("")
    piv["consumption_t"] = piv["production_t"] + piv["imports_t"] - piv["exports_t"]
    return piv.sort_values(["mineral", "year"]).reset_index(drop=True)


def _salient_consumption(store, minerals: list[str], years: list[int]) -> pd.DataFrame:
    from .units import MASS_TO_T

    s = store.load("us_salient", minerals=minerals, years=years,
                   variables=["consumption_reported", "consumption", "consumption_apparent"])
    s = s[np.isfinite(s["value"]) & s["unit"].isin(list(MASS_TO_T))].copy()
    if s.empty:
        return pd.DataFrame(columns=["mineral", "year", "consumption_t", "source"])
    rank = {"consumption_reported": 0, "consumption": 1, "consumption_apparent": 2}
    s["r"] = s["variable"].map(rank)
    s = s.sort_values(["mineral", "year", "r"]).drop_duplicates(["mineral", "year"])
    s["consumption_t"] = s["value"] * s["unit"].map(MASS_TO_T)
    s["source"] = s["source"] + ":" + s["edition"] + " (" + s["variable"] + ")"
    return s[["mineral", "year", "consumption_t", "source"]]


def standard_consumption(country: str = "JPN", year: int | None = None, minerals: Iterable[str] | None = None,
                         *, window: int = WINDOW, consumption: pd.DataFrame | None = None,
                         store=None) -> pd.DataFrame:
    """Standard consumption (mean over ``window`` years to ``year``) per mineral with its basis.

    Returns ``mineral, standard_consumption_t, basis, stage, years, n_years, imports_t,
    exports_t, production_t, unit_basis, sources, reason`` (the window means of the parts).
    """
    from .store import default_store

    store = store or default_store()
    mins = [catalogue.check_mineral(m) for m in minerals] if minerals else stockpile_minerals()
    if year is None:
        from .assessment import latest_year

        year = latest_year(store, country)
    years = list(range(int(year) - window + 1, int(year) + 1))
    stage = {m: stage_for(m) for m in mins}
    recs = {m: {"mineral": m, "stage": stage[m], "reason": ""} for m in mins}

    # 1. user table
    done: set[str] = set()
    if consumption is not None:
        c = _check_consumption(consumption)
        c = c[c["mineral"].isin(mins) & c["year"].isin(years)]
        for m, g in c.groupby("mineral"):
            recs[m].update(standard_consumption_t=float(g["consumption_t"].mean()), basis="user",
                           years=sorted(int(y) for y in g["year"]), n_years=len(g),
                           sources="user-supplied consumption", unit_basis="as supplied",
                           stage="as reported")
            done.add(m)
    # 2. USGS salient statistics for the United States
    if country == "USA":
        s = _salient_consumption(store, [m for m in mins if m not in done], years)
        for m, g in s.groupby("mineral"):
            recs[m].update(standard_consumption_t=float(g["consumption_t"].mean()), basis="usgs_salient",
                           years=sorted(int(y) for y in g["year"]), n_years=len(g),
                           sources="; ".join(sorted(set(g["source"]))), unit_basis="as reported by USGS",
                           stage="as reported")
            done.add(m)
    # 3. apparent consumption from trade + production, at the first stage with data
    rest = [m for m in mins if m not in done and stage[m]]
    if rest:
        fl = trade_flows(store, country, rest, list(STAGE_ORDER) + ["intermediate"])
        fl = fl[fl["year"].isin(years)]
        held = fl.groupby("mineral")["stage"].agg(set)
        for m in rest:
            stage[m] = next((s_ for s_ in STAGE_ORDER if s_ in held.get(m, set())), stage[m])
            recs[m]["stage"] = stage[m]
        chosen = fl["stage"] == fl["mineral"].map(stage)
        extra = ((fl["stage"] == "intermediate") & fl["mineral"].isin(list(INTERMEDIATE_INCLUDED))
                 & (fl["mineral"].map(stage) == "refined"))
        fl = fl[chosen | extra]
        ref = [m for m in rest if stage[m] in ("refined", "chemical")]
        mine = [m for m in rest if stage[m] == "concentrate"]
        prod = [d for d in (domestic_production(store, country, ref, "refined_production"),
                            domestic_production(store, country, mine, "mine_production")) if len(d)]
        prod = (pd.concat(prod, ignore_index=True) if prod else
                pd.DataFrame(columns=["mineral", "year", "production_t", "basis", "source"]))
        ac = apparent_consumption(fl, prod, years)
        srcs = (fl.groupby("mineral").apply(lambda g: sorted(set(g["source"] + ":" + g["edition"])),
                                            include_groups=False) if len(fl) else pd.Series(dtype=object))
        shared = fl[fl["shared"].fillna("") != ""].groupby("mineral")["hs"].agg(lambda s: sorted(set(s)))
        for m, g in ac.groupby("mineral"):
            psrc = sorted(set(prod.loc[prod["mineral"] == m, "source"])) if len(prod) else []
            bases = set(str(g["trade_basis"].iat[0]).split("+")) | ({g["production_basis"].iat[-1]} - {""})
            ub = "contained element" if bases == {"content"} else (
                "gross weight" if bases == {"gross"} else "mixed: contained element and gross weight")
            st = stage[m] + (" + intermediate" if m in INTERMEDIATE_INCLUDED and stage[m] == "refined" else "")
            notes = []
            if m in shared.index:
                notes.append(f"shared multi-metal HS code {', '.join(shared[m])}: the flows are of the whole code")
            recs[m].update(standard_consumption_t=float(g["consumption_t"].mean()), basis="apparent",
                           years=sorted(int(y) for y in g["year"]), n_years=int(len(g)),
                           imports_t=float(g["imports_t"].mean()), exports_t=float(g["exports_t"].mean()),
                           production_t=float(g["production_t"].mean()), unit_basis=ub, stage=st,
                           sources="; ".join(list(srcs.get(m, [])) + psrc), notes=notes)
    h = catalogue.hs_codes()
    for m in mins:
        r = recs[m]
        if "standard_consumption_t" not in r:
            r["standard_consumption_t"] = np.nan
            r["basis"] = "none"
            if not stage[m]:
                r["reason"] = "no refined, concentrate or chemical HS code for this mineral in the catalogue"
            else:
                codes = ", ".join(h.loc[(h["mineral"] == m) & (h["stage"] == stage[m]), "hs"])
                r["reason"] = (f"no {stage[m]}-stage trade ({codes}) of {country} in {years[0]}–{years[-1]}")
        elif r["basis"] == "apparent" and r["standard_consumption_t"] <= 0:
            r["reason"] = "apparent consumption is not positive (net exporter): no target"
        elif r["basis"] == "apparent" and r["n_years"] < window:
            r["reason"] = f"only {r['n_years']} of {window} years with trade data"
        if m in INTERMEDIATE_INCLUDED and r["basis"] == "apparent":
            r["reason"] = "; ".join(x for x in (r["reason"], INTERMEDIATE_INCLUDED[m]) if x)
        r["reason"] = "; ".join(x for x in [r["reason"], *r.pop("notes", [])] if x)
    out = pd.DataFrame([recs[m] for m in mins])
    for c in ("years",):
        out[c] = out[c].map(lambda v: v if isinstance(v, list) else [])
    out["n_years"] = out["n_years"].fillna(0).astype(int)
    for c in ("imports_t", "exports_t", "production_t"):
        if c not in out:
            out[c] = np.nan
    for c in ("sources", "unit_basis"):
        out[c] = out[c].fillna("") if c in out else ""
    out.attrs = {"country": country, "year": int(year), "window": window}
    return out


def _check_consumption(df: pd.DataFrame) -> pd.DataFrame:
    need = ["mineral", "year", "consumption_t"]
    miss = [c for c in need if c not in df.columns]
    if miss:
        raise DataValidationError("consumption table lacks a column", field=miss[0], expected=str(need),
                                  fix="give one row per (mineral, year) with consumption_t in tonnes")
    d = df[need].copy()
    d["mineral"] = [catalogue.check_mineral(m) for m in d["mineral"]]
    d["year"] = pd.to_numeric(d["year"], errors="raise").astype(int)
    d["consumption_t"] = pd.to_numeric(d["consumption_t"], errors="raise").astype(float)
    if (d["consumption_t"] < 0).any():
        i = int(np.flatnonzero((d["consumption_t"] < 0).to_numpy())[0])
        raise DataValidationError("negative consumption", row=i + 2, field="consumption_t",
                                  found=float(d["consumption_t"].iat[i]), expected=">= 0")
    return d


# -- target days ---------------------------------------------------------------------------------

def risk_from_scores(scores: pd.DataFrame) -> pd.DataFrame:
    """``mineral, risk, risk_rule`` from assessment records (``mineral, indicator, score``)."""
    s = scores[np.isfinite(scores["score"].astype(float))]
    geo = s[s["indicator"].isin(RISK_INDICATORS)].groupby("mineral")["score"].mean()
    allm = s.groupby("mineral")["score"].mean()
    mins = sorted(set(scores["mineral"]))
    out = pd.DataFrame({"mineral": mins})
    out["risk"] = out["mineral"].map(geo)
    out["risk_rule"] = np.where(out["risk"].notna(), "mean of " + ", ".join(RISK_INDICATORS) + " scores",
                                "")
    fb = out["risk"].isna() & out["mineral"].isin(allm.index)
    out.loc[fb, "risk"] = out.loc[fb, "mineral"].map(allm)
    out.loc[fb, "risk_rule"] = "mean of all scored indicators (none of the geopolitical ones scored)"
    none = out["risk"].isna()
    out.loc[none, "risk"] = 0.0
    out.loc[none, "risk_rule"] = "no indicator scored: risk taken as 0 (base days)"
    return out


def target_days(risk, importance=0.0, *, base: float = BASE_DAYS, gain: float = RISK_GAIN,
                cap: float = CAP_DAYS):
    """Target days ``min(cap, ceil(base × (1 + gain × risk) × (1 + importance)))`` (vectorised).

    >>> target_days(0.0), target_days(1.0), target_days(0.5, 0.5), target_days(1.0, 1.0, cap=365)
    (60.0, 180.0, 180.0, 360.0)
    >>> float(target_days(0.25))
    90.0
    """
    r = np.clip(np.asarray(risk, dtype=float), 0.0, 1.0)
    w = np.asarray(importance, dtype=float)
    if np.any(w < 0):
        raise DataValidationError("negative importance weight", field="importance", found=w.tolist(),
                                  expected="weights >= 0 (0 = no extra importance)")
    if cap < base:
        raise DataValidationError("cap below the base days", field="cap_days", found=cap,
                                  expected=f">= base ({base})")
    d = np.minimum(cap, np.ceil(np.round(base * (1.0 + gain * r) * (1.0 + w), 9)))
    return float(d) if np.ndim(d) == 0 else d


def plan(country: str = "JPN", year: int | None = None, minerals: Iterable[str] | None = None, *,
         stocks: pd.DataFrame | str | Path | None = None, importance: Mapping[str, float] | float | None = None,
         base_days: float = BASE_DAYS, risk_gain: float = RISK_GAIN, cap_days: float = CAP_DAYS,
         window: int = WINDOW, consumption: pd.DataFrame | None = None,
         risk: Mapping[str, float] | pd.DataFrame | None = None, store=None) -> pd.DataFrame:
    """Stockpile plan per mineral: standard consumption, target days and target quantity.

    Parameters
    ----------
    country, year : importer (ISO3) and plan year (default: latest year with trade data).
    minerals : default the 34 JOGMEC stockpile kinds.
    stocks : confidential stock levels (a path to a CSV/YAML file or the :func:`read_stocks` table).
    importance : industrial-importance weight ``w ≥ 0`` per mineral (or one for all).
    base_days, risk_gain, cap_days : the target-days rule (module docstring).
    consumption : the user's own consumption table (mineral, year, consumption_t).
    risk : risk ``R`` per mineral (skips the assessment); default from :func:`critmin.assess`.

    Returns
    -------
    DataFrame ``mineral, standard_consumption_t, target_days, target_t, basis, unit_basis, stage,
    years, n_years, imports_t, exports_t, production_t, risk, risk_rule, importance, reason,
    sources`` (+ the confidential columns when ``stocks`` is given, listed in
    ``attrs["confidential"]``).
    """
    from .countries import check_iso3
    from .store import default_store

    store = store or default_store()
    country = check_iso3(country)
    sc = standard_consumption(country, year, minerals, window=window, consumption=consumption, store=store)
    year = sc.attrs["year"]
    mins = sc["mineral"].tolist()
    if risk is None:
        from .assessment import assess

        rec = assess(country, year, mins, detail=False, store=store).records
        rk = risk_from_scores(pd.DataFrame({"mineral": rec["mineral"], "indicator": rec["indicator"],
                                            "score": rec["score"]}))
        rk = pd.DataFrame({"mineral": mins}).merge(rk, on="mineral", how="left")
        rk["risk_rule"] = rk["risk_rule"].fillna("no indicator scored: risk taken as 0 (base days)")
        rk["risk"] = rk["risk"].fillna(0.0)
    elif isinstance(risk, pd.DataFrame):
        rk = risk[["mineral", "risk"]].assign(risk_rule="user-supplied risk")
    else:
        rk = pd.DataFrame({"mineral": mins, "risk": [float(risk.get(m, 0.0)) for m in mins],
                           "risk_rule": ["user-supplied risk" if m in risk else "not given: 0" for m in mins]})
    out = sc.merge(rk, on="mineral", how="left")
    if importance is None:
        w = {}
    elif isinstance(importance, (int, float)):
        w = {m: float(importance) for m in mins}
    else:
        w = {catalogue.check_mineral(k, field="importance"): float(v) for k, v in importance.items()}
    out["importance"] = out["mineral"].map(w).fillna(0.0)
    out["target_days"] = target_days(out["risk"].to_numpy(), out["importance"].to_numpy(),
                                     base=base_days, gain=risk_gain, cap=cap_days)
    ok = out["standard_consumption_t"] > 0
    out["target_t"] = np.where(ok, out["target_days"] * out["standard_consumption_t"] / DAYS_PER_YEAR, np.nan)
    out["target_days"] = out["target_days"].where(ok | out["standard_consumption_t"].isna(), np.nan)
    out["rule"] = (f"days = min({cap_days:g}, ceil({base_days:g} x (1 + {risk_gain:g} x R) x (1 + w))); "
                   f"target_t = days x standard consumption / 365; standard consumption = mean of "
                   f"{window} years")
    conf: list[str] = []
    if stocks is not None:
        st = stocks if isinstance(stocks, pd.DataFrame) else read_stocks(stocks)
        agg = st.groupby("mineral").agg(
            stock_t=("stock_t", "sum"),
            locations=("location", lambda s: sorted({x for x in s if x})),
            confidential_target_days=("target_days", "max"))
        out = out.merge(agg.reset_index(), on="mineral", how="left")
        out["locations"] = out["locations"].map(lambda v: v if isinstance(v, list) else [])
        out["stock_days"] = np.where(ok, out["stock_t"] / out["standard_consumption_t"] * DAYS_PER_YEAR, np.nan)
        out["gap_t"] = out["target_t"] - out["stock_t"]
        out["confidential_target_t"] = np.where(ok, out["confidential_target_days"]
                                                * out["standard_consumption_t"] / DAYS_PER_YEAR, np.nan)
        conf = list(CONFIDENTIAL_COLUMNS)
    cols = ["mineral", "standard_consumption_t", "target_days", "target_t", "basis", "unit_basis", "stage",
            "years", "n_years", "imports_t", "exports_t", "production_t", "risk", "risk_rule", "importance",
            "rule", "reason", "sources"] + conf
    out = out[cols].reset_index(drop=True)
    out.attrs = {"country": country, "year": int(year), "window": window, "confidential": conf,
                 "base_days": base_days, "risk_gain": risk_gain, "cap_days": cap_days,
                 "stock_file": (stocks if isinstance(stocks, (str, Path)) else
                                getattr(stocks, "attrs", {}).get("file")) if stocks is not None else None}
    return out


# -- output --------------------------------------------------------------------------------------

def _clean(v):
    if isinstance(v, float):
        return v if math.isfinite(v) else None
    if isinstance(v, (np.floating,)):
        return _clean(float(v))
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, list):
        return [_clean(x) for x in v]
    return v


def confidential_note(p: pd.DataFrame, shown: bool) -> dict:
    conf = p.attrs.get("confidential") or []
    if not conf:
        return {"supplied": False, "shown": False,
                "note": "built without confidential stock levels: actual stocks, locations and official "
                        "targets are not public (SPEC 2.8); supply them with --stocks FILE"}
    if shown:
        return {"supplied": True, "shown": True,
                "note": "CONFIDENTIAL: contains actual stock levels and locations; do not distribute"}
    return {"supplied": True, "shown": False,
            "note": "confidential stock levels were supplied but are withheld; "
                    "add --show-confidential to include them"}


def to_json(p: pd.DataFrame, *, show_confidential: bool = False) -> dict:
    """The ``critmin stockpile plan --format json`` document (confidential columns dropped unless asked)."""
    conf = p.attrs.get("confidential") or []
    cols = [c for c in p.columns if show_confidential or c not in conf]
    recs = [{c: _clean(v) for c, v in zip(cols, row)} for row in p[cols].itertuples(index=False)]
    return {"country": p.attrs.get("country"), "year": p.attrs.get("year"), "records": recs,
            "rule": {"base_days": p.attrs.get("base_days"), "risk_gain": p.attrs.get("risk_gain"),
                     "cap_days": p.attrs.get("cap_days"), "window": p.attrs.get("window"),
                     "risk_indicators": list(RISK_INDICATORS)},
            "confidential": confidential_note(p, show_confidential)}


def public_view(p: pd.DataFrame, show_confidential: bool = False) -> pd.DataFrame:
    """The plan without its confidential columns (unless ``show_confidential``)."""
    conf = p.attrs.get("confidential") or []
    out = p if show_confidential else p.drop(columns=[c for c in conf if c in p.columns])
    out = out.copy()
    out.attrs = dict(p.attrs)
    return out


__all__ = ["plan", "standard_consumption", "apparent_consumption", "target_days", "risk_from_scores",
           "read_stocks", "write_private", "to_json", "public_view", "stockpile_minerals"]

"""Rare-metal stockpile planning (レアメタル備蓄, SPEC §2.8).

For each stockpile mineral (the JOGMEC 34 kinds, catalogue flag ``stockpile``):

standard consumption (標準消費量)
    The mean of the importer's annual domestic consumption over the ``window`` (5) years
    ending in the plan year. Where no consumption figure exists, *apparent consumption*
    stands in, and the record's ``basis`` says which was used:

    1. ``user``: a consumption table the user supplies (mineral, year, consumption_t);
    2. ``usgs_salient``: for the United States, USGS MCS salient statistics
       (reported consumption, else USGS's own apparent consumption);
    3. ``apparent``: apparent consumption = domestic production + imports − mirror exports at
       the mineral's first stage with trade (refined, else concentrate, else chemical), in
       contained tonnes where the HS code converts (else gross weight, labelled), value-only
       flows counted through their imputed quantity — the material balance of
       :mod:`critmin.balance` on the supply layer (its module docstring states every rule);
       years whose exports exceed imports + production are left out of the mean;
    4. ``imports``: where no year of the window has a positive balance (exports of product
       made from feed the stage's codes do not record), the stage's mean imports.

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
from .balance import (PRODUCTION_LAG, STAGE_ORDER, WINDOW, apparent_consumption, check_consumption,
                      domestic_production, salient_consumption, stage_for, standard_consumption,
                      stockpile_minerals, trade_flows)
from .errors import DataValidationError, did_you_mean
from .i18n import N_

BASE_DAYS = 60.0
RISK_GAIN = 2.0
CAP_DAYS = 180.0
DAYS_PER_YEAR = 365.0

#: The assessment indicators whose scores raise the target days (geopolitical supply risk).
RISK_INDICATORS = ("production_concentration", "import_concentrate", "import_refined")

#: How the risk R of a mineral was found (``risk_rule``; translated where shown).
RISK_GEO = N_("mean of production_concentration, import_concentrate, import_refined scores")
RISK_ALL = N_("mean of all scored indicators (none of the geopolitical ones scored)")
RISK_NONE = N_("no indicator scored: risk taken as 0 (base days)")
RISK_USER = N_("user-supplied risk")
RISK_NOT_GIVEN = N_("not given: 0")
#: The target rule as printed (``rule``).
RULE = N_("days = min({cap}, ceil({base} x (1 + {gain} x R) x (1 + w))); target_t = days x standard consumption "
          "/ 365; standard consumption = mean of {window} years")
#: What the output says about confidential stock levels.
CONF_NONE = N_("built without confidential stock levels: actual stocks, locations and official targets are not "
               "public; supply them with --stocks FILE")
CONF_SHOWN = N_("CONFIDENTIAL: contains actual stock levels and locations; do not distribute")
CONF_WITHHELD = N_("confidential stock levels were supplied but are withheld; add --show-confidential to include them")

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
    allowed. The file may be UTF-8 (with or without BOM) or Shift-JIS/cp932, as Japanese Excel saves
    it. Any problem raises :class:`DataValidationError` naming the file, row and column.

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
        data = path.read_bytes()
    except OSError as exc:
        raise DataValidationError(f"stock file cannot be read ({exc.__class__.__name__})", file=f,
                                  fix="check the file's permissions") from None
    from .userfile import decode

    text, _enc = decode(data, f)        # UTF-8 (with or without BOM) or Shift-JIS (cp932), else a clear error
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


# -- consumption (the material balance lives in critmin.balance) -------------------------------------

#: backwards-compatible names: the material balance (critmin.balance)
_check_consumption = check_consumption
_salient_consumption = salient_consumption


# -- target days ---------------------------------------------------------------------------------

def risk_from_scores(scores: pd.DataFrame) -> pd.DataFrame:
    """``mineral, risk, risk_rule`` from assessment records (``mineral, indicator, score``)."""
    s = scores[np.isfinite(scores["score"].astype(float))]
    geo = s[s["indicator"].isin(RISK_INDICATORS)].groupby("mineral")["score"].mean()
    allm = s.groupby("mineral")["score"].mean()
    mins = sorted(set(scores["mineral"]))
    out = pd.DataFrame({"mineral": mins})
    out["risk"] = out["mineral"].map(geo)
    out["risk_rule"] = np.where(out["risk"].notna(), RISK_GEO, "")
    fb = out["risk"].isna() & out["mineral"].isin(allm.index)
    out.loc[fb, "risk"] = out.loc[fb, "mineral"].map(allm)
    out.loc[fb, "risk_rule"] = RISK_ALL
    none = out["risk"].isna()
    out.loc[none, "risk"] = 0.0
    out.loc[none, "risk_rule"] = RISK_NONE
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
    years, n_years, imports_t, exports_t, production_t, balance_t, imputed_t, risk, risk_rule,
    importance, reason, sources`` (:func:`critmin.balance.standard_consumption`; + the confidential columns when ``stocks`` is given, listed in
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
        rk["risk_rule"] = rk["risk_rule"].fillna(RISK_NONE)
        rk["risk"] = rk["risk"].fillna(0.0)
    elif isinstance(risk, pd.DataFrame):
        rk = risk[["mineral", "risk"]].assign(risk_rule=RISK_USER)
    else:
        rk = pd.DataFrame({"mineral": mins, "risk": [float(risk.get(m, 0.0)) for m in mins],
                           "risk_rule": [RISK_USER if m in risk else RISK_NOT_GIVEN for m in mins]})
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
    out["rule"] = RULE.format(cap=f"{cap_days:g}", base=f"{base_days:g}", gain=f"{risk_gain:g}", window=window)
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
            "years", "n_years", "imports_t", "exports_t", "production_t", "balance_t", "imputed_t", "risk",
            "risk_rule", "importance", "rule", "reason", "sources"] + conf
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
        return {"supplied": False, "shown": False, "note": CONF_NONE}
    if shown:
        return {"supplied": True, "shown": True, "note": CONF_SHOWN}
    return {"supplied": True, "shown": False, "note": CONF_WITHHELD}


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
           "read_stocks", "write_private", "to_json", "public_view", "stockpile_minerals", "trade_flows",
           "domestic_production", "stage_for", "STAGE_ORDER", "WINDOW", "PRODUCTION_LAG"]

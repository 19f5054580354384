"""A policy as an overlay on the supply data: :class:`PlanSupply`, built by :func:`with_plan`.

``with_plan(supply, plan)`` returns supply data whose tables carry the plan's changes
(:mod:`.interventions`); :func:`critmin.assessment.assess` run on it (``supply=``) gives the
"after" indicators with the very formulas of the "before". What the overlay changes:

* ``production_obs``, ``reserves_obs``, ``refined_obs``: the plan's contained tonnes added to
  the country's row of the production data year (converted to the row's unit and basis), and
  to the table's world total (``WLD``) where it holds one; a row is added where the country
  has none. ``hhi`` reads these tables, so world shares move with them.
* ``domestic``: the base's domestic production (contained tonnes by stage) plus the plan's
  production changes of the countries asked for — the importer's secure (g = 0) source.
* ``recycling`` (and so ``secondary``): the plan's national ``secondary_ratio`` rows.
* ``flows``: in every (mineral, stage, year) group of the importer the plan changes, each
  partner's flows are scaled by (planned / base) amount — quantity, value and contained
  quantity alike, so the partner's product mix is kept — and a partner the importer did not
  buy from gets one flow with HS code ``policy``: contained tonnes in a group weighed by
  contained tonnes (its value at the element's unit value), or its value in a group weighed
  by value (no contained quantity, so the group keeps its basis). ``import_weights`` and
  ``exports`` read these flows.

Everything else (prices, governance, unit values, element values, trade sources) is the base
supply data's own table, shared, not rebuilt.

The overlay's :attr:`PlanSupply.source` is a guard, not a store: it refuses to load the tables
the plan changes and any query of bilateral trade, so no calculation can reach the unplanned
data through it (a :class:`~critmin.errors.ConsistencyError` says so). On construction the
overlay's import weights are checked against the plan's partner vectors.
"""
from __future__ import annotations

from functools import cached_property

import numpy as np
import pandas as pd

from ..errors import ConsistencyError
from ..supply import FLOW_COLUMNS, SupplyData
from ..units import MASS_TO_T, content_factors
from .interventions import POLICY_SOURCE, Plan

#: datasets whose rows the plan changes (the guard refuses to load them)
PLANNED = ("mine_production", "reserves", "refined_production", "recycling", "trade")
_OBS = {"mine_production": "production_obs", "reserves": "reserves_obs", "refined_production": "refined_obs"}


class PlannedSource:
    """The data source of a :class:`PlanSupply`: metadata passes through to the base source;
    the datasets a plan changes and bilateral trade are refused (read them from the overlay)."""

    def __init__(self, base) -> None:
        self._base = base

    def _refuse(self, what: str):
        raise ConsistencyError(f"{what} read from the data source under a policy overlay would bypass the "
                               "plan: read it from the PlanSupply (production_obs, reserves_obs, refined_obs, "
                               "recycling, flows, import_weights)")

    def load(self, dataset: str, **filters) -> pd.DataFrame:
        if dataset in PLANNED:
            self._refuse(f"dataset {dataset!r}")
        return self._base.load(dataset, **filters)

    def sql(self, query: str, params=None) -> pd.DataFrame:
        if "partner" in query.lower():
            self._refuse("bilateral trade")
        return self._base.sql(query, params)

    def __getattr__(self, name):
        return getattr(self._base, name)


class PlanSupply(SupplyData):
    """``base`` supply data with ``plan``'s changes laid over (module docstring)."""

    def __init__(self, base: SupplyData, plan: Plan) -> None:   # noqa: D107 - no new store is built
        missing = plan.minerals - set(base.minerals)
        if missing:
            raise ConsistencyError(f"the plan changes {sorted(missing)}, which the supply data does not hold")
        self.base, self.plan = base, plan
        self.source = PlannedSource(base.source)
        self.method, self.minerals = base.method, list(base.minerals)
        self._flows: dict = {}
        self._weights: dict = {}
        self.overlay = plan

    # -- tables shared with the base -------------------------------------------------------------
    @property
    def _unit_values(self) -> pd.DataFrame:
        return self.base._unit_values

    @property
    def element_value(self) -> pd.DataFrame:
        return self.base.element_value

    @property
    def _price_tables(self):
        return self.base._price_tables

    @property
    def gov_obs(self) -> pd.DataFrame:
        return self.base.gov_obs

    def governance(self, years):
        return self.base.governance(years)

    @property
    def held_codes(self) -> frozenset:
        return self.base.held_codes

    @property
    def trade_sources(self) -> pd.DataFrame:
        return self.base.trade_sources

    @property
    def reserve_life(self) -> pd.DataFrame:
        return self.base.reserve_life

    @property
    def provenance(self) -> pd.DataFrame:
        """The base supply data's provenance and one row for the policy laid over it."""
        p = self.plan
        row = {"table": "policy overlay", "source": f"{POLICY_SOURCE}:{p.country} {p.year}",
               "rule": f"{len(p.effects)} intervention(s): {len(p.changed_groups)} import group(s), "
                       f"{len(p.table_deltas)} production change(s), {len(p.recycling_rows)} recycling row(s)"}
        return pd.concat([super().provenance, pd.DataFrame([row])], ignore_index=True)

    # -- production, reserves, recycling ---------------------------------------------------------
    def _with_deltas(self, dataset: str) -> pd.DataFrame:
        obs = getattr(self.base, _OBS[dataset])
        deltas = [d for d in self.plan.table_deltas if d[0] == dataset]
        if not deltas:
            return obs
        obs = obs.copy()
        extra = []
        for _, m, c, y, t in deltas:
            sel = (obs["mineral"] == m) & (obs["year"] == y)
            who = [c] + (["WLD"] if (sel & (obs["country"] == "WLD")).any() else [])
            for k in who:
                hit = obs.index[sel & (obs["country"] == k)]
                if len(hit):
                    i = hit[0]
                    add = _in_row_units(t, obs.loc[i, "unit"], obs.loc[i, "basis"])
                    obs.loc[i, "value"] = obs.loc[i, "value"] + add
                    continue
                tpl = obs[sel]
                if len(tpl):
                    row = tpl.iloc[0].copy()
                    row["value"] = _in_row_units(t, row["unit"], row["basis"])
                else:
                    row = pd.Series({"dataset": dataset, "mineral": m, "year": y, "variable": "quantity", "value": t,
                                     "unit": "t", "basis": "metal", "source": POLICY_SOURCE, "edition": "policy"})
                row["country"], row["flag"], row["note"] = k, "", "policy"
                extra.append(row)
        if extra:
            obs = pd.concat([obs, pd.DataFrame(extra).reindex(columns=obs.columns)], ignore_index=True)
            obs["year"] = obs["year"].astype("int64")
        return obs

    @cached_property
    def production_obs(self) -> pd.DataFrame:
        return self._with_deltas("mine_production")

    @cached_property
    def reserves_obs(self) -> pd.DataFrame:
        return self._with_deltas("reserves")

    @cached_property
    def refined_obs(self) -> pd.DataFrame:
        return self._with_deltas("refined_production")

    def domestic(self, countries=None) -> pd.DataFrame:
        """The base's domestic production with the plan's production changes of these countries
        (contained tonnes; mine production at the concentrate stage, refined at the refined)."""
        key = ("domestic", None if countries is None else tuple(sorted(countries)))
        if key in self._weights:
            return self._weights[key]
        d = self.base.domestic(countries)
        stage_of = {"mine_production": "concentrate", "refined_production": "refined"}
        deltas = [x for x in self.plan.table_deltas if x[0] in stage_of
                  and (countries is None or x[2] in set(countries))]
        if deltas:
            d = d.copy()
            extra = []
            for ds, m, c, y, t in deltas:
                hit = d.index[(d["country"] == c) & (d["mineral"] == m) & (d["stage"] == stage_of[ds])
                              & (d["year"] == y) & (d["p_basis"] == "contained")]
                if len(hit):
                    d.loc[hit[0], "p"] = d.loc[hit[0], "p"] + t
                else:
                    extra.append({"country": c, "mineral": m, "stage": stage_of[ds], "year": y, "p": t,
                                  "p_basis": "contained", "source": f"{POLICY_SOURCE}:policy"})
            if extra:
                d = pd.concat([d, pd.DataFrame(extra)], ignore_index=True)
                d["year"] = d["year"].astype("int64")
        self._weights[key] = d
        return d

    @cached_property
    def recycling(self) -> pd.DataFrame:
        df = self.base.recycling
        rows = self.plan.recycling_rows
        if not rows:
            return df
        ms = [r["mineral"] for r in rows]
        df = df[~(df["mineral"].isin(ms) & (df["variable"] == "secondary_ratio"))]
        new = pd.DataFrame([{"dataset": "recycling", "mineral": r["mineral"], "stage": "", "hs": "",
                             "country": self.plan.country, "partner": "", "year": self.plan.year,
                             "variable": "secondary_ratio", "value": r["value"], "unit": "1", "basis": "",
                             "source": POLICY_SOURCE, "edition": "policy", "flag": "",
                             "note": f"(rate {r['rate']:g} × D {r['demand_t']:,.0f} + {r['added_t']:,.0f}) / "
                                     f"(D − {r['cut_t']:,.0f}); rate basis {r['rate_basis']}"} for r in rows])
        return pd.concat([df, new.reindex(columns=df.columns)], ignore_index=True)

    # -- trade -----------------------------------------------------------------------------------
    def flows(self, importers=None, *, stages=("concentrate", "refined"), exports: bool = False) -> pd.DataFrame:
        imp = None if importers is None else tuple(sorted(set(importers)))
        key = (imp, tuple(stages), exports)
        if key not in self._flows:
            f = self.base.flows(importers, stages=stages, exports=exports)
            if exports:
                keep_new = (lambda exporter: imp is None or exporter in imp)
            else:
                keep_new = (lambda exporter: imp is None or self.plan.country in imp)
            self._flows[key] = self._planned_flows(f, set(stages), keep_new)
        return self._flows[key]

    def _planned_flows(self, f: pd.DataFrame, stages: set, keep_new) -> pd.DataFrame:
        plan, c = self.plan, self.plan.country
        groups = sorted(k for k in plan.changed_groups if k[1] in stages)
        if not groups:
            return f
        f = f.copy()
        drop, new = [], []
        ev = self.element_value.set_index(["mineral", "year"])["kusd_per_t"]
        for k in groups:
            m, stage, y = k
            now, was, basis = plan.vectors[k], plan.base_vectors[k], plan.bases[k]
            sel = (f["importer"] == c) & (f["mineral"] == m) & (f["stage"] == stage) & (f["year"] == y)
            fac = (now.reindex(was.index, fill_value=0.0) / was)[was > 0]
            rows = f.index[sel & f["exporter"].isin(fac.index)]
            r = f.loc[rows, "exporter"].map(fac).astype(float)
            for col in ("q", "v", "q_c"):
                f.loc[rows, col] = f.loc[rows, col] * r
            drop += list(r.index[r <= 0])
            uv = _uv(ev, m, y)
            for exporter, w in now.items():
                if exporter in fac.index or w <= 0 or not keep_new(exporter):
                    continue
                if basis == "contained":
                    q, v, qc, cb = w, w * uv, w, "metal"
                else:
                    q, v, qc, cb = w / uv, w, np.nan, "value"
                new.append({"mineral": m, "stage": stage, "hs": POLICY_SOURCE, "content_basis": cb, "shared": "",
                            "importer": c, "exporter": exporter, "year": y, "q": q, "v": v, "q_c": qc,
                            "q_imputed": False, "v_imputed": False, "sources": f"{POLICY_SOURCE}:policy"})
        f = f.drop(index=drop)
        if new:
            f = pd.concat([f, pd.DataFrame(new).reindex(columns=f.columns)], ignore_index=True)
            f["year"] = f["year"].astype("int64")
        # a group weighed by value keeps its basis (it would flip to contained tonnes if every
        # gross-weight flow were displaced)
        for k in groups:
            m, stage, y = k
            if plan.bases[k] != "value":
                continue
            g = ((f["importer"] == c) & (f["mineral"] == m) & (f["stage"] == stage) & (f["year"] == y)
                 & ((f["q"].fillna(0) > 0) | (f["v"].fillna(0) > 0)))
            if g.any() and f.loc[g, "q_c"].notna().all():
                f.loc[g, "q_c"] = np.nan
        return f[[col for col in FLOW_COLUMNS + ["sources"] if col in f.columns]].reset_index(drop=True)

    def check(self) -> "PlanSupply":
        """The overlay's import weights equal the plan's partner vectors (else ConsistencyError)."""
        plan = self.plan
        groups = plan.changed_groups
        if not groups:
            return self
        w, _ = self.import_weights([plan.country], domestic=False)
        for (m, stage, y) in groups:
            g = w[(w["mineral"] == m) & (w["stage"] == stage) & (w["year"] == y)]
            got = g.groupby("exporter")["q"].sum()
            want = plan.vectors[(m, stage, y)]
            want = want[want > 0]
            basis = set(g["basis"]) or {plan.bases[(m, stage, y)]}
            diff = got.reindex(want.index.union(got.index), fill_value=0.0) - want.reindex(
                want.index.union(got.index), fill_value=0.0)
            if basis != {plan.bases[(m, stage, y)]} or (diff.abs() > 1e-6 * max(1.0, float(want.sum()))).any():
                raise ConsistencyError(f"the overlay's {stage} imports of {m} in {y} differ from the plan: "
                                       f"{diff[diff.abs() > 1e-9].round(3).to_dict()} (basis {sorted(basis)})")
        return self


def _uv(ev: pd.Series, mineral: str, year: int) -> float:
    """kUSD per t contained: the year's, else the nearest earlier, else the earliest held."""
    if mineral not in ev.index.get_level_values(0):
        return np.nan
    s = ev.loc[mineral].sort_index()
    before = s[s.index <= year]
    return float(before.iloc[-1] if len(before) else s.iloc[0])


def _in_row_units(t: float, unit: str, basis: str) -> float:
    """Contained tonnes ``t`` in a production row's unit and basis."""
    f = float(content_factors(pd.Series([basis])).iloc[0])
    return t / MASS_TO_T[unit] / (f if np.isfinite(f) and f > 0 else 1.0)


def with_plan(supply: SupplyData, plan: Plan) -> PlanSupply:
    """``supply`` with ``plan``'s changes laid over (:class:`PlanSupply`), checked against the plan."""
    if isinstance(supply, PlanSupply):
        raise ConsistencyError("plans do not stack: build one plan of all the interventions on the base "
                               "supply data")
    return PlanSupply(supply, plan).check()

"""Interventions as a modified view of the data: :class:`PolicyStore`.

A policy changes the *data* the assessment reads, never the indicator formulas. The
:class:`PolicyStore` wraps a store and exposes the same ``load``/``trade``/``trade_flows``/``sql``
interface; :func:`critmin.assessment.compute` run on it gives the "after" indicators.

The changes are planned once (:func:`build_plan`) from the importer's partner vectors — the
tonnes the assessment counts per exporter at a stage and year, after content conversion and
unit-value imputation (:func:`critmin.indicators.import_stability.prepare_trade`) — and then
written into the tables the assessment reads:

==============  =====================================================================================
intervention    data change (importer J, mineral m, assessment year Y)
==============  =====================================================================================
offtake         imports of m from C at the stage (trade year T) + X/content t; the same tonnes are
                taken out of J's other partners by ``displaces`` (``none``: pure addition). X ≤ the
                mine's or C's output (mine production for concentrate; refined production, else mine
                production, for refined). Equity supply X counts in the self-sufficiency numerator.
new_mine        C's mine production + X in the production data year used (and reserves + R).
smelter         J's refined production + X (a secure, g = 0 source); refined imports − X by
                ``displaces``; concentrate imports + X/(recovery × feed_content) from ``feed_from``
                (default: J's current concentrate partners pro rata).
stockpile       stock S = N/365 × D. Rule: over a one-year disruption horizon the stock replaces
                S t of refined supply, so it is counted as a secure (g = 0) refined source beside
                domestic production; the stockpile cover is N days.
substitution    demand cut P × D (or X t): refined imports − cut by ``displaces``; the secondary
                ratio is then taken over the smaller demand.
recycling       secondary supply + X: secondary ratio (r × D + X)/D written as a national
                ``secondary_ratio`` recycling row (r = the rate the assessment used, D = demand);
                refined imports − δ × X (δ < 1 the displacement rate; Santillán-Saldivar et al. 2021,
                RCR 164:105108): ``riskiest_first`` is the best case, ``least_risky_first`` the worst.
                The labels are exact for the linear ``geopolrisk`` variant; under the HHI-based
                variants the squared shares can make the pro-rata spread lower than both.
supply_shock    imports from C at the stage × (1 − fraction); ``replaced: pro_rata`` buys the lost
                tonnes from the remaining partners pro rata, ``none`` leaves supply short.
==============  =====================================================================================

Demand D is the apparent consumption of the refined stage in the trade year: J's refined
production + refined imports − refined exports (partners' mirror imports), in the tonnes the
assessment uses; an intervention may state ``demand_t`` instead. Production changes are applied
before trade changes; trade changes in file order, each validated against the state left by the
ones before. Every plan ends with invariant checks (no negative flow, shares sum to 1, moved
tonnes balance), raising :class:`~critmin.errors.ConsistencyError`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

import numpy as np
import pandas as pd

from ..errors import ConsistencyError, DataValidationError
from ..indicators import governance, import_stability
from ..indicators.governance import MISSING_RULES
from ..units import MASS_TO_T

DOMESTIC = import_stability.DOMESTIC
TOL = 1e-6
POLICY_SOURCE = "policy"


def displace(vec: pd.Series, amount: float, g: pd.Series, rule: str,
             exclude: Iterable[str] = ()) -> pd.Series:
    """Tonnes taken from each partner so that they sum to ``amount``.

    ``pro_rata`` in proportion to the partners' tonnes; ``riskiest_first`` from the partner
    with the highest g down (best case); ``least_risky_first`` from the lowest g up (worst
    case). Ties are broken by larger tonnes, then the partner code. Partners in ``exclude``
    are never displaced. ``amount`` must not exceed what the partners supply.

    >>> v = pd.Series({"A": 60.0, "B": 40.0})
    >>> displace(v, 50, pd.Series({"A": 0.2, "B": 0.8}), "pro_rata").to_dict()
    {'A': 30.0, 'B': 20.0}
    >>> displace(v, 50, pd.Series({"A": 0.2, "B": 0.8}), "riskiest_first").to_dict()
    {'A': 10.0, 'B': 40.0}
    """
    pool = vec.drop(labels=[DOMESTIC, *exclude], errors="ignore")
    pool = pool[pool > 0].astype(float)
    out = pd.Series(0.0, index=pool.index)
    if amount <= 0 or rule == "none":
        return out
    avail = float(pool.sum())
    if amount > avail * (1 + 1e-9) + TOL:
        raise ValueError(f"{amount:,.1f} t to displace but the partners supply only {avail:,.1f} t")
    if rule == "pro_rata":
        return pool * (amount / avail)
    gg = g.reindex(pool.index).astype(float)
    order = pd.DataFrame({"g": gg, "q": pool, "c": pool.index})
    order = order.sort_values(["g", "q", "c"], ascending=[rule == "least_risky_first", False, True])
    left = amount
    for c, q in order["q"].items():
        take = min(q, left)
        out[c] = take
        left -= take
        if left <= 0:
            break
    return out


@dataclass
class Plan:
    """The data changes of one policy: partner vectors, table deltas and the effects log."""

    country: str
    year: int
    vectors: dict = field(default_factory=dict)      # (mineral, stage, year) -> Series exporter -> t
    base_vectors: dict = field(default_factory=dict)
    table_deltas: list = field(default_factory=list)  # (dataset, mineral, country, year, delta_t, mode)
    recycling_rows: list = field(default_factory=list)
    effects: list = field(default_factory=list)
    trade_years: dict = field(default_factory=dict)   # (mineral, stage) -> trade year used

    @property
    def changed_groups(self) -> set:
        return {k for k, v in self.vectors.items()
                if not v.round(9).equals(self.base_vectors.get(k, pd.Series(dtype=float)).round(9))}


class _Context:
    """Base-data facts the interventions need, read once."""

    def __init__(self, base, minerals: list[str], country: str, year: int, method) -> None:
        from ..assessment import PRODUCTION_PRIORITY, REFINED_PRIORITY, RESERVE_PRIORITY, _domestic, _pick_source
        from ..indicators import secondary
        from ..stockpile import trade_flows as mirror_flows

        self.base, self.minerals, self.country, self.year, self.method = base, minerals, country, year, method
        lag = method.max_lag
        fl = import_stability.prepare_trade(base.trade_flows(minerals=minerals, importers=[country]))
        self.flows = fl[(fl["year"] <= year) & (fl["year"] >= year - lag - method.window + 1)]
        g = governance.scores(base.load("governance"), index=method.governance,
                              years=list(range(year - lag - method.window, year + 1)))
        self.g = g
        self.missing_g = MISSING_RULES[method.missing_governance]
        dom = _domestic(base, [country], minerals)
        self.domestic = dom
        exp = mirror_flows(base, country, minerals, ["refined"])
        self.exports = exp[exp["direction"] == "export"].groupby(["mineral", "year"])["t"].sum()

        def picked(ds, prio):
            d = base.load(ds, minerals=minerals, variables=["quantity"])
            d = d[np.isfinite(d["value"]) & d["unit"].isin(list(MASS_TO_T)) & d["source"].isin(prio)]
            d = _pick_source(d, prio)
            return d.assign(t=d["value"] * d["unit"].map(MASS_TO_T))

        self.production = picked("mine_production", PRODUCTION_PRIORITY)
        self.reserves = picked("reserves", RESERVE_PRIORITY)
        self.refined = picked("refined_production", REFINED_PRIORITY)
        self.rates = secondary.secondary_risk(base.load("recycling", minerals=minerals), minerals)

    # -- years -----------------------------------------------------------------------------------
    def trade_year(self, mineral: str, stage: str) -> int:
        """The trade year the assessment uses: the latest ≤ Y within the lag, else Y."""
        f = self.flows[(self.flows["mineral"] == mineral) & (self.flows["stage"] == stage)
                       & (self.flows["year"] >= self.year - self.method.max_lag)]
        return int(f["year"].max()) if len(f) else self.year

    def window_years(self, mineral: str, stage: str) -> list[int]:
        t = self.trade_year(mineral, stage)
        f = self.flows[(self.flows["mineral"] == mineral) & (self.flows["stage"] == stage)]
        ys = sorted(set(f["year"]) & set(range(t - self.method.window + 1, t + 1)))
        return ys or [t]

    def data_year(self, table: pd.DataFrame, mineral: str, extra_lag: int = 0) -> int | None:
        t = table[(table["mineral"] == mineral) & (table["year"] <= self.year)
                  & (table["year"] >= self.year - self.method.max_lag - extra_lag)]
        return int(t["year"].max()) if len(t) else None

    # -- vectors ---------------------------------------------------------------------------------
    def vector(self, mineral: str, stage: str, year: int) -> pd.Series:
        f = self.flows[(self.flows["mineral"] == mineral) & (self.flows["stage"] == stage)
                       & (self.flows["year"] == year)]
        return f.groupby("exporter")["q"].sum().astype(float)

    def gvec(self, year: int) -> pd.Series:
        g = self.g[self.g["year"] == year].set_index("country")["g"]
        return g

    def g_of(self, partners, year: int) -> pd.Series:
        return self.gvec(year).reindex(list(partners)).fillna(
            self.missing_g if np.isfinite(self.missing_g) else 0.5)

    def domestic_p(self, mineral: str, stage: str, year: int) -> float:
        d = self.domestic[(self.domestic["mineral"] == mineral) & (self.domestic["stage"] == stage)
                          & (self.domestic["year"] <= year) & (self.domestic["year"] >= year - self.method.max_lag)]
        return float(d.sort_values("year")["p"].iloc[-1]) if len(d) else 0.0

    def domestic_year(self, mineral: str, stage: str, year: int) -> int | None:
        d = self.domestic[(self.domestic["mineral"] == mineral) & (self.domestic["stage"] == stage)
                          & (self.domestic["year"] <= year) & (self.domestic["year"] >= year - self.method.max_lag)]
        return int(d["year"].max()) if len(d) else None

    def output(self, table: pd.DataFrame, mineral: str, country: str, extra_lag: int = 0):
        y = self.data_year(table, mineral, extra_lag)
        if y is None:
            return None, None, ""
        t = table[(table["mineral"] == mineral) & (table["year"] == y) & (table["country"] == country)]
        src = "; ".join(sorted(set(table.loc[(table["mineral"] == mineral) & (table["year"] == y), "source"])))
        return (float(t["t"].sum()) if len(t) else 0.0), y, src

    def world(self, table: pd.DataFrame, mineral: str, extra_lag: int = 0):
        from ..indicators.concentration import country_shares

        y = self.data_year(table, mineral, extra_lag)
        if y is None:
            return None, None
        t = table[(table["mineral"] == mineral) & (table["year"] == y)]
        sh = country_shares(t.assign(value=t["t"]), ["mineral"])
        return sh.set_index("country")["value"], y

    def rate(self, mineral: str):
        r = self.rates[self.rates["mineral"] == mineral]
        return (float(r["value"].iloc[0]), str(r["basis"].iloc[0])) if len(r) else (0.0, "none held (0)")


def _names(d: dict, n: int = 3) -> str:
    """The largest ``n`` keys of a {partner: t} dict, and how many more."""
    if not d:
        return "nobody (an addition)"
    top = sorted(d, key=lambda k: -d[k])
    return ", ".join(top[:n]) + (f" and {len(top) - n} more" if len(top) > n else "")


def _err(iv, what: str, fix: str, found=None) -> DataValidationError:
    return DataValidationError(f"intervention {iv.label!r}: {what}", field=iv.label, found=found, fix=fix)


class _Builder:
    """Applies interventions one by one to the partner vectors and logs what moved."""

    def __init__(self, ctx: _Context, case: str) -> None:
        self.ctx, self.case = ctx, case
        self.plan = Plan(ctx.country, ctx.year)
        self.dom_delta: dict[tuple[str, str], float] = {}
        self.prod_delta: dict[tuple[str, str], float] = {}
        self.res_delta: dict[tuple[str, str], float] = {}
        self.offtaken: dict[tuple[str, str, str], float] = {}
        self.sec_add: dict[str, float] = {}
        self.demand_cut: dict[str, float] = {}
        self.demand_given: dict[str, float] = {}
        self._demand: dict[str, tuple[float, str]] = {}

    # -- helpers ---------------------------------------------------------------------------------
    def rule(self, rule: str) -> str:
        if rule == "none" or self.case == "central":
            return rule
        return "riskiest_first" if self.case == "best" else "least_risky_first"

    def vec(self, mineral: str, stage: str, year: int) -> pd.Series:
        key = (mineral, stage, year)
        if key not in self.plan.vectors:
            v = self.ctx.vector(mineral, stage, year)
            self.plan.vectors[key] = v.copy()
            self.plan.base_vectors[key] = v.copy()
        return self.plan.vectors[key]

    def set_vec(self, mineral, stage, year, v: pd.Series) -> None:
        self.plan.vectors[(mineral, stage, year)] = v[v > TOL].astype(float)

    def take(self, iv, mineral, stage, amount, rule, exclude=(), what="") -> dict:
        """Remove ``amount`` t from the importer's partners in every window year; return the moves."""
        moved = {}
        for y in self.ctx.window_years(mineral, stage):
            v = self.vec(mineral, stage, y)
            try:
                r = displace(v, amount, self.ctx.g_of(v.index, y), self.rule(rule), exclude)
            except ValueError as exc:
                raise _err(iv, f"{what} exceeds the {stage} imports it would replace in {y} ({exc})",
                           "lower the quantity, or set displaces: none (an addition on top of imports)",
                           found=round(amount, 3)) from None
            self.set_vec(mineral, stage, y, v.sub(r, fill_value=0.0))
            if y == self.ctx.trade_year(mineral, stage):
                moved = {k: round(float(x), 3) for k, x in r[r > 5e-4].items()}
        return moved

    def add(self, mineral, stage, adds: dict[str, float]) -> None:
        for y in self.ctx.window_years(mineral, stage):
            v = self.vec(mineral, stage, y)
            self.set_vec(mineral, stage, y, v.add(pd.Series(adds, dtype=float), fill_value=0.0))

    def demand(self, iv, mineral: str) -> tuple[float, str]:
        if getattr(iv, "demand_t", None):
            self.demand_given[mineral] = float(iv.demand_t)
        if mineral in self.demand_given:
            self._demand[mineral] = (self.demand_given[mineral], "stated in the policy (demand_t)")
        if mineral in self._demand:
            return self._demand[mineral]
        c = self.ctx
        t = c.trade_year(mineral, "refined")
        p = c.domestic_p(mineral, "refined", t)
        imp = float(c.vector(mineral, "refined", t).sum())
        exp = float(c.exports.get((mineral, t), 0.0))
        d = p + imp - exp
        if d <= 0:
            raise _err(iv, f"apparent refined consumption of {mineral} in {c.country} {t} is not positive "
                       f"(production {p:,.0f} + imports {imp:,.0f} − exports {exp:,.0f} t)",
                       "state the annual demand as demand_t", found=round(d, 1))
        self._demand[mineral] = (d, f"apparent consumption {t}: refined production {p:,.0f} + refined "
                                    f"imports {imp:,.0f} − exports {exp:,.0f} t")
        return self._demand[mineral]

    def effect(self, iv, **kw) -> dict:
        e = {"name": iv.label, "type": iv.type, "mineral": iv.mineral, "cost": iv.budget, **kw}
        self.plan.effects.append(e)
        return e

    # -- interventions ---------------------------------------------------------------------------
    def new_mine(self, iv) -> None:
        c = self.ctx
        out, y, src = c.output(c.production, iv.mineral, iv.country)
        if y is None:
            raise _err(iv, f"no mine production data of {iv.mineral} within {c.method.max_lag} years "
                       f"before {c.year}", "choose another year or mineral")
        world, _ = c.world(c.production, iv.mineral)
        tot = float(world.sum())
        prev = self.prod_delta.get((iv.mineral, iv.country), 0.0)
        self.prod_delta[(iv.mineral, iv.country)] = prev + iv.capacity_t
        self.plan.table_deltas.append(("mine_production", iv.mineral, iv.country, y, iv.capacity_t))
        changes = [{"what": f"mine production of {iv.country} ({y}, {src})", "before": out + prev,
                    "after": out + prev + iv.capacity_t, "unit": "t"},
                   {"what": f"{iv.country}'s share of world mine production", "before": (out + prev) / tot,
                    "after": (out + prev + iv.capacity_t) / (tot + iv.capacity_t), "unit": "1"}]
        moves = ["production_concentration"]
        if iv.reserves_t:
            r, ry, _ = c.output(c.reserves, iv.mineral, iv.country, extra_lag=2)
            if ry is None:
                raise _err(iv, f"no reserves data of {iv.mineral} to add reserves to", "leave out reserves_t")
            self.res_delta[(iv.mineral, iv.country)] = self.res_delta.get((iv.mineral, iv.country), 0) + iv.reserves_t
            self.plan.table_deltas.append(("reserves", iv.mineral, iv.country, ry, iv.reserves_t))
            changes.append({"what": f"reserves of {iv.country} ({ry})", "before": r, "after": r + iv.reserves_t,
                            "unit": "t"})
            moves.append("reserve_concentration")
        if iv.country == c.country:
            moves.append("import_concentrate")
        self.effect(iv, changes=changes, moved={}, expected=moves,
                    why=f"adds {iv.capacity_t:,.0f} t/yr to {iv.country}'s mine production: world "
                        "production (and reserve) shares change")

    def offtake(self, iv) -> None:
        c = self.ctx
        if iv.country == c.country:
            raise _err(iv, "an offtake from the importer itself is domestic production",
                       "use type: new_mine for a domestic mine", found=iv.country)
        if iv.mine_output_t:
            out, src = iv.mine_output_t, f"mine {iv.mine or ''} output stated in the policy".replace("  ", " ")
        else:
            table = c.production if iv.stage == "concentrate" else c.refined
            out, y, src = c.output(table, iv.mineral, iv.country)
            what = "mine" if iv.stage == "concentrate" else "refined"
            if (out is None or out == 0) and iv.stage == "refined":
                out, y, src = c.output(c.production, iv.mineral, iv.country)
                what = "mine (no refined figure)"
            if out is None:
                raise _err(iv, f"no production figure of {iv.mineral} for {iv.country}",
                           "state the mine's output as mine_output_t")
            out += self.prod_delta.get((iv.mineral, iv.country), 0.0) if iv.stage == "concentrate" else 0.0
            src = f"{iv.country} {what} production {y} ({src})"
        x = iv.quantity_t if iv.quantity_t is not None else iv.share * out
        key = (iv.mineral, iv.country, iv.mine or "")
        taken = self.offtaken.get(key, 0.0) + x
        if taken > out * (1 + 1e-9):
            raise _err(iv, f"offtake of {taken:,.0f} t/yr is larger than the output it takes from "
                       f"({out:,.0f} t/yr: {src})",
                       "lower quantity_t or share, state mine_output_t, or add a new_mine in the country",
                       found=round(taken, 3))
        self.offtaken[key] = taken
        xt = x / iv.content
        removed = self.take(iv, iv.mineral, iv.stage, xt, iv.displaces, exclude=[iv.country],
                            what=f"offtake of {xt:,.0f} t")
        before = float(self.vec(iv.mineral, iv.stage, c.trade_year(iv.mineral, iv.stage)).get(iv.country, 0.0))
        self.add(iv.mineral, iv.stage, {iv.country: xt})
        ind = "import_concentrate" if iv.stage == "concentrate" else "import_refined"
        self.effect(iv, moved={"to": {iv.country: round(xt, 3)}, "from": removed, "stage": iv.stage},
                    changes=[{"what": f"{iv.stage} imports from {iv.country}", "before": before,
                              "after": before + xt, "unit": "t"},
                             {"what": "equity supply (self-sufficiency numerator ①)", "before": 0.0,
                              "after": x, "unit": "t"}],
                    equity_t=x, expected=[ind],
                    why=f"{xt:,.0f} t/yr of {iv.stage} from {iv.country} replace imports from "
                        f"{_names(removed)} ({self.rule(iv.displaces)}); "
                        f"checked against {src}")

    def smelter(self, iv) -> None:
        c = self.ctx
        removed = self.take(iv, iv.mineral, "refined", iv.capacity_t, iv.displaces,
                            what=f"smelter output {iv.capacity_t:,.0f} t")
        self.dom_delta[(iv.mineral, "refined")] = self.dom_delta.get((iv.mineral, "refined"), 0.0) + iv.capacity_t
        feed_t = iv.capacity_t / iv.recovery / iv.feed_content
        tc = c.trade_year(iv.mineral, "concentrate")
        if iv.feed_from:
            if c.country in iv.feed_from:
                raise _err(iv, "the feed cannot come from the importer itself", "remove it from feed_from",
                           found=c.country)
            shares = iv.feed_from
        else:
            v = self.vec(iv.mineral, "concentrate", tc)
            if v.sum() <= 0:
                raise _err(iv, f"{c.country} imports no {iv.mineral} concentrate to feed the smelter",
                           "state the suppliers as feed_from: {ISO3: share}")
            shares = (v / v.sum()).to_dict()
        adds = {k: feed_t * s for k, s in shares.items()}
        self.add(iv.mineral, "concentrate", adds)
        p0 = c.domestic_p(iv.mineral, "refined", c.trade_year(iv.mineral, "refined"))
        self.effect(iv, moved={"to": {}, "domestic": iv.capacity_t, "from": removed, "stage": "refined",
                               "feed": {k: round(x, 3) for k, x in adds.items()}},
                    changes=[{"what": "domestic refined production", "before": p0,
                              "after": p0 + self.dom_delta[(iv.mineral, "refined")], "unit": "t"},
                             {"what": "concentrate feed imports", "before": 0.0, "after": feed_t, "unit": "t"}],
                    expected=["import_refined", "import_concentrate"],
                    why=f"{iv.capacity_t:,.0f} t/yr refined at home (secure, g = 0) replace refined imports "
                        f"from {_names(removed)} ({self.rule(iv.displaces)}); the feed ({feed_t:,.0f} t/yr of concentrate) comes from "
                        f"{', '.join(shares)}")

    def stockpile(self, iv) -> None:
        d, basis = self.demand(iv, iv.mineral)
        s = iv.days / 365.0 * d
        self.dom_delta[(iv.mineral, "refined")] = self.dom_delta.get((iv.mineral, "refined"), 0.0) + s
        self.effect(iv, moved={"to": {}, "domestic": round(s, 3), "from": {}, "stage": "refined"},
                    changes=[{"what": "stockpile", "before": 0.0, "after": s, "unit": "t"},
                             {"what": "stockpile cover", "before": 0.0, "after": float(iv.days), "unit": "days"}],
                    cover_days=float(iv.days), stock_t=s, demand_t=d, demand_basis=basis,
                    expected=["import_refined"],
                    why=f"a stock of {iv.days:g} days ({s:,.0f} t of demand {d:,.0f} t/yr; {basis}) replaces that "
                        "much refined supply over a one-year disruption: counted as a secure (g = 0) source")

    def substitution(self, iv) -> None:
        d, basis = self.demand(iv, iv.mineral)
        cut = iv.quantity_t if iv.quantity_t is not None else iv.share * d
        left = d - self.demand_cut.get(iv.mineral, 0.0)
        if cut >= left:
            raise _err(iv, f"demand cut of {cut:,.0f} t is not smaller than the demand left ({left:,.0f} t; {basis})",
                       "lower share or quantity_t", found=round(cut, 3))
        removed = self.take(iv, iv.mineral, "refined", cut, iv.displaces, what=f"demand cut {cut:,.0f} t")
        self.demand_cut[iv.mineral] = self.demand_cut.get(iv.mineral, 0.0) + cut
        self.effect(iv, moved={"to": {}, "from": removed, "stage": "refined"},
                    changes=[{"what": "domestic demand", "before": left, "after": left - cut, "unit": "t"}],
                    demand_t=d, demand_basis=basis, expected=["import_refined", "secondary_supply"],
                    why=f"demand falls {cut:,.0f} t/yr: refined imports fall by as much "
                        f"({self.rule(iv.displaces)}); the same scrap covers a larger share of the smaller "
                        "demand. Price volatility is a world-market measure and does not move: the "
                        "exposure to it falls with the tonnes bought")

    def recycling(self, iv) -> None:
        d, basis = self.demand(iv, iv.mineral)
        if iv.quantity_t > d:
            raise _err(iv, f"secondary supply of {iv.quantity_t:,.0f} t/yr exceeds demand ({d:,.0f} t; {basis})",
                       "lower quantity_t or state demand_t", found=iv.quantity_t)
        disp = iv.displacement_rate * iv.quantity_t
        removed = self.take(iv, iv.mineral, "refined", disp, iv.displaces,
                            what=f"displaced imports {disp:,.0f} t")
        self.sec_add[iv.mineral] = self.sec_add.get(iv.mineral, 0.0) + iv.quantity_t
        r, rb = self.ctx.rate(iv.mineral)
        self.effect(iv, moved={"to": {}, "secondary": iv.quantity_t, "from": removed, "stage": "refined"},
                    changes=[{"what": "secondary supply", "before": r * d,
                              "after": r * d + self.sec_add[iv.mineral], "unit": "t"}],
                    demand_t=d, demand_basis=basis, displaced_t=disp, expected=["secondary_supply", "import_refined"],
                    why=f"{iv.quantity_t:,.0f} t/yr recycled: secondary ratio ({r:g} × {d:,.0f} + "
                        f"{iv.quantity_t:,.0f}) / {d:,.0f} (rate basis: {rb}); reduction effect {disp:,.0f} t of "
                        f"imports (displacement rate {iv.displacement_rate:g}), redistribution "
                        f"{self.rule(iv.displaces)}")

    def supply_shock(self, iv) -> None:
        c = self.ctx
        moved_to = {}
        lost_t = 0.0
        for y in c.window_years(iv.mineral, iv.stage):
            v = self.vec(iv.mineral, iv.stage, y)
            q = float(v.get(iv.country, 0.0))
            if q <= 0:
                raise _err(iv, f"{c.country} imports no {iv.stage} {iv.mineral} from {iv.country} in {y}",
                           f"choose one of its partners: {', '.join(v.sort_values(ascending=False).index[:8])}",
                           found=iv.country)
            lost = iv.fraction * q
            v = v.copy()
            v[iv.country] = q - lost
            adds = {}
            if iv.replaced == "pro_rata":
                others = v.drop(labels=[iv.country])
                others = others[others > 0]
                if others.sum() > 0:
                    adds = (others / others.sum() * lost).to_dict()
                    v = v.add(pd.Series(adds), fill_value=0.0)
            self.set_vec(iv.mineral, iv.stage, y, v)
            if y == c.trade_year(iv.mineral, iv.stage):
                moved_to, lost_t = {k: round(x, 3) for k, x in adds.items()}, lost
        ind = "import_concentrate" if iv.stage == "concentrate" else "import_refined"
        self.effect(iv, moved={"to": moved_to, "from": {iv.country: round(lost_t, 3)}, "stage": iv.stage},
                    changes=[{"what": f"{iv.stage} imports from {iv.country}", "before": lost_t / iv.fraction,
                              "after": lost_t / iv.fraction - lost_t, "unit": "t"}],
                    expected=[ind],
                    why=f"{iv.kind} cuts {iv.fraction:.0%} of {iv.country}'s {iv.stage} exports to {c.country}; "
                        + ("bought from the other partners pro rata" if iv.replaced == "pro_rata" and moved_to
                           else "not replaced: supply falls"))

    # -- finish ----------------------------------------------------------------------------------
    def finish(self) -> Plan:
        c, plan = self.ctx, self.plan
        for (m, stage), delta in self.dom_delta.items():
            t = c.trade_year(m, stage)
            y = c.domestic_year(m, stage, t)
            plan.table_deltas.append(("refined_production" if stage == "refined" else "mine_production", m,
                                      c.country, y if y is not None else t, delta))
        for m in set(self.sec_add) | set(self.demand_cut):
            r, rb = c.rate(m)
            d = self._demand[m][0]
            ratio = (r * d + self.sec_add.get(m, 0.0)) / (d - self.demand_cut.get(m, 0.0))
            plan.recycling_rows.append({"mineral": m, "value": ratio, "rate": r, "rate_basis": rb, "demand_t": d,
                                        "added_t": self.sec_add.get(m, 0.0), "cut_t": self.demand_cut.get(m, 0.0)})
        for (m, stage, y) in plan.vectors:
            plan.trade_years[(m, stage)] = c.trade_year(m, stage)
        check_plan(plan)
        return plan


def check_plan(plan: Plan) -> None:
    """Invariants: no negative flow, shares sum to 1, moved tonnes balance (else ConsistencyError)."""
    for key, v in plan.vectors.items():
        if (v < -TOL).any():
            raise ConsistencyError(f"negative flow after the policy in {key}: {v[v < 0].to_dict()}")
        if len(v) and abs(float((v / v.sum()).sum()) - 1.0) > 1e-9:
            raise ConsistencyError(f"partner shares do not sum to 1 in {key}")
    for e in plan.effects:
        mv = e.get("moved") or {}
        for k in ("to", "from", "feed"):
            if any(x < -TOL for x in (mv.get(k) or {}).values()):
                raise ConsistencyError(f"negative tonnes moved by {e['name']!r}: {mv}")
    # balance per partner in the trade year: after − before = Σ moved to − Σ moved from
    for (m, stage), y in plan.trade_years.items():
        key = (m, stage, y)
        if key not in plan.vectors:
            continue
        v, b = plan.vectors[key], plan.base_vectors[key]
        logged = pd.Series(0.0, index=v.index.union(b.index))
        for e in plan.effects:
            mv = e.get("moved") or {}
            if e["mineral"] != m:
                continue
            parts = []
            if mv.get("stage") == stage:
                parts += [(mv.get("to") or {}, 1.0), (mv.get("from") or {}, -1.0)]
            if stage == "concentrate":
                parts.append((mv.get("feed") or {}, 1.0))
            for d, sign in parts:
                for k, x in d.items():
                    logged[k] = logged.get(k, 0.0) + sign * x
        diff = v.reindex(logged.index, fill_value=0.0) - b.reindex(logged.index, fill_value=0.0)
        bad = (diff - logged).abs() > max(1e-2, 1e-6 * float(b.sum()))
        if bad.any():
            raise ConsistencyError(f"moved tonnes do not balance in {key}: changes {diff[bad].round(3).to_dict()}"
                                   f" vs logged {logged[bad].round(3).to_dict()}")


def build_plan(base, interventions, *, country: str, year: int, method=None, case: str = "central",
               context: _Context | None = None) -> Plan:
    """Plan the data changes of ``interventions`` (production changes first, then in order)."""
    from ..assessment import Method

    method = method or Method()
    if case not in ("central", "best", "worst"):
        raise ValueError(f"unknown case {case!r}; use central, best or worst")
    minerals = sorted({iv.mineral for iv in interventions})
    ctx = context or _Context(base, minerals, country, year, method)
    b = _Builder(ctx, case)
    ordered = [iv for iv in interventions if iv.type == "new_mine"] + [
        iv for iv in interventions if iv.type != "new_mine"]
    for iv in ordered:
        getattr(b, iv.type)(iv)
    order = {iv.label: i for i, iv in enumerate(interventions)}
    b.plan.effects.sort(key=lambda e: order[e["name"]])
    return b.finish()


MODIFIED = ("mine_production", "reserves", "refined_production", "recycling")


class PolicyStore:
    """A store whose tables carry a policy's interventions (same interface as :class:`Store`).

    Parameters
    ----------
    base : Store
        The data without the policy.
    interventions : list of interventions (see :mod:`critmin.policy.models`)
    country, year : the importer and assessment year the interventions apply to.
    method : :class:`critmin.assessment.Method`, optional
    case : ``"central"`` (each intervention's own rule), ``"best"`` or ``"worst"`` (every
        displacement riskiest- or least-risky-first: the bounds of the redistribution effect).
    """

    def __init__(self, base, interventions, *, country: str, year: int, method=None, case: str = "central",
                 context: _Context | None = None) -> None:
        self.base, self.country, self.year = base, country, int(year)
        self.plan = build_plan(base, list(interventions), country=country, year=int(year), method=method,
                               case=case, context=context)

    def sql(self, query: str, params=None) -> pd.DataFrame:
        """Passed through to the base store (prices, trade sources, metadata are not changed)."""
        return self.base.sql(query, params)

    def load(self, dataset: str, *, minerals=None, countries=None, years=None, sources=None, variables=None,
             editions: str = "current") -> pd.DataFrame:
        if dataset not in MODIFIED:
            return self.base.load(dataset, minerals=minerals, countries=countries, years=years, sources=sources,
                                  variables=variables, editions=editions)
        df = self.base.load(dataset, minerals=minerals, variables=variables, editions=editions)
        df = self._apply_table(dataset, df, variables)
        for col, vals in (("country", countries), ("year", years), ("source", sources)):
            if vals is not None:
                df = df[df[col].isin(list(vals))]
        return df.reset_index(drop=True)

    def _apply_table(self, dataset: str, df: pd.DataFrame, variables) -> pd.DataFrame:
        if dataset == "recycling":
            rows = self.plan.recycling_rows
            if not rows or (variables is not None and "secondary_ratio" not in variables):
                return df
            ms = [r["mineral"] for r in rows]
            df = df[~(df["mineral"].isin(ms) & (df["variable"] == "secondary_ratio"))]
            new = pd.DataFrame([{"dataset": "recycling", "mineral": r["mineral"], "stage": "", "hs": "",
                                 "country": self.country, "partner": "", "year": self.year,
                                 "variable": "secondary_ratio", "value": r["value"], "unit": "1", "basis": "",
                                 "source": POLICY_SOURCE, "edition": "policy", "flag": "",
                                 "note": f"(rate {r['rate']:g} × D {r['demand_t']:,.0f} + {r['added_t']:,.0f}) / "
                                         f"(D − {r['cut_t']:,.0f}); rate basis {r['rate_basis']}"}
                                for r in rows])
            return pd.concat([df, new.reindex(columns=df.columns)], ignore_index=True)
        deltas = [d for d in self.plan.table_deltas if d[0] == dataset]
        if not deltas or (variables is not None and "quantity" not in variables):
            return df
        df = df.copy()
        extra = []
        for _, m, c, y, delta in deltas:
            sel = ((df["mineral"] == m) & (df["year"] == y) & (df["variable"] == "quantity")
                   & df["unit"].isin(list(MASS_TO_T)) & np.isfinite(df["value"]))
            groups = df[sel].groupby(["source", "edition", "basis", "unit"], dropna=False)
            if dataset == "refined_production":   # domestic: only the groups holding the importer
                have = df[sel & (df["country"] == c)]
                groups = have.groupby(["source", "edition", "basis", "unit"], dropna=False)
            n = 0
            for (src, ed, basis, unit), g in groups:
                n += 1
                hit = g.index[g["country"] == c]
                add = delta / MASS_TO_T[unit]
                if len(hit):
                    df.loc[hit[0], "value"] = df.loc[hit[0], "value"] + add
                else:
                    row = g.iloc[0].copy()
                    row["country"], row["value"], row["flag"], row["note"] = c, add, "", "policy"
                    extra.append(row)
            if n == 0:
                extra.append(pd.Series({"dataset": dataset, "mineral": m, "stage": "", "hs": "", "country": c,
                                        "partner": "", "year": y, "variable": "quantity", "value": delta,
                                        "unit": "t", "basis": "metal",
                                        "source": "usgs_mcs" if dataset != "mine_production" else "wmd",
                                        "edition": "policy", "flag": "", "note": "policy"}))
        if extra:
            df = pd.concat([df, pd.DataFrame(extra).reindex(columns=df.columns)], ignore_index=True)
            df["year"] = df["year"].astype("int64")
        return df

    def _replace_flows(self, df: pd.DataFrame, *, long: bool, minerals=None, importers=None) -> pd.DataFrame:
        groups = self.plan.changed_groups
        if importers is not None and self.country not in set(importers):
            return df
        if minerals is not None:
            groups = {k for k in groups if k[0] in set(minerals)}
        if not groups:
            return df
        key = list(zip(df["mineral"], df["stage"], df["year"]))
        hit = (df["importer"] == self.country) & pd.Series([k in groups for k in key], index=df.index)
        out = df[~hit]
        new = []
        for (m, stage, y) in sorted(groups):
            for exp, q in self.plan.vectors[(m, stage, y)].items():
                row = {"mineral": m, "stage": stage, "hs": POLICY_SOURCE, "content_basis": "metal",
                       "importer": self.country, "exporter": exp, "year": y}
                if long:
                    row.update(shared="", value=float(q), unit="t", source=POLICY_SOURCE, edition="policy")
                else:
                    row.update(q=float(q), v=np.nan)
                new.append(row)
        if new:
            out = pd.concat([out, pd.DataFrame(new).reindex(columns=df.columns)], ignore_index=True)
            out["year"] = out["year"].astype(df["year"].dtype if len(df) else "int64")
        return out

    def trade_flows(self, *, stages=("concentrate", "refined"), minerals=None, importers=None) -> pd.DataFrame:
        """Flows with the importer's changed (mineral, stage, year) groups replaced by the planned
        tonnes per partner (content tonnes, HS code ``policy``)."""
        df = self.base.trade_flows(stages=stages, minerals=minerals, importers=importers)
        df = self._replace_flows(df, long=False, minerals=minerals, importers=importers)
        st = set(stages)
        return df[df["stage"].isin(st)].reset_index(drop=True)

    def trade(self, *, stage=None, minerals=None, importers=None, variable: str = "quantity") -> pd.DataFrame:
        """Quantities as :meth:`trade_flows`; values are passed through unchanged."""
        df = self.base.trade(stage=stage, minerals=minerals, importers=importers, variable=variable)
        if variable != "quantity":
            return df
        df = self._replace_flows(df, long=True, minerals=minerals, importers=importers)
        return df if stage is None else df[df["stage"] == stage].reset_index(drop=True)

"""Interventions as planned changes of the supply data (:class:`Plan`, :func:`build_plan`).

A policy changes the *data* the assessment reads, never the indicator formulas. The changes
are planned once from the importer's :class:`~critmin.supply.SupplyData` — its import weights
per partner (:meth:`~critmin.supply.SupplyData.import_weights`: contained tonnes, or import
value in kUSD where a stage holds gross-weight codes), its picked production tables, its
domestic production, exports and recycling rates — and then laid over that supply data by
:func:`critmin.policy.overlay.with_plan`, whose tables the unchanged assessment reads.

Units. Every quantity of an intervention is in tonnes per year of contained element (for a
mineral whose production tables hold an unconvertible basis such as REO, tonnes of that
basis). A partner vector is in the unit of its group's import shares: contained tonnes
(``basis`` ``contained``) or kUSD (``value``); X t enter a value group as X × the element's
unit value that year (:attr:`~critmin.supply.SupplyData.element_value`: kUSD per t
contained) — the rule by which the supply layer values domestic production against imports.
``content``/``feed_content`` (the grade of the traded product) only convert to the gross
tonnes of product reported beside the effect.

==============  =====================================================================================
intervention    data change (importer J, mineral m, assessment year Y)
==============  =====================================================================================
offtake         imports of m from C at the stage (trade year T) + X; the same amount is taken out of
                J's other partners by ``displaces`` (``none``: pure addition). X ≤ the mine's or C's
                output (mine production for concentrate; refined production, else mine production,
                for refined). Equity supply X counts in the self-sufficiency numerator.
new_mine        C's mine production + X in the production data year used (and its world total, where
                the table holds one); reserves + R likewise.
smelter         J's refined production + X (a secure, g = 0 source); refined imports − X by
                ``displaces``; concentrate imports + X/recovery (contained) from ``feed_from``
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
                amount from the remaining partners pro rata, ``none`` leaves supply short.
==============  =====================================================================================

Demand D is the apparent consumption of the refined stage in the trade year, in contained
tonnes: J's refined production + refined imports − refined exports (partners' mirror imports),
each flow counted as its contained tonnes where its code converts, else as its value over the
element's unit value; an intervention may state ``demand_t`` instead. Production changes are
applied before trade changes; trade changes in file order, each validated against the state
left by the ones before. Every plan ends with invariant checks (no negative flow, shares sum
to 1, moved amounts balance), raising :class:`~critmin.errors.ConsistencyError`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

import numpy as np
import pandas as pd

from ..errors import ConsistencyError, DataValidationError
from ..indicators import import_stability
from ..indicators.concentration import country_shares
from ..indicators.governance import MISSING_RULES
from ..i18n import N_
from ..supply import SupplyData, contained_tonnes
from .text import RULES, Country, Msg, partners, render

DOMESTIC = import_stability.DOMESTIC
TOL = 1e-6
POLICY_SOURCE = "policy"
UNIT = {"contained": "t", "value": "kUSD"}
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
    """The data changes of one policy: partner vectors, table deltas and the effects log.

    ``vectors``/``base_vectors``: (mineral, stage, year) → Series exporter → amount in the
    group's unit (``bases``: ``contained`` t or ``value`` kUSD). ``table_deltas``: (dataset,
    mineral, country, year, contained t). ``recycling_rows``: the national secondary ratios.
    ``valued``: (mineral, year) → (kUSD per t contained, how valued) used to convert tonnes.
    """

    country: str
    year: int
    vectors: dict = field(default_factory=dict)
    base_vectors: dict = field(default_factory=dict)
    bases: dict = field(default_factory=dict)
    table_deltas: list = field(default_factory=list)
    recycling_rows: list = field(default_factory=list)
    effects: list = field(default_factory=list)
    trade_years: dict = field(default_factory=dict)   # (mineral, stage) -> trade year used
    valued: dict = field(default_factory=dict)

    @property
    def changed_groups(self) -> set:
        return {k for k, v in self.vectors.items()
                if not v.round(9).equals(self.base_vectors.get(k, pd.Series(dtype=float)).round(9))}

    @property
    def minerals(self) -> set:
        return ({k[0] for k in self.vectors} | {d[1] for d in self.table_deltas}
                | {r["mineral"] for r in self.recycling_rows})


class _Context:
    """The facts of the base supply data the interventions need, read once per importer and year."""

    def __init__(self, supply: SupplyData, country: str, year: int) -> None:
        m = supply.method
        self.supply, self.minerals, self.country, self.year, self.method = (
            supply, list(supply.minerals), country, int(year), m)
        lag = m.max_lag
        w, _ = supply.import_weights([country], domestic=False)
        self.flows = w[(w["year"] <= year) & (w["year"] >= year - lag - m.window + 1)]
        self.g = supply.governance(range(year - lag - m.window, year + 1))
        self.missing_g = MISSING_RULES[m.missing_governance]
        dom = supply.domestic([country])
        self.domestic = dom[dom["p_basis"] == "contained"]
        self.ev = supply.element_value
        ti = supply.flows([country], stages=["refined"])
        te = supply.exports([country], stages=["refined"])
        self.imports_t = self._contained(ti[ti["importer"] == country])
        self.exports_t = self._contained(te[te["exporter"] == country])
        self.production = contained_tonnes(supply.production_obs)
        self.reserves = contained_tonnes(supply.reserves_obs)
        self.refined = contained_tonnes(supply.refined_obs)
        self.rates = supply.secondary

    def _contained(self, f: pd.DataFrame) -> pd.Series:
        """Contained tonnes per (mineral, year): q_c where the code converts, else v / unit value."""
        if f.empty:
            return pd.Series(dtype=float)
        keys = list(zip(f["mineral"], f["year"]))
        uv = {k: self.unit_value(*k)[0] for k in set(keys)}       # once per (mineral, year), not per row
        kus = pd.Series([uv[k] for k in keys], index=f.index)
        t = f["q_c"].where(f["q_c"].notna(), f["v"] / kus)
        return t.fillna(0.0).groupby([f["mineral"], f["year"]]).sum()

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

    # -- vectors and units -----------------------------------------------------------------------
    def vector(self, mineral: str, stage: str, year: int) -> pd.Series:
        f = self.flows[(self.flows["mineral"] == mineral) & (self.flows["stage"] == stage)
                       & (self.flows["year"] == year)]
        return f.groupby("exporter")["q"].sum().astype(float)

    def basis(self, mineral: str, stage: str, year: int) -> str:
        """The group's weighting basis (a group without flows: contained tonnes)."""
        f = self.flows[(self.flows["mineral"] == mineral) & (self.flows["stage"] == stage)
                       & (self.flows["year"] == year)]
        return str(f["basis"].iloc[0]) if len(f) else "contained"

    def unit_value(self, mineral: str, year: int) -> tuple[float, str]:
        """kUSD per t contained of ``mineral`` in ``year`` (else the nearest earlier, else later year)."""
        e = self.ev[self.ev["mineral"] == mineral]
        if e.empty:
            return np.nan, ""
        before = e[e["year"] <= year]
        r = before.loc[before["year"].idxmax()] if len(before) else e.loc[e["year"].idxmin()]
        return float(r["kusd_per_t"]), f"{r['valued_at']} {int(r['year'])}"

    def gvec(self, year: int) -> pd.Series:
        return self.g[self.g["year"] == year].set_index("country")["g"]

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
        """(contained t of ``country``, data year, sources) in ``table``'s latest year within the lag."""
        y = self.data_year(table, mineral, extra_lag)
        if y is None:
            return None, None, ""
        t = table[(table["mineral"] == mineral) & (table["year"] == y) & (table["country"] == country)]
        src = "; ".join(sorted(set(table.loc[(table["mineral"] == mineral) & (table["year"] == y), "source"])))
        return (float(t["t"].sum()) if len(t) else 0.0), y, src

    def world(self, table: pd.DataFrame, mineral: str, extra_lag: int = 0):
        y = self.data_year(table, mineral, extra_lag)
        if y is None:
            return None, None
        t = table[(table["mineral"] == mineral) & (table["year"] == y)]
        sh = country_shares(t.assign(value=t["t"]), ["mineral"])
        return sh.set_index("country")["value"], y

    def rate(self, mineral: str):
        r = self.rates[self.rates["mineral"] == mineral]
        return (float(r["value"].iloc[0]), str(r["basis"].iloc[0])) if len(r) else (0.0, NO_RATE)


STAGE_WORDS = {"concentrate": N_("imports of ore and concentrate"), "refined": N_("imports of refined products")}
STAGE_IMPORTS = {"concentrate": N_("ore and concentrate imports from {country}"),
                 "refined": N_("refined imports from {country}")}
NO_RATE = "none held (0)"
SHOCKS = {"export_ban": N_("an export ban"), "quota": N_("an export quota")}


def _rate_basis(rb: str):
    return Msg(N_("none held (0)")) if rb == NO_RATE else rb


def _err(iv, what: str, fix: str, found=None) -> DataValidationError:
    return DataValidationError(f"intervention {iv.label!r}: {what}", field=iv.label, found=found, fix=fix)


class _Builder:
    """Applies interventions one by one to the partner vectors and logs what moved."""

    def __init__(self, ctx: _Context, case: str) -> None:
        self.ctx, self.case = ctx, case
        self.plan = Plan(ctx.country, ctx.year)
        self.dom_delta: dict[tuple[str, str], float] = {}
        self.prod_delta: dict[tuple[str, str], float] = {}
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

    def rule_msg(self, rule: str) -> Msg:
        return Msg(RULES[self.rule(rule)])

    def vec(self, mineral: str, stage: str, year: int) -> pd.Series:
        key = (mineral, stage, year)
        if key not in self.plan.vectors:
            v = self.ctx.vector(mineral, stage, year)
            self.plan.vectors[key] = v.copy()
            self.plan.base_vectors[key] = v.copy()
            self.plan.bases[key] = self.ctx.basis(mineral, stage, year)
        return self.plan.vectors[key]

    def unit(self, mineral: str, stage: str, year: int | None = None) -> str:
        y = self.ctx.trade_year(mineral, stage) if year is None else year
        self.vec(mineral, stage, y)
        return UNIT[self.plan.bases[(mineral, stage, y)]]

    def amount(self, iv, mineral: str, stage: str, year: int, tonnes: float) -> float:
        """``tonnes`` (contained) in the unit of the group's import shares."""
        self.vec(mineral, stage, year)
        if self.plan.bases[(mineral, stage, year)] == "contained":
            return float(tonnes)
        k, how = self.ctx.unit_value(mineral, year)
        if not np.isfinite(k) or k <= 0:
            raise _err(iv, f"{stage} imports of {mineral} are weighed by value, and no unit value of {mineral} "
                           "is held to value the tonnes", "import a price series for the mineral")
        self.plan.valued[(mineral, year)] = (k, how)
        return float(tonnes) * k

    def set_vec(self, mineral, stage, year, v: pd.Series) -> None:
        self.plan.vectors[(mineral, stage, year)] = v[v > TOL].astype(float)

    def take(self, iv, mineral, stage, tonnes, rule, exclude=(), what="") -> dict:
        """Remove ``tonnes`` (contained) from the importer's partners in every window year;
        return the amounts moved in the trade year (in the group's unit)."""
        moved = {}
        for y in self.ctx.window_years(mineral, stage):
            v = self.vec(mineral, stage, y)
            amount = self.amount(iv, mineral, stage, y, tonnes)
            try:
                r = displace(v, amount, self.ctx.g_of(v.index, y), self.rule(rule), exclude)
            except ValueError:
                u = UNIT[self.plan.bases[(mineral, stage, y)]]
                avail = float(v.drop(labels=[DOMESTIC, *exclude], errors="ignore").clip(lower=0).sum())
                vy = self.plan.valued.get((mineral, y))
                how = f" at {vy[0]:,.3f} kUSD/t ({vy[1]})" if u == "kUSD" and vy else ""
                raise _err(iv, f"{what} = {amount:,.1f} {u}{how} exceeds the {stage} imports it would replace "
                               f"in {y} ({avail:,.1f} {u} from the partners it may displace)",
                           "lower the quantity, or set displaces: none (an addition on top of imports)",
                           found=round(tonnes, 3)) from None
            self.set_vec(mineral, stage, y, v.sub(r, fill_value=0.0))
            if y == self.ctx.trade_year(mineral, stage):
                moved = {k: round(float(x), 3) for k, x in r[r > 5e-4].items()}
        return moved

    def add(self, iv, mineral, stage, adds_t: dict[str, float]) -> dict:
        """Add contained tonnes per partner in every window year; return the trade year's amounts."""
        out = {}
        for y in self.ctx.window_years(mineral, stage):
            v = self.vec(mineral, stage, y)
            adds = {k: self.amount(iv, mineral, stage, y, t) for k, t in adds_t.items()}
            self.set_vec(mineral, stage, y, v.add(pd.Series(adds, dtype=float), fill_value=0.0))
            if y == self.ctx.trade_year(mineral, stage):
                out = {k: round(float(x), 3) for k, x in adds.items()}
        return out

    def demand(self, iv, mineral: str) -> tuple[float, str]:
        if getattr(iv, "demand_t", None):
            self.demand_given[mineral] = float(iv.demand_t)
        if mineral in self.demand_given:
            self._demand[mineral] = (self.demand_given[mineral], Msg(N_("stated in the policy (demand_t)")))
        if mineral in self._demand:
            return self._demand[mineral]
        c = self.ctx
        t = c.trade_year(mineral, "refined")
        p = c.domestic_p(mineral, "refined", t)
        imp = float(c.imports_t.get((mineral, t), 0.0))
        exp = float(c.exports_t.get((mineral, t), 0.0))
        d = p + imp - exp
        if d <= 0:
            raise _err(iv, f"apparent refined consumption of {mineral} in {c.country} {t} is not positive "
                       f"(production {p:,.0f} + imports {imp:,.0f} − exports {exp:,.0f} t)",
                       "state the annual demand as demand_t", found=round(d, 1))
        self._demand[mineral] = (d, Msg(N_("apparent consumption {year}: refined production {p:,.0f} + refined "
                                           "imports {imp:,.0f} − exports {exp:,.0f} t contained"),
                                        {"year": t, "p": p, "imp": imp, "exp": exp}))
        return self._demand[mineral]

    def effect(self, iv, **kw) -> dict:
        """Log an intervention's effect; ``why``, each change's ``what`` and ``demand_basis`` are
        :class:`~critmin.policy.text.Msg`: kept (``_why`` …) for other languages, English beside."""
        e = {"name": iv.label, "type": iv.type, "mineral": iv.mineral, "cost": iv.budget, **kw}
        e["_why"], e["why"] = e["why"], render(e["why"], "en")
        if "demand_basis" in e:
            e["_demand_basis"], e["demand_basis"] = e["demand_basis"], render(e["demand_basis"], "en")
        for ch in e.get("changes", []):
            ch["_what"], ch["what"] = ch["what"], render(ch["what"], "en")
        mv = e.get("moved") or {}
        if mv.get("stage"):
            mv["unit"] = self.unit(iv.mineral, mv["stage"])
            vy = self.plan.valued.get((iv.mineral, self.ctx.trade_year(iv.mineral, mv["stage"])))
            if mv["unit"] == "kUSD" and vy:
                mv["valued_at"] = f"{vy[0]:,.3f} kUSD/t contained ({vy[1]})"
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
        where = Country(iv.country)
        changes = [{"what": Msg(N_("mine production of {country} ({year}, {sources})"),
                                {"country": where, "year": y, "sources": src}), "before": out + prev,
                    "after": out + prev + iv.capacity_t, "unit": "t"},
                   {"what": Msg(N_("{country}'s share of world mine production"), {"country": where}),
                    "before": (out + prev) / tot,
                    "after": (out + prev + iv.capacity_t) / (tot + iv.capacity_t), "unit": "1"}]
        moves = ["production_concentration"]
        if iv.reserves_t:
            r, ry, _ = c.output(c.reserves, iv.mineral, iv.country, extra_lag=2)
            if ry is None:
                raise _err(iv, f"no reserves data of {iv.mineral} to add reserves to", "leave out reserves_t")
            self.plan.table_deltas.append(("reserves", iv.mineral, iv.country, ry, iv.reserves_t))
            changes.append({"what": Msg(N_("reserves of {country} ({year})"), {"country": where, "year": ry}),
                            "before": r, "after": r + iv.reserves_t,
                            "unit": "t"})
            moves.append("reserve_concentration")
        if iv.country == c.country:
            moves.append("import_concentrate")
        self.effect(iv, changes=changes, moved={}, expected=moves,
                    why=Msg(N_("adds {t:,.0f} t/yr to {country}'s mine production: world production (and "
                               "reserve) shares change"), {"t": iv.capacity_t, "country": where}))

    def offtake(self, iv) -> None:
        c = self.ctx
        if iv.country == c.country:
            raise _err(iv, "an offtake from the importer itself is domestic production",
                       "use type: new_mine for a domestic mine", found=iv.country)
        if iv.mine_output_t:
            out = iv.mine_output_t
            src = (Msg(N_("the output of mine {mine} stated in the policy"), {"mine": iv.mine}) if iv.mine
                   else Msg(N_("the mine's output stated in the policy")))
        else:
            table = c.production if iv.stage == "concentrate" else c.refined
            out, y, src = c.output(table, iv.mineral, iv.country)
            what = (N_("{country} mine production {year} ({sources})") if iv.stage == "concentrate"
                    else N_("{country} refined production {year} ({sources})"))
            if (out is None or out == 0) and iv.stage == "refined":
                out, y, src = c.output(c.production, iv.mineral, iv.country)
                what = N_("{country} mine production {year} ({sources}; no refined figure)")
            if out is None:
                raise _err(iv, f"no production figure of {iv.mineral} for {iv.country}",
                           "state the mine's output as mine_output_t")
            out += self.prod_delta.get((iv.mineral, iv.country), 0.0) if iv.stage == "concentrate" else 0.0
            src = Msg(what, {"country": Country(iv.country), "year": y, "sources": src})
        x = iv.quantity_t if iv.quantity_t is not None else iv.share * out
        key = (iv.mineral, iv.country, iv.mine or "")
        taken = self.offtaken.get(key, 0.0) + x
        if taken > out * (1 + 1e-9):
            raise _err(iv, f"offtake of {taken:,.0f} t/yr is larger than the output it takes from "
                       f"({out:,.0f} t/yr: {render(src)})",
                       "lower quantity_t or share, state mine_output_t, or add a new_mine in the country",
                       found=round(taken, 3))
        self.offtaken[key] = taken
        removed = self.take(iv, iv.mineral, iv.stage, x, iv.displaces, exclude=[iv.country],
                            what=f"offtake of {x:,.0f} t contained")
        ty = c.trade_year(iv.mineral, iv.stage)
        before = float(self.vec(iv.mineral, iv.stage, ty).get(iv.country, 0.0))
        added = self.add(iv, iv.mineral, iv.stage, {iv.country: x})
        u = self.unit(iv.mineral, iv.stage)
        ind = "import_concentrate" if iv.stage == "concentrate" else "import_refined"
        self.effect(iv, moved={"to": added, "from": removed, "stage": iv.stage},
                    changes=[{"what": Msg(STAGE_IMPORTS[iv.stage], {"country": Country(iv.country)}),
                              "before": before, "after": before + added[iv.country], "unit": u},
                             {"what": Msg(N_("equity supply (self-sufficiency numerator ①)")), "before": 0.0,
                              "after": x, "unit": "t"}],
                    equity_t=x, product_t=x / iv.content, expected=[ind],
                    why=Msg(N_("{x:,.0f} t/yr contained ({product:,.0f} t of product at {content:g} content) "
                               "from {country} replace {stage} from {partners} ({rule}); checked against "
                               "{sources}"),
                            {"x": x, "product": x / iv.content, "content": iv.content, "country": Country(iv.country),
                             "stage": Msg(STAGE_WORDS[iv.stage]), "partners": partners(removed),
                             "rule": self.rule_msg(iv.displaces), "sources": src}))

    def smelter(self, iv) -> None:
        c = self.ctx
        removed = self.take(iv, iv.mineral, "refined", iv.capacity_t, iv.displaces,
                            what=f"smelter output {iv.capacity_t:,.0f} t")
        self.dom_delta[(iv.mineral, "refined")] = self.dom_delta.get((iv.mineral, "refined"), 0.0) + iv.capacity_t
        feed_c = iv.capacity_t / iv.recovery
        feed_t = feed_c / iv.feed_content
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
        feed = self.add(iv, iv.mineral, "concentrate", {k: feed_c * s for k, s in shares.items()})
        p0 = c.domestic_p(iv.mineral, "refined", c.trade_year(iv.mineral, "refined"))
        self.effect(iv, moved={"to": {}, "domestic": iv.capacity_t, "from": removed, "stage": "refined",
                               "feed": feed, "feed_unit": self.unit(iv.mineral, "concentrate")},
                    changes=[{"what": Msg(N_("domestic refined production")), "before": p0,
                              "after": p0 + self.dom_delta[(iv.mineral, "refined")], "unit": "t"},
                             {"what": Msg(N_("concentrate feed imports (contained)")), "before": 0.0,
                              "after": feed_c, "unit": "t"}],
                    feed_t=feed_c, feed_product_t=feed_t, expected=["import_refined", "import_concentrate"],
                    why=Msg(N_("{t:,.0f} t/yr refined at home (secure, g = 0) replace refined imports from "
                               "{partners} ({rule}); the feed ({feed:,.0f} t/yr contained, {gross:,.0f} t of "
                               "concentrate) comes from {suppliers}"),
                            {"t": iv.capacity_t, "partners": partners(removed), "rule": self.rule_msg(iv.displaces),
                             "feed": feed_c, "gross": feed_t, "suppliers": partners(shares)}))
    def stockpile(self, iv) -> None:
        d, basis = self.demand(iv, iv.mineral)
        s = iv.days / 365.0 * d
        self.dom_delta[(iv.mineral, "refined")] = self.dom_delta.get((iv.mineral, "refined"), 0.0) + s
        self.effect(iv, moved={"to": {}, "domestic": round(s, 3), "from": {}, "stage": "refined"},
                    changes=[{"what": Msg(N_("stock held")), "before": 0.0, "after": s, "unit": "t"},
                             {"what": Msg(N_("stockpile cover")), "before": 0.0, "after": float(iv.days),
                              "unit": "days"}],
                    cover_days=float(iv.days), stock_t=s, demand_t=d, demand_basis=basis,
                    expected=["import_refined"],
                    why=Msg(N_("a stock of {days:g} days ({stock:,.0f} t of demand {demand:,.0f} t/yr; {basis}) "
                               "replaces that much refined supply over a one-year disruption: counted as a secure "
                               "(g = 0) source"), {"days": iv.days, "stock": s, "demand": d, "basis": basis}))

    def substitution(self, iv) -> None:
        d, basis = self.demand(iv, iv.mineral)
        cut = iv.quantity_t if iv.quantity_t is not None else iv.share * d
        left = d - self.demand_cut.get(iv.mineral, 0.0)
        if cut >= left:
            raise _err(iv, f"demand cut of {cut:,.0f} t is not smaller than the demand left ({left:,.0f} t; "
                           f"{render(basis)})",
                       "lower share or quantity_t", found=round(cut, 3))
        removed = self.take(iv, iv.mineral, "refined", cut, iv.displaces, what=f"demand cut {cut:,.0f} t")
        self.demand_cut[iv.mineral] = self.demand_cut.get(iv.mineral, 0.0) + cut
        self.effect(iv, moved={"to": {}, "from": removed, "stage": "refined"},
                    changes=[{"what": Msg(N_("domestic demand")), "before": left, "after": left - cut, "unit": "t"}],
                    demand_t=d, demand_basis=basis, expected=["import_refined", "secondary_supply"],
                    why=Msg(N_("demand falls {cut:,.0f} t/yr: refined imports fall by as much ({rule}); the same "
                               "scrap covers a larger share of the smaller demand. Price volatility is a "
                               "world-market measure and does not move: the exposure to it falls with the "
                               "tonnes bought"), {"cut": cut, "rule": self.rule_msg(iv.displaces)}))

    def recycling(self, iv) -> None:
        d, basis = self.demand(iv, iv.mineral)
        if iv.quantity_t > d:
            raise _err(iv, f"secondary supply of {iv.quantity_t:,.0f} t/yr exceeds demand ({d:,.0f} t; "
                           f"{render(basis)})",
                       "lower quantity_t or state demand_t", found=iv.quantity_t)
        disp = iv.displacement_rate * iv.quantity_t
        removed = self.take(iv, iv.mineral, "refined", disp, iv.displaces,
                            what=f"displaced imports {disp:,.0f} t")
        self.sec_add[iv.mineral] = self.sec_add.get(iv.mineral, 0.0) + iv.quantity_t
        r, rb = self.ctx.rate(iv.mineral)
        self.effect(iv, moved={"to": {}, "secondary": iv.quantity_t, "from": removed, "stage": "refined"},
                    changes=[{"what": Msg(N_("recycled supply")), "before": r * d,
                              "after": r * d + self.sec_add[iv.mineral], "unit": "t"}],
                    demand_t=d, demand_basis=basis, displaced_t=disp, expected=["secondary_supply", "import_refined"],
                    why=Msg(N_("{q:,.0f} t/yr recycled: secondary ratio ({rate:g} × {demand:,.0f} + {q:,.0f}) / "
                               "{demand:,.0f} (rate basis: {basis}); reduction effect {displaced:,.0f} t of imports "
                               "(displacement rate {dr:g}), redistribution {rule}"),
                            {"q": iv.quantity_t, "rate": r, "demand": d, "basis": _rate_basis(rb),
                             "displaced": disp, "dr": iv.displacement_rate, "rule": self.rule_msg(iv.displaces)}))

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
                    changes=[{"what": Msg(STAGE_IMPORTS[iv.stage], {"country": Country(iv.country)}),
                              "before": lost_t / iv.fraction,
                              "after": lost_t / iv.fraction - lost_t, "unit": self.unit(iv.mineral, iv.stage)}],
                    expected=[ind],
                    why=Msg(N_("{kind} cuts {fraction:.0%} of the {stage} of {importer} from {country}; {then}"),
                            {"kind": Msg(SHOCKS[iv.kind]), "fraction": iv.fraction, "stage": Msg(STAGE_WORDS[iv.stage]),
                             "importer": Country(c.country), "country": Country(iv.country),
                             "then": Msg(N_("bought from the other partners pro rata") if iv.replaced == "pro_rata"
                                         and moved_to else N_("not replaced: supply falls"))}))

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


def build_plan(supply: SupplyData, interventions, *, country: str, year: int, case: str = "central",
               context: _Context | None = None) -> Plan:
    """Plan the data changes of ``interventions`` on ``supply`` for ``country`` and ``year``
    (production changes first, then in file order). ``case``: ``central`` (each intervention's
    own rule), ``best`` or ``worst`` (every displacement riskiest- or least-risky-first: the
    bounds of the redistribution effect)."""
    if case not in ("central", "best", "worst"):
        raise ValueError(f"unknown case {case!r}; use central, best or worst")
    interventions = list(interventions)
    missing = sorted({iv.mineral for iv in interventions} - set(supply.minerals))
    if missing:
        raise DataValidationError(f"the supply data holds no {', '.join(missing)}", field="minerals",
                                  found=missing, fix="build the SupplyData with the policy's minerals")
    ctx = context or _Context(supply, country, int(year))
    if (ctx.supply is not supply or ctx.country != country or ctx.year != int(year)):
        raise ValueError("the planning context was built for other supply data, importer or year")
    b = _Builder(ctx, case)
    ordered = [iv for iv in interventions if iv.type == "new_mine"] + [
        iv for iv in interventions if iv.type != "new_mine"]
    for iv in ordered:
        getattr(b, iv.type)(iv)
    order = {iv.label: i for i, iv in enumerate(interventions)}
    b.plan.effects.sort(key=lambda e: order[e["name"]])
    return b.finish()


def context(supply: SupplyData, country: str, year: int) -> _Context:
    """The planning context of ``supply`` for ``country`` and ``year`` (reuse it across plans)."""
    return _Context(supply, country, int(year))

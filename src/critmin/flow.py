"""Material flows (マテリアルフロー): mine → concentrate trade → smelting/refining → refined trade → use → scrap.

Pure functions over :class:`critmin.supply.SupplyData` (no store queries of their own) that return
a :class:`MaterialFlow`: nodes, links and a balance per node, each figure with its value, source
and year, and the assessment's risk score of the stage on its nodes (SPEC §2.11, issue 17).

Importer view (:func:`importer_flow`)
    ``mine:<ISO>`` world mine production by country (the top producers, the importer's main
    concentrate partners, ``mine:ROW`` the rest; :attr:`SupplyData.production_obs`) →
    ``conc:<importer>`` concentrate imports by partner (:meth:`SupplyData.flows`) and domestic mine
    production (:meth:`SupplyData.domestic`) → ``smelt:<importer>`` domestic smelting/refining
    (refined production, :meth:`SupplyData.domestic`) → ``ref:<importer>`` refined metal, with
    refined imports by partner (``rimp:<ISO>``) in and refined exports by destination
    (``rexp:<ISO>``) out → ``use:<importer>`` apparent domestic use (:mod:`critmin.balance`) →
    ``scrap:<importer>`` end-of-life scrap recovered (the secondary-supply indicator's recycling rate
    × apparent use) back into use. Mine production not imported by the importer goes to
    ``world:elsewhere``.

Tonnes and their basis (every link says which in ``basis``)
    ``contained`` — tonnes of contained element (the code's ``content_basis`` converts, or
    production reported as metal/oxide content). ``gross`` — tonnes of product: ores of a mineral
    whose mine data are themselves gross (bauxite, natural graphite), and refined-stage products
    without a content factor (cobalt oxides and mattes, rare-earth compounds), which
    :mod:`critmin.balance` counts as products close to the element. ``value_equivalent`` — ores and
    concentrates of a metal reported only in gross weight (copper ore 2603, nickel ore 2604): the
    data hold no grade, so the import value is divided by the element's unit value
    (:attr:`SupplyData.element_value`, the same rule that puts domestic production on the value basis
    of import shares), capped at the gross weight. This is tonnes of element *of equal value*, not a
    measured content: by-product credits (gold, silver) raise it, treatment and refining charges and
    payable terms lower it, and for low-grade ores (nickel laterite) it understates the metal. The
    link keeps the gross tonnes (``gross_t``) and the value (``value_kusd``) beside it.

Balance (:attr:`MaterialFlow.balance`)
    At every node ``in = out + stock change + unknown``. The data hold no stock changes
    (``stock_t`` = 0), so ``unknown_t = in_t − out_t``, drawn as its own grey link to or from an
    ``unknown:<node>`` node — never hidden. Sources (mine production, partner exports) bring their
    tonnes in across the system boundary; sinks (destinations, ``world:elsewhere``, the in-use stock)
    take them out.

World view (:func:`world_flow`)
    ``mine:<ISO>`` → ``world:mine`` → ``refine:<ISO>`` (refined production; where the data hold none,
    the exporters of refined-stage products stand in, said in the stage's status) → ``world:refined``
    → importers of refined products ``imp:<ISO>`` (bilateral trade of :meth:`SupplyData.flows` for all
    importers), each node with its share of the stage.

Importing this module loads nothing.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from . import catalogue
from .errors import CritminError, DataValidationError

TOP_PRODUCERS = 8
TOP_PARTNERS = 8
#: production figures up to this many years older than the flow year are used (as the balance does)
PRODUCTION_LAG = 3
#: |unknown| below this many tonnes is treated as closed (rounding)
EPS_T = 1e-6

NODE_COLUMNS = ["id", "stage", "country", "tonnes", "score", "source", "year", "basis", "share", "kind",
                "score_indicator", "note"]
LINK_COLUMNS = ["source", "target", "tonnes", "basis", "year", "data_source", "kind", "partner", "gross_t",
                "value_kusd", "score", "note"]
BALANCE_COLUMNS = ["node", "in_t", "out_t", "stock_t", "unknown_t", "throughput_t", "unknown_share", "basis",
                   "note"]

#: stage order of the importer view (columns of the Sankey, left to right)
IMPORTER_STAGES = ("mine", "concentrate", "smelting", "refined_import", "refined", "refined_export",
                   "concentrate_export", "use", "scrap", "in_use", "elsewhere")
WORLD_STAGES = ("mine", "mine_total", "refining", "refined_total", "importer")
#: the assessment indicator whose score a stage's nodes carry
STAGE_SCORE = {"mine": "production_concentration", "concentrate": "import_concentrate",
               "refined_import": "import_refined", "scrap": "secondary_supply"}


@dataclass
class MaterialFlow:
    """A material flow: ``nodes``, ``links`` and the per-node ``balance`` (module docstring).

    ``stages`` says per stage whether the data hold it (``status`` ``data``, ``missing``,
    ``not_applicable``), from which ``source`` and why not (``reason``); ``scores`` the
    assessment's records used for the stage colours.
    """

    mineral: str
    country: str | None
    year: int
    view: str
    nodes: pd.DataFrame
    links: pd.DataFrame
    balance: pd.DataFrame
    stages: list[dict] = field(default_factory=list)
    scores: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def node(self, node_id: str) -> dict:
        """One node as a dict."""
        r = self.nodes[self.nodes["id"] == node_id]
        if r.empty:
            raise KeyError(node_id)
        return r.iloc[0].to_dict()

    def to_json(self) -> dict:
        """``{"nodes": [...], "links": [...], "balance": [...], ...}`` (non-finite numbers as null)."""
        return {"mineral": self.mineral, "country": self.country, "year": int(self.year), "view": self.view,
                "nodes": _records(self.nodes), "links": _records(self.links),
                "balance": _records(self.balance), "stages": self.stages, "scores": self.scores,
                "notes": list(self.notes)}


def _records(df: pd.DataFrame) -> list[dict]:
    out = []
    for r in df.to_dict("records"):
        out.append({k: _plain(v) for k, v in r.items()})
    return out


def _plain(v: Any):
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        return None if not np.isfinite(v) else round(float(v), 6)
    if v is pd.NA or v is None:
        return None
    return v


# -- small builders -----------------------------------------------------------------------------

class _Graph:
    """Nodes and links under construction; ``boundary_in``/``boundary_out`` of sources and sinks."""

    def __init__(self) -> None:
        self.nodes: dict[str, dict] = {}
        self.links: list[dict] = []

    def node(self, nid: str, stage: str, country: str | None = None, *, source: str = "", year=None,
             basis: str = "", kind: str = "process", boundary_in: float = 0.0, boundary_out: bool = False,
             note: str = "", share=None) -> str:
        if nid not in self.nodes:
            self.nodes[nid] = {"id": nid, "stage": stage, "country": country, "source": source, "year": year,
                               "basis": basis, "kind": kind, "boundary_in": float(boundary_in),
                               "boundary_out": boundary_out, "note": note, "share": share}
        else:
            self.nodes[nid]["boundary_in"] += float(boundary_in)
        return nid

    def link(self, src: str, dst: str, tonnes: float, *, basis: str, year, data_source: str, kind: str = "flow",
             partner: str | None = None, gross_t=None, value_kusd=None, note: str = "") -> None:
        if not np.isfinite(tonnes) or tonnes <= EPS_T:
            return
        self.links.append({"source": src, "target": dst, "tonnes": float(tonnes), "basis": basis,
                           "year": None if year is None else int(year), "data_source": data_source,
                           "kind": kind, "partner": partner, "gross_t": gross_t, "value_kusd": value_kusd,
                           "score": None, "note": note})

    def flows_of(self, nid: str) -> tuple[float, float]:
        tin = sum(li["tonnes"] for li in self.links if li["target"] == nid and li["kind"] != "unknown")
        tout = sum(li["tonnes"] for li in self.links if li["source"] == nid and li["kind"] != "unknown")
        return tin, tout

    def close(self, unknown_notes: dict[str, str]) -> pd.DataFrame:
        """Balance every node; draw each non-zero unknown as a grey link; return the balance table."""
        rows = []
        for nid, n in list(self.nodes.items()):
            if n["stage"] == "unknown":
                continue
            lin, lout = self.flows_of(nid)
            tin = lin + n["boundary_in"]
            tout = lout + (lin if n["boundary_out"] else 0.0)
            unknown = tin - tout
            basis = _basis_of([li["basis"] for li in self.links if nid in (li["source"], li["target"])]
                              + ([n["basis"]] if n["basis"] else []))
            note = unknown_notes.get(nid, "")
            if abs(unknown) > EPS_T * max(1.0, tin, tout):
                uid = f"unknown:{nid}"
                self.node(uid, "unknown", n["country"], kind="unknown", note=note, basis=basis)
                if unknown > 0:
                    self.link(nid, uid, unknown, basis=basis, year=n["year"], data_source="balance residual",
                              kind="unknown", note=note or "in exceeds out: fate not in the data")
                else:
                    self.link(uid, nid, -unknown, basis=basis, year=n["year"], data_source="balance residual",
                              kind="unknown", note=note or "out exceeds in: origin not in the data")
            else:
                unknown = 0.0
            thr = max(tin, tout)
            rows.append({"node": nid, "in_t": tin, "out_t": tout, "stock_t": 0.0, "unknown_t": unknown,
                         "throughput_t": thr, "unknown_share": (abs(unknown) / thr) if thr > 0 else 0.0,
                         "basis": basis, "note": note if unknown else ""})
        return pd.DataFrame(rows, columns=BALANCE_COLUMNS)

    def frames(self, scores: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
        links = pd.DataFrame(self.links, columns=LINK_COLUMNS)
        rows = []
        for nid, n in self.nodes.items():
            lin = links.loc[links["target"] == nid, "tonnes"].sum()
            lout = links.loc[links["source"] == nid, "tonnes"].sum()
            ind = STAGE_SCORE.get(n["stage"])
            sc = scores.get(ind, {}).get("score") if ind else None
            rows.append({"id": nid, "stage": n["stage"], "country": n["country"],
                         "tonnes": float(max(lin + n["boundary_in"], lout)), "score": sc,
                         "source": n["source"], "year": None if n["year"] is None else int(n["year"]),
                         "basis": n["basis"], "share": n["share"],
                         "kind": n["kind"], "score_indicator": ind if sc is not None else None, "note": n["note"]})
        nodes = pd.DataFrame(rows, columns=NODE_COLUMNS).astype({"year": object})
        used = set(links["source"]) | set(links["target"])
        nodes = nodes[nodes["id"].isin(used) | (nodes["tonnes"] > EPS_T)].reset_index(drop=True)
        # a trade link carries the score of its stage (import stability on the trade links)
        stage = nodes.set_index("id")["stage"]
        for col in ("source", "target"):
            ind = links[col].map(stage).map(STAGE_SCORE)
            sc = ind.map(lambda i: scores.get(i, {}).get("score") if isinstance(i, str) else None)
            trade = links[col].map(stage).isin(["concentrate", "refined_import"]) & (links["kind"] == "flow")
            links.loc[trade & links["score"].isna(), "score"] = sc[trade & links["score"].isna()]
        links["score"] = links["score"].astype(object).where(links["score"].notna(), None)
        return nodes, links


def _basis_of(bases) -> str:
    b = {p for x in bases if x for p in str(x).removeprefix("mixed: ").split(", ") if p}
    if not b:
        return ""
    return next(iter(b)) if len(b) == 1 else "mixed: " + ", ".join(sorted(b))


def _asof_year(years, year: int, lag: int = PRODUCTION_LAG) -> int | None:
    ys = [int(y) for y in years if int(y) <= year and int(y) >= year - lag]
    return max(ys) if ys else None


def _production(obs: pd.DataFrame, mineral: str, year: int) -> tuple[pd.DataFrame, int | None]:
    """Per-country tonnes of ``mineral`` in the latest year ≤ ``year`` (within the lag), with the world
    total and the rest-of-world residual: columns ``country, t, t_basis, basis, source``."""
    from .supply import NOT_COUNTRIES, contained_tonnes

    o = obs[obs["mineral"] == mineral]
    y = _asof_year(o["year"].unique(), year)
    if y is None:
        return pd.DataFrame(columns=["country", "t", "t_basis", "basis", "source"]), None
    o = contained_tonnes(o[o["year"] == y])
    o = o.assign(source=o["source"] + ":" + o["edition"])
    named = o[~o["country"].isin(NOT_COUNTRIES)].groupby("country", as_index=False).agg(
        t=("t", "sum"), t_basis=("t_basis", "first"), basis=("basis", "first"), source=("source", "first"))
    wld = o.loc[o["country"] == "WLD", "t"].sum()
    oth = o.loc[o["country"] == "OTH", "t"].sum()
    total = float(wld) if wld > 0 else float(named["t"].sum() + oth)
    named.attrs.update(total=total, rest=max(total - float(named["t"].sum()), 0.0),
                       source="; ".join(sorted(set(o["source"]))))
    return named.sort_values("t", ascending=False).reset_index(drop=True), y


def _scores(sd, country: str, year: int, mineral: str) -> dict:
    """The assessment's records of ``mineral`` for ``country`` and ``year``: per indicator score,
    value, reason and sources."""
    from .assessment import assess

    a = assess(country, year, [mineral], supply=sd)
    out = {}
    for r in a.records.itertuples(index=False):
        sc = None if pd.isna(r.score) else float(r.score)
        out[str(r.indicator)] = {"score": sc, "value": None if pd.isna(r.value) else float(r.value),
                                 "reason": r.reason or None, "sources": list(r.sources or [])}
    return out


def _conc_tonnes(f: pd.DataFrame, ev: float | None, gross_mineral: bool) -> pd.DataFrame:
    """Concentrate flows → ``t`` and ``basis`` (module docstring: contained, gross or value_equivalent)."""
    f = f.copy()
    conv = f["q_c"].notna()
    if gross_mineral or ev is None or not np.isfinite(ev) or ev <= 0:
        f["t"] = np.where(conv, f["q_c"], f["q"])
        f["basis"] = np.where(conv, "contained", "gross")
    else:
        veq = np.minimum(f["v"] / ev, f["q"].where(f["q"] > 0, np.inf))
        f["t"] = np.where(conv, f["q_c"], veq)
        f["basis"] = np.where(conv, "contained", "value_equivalent")
    return f


def _sources(s: pd.Series) -> str:
    return "; ".join(sorted({p for v in s.dropna() for p in str(v).split("; ") if p}))


def _top(df: pd.DataFrame, key: str, n: int) -> list:
    return df.sort_values("t", ascending=False).head(n)[key].tolist()


# -- the importer view ------------------------------------------------------------------------------

def importer_flow(sd, mineral: str, country: str, year: int, *, top_producers: int = TOP_PRODUCERS,
                  top_partners: int = TOP_PARTNERS, scores: dict | None = None
                  ) -> MaterialFlow:
    """The material flow of ``mineral`` for importer ``country`` in ``year`` (module docstring).

    ``sd`` is a :class:`~critmin.supply.SupplyData` holding ``mineral``; ``scores`` (optional) the
    assessment records per indicator (default: :func:`critmin.assessment.assess` on ``sd``).
    """
    from . import balance
    from .supply import stage_codes

    mineral = catalogue.check_mineral(mineral)
    if mineral not in sd.minerals:
        raise DataValidationError("the supply data given do not hold this mineral", field="mineral",
                                  found=mineral, expected=str(sd.minerals),
                                  fix="build SupplyData(minerals=[...]) with the mineral")
    year = int(year)
    scores = _scores(sd, country, year, mineral) if scores is None else scores
    mrow = catalogue.minerals().loc[mineral]
    gross_mineral = str(mrow["basis"]) == "gross"
    held = sd.held_codes
    g = _Graph()
    stages: dict[str, dict] = {}
    unk: dict[str, str] = {}
    notes: list[str] = []
    ev_t = sd.element_value
    ev_r = ev_t[(ev_t["mineral"] == mineral) & (ev_t["year"] == year)]
    ev = float(ev_r["kusd_per_t"].iloc[0]) if len(ev_r) else None
    ev_src = str(ev_r["valued_at"].iloc[0]) if len(ev_r) else ""

    # -- mine: world production by country -------------------------------------------------------
    prod, pyear = _production(sd.production_obs, mineral, year)
    mine_basis = "contained" if len(prod) and (prod["t_basis"] == "contained").all() else (
        str(prod["basis"].iloc[0]) if len(prod) else "")
    if len(prod):
        stages["mine"] = {"status": "data", "source": prod.attrs["source"], "year": pyear,
                          "reason": None if pyear == year else f"latest mine production data: {pyear}"}
    else:
        stages["mine"] = {"status": "missing", "source": "", "year": None,
                          "reason": f"no mine production of {mineral} by country within {PRODUCTION_LAG} years "
                                    f"before {year}"}

    # -- concentrate imports by partner ------------------------------------------------------------
    fl_all = sd.flows([country])
    fc = fl_all[(fl_all["mineral"] == mineral) & (fl_all["stage"] == "concentrate") & (fl_all["year"] == year)]
    fc = fc[(fc["q"].fillna(0) > 0) | (fc["v"].fillna(0) > 0)]
    fc = _conc_tonnes(fc, ev, gross_mineral or mine_basis != "contained")
    by_p = fc.groupby("exporter", as_index=False).agg(t=("t", "sum"), q=("q", "sum"), v=("v", "sum"),
                                                      basis=("basis", lambda b: _basis_of(b)),
                                                      src=("sources", _sources))
    dom = sd.domestic([country])
    dom = dom[(dom["mineral"] == mineral) & (dom["country"] == country)]

    def dom_at(stage: str) -> tuple[float, int | None, str, str]:
        d = dom[dom["stage"] == stage]
        if stage == "concentrate" and mine_basis != "contained":
            d = d[d["p_basis"] == "gross"]
        else:
            d = d[d["p_basis"] == "contained"]
        y = _asof_year(d["year"].unique(), year)
        if y is None:
            return 0.0, None, "", ""
        r = d[d["year"] == y].iloc[0]
        return float(r["p"]), y, str(r["source"]), str(r["p_basis"])

    mine_dom, mine_dom_y, mine_dom_src, _ = dom_at("concentrate")
    c_codes = stage_codes(mineral, "concentrate")
    c_gap = catalogue.stage_reason(mineral, "concentrate", held)
    conc_id = f"conc:{country}"
    if len(by_p):
        stages["concentrate"] = {"status": "data", "source": _sources(fc["sources"]), "year": year,
                                 "codes": c_codes, "basis": _basis_of(fc["basis"]), "reason": None}
        if (fc["basis"] == "value_equivalent").any():
            stages["concentrate"]["reason"] = (
                f"HS {', '.join(sorted(set(fc.loc[fc['basis'] == 'value_equivalent', 'hs'])))} is gross weight and "
                f"the data hold no grade: tonnes = import value ÷ {mineral} unit value ({ev:,.3f} kUSD/t, {ev_src})"
                f", capped at gross weight (value_equivalent; gross {fc['q'].sum():,.0f} t, value "
                f"{fc['v'].sum():,.0f} kUSD)")
    else:
        why = c_gap or (f"no {mineral} concentrate imports ({', '.join(c_codes)}) recorded for {country} in {year}"
                        if c_codes else f"no concentrate-stage HS code for {mineral}")
        stages["concentrate"] = {"status": "not_applicable" if (c_gap or not c_codes) else "missing",
                                 "source": "", "year": year, "codes": c_codes, "reason": why}

    # mine nodes: the top producers, the main partners that are producers, the rest
    partners = _top(by_p, "exporter", top_partners) if len(by_p) else []
    prod_t = dict(zip(prod["country"], prod["t"])) if len(prod) else {}
    prod_src = dict(zip(prod["country"], prod["source"])) if len(prod) else {}
    shown = list(dict.fromkeys(_top(prod, "country", top_producers) if len(prod) else []))
    shown += [p for p in partners if p not in shown]
    if mine_dom > 0 and country not in shown:
        shown.append(country)
    total = prod.attrs.get("total", 0.0) if len(prod) else 0.0
    for c in shown:
        t = float(prod_t.get(c, 0.0))
        g.node(f"mine:{c}", "mine", c, source=prod_src.get(c, prod.attrs.get("source", "") if len(prod) else ""),
               year=pyear, basis=mine_basis, kind="source", boundary_in=t,
               share=(t / total) if total > 0 else None)
    rest = max(total - sum(float(prod_t.get(c, 0.0)) for c in shown), 0.0)
    if len(prod):
        g.node("mine:ROW", "mine", "ROW", source=prod.attrs["source"], year=pyear, basis=mine_basis, kind="source",
               boundary_in=rest, share=(rest / total) if total > 0 else None)
    g.node("world:elsewhere", "elsewhere", None, kind="sink", boundary_out=True, basis=mine_basis,
           note=f"mine production not imported by {country} as {mineral} concentrate")

    if len(by_p) or mine_dom > 0:
        g.node(conc_id, "concentrate", country, source=stages["concentrate"]["source"], year=year,
               basis=_basis_of(fc["basis"]) if len(fc) else mine_basis)
    for r in by_p.itertuples(index=False):
        src_node = f"mine:{r.exporter}" if f"mine:{r.exporter}" in g.nodes else "mine:ROW"
        if src_node not in g.nodes:
            g.node(src_node, "mine", "ROW", kind="source", basis=mine_basis)
        g.link(src_node, conc_id, r.t, basis=r.basis, year=year, data_source=r.src, partner=r.exporter,
               gross_t=float(r.q), value_kusd=float(r.v))
        if src_node != "mine:ROW" and float(prod_t.get(r.exporter, 0.0)) < r.t:
            unk[src_node] = (f"{r.exporter}'s recorded exports to {country} exceed its mine production in the data "
                             "(re-export, transit, or a value-equivalent figure)")
    if mine_dom > 0:
        g.link(f"mine:{country}", conc_id, mine_dom, basis=mine_basis, year=mine_dom_y, data_source=mine_dom_src,
               partner=country, note="domestic mine production")
    unk.setdefault("mine:ROW", "imports from the other partners exceed the rest of world production in the data")
    # the rest of each mine node's production goes elsewhere
    for nid, n in list(g.nodes.items()):
        if n["stage"] == "mine":
            _, out = g.flows_of(nid)
            g.link(nid, "world:elsewhere", n["boundary_in"] - out, basis=mine_basis, year=pyear,
                   data_source=n["source"], kind="elsewhere")

    # concentrate exports (mirror) leave the concentrate node
    ex_all = sd.exports([country])
    exc = ex_all[(ex_all["mineral"] == mineral) & (ex_all["stage"] == "concentrate") & (ex_all["year"] == year)]
    exc = _conc_tonnes(exc[(exc["q"].fillna(0) > 0) | (exc["v"].fillna(0) > 0)], ev,
                       gross_mineral or mine_basis != "contained")
    if conc_id in g.nodes and len(exc):
        cx = f"cexp:{country}"
        g.node(cx, "concentrate_export", country, source=_sources(exc["sources"]), year=year, kind="sink",
               boundary_out=True, basis=_basis_of(exc["basis"]))
        g.link(conc_id, cx, float(exc["t"].sum()), basis=_basis_of(exc["basis"]), year=year,
               data_source=_sources(exc["sources"]), gross_t=float(exc["q"].sum()), value_kusd=float(exc["v"].sum()),
               note="partners' recorded imports from the importer (mirror)")

    # -- smelting / refining at home -----------------------------------------------------------------
    ref_p, ref_y, ref_src, ref_basis = dom_at("refined")
    smelt_id, ref_id = f"smelt:{country}", f"ref:{country}"
    if ref_p > 0 or conc_id in g.nodes:
        stages["smelting"] = {"status": "data" if ref_p > 0 else "missing", "source": ref_src, "year": ref_y,
                              "reason": None if ref_p > 0 else f"no refined {mineral} production recorded for "
                                                               f"{country} within {PRODUCTION_LAG} years"}
        g.node(smelt_id, "smelting", country, source=ref_src, year=ref_y or year, basis=ref_basis or mine_basis)
        if conc_id in g.nodes:
            tin, tout = g.flows_of(conc_id)
            cin = tin + g.nodes[conc_id]["boundary_in"]
            g.link(conc_id, smelt_id, cin - tout, basis=g.nodes[conc_id]["basis"], year=year,
                   data_source="concentrate imports + domestic mine − concentrate exports",
                   note="concentrate feed (no stock data: imports + mine − exports)")
        if ref_p > 0:
            g.node(ref_id, "refined", country, year=year)
            g.link(smelt_id, ref_id, ref_p, basis="contained", year=ref_y, data_source=ref_src,
                   note="domestic refined production")
        unk[smelt_id] = "; ".join(x for x in [
            c_gap or "", "smelter and refinery feed not recorded by the data held: scrap, intermediates (mattes, "
            "precipitates, blister) and stock changes; for value_equivalent feed, the conversion's error"] if x)
    else:
        why = (f"no refined {mineral} production of {country} and no concentrate imports in the data "
               f"(refined production data for {mineral}: "
               f"{'none by country' if sd.refined_obs[sd.refined_obs['mineral'] == mineral].empty else 'held'})")
        stages["smelting"] = {"status": "missing", "source": "", "year": None, "reason": why}

    # -- refined trade and apparent use (critmin.balance) -----------------------------------------------
    use_stage = "refined"
    tf = balance.trade_flows(sd.source, country, [mineral], ["refined"], supply=sd)
    tf = tf[tf["year"] == year]
    if tf.empty and ref_p <= 0:
        use_stage = "concentrate" if conc_id in g.nodes else "refined"
    r_codes = stage_codes(mineral, "refined")
    r_gap = catalogue.stage_reason(mineral, "refined", held)
    if use_stage == "refined":
        imp = tf[tf["direction"] == "import"]
        exp = tf[tf["direction"] == "export"]
        prod_tab = balance.domestic_production(sd.source, country, [mineral], "refined_production", supply=sd)
        prod_tab = prod_tab[prod_tab["basis"] == "contained"]
        ac = balance.apparent_consumption(tf, prod_tab, [year])
        stages["refined_import"] = (
            {"status": "data", "source": _sources(imp["sources"]), "year": year, "codes": r_codes,
             "basis": _basis_of(imp["basis"]), "reason": r_gap}
            if len(imp) else
            {"status": "not_applicable" if not r_codes else "missing", "source": "", "year": year, "codes": r_codes,
             "reason": r_gap or f"no refined {mineral} imports ({', '.join(r_codes)}) recorded for {country} in {year}"})
        stages["refined_export"] = (
            {"status": "data", "source": _sources(exp["sources"]), "year": year, "codes": r_codes,
             "basis": _basis_of(exp["basis"]), "reason": "partners' recorded imports from the importer (mirror)"}
            if len(exp) else
            {"status": "missing", "source": "", "year": year, "codes": r_codes,
             "reason": f"no partner records imports of refined {mineral} from {country} in {year}"})
        if len(imp) or len(exp) or ref_p > 0:
            g.node(ref_id, "refined", country, year=year)
            g.nodes[ref_id].update(source="; ".join(x for x in [ref_src, _sources(tf["sources"])] if x),
                                   basis=_basis_of(list(tf["basis"]) + (["contained"] if ref_p > 0 else [])))
            stages["refined"] = {"status": "data", "source": "; ".join(x for x in [ref_src, _sources(tf["sources"])]
                                                                          if x), "year": year, "reason": None}
        by_i = imp.groupby("exporter", as_index=False).agg(t=("t", "sum"), basis=("basis", _basis_of),
                                                          src=("sources", _sources), q=("q", "sum"), v=("v", "sum"))
        keep = _top(by_i, "exporter", top_partners) if len(by_i) else []
        for r in by_i.itertuples(index=False):
            pid = f"rimp:{r.exporter}" if r.exporter in keep else "rimp:OTH"
            g.node(pid, "refined_import", r.exporter if r.exporter in keep else "OTH", source=r.src, year=year,
                   kind="source", basis=r.basis, boundary_in=r.t)
            g.link(pid, ref_id, r.t, basis=r.basis, year=year, data_source=r.src, partner=r.exporter,
                   gross_t=float(r.q), value_kusd=float(r.v))
        by_e = exp.groupby("importer", as_index=False).agg(t=("t", "sum"), basis=("basis", _basis_of),
                                                          src=("sources", _sources), q=("q", "sum"), v=("v", "sum"))
        keep = _top(by_e, "importer", top_partners) if len(by_e) else []
        for r in by_e.itertuples(index=False):
            did = f"rexp:{r.importer}" if r.importer in keep else "rexp:OTH"
            g.node(did, "refined_export", r.importer if r.importer in keep else "OTH", source=r.src, year=year,
                   kind="sink", boundary_out=True, basis=r.basis)
            g.link(ref_id, did, r.t, basis=r.basis, year=year, data_source=r.src, partner=r.importer,
                   gross_t=float(r.q), value_kusd=float(r.v))
        use_t = float(ac["consumption_t"].iloc[0]) if len(ac) else (ref_p if ref_p > 0 else 0.0)
        use_src = "critmin.balance apparent consumption (production + imports − exports)"
        use_from = ref_id if ref_id in g.nodes else None
        unk[ref_id] = ("refined exports exceed production + imports: exports of metal made from feed the data "
                       "do not record, or a stock draw")
    else:
        stages["refined_import"] = {"status": "not_applicable" if (r_gap or not r_codes) else "missing",
                                    "source": "", "year": year, "codes": r_codes,
                                    "reason": r_gap or f"no refined-stage trade of {mineral} for {country} in {year}"}
        stages["refined_export"] = dict(stages["refined_import"])
        stages["refined"] = {"status": "not_applicable", "source": "", "year": year,
                             "reason": r_gap or "the concentrate is the traded product (apparent use at that stage)"}
        cf = balance.trade_flows(sd.source, country, [mineral], ["concentrate"], supply=sd)
        cf = cf[cf["year"] == year]
        cprod = balance.domestic_production(sd.source, country, [mineral], "mine_production", supply=sd)
        if mine_basis != "contained":
            cprod = cprod[cprod["basis"] == "gross"]
        ac = balance.apparent_consumption(cf, cprod, [year])
        use_t = float(ac["consumption_t"].iloc[0]) if len(ac) else 0.0
        use_src = "critmin.balance apparent consumption at the concentrate stage (mine + imports − exports)"
        use_from = conc_id if conc_id in g.nodes else None
        if smelt_id in g.nodes and ref_p <= 0:       # no refining: the concentrate goes to use, not a smelter
            g.nodes.pop(smelt_id)
            g.links = [li for li in g.links if smelt_id not in (li["source"], li["target"])]
            stages["smelting"] = {"status": "not_applicable", "source": "", "year": None,
                                  "reason": f"no refined {mineral} production of {country}: the concentrate-stage "
                                            "product is used as such"}
    # -- use and the scrap loop ------------------------------------------------------------------------
    use_id, scrap_id, stock_id = f"use:{country}", f"scrap:{country}", f"stock:{country}"
    if use_from is not None:
        g.node(use_id, "use", country, source=use_src, year=year, basis=g.nodes[use_from]["basis"])
        g.node(stock_id, "in_use", country, source=use_src, year=year, kind="sink", boundary_out=True,
               basis=g.nodes[use_from]["basis"],
               note="put into use: products, in-use stock, product trade and losses (the data end here)")
        stages["use"] = {"status": "data" if use_t > 0 else "missing", "source": use_src, "year": year,
                         "stage_counted": use_stage, "apparent_use_t": use_t,
                         "reason": None if use_t > 0 else "apparent consumption is not positive: exports exceed "
                                                         "production + imports in the data"}
        g.link(use_from, use_id, max(use_t, 0.0), basis=g.nodes[use_from]["basis"], year=year, data_source=use_src)
        sec = sd.secondary
        sec = sec[sec["mineral"] == mineral]
        rate = float(sec["value"].iloc[0]) if len(sec) and pd.notna(sec["value"].iloc[0]) else None
        if rate is not None and rate > 0 and use_t > 0:
            s_src = f"{sec['source'].iloc[0]}:{sec['edition'].iloc[0]}"
            s_t = rate * use_t
            g.node(scrap_id, "scrap", country, source=s_src, year=int(sec["data_year"].iloc[0]),
                   basis=g.nodes[use_id]["basis"],
                   note=f"{sec['basis'].iloc[0]} {rate:g} × apparent use")
            g.link(use_id, scrap_id, s_t, basis="estimate", year=int(sec["data_year"].iloc[0]),
                   data_source=s_src, kind="scrap", note="end-of-life scrap recovered")
            g.link(scrap_id, use_id, s_t, basis="estimate", year=int(sec["data_year"].iloc[0]),
                   data_source=s_src, kind="scrap", note="recycled input to use (the secondary-supply indicator)")
            stages["scrap"] = {"status": "data", "source": s_src, "year": int(sec["data_year"].iloc[0]),
                               "rate": rate, "variable": str(sec["variable"].iloc[0]),
                               "reason": (f"{sec['basis'].iloc[0]} {rate:g} × apparent use; the data do not say "
                                          "which part is smelted into refined metal (then already within refined "
                                          "production) and which is melted directly by fabricators")}
        else:
            stages["scrap"] = {"status": "missing" if rate is None or use_t <= 0 else "data",
                               "source": "" if rate is None else f"{sec['source'].iloc[0]}:{sec['edition'].iloc[0]}",
                               "year": None, "rate": rate,
                               "reason": "no recycling rate for this mineral" if rate is None
                               else "no positive apparent use to apply the recycling rate to" if use_t <= 0
                               else f"{sec['basis'].iloc[0]} {rate:g}: no end-of-life scrap recovered"}
        g.link(use_id, stock_id, max(use_t, 0.0), basis=g.nodes[use_id]["basis"], year=year, data_source=use_src)
    else:
        stages["use"] = {"status": "missing", "source": "", "year": year,
                         "reason": f"no trade or production of {mineral} for {country} in {year}"}
        stages["scrap"] = {"status": "missing", "source": "", "year": None, "reason": "no apparent use"}
    unk.setdefault(conc_id, "")
    balance_df = g.close(unk)
    nodes, links = g.frames(scores)
    ordered = [s for s in IMPORTER_STAGES if s in stages]
    st = [{"stage": s, **stages[s]} for s in ordered]
    for s in st:
        ind = STAGE_SCORE.get(s["stage"])
        s["score_indicator"] = ind
        s["score"] = scores.get(ind, {}).get("score") if ind else None
    if ev is not None and (links["basis"] == "value_equivalent").any():
        notes.append(f"value_equivalent tonnes use the {mineral} unit value {ev:,.3f} kUSD/t ({ev_src})")
    return MaterialFlow(mineral, country, year, "importer", nodes, links, balance_df, st, scores, notes)


# -- the world view ---------------------------------------------------------------------------------

def world_flow(sd, mineral: str, year: int, *, top: int = TOP_PRODUCERS, scores: dict | None = None
               ) -> MaterialFlow:
    """World view of ``mineral`` in ``year``: mine → refining countries → top importers of refined
    products, each node with its share of the stage (module docstring)."""
    mineral = catalogue.check_mineral(mineral)
    year = int(year)
    g = _Graph()
    stages: dict[str, dict] = {}
    unk: dict[str, str] = {}
    prod, pyear = _production(sd.production_obs, mineral, year)
    mine_basis = "contained" if len(prod) and (prod["t_basis"] == "contained").all() else (
        str(prod["basis"].iloc[0]) if len(prod) else "")
    fr = sd.flows(None, stages=["refined"])
    fr = fr[(fr["mineral"] == mineral) & (fr["year"] == year)]
    fr = fr[(fr["q"].fillna(0) > 0) | (fr["v"].fillna(0) > 0)]
    conv = fr["q_c"].notna()
    fr = fr.assign(t=np.where(conv, fr["q_c"], fr["q"]), basis=np.where(conv, "contained", "gross"))
    if scores is None:
        scores = {}
        if len(fr):
            imp_top = fr.groupby("importer")["t"].sum().sort_values(ascending=False).index
            for c in imp_top[:5]:
                try:
                    scores = _scores(sd, c, year, mineral)
                    break
                except CritminError:
                    continue
        for k in list(scores):          # importer-independent indicators only
            if k not in ("reserve_concentration", "production_concentration"):
                scores.pop(k)
    # mine
    if len(prod):
        stages["mine"] = {"status": "data", "source": prod.attrs["source"], "year": pyear, "basis": mine_basis,
                          "reason": None if pyear == year else f"latest mine production data: {pyear}"}
        total = prod.attrs["total"]
        g.node("world:mine", "mine_total", "WLD", source=prod.attrs["source"], year=pyear, basis=mine_basis,
               share=1.0)
        stages["mine_total"] = dict(stages["mine"])
        head = prod.head(top)
        for r in head.itertuples(index=False):
            g.node(f"mine:{r.country}", "mine", r.country, source=r.source, year=pyear, basis=mine_basis,
                   kind="source", boundary_in=r.t, share=r.t / total if total > 0 else None)
            g.link(f"mine:{r.country}", "world:mine", r.t, basis=mine_basis, year=pyear, data_source=r.source)
        rest = max(total - float(head["t"].sum()), 0.0)
        g.node("mine:ROW", "mine", "ROW", source=prod.attrs["source"], year=pyear, basis=mine_basis, kind="source",
               boundary_in=rest, share=rest / total if total > 0 else None)
        g.link("mine:ROW", "world:mine", rest, basis=mine_basis, year=pyear, data_source=prod.attrs["source"])
    else:
        stages["mine"] = {"status": "missing", "source": "", "year": None,
                          "reason": f"no mine production of {mineral} by country within {PRODUCTION_LAG} years"}
    # refining: production by country, else exporters of refined products (proxy)
    ref, ryear = _production(sd.refined_obs, mineral, year)
    ref = ref[ref["t_basis"] == "contained"] if len(ref) else ref
    exp_by = fr.groupby("exporter", as_index=False).agg(t=("t", "sum"), basis=("basis", _basis_of),
                                                       source=("sources", _sources))
    if len(ref):
        rsrc, rtotal, rbasis = ref.attrs["source"], ref.attrs["total"], "contained"
        stages["refining"] = {"status": "data", "source": rsrc, "year": ryear, "basis": rbasis,
                              "reason": None if ryear == year else f"latest refined production data: {ryear}"}
        rtab = ref.rename(columns={"t": "t"})
        proxy = False
    elif len(exp_by):
        proxy = True
        rtab = exp_by.rename(columns={"exporter": "country"})
        rsrc, rtotal, rbasis, ryear = _sources(fr["sources"]), float(rtab["t"].sum()), _basis_of(fr["basis"]), year
        stages["refining"] = {"status": "proxy", "source": rsrc, "year": year, "basis": rbasis,
                              "reason": f"no refined {mineral} production by country in the data: the exporters of "
                                        "refined-stage products stand in (share of world exports, not of "
                                        "refining)"}
    else:
        proxy, rtab = False, pd.DataFrame(columns=["country", "t"])
        rtotal, rsrc, rbasis = 0.0, "", ""
        stages["refining"] = {"status": "missing", "source": "", "year": None,
                              "reason": f"no refined {mineral} production or refined-stage trade in {year}"}
    shown_r = rtab.sort_values("t", ascending=False).head(top)["country"].tolist() if len(rtab) else []
    if len(rtab):
        g.node("world:refined", "refined_total", "WLD", source=rsrc, year=ryear, basis=rbasis, share=1.0)
        stages["refined_total"] = dict(stages["refining"])
        if "world:mine" in g.nodes:
            unk["world:mine"] = ("world mine and refined output differ: refined metal from scrap, stocks, "
                                 f"losses, and the bases (mine {mine_basis}, refined {rbasis})")
        tt = dict(zip(rtab["country"], rtab["t"]))
        for c in shown_r + ["ROW"]:
            t = float(tt.get(c, 0.0)) if c != "ROW" else max(rtotal - sum(float(tt[x]) for x in shown_r), 0.0)
            nid = f"refine:{c}"
            g.node(nid, "refining", c, source=rsrc, year=ryear, basis=rbasis, share=t / rtotal if rtotal else None)
            if "world:mine" in g.nodes:
                g.link("world:mine", nid, t, basis=rbasis, year=ryear, data_source=rsrc)
            else:
                g.nodes[nid]["boundary_in"] += t
            g.link(nid, "world:refined", t, basis=rbasis, year=ryear, data_source=rsrc,
                   note="exports of refined products (proxy)" if proxy else "refined production")
    # importers
    if len(fr):
        by_i = fr.groupby("importer", as_index=False).agg(t=("t", "sum"), basis=("basis", _basis_of),
                                                         src=("sources", _sources))
        itotal = float(by_i["t"].sum())
        keep = by_i.sort_values("t", ascending=False).head(top)["importer"].tolist()
        stages["importer"] = {"status": "data", "source": _sources(fr["sources"]), "year": year,
                              "basis": _basis_of(fr["basis"]), "total_t": itotal,
                              "reason": "refined-stage imports of every importer (bilateral trade)"}
        for r in by_i.itertuples(index=False):
            c = r.importer if r.importer in keep else "OTH"
            nid = f"imp:{c}"
            g.node(nid, "importer", c, source=r.src, year=year, basis=r.basis, kind="sink", boundary_out=True)
            g.link("world:refined", nid, r.t, basis=r.basis, year=year, data_source=r.src, partner=r.importer)
        for nid, n in g.nodes.items():
            if n["stage"] == "importer":
                c = n["country"]
                n["share"] = float(by_i.loc[by_i["importer"] == c, "t"].sum() if c != "OTH" else
                                   by_i.loc[~by_i["importer"].isin(keep), "t"].sum()) / itotal
        if "world:refined" in g.nodes:
            g.node("world:domestic", "importer", None, kind="sink", boundary_out=True, basis=rbasis,
                   note="refined output not in world trade: used where refined, or trade not in the data")
            tin, tout = g.flows_of("world:refined")
            g.link("world:refined", "world:domestic", tin + g.nodes["world:refined"]["boundary_in"] - tout,
                   basis=rbasis, year=year, data_source="refined output − recorded world imports", kind="derived")
            unk["world:refined"] = "recorded world imports exceed refined output (re-exports counted again, bases)"
    else:
        stages["importer"] = {"status": "missing", "source": "", "year": year,
                              "reason": f"no refined-stage trade of {mineral} in {year}"}
    balance_df = g.close(unk)
    nodes, links = g.frames(scores)
    st = [{"stage": s, **stages[s], "score_indicator": STAGE_SCORE.get(s) if s == "mine" else None,
           "score": scores.get("production_concentration", {}).get("score") if s == "mine" else None}
          for s in WORLD_STAGES if s in stages]
    notes = []
    if "atlas" in _sources(fr["sources"]) if len(fr) else False:
        notes.append("part of the refined trade comes from the Critical Materials Atlas top flows (the top "
                     "suppliers per country): small partners are missing")
    return MaterialFlow(mineral, None, year, "world", nodes, links, balance_df, st, scores, notes)


def material_flow(mineral: str, country: str | None = "JPN", year: int | None = None, *, world: bool = False,
                  supply=None, store=None, top: int = TOP_PRODUCERS) -> MaterialFlow:
    """The material flow of ``mineral``: for importer ``country`` (default) or the world (``world=True``).

    ``year`` defaults to the latest year with trade data for ``country`` (JPN for the world view).
    Reads :class:`~critmin.supply.SupplyData` ``supply`` (default: the shared instance for the mineral).
    """
    from .countries import check_iso3
    from .supply import SupplyData, check_years, latest_year

    mineral = catalogue.check_mineral(mineral)
    sd = supply if supply is not None else SupplyData.cached(store, [mineral])
    if world:
        if year is None:
            year = latest_year(sd.source, "JPN")
        return world_flow(sd, mineral, int(year), top=top)
    country = check_iso3(country or "JPN")
    if year is None:
        year = latest_year(sd.source, country)
    year = check_years(sd.source, country, int(year))[0]
    return importer_flow(sd, mineral, country, year, top_producers=top)


__all__ = ["MaterialFlow", "importer_flow", "world_flow", "material_flow", "TOP_PRODUCERS", "TOP_PARTNERS"]

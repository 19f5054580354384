"""Material flows (マテリアルフロー): mine → concentrate trade → smelting/refining → refined trade → use → scrap.

Pure functions over :class:`critmin.supply.SupplyData` (no store queries of their own) that return
a :class:`MaterialFlow`: nodes, links and a balance per node, each figure with its value, source
and year, and the assessment's risk score of the stage on its nodes (SPEC §2.11, issue 17).

Importer view (:func:`importer_flow`, :func:`importer_flows` for many minerals at once)
    ``mine:<ISO>`` world mine production by country (the top producers, the importer's main
    concentrate partners, ``mine:ROW`` the rest; :attr:`SupplyData.production_obs`) →
    ``conc:<importer>`` concentrate imports by partner (:meth:`SupplyData.flows`) and domestic mine
    production (:meth:`SupplyData.domestic`) → ``smelt:<importer>`` domestic smelting/refining
    (refined production, :meth:`SupplyData.domestic`) → ``ref:<importer>`` refined metal, with
    refined imports by partner (``rimp:<ISO>``) in and refined exports by destination
    (``rexp:<ISO>``) out → ``use:<importer>`` apparent domestic use (production + imports − exports,
    the rule of :func:`critmin.balance.apparent_consumption`) → ``scrap:<importer>`` end-of-life
    scrap recovered (the secondary-supply indicator's recycling rate × apparent use) back into use.
    Mine production not imported by the importer goes to ``world:elsewhere``.

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

Languages
    Ids, stages, bases and sources are machine ids (English). Every sentence a person reads (a
    stage's ``reason``, a node's or link's ``note``, a derived link's ``data_source``, the flow's
    ``notes``) is a :class:`Msg`: a ``str`` holding the English text that also knows its message id
    and fields, so ``msg.text("ja")`` gives it in Japanese (catalogue ``locale/ja/LC_MESSAGES/flow.po``;
    mineral and country names, numbers with the language's separators). :meth:`MaterialFlow.to_json`
    with ``lang="ja"`` adds ``<field>_ja`` beside each such field.

Speed
    The inputs of every mineral are prepared in one pass over the supply layer's tables
    (:func:`_prepare`) and each graph is built with plain Python, so the flows of all minerals of an
    assessment cost a fraction of the assessment (the report draws each mineral's flow next to its
    radar).

Importing this module loads nothing.
"""
from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from . import catalogue
from .errors import CritminError, DataValidationError
from .i18n import N_, country_name, number, translator

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
#: the stages whose links are trade (a link into them carries the stage's import-stability score)
TRADE_LINK_STAGES = ("concentrate", "refined_import")


# -- sentences for people ------------------------------------------------------------------------

class Mineral:
    """A mineral in a sentence: its id in English (as the data name it), its name otherwise."""

    def __init__(self, mineral: str) -> None:
        self.mineral = mineral

    def text(self, lang: str) -> str:
        return self.mineral if lang == "en" else catalogue.name(self.mineral, lang)


class Country:
    """A country in a sentence: its CLDR name in the language."""

    def __init__(self, iso3: str) -> None:
        self.iso3 = iso3

    def text(self, lang: str) -> str:
        return country_name(self.iso3, lang)


def fmt_number(x, lang: str = "en", digits: int = 0) -> str:
    """:func:`critmin.i18n.number`, fast: English and Japanese share the separators (``,`` and
    ``.``, Babel's ``#,##0`` patterns), so Python's own formatting writes the same text without
    loading Babel's locale data (tens of milliseconds) for a report in English."""
    if lang in ("en", "ja") and _finite(x):
        return f"{x:,.{max(int(digits), 0)}f}"
    return number(x, lang, digits)


class Num:
    """A number in a sentence, with the language's thousands separator."""

    def __init__(self, x: float, digits: int = 0) -> None:
        self.x, self.digits = x, digits

    def text(self, lang: str) -> str:
        return fmt_number(self.x, lang, self.digits)


class Alt:
    """Text another module writes in English (``en``), shown in other languages as ``msgid``
    translated (a message of this module's catalogue that says the same)."""

    def __init__(self, en: str, msgid: str) -> None:
        self.en, self.msgid = en, msgid

    def text(self, lang: str) -> str:
        return self.en if lang == "en" else translator(lang)(self.msgid)


class Tr:
    """English text another module writes from its registered templates (a stage gap of the
    catalogue, a recycling-rate basis …), translated by :func:`critmin.reasons.translate`."""

    def __init__(self, en: str) -> None:
        self.en = en

    def text(self, lang: str) -> str:
        if lang == "en":
            return self.en
        from .reasons import translate

        return translate(self.en, lang)


def _field(v, lang: str) -> str:
    if isinstance(v, (Msg, Mineral, Country, Num, Alt, Tr)):
        return v.text(lang)
    if isinstance(v, (list, tuple)):
        return ", ".join(_field(x, lang) for x in v)
    return str(v)


def _render(msgid: str | None, fields: dict, lang: str) -> str:
    if msgid is None:                       # a joined list of sentences
        return fields["sep"].join(_field(p, lang) for p in fields["parts"])
    tmpl = msgid if lang == "en" else translator(lang)(msgid)
    return tmpl.format(**{k: _field(v, lang) for k, v in fields.items()})


class Msg(str):
    """A sentence for people: its value is the English text of ``msgid`` (marked with ``N_``)
    with the ``{named}`` fields filled; :meth:`text` gives it in another language.

    Field values: text and numbers as they are; :class:`Mineral`, :class:`Country`, :class:`Num`,
    :class:`Alt`, :class:`Tr` or another :class:`Msg`, rendered in the language; a list joined
    with commas.

    >>> m = Msg(N_("no refined-stage trade of {mineral} for {country} in {year}"),
    ...         mineral=Mineral("copper"), country=Country("KOR"), year=2022)
    >>> m
    'no refined-stage trade of copper for South Korea in 2022'
    >>> m.text("ja")
    '2022年の韓国の銅の製錬品段階の貿易の記録なし'
    """

    msgid: str | None
    fields: dict

    def __new__(cls, msgid: str | None, **fields):
        self = super().__new__(cls, _render(msgid, fields, "en"))
        self.msgid, self.fields = msgid, fields
        return self

    def text(self, lang: str = "en") -> str:
        return str(self) if lang == "en" else _render(self.msgid, self.fields, lang)

    @classmethod
    def join(cls, parts: Iterable, sep: str = "; ") -> Msg:
        """Several sentences (``Msg`` or plain text) as one, ``sep`` between them."""
        return cls(None, parts=[p for p in parts if p], sep=sep)


def text(value, lang: str = "en"):
    """``value`` in ``lang`` where it is a :class:`Msg`; anything else as it is."""
    return value.text(lang) if isinstance(value, Msg) else value


# -- the flow ---------------------------------------------------------------------------------------

@dataclass(eq=False)
class MaterialFlow:
    """A material flow: ``nodes``, ``links`` and the per-node ``balance`` (module docstring).

    Built from plain records (``node_records`` …); the DataFrames are made on first use.
    ``stages`` says per stage whether the data hold it (``status`` ``data``, ``missing``,
    ``not_applicable``, ``proxy``), from which ``source`` and why not (``reason``); ``scores`` the
    assessment's records used for the stage colours.
    """

    mineral: str
    country: str | None
    year: int
    view: str
    node_records: list[dict]
    link_records: list[dict]
    balance_records: list[dict]
    stages: list[dict] = field(default_factory=list)
    scores: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)

    @cached_property
    def nodes(self) -> pd.DataFrame:
        return pd.DataFrame(self.node_records, columns=NODE_COLUMNS).astype({"year": object})

    @cached_property
    def links(self) -> pd.DataFrame:
        df = pd.DataFrame(self.link_records, columns=LINK_COLUMNS)
        return df.astype({"score": object, "year": object})

    @cached_property
    def balance(self) -> pd.DataFrame:
        return pd.DataFrame(self.balance_records, columns=BALANCE_COLUMNS)

    def node(self, node_id: str) -> dict:
        """One node as a dict."""
        for n in self.node_records:
            if n["id"] == node_id:
                return dict(n)
        raise KeyError(node_id)

    def has_chain(self) -> bool:
        """Whether the importer's own chain holds any flow (a link into or out of one of its nodes)."""
        own = {n["id"] for n in self.node_records
               if n["stage"] in ("concentrate", "smelting", "refined", "use", "importer", "refining")}
        return any(li["source"] in own or li["target"] in own for li in self.link_records)

    def to_json(self, lang: str = "en") -> dict:
        """``{"nodes": [...], "links": [...], "balance": [...], "stages": [...], ...}`` (non-finite
        numbers as null). Ids, stages and bases are machine ids; with ``lang`` other than English
        every sentence (``reason``, ``note``, a derived ``data_source`` …) also comes as
        ``<field>_<lang>``, and each node has its ``label`` in ``lang``."""
        from .report.flow import node_label

        nodes = _records(self.node_records, lang)
        for n, r in zip(nodes, self.node_records):
            n["label"] = node_label(r, lang)
        doc = {"mineral": self.mineral, "country": self.country, "year": int(self.year), "view": self.view,
               "lang": lang, "nodes": nodes, "links": _records(self.link_records, lang),
               "balance": _records(self.balance_records, lang), "stages": _records(self.stages, lang),
               "scores": self.scores, "notes": [str(n) for n in self.notes]}
        if lang != "en":
            doc[f"notes_{lang}"] = [text(n, lang) for n in self.notes]
        return doc


def _records(rows: list[dict], lang: str) -> list[dict]:
    out = []
    for r in rows:
        d = {}
        for k, v in r.items():
            d[k] = _plain(v)
            if lang != "en" and isinstance(v, Msg):
                d[f"{k}_{lang}"] = v.text(lang)
        out.append(d)
    return out


def _plain(v: Any):
    if isinstance(v, Msg):
        return str(v)
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (int, np.integer)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        return None if not np.isfinite(v) else round(float(v), 6)
    if v is pd.NA or v is None:
        return None
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    return v


def _finite(x) -> bool:
    """A finite number (not None, NaN or ±inf)."""
    try:
        return math.isfinite(x)
    except TypeError:
        return False


def _nansum(xs) -> float:
    return float(sum(x for x in xs if _finite(x)))


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
        if not _finite(tonnes) or tonnes <= EPS_T:
            return
        self.links.append({"source": src, "target": dst, "tonnes": float(tonnes), "basis": basis,
                           "year": None if year is None else int(year), "data_source": data_source,
                           "kind": kind, "partner": partner, "gross_t": gross_t, "value_kusd": value_kusd,
                           "score": None, "note": note})

    def flows_of(self, nid: str) -> tuple[float, float]:
        tin = sum(li["tonnes"] for li in self.links if li["target"] == nid and li["kind"] != "unknown")
        tout = sum(li["tonnes"] for li in self.links if li["source"] == nid and li["kind"] != "unknown")
        return tin, tout

    def drop(self, nid: str) -> None:
        self.nodes.pop(nid, None)
        self.links = [li for li in self.links if nid not in (li["source"], li["target"])]

    def close(self, unknown_notes: dict) -> list[dict]:
        """Balance every node; draw each non-zero unknown as a grey link; return the balance rows."""
        lin: dict[str, float] = defaultdict(float)
        lout: dict[str, float] = defaultdict(float)
        bases: dict[str, list] = defaultdict(list)
        for li in self.links:
            if li["kind"] != "unknown":
                lin[li["target"]] += li["tonnes"]
                lout[li["source"]] += li["tonnes"]
            bases[li["source"]].append(li["basis"])
            bases[li["target"]].append(li["basis"])
        rows = []
        for nid, n in list(self.nodes.items()):
            if n["stage"] == "unknown":
                continue
            tin = lin[nid] + n["boundary_in"]
            tout = lout[nid] + (lin[nid] if n["boundary_out"] else 0.0)
            unknown = tin - tout
            basis = _basis_of(bases[nid] + ([n["basis"]] if n["basis"] else []))
            note = unknown_notes.get(nid, "")
            if abs(unknown) > EPS_T * max(1.0, tin, tout):
                uid = f"unknown:{nid}"
                self.node(uid, "unknown", n["country"], kind="unknown", note=note, basis=basis)
                if unknown > 0:
                    self.link(nid, uid, unknown, basis=basis, year=n["year"], data_source=SRC_RESIDUAL,
                              kind="unknown", note=note or Msg(N_("in exceeds out: fate not in the data")))
                else:
                    self.link(uid, nid, -unknown, basis=basis, year=n["year"], data_source=SRC_RESIDUAL,
                              kind="unknown", note=note or Msg(N_("out exceeds in: origin not in the data")))
            else:
                unknown = 0.0
            thr = max(tin, tout)
            rows.append({"node": nid, "in_t": tin, "out_t": tout, "stock_t": 0.0, "unknown_t": unknown,
                         "throughput_t": thr, "unknown_share": (abs(unknown) / thr) if thr > 0 else 0.0,
                         "basis": basis, "note": note if unknown else ""})
        return rows

    def records(self, scores: dict) -> tuple[list[dict], list[dict]]:
        """Node and link records: node tonnes = max(in, out); each node the score of its stage; a
        trade link (into a concentrate or refined-import node) the score of its stage."""
        lin: dict[str, float] = defaultdict(float)
        lout: dict[str, float] = defaultdict(float)
        for li in self.links:
            lin[li["target"]] += li["tonnes"]
            lout[li["source"]] += li["tonnes"]
        used = {li["source"] for li in self.links} | {li["target"] for li in self.links}
        nodes, stage = [], {}
        for nid, n in self.nodes.items():
            tonnes = float(max(lin[nid] + n["boundary_in"], lout[nid]))
            if nid not in used and not tonnes > EPS_T:
                continue
            ind = STAGE_SCORE.get(n["stage"])
            sc = scores.get(ind, {}).get("score") if ind else None
            stage[nid] = n["stage"]
            nodes.append({"id": nid, "stage": n["stage"], "country": n["country"], "tonnes": tonnes, "score": sc,
                          "source": n["source"], "year": None if n["year"] is None else int(n["year"]),
                          "basis": n["basis"], "share": n["share"], "kind": n["kind"],
                          "score_indicator": ind if sc is not None else None, "note": n["note"]})
        links = []
        for li in self.links:
            li = dict(li)
            if li["kind"] == "flow" and li["score"] is None:
                for end in (li["source"], li["target"]):
                    st = stage.get(end)
                    if st in TRADE_LINK_STAGES:
                        sc = scores.get(STAGE_SCORE[st], {}).get("score")
                        if sc is not None:
                            li["score"] = sc
                            break
            links.append(li)
        return nodes, links


SRC_RESIDUAL = Msg(N_("balance residual"))


def _basis_of(bases) -> str:
    """One basis of several: the basis itself, or ``mixed: a, b`` (sorted)."""
    b = {p for x in set(bases) if x for p in str(x).removeprefix("mixed: ").split(", ") if p}
    if not b:
        return ""
    return next(iter(b)) if len(b) == 1 else "mixed: " + ", ".join(sorted(b))


def _sources(values) -> str:
    """``source:edition`` entries of several rows, each once, sorted and ``; ``-joined."""
    return "; ".join(sorted({p for v in set(values) if isinstance(v, str) for p in v.split("; ") if p}))


def _asof_year(years, year: int, lag: int = PRODUCTION_LAG) -> int | None:
    ys = [int(y) for y in years if int(y) <= year and int(y) >= year - lag]
    return max(ys) if ys else None


def _top(rows: list[dict], key: str, n: int) -> list:
    """The ``key`` of the ``n`` rows with the most tonnes (ties: by key)."""
    return [r[key] for r in sorted(rows, key=lambda r: (-(r["t"] if _finite(r["t"]) else -math.inf),
                                                        str(r[key])))[:n]]


def _group(rows: list[dict], key: str) -> list[dict]:
    """Rows summed per ``key`` (sorted by key): ``t, q, v`` (NaN skipped), ``basis``, ``src``."""
    acc: dict[str, dict] = {}
    for r in rows:
        a = acc.setdefault(r[key], {key: r[key], "t": 0.0, "q": 0.0, "v": 0.0, "bases": [], "srcs": []})
        for c in ("t", "q", "v"):
            if _finite(r[c]):
                a[c] += float(r[c])
        a["bases"].append(r["basis"])
        a["srcs"].append(r["sources"])
    out = []
    for k in sorted(acc):
        a = acc[k]
        out.append({key: k, "t": a["t"], "q": a["q"], "v": a["v"], "basis": _basis_of(a["bases"]),
                    "src": _sources(a["srcs"])})
    return out


def _valued_at(s: str):
    """The element value's origin (:attr:`SupplyData.element_value` ``valued_at``) for people."""
    if s == "world unit value of refined-stage trade":
        return Alt(s, N_("world unit value of refined-stage trade"))
    if s.startswith("price "):
        return Msg(N_("price {source}"), source=s.removeprefix("price "))
    return s


def _conc_rows(rows: list[dict], ev: float | None, gross_mineral: bool) -> list[dict]:
    """Concentrate flows with ``t`` and ``basis`` (module docstring: contained, gross or
    value_equivalent)."""
    value_eq = not (gross_mineral or ev is None or not math.isfinite(ev) or ev <= 0)
    out = []
    for r in rows:
        r = dict(r)
        if _finite(r["q_c"]):
            r["t"], r["basis"] = r["q_c"], "contained"
        elif not value_eq:
            r["t"], r["basis"] = r["q"], "gross"
        else:
            cap = r["q"] if _finite(r["q"]) and r["q"] > 0 else math.inf
            veq = r["v"] / ev if _finite(r["v"]) else math.nan
            r["t"], r["basis"] = (min(veq, cap) if math.isfinite(veq) else math.nan), "value_equivalent"
        out.append(r)
    return out


# -- the inputs of every mineral, in one pass -----------------------------------------------------

_ROW_COLUMNS = ["mineral", "stage", "hs", "importer", "exporter", "year", "q", "v", "q_c", "sources"]


def _rows(df: pd.DataFrame, cols: list[str]) -> list[dict]:
    arrs = [df[c].to_numpy(dtype=object) for c in cols]
    return [dict(zip(cols, vals)) for vals in zip(*arrs)]


def _prepare(sd, country: str, year: int, minerals: list[str]) -> dict[str, dict]:
    """Per mineral the inputs of its importer flow, read from the supply layer's tables in one pass:
    element value, mine production by country (latest year within :data:`PRODUCTION_LAG`), the
    importer's concentrate and refined imports and mirror exports in ``year`` (as
    :func:`critmin.balance.trade_flows` counts them: a nested code's flows dropped where its outer
    code is counted), its own production, the recycling rate."""
    from .supply import NESTED_CODES, contained_tonnes

    mset = set(minerals)
    inp = {m: {"ev": None, "ev_src": "", "prod": [], "pyear": None, "total": 0.0, "psrc": "",
               "conc": [], "cexp": [], "rtrade": [], "ctrade": [], "dom": [], "sec": None,
               "refined_any": False} for m in minerals}
    ev = sd.element_value
    ev = ev[(ev["year"].to_numpy() == year) & ev["mineral"].isin(mset).to_numpy()]
    for m, k, s in zip(ev["mineral"], ev["kusd_per_t"], ev["valued_at"]):
        inp[m]["ev"], inp[m]["ev_src"] = float(k), str(s)
    # world mine production by country
    o = sd.production_obs
    yr = o["year"].to_numpy()
    o = o[(yr <= year) & (yr >= year - PRODUCTION_LAG)]
    o = o[o["mineral"].isin(mset).to_numpy()]
    if len(o):
        o = o[(o["year"] == o.groupby("mineral", observed=True)["year"].transform("max")).to_numpy()]
        o = contained_tonnes(o)
        acc: dict = defaultdict(dict)
        wld: dict = defaultdict(float)
        oth: dict = defaultdict(float)
        srcs: dict = defaultdict(set)
        for m, c, y, t, tb, b, s, e in zip(o["mineral"], o["country"], o["year"], o["t"], o["t_basis"],
                                           o["basis"], o["source"], o["edition"]):
            src = f"{s}:{e}"
            srcs[m].add(src)
            inp[m]["pyear"] = int(y)
            if c == "WLD":
                wld[m] += float(t)
            elif c == "OTH":
                oth[m] += float(t)
            else:
                a = acc[m].get(c)
                if a is None:
                    acc[m][c] = {"country": c, "t": float(t), "t_basis": tb, "basis": b, "source": src}
                else:
                    a["t"] += float(t)
        for m, ss in srcs.items():
            rows = sorted(acc[m].values(), key=lambda r: (-r["t"], r["country"]))
            named = sum(r["t"] for r in rows)
            inp[m].update(prod=rows, total=wld[m] if wld[m] > 0 else named + oth[m], psrc="; ".join(sorted(ss)))
    # the importer's trade in the year: imports and mirror exports
    tables = {"import": sd.flows([country]), "export": sd.exports([country])}
    rows = {}
    for direction, df in tables.items():
        d = df[df["year"].to_numpy() == year]
        rows[direction] = _rows(d[d["mineral"].isin(mset).to_numpy()], _ROW_COLUMNS)
    nested = {r["hs"] for rs in rows.values() for r in rs} & set(NESTED_CODES)
    has: set = set()
    if nested:
        outer = {NESTED_CODES[h] for h in nested}
        for df in tables.values():
            o = df[df["hs"].isin(outer).to_numpy()]
            has |= set(zip(o["mineral"], o["stage"], o["hs"]))
    for direction, rs in rows.items():
        for r in rs:
            x = inp[r["mineral"]]
            conc = r["stage"] == "concentrate"
            if conc and ((_finite(r["q"]) and r["q"] > 0) or (_finite(r["v"]) and r["v"] > 0)):
                x["conc" if direction == "import" else "cexp"].append(r)
            if r["importer"] == r["exporter"]:
                continue
            if r["hs"] in nested and (r["mineral"], r["stage"], NESTED_CODES[r["hs"]]) in has:
                continue
            cv = _finite(r["q_c"])
            x["ctrade" if conc else "rtrade"].append(
                {**r, "direction": direction, "t": r["q_c"] if cv else r["q"],
                 "basis": "contained" if cv else "gross"})
    d = sd.domestic([country])
    d = d[(d["country"] == country).to_numpy() & d["mineral"].isin(mset).to_numpy()]
    for r in _rows(d, ["mineral", "stage", "year", "p", "p_basis", "source"]):
        inp[r["mineral"]]["dom"].append(r)
    sec = sd.secondary
    for r in _rows(sec[sec["mineral"].isin(mset).to_numpy()], ["mineral", "value", "basis", "variable", "source",
                                                             "edition", "data_year"]):
        if inp[r["mineral"]]["sec"] is None:
            inp[r["mineral"]]["sec"] = r
    for m in set(pd.unique(sd.refined_obs["mineral"])) & mset:
        inp[m]["refined_any"] = True
    return inp


def _dom_at(dom: list[dict], stage: str, year: int, gross: bool) -> tuple[float, int | None, str, str]:
    """The importer's own production at ``stage`` (latest year within the lag): tonnes, year, source,
    basis. ``gross``: the gross-weight figure (mine data of a mineral counted in gross tonnes)."""
    want = "gross" if gross else "contained"
    d = [r for r in dom if r["stage"] == stage and r["p_basis"] == want]
    y = _asof_year({r["year"] for r in d}, year)
    if y is None:
        return 0.0, None, "", ""
    r = next(r for r in d if int(r["year"]) == y)
    return float(r["p"]), y, str(r["source"]), str(r["p_basis"])


# -- the importer view ------------------------------------------------------------------------------

def _scores_of(records: pd.DataFrame) -> dict[str, dict]:
    """Per mineral, per indicator: ``score``, ``value``, ``reason``, ``sources`` of assessment records."""
    out: dict[str, dict] = defaultdict(dict)
    cols = [c for c in ("mineral", "indicator", "score", "value", "reason", "sources") if c in records]
    for r in _rows(records, cols):
        sc, v = r.get("score"), r.get("value")
        out[str(r["mineral"])][str(r["indicator"])] = {
            "score": float(sc) if _finite(sc) else None, "value": float(v) if _finite(v) else None,
            "reason": r.get("reason") or None, "sources": list(r.get("sources") or [])}
    return dict(out)


def _scores(sd, country: str, year: int, minerals: list[str]) -> dict[str, dict]:
    """The assessment's records of ``minerals`` for ``country`` and ``year`` (one assessment)."""
    from .assessment import assess

    return _scores_of(assess(country, year, minerals, supply=sd).records)


def importer_flow(sd, mineral: str, country: str, year: int, *, top_producers: int = TOP_PRODUCERS,
                  top_partners: int = TOP_PARTNERS, scores: dict | None = None
                  ) -> MaterialFlow:
    """The material flow of ``mineral`` for importer ``country`` in ``year`` (module docstring).

    ``sd`` is a :class:`~critmin.supply.SupplyData` holding ``mineral``; ``scores`` (optional) the
    assessment records per indicator (default: :func:`critmin.assessment.assess` on ``sd``).
    """
    mineral = catalogue.check_mineral(mineral)
    return importer_flows(sd, country, year, [mineral], top_producers=top_producers, top_partners=top_partners,
                          scores=None if scores is None else {mineral: scores})[mineral]


def importer_flows(sd, country: str, year: int, minerals: Iterable[str] | None = None, *,
                   top_producers: int = TOP_PRODUCERS, top_partners: int = TOP_PARTNERS,
                   scores: dict[str, dict] | None = None) -> dict[str, MaterialFlow]:
    """The importer flows of many minerals at once (default: every mineral of ``sd``), their inputs
    read in one pass (:func:`_prepare`). ``scores``: per mineral the assessment records per indicator
    (default: one :func:`critmin.assessment.assess` of them all; a mineral missing from a given
    ``scores`` has no colours)."""
    minerals = [catalogue.check_mineral(m) for m in (sd.minerals if minerals is None else minerals)]
    missing = [m for m in minerals if m not in sd.minerals]
    if missing:
        raise DataValidationError("the supply data given do not hold this mineral", field="mineral",
                                  found=missing[0], expected=str(sd.minerals),
                                  fix="build SupplyData(minerals=[...]) with the mineral")
    year = int(year)
    if scores is None:
        scores = _scores(sd, country, year, minerals)
    inputs = _prepare(sd, country, year, minerals)
    held = sd.held_codes
    basis = catalogue.minerals()["basis"]
    return {m: _importer(m, inputs[m], country, year, scores.get(m, {}), held=held,
                         gross_mineral=str(basis.get(m, "")) == "gross", top_producers=top_producers,
                         top_partners=top_partners)
            for m in minerals}


def _importer(mineral: str, x: dict, country: str, year: int, scores: dict, *, held, gross_mineral: bool,
              top_producers: int, top_partners: int) -> MaterialFlow:
    """One importer flow from its prepared inputs ``x`` (plain Python: no tables)."""
    from .supply import stage_codes

    M, C = Mineral(mineral), Country(country)
    g = _Graph()
    stages: dict[str, dict] = {}
    unk: dict[str, Any] = {}
    notes: list = []
    ev, ev_src = x["ev"], x["ev_src"]

    # -- mine: world production by country -------------------------------------------------------
    prod, pyear = x["prod"], x["pyear"]
    mine_basis = ("contained" if prod and all(r["t_basis"] == "contained" for r in prod)
                  else str(prod[0]["basis"]) if prod else "")
    if prod:
        stages["mine"] = {"status": "data", "source": x["psrc"], "year": pyear,
                          "reason": None if pyear == year else Msg(N_("latest mine production data: {year}"),
                                                                   year=pyear)}
    else:
        stages["mine"] = {"status": "missing", "source": "", "year": None,
                          "reason": Msg(N_("no mine production of {mineral} by country within {lag} years "
                                           "before {year}"), mineral=M, lag=PRODUCTION_LAG, year=year)}

    # -- concentrate imports by partner ------------------------------------------------------------
    ore_gross = gross_mineral or mine_basis != "contained"
    fc = _conc_rows(x["conc"], ev, ore_gross)
    by_p = _group(fc, "exporter")
    dom = x["dom"]
    mine_dom, mine_dom_y, mine_dom_src, _ = _dom_at(dom, "concentrate", year, gross=mine_basis != "contained")
    c_codes = stage_codes(mineral, "concentrate")
    c_gap = catalogue.stage_reason(mineral, "concentrate", held)
    conc_id = f"conc:{country}"
    fc_basis = _basis_of([r["basis"] for r in fc])
    if by_p:
        stages["concentrate"] = {"status": "data", "source": _sources(r["sources"] for r in fc), "year": year,
                                 "codes": c_codes, "basis": fc_basis, "reason": None}
        veq = [r for r in fc if r["basis"] == "value_equivalent"]
        if veq:
            stages["concentrate"]["reason"] = Msg(
                N_("HS {codes} is gross weight and the data hold no grade: tonnes = import value ÷ {mineral} "
                   "unit value ({ev} kUSD/t, {valued_at}), capped at gross weight (value_equivalent; gross "
                   "{gross} t, value {value} kUSD)"),
                codes=", ".join(sorted({str(r["hs"]) for r in veq})), mineral=M, ev=Num(ev, 3),
                valued_at=_valued_at(ev_src), gross=Num(_nansum(r["q"] for r in fc)),
                value=Num(_nansum(r["v"] for r in fc)))
    else:
        why = (Tr(c_gap) if c_gap else
               Msg(N_("no {mineral} concentrate imports ({codes}) recorded for {country} in {year}"),
                   mineral=M, codes=", ".join(c_codes), country=C, year=year) if c_codes else
               Msg(N_("no concentrate-stage HS code for {mineral}"), mineral=M))
        stages["concentrate"] = {"status": "not_applicable" if (c_gap or not c_codes) else "missing",
                                 "source": "", "year": year, "codes": c_codes,
                                 "reason": Msg.join([why]) if isinstance(why, Tr) else why}

    # mine nodes: the top producers, the main partners that are producers, the rest
    partners = _top(by_p, "exporter", top_partners)
    prod_t = {r["country"]: r["t"] for r in prod}
    prod_src = {r["country"]: r["source"] for r in prod}
    shown = list(dict.fromkeys(r["country"] for r in prod[:top_producers]))
    shown += [p for p in partners if p not in shown]
    if mine_dom > 0 and country not in shown:
        shown.append(country)
    total = x["total"] if prod else 0.0
    for c in shown:
        t = float(prod_t.get(c, 0.0))
        g.node(f"mine:{c}", "mine", c, source=prod_src.get(c, x["psrc"]), year=pyear, basis=mine_basis,
               kind="source", boundary_in=t, share=(t / total) if total > 0 else None)
    rest = max(total - sum(float(prod_t.get(c, 0.0)) for c in shown), 0.0)
    if prod:
        g.node("mine:ROW", "mine", "ROW", source=x["psrc"], year=pyear, basis=mine_basis, kind="source",
               boundary_in=rest, share=(rest / total) if total > 0 else None)
    g.node("world:elsewhere", "elsewhere", None, kind="sink", boundary_out=True, basis=mine_basis,
           note=Msg(N_("mine production not imported by {country} as {mineral} concentrate"), country=C,
                    mineral=M))

    if by_p or mine_dom > 0:
        g.node(conc_id, "concentrate", country, source=stages["concentrate"]["source"], year=year,
               basis=fc_basis if fc else mine_basis)
    for r in by_p:
        e = r["exporter"]
        src_node = f"mine:{e}" if f"mine:{e}" in g.nodes else "mine:ROW"
        if src_node not in g.nodes:
            g.node(src_node, "mine", "ROW", kind="source", basis=mine_basis)
        g.link(src_node, conc_id, r["t"], basis=r["basis"], year=year, data_source=r["src"], partner=e,
               gross_t=r["q"], value_kusd=r["v"])
        if src_node != "mine:ROW" and float(prod_t.get(e, 0.0)) < r["t"]:
            unk[src_node] = Msg(N_("{partner}'s recorded exports to {country} exceed its mine production in the "
                                   "data (re-export, transit, or a value-equivalent figure)"),
                                partner=Country(e), country=C)
    if mine_dom > 0:
        g.link(f"mine:{country}", conc_id, mine_dom, basis=mine_basis, year=mine_dom_y, data_source=mine_dom_src,
               partner=country, note=Msg(N_("domestic mine production")))
    unk.setdefault("mine:ROW", Msg(N_("imports from the other partners exceed the rest of world production in "
                                      "the data")))
    # the rest of each mine node's production goes elsewhere
    for nid, n in list(g.nodes.items()):
        if n["stage"] == "mine":
            _, out = g.flows_of(nid)
            g.link(nid, "world:elsewhere", n["boundary_in"] - out, basis=mine_basis, year=pyear,
                   data_source=n["source"], kind="elsewhere")

    # concentrate exports (mirror) leave the concentrate node
    exc = _conc_rows(x["cexp"], ev, ore_gross)
    if conc_id in g.nodes and exc:
        cx = f"cexp:{country}"
        eb, es = _basis_of([r["basis"] for r in exc]), _sources(r["sources"] for r in exc)
        g.node(cx, "concentrate_export", country, source=es, year=year, kind="sink", boundary_out=True, basis=eb)
        g.link(conc_id, cx, _nansum(r["t"] for r in exc), basis=eb, year=year, data_source=es,
               gross_t=_nansum(r["q"] for r in exc), value_kusd=_nansum(r["v"] for r in exc), note=MIRROR)

    # -- smelting / refining at home -----------------------------------------------------------------
    ref_p, ref_y, ref_src, ref_basis = _dom_at(dom, "refined", year, gross=False)
    smelt_id, ref_id = f"smelt:{country}", f"ref:{country}"
    if ref_p > 0 or conc_id in g.nodes:
        stages["smelting"] = {"status": "data" if ref_p > 0 else "missing", "source": ref_src, "year": ref_y,
                              "reason": None if ref_p > 0 else Msg(
                                  N_("no refined {mineral} production recorded for {country} within {lag} years"),
                                  mineral=M, country=C, lag=PRODUCTION_LAG)}
        g.node(smelt_id, "smelting", country, source=ref_src, year=ref_y or year, basis=ref_basis or mine_basis)
        if conc_id in g.nodes:
            tin, tout = g.flows_of(conc_id)
            cin = tin + g.nodes[conc_id]["boundary_in"]
            g.link(conc_id, smelt_id, cin - tout, basis=g.nodes[conc_id]["basis"], year=year,
                   data_source=Msg(N_("concentrate imports + domestic mine − concentrate exports")),
                   note=Msg(N_("concentrate feed (no stock data: imports + mine − exports)")))
        if ref_p > 0:
            g.node(ref_id, "refined", country, year=year)
            g.link(smelt_id, ref_id, ref_p, basis="contained", year=ref_y, data_source=ref_src,
                   note=Msg(N_("domestic refined production")))
        unk[smelt_id] = Msg.join([Tr(c_gap) if c_gap else "", Msg(N_(
            "smelter and refinery feed not recorded by the data held: scrap, intermediates (mattes, "
            "precipitates, blister) and stock changes; for value_equivalent feed, the conversion's error"))])
    else:
        stages["smelting"] = {"status": "missing", "source": "", "year": None, "reason": Msg(
            N_("no refined {mineral} production of {country} and no concentrate imports in the data (refined "
               "production data for {mineral}: held)") if x["refined_any"] else
            N_("no refined {mineral} production of {country} and no concentrate imports in the data (refined "
               "production data for {mineral}: none by country)"), mineral=M, country=C)}

    # -- refined trade and apparent use (the rule of critmin.balance) --------------------------------
    use_stage = "refined"
    tf = x["rtrade"]
    if not tf and ref_p <= 0:
        use_stage = "concentrate" if conc_id in g.nodes else "refined"
    r_codes = stage_codes(mineral, "refined")
    r_gap = catalogue.stage_reason(mineral, "refined", held)
    if use_stage == "refined":
        imp = [r for r in tf if r["direction"] == "import"]
        exp = [r for r in tf if r["direction"] == "export"]
        stages["refined_import"] = (
            {"status": "data", "source": _sources(r["sources"] for r in imp), "year": year, "codes": r_codes,
             "basis": _basis_of([r["basis"] for r in imp]), "reason": Msg.join([Tr(r_gap)]) if r_gap else None}
            if imp else
            {"status": "not_applicable" if not r_codes else "missing", "source": "", "year": year, "codes": r_codes,
             "reason": Msg.join([Tr(r_gap)]) if r_gap else Msg(
                 N_("no refined {mineral} imports ({codes}) recorded for {country} in {year}"), mineral=M,
                 codes=", ".join(r_codes), country=C, year=year)})
        stages["refined_export"] = (
            {"status": "data", "source": _sources(r["sources"] for r in exp), "year": year, "codes": r_codes,
             "basis": _basis_of([r["basis"] for r in exp]), "reason": MIRROR}
            if exp else
            {"status": "missing", "source": "", "year": year, "codes": r_codes,
             "reason": Msg(N_("no partner records imports of refined {mineral} from {country} in {year}"),
                           mineral=M, country=C, year=year)})
        if imp or exp or ref_p > 0:
            g.node(ref_id, "refined", country, year=year)
            src = "; ".join(s for s in [ref_src, _sources(r["sources"] for r in tf)] if s)
            g.nodes[ref_id].update(source=src, basis=_basis_of([r["basis"] for r in tf]
                                                               + (["contained"] if ref_p > 0 else [])))
            stages["refined"] = {"status": "data", "source": src, "year": year, "reason": None}
        by_i = _group(imp, "exporter")
        keep = set(_top(by_i, "exporter", top_partners))
        for r in by_i:
            e = r["exporter"]
            pid = f"rimp:{e}" if e in keep else "rimp:OTH"
            g.node(pid, "refined_import", e if e in keep else "OTH", source=r["src"], year=year, kind="source",
                   basis=r["basis"], boundary_in=r["t"])
            g.link(pid, ref_id, r["t"], basis=r["basis"], year=year, data_source=r["src"], partner=e,
                   gross_t=r["q"], value_kusd=r["v"])
        by_e = _group(exp, "importer")
        keep = set(_top(by_e, "importer", top_partners))
        for r in by_e:
            i = r["importer"]
            did = f"rexp:{i}" if i in keep else "rexp:OTH"
            g.node(did, "refined_export", i if i in keep else "OTH", source=r["src"], year=year, kind="sink",
                   boundary_out=True, basis=r["basis"])
            g.link(ref_id, did, r["t"], basis=r["basis"], year=year, data_source=r["src"], partner=i,
                   gross_t=r["q"], value_kusd=r["v"])
        # apparent consumption: production (as of the year) + imports − exports, where the year has trade
        use_t = ((ref_p + _nansum(r["t"] for r in imp) - _nansum(r["t"] for r in exp)) if tf
                 else (ref_p if ref_p > 0 else 0.0))
        use_src = SRC_USE
        use_from = ref_id if ref_id in g.nodes else None
        unk[ref_id] = Msg(N_("refined exports exceed production + imports: exports of metal made from feed the "
                             "data do not record, or a stock draw"))
    else:
        stages["refined_import"] = {
            "status": "not_applicable" if (r_gap or not r_codes) else "missing", "source": "", "year": year,
            "codes": r_codes, "reason": Msg.join([Tr(r_gap)]) if r_gap else Msg(
                N_("no refined-stage trade of {mineral} for {country} in {year}"), mineral=M, country=C, year=year)}
        stages["refined_export"] = dict(stages["refined_import"])
        stages["refined"] = {"status": "not_applicable", "source": "", "year": year,
                             "reason": Msg.join([Tr(r_gap)]) if r_gap else Msg(
                                 N_("the concentrate is the traded product (apparent use at that stage)"))}
        cf = x["ctrade"]
        use_t = ((mine_dom + _nansum(r["t"] for r in cf if r["direction"] == "import")
                  - _nansum(r["t"] for r in cf if r["direction"] == "export")) if cf else 0.0)
        use_src = SRC_USE_CONC
        use_from = conc_id if conc_id in g.nodes else None
        if smelt_id in g.nodes and ref_p <= 0:       # no refining: the concentrate goes to use, not a smelter
            g.drop(smelt_id)
            stages["smelting"] = {"status": "not_applicable", "source": "", "year": None, "reason": Msg(
                N_("no refined {mineral} production of {country}: the concentrate-stage product is used as such"),
                mineral=M, country=C)}
    # -- use and the scrap loop ------------------------------------------------------------------------
    use_id, scrap_id, stock_id = f"use:{country}", f"scrap:{country}", f"stock:{country}"
    if use_from is not None:
        ub = g.nodes[use_from]["basis"]
        g.node(use_id, "use", country, source=use_src, year=year, basis=ub)
        g.node(stock_id, "in_use", country, source=use_src, year=year, kind="sink", boundary_out=True, basis=ub,
               note=Msg(N_("put into use: products, in-use stock, product trade and losses (the data end here)")))
        stages["use"] = {"status": "data" if use_t > 0 else "missing", "source": use_src, "year": year,
                         "stage_counted": use_stage, "apparent_use_t": use_t,
                         "reason": None if use_t > 0 else Msg(N_("apparent consumption is not positive: exports "
                                                                 "exceed production + imports in the data"))}
        g.link(use_from, use_id, max(use_t, 0.0), basis=ub, year=year, data_source=use_src)
        sec = x["sec"]
        rate = float(sec["value"]) if sec is not None and _finite(sec["value"]) else None
        s_src = f"{sec['source']}:{sec['edition']}" if sec is not None else ""
        if rate is not None and rate > 0 and use_t > 0:
            s_t, s_y = rate * use_t, int(sec["data_year"])
            applied = Msg(N_("{rate_name} {rate} × apparent use"),
                          rate_name=Tr(str(sec["basis"])),
                          rate=f"{rate:g}")
            g.node(scrap_id, "scrap", country, source=s_src, year=s_y, basis=ub, note=applied)
            g.link(use_id, scrap_id, s_t, basis="estimate", year=s_y, data_source=s_src, kind="scrap",
                   note=Msg(N_("end-of-life scrap recovered")))
            g.link(scrap_id, use_id, s_t, basis="estimate", year=s_y, data_source=s_src, kind="scrap",
                   note=Msg(N_("recycled input to use (the secondary-supply indicator)")))
            stages["scrap"] = {"status": "data", "source": s_src, "year": s_y, "rate": rate,
                               "variable": str(sec["variable"]),
                               "reason": Msg(N_("{applied}; the data do not say which part is smelted into refined "
                                                "metal (then already within refined production) and which is "
                                                "melted directly by fabricators"), applied=applied)}
        else:
            stages["scrap"] = {
                "status": "missing" if rate is None or use_t <= 0 else "data", "source": s_src if rate is not None
                else "", "year": None, "rate": rate,
                "reason": Msg(N_("no recycling rate for this mineral")) if rate is None
                else Msg(N_("no positive apparent use to apply the recycling rate to")) if use_t <= 0
                else Msg(N_("{rate_name} {rate}: no end-of-life scrap recovered"),
                         rate_name=Tr(str(sec["basis"])),
                         rate=f"{rate:g}")}
        g.link(use_id, stock_id, max(use_t, 0.0), basis=ub, year=year, data_source=use_src)
    else:
        stages["use"] = {"status": "missing", "source": "", "year": year,
                         "reason": Msg(N_("no trade or production of {mineral} for {country} in {year}"),
                                       mineral=M, country=C, year=year)}
        stages["scrap"] = {"status": "missing", "source": "", "year": None, "reason": Msg(N_("no apparent use"))}
    unk.setdefault(conc_id, "")
    balance_rows = g.close(unk)
    nodes, links = g.records(scores)
    st = [{"stage": s, **stages[s]} for s in IMPORTER_STAGES if s in stages]
    for s in st:
        ind = STAGE_SCORE.get(s["stage"])
        s["score_indicator"] = ind
        s["score"] = scores.get(ind, {}).get("score") if ind else None
    if ev is not None and any(li["basis"] == "value_equivalent" for li in links):
        notes.append(Msg(N_("value_equivalent tonnes use the {mineral} unit value {ev} kUSD/t ({valued_at})"),
                         mineral=M, ev=Num(ev, 3), valued_at=_valued_at(ev_src)))
    return MaterialFlow(mineral, country, year, "importer", nodes, links, balance_rows, st, scores, notes)


MIRROR = Msg(N_("partners' recorded imports from the importer (mirror)"))
SRC_USE = Msg(N_("critmin.balance apparent consumption (production + imports − exports)"))
SRC_USE_CONC = Msg(N_("critmin.balance apparent consumption at the concentrate stage (mine + imports − exports)"))


# -- the world view ---------------------------------------------------------------------------------

def _production(obs: pd.DataFrame, mineral: str, year: int) -> tuple[list[dict], int | None, float, str]:
    """Per-country tonnes of ``mineral`` (rows ``country, t, t_basis, basis, source``, most first) in
    the latest year ≤ ``year`` within the lag, that year, the world total and the sources."""
    from .supply import NOT_COUNTRIES, contained_tonnes

    o = obs[obs["mineral"] == mineral]
    y = _asof_year(o["year"].unique(), year)
    if y is None:
        return [], None, 0.0, ""
    o = contained_tonnes(o[o["year"] == y])
    o = o.assign(source=o["source"] + ":" + o["edition"])
    named = o[~o["country"].isin(NOT_COUNTRIES)].groupby("country", as_index=False).agg(
        t=("t", "sum"), t_basis=("t_basis", "first"), basis=("basis", "first"), source=("source", "first"))
    wld = float(o.loc[o["country"] == "WLD", "t"].sum())
    oth = float(o.loc[o["country"] == "OTH", "t"].sum())
    total = wld if wld > 0 else float(named["t"].sum() + oth)
    rows = sorted(_rows(named, ["country", "t", "t_basis", "basis", "source"]), key=lambda r: (-r["t"], r["country"]))
    return rows, y, total, "; ".join(sorted(set(o["source"])))


def world_flow(sd, mineral: str, year: int, *, top: int = TOP_PRODUCERS, scores: dict | None = None
               ) -> MaterialFlow:
    """World view of ``mineral`` in ``year``: mine → refining countries → top importers of refined
    products, each node with its share of the stage (module docstring)."""
    mineral = catalogue.check_mineral(mineral)
    M = Mineral(mineral)
    year = int(year)
    g = _Graph()
    stages: dict[str, dict] = {}
    unk: dict[str, Any] = {}
    prod, pyear, total, psrc = _production(sd.production_obs, mineral, year)
    mine_basis = ("contained" if prod and all(r["t_basis"] == "contained" for r in prod)
                  else str(prod[0]["basis"]) if prod else "")
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
                    scores = _scores(sd, c, year, [mineral]).get(mineral, {})
                    break
                except CritminError:
                    continue
    scores = {k: v for k, v in scores.items() if k in ("reserve_concentration", "production_concentration")}
    # mine
    if prod:
        stages["mine"] = {"status": "data", "source": psrc, "year": pyear, "basis": mine_basis,
                          "reason": None if pyear == year else Msg(N_("latest mine production data: {year}"),
                                                                   year=pyear)}
        g.node("world:mine", "mine_total", "WLD", source=psrc, year=pyear, basis=mine_basis, share=1.0)
        stages["mine_total"] = dict(stages["mine"])
        head = prod[:top]
        for r in head:
            g.node(f"mine:{r['country']}", "mine", r["country"], source=r["source"], year=pyear, basis=mine_basis,
                   kind="source", boundary_in=r["t"], share=r["t"] / total if total > 0 else None)
            g.link(f"mine:{r['country']}", "world:mine", r["t"], basis=mine_basis, year=pyear,
                   data_source=r["source"])
        rest = max(total - sum(r["t"] for r in head), 0.0)
        g.node("mine:ROW", "mine", "ROW", source=psrc, year=pyear, basis=mine_basis, kind="source",
               boundary_in=rest, share=rest / total if total > 0 else None)
        g.link("mine:ROW", "world:mine", rest, basis=mine_basis, year=pyear, data_source=psrc)
    else:
        stages["mine"] = {"status": "missing", "source": "", "year": None,
                          "reason": Msg(N_("no mine production of {mineral} by country within {lag} years "
                                           "before {year}"), mineral=M, lag=PRODUCTION_LAG, year=year)}
    # refining: production by country, else exporters of refined products (proxy)
    ref, ryear, rtotal_c, rsrc_c = _production(sd.refined_obs, mineral, year)
    ref = [r for r in ref if r["t_basis"] == "contained"]
    exp_by = fr.groupby("exporter", as_index=False).agg(t=("t", "sum"), basis=("basis", _basis_of),
                                                       source=("sources", _sources))
    proxy = False
    if ref:
        rsrc, rtotal, rbasis = rsrc_c, rtotal_c, "contained"
        stages["refining"] = {"status": "data", "source": rsrc, "year": ryear, "basis": rbasis,
                              "reason": None if ryear == year else Msg(N_("latest refined production data: {year}"),
                                                                       year=ryear)}
        rtab = {r["country"]: r["t"] for r in ref}
    elif len(exp_by):
        proxy = True
        rtab = dict(zip(exp_by["exporter"], exp_by["t"].astype(float)))
        rsrc, rtotal, rbasis, ryear = _sources(fr["sources"]), float(sum(rtab.values())), _basis_of(fr["basis"]), year
        stages["refining"] = {"status": "proxy", "source": rsrc, "year": year, "basis": rbasis, "reason": Msg(
            N_("no refined {mineral} production by country in the data: the exporters of refined-stage products "
               "stand in (share of world exports, not of refining)"), mineral=M)}
    else:
        rtab, rtotal, rsrc, rbasis = {}, 0.0, "", ""
        stages["refining"] = {"status": "missing", "source": "", "year": None,
                              "reason": Msg(N_("no refined {mineral} production or refined-stage trade in {year}"),
                                            mineral=M, year=year)}
    shown_r = [c for c, _ in sorted(rtab.items(), key=lambda kv: (-kv[1], kv[0]))[:top]]
    if rtab:
        g.node("world:refined", "refined_total", "WLD", source=rsrc, year=ryear, basis=rbasis, share=1.0)
        stages["refined_total"] = dict(stages["refining"])
        if "world:mine" in g.nodes:
            unk["world:mine"] = Msg(N_("world mine and refined output differ: refined metal from scrap, stocks, "
                                       "losses, and the bases (mine {mine_basis}, refined {refined_basis})"),
                                    mine_basis=mine_basis, refined_basis=rbasis)
        for c in shown_r + ["ROW"]:
            t = float(rtab.get(c, 0.0)) if c != "ROW" else max(rtotal - sum(float(rtab[k]) for k in shown_r), 0.0)
            nid = f"refine:{c}"
            g.node(nid, "refining", c, source=rsrc, year=ryear, basis=rbasis, share=t / rtotal if rtotal else None)
            if "world:mine" in g.nodes:
                g.link("world:mine", nid, t, basis=rbasis, year=ryear, data_source=rsrc)
            else:
                g.nodes[nid]["boundary_in"] += t
            g.link(nid, "world:refined", t, basis=rbasis, year=ryear, data_source=rsrc,
                   note=Msg(N_("exports of refined products (proxy)")) if proxy else Msg(N_("refined production")))
    # importers
    if len(fr):
        by_i = fr.groupby("importer", as_index=False).agg(t=("t", "sum"), basis=("basis", _basis_of),
                                                         src=("sources", _sources))
        itotal = float(by_i["t"].sum())
        keep = [r["importer"] for r in sorted(_rows(by_i, ["importer", "t"]),
                                              key=lambda r: (-r["t"], r["importer"]))[:top]]
        stages["importer"] = {"status": "data", "source": _sources(fr["sources"]), "year": year,
                              "basis": _basis_of(fr["basis"]), "total_t": itotal,
                              "reason": Msg(N_("refined-stage imports of every importer (bilateral trade)"))}
        share: dict[str, float] = defaultdict(float)
        for r in _rows(by_i, ["importer", "t", "basis", "src"]):
            c = r["importer"] if r["importer"] in keep else "OTH"
            share[c] += float(r["t"]) / itotal if itotal > 0 else 0.0
            nid = f"imp:{c}"
            g.node(nid, "importer", c, source=r["src"], year=year, basis=r["basis"], kind="sink", boundary_out=True)
            g.link("world:refined", nid, r["t"], basis=r["basis"], year=year, data_source=r["src"],
                   partner=r["importer"])
        for n in g.nodes.values():
            if n["stage"] == "importer":
                n["share"] = share[n["country"]]
        if "world:refined" in g.nodes:
            g.node("world:domestic", "importer", None, kind="sink", boundary_out=True, basis=rbasis,
                   note=Msg(N_("refined output not in world trade: used where refined, or trade not in the data")))
            tin, tout = g.flows_of("world:refined")
            g.link("world:refined", "world:domestic", tin + g.nodes["world:refined"]["boundary_in"] - tout,
                   basis=rbasis, year=year, data_source=Msg(N_("refined output − recorded world imports")),
                   kind="derived")
            unk["world:refined"] = Msg(N_("recorded world imports exceed refined output (re-exports counted again, "
                                          "bases)"))
    else:
        stages["importer"] = {"status": "missing", "source": "", "year": year,
                              "reason": Msg(N_("no refined-stage trade of {mineral} in {year}"), mineral=M, year=year)}
    balance_rows = g.close(unk)
    nodes, links = g.records(scores)
    pc = scores.get("production_concentration", {}).get("score")
    st = [{"stage": s, **stages[s], "score_indicator": STAGE_SCORE.get(s) if s == "mine" else None,
           "score": pc if s == "mine" else None} for s in WORLD_STAGES if s in stages]
    notes = []
    if len(fr) and "atlas" in _sources(fr["sources"]):
        notes.append(Msg(N_("part of the refined trade comes from the Critical Materials Atlas top flows (the top "
                            "suppliers per country): small partners are missing")))
    return MaterialFlow(mineral, None, year, "world", nodes, links, balance_rows, st, scores, notes)


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


__all__ = ["TOP_PARTNERS", "TOP_PRODUCERS", "MaterialFlow", "Msg", "importer_flow", "importer_flows",
           "material_flow", "world_flow"]

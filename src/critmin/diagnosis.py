"""Diagnosis and policy mapping (課題と対応, SPEC §2.3).

From a mineral's six scores the system names the problems and the matching
policy tools (SPEC §2.2):

=========================  =============================  ==============================
indicator                  problem                        tool id
=========================  =============================  ==============================
reserve_concentration      reserves concentrated          ``upstream_development``
production_concentration   production concentrated        ``upstream_development``
import_concentrate         concentrate imports risky      ``upstream_development``
import_refined             refined imports risky          ``smelter_support_stockpile``
price_volatility           price risk high                ``substitution``
secondary_supply           not recycled                   ``recycling``
=========================  =============================  ==============================

A problem is named when the score reaches its threshold (default 0.5 = the
"high" anchor of every indicator, configurable per indicator).

Demand growth: the seed's copper example names upstream development and
recycling although copper's supply risks are low, *because demand grows* with
decarbonisation. Minerals the seed links to decarbonisation technologies
(SPEC §2.5: EVs and Li-ion batteries, wind, solar PV, storage, fuel cells,
hydrogen tanks, magnets, geothermal) therefore get ``upstream_development``
and ``recycling`` for long-term supply, marked as demand-driven.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .i18n import N_
from .langmaps import ByLang

INDICATORS = ("reserve_concentration", "production_concentration", "import_concentrate",
              "import_refined", "price_volatility", "secondary_supply")

TOOLS = {
    "reserve_concentration": "upstream_development",
    "production_concentration": "upstream_development",
    "import_concentrate": "upstream_development",
    "import_refined": "smelter_support_stockpile",
    "price_volatility": "substitution",
    "secondary_supply": "recycling",
}
TOOL_ORDER = ("upstream_development", "smelter_support_stockpile", "substitution", "recycling")

DEFAULT_THRESHOLDS = {ind: 0.5 for ind in INDICATORS}

#: minerals the seed links to decarbonisation technologies (SPEC §2.5)
DEMAND_GROWTH: dict[str, tuple[str, ...]] = {
    "copper": ("EV", "wind", "solar PV", "Li-ion battery", "storage"),
    "lithium": ("Li-ion battery", "storage", "all-solid-state battery"),
    "nickel": ("Li-ion battery", "storage", "fuel cell"),
    "cobalt": ("Li-ion battery", "storage"),
    "manganese": ("Li-ion battery", "storage"),
    "rare_earths": ("magnets (EV motors, wind)", "fuel cell"),
    "neodymium": ("magnets",), "dysprosium": ("magnets",), "praseodymium": ("magnets",),
    "terbium": ("magnets",),
    "indium": ("solar PV",), "gallium": ("solar PV",), "selenium": ("solar PV",),
    "titanium": ("geothermal", "hydrogen tanks"), "vanadium": ("storage", "hydrogen tanks"),
    "platinum": ("fuel cell",), "platinum_group_metals": ("fuel cell",),
    "niobium": ("hydrogen tanks",), "zinc": ("hydrogen tanks",), "magnesium": ("hydrogen tanks",),
    "graphite": ("Li-ion battery",),
}

#: the diagnosis sentences (English; the translations are in the catalogue, diagnosis.po)
TEXT = ByLang({
    "reserve_concentration": N_("reserves concentrated in few countries"),
    "production_concentration": N_("mine production concentrated in few countries"),
    "import_concentrate": N_("concentrate imports concentrated in high-risk countries"),
    "import_refined": N_("refined-product imports concentrated in high-risk countries"),
    "price_volatility": N_("high price volatility"),
    "secondary_supply": N_("little secondary supply (end-of-life products not recycled)"),
    "demand": N_("demand grows with decarbonisation ({techs})"),
    "upstream_development": N_("upstream development support (diversify sources)"),
    "smelter_support_stockpile": N_("smelter/refinery support and stockpiling"),
    "substitution": N_("substitute materials and reduced use"),
    "recycling": N_("recycling support"),
    "none": N_("no indicator reaches its threshold"),
    "missing": N_("not assessed: {inds}"),
})

#: indicator and technology names in the diagnosis text
NAMES = ByLang({
    "reserve_concentration": N_("reserve concentration"),
    "production_concentration": N_("production concentration"),
    "import_concentrate": N_("concentrate imports"), "import_refined": N_("refined imports"),
    "price_volatility": N_("price volatility"), "secondary_supply": N_("secondary supply"),
    "demand_growth": N_("demand growth"),
    "EV": N_("EV"), "wind": N_("wind"), "solar PV": N_("solar PV"), "Li-ion battery": N_("Li-ion battery"),
    "storage": N_("storage"), "all-solid-state battery": N_("all-solid-state battery"),
    "fuel cell": N_("fuel cell"), "magnets (EV motors, wind)": N_("magnets (EV motors, wind)"),
    "magnets": N_("magnets"), "geothermal": N_("geothermal"), "hydrogen tanks": N_("hydrogen tanks"),
})

#: list separators of the diagnosis text
_SEP = {"ja": ("；", "、")}


def diagnose(records: pd.DataFrame, *, thresholds: dict[str, float] | None = None,
             lang: str = "en") -> list[dict]:
    """Diagnosis per (country, year, mineral) from assessment records.

    Returns a list of ``{"mineral", "country", "year", "diagnosis", "problems", "tools",
    "tool_reasons"}``; ``tools`` are ids in the order of :data:`TOOL_ORDER`.
    """
    th = {**DEFAULT_THRESHOLDS, **(thresholds or {})}
    txt = {**TEXT[lang], "_names": NAMES[lang], "_sep": _SEP.get(lang, ("; ", ", "))}
    if records.empty:
        return []
    gid = records.groupby(["country", "year", "mineral"], sort=False, observed=True).ngroup().to_numpy()
    pos = records["indicator"].astype(object).map({ind: k for k, ind in enumerate(INDICATORS)}).to_numpy()
    ok = ~np.isnan(pos.astype(float))
    n = int(gid.max()) + 1
    score = np.full((n, len(INDICATORS)), np.nan)
    score[gid[ok], pos[ok].astype(int)] = records["score"].to_numpy(dtype=float)[ok]
    thr = np.array([th[i] for i in INDICATORS])
    high = np.nan_to_num(score, nan=-1.0) >= thr
    miss = np.isnan(score)
    first = records.iloc[np.unique(gid, return_index=True)[1]]
    memo: dict = {}
    out = []
    for (country, year, mineral), h, m in zip(first[["country", "year", "mineral"]].itertuples(index=False),
                                             high, miss):
        key = (mineral, h.tobytes(), m.tobytes())
        d = memo.get(key)
        if d is None:
            d = _one(mineral, [i for i, x in zip(INDICATORS, h) if x], [i for i, x in zip(INDICATORS, m) if x],
                     txt)
            memo[key] = d
        out.append({"mineral": mineral, "country": country, "year": int(year), "diagnosis": d[0],
                    "problems": list(d[1]), "tools": list(d[2]), "tool_reasons": {k: list(v) for k, v in d[3].items()}})
    return out


def _one(mineral: str, problems: list[str], missing: list[str], txt: dict) -> tuple:
    reasons: dict[str, list[str]] = {}
    for ind in problems:
        reasons.setdefault(TOOLS[ind], []).append(ind)
    if mineral in DEMAND_GROWTH:
        for tool in ("upstream_development", "recycling"):
            reasons.setdefault(tool, []).append("demand_growth")
    tools = [t for t in TOOL_ORDER if t in reasons]
    nm, (sep, comma) = txt["_names"], txt["_sep"]
    parts = [txt[p] for p in problems]
    if mineral in DEMAND_GROWTH:
        parts.append(txt["demand"].format(techs=comma.join(nm.get(t, t) for t in DEMAND_GROWTH[mineral])))
    text = sep.join(parts) if parts else txt["none"]
    if tools:
        text += " → " + comma.join(txt[t] for t in tools)
    if missing:
        text += " (" + txt["missing"].format(inds=comma.join(nm.get(i, i) for i in missing)) + ")"
    return (text, problems + (["demand_growth"] if mineral in DEMAND_GROWTH else []), tools, reasons)

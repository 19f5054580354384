"""The ``critmin demand --format xlsx|csv`` workbook and CSV (issue 13).

Sheets: outlook (one row per mineral and year: projected demand against domestic demand and world
mine production), demand by technology, inputs (the scenario's technologies and deployment),
assumptions, sources and method. Headers and sheet names in ``lang``; numbers are numbers (shares
as fractions, a missing figure an empty cell).
"""
from __future__ import annotations

import pandas as pd

from ..i18n import N_, translator
from .project import BASES, by_technology

SHEETS = {"outlook": N_("outlook"), "by_technology": N_("demand by technology"), "inputs": N_("inputs"),
          "assumptions": N_("assumptions"), "sources": N_("sources"), "method": N_("method")}
HEAD = {"scenario": N_("scenario"), "mineral_id": N_("mineral id"), "mineral": N_("mineral"), "year": N_("year"),
        "tonnes": N_("demand (t)"), "unit": N_("unit"), "domestic_demand_t": N_("domestic demand (t)"),
        "domestic_year": N_("domestic demand year"), "demand_basis": N_("domestic demand basis"),
        "domestic_source": N_("domestic demand source"), "share_of_domestic": N_("share of domestic demand"),
        "world_production_t": N_("world mine production (t)"), "world_year": N_("world production year"),
        "world_basis": N_("world production basis"), "world_source": N_("world production source"),
        "share_of_world": N_("share of world production"),
        "year_exceeds_domestic": N_("exceeds domestic demand from"),
        "year_exceeds_world": N_("exceeds world production from"), "note": N_("note"),
        "technology": N_("technology"), "basis": N_("basis"), "sources": N_("sources"), "key": N_("setting"),
        "value": N_("value"), "assumption": N_("assumption"), "label": N_("label"),
        "deployment_unit": N_("deployment unit"), "deployment": N_("deployment"), "source": N_("source")}


def _h(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    _ = translator(lang)
    return df.rename(columns={c: _(HEAD[c]) for c in df.columns if c in HEAD})


def outlook_table(ol: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
    """The outlook with the mineral's name beside its id (columns still ids)."""
    from ..catalogue import name

    out = ol.copy()
    out.insert(out.columns.get_loc("mineral") + 1, "mineral_name", [name(m, lang) for m in out["mineral"]])
    for c in ("domestic_year", "world_year", "year_exceeds_domestic", "year_exceeds_world"):
        out[c] = pd.array(out[c].astype("Float64").round(), dtype="Int64")
    return out


def workbook_sheets(proj: pd.DataFrame, ol: pd.DataFrame, lang: str = "en"):
    """``({sheet: DataFrame}, {})`` of ``critmin demand --format xlsx``."""
    from ..catalogue import name

    _ = translator(lang)
    sc = proj.attrs.get("scenario", {})
    out = outlook_table(ol, lang).rename(columns={"mineral": "mineral_id", "mineral_name": "mineral"})
    if "note_text" in out:                       # the note in the reader's language
        out = out.drop(columns=["note"]).rename(columns={"note_text": "note"})
    out["demand_basis"] = [_(BASES[b]) if b in BASES else b for b in out["demand_basis"]]
    bt = by_technology(proj)
    bt = bt.assign(sources=bt["sources"].map(lambda s: "; ".join(s) if isinstance(s, (list, tuple)) else str(s)))
    bt.insert(bt.columns.get_loc("mineral") + 1, "mineral_name", [name(m, lang) for m in bt["mineral"]])
    bt = bt.rename(columns={"mineral": "mineral_id", "mineral_name": "mineral"})
    from .project import texts

    title, assumptions, labels = texts(sc, lang)
    techs = pd.DataFrame([{"technology": t.get("id"), "label": labels.get(t.get("id")), "deployment_unit": t.get("unit"),
                           "deployment": ", ".join(f"{y}: {v:,g}" for y, v in
                                                   (t.get("deployment", {}).get("values") or {}).items()),
                           "basis": t.get("deployment", {}).get("basis"),
                           "source": t.get("deployment", {}).get("source")}
                          for t in sc.get("technologies", []) if isinstance(t, dict)])
    assumptions = pd.DataFrame({"assumption": assumptions})
    srcs = sorted({s for v in by_technology(proj)["sources"] for s in (v if isinstance(v, (list, tuple)) else [v])})
    sources = pd.DataFrame({"source": srcs + [s for s in (sc.get("source"),) if s]})
    method = pd.DataFrame([{"key": k, "value": v} for k, v in (
        ("scenario", sc.get("name")), ("title", title), ("country", sc.get("country")),
        ("intensity_year", proj.attrs.get("intensity_year")), ("unit", "t"),
        ("demand", "deployment × Σ share × intensity × (1 − improvement)^(year − intensity year)"))])
    return {_(SHEETS["outlook"]): _h(out, lang), _(SHEETS["by_technology"]): _h(bt, lang),
            _(SHEETS["inputs"]): _h(techs, lang), _(SHEETS["assumptions"]): _h(assumptions, lang),
            _(SHEETS["sources"]): _h(sources, lang), _(SHEETS["method"]): _h(method, lang)}, {}


def csv_table(ol: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
    """The flat CSV of ``critmin demand``: the outlook (ids as headers, the mineral's name beside)."""
    return outlook_table(ol, lang)

"""Workbooks and flat CSV of the policy tool (``critmin policy … --format xlsx|csv``, issue 13).

* :func:`evaluate_sheets` — scores (one row per mineral and case, the six scores and their mean,
  coloured by score), score changes, interventions, inputs (the policy file's interventions),
  records (before and after, flat), sources and method;
* :func:`rank_sheets` — the ranking, inputs and method;
* :func:`optimise_sheets` — the best mix (a summary), the ranking, the interactions measured,
  inputs and method.

Headers and sheet names are in ``lang``; numbers are numbers (a missing score: an empty cell);
budgets are given in cost units and as an amount of the policy's currency.
"""
from __future__ import annotations

import json

import numpy as np
import pandas as pd

from ..diagnosis import INDICATORS
from ..i18n import N_, translator
from .text import CASES, HEAD, TYPES, change_text, label, rank_note

SHEETS = {"changes": N_("score changes"), "interventions": N_("interventions"), "inputs": N_("inputs"),
          "ranking": N_("ranking"), "mix": N_("best mix"), "interactions": N_("interactions")}


def _sheet(key: str, lang: str) -> str:
    from ..report.labels import SHEET_LABELS

    return SHEET_LABELS[lang][key] if key in SHEET_LABELS[lang] else translator(lang)(SHEETS[key])


def _h(key: str, lang: str) -> str:
    return label(HEAD, key, lang)


def _mineral_cols(minerals, lang: str) -> dict:
    from ..catalogue import name

    ms = list(minerals)
    return {_h("mineral_id", lang): ms, _h("mineral", lang): [name(m, lang) for m in ms]}


def _money(x, policy) -> float:
    return float(x) * float(policy.cost_unit) if x is not None and np.isfinite(x) else np.nan


def inputs_sheet(policy, lang: str = "en") -> pd.DataFrame:
    """The policy file's interventions, one row each; the cost terms as columns ``cost.*``."""
    rows = []
    for iv in policy.interventions:
        d = iv.model_dump(exclude_none=True)
        cost = d.pop("cost", None) or {}
        if isinstance(d.get("feed_from"), dict):
            d["feed_from"] = ", ".join(f"{k} {v:g}" for k, v in d["feed_from"].items())
        d = {"name": iv.label, **{k: v for k, v in d.items() if k != "name"}}
        d.update({f"cost.{k}": v for k, v in cost.items()})
        d["cost"] = iv.budget
        rows.append(d)
    df = pd.DataFrame(rows)
    df["type"] = [label(TYPES, t, lang) for t in df["type"]]
    return df.rename(columns={c: _h(c, lang) for c in ("name", "type", "mineral", "note")} | {"cost": _h("cost_units", lang)})


def method_sheet(items: dict, lang: str = "en") -> pd.DataFrame:
    """Key/value rows; dicts and lists as JSON text, numbers as numbers."""
    rows = [{"key": k, "value": v if isinstance(v, (int, float, str)) or v is None else
             json.dumps(v, ensure_ascii=False, default=str)} for k, v in items.items()]
    return pd.DataFrame(rows).rename(columns={"key": _h("key", lang), "value": _h("value", lang)})


def _policy_items(policy, attrs: dict) -> dict:
    return {"policy": policy.name, "title": policy.title, "country": attrs.get("country"), "year": attrs.get("year"),
            "measure": policy.measure, "currency": policy.currency, "cost_unit": policy.cost_unit}


def _ranking(rk: pd.DataFrame, policy, lang: str) -> pd.DataFrame:
    from ..catalogue import name

    return pd.DataFrame({
        _h("rank", lang): rk["rank"].astype(int).to_numpy(),
        _h("name", lang): rk["name"].to_numpy(),
        _h("type", lang): [label(TYPES, t, lang) for t in rk["type"]],
        _h("mineral_id", lang): rk["mineral"].to_numpy(),
        _h("mineral", lang): [name(m, lang) for m in rk["mineral"]],
        _h("reduction", lang): rk["reduction"].astype(float).to_numpy(),
        _h("cost_units", lang): rk["cost"].astype(float).to_numpy(),
        f"{_h('cost', lang)} ({policy.currency})": [_money(c, policy) for c in rk["cost"]],
        _h("reduction_per_cost", lang): rk["reduction_per_cost"].astype(float).replace(np.inf, np.nan).to_numpy(),
        _h("requires", lang): [", ".join(r) for r in rk["requires"]],
        _h("note", lang): [rank_note(n, r, lang) for n, r in zip(rk["note"], rk["requires"])],
    })


def evaluate_sheets(table: pd.DataFrame, lang: str = "en", scenario: str | None = None):
    """``({sheet: DataFrame}, {sheet: [score columns]})`` of ``critmin policy evaluate``."""
    from ..report.excel import flat_records
    from ..report.labels import COLUMN_LABELS, INDICATOR_LABELS

    scen = scenario or table["scenario"].iloc[0]
    pol = table.attrs["policies"][scen]
    lab = INDICATOR_LABELS[lang]
    t = table[table["scenario"] == scen]
    cases = list(dict.fromkeys(t["case"]))
    minerals = list(dict.fromkeys(t["mineral"]))
    rows = []
    for m in minerals:
        for c in cases:
            s = t[(t["mineral"] == m) & (t["case"] == c)].set_index("indicator")["score"].reindex(list(INDICATORS))
            rows.append((m, c, s.to_numpy(dtype=float)))
    wide = pd.DataFrame(_mineral_cols([r[0] for r in rows], lang))
    wide[_h("case", lang)] = [label(CASES, r[1], lang) for r in rows]
    for k, i in enumerate(INDICATORS):
        wide[lab[i]] = [r[2][k] for r in rows]
    wide[_h("mean", lang)] = [float(np.nanmean(r[2])) if np.isfinite(r[2]).any() else np.nan for r in rows]
    score_cols = [lab[i] for i in INDICATORS] + [_h("mean", lang)]

    ch = t[t["case"] != "before"]
    changes = pd.DataFrame({**_mineral_cols(ch["mineral"], lang),
                            _h("indicator", lang): [lab[i] for i in ch["indicator"]],
                            _h("case", lang): [label(CASES, c, lang) for c in ch["case"]],
                            _h("score_before", lang): ch["score_before"].astype(float).to_numpy(),
                            _h("score_after", lang): ch["score"].astype(float).to_numpy(),
                            _h("delta", lang): ch["delta"].astype(float).to_numpy()})

    from .evaluate import effects_text

    effs = effects_text(table.attrs["effects"][scen], lang)
    ivs = pd.DataFrame({
        _h("name", lang): [e["name"] for e in effs],
        _h("type", lang): [label(TYPES, e["type"], lang) for e in effs],
        _h("mineral_id", lang): [e["mineral"] for e in effs],
        _h("cost_units", lang): [float(e["cost"]) for e in effs],
        f"{_h('cost', lang)} ({pol.currency})": [_money(float(e["cost"]), pol) for e in effs],
        _h("moved", lang): ["; ".join(f"{lab.get(k, k)} " + (f"{v['delta']:+.4f}" if v["delta"] is not None
                                                             else translator(lang)("newly scored"))
                                      for k, v in e.get("moved_indicators", {}).items()) for e in effs],
        _h("changes", lang): ["; ".join(change_text(c, lang) for c in e.get("changes", [])) for e in effs],
        _h("why", lang): [e["why"] for e in effs]})

    recs = table.attrs["records"]
    flat = pd.concat([flat_records(recs[(scen, c)].records).assign(case=c) for c in cases], ignore_index=True)
    flat["case"] = [label(CASES, c, lang) for c in flat["case"]]
    col = COLUMN_LABELS.get(lang, {})
    flat = flat.rename(columns={c: col.get(c, c) for c in flat.columns} | {"case": _h("case", lang)})
    after = recs[(scen, "after")]
    prov = after.provenance.copy()
    risk = table.attrs["risk"][scen]
    items = {**_policy_items(pol, {"country": t["country"].iloc[0], "year": int(t["year"].iloc[0])}),
             **{f"risk_{c}": v for c, v in risk.items()}, **table.attrs.get("method", {})}
    sheets = {_sheet("scores", lang): wide, _sheet("changes", lang): changes,
              _sheet("interventions", lang): ivs, _sheet("inputs", lang): inputs_sheet(pol, lang),
              _sheet("records", lang): flat,
              _sheet("sources", lang): prov.rename(columns={c: col.get(c, c) for c in prov.columns}),
              _sheet("method", lang): method_sheet(items, lang)}
    colour = {_sheet("scores", lang): score_cols,
              _sheet("changes", lang): [_h("score_before", lang), _h("score_after", lang)],
              _sheet("records", lang): [col.get("score", "score")]}
    return sheets, colour


def rank_sheets(rk: pd.DataFrame, policy, lang: str = "en"):
    """``({sheet: DataFrame}, {})`` of ``critmin policy rank``."""
    items = {**_policy_items(policy, rk.attrs), "risk_before": rk.attrs.get("risk_before")}
    return {_sheet("ranking", lang): _ranking(rk, policy, lang), _sheet("inputs", lang): inputs_sheet(policy, lang),
            _sheet("method", lang): method_sheet(items, lang)}, {}


def optimise_sheets(res: dict, rk: pd.DataFrame, policy, lang: str = "en"):
    """``({sheet: DataFrame}, {})`` of ``critmin policy optimise`` (``res`` without its ranking)."""
    _ = translator(lang)
    sel = set(res["selected"])
    ranking = _ranking(rk, policy, lang)
    ranking.insert(1, _h("selected", lang), [n in sel for n in rk["name"]])
    mix = method_sheet({_h("cost_units", lang): res["budget"],
                        f"{_h('cost', lang)} ({policy.currency})": _money(res["budget"], policy),
                        _h("selected", lang): ", ".join(res["selected"]), _h("mix_cost", lang): res["cost"],
                        f"{_h('mix_cost', lang)} ({policy.currency})": _money(res["cost"], policy),
                        _h("risk_before", lang): res["risk_before"], _h("risk_after", lang): res["risk_after"],
                        _h("reduction_evaluated", lang): res["reduction_evaluated"],
                        _h("reduction_model", lang): res["reduction_model"], _h("solver", lang): res["solver"]}, lang)
    inter = pd.DataFrame({_h("name", lang): list(res.get("interactions", {})),
                          _h("value", lang): [float(v) for v in res.get("interactions", {}).values()]})
    items = {**_policy_items(policy, res)}
    return {_sheet("mix", lang): mix, _sheet("ranking", lang): ranking, _sheet("interactions", lang): inter,
            _sheet("inputs", lang): inputs_sheet(policy, lang), _sheet("method", lang): method_sheet(items, lang)}, {}


def evaluate_csv(table: pd.DataFrame, scenario: str | None = None) -> pd.DataFrame:
    """The flat CSV of ``critmin policy evaluate``: one row per case, mineral and indicator."""
    scen = scenario or table["scenario"].iloc[0]
    t = table[table["scenario"] == scen]
    return t[["scenario", "case", "country", "year", "mineral", "indicator", "value_before", "value", "score_before",
              "score", "delta"]].reset_index(drop=True)


def ranking_csv(rk: pd.DataFrame) -> pd.DataFrame:
    """The flat CSV of a ranking (``requires`` as text)."""
    out = rk.copy()
    out["requires"] = [", ".join(r) for r in out["requires"]]
    return out


__all__ = ["evaluate_sheets", "rank_sheets", "optimise_sheets", "evaluate_csv", "ranking_csv"]

"""An importer's — or a group of importers' — sourcing on one basis, read from the supply layer.

:meth:`critmin.supply.SupplyData.import_weights` weights one importer's partners. The
established methods also assess groups (the EU-27 in the EU CRM method, custom regions in
GeoPolRisk), whose members' flows must be pooled *before* the weighting basis is chosen, and
the EU CRM import reliance needs exports on the same basis. :func:`group_sourcing` applies
the supply layer's rule to a pooled group:

* flows: :meth:`SupplyData.flows` of the members (value-only flows kept, their quantity
  imputed), self-trade excluded; trade between members of one group is dropped
  (``intra="exclude"``, the EU CRM's extra-EU imports) or kept and marked ``intra``
  (``intra="keep"``, GeoPolRisk's region convention, where it gets g = 0);
* basis per (group, mineral, stage, year): ``contained`` — tonnes of contained element — where
  every flow counted (imports, and exports when asked for) has a code that converts to
  contained element, else ``value`` — kUSD, the only measure commensurable across ores of
  different grades (the rule of :meth:`SupplyData.import_weights`);
* domestic production: each member's own production of the stage
  (:meth:`SupplyData.domestic`, contained tonnes only; a gross-weight figure is never added),
  the latest year at or before the assessment year within the method's ``max_lag``, on the
  group's basis: contained tonnes, or contained tonnes × the element's value per tonne
  (:attr:`SupplyData.element_value`). Where the group has no flows it stays in contained
  tonnes.

For a group of one importer without exports the import weights equal
:meth:`SupplyData.import_weights` (tested).
"""
from __future__ import annotations

from typing import Iterable, Mapping, NamedTuple, Sequence

import numpy as np
import pandas as pd

from ..supply import TRADE_STAGES, SupplyData, asof

KEYS = ["entity", "mineral", "stage", "year"]


class Sourcing(NamedTuple):
    """``imports``: entity, exporter, intra, mineral, stage, year, q, basis, imputed;
    ``domestic``: entity, country, mineral, stage, year, p, basis, valued_at, data_year, source;
    ``exports``: entity, mineral, stage, year, x, basis (empty unless asked for)."""

    imports: pd.DataFrame
    domestic: pd.DataFrame
    exports: pd.DataFrame


def group_sourcing(sd: SupplyData, groups: Mapping[str, Sequence[str]], years: Iterable[int], *,
                   intra: str = "exclude", exports: bool = False,
                   stages: Sequence[str] = TRADE_STAGES) -> Sourcing:
    """Imports by origin, domestic production by member and (optionally) exports of each group
    in ``groups`` (``{"EU27": [...27 ISO3...]}``, or ``{"JPN": ["JPN"]}``) on one basis per
    (group, mineral, stage, year). See the module docstring for the rule."""
    if intra not in ("exclude", "keep"):
        raise ValueError(f"unknown intra rule {intra!r}; use 'exclude' or 'keep'")
    years = sorted({int(y) for y in years})
    ent = pd.DataFrame([(k, m) for k, v in groups.items() for m in v], columns=["entity", "member"])
    members = sorted(set(ent["member"]))
    stages = list(stages)

    f = sd.flows(members, stages=stages)
    f = f[f["year"].isin(years) & ((f["q"].fillna(0) > 0) | (f["v"].fillna(0) > 0))]
    f = f.merge(ent.rename(columns={"member": "importer"}), on="importer")
    f["intra"] = _is_member(f, ent, "exporter")
    if intra == "exclude":
        f = f[~f["intra"]]
    parts = [f]
    if exports:
        x = sd.flows(members, stages=stages, exports=True)
        x = x[x["year"].isin(years) & ((x["q"].fillna(0) > 0) | (x["v"].fillna(0) > 0))]
        x = x.merge(ent.rename(columns={"member": "exporter"}), on="exporter")
        x = x[~_is_member(x, ent, "importer")]
        parts.append(x)
    both = pd.concat(parts, ignore_index=True)
    allc = both.groupby(KEYS, observed=True)["q_c"].apply(lambda s: bool(s.notna().all())).rename("allc")
    basis = allc.map({True: "contained", False: "value"}).rename("basis").reset_index()

    def weigh(d: pd.DataFrame) -> pd.DataFrame:
        d = d.merge(basis, on=KEYS)
        con = d["basis"].eq("contained")
        d = d.assign(w=np.where(con, d["q_c"], d["v"]),
                     imputed=np.where(con, d["q_imputed"], d["v_imputed"]).astype(int))
        return d[np.isfinite(d["w"].astype(float)) & (d["w"] > 0)]

    imp = weigh(f).groupby(KEYS + ["exporter", "intra", "basis"], as_index=False, observed=True).agg(
        q=("w", "sum"), imputed=("imputed", "sum"))
    imp = imp[KEYS[:1] + ["exporter", "intra"] + KEYS[1:] + ["q", "basis", "imputed"]]
    xcols = KEYS + ["x", "basis"]
    xp = pd.DataFrame(columns=xcols)
    if exports:
        xp = weigh(parts[1]).groupby(KEYS + ["basis"], as_index=False, observed=True).agg(x=("w", "sum"))[xcols]

    # domestic production of each member, on its group's basis
    dom = sd.domestic(members)
    dom = dom[(dom["p_basis"] == "contained") & dom["stage"].isin(stages)].drop(columns="p_basis")
    grid = pd.MultiIndex.from_product([members, sorted(sd.minerals), stages, years],
                                      names=["country", "mineral", "stage", "year"]).to_frame(index=False)
    d = asof(grid, dom, ["country", "mineral", "stage"], sd.method.max_lag)
    d = d.merge(ent.rename(columns={"member": "country"}), on="country")
    d = d.merge(basis, on=KEYS, how="left")
    d["basis"] = d["basis"].fillna("contained")
    d = d.merge(sd.element_value, on=["mineral", "year"], how="left")
    val = d["basis"].eq("value")
    d["p"] = np.where(val, d["p"] * d["kusd_per_t"], d["p"])
    d["valued_at"] = np.where(val, d["valued_at"], "contained tonnes")
    d = d[np.isfinite(d["p"].astype(float)) & (d["p"] > 0)]
    d = d[["entity", "country", "mineral", "stage", "year", "p", "basis", "valued_at", "data_year", "source"]]
    return Sourcing(imp.reset_index(drop=True), d.reset_index(drop=True), xp.reset_index(drop=True))


def _is_member(f: pd.DataFrame, ent: pd.DataFrame, col: str) -> np.ndarray:
    """Whether ``f[col]`` is a member of the row's ``entity``."""
    pairs = set(zip(ent["entity"], ent["member"]))
    return np.fromiter(((e, c) in pairs for e, c in zip(f["entity"], f[col])), dtype=bool, count=len(f))

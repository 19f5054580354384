"""Projected mineral demand of a scenario, and the outlook against domestic demand and world supply.

Method
------
For technology *k*, year *y* and mineral *m*::

    demand[k, y, m] = deployment[k, y] × Σ_c share[k, c, y] × intensity[k, c, m] × (1 − r[k, m])^(y − y0)

where *c* runs over the technology's components (its per-unit intensities, and one component
per battery chemistry with ``intensity = kWh per unit × BatPac kg/kWh`` and ``share`` the
chemistry's share of the mix in year *y*; ``share = 1`` for the rest), ``r`` the intensity
improvement per year and ``y0`` the scenario's ``intensity_year`` (default: first projection
year; years before it are not scaled). Deployment is annual additions in the family's base
unit (vehicle, MW, kWh). Results are in tonnes of the intensity's basis (contained metal for
the seed and BatPac figures except graphite, gross).
"""
from __future__ import annotations

import functools
import json
import math
from importlib import resources
from pathlib import Path
from typing import Any, Iterable, Mapping

import numpy as np
import pandas as pd

from ..errors import DataValidationError, UnknownNameError, did_you_mean
from ..i18n import N_, translator
from .models import (DEPLOYMENT_UNITS, FAMILY_BASE, Battery, DatasetIntensity, Intensity, Scenario, Technology, parse_intensity_unit)

#: Columns of :func:`project`'s table (one row per technology, component, mineral and year).
PROJECTION_COLUMNS = ["scenario", "technology", "component", "mineral", "year", "deployment",
                      "deployment_unit", "share", "intensity_t", "tonnes", "unit", "basis", "source"]

#: Columns of :func:`outlook`'s table (one row per mineral and year).
OUTLOOK_COLUMNS = ["scenario", "mineral", "year", "tonnes", "unit", "domestic_demand_t", "domestic_year",
                   "demand_basis", "domestic_source", "share_of_domestic", "world_production_t",
                   "world_year", "world_basis", "world_source", "share_of_world", "year_exceeds_domestic",
                   "year_exceeds_world", "note"]

SEED_SOURCE = "METI/ANRE 2021 seed"

#: the outlook's notes (English; written in the language asked for)
NOTES = {"no_domestic": N_("no domestic demand figure"),
         "no_world": N_("no world mine production in the data"),
         "world_off": N_("world production not requested"),
         "other_basis": N_("not compared with world production: world figure is {world}, demand is {demand}")}
#: domestic-demand bases as shown
BASES = {"reported": N_("reported consumption"), "apparent": N_("apparent consumption"),
         "none": N_("no domestic demand figure")}


# -- loading ---------------------------------------------------------------------------------------

def _scenario_dir():
    return resources.files("critmin").joinpath("scenarios")


@functools.lru_cache(maxsize=1)
def scenario_files() -> dict[str, str]:
    """Shipped demand scenarios: ``{name: file name}`` (files ``scenarios/demand_*.yaml``)."""
    import yaml

    out = {}
    for f in sorted(_scenario_dir().iterdir(), key=lambda p: p.name):
        if f.name.startswith("demand_") and f.name.endswith(".yaml"):
            doc = yaml.safe_load(f.read_text(encoding="utf-8")) or {}
            out[str(doc.get("name", f.name))] = f.name
    return out


def texts(scenario: "Scenario | Mapping", lang: str = "en") -> tuple[str, list[str], dict[str, str]]:
    """The scenario's title, assumptions and technology labels in ``lang`` (its ``ja`` block where
    the file has one; the English otherwise)."""
    sc = scenario.model_dump() if isinstance(scenario, Scenario) else dict(scenario or {})
    title, assumptions = sc.get("title") or "", list(sc.get("assumptions") or [])
    labels = {t.get("id"): t.get("label") or t.get("id") for t in sc.get("technologies") or [] if isinstance(t, dict)}
    tr = sc.get(lang) if lang != "en" else None
    if isinstance(tr, dict):
        title = tr.get("title") or title
        assumptions = list(tr.get("assumptions") or assumptions)
        labels.update({k: v for k, v in (tr.get("labels") or {}).items() if v})
    return title, assumptions, labels


def list_scenarios(lang: str = "en") -> pd.DataFrame:
    """The shipped demand scenarios: name, title (in ``lang``), technologies, years."""
    rows = []
    for nm in scenario_files():
        s = load_scenario(nm)
        ys = s.projection_years()
        rows.append({"name": s.name, "title": texts(s, lang)[0], "country": s.country,
                     "technologies": [t.id for t in s.technologies], "years": f"{ys[0]}–{ys[-1]}"})
    return pd.DataFrame(rows)


def _validation_error(exc, file: str | None) -> DataValidationError:
    err = exc.errors()[0]
    loc = ".".join(str(p) for p in err.get("loc", ()) if p not in ("Intensity", "IntensityRef"))
    msg = err.get("msg", "invalid").removeprefix("Value error, ")
    inp = err.get("input")
    found = inp if isinstance(inp, (str, int, float)) and not isinstance(inp, bool) else None
    more = f" ({len(exc.errors()) - 1} more problem(s) after this one)" if len(exc.errors()) > 1 else ""
    return DataValidationError(f"invalid demand scenario: {msg}{more}", file=file, field=loc or None,
                               found=found, fix="correct this field (see critmin.demand.models for the "
                                                "format; shipped examples: `critmin demand --list`)")


def load_scenario(scenario: "Scenario | Mapping | str | Path") -> Scenario:
    """A :class:`Scenario` from a model, a mapping, a shipped name or a YAML/JSON file.

    >>> load_scenario("seed-ev-1m").technologies[0].deployment.values
    {2030: 1000000.0}
    """
    from pydantic import ValidationError

    if isinstance(scenario, Scenario):
        return scenario
    file = None
    if isinstance(scenario, Mapping):
        doc: Any = dict(scenario)
    else:
        s = str(scenario)
        p = Path(s)
        shipped = scenario_files()
        if s in shipped and not p.exists():
            text, file = _scenario_dir().joinpath(shipped[s]).read_text(encoding="utf-8"), shipped[s]
        elif p.exists():
            text, file = p.read_text(encoding="utf-8"), str(p)
        elif p.suffix.lower() in (".yaml", ".yml", ".json"):
            raise DataValidationError("scenario file not found", file=s, fix="check the path")
        else:
            raise UnknownNameError(f"unknown demand scenario{did_you_mean(s, shipped)}", found=s,
                                   expected=f"a file or one of {sorted(shipped)}",
                                   fix="run `critmin demand --list`")
        doc = _parse(text, file)
    try:
        return Scenario.model_validate(doc)
    except ValidationError as exc:
        raise _validation_error(exc, file) from None


def _parse(text: str, file: str) -> Any:
    import yaml

    try:
        if file.lower().endswith(".json"):
            doc = json.loads(text)
        else:
            doc = yaml.safe_load(text)
    except (yaml.YAMLError, json.JSONDecodeError) as exc:
        raise DataValidationError(f"cannot parse the scenario file: {exc}", file=file,
                                  fix="check the YAML/JSON syntax") from None
    if not isinstance(doc, dict):
        raise DataValidationError("a scenario file must hold one mapping", file=file,
                                  found=type(doc).__name__, fix="start the file with 'name: ...'")
    return doc


# -- intensities -----------------------------------------------------------------------------------

def _mineral(m: str, where: str) -> str:
    from ..catalogue import check_mineral

    return check_mineral(m, field=where)


@functools.lru_cache(maxsize=1)
def _dataset() -> pd.DataFrame:
    from ..data import intensities

    d = intensities()
    d = d[np.isfinite(d["value"])]
    # latest year, then latest edition, per (source, variable, mineral)
    return (d.sort_values(["source", "variable", "mineral", "year", "edition"])
             .drop_duplicates(["source", "variable", "mineral"], keep="last").reset_index(drop=True))


def dataset_intensities(source: str, variable: str) -> pd.DataFrame:
    """Rows of the shipped intensity dataset for one technology (``variable``) of ``source``."""
    d = _dataset()
    if source not in set(d["source"]):
        raise UnknownNameError(f"unknown intensity source{did_you_mean(source, set(d['source']))}",
                               found=source, expected=f"one of {sorted(set(d['source']))}")
    d = d[d["source"] == source]
    out = d[d["variable"] == variable]
    if out.empty:
        raise UnknownNameError(f"no intensity for {variable!r} in {source}"
                               f"{did_you_mean(variable, set(d['variable']))}", field="variable",
                               found=variable, expected=f"one of {sorted(set(d['variable']))}")
    return out


def _filter(minerals: Iterable[str], include, exclude, where: str) -> set[str]:
    ms = set(minerals)
    if include is not None:
        ms &= {_mineral(m, where + ".include") for m in include}
    return ms - {_mineral(m, where + ".exclude") for m in exclude}


def technology_intensities(tech: Technology) -> pd.DataFrame:
    """Per-unit intensities of a technology in tonnes per base unit (vehicle, MW or kWh).

    Returns ``component, chemistry, mineral, intensity_t, basis, source``. Explicit and dataset
    entries form the ``unit`` component (a later entry replaces an earlier one for the same
    mineral); each battery chemistry is a component ``battery:<chemistry>``.
    """
    fam = DEPLOYMENT_UNITS[tech.unit][0]
    base = FAMILY_BASE[fam]
    per_unit: dict[str, dict] = {}
    for i, e in enumerate(tech.intensities):
        where = f"technologies.{tech.id}.intensities.{i}"
        if isinstance(e, Intensity):
            f_mass, f_fam, den = parse_intensity_unit(e.unit)
            if f_fam != fam:
                raise DataValidationError(
                    "intensity unit does not match the deployment unit", field=where + ".unit",
                    found=e.unit, expected=f"mass per {base} (deployment unit {tech.unit})",
                    fix=f"give the intensity per {base}, e.g. kg/{base}")
            m = _mineral(e.mineral, where + ".mineral")
            per_unit[m] = {"mineral": m, "intensity_t": e.value * f_mass / DEPLOYMENT_UNITS[den][1],
                           "basis": e.basis, "source": e.source}
        else:
            ref: DatasetIntensity = e.from_  # type: ignore[union-attr]
            rows = dataset_intensities(ref.source, ref.variable)
            keep = _filter(rows["mineral"], ref.include, ref.exclude, where + ".from")
            for r in rows[rows["mineral"].isin(keep)].itertuples(index=False):
                f_mass, f_fam, den = parse_intensity_unit(r.unit)
                if f_fam != fam:
                    raise DataValidationError(
                        "dataset intensity unit does not match the deployment unit", field=where + ".from",
                        found=f"{ref.variable}: {r.unit}", expected=f"mass per {base}",
                        fix=f"use a technology whose intensities are per {base}")
                per_unit[r.mineral] = {"mineral": r.mineral,
                                       "intensity_t": r.value * f_mass / DEPLOYMENT_UNITS[den][1],
                                       "basis": r.basis or "unspecified",
                                       "source": f"{r.source}:{r.edition} ({r.variable})"}
    rows = [{"component": "unit", "chemistry": "", **v} for v in per_unit.values()]
    if tech.battery is not None:
        rows += _battery_rows(tech, tech.battery, fam)
    out = pd.DataFrame(rows, columns=["component", "chemistry", "mineral", "intensity_t", "basis", "source"])
    return out


def chemistry_id(c: str) -> str:
    return str(c).strip().lower().removeprefix("battery_")


def _battery_rows(tech: Technology, b: Battery, fam: str) -> list[dict]:
    kwh = 1.0 if fam == "energy" else float(b.kwh_per_unit)  # type: ignore[arg-type]
    where = f"technologies.{tech.id}.battery"
    d = _dataset()
    avail = {v.removeprefix("battery_") for v in d.loc[d["source"] == b.source, "variable"]
             if v.startswith("battery_")}
    chems = sorted({chemistry_id(c) for mix in b.mixes().values() for c in mix})
    rows = []
    for c in chems:
        if c not in avail:
            raise UnknownNameError(f"unknown battery chemistry{did_you_mean(c, avail)}",
                                   field=where + ".chemistry_mix", found=c,
                                   expected=f"one of {sorted(avail)}")
        sub = dataset_intensities(b.source, f"battery_{c}")
        keep = _filter(sub["mineral"], b.include, b.exclude, where)
        for r in sub[sub["mineral"].isin(keep)].itertuples(index=False):
            f_mass, f_fam, _den = parse_intensity_unit(r.unit)
            if f_fam != "energy":  # pragma: no cover - BatPac is per kWh
                raise DataValidationError("battery intensity not per kWh", found=r.unit)
            rows.append({"component": f"battery:{c}", "chemistry": c, "mineral": r.mineral,
                         "intensity_t": kwh * r.value * f_mass, "basis": r.basis or "unspecified",
                         "source": f"{r.source}:{r.edition} (battery_{c}, {kwh:g} kWh/unit)"})
    return rows


# -- deployment ------------------------------------------------------------------------------------

def _interp(points: Mapping[int, float], years: np.ndarray, hold: bool) -> np.ndarray:
    xs = np.array(sorted(points), dtype=float)
    vs = np.array([points[int(x)] for x in xs], dtype=float)
    out = np.interp(years.astype(float), xs, vs)
    if not hold:
        out = np.where((years < xs[0]) | (years > xs[-1]), 0.0, out)
    return out


def deployment(tech: Technology, years: Iterable[int]) -> pd.DataFrame:
    """Annual additions of a technology in its family's base unit: ``year, deployment, unit``."""
    ys = np.array(sorted(set(int(y) for y in years)), dtype=int)
    dep = tech.deployment
    if dep.basis == "additions":
        v = _interp(dep.values, ys, hold=False)
    elif dep.basis == "share":
        shares = _interp(dep.values, ys, hold=False)
        bad = {int(y): s for y, s in zip(ys, shares) if s > 1 + 1e-9}
        if bad:
            raise DataValidationError("a share of the market exceeds 1",
                                      field=f"technologies.{tech.id}.deployment.values", found=bad,
                                      fix="give shares as fractions (0.2 for 20 %)")
        size = tech.market.size  # type: ignore[union-attr]
        sz = _interp(size, ys, hold=True) if isinstance(size, dict) else np.full(len(ys), float(size))
        v = shares * sz
    else:
        stock = lambda yy: _interp(dep.values, yy, hold=True)  # noqa: E731
        v = stock(ys) - stock(ys - 1)
        if (v < -1e-9).any():
            y = int(ys[np.flatnonzero(v < -1e-9)[0]])
            raise DataValidationError("cumulative deployment decreases", field=f"technologies.{tech.id}"
                                      ".deployment.values", found=y,
                                      fix="cumulative stock must not fall (retirements are not modelled)")
        v = np.clip(v, 0.0, None)
    fam, f = DEPLOYMENT_UNITS[tech.unit]
    return pd.DataFrame({"year": ys, "deployment": v * f, "deployment_unit": FAMILY_BASE[fam]})


def chemistry_shares(b: Battery, years: Iterable[int]) -> pd.DataFrame:
    """``year, chemistry, share`` of a battery's mix (interpolated between the years given)."""
    ys = np.array(sorted(set(int(y) for y in years)), dtype=int)
    mixes = {y: {chemistry_id(c): s for c, s in m.items()} for y, m in b.mixes().items()}
    chems = sorted({c for m in mixes.values() for c in m})
    frames = []
    for c in chems:
        if list(mixes) == [0]:
            sh = np.full(len(ys), mixes[0].get(c, 0.0))
        else:
            sh = _interp({y: m.get(c, 0.0) for y, m in mixes.items()}, ys, hold=True)
        frames.append(pd.DataFrame({"year": ys, "chemistry": c, "share": sh}))
    return pd.concat(frames, ignore_index=True)


# -- projection ------------------------------------------------------------------------------------

def _with_mix(s: Scenario, mix: Mapping | None) -> Scenario:
    if not mix:
        return s
    doc = s.model_dump(by_alias=True)
    hit = False
    for t in doc["technologies"]:
        if t.get("battery"):
            t["battery"]["chemistry_mix"] = {chemistry_id(k): float(v) for k, v in mix.items()}
            hit = True
    if not hit:
        raise DataValidationError("the scenario has no battery technology to apply a chemistry mix to",
                                  found=s.name, fix="use a scenario with a 'battery' block")
    return load_scenario(doc)


def project(scenario: "Scenario | Mapping | str | Path", *, years: Iterable[int] | None = None,
            mix: Mapping[str, float] | None = None, improvement: float | None = None) -> pd.DataFrame:
    """Mineral demand of a scenario per technology, component, mineral and year (tonnes).

    Parameters
    ----------
    scenario : Scenario, mapping, shipped name or file
    years : years to project (default: the scenario's)
    mix : ``{chemistry: share}`` replacing every battery's chemistry mix (all years)
    improvement : intensity improvement per year replacing every technology's

    Returns
    -------
    DataFrame with :data:`PROJECTION_COLUMNS`; ``attrs`` carry the scenario (``scenario``) and
    its domestic demand. Rows of zero tonnes are dropped.

    Examples
    --------
    >>> p = project("seed-ev-1m")
    >>> p.groupby("mineral")["tonnes"].sum().round().to_dict()["copper"]
    83000.0
    """
    s = _with_mix(load_scenario(scenario), mix)
    ys = sorted(set(int(y) for y in years)) if years is not None else s.projection_years()
    y0 = s.intensity_year if s.intensity_year is not None else ys[0]
    frames = []
    for t in s.technologies:
        ints = technology_intensities(t)
        dep = deployment(t, ys)
        sh = pd.DataFrame({"year": ys, "chemistry": "", "share": 1.0})
        if t.battery is not None:
            sh = pd.concat([sh, chemistry_shares(t.battery, ys)], ignore_index=True)
        df = ints.merge(dep, how="cross").merge(sh, on=["year", "chemistry"], how="left")
        df["share"] = df["share"].astype(float).fillna(0.0)
        df["intensity_t"] = df["intensity_t"].astype(float)
        rate = df["mineral"].map(lambda m: improvement if improvement is not None else t.rate(m))
        factor = (1.0 - rate.astype(float)) ** np.maximum(0, df["year"] - y0)
        df["intensity_t"] = df["intensity_t"] * factor
        df["tonnes"] = df["deployment"] * df["share"] * df["intensity_t"]
        df["technology"] = t.id
        frames.append(df)
    out = pd.concat(frames, ignore_index=True)
    out["scenario"], out["unit"] = s.name, "t"
    out = out[out["tonnes"] > 0][PROJECTION_COLUMNS].sort_values(
        ["technology", "component", "mineral", "year"]).reset_index(drop=True)
    out["year"] = out["year"].astype(int)
    out.attrs = {"scenario": s.model_dump(mode="json", by_alias=True), "intensity_year": y0,
                 "years": ys}
    check_projection(out)
    return out


def check_projection(df: pd.DataFrame) -> None:
    """Invariants of a projection: finite, non-negative tonnes; one row per key."""
    from ..errors import ConsistencyError

    if not np.isfinite(df["tonnes"]).all() or (df["tonnes"] < 0).any():
        raise ConsistencyError("projected demand must be finite and non-negative")
    if df.duplicated(["scenario", "technology", "component", "mineral", "year"]).any():
        raise ConsistencyError("duplicate (technology, component, mineral, year) in a projection")


def by_technology(proj: pd.DataFrame) -> pd.DataFrame:
    """Demand per (scenario, mineral, year, technology): ``tonnes, basis, sources``."""
    if proj.empty:
        return pd.DataFrame(columns=["scenario", "mineral", "year", "technology", "tonnes", "unit", "basis",
                                     "sources"])
    g = proj.groupby(["scenario", "mineral", "year", "technology"], as_index=False)
    out = g.agg(tonnes=("tonnes", "sum"), basis=("basis", lambda s: "+".join(sorted(set(s)))),
                sources=("source", lambda s: sorted(set(s))))
    out["unit"] = "t"
    return out[["scenario", "mineral", "year", "technology", "tonnes", "unit", "basis", "sources"]]


# -- outlook ---------------------------------------------------------------------------------------

def world_production(minerals: Iterable[str]) -> pd.DataFrame:
    """Latest world mine production per mineral in tonnes: ``mineral, world_production_t, world_year,
    world_basis, world_source`` (USGS MCS world totals, latest edition)."""
    from ..data import mine_production
    from ..units import MASS_TO_T

    ms = sorted(set(minerals))
    cols = ["mineral", "world_production_t", "world_year", "world_basis", "world_source"]
    if not ms:
        return pd.DataFrame(columns=cols)
    d = mine_production(minerals=ms, countries=["WLD"], variables=["quantity"])
    d = d[np.isfinite(d["value"]) & d["unit"].isin(list(MASS_TO_T)) & (d["flag"] != "W")]
    if d.empty:
        return pd.DataFrame(columns=cols)
    d = d.assign(src_rank=d["source"].map({"usgs_mcs": 0}).fillna(1))
    d = d.sort_values(["mineral", "src_rank", "year", "edition"], ascending=[True, False, True, True])
    d = d.drop_duplicates("mineral", keep="last")
    return pd.DataFrame({"mineral": d["mineral"], "world_production_t": d["value"] * d["unit"].map(MASS_TO_T),
                         "world_year": d["year"].astype(int), "world_basis": d["basis"],
                         "world_source": d["source"] + ":" + d["edition"]}).reset_index(drop=True)


def domestic_demand(proj: pd.DataFrame, domestic: "str | Mapping | pd.DataFrame | None" = "scenario",
                    *, year: int | None = None) -> pd.DataFrame:
    """Domestic demand per mineral: ``mineral, domestic_demand_t, domestic_year, demand_basis,
    domestic_source``.

    ``domestic`` is ``"scenario"`` (the scenario's ``domestic_demand``, none if it has none),
    ``"apparent"`` (apparent consumption from the shipped trade and production data: production +
    imports − exports of the refined stage, :func:`critmin.balance.standard_consumption` over one
    year), a mapping ``{mineral: tonnes}`` (basis ``reported``) or a table with those columns.
    """
    cols = ["mineral", "domestic_demand_t", "domestic_year", "demand_basis", "domestic_source"]
    sc = proj.attrs.get("scenario", {})
    mins = sorted(set(proj["mineral"]))
    if domestic is None or domestic == "none":
        return pd.DataFrame(columns=cols)
    if isinstance(domestic, pd.DataFrame):
        miss = [c for c in ("mineral", "domestic_demand_t") if c not in domestic.columns]
        if miss:
            raise DataValidationError("domestic demand table lacks a column", field=miss[0],
                                      expected=str(cols), fix="give mineral and domestic_demand_t (tonnes)")
        d = domestic.copy()
        for c, v in (("domestic_year", np.nan), ("demand_basis", "reported"), ("domestic_source", "user")):
            if c not in d:
                d[c] = v
        return d[cols]
    if isinstance(domestic, Mapping):
        return pd.DataFrame([{"mineral": _mineral(m, "domestic"), "domestic_demand_t": float(v),
                              "domestic_year": year, "demand_basis": "reported", "domestic_source": "user"}
                             for m, v in domestic.items()], columns=cols)
    if domestic == "scenario":
        dd = sc.get("domestic_demand")
        if not dd:
            return pd.DataFrame(columns=cols)
        return pd.DataFrame([{"mineral": _mineral(m, "domestic_demand.tonnes"), "domestic_demand_t": float(v),
                              "domestic_year": dd["year"], "demand_basis": dd["basis"],
                              "domestic_source": dd["source"]} for m, v in dd["tonnes"].items()],
                            columns=cols)
    if domestic == "apparent":
        from ..balance import standard_consumption

        sc_ = standard_consumption(sc.get("country", "JPN"), year, mins, window=1)
        sc_ = sc_[np.isfinite(sc_["standard_consumption_t"]) & (sc_["standard_consumption_t"] > 0)]
        what = pd.Series(np.where(sc_["basis"] == "apparent", "apparent consumption",
                                  "imports (exports exceed imports + production)"), index=sc_.index)
        return pd.DataFrame({"mineral": sc_["mineral"], "domestic_demand_t": sc_["standard_consumption_t"],
                             "domestic_year": sc_["years"].map(lambda v: v[-1] if v else None),
                             "demand_basis": "apparent",
                             "domestic_source": what + " (" + sc_["stage"] + " stage, "
                                                + sc_["unit_basis"] + "): " + sc_["sources"]})[cols]
    raise DataValidationError("unknown domestic-demand option", field="domestic", found=domestic,
                              expected="scenario, apparent, none, a mapping or a table")


def outlook(proj: pd.DataFrame, *, domestic: "str | Mapping | pd.DataFrame | None" = "scenario",
            world: "pd.DataFrame | None | bool" = True, lang: str = "en") -> pd.DataFrame:
    """Total demand per mineral and year set against domestic demand and world production.

    ``share_of_domestic`` and ``share_of_world`` are fractions; ``year_exceeds_*`` the first
    projection year in which the year's demand exceeds today's figure (``None``: never).
    ``demand_basis`` says whether domestic demand is reported or apparent consumption; ``note``
    what could not be compared (in English; in another ``lang`` also ``note_text``).

    >>> o = outlook(project("seed-ev-1m"), world=False)
    >>> round(float(o.set_index("mineral").loc["copper", "share_of_domestic"]), 4)
    0.0781
    """
    tot = proj.groupby(["scenario", "mineral", "year"], as_index=False)["tonnes"].sum()
    tot["unit"] = "t"
    dom = domestic_demand(proj, domestic)
    out = tot.merge(dom, on="mineral", how="left")
    if world is True:
        w = world_production(tot["mineral"].unique())
    elif isinstance(world, pd.DataFrame):
        w = world
    else:
        w = pd.DataFrame(columns=["mineral", "world_production_t", "world_year", "world_basis", "world_source"])
    out = out.merge(w, on="mineral", how="left")
    out["demand_basis"] = out["demand_basis"].fillna("none")
    out["share_of_domestic"] = out["tonnes"] / out["domestic_demand_t"].astype(float)
    # compare with world production only on the same mass basis
    dbasis = proj.groupby("mineral")["basis"].agg(lambda s: "+".join(sorted(set(s) - {"unspecified"})))
    out["_db"] = out["mineral"].map(dbasis).fillna("")
    wb = out["world_basis"].fillna("").replace({"": "metal"})
    out["_same"] = (out["_db"] == wb) | ((out["_db"] == "") & (wb == "metal"))
    out["share_of_world"] = np.where(out["_same"], out["tonnes"] / out["world_production_t"].astype(float),
                                     np.nan)

    def first_year(col):
        ex = out[out["tonnes"] > out[col].astype(float)]
        return ex.groupby("mineral")["year"].min()

    out["year_exceeds_domestic"] = out["mineral"].map(first_year("domestic_demand_t"))
    out["year_exceeds_world"] = out["mineral"].map(
        out[out["_same"] & (out["tonnes"] > out["world_production_t"].astype(float))]
        .groupby("mineral")["year"].min())
    def notes(lang: str) -> list[str]:
        _, notes = translator(lang), []
        for r in out.rename(columns={"_db": "db_", "_same": "same_"}).itertuples(index=False):
            n = []
            if not (isinstance(r.domestic_demand_t, float) and math.isfinite(r.domestic_demand_t)):
                n.append(_(NOTES["no_domestic"]))
            if not (isinstance(r.world_production_t, float) and math.isfinite(r.world_production_t)):
                n.append(_(NOTES["no_world"]) if world is not False else _(NOTES["world_off"]))
            elif not r.same_:
                n.append(_(NOTES["other_basis"]).format(world=r.world_basis or "metal",
                                                        demand=r.db_ or "unspecified"))
            notes.append(("；" if lang == "ja" else "; ").join(n))
        return notes

    out["note"] = notes("en")
    text = notes(lang) if lang != "en" else None
    for c in OUTLOOK_COLUMNS:
        if c not in out:
            out[c] = np.nan
    if text is not None:
        out["note_text"] = text
    out = out[OUTLOOK_COLUMNS + (["note_text"] if text is not None else [])]
    out = out.sort_values(["mineral", "year"]).reset_index(drop=True)
    out.attrs = dict(proj.attrs)
    return out


def _clean(v):
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, (list, tuple)):
        return [_clean(x) for x in v]
    if hasattr(v, "item"):
        return _clean(v.item())
    return v


def to_json(proj: pd.DataFrame, out: pd.DataFrame | None = None) -> dict:
    """The ``critmin demand --format json`` document: ``records`` (per mineral, year and technology),
    ``outlook`` (per mineral and year), ``scenario`` (with its assumptions), ``unit``."""
    bt = by_technology(proj)
    sc = proj.attrs.get("scenario", {})
    dep_src = f"scenario:{sc.get('name', '')}" + (f" ({sc['source']})" if sc.get("source") else "")
    recs = [{"mineral": r.mineral, "year": int(r.year), "technology": r.technology,
             "tonnes": _clean(float(r.tonnes)), "basis": r.basis, "sources": [dep_src, *r.sources]}
            for r in bt.itertuples(index=False)]
    doc: dict = {"records": recs, "unit": "t",
                 "scenario": {k: sc.get(k) for k in ("name", "title", "country", "source", "assumptions")},
                 "intensity_year": proj.attrs.get("intensity_year")}
    if out is not None:
        cols = OUTLOOK_COLUMNS + (["note_text"] if "note_text" in out else [])
        doc["outlook"] = [{c: _clean(v) for c, v in zip(cols, row)} for row in out[cols].itertuples(index=False)]
        bases = sorted(set(out["demand_basis"]))
        doc["demand_basis"] = bases[0] if len(bases) == 1 else bases
    return doc

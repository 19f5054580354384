"""Scenario sweeps: every disruption or policy variant of a sweep file, serially or on Dask (issue 15).

A *sweep file* (YAML or CSV) names scenarios two ways, which may be combined:

* ``grid:`` — a mapping field → list of values; every combination is one scenario;
* ``scenarios:`` — a list of mappings, one scenario each (a CSV file: one row each).

Top-level scalar fields are defaults for every scenario. Each scenario is validated at the
boundary, before any work: an error names the file, the row (``grid``, ``scenarios[3]`` or the
CSV line) and the field, what was found and the bound (:mod:`critmin.limits`).

Disruption (``critmin disrupt --sweep FILE``), fields:

==================  ===============================================================  =========
field               meaning                                                          default
==================  ===============================================================  =========
``importer``        importing country (ISO3)                                         JPN
``mineral``         mineral id or name                                               required
``stage``           refined, concentrate, intermediate, chemical                     auto
``year``            trade year of the import mix                                     latest
``exporters``       the exporters that stop together: ``CHN``, ``CHN+MMR`` or a      required
                    list (in ``grid:`` a list of such stops)
``share``           fraction of each stopped exporter's flow (0, 1]                  1
``days``            length of the stop (0, 3,650]                                    required
``stock_days``      stockpile, days of annual imports at the stage                   0
``stock_t``         stockpile, tonnes (instead of ``stock_days``)                    –
``max_shortfall_t`` the bound of ``stock_needed_t``                                  0
``runs``            Monte Carlo simulated years (0: the deterministic stop only)     0
==================  ===============================================================  =========

Each scenario gives one row (its mineral is part of the key): the deterministic stop of
:func:`critmin.disruption.simulate` (shortfall, covered days, stockpile needed — the same
closed form, :func:`critmin.disruption.stop_path`) and, with ``runs`` > 0, a Monte Carlo of
*random* stops by the same exporters: each stops ``N ~ Poisson(λ)`` times a year (λ of
:func:`critmin.disruption.event_rates`: governance prior and the event catalogue), each time
``share`` of its flow for an exponential time of mean ``days``; the stock restored each year.
Reported: the mean annual loss and its 50/95/99 % quantiles, the mean and 95 % shortfall at the
scenario's stock, P(shortfall) and the stock that keeps the 95 % shortfall at the bound.

Policy (``critmin policy rank POLICY --sweep FILE``), fields: ``importer`` (default the
policy's), ``year`` (the policy's, else the latest with trade data), ``scale`` (every
intervention's size × factor: :data:`SIZE_FIELDS`; default 1) and ``LABEL.FIELD`` (a number
field of the intervention named LABEL, e.g. ``battery_recycling.displacement_rate`` or
``lynas_offtake.cost.project_cost``, set after scaling). Each scenario's policy is validated
as a policy file is (its bounds), then ranked (:func:`critmin.policy.rank`): one row per
scenario and intervention.

Reproducible as the uncertainty ensemble (:mod:`critmin.ensemble`): a scenario's random stream
is ``SeedSequence(seed, spawn_key=(stable_key(scenario key),))`` — the key is the scenario's
canonical text — so the rows are the same serially, on any number of workers, and in any batch.
The data (import mixes, governance, the event catalogue; for policies the recorded answers of
the store) are prepared once in this process and shared with the workers; rows are rounded to
:data:`~critmin.methods.uncertainty.SIG_DIGITS` significant digits and written with
:func:`critmin.ensemble.write` (directory partitioned by mineral / importer, or one Parquet file).
"""
from __future__ import annotations

import csv
import hashlib
import io
import itertools
import json
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import CritminError, DataValidationError
from .i18n import translator
from .limits import MAX_DAYS, MAX_LIST, MAX_CUTS, MAX_NAME, MAX_SIM_YEARS, MAX_TONNES, YEARS, short

#: bounds of a sweep (beside :mod:`critmin.limits`): scenarios after expansion, and the simulated
#: years of all Monte Carlo scenarios together (~a minute per 10⁸ on one core)
MAX_SCENARIOS = {"disrupt": 100_000, "policy": 2_000}
MAX_SWEEP_SIM_YEARS = 100_000_000
#: largest ``scale`` of a policy sweep
MAX_SCALE = 1_000.0
#: deterministic disruption scenarios per partition (Monte Carlo ones: one each)
BATCH = 256

DISRUPT_FIELDS = ("importer", "mineral", "stage", "year", "exporters", "share", "days", "stock_days", "stock_t",
                  "max_shortfall_t", "runs")
#: the size fields ``scale`` multiplies, per intervention type (those set in the policy)
SIZE_FIELDS = {"offtake": ("quantity_t", "share"), "new_mine": ("capacity_t", "reserves_t"),
               "smelter": ("capacity_t",), "stockpile": ("days",), "substitution": ("quantity_t", "share"),
               "recycling": ("quantity_t",), "supply_shock": ("fraction",)}

#: the disruption table: one row per scenario (column → Arrow type)
DISRUPT_SCHEMA = {
    "scenario": "string", "importer": "string", "mineral": "string", "stage": "string", "year": "int32",
    "exporters": "string", "share": "float64", "days": "float64", "stock_days": "float64", "stock_t": "float64",
    "max_shortfall_t": "float64", "basis": "string", "annual_imports_t": "float64", "stopped_imports_t": "float64",
    "daily_loss_t": "float64", "gross_shortfall_t": "float64", "stock_drawn_t": "float64", "shortfall_t": "float64",
    "covered_days": "float64", "stock_cover_days": "float64", "stock_needed_t": "float64",
    "stock_needed_days": "float64", "runs": "int64", "mc_loss_mean_t": "float64", "mc_loss_p50_t": "float64",
    "mc_loss_p95_t": "float64", "mc_loss_p99_t": "float64", "mc_shortfall_mean_t": "float64",
    "mc_shortfall_p95_t": "float64", "mc_prob_shortfall": "float64", "mc_stock_needed_p95_t": "float64",
    "note": "string"}
DISRUPT_DOC = {
    "scenario": "the scenario key (canonical text of its inputs; its random stream depends on it and the seed)",
    "exporters": "the exporters stopping together, '+'-joined", "share": "fraction of their flow stopped",
    "stock_days": "stockpile in days of annual imports at the stage (given or from stock_t)",
    "stock_t": "stockpile, t", "basis": "contained element, gross weight or mixed",
    "annual_imports_t": "the importer's annual imports at the stage (the trade year's)",
    "stopped_imports_t": "annual imports from the stopped exporters x share",
    "daily_loss_t": "L = stopped_imports_t / 365", "gross_shortfall_t": "L x days",
    "shortfall_t": "max(0, gross - stock)", "covered_days": "min(days, stock / L)",
    "stock_cover_days": "stock / L", "stock_needed_t": "max(0, gross - max_shortfall_t)",
    "runs": "Monte Carlo simulated years (0: none; mc_* empty)",
    "mc_loss_mean_t": "mean annual loss of random stops", "mc_loss_p50_t": "its median",
    "mc_loss_p95_t": "95th percentile", "mc_loss_p99_t": "99th percentile",
    "mc_shortfall_mean_t": "mean shortfall at the scenario's stock", "mc_shortfall_p95_t": "its 95th percentile",
    "mc_prob_shortfall": "P(shortfall > 0)", "mc_stock_needed_p95_t": "max(0, Q95(loss) - max_shortfall_t)",
    "note": "what the figures leave out (an exporter with no flow, shared HS codes)"}
#: the policy table: one row per scenario and intervention
POLICY_SCHEMA = {
    "scenario": "string", "importer": "string", "year": "int32", "scale": "float64", "settings": "string",
    "intervention": "string", "type": "string", "mineral": "string", "size_field": "string", "size": "float64",
    "rank": "int32", "reduction": "float64", "cost": "float64", "reduction_per_cost": "float64",
    "risk_before": "float64", "requires": "string", "note": "string"}
POLICY_DOC = {
    "scenario": "the scenario key (canonical text of its settings)", "scale": "size factor of every intervention",
    "settings": "the LABEL.FIELD values set (JSON)", "intervention": "the intervention's label",
    "size_field": "its size field (SIZE_FIELDS)", "size": "its size after scaling and settings",
    "rank": "rank by reduction per unit of budget (1 = best)", "reduction": "risk reduction (the policy's measure)",
    "cost": "public budget", "reduction_per_cost": "reduction / cost", "risk_before": "the measure before",
    "requires": "prerequisite interventions ('+'-joined)", "note": "infeasible and other notes"}
SEED_RULE = ("numpy.random.default_rng(SeedSequence(seed, spawn_key=(first 8 bytes of sha256(scenario key) as a "
             "big-endian integer,)))")


# -- reading and validating --------------------------------------------------------------------------------

def _err(msg: str, *, file: str, row=None, field=None, found=None, expected=None, fix=None) -> DataValidationError:
    if found is not None and not isinstance(found, (int, float)):
        found = str(found) if len(str(found)) <= 80 else str(found)[:79] + "…"
    return DataValidationError(msg, file=file, row=row, field=field, found=found, expected=expected,
                               fix=fix or "correct the sweep file (see examples/sweeps/ and critmin.sweep)")


def read_file(path: Path | str) -> tuple[dict, str]:
    """A sweep file as ``{"defaults": {...}, "grid": {...}, "scenarios": [(row label, {...}), ...]}``
    (YAML: its mapping; CSV: one scenario per line, UTF-8, UTF-8 with BOM or cp932) and its name."""
    from .limits import check_file_size, check_tree

    p = Path(path)
    f = str(p)
    if not p.is_file():
        raise DataValidationError("sweep file not found", file=f, fix="give a YAML or CSV sweep file "
                                                                      "(see examples/sweeps/)")
    check_file_size(p, what="sweep file")
    raw = p.read_bytes()
    for enc in ("utf-8-sig", "cp932"):
        try:
            text = raw.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise DataValidationError("the sweep file is neither UTF-8 nor cp932 text", file=f, fix="save it as UTF-8")
    if p.suffix.lower() == ".csv":
        rows = list(csv.reader(io.StringIO(text)))
        rows = [r for r in rows if any(c.strip() for c in r)]
        if not rows:
            raise _err("the CSV sweep file is empty", file=f, fix="a header line of field names, then one "
                                                                  "scenario per line")
        head = [h.strip() for h in rows[0]]
        if len(rows) - 1 > max(MAX_SCENARIOS.values()):
            raise _err("too many scenarios", file=f, found=len(rows) - 1, expected=f"at most {max(MAX_SCENARIOS.values()):,}")
        scen = []
        for i, r in enumerate(rows[1:], start=2):
            if len(r) > len(head):
                raise _err("more cells than header fields", file=f, row=i, found=len(r), expected=len(head))
            scen.append((f"line {i}", {h: v.strip() for h, v in zip(head, r) if h and v.strip() != ""}))
        return {"defaults": {}, "grid": {}, "scenarios": scen}, f
    import yaml

    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise _err("malformed YAML", file=f, row=(mark.line + 1) if mark else None,
                   found=str(getattr(exc, "problem", exc)), fix="check the indentation") from None
    if not isinstance(doc, dict):
        raise _err("a sweep file is a YAML mapping (or a CSV table)", file=f, found=type(doc).__name__)
    check_tree(doc, what="sweep file", file=f)
    grid = doc.get("grid") or {}
    lst = doc.get("scenarios") or []
    if not isinstance(grid, dict):
        raise _err("grid: is a mapping of field → list of values", file=f, field="grid", found=grid)
    if not isinstance(lst, list):
        raise _err("scenarios: is a list of mappings", file=f, field="scenarios", found=lst)
    for k, v in grid.items():
        if not isinstance(v, list) or not v:
            raise _err("a grid field holds a non-empty list of values", file=f, field=f"grid.{k}", found=v,
                       fix=f"write e.g. {k}: [a, b]")
        if len(v) > MAX_LIST:
            raise _err("too many values in one grid field", file=f, field=f"grid.{k}", found=len(v),
                       expected=f"at most {MAX_LIST}")
    scen = []
    for i, s in enumerate(lst):
        if not isinstance(s, dict):
            raise _err("each entry of scenarios: is a mapping of field: value", file=f, row=f"scenarios[{i}]",
                       found=s)
        scen.append((f"scenarios[{i}]", s))
    defaults = {k: v for k, v in doc.items() if k not in ("grid", "scenarios", "name", "title", "note")}
    return {"defaults": defaults, "grid": grid, "scenarios": scen,
            "name": str(doc.get("name", p.stem))[:MAX_NAME]}, f


def _text(v, n: int = 40) -> str:
    t = "+".join(map(str, v)) if isinstance(v, (list, tuple)) else str(v)
    return t if len(t) <= n else t[: n - 1] + "…"


def _expand(doc: dict, file: str, kind: str) -> list[tuple[str, dict]]:
    """Every scenario of the file as (row label, merged fields)."""
    out = []
    grid = doc["grid"]
    if grid:
        n = math.prod(len(v) for v in grid.values())
        if n > MAX_SCENARIOS[kind]:
            raise _err("the grid has too many combinations", file=file, field="grid", found=n,
                       expected=f"at most {MAX_SCENARIOS[kind]:,} scenarios", fix="split the sweep into several files")
        names = list(grid)
        for combo in itertools.product(*(grid[k] for k in names)):
            out.append(("grid " + ", ".join(f"{k}={_text(v)}" for k, v in zip(names, combo)),
                        {**doc["defaults"], **dict(zip(names, combo))}))
    for row, s in doc["scenarios"]:
        out.append((row, {**doc["defaults"], **s}))
    if not out:
        out = [("defaults", dict(doc["defaults"]))] if doc["defaults"] else []
    if not out:
        raise _err("the sweep file names no scenario", file=file, fix="add a grid: or scenarios: section")
    if len(out) > MAX_SCENARIOS[kind]:
        raise _err("too many scenarios", file=file, found=len(out), expected=f"at most {MAX_SCENARIOS[kind]:,}")
    return out


def _num(v, *, file, row, field, lo, hi, lo_open=False, integer=False):
    try:
        if isinstance(v, bool):
            raise ValueError
        x = int(v) if integer and float(v) == int(float(v)) else float(v)
    except (TypeError, ValueError):
        raise _err(f"{field} is not a{'n integer' if integer else ' number'}", file=file, row=row, field=field,
                   found=v) from None
    if integer and not isinstance(x, int):
        raise _err(f"{field} is not an integer", file=file, row=row, field=field, found=v)
    if not math.isfinite(x) or x < lo or (lo_open and x == lo) or x > hi:
        raise _err(f"{field} is out of bounds", file=file, row=row, field=field, found=v,
                   expected=f"{lo:,g} {'<' if lo_open else '<='} {field} <= {hi:,g}",
                   fix="use a value within the bounds (critmin.limits lists every bound)")
    return x


def _iso3(v, *, file, row, field):
    from .countries import check_iso3

    try:
        return check_iso3(str(v).strip(), field=field)
    except CritminError as exc:
        raise _err(f"unknown country: {exc}", file=file, row=row, field=field, found=v,
                   fix="use an ISO3 code (JPN, CHN, ...)") from None


def _exporters(v, *, file, row):
    parts = v if isinstance(v, (list, tuple)) else str(v).replace(";", "+").replace(",", "+").split("+")
    parts = [p for p in (str(x).strip() for x in parts) if p]
    if not parts:
        raise _err("no exporter given", file=file, row=row, field="exporters", found=v, fix="e.g. CHN or CHN+MMR")
    if len(parts) > MAX_CUTS:
        raise _err("too many exporters in one stop", file=file, row=row, field="exporters", found=len(parts),
                   expected=f"at most {MAX_CUTS}")
    return tuple(sorted({_iso3(p, file=file, row=row, field="exporters") for p in parts}))


@dataclass(frozen=True)
class Stop:
    """One disruption scenario of a sweep (validated)."""

    importer: str
    mineral: str
    stage: str | None
    year: int | None
    exporters: tuple[str, ...]
    share: float
    days: float
    stock_days: float | None
    stock_t: float | None
    max_shortfall_t: float
    runs: int

    @property
    def key(self) -> str:
        """The canonical text of the scenario: the seed's spawn key and the table's ``scenario``."""
        g = lambda x: format(float(x), ".12g")  # noqa: E731
        stock = f"stock_t={g(self.stock_t)}" if self.stock_t is not None else f"stock_days={g(self.stock_days or 0)}"
        return (f"{self.importer}|{self.mineral}|{self.stage or 'auto'}|{self.year or 'latest'}|"
                f"{'+'.join(self.exporters)}|share={g(self.share)}|days={g(self.days)}|{stock}|"
                f"bound={g(self.max_shortfall_t)}|runs={self.runs}")

    @property
    def flows_key(self) -> tuple:
        return (self.importer, self.mineral, self.stage, self.year)


def disrupt_scenarios(path: Path | str) -> tuple[list[Stop], dict]:
    """The validated scenarios of a disruption sweep file (duplicates once) and facts about it."""
    from . import catalogue

    doc, f = read_file(path)
    out, seen = [], {}
    for row, s in _expand(doc, f, "disrupt"):
        bad = [k for k in s if k not in DISRUPT_FIELDS]
        if bad:
            from .errors import did_you_mean

            raise _err(f"unknown field{did_you_mean(str(bad[0]), DISRUPT_FIELDS)}", file=f, row=row, field=str(bad[0]),
                       expected=", ".join(DISRUPT_FIELDS))
        for need in ("mineral", "exporters", "days"):
            if s.get(need) in (None, ""):
                raise _err(f"{need} is required", file=f, row=row, field=need,
                           fix=f"give {need} in the scenario, the grid or as a top-level default")
        try:
            mineral = catalogue.check_mineral(str(s["mineral"]))
        except CritminError as exc:
            raise _err(f"unknown mineral: {exc}", file=f, row=row, field="mineral", found=s["mineral"]) from None
        stage = s.get("stage") or None
        if stage is not None and stage not in catalogue.STAGES:
            raise _err("unknown stage", file=f, row=row, field="stage", found=stage,
                       expected=f"one of {list(catalogue.STAGES)}")
        if s.get("stock_t") not in (None, "") and s.get("stock_days") not in (None, ""):
            raise _err("give stock_days or stock_t, not both", file=f, row=row, field="stock_t",
                       found=(s.get("stock_days"), s.get("stock_t")))
        kw = dict(file=f, row=row)
        st = Stop(importer=_iso3(s.get("importer", "JPN"), field="importer", **kw), mineral=mineral, stage=stage,
                  year=_num(s["year"], field="year", lo=YEARS[0], hi=YEARS[1], integer=True, **kw)
                  if s.get("year") not in (None, "") else None,
                  exporters=_exporters(s["exporters"], **kw),
                  share=_num(s.get("share", 1.0), field="share", lo=0.0, hi=1.0, lo_open=True, **kw),
                  days=_num(s["days"], field="days", lo=0.0, hi=MAX_DAYS, lo_open=True, **kw),
                  stock_days=None if s.get("stock_t") not in (None, "") else
                  _num(s.get("stock_days", 0.0) or 0.0, field="stock_days", lo=0.0, hi=MAX_DAYS, **kw),
                  stock_t=_num(s["stock_t"], field="stock_t", lo=0.0, hi=MAX_TONNES, **kw)
                  if s.get("stock_t") not in (None, "") else None,
                  max_shortfall_t=_num(s.get("max_shortfall_t", 0.0) or 0.0, field="max_shortfall_t", lo=0.0,
                                       hi=MAX_TONNES, **kw),
                  runs=_num(s.get("runs", 0) or 0, field="runs", lo=0, hi=MAX_SIM_YEARS, integer=True, **kw))
        if st.runs and st.days < 0.1:
            raise _err("the Monte Carlo needs days of at least 0.1", file=f, row=row, field="days", found=st.days)
        seen.setdefault(st.key, st)
        out.append(st)
    uniq = list(seen.values())
    total = sum(s.runs for s in uniq)
    if total > MAX_SWEEP_SIM_YEARS:
        raise _err("the sweep's Monte Carlo is too large", file=f, field="runs", found=total,
                   expected=f"at most {MAX_SWEEP_SIM_YEARS:,} simulated years over all scenarios",
                   fix="fewer runs per scenario or fewer scenarios")
    return uniq, {"file": Path(f).name, "name": doc.get("name", Path(f).stem), "rows": len(out),
                  "duplicates": len(out) - len(uniq)}


# -- disruption: data prepared once, one partition ---------------------------------------------------------

@dataclass
class DisruptData:
    """What the disruption partitions read, prepared once: per (importer, mineral, stage, year)
    the import mix (``exporter, t``) and its stage, year and basis, or why there is none; the
    governance scores g per year; the event catalogue (restrictions only)."""

    flows: dict
    governance: dict
    events: pd.DataFrame
    fingerprint: str
    skipped: dict = field(default_factory=dict)

    def nbytes(self) -> int:
        import pickle

        return len(pickle.dumps(self, protocol=5))


def prepare_disrupt(stops: Sequence[Stop], *, store=None,
                    on_step: Callable[[int, int], None] | None = None) -> DisruptData:
    from . import disruption as dr
    from .store import default_store

    store = store if store is not None else default_store()
    flows, skipped = {}, {}
    keys = sorted({s.flows_key for s in stops}, key=lambda k: tuple("" if x is None else str(x) for x in k))
    for i, k in enumerate(keys):
        try:
            fl = dr.import_flows(k[0], k[1], k[2], k[3], store=store)
            flows[k] = {"exporter": fl["exporter"].tolist(), "t": fl["t"].to_numpy(float).tolist(),
                        "stage": fl.attrs["stage"], "year": int(fl.attrs["year"]), "basis": fl.attrs["basis"],
                        "shared": list(fl.attrs.get("shared", []))}
        except CritminError as exc:
            skipped[k] = str(exc)
        if on_step is not None:
            on_step(i + 1, len(keys))
    gov = {}
    if any(s.runs for s in stops):
        from .indicators.governance import scores

        yrs = sorted({v["year"] for k, v in flows.items() if any(s.runs and s.flows_key == k for s in stops)})
        if yrs:
            gt = scores(store.load("governance"), index="pv", years=yrs)
            for y in yrs:
                g = gt[gt["year"] == y]
                gov[y] = dict(zip(g["country"], g["g"].astype(float)))
    ev = dr.events()
    ev = ev[ev["type"].isin(dr.RESTRICTIVE)][[c for c in ("country", "mineral", "type", "year", "target")
                                              if c in ev.columns]].reset_index(drop=True)
    return DisruptData(flows, gov, ev, store.version(), skipped)


def run_stops(data: DisruptData, batch: Sequence[Stop], seed: int) -> list[dict]:
    """The rows of a batch of scenarios (one partition)."""
    from . import disruption as dr
    from .ensemble import partition_seed

    rows = []
    for s in batch:
        fl = data.flows.get(s.flows_key)
        if fl is None:
            continue
        m = dict(zip(fl["exporter"], fl["t"]))
        annual = float(sum(fl["t"]))
        got = [m.get(e, 0.0) for e in s.exporters]
        stopped = sum(got) * s.share
        L = stopped / dr.DAYS_PER_YEAR
        S = s.stock_t if s.stock_t is not None else (s.stock_days or 0.0) * annual / dr.DAYS_PER_YEAR
        r = dr.stop_path(L, s.days, S, s.max_shortfall_t)
        absent = [e for e, t in zip(s.exporters, got) if t == 0.0]
        note = "; ".join(([f"{'+'.join(absent)}: no {fl['stage']} imports in {fl['year']}"] if absent else [])
                         + ([f"shared HS code(s) {', '.join(fl['shared'])}"] if fl["shared"] else []))
        row = {"scenario": s.key, "importer": s.importer, "mineral": s.mineral, "stage": fl["stage"],
               "year": fl["year"], "exporters": "+".join(s.exporters), "share": s.share, "days": s.days,
               "stock_days": S / annual * dr.DAYS_PER_YEAR, "stock_t": S, "max_shortfall_t": s.max_shortfall_t,
               "basis": fl["basis"], "annual_imports_t": annual, "stopped_imports_t": stopped,
               "daily_loss_t": L, "gross_shortfall_t": r["gross_shortfall_t"], "stock_drawn_t": r["stock_drawn_t"],
               "shortfall_t": r["shortfall_t"], "covered_days": r["covered_days"],
               "stock_cover_days": r["stock_cover_days"] if r["stock_cover_days"] is not None else np.nan,
               "stock_needed_t": r["stock_needed_t"],
               "stock_needed_days": r["stock_needed_t"] / annual * dr.DAYS_PER_YEAR, "runs": s.runs, "note": note}
        if s.runs:
            g = data.governance.get(fl["year"], {})
            rt = dr.event_rates(list(s.exporters), g, data.events, s.mineral, importer=s.importer)
            losses = dr.simulate_losses(np.asarray(got, float), rt["lambda"].to_numpy(float), n_years=s.runs,
                                        cut=s.share, duration_days=s.days, duration="exponential",
                                        seed=partition_seed(seed, s.key))
            sf = np.maximum(0.0, losses - S)
            q = np.quantile(losses, [0.5, 0.95, 0.99])
            row |= {"mc_loss_mean_t": float(losses.mean()), "mc_loss_p50_t": float(q[0]),
                    "mc_loss_p95_t": float(q[1]), "mc_loss_p99_t": float(q[2]),
                    "mc_shortfall_mean_t": float(sf.mean()), "mc_shortfall_p95_t": float(np.quantile(sf, 0.95)),
                    "mc_prob_shortfall": float((sf > 0).mean()),
                    "mc_stock_needed_p95_t": max(0.0, float(q[1]) - s.max_shortfall_t)}
        rows.append(row)
    return rows


def _batches(stops: Sequence[Stop]) -> list[list[Stop]]:
    """Partitions: Monte Carlo scenarios one each, the deterministic ones in batches of
    :data:`BATCH` per import mix (the rows do not depend on the batching)."""
    mc = [[s] for s in stops if s.runs]
    det = {}
    for s in stops:
        if not s.runs:
            det.setdefault(s.flows_key, []).append(s)
    out = []
    for k in sorted(det, key=lambda k: tuple("" if x is None else str(x) for x in k)):
        v = det[k]
        out += [v[i:i + BATCH] for i in range(0, len(v), BATCH)]
    return out + mc


# -- policy ------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Variant:
    """One policy scenario of a sweep: importer, year, scale and settings (validated)."""

    importer: str
    year: int
    scale: float
    settings: tuple[tuple[str, float], ...]

    @property
    def key(self) -> str:
        g = lambda x: format(float(x), ".12g")  # noqa: E731
        return (f"{self.importer}|{self.year}|scale={g(self.scale)}"
                + "".join(f"|{k}={g(v)}" for k, v in self.settings))


def _set_path(d: dict, path: list[str], value: float) -> None:
    for p in path[:-1]:
        nxt = d.get(p)
        if nxt is None:
            nxt = d[p] = {}
        d = nxt
    d[path[-1]] = value


def scaled_policy(base, scale: float, settings: Sequence[tuple[str, float]], *, file: str = "policy", row=None):
    """``base`` (a :class:`~critmin.policy.Policy`) with every size field × ``scale`` and each
    ``LABEL.FIELD`` set, validated as a policy file is."""
    from .policy import parse_policy

    doc = base.model_dump(mode="json", exclude_none=True)
    labels = {iv.label: i for i, iv in enumerate(base.interventions)}
    for i, iv in enumerate(base.interventions):
        d = doc["interventions"][i]
        for fld in SIZE_FIELDS.get(iv.type, ()):
            if d.get(fld) is not None and scale != 1.0:
                d[fld] = d[fld] * scale
    for name, value in settings:
        label, _, path = name.partition(".")
        d = doc["interventions"][labels[label]]
        _set_path(d, path.split("."), value)
    try:
        return parse_policy(doc, file=file)
    except CritminError as exc:
        raise DataValidationError(f"the scenario makes an invalid policy: {exc}", file=file, row=row,
                                  field=getattr(exc, "field", None),
                                  fix="keep the scaled and set values within the policy's bounds "
                                      "(share ≤ 1, days ≤ 365, critmin.limits)") from None


def policy_variants(path: Path | str, policy, *, store=None) -> tuple[list[Variant], dict]:
    """The validated scenarios of a policy sweep file for ``policy`` (a file or
    :class:`~critmin.policy.Policy`)."""
    from .policy.evaluate import as_policies
    from .supply import latest_year

    base = as_policies(policy)[0]
    doc, f = read_file(path)
    labels = {iv.label: iv for iv in base.interventions}
    out, seen = [], {}
    latest: dict[str, int] = {}
    for row, s in _expand(doc, f, "policy"):
        kw = dict(file=f, row=row)
        sets = []
        for k, v in s.items():
            if k in ("importer", "year", "scale"):
                continue
            label, dot, path = str(k).partition(".")
            if not dot or not path:
                from .errors import did_you_mean

                raise _err(f"unknown field{did_you_mean(str(k), ('importer', 'year', 'scale'))}", field=str(k),
                           expected="importer, year, scale or LABEL.FIELD (an intervention's number field)", **kw)
            if label not in labels:
                from .errors import did_you_mean

                raise _err(f"no intervention named {label!r} in the policy{did_you_mean(label, labels)}",
                           field=str(k), expected=", ".join(labels), **kw)
            sets.append((str(k), _num(v, field=str(k), lo=0.0, hi=MAX_TONNES, **kw)))
        imp = _iso3(s.get("importer") or base.country, field="importer", **kw)
        if s.get("year") not in (None, ""):
            yr = _num(s["year"], field="year", lo=YEARS[0], hi=YEARS[1], integer=True, **kw)
        elif base.year:
            yr = int(base.year)
        else:
            if imp not in latest:
                from .store import default_store

                latest[imp] = int(latest_year(store if store is not None else default_store(), imp))
            yr = latest[imp]
        v = Variant(imp, int(yr), _num(s.get("scale", 1.0), field="scale", lo=0.0, hi=MAX_SCALE, lo_open=True, **kw),
                    tuple(sorted(sets)))
        scaled_policy(base, v.scale, v.settings, file=f, row=row)           # validated before any work
        seen.setdefault(v.key, v)
        out.append(v)
    uniq = list(seen.values())
    return uniq, {"file": Path(f).name, "name": doc.get("name", Path(f).stem), "rows": len(out),
                  "duplicates": len(out) - len(uniq), "policy": base.name}


@dataclass
class PolicyData:
    """The policy and the recorded answers of the store to every query its ranking asks, for
    each (importer, year) of the sweep (:class:`critmin.ensemble.FrozenSource`)."""

    policy: object
    memo: dict
    fingerprint: str

    def nbytes(self) -> int:
        import pickle

        return len(pickle.dumps(self, protocol=5))


def prepare_policy(policy, variants: Sequence[Variant], *, store=None,
                   on_step: Callable[[int, int], None] | None = None) -> PolicyData:
    """Rank the policy once per (importer, year), recording the store's answers: the scenarios
    change quantities, not the data read."""
    from .ensemble import _Recorder
    from .policy import rank
    from .store import default_store

    store = store if store is not None else default_store()
    rec = _Recorder(store)
    pairs = sorted({(v.importer, v.year) for v in variants})
    for i, (c, y) in enumerate(pairs):
        rank(policy, c, y, store=rec)
        if on_step is not None:
            on_step(i + 1, len(pairs))
    return PolicyData(policy, rec.memo, store.version())


#: per worker (process and thread): the policy module's assessment cache of each (importer,
#: year) — supply data, the "before" assessment and the planning context, which the scenarios'
#: sizes do not change — kept for the next scenario of the same data (a few at most)
_CACHES: dict = {}
_CACHE_SIZE = 4


def _cache_for(data: PolicyData, importer: str, year: int):
    import threading

    from .ensemble import FrozenSource
    from .method import Method
    from .policy.evaluate import AssessmentCache

    k = (data.fingerprint, id(data.memo), tuple(data.policy.minerals), importer, int(year), threading.get_ident())
    if k not in _CACHES:
        while len(_CACHES) >= _CACHE_SIZE:
            _CACHES.pop(next(iter(_CACHES)))
        _CACHES[k] = AssessmentCache(FrozenSource(data.memo, data.fingerprint), Method())
    return _CACHES[k]


def _evaluator(p, importer: str, year: int, cache):
    """:class:`critmin.policy.optimise._Evaluator` of ``p`` over a shared assessment cache (the
    same state its own constructor builds; the sweep test checks the rows against ``rank``)."""
    from .policy.evaluate import risk
    from .policy.optimise import _Evaluator

    ev = _Evaluator.__new__(_Evaluator)
    ev.p, ev.store, ev.method, ev.cache = p, cache.store, cache.method, cache
    ev.c, ev.y = importer, int(year)
    ev.ivs = {iv.label: iv for iv in p.interventions}
    ev.before = cache.base(ev.c, ev.y, p.minerals).records
    ev.r0 = risk(ev.before, p.measure)
    ev.memo = {frozenset(): 0.0}
    return ev


def run_variant(data: PolicyData, v: Variant) -> list[dict]:
    """The rows of one policy scenario (one partition)."""
    from .policy import rank

    p = scaled_policy(data.policy, v.scale, v.settings)
    ev = _evaluator(p, v.importer, v.year, _cache_for(data, v.importer, v.year))
    r = rank(p, v.importer, v.year, _ev=ev)
    ivs = {iv.label: iv for iv in p.interventions}
    rows = []
    for x in r.itertuples(index=False):
        iv = ivs[x.name]
        fld = next((f for f in SIZE_FIELDS.get(iv.type, ()) if getattr(iv, f, None) is not None), "")
        rows.append({"scenario": v.key, "importer": v.importer, "year": v.year, "scale": v.scale,
                     "settings": json.dumps(dict(v.settings), sort_keys=True), "intervention": x.name,
                     "type": x.type, "mineral": x.mineral, "size_field": fld,
                     "size": float(getattr(iv, fld)) if fld else np.nan, "rank": int(x.rank),
                     "reduction": float(x.reduction), "cost": float(x.cost),
                     "reduction_per_cost": float(x.reduction_per_cost), "risk_before": float(r.attrs["risk_before"]),
                     "requires": "+".join(x.requires), "note": str(x.note)})
    return rows


# -- the run -------------------------------------------------------------------------------------------------

def _table(rows: list[dict], schema: dict, key: Sequence[str]) -> pd.DataFrame:
    from .methods.uncertainty import _sig

    df = pd.DataFrame(rows, columns=list(schema))
    for c, t in schema.items():
        if t == "float64":
            df[c] = pd.to_numeric(df[c], errors="coerce").astype(float)
        elif t.startswith("int"):
            df[c] = df[c].astype(t)
        else:
            df[c] = df[c].fillna("").astype(str)
    df = _sig(df)
    # inf (a free intervention that reduces risk) stays inf: _sig keeps non-finite values
    return df.sort_values(list(key), kind="stable").reset_index(drop=True)


def run_sweep(kind: str, sweep: Path | str, *, policy=None, seed: int = 0, scheduler: str | None = "none",
              workers: int | None = None, client=None, store=None,
              on_done: Callable[[int, int], None] | None = None,
              on_prepare: Callable[[int, int], None] | None = None,
              on_event: Callable[[str], None] | None = None, lang: str = "en"):
    """Run a disruption (``kind="disrupt"``) or policy (``kind="policy"``, with ``policy``) sweep
    file; returns an :class:`critmin.ensemble.Result` (write it with :func:`critmin.ensemble.write`).
    ``scheduler``, ``workers``, ``client``, ``on_*`` as :func:`critmin.ensemble.run_ensemble`."""
    from . import ensemble as ens
    from .store import default_store

    if kind not in ("disrupt", "policy"):
        raise ValueError(f"unknown sweep kind {kind!r}")
    seed = int(seed)
    ens.partition_seed(seed)                                    # a negative seed: the error, before any work
    sched = "client" if client is not None else ens.check_scheduler(scheduler)
    if sched not in ("none", "client"):
        ens._require_dask(sched)
    store = store if store is not None else default_store()
    say = on_event or (lambda s: None)
    t0 = time.perf_counter()
    if kind == "disrupt":
        items, facts = disrupt_scenarios(sweep)
        data = prepare_disrupt(items, store=store, on_step=on_prepare)
        parts = _batches([s for s in items if s.flows_key in data.flows])
        func, args, schema, key, part = run_stops, (seed,), DISRUPT_SCHEMA, ["mineral", "scenario"], "mineral"
        labels = [p[0].key if len(p) == 1 else f"{p[0].key} (+{len(p) - 1})" for p in parts]
        skipped = [{"importer": k[0], "mineral": k[1], "stage": k[2], "year": k[3],
                    "scenarios": sum(1 for s in items if s.flows_key == k), "reason": why}
                   for k, why in sorted(data.skipped.items(), key=lambda kv: str(kv[0]))]
    else:
        from .policy.evaluate import as_policies

        if policy is None:
            raise DataValidationError("a policy sweep needs the policy file", field="policy")
        base = as_policies(policy)[0]
        items, facts = policy_variants(sweep, base, store=store)
        data = prepare_policy(base, items, store=store, on_step=on_prepare)
        parts = list(items)
        func, args, schema, key, part = run_variant, (), POLICY_SCHEMA, ["importer", "scenario", "rank"], "importer"
        labels = [v.key for v in parts]
        skipped = []
    t_prep = time.perf_counter() - t0
    mb = data.nbytes() / 1e6
    _ = translator(lang)
    say(_("prepared the data once: {n} scenarios in {parts} partitions, {mb:.1f} MB to share, {s:.1f} s").format(
        n=len(items), parts=len(parts), mb=mb, s=t_prep))
    tok = hashlib.sha256(json.dumps([kind, [getattr(s, "key") for s in items], seed, data.fingerprint])
                             .encode()).hexdigest()[:12]
    t1 = time.perf_counter()
    results, info = ens.map_partitions(func, data, parts, args=args, scheduler=sched if client is None else "none",
                                       workers=workers, client=client, labels=labels,
                                       keys=[f"critmin-sweep-{kind}-{tok}-{i}" for i in range(len(parts))],
                                       share_key=f"critmin-sweep-data-{tok}", on_done=on_done, on_event=say,
                                       lang=lang)
    info |= {"prepare_seconds": round(t_prep, 3), "snapshot_mb": round(mb, 2),
             "compute_seconds": round(time.perf_counter() - t1, 3)}
    if client is not None:
        info["scheduler"] = "client"
    table = _table([r for rows in results for r in rows], schema, key)
    prov = {"what": f"critmin {'disrupt' if kind == 'disrupt' else 'policy rank'} sweep: "
                    + ("one row per scenario (its mineral in the key)" if kind == "disrupt"
                       else "one row per scenario and intervention"),
            "sweep": facts, "seed": seed, "seed_rule": SEED_RULE if kind == "disrupt" else "deterministic",
            "scenarios": len(items), "partitions": len(parts), "rows": len(table), "skipped": skipped,
            "data_fingerprint": data.fingerprint, "versions": ens.versions(),
            "columns": DISRUPT_DOC if kind == "disrupt" else POLICY_DOC,
            "model": ({"deterministic": "critmin.disruption.stop_path (as critmin disrupt)",
                       "monte_carlo": "N_j ~ Poisson(lambda_j) stops a year by the scenario's exporters "
                                      "(critmin.disruption.event_rates), each share x their flow for an "
                                      "exponential time of mean days, capped at 365 a year; stock restored "
                                      "each year"} if kind == "disrupt" else
                      {"rank": "critmin.policy.rank on the scaled policy", "size_fields": SIZE_FIELDS})}
    return ens.Result(table, prov, info, schema=schema, partition=part)


def read(path: Path | str) -> pd.DataFrame:
    """A sweep output (directory or file) as one table, columns in the written order, sorted."""
    import pyarrow.dataset as ds

    from .ensemble import provenance

    path = Path(path)
    prov = provenance(path)
    kind_disrupt = prov["what"].startswith("critmin disrupt")
    schema = DISRUPT_SCHEMA if kind_disrupt else POLICY_SCHEMA
    key = ["mineral", "scenario"] if kind_disrupt else ["importer", "scenario", "rank"]
    if path.is_dir():
        t = ds.dataset(path, format="parquet", partitioning="hive").to_table().to_pandas()
    else:
        t = pd.read_parquet(path)
    part = "mineral" if kind_disrupt else "importer"
    t[part] = t[part].astype(str)
    return t[list(schema)].sort_values(key, kind="stable").reset_index(drop=True)

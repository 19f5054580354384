"""Supply-disruption simulation: export stops, stockpile cover, Monte Carlo (SPEC §2.10, §3).

Deterministic model (:func:`simulate`)
--------------------------------------
An importer takes ``M_j`` tonnes a year of a mineral at one stage from partner ``j`` (the shipped
trade data of one year, or the user's own import mix). Partners ``j ∈ J`` stop a fraction
``f_j`` (1 = full stop) of their exports for ``D`` days. Nobody replaces the lost flow (no
rerouting: an upper bound on the damage). Then

* daily loss ``L = Σ_j f_j M_j / 365`` (t/day); gross shortfall ``G = L D``;
* a stockpile ``S`` is drawn first: ``stock_drawn = min(S, G)``, ``shortfall = G − stock_drawn``;
* ``covered_days = min(D, S / L)``; ``stock_cover_days = S / L`` (how long it would last);
* the smallest stockpile that keeps the shortfall at or under a bound ``B``:
  ``stock_needed = max(0, G − B)``.

Stockpile *days* (``stock_days``) are days of the importer's annual imports at the disrupted
stage: ``S = stock_days × Σ_j M_j / 365`` (the JOGMEC days of standard consumption, which
``critmin stockpile plan`` reports, coincide with these at the refined stage when there is no
domestic production and no re-export). Quantities are tonnes of contained element where the HS
code's basis allows, else gross weight (the result's ``basis`` says which).

Monte Carlo model (:func:`monte_carlo`)
---------------------------------------
Each simulated year, partner ``j`` restricts exports ``N_j ~ Poisson(λ_j)`` times. The rate is
the posterior mean of a Gamma–Poisson model whose prior is tied to governance and whose data
are the catalogue's past export restrictions (:func:`event_rates`)::

    λ_j = (k_j + β · λ_max · g_j) / (T + β)

``g_j`` ∈ [0, 1] the partner's WGI political-stability risk (1 = least stable; missing = 1,
as the assessment's default), ``λ_max`` (default 0.1 a year) the prior rate of the least stable
country, ``β`` (default 10 years) the prior's weight, ``k_j`` the partner's export restrictions
(types :data:`RESTRICTIVE`) on this mineral or on all minerals in the event catalogue, ``T`` the
catalogue's span in years. Each event stops a fraction ``cut`` of the partner's flow for a
duration that is ``fixed`` (``duration_days``) or ``exponential`` with that mean; the days a
partner stops in one year are capped at 365. The year's loss
``X = Σ_j cut · M_j · min(365, Σ durations_j) / 365``; a stockpile ``S`` (restored between years)
absorbs it: shortfall ``max(0, X − S)``. Reported per stockpile size: the expected shortfall,
its ``quantile`` (default 95th percentile), the probability of any shortfall, and the smallest
stockpile whose tail shortfall is at most the bound (``max(0, Q_q(X) − B)``). With fixed
durations the expected loss has the closed form ``Σ_j cut M_j E[min(365, N_j D)] / 365``
(reported beside the simulated mean as a check).
"""
from __future__ import annotations

import datetime as dt
import math
from importlib import resources
from pathlib import Path
from typing import Iterable, Mapping

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from . import catalogue
from .errors import DataValidationError, UnknownNameError, did_you_mean
from .i18n import N_
from .limits import (MAX_CUTS, MAX_DAYS, MAX_LIST, MAX_NAME, MAX_SIM_YEARS, MAX_TEXT, MIN_DURATION_DAYS, YEARS,
                     check_file_size, check_tree, short)

DAYS_PER_YEAR = 365.0
STAGE_ORDER = ("refined", "concentrate", "intermediate", "chemical")
#: Event types that count as past export restrictions in the Monte Carlo rate.
RESTRICTIVE = ("export_quota", "export_ban", "export_tax", "export_control", "export_suspension")
EVENT_TYPES = RESTRICTIVE + ("royalty", "ownership", "licensing", "policy", "lifted", "proposal")
#: The event types as people read them (translated where shown).
EVENT_TYPE_LABELS = {"export_quota": N_("export quota"), "export_ban": N_("export ban"),
                     "export_tax": N_("export tax"), "export_control": N_("export control"),
                     "export_suspension": N_("export suspension"), "royalty": N_("royalty"),
                     "ownership": N_("ownership rule"), "licensing": N_("licensing"), "policy": N_("policy"),
                     "lifted": N_("lifted"), "proposal": N_("proposal")}
STOCK_DAYS_GRID = (0, 15, 30, 45, 60, 90, 120, 180, 240, 365)
SCENARIO_PREFIX = "disruption_"
EVENTS_FILE = "disruption_events.yaml"


# -- validated models ----------------------------------------------------------------------------

def _iso3_or_group(v: str) -> str:
    from .countries import check_iso3

    v = str(v).strip().upper()
    return v if v == "EU" else check_iso3(v)


class Event(BaseModel):
    """One dated measure of the event catalogue."""

    model_config = ConfigDict(extra="forbid")
    id: str
    date: dt.date
    precision: str = "day"
    country: str
    mineral: str
    stage: str
    measure: str
    type: str
    source: str
    announced: dt.date | None = None
    target: str | None = None
    hs: list[str] = []
    url: str = ""
    #: the measure and the source in Japanese (translations of ``measure`` and ``source``; no fact that the
    #: English lacks)
    measure_ja: str = ""
    source_ja: str = ""

    @field_validator("country")
    @classmethod
    def _country(cls, v: str) -> str:
        return _iso3_or_group(v)

    @field_validator("target")
    @classmethod
    def _target(cls, v: str | None) -> str | None:
        return None if v is None else _iso3_or_group(v)

    @field_validator("hs")
    @classmethod
    def _hs(cls, v: list[str]) -> list[str]:
        bad = [c for c in v if not (str(c).isdigit() and 6 <= len(str(c)) <= 10)]
        if bad:
            raise ValueError(f"HS codes are 6 to 10 digits, quoted: {bad}")
        return [str(c) for c in v]

    @field_validator("url")
    @classmethod
    def _url(cls, v: str) -> str:
        if v and not v.startswith(("http://", "https://")):
            raise ValueError(f"url must start with http:// or https://: {v!r}")
        return v

    @field_validator("mineral")
    @classmethod
    def _mineral(cls, v: str) -> str:
        return v if v == "all" else catalogue.check_mineral(v)

    @field_validator("stage")
    @classmethod
    def _stage(cls, v: str) -> str:
        if v != "all" and v not in catalogue.STAGES:
            raise ValueError(f"unknown stage {v!r}; use one of {list(catalogue.STAGES)} or 'all'")
        return v

    @field_validator("type")
    @classmethod
    def _type(cls, v: str) -> str:
        if v not in EVENT_TYPES:
            raise ValueError(f"unknown event type {v!r}{did_you_mean(v, EVENT_TYPES)}")
        return v


class Cut(BaseModel):
    """An exporter stopping ``fraction`` (0–1] of its exports to the importer."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    exporter: str = Field(max_length=MAX_NAME)
    fraction: float = Field(1.0, gt=0.0, le=1.0)

    @field_validator("exporter")
    @classmethod
    def _exporter(cls, v: str) -> str:
        from .countries import check_iso3

        return check_iso3(v, field="exporter")


class Scenario(BaseModel):
    """A disruption scenario (YAML): who stops what, for how long.

    Bounds (:mod:`critmin.limits`): ``days`` at most 3,650, at most 60 ``cuts`` and 200
    ``events``, names up to 200 and texts up to 2,000 characters, finite numbers.
    """

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, str_max_length=MAX_TEXT)
    name: str = Field(max_length=MAX_NAME)
    title: str = ""
    mineral: str = Field(max_length=MAX_NAME)
    stage: str | None = Field(None, max_length=MAX_NAME)
    importer: str = Field("JPN", max_length=MAX_NAME)
    base_year: int | None = Field(None, ge=YEARS[0], le=YEARS[1])
    days: float = Field(gt=0, le=MAX_DAYS)
    cuts: list[Cut] = Field(min_length=1, max_length=MAX_CUTS)
    events: list[str] = Field([], max_length=MAX_LIST)
    note: str = ""
    #: date of the measure replayed (the scenarios of measures from 2023 on carry one)
    date: dt.date | None = None
    #: where the measure and the share/duration assumption are stated
    source: str = ""
    url: str = ""
    #: the stated share and duration assumption, with the evidence it rests on
    assumption: str = ""
    #: Japanese versions of title, note, source and assumption (translations of the English fields)
    title_ja: str = ""
    note_ja: str = ""
    source_ja: str = ""
    assumption_ja: str = ""

    @field_validator("*", mode="before")
    @classmethod
    def _bounded(cls, v):
        check_tree(v, what="disruption scenario")   # before a YAML alias bomb expands
        return v

    @field_validator("mineral")
    @classmethod
    def _mineral(cls, v: str) -> str:
        return catalogue.check_mineral(v)

    @field_validator("importer")
    @classmethod
    def _importer(cls, v: str) -> str:
        from .countries import check_iso3

        return check_iso3(v, field="importer")

    @field_validator("stage")
    @classmethod
    def _stage(cls, v: str | None) -> str | None:
        if v is not None and v not in catalogue.STAGES:
            raise ValueError(f"unknown stage {v!r}; use one of {list(catalogue.STAGES)}")
        return v


def _pydantic_error(exc: ValidationError, file: str) -> DataValidationError:
    e = exc.errors()[0]
    loc = ".".join(str(x) for x in e.get("loc", ()))[:200]
    inp = e.get("input")
    return DataValidationError(f"invalid entry: {short(e.get('msg', 'invalid'), 300)}", file=file,
                               field=loc or None,
                               found=short(inp, 80) if isinstance(inp, (str, int, float)) else None,
                               fix="correct the field as the message says (bounds: critmin.limits)")


def _read_yaml(path_or_text, file: str):
    import yaml

    try:
        return yaml.safe_load(path_or_text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise DataValidationError("malformed YAML", file=file, row=(mark.line + 1) if mark else None,
                                  found=short(str(getattr(exc, "problem", exc)), 200), fix="check the indentation") from None


def _pkg_file(name: str):
    return resources.files("critmin").joinpath("scenarios").joinpath(name)


def events(path: str | Path | None = None) -> pd.DataFrame:
    """The dated event catalogue (SPEC §2.10) as a table, validated.

    >>> ev = events()
    >>> ev.loc[ev["id"] == "idn-nickel-ore-ban-2020", ["country", "mineral", "type"]].values.tolist()
    [['IDN', 'nickel', 'export_ban']]
    """
    f = str(path) if path else f"critmin/scenarios/{EVENTS_FILE}"
    text = Path(path).read_text(encoding="utf-8") if path else _pkg_file(EVENTS_FILE).read_text(encoding="utf-8")
    doc = _read_yaml(text, f)
    items = doc.get("events") if isinstance(doc, dict) else None
    if not isinstance(items, list):
        raise DataValidationError("no 'events' list", file=f, fix="the file needs a top-level 'events:' list")
    out, seen = [], set()
    for i, it in enumerate(items, 1):
        try:
            ev = Event.model_validate(it)
        except ValidationError as exc:
            err = _pydantic_error(exc, f)
            err.row = i
            raise DataValidationError(err.what, file=f, row=i, field=err.field, found=err.found,
                                      fix=f"event #{i}: {err.fix}") from None
        if ev.id in seen:
            raise DataValidationError("duplicate event id", file=f, row=i, field="id", found=ev.id)
        seen.add(ev.id)
        d = ev.model_dump()
        d["announced"] = d["announced"].isoformat() if d["announced"] else None   # JSON-ready
        out.append(d)
    df = pd.DataFrame(out)
    df["year"] = df["date"].map(lambda d: d.year)
    as_of = doc.get("as_of")
    df.attrs["as_of"] = as_of.isoformat() if isinstance(as_of, dt.date) else (str(as_of) if as_of else None)
    return df


def events_as_of() -> str | None:
    """The date up to which the shipped event catalogue was brought (``as_of`` in its YAML), ISO."""
    return events().attrs.get("as_of")


def scenario_table() -> pd.DataFrame:
    """The shipped disruption scenarios, one row each: name, title, date (of the measure replayed:
    the scenario's ``date``, else its earliest restrictive event's), mineral, stage, importer, cuts,
    days, events, source (the scenario's, else its events'), url, assumption.

    >>> t = scenario_table().set_index("name")
    >>> t.loc["china_gallium_2023", ["date", "mineral", "importer"]].tolist()
    ['2023-08-01', 'gallium', 'JPN']
    """
    ev = events().set_index("id")
    rows = []
    for n in scenario_names():
        s = load_scenario(n)
        # a scenario without its own date: its earliest restrictive event (else its earliest event)
        dates = sorted((ev.loc[e, "type"] not in RESTRICTIVE, ev.loc[e, "date"]) for e in s.events)
        date = s.date or (dates[0][1] if dates else None)
        source = s.source or "; ".join(dict.fromkeys(ev.loc[e, "source"] for e in s.events))
        rows.append({"name": n, "title": s.title, "date": date.isoformat() if date else None,
                     "mineral": s.mineral, "stage": s.stage, "importer": s.importer,
                     "cuts": ", ".join(f"{c.exporter} {c.fraction:.0%}" for c in s.cuts), "days": s.days,
                     "events": list(s.events), "source": source,
                     "url": s.url or next((ev.loc[e, "url"] for e in s.events if ev.loc[e, "url"]), ""),
                     "assumption": s.assumption, "title_ja": s.title_ja or s.title,
                     "source_ja": s.source_ja or ("。".join(dict.fromkeys(ev.loc[e, "source_ja"] or ev.loc[e, "source"]
                                                                       for e in s.events)) if not s.source else source),
                     "assumption_ja": s.assumption_ja or s.assumption})
    return pd.DataFrame(rows)


def scenario_names() -> list[str]:
    """Names of the shipped disruption scenarios."""
    d = resources.files("critmin").joinpath("scenarios")
    return sorted(p.name[len(SCENARIO_PREFIX):-5] for p in d.iterdir()
                  if p.name.startswith(SCENARIO_PREFIX) and p.name.endswith(".yaml") and p.name != EVENTS_FILE)


def load_scenario(name_or_path: str | Path) -> Scenario:
    """A shipped scenario by name (``china_ree_2010``) or a YAML file of the same shape."""
    p = Path(name_or_path)
    if p.suffix.lower() in (".yaml", ".yml") or p.is_file():
        if not p.is_file():
            raise DataValidationError("scenario file not found", file=str(p),
                                      fix=f"give a YAML file or one of {scenario_names()}")
        check_file_size(p, what="scenario file")
        try:
            f, text = str(p), p.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError as exc:
            raise DataValidationError("the scenario file is not UTF-8 text", file=str(p),
                                      found=f"byte 0x{exc.object[exc.start]:02x} at offset {exc.start}",
                                      fix="save it as UTF-8") from None
    else:
        names = scenario_names()
        key = str(name_or_path).strip().lower().replace("-", "_")
        if key not in names:
            raise UnknownNameError(f"unknown disruption scenario{did_you_mean(key, names)}", field="scenario",
                                   found=name_or_path, fix=f"use one of {names} or a YAML file")
        f = f"critmin/scenarios/{SCENARIO_PREFIX}{key}.yaml"
        text = _pkg_file(f"{SCENARIO_PREFIX}{key}.yaml").read_text(encoding="utf-8")
    doc = _read_yaml(text, f)
    if not isinstance(doc, dict):
        raise DataValidationError("a scenario is a YAML mapping", file=f, found=type(doc).__name__)
    check_tree(doc, what="disruption scenario", file=f)
    try:
        sc = Scenario.model_validate(doc)
    except ValidationError as exc:
        raise _pydantic_error(exc, f) from None
    known = set(events()["id"])
    for e in sc.events:
        if e not in known:
            raise DataValidationError(f"unknown event id{did_you_mean(e, known)}", file=f, field="events",
                                      found=e, fix="refer to an id of the event catalogue")
    return sc


# -- import flows --------------------------------------------------------------------------------

def import_flows(country: str = "JPN", mineral: str = "rare_earths", stage: str | None = None,
                 year: int | None = None, *, store=None) -> pd.DataFrame:
    """The importer's annual imports by partner at one stage: ``exporter, t, share``.

    ``stage`` default: the first of :data:`STAGE_ORDER` with imports; ``year`` default: the
    latest year with imports at that stage. ``attrs`` hold year, stage, basis, hs, sources.
    """
    from .balance import trade_flows
    from .countries import check_iso3
    from .store import default_store

    store = store or default_store()
    country = check_iso3(country)
    mineral = catalogue.check_mineral(mineral)
    if stage is not None and stage not in catalogue.STAGES:
        raise DataValidationError(f"unknown stage{did_you_mean(stage, catalogue.STAGES)}", field="stage",
                                  found=stage, expected=f"one of {list(catalogue.STAGES)}")
    # the material balance's flows (critmin.balance): contained tonnes where the code converts,
    # value-only flows with their imputed quantity, nested HS codes counted once
    t = trade_flows(store, country, [mineral], [stage] if stage else list(STAGE_ORDER))
    t = t[t["direction"] == "import"]
    t = t[t["t"] > 0]
    if stage is None and len(t):
        held = set(t["stage"])
        stage = next(s for s in STAGE_ORDER if s in held)
    t = t[t["stage"] == stage] if stage else t
    if t.empty:
        codes = catalogue.codes(mineral, stage) if stage else []
        why = catalogue.STAGE_GAPS.get((mineral, stage or ""), "")
        raise DataValidationError(
            f"no recorded {stage or 'any-stage'} imports of {mineral} by {country}"
            + (f" ({why})" if why else ""), field="stage", found=stage,
            expected=f"HS {', '.join(codes)}" if codes else None,
            fix="choose another stage or importer, or pass your own import mix (flows=)")
    if year is None:
        year = int(t["year"].max())
    y = t[t["year"] == int(year)]
    if y.empty:
        have = sorted(set(t["year"]))
        raise DataValidationError(f"no {stage} imports of {mineral} by {country} in {year}", field="year",
                                  found=year, expected=f"a year in {have[0]}–{have[-1]}" if have else None)
    g = y.groupby("exporter", as_index=False)["t"].sum().sort_values("t", ascending=False)
    g["share"] = g["t"] / g["t"].sum()
    g = g.reset_index(drop=True)
    bases = set(y["basis"])
    g.attrs = {"country": country, "mineral": mineral, "stage": stage, "year": int(year),
               "basis": "contained element" if bases == {"contained"} else
               ("gross weight" if bases == {"gross"} else "mixed: contained element and gross weight"),
               "hs": sorted(set(y["hs"])),
               "sources": sorted({p for v in y["sources"].dropna() for p in str(v).split("; ") if p}),
               "imputed_t": float(y.loc[y["q_imputed"].astype(bool), "t"].sum()),
               "shared": sorted(set(y.loc[y["shared"].fillna("") != "", "hs"]))}
    return g


def _flows_from(flows) -> pd.DataFrame:
    """A user's own import mix: mapping exporter → t, or a table with exporter and t."""
    from .countries import check_iso3

    if isinstance(flows, Mapping):
        flows = pd.DataFrame({"exporter": list(flows), "t": [float(v) for v in flows.values()]})
    df = pd.DataFrame(flows).copy()
    if not {"exporter", "t"} <= set(df.columns):
        raise DataValidationError("import mix needs columns exporter and t", field="flows",
                                  found=list(df.columns), fix="one row per partner: exporter (ISO3), t")
    df["exporter"] = [check_iso3(e, field="exporter") for e in df["exporter"]]
    df["t"] = pd.to_numeric(df["t"], errors="raise").astype(float)
    if (df["t"] < 0).any() or df["t"].sum() <= 0:
        raise DataValidationError("import quantities must be >= 0 with a positive total", field="t",
                                  found=df["t"].tolist())
    df = df.groupby("exporter", as_index=False)["t"].sum()
    df["share"] = df["t"] / df["t"].sum()
    attrs = getattr(flows, "attrs", {}) or {}
    df.attrs = {"basis": "as supplied", "hs": [], "sources": ["user-supplied import mix"], "shared": [],
                **{k: v for k, v in attrs.items() if k in ("year", "stage", "country", "mineral")}}
    return df


# -- deterministic -------------------------------------------------------------------------------

def stop_path(daily_loss_t: float, days: float, stock_t: float = 0.0, max_shortfall_t: float = 0.0) -> dict:
    """Shortfall of a constant loss ``L`` t/day for ``D`` days against a stockpile ``S`` (closed form).

    >>> r = stop_path(10.0, 30, stock_t=100.0)
    >>> r["gross_shortfall_t"], r["stock_drawn_t"], r["shortfall_t"], r["covered_days"], r["stock_needed_t"]
    (300.0, 100.0, 200.0, 10.0, 300.0)
    """
    L, D, S, B = float(daily_loss_t), float(days), float(stock_t), float(max_shortfall_t)
    if D < 0 or S < 0 or B < 0 or L < 0:
        raise DataValidationError("days, stock, bound and loss must be >= 0", found=(L, D, S, B))
    G = L * D
    drawn = min(S, G)
    return {"daily_loss_t": L, "gross_shortfall_t": G, "stock_t": S, "stock_drawn_t": drawn,
            "shortfall_t": G - drawn, "covered_days": min(D, S / L) if L > 0 else D,
            "stock_cover_days": (S / L) if L > 0 else None,
            "stock_needed_t": max(0.0, G - B), "max_shortfall_t": B}


def curve(daily_loss_t: float, days: float, stock_t: float = 0.0) -> pd.DataFrame:
    """Day-by-day path: cumulative loss, stock left, cumulative shortfall (day 0 … ceil(D))."""
    d = np.arange(0, int(math.ceil(days)) + 1, dtype=float)
    d[-1] = min(d[-1], float(days))
    lost = daily_loss_t * d
    return pd.DataFrame({"day": d, "lost_t": lost, "stock_left_t": np.maximum(0.0, stock_t - lost),
                         "shortfall_t": np.maximum(0.0, lost - stock_t)})


def simulate(country: str = "JPN", mineral: str = "rare_earths", exporters: Iterable[str] | str = ("CHN",),
             days: float = 90, *, share: float | Mapping[str, float] = 1.0, stage: str | None = None,
             year: int | None = None, stock_t: float | None = None, stock_days: float | None = None,
             stocks=None, max_shortfall_t: float = 0.0, flows=None, store=None) -> dict:
    """Deterministic export stop (module docstring): shortfall, cover and stockpile needed.

    Parameters
    ----------
    exporters : partner(s) stopping exports (ISO3).
    days : length of the stop, days.
    share : fraction of each exporter's flow stopped (1 = full stop; a mapping per exporter).
    stock_t, stock_days : stockpile in tonnes, or in days of annual imports at the stage.
    stocks : a confidential stock file/table (:func:`critmin.stockpile.read_stocks`); its
        ``stock_t`` for the mineral is used and the result is marked ``confidential``.
    max_shortfall_t : the bound for ``stock_needed_t`` (default 0: no shortfall at all).
    flows : the user's own import mix (mapping exporter → t a year, or a table) instead of the data.

    Returns a JSON-ready dict (``shortfall_t``, ``covered_days``, ``stock_needed_t``, ...).
    """
    from .countries import check_iso3

    mineral = catalogue.check_mineral(mineral)
    fl = _flows_from(flows) if flows is not None else import_flows(country, mineral, stage, year, store=store)
    exporters = [exporters] if isinstance(exporters, str) else list(exporters)
    if not exporters:
        raise DataValidationError("no exporter given", field="exporter", fix="name at least one exporter (ISO3)")
    exporters = [check_iso3(e, field="exporter") for e in exporters]
    frac = {e: float(share[e] if isinstance(share, Mapping) else share) for e in exporters}
    for e, f in frac.items():
        if not 0.0 < f <= 1.0:
            raise DataValidationError("share stopped must be in (0, 1]", field="share", found=f,
                                      expected="0 < share <= 1 (1 = full stop)")
    if not 0 < float(days) <= MAX_DAYS:
        raise DataValidationError("days must be positive and at most the limit", field="days", found=days,
                                  expected=f"0 < days <= {MAX_DAYS:,.0f} (critmin.limits.MAX_DAYS)")
    annual = float(fl["t"].sum())
    m = fl.set_index("exporter")["t"]
    partners = [{"exporter": e, "imports_t": float(m.get(e, 0.0)), "share": float(m.get(e, 0.0)) / annual,
                 "fraction_stopped": frac[e]} for e in exporters]
    absent = [p["exporter"] for p in partners if p["imports_t"] == 0.0]
    L = sum(p["imports_t"] * p["fraction_stopped"] for p in partners) / DAYS_PER_YEAR
    confidential = False
    if stocks is not None:
        from .stockpile import read_stocks

        st = stocks if isinstance(stocks, pd.DataFrame) else read_stocks(stocks)
        stock_t = float(st.loc[st["mineral"] == mineral, "stock_t"].sum())
        confidential = True
    elif stock_t is None:
        stock_t = float(stock_days or 0.0) * annual / DAYS_PER_YEAR
    res = stop_path(L, float(days), float(stock_t), max_shortfall_t)
    res.update({
        "country": fl.attrs.get("country", check_iso3(country)), "mineral": mineral,
        "stage": fl.attrs.get("stage", stage), "year": fl.attrs.get("year", year), "days": float(days),
        "annual_imports_t": annual, "cut_share": L * DAYS_PER_YEAR / annual,
        "stock_days": float(res["stock_t"]) / annual * DAYS_PER_YEAR,
        "stock_needed_days": res["stock_needed_t"] / annual * DAYS_PER_YEAR,
        "basis": fl.attrs.get("basis"), "hs": fl.attrs.get("hs", []), "sources": fl.attrs.get("sources", []),
        "partners": partners,
        "top_partners": [{"exporter": r.exporter, "imports_t": float(r.t), "share": float(r.share)}
                         for r in fl.head(10).itertuples()],
        "rule": STOP_RULE, "absent": absent, "shared_hs": list(fl.attrs.get("shared") or []),
        "imputed_t": float(fl.attrs.get("imputed_t", 0.0) or 0.0),
        "confidential": confidential,
    })
    res["notes"] = stop_notes(res)
    res["curve"] = curve(L, float(days), float(res["stock_t"])).to_dict("list")
    return res


#: The rule of :func:`simulate` (as printed; translated where shown).
STOP_RULE = N_("shortfall = max(0, sum_j f_j M_j D/365 - S); covered_days = min(D, S/L); "
               "stock_needed = max(0, L D - bound); no rerouting to other suppliers; "
               "stock days are days of annual imports at the stage")
#: The rule of :func:`monte_carlo`.
MC_RULE = N_("annual loss X = sum_j cut M_j min(365, stopped days_j)/365; events N_j ~ Poisson(lambda_j); "
             "stock restored each year; shortfall = max(0, X - S); recommended stock = max(0, Q_q(X) - bound)")
MC_MODEL = N_("lambda_j = (k_j + {weight} x {rate} x g_j) / (T + {weight}); g = WGI political-stability risk "
              "(missing = 1); k_j = export restrictions ({types}) on {mineral} or all minerals in the event "
              "catalogue")
MC_MODEL_USER = N_("user-supplied rates")
ANALYTIC_EXACT = N_("exact")
ANALYTIC_UPPER = N_("sum cut M lambda mean/365, an upper bound: ignores the 365-day cap per partner-year")
CONFIDENTIAL_SHOWN = N_("CONFIDENTIAL: contains actual stock levels; do not distribute")
CONFIDENTIAL_WITHHELD = N_("confidential stock levels were supplied but are withheld (stock-derived figures set "
                           "to null); add --show-confidential to include them")
NO_CONFIDENTIAL = N_("Built without confidential stock levels.")


def stop_notes(res: dict, lang: str = "en") -> list[str]:
    """The notes of a :func:`simulate` result in ``lang``: exporters with no flow, shared HS codes,
    value-only flows."""
    from .i18n import country_name, number, translator

    _ = translator(lang)
    out = []
    if res.get("absent"):
        out.append(_("{exporters} supplied no {stage} imports in {year}: no loss from them").format(
            exporters=", ".join(country_name(e, lang) if lang != "en" else e for e in res["absent"]),
            stage=stage_label(res.get("stage"), lang), year=res.get("year")))
    if res.get("shared_hs"):
        out.append(_("shared multi-metal HS code(s) {codes}: flows are of the whole code").format(
            codes=", ".join(res["shared_hs"])))
    imputed = res.get("imputed_t") or 0.0
    if imputed > 0.001 * (res.get("annual_imports_t") or 0.0):
        out.append(_("{t} t of the imports are value-only flows (quantity imputed from unit values)").format(
            t=number(imputed, lang, 1)))
    return out


#: Supply-chain stages as people read them (the catalogue's ids are the keys).
STAGE_LABELS = {"concentrate": N_("concentrate"), "intermediate": N_("intermediate"), "refined": N_("refined"),
                "chemical": N_("chemical"), "scrap": N_("scrap"), "all": N_("all stages")}


def stage_label(stage, lang: str = "en") -> str:
    """A stage id in ``lang`` (unknown ids as they are)."""
    from .i18n import tr

    return tr(STAGE_LABELS[stage], lang) if stage in STAGE_LABELS else ("" if stage is None else str(stage))


#: Result keys that reveal a confidential stock level.
STOCK_KEYS = ("stock_t", "stock_days", "stock_drawn_t", "shortfall_t", "covered_days", "stock_cover_days")


def redact(result: dict, show_confidential: bool = False) -> dict:
    """The result without stock-derived figures when the stock came from a confidential file."""
    if not result.get("confidential") or show_confidential:
        out = dict(result)
        if result.get("confidential"):
            out["confidential_note"] = CONFIDENTIAL_SHOWN
        return out
    out = {k: (None if k in STOCK_KEYS else v) for k, v in result.items()}
    c = dict(result["curve"])
    c.pop("stock_left_t", None)
    c.pop("shortfall_t", None)
    out["curve"] = c
    out["confidential_note"] = CONFIDENTIAL_WITHHELD
    return out


def run_scenario(name: str | Path, *, country: str | None = None, days: float | None = None, **kw) -> dict:
    """Run a shipped (or YAML) scenario through :func:`simulate`."""
    sc = load_scenario(name)
    year = kw.pop("year", None) or sc.base_year
    res = simulate(country or sc.importer, sc.mineral, [c.exporter for c in sc.cuts], days or sc.days,
                   share={c.exporter: c.fraction for c in sc.cuts}, stage=kw.pop("stage", None) or sc.stage,
                   year=year, **kw)
    ev = events()
    res["scenario"] = {"name": sc.name, "title": sc.title, "note": sc.note,
                       "date": sc.date.isoformat() if sc.date else None, "source": sc.source, "url": sc.url,
                       "assumption": sc.assumption, "title_ja": sc.title_ja, "note_ja": sc.note_ja,
                       "source_ja": sc.source_ja, "assumption_ja": sc.assumption_ja,
                       "events": ev[ev["id"].isin(sc.events)].assign(date=lambda d: d["date"].astype(str))
                       [["id", "date", "country", "measure", "measure_ja", "source", "source_ja", "url"]]
                       .to_dict("records")}
    return res


# -- Monte Carlo ---------------------------------------------------------------------------------

def event_rates(exporters: Iterable[str], g: Mapping[str, float], ev: pd.DataFrame, mineral: str, *,
                prior_rate: float = 0.1, prior_weight: float = 10.0, importer: str | None = None) -> pd.DataFrame:
    """Annual restriction rate per exporter, ``λ = (k + β λ_max g) / (T + β)`` (module docstring).

    A measure aimed at one importer only (``target``, e.g. a ban on exports to the United States)
    counts for that importer alone when ``importer`` is given.

    >>> ev = pd.DataFrame({"country": ["AAA", "AAA"], "mineral": ["nickel", "all"], "type": ["export_ban"] * 2,
    ...                    "year": [2010, 2019]})
    >>> r = event_rates(["AAA", "BBB"], {"AAA": 0.5, "BBB": 0.0}, ev, "nickel")
    >>> print([round(x, 4) for x in r["lambda"]], r["restrictions"].tolist(), int(r["span_years"].iat[0]))
    [0.125, 0.0] [2, 0] 10
    """
    exporters = list(exporters)
    if prior_rate < 0 or prior_weight < 0:
        raise DataValidationError("prior rate and weight must be >= 0", found=(prior_rate, prior_weight))
    span = int(ev["year"].max() - ev["year"].min() + 1) if len(ev) else 0
    rel = ev[ev["type"].isin(RESTRICTIVE) & ev["mineral"].isin([mineral, "all"])]
    if importer is not None and "target" in rel:
        tgt = rel["target"].fillna("").astype(str)
        rel = rel[(tgt == "") | (tgt == importer)]
    k = rel.groupby("country").size()
    out = pd.DataFrame({"exporter": exporters})
    out["g"] = [float(g[e]) if e in g and np.isfinite(g[e]) else 1.0 for e in exporters]
    out["g_missing"] = [not (e in g and np.isfinite(g[e])) for e in exporters]
    out["restrictions"] = out["exporter"].map(k).fillna(0).astype(int)
    out["span_years"] = span
    denom = span + prior_weight
    if denom <= 0:
        raise DataValidationError("no catalogue span and no prior weight: rates undefined",
                                  fix="give prior_weight > 0")
    out["lambda"] = (out["restrictions"] + prior_weight * prior_rate * out["g"]) / denom
    out["p_year"] = 1.0 - np.exp(-out["lambda"])
    return out


def expected_loss_fixed(m_t, lam, cut: float, duration_days: float) -> float:
    """Closed form ``E[X] = Σ_j cut M_j E[min(365, N_j D)] / 365`` with ``N_j ~ Poisson(λ_j)``."""
    from scipy.stats import poisson

    m_t, lam = np.asarray(m_t, float), np.asarray(lam, float)
    nmax = int(math.ceil(DAYS_PER_YEAR / duration_days)) if duration_days > 0 else 0
    n = np.arange(nmax + 1)
    tot = 0.0
    for mj, lj in zip(m_t, lam):
        pmf = poisson.pmf(n, lj)
        tail = 1.0 - pmf.sum()   # N > nmax: the year is fully stopped
        e_days = float((pmf * np.minimum(DAYS_PER_YEAR, n * duration_days)).sum() + tail * DAYS_PER_YEAR)
        tot += cut * mj * e_days / DAYS_PER_YEAR
    return tot


def expected_shortfall_fixed(m_t: float, lam: float, cut: float, duration_days: float, stock_t: float,
                             nmax: int = 200) -> float:
    """Closed form for one partner: ``E[max(0, cut M min(365, N D)/365 − S)]``."""
    from scipy.stats import poisson

    n = np.arange(nmax + 1)
    x = cut * m_t * np.minimum(DAYS_PER_YEAR, n * duration_days) / DAYS_PER_YEAR
    return float((poisson.pmf(n, lam) * np.maximum(0.0, x - stock_t)).sum())


def simulate_losses(m_t, lam, *, n_years: int = 100_000, cut: float = 1.0, duration_days: float = 90.0,
                    duration: str = "exponential", seed: int | None = 0, chunk: int = 25_000,
                    progress=None) -> np.ndarray:
    """Simulated annual losses ``X`` (t) for partners with flows ``m_t`` and rates ``lam`` (vectorised)."""
    m_t, lam = np.asarray(m_t, float), np.asarray(lam, float)
    if duration not in ("fixed", "exponential"):
        raise DataValidationError(f"unknown duration model{did_you_mean(duration, ('fixed', 'exponential'))}",
                                  field="duration", found=duration, expected="fixed or exponential")
    if n_years < 1 or not 0 < cut <= 1 or duration_days <= 0:
        raise DataValidationError("need n_years >= 1, 0 < cut <= 1, duration_days > 0",
                                  found=(n_years, cut, duration_days))
    rng = np.random.default_rng(seed)
    out = np.empty(n_years)
    done = 0
    while done < n_years:
        n = min(chunk, n_years - done)
        N = rng.poisson(lam, size=(n, lam.size))
        if duration == "fixed":
            stopped = N * duration_days
        else:  # sum of N exponential durations = Gamma(N, mean); Gamma(0) = 0
            stopped = rng.gamma(np.maximum(N, 0), duration_days) * (N > 0)
        stopped = np.minimum(DAYS_PER_YEAR, stopped)
        out[done:done + n] = (stopped * (cut * m_t / DAYS_PER_YEAR)).sum(axis=1)
        done += n
        if progress is not None:
            progress(n)
    return out


def shortfall_table(losses: np.ndarray, annual_t: float, stock_days: Iterable[float] = STOCK_DAYS_GRID,
                    quantile: float = 0.95) -> pd.DataFrame:
    """Expected shortfall, tail shortfall and P(shortfall) per stockpile size (vectorised)."""
    sd = np.asarray(list(stock_days), float)
    S = sd * annual_t / DAYS_PER_YEAR
    sf = np.maximum(0.0, losses[:, None] - S[None, :])
    n = losses.size
    mean = sf.mean(axis=0)
    return pd.DataFrame({"stock_days": sd, "stock_t": S, "expected_shortfall_t": mean,
                         "expected_shortfall_se_t": sf.std(axis=0, ddof=1) / math.sqrt(n) if n > 1 else np.nan,
                         "tail_shortfall_t": np.quantile(sf, quantile, axis=0),
                         "prob_shortfall": (sf > 0).mean(axis=0)})


def monte_carlo(country: str = "JPN", mineral: str = "rare_earths", stage: str | None = None,
                year: int | None = None, *, n_years: int = 100_000, seed: int | None = 0, cut: float = 1.0,
                duration_days: float = 90.0, duration: str = "exponential",
                stock_days: Iterable[float] = STOCK_DAYS_GRID, quantile: float = 0.95,
                max_shortfall_t: float = 0.0, prior_rate: float = 0.1, prior_weight: float = 10.0,
                rates: Mapping[str, float] | None = None, governance: Mapping[str, float] | None = None,
                flows=None, progress: bool | str = False, store=None) -> dict:
    """Monte Carlo of export restrictions over ``n_years`` simulated years (module docstring).

    ``rates`` (exporter → λ a year) overrides the probability model; ``governance``
    (exporter → g) overrides the WGI scores. ``progress=True`` (or the bar's label) shows a rich
    progress bar on stderr.
    Returns a JSON-ready dict with ``by_stock_days`` records and ``recommended_stock_days``.
    """
    from .store import default_store

    if not 0 < quantile < 1:
        raise DataValidationError("quantile must be in (0, 1)", field="quantile", found=quantile)
    # bounds before anything is read or drawn (critmin.limits)
    if not 1 <= int(n_years) <= MAX_SIM_YEARS:
        raise DataValidationError("the number of simulated years is out of bounds", field="sim_years",
                                  found=n_years, expected=f"1 to {MAX_SIM_YEARS:,} (critmin.limits.MAX_SIM_YEARS)",
                                  fix="100,000 years give a tail quantile to about 1 %")
    if not (math.isfinite(float(duration_days)) and MIN_DURATION_DAYS <= float(duration_days) <= MAX_DAYS):
        raise DataValidationError("the restriction length is out of bounds", field="duration_days",
                                  found=duration_days, expected=f"{MIN_DURATION_DAYS:g} to {MAX_DAYS:,.0f} days")
    if not (math.isfinite(float(max_shortfall_t)) and max_shortfall_t >= 0):
        raise DataValidationError("the shortfall bound must be a finite number >= 0", field="max_shortfall",
                                  found=max_shortfall_t)
    mineral = catalogue.check_mineral(mineral)
    if flows is not None:
        fl = _flows_from(flows)
    else:
        store = store or default_store()
        fl = import_flows(country, mineral, stage, year, store=store)
    yr = fl.attrs.get("year", year)
    ev = events()
    if rates is not None:
        rt = pd.DataFrame({"exporter": fl["exporter"]})
        rt["lambda"] = [float(rates.get(e, 0.0)) for e in rt["exporter"]]
        rt["p_year"] = 1.0 - np.exp(-rt["lambda"])
        model = MC_MODEL_USER
    else:
        if governance is None:
            from .indicators.governance import scores

            store = store or default_store()
            gt = scores(store.load("governance"), index="pv", years=[int(yr)] if yr else None)
            if yr:
                gt = gt[gt["year"] == int(yr)]
            governance = dict(zip(gt["country"], gt["g"]))
        rt = event_rates(fl["exporter"], governance, ev, mineral, prior_rate=prior_rate, prior_weight=prior_weight,
                         importer=country)
        model = MC_MODEL.format(weight=f"{prior_weight:g}", rate=f"{prior_rate:g}", types=", ".join(RESTRICTIVE),
                                mineral=mineral)
    rt = rt.merge(fl[["exporter", "t", "share"]], on="exporter", how="left")
    annual = float(fl["t"].sum())
    if progress:
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

        label = progress if isinstance(progress, str) else "simulating years"
        with Progress(TextColumn(label.replace("[", "\\[")), BarColumn(),
                      TextColumn("{task.completed:,}/{task.total:,}"), TimeRemainingColumn(), transient=True,
                      console=Console(stderr=True)) as prog:
            task = prog.add_task("mc", total=n_years)
            losses = simulate_losses(rt["t"], rt["lambda"], n_years=n_years, cut=cut,
                                     duration_days=duration_days, duration=duration, seed=seed,
                                     progress=lambda k: prog.advance(task, k))
    else:
        losses = simulate_losses(rt["t"], rt["lambda"], n_years=n_years, cut=cut, duration_days=duration_days,
                                 duration=duration, seed=seed)
    tab = shortfall_table(losses, annual, stock_days, quantile)
    q = float(np.quantile(losses, quantile))
    need_t = max(0.0, q - float(max_shortfall_t))
    res = {
        "country": fl.attrs.get("country", country), "mineral": mineral, "stage": fl.attrs.get("stage", stage),
        "year": yr, "basis": fl.attrs.get("basis"), "annual_imports_t": annual, "n_years": int(n_years),
        "seed": seed, "cut": cut, "duration_days": duration_days, "duration": duration, "quantile": quantile,
        "expected_loss_t": float(losses.mean()),
        "expected_loss_se_t": float(losses.std(ddof=1) / math.sqrt(n_years)) if n_years > 1 else None,
        "analytic_expected_loss_t": (expected_loss_fixed(rt["t"], rt["lambda"], cut, duration_days)
                                     if duration == "fixed" else
                                     float((cut * rt["t"] * rt["lambda"] * duration_days / DAYS_PER_YEAR).sum())),
        "analytic_note": ANALYTIC_EXACT if duration == "fixed" else ANALYTIC_UPPER,
        "tail_loss_t": q, "max_shortfall_t": float(max_shortfall_t),
        "recommended_stock_t": need_t, "recommended_stock_days": need_t / annual * DAYS_PER_YEAR,
        "by_stock_days": [{k: float(v) for k, v in r.items()} for r in tab.to_dict("records")],
        "rates": [{"exporter": r["exporter"], "imports_t": float(r["t"]), "share": float(r["share"]),
                   "lambda": float(r["lambda"]), "p_year": float(r["p_year"]),
                   **({"g": float(r["g"]), "g_missing": bool(r["g_missing"]),
                       "restrictions": int(r["restrictions"])} if "g" in r else {})}
                  for r in rt.sort_values("t", ascending=False).to_dict("records")],
        "model": model, "prior_rate": None if rates is not None else prior_rate,
        "prior_weight": None if rates is not None else prior_weight,
        "rule": MC_RULE,
        "sources": fl.attrs.get("sources", []),
    }
    return res


# -- HTML report (the page itself: critmin.report.disruption) ------------------------------------------

def figure(data: list, title: str, xt: str, yt: str) -> dict:
    """A Plotly figure dict (:func:`critmin.report.disruption.figure`)."""
    from .report.disruption import figure as _figure

    return _figure(data, title, xt, yt)


def render_html(title: str, sections: list[tuple[str, str, list[dict]]], *, banner: str = "",
                lang: str = "en") -> str:
    """A self-contained page (:func:`critmin.report.disruption.render_html`)."""
    from .report.disruption import render_html as _render

    return _render(title, sections, banner=banner, lang=lang)


def table_html(rows: list[dict], cols: list[str], fmt: Mapping[str, str] | None = None, **kw) -> str:
    """A sortable HTML table (:func:`critmin.report.disruption.table_html`)."""
    from .report.disruption import table_html as _table

    return _table(rows, cols, fmt, **kw)


def write_html(path: str | Path, text: str, *, private: bool = False) -> Path:
    """Write a report; ``private=True`` (it holds confidential data) → owner-only mode 0600."""
    from .report.io import write_text_atomic

    return write_text_atomic(path, text, private=private)


def report(res: dict, lang: str = "en") -> str:
    """HTML page of a (redacted) :func:`simulate` result, with its Monte Carlo part if any, in ``lang``."""
    from .report.disruption import report_html

    return report_html(res, lang)


__all__ = ["simulate", "monte_carlo", "run_scenario", "events", "events_as_of", "scenario_names", "scenario_table",
           "load_scenario",
           "import_flows", "stop_path", "event_rates", "simulate_losses", "shortfall_table", "redact",
           "expected_loss_fixed", "expected_shortfall_fixed", "report", "render_html", "write_html"]

"""``critmin uncertainty`` over many importers and years (issue 15): the ensemble mode.

``commands/methods.py`` hands over here when several importers or years, or ``--scheduler``, are
given; the single importer-year run stays there. The work is :mod:`critmin.ensemble`.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from ._common import fail


def wanted(country: str, years: str | None, scheduler: str | None) -> bool:
    """Whether the arguments ask for an ensemble: ``--scheduler``, ``--country all`` or a list,
    or more than one year in ``--years``.

    >>> wanted("JPN", None, None), wanted("JPN,KOR", None, None), wanted("JPN", "2020-2022", None)
    (False, True, True)
    >>> wanted("JPN", "2022", None), wanted("JPN", None, "none")
    (False, True)
    """
    from .methods import parse_years

    multi = country.strip().lower() == "all" or "," in country
    try:
        several = years is not None and len(parse_years(years)) > 1
    except ValueError:           # reported by the ensemble with the fix
        several = True
    return scheduler is not None or multi or several


def _countries(spec: str) -> str | list[str]:
    from ..countries import check_iso3

    if spec.strip().lower() == "all":
        return "all"
    return [check_iso3(c.strip()) for c in spec.split(",") if c.strip()]


def run(*, country: str, year: int | None, years: str | None, draws: int, seed: int, top: int, sobol: bool,
        sobol_n: int, sobol_engine: str, scheduler: str | None, workers: int | None, out: Path | None,
        format: str, lang: str = "en") -> None:
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from .. import ensemble as ens
    from ..errors import CritminError, DataValidationError
    from ..i18n import translator
    from .methods import _table, localise, parse_years

    _ = translator(lang)
    err = Console(stderr=True)
    try:
        if out is not None and out.suffix.lower() not in ("", ".parquet"):
            raise DataValidationError("an ensemble writes Parquet", field="--out", found=str(out),
                                      fix="name a directory (partitioned by importer) or a FILE.parquet")
        if out is not None:
            ens.check_output(out)
        imps = _countries(country)
        yrs = parse_years(years) if years else ([year] if year is not None else None)
        if scheduler is None:
            scheduler = "local" if ens.dask_available() else "none"
            if scheduler == "none":
                typer.echo(_("note: Dask is not installed ({hint}): the partitions run one after another in "
                             "this process").format(hint=ens.INSTALL_HINT), err=True)
        ens.check_scheduler(scheduler)
        show = format != "json" and sys.stderr.isatty()
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      TimeRemainingColumn(), console=err, disable=not show, transient=True) as prog:
            task = prog.add_task(_("preparing the supply data"), total=None)

            def prepared(i: int, n: int) -> None:
                prog.update(task, description=_("preparing the supply data (importers)"), completed=i, total=n)

            def done(i: int, n: int) -> None:
                prog.update(task, description=_("uncertainty partitions (importer x year)"), completed=i, total=n)

            def event(text: str) -> None:
                (prog.console.print if show else lambda t: typer.echo(t, err=True))(text)

            res = ens.run_ensemble(imps, yrs, draws=draws, seed=seed, top=top, sobol=sobol, sobol_n=sobol_n,
                                   sobol_engine=sobol_engine, scheduler=scheduler, workers=workers,
                                   on_done=done, on_prepare=prepared, on_event=event, lang=lang)
            written = ens.write(res, out) if out is not None else []
    except (CritminError, ValueError, OSError) as exc:
        fail(exc)
    p, r = res.provenance, res.run
    mem = r.get("memory_mb", {})
    memory = ((f"{min(mem.values()):.0f} MB" if min(mem.values()) == max(mem.values()) else
               f"{min(mem.values()):.0f}–{max(mem.values()):.0f} MB") if mem else _("not measured"))
    typer.echo(_("{done} partitions done, {skipped} skipped; {s:.1f} s on {w} worker(s) ({sched}), data prepared "
                 "once in {prep:.1f} s ({mb:.1f} MB shared); memory per worker {memory}").format(
        done=p["partitions_done"], skipped=len(p["skipped"]), s=r["compute_seconds"], w=r["workers"],
        sched=r["scheduler"], prep=r["prepare_seconds"], mb=r["snapshot_mb"], memory=memory), err=True)
    if written:
        typer.echo(_("written to {out} (seed {seed}, {draws} draws, data {data})").format(
            out=out, seed=p["seed"], draws=f"{p['draws']:,}", data=p["data_fingerprint"]), err=True)
    t = res.table
    if format == "json":
        _echo_json(t, p, r, written, out)
        return
    if out is None and len(t):
        m = t[t["indicator"] == "mean_score"].sort_values(["importer", "year", "base"],
                                                             ascending=[True, True, False])
        m = m.groupby(["importer", "year"], sort=False).head(top)
        _table(localise(m, lang), _("Mean score bands, top {top} per importer and year ({draws} draws, seed {seed}; "
                                    "--out DIR or FILE.parquet keeps every row)").format(
                   top=top, draws=f"{p['draws']:,}", seed=p["seed"]),
               ["importer", "year", "mineral", "base", "p05", "p50", "p95"],
               {c: "{:.3f}" for c in ("base", "p05", "p50", "p95")}, lang=lang)


#: per sweep kind, the command's options that describe ONE scenario (``--sweep`` takes its scenarios
#: from the file) → the sweep-file field that sets the same thing (None: a sweep has no such setting)
SINGLE_OPTIONS: dict[str, dict[str, str | None]] = {
    "disrupt": {"country": "importer", "mineral": "mineral", "exporter": "exporters", "days": "days",
                "share": "share", "stage": "stage", "year": "year", "stock_days": "stock_days",
                "stock_t": "stock_t", "max_shortfall": "max_shortfall_t", "runs": "runs", "monte_carlo": "runs",
                "scenario": None, "flows": None, "stocks": None, "show_confidential": None,
                "duration_days": None, "duration": None, "quantile": None},
    "policy": {"country": "importer", "year": "year"},
}


def refuse_single_options(kind: str, ctx, lang: str = "en") -> None:
    """With ``--sweep`` the scenarios come from the sweep file, so an option of one scenario given on
    the command line (``--mineral``, ``--days`` …) would be silently ignored: refuse it, naming each
    such option and the sweep-file field to set instead. ``ctx``: the command's (typer/click)
    context; an option counts as given when its value came from the command line or the
    environment, not from its default. No context (called from Python): nothing to check."""
    if ctx is None:
        return
    from ..errors import DataValidationError
    from ..i18n import translator

    single = SINGLE_OPTIONS[kind]
    given = [p for p in ctx.command.params if p.name in single
             and getattr(ctx.get_parameter_source(p.name), "name", "DEFAULT") not in ("DEFAULT", "DEFAULT_MAP")]
    if not given:
        return
    _ = translator(lang)
    fields = list(dict.fromkeys(single[p.name] for p in given if single[p.name]))
    other = [p.opts[0] for p in given if not single[p.name]]
    fix = []
    if fields:
        fix.append(_("set {fields} in the sweep file (at the top for every scenario, or under grid: or "
                     "scenarios:)").format(fields=", ".join(fields)))
    if other:
        fix.append(_("drop {options}: a sweep has no such setting").format(options=", ".join(other)))
    fix.append(_("or run one scenario without --sweep"))
    options = ", ".join(p.opts[0] for p in given)
    raise DataValidationError(_("--sweep takes its scenarios from the sweep file; {options} would be ignored")
                              .format(options=options), fix="; ".join(fix))


def run_sweep(kind: str, sweep: Path, *, policy: Path | None = None, seed: int = 0, scheduler: str | None = None,
              workers: int | None = None, out: Path | None = None, format: str = "table", lang: str = "en",
              ctx=None) -> None:
    """``critmin disrupt --sweep FILE`` (``kind`` ``disrupt``) and ``critmin policy rank POLICY --sweep
    FILE`` (``policy``): the scenarios of the file as partitions (:mod:`critmin.sweep`). ``ctx``:
    the command's context; a single-scenario option given with ``--sweep`` is refused
    (:func:`refuse_single_options`)."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from .. import ensemble as ens
    from .. import sweep as sw
    from ..errors import CritminError, DataValidationError
    from ..i18n import translator
    from .methods import _table, localise

    _ = translator(lang)
    err = Console(stderr=True)
    format = str(getattr(format, "value", format))
    try:
        refuse_single_options(kind, ctx, lang)
        if out is not None and out.suffix.lower() not in ("", ".parquet"):
            raise DataValidationError("a sweep writes Parquet", field="--out", found=str(out),
                                      fix="name a directory (partitioned by mineral or importer) or a FILE.parquet")
        if out is not None:
            ens.check_output(out)
        if scheduler is None:
            scheduler = "local" if ens.dask_available() else "none"
        ens.check_scheduler(scheduler)
        show = format != "json" and sys.stderr.isatty()
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      console=err, disable=not show, transient=True) as prog:
            task = prog.add_task(_("preparing the data"), total=None)

            def prepared(i: int, n: int) -> None:
                prog.update(task, completed=i, total=n)

            def done(i: int, n: int) -> None:
                prog.update(task, description=_("sweep partitions"), completed=i, total=n)

            def event(text: str) -> None:
                (prog.console.print if show else lambda t: typer.echo(t, err=True))(text)

            res = sw.run_sweep(kind, sweep, policy=policy, seed=seed, scheduler=scheduler, workers=workers,
                               on_done=done, on_prepare=prepared, on_event=event, lang=lang)
            written = ens.write(res, out) if out is not None else []
    except (CritminError, ValueError, OSError) as exc:
        fail(exc)
    p, r = res.provenance, res.run
    typer.echo(_("{n} scenarios in {parts} partitions, {rows} rows; {s:.1f} s on {w} worker(s) ({sched}); "
                 "data prepared once in {prep:.1f} s").format(
        n=p["scenarios"], parts=p["partitions"], rows=p["rows"], s=r["compute_seconds"], w=r["workers"],
        sched=r["scheduler"], prep=r["prepare_seconds"]), err=True)
    for sk in p["skipped"]:
        typer.echo(_("skipped {n} scenario(s) of {mineral} into {importer}: {reason}").format(
            n=sk["scenarios"], mineral=sk["mineral"], importer=sk["importer"], reason=sk["reason"]), err=True)
    if written:
        typer.echo(_("written to {out}").format(out=out), err=True)
    t = res.table
    if format == "json":
        _echo_json(t, p, r, written, out)
        return
    if out is not None or not len(t):
        return
    if kind == "disrupt":
        show_t = t.sort_values(["shortfall_t", "scenario"], ascending=[False, True]).head(20)
        cols = ["importer", "mineral", "exporters", "share", "days", "stock_days", "shortfall_t", "covered_days",
                "stock_needed_t"] + (["mc_shortfall_p95_t", "mc_prob_shortfall"] if (t["runs"] > 0).any() else [])
        title = _("Disruption sweep: the {n} largest shortfalls of {total} scenarios (--out DIR or FILE.parquet "
                  "keeps every row)").format(n=len(show_t), total=len(t))
    else:
        show_t = t.sort_values(["reduction", "scenario"], ascending=[False, True]).head(20)
        cols = ["importer", "year", "scale", "intervention", "size", "reduction", "cost", "reduction_per_cost"]
        title = _("Policy sweep: the {n} largest risk reductions of {total} rows (--out DIR or FILE.parquet "
                  "keeps every row)").format(n=len(show_t), total=len(t))
    _table(localise(show_t, lang), title, cols, {c: "{:,.4g}" for c in cols if t[c].dtype.kind == "f"}, lang=lang)


def _echo_json(t, p: dict, r: dict, written, out) -> None:
    """The JSON document of an ensemble or sweep run: provenance, run, files written, and the records
    themselves when nothing was written."""
    from .methods import records_json

    doc = {"provenance": p, "run": r, "written": [str(w) for w in written]}
    if out is None:
        doc["records"] = records_json(t, list(t.columns))
    typer.echo(json.dumps(doc, ensure_ascii=False, default=str))

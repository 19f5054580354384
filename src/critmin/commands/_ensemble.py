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
        format: str) -> None:
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
    from .methods import records_json, _table, parse_years

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
                typer.echo(f"note: Dask is not installed ({ens.INSTALL_HINT}): the partitions run one after "
                           "another in this process", err=True)
        ens.check_scheduler(scheduler)
        show = format != "json" and sys.stderr.isatty()
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      TimeRemainingColumn(), console=err, disable=not show, transient=True) as prog:
            task = prog.add_task("preparing the supply data", total=None)

            def prepared(i: int, n: int) -> None:
                prog.update(task, description="preparing the supply data (importers)", completed=i, total=n)

            def done(i: int, n: int) -> None:
                prog.update(task, description="uncertainty partitions (importer x year)", completed=i, total=n)

            def event(text: str) -> None:
                (prog.console.print if show else lambda t: typer.echo(t, err=True))(text)

            res = ens.run_ensemble(imps, yrs, draws=draws, seed=seed, top=top, sobol=sobol, sobol_n=sobol_n,
                                   sobol_engine=sobol_engine, scheduler=scheduler, workers=workers,
                                   on_done=done, on_prepare=prepared, on_event=event)
            written = ens.write(res, out) if out is not None else []
    except (CritminError, ValueError, OSError) as exc:
        fail(exc)
    p, r = res.provenance, res.run
    mem = r.get("memory_mb", {})
    summary = (f"{p['partitions_done']} partitions done, {len(p['skipped'])} skipped; "
               f"{r['compute_seconds']:.1f} s on {r['workers']} worker(s) ({r['scheduler']}), data prepared once in "
               f"{r['prepare_seconds']:.1f} s ({r['snapshot_mb']:.1f} MB shared); memory per worker "
               + (("{:.0f} MB" if min(mem.values()) == max(mem.values()) else "{:.0f}–{:.0f} MB").format(
                   min(mem.values()), max(mem.values())) if mem else "not measured"))
    typer.echo(summary, err=True)
    if written:
        typer.echo(f"written to {out} (seed {p['seed']}, {p['draws']:,} draws, data {p['data_fingerprint']})",
                   err=True)
    t = res.table
    if format == "json":
        doc = {"provenance": p, "run": r, "written": [str(w) for w in written]}
        if out is None:
            doc["records"] = records_json(t, list(t.columns))
        typer.echo(json.dumps(doc, ensure_ascii=False, default=str))
        return
    if out is None and len(t):
        m = t[t["indicator"] == "mean_score"].sort_values(["importer", "year", "base"],
                                                             ascending=[True, True, False])
        m = m.groupby(["importer", "year"], sort=False).head(top)
        _table(m, f"Mean score bands, top {top} per importer and year ({p['draws']:,} draws, seed {p['seed']}; "
                  "--out DIR or FILE.parquet keeps every row)",
               ["importer", "year", "mineral", "base", "p05", "p50", "p95"],
               {c: "{:.3f}" for c in ("base", "p05", "p50", "p95")})

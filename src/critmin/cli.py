"""Command-line interface: ``critmin`` (a thin layer over the Python API)."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import List, Optional

import typer

from .commands._common import Fmt, OutFmt
from .commands._common import console as _console
from .commands._common import fail as _fail
from .errors import CritminError

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="critmin — critical-mineral supply-risk assessment (METI/ANRE six indicators).")
data_app = typer.Typer(no_args_is_help=True, help="The data the tool holds: info, build, import.")
app.add_typer(data_app, name="data")


@data_app.command("info")
def data_info(country: str = typer.Option("JPN", help="importer whose trade partners are counted"),
              format: Fmt = typer.Option(Fmt.table, "--format", help="table or json"),
              mineral_list: Optional[str] = typer.Option(None, "--list", help="only the minerals of a published "
                                                         "list (`critmin lists`), e.g. jp-stockpile-34")) -> None:
    """What data the tool holds: per mineral and dataset, years, countries and source edition."""
    from . import data
    from .countries import check_iso3

    try:
        info = data.info(check_iso3(country))
        if mineral_list:
            from .catalogue import list_members

            keep = set(list_members(mineral_list))
            info["coverage"] = [r for r in info["coverage"] if r["mineral"] in keep]
    except CritminError as exc:
        _fail(exc)
    if format == Fmt.json:
        typer.echo(json.dumps(info, ensure_ascii=False))
        return
    from rich.table import Table

    con = _console()
    t = Table(title=f"Sources (dataset built {info['built']})")
    for c in ("name", "edition", "licence"):
        t.add_column(c)
    for s in info["sources"]:
        t.add_row(s["name"], s["edition"], s["licence"])
    con.print(t)
    t = Table(title=f"Coverage (trade partners of {info['country']})")
    for c in ("mineral", "dataset", "years", "n years", "countries", "source"):
        t.add_column(c, overflow="fold")
    for r in info["coverage"]:
        ys = r["years"]
        span = f"{ys[0]}–{ys[-1]}" if len(ys) > 1 else str(ys[0])
        t.add_row(r["mineral"], r["dataset"], span, str(len(ys)), str(r["countries"]), r["source"])
    con.print(t)
    rv = info["revisions"]
    con.print(f"USGS MCS production figures revised by more than {rv['threshold']:.0%} between editions: "
              f"{rv['count']} (the later edition's figure is used; the list: --format json, key "
              f"'revisions'); {rv['superseded_rows']} older-edition rows dropped where a later edition's "
              "table omits the country")


@data_app.command("gaps")
def data_gaps(country: str = typer.Option("JPN", help="importer"),
              format: Fmt = typer.Option(Fmt.table, "--format", help="table or json")) -> None:
    """Which minerals and stages lack trade data for an importer, why, and the HS codes that would fill them."""
    from . import data

    try:
        g = data.gaps(country)
    except CritminError as exc:
        _fail(exc)
    if format == Fmt.json:
        typer.echo(json.dumps({"country": country.upper(), "gaps": g.to_dict("records")}, ensure_ascii=False))
        return
    from rich.table import Table

    con = _console()
    t = Table(title=f"Import stages without trade data for {country.upper()}")
    for c in ("mineral", "stage", "status", "fill by importing HS", "reason"):
        t.add_column(c, overflow="fold")
    g = g.sort_values(["status", "fix", "stage", "mineral"])
    for r in g.itertuples(index=False):
        t.add_row(r.mineral, r.stage, "n/a" if r.status == "not_applicable" else "no data",
                  ", ".join(r.codes) if r.fix == "import" else "-", r.reason)
    con.print(t)
    codes = sorted({c for cs in g.loc[g["fix"] == "import", "codes"] for c in cs})
    con.print(f"{(g['fix'] == 'import').sum()} stages can be filled by `critmin data fetch baci` (or `critmin data "
              f"import baci FILE`) with the HS codes {', '.join(codes)}; {(g['status'] == 'not_applicable').sum()} "
              "are not applicable (no HS code can hold the stage: n/a).")


@data_app.command("build")
def data_build(raw: Optional[Path] = typer.Option(None, help="raw data directory (default ../shared/data/raw)"),
               out: Optional[Path] = typer.Option(None, help="output directory (default: the package's data)")) -> None:
    """Rebuild the shipped dataset from the raw source files."""
    import time

    from .build import build

    t0 = time.perf_counter()
    try:
        man = build(raw, out, progress=lambda msg: typer.echo(f"  reading {msg}", err=True))
    except CritminError as exc:
        _fail(exc)
    typer.echo(f"built {len(man['sources'])} sources in {time.perf_counter() - t0:.1f} s")


@data_app.command("import")
def data_import(source: str = typer.Argument(..., help="source id: usgs-mcs, baci, wgi, pink-sheet, bgs, wmd, ..."),
                file: Path = typer.Argument(..., help="the file you downloaded")) -> None:
    """Add a newer edition of a supported source, validated; the store is unchanged on any error."""
    from .sources import module, require_file, sha256
    from .store import default_store, read_manifest

    try:
        mod = module(source)
        require_file(file, what=source)
        sha = sha256(file)
        st = default_store()
        shipped = {v for s in read_manifest(st.shipped)["sources"] for v in s.get("files", {}).values()}
        if sha in shipped:
            typer.echo(f"{file} is already part of the shipped dataset; nothing to do")
            return
        df = mod.read(file)
        editions = sorted(set(df["edition"]))
        path = st.add(df, source=mod.SOURCE.id, edition=", ".join(editions), origin=str(file), sha256=sha)
    except CritminError as exc:
        _fail(exc)
    typer.echo(f"imported {len(df):,} observations from {file} ({', '.join(editions)}) into {path}")


def records_to_json(result, lang: str = "en") -> dict:
    """The ``critmin assess --format json`` document (see :meth:`critmin.assessment.Assessment.to_json`)."""
    return result.to_json()


@app.command("assess")
def assess_cmd(
    country: str = typer.Option("JPN", help="importing country (ISO3)"),
    year: Optional[int] = typer.Option(None, help="assessment year (default: latest with trade data)"),
    mineral: Optional[List[str]] = typer.Option(None, "--mineral", "-m", help="mineral id or name (repeatable)"),
    mineral_list: Optional[str] = typer.Option(None, "--list", help="the minerals of a published list (`critmin "
                                               "lists`), e.g. jp-stockpile-34, eu-crm-2023; adds to --mineral"),
    lang: str = typer.Option("en", help="ja or en"),
    format: OutFmt = typer.Option(OutFmt.table, "--format", help="table, json, csv (UTF-8 with BOM, flat columns) "
                                  "or xlsx (a workbook: scores, records, diagnosis, sources, method; needs --out)"),
    out: Optional[Path] = typer.Option(None, help="HTML report path (default critmin-report.html with the "
                                                   "table format; json writes a report only when given); with "
                                                   "--format xlsx the workbook, with --format csv the CSV file "
                                                   "(else printed)"),
    no_report: bool = typer.Option(False, "--no-report", help="do not write the HTML report"),
    import_variant: str = typer.Option("weighted_hhi", help="weighted_hhi | product | geopolrisk"),
    governance: str = typer.Option("pv", help="pv (WGI political stability) | mean (of WGI dimensions held)"),
    missing_governance: str = typer.Option("worst", help="partner without WGI: worst | neutral | drop"),
    domestic: str = typer.Option("secure", help="domestic production as a secure source (g = 0): secure | ignore"),
    volatility: str = typer.Option("log_return_std", help="log_return_std | yoy_std | range | cv | mean_abs_change"),
    volatility_window: int = typer.Option(10, help="years in the price window"),
    normalisation: str = typer.Option("anchors", help="anchors | minmax | percentile"),
    residual_rule: str = typer.Option("split", help="'Other countries' rule: split | as_one | ignore | named_only"),
    window: int = typer.Option(1, help="years pooled for concentration and imports"),
    trend_years: int = typer.Option(15, help="years of indicator trend in the report"),
) -> None:
    """Assess every mineral's six supply-risk indicators for an importer and year."""
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from .assessment import Method, assess, compute
    from .store import read_manifest

    if lang not in ("ja", "en"):
        _fail(CritminError(f"unknown language {lang!r}: use ja or en"))
    quiet = format != OutFmt.table
    data_out = None     # the workbook or CSV file written instead of the HTML report
    if format == OutFmt.xlsx or (format == OutFmt.csv and out is not None and out.suffix.lower() != ".html"):
        if out is None:
            _fail(CritminError("--format xlsx writes a workbook: give its path with --out, e.g. --out a.xlsx"))
        from .commands._common import check_out

        data_out, out, no_report = check_out(out), Path("critmin-report.html"), True
    if out is None:
        no_report = no_report or quiet
        out = Path("critmin-report.html")
    try:
        method = Method(import_variant=import_variant, governance=governance,
                        missing_governance=missing_governance, domestic=domestic, volatility=volatility,
                        volatility_window=volatility_window, normalisation=normalisation,
                        residual_rule=residual_rule, window=window)
        with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                      transient=True, disable=quiet, console=_console() if not quiet else None) as prog:
            task = prog.add_task("assessing", total=None)
            if mineral_list:
                from .catalogue import list_members

                mineral = [*(mineral or []), *list_members(mineral_list)]
            result = assess(country, year, mineral or None, method=method, lang=lang)
            recs = result.records
            trend = None
            if not no_report:
                prog.update(task, description="computing indicator trends")
                y = int(recs["year"].iloc[0])
                yrs = list(range(y - trend_years + 1, y + 1))
                trend, _ = compute(countries=[recs["country"].iloc[0]], years=yrs,
                                   minerals=sorted(recs["mineral"].unique()), method=method,
                                   supply=result.supply)
                prog.update(task, description="writing the report")
                from .report import write_assessment

                write_assessment(result, out, trend=trend, lang=lang, manifest=read_manifest())
    except CritminError as exc:
        _fail(exc)
    except ValueError as exc:
        _fail(exc)
    if format == OutFmt.json:
        typer.echo(json.dumps(result.to_json(), ensure_ascii=False))
    elif format in (OutFmt.csv, OutFmt.xlsx):
        from .report import excel
        from .report.io import write_bytes_atomic

        try:
            data = (excel.assessment_workbook(result, lang, manifest=read_manifest()) if format == OutFmt.xlsx
                    else excel.csv_bytes(excel.flat_records(recs)))
            if data_out is not None:
                write_bytes_atomic(data_out, data)
                typer.echo(f"{format.value} written to {data_out}", err=True)
            else:
                typer.echo(data, nl=False)
        except CritminError as exc:
            _fail(exc)
    else:
        _print_table(result, lang)
    if not no_report:
        typer.echo(f"report written to {out}", err=True)


TOOL_ABBR = {"upstream_development": "UP", "smelter_support_stockpile": "SM", "substitution": "SB",
             "recycling": "RE"}


def _print_table(result, lang: str) -> None:
    from rich.table import Table, box

    from .catalogue import name
    from .diagnosis import INDICATORS
    from .report.labels import SHORT, TOOL_LABELS

    recs = result.records
    wide = result.rank()
    diag = {d["mineral"]: d for d in result.diagnosis}
    c, y = recs["country"].iloc[0], int(recs["year"].iloc[0])
    m = result.method.as_dict()
    legend = ", ".join(f"{a} = {TOOL_LABELS[lang][t]}" for t, a in TOOL_ABBR.items())
    from .report.labels import ASSESS_HOW

    how = ASSESS_HOW[lang].format(**{k: m.get(k) for k in ("import_variant", "governance", "volatility",
                                                            "volatility_window", "normalisation")})
    if lang == "ja":
        title = f"供給リスク指標（0〜1、1 = リスク最大）輸入国 {c}、{y}年"
        caption = (f"政策ツール: {legend}。\n手法: {how}。'-' = データなし、'n/a' = 該当しない"
                   "（構造上その段階がない）。理由は --format json とレポート。"
                   "評価済み指標の平均で順位付け（6指標中4指標以上を評価できた鉱種を先に表示）。")
        cols = ("鉱種", "平均", "指標数", "政策ツール")
    else:
        title = f"Supply-risk scores (0-1, 1 = highest risk), importer {c}, year {y}"
        caption = (f"Tools: {legend}.\nMethod: {how}. '-' = no data, 'n/a' = not applicable (the stage does "
                   "not exist); reasons in --format json and the report. Ranked by the mean of the scored "
                   "indicators, minerals with at least 4 of 6 scored first.")
        cols = ("mineral", "mean", "n", "tools")
    t = Table(title=title, box=box.SIMPLE_HEAD, caption=caption, caption_justify="left", pad_edge=False)
    t.add_column("#", justify="right")
    t.add_column(cols[0], no_wrap=True, max_width=30)
    for i in INDICATORS:
        t.add_column(SHORT[lang][i], justify="right")
    t.add_column(cols[1], justify="right")
    t.add_column(cols[2], justify="right")
    t.add_column(cols[3], no_wrap=True)
    status = dict(zip(zip(recs["mineral"], recs["indicator"]), recs["status"]))
    for k, (mn, row) in enumerate(wide.iterrows(), 1):
        cells = [("n/a" if status.get((mn, i)) == "not_applicable" else "-") if row[i] != row[i]
                 else f"{row[i]:.2f}" for i in INDICATORS]
        tools = " ".join(TOOL_ABBR[x] for x in diag.get(mn, {}).get("tools", []))
        t.add_row(str(k), name(mn, lang), *cells, f"{row['mean']:.2f}", str(int(row["n"])), tools)
    _console(124 if lang == "ja" else 110).print(t)


def _register_commands() -> None:
    from .commands import register_all

    register_all(app)


_register_commands()


def main() -> None:  # entry point
    try:
        app()
    except CritminError as exc:  # pragma: no cover - safety net
        typer.secho(f"error: {exc}", fg=typer.colors.RED, err=True)
        sys.exit(2)


if __name__ == "__main__":
    main()

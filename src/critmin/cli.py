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
from .commands._common import lang_option as _lang_option
from .errors import CritminError

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="critmin — critical-mineral supply-risk assessment (METI/ANRE six indicators).")
data_app = typer.Typer(no_args_is_help=True, help="The data the tool holds: info, build, import.")
app.add_typer(data_app, name="data")


@data_app.command("info")
def data_info(country: str = typer.Option("JPN", help="importer whose trade partners are counted"),
              format: Fmt = typer.Option(Fmt.table, "--format", help="table or json"),
              mineral_list: Optional[str] = typer.Option(None, "--list", help="only the minerals of a published "
                                                         "list (`critmin lists`), e.g. jp-stockpile-34"),
              lang: str = _lang_option()) -> None:
    """What data the tool holds: per mineral and dataset, years, countries and source edition."""
    from . import data
    from .countries import check_iso3
    from .i18n import N_, number, translator

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

    from .data import DATASET_LABELS

    _ = translator(lang)
    con = _console()
    t = Table(title=_("Sources (dataset built {built})").format(built=info["built"]))
    for c in (N_("source id"), N_("edition"), N_("licence")):
        t.add_column(_(c), overflow="fold")
    for s in info["sources"]:
        t.add_row(s["name"], s["edition"], _(s["licence"]) if s["licence"] else "")
    con.print(t)
    t = Table(title=_("Coverage (trade partners of {country})").format(country=_people_country(info["country"], lang)))
    for c in (N_("mineral"), N_("dataset"), N_("years"), N_("number of years"), N_("countries"), N_("source")):
        t.add_column(_(c), overflow="fold")
    for r in info["coverage"]:
        ys = r["years"]
        span = f"{ys[0]}–{ys[-1]}" if len(ys) > 1 else str(ys[0])
        t.add_row(_people_mineral(r["mineral"], lang), _(DATASET_LABELS.get(r["dataset"], r["dataset"])), span,
                  str(len(ys)), str(r["countries"]), r["source"])
    con.print(t)
    rv = info["revisions"]
    con.print(_("USGS MCS production figures revised by more than {threshold} between editions: {count} (the "
                "later edition's figure is used; the list: --format json, key 'revisions'); {dropped} "
                "older-edition rows dropped where a later edition's table omits the country").format(
        threshold=f"{rv['threshold']:.0%}", count=number(rv["count"], lang), dropped=number(rv["superseded_rows"], lang)),
        highlight=False)


def _people_mineral(mineral: str, lang: str) -> str:
    """A mineral as a person reads it: the id in English tables, the catalogue name in Japanese."""
    from .catalogue import name

    if lang == "en":
        return mineral
    try:
        return name(mineral, lang)
    except KeyError:
        return mineral


def _people_country(code: str, lang: str) -> str:
    from .i18n import country_name

    return code if lang == "en" else country_name(code, lang)


@data_app.command("gaps")
def data_gaps(country: str = typer.Option("JPN", help="importer"),
              format: Fmt = typer.Option(Fmt.table, "--format", help="table or json"),
              lang: str = _lang_option()) -> None:
    """Which minerals and stages lack trade data for an importer, why, and the HS codes that would fill them."""
    from . import data
    from .disruption import stage_label
    from .i18n import N_, number, translator
    from .reasons import translate

    try:
        g = data.gaps(country)
    except CritminError as exc:
        _fail(exc)
    if format == Fmt.json:
        typer.echo(json.dumps({"country": country.upper(), "gaps": g.to_dict("records")}, ensure_ascii=False))
        return
    from rich.table import Table

    _ = translator(lang)
    con = _console()
    t = Table(title=_("Import stages without trade data for {country}").format(
        country=_people_country(country.upper(), lang)))
    for c in (N_("mineral"), N_("stage"), N_("status"), N_("fill by importing HS"), N_("reason")):
        t.add_column(_(c), overflow="fold")
    g = g.sort_values(["status", "fix", "stage", "mineral"])
    from .catalogue import STAGE_GAPS

    for r in g.itertuples(index=False):
        # the catalogue's generic reason of an importable gap names the command: said once, below the table
        generic = r.fix == "import" and (r.mineral, r.stage) not in STAGE_GAPS
        t.add_row(_people_mineral(r.mineral, lang), stage_label(r.stage, lang),
                  _(N_("no HS code")) if r.status == "not_applicable" else _(N_("no trade data")),
                  ", ".join(r.codes) if r.fix == "import" else "-",
                  _(N_("the shipped trade data lack these codes: importing a file with them fills this (command "
                       "below)")) if generic else translate(r.reason, lang))
    con.print(t)
    codes = sorted({c for cs in g.loc[g["fix"] == "import", "codes"] for c in cs})
    con.print(_("{n} stages can be filled by `critmin data fetch baci` (or `critmin data import baci FILE`) with the "
                "HS codes {codes}; {na} have no HS code that could hold the stage.").format(
        n=number(int((g["fix"] == "import").sum()), lang), codes=", ".join(codes),
        na=number(int((g["status"] == "not_applicable").sum()), lang)), highlight=False)


@data_app.command("build")
def data_build(raw: Optional[Path] = typer.Option(None, help="raw data directory (default ../shared/data/raw)"),
               out: Optional[Path] = typer.Option(None, help="output directory (default: the package's data)"),
               lang: str = _lang_option()) -> None:
    """Rebuild the shipped dataset from the raw source files."""
    import time

    from .build import build
    from .i18n import number, translator

    _ = translator(lang)
    t0 = time.perf_counter()
    try:
        man = build(raw, out, progress=lambda msg: typer.echo(_("  reading {file}").format(file=msg), err=True))
    except CritminError as exc:
        _fail(exc)
    typer.echo(_("built {n} sources in {seconds} s").format(n=len(man["sources"]),
                                                            seconds=number(time.perf_counter() - t0, lang, 1)))


@data_app.command("import")
def data_import(source: str = typer.Argument(..., help="source id: usgs-mcs, baci, wgi, pink-sheet, bgs, wmd, ..."),
                file: Path = typer.Argument(..., help="the file you downloaded"),
                lang: str = _lang_option()) -> None:
    """Add a newer edition of a supported source, validated; the store is unchanged on any error."""
    from .i18n import number, translator
    from .sources import module, require_file, sha256
    from .store import default_store, read_manifest

    _ = translator(lang)
    try:
        mod = module(source)
        require_file(file, what=source)
        sha = sha256(file)
        st = default_store()
        shipped = {v for s in read_manifest(st.shipped)["sources"] for v in s.get("files", {}).values()}
        if sha in shipped:
            typer.echo(_("{file} is already part of the shipped dataset; nothing to do").format(file=file))
            return
        df = mod.read(file)
        editions = sorted(set(df["edition"]))
        path = st.add(df, source=mod.SOURCE.id, edition=", ".join(editions), origin=str(file), sha256=sha)
    except CritminError as exc:
        _fail(exc)
    typer.echo(_("imported {n} observations from {file} ({editions}) into {path}").format(
        n=number(len(df), lang), file=file, editions=", ".join(editions), path=path))


# -- the assessment part of the CLI ------------------------------------------------------------
from .commands._common import lang_option
from .i18n import N_


def records_to_json(result, lang: str = "en") -> dict:
    """The ``critmin assess --format json`` document (see :meth:`critmin.assessment.Assessment.to_json`)."""
    return result.to_json(lang)


#: the report's default file; an existing one is never replaced (:func:`report_path`)
DEFAULT_REPORT = Path("critmin-report.html")
#: rows of the first screen when no minerals are chosen (``--wide``: all)
SCREEN_ROWS = 20

# the texts of the command (English; the Japanese is in assessment.po)
_WROTE = N_("report written to {path}")
_WROTE_NEW = N_("report written to {path} ({old} exists and was kept; --out names the file)")
_WROTE_OVER = N_("report written to {path} (the previous file was replaced)")
_DATA_WROTE = N_("{what} written to {path}")
_STEP_ASSESS, _STEP_TREND, _STEP_REPORT = N_("assessing"), N_("computing indicator trends"), N_("writing the report")


def report_path(out: Optional[Path]) -> tuple[Path, str]:
    """Where the HTML report goes and how to say it: ``--out`` as given (a file there is replaced,
    and the message says so); else ``critmin-report.html``, or when that exists the first free
    ``critmin-report-2.html``, ``-3`` … (a report is never overwritten silently)."""
    if out is not None:
        return out, (_WROTE_OVER if out.exists() else _WROTE)
    if not DEFAULT_REPORT.exists():
        return DEFAULT_REPORT, _WROTE
    k = 2
    while Path(f"{DEFAULT_REPORT.stem}-{k}{DEFAULT_REPORT.suffix}").exists():
        k += 1
    return Path(f"{DEFAULT_REPORT.stem}-{k}{DEFAULT_REPORT.suffix}"), _WROTE_NEW


@app.command("assess")
def assess_cmd(
    country: str = typer.Option("JPN", help="importing country (ISO3)"),
    year: Optional[int] = typer.Option(None, help="assessment year (default: latest with trade data)"),
    mineral: Optional[List[str]] = typer.Option(None, "--mineral", "-m", help="mineral id, name, Japanese name "
                                                "or element symbol (repeatable)"),
    mineral_list: Optional[str] = typer.Option(None, "--list", help="the minerals of a published list (`critmin "
                                               "lists`), e.g. jp-stockpile-34, eu-crm-2023; adds to --mineral"),
    lang: str = lang_option(),
    format: OutFmt = typer.Option(OutFmt.table, "--format", help="table, json, csv (UTF-8 with BOM, flat columns) "
                                  "or xlsx (a workbook: scores, records, diagnosis, sources, method; needs --out)"),
    out: Optional[Path] = typer.Option(None, help="HTML report path (default critmin-report.html with the "
                                                   "table format, or critmin-report-2.html … when that exists: "
                                                   "never overwritten; json writes a report only when given); "
                                                   "with --format xlsx the workbook, with --format csv the CSV "
                                                   "file (else printed)"),
    no_report: bool = typer.Option(False, "--no-report", help="do not write the HTML report"),
    wide: bool = typer.Option(False, "--wide", help="the full table: every mineral and column (the first screen "
                              "fits 100 columns: the chosen minerals, else the 20 of highest overall risk)"),
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
    from .assessment import Method, assess, compute
    from .commands._common import check_out, spinner
    from .i18n import translator
    from .store import read_manifest

    _ = translator(lang)
    quiet = format != OutFmt.table
    data_out = None     # the workbook or CSV file written instead of the HTML report
    if format == OutFmt.xlsx or (format == OutFmt.csv and out is not None and out.suffix.lower() != ".html"):
        if out is None:
            _fail(CritminError("--format xlsx writes a workbook: give its path with --out, e.g. --out a.xlsx"))
        data_out, out, no_report = check_out(out), None, True
    if out is None:
        no_report = no_report or quiet
    wrote = None
    if not no_report:
        out, wrote = report_path(out)
        check_out(out)
    try:
        method = Method(import_variant=import_variant, governance=governance,
                        missing_governance=missing_governance, domestic=domestic, volatility=volatility,
                        volatility_window=volatility_window, normalisation=normalisation,
                        residual_rule=residual_rule, window=window)
        with spinner() as prog:          # on stderr: also when stdout is piped
            task = prog.add_task(_(_STEP_ASSESS), total=None)
            if mineral_list:
                from .catalogue import list_members

                mineral = [*(mineral or []), *list_members(mineral_list)]
            result = assess(country, year, mineral or None, method=method, lang=lang)
            recs = result.records
            if not no_report:
                prog.update(task, description=_(_STEP_TREND))
                y = int(recs["year"].iloc[0])
                yrs = list(range(y - trend_years + 1, y + 1))
                trend, _d = compute(countries=[recs["country"].iloc[0]], years=yrs,
                                    minerals=sorted(recs["mineral"].unique()), method=method,
                                    supply=result.supply)
                prog.update(task, description=_(_STEP_REPORT))
                from .report.html import render_assessment
                from .report.io import write_text_atomic

                html = render_assessment(result, trend=trend, lang=lang, manifest=read_manifest())
                write_text_atomic(out, html, overwrite=wrote == _WROTE_OVER)
    except (CritminError, ValueError) as exc:
        _fail(exc)
    if format == OutFmt.json:
        typer.echo(json.dumps(result.to_json(lang), ensure_ascii=False))
    elif format in (OutFmt.csv, OutFmt.xlsx):
        from .report import excel
        from .report.io import write_bytes_atomic

        try:
            data = (excel.assessment_workbook(result, lang, manifest=read_manifest()) if format == OutFmt.xlsx
                    else excel.csv_bytes(excel.flat_records(recs, lang=lang)))
            if data_out is not None:
                write_bytes_atomic(data_out, data)
                typer.echo(_(_DATA_WROTE).format(what=format.value, path=data_out), err=True)
            else:
                typer.echo(data, nl=False)
        except CritminError as exc:
            _fail(exc)
    else:
        _print_table(result, lang, wide=wide, chosen=bool(mineral))
    if wrote:
        typer.echo(_(wrote).format(path=out, old=DEFAULT_REPORT), err=True)


TOOL_ABBR = {"upstream_development": "UP", "smelter_support_stockpile": "SM", "substitution": "SB",
             "recycling": "RE"}

_T_TITLE = N_("Supply-risk scores (0–1, 1 = highest risk), importer {country}, year {year}")
_T_INDICATORS = N_("Indicators: {legend}.")
_T_TOOLS = N_("Tools: {legend}.")
_T_METHOD = N_("Method: {how}.")
_T_MARKS = N_("'-' = no data, 'n/a' = not applicable (the stage does not exist); the reasons are in "
              "--format json and the report.")
_T_RANKED = N_("Ranked by overall risk: the mean of the scored indicators, minerals with at least 4 of 6 "
               "scored first.")
_T_MORE = N_("{shown} of {total} minerals shown (the highest overall risk): --wide shows all; --list or -m "
             "chooses (`critmin lists`).")
_T_COLS = (N_("mineral"), N_("mean"), N_("scored"), N_("tools"))


def _print_table(result, lang: str, *, wide: bool = False, chosen: bool = False) -> None:
    """The ``critmin assess`` table. The first screen (``wide=False``) fits 100 columns: the chosen
    minerals (all of them), else the :data:`SCREEN_ROWS` of highest overall risk, with one-word
    headers spelled out in the caption; ``wide``: every mineral, the longer headers (today's table)."""
    from rich.table import Table, box

    from .catalogue import name
    from .diagnosis import INDICATORS, NAMES
    from .i18n import country_name, translator
    from .report.labels import ASSESS_HOW, SHORT, TINY, TOOL_LABELS

    _ = translator(lang)
    recs = result.records
    ranked = result.rank()
    diag = {d["mineral"]: d for d in result.diagnosis_in(lang)}
    c, y = recs["country"].iloc[0], int(recs["year"].iloc[0])
    m = result.method.as_dict()
    comma = "、" if lang == "ja" else ", "
    tools = comma.join(f"{a} = {TOOL_LABELS[lang][t]}" for t, a in TOOL_ABBR.items())
    how = ASSESS_HOW[lang].format(**{k: m.get(k) for k in ("import_variant", "governance", "volatility",
                                                            "volatility_window", "normalisation")})
    heads = (SHORT if wide else TINY)[lang]
    caption = [_(_T_TOOLS).format(legend=tools), _(_T_METHOD).format(how=how), _(_T_MARKS), _(_T_RANKED)]
    if not wide:
        legend = comma.join(f"{heads[i]} = {NAMES[lang][i]}" for i in INDICATORS)
        caption.insert(0, _(_T_INDICATORS).format(legend=legend))
    rows = ranked if wide or chosen else ranked.head(SCREEN_ROWS)
    title = _(_T_TITLE).format(country=f"{country_name(c, lang)} ({c})", year=y)
    t = Table(title=title, box=box.SIMPLE_HEAD, caption=("" if lang == "ja" else " ").join(caption),
              caption_justify="left", pad_edge=False)
    t.add_column("#", justify="right")
    if wide:
        t.add_column(_(_T_COLS[0]), no_wrap=True, max_width=30)
    else:
        t.add_column(_(_T_COLS[0]), no_wrap=True, max_width=31, overflow="ellipsis")
    for i in INDICATORS:
        t.add_column(heads[i], justify="right")
    for k, col in enumerate(_T_COLS[1:]):
        t.add_column(_(col), justify="right" if k < 2 else "left", no_wrap=True)
    status = dict(zip(zip(recs["mineral"], recs["indicator"]), recs["status"]))
    for k, (mn, row) in enumerate(rows.iterrows(), 1):
        cells = [("n/a" if status.get((mn, i)) == "not_applicable" else "-") if row[i] != row[i]
                 else f"{row[i]:.2f}" for i in INDICATORS]
        abbr = " ".join(TOOL_ABBR[x] for x in diag.get(mn, {}).get("tools", []))
        mean = "-" if row["mean"] != row["mean"] else f"{row['mean']:.2f}"
        t.add_row(str(k), name(mn, lang), *cells, mean, str(int(row["n"])), abbr)
    if wide:
        _console(130 if lang == "ja" else 120).print(t)
        return
    from rich.console import Console

    con = Console()
    con.print(t)
    if len(rows) < len(ranked):
        con.print(_(_T_MORE).format(shown=len(rows), total=len(ranked)), highlight=False, markup=False)


def _version(value: bool) -> None:
    if value:
        from . import __version__

        typer.echo(f"critmin {__version__}")
        raise typer.Exit()


@app.callback()
def _root(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                       help="print the version and exit")) -> None:
    """critmin — critical-mineral supply-risk assessment (METI/ANRE six indicators)."""


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

"""Command-line interface: ``critmin`` (a thin layer over the Python API)."""
from __future__ import annotations

import json
import sys
from enum import Enum
from pathlib import Path
from typing import List, Optional

import typer

from .errors import CritminError

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="critmin — critical-mineral supply-risk assessment (METI/ANRE six indicators).")
data_app = typer.Typer(no_args_is_help=True, help="The data the tool holds: info, build, import.")
app.add_typer(data_app, name="data")


class Fmt(str, Enum):
    table = "table"
    json = "json"


def _fail(exc: Exception) -> None:
    typer.secho(f"error: {exc}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code=2)


def _console():
    from rich.console import Console

    return Console()


@data_app.command("info")
def data_info(country: str = typer.Option("JPN", help="importer whose trade partners are counted"),
              format: Fmt = typer.Option(Fmt.table, "--format", help="table or json")) -> None:
    """What data the tool holds: per mineral and dataset, years, countries and source edition."""
    from . import data
    from .countries import check_iso3

    try:
        info = data.info(check_iso3(country))
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
    from .sources import _common, module
    from .store import default_store, read_manifest

    try:
        mod = module(source)
        _common.require_file(file, what=source)
        sha = _common.sha256(file)
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


def main() -> None:  # entry point
    try:
        app()
    except CritminError as exc:  # pragma: no cover - safety net
        typer.secho(f"error: {exc}", fg=typer.colors.RED, err=True)
        sys.exit(2)


if __name__ == "__main__":
    main()

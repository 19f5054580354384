"""CLI: ``flow`` — the material flow of a mineral (マテリアルフロー), issue 17."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from ..i18n import N_
from ._common import console as _console
from ._common import fail as _fail
from ._common import lang_option

WRITTEN = {"xlsx": N_("flow workbook written to {path}"), "html": N_("Sankey page written to {path}")}


def register(app: typer.Typer) -> None:
    @app.command("flow")
    def flow_cmd(
        mineral: str = typer.Option(..., "--mineral", "-m", help="mineral id or name"),
        country: str = typer.Option("JPN", "--country", help="importer (ISO3)"),
        year: Optional[int] = typer.Option(None, "--year", help="year (default: latest with trade data)"),
        world: bool = typer.Option(False, "--world", help="world view: mine → refining countries → importers"),
        out: Optional[Path] = typer.Option(None, "--out", help="write the Sankey page (HTML) here; with "
                                                                "--format xlsx the workbook"),
        format: str = typer.Option("table", "--format", help="table, json or xlsx"),
        lang: str = lang_option(),
    ) -> None:
        """Material flow of a mineral: mine → concentrate trade → smelting → refined trade → use → scrap,
        with the risk score of each stage and the balance (unknown) at every node."""
        from ..errors import CritminError
        from ..i18n import translator
        from ._common import check_out

        if format not in ("table", "json", "xlsx"):
            _fail(ValueError(f"unknown format {format!r}: use table, json or xlsx"))
        if format == "xlsx" and out is None:
            out = Path(f"critmin-flow-{mineral}-{'world' if world else country}-{year or 'latest'}.xlsx")
        check_out(out)
        try:
            from ..flow import material_flow

            f = material_flow(mineral, country, year, world=world)
            if format == "xlsx":
                from ..report.flow import write_xlsx

                write_xlsx(f, out, lang)
            elif out is not None:
                from ..report.flow import write_flow

                write_flow(f, out, lang=lang)
        except CritminError as exc:
            _fail(exc)
        if format == "json":
            typer.echo(json.dumps(f.to_json(lang), ensure_ascii=False))
        elif format == "table":
            _print(f, lang)
        if out is not None:
            typer.echo(translator(lang)(WRITTEN["xlsx" if format == "xlsx" else "html"]).format(path=out), err=True)


def _print(f, lang: str) -> None:
    """The stages (status, score, source, reason) and the balance of the chain's nodes, in ``lang``."""
    from rich.table import Table, box

    from ..flow import text
    from ..i18n import translator
    from ..report.flow import LEGEND, H, basis_text, flow_title, node_names, stage_rows, tonnes

    _ = translator(lang)
    con = _console()
    t = Table(title=flow_title(f, lang), box=box.SIMPLE_HEAD)
    for k in ("stage", "status", "score", "source", "reason"):
        t.add_column(_(H[k]), overflow="fold")
    for s in stage_rows(f, lang):
        t.add_row(s["stage"], s["status"], s["score"], s["source"], s["reason"])
    con.print(t)
    names = node_names(f, lang)
    b = Table(title=_(H["balance"]), box=box.SIMPLE_HEAD, caption=_(LEGEND), caption_justify="left")
    for k in ("node", "in", "out", "unknown", "share", "basis"):
        b.add_column(_(H[k]), justify="left" if k in ("node", "basis") else "right", overflow="fold")
    for r in f.balance_records:
        if r["node"].startswith(("rimp:", "rexp:", "imp:")):
            continue
        b.add_row(names.get(r["node"], r["node"]), tonnes(r["in_t"], lang), tonnes(r["out_t"], lang),
                  tonnes(r["unknown_t"], lang), f"{100 * r['unknown_share']:.1f}%", basis_text(r["basis"], lang))
    con.print(b)
    for n in f.notes:
        con.print(f"  {text(n, lang)}", style="dim")

"""CLI: ``flow`` — the material flow of a mineral (マテリアルフロー), issue 17."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from ._common import console as _console
from ._common import fail as _fail


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
        lang: str = typer.Option("en", "--lang", help="ja or en"),
    ) -> None:
        """Material flow of a mineral: mine → concentrate trade → smelting → refined trade → use → scrap,
        with the risk score of each stage and the balance (unknown) at every node."""
        from ..errors import CritminError
        from ._common import check_out

        if format not in ("table", "json", "xlsx"):
            _fail(ValueError(f"unknown format {format!r}: use table, json or xlsx"))
        if lang not in ("en", "ja"):
            _fail(ValueError(f"unknown language {lang!r}: use en or ja"))
        if format == "xlsx" and out is None:
            out = Path(f"critmin-flow-{mineral}-{'world' if world else country}-{year or 'latest'}.xlsx")
        check_out(out)
        try:
            from ..flow import material_flow

            f = material_flow(mineral, country, year, world=world)
            if format == "xlsx":
                from ..report.flow import write_xlsx

                write_xlsx(f, out)
            elif out is not None:
                from ..report.flow import write_flow

                write_flow(f, out, lang=lang)
        except CritminError as exc:
            _fail(exc)
        if format == "json":
            typer.echo(json.dumps(f.to_json(), ensure_ascii=False))
        elif format == "table":
            _print(f, lang)
        if out is not None:
            typer.echo(f"{'workbook' if format == 'xlsx' else 'report'} written to {out}", err=True)


def _print(f, lang: str) -> None:
    from rich.table import Table, box

    from .. import catalogue
    from ..report.flow import LABELS, _t

    L = LABELS[lang]
    con = _console()
    who = f.country or L["world"]
    t = Table(title=f"{L['title']} — {catalogue.name(f.mineral, lang)} · {who} · {f.year}", box=box.SIMPLE_HEAD)
    for c in (L["stage"], L["status"], L["score"], L["source"], L["reason"]):
        t.add_column(c, overflow="fold")
    for s in f.stages:
        sc = s.get("score")
        t.add_row(L["stage_names"].get(s["stage"], s["stage"]), L.get(s["status"], s["status"]),
                  "" if sc is None else f"{sc:.2f}", s.get("source") or "", s.get("reason") or "")
    con.print(t)
    b = Table(title=L["balance"], box=box.SIMPLE_HEAD, caption=L["legend"], caption_justify="left")
    for c in (L["node"], L["in"], L["out"], L["unknown"], L["share"], L["basis"]):
        b.add_column(c, justify="left" if c in (L["node"], L["basis"]) else "right", overflow="fold")
    bal = f.balance
    bal = bal[~bal["node"].str.startswith(("rimp:", "rexp:", "imp:"))]
    for r in bal.itertuples(index=False):
        b.add_row(r.node, _t(r.in_t), _t(r.out_t), _t(r.unknown_t), f"{100 * r.unknown_share:.1f}%", r.basis)
    con.print(b)
    for n in f.notes:
        con.print(f"  {n}", style="dim")

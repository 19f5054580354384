"""CLI: ``demand`` (technology demand scenarios) and ``selfsufficiency`` (equity-basis ratio), issue #5;
``--lang``, ``--format csv|xlsx`` (issue 13)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from ._common import Fmt, OutFmt, check_out, lang_option
from ._common import console as _console
from ._common import fail as _fail


def parse_mix(spec: str) -> dict[str, float]:
    """``'nmc811=0.6,lfp=0.4'`` → ``{'nmc811': 0.6, 'lfp': 0.4}``."""
    from ..errors import DataValidationError

    out = {}
    for part in spec.split(","):
        k, sep, v = part.partition("=")
        try:
            if not sep:
                raise ValueError
            out[k.strip()] = float(v)
        except ValueError:
            raise DataValidationError("cannot read the chemistry mix", field="--mix", found=spec,
                                      fix="write chemistry=share pairs, e.g. nmc811=0.6,lfp=0.4") from None
    return out


def register(app: typer.Typer) -> None:
    @app.command("demand")
    def demand_cmd(
        scenario: Optional[str] = typer.Option(None, "--scenario", "-s",
                                               help="shipped scenario name or a YAML/JSON scenario file"),
        list_: bool = typer.Option(False, "--list", help="list the shipped scenarios and exit"),
        format: OutFmt = typer.Option(OutFmt.table, "--format", help="table, json, csv (UTF-8 with BOM) or xlsx "
                                      "(a workbook; needs --out x.xlsx; an --out ending in .xlsx or .csv chooses "
                                      "the format)"),
        out: Optional[Path] = typer.Option(None, "--out", help="the HTML report (table or json format), or the "
                                                                "workbook / CSV file"),
        mix: Optional[str] = typer.Option(None, "--mix", help="battery chemistry mix for every battery, "
                                                              "e.g. nmc811=0.6,lfp=0.4"),
        improvement: Optional[float] = typer.Option(None, "--improvement",
                                                    help="intensity improvement per year (fraction) for all"),
        until: Optional[int] = typer.Option(None, "--until", help="last projection year (e.g. 2050)"),
        domestic: str = typer.Option("scenario", "--domestic",
                                     help="domestic demand: scenario (the file's, e.g. the seed's reported "
                                          "2018 figures) | apparent (from trade + production data) | none"),
        no_world: bool = typer.Option(False, "--no-world", help="do not compare with world production"),
        lang: str = lang_option(),
    ) -> None:
        """Mineral demand of a technology-deployment scenario, against domestic demand and world supply."""
        from ..errors import CritminError, DataValidationError
        from ..i18n import translator
        from .policy import data_target, write_data

        _ = translator(lang)
        format, data_out = data_target(format, out)
        report = out if data_out is None and format in (OutFmt.table, OutFmt.json) else None
        check_out(report)
        try:
            from .. import demand as dm

            if list_:
                ls = dm.list_scenarios(lang)
                if format == OutFmt.json:
                    typer.echo(json.dumps({"scenarios": ls.to_dict("records")}, ensure_ascii=False))
                else:
                    for r in ls.itertuples(index=False):
                        typer.echo(f"{r.name:28s} {r.years:10s} {r.title}")
                return
            if not scenario:
                _fail(ValueError(_("give --scenario NAME_OR_FILE (see --list)")))
            s = dm.load_scenario(scenario)
            years = None
            if until is not None:
                from ..limits import MAX_SPAN, YEARS

                ys = s.projection_years()
                if not (ys[0] <= until <= min(YEARS[1], ys[0] + MAX_SPAN)):
                    raise DataValidationError(
                        "--until is outside the projection range", field="--until", found=until,
                        expected=f"{ys[0]}–{min(YEARS[1], ys[0] + MAX_SPAN)} (the scenario starts in {ys[0]})",
                        fix="give the last projection year, e.g. --until 2050")
                years = list(range(ys[0], until + 1))
            proj = dm.project(s, years=years, mix=parse_mix(mix) if mix else None, improvement=improvement)
            ol = dm.outlook(proj, domestic=domestic, world=not no_world, lang=lang)
            if report is not None:
                from ..demand.report import write

                write(proj, ol, report, lang=lang)
        except CritminError as exc:
            _fail(exc)
        if format == OutFmt.json:
            typer.echo(json.dumps(dm.to_json(proj, ol), ensure_ascii=False))
        elif format in (OutFmt.csv, OutFmt.xlsx):
            from ..demand.excel import csv_table, workbook_sheets

            write_data(format, data_out, lambda: workbook_sheets(proj, ol, lang), lambda: csv_table(ol, lang))
        else:
            _print_outlook(ol, s, lang)
        if report is not None:
            typer.echo(_("report written to {path}").format(path=report), err=True)

    @app.command("selfsufficiency")
    def selfsufficiency_cmd(
        file: Optional[Path] = typer.Argument(None, help="filled template (CSV or Excel; the same as --input)",
                                              show_default=False),
        input: Optional[Path] = typer.Option(None, "--input", "-i", help="filled template (CSV or Excel)"),
        template: Optional[Path] = typer.Option(None, "--template", help="write a blank template here and exit "
                                                "(an existing file is kept unless --force)"),
        force: bool = typer.Option(False, "--force", help="with --template: replace an existing file"),
        format: Fmt = typer.Option(Fmt.table, "--format", help="table or json"),
        no_estimates: bool = typer.Option(False, "--no-estimates",
                                          help="do not fill missing ③ or demand from public data"),
        country: str = typer.Option("JPN", help="importer (for the apparent-consumption estimate)"),
        year: Optional[int] = typer.Option(None, help="year of the apparent-consumption estimate"),
        lang: str = lang_option(),
    ) -> None:
        """Self-sufficiency ratio (equity basis) per mineral from a confidential template."""
        from ..errors import CritminError
        from ..i18n import translator

        _ = translator(lang)
        if file is not None and input is not None and file != input:
            _fail(ValueError(_("give the template once: as FILE or as --input, not both")))
        input = input or file
        try:
            from .. import selfsufficiency as ss

            if template is not None:
                ss.write_template(template, force=force)
                typer.echo(_("blank template written to {path}").format(path=template), err=True)
                return
            if input is None:
                _fail(ValueError(_("give the filled template as FILE (or --template OUT.csv for a blank one)")))
            tab = ss.read_template(input)
            for note in tab.attrs.get("notes", []):
                typer.echo(f"note: {note}", err=True)
            if tab.empty:
                from ..errors import DataValidationError

                raise DataValidationError("the template holds no data rows", file=str(input),
                                          fix="one row per mine, smelter or flow and one 'demand' row per "
                                              "mineral (see examples/selfsufficiency-template.csv)")
            res = ss.compute(tab, estimate=not no_estimates, country=country, year=year, lang=lang)
        except CritminError as exc:
            _fail(exc)
        if format == Fmt.json:
            typer.echo(json.dumps(ss.to_json(res), ensure_ascii=False))
            return
        _print_selfsufficiency(res, lang)


def _print_selfsufficiency(res, lang: str) -> None:
    from rich.markup import escape
    from rich.table import Table, box

    from .. import selfsufficiency as ss
    from ..catalogue import name
    from ..i18n import number, translator
    from ..demand.project import BASES

    _ = translator(lang)
    t = Table(title=_("Self-sufficiency ratio (equity basis), % of domestic demand"), box=box.SIMPLE_HEAD,
              caption=escape(_("① equity mines ② equity smelters ③ post-consumer scrap ④ smelter residues ⑤ process "
                               "scrap; * = estimate from public data. Confidential inputs: do not publish.")),
              caption_justify="left")
    heads = [_("mineral"), _("ratio %"), "①", "②", "③", "④", "⑤", _("demand (t)"), _("domestic demand basis")]
    for k, c in enumerate(heads):
        t.add_column(c, justify="left" if k in (0, len(heads) - 1) else "right")
    for _i, r in res.iterrows():
        cells = [number(r[c + "_t"], lang) + ("*" if c in r["estimated"] else "") for c in ss.COMPONENTS]
        ratio = "–" if r["ratio"] != r["ratio"] else number(r["ratio"], lang, 1)
        t.add_row(name(r["mineral"], lang), ratio, *cells,
                  number(r["demand_t"], lang) + ("*" if "demand" in r["estimated"] else ""),
                  _(BASES[r["demand_basis"]]) if r["demand_basis"] in BASES else r["demand_basis"])
    con = _console()
    con.print(t)
    for _i, r in res.iterrows():
        for n in r["notes_text"] if "notes_text" in res else r["notes"]:
            con.print(escape(f"  {name(r['mineral'], lang)}: {n}"), style="dim")


def _print_outlook(ol, s, lang: str = "en") -> None:
    import math

    from rich.table import Table, box

    def pct(v):
        return "–" if v is None or not math.isfinite(v) else f"{100 * v:.1f}"

    last = ol.sort_values("year").groupby("mineral").tail(1)
    peak = ol.loc[ol.groupby("mineral")["tonnes"].idxmax()].set_index("mineral")
    from rich.markup import escape

    from ..catalogue import name as mineral_name
    from ..demand.project import BASES
    from ..i18n import number, tr
    from ..report.labels import DEMAND_TABLE

    bases = ", ".join(tr(BASES.get(b, b), lang) for b in sorted(set(ol["demand_basis"])))
    L = DEMAND_TABLE[lang]
    from ..demand.project import texts

    t = Table(title=escape(L["title"].format(name=s.name, title=texts(s, lang)[0])), box=box.SIMPLE_HEAD,
              caption=escape(L["caption"].format(bases=bases)), caption_justify="left")
    for k, c in enumerate(L["cols"]):
        t.add_column(c.format(year=int(last["year"].max())), justify="left" if k == 0 else "right")
    for m, r in peak.sort_values("tonnes", ascending=False).iterrows():
        lt = float(last.set_index("mineral").at[m, "tonnes"])
        yd = "" if r["year_exceeds_domestic"] != r["year_exceeds_domestic"] else str(int(r["year_exceeds_domestic"]))
        yw = "" if r["year_exceeds_world"] != r["year_exceeds_world"] else str(int(r["year_exceeds_world"]))
        t.add_row(mineral_name(m, lang), number(r["tonnes"], lang), str(int(r["year"])), number(lt, lang),
                  pct(float(r["share_of_domestic"])),
                  pct(float(r["share_of_world"])), yd, yw)
    _console().print(t)

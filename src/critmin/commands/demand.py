"""CLI: ``demand`` (technology demand scenarios) and ``selfsufficiency`` (equity-basis ratio), issue #5."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from ._common import check_out
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
        format: str = typer.Option("table", "--format", help="table or json"),
        out: Optional[Path] = typer.Option(None, "--out", help="write the HTML report here"),
        mix: Optional[str] = typer.Option(None, "--mix", help="battery chemistry mix for every battery, "
                                                              "e.g. nmc811=0.6,lfp=0.4"),
        improvement: Optional[float] = typer.Option(None, "--improvement",
                                                    help="intensity improvement per year (fraction) for all"),
        until: Optional[int] = typer.Option(None, "--until", help="last projection year (e.g. 2050)"),
        domestic: str = typer.Option("scenario", "--domestic",
                                     help="domestic demand: scenario (the file's, e.g. the seed's reported "
                                          "2018 figures) | apparent (from trade + production data) | none"),
        no_world: bool = typer.Option(False, "--no-world", help="do not compare with world production"),
        lang: str = typer.Option("en", "--lang", help="report language: en or ja"),
    ) -> None:
        """Mineral demand of a technology-deployment scenario, against domestic demand and world supply."""
        from ..errors import CritminError

        if format not in ("table", "json"):
            _fail(ValueError(f"unknown format {format!r}: use table or json"))
        if lang not in ("en", "ja"):
            _fail(ValueError(f"unknown language {lang!r}: use en or ja"))
        check_out(out)
        try:
            from .. import demand as dm

            if list_:
                ls = dm.list_scenarios()
                if format == "json":
                    typer.echo(json.dumps({"scenarios": ls.to_dict("records")}, ensure_ascii=False))
                else:
                    for r in ls.itertuples(index=False):
                        typer.echo(f"{r.name:28s} {r.years:10s} {r.title}")
                return
            if not scenario:
                _fail(ValueError("give --scenario NAME_OR_FILE (see --list)"))
            s = dm.load_scenario(scenario)
            years = None
            if until is not None:
                ys = s.projection_years()
                years = list(range(ys[0], until + 1))
            proj = dm.project(s, years=years, mix=parse_mix(mix) if mix else None, improvement=improvement)
            ol = dm.outlook(proj, domestic=domestic, world=not no_world)
            if out is not None:
                from ..demand.report import write

                write(proj, ol, out, lang=lang)
        except CritminError as exc:
            _fail(exc)
        if format == "json":
            typer.echo(json.dumps(dm.to_json(proj, ol), ensure_ascii=False))
        else:
            _print_outlook(ol, s, lang)
        if out is not None:
            typer.echo(f"report written to {out}", err=True)

    @app.command("selfsufficiency")
    def selfsufficiency_cmd(
        input: Optional[Path] = typer.Option(None, "--input", "-i", help="filled template (CSV or Excel)"),
        template: Optional[Path] = typer.Option(None, "--template", help="write a blank template here and exit "
                                                "(an existing file is kept unless --force)"),
        force: bool = typer.Option(False, "--force", help="with --template: replace an existing file"),
        format: str = typer.Option("table", "--format", help="table or json"),
        no_estimates: bool = typer.Option(False, "--no-estimates",
                                          help="do not fill missing ③ or demand from public data"),
        country: str = typer.Option("JPN", help="importer (for the apparent-consumption estimate)"),
        year: Optional[int] = typer.Option(None, help="year of the apparent-consumption estimate"),
    ) -> None:
        """Self-sufficiency ratio (equity basis, SPEC §2.7) per mineral from a confidential template."""
        from ..errors import CritminError

        if format not in ("table", "json"):
            _fail(ValueError(f"unknown format {format!r}: use table or json"))
        try:
            from .. import selfsufficiency as ss

            if template is not None:
                ss.write_template(template, force=force)
                typer.echo(f"blank template written to {template}", err=True)
                return
            if input is None:
                _fail(ValueError("give --input FILE (or --template OUT.csv for a blank template)"))
            tab = ss.read_template(input)
            for note in tab.attrs.get("notes", []):
                typer.echo(f"note: {note}", err=True)
            if tab.empty:
                from ..errors import DataValidationError

                raise DataValidationError("the template holds no data rows", file=str(input),
                                          fix="one row per mine, smelter or flow and one 'demand' row per "
                                              "mineral (see examples/selfsufficiency-template.csv)")
            res = ss.compute(tab, estimate=not no_estimates, country=country, year=year)
        except CritminError as exc:
            _fail(exc)
        if format == "json":
            typer.echo(json.dumps(ss.to_json(res), ensure_ascii=False))
            return
        from rich.table import Table, box

        t = Table(title="Self-sufficiency ratio (equity basis), % of domestic demand", box=box.SIMPLE_HEAD,
                  caption="① equity mines ② equity smelters ③ post-consumer scrap ④ smelter residues "
                          "⑤ process scrap; * = estimate from public data. Confidential inputs: do not publish.",
                  caption_justify="left")
        for c in ("mineral", "ratio %", "①", "②", "③", "④", "⑤", "demand t", "demand basis"):
            t.add_column(c, justify="left" if c in ("mineral", "demand basis") else "right")
        comps = list(ss.COMPONENTS)
        for _, r in res.iterrows():
            cells = [f"{r[c + '_t']:,.0f}" + ("*" if c in r["estimated"] else "") for c in comps]
            ratio = "-" if r["ratio"] != r["ratio"] else f"{r['ratio']:.1f}"
            t.add_row(r["mineral"], ratio, *cells,
                      f"{r['demand_t']:,.0f}" + ("*" if "demand" in r["estimated"] else ""), r["demand_basis"])
        con = _console()
        con.print(t)
        for _, r in res.iterrows():
            for n in r["notes"]:
                con.print(f"  {r['mineral']}: {n}", style="dim")


def _print_outlook(ol, s, lang: str = "en") -> None:
    import math

    from rich.table import Table, box

    def pct(v):
        return "-" if v is None or not math.isfinite(v) else f"{100 * v:.1f}"

    last = ol.sort_values("year").groupby("mineral").tail(1)
    peak = ol.loc[ol.groupby("mineral")["tonnes"].idxmax()].set_index("mineral")
    bases = ", ".join(sorted(set(ol["demand_basis"])))
    from rich.markup import escape

    from ..catalogue import name as mineral_name
    from ..report.labels import DEMAND_TABLE

    L = DEMAND_TABLE["ja" if lang == "ja" else "en"]
    t = Table(title=escape(L["title"].format(name=s.name, title=s.title)), box=box.SIMPLE_HEAD,
              caption=L["caption"].format(bases=bases), caption_justify="left")
    for k, c in enumerate(L["cols"]):
        t.add_column(c.format(year=int(last["year"].max())), justify="left" if k == 0 else "right")
    for m, r in peak.sort_values("tonnes", ascending=False).iterrows():
        lt = float(last.set_index("mineral").at[m, "tonnes"])
        yd = "" if r["year_exceeds_domestic"] != r["year_exceeds_domestic"] else str(int(r["year_exceeds_domestic"]))
        yw = "" if r["year_exceeds_world"] != r["year_exceeds_world"] else str(int(r["year_exceeds_world"]))
        t.add_row(mineral_name(m, lang), f"{r['tonnes']:,.0f}", str(int(r["year"])), f"{lt:,.0f}",
                  pct(float(r["share_of_domestic"])),
                  pct(float(r["share_of_world"])), yd, yw)
    _console().print(t)

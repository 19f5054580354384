"""``critmin stockpile plan|events|scenarios`` and ``critmin disrupt`` (thin layers over the API)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import List, Optional

import typer

from ..i18n import translator
from ._common import OutFmt as Fmt
from ._common import check_out, console, lang_option
from ._common import fail as _fail


def _num(v, nd: int = 1) -> str:
    if v is None or (isinstance(v, float) and v != v):
        return "-"
    return f"{v:,.{nd}f}"


def parse_importance(items: list[str] | None) -> dict[str, float] | float | None:
    from ..errors import DataValidationError

    if not items:
        return None
    out: dict[str, float] = {}
    for it in items:
        if "=" not in it:
            try:
                return float(it)
            except ValueError:
                raise DataValidationError("bad --importance", field="importance", found=it,
                                          expected="MINERAL=WEIGHT (e.g. rare_earths=0.5) or one number") from None
        k, v = it.split("=", 1)
        try:
            out[k.strip()] = float(v)
        except ValueError:
            raise DataValidationError("bad --importance weight", field="importance", found=it,
                                      expected="MINERAL=WEIGHT with a number >= 0") from None
    return out


def plan_report(p, *, show_confidential: bool, lang: str = "en") -> str:
    """HTML page of a stockpile plan (:func:`critmin.report.stockpile.plan_report`)."""
    from ..report.stockpile import plan_report as _report

    return _report(p, show_confidential=show_confidential, lang=lang)


def data_target(fmt: Fmt, out: Optional[Path], *, private: bool = False) -> Optional[Path]:
    """Where a CSV or workbook goes: ``--out`` with ``--format xlsx`` (required) or with ``--format csv``
    and a name not ending in .html; None = stdout (CSV) or no data file. Checked before any work."""
    from ..errors import CritminError

    if fmt == Fmt.xlsx and out is None:
        _fail(CritminError("--format xlsx writes a workbook: give its path with --out, e.g. --out plan.xlsx"))
    if fmt == Fmt.xlsx or (fmt == Fmt.csv and out is not None and out.suffix.lower() not in (".html", ".htm")):
        return check_out(out, private=private)
    return None


def write_data(data: bytes, target: Optional[Path], fmt: Fmt, lang: str, *, private: bool = False) -> None:
    """Write a CSV/workbook to ``target`` (owner-only when ``private``) or the CSV to stdout."""
    from ..errors import CritminError
    from ..i18n import translator
    from ..report.io import write_bytes_atomic

    if target is None:
        typer.echo(data, nl=False)
        return
    try:
        write_bytes_atomic(target, data, private=private)
    except CritminError as exc:
        _fail(exc)
    _ = translator(lang)
    typer.echo(_("{what} written to {path}").format(what=fmt.value, path=target), err=True)


def register(app: typer.Typer) -> None:
    sp_app = typer.Typer(no_args_is_help=True, help="Rare-metal stockpile planning (targets, confidential stocks).")
    app.add_typer(sp_app, name="stockpile")

    @sp_app.command("plan")
    def plan_cmd(
        country: str = typer.Option("JPN", help="importing country (ISO3)"),
        year: Optional[int] = typer.Option(None, help="plan year (default: latest with trade data)"),
        mineral: Optional[List[str]] = typer.Option(None, "--mineral", "-m", help="mineral (repeatable; "
                                                    "default the 34 JOGMEC stockpile kinds)"),
        stocks: Optional[Path] = typer.Option(None, help="CONFIDENTIAL stock file (CSV/YAML: mineral, stock_t, "
                                              "location, ...)"),
        show_confidential: bool = typer.Option(False, "--show-confidential",
                                               help="include stock levels and locations in the output"),
        importance: Optional[List[str]] = typer.Option(None, help="industrial-importance weight MINERAL=W "
                                                       "(repeatable) or one W for all"),
        base_days: float = typer.Option(60.0, help="base target days"),
        risk_gain: float = typer.Option(2.0, help="days = base x (1 + gain x R) x (1 + w)"),
        cap_days: float = typer.Option(180.0, help="upper bound on target days"),
        window: int = typer.Option(5, help="years averaged for the standard consumption"),
        consumption: Optional[Path] = typer.Option(None, help="your consumption CSV: mineral, year, consumption_t"),
        format: Fmt = typer.Option(Fmt.table, "--format", help="table, json, csv (UTF-8 with BOM) or xlsx (a "
                                   "workbook: plan, sources, method; needs --out)"),
        out: Optional[Path] = typer.Option(None, help="write a self-contained HTML report here; with --format xlsx "
                                           "the workbook, with --format csv the CSV file"),
        lang: str = lang_option(),
    ) -> None:
        """Stockpile targets per mineral: standard consumption, target days, target quantity."""
        import pandas as pd

        from .. import stockpile as sp
        from ..disruption import write_html
        from ..errors import CritminError, DataValidationError

        _ = translator(lang)
        private = show_confidential and stocks is not None
        target = data_target(format, out, private=private)
        if target is None:
            check_out(out, private=private)
        try:
            cons = None
            if consumption is not None:
                if not consumption.is_file():
                    raise DataValidationError("consumption file not found", file=str(consumption))
                cons = pd.read_csv(consumption)
            p = sp.plan(country, year, mineral or None, stocks=stocks, importance=parse_importance(importance),
                        base_days=base_days, risk_gain=risk_gain, cap_days=cap_days, window=window,
                        consumption=cons)
            secret = bool(p.attrs.get("confidential")) and show_confidential
            if out is not None and target is None:
                write_html(out, plan_report(p, show_confidential=show_confidential, lang=lang), private=secret)
            data = None
            if format == Fmt.xlsx:
                from ..report.excel import workbook_bytes
                from ..report.stockpile import plan_sheets
                from ..store import read_manifest

                data = workbook_bytes(plan_sheets(p, show_confidential=show_confidential, lang=lang,
                                                  manifest=read_manifest()))
            elif format == Fmt.csv:
                from ..report.excel import csv_bytes
                from ..report.stockpile import plan_sheets

                data = csv_bytes(next(iter(plan_sheets(p, show_confidential=show_confidential, lang=lang).values())))
        except (CritminError, ValueError) as exc:
            _fail(exc)
        if format == Fmt.json:
            typer.echo(json.dumps(sp.to_json(p, show_confidential=show_confidential), ensure_ascii=False))
        elif data is not None:
            write_data(data, target, format, lang, private=secret)
        else:
            from ..report.stockpile import plan_table

            console(130).print(plan_table(sp.to_json(p, show_confidential=show_confidential), lang))
        if out is not None and target is None:
            typer.echo(_("report written to {path}").format(path=out), err=True)

    @sp_app.command("events")
    def events_cmd(format: Fmt = typer.Option(Fmt.table, "--format", help="table, json, csv (UTF-8 with BOM) or "
                                              "xlsx (needs --out)"),
                   out: Optional[Path] = typer.Option(None, help="with --format xlsx or csv: the file"),
                   lang: str = lang_option()) -> None:
        """The dated catalogue of export restrictions and other measures, with the date it runs to."""
        from ..disruption import events
        from ..report.stockpile import EVENT_COLUMNS, event_rows

        _ = translator(lang)
        target = data_target(format, out)
        ev = events()
        if format == Fmt.json:
            typer.echo(json.dumps(ev.assign(date=ev["date"].astype(str)).drop(columns="year").to_dict("records"),
                                  ensure_ascii=False))
            return
        rows = event_rows(ev, lang)
        if format in (Fmt.csv, Fmt.xlsx):
            import pandas as pd

            from ..report.excel import csv_bytes, workbook_bytes

            df = pd.DataFrame({**{"id": ev["id"].tolist()},
                               **{_(v): [r[k] for r in rows] for k, v in EVENT_COLUMNS.items()},
                               "HS": [", ".join(h) for h in ev["hs"]],
                               _("source"): [(j if lang == "ja" and j else e) for e, j in zip(ev["source"], ev["source_ja"])],
                               "URL": ev["url"].tolist()})
            write_data(csv_bytes(df) if format == Fmt.csv else workbook_bytes({_("events"): df}), target, format,
                       lang)
            return
        from rich.table import Table

        asof = ev.attrs.get("as_of")
        t = Table(title=_("Disruption event catalogue (as of {date})").format(date=asof) if asof
                  else _("Disruption event catalogue"))
        for k, v in EVENT_COLUMNS.items():
            t.add_column(_(v), overflow="fold", no_wrap=k == "date")
        for r in rows:
            t.add_row(*(r[k] for k in EVENT_COLUMNS))
        console(130).print(t)

    def _list_scenarios(fmt: Fmt, lang: str) -> None:
        from ..disruption import events_as_of, scenario_table
        from ..report.stockpile import scenario_lines

        t = scenario_table().sort_values(["date", "name"], na_position="first")
        if fmt != Fmt.table:
            typer.echo(json.dumps({"scenarios": t.fillna("").to_dict("records"), "events_as_of": events_as_of()},
                                  ensure_ascii=False, default=str))
            return
        for line in scenario_lines(t, lang, events_as_of()):
            typer.echo(line)

    @sp_app.command("scenarios")
    def scenarios_cmd(format: Fmt = typer.Option(Fmt.table, "--format", help="table or json"),
                      lang: str = lang_option()) -> None:
        """The shipped disruption scenarios with their date and source (`critmin disrupt --scenario NAME`)."""
        _list_scenarios(format, lang)

    @app.command("disrupt")
    def disrupt_cmd(
        country: Optional[str] = typer.Option(None, help="importing country (ISO3; default JPN or the scenario's)"),
        mineral: Optional[str] = typer.Option(None, help="mineral id or name"),
        exporter: Optional[List[str]] = typer.Option(None, "--exporter", "-e", help="exporter that stops (repeatable)"),
        days: Optional[float] = typer.Option(None, help="length of the stop, days"),
        share: float = typer.Option(1.0, help="fraction of each exporter's flow stopped (1 = full stop)"),
        stage: Optional[str] = typer.Option(None, help="stage: refined, concentrate, intermediate, chemical "
                                            "(default: refined if imported, else the next)"),
        year: Optional[int] = typer.Option(None, help="trade year of the import mix (default latest)"),
        stock_days: Optional[float] = typer.Option(None, help="stockpile, days of annual imports at the stage"),
        stock_t: Optional[float] = typer.Option(None, help="stockpile, tonnes"),
        stocks: Optional[Path] = typer.Option(None, help="CONFIDENTIAL stock file (its stock_t for the mineral)"),
        show_confidential: bool = typer.Option(False, "--show-confidential", help="show stock-derived figures"),
        max_shortfall: float = typer.Option(0.0, help="bound (t) for the smallest stockpile needed"),
        scenario: Optional[str] = typer.Option(None, help="shipped scenario name or YAML file; `list` lists "
                                               "them with dates and sources"),
        flows: Optional[Path] = typer.Option(None, help="your own import mix CSV: exporter, t"),
        monte_carlo: bool = typer.Option(False, "--monte-carlo", help="also simulate random restrictions"),
        runs: Optional[int] = typer.Option(None, "--runs", "--sim-years",
                                           help="Monte Carlo: simulated years (default 100,000); giving it runs "
                                                "the Monte Carlo"),
        seed: int = typer.Option(0, help="Monte Carlo: random seed"),
        duration_days: float = typer.Option(90.0, help="Monte Carlo: (mean) length of one restriction, days"),
        duration: str = typer.Option("exponential", help="Monte Carlo: exponential | fixed"),
        quantile: float = typer.Option(0.95, help="Monte Carlo: tail quantile"),
        format: Fmt = typer.Option(Fmt.table, "--format", help="table, json, csv (UTF-8 with BOM: the figures, or "
                                   "the Monte Carlo table) or xlsx (a workbook; needs --out)"),
        out: Optional[Path] = typer.Option(None, help="write a self-contained HTML report here; with --format xlsx "
                                           "the workbook, with --format csv the CSV file"),
        sweep: Optional[Path] = typer.Option(None, "--sweep", help="sweep file (YAML/CSV) of scenarios: grid or list; "
                                             "Parquet to --out DIR|FILE.parquet (examples/sweeps)"),
        scheduler: Optional[str] = typer.Option(None, help="--sweep on: none | local | tcp://HOST:8786"),
        workers: Optional[int] = typer.Option(None, help="--sweep: LocalCluster worker processes"),
        lang: str = lang_option(),
        ctx: typer.Context = None,
    ) -> None:
        """Simulate an export stop: shortfall, stockpile cover, stockpile needed; optional Monte Carlo."""
        if sweep is not None:                  # a sweep of scenarios (issue 15): critmin.sweep
            from ._ensemble import run_sweep
            return run_sweep("disrupt", sweep, seed=seed, scheduler=scheduler, workers=workers, out=out,
                             format=format, lang=lang, ctx=ctx)
        import pandas as pd

        from .. import disruption as dr
        from ..errors import CritminError, DataValidationError

        _ = translator(lang)
        if scenario is not None and scenario.strip().lower() == "list":
            _list_scenarios(format, lang)
            return
        monte_carlo = monte_carlo or runs is not None
        private = show_confidential and stocks is not None
        target = data_target(format, out, private=private)
        if target is None:
            check_out(out, private=private)
        try:
            fl = None
            if flows is not None:
                if not flows.is_file():
                    raise DataValidationError("import-mix file not found", file=str(flows))
                fl = pd.read_csv(flows)
            stock_kw = {"stock_t": stock_t, "stock_days": stock_days, "stocks": stocks,
                        "max_shortfall_t": max_shortfall, "flows": fl}
            res = None
            if scenario is not None:
                res = dr.run_scenario(scenario, country=country, days=days, year=year, stage=stage, **stock_kw)
                mineral = res["mineral"]
                country, stage, year = res["country"], res["stage"], res["year"]
            elif exporter:
                if mineral is None or days is None:
                    raise DataValidationError("--mineral and --days are needed with --exporter",
                                              fix="e.g. critmin disrupt --mineral rare_earths --exporter CHN --days 90")
                res = dr.simulate(country or "JPN", mineral, exporter, days, share=share, stage=stage, year=year,
                                  **stock_kw)
                country, stage, year = res["country"], res["stage"], res["year"]
            elif not monte_carlo:
                raise DataValidationError("nothing to simulate", fix="give --exporter/--days, --scenario or "
                                          "--monte-carlo (with --mineral)")
            mc = None
            if monte_carlo:
                if mineral is None:
                    raise DataValidationError("--mineral is needed with --monte-carlo")
                mc = dr.monte_carlo(country or "JPN", mineral, stage, year, n_years=100_000 if runs is None else runs,
                                    seed=seed, duration_days=duration_days, duration=duration, quantile=quantile,
                                    max_shortfall_t=max_shortfall, flows=fl,
                                    progress=_("simulating years") if format == Fmt.table else False)
            if res is not None:
                res = dr.redact(res, show_confidential)
                if mc is not None:
                    res["monte_carlo"] = mc
                doc = res
            else:
                doc = mc
            secret = bool(doc.get("confidential")) and show_confidential
            if out is not None and target is None:
                dr.write_html(out, dr.report(doc, lang), private=secret)
            data = None
            if format in (Fmt.csv, Fmt.xlsx):
                from ..report import disruption as rd
                from ..report.excel import csv_bytes, workbook_bytes

                data = (csv_bytes(rd.csv_table(doc, lang)) if format == Fmt.csv
                        else workbook_bytes(rd.sheets(doc, lang)))
        except (CritminError, ValueError) as exc:
            _fail(exc)
        if format == Fmt.json:
            typer.echo(json.dumps(doc, ensure_ascii=False, default=float))
        elif data is not None:
            write_data(data, target, format, lang, private=secret)
        else:
            _print_disrupt(doc, lang)
        if out is not None and target is None:
            typer.echo(_("report written to {path}").format(path=out), err=True)


def _print_disrupt(doc: dict, lang: str = "en") -> None:
    from rich.table import Table, box

    from ..i18n import number
    from ..report import disruption as rd

    _ = translator(lang)
    con = console(130)
    if "gross_shortfall_t" in doc:
        con.print(rd.stop_header(doc, lang), highlight=False, markup=False, style="bold")
        t = Table(box=box.SIMPLE_HEAD)
        t.add_column(rd.col("figure", lang))
        t.add_column(rd.col("value", lang), justify="right")
        t.add_column(rd.col("unit", lang))
        digits = dict(rd.STOP_TABLE)
        for r in rd.stop_rows(doc, lang):
            if r["key"] in digits:
                t.add_row(r["figure"], number(r["value"], lang, digits[r["key"]]) if r["value"] is not None else "-",
                          r["unit"])
        con.print(t)
        for line in rd.stop_notes(doc, lang):
            con.print(line, highlight=False, markup=False)
    mc = doc.get("monte_carlo") if "gross_shortfall_t" in doc else doc
    if mc:
        con.print(rd.mc_header(mc, lang), highlight=False, markup=False, style="bold")
        q = rd.pct(mc["quantile"], lang)
        t = Table(box=box.SIMPLE_HEAD)
        for c in ("stock_days", "stock_t", "expected_shortfall_t", "tail_shortfall_t", "prob_shortfall"):
            t.add_column(rd.col(c, lang, q=q) if c == "tail_shortfall_t" else rd.col(c, lang), justify="right")
        for r in mc["by_stock_days"]:
            t.add_row(number(r["stock_days"], lang), number(r["stock_t"], lang, 1),
                      number(r["expected_shortfall_t"], lang, 1), number(r["tail_shortfall_t"], lang, 1),
                      f"{r['prob_shortfall']:.4f}")
        con.print(t)
        for line in [rd.mc_model(mc, lang), _(mc["rule"]), *rd.mc_summary(mc, lang)]:
            con.print(line, highlight=False, markup=False)

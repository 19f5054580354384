"""``critmin stockpile plan|events|scenarios`` and ``critmin disrupt`` (thin layers over the API)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import List, Optional

import typer

from ._common import OutFmt as Fmt
from ._common import check_out, console
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


def plan_report(p, *, show_confidential: bool) -> str:
    """HTML page of a stockpile plan (confidential columns only when ``show_confidential``)."""
    import html

    from .. import stockpile as sp
    from ..disruption import figure, render_html, table_html

    doc = sp.to_json(p, show_confidential=show_confidential)
    recs = doc["records"]
    ok = [r for r in recs if r["target_t"] is not None]
    figs = [figure([{"type": "bar", "x": [r["mineral"] for r in ok], "y": [r["target_days"] for r in ok],
                   "name": "target days"}], "Target days per mineral", "", "days"),
            figure([{"type": "bar", "x": [r["mineral"] for r in ok], "y": [r["target_t"] for r in ok],
                   "name": "target quantity"}], "Target quantity per mineral", "", "tonnes (basis per row)")]
    cols = ["mineral", "standard_consumption_t", "target_days", "target_t", "risk", "importance", "basis",
            "unit_basis", "stage", "n_years", "imports_t", "exports_t", "production_t", "imputed_t", "reason"]
    if doc["confidential"]["shown"]:
        cols += ["stock_t", "stock_days", "gap_t", "locations"]
        figs.append(figure([{"type": "bar", "x": [r["mineral"] for r in ok], "y": [r["target_days"] for r in ok],
                           "name": "target days"},
                          {"type": "bar", "x": [r["mineral"] for r in ok], "y": [r.get("stock_days") for r in ok],
                           "name": "stock held, days"}], "Stock held against target (CONFIDENTIAL)", "", "days"))
    body = (f"<p>{html.escape(recs[0]['rule'] if recs else '')}. R = mean of the assessment's "
            f"{', '.join(sp.RISK_INDICATORS)} scores; w = industrial-importance weight. Apparent consumption = "
            "domestic production + imports - mirror exports at the mineral's refined stage (else concentrate, "
            "else chemical), in contained tonnes where the HS code's basis converts, value-only flows counted "
            "through quantities imputed from unit values (imputed_t); years whose exports exceed imports + "
            "production are left out, and where every year does, the stage's imports stand in (basis "
            "'imports'). See critmin.balance.</p>"
            + table_html(recs, cols, {"risk": ".2f", "importance": ".2f", "target_days": ".0f", "n_years": "d",
                                      "stock_days": ".0f"}))
    return render_html(f"Stockpile plan: {doc['country']} {doc['year']}", [("Plan", body, figs)],
                       banner=doc["confidential"]["note"])


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
        format: Fmt = typer.Option(Fmt.table, "--format", help="table, json or csv"),
        out: Optional[Path] = typer.Option(None, help="write a self-contained HTML report here"),
    ) -> None:
        """Stockpile targets per mineral: standard consumption, target days, target quantity."""
        import pandas as pd

        from .. import stockpile as sp
        from ..disruption import write_html
        from ..errors import CritminError, DataValidationError

        check_out(out, private=show_confidential and stocks is not None)
        try:
            cons = None
            if consumption is not None:
                if not consumption.is_file():
                    raise DataValidationError("consumption file not found", file=str(consumption))
                cons = pd.read_csv(consumption)
            p = sp.plan(country, year, mineral or None, stocks=stocks, importance=parse_importance(importance),
                        base_days=base_days, risk_gain=risk_gain, cap_days=cap_days, window=window,
                        consumption=cons)
            if out is not None:
                private = bool(p.attrs.get("confidential")) and show_confidential
                write_html(out, plan_report(p, show_confidential=show_confidential), private=private)
        except (CritminError, ValueError) as exc:
            _fail(exc)
        if format == Fmt.json:
            typer.echo(json.dumps(sp.to_json(p, show_confidential=show_confidential), ensure_ascii=False))
        elif format == Fmt.csv:
            v = sp.public_view(p, show_confidential)
            v = v.assign(years=v["years"].map(lambda y: " ".join(map(str, y))))
            if "locations" in v:
                v["locations"] = v["locations"].map("; ".join)
            typer.echo(v.to_csv(index=False), nl=False)
        else:
            from rich.table import Table, box

            doc = sp.to_json(p, show_confidential=show_confidential)
            t = Table(title=f"Stockpile plan, {doc['country']} {doc['year']} (standard consumption = "
                            f"{window}-year mean)", box=box.SIMPLE_HEAD,
                      caption=f"{doc['records'][0]['rule'] if doc['records'] else ''}\n"
                              "cons. = standard consumption (app. = apparent consumption; imp. = the "
                              "stage's imports where exports exceed imports + production in every year); "
                              "quantities in contained element unless (g) gross weight or (m) mixed; R = risk score; w = importance weight; yrs = years averaged.\n"
                              f"{doc['confidential']['note']}", caption_justify="left")
            show_w = any(r["importance"] for r in doc["records"])
            cols = (["mineral", "cons. t", "basis / stage", "yrs", "R"] + (["w"] if show_w else [])
                    + ["days", "target t"])
            if doc["confidential"]["shown"]:
                cols += ["stock t", "stock d", "gap t"]
            for c in cols:
                t.add_column(c, justify="left" if c in ("mineral", "basis / stage") else "right", no_wrap=True)
            for r in doc["records"]:
                unit = {"contained element": "", "gross weight": " (g)"}.get(
                    r["unit_basis"], " (m)" if r["unit_basis"].startswith("mixed") else "")
                basis = {"apparent": "app.", "imports": "imp.", "usgs_salient": "USGS", "user": "user",
                         "none": "-"}.get(r["basis"], r["basis"])
                row = [r["mineral"], _num(r["standard_consumption_t"], 0),
                       f"{basis} {r['stage'].replace(' + intermediate', '+int.')}{unit}".strip(), str(r["n_years"]),
                       _num(r["risk"], 2)] + ([_num(r["importance"], 1)] if show_w else []) + [
                       _num(r["target_days"], 0), _num(r["target_t"], 0)]
                if doc["confidential"]["shown"]:
                    row += [_num(r.get("stock_t"), 0), _num(r.get("stock_days"), 0), _num(r.get("gap_t"), 0)]
                t.add_row(*row)
            console(130).print(t)
        if out is not None:
            typer.echo(f"report written to {out}", err=True)

    @sp_app.command("events")
    def events_cmd(format: Fmt = typer.Option(Fmt.table, "--format", help="table or json")) -> None:
        """The dated catalogue of export restrictions and other measures (SPEC 2.10)."""
        from ..disruption import events

        ev = events()
        if format != Fmt.table:
            typer.echo(json.dumps(ev.assign(date=ev["date"].astype(str)).drop(columns="year").to_dict("records"),
                                  ensure_ascii=False))
            return
        from rich.table import Table

        t = Table(title="Disruption event catalogue")
        for c in ("date", "country", "mineral", "stage", "type", "measure"):
            t.add_column(c, overflow="fold")
        for r in ev.itertuples():
            t.add_row(str(r.date), r.country, r.mineral, r.stage, r.type, r.measure)
        console(130).print(t)

    def _list_scenarios(fmt: Fmt, lang: str) -> None:
        import json

        from ..catalogue import name
        from ..disruption import events_as_of, scenario_table

        t = scenario_table().sort_values(["date", "name"], na_position="first")
        if fmt == Fmt.json:
            typer.echo(json.dumps({"scenarios": t.fillna("").to_dict("records"), "events_as_of": events_as_of()},
                                  ensure_ascii=False, default=str))
            return
        ja = lang == "ja"
        for r in t.itertuples(index=False):
            head = (f"{r.name:28s} {r.date or '':10s} {name(r.mineral, lang)}/{r.stage or 'auto'} "
                    f"{'輸入国' if ja else 'into'} {r.importer}, {r.cuts}, {r.days:g} {'日' if ja else 'days'}: {r.title}")
            typer.echo(head)
            if r.source:
                typer.echo(f"{'':28s} {'出典' if ja else 'source'}: {r.source}" + (f" <{r.url}>" if r.url else ""))
        asof = events_as_of()
        if asof:
            typer.echo(f"{'イベント目録の基準日' if ja else 'event catalogue as of'} {asof}; "
                       + ("実行: critmin disrupt --scenario 名前" if ja else "run one: critmin disrupt --scenario NAME"))

    @sp_app.command("scenarios")
    def scenarios_cmd(format: Fmt = typer.Option(Fmt.table, "--format", help="table or json"),
                      lang: str = typer.Option("en", help="ja or en")) -> None:
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
        sim_years: int = typer.Option(100_000, help="Monte Carlo: simulated years"),
        seed: int = typer.Option(0, help="Monte Carlo: random seed"),
        duration_days: float = typer.Option(90.0, help="Monte Carlo: (mean) length of one restriction, days"),
        duration: str = typer.Option("exponential", help="Monte Carlo: exponential | fixed"),
        quantile: float = typer.Option(0.95, help="Monte Carlo: tail quantile"),
        format: Fmt = typer.Option(Fmt.table, "--format", help="table or json"),
        out: Optional[Path] = typer.Option(None, help="write a self-contained HTML report here"),
    ) -> None:
        """Simulate an export stop: shortfall, stockpile cover, stockpile needed; optional Monte Carlo."""
        import pandas as pd

        from .. import disruption as dr
        from ..errors import CritminError, DataValidationError

        if scenario is not None and scenario.strip().lower() == "list":
            _list_scenarios(format, "en")
            return
        check_out(out, private=show_confidential and stocks is not None)
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
                mc = dr.monte_carlo(country or "JPN", mineral, stage, year, n_years=sim_years, seed=seed,
                                    duration_days=duration_days, duration=duration, quantile=quantile,
                                    max_shortfall_t=max_shortfall, flows=fl, progress=format == Fmt.table)
            if res is not None:
                res = dr.redact(res, show_confidential)
                if mc is not None:
                    res["monte_carlo"] = mc
                doc = res
            else:
                doc = mc
            if out is not None:
                private = bool(doc.get("confidential")) and show_confidential
                dr.write_html(out, dr.report(doc), private=private)
        except (CritminError, ValueError) as exc:
            _fail(exc)
        if format != Fmt.table:
            typer.echo(json.dumps(doc, ensure_ascii=False, default=float))
        else:
            _print_disrupt(doc)
        if out is not None:
            typer.echo(f"report written to {out}", err=True)


def _print_disrupt(doc: dict) -> None:
    from rich.table import Table, box

    con = console(130)
    if "gross_shortfall_t" in doc:
        who = ", ".join(f"{p['exporter']} ({p['share']:.1%} of imports, {p['fraction_stopped']:.0%} stopped)"
                        for p in doc["partners"])
        con.print(f"[bold]Export stop[/bold]: {doc['mineral']} ({doc['stage']}, {doc['basis']}) into "
                  f"{doc['country']}, trade year {doc['year']}; {who}; {doc['days']:g} days", markup=True,
                  highlight=False)
        t = Table(box=box.SIMPLE_HEAD)
        t.add_column("figure")
        t.add_column("value", justify="right")
        for k, nd in (("annual_imports_t", 1), ("daily_loss_t", 2), ("gross_shortfall_t", 1), ("stock_t", 1),
                      ("stock_days", 1), ("stock_drawn_t", 1), ("shortfall_t", 1), ("covered_days", 1),
                      ("stock_cover_days", 1), ("stock_needed_t", 1), ("stock_needed_days", 1)):
            t.add_row(k, _num(doc.get(k), nd))
        con.print(t)
        for line in [doc["rule"], *doc.get("notes", []), doc.get("confidential_note") or ""]:
            if line:
                con.print(line, highlight=False, markup=False)
    mc = doc.get("monte_carlo") if "gross_shortfall_t" in doc else doc
    if mc:
        con.print(f"[bold]Monte Carlo[/bold]: {mc['mineral']} ({mc['stage']}) into {mc['country']}, "
                  f"{mc['n_years']:,} simulated years, seed {mc['seed']}", highlight=False)
        cap = (f"{mc['model']}\n{mc['rule']}\nexpected loss {mc['expected_loss_t']:,.1f} t/yr "
                          f"(closed form {mc['analytic_expected_loss_t']:,.1f}, {mc['analytic_note']}); stockpile "
                          f"for the {mc['quantile']:.0%} shortfall <= {mc['max_shortfall_t']:,.0f} t: "
                          f"{mc['recommended_stock_days']:,.1f} days")
        t = Table(box=box.SIMPLE_HEAD)
        for c in ("stock days", "stock t", "mean shortfall t", f"{mc['quantile']:.0%} shortfall t", "P(shortfall)"):
            t.add_column(c, justify="right")
        for r in mc["by_stock_days"]:
            t.add_row(_num(r["stock_days"], 0), _num(r["stock_t"]), _num(r["expected_shortfall_t"]),
                      _num(r["tail_shortfall_t"]), f"{r['prob_shortfall']:.4f}")
        con.print(t)
        con.print(cap, highlight=False, markup=False)

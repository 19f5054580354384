"""EU CRM 2023 trade-related parameter t → ``trade_parameter`` observations.

``eu_crm_2023_trade_parameters.csv`` (material_name, country_name, parameter,
category, scope): the variable t of the EU supply-risk formula (0.8 = EU trade
agreement, 1.0 = none (not listed), 1.1–1.5 = export restrictions), as printed in
the EU "Study on the critical raw materials for the EU 2023" (Final Report).

* mineral: catalogue id (names resolved with :func:`critmin.catalogue.check_mineral`);
  'Phosphorus' → ``phosphate_rock`` at stage ``refined`` (the catalogue files
  phosphorus 2804.70 under phosphate rock). Materials outside the catalogue
  (coking coal, woods) and 'Titanium metal' (a separate EU assessment whose rows would
  collide with 'Titanium') are skipped and listed in ``df.attrs["skipped"]``.
* stage: ``mine`` for category primary (extraction), ``refined`` for refined (processing).
* variable: ``t_world`` (scope world = global supply) or ``t_eu`` (EU sourcing), unit ``1``.
* year 2023 (the assessment year; the file's ``date_year`` is the transcription year).
The source material name is kept in ``note``.
"""
from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd

from .. import schema
from ..catalogue import check_mineral
from ..countries import iso3_names, to_iso3
from ..errors import DataValidationError, UnknownNameError
from . import Source
from ._common import require_columns, require_file

log = logging.getLogger(__name__)

SOURCE = Source(
    id="eu_crm_2023",
    name="EU CRM 2023 trade-related parameters (t)",
    publisher="European Commission",
    licence="reuse with attribution (Commission Decision 2011/833/EU)",
    attribution="European Commission, Study on the critical raw materials for the EU 2023, Final Report "
                "(doi:10.2873/725585); transcription by meyerdata/CritMAT (MIT)",
    files=("eu-crm-2023/eu_crm_2023_trade_parameters.csv",),
    url="https://doi.org/10.2873/725585",
    importable=False,
)

EDITION = "EU CRM 2023"
YEAR = 2023

#: EU material names → catalogue id where check_mineral does not resolve them.
MATERIAL_MAP = {"phosphorus": "phosphate_rock", "talc, steatite & pyrophyllite": "talc"}
#: EU materials deliberately not imported.
SKIP = {"titanium metal": "separate EU assessment; would collide with 'Titanium' (no catalogue id)"}

STAGES = {"primary": "mine", "refined": "refined"}
SCOPES = {"world": "t_world", "eu": "t_eu"}


def read(path: str | Path) -> pd.DataFrame:
    """Read the EU CRM 2023 trade-parameter CSV → validated ``trade_parameter`` observations."""
    p = require_file(path, what="EU CRM trade parameters")
    try:
        raw = pd.read_csv(p, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (pd.errors.ParserError, UnicodeDecodeError) as e:
        raise DataValidationError(f"malformed CSV: {e}", file=str(p)) from e
    raw.columns = [c.strip() for c in raw.columns]
    require_columns(raw, ["material_name", "country_name", "parameter", "category", "scope"],
                    file=str(p), what="the EU CRM 2023 trade-parameter CSV")
    raw = raw.apply(lambda s: s.str.strip())

    mats: dict[str, str | None] = {}
    skipped: dict[str, str] = {}
    for name in raw["material_name"].unique():
        low = name.lower()
        if low in SKIP:
            mats[name], skipped[name] = None, SKIP[low]
            continue
        try:
            mats[name] = MATERIAL_MAP.get(low) or check_mineral(name, file=str(p), field="material_name")
        except UnknownNameError:
            mats[name], skipped[name] = None, "not in the mineral catalogue"
    if skipped:
        log.info("EU CRM %s: skipped materials %s", p, skipped)

    for col, allowed in (("category", STAGES), ("scope", SCOPES)):
        bad = ~raw[col].str.lower().isin(list(allowed))
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise DataValidationError(f"unknown {col}", file=str(p), row=i + 2, field=col,
                                      found=raw[col].iat[i], expected=f"one of {list(allowed)}")
    value = pd.to_numeric(raw["parameter"], errors="coerce")
    if value.isna().any():
        i = int(np.flatnonzero(value.isna().to_numpy())[0])
        raise DataValidationError("parameter is not a number", file=str(p), row=i + 2, field="parameter",
                                  found=raw["parameter"].iat[i], expected="a number such as 0.8 or 1.1")

    mineral = raw["material_name"].map(mats)
    keep = mineral.notna().to_numpy()
    names = raw["country_name"].unique()
    countries = dict(zip(names, to_iso3(names, file=str(p), field="country_name")))
    known = iso3_names()
    for n, c in countries.items():   # guard: to_iso3 can hand back an unknown name unchanged
        if c not in known:
            i = int(np.flatnonzero((raw["country_name"] == n).to_numpy())[0])
            raise UnknownNameError("unknown country name", file=str(p), row=i + 2, field="country_name",
                                   found=n, fix="use a standard English country name")
    out = pd.DataFrame({
        "dataset": "trade_parameter", "mineral": mineral, "stage": raw["category"].str.lower().map(STAGES),
        "country": raw["country_name"].map(countries), "year": YEAR,
        "variable": raw["scope"].str.lower().map(SCOPES), "value": value, "unit": "1",
        "source": SOURCE.id, "edition": EDITION, "note": "EU CRM material: " + raw["material_name"],
    })[keep]
    df = schema.validate(out, file=str(p))
    df.attrs["skipped"] = skipped
    return df

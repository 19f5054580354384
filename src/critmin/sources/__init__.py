"""Importers, one module per data source.

Each module defines ``SOURCE`` (a :class:`Source`: id, name, publisher, licence,
attribution, raw files relative to the raw directory) and ``read(path)``, which
reads one file in the source's real format and returns observations in the
canonical schema (:mod:`critmin.schema`), validated. Importers never turn a
missing value into a number: withheld or unavailable cells are dropped or kept
as NaN with a ``flag``.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field

from ..errors import UnknownNameError, did_you_mean


def require_file(path, *, what: str):
    """The file at ``path``, or a clear error naming it and the fix."""
    from ._common import require_file as _rf

    return _rf(path, what=what)


def sha256(path) -> str:
    """SHA-256 of a file's bytes (the edition fingerprint recorded in the manifest)."""
    from ._common import sha256 as _sha

    return _sha(path)


@dataclass(frozen=True)
class Source:
    """Metadata of one data source."""

    id: str
    name: str
    publisher: str
    licence: str
    attribution: str
    files: tuple[str, ...] = field(default_factory=tuple)   # relative to the raw dir
    url: str = ""
    importable: bool = True   # can `critmin data import` take a newer edition?


#: importer id → module name (in this package); the rows an importer returns carry its
#: ``SOURCE.id`` (``usgs_mcs_salient`` adds editions of the source ``usgs_mcs``)
MODULES: dict[str, str] = {
    "usgs_mcs": "usgs_mcs",
    "usgs_mcs_salient": "usgs_mcs_salient",
    "usgs_mcs_world": "usgs_mcs_world",
    "usgs_ds140": "usgs_ds140",
    "busch_usgs2024": "busch_usgs2024",
    "bgs_wms": "bgs",
    "wmd": "wmd",
    "baci_hs92": "baci",
    "atlas": "atlas",
    "comtrade": "comtrade",
    "wgi": "wgi",
    "eu_crm_2023": "eu_crm",
    "pink_sheet": "pinksheet",
    "unep_2011": "unep",
    "iea_2021": "iea",
    "batpac": "batpac",
}

#: user-facing names accepted by `critmin data import`
ALIASES = {
    "usgs-mcs": "usgs_mcs", "mcs": "usgs_mcs", "usgs-mcs-salient": "usgs_mcs_salient",
    "mcs-salient": "usgs_mcs_salient", "baci": "baci_hs92", "bgs": "bgs_wms",
    "usgs-mcs-world": "usgs_mcs_world", "mcs-world": "usgs_mcs_world",
    "world-mining-data": "wmd", "pink-sheet": "pink_sheet", "pinksheet": "pink_sheet",
    "ds140": "usgs_ds140", "usgs-ds140": "usgs_ds140", "unep": "unep_2011", "iea": "iea_2021",
    "eu-crm": "eu_crm_2023", "wgi": "wgi", "atlas": "atlas",
    "un-comtrade": "comtrade",
}


def module(source_id: str):
    """Import and return the importer module of ``source_id`` (or an alias)."""
    sid = ALIASES.get(source_id, source_id).replace("-", "_")
    if sid not in MODULES:
        raise UnknownNameError(f"unknown source{did_you_mean(source_id, list(MODULES) + list(ALIASES))}",
                               field="SOURCE", found=source_id,
                               fix=f"use one of {sorted(set(MODULES) | set(ALIASES))}")
    return importlib.import_module(f"{__name__}.{MODULES[sid]}")

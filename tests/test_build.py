"""`critmin data build`: the shipped dataset is reproducible from the raw files."""
import hashlib
import json

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from critmin import schema
from critmin.cli import app
from critmin.store import shipped_dir


def test_shipped_dataset_is_compact_and_typed():
    files = list(shipped_dir().glob("*.parquet"))
    assert files and sum(f.stat().st_size for f in files) < 50 * 2 ** 20
    for f in files:
        sch = pq.read_schema(f)
        assert sch.names == schema.COLUMNS
        assert str(sch.field("value").type) == "double" and str(sch.field("year").type) == "int32"
    man = json.loads((shipped_dir() / "manifest.json").read_text())
    for s in man["sources"]:
        assert s["licence"] and s["attribution"] and s["editions"] and s["files"], s["id"]


@pytest.mark.raw
def test_rebuild_from_raw_matches_shipped(raw_dir, tmp_path):
    out = tmp_path / "data"
    r = CliRunner().invoke(app, ["data", "build", "--raw", str(raw_dir), "--out", str(out), "--lang", "ja"])
    assert r.exit_code == 0, r.output
    from .test_japanese import english

    assert "ソース" in r.output or "読み込み" in r.output or "構築" in r.output, r.output[-500:]
    assert english(r.output) == []                       # the build speaks Japanese too (issue 13)
    man = json.loads((out / "manifest.json").read_text())
    mcs = next(s for s in man["sources"] if s["id"] == "usgs_mcs")
    f = raw_dir / "usgs-mcs-2025" / "MCS2025_World_Data.csv"
    assert mcs["files"]["usgs-mcs-2025/MCS2025_World_Data.csv"] == hashlib.sha256(f.read_bytes()).hexdigest()
    for part in ("supply.parquet", "trade.parquet"):
        assert pq.read_metadata(out / part).num_rows == pq.read_metadata(shipped_dir() / part).num_rows


def test_build_with_missing_raw_dir_is_a_clear_error(tmp_path):
    r = CliRunner().invoke(app, ["data", "build", "--raw", str(tmp_path / "nope"), "--out", str(tmp_path / "o")])
    assert r.exit_code == 2 and "raw data directory not found" in r.output
    assert not (tmp_path / "o").exists()

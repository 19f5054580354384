"""The store: shipped dataset + user imports, atomic imports, edition precedence, bad input."""

import pandas as pd
import pytest
from typer.testing import CliRunner

from critmin import schema
from critmin.cli import app
from critmin.errors import DataValidationError
from critmin.store import Store, read_imports_index

runner = CliRunner()

MCS_HEADER = ("SOURCE,COMMODITY,COUNTRY,TYPE,UNIT_MEAS,PROD_2025,PROD_EST_ 2026,PROD_NOTES,CAP_2025,"
              "CAP_EST_ 2026,CAP_NOTES,RESERVES_2026,RESERVE_NOTES\n")


def mcs2027(tmp_path, rows):
    p = tmp_path / "MCS2027_World_Data.csv"
    p.write_text(MCS_HEADER + "".join(rows), encoding="utf-8-sig")
    return p


GOOD_ROWS = [
    "MCS2027,Cobalt,Congo (Kinshasa),\"Mine production, cobalt content, estimated\",metric tons,"
    "220000,230000,,,,,6000000,\n",
    "MCS2027,Cobalt,Indonesia,\"Mine production, cobalt content, estimated\",metric tons,"
    "28000,35000,,,,,640000,\n",
    "MCS2027,Cobalt,Other countries,\"Mine production, cobalt content, estimated\",metric tons,"
    "20000,21000,,,,,1500000,\n",
]


def snapshot(d):
    return sorted((p.relative_to(d).as_posix(), p.stat().st_size) for p in d.rglob("*")) if d.exists() else []


def test_import_is_package_side_effect_free(tmp_path, monkeypatch):
    monkeypatch.setenv("CRITMIN_HOME", str(tmp_path / "h"))
    import importlib

    import critmin

    importlib.reload(critmin)
    assert not (tmp_path / "h").exists()


def test_import_newer_edition_keeps_old(user_dir, tmp_path):
    f = mcs2027(tmp_path, GOOD_ROWS)
    r = runner.invoke(app, ["data", "import", "usgs-mcs", str(f)])
    assert r.exit_code == 0, r.output
    assert "MCS2027" in r.output
    idx = read_imports_index(user_dir)
    assert len(idx) == 1 and idx[0]["edition"] == "MCS2027"
    st = Store(home=user_dir)
    res = st.load("reserves", minerals=["cobalt"], countries=["COD"])
    years = set(res["year"])
    assert 2026 in years and 2024 in years  # new edition added, old kept
    allv = st.load("mine_production", minerals=["cobalt"], countries=["COD"], editions="all")
    assert {"MCS2025", "MCS2027"} <= set(allv["edition"])
    # a second import of the same file is refused, store unchanged
    before = snapshot(user_dir)
    r2 = runner.invoke(app, ["data", "import", "usgs-mcs", str(f)])
    assert r2.exit_code == 2 and "already been imported" in r2.output
    assert snapshot(user_dir) == before


@pytest.mark.parametrize("rows, needle", [
    ([GOOD_ROWS[0], "MCS2027,Cobalt,Indonesia,\"Mine production, cobalt content\",metric tons,-5,3,,,,,,\n"],
     "negative"),
    ([GOOD_ROWS[0], "MCS2027,Cobalt,Atlantis,\"Mine production, cobalt content\",metric tons,5,3,,,,,,\n"],
     "Atlantis"),
])
def test_bad_rows_leave_store_unchanged(user_dir, tmp_path, rows, needle):
    runner.invoke(app, ["data", "import", "usgs-mcs", str(mcs2027(tmp_path / "ok", GOOD_ROWS))]) \
        if (tmp_path / "ok").mkdir() is None else None
    before = snapshot(user_dir)
    bad = mcs2027(tmp_path, rows)
    r = runner.invoke(app, ["data", "import", "usgs-mcs", str(bad)])
    assert r.exit_code == 2
    assert needle in r.output and str(bad.name) in r.output
    assert snapshot(user_dir) == before


def test_truncated_and_mislabelled_files(user_dir, tmp_path):
    p = tmp_path / "trunc.csv"
    p.write_text("SOURCE,COMMODITY,COUN", encoding="utf-8")
    r = runner.invoke(app, ["data", "import", "usgs-mcs", str(p)])
    assert r.exit_code == 2 and "trunc.csv" in r.output
    q = tmp_path / "empty.csv"
    q.write_text("", encoding="utf-8")
    r = runner.invoke(app, ["data", "import", "wgi", str(q)])
    assert r.exit_code == 2 and "empty" in r.output
    r = runner.invoke(app, ["data", "import", "usgs-mcss", str(q)])
    assert r.exit_code == 2 and "did you mean" in r.output
    assert not user_dir.exists()


def test_schema_rejects_duplicates_and_mixed_units():
    base = {"dataset": "mine_production", "mineral": "copper", "stage": "mine", "country": "CHL",
            "year": 2020, "variable": "quantity", "value": 1.0, "unit": "t", "source": "x", "edition": "e"}
    with pytest.raises(DataValidationError, match="duplicate key.*row 3"):
        schema.validate(pd.DataFrame([base, base]), file="f.csv")
    with pytest.raises(DataValidationError, match="mixed units"):
        schema.validate(pd.DataFrame([base, {**base, "country": "PER", "unit": "kt"}]), file="f.csv")
    with pytest.raises(DataValidationError, match="unknown unit"):
        schema.validate(pd.DataFrame([{**base, "unit": "tonnes"}]), file="f.csv")


def test_failed_write_leaves_nothing(user_dir, monkeypatch):
    import critmin.store as store_mod

    df = pd.DataFrame([{"dataset": "reserves", "mineral": "copper", "stage": "reserves", "country": "CHL",
                        "year": 2030, "variable": "quantity", "value": 1.0, "unit": "t", "source": "usgs_mcs",
                        "edition": "MCS2031"}])

    def boom(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(store_mod, "_atomic_write_text", boom)
    with pytest.raises(OSError):
        Store(home=user_dir).add(df, source="usgs_mcs", edition="MCS2031", origin="x.csv", sha256="ab" * 32)
    assert [p for p in user_dir.rglob("*") if p.is_file()] == []

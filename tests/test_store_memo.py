"""Query results kept in the process (critmin.store, ``Store.sql``): the same question on the same data
is answered once; other data — another file, a file rewritten, an import — is never answered from
it, and no caller can change what the next one gets."""
from __future__ import annotations

import pandas as pd
import pytest

from critmin import schema, store
from critmin.store import Store, write_parquet_atomic

Q = "SELECT country, year, value FROM obs WHERE dataset = 'mine_production' ORDER BY country, year"


def _rows(**values) -> pd.DataFrame:
    """Mine production of cobalt in 2020, t by country (the canonical schema)."""
    return pd.DataFrame([{"dataset": "mine_production", "mineral": "cobalt", "stage": "mine", "hs": "",
                          "country": c, "partner": "", "year": 2020, "variable": "quantity", "value": float(v),
                          "unit": "t", "basis": "metal", "source": "usgs_mcs", "edition": "MCS2021", "flag": "",
                          "note": ""} for c, v in values.items()])[schema.COLUMNS]


@pytest.fixture()
def shipped(tmp_path):
    d = tmp_path / "data"
    write_parquet_atomic(_rows(COD=700, AUS=300), d / "a.parquet")
    return d


def _calls(monkeypatch) -> list:
    """The queries that reach DuckDB from now on."""
    import duckdb

    seen: list = []
    real = duckdb.DuckDBPyConnection.execute

    def execute(self, q, *a, **k):
        seen.append(q)
        return real(self, q, *a, **k)

    monkeypatch.setattr(duckdb.DuckDBPyConnection, "execute", execute)
    return seen


def test_the_same_question_on_the_same_data_is_asked_once(shipped, tmp_path, monkeypatch):
    store.clear_sql_memo()
    a = Store(shipped=shipped, home=tmp_path / "h1").sql(Q)
    assert a["value"].tolist() == [300.0, 700.0]
    seen = _calls(monkeypatch)
    b = Store(shipped=shipped, home=tmp_path / "h2").sql(Q)      # another store over the same files
    assert b.equals(a) and Q not in seen
    # a copy each time: what a caller does to its table never reaches the next one
    b.loc[0, "value"] = -1.0
    a["value"] = 0.0
    assert Store(shipped=shipped, home=tmp_path / "h3").sql(Q)["value"].tolist() == [300.0, 700.0]
    # other parameters are another question
    p = "SELECT value FROM obs WHERE country = ? ORDER BY value"
    st = Store(shipped=shipped, home=tmp_path / "h4")
    assert st.sql(p, ["AUS"])["value"].tolist() == [300.0]
    assert st.sql(p, ["COD"])["value"].tolist() == [700.0]


def test_other_data_is_never_answered_from_the_memo(shipped, tmp_path):
    store.clear_sql_memo()
    assert Store(shipped=shipped, home=tmp_path / "h").sql(Q)["value"].tolist() == [300.0, 700.0]
    # the file rewritten in place (same name, same size): the new figures
    write_parquet_atomic(_rows(COD=701, AUS=299), shipped / "a.parquet")
    assert Store(shipped=shipped, home=tmp_path / "h").sql(Q)["value"].tolist() == [299.0, 701.0]
    # one more file: its rows too
    write_parquet_atomic(_rows(IDN=50), shipped / "b.parquet")
    st = Store(shipped=shipped, home=tmp_path / "h")
    assert st.sql(Q)["country"].tolist() == ["AUS", "COD", "IDN"]
    # an import into the same store (it reconnects): the imported rows at once
    imp = _rows(PHL=20).assign(edition="MCS2022")
    st.add(imp, source="usgs_mcs", edition="MCS2022", origin="test", sha256="0" * 64)
    assert st.sql(Q)["country"].tolist() == ["AUS", "COD", "IDN", "PHL"]

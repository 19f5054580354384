"""Helpers for tests of critmin and of code built on it (importing this loads nothing heavy).

>>> import pandas as pd
>>> one(pd.DataFrame({"a": [1, 2], "b": ["x", "y"]}), b="y")["a"]
np.int64(2)
"""
from __future__ import annotations


def one(df, **key):
    """The single row of ``df`` whose columns equal ``key`` (an AssertionError naming the key and the
    count where there is not exactly one)."""
    sel = df
    for k, v in key.items():
        sel = sel[sel[k] == v]
    assert len(sel) == 1, f"{key}: {len(sel)} rows"
    return sel.iloc[0]

"""Shared fixtures. Tests that need the raw files skip cleanly when ../shared is absent."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
RAW = Path(os.environ.get("CRITMIN_RAW", REPO.parent / "shared" / "data" / "raw"))


@pytest.fixture(scope="session")
def raw_dir() -> Path:
    """The raw data directory (../shared/data/raw); skips the test when absent."""
    if not RAW.is_dir():
        pytest.skip("raw data not present (../shared/data/raw)")
    return RAW


@pytest.fixture(autouse=True, scope="session")
def _isolated_home(tmp_path_factory):
    """No test ever reads or writes the real per-user data directory."""
    mp = pytest.MonkeyPatch()
    mp.setenv("CRITMIN_HOME", str(tmp_path_factory.mktemp("critmin-home")))
    yield
    mp.undo()


@pytest.fixture()
def user_dir(tmp_path, monkeypatch) -> Path:
    """An empty per-user data directory for store tests."""
    d = tmp_path / "critmin-user"
    monkeypatch.setenv("CRITMIN_HOME", str(d))
    return d

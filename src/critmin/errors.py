"""Exception types of critmin.

Every error says *what* failed, *where* (file, row, field) and *how to fix it*.
"""
from __future__ import annotations

import difflib
from typing import Iterable


class CritminError(Exception):
    """Base class of all critmin errors."""


class DataValidationError(CritminError, ValueError):
    """Input data failed validation at the boundary.

    Parameters
    ----------
    what : str
        What is wrong ("negative quantity", "unknown country").
    file, row, field : optional
        Where it is wrong. ``row`` is 1-based as a spreadsheet shows it (header = row 1).
    found, expected : optional
        The offending value and what was expected.
    fix : str, optional
        How to fix it.
    """

    def __init__(self, what: str, *, file: str | None = None, row: int | None = None,
                 field: str | None = None, found: object = None, expected: str | None = None,
                 fix: str | None = None) -> None:
        self.what, self.file, self.row, self.field = what, file, row, field
        self.found, self.expected, self.fix = found, expected, fix
        where = ", ".join(p for p in (
            f"file {file}" if file else "",
            f"row {row}" if row is not None else "",
            f"field '{field}'" if field else "",
        ) if p)
        msg = what
        if where:
            msg += f" ({where})"
        if found is not None:
            msg += f": found {found!r}"
        if expected:
            msg += f", expected {expected}"
        if fix:
            msg += f". Fix: {fix}"
        super().__init__(msg)


class ConsistencyError(CritminError):
    """A named consistency check failed (shares sum to 1, mirror gaps, mass balance...)."""


class ConsistencyWarning(UserWarning):
    """A named consistency check found a problem but was asked to warn only."""


class UnknownNameError(DataValidationError, KeyError):
    """An unknown mineral, country or source name; the message offers close matches."""

    def __str__(self) -> str:  # KeyError would otherwise repr() the message
        return self.args[0] if self.args else ""


def did_you_mean(name: str, choices: Iterable[str], n: int = 3) -> str:
    """Return a ' — did you mean ...?' suffix for ``name`` among ``choices`` (or '')."""
    close = difflib.get_close_matches(str(name).lower(), [str(c).lower() for c in choices], n=n, cutoff=0.6)
    lookup = {str(c).lower(): str(c) for c in choices}
    if not close:
        return ""
    return " — did you mean " + " or ".join(repr(lookup[c]) for c in close) + "?"

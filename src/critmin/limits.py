"""Bounds on what a user file or argument may ask for, checked before any work starts.

A policy, demand-scenario or disruption-scenario file is small: a few interventions or
technologies, a few dozen years. The bounds below are far above any real use (the shipped
examples use a tenth or less of each) and low enough that the largest accepted input finishes in
minutes and in a few hundred MB on a 2-core machine. Each is checked where the model is validated,
and the error names the field, what was found and the limit.

=============================  ===========  ==================================================
limit                          value        what it bounds
=============================  ===========  ==================================================
``MAX_FILE_BYTES``             1,000,000    size of a policy or scenario file
``MAX_NODES``                  20,000       values in a loaded YAML/JSON document, aliases
                                            counted each time they are used (a 400-byte file
                                            of nested aliases can expand to billions)
``MAX_DEPTH``                  20           nesting depth of that document
``MAX_TEXT``                   2,000        characters of a free-text field (title, note, ...)
``MAX_NAME``                   200          characters of a name or label
``MAX_INTERVENTIONS``          20           interventions in one policy (ranking assesses each,
                                            the optimiser each same-mineral pair: ~n²/2)
``MAX_FEED_PARTNERS``          60           suppliers in a smelter's ``feed_from``
``MAX_TONNES``                 1e10         any tonnage (t or t/yr) in a policy or scenario
``MAX_BUDGET``                 1e9          a policy's budget or cost, in its currency unit
``MAX_TECHNOLOGIES``           50           technologies in a demand scenario
``MAX_LIST``                   200          entries in one list or mapping of a scenario
                                            (intensities, deployment years, assumptions ...)
``YEARS``                      1900–2200    years in a demand scenario
``MAX_SPAN``                   150          projection years of a demand scenario
``MAX_DAYS``                   3,650        days of a disruption (ten years)
``MAX_CUTS``                   60           exporters cut in a disruption scenario
``MAX_SIM_YEARS``              2,000,000    Monte Carlo simulated years (a few s, ~0.6 GB)
``MIN_DURATION_DAYS``          0.1          shortest mean restriction in the Monte Carlo
=============================  ===========  ==================================================
"""
from __future__ import annotations

from .errors import DataValidationError

MAX_FILE_BYTES = 1_000_000
MAX_NODES = 20_000
MAX_DEPTH = 20
MAX_TEXT = 2_000
MAX_NAME = 200
MAX_INTERVENTIONS = 20
MAX_FEED_PARTNERS = 60
MAX_TONNES = 1e10
MAX_BUDGET = 1e9
MAX_TECHNOLOGIES = 50
MAX_LIST = 200
YEARS = (1900, 2200)
MAX_SPAN = 150
MAX_DAYS = 3_650.0
MAX_CUTS = 60
MAX_SIM_YEARS = 2_000_000
MIN_DURATION_DAYS = 0.1


def tree_size(doc, *, limit: int = MAX_NODES, max_depth: int = MAX_DEPTH) -> tuple[int, int]:
    """Number of values and nesting depth of a loaded YAML/JSON document, as if every alias were
    copied out, without copying anything (each shared container is measured once).

    Stops counting past ``limit``; a recursive document (an alias inside itself) counts as
    unbounded.

    >>> inner = ["x"] * 10
    >>> tree_size({"a": [inner] * 10})
    (113, 3)
    """
    memo: dict[int, tuple[int, int]] = {}
    busy: set[int] = set()

    def walk(v, depth: int) -> tuple[int, int]:
        if not isinstance(v, (dict, list, tuple)):
            return 1, 0
        k = id(v)
        if k in memo:
            return memo[k]
        if k in busy or depth > max_depth:
            return limit + 1, max_depth + 1
        busy.add(k)
        n, d = 1, 0
        items = list(v.keys()) + list(v.values()) if isinstance(v, dict) else v
        for x in items:
            cn, cd = walk(x, depth + 1)
            n += cn
            d = max(d, cd + 1)
            if n > limit or d > max_depth:
                break
        busy.discard(k)
        memo[k] = (n, d)
        return n, d

    return walk(doc, 0)


def check_tree(doc, *, what: str, file: str | None = None) -> None:
    """Refuse a document with more than :data:`MAX_NODES` values or deeper than :data:`MAX_DEPTH`."""
    n, d = tree_size(doc)
    if n > MAX_NODES:
        raise DataValidationError(f"the {what} is too large: more than {MAX_NODES:,} values once YAML aliases "
                                  "are expanded", file=file,
                                  fix="write the entries out (a real file needs a few hundred values); "
                                      "check for nested aliases (&name / *name)")
    if d > MAX_DEPTH:
        raise DataValidationError(f"the {what} is nested too deeply (more than {MAX_DEPTH} levels)", file=file,
                                  fix="see the shipped examples for the expected shape")


def check_file_size(path, *, what: str) -> None:
    """Refuse a file larger than :data:`MAX_FILE_BYTES` before it is parsed."""
    from pathlib import Path

    size = Path(path).stat().st_size
    if size > MAX_FILE_BYTES:
        raise DataValidationError(f"the {what} is too large ({size:,} bytes; the limit is {MAX_FILE_BYTES:,})",
                                  file=str(path), fix="a policy or scenario file is a few kB: check the file")


def at_most(value: float, limit: float, *, field: str, unit: str = "", file: str | None = None) -> None:
    """Refuse ``value`` above ``limit`` naming the field and the limit."""
    if value > limit:
        raise DataValidationError(f"{field} is above the limit of {limit:,g}{unit}", file=file, field=field,
                                  found=value, expected=f"at most {limit:,g}{unit}",
                                  fix="use a smaller value (critmin.limits lists every bound)")


def short(v, n: int = 120) -> str:
    """``repr(v)`` cut to ``n`` characters (an error quotes at most a little of any input)."""
    r = repr(v)
    return r if len(r) <= n else r[: n - 1] + "…"

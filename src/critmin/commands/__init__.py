"""CLI command groups beyond `assess` and `data`, one module each.

Each module defines ``register(app: typer.Typer) -> None`` and imports nothing heavy at
module level (the CLI must start fast). :func:`register_all` adds every module found here.
"""
from __future__ import annotations

import importlib
import pkgutil


def register_all(app) -> None:
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        mod = importlib.import_module(f"{__name__}.{info.name}")
        if hasattr(mod, "register"):
            mod.register(app)

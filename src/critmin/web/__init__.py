"""``critmin serve``: the REST API (``/api/v1``) and the dashboard, one ASGI application.

:func:`create_app` builds a FastAPI application from :class:`Settings`; ``critmin serve``
runs it on uvicorn. The API returns the same JSON documents as the CLI (``--format json``);
the dashboard pages are server-rendered HTML with a small script that calls the API and
draws Plotly charts from the bundle shipped with the ``plotly`` package (no CDN).

Needs the ``web`` extra (``pip install 'critmin[web]'``); importing this package loads
nothing heavy and configures no logging.
"""
from __future__ import annotations

from .settings import Limits, Settings

__all__ = ["Limits", "Settings", "create_app"]


def create_app(settings: Settings | None = None):
    """The ASGI application (FastAPI) for ``settings`` (default: :meth:`Settings.from_env`)."""
    from .app import create_app as _create

    return _create(settings)

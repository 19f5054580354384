"""The routers of the web application, one module per area."""
from __future__ import annotations

from . import analysis, data, flow, pages, private, scenarios

ALL = [analysis.router, data.router, flow.router, scenarios.router, private.router, pages.router]

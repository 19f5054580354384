"""Settings of the web application: where users come from, CORS, and the work limits.

Every limit is stated here once, enforced by the API (a request beyond one is answered
422 naming the field and the limit, or 413 for a body too large) and listed at
``GET /api/v1/limits``.
"""
from __future__ import annotations

import os
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

#: environment variables read by :meth:`Settings.from_env`
ENV_USERS_FILE = "CRITMIN_USERS_FILE"
ENV_CORS = "CRITMIN_CORS_ORIGINS"


class Limits(BaseModel):
    """Work limits of one request (stated in the OpenAPI document and at ``/api/v1/limits``)."""

    model_config = ConfigDict(frozen=True)

    max_body_bytes: int = Field(256 * 1024, description="largest request body, bytes (413 beyond)")
    max_minerals: int = Field(80, description="minerals named in one request")
    max_countries: int = Field(8, description="importers compared in one request")
    max_years: int = Field(20, description="years in one series request")
    max_interventions: int = Field(12, description="interventions in one policy document")
    max_draws: int = Field(2000, description="Monte Carlo draws of an uncertainty run")
    max_sim_years: int = Field(200_000, description="simulated years of a disruption Monte Carlo")
    max_days: float = Field(3650.0, description="length of a disruption, days")
    max_rows: int = Field(2000, description="rows of a confidential table (stocks, self-sufficiency)")
    cache_entries: int = Field(256, description="JSON documents kept in the result cache (LRU)")


def _examples_dir() -> Path | None:
    """``examples/policies`` of a source checkout (the shipped policy examples), if present."""
    p = Path(__file__).resolve().parents[3] / "examples" / "policies"
    return p if p.is_dir() else None


class Settings(BaseModel):
    """What :func:`critmin.web.create_app` needs.

    Parameters
    ----------
    users_file : a YAML or JSON file of users (see :mod:`critmin.web.auth`); none = no one can
        log in and the confidential endpoints answer 401.
    users : the same mapping given directly (tests; takes precedence over ``users_file``).
    cors_origins : origins allowed by CORS; empty (the default) = CORS off.
    policies_dir : folder of the policy examples offered on the what-if page.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    users_file: Path | None = None
    users: dict | None = None
    cors_origins: list[str] = Field(default_factory=list)
    policies_dir: Path | None = Field(default_factory=_examples_dir)
    limits: Limits = Field(default_factory=Limits)

    @classmethod
    def from_env(cls, **kw) -> Settings:
        """Settings from ``$CRITMIN_USERS_FILE`` and ``$CRITMIN_CORS_ORIGINS`` (comma-separated),
        overridden by ``kw``."""
        env = {}
        if os.environ.get(ENV_USERS_FILE):
            env["users_file"] = Path(os.environ[ENV_USERS_FILE])
        if os.environ.get(ENV_CORS):
            env["cors_origins"] = [o.strip() for o in os.environ[ENV_CORS].split(",") if o.strip()]
        env.update({k: v for k, v in kw.items() if v is not None})
        return cls(**env)

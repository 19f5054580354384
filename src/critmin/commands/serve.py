"""``critmin serve``: the REST API and the dashboard on uvicorn (:mod:`critmin.web`)."""
from __future__ import annotations

from pathlib import Path

import typer

from ._common import fail as _fail
from ._common import lang_option


def register(app: typer.Typer) -> None:
    @app.command("serve")
    def serve_cmd(host: str = typer.Option("127.0.0.1", help="address to listen on (127.0.0.1: this machine only)"),
                  port: int = typer.Option(8000, min=0, max=65535, help="port (0: any free port)"),
                  users: Path | None = typer.Option(None, "--users", help="users file (YAML/JSON: name → "
                                                       "password_hash and/or token_sha256); default "
                                                       "$CRITMIN_USERS_FILE; none = confidential endpoints "
                                                       "answer 401"),
                  cors: str | None = typer.Option(None, "--cors", help="origins allowed by CORS, comma-"
                                                     "separated (default: CORS off)"),
                  hash_password: bool = typer.Option(False, "--hash-password",
                                                     help="read a password (prompt) and print its Argon2id hash "
                                                          "for the users file, then exit"),
                  log_level: str = typer.Option("info", help="uvicorn log level"),
                  lang: str = lang_option()) -> None:
        """Serve the REST API (/api/v1, docs at /docs) and the dashboard (/) on the shipped data and the
        per-user store."""
        try:
            import uvicorn

            from ..web import Settings, create_app
            from ..web.auth import hash_password as _hash
        except ImportError as exc:
            _fail(ImportError(f"{exc.name} is missing: pip install 'critmin[web]'"))
        if hash_password:
            pw = typer.prompt("password", hide_input=True, confirmation_prompt=True)
            typer.echo(_hash(pw))
            return
        from ..errors import CritminError

        try:
            settings = Settings.from_env(lang=lang, users_file=users, cors_origins=[o.strip() for o in cors.split(",")
                                                                         if o.strip()] if cors else None)
            application = create_app(settings)
        except CritminError as exc:
            _fail(exc)
        import uvicorn

        from ..i18n import translator

        _ = translator(lang)
        typer.echo(_("critmin serve: dashboard {dashboard} · API {docs}").format(
            dashboard=f"http://{host}:{port}/", docs=f"http://{host}:{port}/docs"), err=True)
        uvicorn.run(application, host=host, port=port, log_level=log_level, server_header=False)

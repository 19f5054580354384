"""``critmin data fetch baci|comtrade``: the official trade releases, for a connected machine.

Thin layer over :mod:`critmin.fetch`. Attached under the ``data`` group built in ``cli.py``
(found among the root app's groups, so ``cli.py`` needs no change).
"""
from __future__ import annotations

from typing import List, Optional

import typer

from ..i18n import N_, number, translator
from ._common import fail as _fail
from ._common import lang_option

#: the line after a download (the zip's size and checksum)
DOWNLOADED = N_("downloaded {size} bytes, SHA-256 {sha}")

fetch_app = typer.Typer(no_args_is_help=True,
                        help="Download official trade releases (CEPII BACI, UN Comtrade) and import the "
                             "catalogue's HS codes; needs internet.")


@fetch_app.command("baci")
def fetch_baci_cmd(
    release: str = typer.Option("V202601", help="BACI release (e.g. V202501, V202601)"),
    nomenclature: str = typer.Option("HS92", help="HS92 (1995-) or HS17 (2017-), also HS96/HS02/HS07/HS12/HS22"),
    url: Optional[str] = typer.Option(None, help="base URL of the bulk files (or a full .zip URL); "
                                                 "default $CRITMIN_BACI_URL or the CEPII site"),
    keep_download: bool = typer.Option(False, "--keep-download", help="keep the zip in the user data dir"),
    no_progress: bool = typer.Option(False, "--no-progress", help="no progress bar"),
    lang: str = lang_option(),
) -> None:
    """Download a CEPII BACI bulk release (resumable), keep the catalogue's HS codes and import them.

    The release zip is several GB; the import holds only the mineral codes.
    Re-run the same command after an interruption to resume the download.
    """
    from ..errors import CritminError
    from ..fetch import fetch_baci
    from ..store import default_store, reset_default_store

    _ = translator(lang)
    try:
        res = fetch_baci(release, nomenclature, url=url, store=default_store(), progress=not no_progress,
                         keep_download=keep_download)
    except CritminError as exc:
        _fail(exc)
    reset_default_store()
    if res.size:
        typer.echo(_(DOWNLOADED).format(size=number(res.size, lang), sha=res.sha256), err=True)
    if res.already:
        typer.echo(_("{url} (SHA-256 {sha}…) is already imported; nothing to do").format(url=res.url,
                                                                                       sha=res.sha256[:12]))
        return
    typer.echo(_("imported {n} observations of BACI {edition} from {url} (SHA-256 {sha}) into {path}").format(
        n=number(res.rows, lang), edition=res.edition, url=res.url, sha=res.sha256, path=res.path))


@fetch_app.command("comtrade")
def fetch_comtrade_cmd(
    reporter: List[str] = typer.Option(["JPN"], "--reporter", help="importing country, ISO3 (repeatable or "
                                                                    "comma-separated)"),
    hs: Optional[str] = typer.Option(None, help="HS6 codes, comma-separated (default: every catalogue code)"),
    years: str = typer.Option(..., help="years, e.g. 2010-2024 or 2018,2020"),
    url: Optional[str] = typer.Option(None, help="API base URL (default $CRITMIN_COMTRADE_URL or "
                                                 "https://comtradeapi.un.org/data/v1/get)"),
    no_progress: bool = typer.Option(False, "--no-progress", help="no progress bar"),
    lang: str = lang_option(),
) -> None:
    """Imports declared to UN Comtrade (API v1; key from $COMTRADE_API_KEY), imported as source 'comtrade'."""
    from ..errors import CritminError
    from ..fetch import fetch_comtrade, parse_years
    from ..store import default_store, reset_default_store

    _ = translator(lang)
    reps = [r.strip() for item in reporter for r in item.split(",") if r.strip()]
    try:
        res = fetch_comtrade(reps, None if hs is None else hs.split(","), parse_years(years), url=url,
                             store=default_store(), progress=not no_progress)
    except CritminError as exc:
        _fail(exc)
    reset_default_store()
    if res.already:
        typer.echo(_("these UN Comtrade records (SHA-256 {sha}…) are already imported; nothing to do").format(
            sha=res.sha256[:12]))
        return
    typer.echo(_("imported {n} observations ({edition}) into {path}").format(n=number(res.rows, lang),
                                                                            edition=res.edition, path=res.path))


def register(app: typer.Typer) -> None:
    """Attach ``fetch`` to the ``data`` group of ``app``."""
    for group in app.registered_groups:
        if group.name == "data" and group.typer_instance is not None:
            group.typer_instance.add_typer(fetch_app, name="fetch")
            return
    app.add_typer(fetch_app, name="fetch")   # no data group (not expected): a top-level group

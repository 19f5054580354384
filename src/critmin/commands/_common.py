"""What every CLI command shares: output formats, the error exit and a console sized for tables."""
from __future__ import annotations

from enum import Enum

import typer


class Fmt(str, Enum):
    """``--format`` of commands that print a table or JSON."""

    table = "table"
    json = "json"


class OutFmt(str, Enum):
    """``--format`` of commands that also write CSV (UTF-8 with BOM) and Excel workbooks."""

    table = "table"
    json = "json"
    csv = "csv"
    xlsx = "xlsx"


def _lang(value: str | None) -> str:
    from ..errors import CritminError
    from ..i18n import check_lang, default_lang

    try:
        return check_lang(value) if value else default_lang()
    except CritminError as exc:
        raise typer.BadParameter(str(exc)) from None


def lang_option():
    """``--lang ja|en``, the same in every command; without it the default language
    (:func:`critmin.i18n.default_lang`: $CRITMIN_LANG, the config file, the locale)."""
    return typer.Option(None, "--lang", callback=_lang, show_default=False,
                        help="language of what is printed and written: ja or en (default: $CRITMIN_LANG, "
                             "`lang` in the config file, else the locale)")


def fail(exc: Exception) -> None:
    """Print the error (it names what, where and the fix) in red and exit with status 2."""
    typer.secho(f"error: {exc}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code=2)


def console(min_width: int = 110):
    """A rich console at least ``min_width`` wide, wider when the terminal is."""
    import shutil

    from rich.console import Console

    return Console(width=max(min_width, shutil.get_terminal_size((min_width, 24)).columns))


def spinner(enabled: bool = True):
    """A transient spinner with the elapsed time on stderr (``update(text)`` names the step);
    a no-op when ``enabled`` is False (JSON output stays clean)."""
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    import sys

    return Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), transient=True,
                    disable=not enabled or not sys.stderr.isatty(), console=Console(stderr=True))


def check_out(path, *, field: str = "--out", overwrite: bool = True, private: bool = False):
    """Check an output path before the command does any work (a directory, a path under a regular
    file, a folder without write permission, an existing file when ``overwrite`` is False, a
    symbolic link for a ``private`` file: one clear error line, exit status 2). ``None`` passes."""
    if path is None:
        return None
    from ..errors import CritminError
    from ..report.io import check_target

    try:
        return check_target(path, field=field, overwrite=overwrite, follow_symlink=not private and overwrite)
    except CritminError as exc:
        fail(exc)

"""Writing reports and user files: atomically (temporary file, then rename), public or owner-only.

Every output path goes through :func:`check_target` first, so that a path that cannot be written
(a directory, a path under a regular file, a folder without write permission, a symlink where a
confidential or user file would be written) ends in one clear
:class:`~critmin.errors.DataValidationError` naming the option and the fix — before any work
starts and never as a traceback.
"""
from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path

from ..errors import DataValidationError


def _error(what: str, path: Path, field: str, fix: str) -> DataValidationError:
    return DataValidationError(what, file=str(path)[:300], field=field, fix=fix)


def check_target(path: str | Path, *, field: str = "--out", overwrite: bool = True,
                 follow_symlink: bool = True) -> Path:
    """Check that ``path`` can be written as a file; return it as a :class:`~pathlib.Path`.

    Refused, with a :class:`~critmin.errors.DataValidationError` naming ``field``:

    * an existing directory, or a path whose parent folders include a regular file;
    * a folder that exists but cannot be written by this user;
    * an existing file when ``overwrite`` is False (the caller offers ``--force``);
    * a symbolic link when ``follow_symlink`` is False (confidential and user files are never
      written through, nor in place of, a link).

    Missing parent folders are fine (they are created when the file is written).

    >>> try:
    ...     check_target("/", field="--out")
    ... except DataValidationError as exc:
    ...     print(exc.what)
    the output path is a directory
    """
    p = Path(path)
    if str(p) in ("", "."):
        raise _error("no output file named", p, field, "give a file name, e.g. report.html")
    if p.is_symlink() and not follow_symlink:
        raise _error("the output path is a symbolic link; a confidential or user file is never written "
                     "through one", p, field, "give the real path of a new file")
    if p.is_dir():
        raise _error("the output path is a directory", p, field,
                     f"give a file name inside it, e.g. {p / 'report.html'}")
    if p.exists() and not overwrite:
        raise _error("the file exists and would be overwritten", p, field,
                     "choose another name, or add --force to replace it")
    # the nearest existing ancestor must be a directory we can write to
    parent = p.parent
    while not parent.exists() and parent != parent.parent:
        if parent.is_symlink():  # a dangling link among the parents
            raise _error("a parent folder is a broken symbolic link", p, field, "give another folder")
        parent = parent.parent
    if not parent.is_dir():
        raise _error(f"the folder {parent} is a file, not a folder", p, field,
                     "give a path whose folders are folders")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise _error(f"no permission to write in the folder {parent}", p, field,
                     "choose a folder you can write to")
    try:    # the permission bits do not tell everything (read-only mounts, special file systems, root)
        with tempfile.TemporaryFile(dir=parent, prefix=".tmp-"):
            pass
    except OSError as exc:
        raise _os_error(exc, p, field) from None
    return p


def _os_error(exc: OSError, path: Path, field: str) -> DataValidationError:
    why = {errno.EACCES: "no permission to write there", errno.EPERM: "the system does not allow writing there",
           errno.EROFS: "the file system is read-only", errno.ENOSPC: "the disk is full",
           errno.EISDIR: "the output path is a directory", errno.ENOTDIR: "a folder on the path is a file",
           errno.EEXIST: "the file exists and would be overwritten",
           errno.ENAMETOOLONG: "the file name is too long"}.get(exc.errno, exc.strerror or "cannot write the file")
    fix = ("add --force to replace it, or choose another name" if exc.errno == errno.EEXIST
           else "choose another path (nothing was written)")
    return _error(f"cannot write the file: {why}", path, field, fix)


def _create_exclusive(path: Path, data: bytes, mode: int) -> None:
    """Create ``path`` only if it does not exist, never through a link (file systems without
    hard links); a partial file is removed."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), mode)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def write_bytes_atomic(path: str | Path, data: bytes, *, private: bool = False, overwrite: bool = True,
                       field: str = "--out") -> Path:
    """Write ``data`` to ``path`` all or nothing (temporary file in the same folder, then rename).

    ``private=True`` (the file holds confidential data, e.g. stock levels) leaves it readable and
    writable by the owner only (mode 0600) and never replaces a symbolic link; otherwise the file
    gets the usual 0644. ``overwrite=False`` never replaces an existing file, even one created
    between the check and the rename (the rename is a hard link that fails on an existing name).
    A failure raises :class:`~critmin.errors.DataValidationError` naming ``field``; nothing is
    left behind.
    """
    path = check_target(path, field=field, overwrite=overwrite, follow_symlink=not private and overwrite)
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)  # mode 0600
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o600 if private else 0o644)
        if overwrite:
            if private and path.is_symlink():
                raise OSError(errno.ELOOP, "symbolic link")
            os.replace(tmp, path)
        else:
            try:
                os.link(tmp, path)      # fails with EEXIST: an existing file is never replaced
            except OSError as exc:
                if exc.errno == errno.EEXIST:
                    raise
                _create_exclusive(path, data, 0o600 if private else 0o644)   # no hard links here
            os.unlink(tmp)
        tmp = None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise _error("the output path is a symbolic link; a confidential file is never written through "
                         "one", path, field, "give the real path of a new file") from None
        raise _os_error(exc, path, field) from None
    finally:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
    return path


def write_text_atomic(path: str | Path, text: str, *, private: bool = False, overwrite: bool = True,
                      field: str = "--out") -> Path:
    """Write ``text`` (UTF-8) to ``path`` all or nothing; see :func:`write_bytes_atomic`.

    ``private=True`` (the file holds confidential data, e.g. stock levels) leaves it readable
    and writable by the owner only (mode 0600); otherwise it gets the usual 0644.
    """
    return write_bytes_atomic(path, text.encode("utf-8"), private=private, overwrite=overwrite, field=field)

"""Writing reports: atomically (temporary file, then rename), public or owner-only."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_text_atomic(path: str | Path, text: str, *, private: bool = False) -> Path:
    """Write ``text`` to ``path`` all or nothing.

    ``private=True`` (the file holds confidential data, e.g. stock levels) leaves it readable
    and writable by the owner only (mode 0600); otherwise it gets the usual 0644.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)  # mode 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(tmp, 0o600 if private else 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path

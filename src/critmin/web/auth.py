"""Users, credentials and the per-user confidential data (kept in memory only).

Users file (YAML or JSON; ``critmin serve --users FILE`` or ``$CRITMIN_USERS_FILE``)::

    users:
      alice:
        password_hash: "$argon2id$v=19$m=65536,t=3,p=4$..."   # critmin serve --hash-password
        token_sha256: "9f86d081..."        # optional: SHA-256 (hex) of a bearer token

Passwords are verified with Argon2id (``argon2-cffi``); bearer tokens, long random strings,
are compared by their SHA-256 in constant time. A request authenticates with HTTP Basic
(``Authorization: Basic``) or a bearer token (``Authorization: Bearer``).

Confidential inputs (stock levels, self-sufficiency rows) live in :class:`Vault`, one
entry per user, in this process's memory: never written to disk, never logged, never
returned to anyone but their owner.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import threading
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import DataValidationError


@dataclass(frozen=True)
class User:
    name: str
    password_hash: str | None = None
    token_sha256: str | None = None


def hash_password(password: str) -> str:
    """An Argon2id hash of ``password`` (the ``password_hash`` of a users file)."""
    from argon2 import PasswordHasher

    return PasswordHasher().hash(password)


def token_digest(token: str) -> str:
    """The ``token_sha256`` of a bearer token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def load_users(path: str | Path | None = None, mapping: dict | None = None) -> dict[str, User]:
    """Read the users file (or ``mapping``), validated: each user needs a password hash or a token digest."""
    if mapping is None and path is None:
        return {}
    f = str(path) if path is not None else "<settings.users>"
    if mapping is None:
        p = Path(path)
        if not p.is_file():
            raise DataValidationError("users file not found", file=f, fix="give the path of a YAML/JSON users "
                                      "file (see `critmin serve --help`)")
        import yaml

        try:
            mapping = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError:
            raise DataValidationError("users file is not valid YAML/JSON", file=f,
                                      fix="write 'users: {alice: {password_hash: ...}}'") from None
    users = mapping.get("users", mapping) if isinstance(mapping, dict) else None
    if not isinstance(users, dict):
        raise DataValidationError("users file must map user names to their credentials", file=f,
                                  fix="write 'users: {alice: {password_hash: ...}}'")
    out = {}
    for name, cred in users.items():
        if not isinstance(cred, dict) or not (cred.get("password_hash") or cred.get("token_sha256")):
            raise DataValidationError("user without credentials", file=f, field=str(name),
                                      fix="give password_hash (critmin serve --hash-password) and/or "
                                          "token_sha256")
        extra = set(cred) - {"password_hash", "token_sha256"}
        if extra:
            raise DataValidationError("unknown key in the users file", file=f, field=f"{name}.{min(extra)}",
                                      expected="password_hash, token_sha256")
        ph = cred.get("password_hash")
        if ph is not None and not str(ph).startswith("$argon2"):
            raise DataValidationError("password_hash is not an Argon2 hash", file=f, field=f"{name}.password_hash",
                                      fix="store the output of `critmin serve --hash-password`, never a password")
        tk = cred.get("token_sha256")
        if tk is not None and (len(str(tk)) != 64 or any(c not in "0123456789abcdef" for c in str(tk).lower())):
            raise DataValidationError("token_sha256 must be 64 hex digits", file=f, field=f"{name}.token_sha256",
                                      fix="store sha256(token).hexdigest(), never the token")
        out[str(name)] = User(str(name), ph, str(tk).lower() if tk else None)
    return out


class Authenticator:
    """Checks an ``Authorization`` header against the users; returns the user name or None."""

    def __init__(self, users: dict[str, User]) -> None:
        self.users = users
        self._by_token = {u.token_sha256: u.name for u in users.values() if u.token_sha256}
        self._ok: dict[str, str] = {}        # sha256(header) -> user, for headers verified already
        self._lock = threading.Lock()

    def __call__(self, header: str | None) -> str | None:
        """The user named by a valid header; None without one. Raises ValueError on bad credentials."""
        if not header:
            return None
        scheme, _, cred = header.partition(" ")
        scheme = scheme.lower()
        if scheme == "bearer":
            dig = token_digest(cred.strip())
            for known, name in self._by_token.items():
                if hmac.compare_digest(known, dig):
                    return name
            raise ValueError("invalid token")
        if scheme != "basic":
            raise ValueError("unsupported scheme")
        # a verified Basic header is remembered by its SHA-256 only (Argon2 costs ~50 ms a check)
        key = hashlib.sha256(header.encode("utf-8")).hexdigest()
        with self._lock:
            hit = self._ok.get(key)
        if hit is not None:
            return hit
        try:
            user, _, pw = base64.b64decode(cred.strip(), validate=True).decode("utf-8").partition(":")
        except (ValueError, UnicodeDecodeError):
            raise ValueError("malformed basic credentials") from None
        u = self.users.get(user)
        if u is None or not u.password_hash:
            raise ValueError("invalid credentials")
        from argon2 import PasswordHasher
        from argon2.exceptions import InvalidHashError, VerificationError

        try:
            PasswordHasher().verify(u.password_hash, pw)
        except (VerificationError, InvalidHashError):
            raise ValueError("invalid credentials") from None
        with self._lock:
            if len(self._ok) > 1024:
                self._ok.clear()
            self._ok[key] = u.name
        return u.name


@dataclass
class Vault:
    """Confidential tables per user, in memory only."""

    data: dict = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def put(self, user: str, kind: str, value) -> None:
        with self.lock:
            self.data.setdefault(user, {})[kind] = value

    def get(self, user: str, kind: str):
        with self.lock:
            return self.data.get(user, {}).get(kind)

    def drop(self, user: str, kind: str) -> bool:
        with self.lock:
            return self.data.get(user, {}).pop(kind, None) is not None

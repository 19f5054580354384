"""ASGI middleware: security headers, the request-body limit and the last-resort 500.

Pure ASGI (no per-request task switching), so a cached answer stays fast.
"""
from __future__ import annotations

import json
import logging
import secrets
import traceback

log = logging.getLogger("critmin.web")

#: scripts only from this server (no inline script, no eval); Plotly sets inline styles
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
       "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
       "frame-ancestors 'none'")

HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
]
PRIVATE_PREFIX = "/api/v1/users/"
#: confidential file uploads (a company import file): their own, larger body limit
UPLOAD_SUFFIX = "/company"


def is_upload(path: str) -> bool:
    return path.startswith(PRIVATE_PREFIX) and path.endswith(UPLOAD_SUFFIX)


async def _send_json(send, status: int, doc: dict, extra: list | None = None) -> None:
    body = json.dumps(doc).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            *HEADERS, *(extra or [])]})
    await send({"type": "http.response.body", "body": body})


class SecurityHeaders:
    """Adds :data:`HEADERS` to every response (``Cache-Control: no-store`` on the confidential
    endpoints) and turns an unhandled exception into a 500 without a traceback; the server log
    gets the stack frames and a reference, not the exception's message (it may quote a value)."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        private = scope.get("path", "").startswith(PRIVATE_PREFIX)
        started = False

        async def send_with_headers(msg):
            nonlocal started
            if msg["type"] == "http.response.start":
                started = True
                hs = list(msg.get("headers", []))
                have = {k.lower() for k, _ in hs}
                hs += [(k, v) for k, v in HEADERS if k not in have]
                if private:
                    hs = [(k, v) for k, v in hs if k.lower() != b"cache-control"] + [(b"cache-control", b"no-store")]
                msg = {**msg, "headers": hs}
            await send(msg)

        try:
            await self.app(scope, receive, send_with_headers)
        except BodyTooLarge as exc:
            if not started:
                await _send_json(send, 413, {"status": 413, "detail": [{"msg": str(exc), "field": "body",
                                                                        "fix": "send a smaller body"}]})
        except Exception as exc:  # noqa: BLE001 - the last resort: never a traceback to the client
            ref = secrets.token_hex(4)
            log.error("unhandled %s on %s %s [ref %s]\n%s", type(exc).__name__, scope.get("method"),
                      scope.get("path"), ref, "".join(traceback.format_tb(exc.__traceback__)))
            if not started:
                await _send_json(send, 500, {"status": 500, "detail": [
                    {"msg": f"internal error (reference {ref}); the server log has the details"}]})


class BodyTooLarge(Exception):
    pass


class BodyLimit:
    """413 for a request body over ``max_bytes`` (``upload_bytes`` for a file upload,
    :func:`is_upload`), by its Content-Length or while it streams."""

    def __init__(self, app, max_bytes: int, upload_bytes: int | None = None) -> None:
        self.app, self.body_max = app, max_bytes
        self.upload_max = max_bytes if upload_bytes is None else upload_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit = self.upload_max if is_upload(scope.get("path", "")) else self.body_max
        for k, v in scope.get("headers", []):
            if k == b"content-length":
                try:
                    n = int(v)
                except ValueError:
                    n = 0
                if n > limit:
                    return await _send_json(send, 413, {"status": 413, "detail": [{
                        "msg": f"request body of {n} bytes is over the limit of {limit} bytes",
                        "field": "body", "fix": "send a smaller body (see GET /api/v1/limits)"}]})
        seen = 0

        async def counted():
            nonlocal seen
            msg = await receive()
            if msg["type"] == "http.request":
                seen += len(msg.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge(f"request body over the limit of {limit} bytes")
            return msg

        await self.app(scope, counted, send)


class FastCache:
    """Answers a repeated public ``GET /api/v1/...`` straight from memory, before routing and
    validation: the exact (data version, path, query string) of an earlier 200 answer that the
    result cache produced (``X-Critmin-Cache`` header). The confidential paths never pass here."""

    def __init__(self, app, maxsize: int = 1024) -> None:
        from collections import OrderedDict

        self.app, self.maxsize = app, maxsize
        self.store: OrderedDict = OrderedDict()

    async def __call__(self, scope, receive, send):
        path = scope.get("path", "")
        if scope["type"] != "http" or scope.get("method") != "GET" or not path.startswith("/api/v1/") \
                or path.startswith(PRIVATE_PREFIX):
            return await self.app(scope, receive, send)
        version = scope["app"].state.watch.version()
        key = (version, path, scope.get("query_string", b""))
        hit = self.store.get(key)
        if hit is not None:
            self.store.move_to_end(key)
            await send({"type": "http.response.start", "status": 200, "headers": [
                (b"content-type", b"application/json"), (b"content-length", str(len(hit)).encode()),
                (b"x-critmin-cache", b"hit"), (b"x-critmin-data-version", version.encode())]})
            await send({"type": "http.response.body", "body": hit})
            return
        state = {"cacheable": False, "chunks": []}

        async def capture(msg):
            if msg["type"] == "http.response.start":
                state["cacheable"] = msg["status"] == 200 and any(k == b"x-critmin-cache" for k, _ in msg["headers"])
            elif msg["type"] == "http.response.body" and state["cacheable"]:
                state["chunks"].append(msg.get("body", b""))
                if not msg.get("more_body"):
                    body = state["chunks"][0] if len(state["chunks"]) == 1 else b"".join(state["chunks"])
                    self.store[key] = body
                    while len(self.store) > self.maxsize:
                        self.store.popitem(last=False)
            await send(msg)

        await self.app(scope, receive, capture)

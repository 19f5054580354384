"""A live `critmin serve` application on 127.0.0.1 (random free port, uvicorn in a thread), shared by
the web tests; two users with cheap Argon2 hashes (the cost is in the hash, so tests stay fast)."""
from __future__ import annotations

import socket
import threading
import time

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")
pytest.importorskip("argon2")
httpx = pytest.importorskip("httpx")

PASSWORDS = {"alice": "alice-secret-pw", "bob": "bob-secret-pw"}
TOKEN = "tok-" + "b" * 40             # bob's bearer token


def _users() -> dict:
    from argon2 import PasswordHasher

    from critmin.web.auth import token_digest

    ph = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    u = {n: {"password_hash": ph.hash(p)} for n, p in PASSWORDS.items()}
    u["bob"]["token_sha256"] = token_digest(TOKEN)
    return {"users": u}


class Live:
    def __init__(self, app, port: int, server, thread) -> None:
        self.app, self.port, self.server, self.thread = app, port, server, thread
        self.url = f"http://127.0.0.1:{port}"
        self.client = httpx.Client(base_url=self.url, timeout=60)


@pytest.fixture(scope="session")
def live():
    """The application served by uvicorn in a thread; logs propagate to the root logger (caplog sees them)."""
    import uvicorn

    from critmin.web import Settings, create_app

    app = create_app(Settings(users=_users()))
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_config=None, log_level="debug", access_log=True,
                                           lifespan="off"))
    th = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    th.start()
    t0 = time.time()
    while not server.started:
        if time.time() - t0 > 20 or not th.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    lv = Live(app, port, server, th)
    yield lv
    lv.client.close()
    server.should_exit = True
    th.join(10)
    sock.close()

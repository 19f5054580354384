"""Shared fixtures. Tests that need the raw files skip cleanly when ../shared is absent."""
from __future__ import annotations

import contextlib
import functools
import http.server
import os
import shutil
import socketserver
import threading
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
RAW = Path(os.environ.get("CRITMIN_RAW", REPO.parent / "shared" / "data" / "raw"))


@pytest.fixture(scope="session")
def raw_dir() -> Path:
    """The raw data directory (../shared/data/raw); skips the test when absent."""
    if not RAW.is_dir():
        pytest.skip("raw data not present (../shared/data/raw)")
    return RAW


@pytest.fixture(autouse=True, scope="session")
def _isolated_home(tmp_path_factory):
    """No test ever reads or writes the real per-user data directory."""
    mp = pytest.MonkeyPatch()
    mp.setenv("CRITMIN_HOME", str(tmp_path_factory.mktemp("critmin-home")))
    yield
    mp.undo()


@pytest.fixture()
def user_dir(tmp_path, monkeypatch) -> Path:
    """An empty per-user data directory for store tests."""
    d = tmp_path / "critmin-user"
    monkeypatch.setenv("CRITMIN_HOME", str(d))
    return d


class Browser:
    """Headless Chromium (Debian ``chromium`` + ``chromium-driver``) over a real local web server."""

    ARGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--no-first-run", "--window-size=1400,1000")

    def __init__(self, profile: Path) -> None:
        chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
        if not (chromium and driver):
            pytest.skip("chromium / chromedriver not installed (apt-get install chromium chromium-driver)")
        webdriver = pytest.importorskip("selenium.webdriver")
        from selenium.webdriver.chrome.service import Service

        opts = webdriver.ChromeOptions()
        opts.binary_location = chromium
        for a in (*self.ARGS, f"--user-data-dir={profile}"):
            opts.add_argument(a)
        opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        self.driver = webdriver.Chrome(service=Service(driver), options=opts)
        self._servers: list = []

    def open(self, page: Path):
        """Serve ``page``'s folder over HTTP, load the page and return the driver."""

        class Quiet(http.server.SimpleHTTPRequestHandler):
            def log_message(self, *a, **k):
                pass

        httpd = socketserver.ThreadingTCPServer(("127.0.0.1", 0),
                                                functools.partial(Quiet, directory=str(page.parent)))
        httpd.daemon_threads = True
        threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        self._servers.append(httpd)
        self.driver.get(f"http://127.0.0.1:{httpd.server_address[1]}/{page.name}")
        return self.driver

    def assert_clean(self) -> None:
        """The loaded page fetched nothing (self-contained) and logged no error."""
        resources = self.driver.execute_script(
            "return performance.getEntriesByType('resource').map(function(e){return e.name;});")
        assert resources == []
        severe = [e for e in self.driver.get_log("browser") if e["level"] == "SEVERE"]
        assert severe == [], severe

    def reset(self) -> None:
        """Back to the state of a fresh launch, between tests: a blank page, no emulated width,
        the default window, no cookies or cached files, an empty console log."""
        for s in self._servers:
            s.shutdown()
            s.server_close()
        self._servers = []
        d = self.driver
        d.get("about:blank")
        d.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
        d.set_window_size(1400, 1000)
        d.execute_cdp_cmd("Network.clearBrowserCache", {})
        d.execute_cdp_cmd("Network.clearBrowserCookies", {})
        d.get_log("browser")

    def alive(self) -> bool:
        try:
            self.driver.execute_script("return 1")
            return True
        except Exception:  # noqa: BLE001 - a crashed Chromium is launched again
            return False

    def close(self) -> None:
        try:
            self.driver.quit()
        finally:
            for s in self._servers:
                s.shutdown()
                s.server_close()
            self._servers = []


@pytest.fixture(scope="session")
def _chromium(tmp_path_factory):
    """One Chromium per test process (a launch and a quit cost about a second); see ``browser``."""
    holder: dict = {}

    def get() -> Browser:
        b = holder.get("b")
        if b is None or not b.alive():
            if b is not None:
                with contextlib.suppress(Exception):       # the crashed one: its driver may be gone
                    b.close()
            holder["b"] = b = Browser(tmp_path_factory.mktemp("chromium-profile"))
        return b

    yield get
    if holder.get("b") is not None:
        holder["b"].close()


@pytest.fixture()
def browser(_chromium):
    """A :class:`Browser` (shared by the tests of this process, reset before and after each test);
    skips the test when Chromium or its driver is missing."""
    b = _chromium()
    b.reset()
    try:
        yield b
    finally:
        if b.alive():
            b.reset()

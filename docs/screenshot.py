"""Retake docs/critmin-serve.png: `critmin serve` on a free port, the rare-earth page in Japanese,
captured by headless Chromium (Debian chromium + chromium-driver, selenium from the test extra).

    .venv/bin/python docs/screenshot.py [--out docs/critmin-serve.png]
"""
from __future__ import annotations

import argparse
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, default=Path(__file__).with_name("critmin-serve.png"))
    ap.add_argument("--path", default="/mineral/rare_earths?lang=ja&country=JPN&year=2022")
    args = ap.parse_args()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    exe = Path(sys.executable).with_name("critmin")
    server = subprocess.Popen([str(exe), "serve", "--port", str(port), "--log-level", "warning"])
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/health", timeout=1)
                break
            except OSError:
                time.sleep(0.5)
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service

        opts = webdriver.ChromeOptions()
        opts.binary_location = shutil.which("chromium")
        for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,1500", "--lang=ja"):
            opts.add_argument(a)
        drv = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=opts)
        try:
            drv.get(f"http://127.0.0.1:{port}{args.path}")
            time.sleep(4)                                   # charts drawn
            drv.save_screenshot(str(args.out))
        finally:
            drv.quit()
        print(f"written {args.out}")
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    main()

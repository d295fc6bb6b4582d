"""Helpers for the web tests: a private copy of the examples store (so ingest tests cannot disturb others) and
a real server on a free loopback port for the browser tests."""

from __future__ import annotations

import socket
import sqlite3
import threading
import time
from pathlib import Path

# The test client's address: the app answers only to loopback names (DNS rebinding), not to "testserver".
LOCAL = "http://127.0.0.1"

HOSTILE_DOC = {
    # A document whose text, title, outlet and URL carry markup and script: all must show as inert text.
    "title": "Kessmoor <script>alert('title')</script> fire <img src=x onerror=alert('title-img')>",
    "source": "Hostile <b>Outlet</b> <img src=x onerror=alert('outlet')>",
    "url": "javascript:alert('url')",
    "published": "2026-08-10",
    "text": ("Kessmoor <script>alert('text')</script> fire crews held the north ridge again on Monday, "
             "the fire service said.\n\n<img src=x onerror=\"alert('img')\"> Residents of Tarsk Hollow were told "
             "they could return on Tuesday, according to the governor.\n\n"
             "<a href=\"javascript:alert('link')\">Read the governor's statement</a> on the evacuation of "
             "Emberlee, which stays closed."),
}


def copy_store(source: str, target: Path) -> str:
    """A consistent copy of a SQLite store (WAL included), through SQLite's backup API."""
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    with dst:
        src.backup(dst)
    src.close()
    dst.close()
    return str(target)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveServer:
    """uvicorn serving an app in a background thread, stopped on exit."""

    def __init__(self, app):
        import uvicorn

        self.port = free_port()
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> "LiveServer":
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)

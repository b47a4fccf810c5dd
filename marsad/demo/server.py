"""Serve the bundled sample feeds on 127.0.0.1, with ETags, in two publication stages.

Stage 1 holds back the newest entry of one outlet; stage 2 publishes it, so the demo shows a
first poll (backlog), then a poll with one new item while the unchanged feeds answer 304.
"""

from __future__ import annotations

import hashlib
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from types import TracebackType
from typing import ClassVar

FEEDS = ("al-wasit", "sahil-post", "akhbar-alyawm")
HELD_BACK = "sahil-post"
_FIRST_ENTRY = re.compile(rb"\s*<entry>.*?</entry>", re.DOTALL)


def feed_bytes(name: str, stage: int) -> bytes:
    """The bytes of a bundled feed as published at ``stage`` (1 or 2)."""
    data = resources.files("marsad.demo").joinpath("feeds", f"{name}.xml").read_bytes()
    if stage == 1 and name == HELD_BACK:
        data = _FIRST_ENTRY.sub(b"", data, count=1)
    return data


class _Handler(BaseHTTPRequestHandler):
    server: DemoServer
    protocol_version = "HTTP/1.1"
    content_type: ClassVar[dict[str, str]] = {
        "al-wasit": "application/rss+xml; charset=utf-8",
        "sahil-post": "application/atom+xml; charset=utf-8",
        "akhbar-alyawm": "application/rss+xml; charset=utf-8",
    }

    def do_GET(self) -> None:
        name = self.path.strip("/").removesuffix(".xml")
        if name not in FEEDS:
            self.send_error(404)
            return
        body = feed_bytes(name, self.server.stage)
        etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
        if self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.send_header("ETag", etag)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", self.content_type[name])
        self.send_header("ETag", etag)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the demo prints its own story."""


class DemoServer(ThreadingHTTPServer):
    """The sample-feed server; a context manager that serves in a background thread."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.stage = 1
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    def url(self, name: str) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}/{name}.xml"

    def __enter__(self) -> DemoServer:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.shutdown()
        self.server_close()

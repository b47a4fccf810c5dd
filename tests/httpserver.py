"""A real HTTP/1.1 server on 127.0.0.1 for tests and benchmarks, raw enough to misbehave.

Each test registers routes that answer with any status, headers and bytes, and can misbehave
the way the real web does: wait before answering, drip the body a few bytes at a time, drop the
connection mid-headers or mid-body, lie about compression, answer a sequence of different
responses to repeated requests, or honour conditional GET.  It records every request it receives
and how many were in flight at once, so tests assert on what the server saw instead of on time.

The server runs on its own asyncio loop in a background thread (``HTTPTestServer``, also the
``http_server`` pytest fixture) or in a child process (``SubprocessHTTPServer``, for benchmarks
whose CPU measurements must not include the server's own work).  It speaks keep-alive and serves
thousands of concurrent connections.

    server.route("/feed.xml", Response(body=b"<rss/>", etag='"v1"'))
    server.route("/flaky", [Response(status=500), Response(body=b"ok")])
    server.route("/slow", Response(body=b"x" * 100, drip=Drip(1, every=0.2)))
    server.url("/feed.xml")   # "http://127.0.0.1:PORT/feed.xml"
    server.requests           # [Request(method="GET", path="/feed.xml", headers={...}), ...]
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import gzip as gzip_module
import os
import pickle
import socket
import subprocess
import sys
import threading
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from http import HTTPStatus
from pathlib import Path
from types import TracebackType
from typing import Any, Self
from urllib.parse import unquote

import pytest

__all__ = [
    "Drip",
    "Drop",
    "Framing",
    "HTTPTestServer",
    "Request",
    "Response",
    "SubprocessHTTPServer",
    "closed_port_url",
    "gzip_bomb",
    "http_server",
    "redirect",
]

_WRITE_CHUNK = 64 * 1024


class Drop(StrEnum):
    """Where the server breaks the connection instead of finishing its answer."""

    BEFORE_RESPONSE = "before-response"  # read the request, then close without a byte
    MID_HEADERS = "mid-headers"  # status line and part of the headers, then close
    MID_BODY = "mid-body"  # full headers announcing the whole body, half of it, then close


class Framing(StrEnum):
    """How the end of the body is signalled."""

    LENGTH = "length"  # Content-Length
    CHUNKED = "chunked"  # Transfer-Encoding: chunked
    CLOSE = "close"  # neither: the body ends when the server closes the connection


@dataclass(frozen=True)
class Drip:
    """Send the body ``size`` bytes at a time, waiting ``every`` seconds before each piece;
    with ``head=True`` the status line and headers are dripped too."""

    size: int = 1
    every: float = 0.1
    head: bool = False


@dataclass(frozen=True)
class Response:
    """One canned answer.

    ``body`` is sent ``repeat`` times (a 20 MB body is ``Response(body=b"x" * 65536, repeat=320)``
    without holding 20 MB).  ``gzip=True`` compresses ``body`` and adds ``Content-Encoding: gzip``.
    ``etag``/``last_modified`` add those headers and make the route answer 304 to a request whose
    ``If-None-Match``/``If-Modified-Since`` matches.  ``headers`` may be a list of pairs to repeat
    a name (two conflicting Content-Type headers, several Set-Cookie).  Headers given here win over the ones the
    server would add (so a test can lie with a wrong Content-Length or Content-Type).
    """

    status: int = 200
    body: bytes | str = b""
    headers: Mapping[str, str] | Sequence[tuple[str, str]] = field(default_factory=dict)
    delay: float = 0.0
    drip: Drip | None = None
    drop: Drop | None = None
    framing: Framing = Framing.LENGTH
    gzip: bool = False
    repeat: int = 1
    etag: str | None = None
    last_modified: str | None = None
    reason: str | None = None
    close: bool = False  # close the connection after this response (no keep-alive)

    def wire_body(self) -> bytes:
        """The body bytes as sent once on the wire (after the optional gzip)."""
        cached: bytes | None = self.__dict__.get("_wire")
        if cached is None:
            raw = self.body.encode("utf-8") if isinstance(self.body, str) else self.body
            cached = gzip_module.compress(raw, mtime=0) if self.gzip else raw
            object.__setattr__(self, "_wire", cached)
        return cached

    def wire_length(self) -> int:
        return len(self.wire_body()) * self.repeat


@dataclass(frozen=True)
class Request:
    """A request the server received; header names are lower-case."""

    method: str
    path: str
    headers: Mapping[str, str]
    body: bytes = b""
    http_version: str = "HTTP/1.1"

    @property
    def route(self) -> str:
        """The path without its query string."""
        return self.path.split("?", 1)[0]


Handler = Callable[[Request], Response]
Route = Response | Sequence[Response] | Handler


def redirect(location: str, status: int = 302, **kwargs: Any) -> Response:
    """A redirect response to ``location`` (absolute or relative, sent as given)."""
    headers = [("Location", location), *_header_items(kwargs.pop("headers", {}))]
    return Response(status=status, headers=headers, **kwargs)


def _header_items(
    headers: Mapping[str, str] | Sequence[tuple[str, str]],
) -> list[tuple[str, str]]:
    return list(headers.items()) if isinstance(headers, Mapping) else list(headers)


def gzip_bomb(decoded_size: int = 50_000_000) -> bytes:
    """A small gzip stream that inflates to ``decoded_size`` zero bytes (about 1000:1)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = bytes(1 << 20)
    parts: list[bytes] = []
    remaining = decoded_size
    while remaining > 0:
        piece = block if remaining >= len(block) else bytes(remaining)
        parts.append(compressor.compress(piece))
        remaining -= len(piece)
    parts.append(compressor.flush())
    return b"".join(parts)


def closed_port_url(path: str = "/") -> str:
    """A URL on 127.0.0.1 where nothing listens, so connecting is refused."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}{path}"


def _http_date_matches(since: str, last_modified: str) -> bool:
    """True when a resource last modified at ``last_modified`` is unchanged ``since``."""
    try:
        since_dt = email.utils.parsedate_to_datetime(since)
        modified_dt = email.utils.parsedate_to_datetime(last_modified)
    except (TypeError, ValueError):
        return since.strip() == last_modified.strip()
    return modified_dt <= since_dt


def _not_modified(request: Request, response: Response) -> bool:
    """RFC 9110 §13.2.2: If-None-Match decides when present, else If-Modified-Since."""
    if response.etag is not None and "if-none-match" in request.headers:
        wanted = [tag.strip() for tag in request.headers["if-none-match"].split(",")]
        bare = response.etag.removeprefix("W/")
        return "*" in wanted or any(tag.removeprefix("W/") == bare for tag in wanted)
    if response.last_modified is not None and "if-modified-since" in request.headers:
        return _http_date_matches(request.headers["if-modified-since"], response.last_modified)
    return False


class _DisconnectError(Exception):
    """The route asked to break the connection here."""


class HTTPTestServer:
    """The server, on its own event loop in a daemon thread; use as a context manager."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, backlog: int = 4096) -> None:
        self.host = host
        self.port = port
        self._backlog = backlog
        self._routes: dict[str, Route] = {}
        self._served: dict[str, int] = {}
        self._lock = threading.Lock()
        self._requests: list[Request] = []
        self.errors: list[BaseException] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.connections = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._writers: set[asyncio.StreamWriter] = set()

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> Self:
        """Bind and serve in a background thread; returns once the port is open."""
        ready = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            asyncio.set_event_loop(loop)
            try:
                self._server = loop.run_until_complete(
                    asyncio.start_server(
                        self._serve_connection,
                        self.host,
                        self.port,
                        backlog=self._backlog,
                        limit=256 * 1024,
                    )
                )
                self.port = self._server.sockets[0].getsockname()[1]
            except BaseException as exc:
                failure.append(exc)
                ready.set()
                loop.close()
                return
            ready.set()
            try:
                loop.run_forever()
            finally:
                loop.close()

        self._thread = threading.Thread(target=run, name="http-test-server", daemon=True)
        self._thread.start()
        ready.wait()
        if failure:
            raise failure[0]
        return self

    def stop(self) -> None:
        """Close the listening socket and every open connection, then stop the thread."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None or not thread.is_alive():
            return
        asyncio.run_coroutine_threadsafe(self._shutdown(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        self._thread = None

    async def _shutdown(self) -> None:
        if self._server is not None:
            self._server.close()
        for writer in list(self._writers):
            writer.transport.abort()
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- the test-facing API -----------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def url(self, path: str = "/") -> str:
        """The absolute URL of ``path`` on this server."""
        return self.base_url + (path if path.startswith("/") else "/" + path)

    def route(self, path: str, answer: Route) -> str:
        """Serve ``answer`` at ``path`` (exact path+query first, then the path alone; either
        as sent or percent-decoded, so ``/أخبار`` matches a request for ``/%D8%A3...``).

        ``answer`` is one Response (served every time), a sequence (served in order, the last
        one repeated), or a function of the Request.  Returns the route's URL.
        """
        if isinstance(answer, Sequence) and not answer:
            raise ValueError("a response sequence needs at least one response")
        with self._lock:
            self._routes[path] = answer
            self._served[path] = 0
        return self.url(path)

    @property
    def requests(self) -> list[Request]:
        """Every request received so far, in arrival order."""
        with self._lock:
            return list(self._requests)

    def requests_to(self, path: str) -> list[Request]:
        """The requests received for ``path`` (compared without the query string)."""
        route = path.split("?", 1)[0]
        return [r for r in self.requests if r.route == route]

    def reset(self) -> None:
        """Forget recorded requests, the concurrency high-water mark and the count of connections
        opened (routes and their sequence positions stay)."""
        with self._lock:
            self._requests.clear()
            self.max_in_flight = self.in_flight
            self.connections = 0

    # -- serving -------------------------------------------------------------------------------

    def _pick(self, request: Request) -> Response:
        candidates = (request.path, request.route, unquote(request.path), unquote(request.route))
        with self._lock:
            key = next((c for c in candidates if c in self._routes), None)
            if key is None:
                return Response(status=404, body=b"no such route\n")
            answer = self._routes[key]
            if isinstance(answer, Response):
                return answer
            if isinstance(answer, Sequence):
                index = min(self._served[key], len(answer) - 1)
                self._served[key] += 1
                return answer[index]
        return answer(request)

    async def _serve_connection(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self._writers.add(writer)
        self.connections += 1
        try:
            while True:
                request = await self._read_request(reader)
                if request is None:
                    break
                if not await self._answer(request, writer):
                    break
        except _DisconnectError:
            writer.transport.abort()
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass
        except asyncio.CancelledError:
            pass  # server shutdown; re-raising makes asyncio.streams log a spurious traceback
        except Exception as exc:  # a bug in the server or a route: fail the test that saw it
            self.errors.append(exc)
        finally:
            self._tasks.discard(task)
            self._writers.discard(writer)
            if not writer.is_closing():
                writer.close()

    async def _read_request(self, reader: asyncio.StreamReader) -> Request | None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError:
            return None  # the client closed an idle keep-alive connection
        lines = head.decode("latin-1").split("\r\n")
        method, path, version = lines[0].split(" ", 2)
        headers: dict[str, str] = {}
        for line in lines[1:]:
            if not line:
                continue
            name, _, value = line.partition(":")
            name, value = name.strip().lower(), value.strip()
            headers[name] = f"{headers[name]}, {value}" if name in headers else value
        body = b""
        if "content-length" in headers:
            body = await reader.readexactly(int(headers["content-length"]))
        request = Request(method.upper(), path, headers, body, version)
        with self._lock:
            self._requests.append(request)
        return request

    async def _answer(self, request: Request, writer: asyncio.StreamWriter) -> bool:
        """Send one response; False when the connection must close afterwards."""
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            response = self._pick(request)
            if response.delay:
                await asyncio.sleep(response.delay)
            if response.drop is Drop.BEFORE_RESPONSE:
                raise _DisconnectError
            not_modified = _not_modified(request, response)
            bodiless = not_modified or _bodiless(response.status)
            send_body = request.method != "HEAD" and not bodiless
            keep_alive = (
                request.http_version == "HTTP/1.1"
                and request.headers.get("connection", "").lower() != "close"
                and not response.close
                and response.framing is not Framing.CLOSE
            )
            head = self._head(response, not_modified, bodiless, keep_alive)
            if response.drop is Drop.MID_HEADERS:
                writer.write(head[: max(len(head) // 2, 1)])
                await writer.drain()
                raise _DisconnectError
            if response.drip and response.drip.head:
                for piece in _pieces(head, 1, response.drip.size):
                    await asyncio.sleep(response.drip.every)
                    writer.write(piece)
                    await writer.drain()
            else:
                writer.write(head)
            if send_body:
                await self._write_body(response, writer)
            await writer.drain()
            return keep_alive
        finally:
            self.in_flight -= 1

    def _head(
        self, response: Response, not_modified: bool, bodiless: bool, keep_alive: bool
    ) -> bytes:
        status = 304 if not_modified else response.status
        reason = response.reason
        if reason is None:
            try:
                reason = HTTPStatus(status).phrase
            except ValueError:
                reason = "Unknown"
        extra = _header_items(response.headers)
        given = {name.lower() for name, _ in extra}
        headers: list[tuple[str, str]] = []

        def add(name: str, value: str) -> None:
            if name.lower() not in given:
                headers.append((name, value))

        add("Date", email.utils.formatdate(usegmt=True))
        add("Server", "marsad-test")
        if response.etag is not None:
            add("ETag", response.etag)
        if response.last_modified is not None:
            add("Last-Modified", response.last_modified)
        if not bodiless:
            if response.gzip:
                add("Content-Encoding", "gzip")
            if response.framing is Framing.LENGTH:
                add("Content-Length", str(response.wire_length()))
            elif response.framing is Framing.CHUNKED:
                add("Transfer-Encoding", "chunked")
        add("Connection", "keep-alive" if keep_alive else "close")
        lines = [f"HTTP/1.1 {status} {reason}"]
        lines += [f"{name}: {value}" for name, value in headers]
        lines += [f"{name}: {value}" for name, value in extra]
        return ("\r\n".join(lines) + "\r\n\r\n").encode(
            "utf-8"
        )  # raw UTF-8 (an Arabic Location) occurs in the wild

    async def _write_body(self, response: Response, writer: asyncio.StreamWriter) -> None:
        piece_size = response.drip.size if response.drip else _WRITE_CHUNK
        limit = response.wire_length() // 2 if response.drop is Drop.MID_BODY else None
        chunked = response.framing is Framing.CHUNKED
        sent = 0
        for piece in _pieces(response.wire_body(), response.repeat, piece_size):
            if limit is not None and sent + len(piece) > limit:
                piece = piece[: limit - sent]
            if response.drip:
                await asyncio.sleep(response.drip.every)
            if piece:
                writer.write(b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece)
                sent += len(piece)
            if limit is not None and sent >= limit:
                await writer.drain()
                raise _DisconnectError
            await writer.drain()
        if chunked:
            writer.write(b"0\r\n\r\n")


def _bodiless(status: int) -> bool:
    """Statuses that never carry a body (RFC 9110 §6.4.1)."""
    return status < 200 or status in (204, 304)


def _pieces(body: bytes, repeat: int, size: int) -> Iterator[bytes]:
    """``body`` repeated ``repeat`` times, cut into pieces of at most ``size`` bytes."""
    for _ in range(repeat):
        for start in range(0, len(body), size):
            yield body[start : start + size]


# -- in a child process, for benchmarks --------------------------------------------------------

_REPO_ROOT = Path(__file__).resolve().parents[1]


def _child_main() -> None:
    """Entry point of the child: routes arrive pickled on stdin, commands follow, answers go
    back pickled on stdout."""
    commands, answers = sys.stdin.buffer, sys.stdout.buffer
    routes: Mapping[str, Response | Sequence[Response]] = pickle.load(commands)
    with HTTPTestServer() as server:
        for path, answer in routes.items():
            server.route(path, answer)
        reply: Any = server.port
        while True:
            pickle.dump(reply, answers)
            answers.flush()
            try:
                command = pickle.load(commands)
            except EOFError:
                return
            if command == "stats":
                requests = server.requests
                reply = {
                    "requests": len(requests),
                    "conditional": sum(
                        1
                        for r in requests
                        if "if-none-match" in r.headers or "if-modified-since" in r.headers
                    ),
                    "max_in_flight": server.max_in_flight,
                    "connections": server.connections,
                    "errors": [repr(e) for e in server.errors],
                }
            elif command == "reset":
                server.reset()
                reply = None
            elif isinstance(command, tuple) and command[0] == "route":
                reply = server.route(command[1], command[2])
            else:
                return


class SubprocessHTTPServer:
    """The same server in a child process, so a benchmark's CPU time is the client's alone.

    Routes are given at start or with ``route()`` (Responses and sequences only: functions cannot
    cross processes).
    ``stats()`` returns counts of requests, conditional requests, max in flight and connections.
    The child is a plain ``python -c`` (no multiprocessing), so callers need no ``__main__`` guard.
    """

    def __init__(self, routes: Mapping[str, Response | Sequence[Response]]) -> None:
        self._routes = dict(routes)
        self._process: subprocess.Popen[bytes] | None = None
        self.port = 0

    def start(self) -> Self:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(
            [str(_REPO_ROOT), *filter(None, [env.get("PYTHONPATH")])]
        )
        self._process = subprocess.Popen(
            [sys.executable, "-c", "from tests.httpserver import _child_main; _child_main()"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            cwd=_REPO_ROOT,
        )
        assert self._process.stdin is not None
        pickle.dump(self._routes, self._process.stdin)
        self._process.stdin.flush()
        self.port = self._read()
        return self

    def _read(self) -> Any:
        assert self._process is not None and self._process.stdout is not None
        try:
            return pickle.load(self._process.stdout)
        except EOFError:
            raise RuntimeError("the test server process died (see its stderr)") from None

    def route(self, path: str, answer: Response | Sequence[Response]) -> str:
        """Add or replace a route while the server runs; returns its URL."""
        url: str = self._ask(("route", path, answer))
        return url

    def _ask(self, command: object) -> Any:
        assert self._process is not None and self._process.stdin is not None, "not started"
        pickle.dump(command, self._process.stdin)
        self._process.stdin.flush()
        return self._read()

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}" + (path if path.startswith("/") else "/" + path)

    def stats(self) -> dict[str, Any]:
        result: dict[str, Any] = self._ask("stats")
        return result

    def reset(self) -> None:
        self._ask("reset")

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        with contextlib.suppress(OSError):
            assert process.stdin is not None
            process.stdin.close()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


# -- pytest ------------------------------------------------------------------------------------


@pytest.fixture
def http_server() -> Iterator[HTTPTestServer]:
    """A fresh server per test; fails the test if a route or the server itself crashed."""
    with HTTPTestServer() as server:
        yield server
    if server.errors:
        raise AssertionError(f"the test HTTP server failed: {server.errors!r}")


def http_date(when: datetime) -> str:
    """``when`` as an HTTP-date (for Last-Modified, Retry-After and If-Modified-Since)."""
    return email.utils.format_datetime(when, usegmt=True)

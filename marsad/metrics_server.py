"""The operator's endpoints: ``GET /metrics`` (Prometheus text) and ``GET /healthz`` (JSON).

The server runs in daemon threads of its own (the standard library's WSGI server, one thread per
request), so a slow scraper or a slow database never blocks the event loop that polls and sends.
``/metrics`` is prometheus-client's own WSGI exposition of ``marsad.metrics.REGISTRY`` (content
negotiation, OpenMetrics, gzip); ``/healthz`` answers 200 when the process is healthy and 503
otherwise, with what it knows either way.
"""

from __future__ import annotations

import errno
import ipaddress
import json
import logging
import socket
import threading
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server
from wsgiref.types import StartResponse, WSGIEnvironment

from prometheus_client import make_wsgi_app
from sqlalchemy import Engine

from marsad import metrics
from marsad.errors import MarsadError
from marsad.metrics_store import StoreCollector, StoreWatch, unwatch_store, watch_store

log = logging.getLogger(__name__)


class MetricsAddressError(MarsadError):
    """The metrics address cannot be served (malformed, or the port is taken)."""


@dataclass(frozen=True)
class Health:
    """What ``/healthz`` reports about this process; healthy while the database answers."""

    worker_id: str
    roles: tuple[str, ...]
    leader: bool
    """Whether this process answers Telegram updates now."""
    database: bool
    """Whether the database answered a trivial query in time."""
    since_poll: float | None
    """Seconds since this process last polled a source (None: not yet, or not a watcher)."""
    since_send: float | None
    """Seconds since this process last delivered a message (None: not yet, or not a sender)."""

    @property
    def healthy(self) -> bool:
        return self.database

    def as_json(self) -> dict[str, Any]:
        body = asdict(self)
        body["roles"] = list(self.roles)
        body["healthy"] = self.healthy
        for key in ("since_poll", "since_send"):
            if body[key] is not None:
                body[key] = round(body[key], 3)
        return body


class HealthCheck:
    """The usual ``health`` callable: the database pinged within a deadline, leadership and the
    last poll and send as this process recorded them in ``marsad.metrics``."""

    def __init__(self, worker_id: str, roles: Iterable[str], watch: StoreWatch) -> None:
        self.worker_id = worker_id
        self.roles = tuple(roles)
        self.watch = watch

    def __call__(self) -> Health:
        return Health(
            worker_id=self.worker_id,
            roles=self.roles,
            leader=metrics.REGISTRY.get_sample_value("marsad_telegram_leader") == 1.0,
            database=self.watch.ping(),
            since_poll=metrics.last_poll_age(),
            since_send=metrics.last_send_age(),
        )


def parse_address(address: str) -> tuple[str, int]:
    """``HOST:PORT`` (``[::1]:9100`` for IPv6) as a (host, port) pair; MetricsAddressError if
    it is not one."""
    host, sep, port_text = address.rpartition(":")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    problem = None
    if not sep or not host or not port_text.isdigit():
        problem = "expected HOST:PORT, e.g. 127.0.0.1:9100"
    elif not 0 < int(port_text) < 65536:
        problem = f"port {port_text} is not between 1 and 65535"
    if problem:
        raise MetricsAddressError(f"metrics address {address!r}: {problem}")
    return host, int(port_text)


class _QuietHandler(WSGIRequestHandler):
    """Request lines go to the debug log, not to stderr (a scrape every 15 s is not news)."""

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("metrics: %s - %s", self.address_string(), format % args)


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True  # a restarted process may bind while old sockets are TIME_WAIT


class _Server6(_Server):
    address_family = socket.AF_INET6


class MetricsServer:
    """Serves ``/metrics`` and ``/healthz`` on ``address`` (``HOST:PORT``) from a daemon thread.

    ``start()`` binds at once, so a port already in use is a ``MetricsAddressError`` naming the
    address before the service starts; ``stop()`` closes the socket and joins the thread.
    """

    def __init__(self, address: str, health: Callable[[], Health]) -> None:
        self.address = address
        self.host, self.port = parse_address(address)
        self.health = health
        self._metrics_app = make_wsgi_app(metrics.REGISTRY)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._server is not None:
            raise RuntimeError("the metrics server is already started")
        server_class = _Server6 if _is_ipv6(self.host) else _Server
        try:
            server = make_server(
                self.host, self.port, self._app, server_class, handler_class=_QuietHandler
            )
        except OSError as exc:
            raise MetricsAddressError(_bind_problem(self.address, exc)) from None
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.5},
            name="marsad-metrics",
            daemon=True,
        )
        self._thread.start()
        log.info("metrics: serving /metrics and /healthz on http://%s", self.address)

    def stop(self) -> None:
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if thread is not None:
            thread.join()

    def __enter__(self) -> MetricsServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _app(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        if path not in ("/metrics", "/healthz"):
            return _plain(start_response, "404 Not Found", "not found: try /metrics or /healthz\n")
        if method not in ("GET", "HEAD"):
            return _plain(start_response, "405 Method Not Allowed", "GET only\n")
        if path == "/metrics":
            return self._metrics_app(environ, start_response)  # type: ignore[no-any-return]
        try:
            health = self.health()
        except Exception:  # a broken check is an unhealthy process, not a dropped connection
            log.warning("metrics: the health check failed", exc_info=True)
            return _json(start_response, method, False, {"healthy": False})
        return _json(start_response, method, health.healthy, health.as_json())


def _json(
    start_response: StartResponse, method: str, healthy: bool, content: dict[str, Any]
) -> list[bytes]:
    body = json.dumps(content, ensure_ascii=False).encode() + b"\n"
    status = "200 OK" if healthy else "503 Service Unavailable"
    start_response(
        status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    )
    return [b"" if method == "HEAD" else body]


def _plain(start_response: StartResponse, status: str, text: str) -> list[bytes]:
    body = text.encode()
    start_response(
        status, [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))]
    )
    return [body]


def _is_ipv6(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).version == 6
    except ValueError:
        return False


def _bind_problem(address: str, exc: OSError) -> str:
    if exc.errno == errno.EADDRINUSE:
        why = "the port is already in use (another marsad run, or another exporter?)"
    elif exc.errno == errno.EADDRNOTAVAIL:
        why = "no interface of this machine has that address"
    elif exc.errno == errno.EACCES:
        why = "permission denied (ports below 1024 need privileges)"
    elif isinstance(exc, socket.gaierror):
        why = "cannot resolve the host name"
    else:
        why = exc.strerror or str(exc)
    return f"cannot serve metrics on {address} ([service] metrics or --metrics): {why}"


@dataclass
class OperatorView:
    """Everything ``marsad run`` needs for the operator's view, started and stopped as one:
    the worker's info, the database-wide collector and the server."""

    server: MetricsServer
    collector: StoreCollector
    stopped: bool = False

    def stop(self) -> None:
        """Close the server and stop reading the database; a second call does nothing."""
        if self.stopped:
            return
        self.stopped = True
        self.server.stop()
        unwatch_store(self.collector)


def serve_operator_view(
    address: str,
    *,
    engine: Engine,
    clock: Callable[[], datetime],
    lease: timedelta,
    worker_id: str,
    roles: Iterable[str],
) -> OperatorView:
    """Describe this worker, watch the store and start the server on ``address``; raises
    MetricsAddressError (nothing left registered) when the address cannot be served."""
    names = tuple(roles)
    metrics.describe_worker(worker_id, names)
    collector = watch_store(engine, clock, lease)
    server = MetricsServer(address, HealthCheck(worker_id, names, collector.watch))
    try:
        server.start()
    except BaseException:
        unwatch_store(collector)
        raise
    return OperatorView(server, collector)

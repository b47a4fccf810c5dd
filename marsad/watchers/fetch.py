"""Fetching sources over HTTP: one shared httpx client, polite and hard to knock over.

``Fetcher.fetch`` turns every way a fetch can go wrong into a ``FetchResult`` with an outcome and
a short human reason, never an exception: a total deadline per fetch (connect, redirects, headers
and body together, so a server dripping one byte a second is cut off), a cap on decoded bytes (a
gzip bomb stops at the cap), manual redirects (at most five; a chain of only permanent ones tells
the caller to store the new URL), conditional GET, ``Retry-After`` on 429/503, a concurrency
limit per host and an honest User-Agent.  Every connection, the first hop's and every
redirect's, goes through the address guard (``address_guard.py``): a host that is or resolves to
an internal address (loopback, private, link-local, shared...) is refused unless allowed.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import socket
import ssl
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from http import HTTPStatus
from types import MappingProxyType, TracebackType
from typing import Self

import httpx

import marsad
from marsad import metrics
from marsad.units import format_duration
from marsad.watchers.address_guard import (
    AddressPolicy,
    AddressRefusedError,
    GuardedTransport,
    IPAddress,
    IPNetwork,
)
from marsad.watchers.http_body import BodyCorruptError, BodyTooLargeError, discard, read_capped
from marsad.watchers.retry_after import parse_http_date, parse_retry_after

log = logging.getLogger(__name__)

#: Feeds first, then XML in general, then pages (page sources and sites that serve HTML).
ACCEPT = (
    "application/rss+xml, application/atom+xml, application/rdf+xml;q=0.9, "
    "application/feed+json;q=0.9, application/xml;q=0.8, text/xml;q=0.8, "
    "text/html;q=0.7, */*;q=0.5"
)
REDIRECTS = frozenset({301, 302, 303, 307, 308})
PERMANENT_REDIRECTS = frozenset({301, 308})


def _accept_encoding() -> str:
    """gzip and deflate always; br and zstd only when httpx can decode them here."""
    codings = ["gzip", "deflate"]
    for coding, modules in (("br", ("brotli", "brotlicffi")), ("zstd", ("zstandard",))):
        for module in modules:
            with contextlib.suppress(ImportError):
                __import__(module)
                codings.append(coding)
                break
    return ", ".join(codings)


ACCEPT_ENCODING = _accept_encoding()


def default_user_agent() -> str:
    """Who we are and where to read about us, as polite bots say."""
    return f"Marsad/{marsad.__version__} (+https://github.com/marsad/marsad; news monitoring bot)"


class FetchOutcome(StrEnum):
    """What became of one fetch."""

    OK = "ok"
    NOT_MODIFIED = "not-modified"
    HTTP_ERROR = "http-error"
    GONE = "gone"
    RATE_LIMITED = "rate-limited"
    TIMEOUT = "timeout"
    TOO_LARGE = "too-large"
    TOO_MANY_REDIRECTS = "too-many-redirects"
    NETWORK_ERROR = "network-error"
    REFUSED = "refused"  # an internal address that is not allowed: nothing was connected to


_SUCCESS = frozenset({FetchOutcome.OK, FetchOutcome.NOT_MODIFIED})


@dataclass(frozen=True)
class FetchResult:
    """Everything the caller needs to store and parse after one fetch.

    ``etag``/``last_modified`` are the validators to store for the next conditional GET (on 304,
    the ones the server repeated or else the ones we sent).  ``permanent_url`` is set only when
    the fetch succeeded through a chain of permanent redirects (301/308): the caller should store
    it as the source's URL.  ``body`` is empty except for OK.
    """

    outcome: FetchOutcome
    requested_url: str
    final_url: str
    permanent_url: str | None = None
    status: int | None = None
    headers: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    body: bytes = b""
    etag: str | None = None
    last_modified: str | None = None
    retry_after: timedelta | None = None
    error: str | None = None
    elapsed: float = 0.0

    @property
    def ok(self) -> bool:
        """Fetched or confirmed unchanged: counts as a success for back-off."""
        return self.outcome in _SUCCESS

    @property
    def failed(self) -> bool:
        return not self.ok

    @property
    def content_type(self) -> str | None:
        return self.headers.get("content-type")


def redact_url(url: str) -> str:
    """The URL without credentials, query or fragment: safe for INFO logs and stored errors."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError):
        return "<invalid URL>"
    port = f":{parsed.port}" if parsed.port else ""
    return f"{parsed.scheme}://{parsed.host}{port}{parsed.path}"


def _human_size(n: int) -> str:
    for unit, size in (("GB", 10**9), ("MB", 10**6), ("kB", 10**3)):
        if n >= size:
            value = n / size
            return f"{value:g} {unit}" if value == int(value) else f"{value:.1f} {unit}"
    return f"{n} bytes"


def _reason(status: int) -> str:
    try:
        return f"HTTP {status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"HTTP {status}"


def describe_network_error(exc: BaseException) -> str:
    """A short reason for a transport failure ("connection refused"), never a traceback."""
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    for cause in chain:
        if isinstance(cause, UnicodeError):  # IDNA refused the host name
            return f"invalid host name ({cause})"
        if isinstance(cause, socket.gaierror):
            return "cannot resolve host name"
        if isinstance(cause, ssl.SSLCertVerificationError):
            return f"TLS certificate not trusted ({cause.verify_message})"
        if isinstance(cause, ssl.SSLError):
            return f"TLS error ({cause.reason or cause})"
        if isinstance(cause, OSError) and cause.errno is not None:
            known = {
                errno.ECONNREFUSED: "connection refused",
                errno.ECONNRESET: "connection reset by peer",
                errno.EHOSTUNREACH: "host unreachable",
                errno.ENETUNREACH: "network unreachable",
                errno.ETIMEDOUT: "connection timed out",
                errno.EPIPE: "connection closed by peer",
            }
            if cause.errno in known:
                return known[cause.errno]
    if isinstance(exc, httpx.RemoteProtocolError):
        text = str(exc)
        if "without sending complete message body" in text or "incomplete" in text.lower():
            return "connection closed before the body was complete"
        if "disconnected without sending" in text:
            return "connection closed before any response"
        return f"protocol error ({text})"
    if isinstance(exc, httpx.UnsupportedProtocol):
        return "unsupported URL scheme (only http and https)"
    if isinstance(exc, httpx.InvalidURL):
        return f"invalid URL ({exc})"
    text = str(exc) or type(exc).__name__
    return f"network error ({text})"


def _checked_url(url: httpx.URL, context: str) -> httpx.URL:
    """``url`` if it is a fetchable http(s) URL, else an _OutcomeError saying why not."""
    problem = None
    if not url.scheme:
        problem = "invalid URL (no http:// or https://)"
    elif url.scheme not in ("http", "https"):
        problem = "unsupported URL scheme (only http and https)"
    elif not url.host:
        problem = "invalid URL (no host name)"
    elif url.port is not None and not 0 < url.port < 65536:
        problem = f"invalid URL (port {url.port})"
    if problem:
        raise _OutcomeError(FetchOutcome.NETWORK_ERROR, context + problem)
    return url


class _OutcomeError(Exception):
    """Ends the redirect loop with an outcome (raised inside, turned into a FetchResult)."""

    def __init__(self, outcome: FetchOutcome, error: str) -> None:
        super().__init__(error)
        self.outcome = outcome
        self.error = error


@dataclass
class _Progress:
    """What is known so far about one fetch, to report even when it is cut off."""

    requested: str
    url: str
    status: int | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    redirects: int = 0
    all_permanent: bool = True


class Fetcher:
    """An async context manager owning ONE shared httpx.AsyncClient for all sources.

    ``timeout`` is the total budget of one fetch's network time; waiting for a free slot (per
    host, or in the connection pool) is not counted, so a busy host delays but never fails fetches.

    Internal addresses (loopback, private, link-local, shared, ...) are refused on every hop,
    after DNS resolution, except the networks in ``allow_private`` (addresses or networks, as
    ``[polling] allow_private``) and the exact (address, port) pairs in ``allow_endpoints`` (the
    IP-literal source URLs of the configuration).  A ``transport`` given for tests replaces the
    guarded one, guard included.
    """

    def __init__(
        self,
        *,
        timeout: timedelta = timedelta(seconds=20),
        max_bytes: int = 10_000_000,
        per_host: int = 4,
        max_redirects: int = 5,
        max_connections: int = 100,
        user_agent: str | None = None,
        allow_private: Iterable[str | IPNetwork] = (),
        allow_endpoints: Iterable[tuple[str | IPAddress, int]] = (),
        transport: httpx.AsyncBaseTransport | None = None,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        if per_host < 1 or max_connections < 1:
            raise ValueError("per_host and max_connections must be at least 1")
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.per_host = per_host
        self.max_redirects = max_redirects
        self.max_connections = max_connections
        self.user_agent = user_agent or default_user_agent()
        self.policy = AddressPolicy.build(allow_private, allow_endpoints)
        self._transport = transport
        self._now = now or (lambda: datetime.now(UTC))
        self._client: httpx.AsyncClient | None = None
        self._hosts: dict[str, asyncio.Semaphore] = {}
        self._pool = asyncio.Semaphore(max_connections)

    async def __aenter__(self) -> Self:
        seconds = self.timeout.total_seconds()
        limits = httpx.Limits(
            max_connections=self.max_connections,
            max_keepalive_connections=self.max_connections,
            keepalive_expiry=30.0,
        )
        # An explicit transport also means no HTTP(S)_PROXY from the environment: a proxy would
        # resolve names and connect where the address guard cannot see.
        self._client = httpx.AsyncClient(
            headers={
                "User-Agent": self.user_agent,
                "Accept": ACCEPT,
                "Accept-Encoding": ACCEPT_ENCODING,
            },
            timeout=httpx.Timeout(seconds, pool=None),
            follow_redirects=False,
            transport=self._transport or GuardedTransport(self.policy, limits=limits),
        )
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def _host_slot(self, url: httpx.URL) -> asyncio.Semaphore:
        key = f"{url.scheme}://{url.host}:{url.port or ''}"
        slot = self._hosts.get(key)
        if slot is None:
            slot = self._hosts[key] = asyncio.Semaphore(self.per_host)
        return slot

    async def fetch(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        accept: str | None = None,
    ) -> FetchResult:
        """GET ``url`` (conditionally when validators are given); never raises for the web's
        failures (network, HTTP, size, time), only for misuse (not entered)."""
        if self._client is None:
            raise RuntimeError("use the Fetcher as `async with Fetcher() as fetcher:`")
        started = time.perf_counter()
        progress = _Progress(requested=url, url=url)
        headers: dict[str, str] = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        if accept:
            headers["Accept"] = accept
        try:
            result = await self._follow(self._client, url, headers, progress, etag, last_modified)
        except _OutcomeError as stop:
            result = self._failure(progress, stop.outcome, stop.error)
        except AddressRefusedError as refused:
            reason = refused.reason(redirect=progress.redirects > 0)
            result = self._failure(progress, FetchOutcome.REFUSED, reason)
        except (TimeoutError, httpx.TimeoutException):
            reason = f"timed out after {format_duration(self.timeout)} (total deadline)"
            result = self._failure(progress, FetchOutcome.TIMEOUT, reason)
        except (httpx.HTTPError, httpx.InvalidURL, OSError, UnicodeError) as exc:
            reason = describe_network_error(exc)
            result = self._failure(progress, FetchOutcome.NETWORK_ERROR, reason)
        except Exception as exc:
            # A library bug or an input nobody foresaw: still one failed source, never a crash
            # of the whole poll.  Logged with its traceback so it gets fixed.
            log.warning("unexpected error fetching %s", redact_url(url), exc_info=True)
            reason = f"unexpected error ({type(exc).__name__}: {exc})"
            result = self._failure(progress, FetchOutcome.NETWORK_ERROR, reason)
        elapsed = time.perf_counter() - started
        log.debug("GET %s: %s in %.3fs", url, result.error or result.outcome, elapsed)
        metrics.observe_fetch(result.outcome.value, elapsed)
        return replace(result, elapsed=elapsed)

    def _failure(self, progress: _Progress, outcome: FetchOutcome, error: str) -> FetchResult:
        return FetchResult(
            outcome=outcome,
            requested_url=progress.requested,
            final_url=progress.url,
            status=progress.status,
            headers=MappingProxyType(dict(progress.headers)),
            error=error,
        )

    async def _follow(
        self,
        client: httpx.AsyncClient,
        url: str,
        headers: dict[str, str],
        progress: _Progress,
        etag: str | None,
        last_modified: str | None,
    ) -> FetchResult:
        current = _checked_url(httpx.URL(url), "")
        budget = self.timeout.total_seconds()
        while True:
            async with self._host_slot(current), self._pool:
                if budget <= 0:
                    raise TimeoutError
                began = time.monotonic()
                try:
                    async with asyncio.timeout(budget):
                        result = await self._hop(client, current, headers, progress)
                finally:
                    budget -= time.monotonic() - began
            if isinstance(result, httpx.URL):
                progress.redirects += 1
                if progress.redirects > self.max_redirects:
                    raise _OutcomeError(
                        FetchOutcome.TOO_MANY_REDIRECTS,
                        f"more than {self.max_redirects} redirects",
                    )
                progress.all_permanent &= progress.status in PERMANENT_REDIRECTS
                current = result
                progress.url = str(current)
                continue
            return self._finish(result, progress, etag, last_modified)

    async def _hop(
        self,
        client: httpx.AsyncClient,
        url: httpx.URL,
        headers: dict[str, str],
        progress: _Progress,
    ) -> httpx.URL | tuple[int, bytes]:
        """One request: the next URL for a redirect, else the status and body (OK only)."""
        request = client.build_request("GET", url, headers=headers)
        response = await client.send(request, stream=True)
        try:
            progress.status = response.status_code
            progress.headers = {k.lower(): v for k, v in response.headers.items()}
            status = response.status_code
            if status in REDIRECTS:
                await discard(response)
                return self._next_url(response)
            if 200 <= status < 300:
                try:
                    return status, await read_capped(response, self.max_bytes)
                except BodyTooLargeError:
                    raise _OutcomeError(
                        FetchOutcome.TOO_LARGE, f"body exceeds {_human_size(self.max_bytes)} cap"
                    ) from None
                except BodyCorruptError as exc:
                    raise _OutcomeError(FetchOutcome.NETWORK_ERROR, str(exc)) from None
            await discard(response)
            return status, b""
        finally:
            await response.aclose()

    @staticmethod
    def _next_url(response: httpx.Response) -> httpx.URL:
        location = response.headers.get("location", "").strip()
        if not location:
            raise _OutcomeError(
                FetchOutcome.HTTP_ERROR, f"{_reason(response.status_code)} without Location"
            )
        try:
            target = response.url.join(location)
        except (httpx.InvalidURL, UnicodeError):
            raise _OutcomeError(FetchOutcome.NETWORK_ERROR, "redirect to an invalid URL") from None
        target = _checked_url(target, "redirect to ")
        return target.copy_with(fragment=None)

    def _finish(
        self,
        result: tuple[int, bytes],
        progress: _Progress,
        etag: str | None,
        last_modified: str | None,
    ) -> FetchResult:
        status, body = result
        headers = progress.headers
        base = FetchResult(
            FetchOutcome.OK,
            requested_url=progress.requested,
            final_url=progress.url,
            status=status,
            headers=MappingProxyType(dict(headers)),
        )
        moved = progress.url if progress.redirects and progress.all_permanent else None
        if status == 304:
            return replace(
                base,
                outcome=FetchOutcome.NOT_MODIFIED,
                permanent_url=moved,
                etag=headers.get("etag", etag),
                last_modified=headers.get("last-modified", last_modified),
            )
        if 200 <= status < 300:
            return replace(
                base,
                permanent_url=moved,
                body=body,
                etag=headers.get("etag"),
                last_modified=headers.get("last-modified"),
            )
        reason = _reason(status)
        if status == 410:
            return replace(base, outcome=FetchOutcome.GONE, error=reason)
        retry_after = None
        if status in (429, 503):
            server_now = parse_http_date(headers.get("date")) or self._now()
            retry_after = parse_retry_after(headers.get("retry-after"), server_now)
        if status == 429 or retry_after is not None:
            if retry_after is not None:
                reason += f" (retry after {format_duration(retry_after)})"
            return replace(
                base, outcome=FetchOutcome.RATE_LIMITED, retry_after=retry_after, error=reason
            )
        return replace(base, outcome=FetchOutcome.HTTP_ERROR, error=reason)

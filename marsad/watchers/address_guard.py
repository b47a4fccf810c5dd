"""Refusing connections to internal addresses, checked on the address actually connected to.

A feed on the public web must not be able to make Marsad fetch, store and alert what sits on
the machine or the network it runs in (a redirect to ``http://127.0.0.1:6379/``, a page linking
``http://169.254.169.254/``, a name that resolves to ``10.0.0.5``).  Like Miniflux's dialer guard,
the check is made where the connection is opened, after DNS resolution, for every hop the first
included: ``GuardedBackend`` is the httpcore network backend of the fetcher's connection pool.
It resolves the host name itself, checks every address the name resolves to, and connects to
the checked addresses only, as IP literals: nothing is resolved again between the check and the
connection, so a DNS answer that changes in between (DNS rebinding) cannot slip through.  TLS
still verifies the certificate against the host name of the URL (httpcore passes it as SNI).

Internal means loopback, private (RFC 1918, IPv6 unique-local and site-local), link-local, shared
(100.64.0.0/10, carrier-grade NAT), unspecified, multicast and reserved or other special-purpose
ranges, in IPv4 and IPv6, IPv6 forms that embed an IPv4 address (IPv4-mapped, NAT64, 6to4)
judged by that address.  Internal addresses are allowed when ``[polling] allow_private`` lists
them, or when the configuration names that exact address and port as a source's URL host
(``AddressPolicy.endpoints``): the administrator wrote it.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Awaitable, Callable, Coroutine, Iterable, Sequence
from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address, ip_network
from typing import Any

import anyio
import httpcore
import httpx

IPAddress = IPv4Address | IPv6Address
IPNetwork = IPv4Network | IPv6Network
Resolver = Callable[[str, int], Awaitable[list[str]]]

SHARED = IPv4Network("100.64.0.0/10")
NAT64 = IPv6Network("64:ff9b::/96")
_PRIVATE = (
    IPv4Network("10.0.0.0/8"),
    IPv4Network("172.16.0.0/12"),
    IPv4Network("192.168.0.0/16"),
    IPv6Network("fc00::/7"),  # unique local
    IPv6Network("fec0::/10"),  # site local (deprecated, still routed privately)
)
HAPPY_EYEBALLS_DELAY = 0.25
"""Seconds before the next resolved address is tried while the previous one is still connecting
(RFC 8305), as anyio does for host names: a host whose IPv6 is broken still answers on IPv4."""


def embedded_ipv4(ip: IPv6Address) -> IPv4Address | None:
    """The IPv4 address an IPv6 address stands for (IPv4-mapped, NAT64, 6to4), if any."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip in NAT64:
        return IPv4Address(int(ip) & 0xFFFFFFFF)
    return ip.sixtofour


def address_kind(ip: IPAddress) -> str | None:
    """Why ``ip`` is internal ("loopback", "private", ...), or None for a public address."""
    if isinstance(ip, IPv6Address):
        embedded = embedded_ipv4(ip)
        if embedded is not None:
            return address_kind(embedded)
    if ip.is_unspecified:
        return "unspecified"
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local"
    if ip in SHARED:
        return "shared"
    if any(ip in network for network in _PRIVATE):
        return "private"
    if ip.is_multicast:
        return "multicast"
    if ip.is_reserved or not ip.is_global:
        return "reserved"
    return None


def as_network(value: str | IPNetwork) -> IPNetwork:
    """An allowed network: an address (``"10.1.2.3"``) or a network (``"192.168.0.0/16"``)."""
    return value if isinstance(value, IPv4Network | IPv6Network) else ip_network(value.strip())


def literal_endpoints(urls: Iterable[str]) -> frozenset[tuple[IPAddress, int]]:
    """The (address, port) of every URL whose host is an IP address literal.

    These are the addresses the configuration itself names as sources: polling them is the
    administrator's explicit choice, so they are allowed even when internal (exactly that
    address and port; other ports, other addresses and host names are not).
    """
    found: set[tuple[IPAddress, int]] = set()
    for url in urls:
        try:
            parsed = httpx.URL(url)
            ip = ip_address(parsed.host)
        except (httpx.InvalidURL, TypeError, ValueError):
            continue
        port = parsed.port or {"http": 80, "https": 443}.get(parsed.scheme)
        if port is not None:
            found.add((ip, port))
    return frozenset(found)


@dataclass(frozen=True)
class AddressPolicy:
    """Which internal addresses may be connected to (public ones always may)."""

    allow: tuple[IPNetwork, ...] = ()
    endpoints: frozenset[tuple[IPAddress, int]] = field(default_factory=frozenset)

    @classmethod
    def build(
        cls,
        allow: Iterable[str | IPNetwork] = (),
        endpoints: Iterable[tuple[str | IPAddress, int]] = (),
    ) -> AddressPolicy:
        return cls(
            allow=tuple(as_network(value) for value in allow),
            endpoints=frozenset((ip_address(ip), int(port)) for ip, port in endpoints),
        )

    def refusal(self, ip: IPAddress, port: int) -> str | None:
        """None when connecting to ``ip``:``port`` is allowed, else the kind of address it is."""
        kind = address_kind(ip)
        if kind is None:
            return None
        forms: list[IPAddress] = [ip]
        if isinstance(ip, IPv6Address):
            embedded = embedded_ipv4(ip)
            if embedded is not None:
                forms.append(embedded)
        for form in forms:
            if (form, port) in self.endpoints or any(form in net for net in self.allow):
                return None
        return kind


class AddressRefusedError(Exception):
    """Every address of a host is internal and not allowed: nothing was connected to.

    ``resolved``: the host is a name and ``refused`` are the addresses it resolved to (else the
    host is an IP literal, the one address refused).
    """

    def __init__(
        self, host: str, refused: Sequence[tuple[IPAddress, str]], *, resolved: bool
    ) -> None:
        self.host = host
        self.refused = tuple(refused)
        self.resolved = resolved
        super().__init__(self.reason())

    def reason(self, *, redirect: bool = False) -> str:
        """``refused: redirect to 127.0.0.2 (loopback) is not allowed; ...`` (short, stored)."""
        shown = ", ".join(f"{ip} ({kind})" for ip, kind in self.refused[:4])
        if len(self.refused) > 4:
            shown += f" and {len(self.refused) - 4} more"
        target = f"{self.host}, which resolves to {shown}," if self.resolved else shown
        hop = "redirect to " if redirect else ""
        return (
            f"refused: {hop}{target} is not allowed; list it in [polling] allow_private to poll it"
        )


def _unbracketed(host: str) -> str:
    return host[1:-1] if host.startswith("[") and host.endswith("]") else host


async def resolve(host: str, port: int) -> list[str]:
    """The addresses of ``host`` (IDNA 2008, as anyio resolves for httpcore), in resolver order."""
    answers = await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(sockaddr[0]) for *_, sockaddr in answers]


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """An httpcore network backend that connects only to allowed addresses.

    A host name is resolved here, every address checked, and only the allowed ones are handed
    to the real backend as IP literals (the first to accept wins, tried RFC 8305 style); when
    none is allowed, ``AddressRefusedError`` is raised before any connection is attempted.
    """

    def __init__(
        self,
        policy: AddressPolicy,
        *,
        inner: httpcore.AsyncNetworkBackend | None = None,
        resolver: Resolver = resolve,
    ) -> None:
        self.policy = policy
        self._inner = inner or httpcore.AnyIOBackend()
        self._resolve = resolver

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        async def connect(address: str) -> httpcore.AsyncNetworkStream:
            return await self._inner.connect_tcp(
                address,
                port,
                timeout=timeout,
                local_address=local_address,
                socket_options=socket_options,
            )

        try:
            async with asyncio.timeout(timeout):
                addresses = await self._checked_addresses(host, port)
                return await _first_to_connect(addresses, connect)
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(f"connecting to {host} timed out") from exc

    async def _checked_addresses(self, host: str, port: int) -> list[str]:
        try:
            literal: IPAddress | None = ip_address(_unbracketed(host))
        except ValueError:
            literal = None
        if literal is not None:
            candidates = [literal]
        else:
            try:
                answers = await self._resolve(host, port)
            except OSError as exc:  # socket.gaierror: "cannot resolve host name"
                raise httpcore.ConnectError(str(exc)) from exc
            candidates = list(dict.fromkeys(ip_address(answer) for answer in answers))
            if not candidates:
                raise httpcore.ConnectError(f"{host} resolves to no address")
        allowed: list[str] = []
        refused: list[tuple[IPAddress, str]] = []
        for ip in candidates:
            kind = self.policy.refusal(ip, port)
            if kind is None:
                allowed.append(str(ip))
            else:
                refused.append((ip, kind))
        if not allowed:
            raise AddressRefusedError(host, refused, resolved=literal is None)
        return allowed

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("unix sockets are not used for fetching")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


async def _first_to_connect(
    addresses: Sequence[str],
    connect: Callable[[str], Coroutine[Any, Any, httpcore.AsyncNetworkStream]],
) -> httpcore.AsyncNetworkStream:
    """Connect to the first address that accepts, starting the next one when the previous one
    failed or after ``HAPPY_EYEBALLS_DELAY``; the other attempts are cancelled (or closed)."""
    if len(addresses) == 1:
        return await connect(addresses[0])
    waiting = list(addresses)
    running: set[asyncio.Task[httpcore.AsyncNetworkStream]] = set()
    errors: list[BaseException] = []
    winner: httpcore.AsyncNetworkStream | None = None
    try:
        while winner is None and (waiting or running):
            if waiting:
                running.add(asyncio.create_task(connect(waiting.pop(0))))
            done, running = await asyncio.wait(
                running,
                timeout=HAPPY_EYEBALLS_DELAY if waiting else None,
                return_when=asyncio.FIRST_COMPLETED,
            )
            for task in done:
                error = task.exception()
                if error is not None:
                    errors.append(error)
                elif winner is None:
                    winner = task.result()
                else:
                    await task.result().aclose()
    except BaseException:
        if winner is not None:
            with contextlib.suppress(Exception):
                await winner.aclose()
        raise
    finally:
        for task in running:
            task.cancel()
        for outcome in await asyncio.gather(*running, return_exceptions=True):
            if isinstance(outcome, httpcore.AsyncNetworkStream):
                with contextlib.suppress(Exception):
                    await outcome.aclose()
    if winner is None:
        raise errors[0]
    return winner


class GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's own transport (connection pool, keep-alive, TLS) over a ``GuardedBackend``.

    httpx has no public way to set the pool's network backend, so the pool httpx built is
    replaced by the same pool with the guard; if httpx ever stops keeping it where we replace
    it, this fails at construction instead of fetching unguarded.
    """

    def __init__(
        self,
        policy: AddressPolicy,
        *,
        limits: httpx.Limits | None = None,
        backend: httpcore.AsyncNetworkBackend | None = None,
    ) -> None:
        limits = limits or httpx.Limits()
        ssl_context = httpx.create_ssl_context(trust_env=True)
        super().__init__(verify=ssl_context, limits=limits)
        if not isinstance(getattr(self, "_pool", None), httpcore.AsyncConnectionPool):
            raise RuntimeError("unsupported httpx version: cannot install the address guard")
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=backend or GuardedBackend(policy),
        )

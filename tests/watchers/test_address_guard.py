"""Internal addresses are refused on every hop, checked on the address actually connected to.

Real servers on 127.0.0.1 and 127.0.0.2 (both loopback, so a redirect from one to the other is
the "redirect to another internal address" of issue 13); the guard must refuse before any
connection is made, so the refused server never sees one.
"""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from ipaddress import IPv4Network, ip_address
from pathlib import Path

import httpcore
import pytest
from sqlmodel import select

from marsad.bot.wiring import make_fetcher
from marsad.config import Config, DatabaseConfig, PollingConfig, SourceConfig
from marsad.store.engine import open_store, session
from marsad.store.tables import Item, Source
from marsad.watchers.address_guard import (
    AddressPolicy,
    AddressRefusedError,
    GuardedBackend,
    Resolver,
    address_kind,
    literal_endpoints,
)
from marsad.watchers.fetch import Fetcher, FetchOutcome, describe_network_error
from marsad.watchers.poller import Poller, PollStatus
from tests.cli import marsad
from tests.httpserver import HTTPTestServer, Response, redirect

RSS = (
    "<rss version='2.0'><channel><title>t</title><item><title>خبر</title>"
    "<link>https://news.example/1</link><guid isPermaLink='false'>g-1</guid>"
    "<pubDate>Sat, 21 Nov 2026 10:00:00 +0100</pubDate></item></channel></rss>"
).encode()
FEED = {"Content-Type": "application/rss+xml; charset=utf-8"}
HINT = "is not allowed; list it in [polling] allow_private to poll it"


@pytest.fixture
def other_loopback() -> Iterator[HTTPTestServer]:
    """A real server on 127.0.0.2: another loopback address than the tests' 127.0.0.1."""
    with HTTPTestServer(host="127.0.0.2") as server:
        yield server


# -- what counts as internal ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.1", "loopback"),
        ("127.0.0.2", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.5.4", "private"),
        ("192.168.1.1", "private"),
        ("169.254.169.254", "link-local"),  # cloud metadata
        ("100.64.0.1", "shared"),
        ("0.0.0.0", "unspecified"),
        ("224.0.0.1", "multicast"),
        ("240.0.0.1", "reserved"),
        ("255.255.255.255", "reserved"),
        ("192.0.2.1", "reserved"),  # documentation
        ("::1", "loopback"),
        ("::", "unspecified"),
        ("fe80::1", "link-local"),
        ("fd12:3456::1", "private"),
        ("ff02::1", "multicast"),
        ("::ffff:127.0.0.1", "loopback"),  # IPv4-mapped
        ("::ffff:10.0.0.1", "private"),
        ("64:ff9b::a00:1", "private"),  # NAT64 of 10.0.0.1
        ("2002:a9fe:a9fe::", "link-local"),  # 6to4 of 169.254.169.254
        ("8.8.8.8", None),
        ("2606:4700::1111", None),
        ("::ffff:8.8.8.8", None),
        ("64:ff9b::808:808", None),  # NAT64 of a public address: public
    ],
)
def test_address_kinds(address: str, kind: str | None) -> None:
    assert address_kind(ip_address(address)) == kind


def test_policy_allows_listed_networks_and_exact_configured_endpoints() -> None:
    policy = AddressPolicy.build(["10.1.2.3", "192.168.0.0/16"], [("127.0.0.1", 8080)])
    assert policy.allow == (IPv4Network("10.1.2.3/32"), IPv4Network("192.168.0.0/16"))
    assert policy.refusal(ip_address("10.1.2.3"), 80) is None
    assert policy.refusal(ip_address("10.1.2.4"), 80) == "private"
    assert policy.refusal(ip_address("192.168.77.1"), 443) is None
    assert policy.refusal(ip_address("::ffff:192.168.77.1"), 443) is None  # same address
    assert policy.refusal(ip_address("127.0.0.1"), 8080) is None
    assert policy.refusal(ip_address("127.0.0.1"), 6379) == "loopback"  # another port
    assert policy.refusal(ip_address("127.0.0.2"), 8080) == "loopback"
    assert policy.refusal(ip_address("93.184.215.14"), 80) is None  # public: always


def test_literal_endpoints_are_the_ip_literal_source_urls() -> None:
    found = literal_endpoints(
        [
            "http://127.0.0.1:8080/feed",
            "https://10.0.0.5/rss",
            "http://[::1]/atom",
            "https://www.hespress.com/feed",
            "http://localhost:9000/feed",
        ]
    )
    assert found == {
        (ip_address("127.0.0.1"), 8080),
        (ip_address("10.0.0.5"), 443),
        (ip_address("::1"), 80),
    }


# -- the fetcher, against real servers --------------------------------------------------------


async def test_redirect_to_another_loopback_address_is_refused(
    http_server: HTTPTestServer, other_loopback: HTTPTestServer
) -> None:
    other_loopback.route("/feed", Response(body=RSS))
    http_server.route("/moved", redirect(other_loopback.url("/feed"), 302))
    async with Fetcher(allow_private=["127.0.0.1"]) as fetcher:
        result = await fetcher.fetch(http_server.url("/moved"))
    assert result.outcome is FetchOutcome.REFUSED
    assert result.failed and result.body == b""
    assert result.error == f"refused: redirect to 127.0.0.2 (loopback) {HINT}"
    assert result.final_url == other_loopback.url("/feed")
    assert other_loopback.connections == 0  # refused before connecting
    assert [r.path for r in http_server.requests] == ["/moved"]


async def test_redirect_to_another_loopback_address_is_followed_when_its_network_is_allowed(
    http_server: HTTPTestServer, other_loopback: HTTPTestServer
) -> None:
    other_loopback.route("/feed", Response(body=RSS))
    http_server.route("/moved", redirect(other_loopback.url("/feed"), 301))
    async with Fetcher(allow_private=["127.0.0.0/8"]) as fetcher:
        result = await fetcher.fetch(http_server.url("/moved"))
    assert (result.outcome, result.body) == (FetchOutcome.OK, RSS)
    assert result.permanent_url == other_loopback.url("/feed")


async def test_first_hop_to_a_literal_internal_address_is_refused_unless_allowed(
    http_server: HTTPTestServer,
) -> None:
    url = http_server.route("/feed", Response(body=RSS))
    async with Fetcher() as fetcher:
        refused = await fetcher.fetch(url)
    assert refused.outcome is FetchOutcome.REFUSED
    assert refused.error == f"refused: 127.0.0.1 (loopback) {HINT}"
    assert http_server.connections == 0
    async with Fetcher(allow_private=["127.0.0.1"]) as fetcher:
        allowed = await fetcher.fetch(url)
    assert (allowed.outcome, allowed.body) == (FetchOutcome.OK, RSS)


async def test_first_hop_to_a_host_name_resolving_to_loopback_is_refused_unless_allowed(
    http_server: HTTPTestServer,
) -> None:
    http_server.route("/feed", Response(body=RSS))
    url = f"http://localhost:{http_server.port}/feed"
    async with Fetcher() as fetcher:
        refused = await fetcher.fetch(url)
    assert refused.outcome is FetchOutcome.REFUSED
    assert refused.error is not None
    assert refused.error.startswith("refused: localhost, which resolves to ")
    assert "127.0.0.1 (loopback)" in refused.error and refused.error.endswith(HINT)
    assert http_server.connections == 0
    # localhost may also resolve to ::1, where nothing listens: only the allowed address is used
    async with Fetcher(allow_private=["127.0.0.1"]) as fetcher:
        allowed = await fetcher.fetch(url)
    assert (allowed.outcome, allowed.body) == (FetchOutcome.OK, RSS)


async def test_redirect_to_a_host_name_resolving_to_loopback_is_refused(
    http_server: HTTPTestServer,
) -> None:
    elsewhere = f"http://localhost:{http_server.port + 1}/feed"  # never connected to
    url = http_server.route("/away", redirect(elsewhere, 302))
    async with Fetcher(allow_endpoints=[("127.0.0.1", http_server.port)]) as fetcher:
        result = await fetcher.fetch(url)
    assert result.outcome is FetchOutcome.REFUSED
    assert result.error is not None
    assert result.error.startswith("refused: redirect to localhost, which resolves to ")
    assert "127.0.0.1 (loopback)" in result.error and result.error.endswith(HINT)
    assert result.final_url == elsewhere


async def test_ipv4_mapped_literal_is_judged_by_its_ipv4_address(
    http_server: HTTPTestServer,
) -> None:
    async with Fetcher() as fetcher:
        result = await fetcher.fetch(f"http://[::ffff:127.0.0.1]:{http_server.port}/")
    assert result.outcome is FetchOutcome.REFUSED
    assert result.error is not None and "(loopback)" in result.error
    assert http_server.connections == 0


async def test_a_name_that_does_not_resolve_is_still_cannot_resolve() -> None:
    async def unknown(host: str, port: int) -> list[str]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    backend = GuardedBackend(AddressPolicy(), resolver=unknown)
    with pytest.raises(httpcore.ConnectError) as info:
        await backend.connect_tcp("marsad-test.invalid", 80, timeout=5)
    assert describe_network_error(info.value) == "cannot resolve host name"


# -- configured sources: make_fetcher, the poller, `marsad poll` ------------------------------


def source_config(tmp_path: Path, *urls: str, allow: Iterable[str] = ()) -> Config:
    return Config(
        base_dir=tmp_path,
        database=DatabaseConfig(url=f"sqlite:///{tmp_path / 'marsad.db'}"),
        polling=PollingConfig(
            timeout=timedelta(seconds=5),
            allow_private=tuple(IPv4Network(a) for a in allow),
        ),
        sources=tuple(SourceConfig(f"S{i}", url) for i, url in enumerate(urls)),
    )


async def test_make_fetcher_allows_exactly_the_configured_literal_address_and_port(
    tmp_path: Path, http_server: HTTPTestServer, other_loopback: HTTPTestServer
) -> None:
    other_loopback.route("/feed", Response(body=RSS))
    http_server.route("/feed", Response(body=RSS))
    http_server.route("/moved", redirect("/feed", 301))
    http_server.route("/away", redirect(other_loopback.url("/feed"), 301))
    config = source_config(tmp_path, http_server.url("/moved"))
    async with make_fetcher(config) as fetcher:
        same = await fetcher.fetch(http_server.url("/moved"))
        away = await fetcher.fetch(http_server.url("/away"))
    assert (same.outcome, same.permanent_url) == (FetchOutcome.OK, http_server.url("/feed"))
    assert (away.outcome, away.error) == (
        FetchOutcome.REFUSED,
        f"refused: redirect to 127.0.0.2 (loopback) {HINT}",
    )
    allowing = source_config(tmp_path, http_server.url("/away"), allow=["127.0.0.2"])
    async with make_fetcher(allowing) as fetcher:
        assert (await fetcher.fetch(http_server.url("/away"))).ok


async def test_a_refused_redirect_fails_the_source_and_stores_nothing(
    tmp_path: Path, http_server: HTTPTestServer, other_loopback: HTTPTestServer
) -> None:
    other_loopback.route("/feed", Response(body=RSS, headers=FEED))
    url = http_server.route("/feed", redirect(other_loopback.url("/feed"), 302))
    config = source_config(tmp_path, url)
    engine = open_store(config.database.url)
    try:
        async with make_fetcher(config) as fetcher:
            poller = Poller(config, engine, fetcher, clock=lambda: datetime.now(UTC))
            [report] = await poller.poll_all()
        assert report.status is PollStatus.FAILED
        assert report.error == f"refused: redirect to 127.0.0.2 (loopback) {HINT}"
        with session(engine) as s:
            assert s.exec(select(Item)).all() == []
            row = s.get(Source, poller.source_id("S0"))
            assert row is not None and row.last_error == report.error
    finally:
        engine.dispose()
    assert other_loopback.connections == 0


def test_marsad_poll_polls_literal_loopback_sources_and_refuses_their_redirects(
    tmp_path: Path, http_server: HTTPTestServer, other_loopback: HTTPTestServer
) -> None:
    """What ../shared/tools/dev-scores does: sources on 127.0.0.1, no allow_private."""
    other_loopback.route("/feed", Response(body=RSS, headers=FEED))
    http_server.route("/feed", Response(body=RSS, headers=FEED))
    http_server.route("/moved", redirect(other_loopback.url("/feed"), 302))
    config = tmp_path / "config.toml"
    config.write_text(
        f"""
[database]
url = "sqlite:///marsad.db"
[polling]
timeout = "5s"
[[sources]]
name = "Local"
url = "{http_server.url("/feed")}"
[[sources]]
name = "Moved"
url = "{http_server.url("/moved")}"
""",
        encoding="utf-8",
    )
    run = marsad("poll", "--json", "--config", str(config), cwd=tmp_path)
    assert run.returncode == 1, run.stderr  # one source failed
    lines = [json.loads(line) for line in run.stdout.splitlines() if line.strip()]
    assert any(line.get("title") == "خبر" for line in lines)
    assert f"refused: redirect to 127.0.0.2 (loopback) {HINT}" in run.stdout + run.stderr
    assert other_loopback.connections == 0


# -- the network backend: resolution, pinning, happy eyeballs ----------------------------------


class RecordingBackend(httpcore.AsyncNetworkBackend):
    """The real backend, recording every host it is asked to connect to; ``hang`` never does."""

    def __init__(self, hang: Iterable[str] = ()) -> None:
        self.hosts: list[str] = []
        self.hang = set(hang)
        self.real = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        self.hosts.append(host)
        if host in self.hang:
            await asyncio.sleep(3600)
        return await self.real.connect_tcp(host, port, timeout, local_address, socket_options)


def answers(*addresses: str) -> Resolver:
    async def resolve(host: str, port: int) -> list[str]:
        return list(addresses)

    return resolve


async def test_a_name_is_resolved_once_and_only_checked_addresses_are_connected_to(
    http_server: HTTPTestServer,
) -> None:
    inner = RecordingBackend()
    backend = GuardedBackend(
        AddressPolicy.build(["127.0.0.1"]),
        inner=inner,
        resolver=answers("127.0.0.2", "10.0.0.7", "127.0.0.1"),
    )
    http_server.route("/x", Response(body=b"here"))
    stream = await backend.connect_tcp("feeds.example", http_server.port, timeout=5)
    try:
        await stream.write(b"GET /x HTTP/1.1\r\nHost: feeds.example\r\nConnection: close\r\n\r\n")
        answer = await stream.read(65536)
    finally:
        await stream.aclose()
    assert answer.startswith(b"HTTP/1.1 200")
    # the real backend got the checked IP literal, never the name to resolve again
    assert inner.hosts == ["127.0.0.1"]


async def test_a_name_with_only_refused_addresses_connects_to_nothing() -> None:
    inner = RecordingBackend()
    backend = GuardedBackend(
        AddressPolicy.build(["127.0.0.1"]),
        inner=inner,
        resolver=answers("127.0.0.2", "169.254.169.254"),
    )
    with pytest.raises(AddressRefusedError) as info:
        await backend.connect_tcp("rebound.example", 80, timeout=5)
    assert info.value.reason(redirect=True) == (
        "refused: redirect to rebound.example, which resolves to 127.0.0.2 (loopback), "
        f"169.254.169.254 (link-local), {HINT}"
    )
    assert inner.hosts == []


async def test_an_address_that_hangs_does_not_stall_the_next_one(
    http_server: HTTPTestServer,
) -> None:
    inner = RecordingBackend(hang=["127.0.0.3"])
    backend = GuardedBackend(
        AddressPolicy.build(["127.0.0.0/8"]),
        inner=inner,
        resolver=answers("127.0.0.3", "127.0.0.1"),
    )
    stream = await asyncio.wait_for(backend.connect_tcp("dual.example", http_server.port), 3)
    await stream.aclose()
    assert inner.hosts == ["127.0.0.3", "127.0.0.1"]


async def test_resolution_is_under_the_connect_timeout() -> None:
    async def never(host: str, port: int) -> list[str]:
        await asyncio.sleep(3600)
        return []

    backend = GuardedBackend(AddressPolicy(), resolver=never)
    with pytest.raises(httpcore.ConnectTimeout):
        await backend.connect_tcp("slow-dns.example", 80, timeout=0.2)

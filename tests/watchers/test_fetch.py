"""The fetcher against a real local server: every way the web misbehaves becomes an outcome."""

from __future__ import annotations

import asyncio
import gzip
import tracemalloc
import zlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import marsad
from marsad.watchers.fetch import Fetcher, FetchOutcome, FetchResult, redact_url
from tests.httpserver import (
    Drip,
    Drop,
    Framing,
    HTTPTestServer,
    Response,
    closed_port_url,
    gzip_bomb,
    http_date,
    redirect,
)

RSS = "<rss version='2.0'><channel><title>أخبار</title></channel></rss>".encode()
LOCAL = ("127.0.0.1",)  # the test servers' address, internal: allowed explicitly


@pytest.fixture
async def fetcher() -> AsyncIterator[Fetcher]:
    async with Fetcher(timeout=timedelta(seconds=10), allow_private=LOCAL) as fetcher:
        yield fetcher


async def fetch_once(server: HTTPTestServer, response: Response, **options: object) -> FetchResult:
    server.route("/r", response)
    async with Fetcher(**{"allow_private": LOCAL, **options}) as fetcher:  # type: ignore[arg-type]
        return await fetcher.fetch(server.url("/r"))


# -- success and conditional GET -------------------------------------------------------------


async def test_ok_returns_body_headers_and_validators(
    http_server: HTTPTestServer, fetcher: Fetcher
) -> None:
    url = http_server.route(
        "/feed.xml",
        Response(body=RSS, headers={"Content-Type": "application/rss+xml"}, etag='"v1"'),
    )
    result = await fetcher.fetch(url)
    assert result.outcome is FetchOutcome.OK
    assert result.ok and not result.failed
    assert (result.status, result.body, result.etag) == (200, RSS, '"v1"')
    assert result.headers["content-type"] == "application/rss+xml"
    assert result.content_type == "application/rss+xml"
    assert (result.requested_url, result.final_url, result.permanent_url) == (url, url, None)
    assert result.error is None and result.elapsed > 0


async def test_etag_round_trip_gives_not_modified_with_no_body(
    http_server: HTTPTestServer, fetcher: Fetcher
) -> None:
    url = http_server.route("/feed.xml", Response(body=RSS, etag='"v1"'))
    first = await fetcher.fetch(url)
    second = await fetcher.fetch(url, etag=first.etag, last_modified=first.last_modified)
    assert second.outcome is FetchOutcome.NOT_MODIFIED
    assert second.ok
    assert (second.status, second.body, second.etag) == (304, b"", '"v1"')
    sent = [r.headers.get("if-none-match") for r in http_server.requests]
    assert sent == [None, '"v1"']


async def test_last_modified_round_trip(http_server: HTTPTestServer, fetcher: Fetcher) -> None:
    stamp = http_date(datetime(2026, 5, 1, 8, 30, tzinfo=UTC))
    url = http_server.route("/feed.xml", Response(body=RSS, last_modified=stamp))
    first = await fetcher.fetch(url)
    assert (first.outcome, first.last_modified, first.etag) == (FetchOutcome.OK, stamp, None)
    second = await fetcher.fetch(url, last_modified=first.last_modified)
    assert second.outcome is FetchOutcome.NOT_MODIFIED
    assert second.last_modified == stamp
    assert http_server.requests[1].headers["if-modified-since"] == stamp
    assert "if-none-match" not in http_server.requests[1].headers


async def test_not_modified_keeps_the_validators_sent_when_the_server_omits_them(
    http_server: HTTPTestServer, fetcher: Fetcher
) -> None:
    url = http_server.route("/bare304", Response(status=304))
    result = await fetcher.fetch(url, etag='"abc"', last_modified="Fri, 01 May 2026 08:30:00 GMT")
    assert result.outcome is FetchOutcome.NOT_MODIFIED
    assert (result.etag, result.last_modified) == ('"abc"', "Fri, 01 May 2026 08:30:00 GMT")


async def test_changed_feed_after_conditional_get_is_ok_with_the_new_etag(
    http_server: HTTPTestServer, fetcher: Fetcher
) -> None:
    url = http_server.route("/feed.xml", Response(body=b"<rss>new</rss>", etag='"v2"'))
    result = await fetcher.fetch(url, etag='"v1"')
    assert (result.outcome, result.body, result.etag) == (
        FetchOutcome.OK,
        b"<rss>new</rss>",
        '"v2"',
    )


async def test_sends_an_honest_user_agent_and_prefers_feeds(
    http_server: HTTPTestServer, fetcher: Fetcher
) -> None:
    await fetcher.fetch(http_server.route("/f", Response(body=RSS)))
    headers = http_server.requests[0].headers
    assert headers["user-agent"].startswith(f"Marsad/{marsad.__version__} (+https://")
    assert "bot" in headers["user-agent"]
    assert headers["accept"].startswith("application/rss+xml, application/atom+xml")
    assert "gzip" in headers["accept-encoding"] and "deflate" in headers["accept-encoding"]
    assert "if-none-match" not in headers and "if-modified-since" not in headers


async def test_custom_user_agent_and_accept(http_server: HTTPTestServer) -> None:
    url = http_server.route("/p", Response(body=b"<html></html>"))
    async with Fetcher(user_agent="MyDesk/2 (ops@example.org)", allow_private=LOCAL) as fetcher:
        await fetcher.fetch(url, accept="text/html")
    headers = http_server.requests[0].headers
    assert (headers["user-agent"], headers["accept"]) == ("MyDesk/2 (ops@example.org)", "text/html")


@pytest.mark.parametrize("status", [200, 203, 204])
async def test_every_2xx_is_ok(http_server: HTTPTestServer, status: int) -> None:
    result = await fetch_once(http_server, Response(status=status, body=b"x"))
    assert result.outcome is FetchOutcome.OK
    assert result.body == (b"" if status == 204 else b"x")


# -- content encodings and the size cap ------------------------------------------------------


@pytest.mark.parametrize(
    ("encoded", "encoding"),
    [
        (gzip.compress(RSS * 50), "gzip"),
        (gzip.compress(RSS * 50), "x-gzip"),
        (gzip.compress(RSS * 25) + gzip.compress(RSS * 25), "gzip"),  # two gzip members
        (zlib.compress(RSS * 50), "deflate"),
        (zlib.compress(RSS * 50)[2:-4], "deflate"),  # raw deflate, as some servers send
        (RSS * 50, "identity"),
    ],
    ids=["gzip", "x-gzip", "gzip-members", "deflate-zlib", "deflate-raw", "identity"],
)
async def test_decodes_content_encodings(
    http_server: HTTPTestServer, encoded: bytes, encoding: str
) -> None:
    response = Response(body=encoded, headers={"Content-Encoding": encoding})
    result = await fetch_once(http_server, response)
    assert (result.outcome, result.body) == (FetchOutcome.OK, RSS * 50)


@pytest.mark.parametrize(
    ("body", "encoding", "error"),
    [
        (b"plainly not gzip", "gzip", "corrupt gzip body"),
        (b"plainly not deflate", "deflate", "corrupt deflate body"),
        (gzip.compress(RSS)[:-12], "gzip", "truncated gzip body"),
    ],
)
async def test_corrupt_compression_is_a_network_error_not_a_crash(
    http_server: HTTPTestServer, body: bytes, encoding: str, error: str
) -> None:
    result = await fetch_once(
        http_server, Response(body=body, headers={"Content-Encoding": encoding})
    )
    assert result.outcome is FetchOutcome.NETWORK_ERROR
    assert result.error is not None
    assert result.error.startswith(error)


@pytest.mark.parametrize("gzipped", [False, True], ids=["plain", "gzip"])
@pytest.mark.parametrize("framing", [Framing.LENGTH, Framing.CHUNKED])
@pytest.mark.parametrize(("size", "outcome"), [(1000, "ok"), (1001, "too-large")])
async def test_cap_is_on_decoded_bytes_exactly(
    http_server: HTTPTestServer, gzipped: bool, framing: Framing, size: int, outcome: str
) -> None:
    response = Response(body=b"a" * size, gzip=gzipped, framing=framing)
    result = await fetch_once(http_server, response, max_bytes=1000)
    assert result.outcome == outcome
    if outcome == "too-large":
        assert result.body == b""
        assert result.error == "body exceeds 1 kB cap"


@pytest.mark.parametrize("framing", [Framing.LENGTH, Framing.CHUNKED, Framing.CLOSE])
async def test_20_mb_body_is_too_large_without_being_held_in_memory(
    http_server: HTTPTestServer, framing: Framing
) -> None:
    response = Response(body=b"x" * 65536, repeat=320, framing=framing)  # 20 MB, generated
    tracemalloc.start()
    try:
        result = await fetch_once(http_server, response, max_bytes=1_000_000)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.outcome is FetchOutcome.TOO_LARGE
    assert result.error == "body exceeds 1 MB cap"
    assert peak < 8_000_000


async def test_default_cap_stops_a_20_mb_body(http_server: HTTPTestServer) -> None:
    response = Response(body=b"x" * 65536, repeat=320, framing=Framing.CHUNKED)
    result = await fetch_once(http_server, response)
    assert result.outcome is FetchOutcome.TOO_LARGE
    assert result.error == "body exceeds 10 MB cap"


async def test_gzip_bomb_stops_at_the_cap(http_server: HTTPTestServer) -> None:
    response = Response(body=gzip_bomb(50_000_000), headers={"Content-Encoding": "gzip"})
    tracemalloc.start()
    try:
        result = await fetch_once(http_server, response, max_bytes=1_000_000)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.outcome is FetchOutcome.TOO_LARGE
    assert peak < 8_000_000  # httpx's own decoder would inflate whole 64 KB reads to ~64 MB


# -- the total deadline ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "response",
    [
        Response(body=b"x" * 100, drip=Drip(size=1, every=0.2)),
        Response(body=b"x" * 100, drip=Drip(size=1, every=0.2), framing=Framing.CHUNKED),
        Response(body=RSS, delay=3),
        Response(body=RSS, drip=Drip(size=1, every=0.1, head=True)),
    ],
    ids=["drip", "drip-chunked", "delay-before-headers", "drip-headers"],
)
async def test_total_deadline(http_server: HTTPTestServer, response: Response) -> None:
    result = await fetch_once(http_server, response, timeout=timedelta(seconds=1))
    assert result.outcome is FetchOutcome.TIMEOUT
    assert result.error == "timed out after 1s (total deadline)"
    assert result.failed


async def test_deadline_covers_the_whole_redirect_chain(http_server: HTTPTestServer) -> None:
    # each hop answers well within the deadline, together they do not
    for hop in range(4):
        http_server.route(f"/h{hop}", redirect(f"/h{hop + 1}", 302, delay=0.4))
    http_server.route("/h4", Response(body=RSS))
    async with Fetcher(timeout=timedelta(seconds=1), allow_private=LOCAL) as fetcher:
        result = await fetcher.fetch(http_server.url("/h0"))
    assert result.outcome is FetchOutcome.TIMEOUT
    assert len(http_server.requests_to("/h4")) == 0


async def test_waiting_for_a_busy_host_does_not_count_against_the_deadline(
    http_server: HTTPTestServer,
) -> None:
    url = http_server.route("/busy", Response(body=RSS, delay=0.6))
    async with Fetcher(timeout=timedelta(seconds=1), per_host=1, allow_private=LOCAL) as fetcher:
        results = await asyncio.gather(*(fetcher.fetch(url) for _ in range(3)))
    assert [r.outcome for r in results] == [FetchOutcome.OK] * 3
    assert http_server.max_in_flight == 1


# -- redirects -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("chain", "permanent"),
    [
        ([301], True),
        ([308], True),
        ([302], False),
        ([307], False),
        ([303], False),
        ([301, 308], True),
        ([301, 302], False),
        ([302, 301], False),
        ([308, 301, 301, 308, 301], True),
    ],
)
async def test_redirect_chain_sets_permanent_url_only_when_all_permanent(
    http_server: HTTPTestServer, fetcher: Fetcher, chain: list[int], permanent: bool
) -> None:
    for hop, status in enumerate(chain):
        http_server.route(f"/r{hop}", redirect(http_server.url(f"/r{hop + 1}"), status))
    final = http_server.route(f"/r{len(chain)}", Response(body=RSS))
    result = await fetcher.fetch(http_server.url("/r0"))
    assert (result.outcome, result.body) == (FetchOutcome.OK, RSS)
    assert result.requested_url == http_server.url("/r0")
    assert result.final_url == final
    assert result.permanent_url == (final if permanent else None)
    assert [r.path for r in http_server.requests] == [f"/r{i}" for i in range(len(chain) + 1)]


@pytest.mark.parametrize(
    ("location", "lands_on"),
    [
        ("/abs/feed", "/abs/feed"),
        ("feed2", "/dir/feed2"),
        ("../up", "/up"),
        ("?page=2", "/dir/page?page=2"),
        ("/frag#top", "/frag"),
    ],
)
async def test_relative_locations_are_resolved(
    http_server: HTTPTestServer, fetcher: Fetcher, location: str, lands_on: str
) -> None:
    http_server.route("/dir/page", redirect(location, 301))
    http_server.route(lands_on, Response(body=RSS))
    result = await fetcher.fetch(http_server.url("/dir/page"))
    assert result.outcome is FetchOutcome.OK
    assert result.final_url == http_server.url(lands_on)
    assert http_server.requests[-1].path == lands_on


@pytest.mark.parametrize(("hops", "outcome"), [(5, "ok"), (6, "too-many-redirects")])
async def test_at_most_five_redirects(
    http_server: HTTPTestServer, fetcher: Fetcher, hops: int, outcome: str
) -> None:
    for hop in range(hops):
        http_server.route(f"/r{hop}", redirect(f"/r{hop + 1}", 301))
    http_server.route(f"/r{hops}", Response(body=RSS))
    result = await fetcher.fetch(http_server.url("/r0"))
    assert result.outcome == outcome
    if outcome == "too-many-redirects":
        assert result.error == "more than 5 redirects"
        assert result.permanent_url is None
        assert len(http_server.requests) == 6  # the sixth Location is never requested


async def test_redirect_loop(http_server: HTTPTestServer, fetcher: Fetcher) -> None:
    http_server.route("/a", redirect("/b", 302))
    http_server.route("/b", redirect("/a", 302))
    result = await fetcher.fetch(http_server.url("/a"))
    assert result.outcome is FetchOutcome.TOO_MANY_REDIRECTS
    assert len(http_server.requests) == 6


async def test_permanent_redirect_to_an_error_does_not_move_the_source(
    http_server: HTTPTestServer, fetcher: Fetcher
) -> None:
    http_server.route("/old", redirect("/new", 301))
    result = await fetcher.fetch(http_server.url("/old"))  # /new is not routed: 404
    assert (result.outcome, result.permanent_url) == (FetchOutcome.HTTP_ERROR, None)
    assert result.final_url == http_server.url("/new")


async def test_permanent_redirect_then_not_modified_moves_the_source(
    http_server: HTTPTestServer, fetcher: Fetcher
) -> None:
    http_server.route("/old", redirect("/new", 308))
    http_server.route("/new", Response(body=RSS, etag='"e"'))
    result = await fetcher.fetch(http_server.url("/old"), etag='"e"')
    assert result.outcome is FetchOutcome.NOT_MODIFIED
    assert result.permanent_url == http_server.url("/new")


@pytest.mark.parametrize(
    ("response", "outcome", "error"),
    [
        (Response(status=301), "http-error", "HTTP 301 Moved Permanently without Location"),
        (
            redirect("ftp://example.org/feed", 302),
            "network-error",
            "redirect to unsupported URL scheme (only http and https)",
        ),
        (
            redirect("http://127.0.0.1:70000/", 301),
            "network-error",
            "redirect to invalid URL (port 70000)",
        ),
    ],
)
async def test_broken_redirects(
    http_server: HTTPTestServer, response: Response, outcome: str, error: str
) -> None:
    result = await fetch_once(http_server, response)
    assert (result.outcome, result.error) == (outcome, error)


# -- HTTP errors and Retry-After -------------------------------------------------------------

NOW = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("response", "outcome", "error", "retry_after"),
    [
        (Response(status=404), "http-error", "HTTP 404 Not Found", None),
        (Response(status=403), "http-error", "HTTP 403 Forbidden", None),
        (Response(status=410), "gone", "HTTP 410 Gone", None),
        (Response(status=500), "http-error", "HTTP 500 Internal Server Error", None),
        (Response(status=502), "http-error", "HTTP 502 Bad Gateway", None),
        (Response(status=503), "http-error", "HTTP 503 Service Unavailable", None),
        (Response(status=599), "http-error", "HTTP 599", None),
        (
            Response(status=429, headers={"Retry-After": "120"}),
            "rate-limited",
            "HTTP 429 Too Many Requests (retry after 2m)",
            timedelta(seconds=120),
        ),
        (Response(status=429), "rate-limited", "HTTP 429 Too Many Requests", None),
        (
            Response(status=429, headers={"Retry-After": "soon"}),
            "rate-limited",
            "HTTP 429 Too Many Requests",
            None,
        ),
        (
            Response(
                status=503,
                headers={
                    "Date": http_date(NOW),
                    "Retry-After": http_date(NOW + timedelta(minutes=5)),
                },
            ),
            "rate-limited",
            "HTTP 503 Service Unavailable (retry after 5m)",
            timedelta(minutes=5),
        ),
        (
            Response(status=503, headers={"Retry-After": "0"}),
            "rate-limited",
            "HTTP 503 Service Unavailable (retry after 0s)",
            timedelta(0),
        ),
        (Response(status=300), "http-error", "HTTP 300 Multiple Choices", None),
    ],
    ids=lambda value: str(value.status) if isinstance(value, Response) else None,
)
async def test_http_errors(
    http_server: HTTPTestServer,
    response: Response,
    outcome: str,
    error: str,
    retry_after: timedelta | None,
) -> None:
    result = await fetch_once(http_server, response)
    assert (result.outcome, result.error, result.retry_after) == (outcome, error, retry_after)
    assert result.status == response.status
    assert result.failed and result.body == b""


async def test_retry_after_date_without_server_date_uses_our_clock(
    http_server: HTTPTestServer,
) -> None:
    response = Response(
        status=503, headers={"Retry-After": http_date(NOW + timedelta(hours=1)), "Date": "junk"}
    )
    result = await fetch_once(http_server, response, now=lambda: NOW)
    assert result.retry_after == timedelta(hours=1)


async def test_sequence_of_failures_then_success(
    http_server: HTTPTestServer, fetcher: Fetcher
) -> None:
    url = http_server.route("/flaky", [Response(status=500), Response(body=RSS)])
    outcomes = [(await fetcher.fetch(url)).outcome for _ in range(3)]
    assert outcomes == [FetchOutcome.HTTP_ERROR, FetchOutcome.OK, FetchOutcome.OK]


# -- network failures ------------------------------------------------------------------------


async def test_connection_refused(fetcher: Fetcher) -> None:
    result = await fetcher.fetch(closed_port_url("/feed"))
    assert (result.outcome, result.error, result.status) == (
        FetchOutcome.NETWORK_ERROR,
        "connection refused",
        None,
    )


@pytest.mark.parametrize(
    ("drop", "error"),
    [
        (Drop.BEFORE_RESPONSE, "connection closed before any response"),
        (Drop.MID_HEADERS, "connection closed before any response"),
        (Drop.MID_BODY, "connection closed before the body was complete"),
    ],
)
async def test_dropped_connection(
    http_server: HTTPTestServer, fetcher: Fetcher, drop: Drop, error: str
) -> None:
    url = http_server.route("/drop", Response(body=RSS * 100, drop=drop))
    result = await fetcher.fetch(url)
    assert (result.outcome, result.error) == (FetchOutcome.NETWORK_ERROR, error)


@pytest.mark.parametrize(
    ("url", "error"),
    [
        ("ftp://example.org/feed", "unsupported URL scheme (only http and https)"),
        ("not a url", "invalid URL (no http:// or https://)"),
        ("http://", "invalid URL (no host name)"),
        ("http:///feed", "invalid URL (no host name)"),
        ("http://127.0.0.1:99999/feed", "invalid URL (port 99999)"),
        ("http://xn--/feed", "invalid host name"),
    ],
)
async def test_bad_urls_are_reported_not_raised(fetcher: Fetcher, url: str, error: str) -> None:
    result = await fetcher.fetch(url)
    assert result.outcome is FetchOutcome.NETWORK_ERROR
    assert result.error is not None
    assert result.error.startswith(error)


async def test_fetch_outside_the_context_manager_is_a_programming_error() -> None:
    with pytest.raises(RuntimeError, match="async with"):
        await Fetcher().fetch("http://127.0.0.1/")


# -- politeness ------------------------------------------------------------------------------


@pytest.mark.parametrize(("per_host", "seen"), [(1, 1), (2, 2), (10, 6)])
async def test_per_host_limit_is_what_the_server_sees(
    http_server: HTTPTestServer, per_host: int, seen: int
) -> None:
    url = http_server.route("/slow", Response(body=RSS, delay=0.6))
    async with Fetcher(per_host=per_host, allow_private=LOCAL) as fetcher:
        results = await asyncio.gather(*(fetcher.fetch(url) for _ in range(6)))
    assert all(r.outcome is FetchOutcome.OK for r in results)
    assert http_server.max_in_flight == seen


async def test_hosts_do_not_share_a_limit(http_server: HTTPTestServer) -> None:
    with HTTPTestServer() as other:
        slow_there = other.route("/slow", Response(body=RSS, delay=1.5))
        probe_here = http_server.route("/probe", lambda _: Response(body=str(other.in_flight)))
        async with Fetcher(per_host=1, allow_private=LOCAL) as fetcher:
            there = asyncio.ensure_future(fetcher.fetch(slow_there))
            while other.in_flight == 0:  # noqa: ASYNC110 - the server runs in another thread
                await asyncio.sleep(0.01)
            # our only slot for the other host is taken; this host still gets its own
            probe = await fetcher.fetch(probe_here)
            assert (await there).ok
    assert (probe.outcome, probe.body) == (FetchOutcome.OK, b"1")


def test_redact_url_drops_credentials_query_and_fragment() -> None:
    assert redact_url("https://u:p@Example.org:8443/rss?token=s3cret#x") == (
        "https://example.org:8443/rss"
    )
    assert redact_url("http://example.org/feed/") == "http://example.org/feed/"


async def test_repeated_polls_reuse_one_connection(
    http_server: HTTPTestServer, fetcher: Fetcher
) -> None:
    """304s, redirects and error pages are drained so keep-alive works for every answer."""
    http_server.route("/feed", Response(body=RSS, etag='"v"'))
    http_server.route("/moved", redirect("/feed", 302, body=b"see /feed"))
    http_server.route("/missing", Response(status=404, body=b"<html>not here</html>"))
    for path, etag in [("/feed", None), ("/feed", '"v"'), ("/moved", '"v"'), ("/missing", None)]:
        await fetcher.fetch(http_server.url(path), etag=etag)
    assert len(http_server.requests) == 5
    assert http_server.connections == 1


class ExplodingTransport(httpx.AsyncBaseTransport):
    """A transport with a bug: the fetcher must report it as one failed fetch, not crash."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        raise RuntimeError("library bug")


async def test_an_unforeseen_exception_is_one_failed_fetch() -> None:
    async with Fetcher(transport=ExplodingTransport()) as fetcher:
        result = await fetcher.fetch("http://example.org/feed")
    assert result.outcome is FetchOutcome.NETWORK_ERROR
    assert result.error == "unexpected error (RuntimeError: library bug)"


async def test_arabic_article_urls(http_server: HTTPTestServer, fetcher: Fetcher) -> None:
    http_server.route("/أخبار/تعاون-أمني", Response(body=RSS))
    http_server.route("/قديم", redirect("/أخبار/تعاون-أمني", 301))
    result = await fetcher.fetch(http_server.url("/قديم?وسم=أمن"))
    assert (result.outcome, result.body) == (FetchOutcome.OK, RSS)
    assert (
        http_server.requests[0].path
        == "/%D9%82%D8%AF%D9%8A%D9%85?%D9%88%D8%B3%D9%85=%D8%A3%D9%85%D9%86"
    )
    assert result.permanent_url == http_server.url(
        "/%D8%A3%D8%AE%D8%A8%D8%A7%D8%B1/%D8%AA%D8%B9%D8%A7%D9%88%D9%86-%D8%A3%D9%85%D9%86%D9%8A"
    )


# -- invariants over many generated answers ---------------------------------------------------


def expected_outcome(status: int, has_location: bool, retry_after: str | None) -> FetchOutcome:
    if 200 <= status < 300:
        return FetchOutcome.OK
    if status == 304:
        return FetchOutcome.NOT_MODIFIED
    if status == 410:
        return FetchOutcome.GONE
    if status == 429 or (status == 503 and retry_after is not None):
        return FetchOutcome.RATE_LIMITED
    if status in (301, 302, 303, 307, 308) and has_location:
        return FetchOutcome.OK  # followed to a route that answers 200
    return FetchOutcome.HTTP_ERROR


@settings(max_examples=60, deadline=None)
@given(
    status=st.integers(min_value=200, max_value=599),
    has_location=st.booleans(),
    retry_after=st.none() | st.just("30"),
    body=st.binary(max_size=3000),
    gzipped=st.booleans(),
    framing=st.sampled_from(list(Framing)),
    cap=st.integers(min_value=0, max_value=3000),
)
def test_any_answer_maps_to_its_outcome_and_never_raises(
    status: int,
    has_location: bool,
    retry_after: str | None,
    body: bytes,
    gzipped: bool,
    framing: Framing,
    cap: int,
) -> None:
    headers = [("Retry-After", retry_after)] if retry_after else []
    if has_location:
        headers.append(("Location", "/landing"))
    with HTTPTestServer() as server:
        server.route("/x", Response(status=status, headers=headers, body=body))
        server.route("/landing", Response(body=body, gzip=gzipped, framing=framing))

        async def go() -> FetchResult:
            async with Fetcher(max_bytes=cap, allow_private=LOCAL) as fetcher:
                return await fetcher.fetch(server.url("/x"))

        result = asyncio.run(go())
    expected = expected_outcome(status, has_location, retry_after)
    served = b"" if status == 204 else body  # 204 never carries a body
    if expected is FetchOutcome.OK and len(served) > cap:
        expected = FetchOutcome.TOO_LARGE
    assert result.outcome is expected
    if expected is FetchOutcome.OK:
        assert result.body == served
    assert (result.error is None) == result.ok
    assert server.errors == []

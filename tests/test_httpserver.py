"""The test HTTP server itself: every later test trusts it to misbehave exactly as asked."""

from __future__ import annotations

import gzip
import socket
import time
import zlib
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from tests.httpserver import (
    Drip,
    Drop,
    Framing,
    HTTPTestServer,
    Request,
    Response,
    SubprocessHTTPServer,
    closed_port_url,
    gzip_bomb,
    http_date,
    redirect,
)


def raw_get(server: HTTPTestServer, path: str, extra: str = "") -> socket.socket:
    """Send a bare GET on a new socket and return the socket, to read the answer byte by byte."""
    sock = socket.create_connection((server.host, server.port), timeout=10)
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\n{extra}\r\n".encode())
    return sock


def read_all(sock: socket.socket) -> bytes:
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    return data


def read_head(sock: socket.socket) -> tuple[bytes, bytes]:
    """The response head and whatever body bytes arrived with it."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"connection closed inside the head: {data!r}"
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    return head, rest


def test_serves_status_headers_and_body_and_records_the_request(
    http_server: HTTPTestServer,
) -> None:
    http_server.route(
        "/feed.xml",
        Response(
            status=201, headers={"Content-Type": "application/rss+xml"}, body="<rss>مرصد</rss>"
        ),
    )
    response = httpx.get(http_server.url("/feed.xml"), headers={"X-Probe": "1"})
    assert response.status_code == 201
    assert response.headers["content-type"] == "application/rss+xml"
    assert response.content == "<rss>مرصد</rss>".encode()
    (request,) = http_server.requests
    assert (request.method, request.path, request.body) == ("GET", "/feed.xml", b"")
    assert request.headers["x-probe"] == "1"


def test_unknown_path_is_404(http_server: HTTPTestServer) -> None:
    assert httpx.get(http_server.url("/nothing")).status_code == 404


def test_route_returns_its_url_and_exact_query_beats_bare_path(
    http_server: HTTPTestServer,
) -> None:
    assert http_server.route("/q", Response(body=b"bare")) == http_server.url("/q")
    http_server.route("/q?page=2", Response(body=b"two"))
    assert httpx.get(http_server.url("/q?page=2")).content == b"two"
    assert httpx.get(http_server.url("/q?page=3")).content == b"bare"
    assert [r.path for r in http_server.requests_to("/q")] == ["/q?page=2", "/q?page=3"]


def test_sequence_is_served_in_order_then_the_last_repeats(http_server: HTTPTestServer) -> None:
    http_server.route("/seq", [Response(status=500), Response(status=503), Response(body=b"ok")])
    statuses = [httpx.get(http_server.url("/seq")).status_code for _ in range(5)]
    assert statuses == [500, 503, 200, 200, 200]


def test_handler_function_sees_the_request(http_server: HTTPTestServer) -> None:
    http_server.route("/echo", lambda request: Response(body=request.headers["user-agent"]))
    assert httpx.get(http_server.url("/echo"), headers={"User-Agent": "probe/1"}).text == "probe/1"


def test_headers_given_win_over_the_servers_own(http_server: HTTPTestServer) -> None:
    http_server.route("/lie", Response(body=b"0123456789", headers={"Content-Length": "4"}))
    sock = raw_get(http_server, "/lie", "Connection: close\r\n")
    head, _ = read_head(sock)
    assert b"Content-Length: 4" in head
    assert b"Content-Length: 10" not in head


def test_drip_sends_the_body_in_pieces_over_time(http_server: HTTPTestServer) -> None:
    http_server.route("/drip", Response(body=b"abcdefghij", drip=Drip(size=1, every=0.2)))
    sock = raw_get(http_server, "/drip")
    _head, early = read_head(sock)
    first = early or sock.recv(65536)
    assert 0 < len(first) < 10  # the rest does not exist yet
    assert http_server.in_flight == 1
    sock.close()


@pytest.mark.parametrize("framing", list(Framing))
def test_drip_works_with_every_framing(http_server: HTTPTestServer, framing: Framing) -> None:
    http_server.route(
        "/d", Response(body=b"abcdef", drip=Drip(size=2, every=0.01), framing=framing)
    )
    assert httpx.get(http_server.url("/d")).content == b"abcdef"


def test_drop_mid_body_sends_half_then_closes(http_server: HTTPTestServer) -> None:
    http_server.route("/drop", Response(body=b"x" * 1000, drop=Drop.MID_BODY))
    head, rest = read_head(sock := raw_get(http_server, "/drop"))
    assert b"Content-Length: 1000" in head
    assert len(rest + read_all(sock)) == 500
    with pytest.raises(httpx.RemoteProtocolError):
        httpx.get(http_server.url("/drop"))


@pytest.mark.parametrize("drop", [Drop.BEFORE_RESPONSE, Drop.MID_HEADERS])
def test_drop_before_the_head_is_complete(http_server: HTTPTestServer, drop: Drop) -> None:
    http_server.route("/drop", Response(body=b"x" * 10, drop=drop))
    data = read_all(raw_get(http_server, "/drop"))
    assert b"\r\n\r\n" not in data
    assert (data == b"") == (drop is Drop.BEFORE_RESPONSE)
    with pytest.raises(httpx.RemoteProtocolError):
        httpx.get(http_server.url("/drop"))


def test_chunked_framing(http_server: HTTPTestServer) -> None:
    http_server.route("/c", Response(body=b"y" * 200_000, framing=Framing.CHUNKED))
    head, _ = read_head(raw_get(http_server, "/c"))
    assert b"Transfer-Encoding: chunked" in head
    assert b"Content-Length" not in head
    assert httpx.get(http_server.url("/c")).content == b"y" * 200_000


def test_close_framing_ends_the_body_by_closing(http_server: HTTPTestServer) -> None:
    http_server.route("/c", Response(body=b"until close", framing=Framing.CLOSE))
    head, rest = read_head(sock := raw_get(http_server, "/c"))
    assert b"Content-Length" not in head
    assert b"Connection: close" in head
    assert rest + read_all(sock) == b"until close"


def test_repeat_serves_a_large_body_with_the_right_length(http_server: HTTPTestServer) -> None:
    http_server.route("/big", Response(body=b"0123456789", repeat=100_000))
    with httpx.stream("GET", http_server.url("/big")) as response:
        assert response.headers["content-length"] == "1000000"
        assert sum(len(chunk) for chunk in response.iter_raw()) == 1_000_000


def test_gzip_compresses_the_body_and_says_so(http_server: HTTPTestServer) -> None:
    http_server.route("/gz", Response(body="خبر عاجل " * 100, gzip=True))
    head, _ = read_head(raw_get(http_server, "/gz", "Connection: close\r\n"))
    assert b"Content-Encoding: gzip" in head
    assert httpx.get(http_server.url("/gz")).text == "خبر عاجل " * 100


def test_gzip_bomb_is_small_and_inflates_to_the_asked_size() -> None:
    bomb = gzip_bomb(5_000_000)
    assert len(bomb) < 10_000
    assert len(gzip.decompress(bomb)) == 5_000_000


LAST = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("request_headers", "status"),
    [
        ({}, 200),
        ({"If-None-Match": '"v1"'}, 304),
        ({"If-None-Match": 'W/"v1"'}, 304),
        ({"If-None-Match": '"v0", "v1"'}, 304),
        ({"If-None-Match": "*"}, 304),
        ({"If-None-Match": '"v2"'}, 200),
        ({"If-Modified-Since": http_date(LAST)}, 304),
        ({"If-Modified-Since": http_date(LAST + timedelta(hours=1))}, 304),
        ({"If-Modified-Since": http_date(LAST - timedelta(seconds=1))}, 200),
        # If-None-Match decides when both are sent
        ({"If-None-Match": '"v2"', "If-Modified-Since": http_date(LAST)}, 200),
    ],
)
def test_conditional_get(
    http_server: HTTPTestServer, request_headers: dict[str, str], status: int
) -> None:
    http_server.route("/c", Response(body=b"feed", etag='"v1"', last_modified=http_date(LAST)))
    response = httpx.get(http_server.url("/c"), headers=request_headers)
    assert response.status_code == status
    assert response.headers["etag"] == '"v1"'
    assert response.content == (b"feed" if status == 200 else b"")


def test_redirect_helper(http_server: HTTPTestServer) -> None:
    http_server.route("/old", redirect("/new", 301))
    http_server.route("/new", Response(body=b"moved"))
    response = httpx.get(http_server.url("/old"), follow_redirects=True)
    assert response.content == b"moved"
    assert [r.status_code for r in response.history] == [301]


def test_delay_holds_the_head_back(http_server: HTTPTestServer) -> None:
    http_server.route("/slow", Response(body=b"late", delay=2))
    with pytest.raises(httpx.ReadTimeout):
        httpx.get(http_server.url("/slow"), timeout=0.2)


def test_head_request_gets_no_body(http_server: HTTPTestServer) -> None:
    http_server.route("/h", Response(body=b"body"))
    response = httpx.head(http_server.url("/h"))
    assert response.headers["content-length"] == "4"
    assert response.content == b""


def test_keep_alive_reuses_one_connection(http_server: HTTPTestServer) -> None:
    http_server.route("/k", [Response(status=204), Response(body=b"a"), Response(body=b"b")])
    with httpx.Client() as client:
        bodies = [client.get(http_server.url("/k")).content for _ in range(3)]
    assert bodies == [b"", b"a", b"b"]
    assert http_server.connections == 1


def test_counts_requests_in_flight(http_server: HTTPTestServer) -> None:
    http_server.route("/wait", Response(delay=1.0))
    with ThreadPoolExecutor(8) as pool:
        statuses = list(
            pool.map(lambda _: httpx.get(http_server.url("/wait")).status_code, [0] * 8)
        )
    assert statuses == [200] * 8
    assert http_server.max_in_flight == 8
    # the server counts a request done after its last byte is written, which can be a moment
    # after the client has read it
    deadline = time.monotonic() + 10
    while http_server.in_flight and time.monotonic() < deadline:
        time.sleep(0.01)
    assert http_server.in_flight == 0
    http_server.reset()
    assert http_server.requests == []
    assert http_server.max_in_flight == 0


def test_a_crashing_handler_is_reported_and_drops_the_connection() -> None:
    def broken(request: Request) -> Response:
        raise RuntimeError("handler bug")

    with HTTPTestServer() as server:
        server.route("/bug", broken)
        with pytest.raises(httpx.RemoteProtocolError):
            httpx.get(server.url("/bug"))
    assert [str(e) for e in server.errors] == ["handler bug"]


def test_closed_port_refuses() -> None:
    with pytest.raises(httpx.ConnectError):
        httpx.get(closed_port_url())


def test_serves_many_concurrent_connections(http_server: HTTPTestServer) -> None:
    http_server.route("/many", Response(body=b"x", delay=0.3))
    socks = [raw_get(http_server, "/many", "Connection: close\r\n") for _ in range(300)]
    answers = [read_all(sock) for sock in socks]
    assert all(a.startswith(b"HTTP/1.1 200 OK") and a.endswith(b"\r\n\r\nx") for a in answers)
    assert http_server.max_in_flight > 1
    for sock in socks:
        sock.close()


def test_subprocess_server_serves_and_counts() -> None:
    routes: dict[str, Response | list[Response]] = {
        "/a": Response(body=b"A", etag='"1"'),
        "/seq": [Response(status=500), Response()],
    }
    with SubprocessHTTPServer(routes) as server, httpx.Client() as client:
        assert client.get(server.url("/a")).content == b"A"
        assert client.get(server.url("/a"), headers={"If-None-Match": '"1"'}).status_code == 304
        assert [client.get(server.url("/seq")).status_code for _ in range(2)] == [500, 200]
        assert server.route("/later", Response(body=b"L")) == server.url("/later")
        assert client.get(server.url("/later")).content == b"L"
        stats = server.stats()
    assert stats["requests"] == 5
    assert stats["conditional"] == 1
    assert stats["errors"] == []


def test_deflate_body_can_be_served_raw(http_server: HTTPTestServer) -> None:
    http_server.route(
        "/z", Response(body=zlib.compress(b"data"), headers={"Content-Encoding": "deflate"})
    )
    assert httpx.get(http_server.url("/z")).content == b"data"


def test_repeated_header_names(http_server: HTTPTestServer) -> None:
    http_server.route(
        "/two",
        Response(
            headers=[("Content-Type", "text/xml; charset=utf-8"), ("Content-Type", "text/html")]
        ),
    )
    response = httpx.get(http_server.url("/two"))
    assert response.headers.get_list("content-type") == ["text/xml; charset=utf-8", "text/html"]


def test_drip_can_include_the_head(http_server: HTTPTestServer) -> None:
    http_server.route("/slowhead", Response(body=b"ok", drip=Drip(size=4, every=0.05, head=True)))
    sock = raw_get(http_server, "/slowhead")
    first = sock.recv(65536)
    assert 0 < len(first) <= 4  # the status line itself arrives in pieces
    assert httpx.get(http_server.url("/slowhead")).content == b"ok"

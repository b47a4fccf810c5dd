"""News sitemaps: read from documents we wrote, polled from a real local server into a real store,
through `marsad poll` and through `marsad run` to one Telegram alert."""

from __future__ import annotations

import gzip
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import select

from marsad.config import Config, DatabaseConfig, PollingConfig, SourceConfig, SourceKind
from marsad.store.engine import open_store, session
from marsad.store.tables import Item
from marsad.watchers.fetch import Fetcher
from marsad.watchers.poller import Poller, PollStatus
from marsad.watchers.sitemaps import (
    ChildSitemap,
    SitemapError,
    SitemapKind,
    newest_children,
    parse_sitemap,
    slug_title,
)
from tests.cli import marsad
from tests.fakebot import FakeTelegram
from tests.httpserver import HTTPTestServer, Response

XML = {"Content-Type": "application/xml; charset=utf-8"}
HTML = {"Content-Type": "text/html; charset=utf-8"}
START = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)

VISIT = "حموشي يستقبل المدير العام للشرطة الوطنية الإسبانية لبحث التعاون الأمني"
TALKS = "بوريطة يجري مباحثات مع نظيره البرتغالي في لشبونة"
CELL = "تفكيك خلية إرهابية بتنسيق مع المخابرات الإسبانية"


def news_url(loc: str, title: str, date: str, language: str = "ar") -> str:
    return (
        f"<url><loc>{loc}</loc><news:news><news:publication><news:name>هسبريس</news:name>"
        f"<news:language>{language}</news:language></news:publication>"
        f"<news:publication_date>{date}</news:publication_date>"
        f"<news:title>{title}</news:title></news:news></url>"
    )


def urlset(*entries: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">'
        + "".join(entries)
        + "</urlset>"
    )


def index(*children: tuple[str, str | None]) -> str:
    body = "".join(
        f"<sitemap><loc>{loc}</loc>" + (f"<lastmod>{mod}</lastmod>" if mod else "") + "</sitemap>"
        for loc, mod in children
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{body}</sitemapindex>'
    )


def article(
    title: str, words: str = "وأكد المسؤولون أهمية تعزيز التعاون الأمني بين البلدين"
) -> str:
    paragraph = f"<p>{title}. " + f"{words}. " * 8 + "</p>"
    return (
        f"<html><head><title>{title} - الموقع</title>"
        "<meta property='article:published_time' content='2026-11-21T09:00:00+01:00'></head>"
        f"<body><article><h1>{title}</h1>{paragraph}{paragraph}</article></body></html>"
    )


# --- reading documents ------------------------------------------------------------------------

NEWS_SITEMAP = urlset(
    news_url("https://www.hespress.com/visit-1.html", VISIT, "2026-11-22T09:15:00+01:00"),
    news_url("https://www.hespress.com/talks-2.html", TALKS, "2026-11-21", "ar"),
    news_url("https://www.hespress.com/visit-1.html?utm_source=x", "مكرر", "2026-11-22"),
    "<url><loc>javascript:alert(1)</loc></url>",
    "<url><lastmod>2026-11-20</lastmod></url>",
)
PLAIN_SITEMAP = (
    "<urlset><url><loc>https://le360.ma/politique/une-visite-a-madrid-123</loc>"
    "<lastmod>2026-11-20T10:00:00Z</lastmod></url>"
    "<url><loc>https://le360.ma/societe/un-autre-article-456</loc></url></urlset>"
)


def test_a_news_urlset_gives_titles_dates_and_languages() -> None:
    sitemap = parse_sitemap(NEWS_SITEMAP.encode())
    assert sitemap.kind is SitemapKind.URLSET
    assert [(u.url, u.title, u.language) for u in sitemap.urls] == [
        ("https://www.hespress.com/visit-1.html", VISIT, "ar"),
        ("https://www.hespress.com/talks-2.html", TALKS, "ar"),
    ]
    assert sitemap.urls[0].when == datetime(2026, 11, 22, 8, 15, tzinfo=UTC)
    assert sitemap.urls[1].published == datetime(2026, 11, 21, tzinfo=UTC)
    assert sitemap.ignored == 3  # the repeated URL, the javascript: one, the one without a loc


def test_a_plain_urlset_without_namespace_or_news_is_read_too() -> None:
    sitemap = parse_sitemap(gzip.compress(PLAIN_SITEMAP.encode()))  # a .xml.gz file
    assert [(u.url, u.title, u.when) for u in sitemap.urls] == [
        (
            "https://le360.ma/politique/une-visite-a-madrid-123",
            "",
            datetime(2026, 11, 20, 10, tzinfo=UTC),
        ),
        ("https://le360.ma/societe/un-autre-article-456", "", None),
    ]


def test_an_index_lists_children_and_the_newest_are_chosen() -> None:
    sitemap = parse_sitemap(
        index(
            ("https://a.ma/s-1.xml", "2026-10-01"),
            ("https://a.ma/s-2.xml", None),
            ("https://a.ma/s-3.xml", "2026-11-21T10:00:00+00:00"),
            ("https://a.ma/s-4.xml", "2026-11-01"),
            ("https://a.ma/s-5.xml", None),
        ).encode()
    )
    assert sitemap.kind is SitemapKind.INDEX and len(sitemap.children) == 5
    chosen = newest_children(sitemap.children, 3)
    expected = ["https://a.ma/s-3.xml", "https://a.ma/s-4.xml", "https://a.ma/s-1.xml"]
    assert [c.url for c in chosen] == expected
    undated = (ChildSitemap("https://a.ma/1.xml"), ChildSitemap("https://a.ma/2.xml"))
    assert [c.url for c in newest_children(undated, 1)] == ["https://a.ma/2.xml"]


BOMB = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
    "<urlset><url><loc>https://a.ma/&lol2;</loc></url></urlset>"
)


@pytest.mark.parametrize(
    ("body", "error_part"),
    [
        (BOMB.encode(), "rejected: DTD entity declarations"),
        (
            b'<?xml version="1.0"?><!DOCTYPE x SYSTEM "file:///etc/passwd"><urlset>'
            b"<url><loc>https://a.ma/x-1</loc></url><url></urlset>",
            "broken sitemap: Opening and ending tag mismatch: url line 1 and urlset, line 1",
        ),
        (b"<urlset><url><loc>https://a.ma/a-1</loc></url>", "broken sitemap"),
        (b"<!DOCTYPE html><html><body>404</body></html>", "HTML page"),
        (b"<rss version='2.0'><channel></channel></rss>", 'use kind = "feed"'),
        (b"<sitemap><loc>https://a.ma/</loc></sitemap>", "root element is <sitemap>"),
        (b"  \n", "empty sitemap"),
        (b"<a>" * 300 + b"</a>" * 300, "broken sitemap"),  # nesting past lxml's safe depth
        (gzip.compress(b"<urlset>" + b" " * 3_000_000 + b"</urlset>"), "inflates past"),
        (b"\x1f\x8b\x08\x00garbage", "truncated or corrupt gzip"),
    ],
    ids=["entity-bomb", "malformed", "truncated", "html", "rss", "other-xml", "empty",
         "deep", "gzip-bomb", "gzip-corrupt"],
)  # fmt: skip
def test_hostile_and_broken_sitemaps_are_refused_clearly(body: bytes, error_part: str) -> None:
    with pytest.raises(SitemapError) as caught:
        parse_sitemap(body, max_bytes=2_000_000)
    assert error_part in str(caught.value)


def test_a_url_without_a_title_is_titled_from_its_slug() -> None:
    assert slug_title("https://a.ma/2026/11/%D8%AA%D9%81%D9%83%D9%8A%D9%83-%D8%AE%D9%84%D9%8A%D8%A9.html") == "تفكيك خلية"  # fmt: skip
    assert slug_title("https://a.ma/news/123456") == "https://a.ma/news/123456"


# --- polling a local server into a real store ------------------------------------------------


@dataclass
class Clock:
    now: datetime = START

    def __call__(self) -> datetime:
        return self.now


PollerFactory = Callable[[SourceConfig], Poller]


@pytest.fixture
async def make_poller(tmp_path: Path) -> AsyncIterator[PollerFactory]:
    engines: list[Engine] = []
    async with Fetcher(
        timeout=timedelta(seconds=3), max_bytes=2_000_000, allow_private=["127.0.0.1"]
    ) as fetcher:

        def build(source: SourceConfig) -> Poller:
            config = Config(
                base_dir=tmp_path,
                database=DatabaseConfig(url=f"sqlite:///{tmp_path / 'marsad.db'}"),
                polling=PollingConfig(timeout=timedelta(seconds=3)),
                sources=(source,),
            )
            engine = open_store(config.database.url)
            engines.append(engine)
            return Poller(config, engine, fetcher, clock=Clock())

        yield build
    for engine in engines:
        engine.dispose()


def stored(poller: Poller) -> list[Item]:
    with session(poller.engine) as s:
        return list(s.exec(select(Item).order_by(Item.id)).all())


def serve_articles(server: HTTPTestServer, *pages: tuple[str, str]) -> None:
    for path, title in pages:
        server.route(path, Response(body=article(title), headers=HTML))


async def test_new_urls_are_fetched_once_titled_from_the_sitemap_and_a_304_fetches_nothing(
    http_server: HTTPTestServer, make_poller: PollerFactory
) -> None:
    url = http_server.url
    serve_articles(
        http_server, ("/2026/11/visit-madrid", "عنوان المقال"), ("/2026/11/talks", TALKS)
    )
    listed = (
        news_url(url("/2026/11/visit-madrid"), VISIT, "2026-11-22T08:45:00+01:00"),
        f"<url><loc>{url('/2026/11/talks')}</loc><lastmod>2026-11-21</lastmod></url>",
    )
    first_map = urlset(*listed)
    http_server.route("/news-sitemap.xml", Response(body=first_map, headers=XML, etag='"v1"'))
    poller = make_poller(
        SourceConfig("Hespress", url("/news-sitemap.xml"), kind=SourceKind.SITEMAP)
    )

    [first] = await poller.poll_all()
    assert first.status is PollStatus.NEW and first.backlog, first.summary()
    items = {i.title: i for i in stored(poller)}
    assert set(items) == {VISIT, TALKS}  # the sitemap's title wins over the article's
    assert "تعزيز التعاون الأمني" in items[VISIT].text
    assert items[VISIT].published_at == datetime(2026, 11, 22, 7, 45, tzinfo=UTC)
    assert items[TALKS].published_at == datetime(2026, 11, 21, 8, 0, tzinfo=UTC)  # the article's

    [second] = await poller.poll_all()
    assert second.status is PollStatus.NOT_MODIFIED
    assert http_server.requests_to("/news-sitemap.xml")[-1].headers["if-none-match"] == '"v1"'
    assert len(http_server.requests_to("/2026/11/visit-madrid")) == 1

    serve_articles(http_server, ("/2026/11/cell", CELL))
    http_server.route(
        "/news-sitemap.xml",
        Response(
            body=urlset(news_url(url("/2026/11/cell"), CELL, "2026-11-22T08:50:00+01:00"), *listed),
            headers=XML,
            etag='"v2"',
        ),
    )
    [third] = await poller.poll_all()
    assert third.status is PollStatus.NEW and not third.backlog
    assert [i.title for i in third.new_items] == [CELL]
    assert len(http_server.requests_to("/2026/11/visit-madrid")) == 1
    assert len(http_server.requests_to("/2026/11/cell")) == 1


async def test_articles_beyond_the_budget_wait_for_the_next_poll_and_failures_keep_the_title(
    http_server: HTTPTestServer, make_poller: PollerFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = http_server.url
    http_server.route("/sitemap.xml", Response(body=urlset(), headers=XML, etag='"empty"'))
    poller = make_poller(SourceConfig("Le360", url("/sitemap.xml"), kind=SourceKind.SITEMAP))
    monkeypatch.setattr(poller._sitemaps, "max_articles", 2)
    [first] = await poller.poll_all()
    assert first.status is PollStatus.NO_NEW

    titles = [f"خبر رقم {n} عن التعاون الأمني" for n in range(5)]
    entries = [
        news_url(url(f"/a/{n}"), titles[n], f"2026-11-22T0{n}:00:00+00:00") for n in range(5)
    ]
    serve_articles(http_server, *((f"/a/{n}", f"مقال {n}") for n in range(5) if n != 3))
    http_server.route("/a/3", Response(status=404))  # the newest but one: a broken link
    http_server.route("/sitemap.xml", Response(body=urlset(*entries), headers=XML, etag='"v5"'))

    [second] = await poller.poll_all()
    assert [i.title for i in second.new_items] == [titles[4], titles[3]]  # newest first
    assert second.error is not None and "1 of 2 articles failed" in second.error
    kept = {i.title: i for i in stored(poller)}[titles[3]]
    assert kept.text == "" and kept.published_at == datetime(2026, 11, 22, 3, tzinfo=UTC)

    for expected in ([titles[2], titles[1]], [titles[0]]):
        [poll] = await poller.poll_all()  # the sitemap is read in full again: nothing was lost
        assert [i.title for i in poll.new_items] == expected
    # the half-read sitemap's validators were not stored (a stale one cannot match)
    assert http_server.requests_to("/sitemap.xml")[-1].headers["if-none-match"] == '"empty"'
    [done] = await poller.poll_all()
    assert done.status is PollStatus.NOT_MODIFIED  # all read: the validators were kept
    assert all(len(http_server.requests_to(f"/a/{n}")) == 1 for n in range(5))


async def test_an_index_reads_its_newest_children_each_conditionally(
    http_server: HTTPTestServer, make_poller: PollerFactory
) -> None:
    url = http_server.url
    http_server.route(
        "/sitemap_index.xml",
        Response(
            body=index(
                (url("/old.xml"), "2025-01-01"),
                (url("/news.xml"), "2026-11-22T08:00:00+00:00"),
                (url("/posts-2.xml"), "2026-11-20"),
                (url("/posts-1.xml"), "2026-11-01"),
            ),
            headers=XML,
            etag='"index"',
        ),
    )
    http_server.route(
        "/news.xml",
        Response(body=urlset(news_url(url("/n/1"), VISIT, "2026-11-22")), headers=XML, etag='"n"'),
    )
    http_server.route(
        "/posts-2.xml",
        Response(body=urlset(f"<url><loc>{url('/p/2')}</loc></url>"), headers=XML, etag='"p2"'),
    )
    http_server.route("/posts-1.xml", Response(body=b"<urlset><url>", headers=XML))  # broken
    serve_articles(http_server, ("/n/1", "مقال"), ("/p/2", TALKS))
    poller = make_poller(SourceConfig("Index", url("/sitemap_index.xml"), kind=SourceKind.SITEMAP))

    [first] = await poller.poll_all()
    assert sorted(i.title for i in first.new_items) == sorted([VISIT, TALKS])
    assert first.error is not None and "posts-1.xml: broken sitemap" in first.error
    assert http_server.requests_to("/old.xml") == []  # only the three most recent

    [second] = await poller.poll_all()
    assert second.status is PollStatus.NO_NEW
    # the index is read again in full (it may not change while its children do) ...
    assert "if-none-match" not in http_server.requests_to("/sitemap_index.xml")[-1].headers
    # ... and each child that answered before is asked conditionally
    assert http_server.requests_to("/news.xml")[-1].headers["if-none-match"] == '"n"'
    assert len(http_server.requests_to("/n/1")) == 1


async def test_a_broken_sitemap_fails_the_poll_with_a_clear_error(
    http_server: HTTPTestServer, make_poller: PollerFactory
) -> None:
    http_server.route("/sitemap.xml", Response(body=BOMB, headers=XML))
    poller = make_poller(
        SourceConfig("Bomb", http_server.url("/sitemap.xml"), kind=SourceKind.SITEMAP)
    )
    [report] = await poller.poll_all()
    assert report.status is PollStatus.FAILED
    assert report.error is not None and report.error.startswith("rejected: DTD entity")
    assert stored(poller) == []


# --- the command line and the service ---------------------------------------------------------


def test_marsad_poll_reads_a_sitemap_and_its_articles(
    tmp_path: Path, http_server: HTTPTestServer
) -> None:
    url = http_server.url
    serve_articles(http_server, ("/2026/11/visit-madrid", VISIT))
    http_server.route(
        "/sitemap.xml",
        Response(body=urlset(news_url(url("/2026/11/visit-madrid"), VISIT, "2026-11-22")),
                 headers=XML, last_modified="Sun, 22 Nov 2026 08:00:00 GMT"),
    )  # fmt: skip
    config = tmp_path / "config.toml"
    config.write_text(
        f'[database]\nurl = "sqlite:///marsad.db"\n[[sources]]\nname = "Hespress"\n'
        f'url = "{url("/sitemap.xml")}"\nkind = "sitemap"\n',
        encoding="utf-8",
    )
    first = marsad("poll", "--config", str(config), cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "Hespress: 1 new of 1 (first poll: backlog, not alerted)" in first.stderr
    assert VISIT in first.stdout
    second = marsad("poll", "--config", str(config), cwd=tmp_path)
    assert "Hespress: not modified" in second.stderr
    assert http_server.requests_to("/sitemap.xml")[-1].headers["if-modified-since"]
    assert len(http_server.requests_to("/2026/11/visit-madrid")) == 1


@pytest.fixture
def service(
    tmp_path: Path, http_server: HTTPTestServer, fake_telegram: FakeTelegram
) -> Iterator[subprocess.Popen[str]]:
    http_server.route("/sitemap.xml", Response(body=urlset(), headers=XML, etag='"0"'))
    config = tmp_path / "config.toml"
    config.write_text(
        f"""
[telegram]
token_env = "MARSAD_E2E_TOKEN"
base_url = "{fake_telegram.base_url}"
[polling]
interval = "1s"
timeout = "3s"
[[sources]]
name = "Hespress"
url = "{http_server.url("/sitemap.xml")}"
kind = "sitemap"
""",
        encoding="utf-8",
    )
    env = {**os.environ, "MARSAD_E2E_TOKEN": fake_telegram.token}
    with (tmp_path / "service.log").open("w", encoding="utf-8") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "marsad", "run", "--config", str(config)],
            cwd=tmp_path,
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
        )
        try:
            yield process
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                process.wait(timeout=60)


def test_marsad_run_alerts_a_new_sitemap_url_once(
    service: subprocess.Popen[str], http_server: HTTPTestServer, fake_telegram: FakeTelegram
) -> None:
    analyst = 4242
    fake_telegram.push_message(chat_id=analyst, user_id=analyst, text="/start")
    fake_telegram.push_message(chat_id=analyst, user_id=analyst, text="/subscribe @hammouchi")
    fake_telegram.wait_for(lambda: len(fake_telegram.texts(analyst)) >= 2, timeout=60)
    fake_telegram.wait_for(lambda: len(http_server.requests_to("/sitemap.xml")) >= 2, timeout=60)

    serve_articles(http_server, ("/2026/11/visit-madrid", "عنوان المقال"))
    http_server.route(
        "/sitemap.xml",
        Response(
            body=urlset(
                news_url(http_server.url("/2026/11/visit-madrid"), VISIT, START.isoformat())
            ),
            headers=XML,
            etag='"1"',
        ),
    )
    fake_telegram.wait_for(lambda: any(VISIT in t for t in fake_telegram.texts(analyst)), 60)
    polls = len(http_server.requests_to("/sitemap.xml"))
    fake_telegram.wait_for(lambda: len(http_server.requests_to("/sitemap.xml")) >= polls + 2, 60)

    service.send_signal(signal.SIGTERM)
    assert service.wait(timeout=60) == 0
    assert sum(VISIT in t for t in fake_telegram.texts(analyst)) == 1
    assert len(http_server.requests_to("/2026/11/visit-madrid")) == 1  # 304s fetched nothing
    assert http_server.requests_to("/sitemap.xml")[-1].headers.get("if-none-match") == '"1"'

"""Polling real local servers into a real store: nothing lost, nothing duplicated, bad sources contained."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import select

from marsad.config import Config, DatabaseConfig, PollingConfig, SourceConfig, SourceKind
from marsad.store.engine import open_store, session
from marsad.store.tables import Item, Source
from marsad.watchers.fetch import Fetcher
from marsad.watchers.poller import Poller, PollStatus
from tests.httpserver import HTTPTestServer, Response, redirect

START = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)


@dataclass
class Clock:
    now: datetime = START
    steps: list[datetime] = field(default_factory=list)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


def rss(*items: tuple[str, str, str]) -> bytes:
    """An RSS 2.0 feed of (guid, title, pubDate) items, links derived from the guid."""
    body = "".join(
        f"<item><title>{title}</title><link>https://news.example/{guid}</link>"
        f"<guid isPermaLink='false'>{guid}</guid><pubDate>{date}</pubDate>"
        f"<description>نص الخبر {title}</description></item>"
        for guid, title, date in items
    )
    return (
        "<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel>"
        f"<title>t</title><link>https://news.example/</link>{body}</channel></rss>"
    ).encode()


OLD = ("g-1", "حموشي يستقبل وفدا أمنيا إسبانيا", "Fri, 20 Nov 2026 10:00:00 +0100")
OLDER = ("g-2", "الدرك الملكي يحجز شحنة مخدرات", "Thu, 19 Nov 2026 10:00:00 +0100")
NEW = ("g-3", "تفكيك خلية إرهابية بتنسيق مع إسبانيا", "Sun, 22 Nov 2026 08:30:00 +0100")
FEED = "application/rss+xml; charset=utf-8"


def make_config(tmp_path: Path, *sources: SourceConfig) -> Config:
    return Config(
        base_dir=tmp_path,
        database=DatabaseConfig(url=f"sqlite:///{tmp_path / 'marsad.db'}"),
        polling=PollingConfig(timeout=timedelta(seconds=3), interval=timedelta(minutes=5)),
        sources=sources,
    )


PollerFactory = Callable[..., Poller]


@pytest.fixture
async def make_poller(tmp_path: Path) -> AsyncIterator[PollerFactory]:
    engines: list[Engine] = []
    async with Fetcher(
        timeout=timedelta(seconds=3), max_bytes=2_000_000, allow_private=["127.0.0.1"]
    ) as fetcher:

        def build(config: Config, clock: Clock) -> Poller:
            engine = open_store(config.database.url)
            engines.append(engine)
            return Poller(config, engine, fetcher, clock=clock)

        yield build
    for engine in engines:
        engine.dispose()


def stored(poller: Poller) -> list[Item]:
    with session(poller.engine) as s:
        return list(s.exec(select(Item).order_by(Item.id)).all())


def source_row(poller: Poller, name: str) -> Source:
    with session(poller.engine) as s:
        row = s.get(Source, poller.source_id(name))
        assert row is not None
        return row


async def test_first_poll_is_backlog_then_304_then_only_the_new_item(
    http_server: HTTPTestServer, make_poller: PollerFactory, tmp_path: Path
) -> None:
    http_server.route(
        "/feed", Response(body=rss(OLD, OLDER), etag='"v1"', headers={"Content-Type": FEED})
    )
    clock = Clock()
    poller = make_poller(
        make_config(tmp_path, SourceConfig("Hespress", http_server.url("/feed"))), clock
    )

    [first] = await poller.poll_all()
    assert first.status is PollStatus.NEW and first.backlog
    assert {i.title for i in first.new_items} == {OLD[1], OLDER[1]}
    assert all(i.backlog for i in stored(poller))

    clock.advance(timedelta(minutes=5))
    [second] = await poller.poll_all()
    assert second.status is PollStatus.NOT_MODIFIED
    assert http_server.requests_to("/feed")[-1].headers["if-none-match"] == '"v1"'

    http_server.route(
        "/feed", Response(body=rss(NEW, OLD, OLDER), etag='"v2"', headers={"Content-Type": FEED})
    )
    clock.advance(timedelta(minutes=5))
    [third] = await poller.poll_all()
    assert third.status is PollStatus.NEW and not third.backlog
    assert [i.title for i in third.new_items] == [NEW[1]]
    assert len(stored(poller)) == 3


async def test_restart_finds_nothing_new_and_no_second_backlog(
    http_server: HTTPTestServer, make_poller: PollerFactory, tmp_path: Path
) -> None:
    http_server.route("/feed", Response(body=rss(OLD, OLDER), headers={"Content-Type": FEED}))
    config = make_config(tmp_path, SourceConfig("A", http_server.url("/feed")))
    await make_poller(config, Clock()).poll_all()
    restarted = make_poller(config, Clock(START + timedelta(hours=1)))
    [report] = await restarted.poll_all()
    assert report.status is PollStatus.NO_NEW
    http_server.route("/feed", Response(body=rss(NEW, OLD, OLDER), headers={"Content-Type": FEED}))
    [report] = await restarted.poll_all()
    assert [(i.title, i.backlog) for i in report.new_items] == [(NEW[1], False)]
    assert len(stored(restarted)) == 3


async def test_the_same_item_in_two_sources_is_stored_once(
    http_server: HTTPTestServer, make_poller: PollerFactory, tmp_path: Path
) -> None:
    http_server.route("/a", Response(body=rss(OLD), headers={"Content-Type": FEED}))
    http_server.route("/b", Response(body=rss(OLD, NEW), headers={"Content-Type": FEED}))
    poller = make_poller(
        make_config(
            tmp_path,
            SourceConfig("A", http_server.url("/a")),
            SourceConfig("B", http_server.url("/b")),
        ),
        Clock(),
    )
    await poller.poll_all()
    assert sorted(i.title for i in stored(poller)) == sorted([OLD[1], NEW[1]])


async def test_a_failing_source_is_counted_backed_off_and_does_not_stop_the_others(
    http_server: HTTPTestServer, make_poller: PollerFactory, tmp_path: Path
) -> None:
    http_server.route("/good", Response(body=rss(OLD), headers={"Content-Type": FEED}))
    http_server.route("/bad", Response(status=500))
    clock = Clock()
    poller = make_poller(
        make_config(
            tmp_path,
            SourceConfig("Bad", http_server.url("/bad")),
            SourceConfig("Good", http_server.url("/good")),
        ),
        clock,
    )
    bad, good = await poller.poll_all()
    assert good.status is PollStatus.NEW
    assert bad.status is PollStatus.FAILED and "500" in (bad.error or "")
    row = source_row(poller, "Bad")
    assert row.consecutive_failures == 1 and "500" in (row.last_error or "")
    assert row.next_poll_at == START + timedelta(minutes=10)
    # not due yet: the scheduler's (unforced) poll waits for the back-off
    assert (await poller.poll("Bad")).status is PollStatus.WAITING
    clock.advance(timedelta(minutes=10))
    assert (await poller.poll("Bad")).status is PollStatus.FAILED
    assert source_row(poller, "Bad").consecutive_failures == 2


async def test_an_empty_200_is_not_modified_and_the_first_poll_is_still_to_come(
    http_server: HTTPTestServer, make_poller: PollerFactory, tmp_path: Path
) -> None:
    """Servers answer an empty 200 between updates or while regenerating the feed: no failure,
    no back-off; and a source that has shown nothing yet still gets its backlog first poll."""
    http_server.route("/feed", Response(body=b"  \n", headers={"Content-Type": FEED}))
    clock = Clock()
    poller = make_poller(
        make_config(tmp_path, SourceConfig("Quiet", http_server.url("/feed"))), clock
    )
    for _ in range(3):
        [report] = await poller.poll_all()
        assert report.status is PollStatus.NOT_MODIFIED
        assert report.summary() == "Quiet: not modified (empty response, treated as not modified)"
        clock.advance(timedelta(minutes=5))
    row = source_row(poller, "Quiet")
    assert (row.consecutive_failures, row.last_error, row.first_polled_at) == (0, None, None)
    assert row.next_poll_at is not None and row.next_poll_at <= clock.now + timedelta(minutes=5)
    http_server.route("/feed", Response(body=rss(OLD, OLDER), headers={"Content-Type": FEED}))
    [report] = await poller.poll_all()
    assert (report.status, report.backlog) == (PollStatus.NEW, True), "never alerted as new"


async def test_a_changed_url_is_a_new_first_poll_whose_backlog_is_not_alerted(
    http_server: HTTPTestServer, make_poller: PollerFactory, tmp_path: Path
) -> None:
    http_server.route("/old", Response(body=rss(OLD), headers={"Content-Type": FEED}))
    other = [(f"m-{n}", f"خبر قديم رقم {n} من الموقع الجديد", OLDER[2]) for n in range(30)]
    http_server.route("/new", Response(body=rss(OLD, *other), headers={"Content-Type": FEED}))
    clock = Clock()
    first = make_poller(make_config(tmp_path, SourceConfig("Site", http_server.url("/old"))), clock)
    [report] = await first.poll_all()
    assert report.backlog
    clock.advance(timedelta(minutes=10))
    moved = make_poller(make_config(tmp_path, SourceConfig("Site", http_server.url("/new"))), clock)
    [report] = await moved.poll_all()
    assert (report.status, len(report.new_items), report.backlog) == (PollStatus.NEW, 30, True)
    assert all(item.backlog for item in report.new_items), "30 old items are not alerted"
    http_server.route("/new", Response(body=rss(NEW, OLD, *other), headers={"Content-Type": FEED}))
    clock.advance(timedelta(minutes=10))
    [report] = await moved.poll_all()
    assert [(i.guid, i.backlog) for i in report.new_items] == [("g-3", False)]


async def test_a_clock_stepped_back_does_not_silence_a_source(
    http_server: HTTPTestServer, make_poller: PollerFactory, tmp_path: Path
) -> None:
    """After an NTP step or a VM restore the stored next poll is a day ahead: more than the
    source's interval (or back-off) allows, so it is polled now, not tomorrow."""
    http_server.route("/feed", Response(body=rss(OLD), headers={"Content-Type": FEED}))
    http_server.route("/bad", Response(status=500))
    clock = Clock()
    poller = make_poller(
        make_config(
            tmp_path,
            SourceConfig("Feed", http_server.url("/feed")),
            SourceConfig("Bad", http_server.url("/bad")),
        ),
        clock,
    )
    await poller.poll_all()
    assert (await poller.poll("Feed")).status is PollStatus.WAITING, "not due yet"
    assert (await poller.poll("Bad")).status is PollStatus.WAITING, "backing off"
    clock.advance(-timedelta(days=1))
    assert poller.next_poll_at("Feed") == clock.now
    assert (await poller.poll("Feed")).status is PollStatus.NO_NEW
    assert (await poller.poll("Bad")).status is PollStatus.FAILED
    assert (await poller.poll("Feed")).status is PollStatus.WAITING, "then the interval again"


async def test_a_big_poll_is_stored_in_chunks_and_other_tasks_run_between_them(
    http_server: HTTPTestServer, make_poller: PollerFactory, tmp_path: Path
) -> None:
    """5,000 new items were one 41 s transaction on the event loop: no chat got an answer."""
    items = [(f"b-{n}", f"خبر رقم {n}", OLD[2]) for n in range(450)]
    http_server.route("/big", Response(body=rss(*items), headers={"Content-Type": FEED}))
    poller = make_poller(
        make_config(tmp_path, SourceConfig("Big", http_server.url("/big"))), Clock()
    )
    ticks = 0
    seen_at: list[int] = []
    poller.on_ingest = lambda session, source, new: seen_at.append(ticks)

    async def other_work() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0)

    ticker = asyncio.create_task(other_work())
    try:
        [report] = await poller.poll_all()
    finally:
        ticker.cancel()
    assert (report.status, len(report.new_items), report.backlog) == (PollStatus.NEW, 450, True)
    assert len(seen_at) == 5, "five transactions of at most 100 items"
    assert all(b > a for a, b in pairwise(seen_at)), "the loop ran between"
    assert len(stored(poller)) == 450
    assert source_row(poller, "Big").first_polled_at is not None


async def test_twenty_failures_disable_the_source_with_the_reason(
    http_server: HTTPTestServer, make_poller: PollerFactory, tmp_path: Path
) -> None:
    http_server.route("/bad", Response(status=503))
    poller = make_poller(
        make_config(tmp_path, SourceConfig("Bad", http_server.url("/bad"))), Clock()
    )
    for _ in range(20):
        [report] = await poller.poll_all()
    assert report.disabled_reason == "20 consecutive failures; last: HTTP 503 Service Unavailable"
    [report] = await poller.poll_all()
    assert report.status is PollStatus.DISABLED
    assert len(http_server.requests_to("/bad")) == 20
    http_server.route("/bad", Response(body=rss(OLD), headers={"Content-Type": FEED}))
    [report] = await poller.poll_all(include_disabled=True)
    assert report.status is PollStatus.NEW
    assert source_row(poller, "Bad").disabled_reason is None


async def test_gone_disables_at_once(
    http_server: HTTPTestServer, make_poller: PollerFactory, tmp_path: Path
) -> None:
    http_server.route("/gone", Response(status=410))
    poller = make_poller(
        make_config(tmp_path, SourceConfig("Gone", http_server.url("/gone"))), Clock()
    )
    [report] = await poller.poll_all()
    assert report.status is PollStatus.FAILED
    assert report.disabled_reason is not None and "410" in report.disabled_reason
    assert source_row(poller, "Gone").disabled_reason == report.disabled_reason


async def test_retry_after_sets_the_next_attempt(
    http_server: HTTPTestServer, make_poller: PollerFactory, tmp_path: Path
) -> None:
    http_server.route("/busy", Response(status=429, headers={"Retry-After": "7200"}))
    poller = make_poller(
        make_config(tmp_path, SourceConfig("Busy", http_server.url("/busy"))), Clock()
    )
    await poller.poll_all()
    assert source_row(poller, "Busy").next_poll_at == START + timedelta(hours=2)


@pytest.mark.parametrize(
    ("status", "moves"), [(301, True), (308, True), (302, False), (307, False)]
)
async def test_permanent_redirects_update_the_stored_url(
    http_server: HTTPTestServer,
    make_poller: PollerFactory,
    tmp_path: Path,
    status: int,
    moves: bool,
) -> None:
    http_server.route("/old", redirect(http_server.url("/new"), status=status))
    http_server.route("/new", Response(body=rss(OLD), headers={"Content-Type": FEED}))
    poller = make_poller(make_config(tmp_path, SourceConfig("A", http_server.url("/old"))), Clock())
    await poller.poll_all()
    expected = http_server.url("/new") if moves else http_server.url("/old")
    assert source_row(poller, "A").url == expected


async def test_malformed_feed_salvages_items_and_records_the_problem(
    http_server: HTTPTestServer, make_poller: PollerFactory, tmp_path: Path
) -> None:
    broken = rss(OLD, OLDER).replace(
        b"</channel></rss>", b"<item><title>bad & broken</titl></channel>"
    )
    http_server.route("/feed", Response(body=broken, headers={"Content-Type": FEED}))
    poller = make_poller(
        make_config(tmp_path, SourceConfig("A", http_server.url("/feed"))), Clock()
    )
    [report] = await poller.poll_all()
    assert report.status is PollStatus.NEW and len(report.new_items) >= 2
    row = source_row(poller, "A")
    assert row.consecutive_failures == 0 and row.last_error


async def test_html_where_a_feed_was_expected_is_a_failure(
    http_server: HTTPTestServer, make_poller: PollerFactory, tmp_path: Path
) -> None:
    page = "<!doctype html><html><head><title>هسبريس</title></head><body><p>مرحبا</p></body></html>"
    http_server.route("/feed", Response(body=page, headers={"Content-Type": "text/html"}))
    poller = make_poller(
        make_config(tmp_path, SourceConfig("A", http_server.url("/feed"))), Clock()
    )
    [report] = await poller.poll_all()
    assert report.status is PollStatus.FAILED and stored(poller) == []
    assert "HTML" in (report.error or "")


async def test_windows_1256_without_charset_is_stored_as_arabic(
    http_server: HTTPTestServer, make_poller: PollerFactory, tmp_path: Path
) -> None:
    body = rss(OLD).decode().replace("encoding='utf-8'", "").encode("windows-1256")
    body = body.replace(b"<?xml version='1.0' ?>", b"<?xml version='1.0'?>")
    http_server.route("/feed", Response(body=body, headers={"Content-Type": "text/xml"}))
    poller = make_poller(
        make_config(tmp_path, SourceConfig("A", http_server.url("/feed"))), Clock()
    )
    await poller.poll_all()
    assert [i.title for i in stored(poller)] == [OLD[1]]


async def test_page_source_fetches_each_new_article_once(
    http_server: HTTPTestServer, make_poller: PollerFactory, tmp_path: Path
) -> None:
    def article(title: str) -> str:
        paragraph = (
            f"<p>{title}. " + "وأكد المسؤولون أهمية تعزيز التعاون الأمني بين البلدين. " * 8 + "</p>"
        )
        return (
            f"<html><head><title>{title}</title>"
            "<meta property='article:published_time' content='2026-11-21T09:00:00+01:00'></head>"
            f"<body><article><h1>{title}</h1>{paragraph}{paragraph}</article></body></html>"
        )

    listing = (
        "<html><body><main>"
        "<h2><a href='/news/2026/11/hammouchi-madrid-visit'>زيارة</a></h2>"
        "<h2><a href='/news/2026/11/bourita-lisbon-talks'>مباحثات</a></h2>"
        "</main></body></html>"
    )
    http_server.route(
        "/news", Response(body=listing, headers={"Content-Type": "text/html; charset=utf-8"})
    )
    http_server.route(
        "/news/2026/11/hammouchi-madrid-visit",
        Response(
            body=article("حموشي في مدريد"), headers={"Content-Type": "text/html; charset=utf-8"}
        ),
    )
    http_server.route(
        "/news/2026/11/bourita-lisbon-talks",
        Response(
            body=article("بوريطة في لشبونة"), headers={"Content-Type": "text/html; charset=utf-8"}
        ),
    )
    poller = make_poller(
        make_config(
            tmp_path,
            SourceConfig("Page", http_server.url("/news"), kind=SourceKind.PAGE, selector="h2 a"),
        ),
        Clock(),
    )
    [first] = await poller.poll_all()
    assert sorted(i.title for i in first.new_items) == ["بوريطة في لشبونة", "حموشي في مدريد"]
    [second] = await poller.poll_all()
    assert second.new_items == ()
    assert len(http_server.requests_to("/news/2026/11/hammouchi-madrid-visit")) == 1


async def test_page_article_with_another_canonical_link_is_fetched_once(
    http_server: HTTPTestServer, make_poller: PollerFactory, tmp_path: Path
) -> None:
    body = (
        "<p>"
        + "استقبل وزير الداخلية نظيره البلجيكي لبحث التعاون في مكافحة الجريمة المنظمة. " * 10
        + "</p>"
    )
    page = (
        "<html><head><title>لفتيت يستقبل نظيره البلجيكي</title>"
        f"<link rel='canonical' href='{http_server.url('/amp/laftit-belgium-visit-2026')}'></head>"
        f"<body><article><h1>لفتيت يستقبل نظيره البلجيكي</h1>{body}</article></body></html>"
    )
    listing = (
        "<html><body><h2><a href='/news/2026/11/laftit-belgium-visit'>لفتيت</a></h2></body></html>"
    )
    http_server.route(
        "/news", Response(body=listing, headers={"Content-Type": "text/html; charset=utf-8"})
    )
    http_server.route(
        "/news/2026/11/laftit-belgium-visit",
        Response(body=page, headers={"Content-Type": "text/html; charset=utf-8"}),
    )
    poller = make_poller(
        make_config(
            tmp_path,
            SourceConfig("Page", http_server.url("/news"), kind=SourceKind.PAGE, selector="h2 a"),
        ),
        Clock(),
    )
    [first] = await poller.poll_all()
    [second] = await poller.poll_all()
    assert [i.title for i in first.new_items] == ["لفتيت يستقبل نظيره البلجيكي"]
    assert second.new_items == ()
    assert len(http_server.requests_to("/news/2026/11/laftit-belgium-visit")) == 1

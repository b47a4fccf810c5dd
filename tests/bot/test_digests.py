"""Digests: grouping and ranking, the daily schedule, splitting, and ``marsad digest``."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlmodel import select

from marsad.bot import digest_reads, digests
from marsad.bot.cli import main
from marsad.bot.delivery.split import split_message
from marsad.bot.digests import Selector
from marsad.bot.handlers.access import AccessPolicy
from marsad.bot.handlers.common import Services
from marsad.bot.handlers.digest import Action, DigestArgs, parse_args, scheduled_digests
from marsad.store.chats import (
    DIGEST_OFF,
    FOREVER,
    Chat,
    ChatInfo,
    ChatType,
    Language,
    add_subscription,
    register_chat,
)
from marsad.store.chats import SubscriptionKind as Kind
from marsad.store.delivery import OutboxRow
from tests.bot.conftest import NOW, World
from tests.fakebot import html_errors

CASABLANCA = ZoneInfo("Africa/Casablanca")  # UTC+1 in November


def chat(registered: datetime, *, sent: datetime | None = None, at: str | None = None) -> Chat:
    return Chat(
        chat_id=1, type="private", registered_at=registered, digest_sent_at=sent, digest_time=at
    )


def utc(hour: int, minute: int = 0, day: int = 22) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


@pytest.mark.parametrize(
    ("case", "now", "expected"),
    [
        (chat(utc(6, day=20), sent=utc(7, 0, day=21)), utc(6, 59), None),  # 07:59 local
        (chat(utc(6, day=20), sent=utc(7, 0, day=21)), utc(7, 0), utc(7, 0)),  # 08:00 local
        (chat(utc(6, day=20), sent=utc(7, 0)), utc(9, 0), None),  # sent today
        (chat(utc(6, day=20), sent=utc(7, 0, day=20)), utc(12, 0), utc(7, 0)),  # downtime: one
        (chat(utc(8, 0)), utc(12, 0), None),  # registered after today's slot: waits
        (chat(utc(8, 0)), utc(7, 0, day=23), utc(7, 0, day=23)),
        (chat(utc(6, day=20), at="21:30"), utc(12, 0), utc(20, 30, day=21)),
        (chat(utc(6, day=20), at="21:30", sent=utc(20, 30, day=21)), utc(20, 29), None),
        (chat(utc(6, day=20), at=DIGEST_OFF), utc(12, 0), None),
    ],
)
def test_when_a_daily_digest_is_due(case: Chat, now: datetime, expected: datetime | None) -> None:
    assert digests.due(case, now, time(8, 0), CASABLANCA) == expected


def test_a_muted_chat_gets_no_scheduled_digest() -> None:
    muted = chat(utc(6, day=20))
    muted.muted_until = FOREVER
    assert digests.due(muted, utc(12, 0), time(8, 0), CASABLANCA) is None


def test_stories_grouped_under_their_first_subscription_ranked_by_outlets(world: World) -> None:
    a1 = world.add_item("حموشي يستقبل سفير إسبانيا", ago=timedelta(hours=3))
    a2 = world.add_item("حموشي يستقبل السفير الإسباني", source="Wasit", ago=timedelta(hours=2))
    b = world.add_item("حموشي يفتتح مقرا جديدا", ago=timedelta(hours=1))
    c = world.add_item("عملية ضد خلية إرهابية في إسبانيا", ago=timedelta(hours=5))
    world.add_item("حموشي في خبر قديم", ago=timedelta(hours=30))
    story = {a1.id: 1, a2.id: 1, b.id: 2, c.id: 3}
    selectors = [
        Selector("حموشي", Kind.ENTITY, "hammouchi"),
        Selector("إسبانيا", Kind.ENTITY, "spain"),
        Selector("الإرهاب", Kind.ENTITY, "terrorism"),
    ]
    with world.session() as s:
        found = digests.collect(
            s, world.matcher, {}, selectors, NOW - timedelta(hours=24), NOW,
            lambda _s, items: {i.id or 0: story[i.id] for i in items},
        )  # fmt: skip
    shown = [(g.label, [(x.story_id, x.outlets) for x in g.stories]) for g in found.groups]
    assert shown == [("حموشي", [(1, 2), (2, 1)]), ("إسبانيا", [(3, 1)])]
    assert found.count == 3
    html = digests.render_html(found, "ملخص", CASABLANCA)
    assert html_errors(html) is None
    assert '<a href="https://sahil.example/1">حموشي يستقبل سفير إسبانيا</a> — Sahil · +1' in html


def test_a_digest_shows_the_best_ranked_stories_of_a_group_and_counts_the_rest(
    world: World,
) -> None:
    for n in range(45):
        world.add_item(f"حموشي يستقبل وفدا رقم {n}", ago=timedelta(minutes=200 - n))
    world.add_item("حموشي يستقبل وفدا رقم 99", source="Wasit", ago=timedelta(minutes=300))
    with world.session() as s:
        found = digests.collect(
            s, world.matcher, {}, [Selector("حموشي", Kind.ENTITY, "hammouchi")],
            NOW - timedelta(hours=24), NOW,
        )  # fmt: skip
    [group] = found.groups
    assert (group.total, group.exact, found.count, found.exact) == (46, True, 46, True)
    # not a story of two outlets here (each item is its own story): the newest first
    assert [line.title for line in group.stories] == [
        f"حموشي يستقبل وفدا رقم {n}" for n in range(44, 44 - digests.SHOWN, -1)
    ]
    text = digests.render_html(found, "ملخص", CASABLANCA)
    assert text.count("•") == digests.SHOWN
    assert text.endswith("\n… and 26 more stories")
    assert html_errors(text) is None
    arabic = digests.render_html(found, "ملخص", CASABLANCA, Language.AR)
    assert arabic.endswith("\n… و26 خبرا آخر")


def test_a_long_digest_splits_at_line_boundaries_under_the_limit(world: World) -> None:
    for n in range(120):
        world.add_item(f"حموشي يستقبل وفدا رقم {n} & <شريك> في الرباط لبحث التعاون الأمني")
    with world.session() as s:
        found = digests.collect(
            s, world.matcher, {}, [Selector("حموشي", Kind.ENTITY, "hammouchi")],
            NOW - timedelta(hours=24), NOW, shown=None,
        )  # fmt: skip
    text = digests.render_html(found, "ملخص", CASABLANCA)
    parts = split_message(text, html=True)
    assert len(parts) >= 3
    for part in parts:
        assert len(part) <= 4096 and html_errors(part) is None
        assert all(line.startswith(("•", "<b>")) or not line for line in part.splitlines())
    assert sum(part.count("•") for part in parts) == 120


async def test_scheduled_digests_are_queued_once_per_slot(world: World) -> None:
    with world.session() as s:
        chats = ((11, Language.AR), (12, Language.EN), (13, Language.AR), (14, Language.EN))
        for chat_id, language in chats:
            info = ChatInfo(chat_id, ChatType.PRIVATE, None, language)
            row, _ = register_chat(s, info, NOW - timedelta(days=3))
            if chat_id in (11, 12):  # 13 has no subscriptions: no digest
                add_subscription(s, row, Kind.ENTITY, "hammouchi", NOW)
            if chat_id == 14:  # spikes only: its spike alerts are its news, no daily digest
                add_subscription(s, row, Kind.SPIKES, "entity:hammouchi", NOW)
        s.commit()
    world.add_item("حموشي يستقبل سفير إسبانيا", ago=timedelta(hours=2))
    services = Services(world.config, world.engine, world.matcher, world.clock, AccessPolicy())
    assert await scheduled_digests(services) == 2
    assert await scheduled_digests(services) == 0
    with world.session() as s:
        rows = s.exec(select(OutboxRow)).all()
    assert sorted((r.chat_id, r.kind, r.dedup_key) for r in rows) == [
        (11, "digest", "digest:2026-11-22T08:00:1"),
        (12, "digest", "digest:2026-11-22T08:00:1"),
    ]
    english = next(r for r in rows if r.chat_id == 12)
    assert english.text_plain.startswith("Digest since 21 Nov 08:00 GMT+01:00 (1 story):")
    assert "حموشي يستقبل سفير إسبانيا" in english.text_plain


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """``main`` configures logging for the process; later tests expect it untouched."""
    names = ("", "httpx", "httpcore", "alembic", "telegram")
    levels = {name: logging.getLogger(name).level for name in names}
    handlers = list(logging.getLogger().handlers)
    yield
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)
    logging.getLogger().handlers[:] = handlers


@pytest.mark.usefixtures("restore_logging")
def test_console_digest_prints_rules_and_queries(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    world.clock.now = datetime.now(UTC)
    world.add_item("حموشي يستقبل سفير إسبانيا", ago=timedelta(hours=2))
    world.add_item("أمطار في الشمال", ago=timedelta(hours=2))
    assert world.config.path is not None
    command = ["digest", "--config", str(world.config.path)]
    assert main(command) == 0
    out = capsys.readouterr().out
    assert "== التعاون الأمني المغربي الإسباني" in out
    assert "https://sahil.example/1" in out and "أمطار" not in out
    assert main([*command, "--since", "7d", "أمطار"]) == 0
    out = capsys.readouterr().out
    assert "== أمطار" in out and "أمطار في الشمال" in out
    assert main([*command, "حموشي AND ("]) == 2
    assert "at column 12" in capsys.readouterr().err


@given(
    registered=st.datetimes(
        min_value=datetime(2026, 1, 1), max_value=datetime(2026, 12, 1), timezones=st.just(UTC)
    ),
    later=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=40)),
    at=st.times(),
    zone=st.sampled_from(["Africa/Casablanca", "Europe/Madrid", "Asia/Riyadh", "UTC"]),
)
def test_a_due_digest_is_owed_once_and_never_from_the_future(
    registered: datetime, later: timedelta, at: time, zone: str
) -> None:
    tz = ZoneInfo(zone)
    now = registered + later
    case = chat(registered)
    slot = digests.due(case, now, at.replace(second=0, microsecond=0), tz)
    if slot is None:
        return
    assert registered < slot <= now
    assert now - slot < timedelta(days=1, hours=2)  # the latest slot, not an older one
    case.digest_sent_at = slot
    assert digests.due(case, now, at.replace(second=0, microsecond=0), tz) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", DigestArgs(Action.SHOW)),
        ("7d", DigestArgs(Action.SHOW, period=timedelta(days=7))),
        ("31d", DigestArgs(Action.SHOW, period=timedelta(days=31))),
        ("90d", DigestArgs(Action.TOO_LONG, period=timedelta(days=90))),  # said, not capped
        ("24h @spain", DigestArgs(Action.SHOW, query="@spain")),
        ("حموشي AND إسبانيا", DigestArgs(Action.SHOW, query="حموشي AND إسبانيا")),
        ("time 7:05", DigestArgs(Action.SET_TIME, time="07:05")),
        ("الساعة 21:30", DigestArgs(Action.SET_TIME, time="21:30")),
        ("time soon", DigestArgs(Action.BAD_TIME, time="soon")),
        ("time 25:00", DigestArgs(Action.BAD_TIME, time="25:00")),
        ("time", DigestArgs(Action.USAGE)),
        ("off", DigestArgs(Action.OFF)),
        ("on", DigestArgs(Action.ON)),
    ],
)
def test_digest_arguments(text: str, expected: DigestArgs) -> None:
    assert parse_args(text) == expected


@pytest.mark.parametrize(
    "selectors",
    [
        pytest.param([Selector("حموشي", Kind.ENTITY, "hammouchi")], id="entity"),
        pytest.param(
            [Selector("حموشي AND إسبانيا", Kind.QUERY, "sub:1")], id="entity-triggered-query"
        ),
        pytest.param([Selector("معرض", Kind.QUERY, "sub:2")], id="bare-word-query"),
    ],
)
def test_a_digest_read_from_the_stored_matches_equals_a_full_rescan(
    world: World, selectors: list[Selector], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only the matched items and the index's candidates (and the rest of their stories) are
    read; the digest is the same as when every item of the period is matched again."""
    from marsad.store.stories import join_story, start_story, story_of_items

    world.matcher.add_query("sub:1", "حموشي AND إسبانيا")
    world.matcher.add_query("sub:2", "معرض")
    opening = world.add_item("افتتاح معرض الكتاب بالرباط", ago=timedelta(hours=6))
    visit = world.add_item("حموشي يزور معرض الكتاب رفقة سفير إسبانيا", source="Wasit",
                           ago=timedelta(hours=5))  # fmt: skip
    world.add_item("حموشي يستقبل وفدا من إسبانيا", ago=timedelta(hours=2))
    world.add_item("أمطار رعدية في الشمال", ago=timedelta(hours=1))
    for n in range(30):
        world.add_item(f"خبر محلي رقم {n}", ago=timedelta(hours=3))
    with world.session() as s:
        story = start_story(s, opening)
        join_story(s, visit, story)
        s.commit()

    def collect() -> list[tuple[str, list[tuple[int, str, int]]]]:
        with world.session() as s:
            found = digests.collect(s, world.matcher, {}, selectors, NOW - timedelta(hours=24),
                                    NOW, story_of_items)  # fmt: skip
        return [(g.label, [(x.story_id, x.title, x.outlets) for x in g.stories])
                for g in found.groups]  # fmt: skip

    read = []
    real = digest_reads.load_members
    monkeypatch.setattr(
        digest_reads,
        "load_members",
        lambda *a, **k: read.append(len(rows := real(*a, **k))) or rows,
    )
    fast = collect()
    monkeypatch.setattr(digest_reads, "candidate_plan", lambda *_: digest_reads.EVERY)
    assert collect() == fast
    assert fast and fast[0][1], "the digest found the stories"
    assert read[0] < 10 < read[1], "the stored matches and the index answered without every item"
    assert any(title == "افتتاح معرض الكتاب بالرباط" for _, lines in fast for _, title, _ in lines)


def test_an_estimated_count_is_said_as_about_with_two_significant_digits() -> None:
    estimated = digests.Digest(NOW, NOW, (digests.Group("الرياض", (), 16_560, exact=False),))
    exact = digests.Digest(NOW, NOW, (digests.Group("زلزال", (), 390),))
    assert digests.preview_line(estimated) == (
        "It would have matched about 17,000 stories in the last 7 days."
    )
    assert digests.preview_line(exact) == "It would have matched 390 stories in the last 7 days."
    assert digests.preview_line(estimated, Language.AR) == (
        "كان سيطابق حوالي 17,000 خبر في الأيام السبعة الأخيرة."
    )
    assert digests.head_html(estimated, "1 Dec") == "Digest since 1 Dec (about 17,000 stories):"
    assert digests.more_line(estimated.groups[0]) == "… and about 17,000 more stories"
    assert [digests.approximate(n) for n in (7, 99, 123, 2469, 16_560)] == [
        7,
        99,
        120,
        2500,
        17_000,
    ]

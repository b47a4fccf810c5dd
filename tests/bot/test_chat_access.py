"""/allow and /deny: chat access from Telegram, for commands and for alerts, and how other
processes learn of a decision (a real SQLite file, and PostgreSQL)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import select

from marsad.bot.app import run_bot
from marsad.bot.fanout import FanOut
from marsad.bot.handlers.access import AccessPolicy
from marsad.bot.handlers.chat_access import parse_chat_id
from marsad.config import Access, TelegramConfig
from marsad.matching.engine import MatchInput
from marsad.store.chat_access import REFRESH, AccessState, DecisionCache, decide, decided
from marsad.store.delivery import OutboxRow
from marsad.store.engine import open_store
from marsad.store.engine import session as open_session
from marsad.store.tables import Source
from marsad.watchers.ingest import Ingested
from tests.bot.conftest import ADMIN, Bot, World, make_world, start_bot, until
from tests.fakebot import FakeTelegram

ANALYST, OTHER, GROUP = 4242, 5151, -300
NEWS = ("حموشي يستقبل نظيره من إسبانيا في الرباط", "حموشي في مدريد لبحث التعاون مع إسبانيا")
REFUSED = "Sorry, this bot is not available in this chat."


def ingest(world: World, title: str) -> None:
    """What the ingest pipeline does for one new item: store, match, fan out, commit."""
    item = world.add_item(title)
    with world.session() as s:
        row = s.get(Source, world.source_ids["Sahil"])
        assert row is not None
        result = world.matcher.match(MatchInput(id=str(item.id), title=title, source="Sahil"))
        FanOut(world.config, world.matcher, world.clock)(s, [Ingested(item, row, result)])
        s.commit()


def queued_alerts(world: World, chat_id: int) -> int:
    with world.session() as s:
        rows = s.exec(select(OutboxRow).where(OutboxRow.chat_id == chat_id)).all()
    return sum(row.kind == "alert" for row in rows)


async def test_deny_refuses_a_chat_and_stops_its_alerts_allow_brings_it_back(
    fake_telegram: FakeTelegram, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = fake_telegram
    monkeypatch.setenv(world.config.telegram.token_env, server.token)
    stop = asyncio.Event()
    task = asyncio.create_task(run_bot(world.config, world.engine, world.matcher, stop))
    bot = Bot(server, world, None)
    try:
        for chat in (ANALYST, OTHER):
            await bot.say(chat, "/subscribe @spain", language_code="en")

        [denied] = await bot.say(ADMIN, f"/deny {ANALYST}", language_code="en")
        assert denied == (
            f"Chat {ANALYST} is denied: its commands are refused and it receives no alerts "
            f"until /allow {ANALYST}."
        )
        [refused] = await bot.say(ANALYST, "/list", language_code="en")
        assert refused.startswith(REFUSED) and str(ANALYST) in refused

        ingest(world, NEWS[0])
        await until(lambda: any(NEWS[0] in text for text in server.texts(OTHER)))
        assert queued_alerts(world, ANALYST) == 0  # fan-out left the denied chat out
        assert not any(NEWS[0] in text for text in server.texts(ANALYST))

        [listing] = await bot.say(ADMIN, "/allow", language_code="en")
        lines = listing.splitlines()
        assert lines[:2] == [
            "Chat access: open (every chat may use the bot unless denied).",
            "Admins' private chats are always allowed.",
        ]
        assert lines[3] == "Denied from Telegram:"
        assert lines[4].startswith(f"• {ANALYST} Analyst — by {ADMIN}, ")

        [allowed] = await bot.say(ADMIN, f"/allow {ANALYST}", language_code="en")
        assert allowed == f"Chat {ANALYST} is allowed: it may use the bot and receives alerts."
        [again] = await bot.say(ANALYST, "/list", language_code="en")
        assert not again.startswith(REFUSED)
        ingest(world, NEWS[1])
        await until(lambda: any(NEWS[1] in text for text in server.texts(ANALYST)))
        assert queued_alerts(world, ANALYST) == 1
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=30)


async def test_admin_only_usage_and_an_admin_private_chat_is_never_denied(bot: Bot) -> None:
    async def say(chat: int, text: str) -> str:
        [reply] = await bot.say(chat, text, language_code="en")
        return reply

    assert await say(ANALYST, f"/deny {OTHER}") == (
        "Sorry, this command is for administrators only."
    )
    assert await say(ANALYST, "/allow") == "Sorry, this command is for administrators only."
    assert await say(ADMIN, f"/deny {ADMIN}") == (
        f"Chat {ADMIN} is an admin's private chat: it is always allowed."
    )
    for wrong in ("/deny", "/deny everyone", "/allow 12ab", "/deny 1.5"):
        assert (await say(ADMIN, wrong)).startswith("Write the chat id after the command"), wrong
    with bot.world.session() as s:
        assert list(decided(s)) == []
    # an admin keeps admin commands in a chat denied to everyone else
    bot.server.set_admins(GROUP, ADMIN)
    await bot.say(ADMIN, f"/deny {GROUP}", language_code="en")
    [refused] = await bot.say(GROUP, "/list", user_id=ADMIN, language_code="en")
    assert refused.startswith(REFUSED)
    [listing] = await bot.say(GROUP, "/allow", user_id=ADMIN, language_code="en")
    assert f"• {GROUP} — by {ADMIN}, " in listing  # never registered: no title known


@pytest.fixture
async def allowlist_bot(tmp_path: Path, fake_telegram: FakeTelegram) -> AsyncIterator[Bot]:
    built = make_world(tmp_path, fake_telegram.base_url, 'access = "allowlist"\nallow = [-77]')
    try:
        async for running in start_bot(fake_telegram, built):
            yield running
    finally:
        built.engine.dispose()


async def test_under_an_allowlist_a_telegram_allow_admits_and_a_deny_beats_the_configuration(
    allowlist_bot: Bot,
) -> None:
    bot = allowlist_bot
    [refused] = await bot.say(ANALYST, "/subscribe @spain")
    assert refused.startswith("عذرا")
    [allowed] = await bot.say(ADMIN, f"/allow {ANALYST}")
    assert allowed == f"المحادثة {ANALYST} مسموح بها: يمكنها استعمال البوت وتصلها التنبيهات."
    [subscribed] = await bot.say(ANALYST, "/subscribe @spain")
    assert not subscribed.startswith("عذرا")
    [denied] = await bot.say(ADMIN, "/deny -٧٧")  # typed with Arabic-Indic digits
    assert denied.startswith("المحادثة -77 ممنوعة")
    [refused_group] = await bot.say(-77, "/list", user_id=ANALYST)
    assert refused_group.startswith("عذرا")
    [listing] = await bot.say(ADMIN, "/allow")
    assert listing.splitlines()[0] == (
        "الوصول: قائمة سماح (المحادثات المسموح بها وحدها تستعمل البوت)."
    )
    assert listing.splitlines()[-2:] == ["مسموح بها في الإعدادات:", "• -77"]
    assert f"• {ANALYST} Analyst — بقرار من {ADMIN}، " in listing


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("42", 42),
        ("-1001234567890", -1001234567890),
        (" -٣٠٠ ", -300),
        ("0", None),
        ("-", None),
        ("+5", None),
        ("1e3", None),
        ("12345678901234567", None),  # beyond any chat id
    ],
)
def test_parse_chat_id(text: str, expected: int | None) -> None:
    assert parse_chat_id(text) == expected


@pytest.mark.parametrize(
    ("access", "decision", "allowed"),
    [
        (Access.OPEN, None, True),
        (Access.OPEN, AccessState.DENIED, False),
        (Access.ALLOWLIST, None, False),
        (Access.ALLOWLIST, AccessState.ALLOWED, True),
    ],
)
def test_policy_rules(access: Access, decision: AccessState | None, allowed: bool) -> None:
    from marsad.store.chat_access import Decisions

    chosen = frozenset({ANALYST})
    decisions = Decisions(
        allowed=chosen if decision is AccessState.ALLOWED else frozenset(),
        denied=chosen if decision is AccessState.DENIED else frozenset(),
    )
    policy = AccessPolicy.from_config(
        TelegramConfig(admins=(ADMIN,), access=access, allow=(OTHER,)), decisions
    )
    assert policy.chat_allowed(ANALYST) is allowed
    assert policy.chat_allowed(ADMIN)  # whatever is decided
    denied_config_chat = AccessPolicy.from_config(
        TelegramConfig(access=access, allow=(OTHER,)), Decisions(denied=frozenset({OTHER}))
    )
    assert not denied_config_chat.chat_allowed(OTHER)  # a Telegram deny beats the configuration


def test_another_process_learns_a_decision_within_the_refresh(store_url: str) -> None:
    """Two processes on one database: the one that decides knows at once, the other within
    ``REFRESH`` seconds of its own clock, without a query per update before then."""
    deciding, other = open_store(store_url), open_store(store_url)
    try:
        ticks = [0.0]
        here = DecisionCache(deciding, monotonic=lambda: ticks[0])
        there = DecisionCache(other, monotonic=lambda: ticks[0])
        telegram = TelegramConfig(admins=(ADMIN,))
        policy_here = AccessPolicy.from_config(telegram, here)
        policy_there = AccessPolicy.from_config(telegram, there)
        assert policy_here.chat_allowed(GROUP) and policy_there.chat_allowed(GROUP)
        when = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
        with open_session(deciding) as s:
            assert decide(s, GROUP, AccessState.DENIED, ADMIN, when) is None
            s.commit()
        here.invalidate()  # what /deny does in the process that answered it
        assert not policy_here.chat_allowed(GROUP)
        for _ in range(100):  # many updates, one query
            assert policy_there.chat_allowed(GROUP)
        assert there.loads == 1
        ticks[0] += REFRESH
        assert not policy_there.chat_allowed(GROUP)
        assert there.loads == 2
        with open_session(other) as s:  # a later /allow replaces the /deny
            assert decide(s, GROUP, AccessState.ALLOWED, ADMIN + 1, when) is AccessState.DENIED
            s.commit()
            [row] = decided(s)
            assert (row.chat_id, row.access, row.decided_by) == (GROUP, AccessState.ALLOWED, 1001)
            assert row.decided_at == when
        there.invalidate()
        assert policy_there.chat_allowed(GROUP)
    finally:
        deciding.dispose()
        other.dispose()

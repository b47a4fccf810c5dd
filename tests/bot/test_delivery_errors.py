"""Telegram's errors, injected by the fake server, handled by kind: nothing lost, none doubled."""

from __future__ import annotations

import asyncio
import itertools
import logging
import random
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine
from sqlmodel import Session
from telegram.error import NetworkError, TelegramError, TimedOut

from marsad.bot.delivery.outbox import enqueue, is_paused, resume_chat
from marsad.bot.delivery.outcomes import OutcomeKind, classify
from marsad.bot.delivery.sender import Hooks, Sender, make_bot
from marsad.bot.handlers.status import undelivered_line
from marsad.store.delivery import ChatDelivery, OutboxKind
from marsad.store.engine import open_store, session
from tests.bot.delivery_helpers import Clock, alert, drain, rows, sender, started
from tests.fakebot import FakeTelegram, Fault

SENDER = "marsad.bot.delivery.sender"


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    return open_store(f"sqlite:///{tmp_path / 'marsad.db'}")


def calls_to(server: FakeTelegram, chat_id: int) -> int:
    return sum(
        1 for method, p in server.calls if method == "sendMessage" and p["chat_id"] == chat_id
    )


async def test_a_429_storm_loses_nothing_and_doubles_nothing(
    fake_telegram: FakeTelegram, engine: Engine
) -> None:
    clock = Clock()
    for chat in range(1, 21):
        for story in (1, 2):
            alert(engine, chat, story)
    fake_telegram.inject(Fault.retry_after(2), times=25)
    async with started(fake_telegram, engine, clock) as s:
        await drain(s, clock)
    assert len([r for r in fake_telegram.refused if r[2]["error_code"] == 429]) == 25
    delivered = Counter((m.chat_id, m.text) for m in fake_telegram.sent)
    assert set(delivered.values()) == {1}
    assert len(delivered) == 40
    for chat in range(1, 21):
        assert fake_telegram.texts(chat) == ["خبر 1", "خبر 2"]  # order kept per chat


async def test_retry_after_holds_that_chat_only(
    fake_telegram: FakeTelegram, engine: Engine
) -> None:
    clock = Clock()
    alert(engine, 1, 1)
    alert(engine, 2, 1)
    alert(engine, 2, 2)
    fake_telegram.inject(Fault.retry_after(30), chat_id=1)
    async with started(fake_telegram, engine, clock) as s:
        assert await s.send_due() == 1  # chat 2 goes, chat 1 is told to wait
        for _ in range(5):
            clock.advance(1)
            await s.send_due()
        assert calls_to(fake_telegram, 1) == 1  # no retry inside the 30 s, no busy loop
        assert fake_telegram.texts(2) == ["خبر 1", "خبر 2"]
        clock.advance(25)
        assert await s.send_due() == 1
    assert fake_telegram.texts(1) == ["خبر 1"]


async def test_a_blocked_chat_is_paused_and_others_continue(
    fake_telegram: FakeTelegram, engine: Engine
) -> None:
    clock = Clock()
    paused: list[tuple[int, str]] = []
    hooks = Hooks(on_pause=lambda _s, chat, reason: paused.append((chat, reason)))
    for story in (1, 2):
        alert(engine, 1, story)
        alert(engine, 2, story)
    fake_telegram.block(1)
    async with started(fake_telegram, engine, clock, hooks=hooks) as s:
        for _ in range(5):
            await s.send_due()
            clock.advance(1)
        assert calls_to(fake_telegram, 1) == 1
        assert fake_telegram.texts(2) == ["خبر 1", "خبر 2"]
        with Session(engine) as db:
            assert is_paused(db, 1)
        assert paused == [(1, "Forbidden: bot was blocked by the user")]
        fake_telegram.unblock(1)  # the user writes /start again
        with session(engine) as db:
            assert resume_chat(db, 1, now=clock()) == 2
            db.commit()
        await drain(s, clock)
    assert fake_telegram.texts(1) == ["خبر 1", "خبر 2"]


async def test_resume_drops_what_waited_too_long(
    fake_telegram: FakeTelegram, engine: Engine
) -> None:
    clock = Clock()
    alert(engine, 1, 1)
    fake_telegram.block(1)
    async with started(fake_telegram, engine, clock) as s:
        await s.send_due()
        clock.advance(2 * 86400)
        alert(engine, 1, 2, now=clock())
        fake_telegram.unblock(1)
        with session(engine) as db:
            assert resume_chat(db, 1, now=clock()) == 1
            db.commit()
        await drain(s, clock)
    assert fake_telegram.texts(1) == ["خبر 2"]
    assert [r.state for r in rows(engine)] == ["cancelled", "sent"]


async def test_a_migrated_group_gets_its_messages_under_the_new_id(
    fake_telegram: FakeTelegram, engine: Engine
) -> None:
    clock = Clock()
    moved: list[tuple[int, int]] = []
    hooks = Hooks(on_migrate=lambda _s, old, new: moved.append((old, new)))
    alert(engine, -100, 1)
    alert(engine, -100, 2)
    fake_telegram.migrate(-100, -1009)
    async with started(fake_telegram, engine, clock, hooks=hooks) as s:
        await drain(s, clock)
        assert alert(engine, -100, 3, now=clock()) is not None  # follows the migration
        assert alert(engine, -1009, 1, now=clock()) is None  # already queued for this group
        await drain(s, clock)
    assert moved == [(-100, -1009)]
    assert fake_telegram.texts(-1009) == ["خبر 1", "خبر 2", "خبر 3"]
    assert fake_telegram.texts(-100) == []
    assert {r.chat_id for r in rows(engine)} == {-1009}
    with Session(engine) as db:
        state = db.get(ChatDelivery, -100)
        assert state is not None and state.migrated_to == -1009


async def test_html_telegram_refuses_goes_out_as_plain_text(
    fake_telegram: FakeTelegram, engine: Engine
) -> None:
    clock = Clock()
    alert(engine, 3, 1, "<b>عنوان<br></b>", "عنوان")
    async with started(fake_telegram, engine, clock) as s:
        await drain(s, clock)
    assert fake_telegram.texts(3) == ["عنوان"]
    assert fake_telegram.sent[0].parse_mode is None
    assert "can't parse entities" in fake_telegram.refused[0][2]["description"]


SENTENCE = (
    "اجتمع المسؤولون الأمنيون في الرباط لبحث التعاون، وتناولوا ملفات الهجرة؛ ثم انتهى اللقاء. "
)


async def test_a_long_message_goes_out_in_parts_at_sentence_boundaries(
    fake_telegram: FakeTelegram, engine: Engine
) -> None:
    clock = Clock()
    body = SENTENCE * 120  # about 10,000 characters
    buttons = [[{"text": "المصادر", "url": "https://example.ma/s"}]]
    alert(engine, 4, 1, f"<b>{body}</b>", body, buttons=buttons)
    async with started(fake_telegram, engine, clock) as s:
        await drain(s, clock)
    texts = fake_telegram.texts(4)
    assert len(texts) == 3
    assert all(t.endswith("انتهى اللقاء.") for t in texts[:-1])
    assert " ".join(texts).split() == body.split()  # nothing lost, nothing repeated
    assert [m.reply_markup is not None for m in fake_telegram.sent] == [False, False, True]
    assert rows(engine)[0].message_ids == [1, 2, 3]


async def test_too_long_from_telegram_splits_smaller(
    fake_telegram: FakeTelegram, engine: Engine
) -> None:
    clock = Clock()
    body = SENTENCE * 40  # fits our count; Telegram says otherwise once
    fake_telegram.inject(Fault(400, "Bad Request: message is too long"))
    alert(engine, 4, 1, body, body)
    async with started(fake_telegram, engine, clock) as s:
        await drain(s, clock)
    assert len(fake_telegram.texts(4)) == 2
    assert " ".join(fake_telegram.texts(4)).split() == body.split()


async def test_5xx_is_retried_with_back_off_and_delivered_once(
    fake_telegram: FakeTelegram, engine: Engine
) -> None:
    clock = Clock()
    alert(engine, 6, 1)
    fake_telegram.inject(Fault.bad_gateway(), times=3)
    async with started(fake_telegram, engine, clock) as s:
        tried = []
        for _ in range(12):
            await s.send_due()
            tried.append(calls_to(fake_telegram, 6))
            clock.advance(1)
    # back-off: 1 s, 2 s, 4 s between the attempts, then delivered
    assert tried[:9] == [1, 2, 2, 3, 3, 3, 3, 4, 4]
    assert fake_telegram.texts(6) == ["خبر 1"]


@pytest.mark.parametrize(
    "faults",
    [
        [Fault.gateway_page(502), Fault.gateway_page(504)],  # the case: HTML pages
        [Fault.gateway_page(503), Fault.gateway_page(502), Fault.gateway_page(504)],
        [Fault.bad_gateway(), Fault(504, "Gateway Timeout")],  # the same with the API's JSON
    ],
    ids=["html-502-504", "html-503-502-504", "json-502-504"],
)
async def test_gateway_errors_are_not_delivered_and_the_alert_goes_out_once(
    fake_telegram: FakeTelegram, engine: Engine, faults: list[Fault]
) -> None:
    clock = Clock()
    alert(engine, 6, 1)
    for fault in faults:
        fake_telegram.inject(fault, chat_id=6)
    async with started(fake_telegram, engine, clock) as s:
        await drain(s, clock)
    assert [r[2]["error_code"] for r in fake_telegram.refused] == [f.status for f in faults]
    assert calls_to(fake_telegram, 6) == len(faults) + 1
    assert fake_telegram.texts(6) == ["خبر 1"]  # delivered, exactly once
    [row] = rows(engine)
    assert (row.state, row.unconfirmed, row.last_error) == ("sent", 0, None)


async def test_a_storm_of_gateway_errors_backs_off_and_delivers_when_telegram_recovers(
    fake_telegram: FakeTelegram, engine: Engine
) -> None:
    clock = Clock()
    alert(engine, 6, 1)
    alert(engine, 6, 2)
    storm = 15  # more calls than a row's attempts (12): an outage is not the row's fault
    fake_telegram.inject(Fault.gateway_page(502), times=storm)
    tried: list[datetime] = []
    async with started(fake_telegram, engine, clock) as s:
        while calls_to(fake_telegram, 6) <= storm:
            before = calls_to(fake_telegram, 6)
            await s.send_due()
            assert calls_to(fake_telegram, 6) == before + 1  # each pass: one call when due
            tried.append(clock())
            with Session(engine) as db:
                state = db.get(ChatDelivery, 6)
                assert state is not None and state.next_send_at is not None
                assert await s.send_due() == 0  # nothing before the back-off is over
                clock.now = state.next_send_at
        await drain(s, clock)
    gaps = [(later - earlier).total_seconds() for earlier, later in itertools.pairwise(tried)]
    assert gaps == [1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300, 300, 300, 300]
    assert fake_telegram.texts(6) == ["خبر 1", "خبر 2"]  # once each, in order
    assert [(r.state, r.unconfirmed) for r in rows(engine)] == [("sent", 0), ("sent", 0)]


async def test_an_outage_that_outlasts_the_wait_gives_up_visibly(
    fake_telegram: FakeTelegram, engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    clock = Clock()
    alert(engine, 6, 1)
    fake_telegram.inject(Fault.gateway_page(504), times=1000)
    bot = make_bot(fake_telegram.token, fake_telegram.base_url)
    s = Sender(bot, engine, clock=clock, give_up_after=timedelta(hours=1))
    with caplog.at_level(logging.WARNING, logger="marsad.bot.delivery"):
        async with bot:
            await drain(s, clock, step=60)
    [row] = rows(engine)
    assert row.state == "failed"
    assert row.last_error is not None
    assert row.last_error.startswith("Telegram not reached for 1:0")
    assert "Gateway Timeout (504) from Telegram's HTTP front, an HTML page" in row.last_error
    [given_up] = [r for r in caplog.records if r.levelno >= logging.ERROR and r.name == SENDER]
    assert given_up.getMessage() == f"outbox alert row {row.id} to chat 6 not delivered: " + (
        row.last_error
    )
    with Session(engine) as db:
        line = undelivered_line(db)
    assert line is not None and line.startswith("⚠️ undelivered: 1 · last: alert to chat 6: ")
    assert "Gateway Timeout (504)" in line
    assert fake_telegram.texts(6) == []


async def test_gateway_errors_do_not_use_up_the_resend_kept_for_a_stall(
    fake_telegram: FakeTelegram, engine: Engine
) -> None:
    clock = Clock()
    alert(engine, 8, 1)
    fake_telegram.inject(Fault.stall(2.0), chat_id=8)  # delivered, the answer too late
    async with started(fake_telegram, engine, clock, read_timeout=0.5) as s:
        await s.send_due()
        assert [(r.state, r.unconfirmed) for r in rows(engine)] == [("pending", 1)]
        fake_telegram.inject(Fault.gateway_page(502), chat_id=8)
        fake_telegram.inject(Fault.gateway_page(504), chat_id=8)
        await drain(s, clock)
    assert fake_telegram.texts(8) == ["خبر 1", "خبر 1"]  # the one duplicate a stall may cost
    assert [(r.state, r.unconfirmed) for r in rows(engine)] == [("sent", 1)]


def _caused(exc: BaseException, cause: BaseException) -> BaseException:
    exc.__cause__ = cause
    return exc


_PAGE = "b'<html><head><title>502 Bad Gateway</title></head></html>'"


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (
            _caused(
                NetworkError(f"Bad Gateway (502). Parsing the server response {_PAGE} failed"),
                TelegramError("Invalid server response"),
            ),
            OutcomeKind.UNREACHABLE,
        ),
        (NetworkError("Bad Gateway"), OutcomeKind.UNREACHABLE),
        (NetworkError("Service Unavailable"), OutcomeKind.UNREACHABLE),
        (NetworkError("Internal Server Error"), OutcomeKind.RETRY),
        (
            _caused(
                NetworkError("Internal Server Error (500). Parsing the server response b'' failed"),
                TelegramError("Invalid server response"),
            ),
            OutcomeKind.RETRY,
        ),
        (
            _caused(NetworkError("httpx.ConnectError: refused"), httpx.ConnectError("refused")),
            OutcomeKind.UNREACHABLE,
        ),
        (_caused(TimedOut("Pool timeout"), httpx.PoolTimeout("pool")), OutcomeKind.UNREACHABLE),
        (_caused(TimedOut(), httpx.ReadTimeout("read")), OutcomeKind.AMBIGUOUS),
        (
            _caused(
                NetworkError("httpx.RemoteProtocolError: Server disconnected"),
                httpx.RemoteProtocolError("Server disconnected without sending a response."),
            ),
            OutcomeKind.AMBIGUOUS,
        ),
        (
            _caused(NetworkError("httpx.ReadError: reset"), httpx.ReadError("reset")),
            OutcomeKind.AMBIGUOUS,
        ),
    ],
    ids=[
        "html-502",
        "json-502",
        "json-503",
        "json-500",
        "html-500",
        "connect-error",
        "pool-timeout",
        "read-timeout",
        "dropped-mid-response",
        "read-error",
    ],
)
def test_what_a_network_error_means(exc: BaseException, kind: OutcomeKind) -> None:
    assert classify(exc).kind is kind


async def test_a_stall_is_resent_once_and_never_twice(
    fake_telegram: FakeTelegram, engine: Engine
) -> None:
    clock = Clock()
    alert(engine, 8, 1)
    alert(engine, 9, 1)
    fake_telegram.inject(Fault.stall(4.0), chat_id=8)  # delivered, but the answer comes too late
    fake_telegram.inject(Fault.stall(4.0), chat_id=9, times=2)  # and twice for chat 9
    async with started(fake_telegram, engine, clock, read_timeout=1.5) as s:
        for _ in range(6):
            await s.send_due()
            clock.advance(2)
        await asyncio.to_thread(fake_telegram.wait_for, lambda: len(fake_telegram.sent) == 4, 10.0)
    assert fake_telegram.texts(8) == ["خبر 1", "خبر 1"]  # at most one duplicate
    assert fake_telegram.texts(9) == ["خبر 1", "خبر 1"]  # a second unknown outcome: not resent
    states = {r.chat_id: (r.state, r.unconfirmed) for r in rows(engine)}
    assert states == {8: ("sent", 1), 9: ("failed", 1)}


async def test_after_a_crash_rows_left_sending_are_resent_exactly_once(
    fake_telegram: FakeTelegram, engine: Engine
) -> None:
    clock = Clock()
    alert(engine, 10, 1)
    crashed = sender(fake_telegram, engine, clock)
    claimed = crashed._claim(clock(), 10, frozenset())  # claimed, then the process died
    assert [c.chat_id for c in claimed] == [10]
    clock.advance(5)  # the restart
    async with started(fake_telegram, engine, clock) as restarted:
        assert await restarted.send_due() == 1
        assert await restarted.send_due() == 0
    assert fake_telegram.texts(10) == ["خبر 1"]
    assert [(r.state, r.unconfirmed) for r in rows(engine)] == [("sent", 1)]


async def test_a_second_crash_on_the_resend_gives_up(
    fake_telegram: FakeTelegram, engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    clock = Clock()
    alert(engine, 11, 1)
    for _ in range(2):  # crash, restart, claim the resend, crash again
        s = sender(fake_telegram, engine, clock)
        s._recover(clock(), True)
        s._claim(clock(), 10, frozenset())
        clock.advance(5)
    async with started(fake_telegram, engine, clock) as restarted:
        assert await restarted.send_due() == 0
    assert fake_telegram.sent == []  # possibly delivered twice already: not a third time
    assert [(r.state, r.unconfirmed) for r in rows(engine)] == [("failed", 1)]
    [given_up] = [r for r in caplog.records if r.levelno >= logging.ERROR and r.name == SENDER]
    assert "to chat 11 not delivered: the sender stopped while sending; outcome unknown twice" in (
        given_up.getMessage()
    )


async def test_dedup_keys_are_per_chat(engine: Engine) -> None:
    with session(engine) as s:
        keys = [
            enqueue(s, chat, OutboxKind.NOTICE, "x", "x", now=Clock()(), dedup_key="notice:1")
            for chat in (1, 2, 1)
        ]
        s.commit()
    assert [k is not None for k in keys] == [True, True, False]


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_a_mix_of_failures_still_delivers_each_alert_exactly_once(
    fake_telegram: FakeTelegram, engine: Engine, seed: int
) -> None:
    rng = random.Random(seed)
    clock = Clock()
    chats = [*range(1, 16), *range(-30, -15)]
    for chat in chats:
        for story in (1, 2, 3):
            alert(engine, chat, story)
    faults = [Fault.retry_after(1), Fault.retry_after(5), Fault.bad_gateway(), Fault.internal()]
    for _ in range(60):
        fake_telegram.inject(rng.choice(faults), chat_id=rng.choice(chats))
    async with started(fake_telegram, engine, clock) as s:
        await drain(s, clock, passes=1000)
    for chat in chats:
        assert fake_telegram.texts(chat) == ["خبر 1", "خبر 2", "خبر 3"], chat
    assert {r.state for r in rows(engine)} == {"sent"}


async def test_a_row_held_past_the_lease_by_a_dead_sender_is_resent_once(
    fake_telegram: FakeTelegram, engine: Engine
) -> None:
    clock = Clock()
    async with started(fake_telegram, engine, clock) as alive:
        assert await alive.send_due() == 0  # started; nothing queued yet
        alert(engine, 12, 1, now=clock())
        sender(fake_telegram, engine, clock)._claim(clock(), 10, frozenset())  # then it died
        clock.advance(60)
        assert await alive.send_due() == 0  # within the lease: maybe still being sent
        clock.advance(300)
        assert await alive.send_due() == 1
    assert fake_telegram.texts(12) == ["خبر 1"]
    assert [(r.state, r.unconfirmed) for r in rows(engine)] == [("sent", 1)]


async def test_run_outlives_a_broken_database(
    fake_telegram: FakeTelegram, engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    alert(engine, 13, 1, now=datetime.now(UTC))
    with engine.begin() as connection:
        connection.exec_driver_sql("ALTER TABLE outbox RENAME TO outbox_away")
    async with started(fake_telegram, engine, Clock()) as s:
        s.clock = lambda: datetime.now(UTC)
        stop = asyncio.Event()
        task = asyncio.create_task(s.run(stop))
        await asyncio.to_thread(fake_telegram.wait_for, lambda: "outbox pass failed" in caplog.text)
        with engine.begin() as connection:
            connection.exec_driver_sql("ALTER TABLE outbox_away RENAME TO outbox")
        await asyncio.to_thread(fake_telegram.wait_for, lambda: len(fake_telegram.sent) == 1)
        stop.set()
        await asyncio.wait_for(task, 10)
    assert fake_telegram.texts(13) == ["خبر 1"]


async def test_a_refused_button_does_not_cost_the_alert(
    fake_telegram: FakeTelegram, engine: Engine
) -> None:
    clock = Clock()
    alert(engine, 14, 1, buttons=[[{"text": "كتم", "callback_data": "x" * 65}]])
    async with started(fake_telegram, engine, clock) as s:
        await drain(s, clock)
    assert fake_telegram.texts(14) == ["خبر 1"]
    assert fake_telegram.sent[0].reply_markup is None
    assert fake_telegram.refused[0][2]["description"] == "Bad Request: BUTTON_DATA_INVALID"

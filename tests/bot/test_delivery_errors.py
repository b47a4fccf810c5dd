"""Telegram's errors, injected by the fake server, handled by kind: nothing lost, none doubled."""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from marsad.bot.delivery.outbox import enqueue, is_paused, resume_chat
from marsad.bot.delivery.sender import Hooks
from marsad.store.delivery import ChatDelivery, OutboxKind
from marsad.store.engine import open_store, session
from tests.bot.delivery_helpers import Clock, alert, drain, rows, sender, started
from tests.fakebot import FakeTelegram, Fault


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
    fake_telegram: FakeTelegram, engine: Engine
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

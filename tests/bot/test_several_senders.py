"""Senders of several processes on one database share the outbox and Telegram's overall limit,
and take over only what a dead process left (issue 14)."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine, update
from sqlmodel import col

from marsad import metrics
from marsad.bot.delivery.outbox import enqueue, queue_depth
from marsad.bot.delivery.outcomes import Outcome, OutcomeKind
from marsad.bot.delivery.pacing import Pacing
from marsad.bot.delivery.sender import Sender, make_bot
from marsad.store.delivery import OutboxKind, OutboxRow, OutboxState
from marsad.store.engine import create_store_engine, open_store, session
from marsad.store.workers import Role, heartbeat, register, retire
from tests.bot.delivery_helpers import START, alert, rows
from tests.fakebot import FakeTelegram, Fault

LEASE = timedelta(minutes=2)


class SharedClock:
    """One clock for every sender of the test, read from their claim threads and moved by it."""

    def __init__(self, now: datetime = START) -> None:
        self._now = now
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += timedelta(seconds=seconds)


def make_sender(
    server: FakeTelegram, engine: Engine, clock: SharedClock, worker: str, pacing: Pacing
) -> Sender:
    bot = make_bot(server.token, server.base_url, read_timeout=5.0)
    return Sender(bot, engine, clock=clock, pacing=pacing, lease=LEASE, worker_id=worker)


def sent_count(kind: str) -> float:
    return metrics.REGISTRY.get_sample_value("marsad_sent_total", {"kind": kind}) or 0.0


def error_count(kind: str) -> float:
    value = metrics.REGISTRY.get_sample_value("marsad_telegram_errors_total", {"kind": kind})
    return value or 0.0


def claimed_now(engine: Engine, row_id: int, worker: str | None, at: datetime) -> None:
    """Mark a row as being sent by ``worker`` since ``at`` (what a claim leaves behind)."""
    with session(engine) as s:
        s.execute(
            update(OutboxRow)
            .where(col(OutboxRow.id) == row_id)
            .values(state=OutboxState.SENDING.value, claimed_by=worker, claimed_at=at, attempts=1)
        )
        s.commit()


@pytest.mark.postgres
async def test_two_senders_drain_one_outbox_once_each_in_order_within_the_budget(
    postgres_url: str, fake_telegram: FakeTelegram
) -> None:
    engine_a = open_store(postgres_url)
    engine_b = create_store_engine(postgres_url)
    clock = SharedClock()
    for worker in ("a" * 32, "b" * 32):
        register(engine_a, worker, [Role.SENDER], clock())
    queued: dict[int, list[str]] = {}
    with session(engine_a) as s:
        for n in range(200):
            chat, text = 1 + n % 50, f"خبر {n}"
            assert enqueue(s, chat, OutboxKind.ALERT, f"<b>{text}</b>", text, now=START,
                           story_id=n) is not None  # fmt: skip
            queued.setdefault(chat, []).append(text)
        s.commit()
    pacing = Pacing(per_second=20, burst=4)  # 4 messages for each 0.2 s the clock moves
    a = make_sender(fake_telegram, engine_a, clock, "a" * 32, pacing)
    b = make_sender(fake_telegram, engine_b, clock, "b" * 32, pacing)
    sent_before = sent_count("alert")
    async with a.bot, b.bot:
        for step in range(500):
            first, second = (a, b) if step % 2 == 0 else (b, a)
            await asyncio.gather(first.send_due(), second.send_due())
            with session(engine_a) as s:
                if queue_depth(s).pending == 0:
                    break
            clock.advance(0.2)
    done = rows(engine_a)
    assert Counter(r.state for r in done) == {"sent": 200}
    assert len(fake_telegram.sent) == 200  # every row sent exactly once
    assert sent_count("alert") - sent_before == 200  # marsad_sent_total{kind="alert"}
    assert Counter((m.chat_id, m.text) for m in fake_telegram.sent).most_common(1)[0][1] == 1
    for chat, texts in queued.items():
        assert fake_telegram.texts(chat) == texts  # each chat's messages in the order queued
    by = Counter(r.claimed_by for r in done)
    assert set(by) == {"a" * 32, "b" * 32}  # both processes took a share
    per_second = Counter(r.claimed_at.replace(microsecond=0) for r in done if r.claimed_at)
    assert max(per_second.values()) <= 20  # both senders together, per clock second
    stamps = sorted(r.claimed_at for r in done if r.claimed_at)
    for i, at in enumerate(stamps):  # and in any one second, wherever it starts
        assert sum(1 for t in stamps[i:] if t < at + timedelta(seconds=1)) <= 20
    engine_b.dispose()


async def test_the_budget_is_shared_by_the_senders_of_one_database(
    store_url: str, fake_telegram: FakeTelegram
) -> None:
    engine = open_store(store_url)
    other = create_store_engine(store_url)
    for chat in range(1, 11):
        alert(engine, chat, chat)
    clock = SharedClock()
    pacing = Pacing(per_second=10, burst=3)
    a = make_sender(fake_telegram, engine, clock, "a" * 32, pacing)
    b = make_sender(fake_telegram, other, clock, "b" * 32, pacing)
    async with a.bot, b.bot:
        assert await a.send_due() == 3  # the burst
        assert await b.send_due() == 0  # taken by the other process
        clock.advance(0.25)  # 2.5 tokens: two whole messages
        assert await b.send_due() == 2
        assert await a.send_due() == 0
        clock.advance(0.05)  # the half token left plus half of one more
        assert await a.send_due() == 1
    assert len(fake_telegram.sent) == 6
    other.dispose()


@pytest.mark.postgres
async def test_recovery_leaves_a_live_process_s_rows_and_resends_a_dead_one_s_once(
    postgres_url: str, fake_telegram: FakeTelegram
) -> None:
    engine = open_store(postgres_url)
    clock = SharedClock()
    live, dead, me = "1" * 32, "2" * 32, "3" * 32
    register(engine, dead, [Role.SENDER], clock())
    register(engine, live, [Role.SENDER], clock())
    clock.advance(LEASE.total_seconds() * 0.9)
    heartbeat(engine, live, clock())  # the dead one stopped saying so 0.9 lease ago
    clock.advance(LEASE.total_seconds() * 0.2)
    ids = [alert(engine, chat, 1) for chat in (1, 2, 3, 4)]
    assert None not in ids
    live_row, dead_row, old_row, unknown_row = (i or 0 for i in ids)
    claimed_now(engine, live_row, live, clock())
    claimed_now(engine, dead_row, dead, clock())
    claimed_now(engine, old_row, None, clock())  # claimed by a version without process ids
    claimed_now(engine, unknown_row, "9" * 32, clock())  # by a process never registered
    mine = make_sender(fake_telegram, create_store_engine(postgres_url), clock, me, Pacing())
    async with mine.bot:
        assert await mine.send_due() == 3
        assert sorted(m.chat_id for m in fake_telegram.sent) == [2, 3, 4]
        states = {r.id: r for r in rows(engine)}
        assert states[live_row].state == "sending" and states[live_row].claimed_by == live
        for row_id in (dead_row, old_row, unknown_row):
            assert states[row_id].state == "sent" and states[row_id].unconfirmed == 1
            assert states[row_id].claimed_by == me
        # The live process dies: once its heartbeat is older than the lease, its row is resent
        # at the next periodic recovery, before the row's own claim is a lease old.
        clock.advance(LEASE.total_seconds() * 0.85)
        assert await mine.send_due() == 1
        assert await mine.send_due() == 0  # and only once
    assert sorted(m.chat_id for m in fake_telegram.sent) == [1, 2, 3, 4]
    row = {r.id: r for r in rows(engine)}[live_row]
    assert row.state == "sent" and row.unconfirmed == 1 and row.claimed_by == me
    mine.engine.dispose()


async def test_on_sqlite_every_row_another_process_left_sending_is_a_leftover(
    sqlite_url: str, fake_telegram: FakeTelegram
) -> None:
    engine = open_store(sqlite_url)
    clock = SharedClock()
    register(engine, "1" * 32, [Role.SENDER], clock())  # "alive", but one process owns the file
    row_id = alert(engine, 1, 1) or 0
    claimed_now(engine, row_id, "1" * 32, clock())
    mine = make_sender(fake_telegram, engine, clock, "3" * 32, Pacing())
    async with mine.bot:
        assert await mine.send_due() == 1
    [row] = rows(engine)
    assert row.state == "sent" and row.unconfirmed == 1 and row.claimed_by == "3" * 32


@pytest.mark.postgres
def test_a_row_taken_over_keeps_its_new_owner_s_outcome(postgres_url: str) -> None:
    engine = open_store(postgres_url)
    clock = SharedClock()
    first, second = "1" * 32, "2" * 32
    register(engine, first, [Role.SENDER], clock())
    register(engine, second, [Role.SENDER], clock())
    alert(engine, 1, 1)
    bot = make_bot("1:x", "http://127.0.0.1:9/bot")
    slow = Sender(bot, engine, clock=clock, lease=LEASE, worker_id=first)
    [claimed] = slow._claim(clock(), 10, frozenset())
    retire(engine, first, clock())  # it stopped (its call hung, say) while the row was SENDING
    clock.advance(2)
    other = Sender(bot, create_store_engine(postgres_url), clock=clock, lease=LEASE,
                   worker_id=second)  # fmt: skip
    other._recover(clock(), True)
    [again] = other._claim(clock(), 10, frozenset())
    assert again.row_id == claimed.row_id
    slow._finish(claimed, Outcome(OutcomeKind.SENT, message_id=77))  # the late answer
    [row] = rows(engine)
    assert row.state == "sending" and row.claimed_by == second and row.message_ids == []
    other._finish(again, Outcome(OutcomeKind.SENT, message_id=78))
    [row] = rows(engine)
    assert row.state == "sent" and row.message_ids == [78] and row.unconfirmed == 1
    other.engine.dispose()


async def test_telegram_errors_are_counted_by_kind(
    sqlite_url: str, fake_telegram: FakeTelegram
) -> None:
    engine = open_store(sqlite_url)
    for chat in (1, 2, 3):
        alert(engine, chat, 1)
    fake_telegram.block(1)
    fake_telegram.inject(Fault.retry_after(5), chat_id=2)
    before = {kind: error_count(kind) for kind in ("blocked", "flood", "server")}
    sent = sent_count("alert")
    clock = SharedClock()
    sender = make_sender(fake_telegram, engine, clock, "3" * 32, Pacing())
    async with sender.bot:
        assert await sender.send_due() == 1
    after = {kind: error_count(kind) - before[kind] for kind in before}
    assert after == {"blocked": 1, "flood": 1, "server": 0}
    assert sent_count("alert") - sent == 1

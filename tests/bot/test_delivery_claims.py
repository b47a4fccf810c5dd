"""Claiming and queue queries behave the same on SQLite and PostgreSQL, also under concurrency."""

from __future__ import annotations

import threading
from collections import Counter

from sqlmodel import Session, select

from marsad.bot.delivery.outbox import enqueue, enqueue_edit, migrate_chat, queue_depth
from marsad.bot.delivery.sender import Claimed, Sender, make_bot
from marsad.store.delivery import OutboxKind, OutboxRow
from marsad.store.engine import create_store_engine, open_store, session
from tests.bot.delivery_helpers import START, Clock, alert, drain, rows, started
from tests.fakebot import FakeTelegram, Fault


def test_two_senders_never_claim_the_same_row(store_url: str) -> None:
    engine = open_store(store_url)
    with session(engine) as s:
        for chat in range(1, 81):
            enqueue(s, chat, OutboxKind.ALERT, "<b>x</b>", "x", now=START, story_id=1)
        s.commit()
    bot = make_bot("1:x", "http://127.0.0.1:9/bot")
    senders = [Sender(bot, create_store_engine(store_url), clock=Clock()) for _ in range(4)]
    results: list[list[Claimed]] = [[] for _ in senders]
    barrier = threading.Barrier(len(senders))

    def claim(index: int) -> None:
        barrier.wait()
        while True:
            with Session(engine) as s:
                if queue_depth(s).pending == 0:
                    return
            results[index] += senders[index]._claim(START, 10, frozenset())

    threads = [threading.Thread(target=claim, args=(i,)) for i in range(len(senders))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    claimed = Counter(c.row_id for result in results for c in result)
    assert claimed and max(claimed.values()) == 1
    assert len(claimed) == 80  # every row claimed, each exactly once (one per chat)
    assert Counter(r.state for r in rows(engine)) == {"sending": 80}


def test_queue_queries_on_both_databases(store_url: str) -> None:
    engine = open_store(store_url)
    with session(engine) as s:
        first = enqueue(s, -5, OutboxKind.ALERT, "<b>a</b>", "a", now=START, story_id=9)
        duplicate = enqueue(s, -5, OutboxKind.ALERT, "<b>b</b>", "b", now=START, story_id=9)
        enqueue(s, -5, OutboxKind.DIGEST, "<b>d</b>", "d", now=START)
        edited = enqueue_edit(s, -5, 9, "<b>a</b> +1", "a +1", now=START)
        s.commit()
    assert first is not None and duplicate is None
    assert edited is not None and edited.id == first.id and edited.text_plain == "a +1"
    with session(engine) as s:
        assert migrate_chat(s, -5, -1005) == 2
        later = enqueue(s, -5, OutboxKind.ALERT, "<b>c</b>", "c", now=START, story_id=10)
        again = enqueue(s, -1005, OutboxKind.ALERT, "<b>a</b>", "a", now=START, story_id=9)
        s.commit()
        depth = queue_depth(s)
    assert later is not None and later.chat_id == -1005 and again is None
    assert (depth.pending, depth.sending, depth.failed, depth.paused_chats) == (3, 0, 0, 0)
    with Session(engine) as s:
        assert {r.chat_id for r in s.exec(select(OutboxRow)).all()} == {-1005}


async def test_the_sender_on_both_databases(store_url: str, fake_telegram: FakeTelegram) -> None:
    engine = open_store(store_url)
    clock = Clock()
    for chat in (1, 2, -3):
        alert(engine, chat, 1)
    fake_telegram.inject(Fault.retry_after(2), chat_id=1)
    fake_telegram.migrate(-3, -1003)
    async with started(fake_telegram, engine, clock) as s:
        await drain(s, clock)
        with session(engine) as db:
            enqueue_edit(db, 2, 1, "<b>خبر 1</b> +1", "خبر 1 +1", now=clock())
            db.commit()
        await drain(s, clock)
    assert fake_telegram.texts(1) == ["خبر 1"]
    assert fake_telegram.texts(2) == ["خبر 1 +1"]
    assert fake_telegram.texts(-1003) == ["خبر 1"]
    assert Counter(r.state for r in rows(engine)) == {"sent": 4}

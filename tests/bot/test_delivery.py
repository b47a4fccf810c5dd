"""The sender delivers queued messages through the real PTB client to the fake Telegram server."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine

from marsad.bot.delivery.outbox import enqueue, enqueue_edit, queue_depth
from marsad.bot.delivery.redact import REDACTED, install_redaction, uninstall_redaction
from marsad.bot.delivery.sender import Pacing
from marsad.store.delivery import OutboxKind
from marsad.store.engine import open_store, session
from tests.bot.delivery_helpers import START, Clock, alert, drain, rows, started
from tests.fakebot import FakeTelegram


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    return open_store(f"sqlite:///{tmp_path / 'marsad.db'}")


async def test_alerts_arrive_once_with_buttons_and_preview(
    fake_telegram: FakeTelegram, engine: Engine
) -> None:
    buttons = [[{"text": "كتم", "callback_data": "mute:1"}]]
    with session(engine) as s:
        enqueue(s, 42, OutboxKind.ALERT, "<b>حموشي</b> في مدريد", "حموشي في مدريد", now=START,
                story_id=7, buttons=buttons, preview_url="https://example.ma/a")  # fmt: skip
        again = enqueue(s, 42, OutboxKind.ALERT, "<b>مكرر</b>", "مكرر", now=START, story_id=7)
        enqueue(s, 43, OutboxKind.ALERT, "<b>حموشي</b>", "حموشي", now=START, story_id=7)
        s.commit()
    async with started(fake_telegram, engine, Clock()) as sender:
        assert await sender.send_due() == 2
        assert await sender.send_due() == 0
    assert again is None
    assert fake_telegram.texts(42) == ["حموشي في مدريد"]
    assert fake_telegram.texts(43) == ["حموشي"]
    first = next(m for m in fake_telegram.sent if m.chat_id == 42)
    assert first.parse_mode == "HTML"
    assert first.reply_markup == {"inline_keyboard": [[{"text": "كتم", "callback_data": "mute:1"}]]}
    assert first.link_preview_options == {"url": "https://example.ma/a", "prefer_small_media": True}
    assert [(r.chat_id, r.state, r.message_ids) for r in rows(engine)] == [
        (42, "sent", [1]),
        (43, "sent", [1]),
    ]


async def test_a_story_that_grows_edits_the_sent_alert(
    fake_telegram: FakeTelegram, engine: Engine
) -> None:
    clock = Clock()
    alert(engine, 5, 1, "<b>خبر</b>", "خبر")
    with session(engine) as s:  # not sent yet: rewritten in place, still one message
        enqueue_edit(s, 5, 1, "<b>خبر</b> +1", "خبر +1", now=START)
        s.commit()
    async with started(fake_telegram, engine, clock) as sender:
        await drain(sender, clock)
        for extra in (2, 3):
            with session(engine) as s:
                enqueue_edit(s, 5, 1, f"<b>خبر</b> +{extra}", f"خبر +{extra}", now=clock())
                s.commit()
        await drain(sender, clock)
    assert fake_telegram.texts(5) == ["خبر +3"]
    assert len(fake_telegram.sent) == 1
    assert len(fake_telegram.edits) == 1  # two edits queued while idle coalesce into one


async def test_pacing_one_message_per_second_per_chat_and_three_per_group(
    fake_telegram: FakeTelegram, engine: Engine
) -> None:
    clock = Clock()
    for story in range(3):
        alert(engine, 7, story)
        alert(engine, -70, story)
    async with started(fake_telegram, engine, clock) as sender:
        counts = []
        for _ in range(7):
            counts.append(await sender.send_due())
            counts.append(await sender.send_due())  # same instant: nothing more is due
            clock.advance(1)
    # private chat: one each second; group: one every three seconds
    assert counts == [2, 0, 1, 0, 1, 0, 1, 0, 0, 0, 0, 0, 1, 0]
    assert fake_telegram.texts(7) == ["خبر 0", "خبر 1", "خبر 2"]
    assert fake_telegram.texts(-70) == ["خبر 0", "خبر 1", "خبر 2"]


async def test_fan_out_proceeds_at_the_global_rate(
    fake_telegram: FakeTelegram, engine: Engine
) -> None:
    clock = Clock()
    for chat in range(1, 101):
        alert(engine, chat, 1)
    async with started(fake_telegram, engine, clock, pacing=Pacing(per_second=30)) as sender:
        counts = []
        for _ in range(34):
            counts.append(await sender.send_due())
            clock.advance(0.1)
    # a burst of five, then three every tenth of a second: 30 a second, evenly, no slower
    assert counts == [5] + [3] * 31 + [2, 0]
    assert sorted(s.chat_id for s in fake_telegram.sent) == list(range(1, 101))


async def test_run_delivers_what_is_queued_while_it_runs(
    fake_telegram: FakeTelegram, engine: Engine
) -> None:
    async with started(fake_telegram, engine, Clock()) as sender:
        sender.clock = lambda: datetime.now(UTC)  # run() paces on the wall clock
        sender.idle = 3600.0  # only wake() can make it look again
        stop = asyncio.Event()
        task = asyncio.create_task(sender.run(stop))
        await asyncio.sleep(0.1)  # the first pass found nothing and went idle

        def ingest() -> None:  # another thread commits alerts, then wakes the sender
            for chat in (1, 2, 3):
                alert(engine, chat, 9, now=datetime.now(UTC))
            sender.wake()

        await asyncio.to_thread(ingest)
        await asyncio.to_thread(fake_telegram.wait_for, lambda: len(fake_telegram.sent) == 3)
        stop.set()
        await asyncio.wait_for(task, 5)
    assert sorted(s.chat_id for s in fake_telegram.sent) == [1, 2, 3]
    with session(engine) as s:
        assert queue_depth(s).pending == 0


async def test_the_token_never_reaches_the_logs(
    fake_telegram: FakeTelegram, engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    alert(engine, 1, 1)
    install_redaction(fake_telegram.token)
    try:
        with caplog.at_level(logging.DEBUG), caplog.at_level(logging.DEBUG, logger="httpx"):
            async with started(fake_telegram, engine, Clock()) as sender:
                await sender.send_due()
    finally:
        uninstall_redaction()
    assert fake_telegram.texts(1) == ["خبر 1"]
    logged = caplog.text + "".join(r.getMessage() for r in caplog.records)
    assert f"bot{REDACTED}/sendMessage" in logged  # httpx logged the URL...
    assert fake_telegram.token not in logged  # ...without the token
    secret_part = fake_telegram.token.split(":")[1]
    assert secret_part not in logged


def test_redaction_covers_tracebacks_and_late_handlers(caplog: pytest.LogCaptureFixture) -> None:
    token = "123:secret-token-value"
    install_redaction(token)
    try:
        with caplog.at_level(logging.DEBUG):
            try:
                raise RuntimeError(f"GET https://api.telegram.org/bot{token}/getMe failed")
            except RuntimeError:
                logging.getLogger("some.child.logger").exception("call %s", f"bot{token}/x")
    finally:
        uninstall_redaction()
    assert token not in caplog.text
    assert caplog.text.count(REDACTED) == 2

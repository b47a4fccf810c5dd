"""/status tells an administrator how many messages were given up, and the latest reason."""

from __future__ import annotations

from datetime import timedelta

from marsad.bot.delivery.outbox import enqueue
from marsad.store.delivery import OutboxKind, OutboxRow, OutboxState
from tests.bot.conftest import ADMIN, Bot


async def test_status_shows_the_undelivered_count_and_the_last_reason(bot: Bot) -> None:
    [before] = await bot.say(ADMIN, "/status", language_code="en")
    assert "undelivered" not in before
    now = bot.world.clock()
    with bot.world.session() as s:
        for chat, minutes, reason in ((42, 1, "gave up after 12 attempts: <old>"),
                                      (43, 2, "Telegram not reached for 1 day, 0:00:05: 504")):  # fmt: skip
            row = enqueue(s, chat, OutboxKind.ALERT, "x", "x", now=now, story_id=chat)
            assert row is not None
            stored = s.get(OutboxRow, row.id)
            assert stored is not None
            stored.state = OutboxState.FAILED.value
            stored.claimed_at = now + timedelta(minutes=minutes)
            stored.last_error = reason
            s.add(stored)
        s.commit()
    [status] = await bot.say(ADMIN, "/status", language_code="en")
    lines = status.splitlines()
    assert lines[-2] == (
        "⚠️ undelivered: 2 · last: alert to chat 43: Telegram not reached for 1 day, 0:00:05: 504"
    )
    assert lines[-1].startswith("queue: 0 pending, 0 sending, 2 failed")

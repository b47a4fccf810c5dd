"""Shared pieces of the delivery tests: a movable clock, a store, a sender on the fake server."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine
from sqlmodel import Session, select

from marsad.bot.delivery.outbox import enqueue
from marsad.bot.delivery.sender import Hooks, Pacing, Sender, make_bot
from marsad.store.delivery import OutboxKind, OutboxRow
from marsad.store.engine import session
from tests.fakebot import FakeTelegram

START = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
PACING = Pacing()
HOOKS = Hooks()


@dataclass
class Clock:
    """The sender's clock, moved by the test (pacing and back-off follow it, not the wall)."""

    now: datetime = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def sender(
    server: FakeTelegram,
    engine: Engine,
    clock: Clock,
    *,
    read_timeout: float = 5.0,
    pacing: Pacing = PACING,
    hooks: Hooks = HOOKS,
) -> Sender:
    bot = make_bot(server.token, server.base_url, read_timeout=read_timeout)
    return Sender(bot, engine, clock=clock, pacing=pacing, hooks=hooks)


@contextlib.asynccontextmanager
async def started(
    server: FakeTelegram,
    engine: Engine,
    clock: Clock,
    *,
    read_timeout: float = 5.0,
    pacing: Pacing = PACING,
    hooks: Hooks = HOOKS,
) -> AsyncIterator[Sender]:
    """A sender whose bot is initialised (and shut down afterwards)."""
    made = sender(server, engine, clock, read_timeout=read_timeout, pacing=pacing, hooks=hooks)
    async with made.bot:
        yield made


def alert(
    engine: Engine,
    chat_id: int,
    story_id: int,
    html: str | None = None,
    plain: str | None = None,
    *,
    now: datetime = START,
    buttons: Sequence[Sequence[dict[str, str]]] | None = None,
) -> int | None:
    """Queue an alert for ``story_id`` and commit; its row id (None when deduplicated)."""
    with session(engine) as s:
        row = enqueue(
            s,
            chat_id,
            OutboxKind.ALERT,
            html if html is not None else f"<b>خبر {story_id}</b>",
            plain if plain is not None else f"خبر {story_id}",
            now=now,
            story_id=story_id,
            buttons=buttons,
        )
        s.commit()
        return None if row is None else row.id


def rows(engine: Engine) -> list[OutboxRow]:
    with Session(engine) as s:
        return list(s.exec(select(OutboxRow).order_by(OutboxRow.id)).all())  # type: ignore[arg-type]


async def drain(s: Sender, clock: Clock, *, step: float = 1.0, passes: int = 200) -> int:
    """Passes with the clock moving ``step`` seconds between them, until nothing is pending."""
    total = 0
    for _ in range(passes):
        total += await s.send_due()
        if all(r.state not in ("pending", "sending") for r in rows(s.engine)):
            return total
        clock.advance(step)
    raise AssertionError("the outbox did not drain")

"""The sender: drains the outbox to Telegram, losing nothing and doubling at most once.

Each pass claims due rows in one short transaction (SQLite: ``BEGIN IMMEDIATE``; PostgreSQL:
``FOR UPDATE SKIP LOCKED``), at most one per chat and no more than ~30 in any one second overall
(the shared budget of ``budget.py``, so several senders of one database keep to it together),
marks them SENDING by this process (``claimed_by``) and sets each chat's next allowed send time
(1 s for a private chat, 3 s for a group: 20 a minute).  Each claimed row then makes exactly one
Telegram call, and its outcome is written back: SENT with the message id, or PENDING again for
the next part of a split message or a retry, or a chat-level change.  Telegram's errors are
handled by kind (``outcomes.py``).

A row found SENDING when the sender starts (a crash between the call and the commit), or left
SENDING by a process that has since died (its heartbeat older than the lease), or whose call timed
out after the request was written, may or may not have reached the chat: it is resent once, and
if that resend is ambiguous too it is given up rather than risk a second duplicate.
A call that did not reach Telegram (no connection, or a 502/503/504 from its HTTP front) is not
delivered: the chat backs off exponentially (1 s, 2 s, 4 s … 5 min) and the row waits, without
using up its attempts, for up to ``give_up_after`` (a day).  Every row given up ends FAILED with
its reason in ``last_error`` (``/status`` shows it) and is logged at ERROR with its chat.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import ColumnElement, Engine, and_, or_
from sqlmodel import Session, col, select
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.request import HTTPXRequest

from marsad import metrics
from marsad.bot.delivery import budget
from marsad.bot.delivery.outbox import chat_state, first_alert, migrate_chat, pause_chat
from marsad.bot.delivery.outcomes import Outcome, OutcomeKind, classify
from marsad.bot.delivery.pacing import DEFAULT_PACING, Pacing
from marsad.bot.delivery.split import TELEGRAM_LIMIT, split_message, utf16_length
from marsad.store.chats import silent_chats
from marsad.store.delivery import ChatDelivery, OutboxKind, OutboxRow, OutboxState
from marsad.store.tables import Worker

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
PauseHook = Callable[[Session, int, str], None]
MigrateHook = Callable[[Session, int, int], None]


@dataclass(frozen=True)
class Hooks:
    """Called in the sender's transaction so the chat tables change with the delivery state."""

    on_pause: PauseHook | None = None  # (session, chat_id, reason)
    on_migrate: MigrateHook | None = None  # (session, old_chat_id, new_chat_id)


@dataclass(frozen=True)
class Claimed:
    """What one Telegram call needs, copied out of the claiming transaction."""

    row_id: int
    chat_id: int
    kind: OutboxKind
    text: str
    parse_mode: str | None
    buttons: list[list[dict[str, str]]] | None
    preview_url: str | None
    target_message_id: int | None
    first_part: bool
    silent: bool = False  # the chat asked for alerts without a notification sound


def make_bot(token: str, base_url: str = "", *, read_timeout: float = 10.0, pool: int = 64) -> Bot:
    """A Bot with a connection pool big enough for paced fan-out (PTB's default is one)."""
    request = HTTPXRequest(
        connection_pool_size=pool, read_timeout=read_timeout, write_timeout=read_timeout
    )
    if base_url:
        return Bot(token, base_url=base_url, request=request)
    return Bot(token, request=request)


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _markup(buttons: list[list[dict[str, str]]] | None) -> InlineKeyboardMarkup | None:
    if not buttons:
        return None
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    b["text"], url=b.get("url"), callback_data=b.get("callback_data")
                )
                for b in row
            ]
            for row in buttons
        ]
    )


_REFUSED = (
    OutcomeKind.MIGRATED,
    OutcomeKind.AS_PLAIN,
    OutcomeKind.TOO_LONG,
    OutcomeKind.NO_BUTTONS,
    OutcomeKind.CANCEL,
    OutcomeKind.FAIL,
)


def _error_kind(kind: OutcomeKind, error: Exception) -> metrics.TelegramErrorKind:
    """The metric's coarse kind of a failed call: what an operator alerts on."""
    if kind is OutcomeKind.RETRY_AFTER:
        return metrics.TelegramErrorKind.FLOOD
    if kind is OutcomeKind.BLOCKED:
        return metrics.TelegramErrorKind.BLOCKED
    if kind in _REFUSED:
        return metrics.TelegramErrorKind.BAD_REQUEST
    if kind is OutcomeKind.AMBIGUOUS:
        return metrics.TelegramErrorKind.NETWORK
    if kind is OutcomeKind.UNREACHABLE:  # no connection, or a 502/503/504 from the front
        no_answer = isinstance(error.__cause__, httpx.TransportError)
        return metrics.TelegramErrorKind.NETWORK if no_answer else metrics.TelegramErrorKind.SERVER
    if kind is OutcomeKind.RETRY:  # another HTTP error answer
        return metrics.TelegramErrorKind.SERVER
    return metrics.TelegramErrorKind.OTHER


CLOCK_SLACK = timedelta(minutes=1)
"""Rows are due when queued: one due later than this was queued by a clock now gone back."""
HELD_SLACK = timedelta(days=1) + CLOCK_SLACK
"""A row held for quiet hours is due when they end, within a day: one due later than that was
held by a clock now gone back."""
LONGEST_CHAT_WAIT = timedelta(minutes=10)
"""A chat's pause between messages is its pacing (1-3 s), a back-off (5 min at most) or a
Telegram flood wait (minutes); a pause set further ahead is a clock step. Sending early costs
at most another flood wait."""


def _log_given_up(row: OutboxRow) -> None:
    """A row that will not be delivered: at ERROR, with its chat and why (``/status`` shows it)."""
    log.error(
        "outbox %s row %s to chat %s not delivered: %s", row.kind, row.id, row.chat_id,
        row.last_error,
    )  # fmt: skip


class Sender:
    """Drains the outbox; ``run`` until stopped, or ``send_due`` for one pass (tests).

    ``worker_id`` is this process's id in ``workers``: its claims carry it, so the senders of
    other processes leave them alone while it is alive.  ``lease`` is how long a claim (and a
    process's heartbeat) holds: a row SENDING for longer, or claimed by a process whose heartbeat
    is older, is a leftover and is resent once.
    """

    def __init__(
        self,
        bot: Bot,
        engine: Engine,
        *,
        clock: Clock = _utcnow,
        pacing: Pacing = DEFAULT_PACING,
        hooks: Hooks = Hooks(),
        max_in_flight: int = 32,
        max_attempts: int = 12,
        give_up_after: timedelta = timedelta(days=1),
        lease: timedelta = timedelta(minutes=2),
        idle: float = 0.25,
        worker_id: str | None = None,
    ) -> None:
        self.bot, self.engine, self.clock = bot, engine, clock
        self.pacing, self.hooks = pacing, hooks
        self.max_in_flight, self.max_attempts = max_in_flight, max_attempts
        self.give_up_after = give_up_after
        self.lease, self.idle = lease, idle
        self.worker_id = worker_id
        self._next_token = 0.0  # seconds until the shared budget has a message again
        self._in_flight: dict[int, asyncio.Task[bool]] = {}  # chat id → its one call
        self._wake = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._recovered: datetime | None = None
        self._dialect = engine.dialect.name

    # ------------------------------------------------------------------ driving
    def wake(self) -> None:
        """New rows were committed: look now rather than at the next idle tick (any thread)."""
        loop = self._loop
        try:
            running: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if loop is None or running is loop:
            self._wake.set()
        else:
            loop.call_soon_threadsafe(self._wake.set)

    async def send_due(self) -> int:
        """One pass: claim what is due now, send it, record outcomes; messages Telegram took."""
        tasks = await self._pass()
        results = await asyncio.gather(*tasks)
        return sum(results)

    async def run(self, stop: asyncio.Event) -> None:
        """Send until ``stop`` is set; waits for calls in flight before returning."""
        self._loop = asyncio.get_running_loop()
        stopper = asyncio.create_task(self._stop_watch(stop))
        failures = 0
        try:
            while not stop.is_set():
                self._wake.clear()  # a wake() from here on starts another pass at once
                try:
                    claimed = await self._pass()
                    failures = 0
                except Exception:  # the database went away: keep trying, do not die silently
                    failures += 1
                    log.exception("outbox pass failed (%d in a row)", failures)
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stop.wait(), timeout=min(2.0**failures, 60.0))
                    continue
                if claimed:
                    continue
                delay = self.idle
                if self._next_token > 0:
                    delay = min(delay, self._next_token)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=max(delay, 0.005))
        finally:
            stopper.cancel()
            if self._in_flight:
                await asyncio.gather(*self._in_flight.values(), return_exceptions=True)

    async def _stop_watch(self, stop: asyncio.Event) -> None:
        await stop.wait()
        self._wake.set()

    async def _pass(self) -> list[asyncio.Task[bool]]:
        now = self.clock()
        if self._recovered is None or now - self._recovered > self.lease / 2:
            # at start-up every SENDING row is a crash's leftover; later, only expired leases
            await asyncio.to_thread(self._recover, now, self._recovered is None)
            self._recovered = now
        free = self.max_in_flight - len(self._in_flight)
        if free <= 0:
            return []
        busy = frozenset(self._in_flight)
        claimed = await asyncio.to_thread(self._claim, now, free, busy, budgeted=True)
        tasks = []
        for item in claimed:
            task = asyncio.create_task(self._send(item))
            self._in_flight[item.chat_id] = task
            task.add_done_callback(functools.partial(self._done, item.chat_id))
            tasks.append(task)
        return tasks

    def _done(self, chat_id: int, _task: object) -> None:
        self._in_flight.pop(chat_id, None)
        self._wake.set()

    # ------------------------------------------------------------------ database
    def _session(self) -> Session:
        session = Session(self.engine, expire_on_commit=False)
        if self._dialect == "sqlite":
            # Take the write lock first, so two senders never claim the same row.
            session.connection().exec_driver_sql("BEGIN IMMEDIATE")
        return session

    def _recover(self, now: datetime, everything: bool) -> None:
        """Rows left SENDING by a crash, a dead process, or held past the lease: resend once.

        ``everything`` (at start): on SQLite, where one process owns the file, every row not
        claimed by this sender is a leftover; on PostgreSQL also rows of no known process
        (``claimed_by`` NULL: an older version's).  A live process's rows are never touched."""
        with self._session() as session:
            query = (
                select(OutboxRow)
                .outerjoin(Worker, col(Worker.id) == col(OutboxRow.claimed_by))
                .where(
                    OutboxRow.state == OutboxState.SENDING.value, self._leftover(now, everything)
                )
                .order_by(col(OutboxRow.id))
            )
            if self._dialect == "postgresql":
                query = query.with_for_update(skip_locked=True, of=OutboxRow)
            for row in session.exec(query).all():
                self._ambiguous(row, self._why_left(row, now))
                if row.state == OutboxState.FAILED.value:
                    _log_given_up(row)
                session.add(row)
            session.commit()

    def _leftover(self, now: datetime, everything: bool) -> ColumnElement[bool]:
        """Which SENDING rows nobody is sending any more."""
        claimed_by = col(OutboxRow.claimed_by)
        stale = col(OutboxRow.claimed_at) < now - self.lease
        others = claimed_by.is_(None) if self.worker_id is None else claimed_by != self.worker_id
        if self._dialect == "sqlite":
            return or_(stale, claimed_by.is_(None), others) if everything else stale
        dead = or_(
            col(Worker.id).is_(None),
            col(Worker.stopped_at).is_not(None),
            col(Worker.heartbeat_at) <= now - self.lease,
        )
        orphaned = and_(claimed_by.is_not(None), others, dead)
        return or_(stale, claimed_by.is_(None), orphaned) if everything else or_(stale, orphaned)

    def _why_left(self, row: OutboxRow, now: datetime) -> str:
        if row.claimed_by is not None and row.claimed_by != self.worker_id:
            return f"process {row.claimed_by} stopped while sending"
        if row.claimed_at is not None and row.claimed_at < now - self.lease:
            return "the call outlived its lease"
        return "the sender stopped while sending"

    def _ambiguous(self, row: OutboxRow, reason: str) -> None:
        if row.kind == OutboxKind.EDIT.value or row.unconfirmed == 0:
            row.unconfirmed += 1
            row.state = OutboxState.PENDING.value
            row.last_error = f"{reason}; outcome unknown, resending once"
            log.warning("outbox row %s to chat %s: %s", row.id, row.chat_id, row.last_error)
        else:
            row.state = OutboxState.FAILED.value
            row.last_error = f"{reason}; outcome unknown twice, not resent again"

    def _claim(
        self, now: datetime, limit: int, busy: frozenset[int], *, budgeted: bool = False
    ) -> list[Claimed]:
        """Claim up to ``limit`` due rows, one per chat not in ``busy``; ``budgeted``: within the
        shared overall budget too (every pass; tests claim without it)."""
        with self._session() as session:
            tokens = None
            if budgeted:
                # Claims are stamped with the time read once the budget is locked: in the order
                # they take from it, whatever another process did meanwhile.
                tokens = budget.open_budget(session, self.pacing, self.clock)
                now = tokens.now
                limit = min(limit, tokens.available)
                if limit <= 0:
                    session.rollback()
                    self._next_token = budget.wait_seconds(tokens.tokens, self.pacing)
                    return []
            candidates = session.exec(
                select(OutboxRow.id, OutboxRow.chat_id)
                .outerjoin(ChatDelivery, col(ChatDelivery.chat_id) == col(OutboxRow.chat_id))
                .where(
                    OutboxRow.state == OutboxState.PENDING.value,
                    # A time further ahead than anything sets one was set by a clock that has
                    # since gone back (an NTP step, a restored VM): not waited for.
                    or_(
                        col(OutboxRow.due_at) <= now,
                        and_(
                            col(OutboxRow.held).is_(False),
                            col(OutboxRow.due_at) > now + CLOCK_SLACK,
                        ),
                        col(OutboxRow.due_at) > now + HELD_SLACK,
                    ),
                    col(ChatDelivery.paused_at).is_(None),
                    or_(
                        col(ChatDelivery.next_send_at).is_(None),
                        col(ChatDelivery.next_send_at) <= now,
                        col(ChatDelivery.next_send_at) > now + LONGEST_CHAT_WAIT,
                    ),
                )
                .order_by(col(OutboxRow.id))
                .limit(limit * 4 + len(busy))
            ).all()
            first_of_chat: dict[int, int] = {}
            for row_id, chat_id in candidates:  # the oldest row of each chat keeps chat order
                if chat_id not in busy and chat_id not in first_of_chat and row_id is not None:
                    first_of_chat[chat_id] = row_id
            wanted = list(first_of_chat.values())[:limit]
            if not wanted:
                session.rollback()
                self._next_token = 0.0
                return []
            # Lock exactly those rows; another sender's rows are skipped, not waited for.
            query = (
                select(OutboxRow)
                .where(
                    col(OutboxRow.id).in_(wanted),
                    OutboxRow.state == OutboxState.PENDING.value,
                )
                .order_by(col(OutboxRow.id))
            )
            if self._dialect == "postgresql":
                query = query.with_for_update(skip_locked=True)
            claimed = []
            rows = session.exec(query).all()
            silent = silent_chats(session, [row.chat_id for row in rows])
            for row in rows:
                item = self._prepare(session, row)
                if item is None:
                    continue
                if row.chat_id in silent:
                    item = replace(item, silent=True)
                row.state = OutboxState.SENDING.value
                row.claimed_at = now
                row.claimed_by = self.worker_id
                row.attempts += 1
                session.add(row)
                state = chat_state(session, row.chat_id)
                state.next_send_at = now + self.pacing.interval(row.chat_id)
                session.add(state)
                claimed.append(item)
            if tokens is not None:
                left = budget.spend(session, tokens, len(claimed))
                self._next_token = budget.wait_seconds(left, self.pacing)
            session.commit()
            return claimed

    def _prepare(self, session: Session, row: OutboxRow) -> Claimed | None:
        """The call for ``row``'s next message; None when it cannot go now."""
        assert row.id is not None
        text = row.text_plain if row.plain else row.text_html
        parse_mode = None if row.plain else ParseMode.HTML.value
        kind = OutboxKind(row.kind)
        target = row.target_message_id
        if kind is OutboxKind.EDIT:
            if target is None:
                alert = first_alert(session, row.chat_id, row.story_id or 0)
                if alert is None or alert.state in (OutboxState.PENDING, OutboxState.SENDING):
                    return None  # edit once the alert is out
                if alert.state != OutboxState.SENT.value or not alert.message_ids:
                    row.state = OutboxState.CANCELLED.value
                    row.last_error = "the alert to edit was not sent"
                    session.add(row)
                    return None
                target = alert.message_ids[0]
                row.target_message_id = target
            if utf16_length(text) > TELEGRAM_LIMIT:
                text = split_message(text, TELEGRAM_LIMIT - 1, html=not row.plain)[0] + "…"
            return Claimed(row.id, row.chat_id, kind, text, parse_mode, row.buttons,
                           row.preview_url, target, True)  # fmt: skip
        parts = split_message(text, row.split_limit or TELEGRAM_LIMIT, html=not row.plain)
        index = len(row.message_ids)
        if not parts:
            row.state = OutboxState.FAILED.value
            row.last_error = "nothing to send: the text is empty"
            _log_given_up(row)
            session.add(row)
            return None
        if index >= len(parts):  # every part went out; only the bookkeeping was missing
            row.state = OutboxState.SENT.value
            session.add(row)
            return None
        last = index == len(parts) - 1
        return Claimed(
            row_id=row.id,
            chat_id=row.chat_id,
            kind=kind,
            text=parts[index],
            parse_mode=parse_mode,
            buttons=row.buttons if last else None,
            preview_url=row.preview_url,
            target_message_id=target,
            first_part=index == 0,
        )

    # ------------------------------------------------------------------ Telegram
    async def _send(self, item: Claimed) -> bool:
        started = time.monotonic()
        try:
            outcome = Outcome(OutcomeKind.SENT, message_id=await self._call(item))
            metrics.observe_send(item.kind.value, time.monotonic() - started)
        except Exception as exc:
            outcome = classify(exc)
            if outcome.kind is OutcomeKind.BUG:
                log.exception("sending outbox row %s failed unexpectedly", item.row_id)
            if outcome.kind is not OutcomeKind.UNCHANGED:  # an edit to the same text is no fault
                metrics.observe_telegram_error(
                    _error_kind(outcome.kind, exc), time.monotonic() - started
                )
        try:
            await asyncio.to_thread(self._finish, item, outcome)
        except Exception:  # the row stays SENDING; the lease check resends it at most once
            log.exception("recording the outcome of outbox row %s failed", item.row_id)
            return False
        return outcome.kind in (OutcomeKind.SENT, OutcomeKind.UNCHANGED)

    async def _call(self, item: Claimed) -> int:
        markup = _markup(item.buttons)
        if item.kind is OutboxKind.EDIT:
            assert item.target_message_id is not None
            edited = await self.bot.edit_message_text(
                item.text,
                chat_id=item.chat_id,
                message_id=item.target_message_id,
                parse_mode=item.parse_mode,
                reply_markup=markup,
                link_preview_options=self._preview(item),
            )
            return edited.message_id if not isinstance(edited, bool) else item.target_message_id
        message = await self.bot.send_message(
            item.chat_id,
            item.text,
            parse_mode=item.parse_mode,
            reply_markup=markup,
            link_preview_options=self._preview(item),
            reply_to_message_id=item.target_message_id if item.first_part else None,
            allow_sending_without_reply=True if item.target_message_id else None,
            disable_notification=True if item.silent else None,
        )
        return message.message_id

    def _preview(self, item: Claimed) -> LinkPreviewOptions:
        if item.preview_url and item.first_part:
            return LinkPreviewOptions(url=item.preview_url, prefer_small_media=True)
        return LinkPreviewOptions(is_disabled=True)

    def _finish(self, item: Claimed, outcome: Outcome) -> None:
        now = self.clock()
        with self._session() as session:
            # Locked: another process's recovery must not turn the row back meanwhile.
            row = session.get(OutboxRow, item.row_id, with_for_update=self._dialect != "sqlite")
            if row is None or row.state != OutboxState.SENDING.value:
                session.rollback()
                return
            if row.claimed_by != self.worker_id:  # taken over as a leftover: theirs now
                log.warning("outbox row %s was taken over by %s", row.id, row.claimed_by)
                session.rollback()
                return
            state = chat_state(session, row.chat_id)
            kind = outcome.kind
            row.last_error = outcome.detail or None
            if kind in (OutcomeKind.SENT, OutcomeKind.UNCHANGED):
                new_id = outcome.message_id
                if new_id is not None and row.kind != OutboxKind.EDIT.value:
                    row.message_ids = [*row.message_ids, new_id]
                done = row.kind == OutboxKind.EDIT.value or len(row.message_ids) >= self._parts(row)
                row.state = (OutboxState.SENT if done else OutboxState.PENDING).value
                row.sent_at = now if done else row.sent_at
                row.attempts = row.attempts if done else 0
                row.unconfirmed = row.unconfirmed if done else 0  # at most one resend per part
                state.failures = 0
            elif kind is OutcomeKind.RETRY_AFTER:
                row.state = OutboxState.PENDING.value
                row.attempts -= 1  # flood control is not the row's fault
                state.next_send_at = now + timedelta(seconds=outcome.retry_after)
            elif kind is OutcomeKind.BLOCKED:
                row.state = OutboxState.PENDING.value
                pause_chat(session, row.chat_id, outcome.detail, now=now)
                if self.hooks.on_pause is not None:
                    self.hooks.on_pause(session, row.chat_id, outcome.detail)
            elif kind is OutcomeKind.MIGRATED:
                assert outcome.new_chat_id is not None
                row.state = OutboxState.PENDING.value
                migrate_chat(session, row.chat_id, outcome.new_chat_id)
                if self.hooks.on_migrate is not None:
                    self.hooks.on_migrate(session, item.chat_id, outcome.new_chat_id)
            elif kind is OutcomeKind.AS_PLAIN:
                row.state = OutboxState.PENDING.value
                row.plain = True
                row.attempts -= 1
            elif kind is OutcomeKind.NO_BUTTONS:
                row.state = OutboxState.PENDING.value
                row.buttons = None
            elif kind is OutcomeKind.TOO_LONG:
                limit = (row.split_limit or TELEGRAM_LIMIT) * 3 // 4
                row.split_limit = limit
                row.state = (OutboxState.PENDING if limit >= 256 else OutboxState.FAILED).value
            elif kind is OutcomeKind.CANCEL:
                row.state = OutboxState.CANCELLED.value
            elif kind is OutcomeKind.AMBIGUOUS:
                self._ambiguous(row, outcome.detail)
                self._back_off(state, row, now)
                self._out_of_attempts(row)
            elif kind is OutcomeKind.UNREACHABLE:
                row.state = OutboxState.PENDING.value
                row.attempts -= 1  # Telegram is down or out of reach: not the row's fault
                self._back_off(state, row, now)
                if now - row.due_at >= self.give_up_after:
                    row.state = OutboxState.FAILED.value
                    row.last_error = (
                        f"Telegram not reached for {now - row.due_at}: {outcome.detail}"
                    )
            elif kind in (OutcomeKind.RETRY, OutcomeKind.BUG):
                row.state = OutboxState.PENDING.value
                self._back_off(state, row, now)
                self._out_of_attempts(row)
            else:  # FAIL
                row.state = OutboxState.FAILED.value
            if row.state == OutboxState.FAILED.value:
                _log_given_up(row)
            session.add(row)
            session.add(state)
            session.commit()

    def _out_of_attempts(self, row: OutboxRow) -> None:
        if row.state == OutboxState.PENDING.value and row.attempts >= self.max_attempts:
            row.state = OutboxState.FAILED.value
            row.last_error = f"gave up after {row.attempts} attempts: {row.last_error}"

    def _parts(self, row: OutboxRow) -> int:
        text = row.text_plain if row.plain else row.text_html
        return len(split_message(text, row.split_limit or TELEGRAM_LIMIT, html=not row.plain))

    def _back_off(self, state: ChatDelivery, row: OutboxRow, now: datetime) -> None:
        state.failures += 1
        seconds = min(2.0 ** (state.failures - 1), 300.0)
        state.next_send_at = now + timedelta(seconds=seconds)


__all__ = ["Claimed", "Hooks", "Pacing", "Sender", "make_bot"]

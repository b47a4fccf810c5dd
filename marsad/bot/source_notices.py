"""Tell the admins in Telegram when a source stops working and when it works again.

A source that fails ``FAILING_AFTER`` polls in a row, or is disabled (a 410, or 20 failures),
is news to whoever runs Marsad: its alerts have stopped. So is one that churns (nearly every
item new at every poll): its "new" items are not news, and only the alert caps hold it. One
notice per change of state, to every admin, through the outbox (so it is paced, retried and
survives a restart like any message): "failing", "disabled", then "working again" once a poll
succeeds; "churns" once, when it starts.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Engine
from sqlmodel import Session, select

from marsad.bot.delivery import outbox
from marsad.bot.delivery.format import mark_lines, plain_of
from marsad.bot.i18n import number, t, tn
from marsad.store.chats import Language, get_chat
from marsad.store.delivery import OutboxKind
from marsad.store.engine import session
from marsad.store.tables import Source
from marsad.watchers.poller import PollReport, PollStatus

log = logging.getLogger(__name__)

FAILING_AFTER = 5
"""Consecutive failed polls before the admins hear of it (one failure is often a blip)."""
CHURN_POLLS = 3
"""Polls in a row in which nearly every item is new: the feed churns (new guids or links on
every request), and what it says is new is not."""
CHURN_SHARE = 0.8
CHURN_MIN_ENTRIES = 5


class Health(StrEnum):
    OK = "ok"
    FAILING = "failing"
    DISABLED = "disabled"


def _churn_text(language: Language, name: str, new: int, entries: int, polls: int) -> str:
    return "🔁 " + t(
        language,
        "Source <b>{name}</b> seems to churn: {new} of {entries} items were new in each of its "
        "last {polls} polls. Its alerts are capped; check the feed.",
        name=name,
        new=number(language, new),
        entries=number(language, entries),
        polls=number(language, polls),
    )


def _health_text(language: Language, health: Health, name: str, failures: int, error: str) -> str:
    if health is Health.FAILING:
        return "⚠️ " + tn(
            language,
            "Source <b>{name}</b> has failed {n} poll in a row: {error}",
            "Source <b>{name}</b> has failed {n} polls in a row: {error}",
            failures,
            name=name,
            error=error,
        )
    if health is Health.DISABLED:
        return "⛔ " + t(
            language,
            "Source <b>{name}</b> is disabled: {error}\n"
            "It is polled again once its URL is fixed in the configuration.",
            name=name,
            error=error,
        )
    return "✅ " + t(language, "Source <b>{name}</b> works again.", name=name)


def _health(report: PollReport, failing_after: int) -> Health | None:
    """The state a poll shows (None: the poll says nothing new about it)."""
    if report.status is PollStatus.FAILED:
        if report.disabled_reason:
            return Health.DISABLED
        return Health.FAILING if report.failures >= failing_after else None
    if report.status in (PollStatus.NEW, PollStatus.NO_NEW, PollStatus.NOT_MODIFIED):
        return Health.OK
    return None


class SourceNotices:
    """The scheduler's report hook that queues the admins' notices."""

    def __init__(
        self,
        engine: Engine,
        admins: Sequence[int],
        clock: Callable[[], datetime],
        failing_after: int = FAILING_AFTER,
    ) -> None:
        self.engine = engine
        self.admins = tuple(admins)
        self.clock = clock
        self.failing_after = failing_after
        self._churning: dict[str, int] = {}

    def __call__(self, report: PollReport) -> None:
        self._watch_churn(report)
        health = _health(report, self.failing_after)
        if health is None or report.notified == health.value:
            return  # nothing new (the report says what had been told: no read needed)
        with session(self.engine) as s:
            query = select(Source).where(Source.name == report.source).with_for_update()
            row = s.exec(query).first()
            if row is None:
                return
            before = Health(row.notified_health or Health.OK.value)
            if health is before:
                return  # another process told it already
            row.notified_health = None if health is Health.OK else health.value
            s.add(row)
            if not (health is Health.FAILING and before is Health.DISABLED):
                # (re-enabled and failing again: the disabled notice still stands)
                log.log(
                    logging.INFO if health is Health.OK else logging.WARNING,
                    "source %s: %s (%s)",
                    report.source,
                    health,
                    report.disabled_reason or report.error or "",
                )
                self._tell(s, report, health)
            s.commit()

    def _watch_churn(self, report: PollReport) -> None:
        """Count the polls in a row that call nearly all their items new; tell at the third."""
        if report.status not in (PollStatus.NEW, PollStatus.NO_NEW, PollStatus.NOT_MODIFIED):
            return
        churned = (
            not report.backlog
            and report.entries >= CHURN_MIN_ENTRIES
            and len(report.new_items) >= CHURN_SHARE * report.entries
        )
        count = self._churning.get(report.source, 0) + 1 if churned else 0
        self._churning[report.source] = count
        if count != CHURN_POLLS:
            return
        new, entries = len(report.new_items), report.entries
        log.warning("source %s churns: %d of %d items new", report.source, new, entries)
        name = html.escape(report.source)
        # Two watchers polling it in turn may each count three: the key keeps it one a day.
        day = self.clock().date().isoformat()
        with session(self.engine) as s:
            self._send(
                s,
                lambda language: _churn_text(language, name, new, entries, CHURN_POLLS),
                dedup_key=f"churn:{report.source[:150]}:{day}",
            )
            s.commit()

    def _tell(self, s: Session, report: PollReport, health: Health) -> None:
        name = html.escape(report.source)
        error = html.escape(report.disabled_reason or report.error or "")
        self._send(
            s,
            lambda language: _health_text(language, health, name, report.failures, error),
        )

    def _send(
        self, s: Session, text_in: Callable[[Language], str], dedup_key: str | None = None
    ) -> None:
        now = self.clock()
        for admin in self.admins:
            chat = get_chat(s, admin)
            language = chat.lang if chat is not None else Language.AR
            text = mark_lines(text_in(language), language)
            outbox.enqueue(
                s, admin, OutboxKind.NOTICE, text, plain_of(text), now=now, dedup_key=dedup_key
            )

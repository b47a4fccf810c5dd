"""Tell the admins in Telegram when a source stops working and when it works again.

A source that fails ``FAILING_AFTER`` polls in a row, or is disabled (a 410, or 20 failures),
is news to whoever runs Marsad: its alerts have stopped. One notice per change of state, to
every admin, through the outbox (so it is paced, retried and survives a restart like any
message): "failing", "disabled", then "working again" once a poll succeeds.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Engine
from sqlmodel import select

from marsad.bot.delivery import outbox
from marsad.store.chats import Language, get_chat
from marsad.store.delivery import OutboxKind
from marsad.store.engine import session
from marsad.store.tables import Source
from marsad.watchers.poller import PollReport, PollStatus

log = logging.getLogger(__name__)

FAILING_AFTER = 5
"""Consecutive failed polls before the admins hear of it (one failure is often a blip)."""


class Health(StrEnum):
    OK = "ok"
    FAILING = "failing"
    DISABLED = "disabled"


_TEXTS = {
    Language.AR: {
        Health.FAILING: "⚠️ المصدر <b>{name}</b> فشل {failures} مرات متتالية: {error}",
        Health.DISABLED: "⛔ عُطّل المصدر <b>{name}</b>: {error}\n"
        "يُستأنف بعد تصحيح العنوان في الإعدادات.",
        Health.OK: "✅ المصدر <b>{name}</b> يعمل من جديد.",
    },
    Language.EN: {
        Health.FAILING: "⚠️ Source <b>{name}</b> has failed {failures} polls in a row: {error}",
        Health.DISABLED: "⛔ Source <b>{name}</b> is disabled: {error}\n"
        "It is polled again once its URL is fixed in the configuration.",
        Health.OK: "✅ Source <b>{name}</b> works again.",
    },
}


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
        self._health: dict[str, Health] = {}
        with session(engine) as s:  # what the admins were told before a restart
            for source in s.exec(select(Source)).all():
                if source.disabled_reason:
                    self._health[source.name] = Health.DISABLED
                elif source.consecutive_failures >= failing_after:
                    self._health[source.name] = Health.FAILING

    def __call__(self, report: PollReport) -> None:
        health = _health(report, self.failing_after)
        before = self._health.get(report.source, Health.OK)
        if health is None or health is before:
            return
        self._health[report.source] = health
        if health is Health.FAILING and before is Health.DISABLED:
            return  # re-enabled and failing again: the disabled notice still stands
        log.log(
            logging.INFO if health is Health.OK else logging.WARNING,
            "source %s: %s (%s)",
            report.source,
            health,
            report.disabled_reason or report.error or "",
        )
        if self.admins:
            self._tell(report, health)

    def _tell(self, report: PollReport, health: Health) -> None:
        now = self.clock()
        with session(self.engine) as s:
            for admin in self.admins:
                chat = get_chat(s, admin)
                language = chat.lang if chat is not None else Language.AR
                text = _TEXTS[language][health].format(
                    name=html.escape(report.source),
                    failures=report.failures,
                    error=html.escape(report.disabled_reason or report.error or ""),
                )
                outbox.enqueue(s, admin, OutboxKind.NOTICE, text, _plain(text), now=now)
            s.commit()


def _plain(text: str) -> str:
    return html.unescape(text.replace("<b>", "").replace("</b>", ""))

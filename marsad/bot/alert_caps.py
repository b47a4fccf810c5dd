"""Caps on alerts, so that one feed cannot flood a chat: per source per poll, per chat per hour.

A feed that churns (new guids on every request) or dumps its archive can bring hundreds of
"new" matching items at once; an analyst drowned in them misses the one that matters. Past a
cap an item is not alerted one by one: it is stored and matched as ever (in `/digest` and
`marsad stories`), and the chat gets one summary per poll that says how many and where to
read them (docs/faults.md).
"""

from __future__ import annotations

import html
from collections import Counter, defaultdict
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from marsad.bot.delivery import outbox
from marsad.bot.delivery.format import mark_lines, plain_of
from marsad.bot.i18n import tn
from marsad.store.chats import Language
from marsad.store.delivery import OutboxKind, OutboxRow, OutboxState

PER_SOURCE_POLL = 10
"""Alerts to one chat from one poll of one source."""
PER_CHAT_HOUR = 40
"""Alerts queued for one chat in the last hour, from all sources."""


def _summary(language: Language, count: int, source: str) -> str:
    """The notice of the alerts held back from one poll of one source."""
    return "📥 " + tn(
        language,
        "{n} more matching item from {source} was not sent on its own (alert cap). "
        "Read it with /digest 24h",
        "{n} more matching items from {source} were not sent one by one (alert cap). "
        "Read them with /digest 24h",
        count,
        source=source,
    )


PollKey = tuple[str, datetime]
"""A poll: the source's name and the time its items were fetched (one per poll)."""


class PollCounts:
    """Alerts sent and held back per chat for each recent poll; a poll stored in several
    transactions (big polls are chunked) keeps one count."""

    KEEP = 64

    def __init__(self) -> None:
        self._polls: dict[PollKey, tuple[Counter[int], Counter[int]]] = {}

    def of(self, poll: PollKey) -> tuple[Counter[int], Counter[int]]:
        """(sent, held back) per chat for ``poll``."""
        if poll not in self._polls:
            if len(self._polls) >= self.KEEP:
                del self._polls[next(iter(self._polls))]
            self._polls[poll] = (Counter(), Counter())
        return self._polls[poll]


class AlertCaps:
    """Counts the alerts of one fan-out against the caps; collects what is over them."""

    def __init__(self, session: Session, now: datetime, polls: PollCounts | None = None) -> None:
        self.session = session
        self.now = now
        self.polls = polls or PollCounts()
        self._last_hour: dict[int, int] = {}
        self.over: defaultdict[int, set[PollKey]] = defaultdict(set)

    def _queued_last_hour(self, chat_id: int) -> int:
        if chat_id not in self._last_hour:
            self._last_hour[chat_id] = int(
                self.session.exec(
                    select(func.count())
                    .select_from(OutboxRow)
                    .where(
                        OutboxRow.chat_id == chat_id,
                        OutboxRow.kind == OutboxKind.ALERT.value,
                        col(OutboxRow.created_at) > self.now - timedelta(hours=1),
                    )
                ).one()
            )
        return self._last_hour[chat_id]

    def allows(self, chat_id: int, poll: PollKey) -> bool:
        """Whether one more alert from ``poll`` may go to the chat now; if not, it is counted
        for the chat's summary of that poll."""
        sent, held = self.polls.of(poll)
        if sent[chat_id] >= PER_SOURCE_POLL or self._queued_last_hour(chat_id) >= PER_CHAT_HOUR:
            held[chat_id] += 1
            self.over[chat_id].add(poll)
            return False
        return True

    def sent(self, chat_id: int, poll: PollKey) -> None:
        self.polls.of(poll)[0][chat_id] += 1
        self._last_hour[chat_id] = self._queued_last_hour(chat_id) + 1

    def summarise(self, languages: dict[int, Language]) -> int:
        """Queue (or, still unsent, update) one summary per chat and poll of what was held
        back; returns how many chats got one."""
        for chat_id, polls in self.over.items():
            language = languages.get(chat_id, Language.AR)
            for source, fetched in sorted(polls):
                count = self.polls.of((source, fetched))[1][chat_id]
                text = mark_lines(_summary(language, count, html.escape(source)), language)
                key = f"cap:{source}:{fetched.isoformat()}"[:200]
                row = outbox.enqueue(
                    self.session, chat_id, OutboxKind.NOTICE, text, plain_of(text),
                    now=self.now, dedup_key=key,
                )  # fmt: skip
                if row is None:
                    self._update(chat_id, key, text)
        return len(self.over)

    def _update(self, chat_id: int, key: str, text: str) -> None:
        queued = self.session.exec(
            select(OutboxRow).where(
                OutboxRow.chat_id == chat_id,
                OutboxRow.dedup_key == key,
                OutboxRow.state == OutboxState.PENDING.value,
            )
        ).first()
        if queued is not None:
            queued.text_html, queued.text_plain = text, plain_of(text)
            self.session.add(queued)

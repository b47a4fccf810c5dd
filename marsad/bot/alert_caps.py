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

from marsad.store.chats import Language
from marsad.store.delivery import OutboxKind, OutboxRow

PER_SOURCE_POLL = 10
"""Alerts to one chat from one poll of one source."""
PER_CHAT_HOUR = 40
"""Alerts queued for one chat in the last hour, from all sources."""

_SUMMARY = {
    Language.AR: "📥 {count} خبرا آخر من {source} طابقت اشتراكاتك ولم تُرسل واحدا واحدا "
    "(حدّ التنبيهات). تجدها في /digest 24h",
    Language.EN: "📥 {count} more matching items from {source} were not sent one by one "
    "(alert cap). Read them with /digest 24h",
}


class AlertCaps:
    """Counts the alerts of one fan-out against the caps; collects what is over them."""

    def __init__(self, session: Session, now: datetime) -> None:
        self.session = session
        self.now = now
        self._this_poll: Counter[tuple[int, str]] = Counter()
        self._last_hour: dict[int, int] = {}
        self.over: defaultdict[int, Counter[str]] = defaultdict(Counter)

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

    def allows(self, chat_id: int, source: str) -> bool:
        """Whether one more alert from ``source`` may go to the chat now; if not, it is
        counted for the chat's summary."""
        if (
            self._this_poll[(chat_id, source)] >= PER_SOURCE_POLL
            or self._queued_last_hour(chat_id) >= PER_CHAT_HOUR
        ):
            self.over[chat_id][source] += 1
            return False
        return True

    def sent(self, chat_id: int, source: str) -> None:
        self._this_poll[(chat_id, source)] += 1
        self._last_hour[chat_id] = self._queued_last_hour(chat_id) + 1

    def summaries(self, languages: dict[int, Language]) -> list[tuple[int, str]]:
        """(chat, text) of each chat's summary of what was over the caps, one per source."""
        found = []
        for chat_id, sources in self.over.items():
            language = languages.get(chat_id, Language.AR)
            for source, count in sorted(sources.items()):
                text = _SUMMARY[language].format(count=count, source=html.escape(source))
                found.append((chat_id, text))
        return found

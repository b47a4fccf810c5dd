"""Spike alerts: a recorded spike goes to every chat that follows the spikes of its entity or rule
(``/subscribe spikes @entity``, ``/subscribe spikes RULE_ID``).

Runs in the transaction that records the spike (``SpikeDetector(on_spike=SpikeAlerts(...))``), so
a spike is never stored without its alerts.  One outbox row per chat, dedup key
``spike:<spike id>``: a chat never gets one spike twice.  Like story alerts, a muted chat or
subscription gets none, a chat not allowed gets none, and one found in the chat's quiet hours is
held until they end.  The text is in the chat's language: "📈 Spike: <title> — N stories in the
hour (usually ~B)", the window in the configured time zone, and up to ``MAX_STORIES`` of the
stories behind it, linked, with "+k more".
"""

from __future__ import annotations

import html
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from marsad.bot.alert_options import quiet_until
from marsad.bot.delivery import outbox
from marsad.bot.delivery.format import line_mark, mark_lines, plain_of
from marsad.bot.handlers.access import AccessPolicy
from marsad.bot.i18n import number, t, tn, when
from marsad.bot.titles import entity_label, rule_label
from marsad.config import Config
from marsad.matching.engine import Matcher
from marsad.store.chat_access import decisions
from marsad.store.chats import Chat, Language, Subscription, SubscriptionKind
from marsad.store.delivery import OutboxKind
from marsad.store.spike_stories import SpikeStory, spike_stories
from marsad.store.spikes import Spike, SpikeTarget, SpikeWindow

log = logging.getLogger(__name__)

MAX_STORIES = 5


def spike_target(kind: SpikeTarget, ident: str) -> str:
    """A spikes subscription's target: ``entity:ID`` or ``rule:ID``."""
    return f"{kind.value}:{ident}"


def parse_target(target: str) -> tuple[SpikeTarget, str]:
    """``entity:ID`` → (ENTITY, ID); ValueError for anything else."""
    kind, _, ident = target.partition(":")
    if not ident:
        raise ValueError(f"not a spikes target: {target!r}")
    return SpikeTarget(kind), ident


def target_title(matcher: Matcher | None, kind: SpikeTarget, ident: str, lang: Language) -> str:
    """The entity's or rule's title in ``lang`` (its id when the rule files lost it)."""
    if kind is SpikeTarget.ENTITY:
        return entity_label(matcher, ident, lang)
    return rule_label(matcher, ident, lang)


def key(spike_id: int) -> str:
    """The dedup key of a spike's alert."""
    return f"spike:{spike_id}"


def headline(spike: Spike, title: str, language: Language) -> str:
    """ "📈 Spike: <title> — N stories in the hour (usually ~B)" (HTML)."""
    usual = number(language, round(spike.baseline, 1))
    if SpikeWindow(spike.window) is SpikeWindow.HOUR:
        counted = tn(
            language,
            "{n} story in the hour (usually ~{usual})",
            "{n} stories in the hour (usually ~{usual})",
            spike.count,
            usual=usual,
        )
    elif SpikeWindow(spike.window) is SpikeWindow.HOURS_3:
        counted = tn(
            language,
            "{n} story in the last 3 hours (usually ~{usual})",
            "{n} stories in the last 3 hours (usually ~{usual})",
            spike.count,
            usual=usual,
        )
    elif SpikeWindow(spike.window) is SpikeWindow.HOURS_6:
        counted = tn(
            language,
            "{n} story in the last 6 hours (usually ~{usual})",
            "{n} stories in the last 6 hours (usually ~{usual})",
            spike.count,
            usual=usual,
        )
    else:
        counted = tn(
            language,
            "{n} story in the day (usually ~{usual})",
            "{n} stories in the day (usually ~{usual})",
            spike.count,
            usual=usual,
        )
    name = t(language, "Spike: {name}", name=f"<b>{html.escape(title, quote=False)}</b>")
    return f"📈 {name} — {counted}"


def window_line(spike: Spike, language: Language, tz: ZoneInfo) -> str:
    """When: "22 Nov 09:00 – 10:00 GMT+1" (a day: its date)."""
    if SpikeWindow(spike.window) is SpikeWindow.DAY:
        return when(language, spike.window_start, tz, "d MMM y")
    start = when(language, spike.window_start, tz, "d MMM HH:mm")
    end = when(language, spike.window_end, tz, "HH:mm")
    zone = start.rsplit(" ", 1)
    return f"{zone[0]} – {end}" if len(zone) == 2 else f"{start} – {end}"


def story_lines(stories: Sequence[SpikeStory], language: Language) -> list[str]:
    """The stories behind the spike, linked, up to ``MAX_STORIES``; "+k more" for the rest."""
    lines = []
    for story in stories[:MAX_STORIES]:
        title = html.escape(story.title, quote=False)
        link = f'<a href="{html.escape(story.url, quote=True)}">{title}</a>'
        lines.append(f"{line_mark(story.title, language, own_script=True)}• {link}")
    rest = len(stories) - MAX_STORIES
    if rest > 0:
        lines.append(tn(language, "+{n} more story", "+{n} more stories", rest))
    return lines


def spike_text(
    spike: Spike,
    stories: Sequence[SpikeStory],
    title: str,
    language: Language,
    tz: ZoneInfo,
    subscription: int | None = None,
) -> str:
    """The whole alert in ``language`` (Telegram HTML)."""
    head = [headline(spike, title, language), window_line(spike, language, tz)]
    if subscription is not None:
        head.append(t(language, "Subscription #{number}", number=subscription))
    worded = mark_lines("\n".join(head), language)
    return "\n".join([worded, *story_lines(stories, language)])


def subscribers(session: Session, target: str, now: datetime) -> list[tuple[Chat, Subscription]]:
    """The unmuted spikes subscriptions of unmuted chats to ``target``."""
    rows = session.exec(
        select(Chat, Subscription)
        .join(Subscription, col(Subscription.chat_id) == col(Chat.id))
        .where(
            Subscription.kind == SubscriptionKind.SPIKES.value,
            Subscription.target == target,
            col(Subscription.muted).is_(False),
            (col(Chat.muted_until).is_(None)) | (col(Chat.muted_until) <= now),
        )
        .order_by(col(Chat.id))
    ).all()
    return [(chat, sub) for chat, sub in rows]


@dataclass(frozen=True)
class SpikeAlerts:
    """The detector's ``on_spike``: queue the alert of a spike for each chat following it."""

    config: Config
    matcher: Matcher | None

    def __call__(self, session: Session, spike: Spike) -> int:
        # the buttons' module imports the handlers, which use this module's titles
        from marsad.bot.handlers.callbacks import Button, data

        kind = SpikeTarget(spike.target_kind)
        chats = subscribers(session, spike_target(kind, spike.target), spike.detected_at)
        if not chats:
            return 0
        policy = AccessPolicy.from_config(self.config.telegram, decisions(session))
        stories = spike_stories(session, spike.story_ids)
        tz = self.config.tz
        queued = 0
        for chat, sub in chats:
            if not policy.chat_allowed(chat.chat_id):
                continue
            language = chat.lang
            title = target_title(self.matcher, kind, spike.target, language)
            text = spike_text(spike, stories, title, language, tz, sub.number)
            held = quiet_until(spike.detected_at, chat.quiet_start, chat.quiet_end, tz)
            mute = "🔕 " + t(language, "Mute this subscription")
            row = outbox.enqueue(
                session,
                chat.chat_id,
                OutboxKind.ALERT,
                text,
                plain_of(text),
                now=spike.detected_at,
                dedup_key=key(spike.id or 0),
                buttons=[[{"text": mute, "callback_data": data(Button.MUTE, sub.id or 0)}]],
                due_at=held,
                held=held is not None,
            )
            if row is not None:
                queued += 1
        log.info("spike %s: alerts queued for %d chats", spike.id, queued)
        return queued

"""Fan-out: turn newly stored, matched items into at most one alert per story per chat.

Runs inside the transaction that stores the items (the ingest pipeline calls ``fan_out``), so an
item is never stored without its alerts.  For each item: which subscriptions fired (rules by id,
entities by id, query subscriptions by their matcher id ``sub:<id>``), skipping muted chats,
muted subscriptions, chats not allowed, and items from a source's first poll (backlog).  The
outbox refuses a second alert for the same story in a chat (dedup key ``story:<id>``); when that
happens and the story has gained outlets, the sent alert is edited to show "+N sources" instead.
"""

from __future__ import annotations

import html
import logging
import re
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from marsad import metrics
from marsad.bot.alert_caps import AlertCaps, PollCounts
from marsad.bot.alert_options import ItemFacts, admitted, item_language, quiet_until
from marsad.bot.delivery import outbox
from marsad.bot.delivery.format import Alert, format_alert, more_sources
from marsad.bot.digests import story_outlets
from marsad.bot.handlers.access import AccessPolicy
from marsad.bot.handlers.callbacks import Button, data
from marsad.bot.i18n import t
from marsad.bot.titles import entity_label, rule_label
from marsad.config import Config, SourceConfig
from marsad.matching.engine import Matcher, MatchResult
from marsad.matching.rulefile import Severity
from marsad.store.chat_access import decisions
from marsad.store.chats import Chat, Language, Subscription, SubscriptionKind, active_subscriptions
from marsad.store.delivery import OutboxKind, OutboxRow
from marsad.store.tables import Item
from marsad.watchers.ingest import Ingested, on_commit

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Arrival:
    """A newly stored item, the story it joined or started, and what it matched."""

    item: Item
    source: str
    story_id: int
    outlets: int
    result: MatchResult


@dataclass(frozen=True)
class FanOutReport:
    alerts: int = 0
    edits: int = 0
    skipped_backlog: int = 0


@dataclass(frozen=True)
class Fired:
    """The subscriptions of one chat that one item fired."""

    chat: Chat
    subscriptions: tuple[Subscription, ...]


class Index:
    """Active subscriptions indexed by what fires them."""

    def __init__(self, pairs: Sequence[tuple[Chat, Subscription]]) -> None:
        self.by_key: dict[tuple[SubscriptionKind, str], list[tuple[Chat, Subscription]]] = (
            defaultdict(list)
        )
        for chat, sub in pairs:
            kind = SubscriptionKind(sub.kind)
            key = sub.query_id if kind is SubscriptionKind.QUERY else sub.target
            self.by_key[(kind, key)].append((chat, sub))

    def fired(self, result: MatchResult) -> list[Fired]:
        found: dict[int, tuple[Chat, list[Subscription]]] = {}
        keys = [
            *((SubscriptionKind.RULE, r) for r in result.rules),
            *((SubscriptionKind.ENTITY, e) for e in result.entities),
            *((SubscriptionKind.QUERY, q) for q in result.queries),
        ]
        for key in keys:
            for chat, sub in self.by_key.get(key, ()):
                entry = found.setdefault(chat.chat_id, (chat, []))
                if sub not in entry[1]:
                    entry[1].append(sub)
        return [
            Fired(chat, tuple(sorted(subs, key=lambda s: s.number)))
            for chat, subs in found.values()
        ]


def why(
    matcher: Matcher | None, subscription: Subscription, language: Language = Language.EN
) -> str:
    """How a subscription is named in an alert's "why" line: its number and what it follows
    (a rule's or an entity's title in the chat's language)."""
    kind = SubscriptionKind(subscription.kind)
    name = subscription.target
    if kind is SubscriptionKind.RULE:
        name = rule_label(matcher, name, language)
    elif kind is SubscriptionKind.ENTITY:
        name = entity_label(matcher, name, language)
    return f"#{subscription.number} {name}"


def snippet_of(arrival: Arrival) -> tuple[str, list[tuple[int, int]]]:
    """The field to quote (summary, else article text) and the matched spans in it."""
    field = "summary" if arrival.item.summary.strip() else "text"
    text = arrival.item.summary if field == "summary" else arrival.item.text
    spans = [(hit.start, hit.end) for hit in arrival.result.hits if hit.field == field]
    return text, spans


def item_facts(arrival: Arrival, sources: Mapping[str, SourceConfig]) -> ItemFacts:
    """Where an arrival comes from (its source and the source's tags) and its language."""
    source = sources.get(arrival.source)
    item = arrival.item
    language = item_language(source.language if source else None, item.title, item.summary)
    return ItemFacts(arrival.source, source.tags if source else (), language)


def rule_severities(matcher: Matcher | None, result: MatchResult) -> dict[str, Severity]:
    """The severity of each shipped rule an item matched."""
    rules = matcher.rules if matcher is not None else {}
    return {rule: rules[rule].severity for rule in result.rules if rule in rules}


def alert_for(
    arrival: Arrival, fired: Fired, matcher: Matcher | None, severity: Severity | None = None
) -> Alert:
    """What the alert of ``arrival`` says to the chat of ``fired``."""
    language = fired.chat.lang
    names = [entity_label(matcher, ident, language) for ident in arrival.result.entities]
    snippet, spans = snippet_of(arrival)
    return Alert(
        title=arrival.item.title,
        outlet=arrival.source,
        published=arrival.item.published_at,
        link=arrival.item.url,
        snippet=snippet,
        spans=spans,
        why=tuple(why(matcher, sub, language) for sub in fired.subscriptions),
        entities=tuple(names),
        extra_sources=max(arrival.outlets - 1, 0),
        lang=fired.chat.lang,
        severity=severity,
    )


_MORE = re.compile(r" · \+\d+ [^·\n]*$")


def with_extra_sources(text: str, extra: int, language: Language) -> str:
    """An alert's text with its "+N sources" (on the outlet line, the second) set to ``extra``."""
    lines = text.split("\n")
    if len(lines) < 2 or extra < 1:
        return text
    label = html.escape(more_sources(extra, language))
    lines[1] = _MORE.sub("", lines[1]) + f" · {label}"
    return "\n".join(lines)


def buttons_for(arrival: Arrival, fired: Fired, language: Language) -> list[list[dict[str, str]]]:
    """Mute the (first) subscription that fired; open the story's other sources, once it has
    more than one (``with_sources_button`` adds it when a second source arrives)."""
    mute = "🔕 " + t(language, "Mute this subscription")
    first = fired.subscriptions[0]
    row = [{"text": mute, "callback_data": data(Button.MUTE, first.id or 0)}]
    buttons = [row]
    return (
        with_sources_button(buttons, arrival.story_id, language) if arrival.outlets > 1 else buttons
    )


def with_sources_button(
    buttons: list[list[dict[str, str]]] | None, story_id: int, language: Language
) -> list[list[dict[str, str]]]:
    """``buttons`` with the "other sources" button on the first row (kept if already there)."""
    rows = [list(row) for row in buttons or []]
    sources = data(Button.SOURCES, story_id)
    if any(button.get("callback_data") == sources for row in rows for button in row):
        return rows
    more = {"text": "📰 " + t(language, "Other sources"), "callback_data": sources}
    if rows:
        rows[0].append(more)
    else:
        rows.append([more])
    return rows


def fan_out(
    session: Session,
    arrivals: Sequence[Arrival],
    now: datetime,
    *,
    matcher: Matcher | None = None,
    policy: AccessPolicy | None = None,
    tz: ZoneInfo | None = None,
    polls: PollCounts | None = None,
    sources: Mapping[str, SourceConfig] | None = None,
) -> FanOutReport:
    """Enqueue the alerts (and "+N sources" edits) the arrivals call for; returns counts.
    ``polls`` carries the per-poll alert counts across the transactions of one big poll;
    ``sources`` (by name) gives the items' languages and tags that subscriptions may filter on.
    A subscription alerts only when its options allow (``alert_options``); an alert found in
    the chat's quiet hours is held until they end."""
    tz = tz or ZoneInfo("UTC")
    index = Index(active_subscriptions(session, now))
    caps = AlertCaps(session, now, polls)
    languages: dict[int, Language] = {}
    alerts = edits = backlog = 0
    for arrival in arrivals:
        if arrival.item.backlog:
            backlog += 1
            continue
        alerted = alerted_chats(session, arrival.story_id)
        facts = item_facts(arrival, sources or {})
        matched = rule_severities(matcher, arrival.result)
        for fired in index.fired(arrival.result):
            chat_id = fired.chat.chat_id
            if chat_id in alerted or (policy is not None and not policy.chat_allowed(chat_id)):
                continue
            allowed, severity = admitted(fired.subscriptions, facts, matched)
            if not allowed:
                continue
            fired = Fired(fired.chat, allowed)
            held = quiet_until(now, fired.chat.quiet_start, fired.chat.quiet_end, tz)
            languages[chat_id] = fired.chat.lang
            poll = (arrival.source, arrival.item.fetched_at)
            if not caps.allows(chat_id, poll):
                continue
            rendered = format_alert(alert_for(arrival, fired, matcher, severity), tz)
            row = outbox.enqueue(
                session,
                chat_id,
                OutboxKind.ALERT,
                rendered.html,
                rendered.plain,
                now=now,
                story_id=arrival.story_id,
                dedup_key=outbox.story_key(arrival.story_id),
                buttons=buttons_for(arrival, fired, fired.chat.lang),
                preview_url=rendered.preview_url,
                due_at=held,
                held=held is not None,
            )
            if row is not None:
                alerts += 1
                caps.sent(chat_id, poll)
        if arrival.outlets > 1:
            edits += grow(session, arrival.story_id, arrival.outlets, now, tz)
    if caps.summarise(languages):
        log.warning("fan-out: alerts over the caps, summarised to %d chats", len(caps.over))
    return FanOutReport(alerts, edits, backlog)


def arrivals_of(session: Session, ingested: Sequence[Ingested]) -> list[Arrival]:
    """The lead's ingest records as arrivals, with each item's story and its outlets now.

    Runs after the stories stage (``item.story_id`` set, the story's counts updated in this
    session); an item without a story is a story of its own (keyed by its negated id).
    """
    ids = sorted({i.item.story_id for i in ingested if i.item.story_id is not None})
    outlets = story_outlets(session, ids)
    found = []
    for record in ingested:
        if record.result is None:
            continue
        item = record.item
        story = item.story_id if item.story_id is not None else -(item.id or 0)
        found.append(Arrival(item, record.source.name, story, outlets.get(story, 1), record.result))
    return found


@dataclass
class FanOut:
    """The ingest stage that fans new items out to chats (``Ingest(stages=[..., FanOut(...)])``)."""

    config: Config
    matcher: Matcher
    clock: Callable[[], datetime]
    polls: PollCounts = field(default_factory=PollCounts)

    def __call__(self, session: Session, ingested: Sequence[Ingested]) -> None:
        if all(record.item.backlog for record in ingested):
            # A first poll's backlog is never alerted nor edited (``fan_out`` skips each
            # backlog item): the subscriptions, access decisions and outlet counts it would
            # read for nothing cost ~1 ms a feed in a cycle of new sources.
            return
        report = fan_out(
            session,
            arrivals_of(session, ingested),
            self.clock(),
            matcher=self.matcher,
            # the chats allowed and denied from Telegram as this transaction sees them
            policy=AccessPolicy.from_config(self.config.telegram, decisions(session)),
            tz=self.config.tz,
            polls=self.polls,
            sources={source.name: source for source in self.config.sources},
        )
        if report.alerts or report.edits:
            log.info("fan-out: %d alerts, %d edits queued", report.alerts, report.edits)
            on_commit(session, _counts(report))


def _counts(report: FanOutReport) -> Callable[[], None]:
    """Add the queued alerts and edits to the counters once their transaction commits."""

    def count() -> None:
        metrics.ALERTS_QUEUED.inc(report.alerts)
        metrics.EDITS_QUEUED.inc(report.edits)

    return count


def alerted_chats(session: Session, story_id: int) -> set[int]:
    """Chats that already have an alert for the story (the outbox would refuse another)."""
    return set(
        session.exec(
            select(OutboxRow.chat_id).where(
                OutboxRow.story_id == story_id, OutboxRow.kind == OutboxKind.ALERT.value
            )
        ).all()
    )


def grow(
    session: Session, story_id: int, outlets: int, now: datetime, tz: ZoneInfo | None = None
) -> int:
    """Show "+N sources" on each chat's alert for the story (its first one still queued or
    sent, ``outbox.first_alert``); returns edits.  In a chat's quiet hours the edit waits for
    their end too.

    The alert keeps the words of the item that triggered it; only its outlet line changes.
    """
    alerts = session.exec(
        select(OutboxRow)
        .where(
            OutboxRow.story_id == story_id,
            OutboxRow.kind == OutboxKind.ALERT.value,
            col(OutboxRow.state).in_(outbox.LIVE_ALERT_STATES),
        )
        .order_by(col(OutboxRow.id))
    ).all()
    count = 0
    seen: set[int] = set()
    ids = sorted({alert.chat_id for alert in alerts})
    chats = {
        chat.chat_id: chat
        for start in range(0, len(ids), 500)
        for chat in session.exec(
            select(Chat).where(col(Chat.chat_id).in_(ids[start : start + 500]))
        )
    }
    for alert in alerts:
        if alert.chat_id in seen:
            continue
        seen.add(alert.chat_id)
        chat = chats.get(alert.chat_id)
        if chat is not None and chat.muted(now):
            continue
        language = chat.lang if chat is not None else Language.AR
        text_html = with_extra_sources(alert.text_html, outlets - 1, language)
        if text_html == alert.text_html:
            continue
        text_plain = with_extra_sources(alert.text_plain, outlets - 1, language)
        held = None
        if chat is not None:
            held = quiet_until(now, chat.quiet_start, chat.quiet_end, tz or ZoneInfo("UTC"))
        buttons = with_sources_button(alert.buttons, story_id, language)
        if outbox.enqueue_edit(
            session,
            alert.chat_id,
            story_id,
            text_html,
            text_plain,
            now=now,
            due_at=held,
            buttons=buttons,
        ):
            count += 1
    return count

"""Digests: the stories of a period that match a chat's subscriptions (or one query), grouped.

Shared by ``/digest``, the daily scheduled digest and ``marsad digest``.  Rule and entity
selectors read what each item of the period matched at ingest (``item_matches``); a query is
matched again with the live matcher on the items the archive index names as its candidates
(``digest_reads``: a query subscribed a minute ago, or an ad-hoc one, sees the whole period).
Items are grouped into
stories, each story shown once under the first subscription it matches, groups in subscription
order, stories ranked by number of outlets then recency.
"""

from __future__ import annotations

import asyncio
import html
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta, tzinfo

from babel.dates import format_datetime
from sqlmodel import Session, col, select

from marsad.bot.alert_options import highest, severity_marker
from marsad.bot.delivery.display import displayable
from marsad.bot.digest_reads import PeriodRead, match_inputs, read_period
from marsad.bot.digest_reads import Row as Row  # re-exported: the handlers name them
from marsad.bot.digest_reads import Selector as Selector
from marsad.bot.i18n import locale_of, number
from marsad.bot.titles import entity_label, rule_label
from marsad.config import Config
from marsad.matching.engine import Matcher, MatchResult
from marsad.matching.rulefile import Severity
from marsad.store.chats import DIGEST_OFF, Chat, Language, Subscription, SubscriptionKind
from marsad.store.matches import ItemMatch, MatchKind
from marsad.store.stories import Story, resolve_story
from marsad.store.tables import Item, Source

DEFAULT_PERIOD = timedelta(hours=24)
MATCH_CHUNK = 50
"""Items matched between two yields to the event loop (tens of milliseconds of work)."""


def selector_of(
    matcher: Matcher, subscription: Subscription, language: Language = Language.EN
) -> Selector:
    """The selector of a stored subscription, labelled for people of ``language``."""
    kind = SubscriptionKind(subscription.kind)
    if kind is SubscriptionKind.RULE:
        label = rule_label(matcher, subscription.target, language)
        return Selector(label, kind, subscription.target)
    if kind is SubscriptionKind.ENTITY:
        label = entity_label(matcher, subscription.target, language)
        return Selector(label, kind, subscription.target)
    return Selector(subscription.target, kind, subscription.query_id)


def rule_selectors(matcher: Matcher) -> list[Selector]:
    """Every rule of the rule files (the console digest without a query)."""
    return [Selector(rule.title, SubscriptionKind.RULE, rule.id) for rule in matcher.rules.values()]


@dataclass(frozen=True)
class StoryLine:
    """One story in a digest."""

    story_id: int
    title: str
    url: str
    source: str
    outlets: int
    published: datetime
    severity: Severity | None = None
    """The highest severity of the shipped rules its items matched (else normal)."""


@dataclass(frozen=True)
class Group:
    label: str
    stories: tuple[StoryLine, ...]


@dataclass(frozen=True)
class Digest:
    since: datetime
    until: datetime
    groups: tuple[Group, ...]

    @property
    def count(self) -> int:
        return sum(len(group.stories) for group in self.groups)


StoryOf = Callable[[Session, Sequence[Item]], Mapping[int, int]]
"""Item id → story id for the given items (items of no story are their own story)."""


def items_are_stories(session: Session, items: Sequence[Item]) -> Mapping[int, int]:
    """Each item's story; an item stored before stories existed is a story of its own
    (keyed by its negated id, so it never collides with a story id)."""
    return {item.id or 0: item.story_id or -(item.id or 0) for item in items}


def story_outlets(session: Session, story_ids: Sequence[int]) -> dict[int, int]:
    """How many outlets each story has (over its whole life, not only the digest's period)."""
    wanted = [story for story in story_ids if story > 0]
    found: dict[int, int] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        rows = session.exec(select(Story.id, Story.outlets).where(col(Story.id).in_(chunk)))
        found.update({story or 0: outlets for story, outlets in rows})
    return found


StoryMembers = Callable[[Session, int], list[Row]]
"""The items (with their sources) of one story, first reported first."""


def item_as_story(session: Session, story_id: int) -> list[Row]:
    """The items of a story, earliest first (a negative id is the lone item of that id). A
    story merged into another (an alert's button sent before the merge) shows the merged one."""
    if story_id > 0:
        story_id = resolve_story(session, story_id)
    where = col(Item.story_id) == story_id if story_id > 0 else col(Item.id) == -story_id
    found = session.exec(
        select(Item, Source.name)
        .join(Source, col(Source.id) == col(Item.source_id))
        .where(where)
        .order_by(col(Item.published_at), col(Item.id))
    ).all()
    return [Row(item, name) for item, name in found]


def source_tags(config: Config) -> dict[str, tuple[str, ...]]:
    """Each configured source's tags, for rules limited to some sources."""
    return {source.name: source.tags for source in config.sources}


def match_rows(
    session: Session, matcher: Matcher, rows: Sequence[Row], tags: Mapping[str, tuple[str, ...]]
) -> list[MatchResult]:
    """The live matcher's results for ``rows`` (their texts read a chunk at a time)."""
    return [matcher.match(one) for chunk in match_inputs(session, rows, tags) for one in chunk]


async def match_rows_async(
    session: Session, matcher: Matcher, rows: Sequence[Row], tags: Mapping[str, tuple[str, ...]]
) -> list[MatchResult]:
    """Like ``match_rows`` but yields to the event loop between chunks (alerts keep flowing)."""
    results: list[MatchResult] = []
    for chunk in match_inputs(session, rows, tags):
        for start in range(0, len(chunk), MATCH_CHUNK):
            results.extend(matcher.match(one) for one in chunk[start : start + MATCH_CHUNK])
            await asyncio.sleep(0)
    return results


def build(
    since: datetime,
    until: datetime,
    rows: Sequence[Row],
    results: Sequence[MatchResult],
    selectors: Sequence[Selector],
    story_of: Mapping[int, int],
    outlets: Mapping[int, int] | None = None,
    severities: Mapping[int, Severity] | None = None,
) -> Digest:
    """Group matched rows into stories under the first selector each story matches;
    ``severities`` (item id → severity) gives each story the highest of its items'."""
    by_story: dict[int, list[tuple[Row, MatchResult]]] = {}
    for row, result in zip(rows, results, strict=True):
        story = story_of.get(row.item.id or 0, row.item.id or 0)
        by_story.setdefault(story, []).append((row, result))
    grouped: dict[int, list[StoryLine]] = {index: [] for index in range(len(selectors))}
    for story, members in by_story.items():
        index = _first_selector(selectors, [result for _, result in members])
        if index is None:
            continue
        first = members[0][0]
        grouped[index].append(
            StoryLine(
                story_id=story,
                title=first.item.title,
                url=first.item.url,
                source=first.source,
                outlets=max(len({row.source for row, _ in members}), (outlets or {}).get(story, 0)),
                published=max(row.item.published_at for row, _ in members),
                severity=None if severities is None else _severity(severities, members),
            )
        )
    groups = []
    for index, selector in enumerate(selectors):
        lines = sorted(grouped[index], key=lambda s: (-s.outlets, -s.published.timestamp()))
        if lines:
            groups.append(Group(selector.label, tuple(lines)))
    return Digest(since, until, tuple(groups))


def _severity(
    severities: Mapping[int, Severity], members: Sequence[tuple[Row, MatchResult]]
) -> Severity:
    found = (severities[row.item.id or 0] for row, _ in members if row.item.id in severities)
    return highest(found)


def item_severities(session: Session, matcher: Matcher, rows: Sequence[Row]) -> dict[int, Severity]:
    """Each item's severity: the highest of the shipped rules it matched at ingest (items that
    matched none are left out: normal)."""
    rules = {rule.id: rule.severity for rule in matcher.rules.values()}
    ids = sorted({row.item.id for row in rows if row.item.id is not None})
    found: dict[int, list[Severity]] = {}
    for start in range(0, len(ids), 500):
        statement = select(ItemMatch.item_id, ItemMatch.key).where(
            col(ItemMatch.item_id).in_(ids[start : start + 500]),
            ItemMatch.kind == MatchKind.RULE.value,
        )
        for item_id, key in session.exec(statement).all():
            if key in rules:
                found.setdefault(item_id, []).append(rules[key])
    return {item_id: highest(levels) for item_id, levels in found.items()}


def _first_selector(selectors: Sequence[Selector], results: Sequence[MatchResult]) -> int | None:
    for index, selector in enumerate(selectors):
        if any(selector.fires(result) for result in results):
            return index
    return None


@dataclass
class AdHocQuery:
    """A query installed in the live matcher for one digest, removed afterwards."""

    matcher: Matcher
    text: str
    query_id: str = ""

    def __enter__(self) -> Selector:
        self.query_id = f"digest:{uuid.uuid4().hex}"
        self.matcher.add_query(self.query_id, self.text)
        return Selector(self.text, SubscriptionKind.QUERY, self.query_id)

    def __exit__(self, *exc: object) -> None:
        self.matcher.remove_query(self.query_id)


def collect(
    session: Session,
    matcher: Matcher,
    tags: Mapping[str, tuple[str, ...]],
    selectors: Sequence[Selector],
    since: datetime,
    until: datetime,
    story_of: StoryOf = items_are_stories,
) -> Digest:
    """The digest of ``[since, until)`` for ``selectors`` (synchronous: the console)."""
    read = read_period(session, matcher, selectors, since, until)
    matched = match_rows(session, matcher, [read.rows[i] for i in read.again], tags)
    return _build(session, since, until, read, matched, selectors, story_of, matcher)


async def collect_async(
    session: Session,
    matcher: Matcher,
    tags: Mapping[str, tuple[str, ...]],
    selectors: Sequence[Selector],
    since: datetime,
    until: datetime,
    story_of: StoryOf = items_are_stories,
) -> Digest:
    """The same as ``collect``, yielding to the event loop while matching (the bot)."""
    read = read_period(session, matcher, selectors, since, until)
    matched = await match_rows_async(session, matcher, [read.rows[i] for i in read.again], tags)
    return _build(session, since, until, read, matched, selectors, story_of, matcher)


def _build(
    session: Session,
    since: datetime,
    until: datetime,
    read: PeriodRead,
    matched: Sequence[MatchResult],
    selectors: Sequence[Selector],
    story_of: StoryOf,
    matcher: Matcher | None = None,
) -> Digest:
    """The digest of the rows read, with the queries of those matched again put in (rules and
    entities stay what was stored at ingest, whichever rows were matched again)."""
    results = list(read.results)
    for index, result in zip(read.again, matched, strict=True):
        results[index] = replace(results[index], queries=result.queries)
    stories = story_of(session, [row.item for row in read.rows])
    outlets = story_outlets(session, sorted(set(stories.values())))
    severities = item_severities(session, matcher, read.rows) if matcher is not None else None
    return build(since, until, read.rows, results, selectors, stories, outlets, severities)


# -- the daily schedule --------------------------------------------------------------------


def digest_time(chat: Chat, default: time) -> time | None:
    """The chat's daily digest time (None when it stopped its digest)."""
    if chat.digest_time == DIGEST_OFF:
        return None
    if chat.digest_time:
        hours, minutes = chat.digest_time.split(":")
        return time(int(hours), int(minutes))
    return default


def last_slot(now: datetime, at: time, tz: tzinfo) -> datetime:
    """The latest moment at or before ``now`` when the clock in ``tz`` showed ``at``."""
    local = now.astimezone(tz)
    slot = datetime.combine(local.date(), at, tzinfo=tz)
    if slot > local:
        slot = datetime.combine(local.date() - timedelta(days=1), at, tzinfo=tz)
    return slot


def due(chat: Chat, now: datetime, default: time, tz: tzinfo) -> datetime | None:
    """The slot whose digest ``chat`` is owed now, or None.

    A chat is owed the latest slot that came after both its registration and its last digest:
    a new chat waits for the next slot; after downtime one late digest is sent, not a backlog.
    """
    at = digest_time(chat, default)
    if at is None or chat.muted(now):
        return None
    slot = last_slot(now, at, tz)
    reference = chat.digest_sent_at or chat.registered_at
    return slot if slot > reference else None


# -- rendering ---------------------------------------------------------------------------


def _esc(text: str) -> str:
    return html.escape(text, quote=False)


def story_line_html(story: StoryLine, tz: tzinfo, language: Language = Language.EN) -> str:
    """One story: its linked title, the first outlet (and how many more), the local time
    (without the zone: the digest's head shows it)."""
    when = format_datetime(story.published, "d MMM HH:mm", tzinfo=tz, locale=locale_of(language))
    more = f" · +{number(language, story.outlets - 1)}" if story.outlets > 1 else ""
    url = html.escape(story.url, quote=True)
    title = _esc(displayable(story.title).replace("\n", " "))
    bullet = severity_marker(story.severity) if story.severity is not None else "•"
    source = _esc(displayable(story.source))
    return f'{bullet} <a href="{url}">{title}</a> — {source}{more} · {when}'


def render_html(digest: Digest, head: str, tz: tzinfo, language: Language = Language.EN) -> str:
    """The digest as Telegram HTML: ``head``, then each group's bold label and its stories."""
    lines = [f"<b>{_esc(head)}</b>"]
    for group in digest.groups:
        lines.append("")
        lines.append(f"<b>{_esc(group.label)}</b>")
        lines.extend(story_line_html(story, tz, language) for story in group.stories)
    return "\n".join(lines)


def render_plain(digest: Digest, tz: tzinfo) -> Iterator[str]:
    """The digest as console lines."""
    since = digest.since.astimezone(tz).strftime("%Y-%m-%d %H:%M")
    yield f"Digest since {since}: {digest.count} stories"
    for group in digest.groups:
        yield ""
        yield f"== {group.label}"
        for story in group.stories:
            when = story.published.astimezone(tz).strftime("%Y-%m-%d %H:%M")
            more = f" (+{story.outlets - 1} sources)" if story.outlets > 1 else ""
            yield f"  {when}  {story.source}{more}"
            yield f"    {displayable(story.title)}"
            yield f"    {story.url}"

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
from dataclasses import dataclass
from datetime import datetime, time, timedelta, tzinfo
from typing import Protocol

from babel.dates import format_datetime
from sqlmodel import Session, col, select

from marsad.bot.alert_options import highest, severity_marker
from marsad.bot.delivery.display import displayable
from marsad.bot.digest_claims import Claims, StoryFacts
from marsad.bot.digest_reads import PeriodRead, match_inputs, read_period, shown_rows, source_names
from marsad.bot.digest_reads import Row as Row  # re-exported: the handlers name them
from marsad.bot.digest_reads import Selector as Selector
from marsad.bot.i18n import locale_of, number, tn
from marsad.bot.titles import entity_label, rule_label
from marsad.config import Config
from marsad.matching.engine import Matcher, MatchResult
from marsad.matching.rulefile import Severity
from marsad.store.chats import DIGEST_OFF, Chat, Language, Subscription, SubscriptionKind
from marsad.store.matches import ItemMatch, MatchKind
from marsad.store.stories import Story, resolve_story
from marsad.store.tables import Item, Source

DEFAULT_PERIOD = timedelta(hours=24)
SHOWN = 20
"""Stories a digest shows per group, the best-ranked; the rest are counted ("and 40 more"):
a Telegram message holds about twenty story lines, and a word found in 16,000 items of a week
would otherwise be 16,000 lines."""
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
    """One subscription's stories: the ``stories`` shown (the best-ranked) of ``total``."""

    label: str
    stories: tuple[StoryLine, ...]
    total: int
    exact: bool = True
    """False when ``total`` is an estimate (from a sample of the candidates matched again)."""

    @property
    def more(self) -> int:
        """The stories counted but not shown."""
        return max(self.total - len(self.stories), 0)


@dataclass(frozen=True)
class Digest:
    since: datetime
    until: datetime
    groups: tuple[Group, ...]

    @property
    def count(self) -> int:
        """The stories of every group (an estimate unless ``exact``)."""
        return sum(group.total for group in self.groups)

    @property
    def exact(self) -> bool:
        return all(group.exact for group in self.groups)


class Stored(Protocol):
    """What a story key is made of: an item's id and its story's."""

    @property
    def id(self) -> int | None: ...
    @property
    def story_id(self) -> int | None: ...


StoryOf = Callable[[Session, Sequence[Stored]], Mapping[int, int]]
"""Item id → story id for the given items (items of no story are their own story)."""


def items_are_stories(session: Session, items: Sequence[Stored]) -> Mapping[int, int]:
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


def _facts(
    read: PeriodRead, story_of: Mapping[int, int]
) -> tuple[list[StoryFacts], dict[int, StoryFacts]]:
    """The period's members grouped into stories (in the order their earliest member comes)."""
    by_key: dict[int, StoryFacts] = {}
    again = set(read.again)
    sources: dict[int, set[int]] = {}
    for index, member in enumerate(read.members):
        key = story_of.get(member.id, member.id)
        story = by_key.get(key)
        if story is None:
            story = by_key[key] = StoryFacts(key, [], [], 0, member.published_at)
            sources[key] = set()
        story.members.append(index)
        if index in again:
            story.again.append(index)
        sources[key].add(member.source_id)
        story.outlets = max(story.outlets, member.outlets, len(sources[key]))
        story.published = max(story.published, member.published_at)
    return list(by_key.values()), by_key


def _claims(
    session: Session,
    read: PeriodRead,
    selectors: Sequence[Selector],
    story_of: StoryOf,
    shown: int | None,
) -> tuple[Claims, dict[int, StoryFacts]]:
    stories, by_key = _facts(read, story_of(session, read.members))
    return Claims(selectors, stories, read.result, shown), by_key


def collect(
    session: Session,
    matcher: Matcher,
    tags: Mapping[str, tuple[str, ...]],
    selectors: Sequence[Selector],
    since: datetime,
    until: datetime,
    story_of: StoryOf = items_are_stories,
    *,
    shown: int | None = SHOWN,
) -> Digest:
    """The digest of ``[since, until)`` for ``selectors`` (synchronous: the console): at most
    ``shown`` stories a group and the count of the rest, or with ``shown`` None every story."""
    read = read_period(session, matcher, selectors, since, until)
    claims, by_key = _claims(session, read, selectors, story_of, shown)
    names = source_names(session)
    while wanted := claims.wanted():
        members = [read.members[i] for i in wanted]
        inputs = [one for chunk in match_inputs(session, members, names, tags) for one in chunk]
        claims.feed({i: matcher.match(one) for i, one in zip(wanted, inputs, strict=True)})
    return _build(session, since, until, read, claims, by_key, names, selectors, matcher)


async def collect_async(
    session: Session,
    matcher: Matcher,
    tags: Mapping[str, tuple[str, ...]],
    selectors: Sequence[Selector],
    since: datetime,
    until: datetime,
    story_of: StoryOf = items_are_stories,
    *,
    shown: int | None = SHOWN,
) -> Digest:
    """The same as ``collect``, yielding to the event loop while matching (the bot)."""
    read = read_period(session, matcher, selectors, since, until)
    claims, by_key = _claims(session, read, selectors, story_of, shown)
    names = source_names(session)
    while wanted := claims.wanted():
        members = [read.members[i] for i in wanted]
        results: dict[int, MatchResult] = {}
        at = iter(wanted)
        for chunk in match_inputs(session, members, names, tags):
            for start in range(0, len(chunk), MATCH_CHUNK):
                results.update(
                    (next(at), matcher.match(one)) for one in chunk[start : start + MATCH_CHUNK]
                )
                await asyncio.sleep(0)
        claims.feed(results)
    return _build(session, since, until, read, claims, by_key, names, selectors, matcher)


def _build(
    session: Session,
    since: datetime,
    until: datetime,
    read: PeriodRead,
    claims: Claims,
    by_key: Mapping[int, StoryFacts],
    names: Mapping[int, str],
    selectors: Sequence[Selector],
    matcher: Matcher,
) -> Digest:
    """The digest of the decided groups: only the shown stories' titles, links and severities
    are read (rules and entities stay what was stored at ingest)."""
    outcomes = claims.outcomes()
    shown = [by_key[key] for outcome in outcomes for key in outcome.shown]
    firsts = shown_rows(session, {read.members[story.members[0]].id for story in shown}, names)
    ids = [read.members[m].id for story in shown for m in story.members]
    severities = item_severities(session, matcher, ids)
    groups = []
    for selector, outcome in zip(selectors, outcomes, strict=True):
        lines = []
        for key in outcome.shown:
            story = by_key[key]
            title, url, source = firsts[read.members[story.members[0]].id]
            levels = [
                severities[read.members[m].id]
                for m in story.members
                if read.members[m].id in severities
            ]
            lines.append(
                StoryLine(
                    story_id=key, title=title, url=url, source=source, outlets=story.outlets,
                    published=story.published, severity=highest(levels),
                )
            )  # fmt: skip
        if outcome.total:
            groups.append(Group(selector.label, tuple(lines), outcome.total, outcome.exact))
    return Digest(since, until, tuple(groups))


def item_severities(session: Session, matcher: Matcher, ids: Sequence[int]) -> dict[int, Severity]:
    """Each item's severity: the highest of the shipped rules it matched at ingest (items that
    matched none are left out: normal)."""
    rules = {rule.id: rule.severity for rule in matcher.rules.values()}
    wanted = sorted(set(ids))
    found: dict[int, list[Severity]] = {}
    for start in range(0, len(wanted), 500):
        statement = select(ItemMatch.item_id, ItemMatch.key).where(
            col(ItemMatch.item_id).in_(wanted[start : start + 500]),
            ItemMatch.kind == MatchKind.RULE.value,
        )
        for item_id, key in session.exec(statement).all():
            if key in rules:
                found.setdefault(item_id, []).append(rules[key])
    return {item_id: highest(levels) for item_id, levels in found.items()}


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


def approximate(n: int) -> int:
    """An estimated count as it is said: two significant digits from 100 up (16,560 → 17,000),
    no more precision than a sample gives."""
    if n < 100:
        return n
    scale = int(10 ** (len(str(n)) - 2))
    return round(n / scale) * scale


def said_count(digest: Digest) -> int:
    """The digest's count as a person is told it (rounded when estimated)."""
    return digest.count if digest.exact else approximate(digest.count)


def head_html(digest: Digest, since: str, language: Language = Language.EN) -> str:
    """The digest's first line: since when, and how many stories (about how many, when the
    count is estimated)."""
    if digest.exact:
        return tn(
            language, "Digest since {since} ({n} story):", "Digest since {since} ({n} stories):",
            digest.count, since=since,
        )  # fmt: skip
    return tn(
        language,
        "Digest since {since} (about {n} story):",
        "Digest since {since} (about {n} stories):",
        said_count(digest),
        since=since,
    )


def preview_line(digest: Digest, language: Language = Language.EN) -> str:
    """What a new subscription would have matched in the preview's 7 days."""
    if digest.exact:
        return tn(
            language,
            "It would have matched {n} story in the last 7 days.",
            "It would have matched {n} stories in the last 7 days.",
            digest.count,
        )
    return tn(
        language,
        "It would have matched about {n} story in the last 7 days.",
        "It would have matched about {n} stories in the last 7 days.",
        said_count(digest),
    )


def more_line(group: Group, language: Language = Language.EN) -> str | None:
    """The line after a group's shown stories: how many more it counts (None when none)."""
    if not group.more:
        return None
    if group.exact:
        return tn(language, "… and {n} more story", "… and {n} more stories", group.more)
    more = approximate(group.more)
    return tn(language, "… and about {n} more story", "… and about {n} more stories", more)


def render_html(digest: Digest, head: str, tz: tzinfo, language: Language = Language.EN) -> str:
    """The digest as Telegram HTML: ``head``, then each group's bold label, its stories and
    the count of those not shown."""
    lines = [f"<b>{_esc(head)}</b>"]
    for group in digest.groups:
        lines.append("")
        lines.append(f"<b>{_esc(group.label)}</b>")
        lines.extend(story_line_html(story, tz, language) for story in group.stories)
        more = more_line(group, language)
        if more is not None:
            lines.append(_esc(more))
    return "\n".join(lines)


def render_plain(digest: Digest, tz: tzinfo) -> Iterator[str]:
    """The digest as console lines."""
    since = digest.since.astimezone(tz).strftime("%Y-%m-%d %H:%M")
    about = "" if digest.exact else "about "
    yield f"Digest since {since}: {about}{said_count(digest):,} stories"
    for group in digest.groups:
        yield ""
        yield f"== {group.label}"
        for story in group.stories:
            when = story.published.astimezone(tz).strftime("%Y-%m-%d %H:%M")
            more = f" (+{story.outlets - 1} sources)" if story.outlets > 1 else ""
            yield f"  {when}  {story.source}{more}"
            yield f"    {displayable(story.title)}"
            yield f"    {story.url}"
        more_text = more_line(group)
        if more_text is not None:
            yield f"  {more_text}"

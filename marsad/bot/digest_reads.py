"""What a digest reads from the store, and which of those items the live matcher sees again.

Rule and entity selectors read what each item matched at ingest (``item_matches``).  A query
selector is matched again with the live matcher (a query subscribed a minute ago, or an ad-hoc
one, sees the whole period), but only on the items the archive index names as candidates
(``store.archive``: a superset of its matches).  The rows read are those items, the items of
the rule and entity selectors, and the other items of their stories (a story's earliest item
names it), without their texts; the texts of the candidates are read in chunks as they are
matched.  Only a query the index cannot narrow (``a OR NOT b``), or a store without the index,
matches every item of the period again.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, literal, or_, union_all
from sqlalchemy import select as sa_select  # five columns: more than sqlmodel's select types
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, select

from marsad.matching.engine import Matcher, MatchInput, MatchResult
from marsad.store import archive
from marsad.store.archive_plan import EVERY, Every, Plan, either, query_plan
from marsad.store.chats import SubscriptionKind
from marsad.store.matches import ItemMatch, MatchKind
from marsad.store.stories import Story
from marsad.store.tables import Item, Source

TEXT_CHUNK = 500
"""Items whose texts are read at once for matching again (a few MB at most)."""


@dataclass(frozen=True)
class Selector:
    """One thing a digest looks for: a rule, an entity or a query id of the live matcher."""

    label: str
    kind: SubscriptionKind
    target: str

    def fires(self, result: MatchResult) -> bool:
        if self.kind is SubscriptionKind.RULE:
            return self.target in result.rules
        if self.kind is SubscriptionKind.ENTITY:
            return self.target in result.entities
        return self.target in result.queries


@dataclass(frozen=True)
class Row:
    """One stored item with its source's name (a story's members, shown by its buttons)."""

    item: Item
    source: str


@dataclass(frozen=True, slots=True)
class Member:
    """One stored item of the period as a digest ranks it: no title, no text."""

    id: int
    story_id: int | None
    source_id: int
    published_at: datetime
    outlets: int
    """Its story's outlets over the story's whole life (0 for an item of no story)."""
    again: bool
    """Whether a query selector needs it matched again (a candidate of the archive index)."""


NOTHING = MatchResult(id="", rules=(), queries=(), entities=(), hits=())
"""The stored result of a member that matched none of a digest's rules and entities."""


@dataclass(frozen=True)
class PeriodRead:
    """The period's members (oldest first), what those that matched a digest's rules and
    entities matched at ingest (by index), and which members a query needs matched again."""

    members: list[Member]
    stored: dict[int, MatchResult]
    again: list[int]

    def result(self, index: int) -> MatchResult:
        """What member ``index`` matched at ingest, of the digest's rules and entities."""
        return self.stored.get(index, NOTHING)


def candidate_plan(matcher: Matcher, selectors: Sequence[Selector]) -> Plan | Every | None:
    """What to ask the archive index for the query selectors (None when there are none)."""
    queries = [s for s in selectors if s.kind is SubscriptionKind.QUERY]
    if not queries:
        return None
    return either(query_plan(matcher.compiled(s.target).node) for s in queries)


def read_period(
    session: Session,
    matcher: Matcher,
    selectors: Sequence[Selector],
    since: datetime,
    until: datetime,
) -> PeriodRead:
    """The period's members for ``selectors``, read as the module docstring says."""
    keys = stored_keys(matcher, selectors)
    plan = candidate_plan(matcher, selectors)
    if isinstance(plan, Every) or (plan is not None and not archive.usable(session)):
        members = load_members(session, since, until, every=plan is not None)
    else:
        wanted = {s.target for s in selectors if s.kind is not SubscriptionKind.QUERY}
        members = load_members(session, since, until, keys=wanted, plan=plan)
    stored = stored_results(session, members, since, until, keys)
    return PeriodRead(members, stored, [i for i, member in enumerate(members) if member.again])


def _period(since: datetime, until: datetime) -> ColumnElement[bool]:
    return (col(Item.published_at) >= since) & (col(Item.published_at) < until)


def load_members(
    session: Session,
    since: datetime,
    until: datetime,
    *,
    keys: Collection[str] | None = None,
    plan: Plan | None = None,
    every: bool = False,
) -> list[Member]:
    """Items published (or, with no date, fetched) in ``[since, until)``, oldest first, as
    ``Member`` rows (six columns, no texts), in one query.

    ``keys`` or ``plan``: only the items stored with one of these rule or entity ids, or that
    the archive index names for ``plan`` (marked ``again``), and the other items of their
    stories (the story's earliest item names it in a digest).  Neither: every item of the
    period, all marked ``again`` when ``every``."""
    candidate: ColumnElement[bool] = literal(every)
    narrowed: ColumnElement[bool] | None = None
    if keys is not None or plan is not None:
        inner = aliased(Item)
        in_period = (col(inner.published_at) >= since) & (col(inner.published_at) < until)
        pair = (col(inner.id), col(inner.story_id))
        parts: list[Select[int | None, int | None]] = []
        if plan is not None:
            named = (
                sa_select(*pair)
                .where(in_period, archive.candidates(session, plan, col(inner.id)))
                .cte("candidates")
            )
            candidate = col(Item.id).in_(sa_select(named.c.id))
            parts.append(sa_select(named.c.id, named.c.story_id))
        if keys:
            matched = select(ItemMatch.item_id).where(col(ItemMatch.key).in_(sorted(keys)))
            parts.append(sa_select(*pair).where(in_period, col(inner.id).in_(matched)))
        if not parts:
            return []
        chosen = (parts[0] if len(parts) == 1 else union_all(*parts)).subquery()
        narrowed = or_(
            col(Item.id).in_(sa_select(chosen.c.id)),
            col(Item.story_id).in_(
                sa_select(chosen.c.story_id).where(chosen.c.story_id.is_not(None))
            ),
        )
    statement = (
        sa_select(
            col(Item.id), col(Item.story_id), col(Item.source_id), col(Item.published_at),
            col(Story.outlets), candidate,
        )
        .outerjoin(Story, col(Story.id) == col(Item.story_id))
        .where(_period(since, until))
        .order_by(col(Item.published_at), col(Item.id))
    )  # fmt: skip
    if narrowed is not None:
        statement = statement.where(narrowed)
    rows = session.connection().execute(statement)
    return [
        Member(item_id or 0, story_id, source_id, published, outlets or 0, bool(again))
        for item_id, story_id, source_id, published, outlets, again in rows
    ]


def stored_results(
    session: Session, rows: Sequence[Member], since: datetime, until: datetime, keys: set[str]
) -> dict[int, MatchResult]:
    """What the rows matched at ingest, limited to ``keys`` (the rule and entity ids a digest
    looks for), by row index (rows that matched none are left out): read back in one query
    instead of matching again."""
    if not keys:
        return {}
    statement = (
        select(ItemMatch.item_id, ItemMatch.kind, ItemMatch.key)
        .join(Item, col(Item.id) == col(ItemMatch.item_id))
        .where(_period(since, until))
        .where(col(ItemMatch.key).in_(sorted(keys)))
    )
    found: dict[int, dict[str, list[str]]] = {}
    for item_id, kind, key in session.exec(statement).all():
        found.setdefault(item_id, {}).setdefault(kind, []).append(key)
    results = {}
    for index, row in enumerate(rows):
        kinds = found.get(row.id)
        if kinds is not None:
            results[index] = MatchResult(
                id=str(row.id),
                rules=tuple(kinds.get(MatchKind.RULE.value, ())),
                queries=(),
                entities=tuple(kinds.get(MatchKind.ENTITY.value, ())),
                hits=(),
            )
    return results


def stored_keys(matcher: Matcher, selectors: Sequence[Selector]) -> set[str]:
    """The rule and entity ids whose stored matches a digest reads (queries: their entities)."""
    keys: set[str] = set()
    for selector in selectors:
        if selector.kind is SubscriptionKind.QUERY:
            keys |= {key for is_entity, key in matcher.compiled(selector.target).keys if is_entity}
        else:
            keys.add(selector.target)
    return keys


def source_names(session: Session) -> dict[int, str]:
    """Every source's name by id (a few thousand at most)."""
    return {
        source_id or 0: name for source_id, name in session.exec(select(Source.id, Source.name))
    }


def match_inputs(
    session: Session,
    members: Sequence[Member],
    names: Mapping[int, str],
    tags: Mapping[str, tuple[str, ...]],
) -> Iterator[list[MatchInput]]:
    """What the matcher reads of ``members``, a chunk at a time: their titles and texts are
    read by id, so no more than ``TEXT_CHUNK`` items' texts are held at once."""
    for start in range(0, len(members), TEXT_CHUNK):
        chunk = members[start : start + TEXT_CHUNK]
        found = session.exec(
            select(Item.id, Item.title, Item.summary, Item.text).where(
                col(Item.id).in_([member.id for member in chunk])
            )
        ).all()
        texts = {item_id: (title, summary, text) for item_id, title, summary, text in found}
        inputs = []
        for member in chunk:
            title, summary, text = texts.get(member.id, ("", "", ""))
            source = names.get(member.source_id, "")
            inputs.append(
                MatchInput(
                    id=str(member.id), title=title, summary=summary, text=text,
                    source=source, tags=tags.get(source, ()),
                )
            )  # fmt: skip
        yield inputs


def shown_rows(
    session: Session, ids: Collection[int], names: Mapping[int, str]
) -> dict[int, tuple[str, str, str]]:
    """Title, link and source name of the items a digest shows, by id."""
    found: dict[int, tuple[str, str, str]] = {}
    wanted = sorted(ids)
    for start in range(0, len(wanted), TEXT_CHUNK):
        rows = session.exec(
            select(Item.id, Item.title, Item.url, Item.source_id).where(
                col(Item.id).in_(wanted[start : start + TEXT_CHUNK])
            )
        )
        found.update(
            {
                item_id or 0: (title, url, names.get(source_id, ""))
                for item_id, title, url, source_id in rows
            }
        )
    return found


__all__ = [
    "EVERY",
    "NOTHING",
    "Every",
    "Member",
    "PeriodRead",
    "Plan",
    "Row",
    "Selector",
    "candidate_plan",
    "load_members",
    "read_period",
]

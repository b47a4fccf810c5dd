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
from typing import Any, cast

from sqlalchemy import or_
from sqlalchemy.orm import QueryableAttribute, aliased, defer
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, select

from marsad.matching.engine import Matcher, MatchInput, MatchResult
from marsad.store import archive
from marsad.store.archive_plan import EVERY, Every, Plan, either, query_plan
from marsad.store.chats import SubscriptionKind
from marsad.store.matches import ItemMatch, MatchKind
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
    """One stored item of the period, with its source's name (its texts are not read)."""

    item: Item
    source: str


@dataclass(frozen=True)
class PeriodRead:
    """The rows of a digest, their stored results, and which rows a query needs matched again."""

    rows: list[Row]
    results: list[MatchResult]
    again: list[int]


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
    """The period's rows for ``selectors``, read as the module docstring says."""
    keys = stored_keys(matcher, selectors)
    plan = candidate_plan(matcher, selectors)
    if isinstance(plan, Every) or (plan is not None and not archive.usable(session)):
        rows = load_rows(session, since, until, texts=False)
        results = stored_results(session, rows, since, until, keys)
        return PeriodRead(rows, results, list(range(len(rows))))
    wanted = {s.target for s in selectors if s.kind is not SubscriptionKind.QUERY}
    rows = load_rows(session, since, until, keys=wanted, plan=plan, texts=False)
    results = stored_results(session, rows, since, until, keys)
    if plan is None:
        return PeriodRead(rows, results, [])
    found = session.exec(
        select(Item.id).where(_period(since, until), archive.candidates(session, plan))
    )
    again = set(found.all())
    return PeriodRead(rows, results, [i for i, row in enumerate(rows) if row.item.id in again])


def _period(since: datetime, until: datetime) -> ColumnElement[bool]:
    return (col(Item.published_at) >= since) & (col(Item.published_at) < until)


def load_rows(
    session: Session,
    since: datetime,
    until: datetime,
    *,
    keys: Collection[str] | None = None,
    plan: Plan | None = None,
    texts: bool = True,
) -> list[Row]:
    """Items published (or, with no date, fetched) in ``[since, until)``, oldest first.

    ``keys`` or ``plan``: only the items stored with one of these rule or entity ids, or that
    the archive index names for ``plan``, and the other items of their stories (the story's
    earliest item names it in a digest). ``texts`` False: the summary and article text are not
    read (a digest shows titles and links)."""
    statement = (
        select(Item, Source.name)
        .join(Source, col(Source.id) == col(Item.source_id))
        .where(_period(since, until))
        .order_by(col(Item.published_at), col(Item.id))
    )
    if keys is not None or plan is not None:
        inner = aliased(Item)
        wanted: list[ColumnElement[bool]] = []
        if keys:
            matched = select(ItemMatch.item_id).where(col(ItemMatch.key).in_(sorted(keys)))
            wanted.append(col(inner.id).in_(matched))
        if plan is not None:
            wanted.append(archive.candidates(session, plan, col(inner.id)))
        stories = select(inner.id, inner.story_id).where(or_(*wanted) if wanted else False)
        chosen = stories.subquery()
        statement = statement.where(
            or_(
                col(Item.id).in_(select(chosen.c.id)),
                col(Item.story_id).in_(
                    select(chosen.c.story_id).where(chosen.c.story_id.is_not(None))
                ),
            )
        )
    if not texts:
        statement = statement.options(*(defer(_attribute(name)) for name in ("text", "summary")))
    return [Row(item, name) for item, name in session.exec(statement).all()]


def _attribute(name: str) -> QueryableAttribute[Any]:
    """An Item column as the ORM's loader options want it."""
    return cast("QueryableAttribute[Any]", getattr(Item, name))


def stored_results(
    session: Session, rows: Sequence[Row], since: datetime, until: datetime, keys: set[str]
) -> list[MatchResult]:
    """What each row matched at ingest, limited to ``keys`` (the rule and entity ids a digest
    looks for): read back in one query instead of matching again."""
    statement = (
        select(ItemMatch.item_id, ItemMatch.kind, ItemMatch.key)
        .join(Item, col(Item.id) == col(ItemMatch.item_id))
        .where(_period(since, until))
        .where(col(ItemMatch.key).in_(sorted(keys)))
    )
    found: dict[int, dict[str, list[str]]] = {}
    for item_id, kind, key in session.exec(statement).all() if keys else ():
        found.setdefault(item_id, {}).setdefault(kind, []).append(key)
    results = []
    for row in rows:
        kinds = found.get(row.item.id or 0, {})
        results.append(
            MatchResult(
                id=str(row.item.id),
                rules=tuple(kinds.get(MatchKind.RULE.value, ())),
                queries=(),
                entities=tuple(kinds.get(MatchKind.ENTITY.value, ())),
                hits=(),
            )
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


def match_inputs(
    session: Session, rows: Sequence[Row], tags: Mapping[str, tuple[str, ...]]
) -> Iterator[list[MatchInput]]:
    """What the matcher reads of ``rows``, a chunk at a time: their texts are read by id, so
    no more than ``TEXT_CHUNK`` items' texts are held at once."""
    for start in range(0, len(rows), TEXT_CHUNK):
        chunk = rows[start : start + TEXT_CHUNK]
        ids = [row.item.id or 0 for row in chunk]
        found = session.exec(
            select(Item.id, Item.summary, Item.text).where(col(Item.id).in_(ids))
        ).all()
        texts = {item_id: (summary, text) for item_id, summary, text in found}
        yield [
            MatchInput(
                id=str(row.item.id),
                title=row.item.title,
                summary=texts.get(row.item.id or 0, ("", ""))[0],
                text=texts.get(row.item.id or 0, ("", ""))[1],
                source=row.source,
                tags=tags.get(row.source, ()),
            )
            for row in chunk
        ]


__all__ = [
    "EVERY",
    "Every",
    "PeriodRead",
    "Plan",
    "Row",
    "Selector",
    "candidate_plan",
    "load_rows",
    "read_period",
]

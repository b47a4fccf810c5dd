"""What happens to new items inside the transaction that stores them: match, then later stages.

Each new item is matched once against every active query (rule files and subscriptions, one
compiled matcher), its rule and entity matches are stored, and the result is handed to the
stages that follow (stories, fan-out) in the same transaction, so an item is never stored
without its matches or its alerts.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import event
from sqlalchemy.orm import SessionTransaction
from sqlmodel import Session

from marsad import metrics
from marsad.config import Config
from marsad.matching.engine import Matcher, MatchInput, MatchResult
from marsad.store.matches import record_many_matches
from marsad.store.tables import Item, Source


@dataclass(frozen=True)
class Ingested:
    """A newly stored item and what it matched (None when no matcher is configured)."""

    item: Item
    source: Source
    result: MatchResult | None


Stage = Callable[[Session, Sequence[Ingested]], None]
"""A later stage of ingest (stories, fan-out), run in the same transaction."""

_ON_COMMIT = "marsad.on_commit"


def on_commit(session: Session, action: Callable[[], None]) -> None:
    """Run ``action`` once the session's current transaction commits, never if it does not.

    Counters of what a transaction stored (items, matches, alerts) move only when it is stored:
    a poll whose transaction rolls back, or a session closed without a commit, counts nothing.
    A transaction is begun if none is (the counts then wait for its commit).
    """
    session.connection()
    if _ON_COMMIT not in session.info:
        session.info[_ON_COMMIT] = []
        event.listen(session, "after_commit", _run_pending)
        event.listen(session, "after_transaction_end", _drop_pending)
    session.info[_ON_COMMIT].append(action)


def _run_pending(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint released: the outer transaction may still roll back
    pending: list[Callable[[], None]] = session.info.get(_ON_COMMIT, [])
    actions = list(pending)
    pending.clear()
    for action in actions:
        action()


def _drop_pending(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the outermost ended: whatever did not commit never will
        session.info.get(_ON_COMMIT, []).clear()


class Ingest:
    """The poller's ``on_ingest`` hook: match new items, store matches, run the later stages."""

    def __init__(
        self, config: Config, matcher: Matcher | None, stages: Sequence[Stage] = ()
    ) -> None:
        self.matcher = matcher
        self.stages = list(stages)
        self._tags = {source.name: source.tags for source in config.sources}

    def match(self, source: Source, item: Item) -> MatchResult | None:
        if self.matcher is None:
            return None
        return self.matcher.match(
            MatchInput(
                id=str(item.id),
                title=item.title,
                summary=item.summary,
                text=item.text,
                source=source.name,
                tags=self._tags.get(source.name, ()),
            )
        )

    def __call__(self, session: Session, source: Source, items: list[Item]) -> None:
        ingested = [Ingested(item, source, self.match(source, item)) for item in items]
        record_many_matches(
            session,
            (
                (done.item.id, done.result.rules, done.result.entities)
                for done in ingested
                if done.result is not None and done.item.id is not None
            ),
        )
        for stage in self.stages:
            stage(session, ingested)
        on_commit(session, _counts(ingested))


def _counts(ingested: Sequence[Ingested]) -> Callable[[], None]:
    """What to add to the counters once the items are committed."""
    items = len(ingested)
    results = [done.result for done in ingested if done.result is not None]
    rules = sum(len(result.rules) for result in results)
    entities = sum(len(result.entities) for result in results)
    queries = sum(len(result.queries) for result in results)

    def count() -> None:
        metrics.ITEMS.inc(items)
        metrics.observe_matches(rules, entities, queries)

    return count

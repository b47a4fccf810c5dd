"""How often names fired in the stored items of the last days (``marsad check --contexts``,
``marsad explain --alias``): the archive index names the candidate items, the matcher's
recogniser decides (``matching.usage``).

Only the candidates' texts are read, newest first, 500 at a time.  A store without the index
(or with one of an older scheme) has every item of the period matched again.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from marsad.config import Config
from marsad.matching.engine import Matcher, MatchInput
from marsad.matching.usage import Name, Usage, usage
from marsad.store import archive
from marsad.store.archive_plan import Every, Plan, either, term_plan
from marsad.store.sqlite_guard import sqlite_path
from marsad.store.tables import Item

CHUNK = 500
"""Items whose texts are read at once."""


def no_store(config: Config) -> str | None:
    """Why there is nothing to read: the configured SQLite file does not exist yet (a check
    must not create one)."""
    database = sqlite_path(config.database.url)
    if database is not None and not (database.exists() and database.stat().st_size > 0):
        return f"no store at {database} yet: nothing to count"
    return None


def stored_usage(
    config: Config, matcher: Matcher, names: Sequence[Name], days: int, now: datetime
) -> dict[Name, Usage]:
    """For each name, its items and contexts among the items published in the last ``days``."""
    from marsad.bot.wiring import open_configured_store
    from marsad.store.engine import session

    engine = open_configured_store(config)
    try:
        with session(engine) as s:
            since = now - timedelta(days=days)
            plan = either(term_plan(name.patterns(matcher)) for name in names)
            return usage(matcher, names, _items(s, plan, since, now))
    finally:
        engine.dispose()


def _items(
    s: Session, plan: Plan | Every, since: datetime, until: datetime
) -> Iterator[MatchInput]:
    """The period's candidate items for ``plan``, newest first, their texts a chunk at a time."""
    statement = select(Item.id).where(
        col(Item.published_at) >= since, col(Item.published_at) < until
    )
    if not isinstance(plan, Every) and archive.usable(s):
        statement = statement.where(archive.candidates(s, plan))
    ids = list(s.exec(statement.order_by(col(Item.published_at).desc(), col(Item.id).desc())))
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        rows = s.exec(select(Item).where(col(Item.id).in_(chunk))).all()
        by_id = {row.id: row for row in rows}
        for ident in chunk:
            row = by_id[ident]
            yield MatchInput(id=str(ident), title=row.title, summary=row.summary, text=row.text)
        s.expunge_all()

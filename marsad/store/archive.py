"""The archive index: each stored item's words (``archive_words``), written at ingest, asked by
digests, the ``/subscribe`` preview and searches for the items a query may match.

SQLite keeps them in an FTS5 table (``ascii`` tokenizer: every non-ASCII character is part of a
word, so each folded word is one token; no positions, no stored text); PostgreSQL in a
``tsvector`` built from the words as they are (``array_to_tsvector``: no parser, no stemming)
under a GIN index.  ``archive_state`` records the scheme the words were made with
(``archive_words.scheme``); a store made with another one is indexed again when opened.  Where
SQLite lacks FTS5 there is no index, and questions fall back to matching every item again.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Iterable, Sequence

from sqlalchemy import (
    ARRAY,
    Connection,
    Engine,
    Integer,
    any_,
    bindparam,
    cast,
    column,
    literal_column,
    table,
    text,
)
from sqlalchemy.dialects.postgresql import TSQUERY
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Mapped
from sqlalchemy.sql.elements import BindParameter, ColumnElement
from sqlmodel import Session, and_, col, or_, select

from marsad.store.archive_plan import AllOf, AnyOf, AnyWord, Entity, Plan
from marsad.store.archive_words import UNINDEXED, item_words, scheme
from marsad.store.matches import ItemMatch, MatchKind
from marsad.store.tables import Item

log = logging.getLogger(__name__)

TABLES = frozenset({"archive_words", "archive_state"})
"""The index's tables, made by raw DDL (an FTS5 table is no model); schema comparisons skip
them and FTS5's own tables (``archive_words_*``)."""
REINDEX_BATCH = 500

_WORDS = table("archive_words", column("rowid"), column("item_id"), column("words"))
_exists: weakref.WeakKeyDictionary[Engine, bool] = weakref.WeakKeyDictionary()


def is_index_table(name: str | None) -> bool:
    """Whether a table belongs to the archive index (for schema comparisons)."""
    return name is not None and (name in TABLES or name.startswith("archive_words_"))


def include_object(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    """Alembic's filter: schema comparisons leave the archive index out (no model has it)."""
    table = name if type_ == "table" else getattr(getattr(obj, "table", None), "name", None)
    return not is_index_table(table)


# -- creating and filling ------------------------------------------------------------------


def create(connection: Connection) -> bool:
    """Create the index's tables (empty); False when this SQLite has no FTS5."""
    if connection.dialect.name == "postgresql":
        connection.execute(
            text(
                "CREATE TABLE archive_words (item_id INTEGER PRIMARY KEY "
                "REFERENCES items (id) ON DELETE CASCADE, words TSVECTOR NOT NULL)"
            )
        )
        connection.execute(text("CREATE INDEX ix_archive_words ON archive_words USING gin (words)"))
    else:
        try:
            _create_fts(connection)
        except OperationalError as exc:
            log.warning("archive index: this SQLite has no FTS5 (%s); queries rescan", exc.orig)
            return False
    connection.execute(text("CREATE TABLE archive_state (scheme VARCHAR(40) NOT NULL)"))
    connection.execute(text("INSERT INTO archive_state (scheme) VALUES ('')"))
    return True


def _create_fts(connection: Connection) -> None:
    connection.execute(
        text(
            "CREATE VIRTUAL TABLE archive_words USING fts5(words, content='', "
            "detail='none', columnsize=0, tokenize='ascii')"
        )
    )


def drop(connection: Connection) -> None:
    """Remove the index (the migration's downgrade)."""
    connection.execute(text("DROP TABLE IF EXISTS archive_words"))
    connection.execute(text("DROP TABLE IF EXISTS archive_state"))


def reindex(connection: Connection) -> int:
    """Index every stored item again, under the current scheme; returns how many.

    One transaction: on PostgreSQL ``archive_state`` is locked first (two processes opening a
    stale store index it once) and ``TRUNCATE`` holds back ingest until the commit; SQLite has
    one writer anyway.  Items are read in batches by id, their texts never all at once."""
    postgres = connection.dialect.name == "postgresql"
    if postgres:
        connection.execute(text("LOCK TABLE archive_state IN EXCLUSIVE MODE"))
        if _stamp(connection) == scheme():
            return 0
        connection.execute(text("TRUNCATE archive_words"))
    else:
        connection.execute(text("DROP TABLE archive_words"))
        _create_fts(connection)
    done, last = 0, 0
    while True:
        rows = connection.execute(
            select(Item.id, Item.title, Item.summary, Item.text)
            .where(col(Item.id) > last)
            .order_by(col(Item.id))
            .limit(REINDEX_BATCH)
        ).all()
        if not rows:
            break
        _insert(connection, [(row[0], item_words(row[1:])) for row in rows])
        done += len(rows)
        last = rows[-1][0]
    connection.execute(text("UPDATE archive_state SET scheme = :s"), {"s": scheme()})
    return done


def refresh(engine: Engine) -> None:
    """Index the store again when its words were made under another scheme (a changed folding
    or clitic list); a no-op, one query, otherwise."""
    with engine.connect() as connection:
        if not _has_index(connection) or _stamp(connection) == scheme():
            return
    log.info("archive index: built under another scheme; indexing every item again")
    with engine.begin() as connection:
        count = reindex(connection)
    log.info("archive index: %d items indexed", count)


def index_items(session: Session, items: Sequence[Item]) -> None:
    """Index newly stored items, in the transaction that stores them."""
    if not items or not _exists_for(session):
        return
    connection = session.connection()
    _insert(
        connection,
        [(item.id or 0, item_words((item.title, item.summary, item.text))) for item in items],
    )


def _insert(connection: Connection, rows: Iterable[tuple[int, list[str]]]) -> None:
    if connection.dialect.name == "postgresql":
        statement = text(
            "INSERT INTO archive_words (item_id, words) "
            "VALUES (:id, array_to_tsvector(CAST(:words AS TEXT[]))) "
            "ON CONFLICT (item_id) DO UPDATE SET words = EXCLUDED.words"
        )
        params = [{"id": item_id, "words": words} for item_id, words in rows]
    else:
        statement = text("INSERT INTO archive_words (rowid, words) VALUES (:id, :words)")
        params = [{"id": item_id, "words": " ".join(words)} for item_id, words in rows]
    if params:
        connection.execute(statement, params)


# -- asking --------------------------------------------------------------------------------


def usable(session: Session) -> bool:
    """Whether the index exists and holds words of the current scheme."""
    if not _exists_for(session):
        return False
    return _stamp(session.connection()) == scheme()


def candidates(
    session: Session, plan: Plan, ident: Mapped[int | None] | None = None
) -> ColumnElement[bool]:
    """A condition on an item id (``Item.id`` unless ``ident``): the items the plan may match,
    a superset of its matches.  On PostgreSQL the index is asked here, once per word part."""
    connection = session.connection()
    return _clause(plan, connection, col(Item.id) if ident is None else ident)


def _clause(plan: Plan, connection: Connection, ident: Mapped[int | None]) -> ColumnElement[bool]:
    postgres = connection.dialect.name == "postgresql"
    expression = _words_expression(plan, postgres)
    if expression is not None:
        if postgres:
            ids = bindparam("archive_ids", _postgres_ids(connection, expression), unique=True,
                            type_=ARRAY(Integer))  # fmt: skip
            listed: ColumnElement[bool] = ident == any_(ids)
            return listed
        asked: BindParameter[str] = bindparam("archive_query", expression, unique=True)
        found = select(_WORDS.c.rowid).where(literal_column("archive_words").op("MATCH")(asked))
        return ident.in_(found)
    if isinstance(plan, Entity):
        stored = select(ItemMatch.item_id).where(
            col(ItemMatch.kind) == MatchKind.ENTITY.value, col(ItemMatch.key) == plan.id
        )
        return ident.in_(stored)
    assert isinstance(plan, AllOf | AnyOf)
    parts = [_clause(part, connection, ident) for part in plan.parts]
    return and_(*parts) if isinstance(plan, AllOf) else or_(*parts)


def _postgres_ids(connection: Connection, expression: str) -> list[int]:
    """The ids of the items whose words satisfy a tsquery, read through the GIN index.

    The planner cannot see that ``@@`` on a table scan un-TOASTs every item's tsvector (0.2 s
    at 15,000 items against 5 ms through the index, and it grows with the store), and an OR of
    fifty word forms looks unselective to it: the scan is disabled for this one query."""
    old = connection.execute(text("SELECT current_setting('enable_seqscan')")).scalar()
    connection.execute(text("SELECT set_config('enable_seqscan', 'off', true)"))
    try:
        found = connection.execute(
            select(_WORDS.c.item_id).where(
                _WORDS.c.words.op("@@")(cast(bindparam("q", expression), TSQUERY))
            )
        )
        return [int(item_id) for (item_id,) in found]
    finally:
        connection.execute(text("SELECT set_config('enable_seqscan', :old, true)"), {"old": old})


def _words_expression(plan: Plan, postgres: bool) -> str | None:
    """The plan as one FTS5 or tsquery expression, when it asks about words only."""
    if isinstance(plan, Entity):
        return None
    if isinstance(plan, AnyWord):
        words = [*sorted(plan.words), UNINDEXED]
        joiner = " | " if postgres else " OR "
        return "(" + joiner.join(_quote(word, postgres) for word in words) + ")"
    parts = [_words_expression(part, postgres) for part in plan.parts]
    if any(part is None for part in parts):
        return None
    if isinstance(plan, AllOf):
        joiner = " & " if postgres else " AND "
    else:
        joiner = " | " if postgres else " OR "
    return "(" + joiner.join(part for part in parts if part is not None) + ")"


def _quote(word: str, postgres: bool) -> str:
    if postgres:
        return "'" + word.replace("\\", "\\\\").replace("'", "''") + "'"
    return '"' + word.replace('"', '""') + '"'


# -- state ---------------------------------------------------------------------------------


def _exists_for(session: Session) -> bool:
    bind = session.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    known = _exists.get(engine)
    if known is None:
        known = _exists[engine] = _has_index(session.connection())
    return known


def _has_index(connection: Connection) -> bool:
    if connection.dialect.name == "postgresql":
        found = connection.execute(text("SELECT to_regclass('archive_state')")).scalar()
        return found is not None
    found = connection.execute(
        text("SELECT count(*) FROM sqlite_master WHERE name = 'archive_state'")
    ).scalar()
    return bool(found)


def _stamp(connection: Connection) -> str:
    return str(connection.execute(text("SELECT scheme FROM archive_state")).scalar() or "")


def forget(engine: Engine) -> None:
    """Look again whether the index exists (after a migration on ``engine``)."""
    _exists.pop(engine, None)

"""Alembic migrations run from code: the schema is created and upgraded at start-up.

Alembic itself (about 35 MB of imports) is loaded only when the database is behind: whether
it is, is read with one query of ``alembic_version`` against the revisions of the migration
files, found by reading their ``revision`` and ``down_revision`` lines.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect, text

from marsad.store.locks import Lock

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_REVISION = re.compile(r'^revision\s*=\s*["\'](\w+)["\']', re.MULTILINE)
_DOWN = re.compile(r"^down_revision\s*=\s*(.+)$", re.MULTILINE)
_NAME = re.compile(r'["\'](\w+)["\']')


def alembic_config(engine: Engine) -> AlembicConfig:
    """An Alembic configuration that runs on ``engine`` (no alembic.ini needed)."""
    from alembic.config import Config as AlembicConfig

    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade_to_head(engine: Engine, *, apart: bool = False) -> None:
    """Apply every migration the database does not have yet; ``apart``: in a child process
    (``migrate_apart``), so a long-running process never loads Alembic.

    Independent features may add migrations on separate branches off the same parent; all
    heads are applied (``upgrade heads``), so a database from any older version catches up.
    """
    if current_revisions(engine) == head_revisions():
        return
    if engine.dialect.name != "postgresql":
        _upgrade(engine, apart)
        return
    # Several processes may start at once on a new PostgreSQL database: one migrates, the
    # others wait for it and then find nothing to do.
    with engine.connect() as holder:
        holder.execute(text("SELECT pg_advisory_lock(:key)"), {"key": int(Lock.MIGRATION)})
        try:
            if current_revisions(engine) != head_revisions():
                _upgrade(engine, apart)
        finally:
            holder.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": int(Lock.MIGRATION)})
            holder.commit()


def _upgrade(engine: Engine, apart: bool) -> None:
    from marsad.store.migrate_apart import can_migrate_apart, upgrade_apart

    if apart and can_migrate_apart(engine):
        upgrade_apart(engine)
        _forget(engine)
    else:
        apply_migrations(engine)


def apply_migrations(engine: Engine) -> None:
    """Upgrade to every head with Alembic, in this process."""
    from alembic import command

    command.upgrade(alembic_config(engine), "heads")
    _forget(engine)


def _forget(engine: Engine) -> None:
    from marsad.store.archive import forget

    forget(engine)


def current_revisions(engine: Engine) -> frozenset[str]:
    """The revisions the database says it has (none for a new database)."""
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return frozenset()
        rows = connection.execute(text("SELECT version_num FROM alembic_version"))
        return frozenset(str(row[0]) for row in rows)


@lru_cache(maxsize=1)
def head_revisions() -> frozenset[str]:
    """The revisions no other migration file builds on."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        found = _REVISION.search(source)
        if found is None:
            continue
        revisions.add(found.group(1))
        down = _DOWN.search(source)
        if down is not None:
            parents.update(_NAME.findall(down.group(1)))
    return frozenset(revisions - parents)

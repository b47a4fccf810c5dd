"""Run the schema migrations in a short-lived child process, for the long-running service.

Alembic pulls in Mako and Pygments: migrating a new database in the service's own process
left ~10 MB of code there for as long as it ran (bench/README.md "## poll"). The child gets
the database URL on its standard input (never on its command line, where ``ps`` shows it)
and applies every missing migration; the parent waits for it.
"""

from __future__ import annotations

import subprocess
import sys

from sqlalchemy import Engine

from marsad.errors import StoreError

MIGRATE_SECONDS = 600.0
"""How long the child may take (a large PostgreSQL archive index is rebuilt by migrations)."""


def can_migrate_apart(engine: Engine) -> bool:
    """Whether another process can open the same database (not an in-memory SQLite one)."""
    url = engine.url
    if url.get_backend_name() != "sqlite":
        return True
    return bool(url.database) and url.database != ":memory:" and "mode=memory" not in str(url)


def upgrade_apart(engine: Engine) -> None:
    """Apply every missing migration to ``engine``'s database in a child process."""
    done = subprocess.run(
        [sys.executable, "-m", "marsad.store.migrate_apart"],
        input=engine.url.render_as_string(hide_password=False),
        capture_output=True,
        text=True,
        timeout=MIGRATE_SECONDS,
        check=False,
    )
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines() or [f"exit status {done.returncode}"]
        raise StoreError(f"migrating the database failed: {lines[-1]}")


def main() -> int:
    """The child: migrate the database whose URL is on standard input."""
    from marsad.store.engine import create_store_engine
    from marsad.store.migrate import apply_migrations

    engine = create_store_engine(sys.stdin.read().strip())
    try:
        apply_migrations(engine)
    finally:
        engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The store opens, migrates and behaves the same on SQLite and PostgreSQL."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, create_engine, inspect, text
from sqlmodel import select

from marsad.config import SourceConfig
from marsad.errors import StoreError
from marsad.store.archive import include_object
from marsad.store.engine import open_store, session
from marsad.store.items import NewItem, add_items, known_keys
from marsad.store.migrate import current_revisions, head_revisions
from marsad.store.schema import METADATA
from marsad.store.sources import sync_sources
from marsad.store.tables import Item

NOW = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)


def draft(key: str, title: str = "حموشي يستقبل وفدا أمنيا إسبانيا") -> NewItem:
    return NewItem(
        key=key,
        guid=None,
        url=f"https://example.ma/{key}",
        canonical_url=f"https://example.ma/{key}",
        title=title,
        summary="",
        text="",
        published=NOW - timedelta(hours=1),
        date_missing=False,
    )


def test_fresh_database_is_at_head_and_matches_the_models(store_url: str) -> None:
    engine = open_store(store_url)
    assert current_revisions(engine) == head_revisions()
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_object": include_object})
        diff = compare_metadata(context, METADATA)
    assert diff == [], f"models and migrations disagree: {diff}"
    assert {"sources", "items"} <= set(inspect(engine).get_table_names())


def test_opening_twice_keeps_data(store_url: str) -> None:
    engine = open_store(store_url)
    with session(engine) as s:
        source = sync_sources(s, [SourceConfig(name="Hespress", url="https://h.example/feed")])
        add_items(s, source["Hespress"].id or 0, [draft("a")], fetched_at=NOW, backlog=True)
        s.commit()
    engine.dispose()
    again = open_store(store_url)
    with session(again) as s:
        items = s.exec(select(Item)).all()
    assert [(i.key, i.title, i.backlog) for i in items] == [
        ("a", "حموشي يستقبل وفدا أمنيا إسبانيا", True)
    ]
    assert items[0].published_at == NOW - timedelta(hours=1)
    assert items[0].published_at.tzinfo is not None


def test_the_same_key_is_stored_once_across_sources_and_batches(store_url: str) -> None:
    engine = open_store(store_url)
    with session(engine) as s:
        rows = sync_sources(
            s,
            [
                SourceConfig(name="A", url="https://a.example/feed"),
                SourceConfig(name="B", url="https://b.example/feed"),
            ],
        )
        first = add_items(
            s,
            rows["A"].id or 0,
            [draft("x"), draft("y"), draft("x")],
            fetched_at=NOW,
            backlog=False,
        )
        second = add_items(
            s, rows["B"].id or 0, [draft("y"), draft("z")], fetched_at=NOW, backlog=False
        )
        s.commit()
        assert [i.key for i in first] == ["x", "y"]
        assert [i.key for i in second] == ["z"]
        assert known_keys(s, ["x", "z", "w"]) == {"x", "z"}
        assert len(s.exec(select(Item)).all()) == 3


def test_changing_a_source_url_in_the_config_starts_it_afresh(store_url: str) -> None:
    engine = open_store(store_url)
    with session(engine) as s:
        row = sync_sources(s, [SourceConfig(name="A", url="https://a.example/feed")])["A"]
        row.consecutive_failures, row.disabled_reason, row.etag = 20, "20 failures", '"v1"'
        s.commit()
        row = sync_sources(s, [SourceConfig(name="A", url="https://a.example/rss")])["A"]
        assert (row.url, row.consecutive_failures, row.disabled_reason, row.etag) == (
            "https://a.example/rss",
            0,
            None,
            None,
        )


def test_sqlite_runs_with_wal_busy_timeout_and_foreign_keys(sqlite_url: str) -> None:
    engine = open_store(sqlite_url)
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 10_000
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_naive_datetimes_are_refused(sqlite_url: str) -> None:
    engine = open_store(sqlite_url)
    with session(engine) as s:
        source = sync_sources(s, [SourceConfig(name="A", url="https://a.example/feed")])["A"]
        bad = NewItem(**{**draft("n").__dict__, "published": datetime(2026, 1, 1)})
        with pytest.raises(Exception, match="naive datetime"):
            add_items(s, source.id or 0, [bad], fetched_at=NOW, backlog=False)


def test_unreachable_or_unknown_databases_are_clear_errors(tmp_path: object) -> None:
    with pytest.raises(StoreError, match="unsupported database 'mysql'"):
        open_store("mysql://localhost/x")
    with pytest.raises(StoreError, match="cannot open the database") as info:
        open_store("postgresql+psycopg://nobody:secret@127.0.0.1:1/none?connect_timeout=1")
    assert "secret" not in info.value.show()


def _store_at_first_version(store_url: str) -> Engine:
    """A database as the first schema version (0001) left it, with one source."""
    from alembic import command

    from marsad.store.engine import create_store_engine
    from marsad.store.migrate import alembic_config

    old = create_store_engine(store_url)
    command.upgrade(alembic_config(old), "0001")
    with old.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO sources (name, config_url, url, kind, consecutive_failures, items_seen)"
                " VALUES ('Old', 'https://old.example/feed', 'https://old.example/feed', 'feed', 0, 1)"
            )
        )
    return old


def test_a_database_from_the_first_version_is_upgraded_with_its_data(store_url: str) -> None:
    old = _store_at_first_version(store_url)
    with old.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO items (key, source_id, url, title, summary, text, published_at,"
                " date_missing, fetched_at, backlog) VALUES ('url:https://old.example/1', 1,"
                " 'https://old.example/1', 'خبر قديم', '', '', :t, false, :t, true)"
            ),
            {"t": NOW.replace(tzinfo=None)},
        )
    old.dispose()
    engine = open_store(store_url)
    assert current_revisions(engine) == head_revisions()
    with session(engine) as s:
        [item] = s.exec(select(Item)).all()
    assert (item.title, item.published_at) == ("خبر قديم", NOW)


def test_the_heads_read_from_the_files_are_alembics_heads() -> None:
    from alembic.script import ScriptDirectory

    from marsad.store.migrate import MIGRATIONS

    assert head_revisions() == frozenset(ScriptDirectory(str(MIGRATIONS)).get_heads())


def test_a_store_at_head_opens_without_loading_alembic(tmp_path: Path) -> None:
    """Alembic is 35 MB of imports: loaded only to upgrade, not on every command's start."""
    url = f"sqlite:///{tmp_path / 'marsad.db'}"
    open_store(url).dispose()  # creates and migrates
    probe = (
        "import sys; from marsad.store.engine import open_store; "
        f"open_store({url!r}).dispose(); print('alembic' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


def test_the_service_migrates_a_new_database_in_a_child_and_never_loads_alembic(
    store_url: str,
) -> None:
    """``marsad run`` migrates apart: Alembic (with Mako and Pygments, ~10 MB) stays out of
    the long-running process, and the schema is the same as migrated in-process."""
    probe = (
        "import sys; from marsad.store.engine import open_store; "
        f"open_store({store_url!r}, migrate_apart=True).dispose(); "
        "print(sorted({'alembic', 'mako', 'pygments'} & set(sys.modules)))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
    engine = open_store(store_url)
    assert current_revisions(engine) == head_revisions()
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_object": include_object})
        assert compare_metadata(context, METADATA) == []


def test_an_old_database_upgraded_apart_keeps_its_data(store_url: str) -> None:
    old = _store_at_first_version(store_url)
    old.dispose()
    engine = open_store(store_url, migrate_apart=True)
    assert current_revisions(engine) == head_revisions()
    with session(engine) as s:
        source = sync_sources(s, [SourceConfig(name="Old", url="https://old.example/feed")])
        add_items(s, source["Old"].id or 0, [draft("a")], fetched_at=NOW, backlog=True)
        s.commit()
        assert [item.key for item in s.exec(select(Item)).all()] == ["a"]


def test_an_in_memory_database_is_migrated_in_process_even_when_asked_apart() -> None:
    engine = open_store("sqlite://", migrate_apart=True)
    assert current_revisions(engine) == head_revisions()


def test_a_child_that_cannot_migrate_is_a_store_error_with_its_reason(tmp_path: Path) -> None:
    from marsad.store.migrate_apart import upgrade_apart

    (tmp_path / "plain-file").write_text("not a folder")
    engine = create_engine(f"sqlite:///{tmp_path / 'plain-file' / 'marsad.db'}")
    with pytest.raises(StoreError, match=r"migrating the database failed: .*FileExistsError"):
        upgrade_apart(engine)

"""`marsad run` roles and the one-process rule of SQLite, as an operator meets them."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

from sqlmodel import select

from marsad.store.engine import open_store, session
from marsad.store.tables import Worker
from tests.cli import marsad
from tests.service import start_service, stop_service


def wait_until_serving(process: subprocess.Popen[str], log: Path) -> None:
    deadline = time.monotonic() + 60
    while "worker " not in log.read_text(encoding="utf-8"):
        assert process.poll() is None, log.read_text(encoding="utf-8")
        assert time.monotonic() < deadline, log.read_text(encoding="utf-8")
        time.sleep(0.1)


def test_an_unknown_role_is_refused_with_the_choices(tmp_path: Path) -> None:
    done = marsad("run", "--role", "watcher,poller", cwd=tmp_path)
    assert done.returncode == 2
    assert "unknown role 'poller'" in done.stderr
    assert "all, watcher, bot, sender" in done.stderr


def test_a_second_service_on_one_sqlite_file_is_refused_naming_the_first(tmp_path: Path) -> None:
    config = '[polling]\ninterval = "5m"\n'
    first, log = start_service(tmp_path, config)
    try:
        wait_until_serving(first, log)
        second = marsad("run", "--config", str(tmp_path / "config.toml"), cwd=tmp_path)
    finally:
        assert stop_service(first) == 0
    assert second.returncode != 0
    database = tmp_path / "marsad.db"
    assert f"the database {database} is in use by another `marsad run`" in second.stderr
    assert f"pid {first.pid}" in second.stderr
    assert "use PostgreSQL" in second.stderr
    # the first one registered, and retired at its clean stop; the refused one never registered
    engine = open_store(f"sqlite:///{database}")
    with session(engine) as s:
        workers = s.exec(select(Worker)).all()
    engine.dispose()
    assert [(w.pid, w.roles, w.stopped_at is not None) for w in workers] == [
        (first.pid, "watcher,bot,sender", True)
    ]
    # once the first has stopped, the file is free again
    again, again_log = start_service(tmp_path, config)
    wait_until_serving(again, again_log)
    assert stop_service(again) == 0

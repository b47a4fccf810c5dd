"""The SQLite file of the store: missing after use, damaged, deleted while running (issue 13,
item 8). Each through `marsad run` as a user starts it."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

from tests.cli import marsad
from tests.service import start_service, stop_service

CONFIG = '[polling]\ninterval = "1s"\n'


def write_config(tmp_path: Path) -> Path:
    config = tmp_path / "config.toml"
    config.write_text(CONFIG, encoding="utf-8")
    return config


def start(tmp_path: Path, *extra: str) -> tuple[subprocess.Popen[str], Path]:
    return start_service(tmp_path, CONFIG, *extra)


def wait_until_serving(process: subprocess.Popen[str], log: Path) -> None:
    deadline = time.monotonic() + 30
    while "polling 0 sources" not in log.read_text(encoding="utf-8"):
        assert process.poll() is None, log.read_text(encoding="utf-8")
        assert time.monotonic() < deadline
        time.sleep(0.05)


def run_briefly(tmp_path: Path, *extra: str) -> None:
    process, log = start(tmp_path, *extra)
    wait_until_serving(process, log)
    assert stop_service(process) == 0, log.read_text(encoding="utf-8")


def test_a_missing_database_where_one_was_used_is_refused_unless_allowed(tmp_path: Path) -> None:
    write_config(tmp_path)
    run_briefly(tmp_path)
    (tmp_path / "marsad.db").unlink()
    refused = marsad("run", "--config", str(tmp_path / "config.toml"), cwd=tmp_path, timeout=60)
    assert refused.returncode == 2
    assert "marsad.db is missing, but one was used here before" in refused.stderr
    assert "--allow-new-database" in refused.stderr and "Traceback" not in refused.stderr
    assert not (tmp_path / "marsad.db").exists(), "no empty database was made in its place"
    polled = marsad("stories", "--config", str(tmp_path / "config.toml"), cwd=tmp_path)
    assert polled.returncode == 2 and "is missing" in polled.stderr, "other commands too"
    run_briefly(tmp_path, "--allow-new-database")
    assert (tmp_path / "marsad.db").exists()


def test_a_damaged_database_is_refused_with_a_clear_error(tmp_path: Path) -> None:
    write_config(tmp_path)
    run_briefly(tmp_path)
    database = tmp_path / "marsad.db"
    data = bytearray(database.read_bytes())
    data[100:] = b"\xff" * (len(data) - 100)  # the header stays, every page is garbage
    database.write_bytes(bytes(data))
    refused = marsad("run", "--config", str(tmp_path / "config.toml"), cwd=tmp_path, timeout=60)
    assert refused.returncode == 2, refused.stderr
    assert "marsad.db is damaged" in refused.stderr
    assert "Traceback" not in refused.stderr


def test_a_database_deleted_while_running_stops_the_service_loudly(tmp_path: Path) -> None:
    write_config(tmp_path)
    process, log = start(tmp_path)
    wait_until_serving(process, log)
    (tmp_path / "marsad.db").unlink()
    assert process.wait(timeout=60) == 2
    output = log.read_text(encoding="utf-8")
    assert "ERROR" in output and "was deleted while Marsad was running" in output
    assert "Traceback" not in output

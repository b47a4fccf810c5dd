"""Exactly one process answers Telegram updates, on the real PostgreSQL and the fake Bot API
(issue 14): the holder of the advisory lock long-polls, another takes over when it loses its
connection or stops, and none ever overlaps a poll (the fake answers 409 as Telegram does)."""

from __future__ import annotations

import asyncio
import dataclasses
import http.client
import json
import threading
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import Engine

from marsad import metrics
from marsad.bot.app import run_bot
from marsad.bot.leader import Timing
from marsad.bot.wiring import utc_now
from marsad.config import Config
from marsad.matching.engine import Matcher
from marsad.matching.rulefile import load_rules
from marsad.store.engine import create_store_engine, open_store
from marsad.store.locks import Lock
from marsad.store.workers import Role, register, retire
from tests.bot.conftest import make_config, until
from tests.conftest import POSTGRES_ADMIN
from tests.fakebot import FakeTelegram

LEASE = timedelta(seconds=6)  # a candidate retries every 0.25 s, the leader checks every 0.5 s
POLL = 1.0
KEY = int(Lock.TELEGRAM_UPDATES)


@dataclasses.dataclass
class Candidate:
    """One process's bot: its own engine (named in pg_stat_activity), worker id and stop."""

    name: str
    engine: Engine
    stop: asyncio.Event
    task: asyncio.Task[None] | None = None


@pytest.fixture
def pg_config(
    tmp_path: Path, postgres_url: str, fake_telegram: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> Config:
    config = make_config(tmp_path, fake_telegram.base_url)
    monkeypatch.setenv(config.telegram.token_env, fake_telegram.token)
    return dataclasses.replace(
        config, database=dataclasses.replace(config.database, url=postgres_url)
    )


def candidate(config: Config, name: str, *, first: bool = False) -> Candidate:
    url = f"{config.database.url}?application_name={name}"
    engine = open_store(url) if first else create_store_engine(url)
    register(engine, name.ljust(32, "0"), [Role.BOT, Role.SENDER], utc_now())
    return Candidate(name, engine, asyncio.Event())


def start(config: Config, matcher: Matcher, c: Candidate, poll: float = POLL) -> None:
    c.task = asyncio.create_task(
        run_bot(config, c.engine, matcher, c.stop, worker_id=c.name.ljust(32, "0"), lease=LEASE,
                poll_timeout=poll)
    )  # fmt: skip


async def stop(c: Candidate) -> None:
    c.stop.set()
    assert c.task is not None
    await asyncio.wait_for(c.task, timeout=30)
    c.engine.dispose()


def holder() -> tuple[str, int] | None:
    """The application name and backend pid of the connection holding the updates lock."""
    with psycopg.connect(POSTGRES_ADMIN) as db:
        row = db.execute(
            "SELECT a.application_name, a.pid FROM pg_locks l JOIN pg_stat_activity a"
            " ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted"
            " AND l.classid::bigint = %s AND l.objid::bigint = %s",
            (KEY >> 32, KEY & 0xFFFFFFFF),
        ).fetchone()
    return None if row is None else (str(row[0]), int(row[1]))


async def answered_once(server: FakeTelegram, chat_id: int) -> None:
    """Push /help from ``chat_id`` and wait for its answer."""
    server.push_message(chat_id, "/help")
    await until(lambda: len(server.texts(chat_id)) >= 1, seconds=20)


@pytest.mark.postgres
async def test_one_candidate_polls_and_another_takes_over_without_a_conflict(
    pg_config: Config, fake_telegram: FakeTelegram
) -> None:
    server = fake_telegram
    matcher = Matcher.compile(load_rules(list(pg_config.rules)))
    a = candidate(pg_config, "marsad-a", first=True)
    b = candidate(pg_config, "marsad-b")
    start(pg_config, matcher, a)
    await until(lambda: (holder() or ("",))[0] == "marsad-a")
    start(pg_config, matcher, b)
    for chat in (11, 12, 13):
        await answered_once(server, chat)
    await answered_once(server, 14)  # by now a doubled answer to 11-13 would be there
    assert [len(server.texts(chat)) for chat in (11, 12, 13, 14)] == [1, 1, 1, 1]
    assert (holder() or ("",))[0] == "marsad-a"

    # The leader's connection breaks: it stops polling, and the other takes over (after
    # waiting out the poll the first may still have open, since it is alive).
    found = holder()
    assert found is not None
    with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (found[1],))
    await until(lambda: (holder() or ("",))[0] == "marsad-b", seconds=20)
    await answered_once(server, 15)
    await answered_once(server, 16)

    # The new leader stops cleanly and retires: the first leads again at once.
    await stop(b)
    retire(a.engine, "marsad-b".ljust(32, "0"), utc_now())
    await until(lambda: (holder() or ("",))[0] == "marsad-a", seconds=20)
    await answered_once(server, 17)
    await stop(a)
    assert [len(server.texts(chat)) for chat in range(11, 18)] == [1] * 7
    assert server.conflicts() == 0  # no two getUpdates ever overlapped


def _dead_poll(server: FakeTelegram, timeout: int, answers: list[int]) -> threading.Thread:
    """A long poll left at Telegram by a machine that vanished: open until its timeout."""
    port = int(server.base_url.split(":")[2].split("/")[0])

    def poll() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout + 10)
        connection.request(
            "POST",
            f"/bot{server.token}/getUpdates",
            body=json.dumps({"timeout": timeout}),
            headers={"Content-Type": "application/json"},
        )
        answers.append(connection.getresponse().status)
        connection.close()

    thread = threading.Thread(target=poll, daemon=True)
    thread.start()
    return thread


@pytest.mark.postgres
async def test_a_new_leader_waits_out_the_long_poll_a_dead_leader_left(
    pg_config: Config, fake_telegram: FakeTelegram
) -> None:
    server = fake_telegram
    matcher = Matcher.compile(load_rules(list(pg_config.rules)))
    engine = open_store(pg_config.database.url)
    register(engine, "d" * 32, [Role.BOT], utc_now())  # it said it was alive a moment ago
    dsn = pg_config.database.url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn, autocommit=True) as dead_leader:
        dead_leader.execute("SELECT pg_advisory_lock(%s)", (KEY,))
        c = candidate(pg_config, "marsad-c")
        start(pg_config, matcher, c, poll=2.0)
        await until(lambda: any(method == "getMe" for method, _ in server.calls))
        await asyncio.sleep(0.5)  # c tries for the lock and finds it held
        answers: list[int] = []
        calls = len(server.calls)
        dead = _dead_poll(server, 2, answers)
        await until(lambda: len(server.calls) > calls)
    # The dead leader's connection is gone (its lock with it); its long poll is not, and would
    # take the first update: the command comes once that poll ran out.
    await asyncio.to_thread(dead.join, 10)
    await answered_once(server, 21)
    assert metrics.REGISTRY.get_sample_value("marsad_telegram_leader") == 1
    await stop(c)
    assert metrics.REGISTRY.get_sample_value("marsad_telegram_leader") == 0
    engine.dispose()
    assert answers == [200]  # the dead leader's poll ran out; nobody terminated it
    assert server.conflicts() == 0


def test_the_fake_ends_the_older_of_two_overlapping_polls_with_409(
    fake_telegram: FakeTelegram,
) -> None:
    answers: list[int] = []
    first = _dead_poll(fake_telegram, 5, answers)
    fake_telegram.wait_for(lambda: len(fake_telegram.calls) == 1)
    second = _dead_poll(fake_telegram, 0, answers)
    first.join(10)
    second.join(10)
    assert sorted(answers) == [200, 409] and fake_telegram.conflicts() == 1
    assert "terminated by other getUpdates request" in str(fake_telegram.refused[0][2])


def test_timing_follows_the_lease() -> None:
    timing = Timing.of(timedelta(minutes=2), 10.0)
    assert (timing.retry, timing.check) == (5.0, 2.0)
    assert Timing.of(timedelta(seconds=6), 1.0).check == 0.5
    assert timing.takeover == 10.0 + 2 * 2.0 + 1.0  # the poll, and the old leader noticing

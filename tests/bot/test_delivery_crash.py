"""SIGKILL of a sending process: after a restart nothing is lost and at most one copy is extra."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from marsad.store.engine import open_store
from tests.bot.delivery_helpers import Clock, alert, rows, started
from tests.fakebot import FakeTelegram, Fault

ROOT = Path(__file__).resolve().parents[2]
CHILD = textwrap.dedent(
    """
    import asyncio, sys
    from marsad.bot.delivery.sender import Sender, make_bot
    from marsad.store.engine import open_store

    async def main() -> None:
        bot = make_bot(sys.argv[2], sys.argv[3], read_timeout=120)
        async with bot:
            await Sender(bot, open_store(sys.argv[1])).send_due()

    asyncio.run(main())
    """
)


def kill_while_sending(server: FakeTelegram, url: str) -> None:
    """A sender in a child process, SIGKILLed once its sendMessage reached the server."""
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, url, server.token, server.base_url],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        server.wait_for(lambda: any(m == "sendMessage" for m, _ in server.calls), 60)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(30)


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
@pytest.mark.parametrize(
    ("delivered_before_the_kill", "copies"),
    [(True, 2), (False, 1)],
)
async def test_killed_while_sending_then_restarted(
    fake_telegram: FakeTelegram, tmp_path: Path, delivered_before_the_kill: bool, copies: int
) -> None:
    url = f"sqlite:///{tmp_path / 'marsad.db'}"
    engine = open_store(url)
    alert(engine, 77, 1)
    fake_telegram.inject(Fault.stall(60, deliver=delivered_before_the_kill))
    kill_while_sending(fake_telegram, url)
    assert [r.state for r in rows(engine)] == ["sending"]
    clock = Clock(datetime.now(UTC) + timedelta(seconds=5))  # the child paced on the wall clock
    async with started(fake_telegram, engine, clock) as restarted:
        assert await restarted.send_due() == 1
        clock.advance(5)
        assert await restarted.send_due() == 0
    assert fake_telegram.texts(77) == ["خبر 1"] * copies
    assert [(r.state, r.unconfirmed) for r in rows(engine)] == [("sent", 1)]

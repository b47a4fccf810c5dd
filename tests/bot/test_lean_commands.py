"""Each command imports only what it uses: no Telegram stack, HTTP client or wordfreq where the
command does not need them (they cost most of a short command's start-up)."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from marsad.bot.cli import main
from marsad.store.chats import ChatInfo, ChatType, Language, add_subscription, register_chat
from marsad.store.chats import SubscriptionKind as Kind
from tests.bot.conftest import World
from tests.bot.test_digests import restore_logging  # noqa: F401 - a fixture used below
from tests.cli import clean_env

# Runs one command as `python -m marsad` does, then lists the top-level packages it imported.
PROBE = """\
import json, runpy, sys
sys.argv = ["marsad", *json.loads(sys.argv[1])]
try:
    runpy.run_module("marsad", run_name="__main__")
except SystemExit:
    pass
with open(OUT, "w") as out:
    json.dump(sorted({name.split(".")[0] for name in sys.modules}), out)
"""


def imported(tmp_path: Path, *args: str) -> set[str]:
    listing = tmp_path / "modules.json"
    code = PROBE.replace("OUT", repr(str(listing)))
    done = subprocess.run(
        [sys.executable, "-c", code, json.dumps(list(args))],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env=clean_env(),
        check=False,
    )
    assert listing.exists(), done.stderr
    return set(json.loads(listing.read_text()))


HEAVY = {
    "telegram",
    "httpx",
    "wordfreq",
    "alembic",
    "trafilatura",
    "feedparser",
    "apscheduler",
    "matplotlib",
}


@pytest.mark.parametrize(
    ("args", "absent"),
    [
        (["--help"], HEAVY | {"marisa_trie", "sqlalchemy", "sqlmodel", "rapidfuzz"}),
        (["explain", "حموشي في مدريد"], HEAVY | {"sqlalchemy", "sqlmodel"}),
        (["check"], HEAVY | {"sqlalchemy", "sqlmodel"}),
        (["forms", "تونس"], HEAVY | {"sqlalchemy", "sqlmodel"}),
        (["stories"], HEAVY | {"marisa_trie"}),
        (["spikes"], HEAVY | {"marisa_trie"}),
        (["digest"], HEAVY),
    ],
)
def test_a_command_imports_only_what_it_uses(
    tmp_path: Path, args: list[str], absent: set[str]
) -> None:
    first = imported(tmp_path, *args)
    assert "marsad" in first  # the probe ran the command
    if "sqlmodel" in first:
        assert (tmp_path / "marsad.db").exists()
        assert "alembic" in first  # a new database is migrated; then alembic is not needed
    assert imported(tmp_path, *args) & absent == set()


def test_the_service_imports_matplotlib_only_to_draw_a_chart() -> None:
    """``marsad run`` (the bot with /trend and the digest's chart) and ``marsad trend`` load
    their modules without matplotlib: it is imported when a chart is drawn."""
    code = (
        "import sys\n"
        "import marsad.bot.app, marsad.bot.commands.run, marsad.bot.commands.trend\n"
        "import marsad.bot.handlers.trend, marsad.bot.trend_chart, marsad.bot.cli\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in {'matplotlib', 'PIL'}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.strip() == "[]"


@pytest.mark.usefixtures("restore_logging")
def test_the_console_digest_of_a_chat_uses_its_query_subscriptions(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    world.clock.now = datetime.now(UTC)
    world.add_item("أمطار غزيرة في الشمال", ago=timedelta(hours=2))
    world.add_item("حموشي يستقبل سفير إسبانيا", ago=timedelta(hours=2))
    with world.session() as s:
        info = ChatInfo(4242, ChatType.PRIVATE, None, Language.AR)
        chat, _ = register_chat(s, info, world.clock.now)
        add_subscription(s, chat, Kind.QUERY, "أمطار", world.clock.now)
        s.commit()
    assert world.config.path is not None
    assert main(["digest", "--config", str(world.config.path), "--chat", "4242"]) == 0
    out = capsys.readouterr().out
    assert "== أمطار" in out and "أمطار غزيرة في الشمال" in out
    assert "حموشي" not in out

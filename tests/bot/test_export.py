"""``/export`` through the fake Bot API: the CSV document read back from the server (its name,
BOM, header, rows, Arabic intact), by subscriptions and by query, cut at the row limit; and the
fake server's sendDocument and sendPhoto answering as Telegram does."""

from __future__ import annotations

import csv
import io
import struct
import zlib
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlmodel import select
from telegram import Bot as TelegramBot
from telegram import InputFile
from telegram.error import BadRequest

from marsad.bot.handlers import export
from marsad.matching.engine import Matcher
from marsad.matching.rulefile import load_rules
from marsad.store.tables import Item
from tests.bot.conftest import Bot, Clock, World, make_config, start_bot, until
from tests.bot.test_archive_digests import NOW, fill
from tests.fakebot import FakeTelegram, SentFile

HEADER = ["story_id", "first_seen", "published", "title", "outlet", "url", "matched", "severity"]


@pytest.fixture
async def archive_bot(tmp_path: Path, fake_telegram: FakeTelegram) -> AsyncIterator[Bot]:
    config = make_config(tmp_path, fake_telegram.base_url)
    matcher = Matcher.compile(load_rules(list(config.rules)))
    world = World(config, fill(f"sqlite:///{tmp_path / 'a.db'}", matcher), matcher, Clock(NOW))
    async for running in start_bot(fake_telegram, world):
        yield running
    world.engine.dispose()


async def exported(bot: Bot, text: str, chat_id: int = 42) -> tuple[SentFile, list[list[str]]]:
    files = len(bot.server.files)
    bot.server.push_message(chat_id, text, language_code="en")
    await until(lambda: len(bot.server.files) > files)
    sent = bot.server.files[-1]
    assert sent.data.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read UTF-8
    rows = list(csv.reader(io.StringIO(sent.data.decode("utf-8-sig"), newline="")))
    assert rows[0] == HEADER
    return sent, rows[1:]


async def test_export_of_the_subscriptions(archive_bot: Bot) -> None:
    bot = archive_bot
    await bot.say(42, "/subscribe @hammouchi", language_code="en")
    sent, rows = await exported(bot, "/export 7d")
    assert sent.method == "sendDocument"
    assert sent.file_name == "marsad-2026-12-05-7d.csv"
    assert sent.mime_type == "text/csv"
    assert sent.caption == "2 links of 2 stories, last 7d."
    by_title = {row[3]: row for row in rows}
    assert set(by_title) == {"حموشي يستقبل سفير إسبانيا بالرباط", "حموشي يزور معرض الأمن"}
    visit = by_title["حموشي يستقبل سفير إسبانيا بالرباط"]
    with bot.world.session() as s:
        item = s.exec(select(Item).where(Item.title == visit[3])).one()
    assert visit[0] == str(item.story_id)
    assert datetime.fromisoformat(visit[2]) == item.published_at
    assert visit[2].endswith("+01:00")  # Casablanca's offset, as configured
    assert visit[4] in {"Sahil", "Wasit"} and visit[5] == item.url
    # the subscription (the entity's Arabic name), then what ingest stored for the link
    assert visit[6] == "عبد اللطيف حموشي; ma-es-security; @hammouchi; @spain"
    assert visit[7] == "normal"  # the rule it matched has the default severity
    assert by_title["حموشي يزور معرض الأمن"][7] == ""  # no rule: no severity


async def test_export_of_a_query_one_row_per_link(archive_bot: Bot) -> None:
    _, rows = await exported(archive_bot, '/export 2d "وزارة الصحة"')
    stories: dict[str, list[list[str]]] = {}
    for row in rows:
        stories.setdefault(row[0], []).append(row)
    two = [links for links in stories.values() if len(links) == 2]
    assert len(two) == 1  # the story two outlets reported: one row per link
    assert {row[4] for row in two[0]} == {"Sahil", "Wasit"}
    assert {row[1] for row in two[0]} == {two[0][0][1]}  # one first-seen for the story
    assert {row[3] for row in two[0]} == {"وزارة الصحة تطلق حملة تلقيح", "لوزارة الصحة رأي آخر"}
    assert all(row[6].startswith('"وزارة الصحة"') for row in rows)


async def test_export_is_cut_and_says_so(archive_bot: Bot, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(export, "MAX_ROWS", 3)
    sent, rows = await exported(archive_bot, "/export 7d معرض OR الصحة")
    assert len(rows) == 3
    assert sent.caption is not None
    assert "Cut at 3 rows: export a shorter period or a narrower query." in sent.caption


async def test_nothing_to_export(archive_bot: Bot) -> None:
    [none] = await archive_bot.say(42, "/export", language_code="en")
    assert none.startswith("This chat has no subscriptions")
    [empty] = await archive_bot.say(42, '/export 7d "غير موجودة إطلاقا"', language_code="en")
    assert empty == "Nothing to export: no story in the last 7d."
    [bad] = await archive_bot.say(42, '/export 7d "حموشي', language_code="en")
    assert "unclosed quote" in bad
    assert not archive_bot.server.files


def png(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    pixels = zlib.compress(b"".join(b"\x00" + b"\x80" * width for _ in range(height)))
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


async def test_the_fake_server_takes_documents_and_photos(fake_telegram: FakeTelegram) -> None:
    async with TelegramBot(fake_telegram.token, base_url=fake_telegram.base_url) as bot:
        message = await bot.send_document(
            5, InputFile("a,b\r\nسطر,2\r\n".encode(), filename="x.csv"), caption="<b>csv</b>",
            parse_mode="HTML",
        )  # fmt: skip
        assert message.document is not None
        assert message.document.file_name == "x.csv"
        assert message.document.mime_type == "text/csv"
        assert message.document.file_size == len("a,b\r\nسطر,2\r\n".encode())
        assert message.caption == "csv"
        assert fake_telegram.files[-1].data == "a,b\r\nسطر,2\r\n".encode()
        again = await bot.send_document(6, message.document.file_id)  # a file sent before
        assert again.document is not None and again.document.file_name == "x.csv"

        with pytest.raises(BadRequest, match=r"(?i)file must be non-empty"):
            await bot.send_document(5, InputFile(b"", filename="empty.csv"))

        photo = await bot.send_photo(5, InputFile(png(400, 200), filename="p.png"))
        sizes = [(size.width, size.height) for size in photo.photo]
        assert sizes == [(90, 45), (320, 160), (400, 200)]
        with pytest.raises(BadRequest, match=r"(?i)image_process_failed"):
            await bot.send_photo(5, InputFile(b"not an image", filename="p.png"))

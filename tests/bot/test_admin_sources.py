"""Admins manage sources from Telegram: /addsource (preview, add or cancel), /sources, /enable,
/disable; through the fake Bot API, with feeds and pages served on 127.0.0.1."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from marsad.bot.app import run_bot
from marsad.bot.cli import main
from marsad.bot.commands.sources_view import SourceLine, Standing
from marsad.bot.delivery.split import TELEGRAM_LIMIT
from marsad.bot.handlers.access import AccessPolicy
from marsad.bot.handlers.admin_sources import PAGE_SIZE, page_text
from marsad.bot.handlers.common import Services
from marsad.bot.wiring import make_fetcher, make_poller
from marsad.store.chats import Language, get_chat
from marsad.store.sources import disable_by_operator
from marsad.store.tables import Item, Source
from marsad.watchers.claims import ClaimingScheduler
from tests.bot.conftest import ADMIN, Bot, World, make_world, start_bot, until
from tests.fakebot import FakeTelegram
from tests.httpserver import HTTPTestServer, Response, closed_port_url

ANALYST, MEMBER, GROUP = 4242, 5151, -200
FEED_TYPE = {"Content-Type": "application/rss+xml; charset=utf-8"}
HTML_TYPE = {"Content-Type": "text/html; charset=utf-8"}
XML_TYPE = {"Content-Type": "application/xml; charset=utf-8"}
HTML = {"Content-Type": "text/html; charset=utf-8"}
PRIVATE_OK = '[polling]\nallow_private = ["127.0.0.1"]\ntimeout = "5s"'
OLD = ("حموشي يستقبل سفير إسبانيا", "افتتاح معرض الكتاب", "أمطار في الشمال")
NEWS = "حموشي يبحث مع وفد من إسبانيا تعزيز التعاون الأمني"


def rss(*titles: str, title: str = "Rif News") -> bytes:
    items = "".join(
        f"<item><title>{text}</title><link>https://rif.example/{n}</link>"
        f"<guid isPermaLink='false'>rif-{abs(hash(text))}</guid>"
        f"<pubDate>Sun, 22 Nov 2026 0{n}:00:00 +0100</pubDate></item>"
        for n, text in enumerate(titles, start=1)
    )
    return f"<rss version='2.0'><channel><title>{title}</title>{items}</channel></rss>".encode()


def article(title: str) -> bytes:
    body = " ".join([f"{title}، وقالت مصادر مطلعة إن اللقاء تناول ملفات التعاون."] * 4)
    return (
        f"<html lang='ar'><head><title>{title}</title></head><body><main><article>"
        f"<h1>{title}</h1><p>{body}</p><p>{body}</p></article></main></body></html>"
    ).encode()


ARTICLES = {
    "/akhbar/2026/11/22/tafkik-shabaka-tahrib": "تفكيك شبكة للتهريب في طنجة",
    "/akhbar/2026/11/22/liqaa-amni-maghribi-isbani": "لقاء أمني مغربي إسباني في مدريد",
}


def serve_page(server: HTTPTestServer) -> str:
    links = "".join(f"<h2><a href='{path}'>{title}</a></h2>" for path, title in ARTICLES.items())
    listing = f"<html><head><title>أخبار</title></head><body><main>{links}</main></body></html>"
    for path, title in ARTICLES.items():
        server.route(path, Response(body=article(title), headers=HTML))
    return server.route("/akhbar", Response(body=listing.encode(), headers=HTML))


@pytest.fixture
def admin_world(tmp_path: Path, fake_telegram: FakeTelegram) -> Iterator[World]:
    built = make_world(tmp_path, fake_telegram.base_url, PRIVATE_OK)
    yield built
    built.engine.dispose()


@pytest.fixture
async def admin_bot(fake_telegram: FakeTelegram, admin_world: World) -> AsyncIterator[Bot]:
    async for running in start_bot(fake_telegram, admin_world):
        yield running


def buttons(server: FakeTelegram, chat_id: int) -> dict[str, tuple[int, str]]:
    """The last message with buttons in the chat: button text → (message id, callback data)."""
    for sent in reversed(server.sent):
        if sent.chat_id == chat_id and sent.reply_markup:
            rows = sent.reply_markup["inline_keyboard"]
            return {b["text"]: (sent.message_id, b["callback_data"]) for row in rows for b in row}
    raise AssertionError(f"no buttons in chat {chat_id}")


async def press(bot: Bot, chat_id: int, label: str, *, user_id: int = ADMIN) -> str:
    """Press the button whose text contains ``label``; the chat's new message."""
    [(message_id, data)] = [v for k, v in buttons(bot.server, chat_id).items() if label in k]
    before = len(bot.server.texts(chat_id))
    bot.server.push_callback(chat_id, data, message_id=message_id, user_id=user_id)
    await until(lambda: len(bot.server.texts(chat_id)) > before)
    return bot.server.texts(chat_id)[-1].replace("\u200f", "")


def speak_arabic(world: World, chat_id: int) -> None:
    """The chat's language becomes Arabic (as /lang ar would set it)."""
    with world.session() as s:
        chat = get_chat(s, chat_id)
        assert chat is not None
        chat.language = Language.AR.value
        s.add(chat)
        s.commit()


def stored(world: World) -> dict[str, Source]:
    with world.session() as s:
        return {row.name: row for row in s.exec(select(Source)).all()}


def listed(world: World) -> dict[str, dict[str, Any]]:
    """`marsad sources list --json` on the world's configuration, by name."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["sources", "list", "--json", "--config", str(world.config.path)]) == 0
    return {row["name"]: row for row in map(json.loads, out.getvalue().splitlines())}


async def test_addsource_preview_add_then_the_running_watchers_poll_it_and_alert(
    fake_telegram: FakeTelegram,
    admin_world: World,
    http_server: HTTPTestServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    world, server = admin_world, fake_telegram
    feed = http_server.route("/rif", Response(body=rss(*OLD), headers=FEED_TYPE))
    with world.session() as s:  # the configured sources are not served here
        for row in s.exec(select(Source)).all():
            disable_by_operator(s, row, "not served in this test", world.clock())
        s.commit()
    monkeypatch.setenv(world.config.telegram.token_env, server.token)
    stop = asyncio.Event()
    bot_task = asyncio.create_task(run_bot(world.config, world.engine, world.matcher, stop))
    async with make_fetcher(world.config) as fetcher:
        # the watchers were running before the source was added
        poller = make_poller(
            world.config, world.engine, fetcher, matcher=world.matcher, clock=world.clock
        )
        scheduler = ClaimingScheduler(
            poller, worker_id="w1", lease=timedelta(minutes=2), clock=world.clock, tick=0.05
        )
        scheduler.start()
        try:
            bot = Bot(server, world, None)
            await bot.say(ANALYST, "/subscribe @spain", user_id=ANALYST)

            [shown] = await bot.say(ADMIN, f"/addsource {feed}", language_code="en")
            lines = shown.splitlines()
            assert lines[0] == "Feed found: Rif News"
            assert lines[1] == feed
            assert "Latest items:" in lines
            assert lines[-5:-2] == [f"• {OLD[2]}", f"• {OLD[1]}", f"• {OLD[0]}"]  # newest first
            assert "Rif News" not in stored(world)  # nothing stored before the button

            added = await press(bot, ADMIN, "Add this source")
            assert added.startswith("Added Rif News: the watchers poll it")
            row = stored(world)["Rif News"]
            assert (row.origin, row.kind, row.url) == ("telegram", "feed", feed)

            # the running watchers poll it without a restart: its first poll is its backlog
            def first_polled() -> bool:
                return stored(world)["Rif News"].first_polled_at is not None

            await until(first_polled)
            with world.session() as s:
                items = s.exec(select(Item).where(Item.source_id == row.id)).all()
            assert {item.title for item in items} == set(OLD)
            assert all(item.backlog for item in items)

            http_server.route("/rif", Response(body=rss(NEWS, *OLD), headers=FEED_TYPE))
            world.clock.now += timedelta(minutes=10)  # its next poll is due
            await until(lambda: any(NEWS in text for text in server.texts(ANALYST)), 20)
            [status] = await bot.say(ADMIN, "/status", language_code="en")
            assert any(line.startswith("✅ Rif News ·") for line in status.splitlines())
        finally:
            await scheduler.stop()
            stop.set()
            await asyncio.wait_for(bot_task, timeout=30)
    assert sum(NEWS in text for text in server.texts(ANALYST)) == 1
    assert not any(OLD[0] in text for text in server.texts(ANALYST))  # the backlog: never
    preview = [m for m in server.sent if m.chat_id == ADMIN and "Feed found" in m.text]
    assert not server.message(ADMIN, preview[0].message_id).reply_markup  # answered: no buttons
    row_listed = listed(world)["Rif News"]
    assert (row_listed["origin"], row_listed["standing"]) == ("telegram", "added from Telegram")
    assert row_listed["items_seen"] == 4


async def test_a_page_is_previewed_with_its_articles_and_cancel_adds_nothing(
    admin_bot: Bot, http_server: HTTPTestServer
) -> None:
    page = serve_page(http_server)
    [shown] = await admin_bot.say(ADMIN, f"/addsource {page} أخبار الأمن", language_code="en")
    assert shown.splitlines()[0] == "Page of articles found: أخبار الأمن"
    assert {f"• {title}" for title in ARTICLES.values()} <= set(shown.splitlines())
    cancelled = await press(admin_bot, ADMIN, "Do not add")
    assert cancelled == "Cancelled: no source was added."
    assert "أخبار الأمن" not in stored(admin_bot.world)
    # the same button again: the offer was taken once
    [(message_id, data)] = [v for k, v in buttons(admin_bot.server, ADMIN).items() if "Add" in k]
    admin_bot.server.push_callback(ADMIN, data, message_id=message_id, user_id=ADMIN)
    await until(lambda: admin_bot.server.texts(ADMIN)[-1].endswith("send /addsource again."))
    assert "أخبار الأمن" not in stored(admin_bot.world)


async def test_arabic_preview_and_added_page_is_stored_as_a_page(
    admin_bot: Bot, http_server: HTTPTestServer
) -> None:
    page = serve_page(http_server)
    [shown] = await admin_bot.say(ADMIN, f"/addsource {page}")
    assert shown.startswith("تم العثور على صفحة مقالات: 127.0.0.1")
    assert "\u200f" in admin_bot.server.texts(ADMIN)[-1]  # Arabic lines are marked right to left
    await press(admin_bot, ADMIN, "أضف")
    row = stored(admin_bot.world)["127.0.0.1"]
    assert (row.origin, row.kind) == ("telegram", "page")


async def test_addsource_errors_each_get_one_clear_line_and_add_nothing(
    admin_bot: Bot, http_server: HTTPTestServer
) -> None:
    http_server.route(
        "/text", Response(body=b"hello, world", headers={"Content-Type": "text/plain"})
    )
    feed = http_server.route("/rif", Response(body=rss(*OLD), headers=FEED_TYPE))
    before = set(stored(admin_bot.world))
    cases = [
        (f"/addsource {closed_port_url('/feed')}", "Could not fetch http://127.0.0.1:"),
        (f"/addsource {http_server.url('/missing')}", "Could not fetch"),
        (f"/addsource {http_server.url('/text')}", "is neither a feed nor a page of articles"),
        ("/addsource https://sahil.example/feed", "This URL is already a source: Sahil."),
        (f"/addsource {feed} wasit", "A source is already named Wasit; choose another name."),
        ("/addsource not-a-url", "Write the address of a feed or of a page of articles"),
        ("/addsource", "Write the address of a feed or of a page of articles"),
    ]
    for command, expected in cases:
        [reply] = await admin_bot.say(ADMIN, command, language_code="en")
        assert expected in reply, (command, reply)
        assert "\n" not in reply, reply
    assert set(stored(admin_bot.world)) == before
    assert http_server.requests_to("/rif") == []  # a name taken is refused before fetching


async def test_a_private_address_is_refused_unless_the_configuration_allows_it(
    bot: Bot, http_server: HTTPTestServer
) -> None:
    feed = http_server.route("/rif", Response(body=rss(*OLD), headers=FEED_TYPE))
    [reply] = await bot.say(ADMIN, f"/addsource {feed}", language_code="en")
    assert reply.startswith(f"Could not fetch {feed}: refused:")
    assert "allow_private" in reply
    assert http_server.requests_to("/rif") == []  # nothing was connected to


async def test_only_admins_add_list_enable_and_disable(
    admin_bot: Bot, http_server: HTTPTestServer
) -> None:
    feed = http_server.route("/rif", Response(body=rss(*OLD), headers=FEED_TYPE))
    for command in (f"/addsource {feed}", "/sources", "/disable Sahil", "/enable Sahil"):
        [reply] = await admin_bot.say(MEMBER, command, language_code="en")
        assert reply == "Sorry, this command is for administrators only.", command
    assert http_server.requests_to("/rif") == []
    # in a group, the admin's preview; a member's press adds nothing
    admin_bot.server.set_admins(GROUP, ADMIN, MEMBER)  # even the group's own admin
    await admin_bot.say(GROUP, f"/addsource {feed}", user_id=ADMIN, language_code="en")
    refused = await press(admin_bot, GROUP, "Add this source", user_id=MEMBER)
    assert refused == "Only the bot's admins can add sources."
    assert "Rif News" not in stored(admin_bot.world)
    added = await press(admin_bot, GROUP, "Add this source", user_id=ADMIN)
    assert added.startswith("Added Rif News")
    assert stored(admin_bot.world)["Rif News"].origin == "telegram"


async def test_disable_then_enable_with_did_you_mean(admin_bot: Bot) -> None:
    world = admin_bot.world

    async def say(text: str) -> str:
        [reply] = await admin_bot.say(ADMIN, text, language_code="en")
        return reply

    assert await say("/disable Sahl") == "No source is named Sahl. Did you mean Sahil?"
    assert await say("/disable Nothing") == "No source is named Nothing; /sources lists them."
    assert await say("/disable") == "Write the source's name after the command: /disable NAME."
    assert (await say("/disable sahil")).startswith("Sahil is disabled: the watchers skip it")
    reason = stored(world)["Sahil"].disabled_reason
    assert reason == f"disabled by the operator: from Telegram by {ADMIN}"
    assert await say("/disable Sahil") == f"Sahil was already disabled ({reason})."
    listing = await say("/sources")
    assert f"⛔ Sahil · RSS/Atom feed · from the configuration\n   disabled: {reason}" in listing
    assert await say("/enable Sahil") == (
        f"Sahil is enabled again (it was {reason}); it is polled at the next claim."
    )
    assert stored(world)["Sahil"].disabled_reason is None
    assert await say("/enable Sahil") == "Sahil is already enabled."
    with world.session() as s:
        row = s.get(Source, world.source_ids["Wasit"])
        assert row is not None
        row.consecutive_failures = 3
        s.add(row)
        s.commit()
    assert await say("/enable Wasit") == (
        "Wasit was not disabled; its 3 failures are forgotten and it is polled soon."
    )
    speak_arabic(world, ADMIN)
    [arabic] = await admin_bot.say(ADMIN, "/enable Sahil")
    assert arabic == "Sahil مفعّل أصلا."


async def test_sources_lists_every_source_with_its_state_and_origin(admin_bot: Bot) -> None:
    world = admin_bot.world
    with world.session() as s:
        s.add(
            Source(
                name="Rif News",
                config_url="https://rif.example/feed",
                url="https://rif.example/feed",
                kind="feed",
                origin="telegram",
            )
        )
        s.add(
            Source(
                name="Jarida",
                config_url="https://j.example/",
                url="https://j.example/",
                kind="page",
                origin="opml",
            )
        )
        wasit = s.get(Source, world.source_ids["Wasit"])
        assert wasit is not None
        wasit.last_polled_at = wasit.last_success_at = world.clock.now - timedelta(minutes=3)
        wasit.next_poll_at = world.clock.now + timedelta(minutes=2)
        wasit.items_seen = 12
        s.add(wasit)
        s.commit()
    [listing] = await admin_bot.say(ADMIN, "/sources", language_code="en")
    blocks = listing.split("\n\n")
    assert blocks[0] == "5 sources · 0 failing, 0 disabled"
    assert [block.splitlines()[0] for block in blocks[1:]] == [
        "⏳ Akhbar · RSS/Atom feed · from the configuration",
        "⏳ Jarida · web page · OPML import",
        "⏳ Rif News · RSS/Atom feed · added from Telegram",
        "⏳ Sahil · RSS/Atom feed · from the configuration",
        "✅ Wasit · RSS/Atom feed · from the configuration",
    ]
    assert blocks[5].splitlines()[1:] == [
        "   working",
        "   last success: 22 Nov 09:57 GMT+01:00 · 12 items · next poll: 22 Nov 10:02 GMT+01:00",
    ]
    assert await admin_bot.say(ADMIN, "/sources two", language_code="en") == [
        "Write a page number after /sources, e.g. /sources 2."
    ]
    speak_arabic(world, ADMIN)
    [arabic] = await admin_bot.say(ADMIN, "/sources")
    assert arabic.startswith("5 مصادر")
    assert "⏳ Rif News · خلاصة RSS/Atom · مضاف من تيليغرام" in arabic


@pytest.mark.parametrize("language", list(Language))
def test_sources_pages_fit_telegram_and_link_the_next(world: World, language: Language) -> None:
    services = Services(world.config, world.engine, world.matcher, world.clock, AccessPolicy())
    reason = "x " * 200  # long disabled reasons and errors: still one message per page
    lines = [
        SourceLine(
            name=f"مصدر {n:02d} hespress-regional",
            origin="telegram",
            kind="feed",
            url=f"https://s{n}.example/feed",
            standing=Standing.ADDED,
            disabled_reason=reason if n % 2 else None,
            last_success=world.clock.now,
            failures=n % 3 if not n % 2 else 0,
            last_error="HTTP 500 " * 40 if n % 3 and not n % 2 else None,
            last_poll=world.clock.now,
        )
        for n in range(40)
    ]
    count = -(-len(lines) // PAGE_SIZE)
    pages = [page_text(lines, page, language, services) for page in range(1, count + 2)]
    assert pages[count] == pages[count - 1]  # past the last page: the last page
    for number, text in enumerate(pages[:count], start=1):
        assert len(text) < TELEGRAM_LIMIT
        more = number < count
        assert text.count("\n\n") == min(PAGE_SIZE, len(lines) - (number - 1) * PAGE_SIZE) + more
        assert (f"/sources {number + 1}" in text) is more


async def test_a_telegram_channel_and_a_news_sitemap_are_recognised_and_stored_by_kind(
    admin_bot: Bot, http_server: HTTPTestServer
) -> None:
    from tests.watchers.test_sitemaps import index, news_url, urlset
    from tests.watchers.test_telegram_channel import message, page

    channel = http_server.route(
        "/s/marsad_news",
        Response(body=page(message(7, "خبر أول"), message(8, "خبر ثان")), headers=HTML_TYPE),
    )
    [shown] = await admin_bot.say(ADMIN, f"/addsource {channel}", language_code="en")
    lines = shown.splitlines()
    assert lines[0] == "Public Telegram channel found: t.me/marsad_news"
    assert lines[lines.index("Latest items:") + 1 :][:2] == ["• خبر ثان", "• خبر أول"]
    await press(admin_bot, ADMIN, "Add this source")
    assert stored(admin_bot.world)["t.me/marsad_news"].kind == "telegram"

    child = http_server.route(
        "/news-1.xml",
        Response(
            body=urlset(
                news_url("https://x.example/a", "تفكيك خلية", "2026-12-05T08:00:00+01:00"),
                news_url("https://x.example/b", "زيارة وفد أمني", "2026-12-05T09:00:00+01:00"),
            ),
            headers=XML_TYPE,
        ),
    )
    sitemap = http_server.route(
        "/sitemap.xml", Response(body=index((child, "2026-12-05")), headers=XML_TYPE)
    )
    [shown] = await admin_bot.say(ADMIN, f"/addsource {sitemap} خريطة", language_code="en")
    lines = shown.splitlines()
    assert lines[0] == "News sitemap found: خريطة"
    assert lines[lines.index("Latest items:") + 1 :][:2] == ["• زيارة وفد أمني", "• تفكيك خلية"]
    await press(admin_bot, ADMIN, "Add this source")
    assert stored(admin_bot.world)["خريطة"].kind == "sitemap"
    [listing] = await admin_bot.say(ADMIN, "/sources", language_code="en")
    assert "Telegram channel" in listing and "news sitemap" in listing

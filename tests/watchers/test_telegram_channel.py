"""Public Telegram channels as sources: preview pages we write in Telegram's structure, served on
127.0.0.1, read into items; the cursor, paging back over a gap, its bound, and channels that
have no public preview; then `marsad poll` and `marsad run` as a user runs them."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from html import escape
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import Engine
from sqlmodel import select

from marsad.config import (
    Config,
    DatabaseConfig,
    PollingConfig,
    SourceConfig,
    SourceKind,
    parse_config,
)
from marsad.errors import ConfigError
from marsad.store.engine import open_store, session
from marsad.store.tables import Item, Source
from marsad.watchers.fetch import Fetcher
from marsad.watchers.items import make_item
from marsad.watchers.poller import Poller, PollStatus
from marsad.watchers.telegram_channel import NoPublicPreviewError, parse_channel_page
from marsad.watchers.telegram_poll import MAX_PAGES_PER_POLL
from tests.cli import marsad
from tests.fakebot import FakeTelegram
from tests.httpserver import HTTPTestServer, Request, Response, redirect

CHANNEL = "marsad_news"
HTML = {"Content-Type": "text/html; charset=utf-8"}
WHEN = datetime(2026, 11, 22, 7, 30, tzinfo=UTC)
NEWS = "حموشي يستقبل المدير العام للشرطة الوطنية الإسبانية لبحث التعاون الأمني"


# -- pages in the structure of t.me/s/NAME --------------------------------------------------


def message(
    ident: int,
    text: str | None = None,
    *,
    preview: tuple[str, str, str] | None = None,
    photo: bool = False,
    edited: bool = False,
    forwarded: str | None = None,
    reply: str | None = None,
    service: bool = False,
    when: datetime = WHEN,
    channel: str = CHANNEL,
) -> str:
    """One message widget as Telegram renders it; ``text`` is HTML (``<br/>`` between lines);
    ``preview`` is (href, title, description)."""
    parts: list[str] = []
    if forwarded:
        parts.append(
            '<div class="tgme_widget_message_forwarded_from accent_color">Forwarded from '
            f'<a class="tgme_widget_message_forwarded_from_name" href="https://t.me/{forwarded}/7">'
            f'<span dir="auto">{forwarded}</span></a></div>'
        )
    if reply:
        parts.append(
            f'<a class="tgme_widget_message_reply" href="https://t.me/{channel}/{ident - 1}">'
            '<div class="tgme_widget_message_author accent_color">'
            '<span class="tgme_widget_message_author_name">Marsad</span></div>'
            f'<div class="tgme_widget_message_text js-message_reply_text" dir="auto">{reply}</div>'
            "</a>"
        )
    if photo:
        parts.append(
            f'<a class="tgme_widget_message_photo_wrap" href="https://t.me/{channel}/{ident}" '
            "style=\"width:800px;background-image:url('https://cdn4.cdn-telegram.org/file/x.jpg')\">"
            '<div class="tgme_widget_message_photo" style="padding-top:56%"></div></a>'
        )
    if text is not None:
        parts.append(
            f'<div class="tgme_widget_message_text js-message_text" dir="auto">{text}</div>'
        )
    if preview:
        href, title, description = preview
        parts.append(
            f'<a class="tgme_widget_message_link_preview" href="{escape(href)}">'
            '<div class="link_preview_site_name accent_color" dir="auto">Hespress</div>'
            f'<div class="link_preview_title" dir="auto">{title}</div>'
            f'<div class="link_preview_description" dir="auto">{description}</div></a>'
        )
    meta = "edited " if edited else ""
    parts.append(
        '<div class="tgme_widget_message_footer compact js-message_footer">'
        '<div class="tgme_widget_message_info short js-message_info">'
        '<span class="tgme_widget_message_views">1.2K</span>'
        f'<span class="tgme_widget_message_meta">{meta}'
        f'<a class="tgme_widget_message_date" href="https://t.me/{channel}/{ident}">'
        f'<time datetime="{when.isoformat()}" class="time">{when:%H:%M}</time></a></span>'
        "</div></div>"
    )
    kind = " service_message" if service else ""
    if service:
        parts = ['<div class="tgme_widget_message_service_date">Channel created</div>']
    return (
        '<div class="tgme_widget_message_wrap js-widget_message_wrap">'
        f'<div class="tgme_widget_message text_not_supported_wrap js-widget_message{kind}" '
        f'data-post="{channel}/{ident}" data-view="eyJjIjotMTAwfQ">'
        '<div class="tgme_widget_message_user"><a href="https://t.me/marsad_news">'
        '<i class="tgme_widget_message_user_photo bgcolor0"></i></a></div>'
        '<div class="tgme_widget_message_bubble">'
        '<div class="tgme_widget_message_author accent_color">'
        f'<a class="tgme_widget_message_owner_name" href="https://t.me/{channel}">'
        '<span dir="auto">Marsad News</span></a></div>'
        f"{''.join(parts)}</div></div></div>"
    )


def page(*messages: str, channel: str = CHANNEL) -> str:
    """A whole preview page: the channel's header and its history, oldest message first."""
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8">'
        f"<title>Marsad News – Telegram</title>"
        f'<meta property="og:url" content="https://t.me/s/{channel}"></head>'
        '<body class="widget_frame_base tgme_webpreview_body">'
        '<header class="tgme_header"><div class="tgme_header_title">Marsad News</div></header>'
        '<main class="tgme_main"><section class="tgme_channel_history js-message_history">'
        f"{''.join(messages)}</section></main></body></html>"
    )


PLAIN_CHANNEL_PAGE = (
    "<!DOCTYPE html><html><head><title>Telegram: Contact @secret_chan</title></head>"
    '<body class="no_transition"><div class="tgme_page_wrap"><div class="tgme_page">'
    '<div class="tgme_page_title"><span dir="auto">Secret</span></div>'
    '<div class="tgme_page_extra">1 234 subscribers</div>'
    '<div class="tgme_page_action"><a class="tgme_action_button_new" href="tg://resolve?domain='
    'secret_chan">View in Telegram</a></div></div></div></body></html>'
)


def numbered(ident: int) -> str:
    return message(ident, f"الخبر رقم {ident}<br/>تفاصيل الخبر {ident}")


def history(low: int, high: int) -> str:
    """A page of the messages low..high (inclusive), oldest first."""
    return page(*(numbered(i) for i in range(low, high + 1)))


# -- one page → items: the data table ----------------------------------------------------------


@dataclass(frozen=True)
class Case:
    name: str
    html: str
    title: str | None  # None: the message is skipped (nothing to read)
    text_has: tuple[str, ...] = ()
    text_lacks: tuple[str, ...] = ()


LONG = " ".join(["كلمة"] * 60)
LINK = "https://www.hespress.com/securite/123.html"
CASES = [
    Case(
        "text over two lines",
        message(101, "حموشي يستقبل سفير إسبانيا<br/>وتباحثا في <b>التعاون</b> الأمني"),
        "حموشي يستقبل سفير إسبانيا",
        ("حموشي يستقبل سفير إسبانيا\nوتباحثا في التعاون الأمني",),
    ),
    Case(
        "text with a link preview",
        message(
            102,
            f'عاجل: تفكيك خلية إرهابية <a href="{LINK}">{LINK}</a>',
            preview=(LINK, "تفكيك خلية بتنسيق مع إسبانيا", "أعلن المكتب المركزي للأبحاث القضائية"),
        ),
        f"عاجل: تفكيك خلية إرهابية {LINK}",
        ("تفكيك خلية بتنسيق مع إسبانيا", "أعلن المكتب المركزي للأبحاث القضائية"),
    ),
    Case(
        "only a link: titled from its preview",
        message(103, f'<a href="{LINK}">{LINK}</a>', preview=(LINK, "عنوان المقال", "ملخص")),
        "عنوان المقال",
        (LINK, "عنوان المقال", "ملخص"),
    ),
    Case("photo without caption: skipped", message(104, photo=True), None),
    Case(
        "photo with caption",
        message(105, "صورة من الاجتماع الأمني", photo=True),
        "صورة من الاجتماع الأمني",
    ),
    Case(
        "photo with only a link preview",
        message(106, photo=True, preview=(LINK, "عنوان من المعاينة", "وصف")),
        "عنوان من المعاينة",
        ("وصف",),
    ),
    Case(
        "edited: read as it reads now",
        message(107, "نص بعد التعديل", edited=True),
        "نص بعد التعديل",
    ),
    Case(
        "forwarded: its text, not the name it came from",
        message(108, "بلاغ من المديرية العامة للأمن الوطني", forwarded="dgsn_official"),
        "بلاغ من المديرية العامة للأمن الوطني",
        text_lacks=("dgsn_official", "Forwarded"),
    ),
    Case(
        "a reply: not the text of the message it answers",
        message(109, "تحديث: توقيف مشتبه به ثان", reply="النص الأصلي المقتبس"),
        "تحديث: توقيف مشتبه به ثان",
        text_lacks=("النص الأصلي المقتبس",),
    ),
    Case("service message: skipped", message(110, service=True), None),
    Case(
        "a long first line is cut at a word",
        message(111, LONG),
        " ".join(["كلمة"] * 24) + "…",
        (LONG,),
    ),
    Case(
        "emoji and markup",
        message(
            112,
            '<i class="emoji" style="background-image:url(//x.png)"><b>🔴</b></i> '
            "<b>عاجل</b> | توقيف &quot;إرهابي&quot; بطنجة",
        ),
        '🔴 عاجل | توقيف "إرهابي" بطنجة',
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_a_message_becomes_an_item(case: Case) -> None:
    url = f"https://t.me/s/{CHANNEL}"
    parsed = parse_channel_page(page(case.html).encode(), HTML, url=url, final_url=url)
    [found] = parsed.messages
    if case.title is None:
        assert found.entry is None
        return
    assert found.entry is not None
    item = make_item(found.entry, url, WHEN + timedelta(hours=1))
    assert item.title == case.title
    assert item.url == f"https://t.me/{CHANNEL}/{found.id}"
    assert item.key == f"url:https://t.me/{CHANNEL}/{found.id}"
    assert (item.published, item.date_missing) == (WHEN, False)
    assert case.title.removesuffix("…") in item.text
    for part in case.text_has:
        assert part in item.text
    for part in case.text_lacks:
        assert part not in item.text


def test_page_order_ids_and_a_channel_without_messages() -> None:
    url = f"https://t.me/s/{CHANNEL}"
    parsed = parse_channel_page(history(5, 24).encode(), HTML, url=url, final_url=url)
    assert [m.id for m in parsed.messages] == list(range(5, 25))
    assert (parsed.lowest, parsed.highest, parsed.channel) == (5, 24, CHANNEL)
    empty = parse_channel_page(page().encode(), HTML, url=url, final_url=url)
    assert empty.messages == () and empty.lowest is None


@pytest.mark.parametrize(
    ("final", "body"),
    [
        ("https://t.me/secret_chan", PLAIN_CHANNEL_PAGE),  # t.me/s/NAME redirected to t.me/NAME
        ("https://t.me/s/secret_chan", PLAIN_CHANNEL_PAGE),  # the plain page, not redirected
        ("https://t.me/s/secret_chan", "<html><body><p>not telegram</p></body></html>"),
    ],
)
def test_no_public_preview_is_a_clear_error(final: str, body: str) -> None:
    with pytest.raises(NoPublicPreviewError) as caught:
        parse_channel_page(body.encode(), HTML, url="https://t.me/s/secret_chan", final_url=final)
    assert caught.value.show() == (
        "channel secret_chan has no public preview (t.me/s/secret_chan); "
        "only public channels can be read"
    )


# -- configuration ------------------------------------------------------------------------------


def test_config_accepts_a_preview_url_and_names_file_line_and_key_otherwise(
    tmp_path: Path,
) -> None:
    good = parse_config(
        f'[[sources]]\nname = "M"\nkind = "telegram"\nurl = "https://t.me/s/{CHANNEL}"\n',
        tmp_path / "config.toml",
    )
    assert good.sources[0].kind is SourceKind.TELEGRAM
    text = (
        '[[sources]]\nname = "A"\nkind = "telegram"\nurl = "https://t.me/s/a_b"\n\n'
        '[[sources]]\nname = "B"\nkind = "telegram"\nurl = "https://t.me/hespress"\n'
    )
    with pytest.raises(ConfigError) as caught:
        parse_config(text, tmp_path / "config.toml")
    [problem] = caught.value.problems
    assert problem.show() == (
        f"{tmp_path / 'config.toml'}:9: sources[1].url: a telegram source's url must be the "
        "channel's public preview, https://t.me/s/NAME (did you mean https://t.me/s/hespress?)"
    )


# -- polling a channel: cursor, gaps, bound, errors ------------------------------------------


@dataclass
class Clock:
    now: datetime = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


Channel = Callable[[Request], Response]


def channel_server(newest: list[int], fail_before: set[int] | None = None) -> Channel:
    """Serves the channel's history as Telegram does: the newest 20 messages up to
    ``newest[0]`` (the test moves it), and ``?before=ID`` the 20 before ID."""

    def answer(request: Request) -> Response:
        query = parse_qs(urlsplit(request.path).query)
        if "before" in query:
            before = int(query["before"][0])
            if fail_before and before in fail_before:
                return Response(status=502)
            high = before - 1
        else:
            high = newest[0]
        return Response(body=history(max(1, high - 19), high), headers=HTML)

    return answer


@pytest.fixture
async def poller_for(tmp_path: Path, store_url: str) -> AsyncIterator[Callable[[str], Poller]]:
    """Pollers of one telegram source on a real SQLite file and on PostgreSQL."""
    engines: list[Engine] = []
    async with Fetcher(
        timeout=timedelta(seconds=3), max_bytes=2_000_000, allow_private=["127.0.0.1"]
    ) as fetcher:

        def build(url: str) -> Poller:
            source = SourceConfig(name="Marsad News", url=url, kind=SourceKind.TELEGRAM)
            config = Config(
                base_dir=tmp_path,
                database=DatabaseConfig(url=store_url),
                polling=PollingConfig(timeout=timedelta(seconds=3)),
                sources=(source,),
            )
            engine = open_store(config.database.url)
            engines.append(engine)
            return Poller(config, engine, fetcher, clock=Clock())

        yield build
    for engine in engines:
        engine.dispose()


def stored(poller: Poller) -> list[Item]:
    with session(poller.engine) as s:
        return list(s.exec(select(Item).order_by(Item.id)).all())


def cursor_of(poller: Poller) -> int | None:
    with session(poller.engine) as s:
        row = s.exec(select(Source)).one()
        return row.message_cursor


def ids_of(items: list[Item]) -> list[int]:
    return [int(item.url.rsplit("/", 1)[1]) for item in items]


def before_requests(server: HTTPTestServer) -> list[int]:
    found = [parse_qs(urlsplit(r.path).query).get("before") for r in server.requests]
    return [int(b[0]) for b in found if b]


async def test_backlog_then_a_gap_is_filled_by_paging_back_to_the_cursor(
    http_server: HTTPTestServer, poller_for: Callable[[str], Poller]
) -> None:
    newest = [29]
    poller = poller_for(http_server.route(f"/s/{CHANNEL}", channel_server(newest)))

    first = await poller.poll("Marsad News", force=True)
    assert (first.status, first.backlog, len(first.new_items)) == (PollStatus.NEW, True, 20)
    assert before_requests(http_server) == []  # the first poll reads no further back
    assert cursor_of(poller) == 29

    newest[0] = 33  # a quiet spell: the newest page still shows the cursor
    second = await poller.poll("Marsad News", force=True)
    assert ids_of(list(second.new_items)) == [30, 31, 32, 33]
    assert second.backlog is False and before_requests(http_server) == []

    newest[0] = 79  # downtime: 46 messages, the newest page shows only 60..79
    third = await poller.poll("Marsad News", force=True)
    assert before_requests(http_server) == [60, 40]  # 40..59, then 20..39 reaches 33
    assert ids_of(list(third.new_items)) == list(range(34, 80))
    assert third.error is None and third.summary() == "Marsad News: 46 new of 60"
    assert cursor_of(poller) == 79
    all_ids = ids_of(stored(poller))
    assert sorted(all_ids) == list(range(10, 80)) and len(all_ids) == len(set(all_ids))


async def test_a_gap_longer_than_the_bound_is_cut_and_said_and_not_read_again(
    http_server: HTTPTestServer, poller_for: Callable[[str], Poller]
) -> None:
    newest = [20]
    poller = poller_for(http_server.route(f"/s/{CHANNEL}", channel_server(newest)))
    await poller.poll("Marsad News", force=True)
    newest[0] = 400
    report = await poller.poll("Marsad News", force=True)
    pages = 20 * MAX_PAGES_PER_POLL
    assert len(before_requests(http_server)) == MAX_PAGES_PER_POLL - 1
    assert ids_of(list(report.new_items)) == list(range(401 - pages, 401))
    lowest = 401 - pages
    assert report.error == (
        f"messages 21–{lowest - 1} were not read: a gap of more than {MAX_PAGES_PER_POLL} "
        f"pages since the last poll (at most {MAX_PAGES_PER_POLL} per poll)"
    )
    assert "warning: messages 21–" in report.summary()
    assert cursor_of(poller) == 400

    http_server.reset()
    again = await poller.poll("Marsad News", force=True)
    assert again.status is PollStatus.NO_NEW and before_requests(http_server) == []


async def test_paging_that_fails_keeps_the_cursor_and_the_next_poll_fills_the_gap(
    http_server: HTTPTestServer, poller_for: Callable[[str], Poller]
) -> None:
    newest, broken = [20], {80}
    poller = poller_for(http_server.route(f"/s/{CHANNEL}", channel_server(newest, broken)))
    await poller.poll("Marsad News", force=True)
    newest[0] = 99
    report = await poller.poll("Marsad News", force=True)
    assert ids_of(list(report.new_items)) == list(range(80, 100))  # the newest page is kept
    assert report.error is not None and "will retry next poll" in report.error
    assert "HTTP 502" in report.error
    assert cursor_of(poller) == 20

    broken.clear()
    again = await poller.poll("Marsad News", force=True)
    assert ids_of(list(again.new_items)) == list(range(21, 80))
    assert again.error is None and cursor_of(poller) == 99


async def test_a_channel_without_public_preview_fails_with_the_reason(
    http_server: HTTPTestServer, poller_for: Callable[[str], Poller]
) -> None:
    http_server.route("/s/secret_chan", redirect("/secret_chan"))
    http_server.route("/secret_chan", Response(body=PLAIN_CHANNEL_PAGE, headers=HTML))
    poller = poller_for(http_server.url("/s/secret_chan"))
    report = await poller.poll("Marsad News", force=True)
    assert report.status is PollStatus.FAILED
    assert report.summary() == (
        "Marsad News: failed: channel secret_chan has no public preview "
        "(t.me/s/secret_chan); only public channels can be read"
    )
    with session(poller.engine) as s:
        row = s.exec(select(Source)).one()
    assert row.consecutive_failures == 1 and row.last_error == report.error
    assert row.first_polled_at is None and row.message_cursor is None
    assert stored(poller) == []


# -- as a user runs it ----------------------------------------------------------------------


def write_config(tmp_path: Path, server: HTTPTestServer, extra: str = "") -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        f"""{extra}
[polling]
interval = "1s"
timeout = "3s"
[[sources]]
name = "Marsad News"
kind = "telegram"
url = "{server.url(f"/s/{CHANNEL}")}"
""",
        encoding="utf-8",
    )
    return path


def test_marsad_poll_reads_the_backlog_then_the_new_messages_with_permalinks(
    tmp_path: Path, http_server: HTTPTestServer
) -> None:
    newest = [12]
    http_server.route(f"/s/{CHANNEL}", channel_server(newest))
    config = write_config(tmp_path, http_server)
    first = marsad("poll", "--json", "--config", str(config), cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "Marsad News: 12 new of 12 (first poll: backlog, not alerted)" in first.stderr

    newest[0] = 40  # 28 new: the newest page (21..40) and one page back
    second = marsad("poll", "--json", "--config", str(config), cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    lines = [json.loads(line) for line in second.stdout.splitlines()]
    assert [line["url"] for line in lines] == [f"https://t.me/{CHANNEL}/{i}" for i in range(13, 41)]
    assert lines[0]["title"] == "الخبر رقم 13" and lines[0]["backlog"] is False
    assert lines[0]["published"] == WHEN.isoformat()
    assert "Marsad News: 28 new of 40" in second.stderr


def test_marsad_run_alerts_a_new_channel_message_once_with_its_permalink(
    tmp_path: Path, http_server: HTTPTestServer, fake_telegram: FakeTelegram
) -> None:
    analyst = 4242
    pages = [page(message(5, "خبر قديم عن حموشي"))]
    http_server.route(f"/s/{CHANNEL}", lambda _: Response(body=pages[0], headers=HTML))
    extra = f'[telegram]\ntoken_env = "MARSAD_E2E_TOKEN"\nbase_url = "{fake_telegram.base_url}"\n'
    config = write_config(tmp_path, http_server, extra)
    log = tmp_path / "service.log"
    env = {**os.environ, "MARSAD_E2E_TOKEN": fake_telegram.token}
    with log.open("w", encoding="utf-8") as err:
        process = subprocess.Popen(
            [sys.executable, "-m", "marsad", "run", "--config", str(config)],
            cwd=tmp_path,
            stdout=err,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
        )
        try:
            fake_telegram.push_message(
                chat_id=analyst, user_id=analyst, text="/subscribe @hammouchi"
            )
            fake_telegram.wait_for(lambda: len(fake_telegram.texts(analyst)) >= 1, timeout=60)
            deadline = time.monotonic() + 60
            while len(http_server.requests_to(f"/s/{CHANNEL}")) < 2 and time.monotonic() < deadline:
                time.sleep(0.1)
            pages[0] = page(message(5, "خبر قديم عن حموشي"), message(6, f"<b>{NEWS}</b>"))
            fake_telegram.wait_for(
                lambda: any(NEWS in t for t in fake_telegram.texts(analyst)), timeout=60
            )
            seen = len(http_server.requests_to(f"/s/{CHANNEL}"))
            while (
                len(http_server.requests_to(f"/s/{CHANNEL}")) < seen + 2
                and time.monotonic() < deadline
            ):
                time.sleep(0.1)  # a few more polls: nothing may be sent twice
        finally:
            process.send_signal(signal.SIGTERM)
            code = process.wait(timeout=60)
    assert code == 0, log.read_text(encoding="utf-8")[-3000:]
    texts = fake_telegram.texts(analyst)
    assert sum(NEWS in t for t in texts) == 1, texts
    assert not any("خبر قديم" in t for t in texts)  # the backlog is never alerted
    [alert] = [m for m in fake_telegram.sent if m.chat_id == analyst and NEWS in m.text]
    assert f'href="https://t.me/{CHANNEL}/6"' in alert.text

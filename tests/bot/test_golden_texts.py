"""Golden texts: the exact words of an alert, a digest, /list and /status in an Arabic, an
English and a French chat, as each chat shows them (fake Bot API, direction marks kept).

Each golden string is the whole message: a plural in the wrong form, an English word in an
Arabic or French message, a time without its zone or a right-to-left mark on an English or
French line makes it differ.  The checks after the table say the same in general terms, so a
future change of wording that keeps the rules still shows what each rule is."""

from __future__ import annotations

from datetime import timedelta

import pytest

from marsad.bot.delivery.format import RLM, direction_mark
from marsad.bot.delivery.outbox import enqueue
from marsad.bot.delivery.sender import Sender
from marsad.bot.fanout import Arrival, fan_out
from marsad.matching.engine import MatchInput
from marsad.store.chats import get_chat, subscriptions
from marsad.store.delivery import OutboxKind
from marsad.store.tables import Source
from tests.bot.conftest import ADMIN, Bot

AR, EN, FR = 701, 702, 703
CODES = {AR: "ar", EN: "en-GB", FR: "fr-FR"}
TITLE = "حموشي يبحث مع وفد من إسبانيا تعزيز التعاون الأمني"
SUMMARY = "استقبل المدير العام حموشي بالرباط وفدا أمنيا من إسبانيا."
R = RLM

ALERTS = {
    AR: (
        f"{R}{TITLE}\n"
        f"{R}Sahil · 22 نوفمبر 10:00 غرينتش+01:00 · +1 مصدر آخر\n"
        f"{R}استقبل المدير العام حموشي بالرباط وفدا أمنيا من إسبانيا.\n"
        f"{R}• عادية · لماذا: #1 عبد اللطيف حموشي · #2 حموشي AND إسبانيا · "
        "الكيانات: عبد اللطيف حموشي وإسبانيا\n"
        f"{R}الرابط ↗"
    ),
    EN: (
        f"{R}{TITLE}\n"
        "Sahil · 22 Nov 10:00 GMT+01:00 · +1 more source\n"
        f"{R}استقبل المدير العام حموشي بالرباط وفدا أمنيا من إسبانيا.\n"
        "• Normal · Why: #1 عبد اللطيف حموشي · #2 حموشي AND إسبانيا · "
        "entities: عبد اللطيف حموشي and إسبانيا\n"
        "Link ↗"
    ),
    FR: (
        f"{R}{TITLE}\n"
        "Sahil · 22 nov. 10:00 UTC+01:00 · +1 autre source\n"
        f"{R}استقبل المدير العام حموشي بالرباط وفدا أمنيا من إسبانيا.\n"
        "• Normale · Pourquoi : #1 عبد اللطيف حموشي · #2 حموشي AND إسبانيا · "
        "entités : عبد اللطيف حموشي et إسبانيا\n"
        "Lien ↗"
    ),
}

DIGESTS = {
    AR: (
        f"{R}ملخص منذ 21 نوفمبر 10:00 غرينتش+01:00 (خبران):\n"
        "\n"
        f"{R}عبد اللطيف حموشي\n"
        f"{R}• حموشي يستقبل سفير إسبانيا — Wasit · 22 نوفمبر 07:00\n"
        f"{R}• حموشي يفتتح مقرا جديدا — Sahil · 22 نوفمبر 05:00"
    ),
    EN: (
        "Digest since 21 Nov 10:00 GMT+01:00 (2 stories):\n"
        "\n"
        "عبد اللطيف حموشي\n"
        "• حموشي يستقبل سفير إسبانيا — Wasit · 22 Nov 07:00\n"
        "• حموشي يفتتح مقرا جديدا — Sahil · 22 Nov 05:00"
    ),
    FR: (
        "Synthèse depuis le 21 nov. 10:00 UTC+01:00 (2 articles) :\n"
        "\n"
        "عبد اللطيف حموشي\n"
        "• حموشي يستقبل سفير إسبانيا — Wasit · 22 nov. 07:00\n"
        "• حموشي يفتتح مقرا جديدا — Sahil · 22 nov. 05:00"
    ),
}

LISTS = {
    AR: (
        f"{R}اشتراكات هذه المحادثة:\n"
        f"{R}1. @hammouchi — عبد اللطيف حموشي\n"
        f"{R}2. الاستعلام حموشي AND إسبانيا (مكتوم)"
    ),
    EN: "This chat's subscriptions:\n1. @hammouchi — عبد اللطيف حموشي\n2. query حموشي AND إسبانيا (muted)",
    FR: "Abonnements de cette conversation :\n1. @hammouchi — عبد اللطيف حموشي\n2. requête حموشي AND إسبانيا "
    "(en sourdine)",
}

STATUSES = {
    "ar": (
        f"{R}حالة المصادر (3) في 22 نوفمبر 11:00 غرينتش+01:00:\n"
        f"{R}✅ Akhbar · 5 د · عنصر واحد\n"
        f"{R}⛔ Sahil · 2 ي · معطل: HTTP 410 Gone\n"
        f"{R}⚠️ Wasit · 3 س · 6× HTTP 503\n"
        "\n"
        f"{R}الطابور: 1 في الانتظار، 0 قيد الإرسال، 0 فشلت · 4 محادثات (0 موقوفة) · 6 اشتراكات"
    ),
    "en": (
        "Sources (3) at 22 Nov 11:00 GMT+01:00:\n"
        "✅ Akhbar · 5m · 1 item\n"
        "⛔ Sahil · 2d · disabled: HTTP 410 Gone\n"
        "⚠️ Wasit · 3h · 6× HTTP 503\n"
        "\n"
        "queue: 1 pending, 0 sending, 0 failed · 4 chats (0 paused) · 6 subscriptions"
    ),
    "fr": (
        "Sources (3) à 22 nov. 11:00 UTC+01:00 :\n"
        "✅ Akhbar · 5 min · 1 élément\n"
        "⛔ Sahil · 2 j · désactivée : HTTP 410 Gone\n"
        "⚠️ Wasit · 3 h · 6× HTTP 503\n"
        "\n"
        "file : 1 en attente, 0 en cours d’envoi, 0 en échec · 4 conversations (0 suspendues) · "
        "6 abonnements"
    ),
}

ENGLISH_WORDS = (
    *("Why", "Link", "story", "stories", "more source", "Digest", "query", "muted"),
    *("queue", "pending", "item", "chats", "subscription", "disabled", "entities", "Normal "),
)


def check_lines(text: str, chat: int | str) -> None:
    """The rules the golden strings follow: an RLM starts a line only when the line is right to
    left (an Arabic chat's line, or Arabic text quoted in another chat); no English in Arabic or
    French."""
    arabic_chat = chat in (AR, "ar")
    for line in text.split("\n"):
        if line.startswith(RLM) and not arabic_chat:
            assert direction_mark(line) == RLM, f"an RLM on a left-to-right line: {line!r}"
        if arabic_chat and line:
            assert line.startswith(RLM), f"a line of an Arabic message without its RLM: {line!r}"
    if chat not in (EN, "en"):
        leaked = [word for word in ENGLISH_WORDS if word in text]
        assert not leaked, f"English in a {chat} message: {leaked}"


async def subscribe_all(bot: Bot) -> None:
    for chat, code in CODES.items():
        await bot.say(chat, "/subscribe @hammouchi", language_code=code, replies=1)
        await bot.say(chat, "/subscribe حموشي AND إسبانيا", language_code=code, replies=1)


async def test_an_alert_in_each_language(bot: Bot) -> None:
    world = bot.world
    await subscribe_all(bot)
    item = world.add_item(TITLE, summary=SUMMARY, ago=timedelta(0))
    result = world.matcher.match(MatchInput(id="", title=TITLE, summary=SUMMARY, source="Sahil"))
    arrival = Arrival(item=item, source="Sahil", story_id=item.id or 0, outlets=2, result=result)
    with world.session() as s:
        fan_out(s, [arrival], world.clock.now, matcher=world.matcher, tz=world.config.tz)
        s.commit()
    assert await Sender(bot.app.bot, world.engine, clock=world.clock).send_due() == 3
    for chat, golden in ALERTS.items():
        shown = bot.server.texts(chat)[-1]
        assert shown == golden, f"chat {chat}:\n{shown}"
        check_lines(shown, chat)
    french = [m for m in bot.server.sent if m.chat_id == FR][-1]  # the alert
    mute, more = french.reply_markup["inline_keyboard"][0]  # type: ignore[index]
    assert (mute["text"], more["text"]) == (
        "🔕 Mettre cet abonnement en sourdine",
        "📰 Autres sources",
    )


async def test_a_digest_and_the_list_in_each_language(bot: Bot) -> None:
    world = bot.world
    await subscribe_all(bot)
    world.add_item("حموشي يستقبل سفير إسبانيا", source="Wasit", ago=timedelta(hours=3))
    world.add_item("حموشي يفتتح مقرا جديدا", ago=timedelta(hours=5))
    world.add_item("حموشي قبل أسبوع", ago=timedelta(days=7))
    for chat, golden in DIGESTS.items():
        await bot.say(chat, "/digest", language_code=CODES[chat])
        shown = bot.server.texts(chat)[-1]
        assert shown == golden, f"chat {chat}:\n{shown}"
        check_lines(shown, chat)
    for chat, golden in LISTS.items():
        with world.session() as s:
            found = get_chat(s, chat)
            assert found is not None
            second = subscriptions(s, found)[1]
            second.muted = True
            s.add(second)
            s.commit()
        await bot.say(chat, "/list", language_code=CODES[chat])
        shown = bot.server.texts(chat)[-1]
        assert shown == golden, f"chat {chat}:\n{shown}"
        check_lines(shown, chat)


@pytest.mark.parametrize("code", ["ar", "en", "fr"])
async def test_status_in_each_language(bot: Bot, code: str) -> None:
    world = bot.world
    await subscribe_all(bot)
    now = world.clock.now + timedelta(hours=1)
    world.clock.now = now
    with world.session() as s:
        states = {
            "Akhbar": {"last_polled_at": now - timedelta(minutes=5), "items_seen": 1},
            "Sahil": {
                "last_polled_at": now - timedelta(days=2),
                "disabled_reason": "HTTP 410 Gone",
            },
            "Wasit": {
                "last_polled_at": now - timedelta(hours=3),
                "last_error": "HTTP 503",
                "consecutive_failures": 6,
            },
        }
        for name, values in states.items():
            source = s.get(Source, world.source_ids[name])
            assert source is not None
            for key, value in values.items():
                setattr(source, key, value)
            s.add(source)
        s.commit()
    with world.session() as s:  # one message waiting in the outbox
        enqueue(s, AR, OutboxKind.NOTICE, "x", "x", now=now)
        s.commit()
    await bot.say(ADMIN, f"/lang {code}", language_code="en")
    await bot.say(ADMIN, "/status", language_code="en")
    shown = bot.server.texts(ADMIN)[-1]
    assert shown == STATUSES[code], f"{code}:\n{shown}"
    check_lines(shown, code)

"""/lang, the default language of a chat, query errors and counted texts in each language."""

from __future__ import annotations

import pytest
from sqlmodel import select

from marsad.bot.delivery.format import RLM, more_sources
from marsad.bot.handlers.texts import Say, say
from marsad.bot.query_errors import problem_text
from marsad.errors import RuleError
from marsad.matching.query import QueryError
from marsad.store.chats import Chat, Language
from tests.bot.conftest import Bot, World, until

CHAT = 901


def shown(bot: Bot, chat: int) -> str:
    """The chat's last message as shown, direction marks kept."""
    return bot.server.texts(chat)[-1]


async def test_lang_shows_sets_and_keeps_the_chat_language(bot: Bot) -> None:
    await bot.say(CHAT, "/lang")
    assert shown(bot, CHAT) == (
        f"{RLM}لغة هذه المحادثة: العربية.\n"
        f"{RLM}اختر غيرها بـ /lang ar أو /lang en أو /lang fr، أو بزر:"
    )
    markup = bot.server.sent[-1].reply_markup
    assert markup is not None
    [row] = markup["inline_keyboard"]
    assert [(b["text"], b["callback_data"]) for b in row] == [
        ("✓ العربية", "lang:1:ar"),
        ("English", "lang:1:en"),
        ("Français", "lang:1:fr"),
    ]
    before = len(bot.server.texts(CHAT))
    bot.server.push_callback(CHAT, "lang:1:fr", message_id=bot.server.sent[-1].message_id)
    await until(lambda: len(bot.server.texts(CHAT)) > before)
    # the confirmation is in the new language, without the old one's right-to-left marks
    assert shown(bot, CHAT) == "La langue de cette conversation est désormais : Français."
    assert len(bot.server.callback_answers) == 1
    # whoever writes next, in whatever Telegram language, the chat keeps French
    [welcome] = await bot.say(CHAT, "/start", language_code="ar")
    assert welcome.startswith("Bienvenue ! Cette conversation est enregistrée.")
    assert RLM not in shown(bot, CHAT)
    with bot.world.session() as s:
        chat = s.exec(select(Chat).where(Chat.chat_id == CHAT)).one()
        assert (chat.language, chat.language_chosen) == ("fr", True)
    [english] = await bot.say(CHAT, "/lang en")
    assert english == "This chat's language is now English."
    [unknown] = await bot.say(CHAT, "/lang xx")
    assert unknown == "I do not know the language xx. Choose ar, en or fr."
    await bot.say(CHAT, "/lang العربية", language_code="en")
    assert shown(bot, CHAT) == f"{RLM}أصبحت لغة هذه المحادثة العربية."


async def test_a_chat_speaks_the_telegram_language_of_whoever_writes_until_lang(bot: Bot) -> None:
    [french] = await bot.say(902, "/help", language_code="fr-FR")
    assert french.startswith("Marsad suit l’actualité")
    assert "/lang ar|en|fr — la langue de cette conversation" in french
    [english] = await bot.say(902, "/help", language_code="en")  # /help follows who writes
    assert english.startswith("Marsad watches the news")
    [bad] = await bot.say(903, "/subscribe حموشي AND", language_code="fr")
    assert bad.splitlines()[:2] == [
        "Je n’ai pas pu lire cette requête :",
        "AND doit être suivi d’un terme, pas de la fin de la requête (colonne 10)",
    ]
    [arabic] = await bot.say(904, "/subscribe حموشي AND (إسبانيا", language_code="ar")
    assert arabic.splitlines()[:2] == ["لم أفهم الاستعلام:", "'(' لم يُغلق (العمود 11)"]
    [digest] = await bot.say(904, "/digest 24h @hamouchi")
    assert "كيان غير معروف @hamouchi (هل تقصد @hammouchi؟) (العمود 1)" in digest


@pytest.mark.parametrize(
    "query",
    [
        '"تفكيك خلية',
        '""',
        "حموشي »",
        "حموشي NEAR/x إسبانيا",
        "حموشي NEAR/0 إسبانيا",
        "@",
        "@Hammouchi!",
        " ".join(["ب"] * 2000),
        " ".join(["حموشي"] * 150),
        "(" * 30 + "حموشي" + ")" * 30,
        "",
        "حموشي )",
        "حموشي AND",
        "حموشي NEAR/5",
        "NOT",
        "(حموشي OR NOT إسبانيا) NEAR/5 الإرهاب",
        "(حموشي AND إسبانيا) NEAR/5 الإرهاب",
        "()",
        "(حموشي",
        "OR حموشي",
        "NOT حموشي",
        "؟؟",
        "@hamouchi",
        "@nobody",
    ],
)
def test_every_kind_of_query_error_is_said_in_arabic_and_french(world: World, query: str) -> None:
    with pytest.raises(RuleError) as caught:
        world.matcher.describe(query)
    error = caught.value
    assert isinstance(error, QueryError), error
    for language in (Language.AR, Language.FR):
        said = problem_text(language, error.message)
        assert said != error.message, f"{language}: {error.message!r} is not translated"
        assert not any(word in said for word in ("query", "needs", "must", "unknown", "the end"))


@pytest.mark.parametrize(
    ("language", "counts", "expected"),
    [
        (
            Language.AR,
            (1, 2, 3, 11, 100),
            ("+1 مصدر آخر", "+2 مصدران آخران", "+3 مصادر أخرى", "+11 مصدرا آخر", "+100 مصدر آخر"),
        ),
        (Language.EN, (1, 2), ("+1 more source", "+2 more sources")),
        (Language.FR, (1, 2), ("+1 autre source", "+2 autres sources")),
    ],
)
def test_more_sources_follow_the_plural_rules(
    language: Language, counts: tuple[int, ...], expected: tuple[str, ...]
) -> None:
    assert tuple(more_sources(n, language) for n in counts) == expected


@pytest.mark.parametrize(
    ("language", "count", "expected"),
    [
        (Language.AR, 0, "لم يكن ليطابق أي خبر في الأيام السبعة الأخيرة."),
        (Language.AR, 1, "كان سيطابق خبرا واحدا في الأيام السبعة الأخيرة."),
        (Language.AR, 2, "كان سيطابق خبرين في الأيام السبعة الأخيرة."),
        (Language.AR, 7, "كان سيطابق 7 أخبار في الأيام السبعة الأخيرة."),
        (Language.AR, 40, "كان سيطابق 40 خبرا في الأيام السبعة الأخيرة."),
        (Language.AR, 1200, "كان سيطابق 1,200 خبر في الأيام السبعة الأخيرة."),
        (Language.EN, 1, "It would have matched 1 story in the last 7 days."),
        (Language.EN, 1200, "It would have matched 1,200 stories in the last 7 days."),
        (Language.FR, 0, "Il aurait retenu 0 article ces 7 derniers jours."),
        (Language.FR, 1200, "Il aurait retenu 1\u202f200 articles ces 7 derniers jours."),
    ],
)
def test_counted_replies_follow_the_plural_rules(
    language: Language, count: int, expected: str
) -> None:
    assert say(language, Say.WOULD_HAVE, count=count) == expected

"""Commands through the real PTB Application and the fake Bot API: start, subscribe, list."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlmodel import select

from marsad.matching.engine import MatchInput
from marsad.store.chats import Chat, Subscription
from tests.bot.conftest import Bot, until

PRIVATE = 501


async def test_start_registers_the_chat_and_answers_in_its_language(bot: Bot) -> None:
    [arabic] = await bot.say(PRIVATE, "/start", language_code="ar-MA")
    [english] = await bot.say(502, "/help", language_code="en")
    assert "سُجلت هذه المحادثة" in arabic and "/subscribe @hammouchi" in arabic
    assert arabic.startswith("مرحبا")
    assert english.startswith("Marsad watches the news")
    with bot.world.session() as s:
        chats = {c.chat_id: (c.type, c.language) for c in s.exec(select(Chat)).all()}
    assert chats == {PRIVATE: ("private", "ar"), 502: ("private", "en")}


async def test_the_command_menu_is_registered_in_both_languages(bot: Bot) -> None:
    await until(lambda: "default:ar" in bot.server.commands)
    english = [c["command"] for c in bot.server.commands["default:"]]
    assert english == [
        "start", "help", "subscribe", "unsubscribe", "list", "rules", "digest", "mute",
        "resume", "status", "options", "quiet", "silent", "lang", "search", "export", "trend", "sources",
        "addsource", "enable", "disable", "allow", "deny",
    ]  # fmt: skip
    assert bot.server.commands["default:ar"][2]["description"] == "متابعة"
    french = bot.server.commands["default:fr"][2]["description"]
    assert french == "Suivre une règle, une @entité ou une requête"


async def test_subscribe_to_an_entity_says_what_it_matches_and_counts_the_last_week(
    bot: Bot,
) -> None:
    world = bot.world
    world.add_item("حموشي يستقبل سفير إسبانيا بالرباط", ago=timedelta(days=2))
    world.add_item("لقاء ثان مع حموشي حول الهجرة", ago=timedelta(days=3), source="Wasit")
    world.add_item("حموشي في زيارة قديمة", ago=timedelta(days=9))
    world.add_item("أمطار غزيرة في الشمال", ago=timedelta(days=1))
    [reply] = await bot.say(PRIVATE, "/subscribe @hammouchi")
    assert reply.startswith("تم الاشتراك رقم 1")
    assert "عبد اللطيف حموشي" in reply and "Hammouchi" in reply
    assert "كان سيطابق خبرين في الأيام السبعة الأخيرة" in reply  # the Arabic dual


async def test_a_query_subscription_takes_effect_in_the_live_matcher_at_once(bot: Bot) -> None:
    [reply] = await bot.say(PRIVATE, "/subscribe حموشي AND الإرهاب", language_code="en")
    assert reply.startswith("Subscribed as 1")
    assert "@hammouchi AND @terrorism" in reply
    with bot.world.session() as s:
        [sub] = s.exec(select(Subscription)).all()
    result = bot.world.matcher.match(
        MatchInput(id="x", title="حموشي يتحدث عن مكافحة الإرهاب في المنطقة")
    )
    assert result.queries == (f"sub:{sub.id}",)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("حموشي AND (إسبانيا", "'(' is never closed (column 11)"),
        ("@hamouchi", "did you mean @hammouchi?"),
        ("NOT حموشي", "a query needs at least one term that is not under NOT"),
        ("حموشي NEAR/x إسبانيا", "write NEAR/N with a number of words"),
        # one legal Telegram message of 2,000 words once froze the service for minutes
        (" ".join(["ب"] * 2000), "a query is at most 2000 characters (this one has 3999)"),
        (" ".join(["حموشي"] * 150), "a query has at most 100 words, phrases and @entities"),
        ("(" * 30 + "حموشي" + ")" * 30, "parentheses and NOT nest at most 20 deep (column 21)"),
    ],
)
async def test_an_invalid_query_gets_the_problem_and_its_place_not_a_traceback(
    bot: Bot, query: str, expected: str
) -> None:
    [reply] = await bot.say(PRIVATE, f"/subscribe {query}", language_code="en")
    assert reply.startswith("I could not read that query")
    assert expected in reply
    assert "Traceback" not in reply
    with bot.world.session() as s:
        assert s.exec(select(Subscription)).all() == []


async def test_a_long_bad_query_is_shown_around_its_problem_in_one_short_reply(bot: Bot) -> None:
    query = " ".join(["حموشي"] * 40) + " AND (إسبانيا " + " ".join(["المغرب"] * 40)
    [reply] = await bot.say(PRIVATE, f"/subscribe {query}", language_code="en")
    assert "'(' is never closed" in reply
    assert len(reply) < 400  # an excerpt, not the 500-character query twice
    code, marked = reply.splitlines()[-2:]
    assert code.startswith("…") and code.endswith("…")
    assert "(إسبانيا" in code
    assert marked.replace("⟵", "") == code


async def test_subscribe_to_a_rule_list_unsubscribe_and_numbers_stay_stable(bot: Bot) -> None:
    await bot.say(PRIVATE, "/subscribe ma-es-security")
    await bot.say(PRIVATE, "/subscribe @spain")
    await bot.say(PRIVATE, "/subscribe حموشي OR Hammouchi")
    [again] = await bot.say(PRIVATE, "/subscribe @spain")
    assert again == "هذا الاشتراك موجود من قبل برقم 2."
    [listed] = await bot.say(PRIVATE, "/list")
    assert listed.splitlines() == [
        "اشتراكات هذه المحادثة:",
        "1. القاعدة ma-es-security — التعاون الأمني المغربي الإسباني",
        "2. @spain — إسبانيا",
        "3. الاستعلام حموشي OR Hammouchi",
    ]
    [removed] = await bot.say(PRIVATE, "/unsubscribe 2 7")
    assert removed.splitlines() == ["أُلغي: @spain — إسبانيا", "لا يوجد اشتراك بالرقم 7؛ انظر /list"]
    [listed] = await bot.say(PRIVATE, "/list")
    assert [line.split(".")[0] for line in listed.splitlines()[1:]] == ["1", "3"]
    await bot.say(PRIVATE, "/unsubscribe all")  # asks first, with buttons
    confirm = bot.server.sent[-1].reply_markup["inline_keyboard"][0][0]["callback_data"]
    asked = len(bot.server.texts(PRIVATE))
    bot.server.push_callback(PRIVATE, confirm, message_id=bot.server.sent[-1].message_id)
    await until(lambda: len(bot.server.texts(PRIVATE)) > asked)
    assert len(bot.server.texts(PRIVATE)[-1].splitlines()) == 2
    result = bot.world.matcher.match(MatchInput(id="x", title="حموشي"))
    assert result.queries == ()


async def test_arabic_replies_mark_every_line_right_to_left_english_ones_do_not(
    bot: Bot,
) -> None:
    await bot.say(PRIVATE, "/subscribe @spain")
    await bot.say(502, "/subscribe @spain", language_code="en")
    await bot.say(PRIVATE, "/list")
    await bot.say(502, "/list", language_code="en")
    arabic, english = bot.server.texts(PRIVATE)[-1], bot.server.texts(502)[-1]
    assert arabic.splitlines() == ["\u200fاشتراكات هذه المحادثة:", "\u200f1. @spain — إسبانيا"]
    assert english.splitlines() == ["This chat's subscriptions:", "1. @spain — إسبانيا"]


async def test_rules_lists_rules_and_entities(bot: Bot) -> None:
    [reply] = await bot.say(PRIVATE, "/rules")
    assert "ma-es-security — التعاون الأمني المغربي الإسباني" in reply
    assert "@spain — إسبانيا" in reply


async def test_groups_have_their_own_subscriptions(bot: Bot) -> None:
    await bot.say(PRIVATE, "/subscribe @spain")
    bot.server.set_admins(-200, PRIVATE)  # in a group only its admins subscribe
    [reply] = await bot.say(-200, "/subscribe@marsad_test_bot @hammouchi", user_id=PRIVATE)
    assert reply.startswith("تم الاشتراك رقم 1")
    [group_list] = await bot.say(-200, "/list", user_id=PRIVATE)
    assert "@hammouchi" in group_list and "@spain" not in group_list
    with bot.world.session() as s:
        group = s.exec(select(Chat).where(Chat.chat_id == -200)).one()
    assert group.type == "group" and group.title == "Chat -200"


async def test_a_channel_post_command_is_answered(bot: Bot) -> None:
    [reply] = await bot.say(-1009, "/subscribe @spain", chat_type="channel")
    assert reply.startswith("تم الاشتراك رقم 1")


async def test_a_failing_command_gets_a_polite_reply_and_is_logged(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    await bot.say(PRIVATE, "/start")
    with bot.world.engine.begin() as connection:
        connection.execute(text("DROP TABLE subscriptions"))
    [reply] = await bot.say(PRIVATE, "/list")
    assert reply == "عذرا، تعذر تنفيذ الأمر الآن. حاول مرة أخرى بعد قليل."
    assert "list_ failed in chat 501" in caplog.text


async def test_a_query_with_plain_words_lists_them(bot: Bot) -> None:
    [reply] = await bot.say(PRIVATE, '/subscribe حموشي NEAR/5 "تفكيك خلية"')
    assert reply.splitlines()[2] == 'يُنبّه عند: @hammouchi NEAR/5 "تفكيك خلية"'
    assert "تفكيك خلية" in reply.splitlines()[3]  # among the example forms
    details = bot.server.sent[-1].reply_markup["inline_keyboard"][0][0]["callback_data"]
    before = len(bot.server.texts(PRIVATE))
    bot.server.push_callback(PRIVATE, details, message_id=1)
    await until(lambda: len(bot.server.texts(PRIVATE)) > before)
    assert "كلمات: تفكيك خلية" in bot.server.texts(PRIVATE)[-1]  # the words, in the details

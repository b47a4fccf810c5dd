"""/digest, /mute, /resume and the "other sources" button, through the real Application."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from marsad.store.chats import FOREVER, Chat
from tests.bot.conftest import Bot, until

ANALYST = 801


async def test_digest_of_the_chat_subscriptions_and_of_a_query(bot: Bot) -> None:
    world = bot.world
    [none] = await bot.say(ANALYST, "/digest")
    assert none.startswith("لا اشتراكات لهذه المحادثة")
    await bot.say(ANALYST, "/subscribe @hammouchi")
    world.add_item("حموشي يستقبل سفير إسبانيا", ago=timedelta(hours=3))
    world.add_item("حموشي يفتتح مقرا جديدا", ago=timedelta(days=3))
    world.add_item("خلية إرهابية في إسبانيا", ago=timedelta(hours=5))
    [day] = await bot.say(ANALYST, "/digest")
    assert day.splitlines()[:3] == [
        "ملخص منذ 21 نوفمبر 10:00 غرينتش+01:00 (خبر واحد):",
        "",
        "عبد اللطيف حموشي",
    ]
    assert day.splitlines()[3].startswith("• حموشي يستقبل سفير إسبانيا — Sahil · ")
    [week] = await bot.say(ANALYST, "/digest 7d")
    assert "(خبران)" in week.splitlines()[0]  # the Arabic dual
    [query] = await bot.say(ANALYST, "/digest 24h إسبانيا AND الإرهاب", language_code="en")
    assert query.splitlines()[2:] == ["إسبانيا AND الإرهاب", query.splitlines()[3]]
    assert "خلية إرهابية في إسبانيا" in query
    [empty] = await bot.say(ANALYST, "/digest 1h")
    assert empty == "لا أخبار مطابقة منذ 22 نوفمبر 09:00 غرينتش+01:00."
    [bad] = await bot.say(ANALYST, "/digest حموشي AND (")
    assert bad.startswith("لم أفهم الاستعلام")
    sent = [m for m in bot.server.sent if m.chat_id == ANALYST]
    assert all(m.parse_mode == "HTML" for m in sent)
    assert all(m.link_preview_options == {"is_disabled": True} for m in sent)


async def test_digest_time_and_off_are_remembered(bot: Bot) -> None:
    [set_time] = await bot.say(ANALYST, "/digest time 7:30")
    assert set_time == "سيصلكم الملخص اليومي الساعة 07:30."
    with bot.world.session() as s:
        assert s.exec(select(Chat.digest_time)).one() == "07:30"
    [off] = await bot.say(ANALYST, "/digest off", language_code="en")  # the chat stays Arabic
    assert off == "أُوقف الملخص اليومي. /digest time 08:00 لإعادته."
    with bot.world.session() as s:
        assert s.exec(select(Chat.digest_time)).one() == "off"
    [on] = await bot.say(ANALYST, "/digest on")
    assert on == "سيصلكم الملخص اليومي الساعة 08:00."
    [bad_time] = await bot.say(ANALYST, "/digest time 25:00")
    assert bad_time.startswith("25:00 ليست ساعة من اليوم")  # what is wrong, not the usage
    with bot.world.session() as s:
        assert s.exec(select(Chat.digest_time)).one() is None  # unchanged (on: the default)


async def test_mute_for_a_while_and_until_resume(bot: Bot) -> None:
    [muted] = await bot.say(ANALYST, "/mute 2h")
    assert muted == "أُوقفت التنبيهات حتى 22 نوفمبر 2026 12:00 غرينتش+01:00. /resume لاستئنافها."
    [forever] = await bot.say(ANALYST, "/mute")
    assert forever == "أُوقفت التنبيهات حتى تكتب /resume"
    with bot.world.session() as s:
        assert s.exec(select(Chat.muted_until)).one() == FOREVER
    [bad] = await bot.say(ANALYST, "/mute soon", language_code="en")
    assert bad.startswith("مدة غير مفهومة: soon")
    [resumed] = await bot.say(ANALYST, "/resume")
    assert resumed == "استؤنفت التنبيهات."
    with bot.world.session() as s:
        assert s.exec(select(Chat.muted_until)).one() is None


async def test_the_other_sources_button_lists_the_story_items(bot: Bot) -> None:
    world = bot.world
    await bot.say(ANALYST, "/start")
    only = world.add_item("حموشي يستقبل سفير إسبانيا")
    bot.server.push_callback(ANALYST, f"src:{-(only.id or 0)}", message_id=1)
    await until(lambda: len(bot.server.texts(ANALYST)) == 2)
    lines = bot.server.texts(ANALYST)[1].replace("\u200f", "").splitlines()
    assert lines == ["لا مصادر أخرى لهذا الخبر بعد.", "• Sahil — حموشي يستقبل سفير إسبانيا"]
    assert len(bot.server.callback_answers) == 1


async def test_the_daily_digest_job_queues_the_digest_when_its_time_comes(bot: Bot) -> None:
    world = bot.world
    await bot.say(ANALYST, "/subscribe @hammouchi")
    world.add_item("حموشي يستقبل سفير إسبانيا", ago=timedelta(hours=3))
    world.clock.now += timedelta(days=1)  # 10:00 local the next day: 08:00 has passed
    job = bot.app.job_queue.get_jobs_by_name("daily-digests")[0]
    await job.run(bot.app)  # what the minute tick does
    assert digest_rows(bot) == 1
    await job.run(bot.app)  # a second tick, or a restart, sends nothing more
    assert digest_rows(bot) == 1


def digest_rows(bot: Bot) -> int:
    from marsad.store.delivery import OutboxRow

    with bot.world.session() as s:
        return len(s.exec(select(OutboxRow).where(OutboxRow.kind == "digest")).all())


async def test_small_mistakes_are_told_not_swallowed(bot: Bot) -> None:
    chat = 811
    [too_long] = await bot.say(chat, "/digest 40d", language_code="en")
    assert too_long == "The longest digest period is 31 days: try /digest 31d."
    [bad_time] = await bot.say(chat, "/digest time 7h30")
    assert bad_time.startswith("7h30 is not a time of day: write HH:MM from 00:00 to 23:59")
    [not_paused] = await bot.say(chat, "/resume")
    assert not_paused == "Alerts were not paused; nothing to resume."
    [zero] = await bot.say(chat, "/mute 0m")
    assert zero == "A pause must last longer than 0m; write e.g. 30m or 2h."
    with bot.world.session() as s:
        assert s.exec(select(Chat.muted_until).where(Chat.chat_id == chat)).one() is None
    await bot.say(chat, "/mute 1h")
    [resumed] = await bot.say(chat, "/resume")
    assert resumed == "Alerts resumed."

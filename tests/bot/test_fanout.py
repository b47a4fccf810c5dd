"""Fan-out: one alert per story per chat, "+N sources" edits, and nothing for muted or backlog."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from marsad.bot.delivery.sender import Sender
from marsad.bot.fanout import Arrival, FanOut, fan_out, with_extra_sources
from marsad.bot.handlers.access import AccessPolicy
from marsad.config import Access
from marsad.matching.engine import MatchInput
from marsad.store.chats import (
    FOREVER,
    ChatInfo,
    ChatType,
    Language,
    SubscriptionKind,
    add_subscription,
    register_chat,
)
from marsad.store.delivery import OutboxKind, OutboxRow
from marsad.store.tables import Item, Source
from marsad.watchers.ingest import Ingested
from tests.bot.conftest import Bot, World, until

ANALYST, PRESS, GROUP = 601, 602, -300
TITLE = "حموشي يبحث مع وفد من إسبانيا تعزيز التعاون الأمني"
SUMMARY = "استقبل المدير العام عبد اللطيف حموشي بالرباط وفدا أمنيا من إسبانيا لبحث مكافحة الإرهاب."


def subscribe(world: World, chat_id: int, kind: SubscriptionKind, target: str) -> int:
    with world.session() as s:
        kinds = {ANALYST: ChatType.PRIVATE, PRESS: ChatType.PRIVATE}
        info = ChatInfo(chat_id, kinds.get(chat_id, ChatType.GROUP), None, Language.AR)
        chat, _ = register_chat(s, info, world.clock.now - timedelta(days=1))
        row = add_subscription(s, chat, kind, target, world.clock.now)
        if kind is SubscriptionKind.QUERY:
            world.matcher.add_query(row.query_id, target)
        s.commit()
        return row.id or 0


def arrive(world: World, item: Item, story: int, outlets: int, source: str = "Sahil") -> Arrival:
    result = world.matcher.match(
        MatchInput(id=str(item.id), title=item.title, summary=item.summary, source=source)
    )
    return Arrival(item=item, source=source, story_id=story, outlets=outlets, result=result)


def outbox(world: World) -> list[tuple[int, str, int | None]]:
    with world.session() as s:
        rows = s.exec(select(OutboxRow).order_by(OutboxRow.id)).all()  # type: ignore[arg-type]
        return [(row.chat_id, row.kind, row.story_id) for row in rows]


def run_fan_out(world: World, arrivals: list[Arrival], policy: AccessPolicy | None = None) -> None:
    with world.session() as s:
        fan_out(
            s, arrivals, world.clock.now, matcher=world.matcher, policy=policy,
            tz=world.config.tz,
        )  # fmt: skip
        s.commit()


def test_one_alert_per_story_per_chat_whatever_fires_or_repeats(world: World) -> None:
    subscribe(world, ANALYST, SubscriptionKind.ENTITY, "hammouchi")
    subscribe(world, ANALYST, SubscriptionKind.RULE, "ma-es-security")
    subscribe(world, ANALYST, SubscriptionKind.QUERY, "حموشي AND الإرهاب")
    subscribe(world, PRESS, SubscriptionKind.ENTITY, "spain")
    subscribe(world, GROUP, SubscriptionKind.ENTITY, "terrorism")
    item = world.add_item(TITLE, summary=SUMMARY)
    arrival = arrive(world, item, story=1, outlets=1)
    run_fan_out(world, [arrival])
    run_fan_out(world, [arrival])  # a replay of the same item changes nothing
    assert sorted(outbox(world)) == [
        (GROUP, "alert", 1),
        (ANALYST, "alert", 1),
        (PRESS, "alert", 1),
    ]
    with world.session() as s:
        alert = s.exec(select(OutboxRow).where(OutboxRow.chat_id == ANALYST)).one()
    assert alert.text_html.splitlines()[0] == f"\u200f<b>{TITLE}</b>"
    assert "<b>عبد اللطيف حموشي</b>" in alert.text_html  # matched words bold in the snippet
    assert "#1 عبد اللطيف حموشي" in alert.text_plain  # the why line names the subscriptions
    assert "#2 التعاون الأمني المغربي الإسباني" in alert.text_plain
    assert "#3 حموشي AND الإرهاب" in alert.text_plain
    assert alert.buttons is not None
    # one source: no "other sources" button (the edit adds it when a second source comes)
    assert [b["callback_data"] for b in alert.buttons[0]] == ["mute:1"]


def test_a_story_that_grows_is_edited_not_sent_again(world: World) -> None:
    subscribe(world, ANALYST, SubscriptionKind.ENTITY, "hammouchi")
    subscribe(world, PRESS, SubscriptionKind.ENTITY, "terrorism")
    first = world.add_item(TITLE, summary=SUMMARY)
    run_fan_out(world, [arrive(world, first, story=7, outlets=1)])
    # another outlet: its wording names Hammouchi but not terrorism
    second = world.add_item("المدير العام حموشي يلتقي نظيره الإسباني", source="Wasit")
    run_fan_out(world, [arrive(world, second, story=7, outlets=2, source="Wasit")])
    with world.session() as s:
        rows = s.exec(select(OutboxRow).order_by(OutboxRow.id)).all()  # type: ignore[arg-type]
    # the alerts were still pending: rewritten in place, for both chats
    assert [(r.chat_id, r.kind) for r in rows] == [(ANALYST, "alert"), (PRESS, "alert")]
    for row in rows:
        assert row.text_plain.splitlines()[0] == f"\u200f{TITLE}"
        assert row.text_plain.splitlines()[1].endswith("· +1 مصدر آخر")


def test_backlog_muted_and_not_allowed_get_nothing(world: World) -> None:
    sub = subscribe(world, ANALYST, SubscriptionKind.ENTITY, "hammouchi")
    subscribe(world, PRESS, SubscriptionKind.ENTITY, "hammouchi")
    subscribe(world, GROUP, SubscriptionKind.ENTITY, "hammouchi")
    with world.session() as s:
        from marsad.store.chats import Chat, Subscription

        muted_sub = s.get(Subscription, sub)
        assert muted_sub is not None
        muted_sub.muted = True
        press = s.exec(select(Chat).where(Chat.chat_id == PRESS)).one()
        press.muted_until = FOREVER
        s.commit()
    backlog = world.add_item(TITLE, backlog=True)
    fresh = world.add_item(TITLE + " مجددا")
    policy = AccessPolicy(Access.ALLOWLIST, frozenset({1000}), frozenset({ANALYST, PRESS}))
    run_fan_out(world, [arrive(world, backlog, 1, 1), arrive(world, fresh, 2, 1)], policy)
    assert outbox(world) == []
    run_fan_out(world, [arrive(world, fresh, 2, 1)])  # open access: the group gets it
    assert outbox(world) == [(GROUP, "alert", 2)]


def ingested(world: World, item: Item, story: int, source: str = "Sahil") -> Ingested:
    item.story_id = story
    with world.session() as s:
        row = s.get(Source, world.source_ids[source])
        assert row is not None
    return Ingested(item, row, arrive(world, item, story, 1, source).result)


def test_the_stage_passes_over_a_backlog_and_alerts_what_comes_with_it(world: World) -> None:
    """The ingest stage does nothing for a poll that is all backlog (a first poll), not even
    the "+N sources" edit of an alerted story a backlog item joins; a fresh item in the same
    transaction as a backlog one is alerted as ``fan_out`` alone would."""
    subscribe(world, ANALYST, SubscriptionKind.ENTITY, "hammouchi")
    stage = FanOut(world.config, world.matcher, lambda: world.clock.now)
    first = world.add_item(TITLE, summary=SUMMARY)
    with world.session() as s:
        stage(s, [ingested(world, first, 7)])
        s.commit()
    assert outbox(world) == [(ANALYST, "alert", 7)]
    with world.session() as s:
        before = s.exec(select(OutboxRow.text_plain)).one()
    backlog = world.add_item("المدير العام حموشي يلتقي نظيره الإسباني", backlog=True)
    with world.session() as s:
        stage(s, [ingested(world, backlog, 7)])
        s.commit()
    with world.session() as s:
        assert s.exec(select(OutboxRow.text_plain)).one() == before
    old = world.add_item(TITLE + " من جديد", backlog=True)
    fresh = world.add_item("حموشي يستقبل وفدا أمنيا من إسبانيا", summary=SUMMARY)
    with world.session() as s:
        stage(s, [ingested(world, old, 8), ingested(world, fresh, 9)])
        s.commit()
    assert outbox(world) == [(ANALYST, "alert", 7), (ANALYST, "alert", 9)]


def test_extra_sources_replaces_the_count_on_the_outlet_line() -> None:
    text = "\u200f<b>عنوان</b>\n\u200fSahil · 22/11 10:00\n\u200fرابط"
    once = with_extra_sources(text, 1, Language.AR)
    twice = with_extra_sources(once, 3, Language.AR)
    assert once.splitlines()[1] == "\u200fSahil · 22/11 10:00 · +1 مصدر آخر"
    assert twice.splitlines()[1] == "\u200fSahil · 22/11 10:00 · +3 مصادر أخرى"
    assert with_extra_sources(text, 2, Language.EN).splitlines()[1].endswith("+2 more sources")


async def test_end_to_end_subscribe_then_a_story_arrives_and_one_alert_is_delivered(
    bot: Bot,
) -> None:
    world = bot.world
    [reply] = await bot.say(ANALYST, "/subscribe حموشي AND إسبانيا")
    assert reply.startswith("تم الاشتراك")
    item = world.add_item(TITLE, summary=SUMMARY)
    run_fan_out(world, [arrive(world, item, story=item.id or 0, outlets=1)])
    sender = Sender(bot.app.bot, world.engine, clock=world.clock)
    assert await sender.send_due() == 1
    texts = bot.server.texts(ANALYST)
    assert len(texts) == 2 and texts[1].startswith(f"\u200f{TITLE}")
    shown = bot.server.sent[-1]

    def keys(message_id: int) -> list[str]:
        markup = bot.server.message(ANALYST, message_id).reply_markup or {}
        return [b["callback_data"] for row in markup["inline_keyboard"] for b in row]

    assert keys(shown.message_id) == ["mute:1"]  # one source: nothing else to list
    # the same story from a second outlet edits the message instead of sending another
    second = world.add_item("وفد إسباني عند حموشي", source="Wasit")
    run_fan_out(world, [arrive(world, second, story=item.id or 0, outlets=2, source="Wasit")])
    world.clock.now += timedelta(seconds=5)  # past the per-chat pacing
    assert await sender.send_due() == 1
    texts = bot.server.texts(ANALYST)
    assert len(texts) == 2 and "+1 مصدر آخر" in texts[1]
    assert keys(shown.message_id) == ["mute:1", f"src:{item.id}"]  # the edit adds the button
    # the mute button mutes the subscription that fired
    alert = bot.server.sent[-1]
    bot.server.push_callback(ANALYST, "mute:1", message_id=alert.message_id)
    await until(lambda: len(bot.server.texts(ANALYST)) == 3)
    assert bot.server.texts(ANALYST)[2].startswith("\u200fكُتم الاشتراك 1")
    assert len(bot.server.callback_answers) == 1
    third = world.add_item("حموشي وإسبانيا مرة أخرى في خبر جديد", source="Akhbar")
    run_fan_out(world, [arrive(world, third, story=10_000, outlets=1, source="Akhbar")])
    assert [kind for _, kind, _ in outbox(world)].count(OutboxKind.ALERT.value) == 1
    [listed] = await bot.say(ANALYST, "/list")
    assert listed.splitlines()[1] == "1. الاستعلام حموشي AND إسبانيا (مكتوم)"
    [again] = await bot.say(ANALYST, "/subscribe حموشي  AND إسبانيا")
    assert again == "أُعيد تفعيل الاشتراك 1."
    run_fan_out(world, [arrive(world, third, story=10_000, outlets=1, source="Akhbar")])
    assert [kind for _, kind, _ in outbox(world)].count(OutboxKind.ALERT.value) == 2


def test_a_flood_from_one_source_is_capped_and_summarised(world: World) -> None:
    """500 new matching items in one poll once queued 500 alerts for one chat. Now: ten from
    that poll, then one summary naming how many more and where to read them."""
    subscribe(world, ANALYST, SubscriptionKind.ENTITY, "hammouchi")
    subscribe(world, PRESS, SubscriptionKind.ENTITY, "hammouchi")
    items = [world.add_item(f"حموشي في لقاء رقم {n}") for n in range(30)]
    run_fan_out(
        world, [arrive(world, item, story=1000 + n, outlets=1) for n, item in enumerate(items)]
    )
    rows = outbox(world)
    for chat in (ANALYST, PRESS):
        assert sum(1 for c, kind, _ in rows if (c, kind) == (chat, "alert")) == 10
    with world.session() as s:
        notices = s.exec(select(OutboxRow).where(OutboxRow.kind == "notice")).all()
    assert sorted(n.chat_id for n in notices) == sorted([ANALYST, PRESS])
    assert all(n.text_plain.startswith("\u200f📥 20 خبرا آخر من Sahil") for n in notices)
    assert all("/digest 24h" in n.text_plain for n in notices)


def test_a_chat_gets_at_most_forty_alerts_an_hour_from_all_sources(world: World) -> None:
    subscribe(world, ANALYST, SubscriptionKind.ENTITY, "hammouchi")
    story = 2000
    for minute, source in enumerate(["Sahil", "Wasit", "Akhbar", "Sahil", "Wasit"]):
        world.clock.now += timedelta(minutes=10 if minute else 0)
        batch = []
        for _ in range(10):
            story += 1
            item = world.add_item(f"حموشي يلتقي وفدا رقم {story}", source=source)
            batch.append(arrive(world, item, story=story, outlets=1, source=source))
        run_fan_out(world, batch)
    alerts = [row for row in outbox(world) if row[1] == "alert"]
    assert len(alerts) == 40
    with world.session() as s:
        [notice] = s.exec(select(OutboxRow).where(OutboxRow.kind == "notice")).all()
    assert notice.text_plain.startswith("\u200f📥 10 أخبار أخرى من Wasit")  # 3 to 10: plural

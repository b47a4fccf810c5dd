"""The chats store on SQLite and PostgreSQL: numbering, active subscriptions, moving chats."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from marsad.store.chats import (
    FOREVER,
    ChatInfo,
    ChatType,
    Language,
    SubscriptionKind,
    active_subscriptions,
    add_subscription,
    get_chat,
    move_chat,
    register_chat,
    remove_subscriptions,
    subscriptions,
)
from marsad.store.engine import open_store, session

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
SUPERGROUP = -1_001_234_567_890  # beyond 32 bits


def test_numbers_are_stable_and_chats_move_with_their_subscriptions(store_url: str) -> None:
    engine = open_store(store_url)
    with session(engine) as s:
        group, created = register_chat(s, ChatInfo(-5, ChatType.GROUP, "G", Language.AR), NOW)
        assert created
        for target in ("spain", "hammouchi", "terrorism"):
            add_subscription(s, group, SubscriptionKind.ENTITY, target, NOW)
        remove_subscriptions(s, group, [2])
        add_subscription(s, group, SubscriptionKind.QUERY, "حموشي AND إسبانيا", NOW)
        assert [(x.number, x.target) for x in subscriptions(s, group)] == [
            (1, "spain"), (3, "terrorism"), (4, "حموشي AND إسبانيا"),
        ]  # fmt: skip
        other, _ = register_chat(
            s, ChatInfo(SUPERGROUP, ChatType.SUPERGROUP, "S", Language.EN), NOW
        )
        add_subscription(s, other, SubscriptionKind.ENTITY, "spain", NOW)
        s.commit()
        moved = move_chat(s, -5, SUPERGROUP)
        s.commit()
        assert moved is not None and get_chat(s, -5) is None
        assert [(x.number, x.target) for x in subscriptions(s, moved)] == [
            (1, "spain"), (2, "terrorism"), (3, "حموشي AND إسبانيا"),
        ]  # fmt: skip


def test_active_subscriptions_skip_muted_chats_and_subscriptions(store_url: str) -> None:
    engine = open_store(store_url)
    with session(engine) as s:
        chats = [
            register_chat(s, ChatInfo(n, ChatType.PRIVATE, None, Language.AR), NOW)[0]
            for n in (1, 2, 3, 4)
        ]
        subs = [add_subscription(s, c, SubscriptionKind.ENTITY, "spain", NOW) for c in chats]
        subs[0].muted = True
        chats[1].muted_until = FOREVER
        chats[2].muted_until = NOW - timedelta(minutes=1)  # a mute that has ended
        s.commit()
        assert [chat.chat_id for chat, _ in active_subscriptions(s, NOW)] == [3, 4]

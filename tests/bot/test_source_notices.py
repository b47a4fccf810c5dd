"""Admins hear when a source stops working and when it works again: one notice per change."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from marsad.bot.source_notices import SourceNotices
from marsad.store.chats import ChatInfo, ChatType, Language, register_chat
from marsad.store.delivery import OutboxKind, OutboxRow
from marsad.store.tables import Source
from marsad.watchers.poller import PollReport, PollStatus
from tests.bot.conftest import World

ADMIN, ENGLISH_ADMIN = 9001, 9002


def notices(world: World) -> list[tuple[int, str]]:
    with world.session() as s:
        rows = s.exec(select(OutboxRow).where(OutboxRow.kind == OutboxKind.NOTICE.value)).all()
        return [(row.chat_id, row.text_plain) for row in rows]


def failed(failures: int, disabled: str | None = None) -> PollReport:
    return PollReport("Sahil", PollStatus.FAILED, error="HTTP 503", disabled_reason=disabled,
                      failures=failures)  # fmt: skip


def test_failing_then_disabled_then_working_again_each_told_once(world: World) -> None:
    with world.session() as s:
        register_chat(s, ChatInfo(ENGLISH_ADMIN, ChatType.PRIVATE, None, Language.EN),
                      world.clock.now - timedelta(days=1))  # fmt: skip
        s.commit()
    hook = SourceNotices(world.engine, (ADMIN, ENGLISH_ADMIN), world.clock)
    for failures in range(1, 5):
        hook(failed(failures))
    assert notices(world) == [], "a few failures are a blip"
    for failures in range(5, 8):
        hook(failed(failures))
    assert notices(world) == [
        (ADMIN, "\u200f⚠️ المصدر Sahil فشل 5 مرات متتالية: HTTP 503"),  # RLM: a right-to-left line
        (ENGLISH_ADMIN, "⚠️ Source Sahil has failed 5 polls in a row: HTTP 503"),
    ]
    hook(failed(20, disabled="20 consecutive failures; last: HTTP 503"))
    hook(PollReport("Sahil", PollStatus.DISABLED, disabled_reason="20 consecutive failures"))
    hook(PollReport("Sahil", PollStatus.NOT_MODIFIED))
    hook(PollReport("Sahil", PollStatus.NO_NEW))
    told = [text for chat, text in notices(world) if chat == ENGLISH_ADMIN]
    assert told == [
        "⚠️ Source Sahil has failed 5 polls in a row: HTTP 503",
        "⛔ Source Sahil is disabled: 20 consecutive failures; last: HTTP 503\n"
        "It is polled again once its URL is fixed in the configuration.",
        "✅ Source Sahil works again.",
    ]


def test_a_restart_does_not_tell_again_what_was_told(world: World) -> None:
    SourceNotices(world.engine, (ADMIN,), world.clock)(failed(5))
    assert len(notices(world)) == 1
    hook = SourceNotices(world.engine, (ADMIN,), world.clock)  # a new process
    hook(failed(10))
    assert len(notices(world)) == 1
    hook(PollReport("Sahil", PollStatus.NEW))
    assert notices(world)[1:] == [(ADMIN, "\u200f✅ المصدر Sahil يعمل من جديد.")]


def test_processes_polling_one_source_in_turn_tell_each_change_once(world: World) -> None:
    """Two watchers poll Sahil in turn; each sees only some of its polls."""
    first = SourceNotices(world.engine, (ADMIN,), world.clock)
    second = SourceNotices(world.engine, (ADMIN,), world.clock)
    for failures in range(1, 9):
        (first if failures % 2 else second)(failed(failures))
    second(failed(9, disabled="HTTP 410 Gone"))
    first(PollReport("Sahil", PollStatus.NOT_MODIFIED))  # re-enabled, and well
    second(PollReport("Sahil", PollStatus.NO_NEW))
    assert [text[:13] for _, text in notices(world)] == [
        "\u200f⚠️ المصدر Sahil فشل"[:13],
        "\u200f⛔ عُطّل المصدر Sahil"[:13],
        "\u200f✅ المصدر Sahil يعمل"[:13],
    ]
    with world.session() as s:
        source = s.get(Source, world.source_ids["Sahil"])
        assert source is not None and source.notified_health is None


def test_a_churning_source_is_flagged_once(world: World) -> None:
    """Nearly every item new at every poll, three polls in a row: the feed churns."""
    hook = SourceNotices(world.engine, (ADMIN,), world.clock)

    def poll(new: int, entries: int = 20) -> PollReport:
        return PollReport("Sahil", PollStatus.NEW if new else PollStatus.NO_NEW,
                          new_items=tuple([None] * new), entries=entries)  # type: ignore[list-item]  # fmt: skip

    hook(poll(20))
    hook(poll(2))  # a normal poll breaks the run
    for _ in range(5):
        hook(poll(19))
    [(chat, text)] = notices(world)
    assert chat == ADMIN and text.startswith("\u200f🔁 المصدر Sahil يبدو أنه يغيّر معرّفات أخباره")
    assert "19 من 20" in text

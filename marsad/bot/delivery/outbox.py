"""Writing to the outbox and changing a chat's delivery state (pause, resume, migrate).

Everything here runs inside the caller's session and transaction, so an alert is queued in the
same commit that stores its item and matches (nothing is lost between the two), and a chat is
paused in the same commit that records why.  Nothing here talks to Telegram: the sender does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from marsad.store.delivery import (
    OPEN_STATES,
    ChatDelivery,
    OutboxKind,
    OutboxRow,
    OutboxState,
    json_buttons,
)

Buttons = Sequence[Sequence[dict[str, str]]]

RESUME_KEEPS = timedelta(days=1)  # on /start after a block, alerts older than this are dropped


@dataclass(frozen=True)
class QueueDepth:
    """The outbox at a glance, for `/status`."""

    pending: int
    sending: int
    failed: int
    paused_chats: int


def story_key(story_id: int) -> str:
    """The dedup key that makes a chat get at most one alert per story."""
    return f"story:{story_id}"


def current_chat_id(session: Session, chat_id: int) -> int:
    """``chat_id`` after following group → supergroup migrations."""
    seen = {chat_id}
    while True:
        state = session.get(ChatDelivery, chat_id)
        if state is None or state.migrated_to is None or state.migrated_to in seen:
            return chat_id
        chat_id = state.migrated_to
        seen.add(chat_id)


def _former_ids(session: Session, chat_id: int) -> list[int]:
    """``chat_id`` and the ids of the groups that migrated into it."""
    rows = session.exec(
        select(ChatDelivery.chat_id).where(col(ChatDelivery.migrated_to) == chat_id)
    ).all()
    return [chat_id, *rows]


def enqueue(
    session: Session,
    chat_id: int,
    kind: OutboxKind,
    html: str,
    plain: str,
    *,
    now: datetime,
    story_id: int | None = None,
    dedup_key: str | None = None,
    buttons: Buttons | None = None,
    preview_url: str | None = None,
    reply_to: int | None = None,
    due_at: datetime | None = None,
    held: bool = False,
) -> OutboxRow | None:
    """Queue one message; None when this chat already has a row with ``dedup_key``.

    ``held``: ``due_at`` is the end of the chat's quiet hours, waited for however far ahead
    (a row due later than a clock step is otherwise sent at once, see the sender).

    ALERT rows for a story get ``story:<id>`` as their dedup key unless another is given, so a
    chat never gets two alerts for one story, even when two writers race (the unique index
    decides: ``INSERT ... ON CONFLICT DO NOTHING``).  Messages to a group that migrated go to
    its supergroup.  The returned row is a snapshot of what was queued (not loaded back).
    """
    related = session.exec(
        select(ChatDelivery).where(
            or_(col(ChatDelivery.chat_id) == chat_id, col(ChatDelivery.migrated_to) == chat_id)
        )
    ).all()
    if any(r.chat_id == chat_id and r.migrated_to is not None for r in related):
        chat_id = current_chat_id(session, chat_id)
        return enqueue(session, chat_id, kind, html, plain, now=now, story_id=story_id,
                       dedup_key=dedup_key, buttons=buttons, preview_url=preview_url,
                       reply_to=reply_to, due_at=due_at, held=held)  # fmt: skip
    if dedup_key is None and kind is OutboxKind.ALERT and story_id is not None:
        dedup_key = story_key(story_id)
    former = [r.chat_id for r in related if r.migrated_to == chat_id]
    if dedup_key is not None and former:
        existing = session.exec(
            select(OutboxRow.id).where(
                col(OutboxRow.chat_id).in_(former), OutboxRow.dedup_key == dedup_key
            )
        ).first()
        if existing is not None:
            return None
    values: dict[str, Any] = {
        "chat_id": chat_id,
        "kind": kind.value,
        "story_id": story_id,
        "dedup_key": dedup_key,
        "text_html": html,
        "text_plain": plain,
        "buttons": json_buttons(buttons),
        "preview_url": preview_url,
        "target_message_id": reply_to,
        "state": OutboxState.PENDING.value,
        "plain": False,
        "attempts": 0,
        "unconfirmed": 0,
        "created_at": now,
        "due_at": due_at or now,
        "held": held and due_at is not None,
        "message_ids": [],
    }
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(OutboxRow)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["chat_id", "dedup_key"])
        .returning(col(OutboxRow.id))
    )
    new_id = session.execute(statement).scalar()
    if new_id is None:
        return None
    return OutboxRow.model_validate(
        {"id": new_id, **values}
    )  # a snapshot; the session need not load it back


LIVE_ALERT_STATES = (*OPEN_STATES, OutboxState.SENT.value)


def first_alert(session: Session, chat_id: int, story_id: int) -> OutboxRow | None:
    """The alert a chat sees for a story: its earliest one still queued, being sent or sent.

    A chat has one alert per story, except after two stories merged (each had its own); the
    "+N sources" edit, the text it is built from and the message it edits are all this one."""
    return session.exec(
        select(OutboxRow)
        .where(
            OutboxRow.chat_id == chat_id,
            OutboxRow.story_id == story_id,
            OutboxRow.kind == OutboxKind.ALERT.value,
            col(OutboxRow.state).in_(LIVE_ALERT_STATES),
        )
        .order_by(col(OutboxRow.id))
    ).first()


def enqueue_edit(
    session: Session,
    chat_id: int,
    story_id: int,
    html: str,
    plain: str,
    *,
    now: datetime,
    buttons: Buttons | None = None,
    due_at: datetime | None = None,
) -> OutboxRow | None:
    """Update what a chat shows for a story that grew ("+N sources"); None if nothing to edit.
    ``due_at``: a new edit waits until then (held: the end of the chat's quiet hours).

    An alert not yet claimed is rewritten in place (one message, the newest text).  Once it is
    being sent or sent, one pending EDIT row per chat and story carries the newest text; the
    sender edits the first message of the alert with it.
    """
    chat_id = current_chat_id(session, chat_id)
    alert = first_alert(session, chat_id, story_id)
    if alert is None:
        return None
    stored_buttons = json_buttons(buttons) if buttons is not None else alert.buttons
    if alert.state == OutboxState.PENDING.value:
        rewritten = session.execute(
            update(OutboxRow)
            .where(
                col(OutboxRow.id) == alert.id,
                col(OutboxRow.state) == OutboxState.PENDING.value,
            )
            .values(text_html=html, text_plain=plain, buttons=stored_buttons, plain=False)
            .execution_options(synchronize_session="fetch")
        )
        if getattr(rewritten, "rowcount", 0) == 1:
            session.refresh(alert)
            return alert
    pending_edit = session.exec(
        select(OutboxRow).where(
            OutboxRow.chat_id == chat_id,
            OutboxRow.story_id == story_id,
            OutboxRow.kind == OutboxKind.EDIT.value,
            OutboxRow.state == OutboxState.PENDING.value,
        )
    ).first()
    if pending_edit is not None:
        pending_edit.text_html, pending_edit.text_plain = html, plain
        pending_edit.buttons, pending_edit.plain = stored_buttons, False
        session.add(pending_edit)
        return pending_edit
    row = OutboxRow(
        chat_id=chat_id,
        kind=OutboxKind.EDIT.value,
        story_id=story_id,
        text_html=html,
        text_plain=plain,
        buttons=stored_buttons,
        created_at=now,
        due_at=due_at or now,
        held=due_at is not None,
    )
    session.add(row)
    session.flush()
    return row


def release_held(
    session: Session, chat_id: int, *, now: datetime, until: datetime | None = None
) -> int:
    """What the chat's quiet hours held becomes due: now (``/quiet off``, or new quiet hours
    that do not cover ``now``), or at ``until``, the end of the new quiet hours ``now`` is in.
    Returns how many rows."""
    chat_id = current_chat_id(session, chat_id)
    values: dict[str, object] = (
        {"held": False, "due_at": now} if until is None else {"held": True, "due_at": until}
    )
    released = session.execute(
        update(OutboxRow)
        .where(
            col(OutboxRow.chat_id) == chat_id,
            col(OutboxRow.state) == OutboxState.PENDING.value,
            col(OutboxRow.held).is_(True),
        )
        .values(**values)
        .execution_options(synchronize_session="fetch")
    )
    return int(getattr(released, "rowcount", 0) or 0)


def chat_state(session: Session, chat_id: int) -> ChatDelivery:
    """The chat's delivery state row, created (unsaved until flush) when missing."""
    state = session.get(ChatDelivery, chat_id)
    if state is None:
        state = ChatDelivery(chat_id=chat_id)
        session.add(state)
    return state


def is_paused(session: Session, chat_id: int) -> bool:
    state = session.get(ChatDelivery, current_chat_id(session, chat_id))
    return state is not None and state.paused_at is not None


def pause_chat(session: Session, chat_id: int, reason: str, *, now: datetime) -> None:
    """Stop sending to a chat (it blocked the bot or is gone); its queue waits for resume."""
    state = chat_state(session, chat_id)
    if state.paused_at is None:
        state.paused_at = now
    state.paused_reason = reason
    session.add(state)


def resume_chat(
    session: Session, chat_id: int, *, now: datetime, keeps: timedelta = RESUME_KEEPS
) -> int:
    """Send to a paused chat again (what `/start` calls); returns how many queued rows remain.

    Messages queued more than ``keeps`` ago are cancelled rather than delivered late in a burst.
    """
    chat_id = current_chat_id(session, chat_id)
    state = session.get(ChatDelivery, chat_id)
    if state is not None and state.paused_at is not None:
        state.paused_at = None
        state.paused_reason = None
        state.next_send_at = None
        state.failures = 0
        session.add(state)
        session.execute(
            update(OutboxRow)
            .where(
                col(OutboxRow.chat_id) == chat_id,
                col(OutboxRow.state) == OutboxState.PENDING.value,
                col(OutboxRow.created_at) < now - keeps,
            )
            .values(state=OutboxState.CANCELLED.value, last_error="stale after the chat paused")
            .execution_options(synchronize_session="fetch")
        )
    count = session.execute(
        select(func.count())
        .select_from(OutboxRow)
        .where(OutboxRow.chat_id == chat_id, OutboxRow.state == OutboxState.PENDING.value)
    ).scalar()
    return int(count or 0)


def migrate_chat(session: Session, old_chat_id: int, new_chat_id: int) -> int:
    """A group became a supergroup: move its queue to the new id; returns rows moved.

    Edits are cancelled (the old group's messages cannot be edited under the new id), and a row
    whose dedup key the new chat already has is cancelled instead of moved.
    """
    old_state = chat_state(session, old_chat_id)
    old_state.migrated_to = new_chat_id
    session.add(old_state)
    new_state = chat_state(session, new_chat_id)
    new_state.paused_at = old_state.paused_at
    new_state.paused_reason = old_state.paused_reason
    session.add(new_state)
    taken = set(
        session.exec(
            select(OutboxRow.dedup_key).where(
                OutboxRow.chat_id == new_chat_id, col(OutboxRow.dedup_key).is_not(None)
            )
        ).all()
    )
    moved = 0
    rows = session.exec(
        select(OutboxRow).where(
            OutboxRow.chat_id == old_chat_id, col(OutboxRow.state).in_(OPEN_STATES)
        )
    ).all()
    for row in rows:
        if row.kind == OutboxKind.EDIT.value or (row.dedup_key and row.dedup_key in taken):
            row.state = OutboxState.CANCELLED.value
            row.last_error = f"chat migrated to {new_chat_id}"
        else:
            row.chat_id = new_chat_id
            moved += 1
        session.add(row)
    return moved


def queue_depth(session: Session) -> QueueDepth:
    """Counts of pending, in-flight and failed rows and of paused chats."""
    counts = dict(
        session.execute(select(OutboxRow.state, func.count()).group_by(col(OutboxRow.state))).all()
    )
    paused = session.execute(
        select(func.count())
        .select_from(ChatDelivery)
        .where(col(ChatDelivery.paused_at).is_not(None))
    ).scalar()
    return QueueDepth(
        pending=int(counts.get(OutboxState.PENDING.value, 0)),
        sending=int(counts.get(OutboxState.SENDING.value, 0)),
        failed=int(counts.get(OutboxState.FAILED.value, 0)),
        paused_chats=int(paused or 0),
    )


__all__ = [
    "RESUME_KEEPS",
    "QueueDepth",
    "chat_state",
    "current_chat_id",
    "enqueue",
    "enqueue_edit",
    "is_paused",
    "migrate_chat",
    "pause_chat",
    "queue_depth",
    "release_held",
    "resume_chat",
    "story_key",
]

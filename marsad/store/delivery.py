"""The delivery tables: the outbox of messages to send and each chat's delivery state.

Rows are written by whoever decides a chat should get a message (in the same transaction as the
item and its matches), and claimed by the sender, which marks them ``sending`` before calling
Telegram and ``sent`` with the message ids after.  Chat ids are Telegram's (64-bit, negative for
groups and channels); there is deliberately no foreign key to the chats table, so the outbox keeps
working for any chat the bot talks to.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Index,
    Integer,
    Text,
    UniqueConstraint,
    false,
)
from sqlmodel import Field, SQLModel

from marsad.store.timeutil import UTCDateTime


class OutboxKind(StrEnum):
    """What a row sends: an alert for a story, an edit of a sent alert, a digest, a notice."""

    ALERT = "alert"
    EDIT = "edit"
    DIGEST = "digest"
    NOTICE = "notice"


class OutboxState(StrEnum):
    """Where a row is in its life; only PENDING rows are claimed."""

    PENDING = "pending"
    SENDING = "sending"  # claimed; Telegram may or may not have it (ambiguous after a crash)
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"


OPEN_STATES = (OutboxState.PENDING.value, OutboxState.SENDING.value)


class OutboxRow(SQLModel, table=True):
    """One message to deliver to one chat (a long text may go out as several Telegram messages)."""

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("chat_id", "dedup_key", name="uq_outbox_chat_dedup"),
        Index("ix_outbox_state_due", "state", "due_at"),
        Index("ix_outbox_chat_story", "chat_id", "story_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    kind: str = Field(max_length=16)
    story_id: int | None = Field(default=None)
    dedup_key: str | None = Field(default=None, max_length=200)
    text_html: str = Field(sa_column=Column(Text, nullable=False))
    text_plain: str = Field(sa_column=Column(Text, nullable=False))
    buttons: list[list[dict[str, str]]] | None = Field(
        default=None, sa_column=Column(JSON, nullable=True)
    )
    preview_url: str | None = Field(default=None, max_length=4000)
    target_message_id: int | None = Field(
        default=None, sa_column=Column(BigInteger, nullable=True)
    )  # EDIT: the message to edit; otherwise the message to reply to
    state: str = Field(default=OutboxState.PENDING.value, max_length=16)
    plain: bool = Field(default=False, description="send text_plain (HTML was refused)")
    split_limit: int | None = Field(default=None, description="split below Telegram's limit")
    attempts: int = Field(default=0, description="calls to Telegram for this row")
    unconfirmed: int = Field(default=0, description="ambiguous outcomes so far (resent once)")
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    due_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    held: bool = Field(
        default=False,
        sa_column=Column(Boolean, nullable=False, server_default=false()),
        description="held for the chat's quiet hours: due_at is their end, waited for",
    )
    claimed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    claimed_by: str | None = Field(default=None, max_length=32, description="worker sending it")
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    message_ids: list[int] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False, default=list)
    )
    last_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))

    @property
    def outbox_kind(self) -> OutboxKind:
        return OutboxKind(self.kind)

    @property
    def outbox_state(self) -> OutboxState:
        return OutboxState(self.state)


class ChatDelivery(SQLModel, table=True):
    """A chat's delivery state: paused (blocked the bot), rescheduled (flood wait), migrated."""

    __tablename__ = "chat_delivery"

    chat_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    paused_reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    paused_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    next_send_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    migrated_to: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    failures: int = Field(default=0, description="consecutive retryable failures (back-off)")


class SendBudget(SQLModel, table=True):
    """Telegram's global message budget, shared by the senders of every process (one row)."""

    __tablename__ = "send_budget"

    id: int = Field(sa_column=Column(Integer, primary_key=True, autoincrement=False))
    tokens: float
    updated_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


def json_buttons(value: Any) -> list[list[dict[str, str]]] | None:
    """Buttons as stored (rows of {"text", "callback_data" | "url"}), or None."""
    if not value:
        return None
    return [[{str(k): str(v) for k, v in button.items()} for button in row] for row in value]


__all__ = [
    "OPEN_STATES",
    "ChatDelivery",
    "OutboxKind",
    "OutboxRow",
    "OutboxState",
    "SendBudget",
    "json_buttons",
]

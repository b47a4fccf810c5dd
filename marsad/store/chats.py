"""Telegram chats and their subscriptions: who follows what, muted or not, digest at what time.

A chat (private, group, supergroup or channel) owns its subscriptions; each is numbered for
``/list`` and ``/unsubscribe N``.  Numbers are stable: removing subscription 2 leaves 3 as 3, so
a user reading an older ``/list`` never removes the wrong one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlmodel import Field, Session, SQLModel, col, func, select

from marsad.matching.rulefile import Severity
from marsad.store.timeutil import UTCDateTime

FOREVER = datetime(9999, 1, 1, tzinfo=UTC)
"""``muted_until`` for a mute without a duration: until ``/resume``."""

DIGEST_OFF = "off"
"""``digest_time`` of a chat that stopped its daily digest."""


class ChatType(StrEnum):
    """Telegram's kinds of chat."""

    PRIVATE = "private"
    GROUP = "group"
    SUPERGROUP = "supergroup"
    CHANNEL = "channel"


class Language(StrEnum):
    """Languages the bot answers in; the chat's Telegram language decides."""

    AR = "ar"
    EN = "en"
    FR = "fr"

    @classmethod
    def from_code(cls, code: str | None, default: Language | None = None) -> Language:
        """``ar``/``ar-MA`` → Arabic, ``fr``/``fr-MA`` → French, any other code → English;
        no code → ``default`` (Arabic)."""
        if not code:
            return default or cls.AR
        lowered = code.lower()
        if lowered.startswith("ar"):
            return cls.AR
        return cls.FR if lowered.startswith("fr") else cls.EN

    @property
    def right_to_left(self) -> bool:
        """Whether the language is written right to left."""
        return self is Language.AR


class AlertMode(StrEnum):
    """How a subscription alerts: at once, or only in the daily digest."""

    INSTANT = "instant"
    DIGEST = "digest"


class SubscriptionKind(StrEnum):
    """What a subscription follows: a rule id, an entity id, or a query in the rule language;
    or the spikes of an entity or a rule (target ``entity:ID`` or ``rule:ID``)."""

    RULE = "rule"
    ENTITY = "entity"
    QUERY = "query"
    SPIKES = "spikes"


class Chat(SQLModel, table=True):
    """A chat that talked to the bot; its settings survive restarts."""

    __tablename__ = "chats"

    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(
        sa_column=Column(BigInteger, nullable=False, unique=True),
        description="Telegram's chat id (supergroups and channels need 64 bits)",
    )
    type: str = Field(max_length=16)
    title: str | None = Field(default=None, max_length=300)
    language: str = Field(default=Language.AR.value, max_length=8)
    language_chosen: bool = Field(
        default=False,
        sa_column=Column(Boolean, nullable=False, server_default=false()),
        description="set with /lang: the language no longer follows whoever writes",
    )
    registered_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    muted_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    digest_time: str | None = Field(default=None, max_length=8, description='"HH:MM", "off"')
    digest_sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    quiet_start: str | None = Field(default=None, max_length=5, description='"HH:MM" local')
    quiet_end: str | None = Field(default=None, max_length=5, description='"HH:MM" local')
    silent: bool = Field(
        default=False,
        sa_column=Column(Boolean, nullable=False, server_default=false()),
        description="alerts go with disable_notification",
    )

    def muted(self, now: datetime) -> bool:
        return self.muted_until is not None and self.muted_until > now

    @property
    def lang(self) -> Language:
        return Language.from_code(self.language)


class Subscription(SQLModel, table=True):
    """One thing a chat follows; ``number`` is what ``/list`` shows."""

    __tablename__ = "subscriptions"
    __table_args__ = (UniqueConstraint("chat_id", "number", name="uq_subscriptions_number"),)

    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("chats.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    kind: str = Field(max_length=16)
    target: str = Field(sa_column=Column(Text, nullable=False))
    number: int
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    muted: bool = Field(default=False)
    min_severity: str = Field(
        default=Severity.LOW.value,
        sa_column=Column(String(8), nullable=False, server_default=Severity.LOW.value),
        description="alert only for stories of this severity or higher",
    )
    sources: list[str] = Field(
        default_factory=list,
        sa_column=Column(JSON, nullable=False, server_default=text("'[]'")),
        description="source names or tags to alert for (empty: all)",
    )
    languages: list[str] = Field(
        default_factory=list,
        sa_column=Column(JSON, nullable=False, server_default=text("'[]'")),
        description="item languages to alert for (empty: all)",
    )
    mode: str = Field(
        default=AlertMode.INSTANT.value,
        sa_column=Column(String(8), nullable=False, server_default=AlertMode.INSTANT.value),
    )

    @property
    def severity_floor(self) -> Severity:
        return Severity(self.min_severity)

    @property
    def alert_mode(self) -> AlertMode:
        return AlertMode(self.mode)

    @property
    def query_id(self) -> str:
        """The id of this subscription's query in the live matcher."""
        return f"sub:{self.id}"


@dataclass(frozen=True)
class ChatInfo:
    """What an update tells about a chat."""

    chat_id: int
    type: ChatType
    title: str | None
    language: Language


def get_chat(session: Session, chat_id: int) -> Chat | None:
    return session.exec(select(Chat).where(Chat.chat_id == chat_id)).first()


def register_chat(session: Session, info: ChatInfo, now: datetime) -> tuple[Chat, bool]:
    """Insert the chat or refresh its type/title/language; return it and whether it is new.

    A language chosen with ``/lang`` stays: only a chat that never chose one follows the
    Telegram language of whoever writes."""
    chat = get_chat(session, info.chat_id)
    created = chat is None
    if chat is None:
        chat = Chat(chat_id=info.chat_id, type=info.type.value, registered_at=now)
    chat.type, chat.title = info.type.value, info.title
    if not chat.language_chosen:
        chat.language = info.language.value
    session.add(chat)
    session.flush()
    return chat, created


def subscriptions(session: Session, chat: Chat) -> list[Subscription]:
    """A chat's subscriptions in ``/list`` order."""
    return list(
        session.exec(
            select(Subscription)
            .where(Subscription.chat_id == chat.id)
            .order_by(col(Subscription.number))
        ).all()
    )


def find_subscription(
    session: Session, chat: Chat, kind: SubscriptionKind, target: str
) -> Subscription | None:
    return session.exec(
        select(Subscription).where(
            Subscription.chat_id == chat.id,
            Subscription.kind == kind.value,
            Subscription.target == target,
        )
    ).first()


def add_subscription(
    session: Session, chat: Chat, kind: SubscriptionKind, target: str, now: datetime
) -> Subscription:
    """A new subscription numbered after the chat's highest (flushed, so it has an id)."""
    highest = session.exec(
        select(func.max(Subscription.number)).where(Subscription.chat_id == chat.id)
    ).one()
    row = Subscription(
        chat_id=chat.id or 0,
        kind=kind.value,
        target=target,
        number=(highest or 0) + 1,
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row


def remove_subscriptions(
    session: Session, chat: Chat, numbers: Sequence[int] | None
) -> list[Subscription]:
    """Delete the numbered subscriptions (all with None); return the removed rows."""
    rows = [s for s in subscriptions(session, chat) if numbers is None or s.number in numbers]
    for row in rows:
        session.delete(row)
    session.flush()
    return rows


def query_subscriptions(session: Session) -> list[Subscription]:
    """Every QUERY subscription, to load into the matcher at start-up."""
    return list(
        session.exec(
            select(Subscription).where(Subscription.kind == SubscriptionKind.QUERY.value)
        ).all()
    )


def active_subscriptions(session: Session, now: datetime) -> list[tuple[Chat, Subscription]]:
    """Unmuted subscriptions of unmuted chats, for fan-out."""
    rows = session.exec(
        select(Chat, Subscription)
        .join(Subscription, col(Subscription.chat_id) == col(Chat.id))
        .where(col(Subscription.muted).is_(False))
        .where((col(Chat.muted_until).is_(None)) | (col(Chat.muted_until) <= now))
        .order_by(col(Chat.id), col(Subscription.number))
    ).all()
    return [(chat, sub) for chat, sub in rows]


def silent_chats(session: Session, chat_ids: Sequence[int]) -> set[int]:
    """Those of ``chat_ids`` (Telegram's) that asked for silent alerts."""
    if not chat_ids:
        return set()
    rows = session.exec(
        select(Chat.chat_id).where(
            col(Chat.chat_id).in_(sorted(set(chat_ids))), col(Chat.silent).is_(True)
        )
    ).all()
    return set(rows)


def move_chat(session: Session, old_chat_id: int, new_chat_id: int) -> Chat | None:
    """A group became a supergroup (new Telegram id): its settings and subscriptions follow.

    When the new id already has a row (someone wrote there first), the old chat's subscriptions
    are moved into it (renumbered after its own, duplicates dropped) and the old row removed.
    Subscription ids never change, so their queries in the live matcher stay valid.
    """
    old = get_chat(session, old_chat_id)
    if old is None:
        return get_chat(session, new_chat_id)
    new = get_chat(session, new_chat_id)
    if new is None:
        old.chat_id, old.type = new_chat_id, ChatType.SUPERGROUP.value
        session.add(old)
        session.flush()
        return old
    number = max((s.number for s in subscriptions(session, new)), default=0)
    for sub in subscriptions(session, old):
        if find_subscription(session, new, SubscriptionKind(sub.kind), sub.target) is not None:
            session.delete(sub)
            continue
        number += 1
        sub.chat_id, sub.number = new.id or 0, number
        session.add(sub)
    session.flush()
    session.delete(old)
    session.flush()
    return new


def all_chats(session: Session) -> list[Chat]:
    return list(session.exec(select(Chat).order_by(col(Chat.id))).all())


__all__ = [
    "DIGEST_OFF",
    "FOREVER",
    "AlertMode",
    "Chat",
    "ChatInfo",
    "ChatType",
    "Language",
    "Subscription",
    "SubscriptionKind",
    "active_subscriptions",
    "add_subscription",
    "all_chats",
    "find_subscription",
    "get_chat",
    "move_chat",
    "query_subscriptions",
    "register_chat",
    "remove_subscriptions",
    "silent_chats",
    "subscriptions",
]

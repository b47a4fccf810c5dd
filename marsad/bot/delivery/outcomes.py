"""What a failed Telegram call means for the message: Telegram's errors sorted by what to do.

The one hard question is whether a failed call may have reached the chat anyway.  A refused
connection, a connect timeout or an empty connection pool mean the request never left; an HTTP
answer (even 5xx) means Telegram saw it and refused it.  A read timeout or a connection dropped
after the request was written is ambiguous: Telegram may have delivered the message, so it is
resent at most once (the sender decides).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

import httpx
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)


class OutcomeKind(StrEnum):
    SENT = "sent"
    UNCHANGED = "unchanged"  # an edit to the text the message already shows
    RETRY_AFTER = "retry-after"  # flood control: this chat waits
    BLOCKED = "blocked"  # 403 or the chat is gone: pause the chat
    MIGRATED = "migrated"  # group became a supergroup: move and resend
    AS_PLAIN = "as-plain"  # the HTML was refused: resend as plain text
    TOO_LONG = "too-long"  # split smaller
    NO_BUTTONS = "no-buttons"  # a button was refused: resend without the keyboard
    CANCEL = "cancel"  # nothing to do any more (the message to edit is gone)
    RETRY = "retry"  # not delivered; retry with back-off
    AMBIGUOUS = "ambiguous"  # maybe delivered
    FAIL = "fail"  # refused for good
    BUG = "bug"  # not a Telegram error at all


@dataclass(frozen=True)
class Outcome:
    kind: OutcomeKind
    detail: str = ""
    message_id: int | None = None
    retry_after: float = 0.0
    new_chat_id: int | None = None


_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol)
_GONE = (
    "chat not found",
    "bot was kicked",
    "user is deactivated",
    "not enough rights",
    "have no rights",
)
_EDIT_GONE = ("message to edit not found", "message can't be edited", "message_id_invalid")


def retry_seconds(exc: RetryAfter) -> float:
    """``retry_after`` as seconds, whether PTB gives an int or a timedelta."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def _never_sent(exc: BaseException) -> bool:
    cause = exc.__cause__
    if isinstance(cause, _NOT_SENT):
        return True
    return "Pool timeout" in str(exc)


def classify(exc: BaseException) -> Outcome:
    """The outcome a Telegram call ended with when it raised ``exc``."""
    message = str(exc)
    lowered = message.lower()
    if isinstance(exc, RetryAfter):
        return Outcome(OutcomeKind.RETRY_AFTER, message, retry_after=retry_seconds(exc))
    if isinstance(exc, ChatMigrated):
        return Outcome(OutcomeKind.MIGRATED, message, new_chat_id=exc.new_chat_id)
    if isinstance(exc, Forbidden):
        return Outcome(OutcomeKind.BLOCKED, message)
    if isinstance(exc, BadRequest):
        if "parse entities" in lowered or "unsupported start tag" in lowered:
            return Outcome(OutcomeKind.AS_PLAIN, message)
        if "button_" in lowered or "button " in lowered:
            return Outcome(OutcomeKind.NO_BUTTONS, message)
        if "too long" in lowered:
            return Outcome(OutcomeKind.TOO_LONG, message)
        if "not modified" in lowered:
            return Outcome(OutcomeKind.UNCHANGED, message)
        if any(fragment in lowered for fragment in _EDIT_GONE):
            return Outcome(OutcomeKind.CANCEL, message)
        if any(fragment in lowered for fragment in _GONE):
            return Outcome(OutcomeKind.BLOCKED, message)
        return Outcome(OutcomeKind.FAIL, message)
    if isinstance(exc, InvalidToken):
        return Outcome(OutcomeKind.RETRY, message)  # a configuration error; keep the queue
    if isinstance(exc, TimedOut):
        kind = OutcomeKind.RETRY if _never_sent(exc) else OutcomeKind.AMBIGUOUS
        return Outcome(kind, f"timed out: {message}")
    if isinstance(exc, NetworkError):
        if exc.__cause__ is None or _never_sent(exc):
            return Outcome(OutcomeKind.RETRY, message)  # an HTTP error answer, or never left
        return Outcome(OutcomeKind.AMBIGUOUS, message)
    if isinstance(exc, TelegramError):
        return Outcome(OutcomeKind.RETRY, message)
    return Outcome(OutcomeKind.BUG, f"{type(exc).__name__}: {message}")


__all__ = ["Outcome", "OutcomeKind", "classify", "retry_seconds"]

"""What a failed Telegram call means for the message: Telegram's errors sorted by what to do.

The one hard question is whether a failed call may have reached the chat anyway.

* Not delivered, Telegram not reached (UNREACHABLE): a refused connection, a connect timeout or
  an empty connection pool (the request never left), and a 502, 503 or 504 from the HTTP front
  before the Bot API (nginx's "Bad Gateway" / "Gateway Timeout" page, or the same status with
  the Bot API's JSON).  Retried with back-off for as long as the outage lasts; these do not use
  up the row's attempts, since they say nothing about the message.
* Not delivered, Telegram answered (RETRY, or a kind of its own for 400/403/429 …): any other
  HTTP error answer.  PTB raises a ``NetworkError`` for it, with no cause when the body was the
  Bot API's JSON, and with PTB's ``TelegramError("Invalid server response")`` as the cause when
  it was not JSON (an HTML error page): either way an answer came back, so it is not ambiguous.
* Ambiguous (AMBIGUOUS): a read timeout, or a connection dropped after the request was written
  (the ``NetworkError``'s cause is then an httpx transport error).  Telegram may have delivered
  the message, so it is resent at most once (the sender decides).

A 502/504 from Telegram's front can in principle come after the Bot API accepted the request (a
slow backend behind a proxy that gave up).  We count it as not delivered, as the Bot API itself
does (only ``"ok": true`` is a success): a rare duplicate is better than a lost alert, and two
gateway errors in a row must never use up the single resend kept for real ambiguity.
"""

from __future__ import annotations

import re
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
    RETRY = "retry"  # not delivered; retry with back-off (uses up one of the row's attempts)
    UNREACHABLE = "unreachable"  # Telegram not reached (no connection, 502/503/504): back off
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
# The statuses an HTTP front answers with when the Bot API behind it did not answer.
GATEWAY_STATUSES = {502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout"}
_GATEWAY_PHRASES = {phrase.lower(): status for status, phrase in GATEWAY_STATUSES.items()}
# PTB's message for an error answer whose body is not JSON: "Bad Gateway (502). Parsing the
# server response b'<html>…' failed".
_UNPARSED = re.compile(r"\((\d{3})\)\. Parsing the server response")
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
    value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def _never_sent(exc: BaseException) -> bool:
    cause = exc.__cause__
    if isinstance(cause, _NOT_SENT):
        return True
    return "Pool timeout" in str(exc)


def _error_answer(exc: NetworkError) -> int | None:
    """When ``exc`` is an HTTP error answer: its status (0 if unknown); None when it is not one.

    PTB raises a non-2xx answer it has no subclass for as a plain ``NetworkError``: without a
    cause when the body was JSON (its message is then the Bot API's description), or from its
    own JSON parsing ``TelegramError`` when it was not (the status is then in the message).
    Transport failures always carry the httpx exception as their cause.
    """
    cause = exc.__cause__
    if cause is None:
        return _GATEWAY_PHRASES.get(str(exc).strip().lower(), 0)
    if isinstance(cause, TelegramError):
        found = _UNPARSED.search(str(exc))
        return int(found.group(1)) if found else 0
    return None


def _gateway_detail(status: int, message: str) -> str:
    body = "an HTML page" if _UNPARSED.search(message) else "the Bot API's JSON"
    return (
        f"{GATEWAY_STATUSES[status]} ({status}) from Telegram's HTTP front, {body}: not delivered"
    )


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
        kind = OutcomeKind.UNREACHABLE if _never_sent(exc) else OutcomeKind.AMBIGUOUS
        return Outcome(kind, f"timed out: {message}")
    if isinstance(exc, NetworkError):
        status = _error_answer(exc)
        if status is not None and status in GATEWAY_STATUSES:
            return Outcome(OutcomeKind.UNREACHABLE, _gateway_detail(status, message))
        if status is not None:  # Telegram answered with an error: not delivered
            return Outcome(OutcomeKind.RETRY, message[:300])
        if _never_sent(exc):
            return Outcome(OutcomeKind.UNREACHABLE, f"not sent: {message}")
        return Outcome(OutcomeKind.AMBIGUOUS, message)
    if isinstance(exc, TelegramError):
        return Outcome(OutcomeKind.RETRY, message)
    return Outcome(OutcomeKind.BUG, f"{type(exc).__name__}: {message}")


__all__ = ["GATEWAY_STATUSES", "Outcome", "OutcomeKind", "classify", "retry_seconds"]

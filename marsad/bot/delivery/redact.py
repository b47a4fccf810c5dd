"""Keep the bot token out of every log line.

httpx logs each request URL at INFO (``POST https://api.telegram.org/bot<TOKEN>/sendMessage``),
PTB and httpcore log at DEBUG, and an exception text may quote a URL.  A logger or handler filter
would miss records of child loggers or handlers added later, so the redaction happens where every
record is born: the log record factory replaces the token in the formatted message and in the
formatted exception before any handler sees the record.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

REDACTED = "<token>"

_lock = threading.Lock()
_secrets: set[str] = set()
_previous_factory: Callable[..., logging.LogRecord] | None = None


def redact(text: str) -> str:
    """``text`` with every installed secret replaced by ``<token>``."""
    for secret in _secrets:
        if secret in text:
            text = text.replace(secret, REDACTED)
    return text


def _factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
    assert _previous_factory is not None
    record = _previous_factory(*args, **kwargs)
    if not _secrets:
        return record
    try:
        message = record.getMessage()
    except Exception:  # a broken format string is the logging module's business, not ours
        return record
    cleaned = redact(message)
    if cleaned != message:
        record.msg, record.args = cleaned, None
    if record.exc_info and record.exc_info[0] is not None:
        record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
    return record


def install_redaction(secret: str) -> None:
    """Redact ``secret`` (the bot token) from every log record from now on (idempotent)."""
    global _previous_factory
    if not secret:
        return
    with _lock:
        _secrets.add(secret)
        if _previous_factory is None:
            _previous_factory = logging.getLogRecordFactory()
            logging.setLogRecordFactory(_factory)


def uninstall_redaction() -> None:
    """Forget every secret and restore the previous record factory (for tests)."""
    global _previous_factory
    with _lock:
        _secrets.clear()
        if _previous_factory is not None:
            logging.setLogRecordFactory(_previous_factory)
            _previous_factory = None


__all__ = ["REDACTED", "install_redaction", "redact", "uninstall_redaction"]

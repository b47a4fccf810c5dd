"""The operator's numbers: every Prometheus metric a Marsad process exposes, in one registry.

The objects are module-level so any part of Marsad records with one line (``POLLS.labels(...)``,
``observe_fetch(...)``) and the metrics server (``metrics_server.py``) exposes them at
``/metrics``.  This module imports only prometheus-client and the standard library, so watchers,
bot and store may all use it without an import cycle; the helpers take plain values (strings,
seconds), never watcher or bot objects.  Database-wide values (outbox depth, sources, processes
alive) are read at scrape time by ``metrics_store.watch_store``.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterable
from enum import StrEnum

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    Info,
    PlatformCollector,
    ProcessCollector,
    disable_created_metrics,
)

import marsad

# No *_created series: they double the text and nobody alerts on them.
disable_created_metrics()  # type: ignore[no-untyped-call]

REGISTRY = CollectorRegistry(auto_describe=True)
"""Marsad's own registry (not prometheus-client's global one, which test runners share)."""

ProcessCollector(registry=REGISTRY)  # process_resident_memory_bytes, process_cpu_seconds_total...
PlatformCollector(registry=REGISTRY)  # python_info


class PollOutcome(StrEnum):
    """How one poll of one source ended (the values of the poller's ``PollStatus``)."""

    NEW = "new"
    NO_NEW = "no-new"
    NOT_MODIFIED = "not-modified"
    FAILED = "failed"
    DISABLED = "disabled"
    WAITING = "waiting"


class FetchOutcomeLabel(StrEnum):
    """How one HTTP fetch ended (the values of ``watchers.fetch.FetchOutcome``)."""

    OK = "ok"
    NOT_MODIFIED = "not-modified"
    HTTP_ERROR = "http-error"
    GONE = "gone"
    RATE_LIMITED = "rate-limited"
    TIMEOUT = "timeout"
    TOO_LARGE = "too-large"
    TOO_MANY_REDIRECTS = "too-many-redirects"
    NETWORK_ERROR = "network-error"
    REFUSED = "refused"


class MatchKind(StrEnum):
    """What an item matched: a rule, an entity, or a chat's query subscription."""

    RULE = "rule"
    ENTITY = "entity"
    QUERY = "query"


class StoryHow(StrEnum):
    """Whether a stored item started a story or joined one."""

    NEW = "new"
    JOINED = "joined"


class SentKind(StrEnum):
    """What a sent outbox row was (the values of ``store.delivery.OutboxKind``)."""

    ALERT = "alert"
    EDIT = "edit"
    DIGEST = "digest"
    NOTICE = "notice"


class TelegramErrorKind(StrEnum):
    """How a call to the Telegram Bot API failed, coarsely (for rates and alerts)."""

    FLOOD = "flood"  # 429, retry_after
    BLOCKED = "blocked"  # 403: the chat blocked the bot or removed it
    BAD_REQUEST = "bad-request"  # 400: the message was refused (HTML, too long, gone)
    SERVER = "server"  # 5xx
    NETWORK = "network"  # no answer: connection, timeout
    OTHER = "other"


FETCH_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 30.0, 60.0)
SEND_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

POLLS = Counter(
    "marsad_polls",
    "Polls of one source by this process, by how they ended.",
    ["outcome"],
    registry=REGISTRY,
)
LAST_POLL = Gauge(
    "marsad_last_poll_timestamp_seconds",
    "Unix time this process last finished a poll that fetched its source (0: none yet).",
    registry=REGISTRY,
)
FETCHES = Counter(
    "marsad_fetches",
    "HTTP fetches by this process (feeds, pages, a page source's articles), by outcome.",
    ["outcome"],
    registry=REGISTRY,
)
FETCH_SECONDS = Histogram(
    "marsad_fetch_seconds",
    "Time of one fetch (connect, redirects, headers and body), whatever its outcome.",
    buckets=FETCH_BUCKETS,
    registry=REGISTRY,
)
ITEMS = Counter(
    "marsad_items_stored",
    "New items stored by this process (backlog included).",
    registry=REGISTRY,
)
MATCHES = Counter(
    "marsad_matches",
    "Matches of stored items: one per (item, rule), (item, entity) or (item, query).",
    ["kind"],
    registry=REGISTRY,
)
STORIES = Counter(
    "marsad_stories",
    "Stored items grouped into stories: started a new story or joined one.",
    ["how"],
    registry=REGISTRY,
)
ALERTS_QUEUED = Counter(
    "marsad_alerts_queued",
    "Alerts queued in the outbox by this process (one per story per chat).",
    registry=REGISTRY,
)
EDITS_QUEUED = Counter(
    "marsad_edits_queued",
    'Edits queued to show "+N sources" on an alert already queued or sent.',
    registry=REGISTRY,
)
SEND_SECONDS = Histogram(
    "marsad_send_seconds",
    "Time of one call to Telegram sending or editing one outbox row, whatever its outcome.",
    buckets=SEND_BUCKETS,
    registry=REGISTRY,
)
SENT = Counter(
    "marsad_sent",
    "Outbox rows delivered to Telegram by this process, by kind.",
    ["kind"],
    registry=REGISTRY,
)
LAST_SEND = Gauge(
    "marsad_last_send_timestamp_seconds",
    "Unix time this process last delivered an outbox row (0: none yet).",
    registry=REGISTRY,
)
TELEGRAM_ERRORS = Counter(
    "marsad_telegram_errors",
    "Failed calls to the Telegram Bot API by this process, by kind.",
    ["kind"],
    registry=REGISTRY,
)
LEASES_HELD = Gauge(
    "marsad_source_leases_held",
    "Sources this process holds a lease on (is polling) right now.",
    registry=REGISTRY,
)
CLAIM_SECONDS = Histogram(
    "marsad_claim_seconds",
    "Time of one claim transaction (looking for due sources and leasing them).",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0),
    registry=REGISTRY,
)
CLAIMED = Counter(
    "marsad_sources_claimed",
    "Sources this process claimed (leased) to poll.",
    registry=REGISTRY,
)
LEADER = Gauge(
    "marsad_telegram_leader",
    "1 while this process answers Telegram updates (holds the leadership), else 0.",
    registry=REGISTRY,
)
WORKER = Info(
    "marsad_worker",
    "This process: its worker id (the workers table), roles, host, pid and Marsad version.",
    registry=REGISTRY,
)

# Every label value exists from the start, so a rate is 0 rather than absent before the first.
for _outcome in PollOutcome:
    POLLS.labels(_outcome.value)
for _fetch in FetchOutcomeLabel:
    FETCHES.labels(_fetch.value)
for _kind in MatchKind:
    MATCHES.labels(_kind.value)
for _how in StoryHow:
    STORIES.labels(_how.value)
for _sent in SentKind:
    SENT.labels(_sent.value)
for _error in TelegramErrorKind:
    TELEGRAM_ERRORS.labels(_error.value)


def describe_worker(worker_id: str, roles: Iterable[str]) -> None:
    """Fill ``marsad_worker_info`` for this process (call once at start)."""
    WORKER.info(
        {
            "id": worker_id,
            "roles": ",".join(roles),
            "host": socket.gethostname(),
            "pid": str(os.getpid()),
            "version": marsad.__version__,
        }
    )


_NOT_FETCHED = frozenset({PollOutcome.WAITING, PollOutcome.DISABLED})


def observe_poll(outcome: str) -> None:
    """Count one finished poll (``outcome`` a ``PollStatus`` value); one that fetched (new, no-new,
    not-modified, failed), not one skipped (waiting, disabled), moves the last-poll time."""
    kind = PollOutcome(outcome)
    POLLS.labels(kind.value).inc()
    if kind not in _NOT_FETCHED:
        LAST_POLL.set(time.time())


def observe_stories(started: int, joined: int) -> None:
    """Count items put in stories: ``started`` new stories, ``joined`` to existing ones."""
    STORIES.labels(StoryHow.NEW.value).inc(started)
    STORIES.labels(StoryHow.JOINED.value).inc(joined)


def observe_fetch(outcome: str, seconds: float) -> None:
    """Count one fetch (``outcome`` a ``FetchOutcome`` value) and its duration."""
    FETCHES.labels(FetchOutcomeLabel(outcome).value).inc()
    FETCH_SECONDS.observe(seconds)


def observe_matches(rules: int, entities: int, queries: int) -> None:
    """Count the matches of some stored items, by kind."""
    for kind, count in (
        (MatchKind.RULE, rules),
        (MatchKind.ENTITY, entities),
        (MatchKind.QUERY, queries),
    ):
        if count:
            MATCHES.labels(kind.value).inc(count)


def observe_send(kind: str, seconds: float) -> None:
    """Count one outbox row delivered (``kind`` an ``OutboxKind`` value) and the call's time."""
    SENT.labels(SentKind(kind).value).inc()
    SEND_SECONDS.observe(seconds)
    LAST_SEND.set(time.time())


def observe_telegram_error(kind: TelegramErrorKind, seconds: float | None = None) -> None:
    """Count one failed Telegram call; ``seconds`` (when known) goes to ``marsad_send_seconds``."""
    TELEGRAM_ERRORS.labels(kind.value).inc()
    if seconds is not None:
        SEND_SECONDS.observe(seconds)


def telegram_error_kind(status: int | None) -> TelegramErrorKind:
    """The kind of a failed call from its HTTP status (None: no answer at all)."""
    if status is None:
        return TelegramErrorKind.NETWORK
    if status == 429:
        return TelegramErrorKind.FLOOD
    if status == 403:
        return TelegramErrorKind.BLOCKED
    if status == 400:
        return TelegramErrorKind.BAD_REQUEST
    if status >= 500:
        return TelegramErrorKind.SERVER
    return TelegramErrorKind.OTHER


def last_poll_age(now: float | None = None) -> float | None:
    """Seconds since this process's last poll that reached a source, None before the first."""
    return _age("marsad_last_poll_timestamp_seconds", now)


def last_send_age(now: float | None = None) -> float | None:
    """Seconds since this process last delivered a message, None before the first."""
    return _age("marsad_last_send_timestamp_seconds", now)


def _age(name: str, now: float | None) -> float | None:
    stamp = REGISTRY.get_sample_value(name)
    if not stamp:
        return None
    return max(0.0, (time.time() if now is None else now) - stamp)


__all__ = [
    "ALERTS_QUEUED",
    "CLAIMED",
    "CLAIM_SECONDS",
    "EDITS_QUEUED",
    "FETCHES",
    "FETCH_SECONDS",
    "ITEMS",
    "LAST_POLL",
    "LAST_SEND",
    "LEADER",
    "LEASES_HELD",
    "MATCHES",
    "POLLS",
    "REGISTRY",
    "SEND_SECONDS",
    "SENT",
    "STORIES",
    "TELEGRAM_ERRORS",
    "WORKER",
    "FetchOutcomeLabel",
    "MatchKind",
    "PollOutcome",
    "SentKind",
    "StoryHow",
    "TelegramErrorKind",
    "describe_worker",
    "last_poll_age",
    "last_send_age",
    "observe_fetch",
    "observe_matches",
    "observe_poll",
    "observe_send",
    "observe_telegram_error",
    "telegram_error_kind",
]

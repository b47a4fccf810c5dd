"""What ``marsad sources`` shows of each source: the store's state beside the configuration's."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from marsad.config import Config
from marsad.store.sources import LeaseHolder, SourceListing
from marsad.store.tables import SourceOrigin


class Standing(StrEnum):
    """Where a source stands with the configuration, which decides whether it is polled."""

    CONFIGURED = "configured"
    IMPORTED = "imported"
    ADDED = "added from Telegram"
    OFF = "off in the configuration (enabled = false)"
    DROPPED = "no longer in the configuration"
    UNSTORED = "configured, not yet in the store"


class State(StrEnum):
    """What a source is doing, in one word for the table."""

    OK = "ok"
    FAILING = "failing"
    DISABLED = "disabled"
    POLLING = "polling"
    NEW = "never polled"
    UNPOLLED = "not polled"


_POLLED = frozenset({Standing.CONFIGURED, Standing.IMPORTED, Standing.ADDED, Standing.UNSTORED})
_STORE_ONLY = {
    SourceOrigin.OPML.value: Standing.IMPORTED,
    SourceOrigin.TELEGRAM.value: Standing.ADDED,
}
"""The standing of a source the store holds without the configuration, by its origin."""


@dataclass(frozen=True)
class SourceLine:
    """One source as listed: its store row (if any) read against the configuration."""

    name: str
    origin: str
    kind: str
    url: str
    standing: Standing
    last_poll: datetime | None = None
    last_success: datetime | None = None
    last_error: str | None = None
    next_poll: datetime | None = None
    failures: int = 0
    disabled_reason: str | None = None
    disabled_at: datetime | None = None
    holder: LeaseHolder | None = None
    items_seen: int = 0

    @property
    def polled(self) -> bool:
        """Whether the watchers poll it (when it is not disabled)."""
        return self.standing in _POLLED

    @property
    def state(self) -> State:
        if self.disabled_reason is not None:
            return State.DISABLED
        if self.holder is not None:
            return State.POLLING
        if not self.polled:
            return State.UNPOLLED
        if self.last_poll is None:
            return State.NEW
        return State.FAILING if self.failures else State.OK

    def as_json(self, tz: ZoneInfo) -> dict[str, object]:
        """The ``--json`` object: times as ISO 8601 in ``tz``."""

        def when(moment: datetime | None) -> str | None:
            return moment.astimezone(tz).isoformat() if moment else None

        disabled = None
        if self.disabled_reason is not None:
            disabled = {"reason": self.disabled_reason, "since": when(self.disabled_at)}
        lease = None
        if self.holder is not None:
            lease = {
                "worker": self.holder.worker_id,
                "host": self.holder.host,
                "pid": self.holder.pid,
                "until": when(self.holder.until),
            }
        return {
            "name": self.name,
            "origin": self.origin,
            "kind": self.kind,
            "url": self.url,
            "standing": self.standing.value,
            "state": self.state.value,
            "last_poll": when(self.last_poll),
            "last_success": when(self.last_success),
            "last_error": self.last_error,
            "next_poll": when(self.next_poll),
            "failures": self.failures,
            "disabled": disabled,
            "lease": lease,
            "items_seen": self.items_seen,
        }


def lines_of(config: Config, listings: Iterable[SourceListing]) -> list[SourceLine]:
    """Every stored source, plus configured ones not stored yet, by name."""
    configured = {source.name: source for source in config.sources}
    lines: list[SourceLine] = []
    for listing in listings:
        row = listing.source
        wanted = configured.pop(row.name, None)
        if wanted is not None:
            standing = Standing.CONFIGURED if wanted.enabled else Standing.OFF
        else:
            standing = _STORE_ONLY.get(row.origin, Standing.DROPPED)
        lines.append(
            SourceLine(
                name=row.name,
                origin=row.origin,
                kind=row.kind,
                url=row.url,
                standing=standing,
                last_poll=row.last_polled_at,
                last_success=row.last_success_at,
                last_error=row.last_error,
                next_poll=row.next_poll_at,
                failures=row.consecutive_failures,
                disabled_reason=row.disabled_reason,
                disabled_at=row.disabled_at,
                holder=listing.holder,
                items_seen=row.items_seen,
            )
        )
    for source in configured.values():
        standing = Standing.UNSTORED if source.enabled else Standing.OFF
        origin = SourceOrigin.CONFIG.value
        lines.append(SourceLine(source.name, origin, source.kind.value, source.url, standing))
    return sorted(lines, key=lambda line: line.name)


def _when(moment: datetime | None, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M %Z") if moment else "-"


def _details(line: SourceLine, tz: ZoneInfo) -> list[str]:
    """The lines under a source's row: what is wrong with it and who polls it."""
    notes: list[str] = []
    if line.standing not in (Standing.CONFIGURED, Standing.IMPORTED, Standing.ADDED):
        notes.append(str(line.standing))
    if line.disabled_reason is not None:
        notes.append(f"disabled since {_when(line.disabled_at, tz)}: {line.disabled_reason}")
    if line.last_error:
        notes.append(f"last error: {line.last_error}")
    if line.holder is not None:
        who = line.holder
        process = f"pid {who.pid} on {who.host}" if who.host else "an unregistered process"
        notes.append(
            f"being polled by {process} (worker {who.worker_id[:8]}), "
            f"lease until {_when(who.until, tz)}"
        )
    return notes


HEADER = ("NAME", "ORIGIN", "KIND", "STATE", "LAST POLL", "LAST SUCCESS", "NEXT POLL", "FAILS")


def print_table(lines: Sequence[SourceLine], tz: ZoneInfo, zone: str) -> None:
    """The human table: one row per source, its URL and any notes indented below it."""
    if not lines:
        print("no sources: add [[sources]] to the configuration or `marsad sources import`")
        return
    rows = [
        (
            line.name,
            line.origin,
            line.kind,
            line.state.value,
            _when(line.last_poll, tz),
            _when(line.last_success, tz),
            _when(line.next_poll, tz),
            str(line.failures),
        )
        for line in lines
    ]
    widths = [max(len(row[i]) for row in [HEADER, *rows]) for i in range(len(HEADER))]
    print("  ".join(cell.ljust(width) for cell, width in zip(HEADER, widths, strict=True)).rstrip())
    for line, row in zip(lines, rows, strict=True):
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
        for note in [line.url, *_details(line, tz)]:
            print(f"    {note}")
    disabled = sum(line.state is State.DISABLED for line in lines)
    imported = sum(line.standing is Standing.IMPORTED for line in lines)
    added = sum(line.standing is Standing.ADDED for line in lines)
    from_telegram = f", {added} added from Telegram" if added else ""
    print(
        f"{len(lines)} sources ({imported} imported{from_telegram}, {disabled} disabled); "
        f"times in {zone}",
    )

"""Poll sources: fetch, parse, identify and store items, and keep each source's fetch state.

One bad source never delays the others: every poll runs under the global concurrency limit,
and whatever goes wrong in one is recorded on that source and reported, never raised.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from functools import partial

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from marsad.config import Config, SourceConfig, SourceKind
from marsad.store.engine import session as open_session
from marsad.store.items import add_items, known_keys
from marsad.store.locks import Lock, lock_in_transaction
from marsad.store.page_links import remember_links, seen_links
from marsad.store.source_leases import DueWindow, claim_named, release
from marsad.store.sources import (
    enable_source,
    record_failure,
    record_not_modified,
    record_success,
    sync_sources,
)
from marsad.store.tables import ADDED_IN_STORE, Item, Source
from marsad.watchers.backoff import longest_wait, next_regular_poll, plan_after_failure
from marsad.watchers.feeds import Entry, Reader, parse_feed
from marsad.watchers.fetch import Fetcher, FetchOutcome, FetchResult
from marsad.watchers.items import ItemDraft, canonical_url, make_item
from marsad.watchers.pages import extract_article, find_article_links
from marsad.watchers.sitemap_poll import SitemapReader, unseen_links
from marsad.watchers.telegram_channel import NoPublicPreviewError
from marsad.watchers.telegram_poll import read_channel, remember_cursor

log = logging.getLogger(__name__)

STORE_CHUNK = 100
"""Items stored (matched, clustered, fanned out) per transaction of one poll."""
CLOCK_SLACK = timedelta(minutes=1)
"""How far a stored next poll may exceed the longest wait before it counts as a clock step."""

MAX_ARTICLES_PER_PAGE_POLL = 30
"""Articles fetched from one listing page per poll; the rest wait for the next poll."""

BEING_POLLED = "being polled by another process"
"""Why `marsad poll` left a source: a running watcher holds its lease."""

IngestHook = Callable[[Session, Source, list[Item]], None]
"""Called inside the transaction that stores new items (stories, matches, outbox hook in here)."""


class PollStatus(StrEnum):
    """How one poll of one source ended."""

    NEW = "new"
    NO_NEW = "no-new"
    NOT_MODIFIED = "not-modified"
    FAILED = "failed"
    DISABLED = "disabled"
    WAITING = "waiting"


@dataclass(frozen=True)
class PollReport:
    """What one poll of one source did, for the CLI summary, `/status` and the scheduler."""

    source: str
    status: PollStatus
    new_items: tuple[Item, ...] = ()
    backlog: bool = False
    entries: int = 0
    error: str | None = None
    disabled_reason: str | None = None
    failures: int = 0
    """Consecutive failures of the source after this poll (0 after a success)."""
    notified: str = ""
    """What the admins had last been told of the source when the poll began (``ok``, or a
    ``source_notices.Health`` value); empty when not known."""

    def summary(self) -> str:
        """One line for a person: ``Hespress: 3 new (backlog)`` / ``X: failed: HTTP 404``."""
        if self.status is PollStatus.NEW:
            text = f"{len(self.new_items)} new of {self.entries}"
            if self.backlog:
                text += " (first poll: backlog, not alerted)"
        elif self.status is PollStatus.NO_NEW:
            text = f"no new items ({self.entries} seen)"
        elif self.status is PollStatus.NOT_MODIFIED:
            text = "not modified" + (f" ({self.error})" if self.error else "")
        elif self.status is PollStatus.DISABLED:
            text = f"disabled: {self.disabled_reason}"
        elif self.status is PollStatus.WAITING:
            text = (
                f"waiting ({BEING_POLLED})"
                if self.error == BEING_POLLED
                else "waiting (backing off)"
            )
        else:
            text = f"failed: {self.error}"
            if self.disabled_reason:
                text += f"; now disabled: {self.disabled_reason}"
        if self.error and self.status in (PollStatus.NEW, PollStatus.NO_NEW):
            text += f"; warning: {self.error}"
        return f"{self.source}: {text}"


@dataclass(frozen=True)
class FeedDrafts:
    """A parsed feed turned into item drafts (what crosses back from a parsing process)."""

    drafts: tuple[ItemDraft, ...]
    is_feed: bool
    error: str | None
    reader: Reader = Reader.NONE


def feed_drafts(
    body: bytes,
    headers: Mapping[str, str],
    url: str,
    fetched_at: datetime,
    fast_path: bool = True,
) -> FeedDrafts:
    """Parse a feed and build its item drafts: the CPU-heavy, pure part of a poll.

    A module-level function so it can run in a worker process (see ``Poller(executor=...)``);
    ``fast_path=False`` parses with feedparser alone (the poll bench's baseline).
    """
    parsed = parse_feed(body, dict(headers), url, fast_path=fast_path)
    drafts = tuple(make_item(entry, url, fetched_at) for entry in parsed.entries)
    return FeedDrafts(drafts, parsed.is_feed, parsed.error, parsed.reader)


def stored_config(row: Source) -> SourceConfig:
    """How a source the store holds without the configuration is polled: its URL and kind
    with the ``[polling]`` defaults."""
    kinds = {kind.value: kind for kind in SourceKind}
    return SourceConfig(name=row.name, url=row.url, kind=kinds.get(row.kind, SourceKind.FEED))


class Poller:
    """Polls configured sources into the store; shared by `marsad poll` and the scheduler."""

    def __init__(
        self,
        config: Config,
        engine: Engine,
        fetcher: Fetcher,
        *,
        clock: Callable[[], datetime],
        rng: random.Random | None = None,
        on_ingest: IngestHook | None = None,
        executor: Executor | None = None,
        fast_path: bool = True,
    ) -> None:
        """``executor``: where feeds are parsed; by default the event loop's thread pool, which
        keeps the loop free (docs/watchers.md says why not a process pool). ``fast_path``: see
        ``feed_drafts``."""
        self.config = config
        self.engine = engine
        self.fetcher = fetcher
        self.clock = clock
        self.rng = rng or random.Random()
        self.on_ingest = on_ingest
        self.executor = executor
        self.fast_path = fast_path
        self._limit = asyncio.Semaphore(config.polling.concurrency)
        self._running: dict[str, asyncio.Lock] = {}
        self._sitemaps = SitemapReader(fetcher)
        self._configs = {source.name: source for source in config.sources}
        with open_session(engine) as s:
            if s.get_bind().dialect.name == "postgresql":
                lock_in_transaction(s.connection(), Lock.SOURCES)
            rows = sync_sources(s, [c for c in config.sources if c.enabled])
            # Sources added to the store by `marsad sources import` or /addsource are polled
            # with the [polling] defaults, unless the configuration names one the same.
            added = [origin.value for origin in ADDED_IN_STORE]
            for row in s.exec(select(Source).where(col(Source.origin).in_(added))):
                if row.name not in rows and row.name not in self._configs:
                    rows[row.name] = row
                    self._configs[row.name] = stored_config(row)
            self._ids = {name: row.id or 0 for name, row in rows.items()}
            known = set(s.exec(select(Source.name)).all())
        self.unpolled = frozenset(known - set(self._ids))
        """Names of stored sources this poller must not poll (no longer, or not, configured)."""

    @property
    def source_names(self) -> list[str]:
        return list(self._ids)

    def source_id(self, name: str) -> int:
        return self._ids[name]

    def adopt(self, row: Source) -> bool:
        """Take on a source stored after this poller started: one `marsad sources import` or
        /addsource added (polled with the defaults). False for any other (another
        configuration's)."""
        if row.name in self._ids:
            return True
        if row.origin not in ADDED_IN_STORE or row.id is None:
            return False
        self._configs[row.name] = stored_config(row)
        self._ids[row.name] = row.id
        return True

    def source_config(self, name: str) -> SourceConfig:
        return self._configs[name]

    def due_window(self) -> DueWindow:
        """When a stored next poll is too far ahead to be real (see ``next_poll_at``)."""
        intervals = [self.config.interval_of(self._configs[name]) for name in self._ids]
        longest = max(intervals, default=self.config.polling.interval)
        jitter = self.config.polling.jitter
        return DueWindow(
            healthy=longest_wait(0, longest, jitter) + CLOCK_SLACK,
            failing=longest_wait(1, longest, jitter) + CLOCK_SLACK,
        )

    def load(self, name: str) -> Source:
        """The source's row as stored now (another process may have polled it since)."""
        with open_session(self.engine) as s:
            row = s.get(Source, self._ids[name])
            assert row is not None
            return row

    def next_poll_at(self, name: str, source: Source | None = None) -> datetime | None:
        """When the source is due next (regular interval, back-off or Retry-After), never
        further ahead than the longest wait its state allows (``backoff.longest_wait``)."""
        source = source or self.load(name)
        due = source.next_poll_at
        if due is None:
            return None
        now = self.clock()
        interval = self.config.interval_of(self._configs[name])
        allowed = longest_wait(source.consecutive_failures, interval, self.config.polling.jitter)
        if due - now > allowed + CLOCK_SLACK:
            log.warning(
                "%s: next poll was set %s ahead, more than its %s allow; the clock went back? "
                "polling it now",
                name,
                due - now,
                "back-off" if source.consecutive_failures else "interval",
            )
            source.next_poll_at = now
            return now
        return due

    async def poll_all(
        self,
        *,
        include_disabled: bool = False,
        force: bool = True,
        worker_id: str | None = None,
        lease: timedelta = timedelta(minutes=2),
    ) -> list[PollReport]:
        """Poll every enabled configured source once, concurrently under the global limit.

        ``worker_id``: lease each source first (``marsad poll`` beside running watchers), so a
        source another process is polling now is not polled twice at once: it is reported
        WAITING, and that process stores what is new.
        """
        if worker_id is None:
            tasks = [
                self.poll(name, include_disabled=include_disabled, force=force)
                for name in self._ids
            ]
            return list(await asyncio.gather(*tasks))
        with open_session(self.engine) as s:
            rows = claim_named(
                s, worker_id, list(self._ids.values()), now=self.clock(), lease=lease
            )
        try:
            return list(
                await asyncio.gather(
                    *(self._poll_leased(name, rows[i], worker_id, include_disabled, force)
                      for name, i in self._ids.items())
                )
            )  # fmt: skip
        finally:
            with open_session(self.engine) as s:
                release(s, worker_id)  # those a disabled source or a crash left

    async def _poll_leased(
        self, name: str, row: Source, worker_id: str, include_disabled: bool, force: bool
    ) -> PollReport:
        if row.lease_owner != worker_id:
            return PollReport(name, PollStatus.WAITING, error=BEING_POLLED)
        return await self.poll(name, include_disabled=include_disabled, force=force, claimed=row)

    async def poll(
        self,
        name: str,
        *,
        include_disabled: bool = False,
        force: bool = False,
        claimed: Source | None = None,
    ) -> PollReport:
        """Poll one source unless it is disabled or (without ``force``) backing off.

        ``claimed``: the source's row as a claim returned it (``source_leases.claim_due``); its
        lease is cleared with the poll's outcome, or at once if the poll crashed. Two polls of
        one source in this process never overlap: a second call waits for the first.
        """
        lock = self._running.setdefault(name, asyncio.Lock())
        async with lock, self._limit:
            try:
                source = claimed or self.load(name)
                notified = source.notified_health or "ok"
                report = await self._poll(
                    name, include_disabled=include_disabled, force=force, source=source
                )
                return replace(report, notified=notified)
            except Exception as exc:  # a bug must not take the other sources down with it
                log.exception("poll of %s crashed", name)
                if claimed is not None and claimed.lease_owner is not None:
                    with open_session(self.engine) as s:
                        release(s, claimed.lease_owner, [self._ids[name]])
                return PollReport(name, PollStatus.FAILED, error=f"internal error: {exc!r}")

    async def _poll(
        self, name: str, *, include_disabled: bool, force: bool, source: Source
    ) -> PollReport:
        config = self._configs[name]
        now = self.clock()
        if source.disabled_reason is not None:
            if not include_disabled:
                return PollReport(name, PollStatus.DISABLED, disabled_reason=source.disabled_reason)
            with open_session(self.engine) as s:
                row = s.get(Source, self._ids[name])
                assert row is not None
                enable_source(s, row)
                s.commit()
                source = row
        due = self.next_poll_at(name, source)
        if not force and due is not None and now < due:
            return PollReport(name, PollStatus.WAITING, error=source.last_error)
        url, etag, last_modified = source.url, source.etag, source.last_modified
        result = await self.fetcher.fetch(url, etag=etag, last_modified=last_modified)
        if result.outcome is FetchOutcome.NOT_MODIFIED:
            return self._not_modified(config, source, result, now)
        if not result.ok:
            return self._fail(config, now, result.error or str(result.outcome), result)
        if not result.body.strip():
            return self._empty(config, source, result, now)
        if config.kind is SourceKind.TELEGRAM:
            try:
                read = await read_channel(
                    self.fetcher.fetch,
                    result,
                    source.message_cursor,
                    first_poll=source.first_polled_at is None,
                )
            except NoPublicPreviewError as exc:
                return self._fail(config, now, str(exc), result)
            drafts = [make_item(entry, result.final_url, now) for entry in read.entries]
            report = await self._store_in_chunks(config, result, drafts, read.problem, now)
            remember_cursor(self.engine, self._ids[name], read.cursor)
            return report
        if config.kind is SourceKind.PAGE:
            entries, done, problem = await self._read_page(config, result)
            drafts = [make_item(entry, result.final_url, now) for entry in entries]
            return await self._store_in_chunks(config, result, drafts, problem, now, done)
        if config.kind is SourceKind.SITEMAP:
            return await self._poll_sitemap(config, source, result, now)
        loop = asyncio.get_running_loop()
        parsed = await loop.run_in_executor(
            self.executor,
            feed_drafts,
            result.body,
            dict(result.headers),
            result.final_url,
            now,
            self.fast_path,
        )
        if not parsed.is_feed or (parsed.error and not parsed.drafts):
            return self._fail(config, now, parsed.error or "no entries", None)
        return await self._store_in_chunks(config, result, parsed.drafts, parsed.error, now)

    async def _poll_sitemap(
        self, config: SourceConfig, source: Source, result: FetchResult, now: datetime
    ) -> PollReport:
        """A news sitemap's new URLs, their articles read a few per poll (``sitemap_poll``)."""
        source_id = self._ids[config.name]
        read = await self._sitemaps.read(
            result,
            partial(unseen_links, self.engine, source_id),
            first=source.first_polled_at is None,
        )
        if read.error is not None:
            return self._fail(config, now, read.error, None)
        drafts = [make_item(entry, result.final_url, now) for entry in read.entries]
        if not read.keep_validators:  # read the sitemap again next time
            result = replace(result, etag=None, last_modified=None)
        report = await self._store_in_chunks(config, result, drafts, read.problem, now, read.done)
        self._sitemaps.remember(read)
        return report

    async def _read_page(
        self, config: SourceConfig, listing: FetchResult
    ) -> tuple[list[Entry], list[str], str | None]:
        """Find article links on a listing page and fetch each one not fetched before.

        Returns the entries, the listing links done with (stored or permanently useless; they
        are remembered with the items so they are not fetched again) and a warning.
        """
        try:
            links = find_article_links(
                listing.body, listing.headers, listing.final_url, config.selector
            )
        except ValueError as exc:  # a selector the configuration check let through
            return [], [], f"cannot read the listing page: {exc}"
        if not links:
            return [], [], "no article links found on the page"
        source_id = self._ids[config.name]
        keyed = {f"url:{canonical_url(link)}": link for link in links}
        with open_session(self.engine) as s:
            known = known_keys(s, keyed)
            seen = seen_links(s, source_id, [canonical_url(link) for link in links])
        todo = [
            link
            for key, link in keyed.items()
            if key not in known and canonical_url(link) not in seen
        ][:MAX_ARTICLES_PER_PAGE_POLL]
        results = await asyncio.gather(*(self.fetcher.fetch(link) for link in todo))
        entries: list[Entry] = []
        done: list[str] = []
        failures: list[str] = []
        for link, result in zip(todo, results, strict=True):
            if not result.ok:
                failures.append(f"{link}: {result.error}")
                if result.outcome in (FetchOutcome.GONE, FetchOutcome.TOO_LARGE):
                    done.append(canonical_url(link))
                continue
            entry = extract_article(result.body, result.headers, result.final_url)
            done.append(canonical_url(link))
            if entry is None:
                failures.append(f"{link}: no article text found")
            else:
                entries.append(entry)
        problem = None
        if failures:
            problem = f"{len(failures)} of {len(todo)} articles failed (first: {failures[0]})"
        return entries, done, problem

    async def _store_in_chunks(
        self,
        config: SourceConfig,
        result: FetchResult,
        drafts: Sequence[ItemDraft],
        problem: str | None,
        now: datetime,
        page_links: Sequence[str] = (),
    ) -> PollReport:
        """Store a big poll in transactions of ``STORE_CHUNK`` items, yielding to the event loop
        between them: 5,000 new items were one 41 s transaction during which no chat got an
        answer. The source's state (validators, next poll, first poll) is written with the last
        chunk, so a poll cut short is fetched again and its stored items are known by key."""
        if len(drafts) <= STORE_CHUNK:
            return self._store(config, result, drafts, problem, now, page_links)
        stored: list[Item] = []
        backlog = False
        *starts, last = range(0, len(drafts), STORE_CHUNK)
        for start in starts:
            part = self._store(
                config, result, drafts[start : start + STORE_CHUNK], None, now, final=False
            )
            stored.extend(part.new_items)
            backlog = part.backlog
            await asyncio.sleep(0)
        final = self._store(config, result, drafts[last:], problem, now, page_links)
        new = (*stored, *final.new_items)
        return PollReport(
            config.name,
            PollStatus.NEW if new else PollStatus.NO_NEW,
            new_items=new,
            backlog=backlog or final.backlog,
            entries=len(drafts),
            error=problem,
        )

    def _store(
        self,
        config: SourceConfig,
        result: FetchResult,
        drafts: Sequence[ItemDraft],
        problem: str | None,
        now: datetime,
        page_links: Sequence[str] = (),
        *,
        final: bool = True,
    ) -> PollReport:
        next_poll = self._next_regular(config, now)
        with open_session(self.engine) as s:
            source = s.get(Source, self._ids[config.name])
            assert source is not None
            backlog = source.first_polled_at is None
            new = add_items(
                s,
                source.id or 0,
                drafts,
                fetched_at=now,
                backlog=backlog,
            )
            if page_links:
                remember_links(s, source.id or 0, page_links, now)
            if self.on_ingest is not None and new:
                self.on_ingest(s, source, new)
            if not final:
                s.commit()
                return PollReport(config.name, PollStatus.NEW, tuple(new), backlog=backlog)
            source.lease_owner = source.lease_until = None
            record_success(
                s,
                source,
                now=now,
                next_poll_at=next_poll,
                etag=result.etag,
                last_modified=result.last_modified,
                new_url=result.permanent_url,
                salvage_error=problem,
                new_items=len(new),
            )
            s.commit()
        return PollReport(
            config.name,
            PollStatus.NEW if new else PollStatus.NO_NEW,
            new_items=tuple(new),
            backlog=backlog,
            entries=len(drafts),
            error=problem,
        )

    def _next_regular(self, config: SourceConfig, now: datetime) -> datetime:
        interval = self.config.interval_of(config)
        return next_regular_poll(now, interval, self.config.polling.jitter, self.rng.random())

    def _not_modified(
        self,
        config: SourceConfig,
        source: Source,
        result: FetchResult,
        now: datetime,
        *,
        empty: bool = False,
    ) -> PollReport:
        """A 304: one UPDATE of the source's poll times and lease (no row read, nothing
        parsed); ``source`` is the row the poll started from."""
        next_poll = self._next_regular(config, now)
        source.lease_owner = source.lease_until = None
        with open_session(self.engine) as s:
            record_not_modified(
                s,
                source,
                now=now,
                next_poll_at=next_poll,
                etag=None if empty else result.etag,
                last_modified=None if empty else result.last_modified,
                new_url=result.permanent_url,
                delivered=not empty,
            )
            s.commit()
        note = "empty response, treated as not modified" if empty else None
        return PollReport(config.name, PollStatus.NOT_MODIFIED, error=note)

    def _empty(
        self, config: SourceConfig, source: Source, result: FetchResult, now: datetime
    ) -> PollReport:
        """A 200 with no content: what servers send between updates, or while regenerating a
        feed (Miniflux and RSStT read it the same way). Not a failure: no back-off, nothing
        forgotten (docs/faults.md)."""
        log.info("%s: empty response, treated as not modified", config.name)
        return self._not_modified(config, source, result, now, empty=True)

    def _fail(
        self, config: SourceConfig, now: datetime, error: str, result: FetchResult | None
    ) -> PollReport:
        with open_session(self.engine) as s:
            source = s.get(Source, self._ids[config.name])
            assert source is not None
            plan = plan_after_failure(
                now=now,
                failures=source.consecutive_failures + 1,
                interval=self.config.interval_of(config),
                error=error,
                gone=result is not None and result.outcome is FetchOutcome.GONE,
                retry_after=result.retry_after if result is not None else None,
            )
            source.lease_owner = source.lease_until = None
            record_failure(
                s,
                source,
                now=now,
                error=error,
                next_poll_at=plan.next_poll_at,
                disable_reason=plan.disable_reason,
            )
            s.commit()
        log.warning("%s: %s", config.name, error)
        return PollReport(
            config.name,
            PollStatus.FAILED,
            error=error,
            disabled_reason=plan.disable_reason,
            failures=source.consecutive_failures,
        )

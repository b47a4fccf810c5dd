"""One poll of a sitemap source: its new URLs, each article fetched and read, a few per poll.

The poller fetches the source's URL (with its stored validators) and hands a fetched sitemap
here.  An index's newest ``MAX_CHILD_SITEMAPS`` children are fetched, each with the validators
this process got for it before (an unchanged child answers 304 and costs nothing).  The
``MAX_SITEMAP_URLS`` newest URLs that are neither stored nor fetched before are the poll's new
URLs; the newest ``MAX_ARTICLES_PER_SITEMAP_POLL`` of them have their article fetched and
extracted (trafilatura, off the event loop), the rest wait for the next poll: validators are
kept only when a poll read everything, so the next one reads the sitemap again.

Every new URL becomes an item titled from the sitemap (``news:title``; else the article's own).
An article that cannot be fetched or read still gives an item, from the sitemap's title and date
alone (or a title made of its URL's slug), rather than being lost.  On the first poll (the
backlog, never alerted) URLs past the article budget are stored from the sitemap alone too.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import Engine

from marsad.store.engine import session as open_session
from marsad.store.items import known_keys
from marsad.store.page_links import seen_links
from marsad.watchers.feed_entry import Entry
from marsad.watchers.fetch import Fetcher, FetchOutcome, FetchResult
from marsad.watchers.items import canonical_url
from marsad.watchers.pages import extract_article
from marsad.watchers.sitemaps import (
    Sitemap,
    SitemapError,
    SitemapKind,
    SitemapUrl,
    newest_children,
    newest_urls,
    parse_sitemap,
    slug_title,
)

MAX_ARTICLES_PER_SITEMAP_POLL = 30
"""Articles fetched for one sitemap source per poll; the rest wait for the next poll."""
MAX_CHILD_SITEMAPS = 3
"""Children of a sitemap index read per poll: the most recent ones."""
MAX_SITEMAP_URLS = 1000
"""URLs of one poll looked up in the store (Google News sitemaps list at most 1,000)."""
SITEMAP_ACCEPT = "application/xml, text/xml;q=0.9, application/x-gzip;q=0.5, */*;q=0.1"

Unseen = Callable[[list[str]], set[str]]
"""Which of these URLs the source has neither stored nor fetched before."""
Validators = tuple[str | None, str | None]


def unseen_links(engine: Engine, source_id: int, urls: list[str]) -> set[str]:
    """The URLs of ``urls`` that are not stored as items and not remembered as fetched."""
    canonical = {url: canonical_url(url) for url in urls}
    with open_session(engine) as s:
        known = known_keys(s, [f"url:{c}" for c in canonical.values()])
        seen = seen_links(s, source_id, canonical.values())
    return {url for url, c in canonical.items() if f"url:{c}" not in known and c not in seen}


@dataclass(frozen=True)
class SitemapRead:
    """What one poll of a sitemap found."""

    entries: tuple[Entry, ...] = ()
    done: tuple[str, ...] = ()
    """Canonical URLs handled for good (remembered with the items, never fetched again)."""
    problem: str | None = None
    """A warning: articles or child sitemaps that failed."""
    error: str | None = None
    """The sitemap itself could not be read: the poll failed."""
    complete: bool = True
    """Everything new was handled (nothing left for the next poll)."""
    kind: SitemapKind = SitemapKind.URLSET
    validators: tuple[tuple[str, str | None, str | None], ...] = field(default=())
    """Child sitemaps' validators, to remember once the poll is stored."""

    @property
    def keep_validators(self) -> bool:
        """Whether the source's own validators may be stored: a urlset read completely.  An
        index is always read again in full (it may stay unchanged while its children change);
        its children are fetched conditionally."""
        return self.complete and self.kind is SitemapKind.URLSET


def _entry(found: SitemapUrl, article: Entry | None) -> Entry:
    """The item of one sitemap URL: its article's text, the sitemap's title and date first."""
    if article is None:
        return Entry(
            guid=None,
            link=found.url,
            title=found.title or slug_title(found.url),
            summary="",
            text="",
            published=found.when,
        )
    return Entry(
        guid=None,
        link=article.link or found.url,
        title=found.title or article.title,
        summary=article.summary,
        text=article.text,
        published=found.published or article.published or found.modified,
        author=article.author,
    )


class SitemapReader:
    """Reads sitemap sources for one poller; remembers child sitemaps' validators in memory."""

    def __init__(self, fetcher: Fetcher, *, max_articles: int = MAX_ARTICLES_PER_SITEMAP_POLL):
        self.fetcher = fetcher
        self.max_articles = max_articles
        self._validators: dict[str, Validators] = {}

    def remember(self, read: SitemapRead) -> None:
        """Keep the child sitemaps' validators of a poll that was stored."""
        if read.complete:
            for url, etag, last_modified in read.validators:
                self._validators[url] = (etag, last_modified)

    async def read(self, top: FetchResult, unseen: Unseen, *, first: bool) -> SitemapRead:
        """The new articles of a fetched sitemap (see the module's docstring)."""
        max_bytes = self.fetcher.max_bytes
        try:
            sitemap = await asyncio.to_thread(parse_sitemap, top.body, max_bytes=max_bytes)
        except SitemapError as exc:
            return SitemapRead(error=str(exc))
        problems: list[str] = []
        validators: list[tuple[str, str | None, str | None]] = []
        urls = list(sitemap.urls)
        if sitemap.kind is SitemapKind.INDEX:
            if not sitemap.children:
                return SitemapRead(error="sitemap index without any sitemap", kind=sitemap.kind)
            children = newest_children(sitemap.children, MAX_CHILD_SITEMAPS)
            read = await asyncio.gather(*(self._child(c.url) for c in children))
            for url, (child, result, problem) in zip((c.url for c in children), read, strict=True):
                if problem:
                    problems.append(f"{url}: {problem}")
                if result is not None and result.ok:
                    validators.append((url, result.etag, result.last_modified))
                urls.extend(child.urls if child else ())
            if len(problems) == len(children):
                return SitemapRead(error=f"no sitemap of the index could be read ({problems[0]})")
        candidates = newest_urls(urls, MAX_SITEMAP_URLS)
        fresh = await asyncio.to_thread(unseen, [u.url for u in candidates])
        todo = [u for u in candidates if u.url in fresh]
        now, later = todo[: self.max_articles], todo[self.max_articles :]
        entries, failed = await self._articles(now)
        if failed:
            problems.insert(0, f"{len(failed)} of {len(now)} articles failed (first: {failed[0]})")
        if first:  # the backlog: stored from the sitemap alone, not fetched
            entries.extend(_entry(u, None) for u in later)
            now, later = todo, []
        return SitemapRead(
            entries=tuple(entries),
            done=tuple(canonical_url(u.url) for u in now),
            problem="; ".join(problems) or None,
            complete=not later,
            kind=sitemap.kind,
            validators=tuple(validators),
        )

    async def _child(self, url: str) -> tuple[Sitemap | None, FetchResult | None, str | None]:
        etag, last_modified = self._validators.get(url, (None, None))
        result = await self.fetcher.fetch(
            url, etag=etag, last_modified=last_modified, accept=SITEMAP_ACCEPT
        )
        if result.outcome is FetchOutcome.NOT_MODIFIED:
            return None, result, None
        if not result.ok:
            return None, result, result.error or str(result.outcome)
        try:
            child = await asyncio.to_thread(
                parse_sitemap, result.body, max_bytes=self.fetcher.max_bytes
            )
        except SitemapError as exc:
            return None, None, str(exc)
        if child.kind is SitemapKind.INDEX:
            return None, None, "a sitemap index inside an index is not followed"
        return child, result, None

    async def _articles(self, todo: Sequence[SitemapUrl]) -> tuple[list[Entry], list[str]]:
        results = await asyncio.gather(*(self.fetcher.fetch(u.url) for u in todo))
        entries: list[Entry] = []
        failed: list[str] = []
        for found, result in zip(todo, results, strict=True):
            article = None
            if result.ok:
                article = await asyncio.to_thread(
                    extract_article, result.body, result.headers, result.final_url
                )
            if article is None:
                failed.append(f"{found.url}: {result.error or 'no article text found'}")
            entries.append(_entry(found, article))
        return entries, failed

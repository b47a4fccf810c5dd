"""What ``/addsource`` finds at a URL: a feed, a public Telegram channel, a news sitemap or a
listing page, with its latest titles.

The URL is fetched once with the watchers' fetcher (so the address guard refuses an internal
address unless ``[polling] allow_private`` or a configured source's literal address allows it).
A channel's public preview URL (``t.me/s/NAME``) is read as a channel; anything else as a feed
(RSS, Atom, JSON Feed) by the watchers' feed parsing, else as a sitemap (``urlset`` or an index,
whose newest child is fetched for titles), and else as a listing page of article links
(``watchers.pages``), a few of whose articles are fetched for their titles.  Parsing runs in a
worker thread: a big document never blocks the bot's event loop.  Nothing is stored here.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from urllib.parse import urlsplit

from marsad.config import SourceKind, telegram_channel
from marsad.watchers.feeds import Entry, parse_feed
from marsad.watchers.fetch import Fetcher, FetchResult
from marsad.watchers.items import one_line
from marsad.watchers.pages import extract_article, find_article_links
from marsad.watchers.sitemaps import (
    Sitemap,
    SitemapError,
    SitemapKind,
    newest_children,
    newest_urls,
    parse_sitemap,
    slug_title,
)
from marsad.watchers.telegram_channel import NoPublicPreviewError, parse_channel_page

PREVIEW = 5
"""Latest titles shown before an admin adds a source."""
MAX_TITLE = 200
"""A title longer than this is cut in the preview (and in a name derived from it)."""


class Problem(StrEnum):
    """Why a URL cannot become a source."""

    UNREACHABLE = "unreachable"
    """The fetch failed: network, HTTP status, size, time, or a refused internal address."""
    NOT_A_SOURCE = "not-a-source"
    """It answered, but with neither a feed nor a page of readable article links."""


@dataclass(frozen=True)
class Found:
    """A source to offer: how it is read, its own title if it has one, its latest titles."""

    url: str
    kind: SourceKind
    title: str | None
    latest: tuple[str, ...]


@dataclass(frozen=True)
class Failed:
    """A URL that is no source, and the technical reason (as the watchers would store it)."""

    url: str
    problem: Problem
    detail: str


def _cut(text: str) -> str:
    text = one_line(text)
    return text if len(text) <= MAX_TITLE else text[: MAX_TITLE - 1].rstrip() + "…"


def latest_titles(entries: tuple[Entry, ...] | list[Entry]) -> tuple[str, ...]:
    """The titles of the newest entries first (undated ones after, in document order)."""
    oldest = datetime.min.replace(tzinfo=UTC)
    ranked = sorted(
        enumerate(entries),
        key=lambda pair: (pair[1].published is not None, pair[1].published or oldest, -pair[0]),
        reverse=True,
    )
    titles = [_cut(entry.title) for _, entry in ranked if entry.title.strip()]
    return tuple(titles[:PREVIEW])


def host_of(url: str) -> str:
    """The host of ``url`` without ``www.`` (a name of last resort)."""
    host = urlsplit(url).hostname or url
    return host.removeprefix("www.")


async def probe(fetcher: Fetcher, url: str) -> Found | Failed:
    """Fetch ``url`` and read it as a feed, else as a listing page (see the module)."""
    result = await fetcher.fetch(url)
    if not result.ok:
        return Failed(url, Problem.UNREACHABLE, result.error or str(result.outcome))
    if not result.body.strip():
        return Failed(url, Problem.NOT_A_SOURCE, "empty response: the server sent no content")
    if telegram_channel(url) is not None:
        return await asyncio.to_thread(_as_channel, url, result)
    parsed = await asyncio.to_thread(
        parse_feed, result.body, dict(result.headers), result.final_url
    )
    if parsed.is_feed and (parsed.entries or not parsed.error):
        title = _cut(parsed.title) if parsed.title and parsed.title.strip() else None
        return Found(url, SourceKind.FEED, title, latest_titles(parsed.entries))
    if parsed.is_feed:
        return Failed(url, Problem.NOT_A_SOURCE, parsed.error or "a feed without entries")
    sitemap = await _as_sitemap(fetcher, url, result)
    if sitemap is not None:
        return sitemap
    return await _as_page(fetcher, url, result, parsed.error or "not a feed")


def _as_channel(url: str, result: FetchResult) -> Found | Failed:
    """A public channel's preview page: its newest messages first."""
    try:
        page = parse_channel_page(
            result.body, dict(result.headers), url=url, final_url=result.final_url
        )
    except NoPublicPreviewError as exc:
        return Failed(url, Problem.NOT_A_SOURCE, str(exc))
    entries = [m.entry for m in reversed(page.messages) if m.entry is not None]
    titles = tuple(_cut(entry.title) for entry in entries if entry.title.strip())[:PREVIEW]
    return Found(url, SourceKind.TELEGRAM, f"t.me/{page.channel}", titles)


def _read_sitemap(body: bytes) -> Sitemap | None:
    try:
        return parse_sitemap(body)
    except SitemapError:
        return None


async def _as_sitemap(fetcher: Fetcher, url: str, result: FetchResult) -> Found | None:
    """A news sitemap (or an index, read through its newest child); None if it is none."""
    sitemap = await asyncio.to_thread(_read_sitemap, result.body)
    if sitemap is None:
        return None
    if sitemap.kind is SitemapKind.INDEX:
        children = newest_children(sitemap.children, 1)
        child = await fetcher.fetch(children[0].url) if children else None
        read = await asyncio.to_thread(_read_sitemap, child.body) if child and child.ok else None
        sitemap = read if read is not None and read.kind is SitemapKind.URLSET else sitemap
    urls = newest_urls(list(sitemap.urls), PREVIEW)
    titles = tuple(_cut(found.title or slug_title(found.url)) for found in urls)
    return Found(url, SourceKind.SITEMAP, None, titles)


async def _as_page(
    fetcher: Fetcher, url: str, listing: FetchResult, why_not_feed: str
) -> Found | Failed:
    links = await asyncio.to_thread(
        find_article_links, listing.body, dict(listing.headers), listing.final_url, None
    )
    if not links:
        return Failed(url, Problem.NOT_A_SOURCE, f"{why_not_feed}; no article links found on it")
    tried = links[:PREVIEW]
    fetched = await asyncio.gather(*(fetcher.fetch(link) for link in tried))
    entries: list[Entry] = []
    for result in fetched:
        if not result.ok:
            continue
        entry = await asyncio.to_thread(
            extract_article, result.body, dict(result.headers), result.final_url
        )
        if entry is not None:
            entries.append(entry)
    titles = tuple(_cut(entry.title) for entry in entries if entry.title.strip())
    if not titles:
        detail = f"{why_not_feed}; none of its first {len(tried)} article links could be read"
        return Failed(url, Problem.NOT_A_SOURCE, detail)
    return Found(url, SourceKind.PAGE, None, titles)

"""Read sitemaps (sitemaps.org 0.9 with Google's news extension) into URLs with their titles.

A ``<urlset>`` lists articles: each ``<url>`` has a ``<loc>``, maybe a ``<lastmod>`` and maybe a
``<news:news>`` (namespace ``http://www.google.com/schemas/sitemap-news/0.9``) with the title,
the publication date and the publication's language.  A ``<sitemapindex>`` lists other sitemaps.
Elements are matched by local name, so a sitemap with the old or no namespace is read too.

Hostile input is refused with a clear ``SitemapError``, never half-read: entity declarations
(expansion bombs, external entities), a gzip body that inflates past the size cap, nesting or text
nodes past lxml's safe limits (``huge_tree=False``), an HTML page, a feed, malformed XML.  lxml
never resolves entities, loads a DTD or touches the network.  Pure: bytes in.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any
from urllib.parse import unquote, urlsplit

from lxml import etree

from marsad.errors import FetchError
from marsad.watchers.dates import parse_date
from marsad.watchers.items import canonical_url, is_web_url, one_line

NEWS_NAMESPACE = "http://www.google.com/schemas/sitemap-news/0.9"
MAX_URLS = 50_000
"""The protocol's limit per sitemap: entries past it are ignored (and counted)."""

_PARSER = etree.XMLParser(
    resolve_entities=False,
    no_network=True,
    load_dtd=False,
    huge_tree=False,
    recover=False,
    remove_comments=True,
    remove_pis=True,
)
_ENTITY_DECL = re.compile(rb"<!ENTITY\b", re.IGNORECASE)
_HTML_START = re.compile(
    rb"^(?:\s|<\?xml[^>]*\?>|<!--.*?-->)*<(?:!doctype\s+html|html)\b", re.I | re.S
)
_GZIP_MAGIC = b"\x1f\x8b"
_FEED_ROOTS = frozenset({"rss", "feed", "rdf"})
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class SitemapError(FetchError):
    """A sitemap that cannot be read; the message is stored as the source's last error."""


class SitemapKind(StrEnum):
    """What a sitemap document lists."""

    URLSET = "urlset"
    INDEX = "sitemapindex"


@dataclass(frozen=True)
class SitemapUrl:
    """One article a urlset lists, with what its ``<news:news>`` says about it (if anything)."""

    url: str
    title: str = ""
    published: datetime | None = None
    """``news:publication_date``."""
    modified: datetime | None = None
    """``lastmod``."""
    language: str | None = None

    @property
    def when(self) -> datetime | None:
        """The best date the sitemap gives: publication, else last modification."""
        return self.published or self.modified


@dataclass(frozen=True)
class ChildSitemap:
    """One sitemap an index lists."""

    url: str
    modified: datetime | None = None


@dataclass(frozen=True)
class Sitemap:
    """A read sitemap: its kind, and its URLs (a urlset) or child sitemaps (an index)."""

    kind: SitemapKind
    urls: tuple[SitemapUrl, ...] = ()
    children: tuple[ChildSitemap, ...] = ()
    ignored: int = 0
    """Entries without a usable http(s) ``<loc>``, repeated ones, or past ``MAX_URLS``."""


def _local(element: Any) -> str:
    tag = element.tag
    return etree.QName(tag).localname.lower() if isinstance(tag, str) else ""


def _child(element: Any, name: str) -> Any:
    return next((c for c in element if _local(c) == name), None)


def _child_text(element: Any, name: str) -> str:
    child = _child(element, name) if element is not None else None
    return " ".join((child.text or "").split()) if child is not None else ""


def _inflate(body: bytes, max_bytes: int) -> bytes:
    """A ``.xml.gz`` sitemap served as a file (no Content-Encoding), inflated up to the cap."""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        data = inflater.decompress(body, max_bytes + 1)
    except zlib.error as exc:
        raise SitemapError(f"broken sitemap: corrupt gzip data ({exc})") from exc
    if len(data) > max_bytes or inflater.unconsumed_tail:
        raise SitemapError(f"rejected: the gzip sitemap inflates past {max_bytes:,} bytes")
    if not inflater.eof:
        raise SitemapError("broken sitemap: truncated or corrupt gzip data")
    return data


def _root(body: bytes) -> Any:
    if _ENTITY_DECL.search(body):
        raise SitemapError(
            "rejected: DTD entity declarations (entity-expansion or external-entity attack)"
        )
    if _HTML_START.match(body[:4096]):
        raise SitemapError("not a sitemap: the server returned an HTML page")
    try:
        return etree.fromstring(body, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise SitemapError(f"broken sitemap: {exc.msg}") from exc  # the msg says where


def parse_sitemap(body: bytes, *, max_bytes: int = 10_000_000) -> Sitemap:
    """Read a fetched sitemap (plain or gzip-compressed XML); raises ``SitemapError``."""
    if body.startswith(_GZIP_MAGIC):
        body = _inflate(body, max_bytes)
    if not body.strip():
        raise SitemapError("empty sitemap: the server sent no content")
    root = _root(body.removeprefix(b"\xef\xbb\xbf"))
    name = _local(root)
    if name == SitemapKind.URLSET:
        return _urlset(root)
    if name == SitemapKind.INDEX:
        return _index(root)
    if name in _FEED_ROOTS:
        raise SitemapError(f'not a sitemap but a feed (<{name}>): use kind = "feed"')
    if name == "html":
        raise SitemapError("not a sitemap: the server returned an HTML page")
    raise SitemapError(f"not a sitemap: the document's root element is <{name}>")


def _loc(entry: Any) -> str | None:
    loc = _child_text(entry, "loc")
    return loc if loc and is_web_url(loc) else None


def _urlset(root: Any) -> Sitemap:
    urls: list[SitemapUrl] = []
    seen: set[str] = set()
    ignored = 0
    for entry in root:
        if _local(entry) != "url":
            continue
        loc = _loc(entry)
        key = canonical_url(loc) if loc else ""
        if loc is None or key in seen or len(urls) >= MAX_URLS:
            ignored += 1
            continue
        seen.add(key)
        news = _child(entry, "news")
        publication = _child(news, "publication") if news is not None else None
        urls.append(
            SitemapUrl(
                url=loc,
                title=one_line(_child_text(news, "title")),
                published=parse_date(_child_text(news, "publication_date")),
                modified=parse_date(_child_text(entry, "lastmod")),
                language=_child_text(publication, "language") or None,
            )
        )
    return Sitemap(SitemapKind.URLSET, urls=tuple(urls), ignored=ignored)


def _index(root: Any) -> Sitemap:
    children: list[ChildSitemap] = []
    seen: set[str] = set()
    ignored = 0
    for entry in root:
        if _local(entry) != "sitemap":
            continue
        loc = _loc(entry)
        if loc is None or loc in seen or len(children) >= MAX_URLS:
            ignored += 1
            continue
        seen.add(loc)
        children.append(ChildSitemap(loc, parse_date(_child_text(entry, "lastmod"))))
    return Sitemap(SitemapKind.INDEX, children=tuple(children), ignored=ignored)


def newest_children(children: tuple[ChildSitemap, ...], limit: int) -> list[ChildSitemap]:
    """The ``limit`` most recent child sitemaps: by ``lastmod``, newest first; those without one
    after them, the last listed first (numbered archives grow at the end)."""
    dated = [c for c in children if c.modified is not None]
    dated.sort(key=lambda c: c.modified or _EPOCH, reverse=True)
    undated = [c for c in reversed(children) if c.modified is None]
    return [*dated, *undated][:limit]


def newest_urls(urls: list[SitemapUrl], limit: int) -> list[SitemapUrl]:
    """The ``limit`` newest URLs: dated ones newest first, then undated ones in listed order."""
    dated = sorted((u for u in urls if u.when), key=lambda u: u.when or _EPOCH, reverse=True)
    return [*dated, *(u for u in urls if u.when is None)][:limit]


def slug_title(url: str) -> str:
    """A readable title from an article URL's last path segment (``/2026/11/تفكيك-خلية`` →
    ``تفكيك خلية``), for a sitemap entry without a title whose article could not be read;
    the URL itself when the segment holds no words."""
    segments = [s for s in unquote(urlsplit(url).path).split("/") if s]
    stem = re.sub(r"\.(html?|php|aspx?)$", "", segments[-1], flags=re.I) if segments else ""
    words = " ".join(w for w in re.split(r"[-_+\s]+", stem) if w)
    return words if re.search(r"[^\W\d_]{2}", words) else url

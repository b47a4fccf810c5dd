"""Parse fetched feed bytes (RSS 2.0, Atom 1.0, RSS 1.0) into entries, never raising.

Well-formed feeds of a plain shape are read by fastfeedparser (``feed_fast``), everything
else by feedparser, whose lenient parser salvages what it can of broken ones.  Both parsers
only ever see bytes we prepared: decoded with our own charset rules and
re-encoded as UTF-8 with a truthful XML declaration, without a DOCTYPE, so it can
neither fetch anything nor expand entities.  Documents declaring entities are refused
outright (entity-expansion bombs, external entities), and HTML pages served where a
feed was expected are reported as such instead of yielding junk entries.
"""

from __future__ import annotations

import calendar
import html.entities
import io
import re
import time
import xml.sax
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any
from urllib.parse import urljoin

import feedparser

from marsad.watchers.charset import decode_document
from marsad.watchers.dates import parse_date
from marsad.watchers.feed_entry import Entry as Entry
from marsad.watchers.feed_fast import fast_feed
from marsad.watchers.items import one_line
from marsad.watchers.json_feed import looks_like_json, read_json_feed


class Reader(StrEnum):
    """Which parser read a document (benches count them; tests check the fast path is taken)."""

    FAST = "fastfeedparser"
    FEEDPARSER = "feedparser"
    JSON = "json"
    NONE = "none"


@dataclass(frozen=True)
class ParsedFeed:
    """The outcome of parsing one fetched document; ``error`` records what went wrong."""

    entries: tuple[Entry, ...]
    title: str | None
    error: str | None
    is_feed: bool
    reader: Reader = Reader.NONE


_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_DOCTYPE_START = re.compile(r"<!DOCTYPE\b", re.IGNORECASE)
_ENTITY_DECL = re.compile(r"<!ENTITY\b", re.IGNORECASE)
_INERT = re.compile(r"<!\[CDATA\[.*?\]\]>|<!--.*?-->", re.DOTALL)
_PROLOG_SKIP = re.compile(r"\s+|<\?.*?\?>|<!--.*?-->", re.DOTALL)
_ROOT = re.compile(r"<([A-Za-z_][\w.\-]*(?::[\w.\-]+)?)")
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_NAMED_ENTITY = re.compile(r"&([A-Za-z][A-Za-z0-9]{1,31});")
_XML_ENTITIES = frozenset({"amp", "lt", "gt", "quot", "apos"})
_FEED_LINK = re.compile(
    r"<link\b[^>]*type=[\"']application/(?:rss|atom)\+xml[\"'][^>]*>", re.IGNORECASE
)
_FEED_ROOTS = frozenset({"rss", "feed", "rdf:rdf", "channel"})
_XML_START = re.compile(r"<\?xml\b|<(?:rss|feed|rdf:RDF)\b")
_HREF = re.compile(r"href=[\"']([^\"']+)[\"']", re.IGNORECASE)


def _header(headers: Mapping[str, str], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name:
            return value
    return None


def _prolog_end(text: str) -> int:
    """Index where the root element starts, skipping declarations, comments and the DOCTYPE."""
    pos = 0
    while pos < len(text):
        skip = _PROLOG_SKIP.match(text, pos)
        if skip:
            pos = skip.end()
            continue
        if _DOCTYPE_START.match(text, pos):
            pos = _doctype_end(text, pos)
            continue
        return pos
    return pos


def _doctype_end(text: str, start: int) -> int:
    """End of the DOCTYPE starting at ``start``, including any internal subset in brackets."""
    depth = 0
    quote: str | None = None
    for i in range(start, len(text)):
        char = text[i]
        if quote:
            if char == quote:
                quote = None
        elif char in "\"'":
            quote = char
        elif char == "[":
            depth += 1
        elif char == "]":
            depth = max(0, depth - 1)
        elif char == ">" and depth == 0:
            return i + 1
    return len(text)


def _declares_entities(text: str) -> bool:
    """True when the document declares entities anywhere outside CDATA and comments.

    Not only in a well-formed prolog: a broken one must not smuggle a declaration past
    this check to a lenient parser.
    """
    if not _ENTITY_DECL.search(text):
        return False
    return bool(_ENTITY_DECL.search(_INERT.sub("", text)))


def _root_name(text: str) -> str | None:
    match = _ROOT.match(text, _prolog_end(text))
    return match.group(1).lower() if match else None


def _html_error(text: str, base: str) -> str:
    message = "not a feed: the server returned an HTML page"
    for tag in _FEED_LINK.findall(text[:65536]):
        href = _HREF.search(tag)
        if href:
            return f"{message} (it advertises a feed at {urljoin(base, href.group(1))})"
    return message


def _entity_to_reference(match: re.Match[str]) -> str:
    """HTML named entities are undefined in XML: write them as character references."""
    name = match.group(1)
    if name in _XML_ENTITIES:
        return match.group(0)
    value = html.entities.html5.get(name + ";")
    if value is None:
        return match.group(0)
    return "".join(f"&#{ord(c)};" for c in value)


def _blank_keeping_lines(text: str) -> str:
    return "\n" * text.count("\n")


def _prepare_xml(text: str) -> bytes:
    """UTF-8 bytes with a truthful declaration, no DOCTYPE and no XML-illegal characters.

    Line numbers are preserved so that parse errors point at the original document.
    """
    root = _prolog_end(text)
    prolog = _DECLARATION.sub("", text[:root], count=1)
    prolog = re.sub(
        r"<!DOCTYPE\b.*",
        lambda m: _blank_keeping_lines(m.group(0)),
        prolog,
        flags=re.IGNORECASE | re.DOTALL,
    )
    body = _NAMED_ENTITY.sub(_entity_to_reference, text[root:])
    document = '<?xml version="1.0" encoding="utf-8"?>' + prolog + body
    return _XML_ILLEGAL.sub("", document).encode("utf-8", errors="replace")


def _to_datetime(value: Any) -> datetime | None:
    if not isinstance(value, time.struct_time):
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(value), tz=UTC)
    except (OverflowError, ValueError, OSError):
        return None


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _entry(raw: Any) -> Entry:
    contents = [_text(c.get("value")) for c in raw.get("content", []) or []]
    summary = _text(raw.get("summary"))
    text = max(contents, key=len) if contents else ""
    published = None
    for field in ("published_parsed", "updated_parsed", "created_parsed"):
        # dict.get: feedparser's own lookup aliases missing dates with a deprecation warning
        published = _to_datetime(dict.get(raw, field))
        if published is not None:
            break
    if published is None:  # dates feedparser cannot read (Arabic or French month names...)
        for field in ("published", "updated", "created"):
            published = parse_date(_text(dict.get(raw, field)))
            if published is not None:
                break
    guid = _text(raw.get("id")).strip() or None
    # FeedBurner's link is a tracking redirect; origLink is the article itself.
    link = _text(raw.get("feedburner_origlink")).strip() or _text(raw.get("link")).strip() or None
    author = _text(raw.get("author")).strip() or None
    return Entry(
        guid=guid,
        link=link,
        title=_text(raw.get("title")),
        summary=summary,
        text=text,
        published=published,
        author=author,
    )


def _unique(entries: list[Entry]) -> tuple[Entry, ...]:
    """Drop repeated guids (and repeated links of guid-less entries), keeping the first."""
    seen: set[str] = set()
    kept: list[Entry] = []
    for entry in entries:
        marker = f"guid:{entry.guid}" if entry.guid else f"link:{entry.link}" if entry.link else ""
        if marker and marker in seen:
            continue
        if marker:
            seen.add(marker)
        kept.append(entry)
    return tuple(kept)


def _describe(exc: BaseException | None) -> str:
    if isinstance(exc, xml.sax.SAXParseException):
        return f"line {exc.getLineNumber()}: {exc.getMessage()}"
    return str(exc) if exc is not None else "unknown problem"


def _failed(error: str, *, is_feed: bool = False) -> ParsedFeed:
    return ParsedFeed(entries=(), title=None, error=error, is_feed=is_feed)


def _json_feed(text: str, url: str) -> ParsedFeed:
    """A JSON Feed (jsonfeed.org, versions 1 and 1.1; ``json_feed``); other JSON is not a feed."""
    feed = read_json_feed(text, url)
    return ParsedFeed(
        entries=_unique(list(feed.entries)),
        title=one_line(feed.title) or None,
        error=feed.error,
        is_feed=feed.is_feed,
        reader=Reader.JSON if feed.is_feed else Reader.NONE,
    )


def parse_feed(
    body: bytes, headers: Mapping[str, str], url: str, *, fast_path: bool = True
) -> ParsedFeed:
    """Parse one fetched feed; problems are recorded in ``error``, never raised.

    fastfeedparser reads it when it can vouch for the result (``feed_fast``), feedparser
    otherwise; ``fast_path=False`` asks feedparser alone (the benches' and tests' baseline).
    """
    try:
        return _parse(body, headers, url, fast_path=fast_path)
    except Exception as exc:  # a parser bug must cost one source one poll, not the service
        return _failed(f"could not parse the feed: {type(exc).__name__}: {exc}")


def _parse(body: bytes, headers: Mapping[str, str], url: str, *, fast_path: bool) -> ParsedFeed:
    if not body.strip():
        return _failed("empty response: the server sent no content")
    text, _encoding = decode_document(body, _header(headers, "content-type"))
    text = text.removeprefix("\ufeff")
    if looks_like_json(text, _header(headers, "content-type")):
        return _json_feed(text.lstrip(), url)
    if _declares_entities(text):
        return _failed(
            "rejected: DTD entity declarations (entity-expansion or external-entity attack)"
        )
    notes: list[str] = []
    if _root_name(text) not in _FEED_ROOTS and not text.lstrip().startswith("<?xml"):
        start = _XML_START.search(text, 0, 4096)
        if start and start.start() > 0:  # e.g. a PHP warning printed before the feed
            junk = " ".join(text[: start.start()].split())
            notes.append(f"ignored text before the XML: {junk[:60]!r}")
            text = text[start.start() :]
    name = _root_name(text)
    if name == "html" or (name is None and re.match(r"\s*<!doctype\s+html", text, re.I)):
        return _failed(_html_error(text, url))
    if name is None:
        stripped = text.lstrip()
        kind = "JSON" if stripped.startswith("[") else "plain text"
        return _failed(f"not a feed: the server returned {kind}, not XML")
    data = _prepare_xml(text)
    fast = fast_feed(data, url) if fast_path else None
    if fast is not None and fast.entries:
        return ParsedFeed(
            entries=_unique(list(fast.entries)),
            title=one_line(fast.title) or None,
            error="; ".join(notes) or None,
            is_feed=True,
            reader=Reader.FAST,
        )
    result = feedparser.parse(
        io.BytesIO(data),
        response_headers={
            "content-type": "application/xml; charset=utf-8",
            "content-location": url,
            "content-language": _header(headers, "content-language") or "",
        },
        sanitize_html=False,
        resolve_relative_uris=False,
    )
    entries = _unique([_entry(raw) for raw in result.entries])
    title = one_line(_text(result.feed.get("title"))) or None
    is_feed = bool(result.get("version")) or bool(entries)
    if not is_feed:
        return _failed(f"not a feed: the document's root element is <{name}>")
    if result.get("bozo"):
        n = len(entries)
        notes.append(
            f"malformed XML ({_describe(result.get('bozo_exception'))}); "
            f"{n} {'entry' if n == 1 else 'entries'} salvaged"
        )
    error = "; ".join(notes) or None
    return ParsedFeed(
        entries=entries, title=title, error=error, is_feed=True, reader=Reader.FEEDPARSER
    )

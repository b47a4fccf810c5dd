"""What a feed document really holds, entry by entry, for the fast path (``feed_fast``).

A strict lxml pass over the prepared bytes records, per entry, the facts fastfeedparser's
result hides (whether there was a guid, a description, a content, a date element) and refuses
any entry of a shape whose mapping is not known to give feedparser's values (docs/parsing.md,
"Two parsers").  Also feedparser's own readings of text and URIs, which the mapping imitates.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache
from typing import Any
from urllib.parse import urljoin

from lxml import etree

ATOM = "{http://www.w3.org/2005/Atom}"
RSS1 = "{http://purl.org/rss/1.0/}"
RDF = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"
DC = "{http://purl.org/dc/elements/1.1/}"
CONTENT = "{http://purl.org/rss/1.0/modules/content/}"

# Local names fastfeedparser reads by name in any namespace (its first occurrence wins):
# one of them under another name than ours below means its value may not be ours.
_READ_BY_NAME = frozenset(
    {
        "guid",
        "id",
        "title",
        "description",
        "summary",
        "link",
        "pubdate",
        "published",
        "issued",
        "date",
        "lastbuilddate",
        "updated",
        "modified",
        "created",
        "author",
        "creator",
        "origlink",  # feedparser prefers FeedBurner's original link; fastfeedparser ignores it
    }
)
_DATE_NAMES = frozenset(
    {"pubdate", "published", "issued", "date", "updated", "modified", "created", "lastbuilddate"}
)


@dataclass(frozen=True)
class _Shape:
    """The element names one kind of entry may use for each field, and nothing else."""

    guid: frozenset[str]
    link: str
    title: str
    summary: str
    content: frozenset[str]
    dates: frozenset[str]
    authors: frozenset[str]
    repeatable: frozenset[str]
    refused: frozenset[str] = frozenset({"content"})
    """Elements one parser reads and the other does not (an RSS item's bare ``<content>``)."""


_RSS2 = _Shape(
    guid=frozenset({"guid"}),
    link="link",
    title="title",
    summary="description",
    content=frozenset({CONTENT + "encoded"}),
    dates=frozenset({"pubDate", DC + "date"}),
    authors=frozenset({"author", DC + "creator"}),
    repeatable=frozenset(),
)
_RSS1 = _Shape(
    guid=frozenset(),  # the item's rdf:about
    link=RSS1 + "link",
    title=RSS1 + "title",
    summary=RSS1 + "description",
    content=frozenset(),
    dates=frozenset({DC + "date"}),
    authors=frozenset({DC + "creator"}),
    repeatable=frozenset(),
    refused=frozenset({CONTENT + "encoded"}),  # fastfeedparser skips it in RSS 1.0
)
_ATOM = _Shape(
    guid=frozenset({ATOM + "id"}),
    link=ATOM + "link",
    title=ATOM + "title",
    summary=ATOM + "summary",
    content=frozenset({ATOM + "content"}),
    dates=frozenset({ATOM + "published", ATOM + "updated"}),
    authors=frozenset({ATOM + "author"}),
    repeatable=frozenset({ATOM + "link"}),
)

# Date spellings both parsers read to the same instant (tests/watchers/test_feed_fast.py):
# RFC 822 with an English month and a numeric or common zone, and ISO 8601 with a zone.
# Anything else (Arabic or French month names, day-first numbers...) goes to feedparser and
# our own ``dates.parse_date``.
_RFC822 = re.compile(
    r"(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), )?\d{1,2} "
    r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} "
    r"(?:[+-]\d{4}|GMT|UT|UTC|Z)"
)
_ISO8601 = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?(?:Z|[+-]\d{2}:\d{2})")


def plain_date(value: str) -> bool:
    """True when ``value`` is a date spelling that both parsers read the same way."""
    text = value.strip()
    return bool(_RFC822.fullmatch(text) or _ISO8601.fullmatch(text))


@dataclass(frozen=True)
class EntryFacts:
    """What one entry of the document really holds (not what a parser filled in)."""

    guid: str | None
    """The entry's own id as feedparser reads it (``_guid``): ``<guid>42</guid>`` in a feed at
    ``https://site/feed/`` is ``https://site/feed/42``; None when there is none."""
    has_summary: bool
    """Whether it has a description (Atom: summary) element, even an empty one: without one,
    feedparser's summary is the content."""
    summary_blank: bool
    has_content: bool
    has_date: bool
    """Whether the entry has a date element: fastfeedparser also reads a date out of a guid
    such as ``20250304``, which feedparser does not."""
    link_is_guid: bool = False
    """An Atom entry without links: feedparser takes its id as the link."""
    author: str | None = None
    """An Atom entry's author as feedparser writes it (with the email); None: fastfeedparser's."""


_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, recover=False
)


def _has_text(element: Any) -> bool:
    return bool(element is not None and (element.text or "").strip())


_LINE_SEPARATORS = re.compile(b"\xe2\x80[\xa8\xa9]")
_URI_FIXER = re.compile(r"^([A-Za-z][A-Za-z0-9+-.]*://)(/*)(.*?)")


def resolve(base: str, uri: str) -> str:
    """feedparser's ``_urljoin``: slashes after ``scheme://`` squeezed, an unjoinable URI
    (a bad IPv6 host) read as empty."""
    try:
        return urljoin(base, _URI_FIXER.sub(r"\1\3", uri))
    except ValueError:
        return ""


def _guid(item: Any, shape: _Shape, seen: dict[str, Any], url: str) -> str | None:
    """The entry's id as feedparser reads it: RSS 1.0's rdf:about as written; an RSS 2.0
    permalink guid and any Atom id resolved against the feed's address like a link."""
    if shape is _RSS1:
        return str(item.get(RDF + "about") or "").strip() or None
    element = next((seen[tag] for tag in shape.guid if tag in seen), None)
    if element is None:
        return None
    value = as_feedparser_text(str(element.text or "").strip())
    if value and (shape is _ATOM or element.get("isPermaLink") != "false"):
        value = resolve(url, value)
    return value.strip() or None


class _Role(Enum):
    """What an entry's child element is to the fast mapping."""

    IGNORED = "ignored"  # neither parser reads it into an entry field we use
    REFUSED = "refused"  # the two read it differently: the feed goes to feedparser
    FIELD = "field"
    DATE = "date"


@lru_cache(maxsize=4096)
def _role(shape: _Shape, tag: str) -> _Role:
    if tag in shape.refused:
        return _Role.REFUSED
    known = (
        tag in shape.guid
        or tag in (shape.link, shape.title, shape.summary)
        or tag in shape.content
        or tag in shape.dates
        or tag in shape.authors
    )
    local = tag.rsplit("}", 1)[-1].lower()
    if not known:
        # e.g. media:title, which fastfeedparser may read as the title
        return _Role.REFUSED if local in _READ_BY_NAME else _Role.IGNORED
    return _Role.DATE if local in _DATE_NAMES else _Role.FIELD


_ATOM_TEXT_TYPES = frozenset({None, "text", "html", "text/plain", "text/html"})
"""Atom text constructs both read alike; XHTML, base64 (``mode``), out-of-line ``src`` are not."""


def _plain_field(child: Any, shape: _Shape, tag: str) -> bool:
    """True when a field element holds plain text both parsers read alike."""
    if tag in shape.authors:
        return True  # an Atom author has its name inside; an RSS author is text
    if len(child):
        return False  # inline markup inside a title or a description: feedparser serialises it
    if shape is _ATOM and tag != ATOM + "link":
        return child.get("type") in _ATOM_TEXT_TYPES and not (child.get("mode") or child.get("src"))
    return True


def _atom_author(element: Any) -> str | None:
    """feedparser's reading of an Atom author: ``name (email)``; None when it has no name."""
    name = element.findtext(ATOM + "name")
    if not name or not name.strip():
        return None
    email = (element.findtext(ATOM + "email") or "").strip()
    return f"{name.strip()} ({email})" if email else name.strip()


def _atom_links_ok(item: Any) -> bool:
    """At most one alternate link, and none of another kind without an alternate one
    (feedparser's link is the alternate one, fastfeedparser's the first of any kind)."""
    rels = [link.get("rel", "alternate") for link in item.iterfind(ATOM + "link")]
    alternates = rels.count("alternate")
    return alternates == 1 or not rels


def _facts(item: Any, shape: _Shape, url: str) -> EntryFacts | None:
    """The entry's facts, or None when it holds anything the fast mapping is not sure of."""
    seen: dict[str, Any] = {}
    for child in item:
        tag = child.tag
        if not isinstance(tag, str):  # comments, processing instructions
            continue
        role = _role(shape, tag)
        if role is _Role.IGNORED:
            continue
        if role is _Role.REFUSED or (tag in seen and tag not in shape.repeatable):
            return None
        if role is _Role.DATE and not plain_date(child.text or ""):
            return None
        if not _plain_field(child, shape, tag):
            return None
        seen.setdefault(tag, child)
    if shape is _RSS2 and seen.get(shape.link) is None:
        return None  # feedparser takes a permalink guid as the link, fastfeedparser any guid
    author = None
    if shape is _ATOM:
        if not _atom_links_ok(item):
            return None
        if ATOM + "author" in seen:
            author = _atom_author(seen[ATOM + "author"])
            if author is None:
                return None
    guid = _guid(item, shape, seen, url)
    return EntryFacts(
        guid=guid,
        has_summary=shape.summary in seen,
        summary_blank=not _has_text(seen.get(shape.summary)),
        has_content=any(tag in seen for tag in shape.content),
        has_date=any(tag in seen for tag in shape.dates),
        link_is_guid=shape is _ATOM and shape.link not in seen,
        author=author,
    )


def _entries_and_shape(root: Any) -> tuple[list[Any], _Shape] | None:
    if root.tag == "rss":
        channel = root.find("channel")
        return (list(channel.iterfind("item")), _RSS2) if channel is not None else None
    if root.tag == RDF + "RDF":
        return list(root.iterfind(RSS1 + "item")), _RSS1
    if root.tag == ATOM + "feed":
        return list(root.iterfind(ATOM + "entry")), _ATOM
    return None


def document_facts(data: bytes, url: str) -> list[EntryFacts] | None:
    """Facts of every entry of a well-formed RSS 2.0, RSS 1.0 or Atom 1.0 document, or None
    when the document is malformed, of another kind, or holds an entry of an unsure shape."""
    if b"xml:base" in data:
        return None  # feedparser resolves links and ids against it, fastfeedparser does not
    if _LINE_SEPARATORS.search(data):
        return None  # fastfeedparser turns U+2028 and U+2029 into newlines, feedparser keeps them
    try:
        root = etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError:
        return None
    found = _entries_and_shape(root)
    if found is None:
        return None
    items, shape = found
    facts = [_facts(item, shape, url) for item in items]
    if any(fact is None for fact in facts):
        return None
    return [fact for fact in facts if fact is not None]


# feedparser maps C1 controls to the windows-1252 characters they stand for (its _cp1252).
_CP1252 = {
    code: bytes([code]).decode("cp1252")
    for code in range(0x80, 0xA0)
    if code not in (0x81, 0x8D, 0x8F, 0x90, 0x9D)
}

_C1 = re.compile("[\x80-\x9f]")


def as_feedparser_text(value: str) -> str:
    """An element's text as feedparser hands it over: UTF-8 that was read as Latin-1 repaired
    (``Ã©`` → ``é``), C1 controls mapped to their windows-1252 characters."""
    if value.isascii():
        return value
    with contextlib.suppress(UnicodeEncodeError, UnicodeDecodeError):
        value = value.encode("iso-8859-1").decode("utf-8")
    # translate() with a dict looks up every character: only pay for it when a C1 control is
    # there (rare; ~0.4 ms per feed of Arabic articles otherwise).
    return value.translate(_CP1252) if _C1.search(value) else value

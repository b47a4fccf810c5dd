"""JSON Feed 1.0 and 1.1 (https://jsonfeed.org/version/1.1) into the same entries as RSS and Atom.

``feeds.parse_feed`` hands a document here when its body is a JSON object, or when the server
called it JSON (``application/feed+json``, ``application/json``) and it is not markup.  Any JSON
that is not a JSON Feed (no jsonfeed.org ``version``), malformed JSON or JSON nested too deeply to
read is a clear error, the way a broken RSS feed is.  Pure: text in, entries out.

Versions: 1.0 gives an item one ``author`` object, 1.1 a list of ``authors``; both are read, and an
item without its own author takes the feed's.  ``date_published`` is the date, ``date_modified``
stands in when it is missing.  ``language`` (1.1) is not read: items carry no language in the store
(docs/watchers.md, "JSON Feed").
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

from marsad.watchers.dates import parse_date
from marsad.watchers.feed_entry import Entry

_VERSION = re.compile(r"^https?://(?:www\.)?jsonfeed\.org/version/\d+(?:\.\d+)?/?$")
_JSON_TYPE = re.compile(r"^\s*application/(?:[\w.+-]+\+)?json\b", re.IGNORECASE)


@dataclass(frozen=True)
class JsonFeed:
    """One read JSON document: a feed's title and entries, or why it is not a usable feed."""

    entries: tuple[Entry, ...]
    title: str
    error: str | None
    is_feed: bool


def looks_like_json(text: str, content_type: str | None) -> bool:
    """True when a fetched body is to be read as JSON: it is a JSON object, or the server
    says JSON and the body is not markup (an HTML error page stays an HTML page)."""
    stripped = text.lstrip()
    if stripped.startswith("{"):
        return True
    return bool(content_type and _JSON_TYPE.match(content_type)) and not stripped.startswith("<")


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _names(raw: Mapping[str, Any]) -> list[str]:
    """Author names of an item or of the feed: 1.1's ``authors`` list, else 1.0's ``author``."""
    authors = raw.get("authors")
    if not isinstance(authors, list):
        single = raw.get("author")
        authors = [single] if isinstance(single, dict) else []
    return [
        " ".join(a["name"].split())
        for a in authors
        if isinstance(a, dict) and isinstance(a.get("name"), str) and a["name"].strip()
    ]


def _id(raw: Mapping[str, Any]) -> str | None:
    value = raw.get("id")
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return None  # 1.0 allowed numbers; objects and lists are no ids
    return str(value).strip() or None


def _entry(raw: Any, url: str, feed_authors: list[str]) -> Entry | None:
    if not isinstance(raw, dict):
        return None
    link = _text(raw.get("url")).strip() or _text(raw.get("external_url")).strip()
    contents = [_text(raw.get("content_html")), _text(raw.get("content_text"))]
    names = _names(raw) or feed_authors
    published = parse_date(_text(raw.get("date_published"))) or parse_date(
        _text(raw.get("date_modified"))
    )
    return Entry(
        guid=_id(raw),
        link=urljoin(url, link) if link else None,
        title=_text(raw.get("title")),
        summary=_text(raw.get("summary")),
        text=max(contents, key=len),
        published=published,
        author=", ".join(names) or None,
    )


def read_json_feed(text: str, url: str) -> JsonFeed:
    """Read a JSON Feed; problems are recorded in ``error``, never raised."""
    try:
        data = json.loads(text)
    except RecursionError:
        return _failed("not a feed: the server returned JSON nested too deeply to read")
    except ValueError as exc:
        return _failed(f"not a feed: the server returned malformed JSON ({exc})")
    if not isinstance(data, dict) or not _VERSION.match(_text(data.get("version")).strip()):
        return _failed("not a feed: the server returned JSON that is not a JSON Feed")
    items = data.get("items")
    feed_authors = _names(data)
    raw_items = items if isinstance(items, list) else []
    entries = tuple(
        entry for entry in (_entry(raw, url, feed_authors) for raw in raw_items) if entry
    )
    return JsonFeed(
        entries=entries,
        title=_text(data.get("title")),
        error=None if isinstance(items, list) else "JSON Feed without an items list",
        is_feed=True,
    )


def _failed(error: str) -> JsonFeed:
    return JsonFeed(entries=(), title="", error=error, is_feed=False)

"""Read and write OPML subscription lists: the feeds an operator moves between Marsad and a reader.

Reading is listparser's (it knows OPML's variants); the file is first parsed by the standard
library's XML parser, so a damaged file is refused with its line and column instead of being
half read, and re-encoded as UTF-8 with a declaration, because listparser's lenient parser
reads a file without one as Latin-1 (Arabic titles came out as mojibake). Writing is the
standard library's ElementTree, which does all the escaping.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import urlsplit

import listparser

from marsad.errors import MarsadError

OPML_SPEC = "http://opml.org/spec2.opml"


class OpmlError(MarsadError):
    """An OPML file that cannot be read, or that lists no feed; the message names the file."""


class Unused(StrEnum):
    """Why an outline of the file is not a feed to import."""

    SUBSCRIPTION_LIST = "a link to another subscription list, not a feed"
    WEB_PAGE = "a web page without a feed URL (htmlUrl only)"
    NOT_HTTP = "not an http(s) URL"
    REPEATED = "listed again in the same file"


@dataclass(frozen=True)
class OpmlFeed:
    """One feed of an OPML file: its title (may be empty), URL and enclosing categories."""

    title: str
    url: str
    categories: tuple[tuple[str, ...], ...] = ()


@dataclass(frozen=True)
class OpmlOutline:
    """An outline of the file that is not imported, and why."""

    title: str
    url: str
    why: Unused


@dataclass(frozen=True)
class OpmlList:
    """What an OPML file holds: its feeds, in file order, and the outlines that are not feeds."""

    title: str
    feeds: tuple[OpmlFeed, ...]
    unused: tuple[OpmlOutline, ...]


def _parse_xml(path: Path, data: bytes) -> ET.Element:
    """The document element of ``data``, which must be well-formed XML rooted at <opml>."""
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        line, column = exc.position
        reason = str(exc).split(":", 1)[0]  # "not well-formed (invalid token): line 3, ..."
        raise OpmlError(f"{path}:{line}:{column + 1}: not a readable OPML file: {reason}") from None
    if _local(root.tag) != "opml":
        raise OpmlError(f"{path}: not an OPML file (its root element is <{_local(root.tag)}>)")
    return root


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1].lower()


def _repeated_urls(root: ET.Element) -> Counter[str]:
    """How often each feed URL appears in the file (listparser keeps one of each silently)."""
    counts: Counter[str] = Counter()
    for element in root.iter():
        if _local(element.tag) != "outline":
            continue
        attributes = {_local(key): value for key, value in element.attrib.items()}
        url = attributes.get("xmlurl", "").strip()
        if url:
            counts[url] += 1
    return counts


def _http(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)


def _categories(entry: Any) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(str(part) for part in path) for path in entry.get("categories", []))


def read_opml(path: Path) -> OpmlList:
    """The feeds listed in the OPML file ``path``; OpmlError (naming the file) when it cannot be
    read or lists no feed, so a caller writes nothing."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise OpmlError(f"{path}: cannot read the file: {exc.strerror or exc}") from None
    root = _parse_xml(path, data)
    parsed = listparser.parse(ET.tostring(root, encoding="utf-8", xml_declaration=True))
    if parsed.bozo:
        raise OpmlError(f"{path}: not a readable OPML file: {parsed.bozo_exception}")
    feeds: list[OpmlFeed] = []
    unused: list[OpmlOutline] = []
    for entry in parsed.feeds:
        url, title = str(entry.url).strip(), str(entry.title).strip()
        if _http(url):
            feeds.append(OpmlFeed(title, url, _categories(entry)))
        else:
            unused.append(OpmlOutline(title, url, Unused.NOT_HTTP))
    for entry in parsed.lists:
        unused.append(OpmlOutline(str(entry.title), str(entry.url), Unused.SUBSCRIPTION_LIST))
    for entry in parsed.opportunities:
        unused.append(OpmlOutline(str(entry.title), str(entry.url), Unused.WEB_PAGE))
    for url, count in _repeated_urls(root).items():
        title = next((feed.title for feed in feeds if feed.url == url), "")
        unused.extend(OpmlOutline(title, url, Unused.REPEATED) for _ in range(count - 1))
    if not feeds:
        raise OpmlError(f"{path}: the file lists no feed (no outline with an http(s) xmlUrl)")
    return OpmlList(str(parsed.meta.get("title", "")), tuple(feeds), tuple(unused))


@dataclass(frozen=True)
class ExportedFeed:
    """One source as an OPML outline."""

    name: str
    url: str


def write_opml(out: BinaryIO, feeds: Iterable[ExportedFeed], *, title: str, now: datetime) -> None:
    """Write an OPML 2.0 document listing ``feeds`` (UTF-8) to ``out``."""
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = title
    ET.SubElement(head, "dateCreated").text = format_datetime(now, usegmt=True)
    ET.SubElement(head, "docs").text = OPML_SPEC
    body = ET.SubElement(root, "body")
    for feed in feeds:
        ET.SubElement(body, "outline", type="rss", text=feed.name, title=feed.name, xmlUrl=feed.url)
    tree = ET.ElementTree(root)
    ET.indent(tree)
    tree.write(out, encoding="utf-8", xml_declaration=True)
    out.write(b"\n")

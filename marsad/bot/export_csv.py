"""``/export``'s file: one CSV row per link of each story, as a spreadsheet opens it.

Columns: the story's id, when the story was first seen and when this link was published (ISO
8601 with the configured zone's offset), the link's title, outlet and URL, what it matched (the
subscription or query the story was exported for, then the rules and ``@entities`` ingest
stored for the link), and the highest severity of the rules its story matched (empty when it
matched no rule).  UTF-8 with a byte-order mark, so Excel reads Arabic as Arabic; written by
the ``csv`` module (quotes, commas and newlines in titles are escaped).  A lone item (stored
outside any story) is a story of its own with an empty story id.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo

from sqlmodel import Session, col, select

from marsad.matching.rulefile import Rule, Severity
from marsad.store.matches import MatchKind, matches_of
from marsad.store.stories import Story
from marsad.store.tables import Item, Source

HEADER = ("story_id", "first_seen", "published", "title", "outlet", "url", "matched", "severity")
CHUNK = 500
_RANK = {Severity.LOW: 0, Severity.NORMAL: 1, Severity.HIGH: 2}


@dataclass(frozen=True)
class Wanted:
    """A story to export (its key: story id, or a lone item's negated id) and why."""

    key: int
    label: str


@dataclass(frozen=True)
class Link:
    """One CSV row (``key``: its story's, as ``Wanted`` names it)."""

    key: int
    story_id: int | None
    first_seen: datetime
    published: datetime
    title: str
    outlet: str
    url: str
    matched: tuple[str, ...]
    severity: Severity | None


def links(
    session: Session, wanted: Sequence[Wanted], rules: Mapping[str, Rule], most: int
) -> list[Link]:
    """The links of the wanted stories, in their order, each story's first published first;
    at most ``most`` rows (a story is cut in the middle only when the limit falls there)."""
    found: list[Link] = []
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start : start + CHUNK]
        found.extend(_chunk(session, chunk, rules))
        if len(found) >= most:
            break
    return found[:most]


def _chunk(session: Session, wanted: Sequence[Wanted], rules: Mapping[str, Rule]) -> list[Link]:
    stories = {w.key for w in wanted if w.key > 0}
    lone = [-w.key for w in wanted if w.key < 0]
    statement = (
        select(Item, Source.name)
        .join(Source, col(Source.id) == col(Item.source_id))
        .where(col(Item.story_id).in_(sorted(stories)) | col(Item.id).in_(lone))
        .order_by(col(Item.published_at), col(Item.id))
    )
    members: dict[int, list[tuple[Item, str]]] = {}
    for item, outlet in session.exec(statement).all():
        key = item.story_id if item.story_id in stories else -(item.id or 0)
        members.setdefault(key or 0, []).append((item, outlet))
    firsts = {
        story_id or 0: first
        for story_id, first in session.exec(
            select(Story.id, Story.first_seen).where(col(Story.id).in_(sorted(stories)))
        ).all()
    }
    matched = matches_of(session, [item.id or 0 for rows in members.values() for item, _ in rows])
    out: list[Link] = []
    for want in wanted:
        rows = members.get(want.key, [])
        if not rows:
            continue
        keys = [matched.get(item.id or 0, {}) for item, _ in rows]
        severity = _highest(rules, [r for k in keys for r in k.get(MatchKind.RULE, [])])
        first = firsts.get(want.key, rows[0][0].published_at)
        for (item, outlet), kinds in zip(rows, keys, strict=True):
            said = [
                *kinds.get(MatchKind.RULE, []),
                *(f"@{e}" for e in kinds.get(MatchKind.ENTITY, [])),
            ]
            out.append(
                Link(
                    key=want.key,
                    story_id=want.key if want.key > 0 else None,
                    first_seen=first,
                    published=item.published_at,
                    title=item.title,
                    outlet=outlet,
                    url=item.url,
                    matched=tuple(dict.fromkeys([want.label, *said])),
                    severity=severity,
                )
            )
    return out


def _highest(rules: Mapping[str, Rule], matched: Sequence[str]) -> Severity | None:
    known = [rules[r].severity for r in matched if r in rules]
    return max(known, key=_RANK.__getitem__) if known else None


def to_csv(rows: Sequence[Link], tz: tzinfo) -> bytes:
    """The rows as CSV bytes: UTF-8 with a BOM, CRLF line ends (RFC 4180, as Excel writes)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    for row in rows:
        writer.writerow(
            (
                "" if row.story_id is None else row.story_id,
                _iso(row.first_seen, tz),
                _iso(row.published, tz),
                row.title,
                row.outlet,
                row.url,
                "; ".join(row.matched),
                row.severity.value if row.severity is not None else "",
            )
        )
    return buffer.getvalue().encode("utf-8-sig")


def _iso(moment: datetime, tz: tzinfo) -> str:
    return moment.astimezone(tz).isoformat(timespec="seconds")

"""One entry of a feed or one extracted article, as both feed parsers and page extraction
hand it to ``items.make_item``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Entry:
    """One entry of a feed or one extracted article, as published (text may hold HTML)."""

    guid: str | None
    link: str | None
    title: str
    summary: str
    text: str
    published: datetime | None  # aware UTC, None when missing or unparseable
    author: str | None = None

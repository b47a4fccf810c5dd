"""Article links already fetched from a page source's listing, so each is fetched once.

An article's own canonical link (which identifies the stored item) may differ from the link
on the listing page; remembering the listing links themselves keeps a page source from
fetching the same article again on every poll.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Column, ForeignKey, Integer, UniqueConstraint
from sqlmodel import Field, Session, SQLModel, col, select

from marsad.store.timeutil import UTCDateTime


class PageLink(SQLModel, table=True):
    """A listing link of one page source that was fetched (successfully or for good)."""

    __tablename__ = "page_links"
    __table_args__ = (UniqueConstraint("source_id", "url", name="uq_page_links"),)

    id: int | None = Field(default=None, primary_key=True)
    source_id: int = Field(
        sa_column=Column(Integer, ForeignKey("sources.id", ondelete="CASCADE"), nullable=False)
    )
    url: str = Field(max_length=2000)
    fetched_at: datetime = Field(sa_type=UTCDateTime)


def seen_links(session: Session, source_id: int, urls: Iterable[str]) -> set[str]:
    """Which of ``urls`` this source has fetched before."""
    wanted = list(dict.fromkeys(urls))
    seen: set[str] = set()
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        seen.update(
            session.exec(
                select(PageLink.url).where(
                    PageLink.source_id == source_id, col(PageLink.url).in_(chunk)
                )
            ).all()
        )
    return seen


def remember_links(session: Session, source_id: int, urls: Iterable[str], now: datetime) -> None:
    """Record listing links as fetched (call in the transaction that stores their items)."""
    known = seen_links(session, source_id, urls)
    for url in dict.fromkeys(urls):
        if url not in known:
            session.add(PageLink(source_id=source_id, url=url, fetched_at=now))

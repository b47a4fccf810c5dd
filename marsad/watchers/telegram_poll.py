"""One poll of a public Telegram channel: the newest preview page, then older pages back to
where the last poll stopped (the source's message cursor), at most ``MAX_PAGES_PER_POLL``.

The cursor is the id up to which every message has been read.  The newest page shows the last
20 or so messages; when its lowest id is above cursor + 1, messages were posted in between
(after downtime, or a busy hour): the poll pages back with ``?before=ID`` until it reaches the
cursor.  Paging that fails keeps the cursor where it was, so the next poll tries again; paging
cut by the bound moves the cursor on and says what was skipped (docs/watchers.md).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy import Engine, update
from sqlmodel import col

from marsad.store.engine import session as open_session
from marsad.store.tables import Source
from marsad.watchers.feed_entry import Entry
from marsad.watchers.fetch import FetchResult
from marsad.watchers.telegram_channel import (
    ChannelPage,
    NoPublicPreviewError,
    older_page_url,
    parse_channel_page,
)

MAX_PAGES_PER_POLL = 5
"""Preview pages read in one poll (the newest and up to four older ones, ~100 messages)."""

Fetch = Callable[[str], Awaitable[FetchResult]]


@dataclass(frozen=True)
class ChannelRead:
    """What one poll of a channel read."""

    entries: tuple[Entry, ...]
    """The messages with something to read, oldest first."""
    cursor: int | None
    """The cursor to store after the items are stored; None: keep the stored one."""
    pages: int
    problem: str | None = None
    """A warning for the poll report: a gap left (partly) unread."""


def _page(result: FetchResult) -> ChannelPage:
    return parse_channel_page(
        result.body, result.headers, url=result.requested_url, final_url=result.final_url
    )


async def read_channel(
    fetch: Fetch,
    newest: FetchResult,
    cursor: int | None,
    *,
    first_poll: bool,
    max_pages: int = MAX_PAGES_PER_POLL,
) -> ChannelRead:
    """Read the newest page (fetched already) and the older pages a gap needs.

    The first poll of a channel reads its newest page only: that is its backlog, never
    alerted.  Raises ``NoPublicPreviewError`` when the newest page is no public preview.
    """
    pages = [_page(newest)]
    problem: str | None = None
    keep_cursor = False
    if not first_poll and cursor is not None:
        base = newest.final_url
        while (lowest := pages[-1].lowest) is not None and lowest > cursor + 1:
            if len(pages) >= max_pages:
                problem = (
                    f"messages {cursor + 1}–{lowest - 1} were not read: a gap of more than "
                    f"{max_pages} pages since the last poll (at most {max_pages} per poll)"
                )
                break
            url = older_page_url(base, lowest)
            result = await fetch(url)
            try:
                older = _page(result) if result.ok and result.body.strip() else None
            except NoPublicPreviewError:
                older = None
            if older is None:
                why = result.error or "no messages on the page"
                problem = f"could not read older messages ({url}: {why}); will retry next poll"
                keep_cursor = True
                break
            if older.lowest is None or older.lowest >= lowest:
                break  # nothing older: the channel begins here
            pages.append(older)
    by_id = {m.id: m for page in pages for m in page.messages}
    entries = tuple(m.entry for _, m in sorted(by_id.items()) if m.entry is not None)
    highest = max(by_id, default=None)
    if keep_cursor or highest is None:
        new_cursor = None
    else:
        new_cursor = highest if first_poll or cursor is None else max(cursor, highest)
    return ChannelRead(entries, new_cursor, len(pages), problem)


def remember_cursor(engine: Engine, source_id: int, cursor: int | None) -> None:
    """Store how far the channel has been read (after its items are stored: a crash in
    between reads the gap again, and the items already stored are known by key)."""
    if cursor is None:
        return
    with open_session(engine) as s:
        statement = update(Source).where(col(Source.id) == source_id)
        s.connection().execute(statement.values(message_cursor=cursor))
        s.commit()

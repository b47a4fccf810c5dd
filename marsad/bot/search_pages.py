"""Recent searches, kept in memory so their pages can be turned with buttons.

A page button's callback data (at most 64 bytes) names a search by a short random id and a
page number; the query, its period and its progress stay here.  The map is bounded three ways:
a search is forgotten an hour after it was made (``TTL``), the oldest ones go beyond
``MAX_SEARCHES``, and beyond ``MAX_HELD`` candidate item ids in all (a search of a common word
over a month holds tens of thousands).  A forgotten search's page says so and suggests
searching again; so does one made by another process (the bot's leader changed).
"""

from __future__ import annotations

import secrets
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta

from marsad.bot.archive_search import Found

TTL = timedelta(hours=1)
MAX_SEARCHES = 64
MAX_HELD = 400_000
PAGE_SIZE = 8
"""Stories per page: eight titles with their lines stay well under a screen."""


@dataclass
class Search:
    """One search a chat made: where, when, and what was found so far."""

    ident: int
    chat_id: int
    made: datetime
    found: Found


class SearchPages:
    """The bounded map of recent searches (one per bot process)."""

    def __init__(
        self, *, ttl: timedelta = TTL, most: int = MAX_SEARCHES, held: int = MAX_HELD
    ) -> None:
        self._searches: OrderedDict[int, Search] = OrderedDict()
        self.ttl = ttl
        self.most = most
        self.held = held

    def __len__(self) -> int:
        return len(self._searches)

    def add(self, chat_id: int, found: Found, now: datetime) -> Search:
        """Keep a new search; returns it with its id (a random positive 31-bit number)."""
        ident = secrets.randbelow(2**31 - 2) + 1
        while ident in self._searches:
            ident = secrets.randbelow(2**31 - 2) + 1
        search = Search(ident, chat_id, now, found)
        self._searches[ident] = search
        self._trim(now)
        return search

    def get(self, ident: int, chat_id: int, now: datetime) -> Search | None:
        """The search ``ident`` of ``chat_id`` if it is still kept (another chat's: None)."""
        self._trim(now)
        search = self._searches.get(ident)
        if search is None or search.chat_id != chat_id:
            return None
        return search

    def _trim(self, now: datetime) -> None:
        for ident, search in list(self._searches.items()):
            if now - search.made > self.ttl:
                del self._searches[ident]
        total = sum(search.found.held for search in self._searches.values())
        while len(self._searches) > 1 and (len(self._searches) > self.most or total > self.held):
            _, oldest = self._searches.popitem(last=False)
            total -= oldest.found.held


def pages(count: int) -> int:
    """How many pages ``count`` results fill (at least one)."""
    return max(1, -(-count // PAGE_SIZE))

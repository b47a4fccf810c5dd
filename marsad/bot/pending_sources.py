"""Sources ``/addsource`` offered and an admin has not yet added or cancelled.

The add and cancel buttons carry a short random id of the offer (``addsrc:<id>:add|no``); the
URL, the name and the kind stay here, in this process, for ``TTL`` (at most ``MOST`` offers, the
oldest forgotten first).  An offer is taken once: a second press, a press after ``TTL``, one in
another chat or after the bot's leader changed finds nothing and says so; nothing is added.
"""

from __future__ import annotations

import secrets
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta

from marsad.config import SourceKind

TTL = timedelta(minutes=30)
MOST = 32


@dataclass(frozen=True)
class Offer:
    """A source offered to be added: where, by whom, and what it is."""

    ident: int
    chat_id: int
    user_id: int
    name: str
    url: str
    kind: SourceKind
    made: datetime


class PendingSources:
    """The bounded map of open offers (one per bot process)."""

    def __init__(self, *, ttl: timedelta = TTL, most: int = MOST) -> None:
        self._offers: OrderedDict[int, Offer] = OrderedDict()
        self.ttl = ttl
        self.most = most

    def __len__(self) -> int:
        return len(self._offers)

    def offer(
        self, chat_id: int, user_id: int, name: str, url: str, kind: SourceKind, now: datetime
    ) -> Offer:
        """Keep a new offer; returns it with its id (a random positive 31-bit number)."""
        ident = secrets.randbelow(2**31 - 2) + 1
        while ident in self._offers:
            ident = secrets.randbelow(2**31 - 2) + 1
        offer = Offer(ident, chat_id, user_id, name, url, kind, now)
        self._offers[ident] = offer
        self._trim(now)
        return offer

    def take(self, ident: int, chat_id: int, now: datetime) -> Offer | None:
        """The offer ``ident`` made in ``chat_id``, removed; None if gone or another chat's."""
        self._trim(now)
        offer = self._offers.get(ident)
        if offer is None or offer.chat_id != chat_id:
            return None
        del self._offers[ident]
        return offer

    def _trim(self, now: datetime) -> None:
        for ident, offer in list(self._offers.items()):
            if now - offer.made > self.ttl:
                del self._offers[ident]
        while len(self._offers) > self.most:
            self._offers.popitem(last=False)

"""Texts offered for a subscription, kept server-side for their buttons (``offer:<id>``).

Callback data holds at most 64 bytes, so the offered text stays here, keyed by a random id (so a
button from before a restart never finds another chat's offer).  In memory, bounded
(``MAX_OFFERS``, the oldest go first) and expiring (``EXPIRY``): a press on a lost or late offer
is told so.  In a deployment of several processes only the one answering updates keeps them; a
handover loses them like a restart does.
"""

from __future__ import annotations

import secrets
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

MAX_OFFERS = 1024
EXPIRY = timedelta(hours=1)
MAX_ID = 2**31 - 1


@dataclass(frozen=True)
class Offer:
    chat_id: int
    text: str
    at: datetime


@dataclass
class Offers:
    """Recent offers: id → (chat, text, when offered)."""

    max_offers: int = MAX_OFFERS
    expiry: timedelta = EXPIRY
    _offers: OrderedDict[int, Offer] = field(default_factory=OrderedDict)

    def put(self, chat_id: int, text: str, now: datetime) -> int:
        """Keep ``text`` offered to ``chat_id``; its id for the button."""
        ident = secrets.randbelow(MAX_ID) + 1
        while ident in self._offers:
            ident = secrets.randbelow(MAX_ID) + 1
        self._offers[ident] = Offer(chat_id, text, now)
        while len(self._offers) > self.max_offers:
            self._offers.popitem(last=False)
        return ident

    def get(self, ident: int, chat_id: int, now: datetime) -> str | None:
        """The text offered to ``chat_id`` as ``ident``; None when unknown, expired or not
        this chat's."""
        offer = self._offers.get(ident)
        if offer is None or offer.chat_id != chat_id:
            return None
        if now - offer.at > self.expiry:
            del self._offers[ident]
            return None
        return offer.text

    def __len__(self) -> int:
        return len(self._offers)

"""Every table module of the store, imported together: the schema migrations must produce."""

from __future__ import annotations

from sqlmodel import SQLModel

from marsad.store import (
    chat_access,
    chats,
    delivery,
    matches,
    page_links,
    spikes,
    stories,
    tables,
)

METADATA = SQLModel.metadata

__all__ = [
    "METADATA",
    "chat_access",
    "chats",
    "delivery",
    "matches",
    "page_links",
    "spikes",
    "stories",
    "tables",
]

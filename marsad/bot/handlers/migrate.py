"""A group upgraded to a supergroup gets a new chat id: its settings, subscriptions and queue move.

Telegram announces it with a service message in the old group (``migrate_to_chat_id``) and in
the new supergroup (``migrate_from_chat_id``); whichever arrives first moves the chat, the other
finds nothing left to move.
"""

from __future__ import annotations

import logging

from telegram import Update

from marsad.bot.delivery.outbox import migrate_chat
from marsad.bot.handlers.common import Context, services
from marsad.store.chats import move_chat

log = logging.getLogger(__name__)


async def on_migrate(update: Update, context: Context) -> None:
    message = update.effective_message
    if message is None:
        return
    if message.migrate_to_chat_id:
        old, new = message.chat_id, message.migrate_to_chat_id
    elif message.migrate_from_chat_id:
        old, new = message.migrate_from_chat_id, message.chat_id
    else:
        return
    svc = services(context)
    with svc.session() as s:
        move_chat(s, old, new)
        moved = migrate_chat(s, old, new)
        s.commit()
    log.info("chat %s migrated to %s (%d queued messages moved)", old, new, moved)

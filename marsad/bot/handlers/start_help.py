"""``/start`` and ``/help``: register the chat and explain the commands with examples.

``/start`` also resumes a chat whose alerts were paused because Telegram refused a send (403):
a person writing to the bot again wants its alerts again (a ``/mute`` stays until ``/resume``).
"""

from __future__ import annotations

from marsad.bot.delivery.outbox import resume_chat
from marsad.bot.handlers.common import Reply, Request, Services
from marsad.bot.handlers.texts import Say, say


async def start(services: Services, request: Request) -> Reply:
    """Register (done by the wrapper), resume delivery, and greet with the help text."""
    with services.session() as s:
        resume_chat(s, request.chat_id, now=services.clock())
        s.commit()
    return Reply.of(say(request.language, Say.WELCOME) + "\n\n" + say(request.language, Say.HELP))


async def help_(services: Services, request: Request) -> Reply:
    return Reply.of(say(request.language, Say.HELP))

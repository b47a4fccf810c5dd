"""``/mute [DURATION]`` and ``/resume``: pause this chat's alerts (by default until ``/resume``).

A muted chat gets no alerts and no scheduled digest; ``/digest`` still answers on demand.
Alerts for stories that arrive while muted are not sent later (a pause, not a delay).
"""

from __future__ import annotations

from datetime import timedelta

from marsad.bot.handlers.common import Reply, Request, Services, esc
from marsad.bot.handlers.texts import Say, say
from marsad.bot.i18n import t, when
from marsad.store.chats import FOREVER, get_chat
from marsad.units import parse_duration


async def mute(services: Services, request: Request) -> Reply:
    language = request.language
    now = services.clock()
    if request.args:
        try:
            duration = parse_duration(request.args.split()[0])
        except ValueError:
            return Reply.of(say(language, Say.BAD_DURATION, value=esc(request.args)))
        if duration <= timedelta(0):
            value = f"<code>{esc(request.args.split()[0])}</code>"
            return Reply.of(
                t(
                    language,
                    "A pause must last longer than {value}; write e.g. 30m or 2h.",
                    value=value,
                )
            )
        until = now + duration
    else:
        until = FOREVER
    with services.session() as s:
        chat = get_chat(s, request.chat_id)
        assert chat is not None
        chat.muted_until = until
        s.add(chat)
        s.commit()
    if until == FOREVER:
        return Reply.of(say(language, Say.MUTED_FOREVER))
    shown = when(language, until, services.config.tz, "d MMM y HH:mm")
    return Reply.of(say(language, Say.MUTED_UNTIL, until=esc(shown)))


async def resume(services: Services, request: Request) -> Reply:
    with services.session() as s:
        chat = get_chat(s, request.chat_id)
        assert chat is not None
        if not chat.muted(services.clock()):
            return Reply.of(t(request.language, "Alerts were not paused; nothing to resume."))
        chat.muted_until = None
        s.add(chat)
        s.commit()
    return Reply.of(say(request.language, Say.RESUMED))

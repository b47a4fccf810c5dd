"""``/start`` and ``/help``: register the chat and explain the commands with examples.

The help lists every command a chat can use, in three groups: follow (subscriptions), read
(digests, search, export) and settings (options, quiet hours, silence, mute, language).  The
person typing sees a fourth group, the admin commands, when they are one of the bot's admins
(``[telegram] admins``, checked as the admin commands check it), in any chat, since those
commands work in any chat.  Each language's help stays one Telegram message;
``tests/bot/test_help.py`` checks that, and that it names exactly the commands of ``COMMANDS``.

``/start`` also resumes a chat whose alerts were paused because Telegram refused a send (403):
a person writing to the bot again wants its alerts again (a ``/mute`` stays until ``/resume``).
"""

from __future__ import annotations

from marsad.bot.delivery.outbox import resume_chat
from marsad.bot.handlers import search, spike_subscribe, trend
from marsad.bot.handlers.common import Reply, Request, Services
from marsad.bot.handlers.texts import Say, say
from marsad.bot.i18n import t
from marsad.store.chats import Language


def follow_lines(language: Language) -> str:
    return _follow(language) + "\n" + spike_subscribe.help_line(language)


def _follow(language: Language) -> str:
    return t(
        language,
        "<b>Follow</b>\n"
        "/subscribe <i>QUERY</i> — follow a rule, an entity or a query:\n"
        "  <code>/subscribe ma-eu-security-cooperation</code>\n"
        "  <code>/subscribe @hammouchi</code>\n"
        "  <code>/subscribe حموشي AND إسبانيا</code>\n"
        '  <code>/subscribe "Hammouchi" NEAR/5 Spain</code>\n'
        "/list — this chat's subscriptions, numbered, with ⚙ buttons for their options\n"
        "/unsubscribe <i>N</i> — stop following subscription N (or <code>all</code>)\n"
        "/rules — the rules and entities you can follow",
    )


def read_lines(language: Language) -> str:
    digest = t(
        language,
        "<b>Read</b>\n"
        "/digest [<i>PERIOD</i>] [<i>QUERY</i>] — a digest, e.g. <code>/digest 7d</code> or "
        "<code>/digest 24h @spain</code>",
    )
    return digest + "\n" + search.help_lines(language) + "\n" + trend.help_line(language)


def settings_lines(language: Language) -> str:
    return t(
        language,
        "<b>Settings</b> (in a group, its admins)\n"
        "/options [<i>N</i>] — the options of subscription N: <code>severity</code>, "
        "<code>sources</code>, <code>lang</code>, <code>mode</code> or <code>reset</code>, "
        "e.g. <code>/options 1 severity high</code>\n"
        "/quiet <i>HH:MM-HH:MM</i>|off — quiet hours: alerts are held until they end\n"
        "/silent on|off — alerts without a notification sound\n"
        "/digest time 07:30 — daily digest time; <code>/digest off</code> stops it\n"
        "/mute [<i>DURATION</i>] — pause alerts (<code>/mute 2h</code>); /resume to restart\n"
        "/lang ar|en|fr — this chat's language\n"
        "/help — this message (/start shows it too)",
    )


def operators_line(language: Language) -> str:
    return t(language, 'Operators: AND, OR, NOT, parentheses, "exact phrase", NEAR/5, @entity.')


def admin_lines(language: Language) -> str:
    return t(
        language,
        "<b>Bot admins</b>\n"
        "/status — sources, queue and undelivered messages\n"
        "/sources [<i>PAGE</i>] — every source and its state, ten to a page\n"
        "/addsource <i>URL</i> [<i>NAME</i>] — preview a feed or page, then add it\n"
        "/enable <i>NAME</i> — poll a source again\n"
        "/disable <i>NAME</i> — stop polling a source\n"
        "/allow [<i>CHAT_ID</i>] — let a chat use the bot; alone, list the decisions\n"
        "/deny <i>CHAT_ID</i> — refuse a chat's commands and alerts",
    )


def help_text(language: Language, *, admin: bool) -> str:
    """The help in ``language``: the chat's commands by group, then the admins' when ``admin``."""
    parts = [
        say(language, Say.HELP),
        follow_lines(language),
        read_lines(language),
        settings_lines(language),
        operators_line(language),
    ]
    if admin:
        parts.append(admin_lines(language))
    return "\n\n".join(parts)


def _for(services: Services, request: Request) -> str:
    return help_text(request.language, admin=services.policy.is_admin(request.user_id))


async def start(services: Services, request: Request) -> Reply:
    """Register (done by the wrapper), resume delivery, and greet with the help text."""
    with services.session() as s:
        resume_chat(s, request.chat_id, now=services.clock())
        s.commit()
    return Reply.of(say(request.language, Say.WELCOME) + "\n\n" + _for(services, request))


async def help_(services: Services, request: Request) -> Reply:
    return Reply.of(_for(services, request))

"""The bot's standing messages, written in English and translated through the gettext catalogs.

``say(language, Say.X, **values)`` is ``t(language, "<the English text of X>", **values)``: the
table below only names messages several handlers share.  Its texts are marked with ``N_`` (one
form) or ``Np_`` (a singular and a plural, chosen by the ``count`` value through the language's
CLDR rules), so Babel extracts them like ``t``/``tn`` calls (``tests/bot/test_catalogs.py``).
The Arabic and French texts are in ``marsad/bot/locale/{ar,fr}/LC_MESSAGES/core.po``.
Values are inserted as given: callers escape them for HTML first.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from marsad.bot.i18n import t, tn
from marsad.store.chats import Language


@dataclass(frozen=True)
class Message:
    """A message as written in the code: its English text, and its plural when it counts."""

    singular: str
    plural: str | None = None


def N_(message: str) -> Message:  # noqa: N802 - gettext's name for "mark for extraction"
    """Mark ``message`` for extraction; it is translated when said."""
    return Message(message)


def Np_(singular: str, plural: str) -> Message:  # noqa: N802
    """Mark a counted message (``{n}`` is the count) for extraction."""
    return Message(singular, plural)


class Say(StrEnum):
    """Keys of the bot's shared messages."""

    HELP = "help"
    WELCOME = "welcome"
    REFUSED = "refused"
    ADMIN_ONLY = "admin_only"
    SUBSCRIBE_USAGE = "subscribe_usage"
    SUBSCRIBED = "subscribed"
    ALREADY = "already"
    BAD_QUERY = "bad_query"
    WOULD_HAVE = "would_have"
    UNSUBSCRIBE_USAGE = "unsubscribe_usage"
    UNSUBSCRIBED = "unsubscribed"
    NO_SUCH = "no_such"
    LIST_EMPTY = "list_empty"
    LIST_HEAD = "list_head"
    MUTED_MARK = "muted_mark"
    RULES_HEAD = "rules_head"
    ENTITIES_HEAD = "entities_head"
    MUTED_UNTIL = "muted_until"
    MUTED_FOREVER = "muted_forever"
    RESUMED = "resumed"
    BAD_DURATION = "bad_duration"
    DIGEST_EMPTY = "digest_empty"
    DIGEST_HEAD = "digest_head"
    DIGEST_NO_SUBS = "digest_no_subs"
    DIGEST_TIME_SET = "digest_time_set"
    DIGEST_OFF = "digest_off"
    DIGEST_USAGE = "digest_usage"
    STATUS_HEAD = "status_head"
    SUB_MUTED = "sub_muted"
    SUB_GONE = "sub_gone"
    SUB_UNMUTED = "sub_unmuted"
    FAILED = "failed"
    WORDS = "words"
    OTHER_SOURCES = "other_sources"
    NO_OTHER_SOURCES = "no_other_sources"
    KIND_RULE = "kind_rule"
    KIND_ENTITY = "kind_entity"
    KIND_QUERY = "kind_query"


_MESSAGES: dict[Say, Message] = {
    Say.HELP: N_(
        "<b>Marsad</b> watches the news and sends one alert per story matching your "
        "subscriptions, with its sources."
    ),
    Say.WELCOME: N_("Welcome! This chat is registered."),
    Say.REFUSED: N_(
        "Sorry, this bot is not available in this chat. Ask its administrator to allow "
        "chat id <code>{chat_id}</code>."
    ),
    Say.ADMIN_ONLY: N_("Sorry, this command is for administrators only."),
    Say.SUBSCRIBE_USAGE: N_(
        "Write what to follow after the command, e.g.\n<code>/subscribe @hammouchi</code>\n"
        "<code>/subscribe حموشي AND إسبانيا</code>\nSee /rules for the list."
    ),
    Say.SUBSCRIBED: N_("Subscribed as {number}: {what}"),
    Say.ALREADY: N_("Already subscribed as {number}."),
    Say.BAD_QUERY: N_("I could not read that query:"),
    Say.WOULD_HAVE: Np_(
        "It would have matched {n} story in the last 7 days.",
        "It would have matched {n} stories in the last 7 days.",
    ),
    Say.UNSUBSCRIBE_USAGE: N_(
        "Give the subscription number from /list, e.g. "
        "<code>/unsubscribe 2</code>, or <code>/unsubscribe all</code>."
    ),
    Say.UNSUBSCRIBED: N_("Removed: {what}"),
    Say.NO_SUCH: N_("No subscription number {number}; see /list"),
    Say.LIST_EMPTY: N_("No subscriptions yet. Start with /subscribe or see /rules"),
    Say.LIST_HEAD: N_("This chat's subscriptions:"),
    Say.MUTED_MARK: N_("(muted)"),
    Say.RULES_HEAD: N_("Rules (<code>/subscribe ID</code>):"),
    Say.ENTITIES_HEAD: N_("Entities (<code>/subscribe @ID</code>):"),
    Say.MUTED_UNTIL: N_("Alerts paused until {until}. /resume to restart them."),
    Say.MUTED_FOREVER: N_("Alerts paused until you send /resume"),
    Say.RESUMED: N_("Alerts resumed."),
    Say.BAD_DURATION: N_("I could not read the duration {value}; write e.g. 30m, 2h or 1d."),
    Say.DIGEST_EMPTY: N_("No matching stories since {since}."),
    Say.DIGEST_HEAD: Np_(
        "Digest since {since} ({n} story):", "Digest since {since} ({n} stories):"
    ),
    Say.DIGEST_NO_SUBS: N_(
        "This chat has no subscriptions; give a query: <code>/digest 24h @hammouchi</code>"
    ),
    Say.DIGEST_TIME_SET: N_("The daily digest will come at {time}."),
    Say.DIGEST_OFF: N_("Daily digest stopped. <code>/digest time 08:00</code> brings it back."),
    Say.DIGEST_USAGE: N_(
        "E.g. <code>/digest 24h</code>, <code>/digest time 07:30</code> or <code>/digest off</code>"
    ),
    Say.STATUS_HEAD: N_("Sources ({count}) at {time}:"),
    Say.SUB_MUTED: N_("Muted subscription {number}: {what}\nThe same /subscribe brings it back."),
    Say.SUB_GONE: N_("That subscription no longer exists."),
    Say.SUB_UNMUTED: N_("Subscription {number} is active again."),
    Say.WORDS: N_("words: "),
    Say.FAILED: N_("Sorry, that did not work just now. Please try again in a moment."),
    Say.OTHER_SOURCES: N_("Other sources for this story:"),
    Say.NO_OTHER_SOURCES: N_("No other sources for this story yet."),
    Say.KIND_RULE: N_("rule"),
    Say.KIND_ENTITY: N_("entity"),
    Say.KIND_QUERY: N_("query"),
}


def say(language: Language, key: Say, **values: object) -> str:
    """The message ``key`` in ``language`` with ``values`` filled in (already escaped).

    A counted message takes its count from ``count`` (an int)."""
    message = _MESSAGES[key]
    if message.plural is None:
        return t(language, message.singular, **values)
    count = values.pop("count")
    assert isinstance(count, int)
    return tn(language, message.singular, message.plural, count, **values)

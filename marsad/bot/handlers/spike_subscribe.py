"""``/subscribe spikes @entity`` and ``/subscribe spikes RULE_ID``: follow an entity's or a rule's
spikes (``spike_alerts``), not its stories.

The subscription's kind is ``spikes`` and its target ``entity:ID`` or ``rule:ID``.  An unknown
entity or rule gets "did you mean" (the closest ids, ``difflib`` ratio ≥ 0.6) and subscribes to
nothing; subscribing again to a muted one un-mutes it, as ``/subscribe`` does.
"""

from __future__ import annotations

import difflib
import logging
from collections.abc import Iterable

from marsad.bot.handlers.common import Reply, Request, Services, esc
from marsad.bot.handlers.texts import Say, say
from marsad.bot.i18n import join, number, t, tn
from marsad.bot.spike_alerts import parse_target, spike_target, target_title
from marsad.matching.engine import Matcher
from marsad.store.chats import (
    Language,
    SubscriptionKind,
    add_subscription,
    find_subscription,
    get_chat,
)
from marsad.store.spikes import SpikeTarget

log = logging.getLogger(__name__)

WORD = "spikes"
"""The first word of ``/subscribe spikes …``."""
SUGGESTIONS = 3
CUTOFF = 0.6


def wants_spikes(args: str) -> bool:
    """Whether a ``/subscribe`` argument asks for spikes (``spikes`` then a target, or alone)."""
    words = args.split()
    return bool(words) and words[0].lower() == WORD and len(words) <= 2


def spikes_label(target: str, language: Language, matcher: Matcher | None = None) -> str:
    """How ``/list`` shows a spikes subscription: "spikes of <code>@hammouchi</code> — title"."""
    try:
        kind, ident = parse_target(target)
    except ValueError:
        return t(language, "spikes of {what}", what=f"<code>{esc(target)}</code>")
    shown = f"@{ident}" if kind is SpikeTarget.ENTITY else ident
    what = f"<code>{esc(shown)}</code>"
    if matcher is not None:
        known = matcher.entities if kind is SpikeTarget.ENTITY else matcher.rules
        if ident in known:
            what += f" — {esc(target_title(matcher, kind, ident, language))}"
    return t(language, "spikes of {what}", what=what)


def _close(word: str, known: Iterable[str]) -> list[str]:
    return difflib.get_close_matches(word, sorted(known), n=SUGGESTIONS, cutoff=CUTOFF)


def _unknown(matcher: Matcher, word: str, language: Language) -> str:
    """ "There is no entity @x. Did you mean …?" (or a rule), pointing to /rules without one."""
    entity = word.startswith("@")
    ident = word[1:].lower() if entity else word
    close = _close(ident, matcher.entities if entity else matcher.rules)
    shown = f"<code>{esc(word)}</code>"
    if close:
        options = join(
            language,
            [f"<code>/subscribe spikes {'@' if entity else ''}{esc(c)}</code>" for c in close],
            "or",
        )
        if entity:
            return t(
                language,
                "There is no entity {word}. Did you mean {options}?",
                word=shown,
                options=options,
            )
        return t(
            language,
            "There is no rule {word}. Did you mean {options}?",
            word=shown,
            options=options,
        )
    if entity:
        return t(language, "There is no entity {word}; see /rules.", word=shown)
    return t(language, "There is no rule {word}; see /rules.", word=shown)


def target_of(matcher: Matcher, word: str) -> str | None:
    """The subscription target ``word`` names (``@entity`` or a rule id); None if unknown."""
    if word.startswith("@") and word[1:].lower() in matcher.entities:
        return spike_target(SpikeTarget.ENTITY, word[1:].lower())
    if word in matcher.rules:
        return spike_target(SpikeTarget.RULE, word)
    return None


def help_line(language: Language) -> str:
    """The spikes subscription's line in /help's follow group."""
    return t(
        language,
        "/subscribe spikes <i>@ENTITY</i>|<i>RULE_ID</i> — an alert when its stories jump "
        "well above the usual",
    )


def usage(language: Language) -> str:
    return t(
        language,
        "Follow the spikes of an entity or a rule: <code>/subscribe spikes @hammouchi</code> or "
        "<code>/subscribe spikes RULE_ID</code> (see /rules).",
    )


async def subscribe_spikes(services: Services, request: Request) -> Reply:
    """``/subscribe spikes X``: a spikes subscription to entity or rule X."""
    language = request.language
    words = request.args.split()
    if len(words) < 2:
        return Reply.of(usage(language))
    word = words[1]
    target = target_of(services.matcher, word)
    if target is None:
        return Reply.of(_unknown(services.matcher, word, language))
    kind = SubscriptionKind.SPIKES
    with services.session() as s:
        chat = get_chat(s, request.chat_id)
        assert chat is not None  # registered by the command wrapper
        existing = find_subscription(s, chat, kind, target)
        if existing is not None and existing.muted:  # subscribing again un-mutes it
            existing.muted = False
            s.add(existing)
            s.commit()
            return Reply.of(say(language, Say.SUB_UNMUTED, number=existing.number))
        if existing is not None:
            return Reply.of(say(language, Say.ALREADY, number=existing.number))
        row = add_subscription(s, chat, kind, target, services.clock())
        s.commit()
    log.info("chat %s subscribed to spikes of %s", request.chat_id, target)
    spikes = services.config.spikes
    what = spikes_label(target, language, services.matcher)
    lines = [
        say(language, Say.SUBSCRIBED, number=row.number, what=what),
        tn(
            language,
            "An alert comes when its distinct stories in an hour, 3 or 6 hours, or a day jump "
            "well above the "
            "usual: at least {n} story and {ratio}× the usual.",
            "An alert comes when its distinct stories in an hour, 3 or 6 hours, or a day jump "
            "well above the "
            "usual: at least {n} stories and {ratio}× the usual.",
            spikes.min_stories,
            ratio=number(language, spikes.min_ratio),
        ),
    ]
    if not spikes.enabled:
        lines.append(t(language, "Spike detection is switched off on this server for now."))
    return Reply.of("\n\n".join(lines))

"""What a subscription's options and a chat's quiet hours decide, without I/O or a clock.

A subscription alerts for a story only when its options allow it: the story is at least as severe
as its minimum, comes from one of its sources (a source name or tag; none listed: any), is in one
of its languages (none listed: any), and the subscription is not digest-only.  The options filter
instant alerts; the daily digest lists everything a subscription follows, with each story's
severity shown.

Severity of a story for a subscription: a rule subscription's is its rule's; an entity or query
subscription's is the highest severity of the shipped rules the item also matched, else normal.
An item's language is its source's configured ``language``, else read from its script and
function words (Arabic; French or English).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta, tzinfo

from marsad.matching.rulefile import Severity
from marsad.store.chats import AlertMode, Subscription, SubscriptionKind

RANK = {Severity.LOW: 0, Severity.NORMAL: 1, Severity.HIGH: 2}
MARKERS = {Severity.HIGH: "‼️", Severity.NORMAL: "•", Severity.LOW: "◦"}
"""How a severity is shown: in alerts (with its word), digests and ``/rules``."""

CLOCK = re.compile(r"([01]?[0-9]|2[0-3]):([0-5][0-9])")
LANGUAGE = re.compile(r"[a-z]{2}")

_ARABIC = re.compile(r"[\u0600-\u06FF\u0750-\u077F\u08A0-\u08FF\uFB50-\uFDFF\uFE70-\uFEFF]")
_LATIN = re.compile(r"[A-Za-z\u00C0-\u024F]")
_WORD = re.compile(r"[a-zà-ÿ']+")
_FRENCH = frozenset(
    {
        "le",
        "la",
        "les",
        "des",
        "du",
        "de",
        "et",
        "est",
        "une",
        "un",
        "pour",
        "dans",
        "avec",
        "sur",
        "au",
        "aux",
        "par",
        "qui",
        "que",
        "pas",
        "ses",
        "son",
        "sa",
        "l",
        "d",
        "en",
        "ont",
        "été",
        "selon",
        "entre",
        "contre",
    }
)
_ENGLISH = frozenset(
    {
        "the",
        "and",
        "of",
        "to",
        "in",
        "is",
        "for",
        "on",
        "with",
        "by",
        "that",
        "from",
        "at",
        "as",
        "was",
        "are",
        "its",
        "has",
        "have",
        "be",
        "an",
        "after",
        "says",
        "said",
        "over",
    }
)


def severity_marker(severity: Severity) -> str:
    return MARKERS[severity]


def highest(severities: Iterable[Severity], default: Severity = Severity.NORMAL) -> Severity:
    """The most severe of ``severities`` (``default`` when there are none)."""
    found = list(severities)
    return max(found, key=RANK.__getitem__) if found else default


def story_severity(subscription: Subscription, matched: Mapping[str, Severity]) -> Severity:
    """How severe a story is for ``subscription``, from the severities of the shipped rules its
    item matched (rule id → severity)."""
    kind = SubscriptionKind(subscription.kind)
    if kind is SubscriptionKind.RULE and subscription.target in matched:
        return matched[subscription.target]
    return highest(matched.values())


def item_language(configured: str | None, *texts: str) -> str:
    """The language of an item: its source's configured one (``ar``, ``fr-MA`` → ``fr``), else
    Arabic when mostly in Arabic script, else French or English by their commonest words."""
    if configured:
        return configured.strip().lower()[:2]
    joined = " ".join(texts)
    if len(_ARABIC.findall(joined)) > len(_LATIN.findall(joined)):
        return "ar"
    words = _WORD.findall(joined.lower().replace("’", "'"))
    french = sum(1 for word in words if word in _FRENCH)
    english = sum(1 for word in words if word in _ENGLISH)
    return "fr" if french > english else "en"


@dataclass(frozen=True)
class ItemFacts:
    """What the options look at in an item: where it comes from and its language."""

    source: str
    tags: Collection[str]
    language: str


def from_sources(wanted: Collection[str], facts: ItemFacts) -> bool:
    """Whether the item's source, or one of its tags, is among ``wanted`` (empty: any)."""
    if not wanted:
        return True
    names = {name.casefold() for name in wanted}
    return facts.source.casefold() in names or any(tag.casefold() in names for tag in facts.tags)


def allows(subscription: Subscription, facts: ItemFacts, severity: Severity) -> bool:
    """Whether ``subscription`` alerts at once for an item of ``facts`` and ``severity``."""
    if subscription.alert_mode is AlertMode.DIGEST:
        return False
    if RANK[severity] < RANK[subscription.severity_floor]:
        return False
    if subscription.languages and facts.language not in subscription.languages:
        return False
    return from_sources(subscription.sources, facts)


# -- quiet hours ---------------------------------------------------------------------------


def parse_clock(value: str) -> time | None:
    """``"7:05"``/``"07:05"`` → 07:05; None when not a time of day."""
    found = CLOCK.fullmatch(value.strip())
    return time(int(found.group(1)), int(found.group(2))) if found else None


def parse_quiet(value: str) -> tuple[str, str] | None:
    """``"22:00-07:00"`` → ("22:00", "07:00"); None when not two different times of day."""
    parts = value.replace("–", "-").split("-")
    if len(parts) != 2:
        return None
    start, end = parse_clock(parts[0]), parse_clock(parts[1])
    if start is None or end is None or start == end:
        return None
    return start.strftime("%H:%M"), end.strftime("%H:%M")


def quiet_until(now: datetime, start: str | None, end: str | None, tz: tzinfo) -> datetime | None:
    """When the quiet hours around ``now`` end (aware); None when ``now`` is not in them.

    ``start`` and ``end`` are local times of day in ``tz``; a period crossing midnight
    (``22:00-07:00``) is quiet from ``start`` to ``end`` the next morning."""
    begin, finish = parse_clock(start or ""), parse_clock(end or "")
    if begin is None or finish is None or begin == finish:
        return None
    local = now.astimezone(tz)
    for day in (local.date() - timedelta(days=1), local.date()):
        opened = datetime.combine(day, begin, tzinfo=tz)
        closes = datetime.combine(day, finish, tzinfo=tz)
        if closes <= opened:
            closes = datetime.combine(day + timedelta(days=1), finish, tzinfo=tz)
        if opened <= local < closes:
            return closes
    return None


__all__ = [
    "MARKERS",
    "RANK",
    "ItemFacts",
    "admitted",
    "allows",
    "from_sources",
    "highest",
    "item_language",
    "parse_clock",
    "parse_quiet",
    "quiet_until",
    "severity_marker",
    "story_severity",
]


def admitted(
    subscriptions: Iterable[Subscription], facts: ItemFacts, matched: Mapping[str, Severity]
) -> tuple[tuple[Subscription, ...], Severity]:
    """The subscriptions whose options let an item alert at once, and its severity for them
    (the highest of theirs)."""
    kept = tuple(s for s in subscriptions if allows(s, facts, story_severity(s, matched)))
    return kept, highest(story_severity(s, matched) for s in kept)

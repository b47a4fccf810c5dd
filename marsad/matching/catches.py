"""What one name of an entity catches (``marsad forms``): its spellings as written, the forms
derived from it, their inflections with attached pronouns, the proclitics allowed in front,
whether typos are tolerated and whether it needs context.

Pure: an entity and one of its names in, lines of plain text out.  The words are the
patterns the matcher looks for (``patterns.entity_patterns``), folded; Arabic words are
listed apart from the English labels so that right-to-left text shapes and reads cleanly.
"""

from __future__ import annotations

from collections.abc import Sequence

from marsad.matching.entities import Entity, EntityKind
from marsad.matching.forms import (
    ARTICLE,
    PREFIXES_ANY,
    PREFIXES_ARTICLE,
    PREFIXES_BARE,
    PREFIXES_NONE,
    inflections,
    with_pronouns,
)
from marsad.matching.normalise import scan
from marsad.matching.patterns import Pattern, Source, ambiguous_alias, entity_patterns

PER_LINE = 8
"""Words on one line of a list."""
SHOWN = 48
"""Words of one list shown before "… N more"."""

_PROCLITICS = {
    PREFIXES_ANY: "with or without ال; after و ف ب ك ل and their combinations (وال، بال، لل)",
    PREFIXES_ARTICLE: "always with ال (or Darija ل، دال); after و ف ب ك (وال، بال، لل)",
    PREFIXES_BARE: "never with ال; after و ف ب ك ل and their combinations (و، ب، ل، وب)",
    PREFIXES_NONE: "as written, with nothing attached; Latin letters in any case",
}


def _proclitics(pattern: Pattern) -> str:
    if pattern.target.cased:
        return "as written, in capitals only (an acronym)"
    return _PROCLITICS.get(pattern.target.prefixes, "some proclitics")


def _shown(pattern: Pattern) -> str:
    words = list(pattern.words)
    if pattern.target.prefixes == PREFIXES_ARTICLE:
        words[0] = ARTICLE + words[0]
    return " ".join(words)


def _listing(words: Sequence[str], limit: int = SHOWN) -> list[str]:
    shown = list(words[:limit])
    if len(words) > limit:
        shown.append(f"… {len(words) - limit} more")
    return [
        "    " + "، ".join(shown[start : start + PER_LINE])
        for start in range(0, len(shown), PER_LINE)
    ]


def _by_position(phrases: Sequence[tuple[str, ...]]) -> list[str]:
    """Multi-word forms word by word: each position's words (their product is matched)."""
    lines: list[str] = []
    width = max(len(words) for words in phrases)
    for position in range(width):
        options = sorted(
            {words[position] for words in phrases if len(words) > position},
            key=lambda w: (len(w), w),
        )
        lines.append(f"  word {position + 1} ({len(options)}):")
        lines.extend(_listing(options))
    return lines


def catches(entity: Entity, raw: str, where: str | None = None) -> list[str]:
    """The lines ``marsad forms`` prints for the name ``raw`` of ``entity``."""
    patterns = [
        p
        for p in entity_patterns(entity)
        if p.target.alias == raw and p.target.source is not Source.EXCLUDE
    ]
    key = "form" if raw in entity.forms else "ambiguous name" if raw in entity.ambiguous else ""
    role = key or "alias"
    head = f"«{raw}» — {role} of @{entity.id} ({entity.name}), {entity.kind}"
    lines = [head + (f", {where}" if where else "")]
    lines.append(
        "words are shown folded (أ إ آ → ا، ة → ه، ى → ي) and without ال unless it is required"
    )
    groups: dict[str, list[Pattern]] = {"as written": [], "derived": [], "with pronouns": []}
    pronouns = _pronoun_forms(raw)
    nisba = entity.kind is EntityKind.PLACE and raw in entity.names()
    for pattern in patterns:
        if pattern.target.source in (Source.ALIAS, Source.FORM):
            group = "as written"
        elif len(pattern.words) == 1 and pattern.words[0] in pronouns:
            group = "with pronouns"
        else:
            group = "derived"
        groups[group].append(pattern)
    labels = {
        "derived": "derived: the nisba and its forms" if nisba else "derived: inflections",
        "with pronouns": "derived: with attached pronouns",
    }
    for group, found in groups.items():
        words = sorted({_shown(p) for p in found}, key=lambda w: (len(w), w))
        if not words:
            continue
        label = labels.get(group, group)
        if group == "derived" and max(len(p.words) for p in found) > 1:
            lines.append(f"{label}, word by word ({len(words)} combinations):")
            lines.extend(_by_position([tuple(_shown(p).split()) for p in found]))
        else:
            lines.append(f"{label} ({len(words)}):")
            lines.extend(_listing(words))
    lines.extend(_summary(entity, raw, patterns))
    return lines


def _pronoun_forms(raw: str) -> set[str]:
    """The one-word forms with an attached pronoun that ``raw`` may give."""
    words = scan(raw)[0]
    if len(words) != 1:
        return set()
    word = words[0].removeprefix(ARTICLE) if len(words[0]) >= 5 else words[0]
    plain = inflections(word)
    return with_pronouns(plain) - plain


def _summary(entity: Entity, raw: str, patterns: Sequence[Pattern]) -> list[str]:
    """Proclitics, typos, context and exclusions, one line each."""
    lines: list[str] = []
    kinds = list(dict.fromkeys(_proclitics(p) for p in patterns))
    if len(kinds) == 1:
        lines.append(f"proclitics: {kinds[0]}")
    elif kinds:
        lines.append("proclitics:")
        for kind in kinds:
            words = sorted(
                {_shown(p) for p in patterns if _proclitics(p) == kind},
                key=lambda w: (len(w), w),
            )
            lines.append(f"  {kind}:")
            lines.extend(_listing(words, limit=PER_LINE))
    if any(p.fuzzy for p in patterns):
        lines.append(
            "typos: tolerated in the longer words as written (fuzzy, a budget by length), "
            "unless the typo spells another word or name"
        )
    else:
        setting = "fuzzy = false" if entity.fuzzy is False else f"off for {entity.kind}"
        lines.append(f"typos: not tolerated ({setting}; fuzzy = true turns it on)")
    if ambiguous_alias(entity, raw):
        context = "، ".join(entity.context) or "none: add context = [...]"
        lines.append(
            f"ambiguous: counts only with a context word within {entity.near} words or in the "
            "title, or where another name of the entity is in the item; context:"
        )
        lines.extend(_listing([context]))
    if entity.exclude:
        count = len(entity.exclude)
        lines.append(f"vetoed inside {count} exclusion{'s' if count != 1 else ''}:")
        lines.extend(_listing(list(entity.exclude)))
    return lines

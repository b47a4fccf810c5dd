"""Linter check 1: one-word names that are frequent ordinary words, capitals standing for
their country, and place names that are (or fold into) ordinary words."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from marsad.matching.entities import Entity, EntityKind
from marsad.matching.forms import ARTICLE, inflections, is_arabic, with_pronouns
from marsad.matching.lexicon import zipf
from marsad.matching.lint_finding import Check, Finding, commonest, finding, stem, z
from marsad.matching.lint_words import CAPITAL_OF, CAPITALS
from marsad.matching.normalise import normalise, scan
from marsad.matching.patterns import AMBIGUOUS_ZIPF, Pattern, ambiguous_alias

FREQUENT_ZIPF = AMBIGUOUS_ZIPF
"""A one-word name this common (once in 10,000 words) is mostly an ordinary word."""
RELATIVE_ZIPF = 2.0
"""An ordinary word also appears inflected or with a pronoun (شرطته، اتحاداتهم) at least this
often; a name in the news (داعش) does not."""
PRONOUN_HOST_ZIPF = 4.5
"""A place name spelled like this common a word plus the pronoun ه (وجدة / وجد + ه)."""

_FIX = (
    "list it under ambiguous with context = [...], or use a longer alias; "
    'always = ["{alias}"] if you mean it'
)


def one_word(patterns: Sequence[Pattern]) -> dict[str, list[Pattern]]:
    """The one-word Arabic patterns of each name (as the rule file writes it)."""
    by_raw: dict[str, list[Pattern]] = {}
    for pattern in patterns:
        if len(pattern.words) == 1 and is_arabic(pattern.words[0]):
            by_raw.setdefault(pattern.target.alias, []).append(pattern)
    return by_raw


def frequent(entity: Entity, patterns: Sequence[Pattern]) -> Iterator[Finding]:
    """One-word Arabic names of persons, organisations and places that are ordinary words."""
    if entity.kind is EntityKind.TOPIC:
        return  # a topic is an ordinary word by nature
    settled = {*entity.ambiguous, *entity.always}
    by_raw = one_word(patterns)
    raws = entity.names() if entity.kind is EntityKind.PLACE else (*entity.names(), *entity.forms)
    for raw in dict.fromkeys(raws):
        if raw in settled or raw not in by_raw:
            continue
        if entity.kind is EntityKind.PLACE:
            yield from place_word(entity, raw)
        elif entity.kind is EntityKind.ORG and normalise(raw) in CAPITAL_OF:
            yield _capital(entity, raw, CAPITAL_OF[normalise(raw)])
        elif entity.kind is EntityKind.PERSON and ambiguous_alias(entity, raw):
            if not entity.context:
                yield finding(
                    entity,
                    Check.FREQUENT,
                    raw,
                    f"is a common word ({z(zipf(normalise(raw)))}) that shortens "
                    f"«{_longest(entity)}»: it is treated as ambiguous and counts only where "
                    "another of its names is in the same item",
                    "add context = [...] with words that confirm it (a title, a place, an "
                    f'@entity) to count it elsewhere; always = ["{raw}"] to count it alone',
                )
        else:
            common = ordinary(entity, by_raw[raw])
            if common is None:
                continue
            value, word = common
            own = stem(raw)
            written = own is not None and word in (own[0], ARTICLE + own[0])
            what = "is" if written else f"catches «{word}», which is"
            yield finding(
                entity,
                Check.FREQUENT,
                raw,
                f"{what} a frequent ordinary word ({z(value)}): every one in any article "
                f"counts as @{entity.id}",
                _FIX.format(alias=raw),
                form=None if written else word,
            )


def ordinary(entity: Entity, patterns: Sequence[Pattern]) -> tuple[float, str] | None:
    """The Zipf frequency and spelling of the commonest one-word form of a person's or an
    organisation's name, when it is a frequent ordinary word.

    An organisation's frequent name must also be seen inflected or with a pronoun: الشرطة
    (شرطته) is an ordinary word, داعش is a name the news repeats.
    """
    value, word = max((commonest(p) for p in patterns), default=(0.0, ""))
    if value < FREQUENT_ZIPF:
        return None
    if entity.kind is EntityKind.ORG:
        bare = word.removeprefix(ARTICLE) if len(word) >= 5 else word
        forms = inflections(bare)
        relatives = (forms | with_pronouns(forms)) - {bare}
        if max((zipf(form) for form in relatives), default=0.0) < RELATIVE_ZIPF:
            return None
    return value, word


def _longest(entity: Entity) -> str:
    return max(entity.names(), key=lambda raw: (len(scan(raw)[0]), is_arabic(raw[:1])))


def _capital(entity: Entity, raw: str, country: str) -> Finding:
    return finding(
        entity,
        Check.FREQUENT,
        raw,
        f"is the capital of {country}: it mostly names the city, and the government only in "
        "some sentences",
        "list it under ambiguous with context = [...] (the verbs that make it the government: "
        f'تنفي، ترفض، تعلن), or remove it; always = ["{raw}"] if you mean it',
    )


def place_word(entity: Entity, raw: str) -> Iterator[Finding]:
    """A place's name that is a capital standing for its country, or an ordinary word."""
    folded = normalise(raw)
    countries = CAPITALS.get(folded)
    own = {normalise(name) for name in entity.names()}
    if countries and countries & own and folded != normalise(entity.name):
        yield _capital(entity, raw, entity.name)
        return
    found = stem(raw)
    if found is None:
        return
    word, article = found
    if word.endswith("يه"):
        return  # a nisba's feminine (السعودية / سعودية): the adjective of the place itself
    if article and zipf(word) >= FREQUENT_ZIPF:
        bare = raw[len(ARTICLE) :] if raw.startswith(ARTICLE) else word
        problem = f"is also an ordinary word: «{bare}» without the article is {z(zipf(word))}"
    elif (
        not article
        and word.endswith("ه")
        and zipf(word) >= FREQUENT_ZIPF
        and zipf(word[:-1]) >= PRONOUN_HOST_ZIPF
    ):
        problem = (
            f"folds to «{word}», also «{word[:-1]}» + the pronoun ه "
            f"({z(zipf(word[:-1]))}): ة and ه are one letter after folding"
        )
    else:
        return
    yield finding(entity, Check.FREQUENT, raw, problem, _FIX.format(alias=raw))

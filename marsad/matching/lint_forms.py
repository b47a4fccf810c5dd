"""Linter checks 3 to 5: nisbas that are personal names, generated forms that are other
words, and context words found in every article."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from marsad.matching.entities import Entity, EntityKind
from marsad.matching.forms import ARTICLE, is_arabic
from marsad.matching.lexicon import zipf
from marsad.matching.lint_finding import (
    SHOWN,
    Check,
    Finding,
    cached_zipf,
    finding,
    guillemets,
    quoted,
    stem,
    z,
)
from marsad.matching.lint_words import FAMILY_NAMES
from marsad.matching.names import GIVEN_NAMES
from marsad.matching.normalise import scan
from marsad.matching.patterns import COMMON_ZIPF, Pattern, Source

INFLECTION_MARGIN = 1.0
"""A generated form ten times as common as the word it comes from is another word."""
CONTEXT_ZIPF = 6.0
"""A context word this common (قال، اليوم: once in 1,000 words) is in nearly every article and
confirms whatever it stands near; below it, whether a word suits depends on ``near``."""


def person_words(entities: Sequence[Entity]) -> dict[str, Entity]:
    """Folded words of persons' multi-word Arabic names, each with its person."""
    words: dict[str, Entity] = {}
    for entity in entities:
        if entity.kind is not EntityKind.PERSON:
            continue
        for raw in entity.names():
            folded = scan(raw)[0]
            if len(folded) > 1 and is_arabic(folded[0]):
                for word in folded:
                    words.setdefault(word, entity)
    return words


def nisba_names(
    entity: Entity, patterns: Sequence[Pattern], people: dict[str, Entity]
) -> Iterator[Finding]:
    """A place's derived nisba, or a listed form, that is also a given or family name."""
    if entity.kind is EntityKind.PERSON:
        return
    names = set(entity.names())
    seen: set[str] = set()
    for pattern in patterns:
        source, raw = pattern.target.source, pattern.target.alias
        if len(pattern.words) != 1 or raw in seen:
            continue
        derived = source is Source.DERIVED and raw in names  # a nisba of the place's name
        if not (derived or source is Source.FORM):
            continue
        word = pattern.words[0]
        spellings = (word, ARTICLE + word)
        if word in GIVEN_NAMES:
            what = "a common given name"
        elif any(s in FAMILY_NAMES for s in spellings):
            what = f"a common family name ({ARTICLE + word})"
        elif person := next((people[s] for s in spellings if s in people), None):
            if person.id == entity.id:
                continue
            what = f"in the name of @{person.id} ({person.name})"
        else:
            continue
        seen.add(raw)
        if derived:
            yield finding(
                entity,
                Check.NAME,
                raw,
                f"derives «{word}», also {what}: after a given name it is left out, but alone "
                f"(قال {ARTICLE + word}) it still counts as @{entity.id}",
                "derive = false (and list under forms the adjectives you want), or exclude = "
                "[...] the full names you meet",
                form=word,
            )
        else:
            yield finding(
                entity,
                Check.NAME,
                raw,
                f"is also {what}: alone it may name a person, not @{entity.id}",
                "remove it from forms, or exclude = [...] the full names you meet",
            )


def inflections(entity: Entity, patterns: Sequence[Pattern]) -> Iterator[Finding]:
    """Generated forms (inflections, attached pronouns) far commoner than their word."""
    names = set(entity.names())
    colliding: dict[str, list[tuple[float, str, float, str]]] = {}
    origins: dict[str, str | None] = {}
    for pattern in patterns:
        raw = pattern.target.alias
        if pattern.target.source is not Source.DERIVED or len(pattern.words) != 1:
            continue
        if entity.kind is EntityKind.PLACE and raw in names:
            continue  # the nisba: see nisba_names
        if raw not in origins:
            found = stem(raw)
            origins[raw] = None if found is None else found[0]
        origin = origins[raw]
        if origin is None:
            continue
        word = pattern.words[0]
        pairs = [(word, origin)] if "" in pattern.target.prefixes else []
        if ARTICLE in pattern.target.prefixes:
            pairs.append((ARTICLE + word, ARTICLE + origin))
        for form, source in pairs:
            value, base = zipf(form), cached_zipf(source)
            if value >= COMMON_ZIPF and value >= base + INFLECTION_MARGIN:
                colliding.setdefault(raw, []).append((value, word, base, source))
                break
    for raw, found_forms in colliding.items():
        found_forms.sort(reverse=True)
        value, word, base, origin = found_forms[0]
        others = [w for _, w, _, _ in found_forms[1:]]
        more = f" (and {guillemets(others)})" if others else ""
        yield finding(
            entity,
            Check.INFLECTION,
            raw,
            f"also catches «{word}»{more} ({z(value)}), a word of its own far commoner than "
            f"«{origin}» ({base:.1f})",
            f"exclude = [{quoted(w for _, w, _, _ in found_forms[:SHOWN])}] if it is another "
            "word, or list the form differently",
            form=word,
        )


def common_context(entity: Entity) -> Iterator[Finding]:
    """One-word context entries so common that nearly every mention is confirmed."""
    for entry in entity.context:
        if entry.startswith("@"):
            continue
        words = scan(entry)[0]
        if len(words) != 1 or not is_arabic(words[0]):
            continue
        word = words[0]
        value = max(zipf(word), 0.0 if word.startswith(ARTICLE) else zipf(ARTICLE + word))
        if value < CONTEXT_ZIPF:
            continue
        yield finding(
            entity,
            Check.CONTEXT,
            entry,
            f"is a very common word ({z(value)}): it is in nearly every article, so any "
            f"name of @{entity.id} it stands within {entity.near} words of counts, whatever "
            "its sense",
            "use a phrase only this sense uses, or a rarer word",
            key="context",
        )

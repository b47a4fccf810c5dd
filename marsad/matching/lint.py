"""The rule linter: reviews entities as an experienced analyst would, before anyone is alerted.

Pure: entities in, findings out (word frequencies come from the pre-built lexicon, as for the
patterns).  Each finding names the file, the line of the key, the alias, what is wrong and
the fix.  The checks and their thresholds are explained in docs/rules.md ("Writing rules for
ambiguous names"); they were tuned so the shipped rules give a few findings, each worth a look.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

from marsad.matching.entities import Entity, EntityKind
from marsad.matching.forms import (
    ARTICLE,
    inflections,
    is_arabic,
    with_pronouns,
    written_with_article,
)
from marsad.matching.lexicon import zipf
from marsad.matching.lint_words import CAPITAL_OF, CAPITALS, FAMILY_NAMES
from marsad.matching.names import GIVEN_NAMES
from marsad.matching.normalise import normalise, scan
from marsad.matching.patterns import (
    AMBIGUOUS_ZIPF,
    COMMON_ZIPF,
    Pattern,
    Source,
    ambiguous_alias,
    entity_patterns,
)
from marsad.matching.recognise import Hit, Recogniser

FREQUENT_ZIPF = AMBIGUOUS_ZIPF
"""A one-word name this common (once in 10,000 words) is mostly an ordinary word."""
RELATIVE_ZIPF = 2.0
"""An ordinary word also appears inflected or with a pronoun (شرطته، اتحاداتهم) at least this
often; a name in the news (داعش) does not."""
PRONOUN_HOST_ZIPF = 4.5
"""A place name spelled like this common a word plus the pronoun ه (وجدة / وجد + ه)."""
INFLECTION_MARGIN = 1.0
"""A generated form ten times as common as the word it comes from is another word."""
CONTEXT_ZIPF = 6.0
"""A context word this common (قال، اليوم: once in 1,000 words) is in nearly every article and
confirms whatever it stands near; below it, whether a word suits depends on ``near``."""
SHOWN = 3
"""Examples named in one finding."""


class Check(StrEnum):
    """What a finding is about (docs/rules.md lists them)."""

    FREQUENT = "frequent-word"
    SHARED = "shared-alias"
    CONTAINED = "contained-alias"
    NAME = "nisba-name"
    INFLECTION = "inflection"
    CONTEXT = "common-context"


@dataclass(frozen=True)
class Finding:
    """One thing an analyst should look at, and how to fix it.

    ``alias`` is the name as the rule file writes it; ``form`` the folded word that fires
    when it is a generated one (an inflection, a nisba), for counting its hits.
    """

    check: Check
    entity: str
    key: str
    alias: str
    problem: str
    fix: str
    file: str | None = None
    line: int | None = None
    form: str | None = None

    def show(self) -> str:
        """``FILE:LINE: entity[ID].KEY: «alias» problem``."""
        where = self.file or "<rules>"
        if self.line is not None:
            where += f":{self.line}"
        return f"{where}: entity[{self.entity}].{self.key}: «{self.alias}» {self.problem}"


def lint(entities: Sequence[Entity], recogniser: Recogniser | None = None) -> list[Finding]:
    """Every finding about ``entities``, in file and line order.

    ``recogniser`` (one compiled over the same entities) is built when not given; it finds
    the aliases of one entity inside another's.
    """
    if recogniser is None:
        recogniser = Recogniser(entities)
    people = _person_words(entities)
    findings: list[Finding] = []
    for entity in entities:
        patterns = [p for p in entity_patterns(entity) if p.target.source is not Source.EXCLUDE]
        findings.extend(_frequent(entity, patterns))
        findings.extend(_nisba_names(entity, patterns, people))
        findings.extend(_inflections(entity, patterns))
        findings.extend(_common_context(entity))
    findings.extend(_overlaps(entities, recogniser))
    order = {entity.id: i for i, entity in enumerate(entities)}
    checks = list(Check)
    findings.sort(key=lambda f: (f.file or "", f.line or 0, order[f.entity], checks.index(f.check)))
    return findings


# -- words ----------------------------------------------------------------------------------


def _key(entity: Entity, raw: str) -> str:
    """The key that lists ``raw`` (a name without ``aliases`` is the only alias)."""
    if raw == entity.name and all(key != "aliases" for key, _ in entity.key_lines):
        return "name"
    if raw in entity.aliases:
        return "aliases"
    if raw in entity.forms:
        return "forms"
    if raw in entity.ambiguous:
        return "ambiguous"
    return "name"


def _finding(
    entity: Entity,
    check: Check,
    raw: str,
    problem: str,
    fix: str,
    key: str | None = None,
    form: str | None = None,
) -> Finding:
    key = key or _key(entity, raw)
    return Finding(check, entity.id, key, raw, problem, fix, entity.file, entity.line_of(key), form)


@lru_cache(maxsize=65_536)
def _stem(raw: str) -> tuple[str, bool] | None:
    """A one-word Arabic name folded, without its article, and whether it had one."""
    words, starts, ends = scan(raw)
    if len(words) != 1 or not is_arabic(words[0]):
        return None
    article = written_with_article(raw[starts[0] : ends[0]], words[0])
    return (words[0][len(ARTICLE) :] if article else words[0]), article


def _surfaces(pattern: Pattern) -> list[str]:
    """The folded words a one-word pattern stands for: bare and/or with the article."""
    word = pattern.words[0]
    out = [word] if "" in pattern.target.prefixes else []
    if ARTICLE in pattern.target.prefixes:
        out.append(ARTICLE + word)
    return out


def _commonest(pattern: Pattern) -> tuple[float, str]:
    """The Zipf frequency and folded spelling of the commonest word a pattern stands for."""
    return max(((zipf(word), word) for word in _surfaces(pattern)), default=(0.0, ""))


_zipf = lru_cache(maxsize=65_536)(zipf)
"""Word frequencies looked up again and again (the word a name's forms come from)."""


def _z(value: float) -> str:
    return f"Zipf {value:.1f}"


def _quoted(words: Iterable[str]) -> str:
    return ", ".join(f'"{word}"' for word in words)


def _person_words(entities: Sequence[Entity]) -> dict[str, Entity]:
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


# -- 1. frequent ordinary words -------------------------------------------------------------

_FIX_FREQUENT = (
    "list it under ambiguous with context = [...], or use a longer alias; "
    'always = ["{alias}"] if you mean it'
)


def _frequent(entity: Entity, patterns: Sequence[Pattern]) -> Iterator[Finding]:
    """One-word Arabic names of persons, organisations and places that are ordinary words."""
    if entity.kind is EntityKind.TOPIC:
        return  # a topic is an ordinary word by nature
    settled = {*entity.ambiguous, *entity.always}
    by_raw: dict[str, list[Pattern]] = {}
    for pattern in patterns:
        if len(pattern.words) == 1 and is_arabic(pattern.words[0]):
            by_raw.setdefault(pattern.target.alias, []).append(pattern)
    raws = entity.names() if entity.kind is EntityKind.PLACE else (*entity.names(), *entity.forms)
    for raw in dict.fromkeys(raws):
        if raw in settled or raw not in by_raw:
            continue
        if entity.kind is EntityKind.PLACE:
            yield from _place_word(entity, raw)
        elif entity.kind is EntityKind.ORG and normalise(raw) in CAPITAL_OF:
            yield _capital(entity, raw, CAPITAL_OF[normalise(raw)])
        elif entity.kind is EntityKind.PERSON and ambiguous_alias(entity, raw):
            if not entity.context:
                yield _finding(
                    entity,
                    Check.FREQUENT,
                    raw,
                    f"is a common word ({_z(zipf(normalise(raw)))}) that shortens "
                    f"«{_longest(entity)}»: it is treated as ambiguous and counts only where "
                    "another of its names is in the same item",
                    "add context = [...] with words that confirm it (a title, a place, an "
                    f'@entity) to count it elsewhere; always = ["{raw}"] to count it alone',
                )
        else:
            common = _ordinary(entity, by_raw[raw])
            if common is None:
                continue
            value, word = common
            own = _stem(raw)
            written = own is not None and word in (own[0], ARTICLE + own[0])
            what = "is" if written else f"catches «{word}», which is"
            yield _finding(
                entity,
                Check.FREQUENT,
                raw,
                f"{what} a frequent ordinary word ({_z(value)}): every one in any article "
                f"counts as @{entity.id}",
                _FIX_FREQUENT.format(alias=raw),
                form=None if written else word,
            )


def _ordinary(entity: Entity, patterns: Sequence[Pattern]) -> tuple[float, str] | None:
    """The Zipf frequency and spelling of the commonest one-word form of a person's or an
    organisation's name, when it is a frequent ordinary word.

    An organisation's frequent name must also be seen inflected or with a pronoun: الشرطة
    (شرطته) is an ordinary word, داعش is a name the news repeats.
    """
    value, word = max((_commonest(p) for p in patterns), default=(0.0, ""))
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
    return _finding(
        entity,
        Check.FREQUENT,
        raw,
        f"is the capital of {country}: it mostly names the city, and the government only in "
        "some sentences",
        "list it under ambiguous with context = [...] (the verbs that make it the government: "
        f'تنفي، ترفض، تعلن), or remove it; always = ["{raw}"] if you mean it',
    )


def _place_word(entity: Entity, raw: str) -> Iterator[Finding]:
    """A place's name that is a capital standing for its country, or an ordinary word."""
    folded = normalise(raw)
    countries = CAPITALS.get(folded)
    own = {normalise(name) for name in entity.names()}
    if countries and countries & own and folded != normalise(entity.name):
        yield _capital(entity, raw, entity.name)
        return
    stem = _stem(raw)
    if stem is None:
        return
    word, article = stem
    if word.endswith("يه"):
        return  # a nisba's feminine (السعودية / سعودية): the adjective of the place itself
    if article and zipf(word) >= FREQUENT_ZIPF:
        bare = raw[len(ARTICLE) :] if raw.startswith(ARTICLE) else word
        problem = f"is also an ordinary word: «{bare}» without the article is {_z(zipf(word))}"
    elif (
        not article
        and word.endswith("ه")
        and zipf(word) >= FREQUENT_ZIPF
        and zipf(word[:-1]) >= PRONOUN_HOST_ZIPF
    ):
        problem = (
            f"folds to «{word}», also «{word[:-1]}» + the pronoun ه "
            f"({_z(zipf(word[:-1]))}): ة and ه are one letter after folding"
        )
    else:
        return
    yield _finding(entity, Check.FREQUENT, raw, problem, _FIX_FREQUENT.format(alias=raw))


# -- 2. shared and contained aliases --------------------------------------------------------


def _overlaps(entities: Sequence[Entity], recogniser: Recogniser) -> Iterator[Finding]:
    """Names that another entity has too, or that stand inside another entity's name."""
    by_id = {entity.id: entity for entity in entities}
    order = {entity.id: i for i, entity in enumerate(entities)}
    shared: dict[tuple[str, str], list[str]] = {}  # (later, earlier) -> the later's names
    inside: dict[tuple[str, str], list[tuple[str, str]]] = {}  # (id, alias) -> (other, name)
    for entity in entities:
        for raw in dict.fromkeys((*entity.names(), *entity.forms)):
            for hit in recogniser.find(raw):
                other = by_id.get(hit.key)
                if not hit.is_entity or other is None or other.id == entity.id or hit.fuzzy:
                    continue
                if hit.start == 0 and hit.end == len(raw):
                    if order[entity.id] > order[other.id]:
                        shared.setdefault((entity.id, other.id), []).append(raw)
                elif _contained_matters(other, hit):
                    inside.setdefault((other.id, hit.alias), []).append((entity.id, raw))
    for (later, earlier), names in shared.items():
        entity, first = by_id[later], by_id[earlier]
        more = f" (and {len(names) - 1} more: {_guillemets(names[1:])})" if len(names) > 1 else ""
        yield _finding(
            entity,
            Check.SHARED,
            names[0],
            f"is also a name of @{first.id} ({_where(first)}){more}: a mention counts for both",
            f"remove it from one of them (a rule can name both: @{first.id} OR @{entity.id}); "
            "keep it if a mention should count for both",
        )
    for (ident, alias), places in inside.items():
        entity = by_id[ident]
        places.sort(key=lambda place: (len(place[1]), order[place[0]]))
        where_id, phrase = places[0]
        example = f"«{phrase}» of @{where_id} ({_where(by_id[where_id])})"
        if len(places) > 1:
            others = len({other for other, _ in places})
            example = f"{len(places)} names of {others} other entities, as {example}"
        phrases = [name for _, name in places]
        shown = _quoted(phrases[:SHOWN]) + (", ..." if len(phrases) > SHOWN else "")
        yield _finding(
            entity,
            Check.CONTAINED,
            alias,
            f"is found inside {example}: each mention of those also counts as @{entity.id}",
            f"exclude = [{shown}] on @{entity.id} if it should not count there, or use a "
            "longer alias",
        )


def _contained_matters(entity: Entity, hit: Hit) -> bool:
    """Whether a name found inside another's is worth a finding: a one-word name that is an
    ordinary word (a rare or longer name inside another is the same thing, as intended:
    الإنتربول in الجمعية العامة للإنتربول), not a place's adjective (الإسبانية in a Spanish
    body's name) and not an ambiguous name (its context decides)."""
    if hit.guarded or entity.kind is EntityKind.TOPIC or hit.alias in entity.forms:
        return False
    stem = _stem(hit.alias)
    if stem is None or not normalise(hit.surface).endswith(stem[0]):
        return False  # a derived form, or not one Arabic word
    if entity.kind is EntityKind.PLACE:
        return any(True for _ in _place_word(entity, hit.alias))
    patterns = [
        p
        for p in entity_patterns(entity)
        if p.target.alias == hit.alias and p.target.source is Source.ALIAS and len(p.words) == 1
    ]
    return _ordinary(entity, patterns) is not None


def _where(entity: Entity) -> str:
    return f"{entity.file or '<rules>'}:{entity.line}" if entity.line else entity.file or "<rules>"


def _guillemets(names: Sequence[str]) -> str:
    shown = "، ".join(f"«{name}»" for name in names[:SHOWN])
    return shown + ("، …" if len(names) > SHOWN else "")


# -- 3. nisbas that are personal names ------------------------------------------------------


def _nisba_names(
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
        listed = source is Source.FORM
        if not (derived or listed):
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
            yield _finding(
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
            yield _finding(
                entity,
                Check.NAME,
                raw,
                f"is also {what}: alone it may name a person, not @{entity.id}",
                "remove it from forms, or exclude = [...] the full names you meet",
            )


# -- 4. inflections that are other words ----------------------------------------------------


def _inflections(entity: Entity, patterns: Sequence[Pattern]) -> Iterator[Finding]:
    """Generated forms (inflections, attached pronouns) far commoner than their word."""
    names = set(entity.names())
    colliding: dict[str, list[tuple[float, str, float, str]]] = {}
    origins: dict[str, str | None] = {}
    for pattern in patterns:
        raw = pattern.target.alias
        if pattern.target.source is not Source.DERIVED or len(pattern.words) != 1:
            continue
        if entity.kind is EntityKind.PLACE and raw in names:
            continue  # the nisba: see _nisba_names
        if raw not in origins:
            stem = _stem(raw)
            origins[raw] = None if stem is None else stem[0]
        origin = origins[raw]
        if origin is None:
            continue
        word = pattern.words[0]
        pairs = [(word, origin)] if "" in pattern.target.prefixes else []
        if ARTICLE in pattern.target.prefixes:
            pairs.append((ARTICLE + word, ARTICLE + origin))
        for form, source in pairs:
            value, base = zipf(form), _zipf(source)
            if value >= COMMON_ZIPF and value >= base + INFLECTION_MARGIN:
                colliding.setdefault(raw, []).append((value, word, base, source))
                break
    for raw, found in colliding.items():
        found.sort(reverse=True)
        value, word, base, origin = found[0]
        others = [w for _, w, _, _ in found[1:]]
        more = f" (and {_guillemets(others)})" if others else ""
        yield _finding(
            entity,
            Check.INFLECTION,
            raw,
            f"also catches «{word}»{more} ({_z(value)}), a word of its own far commoner than "
            f"«{origin}» ({base:.1f})",
            f"exclude = [{_quoted(w for _, w, _, _ in found[:SHOWN])}] if it is another word, "
            "or list the form differently",
            form=word,
        )


# -- 5. context words everyone uses ---------------------------------------------------------


def _common_context(entity: Entity) -> Iterator[Finding]:
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
        yield _finding(
            entity,
            Check.CONTEXT,
            entry,
            f"is a very common word ({_z(value)}): it is in nearly every article, so any "
            f"name of @{entity.id} it stands within {entity.near} words of counts, whatever "
            "its sense",
            "use a phrase only this sense uses, or a rarer word",
            key="context",
        )

"""Compile entities and query terms into the token-sequence patterns the engine looks for.

A pattern is a tuple of folded words (the first without its article) plus the proclitic
strings allowed before it; the engine matches `" ".join(words) + " "` on the token-joined
text and checks the proclitics in front.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from enum import Enum

from marsad.matching.entities import Entity, EntityKind
from marsad.matching.forms import (
    ARTICLE,
    Article,
    compound_variants,
    inflections,
    is_arabic,
    nisba_base,
    nisba_forms,
    with_pronouns,
    without_article,
    word_products,
    written_with_article,
)
from marsad.matching.lexicon import zipf
from marsad.matching.normalise import normalise, scan

# A derived form at least this common, and clearly more common than what it was derived
# from, is an ordinary word of its own (ماليّة "financial"), not a form of the name.
COMMON_ZIPF = 3.0
DERIVED_MARGIN = 0.5
# A person's one-word name, shortening a longer one, this common (هادي "calm", كريم "generous",
# عباس, of many people) is mostly something else: it counts with context.  Organisations are
# not judged so (الشرطة and داعش are common because they are news): `marsad check` warns.
AMBIGUOUS_ZIPF = 4.0
# A name written with ال whose bare word is this common, and this much more common than
# the name with ال, needs its article (الكيف / كيف "how").
BARE_COMMON = 4.0
BARE_MARGIN = 1.0


class Source(Enum):
    """Where a pattern comes from, best first (an alias beats a derived form)."""

    ALIAS = 0
    FORM = 1
    DERIVED = 2
    TERM = 3
    EXCLUDE = 4


@dataclass(frozen=True, slots=True)
class Target:
    """What a matched pattern stands for."""

    key: str
    is_entity: bool
    alias: str
    prefixes: frozenset[str]
    words: int
    source: Source
    person: bool = False
    cased: bool = False  # an upper-case Latin acronym (UK, US, DGSN): only upper case matches
    guarded: bool = False  # an ambiguous name: a hit counts only with the entity's context
    # A word that is also a family name (a nisba, a surname alone): after another person's
    # given name, or بن, it names a person; `own` are the entity's own name words.
    family_name: bool = False
    own: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Pattern:
    """One word sequence to find, and what finding it means."""

    words: tuple[str, ...]
    target: Target
    fuzzy: bool = False

    @property
    def key(self) -> str:
        """The automaton key: words joined by spaces, with the closing boundary."""
        return " ".join(self.words) + " "


@dataclass(frozen=True, slots=True)
class _Written:
    """A name as written: folded words, whether the first had the article, its script."""

    words: tuple[str, ...]
    article: bool
    arabic: bool
    # Whether each later word is written with the article (إلكترونية is not ال + كترونية).
    inner_articles: tuple[bool, ...] = ()


def _written(raw: str) -> _Written | None:
    words, starts, ends = scan(raw)
    if not words:
        return None
    arabic = is_arabic(words[0])
    articles = [
        is_arabic(w) and written_with_article(raw[s:e], w)
        for w, s, e in zip(words, starts, ends, strict=True)
    ]
    if articles[0]:
        words[0] = words[0][len(ARTICLE) :]
    return _Written(tuple(words), articles[0], arabic, tuple(articles[1:]))


def _not_common(form: str, reference: float) -> bool:
    z = zipf(form)
    return z < COMMON_ZIPF or z <= reference + DERIVED_MARGIN


def _inflected_words(written: _Written, *, pronouns: bool) -> list[tuple[str, ...]]:
    """Word-by-word inflections of a topic-like phrase, inner words with or without ال."""
    per_word: list[set[str]] = []
    for i, word in enumerate(written.words):
        if i == 0:
            options = inflections(word)
            if pronouns and len(written.words) == 1:
                options |= with_pronouns(options)
        else:
            written_article = i - 1 < len(written.inner_articles) and written.inner_articles[i - 1]
            base = without_article(word) if written_article else word
            options = inflections(base, head=False)
            options |= {ARTICLE + o for o in options if is_arabic(o)}
        per_word.append(options)
    return word_products(written.words, per_word)


def _accusative(words: tuple[str, ...], written: _Written) -> bool:
    """Whether the first word is a derived indefinite accusative (تعاوناً): it never takes ال."""
    first = words[0]
    return first != written.words[0] and first.endswith("ا") and not written.words[0].endswith("ا")


def _optional_article(words: tuple[str, ...], written: _Written) -> Article:
    """The article rule for a name that matches with or without ال.

    Not with it on an indefinite accusative (تعاوناً); not without it when the bare word
    is a far more common word of its own (الكيف "cannabis" is not كيف "how").
    """
    if _accusative(words, written):
        return Article.NEVER
    if written.article and _bare_is_another_word(words[0]):
        return Article.ALWAYS
    return Article.OPTIONAL


def _bare_is_another_word(stem: str) -> bool:
    bare = zipf(stem)
    return bare >= BARE_COMMON and bare > zipf(ARTICLE + stem) + BARE_MARGIN


def _derived_ok(words: tuple[str, ...], written: _Written) -> bool:
    if words == written.words or len(words) != 1:
        return True
    reference = max(zipf(written.words[0]), zipf(ARTICLE + written.words[0]))
    return _not_common(words[0], reference) and _not_common(ARTICLE + words[0], reference)


def is_acronym(raw: str) -> bool:
    """Whether a Latin alias is an upper-case acronym (US is not the pronoun "us")."""
    letters = [c for c in raw if c.isalpha()]
    return 0 < len(letters) <= 5 and raw.isupper()


def _latin(words: tuple[str, ...], *, inflect: bool) -> list[tuple[str, ...]]:
    """A Latin-script name as written, and for common nouns with a plural -s (terrorists)."""
    last = words[-1]
    if inflect and last.isalpha() and len(last) >= 3 and not last.endswith(("s", "x")):
        return [words, (*words[:-1], last + "s")]
    return [words]


def entity_patterns(entity: Entity) -> Iterator[Pattern]:
    """Every pattern of an entity: aliases, forms, derived nisba and inflections, excludes."""
    kind = entity.kind
    person = kind is EntityKind.PERSON
    common_noun = kind in (EntityKind.ORG, EntityKind.TOPIC)
    fuzzy = entity.is_fuzzy

    own = _own_words(entity) if person else frozenset()

    def pattern(
        words: tuple[str, ...], raw: str, article: Article, source: Source, guarded: bool = False
    ) -> Pattern:
        cased = article is Article.LATIN and is_acronym(raw)
        family_name = article is not Article.LATIN and (
            (person and len(words) == 1)
            or (kind is EntityKind.PLACE and source in (Source.FORM, Source.DERIVED))
        )
        target = Target(
            entity.id,
            True,
            raw,
            article.prefixes,
            len(words),
            source,
            person,
            cased,
            guarded,
            family_name,
            own,
        )
        return Pattern(words, target, fuzzy and source in (Source.ALIAS, Source.FORM))

    names = [(raw, ambiguous_alias(entity, raw)) for raw in entity.names()]
    names += [(raw, True) for raw in entity.ambiguous]
    for raw, guarded in names:
        written = _written(raw)
        if written is None:
            continue
        if not written.arabic:
            spellings = compound_variants(written.words) if person else {written.words}
            for variant in sorted(spellings):
                for words in _latin(variant, inflect=common_noun):
                    yield pattern(words, raw, Article.LATIN, Source.ALIAS, guarded)
            continue
        if kind is EntityKind.PLACE:
            yield pattern(
                written.words,
                raw,
                Article.ALWAYS if written.article else Article.NEVER,
                Source.ALIAS,
                guarded,
            )
            if entity.derives and len(written.words) == 1 and not guarded:
                yield from _nisba_patterns(entity, raw, written)
            continue
        if person:
            variants = _person_variants(written)
        else:
            # An attached pronoun turns an ambiguous name into the ordinary word (إخوانهم
            # "their brothers" is not الإخوان, the movement).
            variants = [
                w
                for w in _inflected_words(written, pronouns=not guarded)
                if _derived_ok(w, written)
            ]
        for words in variants:
            source = Source.ALIAS if person or words == written.words else Source.DERIVED
            article = _optional_article(words, written)
            yield pattern(words, raw, article, source, guarded)
    for raw in entity.forms:
        written = _written(raw)
        if written is None:
            continue
        if not written.arabic:
            for words in _latin(written.words, inflect=not person):
                yield pattern(words, raw, Article.LATIN, Source.FORM)
            continue
        # A nickname is not inflected.
        variants = [written.words] if person else _inflected_words(written, pronouns=common_noun)
        for words in variants:
            if _derived_ok(words, written):
                source = Source.FORM if words == written.words else Source.DERIVED
                article = _optional_article(words, written)
                yield pattern(words, raw, article, source)
    for raw in entity.exclude:
        # An exclusion vetoes its inflected forms too (أمريكا اللاتينية / الأمريكيين اللاتينيين).
        written = _written(raw)
        if written is None:
            continue
        if not written.arabic:
            for words in _latin(written.words, inflect=True):
                yield pattern(words, raw, Article.LATIN, Source.EXCLUDE)
            continue
        for words in _inflected_words(written, pronouns=False):
            yield pattern(words, raw, Article.OPTIONAL, Source.EXCLUDE)


def _own_words(entity: Entity) -> frozenset[str]:
    words: set[str] = set()
    for raw in entity.names():
        written = _written(raw)
        if written is not None:
            words.update(written.words)
    return frozenset(words)


def ambiguous_alias(entity: Entity, raw: str) -> bool:
    """Whether an alias counts only with context: listed as `ambiguous`, or a common word that
    shortens a person's longer name (not when listed under `always`)."""
    if raw in entity.ambiguous:
        return True
    if raw in entity.always or entity.kind is not EntityKind.PERSON:
        return False
    written = _written(raw)
    if written is None or len(written.words) != 1 or not written.arabic:
        return False
    word = (ARTICLE if written.article else "") + written.words[0]
    if zipf(word) < AMBIGUOUS_ZIPF:
        return False  # most names: no need to read the entity's other names
    return any(len(other.split()) > 1 for other in map(normalise, entity.names()))


def _person_variants(written: _Written) -> list[tuple[str, ...]]:
    out: set[tuple[str, ...]] = set()
    for words in compound_variants(written.words):
        out.add(words)
        if len(words) >= 2:
            last = words[-1]
            other = without_article(last) if last.startswith(ARTICLE) else ARTICLE + last
            out.add((*words[:-1], other))
    return sorted(out, key=lambda w: (w != written.words, w))


def _nisba_patterns(entity: Entity, raw: str, written: _Written) -> Iterator[Pattern]:
    base = nisba_base(written.words[0])
    if base is None:
        return
    reference = max(zipf(written.words[0]), zipf(ARTICLE + written.words[0]))
    for form in sorted(nisba_forms(base)):
        if not (_not_common(form, reference) and _not_common(ARTICLE + form, reference)):
            continue
        article = Article.NEVER if form.endswith("ا") else Article.OPTIONAL
        target = Target(entity.id, True, raw, article.prefixes, 1, Source.DERIVED, family_name=True)
        yield Pattern((form,), target, entity.is_fuzzy)


def term_key(term: str) -> str:
    """The key a term's hits carry: its normalised text."""
    return " ".join(scan(term)[0])


def term_patterns(term: str) -> Iterator[Pattern]:
    """A bare query word or phrase: same normalisation, clitics and inflections; never fuzzy."""
    written = _written(term)
    if written is None:
        return
    key = term_key(term)
    if not written.arabic:
        for words in _latin(written.words, inflect=True):
            target = Target(key, False, term, Article.LATIN.prefixes, len(words), Source.TERM)
            yield Pattern(words, target)
        return
    for words in _inflected_words(written, pronouns=True):
        if _derived_ok(words, written):
            article = _optional_article(words, written)
            target = Target(key, False, term, article.prefixes, len(words), Source.TERM)
            yield Pattern(words, target)


def alias_keys(entity: Entity) -> Iterator[str]:
    """Normalised texts that name the entity in a query: its aliases, with or without ال
    where the article rule allows, and personal names with compounds joined or split."""
    for raw in entity.names():
        written = _written(raw)
        if written is None:
            continue
        spellings = (
            compound_variants(written.words)
            if entity.kind is EntityKind.PERSON
            else {written.words}
        )
        for words in sorted(spellings):
            joined = " ".join(words)
            if written.article:
                yield ARTICLE + joined
                if entity.kind is not EntityKind.PLACE:
                    yield joined
            else:
                yield joined
                if written.arabic and entity.kind is not EntityKind.PLACE:
                    yield ARTICLE + joined

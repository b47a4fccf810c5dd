"""Linter check 2: names that two entities share, and one-word ordinary names found inside
another entity's name (الاتحاد inside الاتحاد الأوروبي).

Built from the patterns the linter already has, not from a compiled recogniser: a name is
found inside another where one of the longer name's words is the shorter name behind
proclitics it allows, and not inside one of its entity's exclusions.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from marsad.matching.entities import Entity, EntityKind
from marsad.matching.forms import ALL_PREFIXES, PREFIXES_ANY
from marsad.matching.lint_finding import SHOWN, Check, Finding, finding, guillemets, quoted, where
from marsad.matching.lint_names import one_word, ordinary, place_word
from marsad.matching.normalise import scan
from marsad.matching.patterns import Pattern, Source, entity_patterns

_LONGEST_PREFIX = max(map(len, ALL_PREFIXES))


@dataclass
class Overlaps:
    """What the check needs of every entity, gathered one entity at a time."""

    written: dict[tuple[str, ...], dict[str, str]] = field(default_factory=dict)
    derived: dict[str, int] = field(default_factory=dict)  # one-word form -> first entity
    short: dict[str, list[tuple[str, str, frozenset[str]]]] = field(default_factory=dict)
    excluded: dict[str, set[tuple[str, ...]]] = field(default_factory=dict)
    entities: list[Entity] = field(default_factory=list)

    def add(self, entity: Entity, patterns: Sequence[Pattern]) -> None:
        """Record an entity's names as written, its one-word ordinary names, its exclusions."""
        self.entities.append(entity)
        for pattern in patterns:
            source = pattern.target.source
            if source is Source.EXCLUDE:
                self.excluded.setdefault(entity.id, set()).add(pattern.words)
            elif source in (Source.ALIAS, Source.FORM):
                self.written.setdefault(pattern.words, {}).setdefault(
                    entity.id, pattern.target.alias
                )
            elif len(pattern.words) == 1:
                # The entity's position, not its alias: one small entry per generated word
                # (the alias is found again for the few reported).
                self.derived.setdefault(pattern.words[0], len(self.entities) - 1)
        for raw, found in one_word(patterns).items():
            alias = [p for p in found if p.target.source is Source.ALIAS and not p.target.guarded]
            if alias and _ordinary_name(entity, raw, alias):
                for pattern in alias:
                    self.short.setdefault(pattern.words[0], []).append(
                        (entity.id, raw, pattern.target.prefixes)
                    )

    def findings(self) -> Iterator[Finding]:
        """One finding per pair of entities sharing names, and per name found inside others."""
        by_id = {entity.id: entity for entity in self.entities}
        order = {entity.id: i for i, entity in enumerate(self.entities)}
        shared: dict[tuple[str, str], list[str]] = {}  # (later, earlier) -> the later's names
        caught: dict[tuple[str, str], list[tuple[str, str]]] = {}  # (id, other) -> names, forms
        for words, owners in self.written.items():
            ids = sorted(owners, key=order.__getitem__)
            for later in ids[1:]:
                names = shared.setdefault((later, ids[0]), [])
                if owners[later] not in names:
                    names.append(owners[later])
            index = self.derived.get(words[0]) if len(words) == 1 else None
            other = self.entities[index].id if index is not None else None
            if other is not None and other not in owners:
                origin = _origin(self.entities[index or 0], words[0])
                for ident in ids:
                    caught.setdefault((ident, other), []).append((owners[ident], origin))
        for (later, earlier), names in shared.items():
            entity = by_id[later]
            listed = list(dict.fromkeys((*entity.names(), *entity.forms)))
            names.sort(key=lambda name: listed.index(name) if name in listed else len(listed))
            yield _shared(entity, by_id[earlier], names)
        for (ident, other), pairs in caught.items():
            name, origin = pairs[0]
            yield finding(
                by_id[ident],
                Check.SHARED,
                name,
                f"is also caught by @{other} ({where(by_id[other])}) as a form of «{origin}»: "
                "a mention counts for both",
                f'exclude = ["{name}"] on @{other} if it is not one of its forms, or remove '
                f"it here",
            )
        inside: dict[tuple[str, str], list[tuple[str, str]]] = {}  # (id, alias) -> (other, name)
        if self.short:
            for entity in self.entities:
                for raw in dict.fromkeys((*entity.names(), *entity.forms)):
                    for ident, alias in self._inside(entity.id, raw):
                        inside.setdefault((ident, alias), []).append((entity.id, raw))
        for (ident, alias), places in inside.items():
            places.sort(key=lambda place: (len(place[1]), order[place[0]]))
            yield _contained(by_id[ident], alias, places, by_id)

    def _inside(self, owner: str, raw: str) -> Iterator[tuple[str, str]]:
        """The one-word ordinary names of other entities among the words of ``raw``."""
        tokens = scan(raw)[0]
        if len(tokens) < 2:
            return
        seen: set[tuple[str, str]] = set()
        for token in tokens:
            for cut in range(min(_LONGEST_PREFIX, len(token) - 1) + 1):
                prefix, rest = token[:cut], token[cut:]
                for ident, alias, prefixes in self.short.get(rest, ()):
                    if ident == owner or prefix not in prefixes or (ident, alias) in seen:
                        continue
                    if not _excluded(self.excluded.get(ident, set()), tokens):
                        seen.add((ident, alias))
                        yield ident, alias


def _origin(entity: Entity, word: str) -> str:
    """The name of ``entity`` that one of its generated words comes from."""
    return next(
        (
            p.target.alias
            for p in entity_patterns(entity)
            if p.words == (word,) and p.target.source is Source.DERIVED
        ),
        entity.name,
    )


def _ordinary_name(entity: Entity, raw: str, patterns: Sequence[Pattern]) -> bool:
    """Whether a one-word name is an ordinary word worth finding inside other names: a rare
    or longer name inside another is the same thing, as intended (الإنتربول in الجمعية العامة
    للإنتربول); topics are ordinary words by nature; ambiguous names wait for their context."""
    if entity.kind is EntityKind.TOPIC or raw in entity.forms:
        return False
    if entity.kind is EntityKind.PLACE:
        return any(True for _ in place_word(entity, raw))
    return ordinary(entity, patterns) is not None


def _excluded(exclusions: set[tuple[str, ...]], tokens: Sequence[str]) -> bool:
    """Whether one of an entity's exclusions stands among ``tokens`` (it vetoes the hit)."""
    if not exclusions:
        return False
    lengths = {len(words) for words in exclusions}
    for start, token in enumerate(tokens):
        heads = {token[cut:] for cut in range(len(token)) if token[:cut] in PREFIXES_ANY}
        for length in lengths:
            tail = tuple(tokens[start + 1 : start + length])
            if len(tail) == length - 1 and any((head, *tail) in exclusions for head in heads):
                return True
    return False


def _shared(entity: Entity, first: Entity, names: Sequence[str]) -> Finding:
    more = f" (and {len(names) - 1} more: {guillemets(names[1:])})" if len(names) > 1 else ""
    return finding(
        entity,
        Check.SHARED,
        names[0],
        f"is also a name of @{first.id} ({where(first)}){more}: a mention counts for both",
        f"remove it from one of them (a rule can name both: @{first.id} OR @{entity.id}); "
        "keep it if a mention should count for both",
    )


def _contained(
    entity: Entity, alias: str, places: Sequence[tuple[str, str]], by_id: dict[str, Entity]
) -> Finding:
    where_id, phrase = places[0]
    example = f"«{phrase}» of @{where_id} ({where(by_id[where_id])})"
    if len(places) > 1:
        others = len({other for other, _ in places})
        example = f"{len(places)} names of {others} other entities, as {example}"
    phrases = [name for _, name in places]
    shown = quoted(phrases[:SHOWN]) + (", ..." if len(phrases) > SHOWN else "")
    return finding(
        entity,
        Check.CONTAINED,
        alias,
        f"is found inside {example}: each mention of those also counts as @{entity.id}",
        f"exclude = [{shown}] on @{entity.id} if it should not count there, or use a longer alias",
    )

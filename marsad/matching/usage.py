"""How often a name fired in a set of items, and in which contexts: what an analyst reads
before deciding whether a flagged name stays, needs context or goes.

Pure: items in (the caller reads them from the store), counts and snippets out.  A name's
hits are the recogniser's exact hits of that entity and alias (and, for a generated form,
that form); an item is "counted" where the matcher kept one of them (an ambiguous name's hit
needs its context).  Fuzzy hits are left out: the archive index that names the candidate
items sees words as written, not their typos.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from marsad.matching.engine import FIELDS, Matcher, MatchInput
from marsad.matching.entities import Entity
from marsad.matching.explain import context
from marsad.matching.forms import PREFIXES_ANY
from marsad.matching.lexicon import zipf
from marsad.matching.normalise import normalise
from marsad.matching.patterns import Pattern, Source, ambiguous_alias, entity_patterns
from marsad.matching.recognise import Hit

SNIPPETS = 3
"""Contexts shown per name."""
WIDTH = 40
"""Characters of context either side of a hit."""


@dataclass(frozen=True)
class Name:
    """One name of an entity as the rule file writes it; ``form`` a generated word of it."""

    entity: str
    alias: str
    form: str | None = None

    def patterns(self, matcher: Matcher) -> list[Pattern]:
        """The patterns whose hits are this name's (to ask the archive index for items)."""
        entity = matcher.entities[self.entity]
        return [
            p
            for p in entity_patterns(entity)
            if p.target.alias == self.alias
            and p.target.source is not Source.EXCLUDE
            and (self.form is None or p.words == (self.form,))
        ]

    def fired(self, hit: Hit) -> bool:
        """Whether ``hit`` is an exact hit of this name."""
        if not hit.is_entity or hit.key != self.entity or hit.alias != self.alias or hit.fuzzy:
            return False
        if self.form is None:
            return True
        folded = normalise(hit.surface)
        return any(folded == prefix + self.form for prefix in PREFIXES_ANY)


@dataclass
class Usage:
    """Items where a name fired, how many of them counted it, and a few contexts."""

    items: int = 0
    counted: int = 0
    snippets: list[tuple[str, bool]] = field(default_factory=list)  # (context, counted)


def usage(
    matcher: Matcher, names: Sequence[Name], items: Iterable[MatchInput], snippets: int = SNIPPETS
) -> dict[Name, Usage]:
    """For each name, in how many ``items`` it fired and was counted, with up to ``snippets``
    contexts (the first items given: pass the newest first)."""
    found = {name: Usage() for name in names}
    by_entity: dict[str, list[Name]] = {}
    for name in names:
        by_entity.setdefault(name.entity, []).append(name)
    for item in items:
        hits = [
            hit
            for field_name in FIELDS
            if getattr(item, field_name)
            for hit in matcher.recogniser.find(getattr(item, field_name), field_name)
            if hit.is_entity and hit.key in by_entity
        ]
        if not hits:
            continue
        kept = set(matcher.find(item))
        for name in (name for hit_key in {hit.key for hit in hits} for name in by_entity[hit_key]):
            fired = [hit for hit in hits if name.fired(hit)]
            if not fired:
                continue
            record = found[name]
            record.items += 1
            shown = next((hit for hit in fired if hit in kept), fired[0])
            counted = shown in kept
            record.counted += counted
            if len(record.snippets) < snippets:
                text: str = getattr(item, shown.field)
                line = context(text, shown.start, shown.end, width=WIDTH)
                record.snippets.append((line, counted))
    return found


def describe(record: Usage, days: int) -> list[str]:
    """The lines shown under a name: the count, then each context."""
    period = f"last {days} day{'s' if days != 1 else ''}"
    if not record.items:
        return [f"{period}: no stored item has it"]
    items = f"{record.items} item{'s' if record.items != 1 else ''}"
    head = f"{period}: in {items}"
    if record.counted != record.items:
        head += f", counted in {record.counted} (the others lacked its context)"
    lines = [head]
    for line, counted in record.snippets:
        lines.append(f"  {line}" + ("" if counted else "  [not counted]"))
    return lines


def names_of(entities: Iterable[Entity], text: str) -> list[Name]:
    """The names of entities (aliases, forms, ambiguous names) that ``text`` is, once folded."""
    folded = normalise(text)
    found: list[Name] = []
    for entity in entities:
        for raw in dict.fromkeys((*entity.names(), *entity.forms, *entity.ambiguous)):
            if normalise(raw) == folded:
                found.append(Name(entity.id, raw))
                break
    return found


def treatment(matcher: Matcher, entity_id: str, raw: str) -> str:
    """How the engine treats one name of an entity: wherever it appears, or as ambiguous."""
    entity = matcher.entities[entity_id]
    head = f"«{raw}» is a name of @{entity.id} ({entity.name}, {entity.kind})"
    if raw in entity.ambiguous:
        why = "listed under ambiguous"
    elif ambiguous_alias(entity, raw):
        why = f"a common word, Zipf {zipf(normalise(raw)):.1f}, shortening a longer name"
    else:
        return f"{head}: it counts wherever it appears"
    ctx = matcher.context_of(entity.id)
    if ctx is None:
        return (
            f"{head}: ambiguous ({why}), it counts only where another of its names is in the "
            "same item (no context words)"
        )
    return (
        f"{head}: ambiguous ({why}), it counts where one of its context words "
        f"({'، '.join(entity.context)}) stands within {ctx.near} words or in the title, or "
        "where another of its names is in the same item"
    )

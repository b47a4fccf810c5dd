"""Entities: the things to recognise (people, organisations, places, topics) and their names."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from marsad.matching.titles import Titles

# How many words from an ambiguous name a context word may stand, unless the entity says.
NEAR_DEFAULT = 10


class EntityKind(StrEnum):
    """What an entity is; it decides the article rule, derivation and fuzzy defaults."""

    PERSON = "person"
    ORG = "org"
    PLACE = "place"
    TOPIC = "topic"


@dataclass(frozen=True)
class Entity:
    """One entity as a rule file defines it.

    `forms` are extra derived words (demonyms, irregular plurals) whose regular inflections
    match too; `derive` (default: places only) derives the nisba from the Arabic aliases;
    `fuzzy` (default: persons and places) allows typo-tolerant matching; `exclude` phrases
    veto the hits they contain.  `ambiguous` names (also ordinary words or other people's
    names) count only with one of the `context` words, phrases or @entities within `near`
    words or in the title; `always` exempts an alias from being judged ambiguous for its
    frequency.  `titles` are what people are shown (display only, never matched; see
    `title_in`).  `file`/`line` say where it was defined, and `key_lines` the line of each of
    its keys, for messages.
    """

    id: str
    kind: EntityKind
    name: str
    aliases: tuple[str, ...]
    forms: tuple[str, ...] = ()
    derive: bool | None = None
    fuzzy: bool | None = None
    exclude: tuple[str, ...] = ()
    ambiguous: tuple[str, ...] = ()
    context: tuple[str, ...] = ()
    near: int = NEAR_DEFAULT
    always: tuple[str, ...] = ()
    titles: Titles = field(default_factory=Titles)
    file: str | None = None
    line: int | None = None
    key_lines: tuple[tuple[str, int], ...] = field(default=(), compare=False, repr=False)

    def title_in(self, language: str) -> str:
        """The entity's title in ``language`` (a code), else its first title, else its name."""
        return self.titles.in_language(language, self.name)

    def line_of(self, key: str) -> int | None:
        """The line of ``key`` in the entity's table, else the table's own line."""
        return next((line for name, line in self.key_lines if name == key), self.line)

    @property
    def derives(self) -> bool:
        """Whether the nisba is derived from the Arabic aliases."""
        return self.derive if self.derive is not None else self.kind is EntityKind.PLACE

    @property
    def is_fuzzy(self) -> bool:
        """Whether typo-tolerant matching applies to this entity's names."""
        if self.fuzzy is not None:
            return self.fuzzy
        return self.kind in (EntityKind.PERSON, EntityKind.PLACE)

    def names(self) -> tuple[str, ...]:
        """The aliases, with the display name first when it is not already among them."""
        if self.name and self.name not in self.aliases:
            return (self.name, *self.aliases)
        return self.aliases

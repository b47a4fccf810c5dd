"""What the rule linter reports (a Finding per thing to look at) and the word helpers its
checks share: the key that lists a name, a one-word name's stem, a pattern's commonest word."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

from marsad.matching.entities import Entity
from marsad.matching.forms import ARTICLE, is_arabic, written_with_article
from marsad.matching.lexicon import zipf
from marsad.matching.normalise import scan
from marsad.matching.patterns import Pattern

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


def key_of(entity: Entity, raw: str) -> str:
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


def finding(
    entity: Entity,
    check: Check,
    raw: str,
    problem: str,
    fix: str,
    key: str | None = None,
    form: str | None = None,
) -> Finding:
    """A finding about ``raw``, placed at the line of the key that lists it."""
    key = key or key_of(entity, raw)
    return Finding(check, entity.id, key, raw, problem, fix, entity.file, entity.line_of(key), form)


@lru_cache(maxsize=65_536)
def stem(raw: str) -> tuple[str, bool] | None:
    """A one-word Arabic name folded, without its article, and whether it had one."""
    words, starts, ends = scan(raw)
    if len(words) != 1 or not is_arabic(words[0]):
        return None
    article = written_with_article(raw[starts[0] : ends[0]], words[0])
    return (words[0][len(ARTICLE) :] if article else words[0]), article


def commonest(pattern: Pattern) -> tuple[float, str]:
    """The Zipf frequency and folded spelling of the commonest word a one-word pattern stands
    for: the word bare and/or with the article, as its proclitics allow."""
    word = pattern.words[0]
    surfaces = [word] if "" in pattern.target.prefixes else []
    if ARTICLE in pattern.target.prefixes:
        surfaces.append(ARTICLE + word)
    return max(((zipf(surface), surface) for surface in surfaces), default=(0.0, ""))


cached_zipf = lru_cache(maxsize=65_536)(zipf)
"""Word frequencies looked up again and again (the word a name's forms come from)."""


def z(value: float) -> str:
    """A frequency as messages write it."""
    return f"Zipf {value:.1f}"


def quoted(words: Iterable[str]) -> str:
    """Words as a TOML list's items."""
    return ", ".join(f'"{word}"' for word in words)


def guillemets(names: Sequence[str]) -> str:
    """A few names in «», Arabic-comma separated."""
    shown = "، ".join(f"«{name}»" for name in names[:SHOWN])
    return shown + ("، …" if len(names) > SHOWN else "")


def where(entity: Entity) -> str:
    """``FILE:LINE`` of an entity's table."""
    file = entity.file or "<rules>"
    return f"{file}:{entity.line}" if entity.line else file

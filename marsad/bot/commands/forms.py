"""``marsad forms NAME``: what a name will catch, before it goes into a rule file."""

from __future__ import annotations

import argparse
from pathlib import Path

from marsad.bot.commands.match import add_rules_argument, utf8_streams
from marsad.config import load_config
from marsad.matching.catches import catches
from marsad.matching.entities import Entity, EntityKind
from marsad.matching.rulefile import load_rules
from marsad.matching.usage import names_of

HELP = "print what a name will catch: its forms, inflections and proclitics"
DESCRIPTION = """\
Print what a name will catch: its spellings as written, the forms derived from it (a place's
nisba, the inflections of a topic or organisation), those forms with attached pronouns, the
proclitics allowed in front (و ف ب ك ل and the article), whether typos are tolerated, and
whether it counts only with context.

A name of an entity in the rule files is shown with that entity's settings (derive, fuzzy,
ambiguous, context, exclude); any other name as a new entity of --kind (default topic).

  marsad forms إسبانيا
  marsad forms "مهاجر غير شرعي" --kind topic
  marsad forms الهيروين --rules my-rules/
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_rules_argument(parser)
    parser.add_argument(
        "--kind",
        choices=[kind.value for kind in EntityKind],
        default=EntityKind.TOPIC.value,
        help="for a name no entity has: the kind of entity it would be (default topic)",
    )
    parser.add_argument("name", nargs="+", help="the name (several words are one name)")


def run(args: argparse.Namespace) -> int:
    utf8_streams()
    name = " ".join(" ".join(args.name).split())
    paths = [Path(p) for p in args.rules] if args.rules else list(load_config(args.config).rules)
    entities = {entity.id: entity for entity in load_rules(paths).entities}
    found = names_of(entities.values(), name)
    for index, known in enumerate(found):
        entity = entities[known.entity]
        where = f"{entity.file}:{entity.line}" if entity.file and entity.line else entity.file
        if index:
            print()
        print("\n".join(catches(entity, known.alias, where)))
    if not found:
        kind = EntityKind(args.kind)
        print(f"«{name}» is no entity's name in the rule files: shown as a new {kind}")
        print("\n".join(catches(Entity(id="new", kind=kind, name=name, aliases=(name,)), name)))
    return 0

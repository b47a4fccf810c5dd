"""Rule and entity titles in a chat's language: the one place the bot picks them.

A rule file may give a title per language (``title = { ar = "…", en = "…", fr = "…" }``); a chat
is shown the title in its language, else the first title written, else the entity's name (a
rule's id).  Subscriptions name rules and entities by id: ``rule_label``/``entity_label`` also
cover an id the rule files no longer define (shown as the id, ``@id`` for an entity).
"""

from __future__ import annotations

from marsad.matching.engine import Matcher
from marsad.matching.entities import Entity
from marsad.matching.rulefile import Rule
from marsad.store.chats import Language


def rule_title(rule: Rule, language: Language) -> str:
    """The rule's title in ``language``."""
    return rule.title_in(language.value)


def entity_title(entity: Entity, language: Language) -> str:
    """The entity's title in ``language`` (its ``name`` when the file gives no title)."""
    return entity.title_in(language.value)


def rule_label(matcher: Matcher | None, rule_id: str, language: Language) -> str:
    """The title of rule ``rule_id`` in ``language``; the id itself when it is not defined."""
    rule = matcher.rules.get(rule_id) if matcher is not None else None
    return rule_title(rule, language) if rule is not None else rule_id


def entity_label(matcher: Matcher | None, entity_id: str, language: Language) -> str:
    """The title of entity ``entity_id`` in ``language``; ``@id`` when it is not defined."""
    entity = matcher.entities.get(entity_id) if matcher is not None else None
    return entity_title(entity, language) if entity is not None else f"@{entity_id}"

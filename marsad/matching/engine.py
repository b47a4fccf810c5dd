"""The compiled matcher: every rule and every subscribed query, evaluated per item in one pass.

All entities and every word or phrase used by any query live in one Recogniser (one
multi-pattern automaton plus the fuzzy index).  Matching an item runs the recogniser once per
field, then evaluates only the queries that one of the hit keys can make true: a query always
needs a positive leaf (the parser refuses pure-NOT queries), so the others stay false.
"""

from __future__ import annotations

import difflib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from marsad.errors import Problem, RuleError
from marsad.matching.entities import Entity
from marsad.matching.query import (
    And,
    EntityRef,
    Near,
    Node,
    Not,
    Or,
    QueryError,
    Term,
    entity_refs,
    parse,
    terms,
    unparse,
)
from marsad.matching.recognise import Hit, Recogniser
from marsad.matching.rulefile import Rule, RuleSet, Severity, load_rules, parse_rules

__all__ = [
    "FIELDS",
    "CompiledQuery",
    "MatchInput",
    "MatchResult",
    "Matcher",
    "Rule",
    "RuleSet",
    "Severity",
    "load_rules",
    "parse_rules",
]

FIELDS = ("title", "summary", "text")

Key = tuple[bool, str]  # (is_entity, entity id or term)
Span = tuple[str, int, int]  # field, first token, token after the last


@dataclass(frozen=True)
class MatchInput:
    """One item to match: its fields and, for rules limited by ``sources``, its source and tags."""

    id: str
    title: str = ""
    summary: str = ""
    text: str = ""
    source: str | None = None
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class MatchResult:
    """What matched one item: rule ids, added query ids, entity ids, and every hit behind them."""

    id: str
    rules: tuple[str, ...]
    queries: tuple[str, ...]
    entities: tuple[str, ...]
    hits: tuple[Hit, ...]


@dataclass(frozen=True)
class Context:
    """What confirms an entity's ambiguous names: any of `keys` within `near` words, or in
    the title."""

    keys: frozenset[Key]
    near: int


@dataclass(frozen=True)
class CompiledQuery:
    """A parsed query with entity aliases resolved; ``keys`` are its trigger keys (one must hit)."""

    id: str
    text: str
    node: Node
    keys: frozenset[Key]
    sources: frozenset[str] = frozenset()


_term_key = lru_cache(maxsize=65_536)(Recogniser.term_key)


def leaf_key(node: Term | EntityRef) -> Key:
    """The key under which the recogniser reports hits of a leaf (terms: normalised text)."""
    if isinstance(node, EntityRef):
        return (True, node.id)
    return (False, _term_key(node.text))


_key = leaf_key


def trigger_keys(node: Node) -> frozenset[Key] | None:
    """Keys one of which every item the query matches must contain (None: no such set).

    Sound because a query is true only through positive leaves: an AND needs every operand,
    so one operand's keys suffice, and entities (rarer than words) are preferred.  Indexing
    queries by these keys lets an item evaluate only the queries it can make true.
    """
    if isinstance(node, Term | EntityRef):
        return frozenset({_key(node)})
    if isinstance(node, Not):
        return None
    if isinstance(node, Or):
        union: set[Key] = set()
        for child in node.operands:
            keys = trigger_keys(child)
            if keys is None:
                return None
            union |= keys
        return frozenset(union)
    children = node.operands if isinstance(node, And) else (node.left, node.right)
    options = [keys for keys in map(trigger_keys, children) if keys is not None]
    if not options:
        return None
    return min(options, key=lambda keys: (any(not e for e, _ in keys), len(keys)))


def evaluate(node: Node, present: dict[Key, list[Span]]) -> bool:
    """Whether ``node`` holds for an item whose hits are ``present``."""
    if isinstance(node, Term | EntityRef):
        return _key(node) in present
    if isinstance(node, Not):
        return not evaluate(node.operand, present)
    if isinstance(node, And):
        return all(evaluate(child, present) for child in node.operands)
    if isinstance(node, Or):
        return any(evaluate(child, present) for child in node.operands)
    return bool(spans(node, present))


def spans(node: Node, present: dict[Key, list[Span]]) -> list[Span]:
    """Token spans where a positional node (leaf, OR of them, NEAR) holds."""
    if isinstance(node, Term | EntityRef):
        return present.get(_key(node), [])
    if isinstance(node, Or):
        return [span for child in node.operands for span in spans(child, present)]
    if isinstance(node, Near):
        found: list[Span] = []
        right = spans(node.right, present)
        for a_field, a_start, a_end in spans(node.left, present):
            for b_field, b_start, b_end in right:
                if a_field != b_field:
                    continue
                # Distance in words between the nearer ends; adjacent words are 1 apart.
                gap = max(b_start - (a_end - 1), a_start - (b_end - 1), 0)
                if gap <= node.distance:
                    found.append((a_field, min(a_start, b_start), max(a_end, b_end)))
        return found
    raise TypeError(f"{type(node).__name__} has no word positions")  # parser prevents this


class Matcher:
    """Rules and subscribed queries compiled over one Recogniser."""

    def __init__(self, ruleset: RuleSet, recogniser: Recogniser) -> None:
        self.ruleset = ruleset
        self.recogniser = recogniser
        self.entities: dict[str, Entity] = {entity.id: entity for entity in ruleset.entities}
        self.rules: dict[str, Rule] = {}
        self._compiled: dict[str, CompiledQuery] = {}  # rules first, then queries
        self._rule_ids: list[str] = []
        self._query_ids: dict[str, None] = {}
        self._by_key: dict[Key, set[str]] = defaultdict(set)
        self._term_uses: dict[str, int] = defaultdict(int)
        self._order: dict[str, int] = {}
        self._contexts: dict[str, Context] = {}
        self._context_terms: set[str] = set()

    # -- building ---------------------------------------------------------------------------

    @classmethod
    def compile(cls, ruleset: RuleSet) -> Matcher:
        """Compile every entity and rule; raise RuleError listing every bad rule."""
        recogniser = Recogniser(ruleset.entities)
        matcher = cls(ruleset, recogniser)
        parsed: list[tuple[Rule, Node]] = []
        problems: list[Problem] = []
        for rule in ruleset.rules:
            try:
                node = matcher._parse(rule.query, rule.file or "<rules>", rule.line, rule.id)
            except RuleError as exc:
                problems.extend(exc.problems)
                continue
            parsed.append((rule, node))
        problems.extend(matcher._compile_contexts())
        if problems:
            raise RuleError(problems)
        wanted = {term.text for _, node in parsed for term in terms(node)}
        for text in sorted(wanted):
            recogniser.add_term(text)
        for rule, node in parsed:
            matcher.rules[rule.id] = rule
            matcher._rule_ids.append(rule.id)
            matcher._install(rule.id, rule.query, node, rule.sources)
        return matcher

    @classmethod
    def from_paths(cls, paths: Sequence[Path | str]) -> Matcher:
        """Load rule files or folders and compile them."""
        return cls.compile(load_rules([Path(p) for p in paths]))

    def _compile_contexts(self) -> list[Problem]:
        """Register every entity's context words and check its @entity references."""
        problems = []
        for entity in self.entities.values():
            keys: set[Key] = set()
            for entry in entity.context:
                if entry.startswith("@"):
                    ident = entry[1:].strip()
                    if ident in self.entities:
                        keys.add((True, ident))
                        continue
                    close = difflib.get_close_matches(ident, sorted(self.entities), n=1)
                    hint = f" (did you mean @{close[0]}?)" if close else ""
                    message = f"context {entry!r}: no entity of that id{hint}"
                elif _term_key(entry):
                    keys.add((False, _term_key(entry)))
                    self.recogniser.add_term(entry)
                    self._context_terms.add(_term_key(entry))
                    continue
                else:
                    message = f"context {entry!r} has no letters or digits to match"
                key = f"entity[{entity.id}].context"
                problems.append(
                    Problem(entity.file or "<rules>", message, key=key, line=entity.line)
                )
            if keys:
                self._contexts[entity.id] = Context(frozenset(keys), entity.near)
        return problems

    def _parse(self, query: str, file: str, line: int | None, key: str) -> Node:
        """Parse and check a query; a typed query (no file line) fails with a caret."""
        node = parse(query, self.recogniser.entity_for_alias)
        found: list[tuple[int, str]] = []
        for term in terms(node):
            if not leaf_key(term)[1]:
                found.append((term.column, f"{term.text!r} has no letters or digits to match"))
        for ref in entity_refs(node):
            if ref.id not in self.entities:
                close = difflib.get_close_matches(ref.id, sorted(self.entities), n=1, cutoff=0.6)
                hint = f"did you mean @{close[0]}?" if close else "no entity of that id is defined"
                found.append((ref.column, f"unknown entity @{ref.id} ({hint})"))
        if not found:
            return node
        if line is None:
            column, message = min(found)
            raise QueryError(query, column, message, file=file, key=key)
        raise RuleError(
            [
                Problem(file, f"{message} (query column {column})", key=key, line=line)
                for column, message in found
            ]
        )

    def _install(self, ident: str, text: str, node: Node, sources: Iterable[str]) -> CompiledQuery:
        keys = trigger_keys(node)
        if keys is None:  # pragma: no cover - the parser refuses queries without positive terms
            raise RuleError([Problem("<query>", "a query needs a term not under NOT", key=ident)])
        compiled = CompiledQuery(ident, text, node, keys, frozenset(s.casefold() for s in sources))
        self._compiled[ident] = compiled
        self._order.setdefault(ident, len(self._order))
        for key in keys:
            self._by_key[key].add(ident)
        for term in {leaf_key(t)[1] for t in terms(node)}:
            self._term_uses[term] += 1
        return compiled

    def _uninstall(self, ident: str) -> None:
        compiled = self._compiled.pop(ident)
        for key in compiled.keys:
            self._by_key[key].discard(ident)
        for term in {leaf_key(t)[1] for t in terms(compiled.node)}:
            self._term_uses[term] -= 1

    def add_query(self, query_id: str, query: str) -> CompiledQuery:
        """Add (or replace) a subscriber's query without recompiling; RuleError when invalid."""
        if query_id in self.rules:
            raise RuleError(
                [Problem("<query>", f"{query_id!r} is already a rule id", key=query_id)]
            )
        node = self._parse(query, "<query>", None, query_id)
        for term in terms(node):
            if leaf_key(term)[1] not in self._term_uses:
                self.recogniser.add_term(term.text)
        if query_id in self._compiled:
            self._uninstall(query_id)
        self._query_ids[query_id] = None
        return self._install(query_id, query, node, ())

    def remove_query(self, query_id: str) -> None:
        """Forget a query added by ``add_query`` (unknown ids are ignored)."""
        if query_id in self._query_ids:
            del self._query_ids[query_id]
            self._uninstall(query_id)

    def compiled(self, ident: str) -> CompiledQuery:
        """The compiled form of a rule or added query."""
        return self._compiled[ident]

    # -- describing -------------------------------------------------------------------------

    def describe(self, query: str) -> str:
        """What ``query`` will match, in a few lines: its canonical form, entities and words."""
        node = self._parse(query, "<query>", None, "query")
        lines = [unparse(node)]
        seen: set[str] = set()
        for ref in entity_refs(node):
            if ref.id in seen:
                continue
            seen.add(ref.id)
            entity = self.entities[ref.id]
            names = list(dict.fromkeys((*entity.aliases, *entity.forms)))
            shown = "، ".join(names[:8]) + (f" (+{len(names) - 8})" if len(names) > 8 else "")
            extras = [
                label for label, on in (("nisba", entity.derives), ("typos", entity.is_fuzzy)) if on
            ]
            more = f" [+{', '.join(extras)}]" if extras else ""
            lines.append(f"@{entity.id} — {entity.name}: {shown}{more}")
        words = list(dict.fromkeys(term.text for term in terms(node)))
        if words:
            lines.append("words: " + "، ".join(words))
        return "\n".join(lines)

    # -- matching ---------------------------------------------------------------------------

    def find(self, item: MatchInput) -> list[Hit]:
        """Every hit in the item's fields, in field order, entity hits and in-use term hits.

        An ambiguous name's hit is kept only where its entity is named plainly elsewhere in
        the item, or one of its context words stands near it or in the title.
        """
        hits: list[Hit] = []
        context: list[Hit] = []
        for name in FIELDS:
            value = getattr(item, name)
            if value:
                for hit in self.recogniser.find(value, name):
                    if hit.is_entity or self._term_uses.get(hit.key, 0) > 0:
                        hits.append(hit)
                    elif hit.key in self._context_terms:
                        context.append(hit)
        if any(hit.guarded for hit in hits):
            hits = self._confirmed(hits, context)
        return hits

    def _confirmed(self, hits: list[Hit], context: list[Hit]) -> list[Hit]:
        plain: dict[Key, list[Hit]] = defaultdict(list)
        for hit in (*hits, *context):
            if not hit.guarded:
                plain[(hit.is_entity, hit.key)].append(hit)
        return [
            hit
            for hit in hits
            if not hit.guarded or (True, hit.key) in plain or self._in_context(hit, plain)
        ]

    def _in_context(self, hit: Hit, plain: dict[Key, list[Hit]]) -> bool:
        context = self._contexts.get(hit.key)
        if context is None:
            return False
        for key in context.keys:
            for other in plain.get(key, ()):
                if other.field == "title":
                    return True
                if other.field == hit.field:
                    gap = max(
                        other.token_start - (hit.token_end - 1),
                        hit.token_start - (other.token_end - 1),
                        0,
                    )
                    if gap <= context.near:
                        return True
        return False

    def context_of(self, entity_id: str) -> Context | None:
        """What confirms the entity's ambiguous names, if it has context words."""
        return self._contexts.get(entity_id)

    def match(self, item: MatchInput) -> MatchResult:
        """Match one item against every rule and every added query."""
        hits = self.find(item)
        present: dict[Key, list[Span]] = defaultdict(list)
        entities: dict[str, None] = {}
        for hit in hits:
            present[(hit.is_entity, hit.key)].append((hit.field, hit.token_start, hit.token_end))
            if hit.is_entity:
                entities[hit.key] = None
        candidates: set[str] = set()
        for key in present:
            candidates |= self._by_key.get(key, set())
        item_sources = {s.casefold() for s in (item.source, *item.tags) if s}
        fired: list[str] = []
        for ident in sorted(candidates, key=self._order.__getitem__):
            compiled = self._compiled[ident]
            if compiled.sources and not compiled.sources & item_sources:
                continue
            if evaluate(compiled.node, present):
                fired.append(ident)
        return MatchResult(
            id=item.id,
            rules=tuple(i for i in fired if i in self.rules),
            queries=tuple(i for i in fired if i in self._query_ids),
            entities=tuple(entities),
            hits=tuple(hits),
        )

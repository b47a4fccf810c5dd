"""Rule regression testing: precision and recall of entities and rules against labelled items.

Labels are JSON lines ``{"id", "entities": [...], "rules": [...]}``; ``rules`` is optional
(a line without it scores entities only) and an optional ``mentions`` object
``{entity: [surface forms]}`` lets a miss be shown where the labeller saw the mention.
Scores are over (item × entity) and (item × rule) pairs of the items that have a label.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from marsad.errors import Problem, RuleError
from marsad.matching.engine import FIELDS, MatchInput, MatchResult
from marsad.matching.explain import context
from marsad.matching.normalise import normalise


@dataclass(frozen=True)
class Label:
    """What a careful reader says one item mentions."""

    id: str
    entities: frozenset[str]
    rules: frozenset[str] | None = None
    mentions: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


class MistakeKind(StrEnum):
    MISS = "miss"
    FALSE_ALARM = "false alarm"


@dataclass(frozen=True)
class Mistake:
    """One wrong answer, with a line of context to judge it."""

    kind: MistakeKind
    what: str  # "entity" or "rule"
    target: str
    item: str
    context: str


@dataclass(frozen=True)
class Score:
    """Counts and rates for one entity or rule."""

    target: str
    true_positives: int
    false_positives: int
    false_negatives: int

    @property
    def precision(self) -> float | None:
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else None

    @property
    def recall(self) -> float | None:
        expected = self.true_positives + self.false_negatives
        return self.true_positives / expected if expected else None


@dataclass(frozen=True)
class Report:
    """Per-entity and per-rule scores, their totals, and every mistake."""

    entities: tuple[Score, ...]
    rules: tuple[Score, ...]
    entity_total: Score
    rule_total: Score | None
    mistakes: tuple[Mistake, ...]
    scored: int
    unlabelled: int
    not_in_input: int = 0


def parse_labels(lines: Iterable[str], file: str = "<labels>") -> dict[str, Label]:
    """Read label lines; raise RuleError naming every bad line."""
    labels: dict[str, Label] = {}
    problems: list[Problem] = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(Problem(file, f"not JSON: {exc.msg}", line=number, column=exc.colno))
            continue
        if not isinstance(data, dict) or "id" not in data:
            problems.append(Problem(file, 'expected an object with "id"', line=number))
            continue
        entities = data.get("entities", [])
        rules = data.get("rules")
        mentions = data.get("mentions") or {}
        if not _str_list(entities) or (rules is not None and not _str_list(rules)):
            problems.append(
                Problem(file, '"entities" and "rules" must be lists of ids', line=number)
            )
            continue
        clean_mentions = {
            str(key): tuple(str(v) for v in value)
            for key, value in (mentions.items() if isinstance(mentions, dict) else [])
            if isinstance(value, list)
        }
        ident = str(data["id"])
        labels[ident] = Label(
            ident,
            frozenset(entities),
            None if rules is None else frozenset(rules),
            clean_mentions,
        )
    if problems:
        raise RuleError(problems)
    return labels


def _str_list(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def score(
    results: Sequence[MatchResult],
    items: Mapping[str, MatchInput],
    labels: Mapping[str, Label],
    rule_ids: Sequence[str] = (),
    entity_ids: Sequence[str] = (),
) -> Report:
    """Compare results with labels; ``items`` supplies the text for the mistakes' context.

    Only the entities in ``entity_ids`` and the rules in ``rule_ids`` are scored (by default,
    every id that some label names): a labeller who never judged an entity says nothing about it.
    """
    if not entity_ids:
        entity_ids = sorted({e for label in labels.values() for e in label.entities})
    if not rule_ids:
        rule_ids = sorted({r for label in labels.values() for r in label.rules or ()})
    entity_universe, rule_universe = set(entity_ids), set(rule_ids)
    entity_counts: dict[str, list[int]] = {e: [0, 0, 0] for e in entity_ids}
    rule_counts: dict[str, list[int]] = {r: [0, 0, 0] for r in rule_ids}
    mistakes: list[Mistake] = []
    scored = unlabelled = 0
    any_rule_labels = False
    for result in results:
        label = labels.get(result.id)
        if label is None:
            unlabelled += 1
            continue
        scored += 1
        item = items.get(result.id, MatchInput(result.id))
        found = set(result.entities) & entity_universe
        expected = set(label.entities) & entity_universe
        _count(entity_counts, found, expected)
        for target in sorted(found - expected):
            mistakes.append(
                Mistake(
                    MistakeKind.FALSE_ALARM,
                    "entity",
                    target,
                    result.id,
                    _hit_context(result, item, target),
                )
            )
        for target in sorted(expected - found):
            mistakes.append(
                Mistake(
                    MistakeKind.MISS,
                    "entity",
                    target,
                    result.id,
                    _mention_context(item, label.mentions.get(target, ())),
                )
            )
        if label.rules is not None:
            any_rule_labels = True
            fired = set(result.rules) & rule_universe
            wanted = set(label.rules) & rule_universe
            _count(rule_counts, fired, wanted)
            for target in sorted(fired - wanted):
                mistakes.append(
                    Mistake(
                        MistakeKind.FALSE_ALARM, "rule", target, result.id, _summary(result, item)
                    )
                )
            for target in sorted(wanted - fired):
                mistakes.append(
                    Mistake(MistakeKind.MISS, "rule", target, result.id, _summary(result, item))
                )
    entity_scores = tuple(Score(k, *v) for k, v in sorted(entity_counts.items()))
    rule_scores = tuple(Score(k, *v) for k, v in sorted(rule_counts.items()))
    return Report(
        entities=entity_scores,
        rules=rule_scores if any_rule_labels else (),
        entity_total=_total("all entities", entity_scores),
        rule_total=_total("all rules", rule_scores) if any_rule_labels else None,
        mistakes=tuple(mistakes),
        scored=scored,
        unlabelled=unlabelled,
        not_in_input=len(set(labels) - {result.id for result in results}),
    )


def _count(counts: dict[str, list[int]], found: set[str], expected: set[str]) -> None:
    for target in found | expected:
        row = counts.setdefault(target, [0, 0, 0])
        if target in found and target in expected:
            row[0] += 1
        elif target in found:
            row[1] += 1
        else:
            row[2] += 1


def _total(name: str, scores: Sequence[Score]) -> Score:
    return Score(
        name,
        sum(s.true_positives for s in scores),
        sum(s.false_positives for s in scores),
        sum(s.false_negatives for s in scores),
    )


def _hit_context(result: MatchResult, item: MatchInput, entity: str) -> str:
    hits = [hit for hit in result.hits if hit.is_entity and hit.key == entity]
    if not hits:
        return _summary(result, item)
    hit = hits[0]
    more = f"  (+{len(hits) - 1} more)" if len(hits) > 1 else ""
    how = f", fuzzy d={hit.distance}" if hit.fuzzy else ""
    text = getattr(item, hit.field)
    return f"{hit.field}: {context(text, hit.start, hit.end)}  [alias «{hit.alias}»{how}]{more}"


def _mention_context(item: MatchInput, surfaces: Sequence[str]) -> str:
    """Where the labeller saw the mention: the surface form found in a field, else the title."""
    for surface in surfaces:
        for name in FIELDS:
            text: str = getattr(item, name)
            start = text.find(surface)
            if start >= 0:
                return f"{name}: {context(text, start, start + len(surface))}"
    if surfaces:
        folded = [normalise(s) for s in surfaces]
        return (
            f"labelled as {', '.join(surfaces)} (not found verbatim; folded: {', '.join(folded)})"
        )
    return f"title: {item.title[:100]}" if item.title else f"text: {item.text[:100]}"


def _summary(result: MatchResult, item: MatchInput) -> str:
    found = ", ".join(result.entities) or "none"
    title = " ".join(item.title.split())[:90]
    return f"«{title}» entities: {found}"


def _rate(value: float | None) -> str:
    return "    —" if value is None else f"{value:5.1%}"


def format_table(scores: Sequence[Score], total: Score | None, what: str) -> str:
    """A fixed-width table: one row per entity or rule, then the total."""
    width = max([len(what), *(len(s.target) for s in scores), len(total.target) if total else 0])
    head = f"{what:<{width}}  {'TP':>4} {'FP':>4} {'FN':>4}  precision  recall"
    rows = [head, "-" * len(head)]
    for row in [*scores, *([total] if total else [])]:
        if total is not None and row is total:
            rows.append("-" * len(head))
        rows.append(
            f"{row.target:<{width}}  {row.true_positives:>4} {row.false_positives:>4} "
            f"{row.false_negatives:>4}  {_rate(row.precision):>9}  {_rate(row.recall):>6}"
        )
    return "\n".join(rows)


def format_report(report: Report) -> str:
    """The report ``marsad match --labels`` prints."""
    parts = [
        f"scored {report.scored} labelled items"
        + (
            f" ({report.unlabelled} items had no label and were skipped)"
            if report.unlabelled
            else ""
        )
        + (
            f"; {report.not_in_input} labels name items that were not in the input"
            if report.not_in_input
            else ""
        ),
        "",
        format_table(report.entities, report.entity_total, "entity"),
    ]
    if report.rule_total is not None:
        parts += ["", format_table(report.rules, report.rule_total, "rule")]
    for kind in (MistakeKind.MISS, MistakeKind.FALSE_ALARM):
        chosen = [m for m in report.mistakes if m.kind is kind]
        title = (
            "misses (labelled, not found)"
            if kind is MistakeKind.MISS
            else ("false alarms (found, not labelled)")
        )
        parts += ["", f"{title}: {len(chosen)}"]
        for mistake in sorted(chosen, key=lambda m: (m.what, m.target, m.item)):
            parts.append(f"  {mistake.what} {mistake.target} in {mistake.item}")
            parts.append(f"      {mistake.context}")
    return "\n".join(parts)

"""The rule linter: reviews entities as an experienced analyst would, before anyone is alerted.

Pure: entities in, findings out (word frequencies come from the pre-built lexicon, as for the
patterns).  Each finding names the file, the line of the key, the alias, what is wrong and
the fix.  The checks (lint_names, lint_overlaps, lint_forms) and their thresholds are
explained in docs/rules.md ("Writing rules for ambiguous names"); they were tuned so the
shipped rules give a few findings, each worth a look.
"""

from __future__ import annotations

from collections.abc import Sequence

from marsad.matching.entities import Entity
from marsad.matching.lint_finding import Check, Finding
from marsad.matching.lint_forms import common_context, inflections, nisba_names, person_words
from marsad.matching.lint_names import frequent
from marsad.matching.lint_overlaps import Overlaps
from marsad.matching.patterns import Source, entity_patterns

__all__ = ["Check", "Finding", "lint"]


def lint(entities: Sequence[Entity]) -> list[Finding]:
    """Every finding about ``entities``, in file and line order (each entity's patterns are
    made once and dropped once its checks have read them)."""
    people = person_words(entities)
    overlaps = Overlaps()
    findings: list[Finding] = []
    for entity in entities:
        every = list(entity_patterns(entity))
        overlaps.add(entity, every)
        patterns = [p for p in every if p.target.source is not Source.EXCLUDE]
        findings.extend(frequent(entity, patterns))
        findings.extend(nisba_names(entity, patterns, people))
        findings.extend(inflections(entity, patterns))
        findings.extend(common_context(entity))
    findings.extend(overlaps.findings())
    order = {entity.id: i for i, entity in enumerate(entities)}
    checks = list(Check)
    findings.sort(key=lambda f: (f.file or "", f.line or 0, order[f.entity], checks.index(f.check)))
    return findings

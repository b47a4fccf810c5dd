"""Every C extension of matching is built where CI installs, and a matcher finds the same
hits with each one switched off.

Each extension's own equality tests (test_scan_compiled, test_keys_compiled,
test_gate_compiled, tests/store/test_archive_words_compiled) compare it with its pure-Python
path piece by piece; here whole matches are compared, as a user meets them.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import pytest

from marsad.matching import automaton, fuzzymatch, normalise
from marsad.matching.engine import Matcher, MatchInput, MatchResult, Rule, RuleSet
from marsad.matching.extensions import compiled
from tests.matching._entities import ENTITIES


@pytest.mark.parametrize(
    ("module", "name"),
    [
        ("_scan", "fold_scan"),
        ("_keys", "KeyTable"),
        ("_gate", "FuzzyGate"),
        ("_words", "WordCutter"),
    ],
)
def test_each_extension_is_built_where_ci_installs_the_project(module: str, name: str) -> None:
    """CI installs with a C compiler: a broken build must fail there, not slow down quietly."""
    if os.environ.get("CI") != "true":
        pytest.skip("only CI promises a C compiler at install")
    assert compiled(module, name) is not None, f"hatch_build.py did not build {module}.c"


# The recognition tests' own entities, and one rule over two of them.
RULESET = RuleSet(
    entities=ENTITIES,
    rules=(Rule("visit", "visit", "@hammouchi AND (@spain OR زيارة)"),),
)

# Texts for each extension: harakat, tatweel and quotes for the scanner; names behind
# proclitics for the key table; misspelt names for the fuzzy gate.
SCANNED = [
    "استقبل المدير العام عبد اللطيف حمّوشي نظيره الإسباني في زيارة عمل إلى الرباط.",
    "بحث حموشى مع وفد من اسبانيا سبل التعاون الأمني، و«الإسبان» أشادوا بالتنسيق.",
    "زيارة الوزير إلى مدريد ومباحثات مع الجانب الإسبانيـــة بشأن الهجرة 2026.",
]
KEYED = [
    "استقبل المدير العام عبد اللطيف حمّوشي نظيره الإسباني في زيارة عمل إلى الرباط.",
    "بحث حموشي مع وفد من اسبانيا سبل التعاون الأمني، والإسبان أشادوا بالتنسيق وبالزيارة.",
]
MISSPELT = [
    "استقبل المدير العام عبد اللطيف حموشى نظيره الاسبانى في زيارة عمل الى الرباط.",
    "بحث الحمّوشي مع وفد من اسبانبا سبل التعاون الامني، والاسبان اشادوا بالتنسيق.",
]


def _some_rule(results: list[MatchResult]) -> bool:
    return any(result.rules for result in results)


def _every_rule(results: list[MatchResult]) -> bool:
    return all(result.rules for result in results)


def _some_fuzzy(results: list[MatchResult]) -> bool:
    return any(hit.fuzzy for result in results for hit in result.hits)


@pytest.mark.parametrize(
    ("module", "switch", "articles", "found"),
    [
        (normalise, "_compiled_scan", SCANNED, _some_rule),
        (automaton, "_KeyTable", KEYED, _every_rule),
        (fuzzymatch, "_FuzzyGate", MISSPELT, _some_fuzzy),
    ],
    ids=["scan", "keys", "gate"],
)
def test_a_matcher_finds_the_same_hits_with_either_path(
    monkeypatch: pytest.MonkeyPatch,
    module: object,
    switch: str,
    articles: list[str],
    found: Callable[[list[MatchResult]], bool],
) -> None:
    if getattr(module, switch) is None:
        pytest.skip("this extension was not built here (no C compiler at install)")
    matcher = Matcher.compile(RULESET)
    items = [MatchInput(id=str(n), title=text[:30], text=text) for n, text in enumerate(articles)]
    fast = [matcher.match(item) for item in items]
    monkeypatch.setattr(module, switch, None)
    slow = [Matcher.compile(RULESET).match(item) for item in items]
    assert fast == slow
    assert found(fast)

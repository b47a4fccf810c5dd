"""Rule and entity titles per language: what each chat language is shown, and every mistake in
a ``title`` reported at its file, line and key, without losing the rest of the file."""

from __future__ import annotations

import pytest

from marsad.config import SHIPPED_RULES
from marsad.errors import RuleError
from marsad.matching.rulefile import load_rules, parse_rules
from marsad.matching.titles import TITLE_LANGUAGES, Titles

ENTITY = """\
[[entity]]
id = "spain"
kind = "place"
name = "إسبانيا"
aliases = ["إسبانيا", "Spain"]
"""


def rule(title: str) -> str:
    return f'{ENTITY}\n[[rule]]\nid = "r"\nquery = "@spain"\n{title}\n'


def entity(title: str) -> str:
    return f'[[entity]]\nid = "e"\nkind = "place"\nname = "إسبانيا"\n{title}\n'


# (rule-file text, the rule's title (Rule.title), what ar / en / fr chats are shown)
RULE_TITLES = [
    ("", "r", ("r", "r", "r")),
    ('title = "Spain watch"', "Spain watch", ("Spain watch",) * 3),
    ('title = "  Spain \n watch "'.replace("\n", "\\n"), "Spain watch", ("Spain watch",) * 3),
    (
        'title = { ar = "رصد إسبانيا", en = "Spain watch", fr = "Veille Espagne" }',
        "رصد إسبانيا",
        ("رصد إسبانيا", "Spain watch", "Veille Espagne"),
    ),
    # missing languages fall back to the first title written, not to Arabic or English
    (
        'title = { fr = "Veille Espagne", ar = "رصد" }',
        "Veille Espagne",
        ("رصد", *["Veille Espagne"] * 2),
    ),
    ('title = { en = "Spain watch" }', "Spain watch", ("Spain watch",) * 3),
    # the same table as dotted keys and as a sub-table
    (
        'title.en = "Spain watch"\ntitle.ar = "رصد"',
        "Spain watch",
        ("رصد", "Spain watch", "Spain watch"),
    ),
    (
        'severity = "high"\n[rule.title]\nar = "رصد"\nfr = "Veille"',
        "رصد",
        ("رصد", "رصد", "Veille"),
    ),
]


@pytest.mark.parametrize(("title", "default", "shown"), RULE_TITLES)
def test_a_rule_title_in_each_language(title: str, default: str, shown: tuple[str, ...]) -> None:
    (found,) = parse_rules(rule(title)).rules
    assert found.title == default
    assert tuple(found.title_in(code) for code in TITLE_LANGUAGES) == shown


# (entity title, what ar / en / fr chats are shown): no title falls back to the name
ENTITY_TITLES = [
    ("", ("إسبانيا", "إسبانيا", "إسبانيا")),
    ('title = "Espagne"', ("Espagne", "Espagne", "Espagne")),
    ('title = { ar = "إسبانيا", en = "Spain", fr = "Espagne" }', ("إسبانيا", "Spain", "Espagne")),
    ('title = { en = "Spain" }', ("Spain", "Spain", "Spain")),
    ('title = { fr = "Espagne", en = "Spain" }', ("Espagne", "Spain", "Espagne")),
]


@pytest.mark.parametrize(("title", "shown"), ENTITY_TITLES)
def test_an_entity_title_in_each_language(title: str, shown: tuple[str, ...]) -> None:
    (found,) = parse_rules(entity(title)).entities
    assert tuple(found.title_in(code) for code in TITLE_LANGUAGES) == shown
    # display only: the names matched stay the name and aliases
    assert found.names() == ("إسبانيا",)


def test_a_language_the_file_does_not_know_falls_back_too() -> None:
    titles = Titles((("en", "Spain"), ("fr", "Espagne")))
    assert titles.in_language("es") == "Spain"
    assert Titles().in_language("en", "إسبانيا") == "إسبانيا"


# (rule-file text, the problem lines): line numbers count from the top of the snippet
RULE_PROBLEMS = [
    (
        rule('title = { ar = "رصد", de = "Spanien" }'),
        [
            "f.toml:10: rule[r].title.de: 'de' is not a language code (known language codes: ar, en, fr)"
        ],
    ),
    (
        rule('title = { EN = "Spain" }'),
        ["f.toml:10: rule[r].title.EN: 'EN' is not a language code (did you mean 'en'?)"],
    ),
    (
        rule('title = { "fr-MA" = "Espagne" }'),
        ["f.toml:10: rule[r].title.fr-MA: 'fr-MA' is not a language code (did you mean 'fr'?)"],
    ),
    (
        rule('title = { ar = "", en = 3, fr = ["x"] }'),
        [
            "f.toml:10: rule[r].title.ar: expected a non-empty string",
            "f.toml:10: rule[r].title.en: expected a non-empty string",
            "f.toml:10: rule[r].title.fr: expected a non-empty string",
        ],
    ),
    (rule('title = ""'), ["f.toml:10: rule[r].title: expected a non-empty string"]),
    (
        rule("title = {}"),
        [
            "f.toml:10: rule[r].title: empty table; expected a string or a table of languages: "
            '{ ar = "…", en = "…", fr = "…" }'
        ],
    ),
    (
        rule("title = 7"),
        [
            "f.toml:10: rule[r].title: expected a string or a table of languages: "
            '{ ar = "…", en = "…", fr = "…" }'
        ],
    ),
    # sub-table and dotted keys: the line of the entry at fault
    (
        rule('severity = "high"\n[rule.title]\nen = "Spain"\nes = "España"'),
        [
            "f.toml:13: rule[r].title.es: 'es' is not a language code (known language codes: ar, en, fr)"
        ],
    ),
    (
        entity('title.en = "Spain"\nfuzzy = true\ntitle.fr = ""'),
        ["f.toml:7: entity[e].title.fr: expected a non-empty string"],
    ),
]


@pytest.mark.parametrize(("text", "expected"), RULE_PROBLEMS)
def test_title_mistakes_name_file_line_and_key(text: str, expected: list[str]) -> None:
    with pytest.raises(RuleError) as caught:
        parse_rules(text, "f.toml")
    assert [p.show() for p in caught.value.problems] == expected


def test_a_bad_title_entry_is_reported_with_every_other_problem() -> None:
    text = rule('title = { xx = "?" }') + '\n[[rule]]\nid = "s"\nquery = "@nowhere"\n'
    with pytest.raises(RuleError) as caught:
        parse_rules(text, "f.toml")
    shown = [p.show() for p in caught.value.problems]
    assert shown[0].startswith("f.toml:10: rule[r].title.xx: 'xx' is not a language code")
    assert shown[1].startswith("f.toml:14:") and "unknown entity @nowhere" in shown[1]


def test_every_shipped_rule_and_entity_has_its_title_in_arabic_english_and_french() -> None:
    ruleset = load_rules([SHIPPED_RULES])
    missing = [
        f"{kind} {thing.id}: {code}"
        for kind, things in (("rule", ruleset.rules), ("entity", ruleset.entities))
        for thing in things
        for code in TITLE_LANGUAGES
        if thing.titles.get(code) is None
    ]
    assert missing == []
    # an English or French title is written in Latin letters, an Arabic one in Arabic letters
    for thing in (*ruleset.rules, *ruleset.entities):
        assert any("\u0600" <= c <= "\u06ff" for c in thing.titles.get("ar") or ""), thing.id
        for code in ("en", "fr"):
            latin = thing.titles.get(code) or ""
            assert not any("\u0600" <= c <= "\u06ff" for c in latin), (thing.id, code)

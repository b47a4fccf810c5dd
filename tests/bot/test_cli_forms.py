"""`marsad forms NAME` (what a name catches) and `marsad explain --alias NAME` (where a name
fired in the store), as a user runs them."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from marsad.bot.cli import main
from tests.bot.test_cli_check import configure, store_items

RULES = """\
[[entity]]
id = "tunisia"
kind = "place"
name = "تونس"
aliases = ["تونس", "Tunisia", "UN"]
forms = ["التوانسة"]
exclude = ["تونس الخضراء"]

[[entity]]
id = "hadi"
kind = "person"
name = "عبد ربه منصور هادي"
aliases = ["عبد ربه منصور هادي", "منصور هادي"]
ambiguous = ["هادي"]
context = ["الرئيس", "صنعاء"]
near = 4
"""


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[str]]:
    code = main(list(args))
    out, _ = capsys.readouterr()
    return code, out.splitlines()


@pytest.fixture
def rules(tmp_path: Path) -> Path:
    path = tmp_path / "rules.toml"
    path.write_text(RULES, encoding="utf-8")
    return path


FOLDED = "words are shown folded (أ إ آ → ا، ة → ه، ى → ي) and without ال unless it is required"
ANY = "with or without ال; after و ف ب ك ل and their combinations (وال، بال، لل)"
BARE = "never with ال; after و ف ب ك ل and their combinations (و، ب، ل، وب)"
TYPOS = (
    "typos: tolerated in the longer words as written (fuzzy, a budget by length), unless the "
    "typo spells another word or name"
)


def test_forms_of_a_place_name_with_its_entitys_settings(
    rules: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = run(capsys, "forms", "--rules", str(rules), "تونس")
    assert code == 0
    assert out == [
        f"«تونس» — alias of @tunisia (تونس), place, {rules}:1",
        FOLDED,
        "as written (1):",
        "    تونس",
        "derived: the nisba and its forms (7):",
        "    تونسي، تونسيا، تونسيه، تونسيات، تونسيان، تونسيون، تونسيين",
        "proclitics:",
        f"  {BARE}:",
        "    تونس، تونسيا",
        f"  {ANY}:",
        "    تونسي، تونسيه، تونسيات، تونسيان، تونسيون، تونسيين",
        TYPOS,
        "vetoed inside 1 exclusion:",
        "    تونس الخضراء",
    ]


def test_forms_of_an_ambiguous_name_and_of_an_acronym(
    rules: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, out = run(capsys, "forms", "--rules", str(rules), "هادي")
    assert out[0] == f"«هادي» — ambiguous name of @hadi (عبد ربه منصور هادي), person, {rules}:9"
    assert out[-2:] == [
        "ambiguous: counts only with a context word within 4 words or in the title, or where "
        "another name of the entity is in the item; context:",
        "    الرئيس، صنعاء",
    ]
    _, out = run(capsys, "forms", "--rules", str(rules), "UN")
    assert out[2:5] == [
        "as written (1):",
        "    un",
        "proclitics: as written, in capitals only (an acronym)",
    ]


def test_forms_of_a_name_no_entity_has_as_a_new_entity_of_the_kind_given(
    rules: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = run(capsys, "forms", "--rules", str(rules), "--kind", "topic", "تهريب")
    assert code == 0
    assert out[:8] == [
        "«تهريب» is no entity's name in the rule files: shown as a new topic",
        "«تهريب» — alias of @new (تهريب), topic",
        FOLDED,
        "as written (1):",
        "    تهريب",
        "derived: inflections (2):",
        "    تهريبا، تهريبات",
        "derived: with attached pronouns (21):",
    ]
    assert out[-1] == "typos: not tolerated (off for topic; fuzzy = true turns it on)"
    _, person = run(capsys, "forms", "--rules", str(rules), "--kind", "person", "تهريب")
    assert "derived" not in "\n".join(person)  # a person's name is never inflected


def test_explain_alias_says_how_the_name_is_treated_and_where_it_fired(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = configure(tmp_path, RULES)
    day = timedelta(days=1)
    store_items(
        tmp_path,
        [
            ("قال الرئيس هادي إن الحوار مستمر", day),
            ("هادي فترة فيها بزاف التحديات", 2 * day),
            ("وصل الوفد إلى تونس", 2 * day),
        ],
    )
    code, out = run(capsys, "explain", "--config", str(config), "--alias", "هادي")
    assert code == 0
    assert out == [
        "«هادي» is a name of @hadi (عبد ربه منصور هادي, person): ambiguous (listed under "
        "ambiguous), it counts where one of its context words (الرئيس، صنعاء) stands within 4 "
        "words or in the title, or where another of its names is in the same item",
        "last 30 days: in 2 items, counted in 1 (the others lacked its context)",
        "  قال الرئيس «هادي» إن الحوار مستمر",
        "  «هادي» فترة فيها بزاف التحديات  [not counted]",
    ]
    code, out = run(capsys, "explain", "--config", str(config), "--alias", "تونس", "--days", "1")
    assert out == [
        "«تونس» is a name of @tunisia (تونس, place): it counts wherever it appears",
        "last 1 day: no stored item has it",
    ]
    with pytest.raises(SystemExit, match="no entity has the name «فلان»"):
        main(["explain", "--config", str(config), "--alias", "فلان"])

"""Line numbers of TOML keys and tables, from one pass that follows strings and brackets."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from marsad.errors import RuleError
from marsad.matching.rulefile import load_rules, parse_rules
from marsad.matching.tomlpos import TomlLines

TRICKY = """\
# a comment with an equals sign: id = "not a key"
title = "top"  # a trailing comment = still a comment
[[entity]]
id = "a"
note = \"\"\"
id = "a key inside a multi-line string"
[[entity]]
\"\"\"
aliases = [
  "x", # comment = with equals
  ["nested", "]"],
  "[[entity]]",
]
kind = 'person'
[entity.extra]
name = "a key of the sub-table, not of the entity"
[[entity]]
"quoted key" = 1
literal = '''
kind = "in a literal string" '''''
meta = {kind = "org", name = "n = 1", deep = {id = "x"}}
kind = "place"
escaped = "a \\" kind = \\"quote\\""
multi = \"\"\"a \\\"\"\" id = "escaped closing quotes"
\"\"\"\"
id = "b"
[[rule]]
id = "r"
  query   =   "@a"
[other]
id = "a key of another table"
"""


@pytest.mark.parametrize(
    ("kind", "index", "key", "line"),
    [
        ("entity", 0, None, 3),
        ("entity", 0, "id", 4),
        ("entity", 0, "note", 5),
        ("entity", 0, "aliases", 9),
        ("entity", 0, "kind", 14),
        ("entity", 0, "extra", 15),  # a [entity.extra] sub-table is a key of the entity
        ("entity", 0, "name", 3),  # only the sub-table has a name: the table's line
        ("entity", 1, None, 17),
        ("entity", 1, "quoted key", 18),
        ("entity", 1, "literal", 19),
        ("entity", 1, "meta", 21),
        ("entity", 1, "kind", 22),
        ("entity", 1, "escaped", 23),
        ("entity", 1, "multi", 24),
        ("entity", 1, "id", 26),
        ("rule", 0, None, 27),
        ("rule", 0, "query", 29),
        ("entity", 2, None, None),  # there is no third entity
        ("other", 0, "id", None),  # [other] is a table, not an array of tables
    ],
)
def test_lines_of_tables_and_keys(kind: str, index: int, key: str | None, line: int) -> None:
    tomllib.loads(TRICKY)  # the table is valid TOML
    assert TomlLines(TRICKY).key_line(kind, index, key) == line


def test_top_level_keys_and_tables() -> None:
    where = TomlLines(TRICKY)
    assert where.top_line("title") == 2
    assert where.top_line("entity") == 3
    assert where.top_line("rule") == 27
    assert where.top_line("other") == 30
    assert where.top_line("id") is None  # every id is inside a table


INLINE = """\
entity = [
  {id = "a", kind = "person", name = "أ"},  # one table per line
  {id = "b", aliases = [
      "ب",
      "kind = 'not a key'",
    ], kind = "place", name = "ب"},
]
rule = [{ id = "r", query = "@a" }]
"""


def test_arrays_of_inline_tables_are_tables_too() -> None:
    tomllib.loads(INLINE)
    where = TomlLines(INLINE)
    assert [where.table_line("entity", i) for i in range(3)] == [2, 3, None]
    assert where.key_line("entity", 0, "kind") == 2
    assert where.key_line("entity", 1, "aliases") == 3
    assert where.key_line("entity", 1, "kind") == 6
    assert where.key_line("rule", 0, "query") == 8
    assert where.top_line("rule") == 8


def test_line_ends_are_toml_line_ends() -> None:
    """Only LF (or CRLF) ends a line: a U+2028 or form feed inside a string does not."""
    text = '[[entity]]\r\nid = "a\u2028b\x0cc"\r\nkind = "x"\r\n'
    assert TomlLines(text).key_line("entity", 0, "kind") == 3


def test_rule_file_errors_name_file_line_and_key_in_tricky_toml(tmp_path: Path) -> None:
    text = """\
[[entity]]
id = "a"
kind = "person"
name = \"\"\"
colour = "inside the name"
\"\"\"
aliases = [
  "أ", # colour = no
]
colour = "blue"
[[rule]]
id = "r"
query = '''
@a AND @nobody'''
"""
    path = tmp_path / "tricky.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RuleError) as caught:
        load_rules([path])
    shown = [p.show() for p in caught.value.problems]
    assert shown[0].startswith(f"{path}:10: entity[a].colour: unknown key")
    assert shown[1].startswith(f"{path}:14:8: rule[r].query: unknown entity @nobody")


def test_inline_entities_have_their_lines() -> None:
    with pytest.raises(RuleError) as caught:
        parse_rules(INLINE.replace('kind = "place"', 'kind = "planet"'), "inline.toml")
    assert [p.show() for p in caught.value.problems] == [
        "inline.toml:6: entity[b].kind: 'planet' is not a kind (one of person | org | place | topic)"
    ]

"""`marsad match` reads any bytes a batch file holds and writes every line it can represent."""

from __future__ import annotations

import gc
import json
from pathlib import Path

import pytest

from marsad.bot.cli import main

RULES = """\
[[entity]]
id = "hammouchi"
kind = "person"
name = "عبد اللطيف حموشي"
aliases = ["عبد اللطيف حموشي", "حموشي"]
"""


@pytest.fixture
def rules(tmp_path: Path) -> Path:
    path = tmp_path / "beat.toml"
    path.write_text(RULES, encoding="utf-8")
    return path


def match_file(rules: Path, tmp_path: Path, data: bytes) -> tuple[int, list[dict[str, object]]]:
    source = tmp_path / "in.jsonl"
    source.write_bytes(data)
    target = tmp_path / "out.jsonl"
    code = main(["match", "--rules", str(rules), "--input", str(source), "--output", str(target)])
    return code, [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]


def test_a_line_that_is_not_utf8_is_one_error_and_the_rest_are_matched(
    rules: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = '{"id": "a", "text": "استقبل حموشي الوفد"}\n'.encode()
    bad = b'{"id": "b", "text": "\xff\xfe latin-1?"}\n'
    code, lines = match_file(rules, tmp_path, good + bad + good.replace(b'"a"', b'"c"'))
    assert code == 1
    assert [line["id"] for line in lines] == ["a", None, "c"]
    assert lines[1] == {
        "id": None,
        "line": 2,
        "error": "not UTF-8 text (invalid start byte at byte 22)",
    }
    assert lines[0]["entities"] == lines[2]["entities"] == ["hammouchi"]
    assert "input line 2: not UTF-8 text" in capsys.readouterr().err


def test_ids_json_can_hold_but_utf8_or_64_bits_cannot_come_back_as_given(
    rules: Path, tmp_path: Path
) -> None:
    data = (
        '{"id": "\\ud800", "text": "حموشي"}\n'  # a lone surrogate: valid JSON, not UTF-8
        '{"id": 123456789012345678901234567890, "text": "حموشي"}\r\n'
        '{"id": "عربي", "text": "\\udc00 حموشي"}\n'
    ).encode()
    code, lines = match_file(rules, tmp_path, data)
    assert code == 0
    assert [line["id"] for line in lines] == ["\ud800", 123456789012345678901234567890, "عربي"]
    assert [line["entities"] for line in lines] == [["hammouchi"]] * 3
    assert lines[2]["hits"][0]["surface"] == "حموشي"  # type: ignore[index]


def test_a_byte_order_mark_and_windows_line_ends_are_read(rules: Path, tmp_path: Path) -> None:
    data = '\ufeff{"id": 1, "title": "حموشي"}\r\n\r\n{"id": 2, "text": "لا شيء"}\r\n'
    code, lines = match_file(rules, tmp_path, data.encode())
    assert code == 0
    assert [(line["id"], line["entities"]) for line in lines] == [(1, ["hammouchi"]), (2, [])]


def test_the_collector_is_as_it_was_after_a_run(rules: Path, tmp_path: Path) -> None:
    code, _ = match_file(rules, tmp_path, b'{"id": 1, "text": "x"}\n')
    assert code == 0
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0  # the matcher frozen for the run is given back

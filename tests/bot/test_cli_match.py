"""`marsad match`, `marsad explain` and the rule half of `marsad check`, as a user runs them."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marsad.bot.cli import main

RULES = """\
[[entity]]
id = "hammouchi"
kind = "person"
name = "عبد اللطيف حموشي"
aliases = ["عبد اللطيف حموشي", "حموشي"]

[[entity]]
id = "spain"
kind = "place"
name = "إسبانيا"
aliases = ["إسبانيا", "Spain"]

[[entity]]
id = "drugs"
kind = "topic"
name = "المخدرات"
aliases = ["المخدرات", "الحشيش"]

[[rule]]
id = "coop"
title = "Hammouchi and Spain cooperating"
severity = "high"
query = '@hammouchi AND @spain AND تعاون'

[[rule]]
id = "drugs"
query = '@drugs'
"""


@pytest.fixture
def rules(tmp_path: Path) -> Path:
    path = tmp_path / "rules" / "beat.toml"
    path.parent.mkdir()
    path.write_text(RULES, encoding="utf-8")
    return path


def jsonl(*objects: object) -> str:
    return "".join(json.dumps(o, ensure_ascii=False) + "\n" for o in objects)


def run(
    argv: list[str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    stdin: str = "",
) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


ITEMS = [
    {"id": "a", "title": "حموشي في مدريد", "text": "بحث سبل التعاون مع إسبانيا"},
    {"id": 2, "summary": "حجز كمية من الحشيش"},
    {"id": "c", "text": "خبر عادي عن الطقس"},
]


def test_match_writes_one_line_per_input_line_in_order(
    rules: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, err = run(["match", "--rules", str(rules)], capsys, monkeypatch, jsonl(*ITEMS))
    assert code == 0, err
    lines = [json.loads(line) for line in out.splitlines()]
    assert [line["id"] for line in lines] == ["a", 2, "c"]
    first = lines[0]
    assert first["rules"] == ["coop"]
    assert first["entities"] == ["hammouchi", "spain"]
    hits = {h.get("entity") or h.get("term"): h for h in first["hits"]}
    assert hits["hammouchi"] == {
        "entity": "hammouchi",
        "field": "title",
        "start": 0,
        "end": 5,
        "surface": "حموشي",
        "alias": "حموشي",
        "fuzzy": False,
        "distance": 0,
    }
    term = hits["تعاون"]
    assert term["field"] == "text"
    assert ITEMS[0]["text"][term["start"] : term["end"]] == term["surface"] == "التعاون"  # type: ignore[index]
    assert lines[1]["rules"] == ["drugs"] and lines[1]["hits"][0]["field"] == "summary"
    assert lines[2] == {"id": "c", "rules": [], "entities": [], "hits": []}


def test_bad_lines_are_reported_by_number_without_losing_the_others(
    rules: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(
        jsonl(ITEMS[0])
        + "{not json\n"
        + "\n"
        + jsonl({"title": "no id"}, {"id": "t", "text": 5}, ITEMS[1]),
        encoding="utf-8",
    )
    target = tmp_path / "out.jsonl"
    code, out, err = run(
        ["match", "--rules", str(rules), "--input", str(source), "--output", str(target)],
        capsys,
        monkeypatch,
    )
    assert code == 1
    assert out == ""
    lines = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert [line["id"] for line in lines] == ["a", None, None, "t", 2]
    assert lines[1]["line"] == 2 and "not JSON" in lines[1]["error"]
    assert lines[2]["line"] == 4 and '"id"' in lines[2]["error"]
    assert lines[3] == {"id": "t", "line": 5, "error": '"text" must be a string'}
    assert lines[4]["rules"] == ["drugs"]
    assert "input line 2: not JSON" in err
    assert "input line 5:" in err
    assert "3 input lines could not be read" in err


def test_match_as_a_subprocess_with_stdin_and_stdout(rules: Path, tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "marsad", "match", "--rules", str(rules.parent)],
        input=jsonl(*ITEMS),
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=tmp_path,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert [json.loads(line)["rules"] for line in result.stdout.splitlines()] == [
        ["coop"],
        ["drugs"],
        [],
    ]
    assert result.stderr == ""  # no progress bar when stderr is not a terminal


def test_labels_score_entities_and_rules_with_misses_and_false_alarms(
    rules: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    labels = tmp_path / "labels.jsonl"
    labels.write_text(
        jsonl(
            {"id": "a", "entities": ["hammouchi", "spain"], "rules": ["coop"]},
            # the labeller saw Spain here; the rules do not find it
            {
                "id": 2,
                "entities": ["drugs", "spain"],
                "rules": [],
                "mentions": {"spain": ["الحشيش"]},
            },
            {"id": "c", "entities": []},  # no "rules": entities only
        ),
        encoding="utf-8",
    )
    source = tmp_path / "in.jsonl"
    source.write_text(jsonl(*ITEMS), encoding="utf-8")
    code, out, err = run(
        ["match", "--rules", str(rules), "--input", str(source), "--labels", str(labels)],
        capsys,
        monkeypatch,
    )
    assert code == 0, err
    assert "scored 3 labelled items" in out
    entity_part, rule_part = out.split("\nrule ", 1)

    def rows(part: str) -> dict[str, list[str]]:
        return {
            line.split()[0]: line.split()[1:] for line in part.splitlines() if line[:1].isalpha()
        }

    entities, rules_table = rows(entity_part), rows(rule_part.split("misses")[0])
    assert entities["spain"] == ["1", "0", "1", "100.0%", "50.0%"]
    assert entities["hammouchi"] == ["1", "0", "0", "100.0%", "100.0%"]
    assert entities["drugs"][:3] == ["1", "0", "0"]
    assert rules_table["coop"] == ["1", "0", "0", "100.0%", "100.0%"]
    assert rules_table["drugs"] == ["0", "1", "0", "0.0%", "—"]
    assert "misses (labelled, not found): 1" in out
    assert "entity spain in 2" in out
    assert "summary: حجز كمية من «الحشيش»" in out
    assert "false alarms (found, not labelled): 1" in out
    assert "rule drugs in 2" in out  # the rule fired where the label says no rule


def test_labels_with_output_dash_send_the_report_to_stderr(
    rules: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    labels = tmp_path / "labels.jsonl"
    labels.write_text(jsonl({"id": "a", "entities": ["spain"]}), encoding="utf-8")
    code, out, err = run(
        ["match", "--rules", str(rules), "--labels", str(labels), "--output", "-"],
        capsys,
        monkeypatch,
        jsonl(ITEMS[0]),
    )
    assert code == 0
    assert json.loads(out)["id"] == "a"
    assert "precision" in err


def test_match_uses_the_configured_rules_by_default(
    rules: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "config.toml"
    config.write_text('rules = ["rules/"]\n', encoding="utf-8")
    code, out, _ = run(["match", "--config", str(config)], capsys, monkeypatch, jsonl(ITEMS[1]))
    assert code == 0
    assert json.loads(out)["rules"] == ["drugs"]


def test_explain_shows_every_hit_in_context_and_why_rules_fired(
    rules: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    text = "استقبل حمّوشي سفير إسبانيا لبحث التعاون"
    code, out, err = run(["explain", "--rules", str(rules), text], capsys, monkeypatch)
    assert code == 0, err
    assert "«حمّوشي» → @hammouchi (عبد اللطيف حموشي) via alias «حموشي», exact" in out
    assert "استقبل «حمّوشي» سفير إسبانيا" in out
    assert "«التعاون» → word «تعاون», exact" in out
    assert "rules fired:" in out
    assert "coop [high] Hammouchi and Spain cooperating" in out
    assert "@hammouchi ✓ AND @spain ✓ AND تعاون ✓" in out


def test_explain_reads_a_file_or_stdin_and_reports_fuzzy_distance(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    rules = tmp_path / "r.toml"
    rules.write_text(
        '[[entity]]\nid = "bourita"\nkind = "person"\nname = "ناصر بوريطة"\n'
        'aliases = ["ناصر بوريطة", "بوريطة"]\n',
        encoding="utf-8",
    )
    page = tmp_path / "t.txt"
    page.write_text("صرح بوريتة للصحافة", encoding="utf-8")
    code, out, _ = run(["explain", "--rules", str(rules), "--file", str(page)], capsys, monkeypatch)
    assert code == 0
    assert "«بوريتة» → @bourita" in out and "fuzzy, distance 1" in out
    code, out2, _ = run(["explain", "--rules", str(rules), "-"], capsys, monkeypatch, "لا شيء هنا")
    assert code == 0
    assert "no hits" in out2


def test_check_validates_the_rule_files_the_config_names(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "rules"
    folder.mkdir()
    bad = folder / "bad.toml"
    bad.write_text(
        '[[entity]]\nid = "x"\nkind = "place"\nname = "س"\n\n'
        '[[rule]]\nid = "r"\nquery = \'@x AND (تعاون OR\'\nseverity = "urgent"\n'
        "[[rule]]\nid = \"s\"\nquery = '@y'\n",
        encoding="utf-8",
    )
    config = tmp_path / "config.toml"
    config.write_text('rules = ["rules"]\n', encoding="utf-8")
    code, _, err = run(["check", "--config", str(config)], capsys, monkeypatch)
    assert code == 2
    assert f"{bad}:8:26: rule[r].query: expected a word" in err
    assert f"{bad}:9: rule[r].severity: 'urgent' is not a severity" in err
    assert f"{bad}:12:10: rule[s].query: unknown entity @y" in err


def test_check_accepts_the_shipped_rules(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = run(["check"], capsys, monkeypatch)
    assert code == 0, err
    assert "rules OK:" in out


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_only_on_a_terminal_and_cleared_at_the_end() -> None:
    from marsad.bot.commands.match import Progress

    terminal = FakeTerminal()
    progress = Progress(terminal, total_bytes=1000, delay=0.0)
    progress.update(10, 500)
    progress.close()
    shown = terminal.getvalue()
    assert "[###############               ]  50% 10 items" in shown
    assert shown.endswith("\r\x1b[K")
    pipe = io.StringIO()
    quiet = Progress(pipe, total_bytes=1000, delay=0.0)
    quiet.update(10, 500)
    quiet.close()
    assert pipe.getvalue() == ""


def test_explain_highlights_in_bold_on_a_terminal() -> None:
    from marsad.matching.explain import context, highlight

    assert highlight("أ ب ج", [(2, 3), (2, 3)]) == "أ «ب» ج"
    assert highlight("أبجد هوز", [(0, 2), (1, 4)], ansi=True) == "\x1b[1mأبجد\x1b[0m هوز"
    assert context("x" * 100 + " حموشي " + "y" * 100, 101, 106, width=10) == (
        "…xxxxxxxxx «حموشي» yyyyyyyyy…"
    )


def test_explain_says_which_part_of_a_rule_is_missing(
    rules: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, _ = run(
        ["explain", "--rules", str(rules), "--rule", "coop", "حموشي في إسبانيا"],
        capsys,
        monkeypatch,
    )
    assert code == 0
    assert "no rule fired." in out
    assert "coop: not fired" in out
    assert "@hammouchi ✓ AND @spain ✓ AND تعاون\n" in out + "\n"
    with pytest.raises(SystemExit, match="no rule nope"):
        main(["explain", "--rules", str(rules), "--rule", "nope", "نص"])


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.one_of(
            st.builds(
                lambda i, t: json.dumps({"id": i, "text": t}, ensure_ascii=False),
                st.integers(0, 10**6),
                st.text(alphabet="حموشي إسبانيا تعاون الحشيش abc،.\n", max_size=40),
            ),
            st.text(alphabet='{}[]":,ab1 ', min_size=1, max_size=12).filter(lambda t: t.strip()),
        ),
        max_size=8,
    )
)
def test_every_non_blank_input_line_gets_exactly_one_output_line_in_order(
    rules: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    lines: list[str],
) -> None:
    code, out, _ = run(
        ["match", "--rules", str(rules), "--output", "-"], capsys, monkeypatch, "\n".join(lines)
    )
    outputs = [json.loads(line) for line in out.splitlines()]
    assert len(outputs) == len(lines)
    bad = 0
    for number, (line, output) in enumerate(zip(lines, outputs, strict=True), 1):
        if "error" in output:
            bad += 1
            assert output["line"] == number
        else:
            assert output["id"] == json.loads(line)["id"]
    assert code == (1 if bad else 0)


def test_fail_below_gates_a_rule_change(
    rules: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    labels = tmp_path / "labels.jsonl"
    labels.write_text(
        jsonl({"id": "a", "entities": ["hammouchi", "spain"]}, {"id": 2, "entities": ["spain"]}),
        encoding="utf-8",
    )
    source = tmp_path / "in.jsonl"
    source.write_text(jsonl(*ITEMS[:2]), encoding="utf-8")
    argv = ["match", "--rules", str(rules), "--input", str(source), "--labels", str(labels)]
    code, _, err = run([*argv, "--fail-below", "0.9"], capsys, monkeypatch)
    assert code == 3
    assert "below 90%: entity recall 66.7%" in err
    code, _, _ = run([*argv, "--fail-below", "0.5"], capsys, monkeypatch)
    assert code == 0


def test_check_warns_about_rule_sources_the_configuration_does_not_know(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "rules").mkdir()
    rule_file = tmp_path / "rules" / "r.toml"
    rule_file.write_text(
        '[[entity]]\nid = "x"\nkind = "topic"\nname = "س"\n\n'
        '[[rule]]\nid = "r"\nquery = "@x"\nsources = ["press", "Hespres"]\n',
        encoding="utf-8",
    )
    config = tmp_path / "config.toml"
    config.write_text(
        'rules = ["rules"]\n[[sources]]\nname = "Hespress"\nurl = "https://example.org/feed"\n'
        'tags = ["press"]\n',
        encoding="utf-8",
    )
    code, out, err = run(["check", "--config", str(config)], capsys, monkeypatch)
    assert code == 0
    assert "rules OK: 1 entity and 1 rule in 1 file" in out
    assert f"warning: {rule_file}:6: rule[r].sources: 'Hespres' is neither" in err
    assert "'press'" not in err

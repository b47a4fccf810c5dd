"""`marsad check` as a user runs it: errors, then the linter's warnings with their fixes, the
exit status (--strict), and --contexts on a real SQLite file and a real PostgreSQL database
filled here (the PostgreSQL case skips without a server, and fails under CI=true)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from marsad.bot.cli import main
from marsad.config import SourceConfig
from marsad.store.engine import open_store, session
from marsad.store.items import NewItem, add_items
from marsad.store.sources import sync_sources

RULES = """\
[[entity]]
id = "hadi"
kind = "person"
name = "عبد ربه منصور هادي"
aliases = ["عبد ربه منصور هادي", "هادي"]

[[entity]]
id = "drugs"
kind = "topic"
name = "الهيروين"
aliases = ["الهيروين", "الكوكايين"]
"""

HADI = (
    "tmp/rules.toml:5: entity[hadi].aliases: «هادي» is a common word (Zipf 4.5) that shortens "
    "«عبد ربه منصور هادي»: it is treated as ambiguous and counts only where another of its "
    "names is in the same item"
)
HEROIN = (
    "tmp/rules.toml:11: entity[drugs].aliases: «الهيروين» also catches «هيرو» (Zipf 3.7), a "
    "word of its own far commoner than «هيروين» (2.7)"
)


def configure(tmp_path: Path, rules: str = RULES, url: str = "sqlite:///marsad.db") -> Path:
    (tmp_path / "rules.toml").write_text(rules, encoding="utf-8")
    config = tmp_path / "config.toml"
    config.write_text(
        f'rules = ["rules.toml"]\n[database]\nurl = "{url}"\n'
        '[[sources]]\nname = "Sahil"\nurl = "https://sahil.example/feed"\n',
        encoding="utf-8",
    )
    return config


def check(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, *args: str
) -> tuple[int, str, list[str]]:
    code = main(["check", "--config", str(tmp_path / "config.toml"), *args])
    out, err = capsys.readouterr()
    return code, out, err.replace(str(tmp_path), "tmp").splitlines()


def test_warnings_come_with_their_fix_and_exit_0_or_3_with_strict(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    configure(tmp_path)
    code, out, err = check(capsys, tmp_path)
    assert code == 0
    assert "rules OK: 2 entities and 0 rules in 1 file; 2 warnings to review" in out
    assert err == [
        f"warning: {HADI}",
        "  fix: add context = [...] with words that confirm it (a title, a place, an @entity) "
        'to count it elsewhere; always = ["هادي"] to count it alone',
        f"warning: {HEROIN}",
        '  fix: exclude = ["هيرو"] if it is another word, or list the form differently',
    ]
    code, _, _ = check(capsys, tmp_path, "--strict")
    assert code == 3


def test_clean_rules_pass_strict(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    configure(tmp_path, RULES.split("\n\n")[0] + '\ncontext = ["الرئيس"]\n')
    code, out, err = check(capsys, tmp_path, "--strict")
    assert (code, err) == (0, [])
    assert out.splitlines()[-1] == "rules OK: 1 entity and 0 rules in 1 file"


def test_errors_first_then_the_warnings_of_what_could_be_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    configure(tmp_path, RULES + '\n[[entity]]\nid = "x"\nkind = "city"\nname = "س"\n')
    code, out, err = check(capsys, tmp_path, "--strict")
    assert code == 2
    assert "rules OK" not in out
    assert err[:2] == [
        "marsad: 1 rule error:",
        "  tmp/rules.toml:15: entity[x].kind: 'city' is not a kind "
        "(one of person | org | place | topic)",
    ]
    assert [line for line in err if line.startswith("warning:")] == [
        f"warning: {HADI}",
        f"warning: {HEROIN}",
    ]


def store_items(tmp_path: Path, items: list[tuple[str, timedelta]], url: str | None = None) -> None:
    """Items published ``ago`` before now, in the store at ``url`` (default: the SQLite file
    the configuration names)."""
    engine = open_store(url or f"sqlite:///{tmp_path / 'marsad.db'}")
    now = datetime.now(UTC)
    try:
        with session(engine) as s:
            source = sync_sources(s, [SourceConfig(name="Sahil", url="https://sahil.example/f")])
            drafts = [
                NewItem(
                    key=f"url:https://sahil.example/{n}",
                    guid=None,
                    url=f"https://sahil.example/{n}",
                    canonical_url=None,
                    title=f"خبر رقم {n}",
                    summary="",
                    text=text,
                    published=now - ago,
                    date_missing=False,
                )
                for n, (text, ago) in enumerate(items)
            ]
            add_items(s, source["Sahil"].id or 0, drafts, fetched_at=now, backlog=False)
            s.commit()
    finally:
        engine.dispose()


def test_contexts_count_where_each_flagged_name_fired_in_the_store(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], store_url: str
) -> None:
    configure(tmp_path, url=store_url)
    day = timedelta(days=1)
    store_items(
        tmp_path,
        [
            ("استقبل عبد ربه منصور هادي الوفد، وقال هادي إن الزيارة مهمة", 2 * day),
            ("قال إن الجو هادي هذا الأسبوع على السواحل", 3 * day),
            ("حجز كمية من الكوكايين في ميناء طنجة", 4 * day),
            ("هادي فترة فيها بزاف التحديات", 45 * day),  # older than the period
            ("فازت دراجة هيرو بالسباق بعد منافسة قوية", 5 * day),
        ],
        store_url,
    )
    code, _, err = check(capsys, tmp_path, "--contexts", "--days", "30")
    assert code == 0
    assert err == [
        f"warning: {HADI}",
        "  fix: add context = [...] with words that confirm it (a title, a place, an @entity) "
        'to count it elsewhere; always = ["هادي"] to count it alone',
        "  last 30 days: in 2 items, counted in 1 (the others lacked its context)",
        "    استقبل عبد ربه منصور هادي الوفد، وقال «هادي» إن الزيارة مهمة",
        "    قال إن الجو «هادي» هذا الأسبوع على السواحل  [not counted]",
        f"warning: {HEROIN}",
        '  fix: exclude = ["هيرو"] if it is another word, or list the form differently',
        "  last 30 days: in 1 item",
        "    فازت دراجة «هيرو» بالسباق بعد منافسة قوية",
    ]
    code, _, err = check(capsys, tmp_path, "--contexts", "--days", "60")
    assert "  last 60 days: in 3 items, counted in 1 (the others lacked its context)" in err


def test_contexts_without_a_store_say_so_and_create_none(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    configure(tmp_path)
    code, _, err = check(capsys, tmp_path, "--contexts")
    assert code == 0
    assert "marsad check: no store at tmp/marsad.db yet: nothing to count" in err
    assert not (tmp_path / "marsad.db").exists()

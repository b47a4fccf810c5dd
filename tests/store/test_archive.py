"""The archive index: the words kept per item, the plan of a query, and what the store answers,
on a real SQLite file and a real PostgreSQL database; migration 0008 indexes an older store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, text
from sqlmodel import select

from marsad.config import SourceConfig
from marsad.matching.query import parse
from marsad.store import archive, archive_words
from marsad.store.archive_plan import (
    EVERY,
    AllOf,
    AnyWord,
    Entity,
    Every,
    Plan,
    leaf_words,
    query_plan,
)
from marsad.store.engine import open_store, session
from marsad.store.items import NewItem, add_items
from marsad.store.matches import record_matches
from marsad.store.migrate import head_revisions, upgrade_to_head
from marsad.store.sources import sync_sources
from marsad.store.tables import Item

NOW = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)


def store_items(engine: Engine, titles: list[str], *, text_of: str = "") -> dict[str, int]:
    """Store one item per title (the text ``text_of`` each); title -> item id."""
    with session(engine) as s:
        source = sync_sources(s, [SourceConfig("A", "https://a.example/feed")])["A"]
        drafts = [
            NewItem(
                key=f"url:{title}", guid=None, url=f"https://a.example/{n}", canonical_url=None,
                title=title, summary="", text=text_of, published=NOW - timedelta(hours=1),
                date_missing=False,
            )
            for n, title in enumerate(titles)
        ]  # fmt: skip
        stored = add_items(s, source.id or 0, drafts, fetched_at=NOW, backlog=False)
        s.commit()
    return {item.title: item.id or 0 for item in stored}


def distinct_words(count: int) -> str:
    """``count`` different Latin words (letters only: a digit would be a token of its own)."""
    return " ".join("w" + "".join(chr(97 + int(d)) for d in str(n)) for n in range(count))


def found(engine: Engine, plan: Plan) -> set[str]:
    """The titles of the items the index names for ``plan``."""
    with session(engine) as s:
        assert archive.usable(s)
        return set(s.exec(select(Item.title).where(archive.candidates(s, plan))).all())


def plan_of(query: str) -> Plan:
    plan = query_plan(parse(query))
    assert not isinstance(plan, Every)
    return plan


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        ("وبالمعرض", {"وبالمعرض", "بالمعرض", "المعرض", "معرض"}),
        ("للرباط", {"للرباط", "لرباط", "رباط"}),
        ("معرض", {"معرض"}),
        ("spain", {"spain"}),
        ("وو", {"وو", "و"}),
    ],
)
def test_a_token_is_indexed_with_each_run_of_proclitics_cut(token: str, expected: set[str]) -> None:
    assert set(archive_words.variants(token)) == expected


def test_item_words_are_folded_distinct_and_cut_to_the_word_limit() -> None:
    long = "a" * (archive_words.MAX_WORD + 10)
    words = archive_words.item_words(["المَعْرِض الدولي", "", f"الدولي {long} ٢٠٣٠"])
    assert len(words) == len(set(words))
    assert {"المعرض", "معرض", "الدولي", "دولي", "2030", "a" * archive_words.MAX_WORD} <= set(words)


def test_an_item_with_too_many_words_is_marked_unindexed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(archive_words, "MAX_ITEM_BYTES", 100)
    assert archive_words.item_words(["كلمة واحدة فقط"]) != [archive_words.UNINDEXED]
    assert archive_words.item_words([distinct_words(30)]) == [archive_words.UNINDEXED]


@pytest.mark.parametrize(
    ("query", "shape", "asked", "not_asked"),
    [
        ("معرض", AnyWord, {"معرض", "معرضها", "معرضات"}, {"المعرض"}),
        ("@spain", Entity, set(), set()),
        ('"وزارة الصحة"', AllOf, {"وزاره", "وزارتا", "صحه", "الصحه"}, set()),
        ("معرض AND NOT كتاب", AnyWord, {"معرض"}, {"كتاب"}),
        ("معرض OR كتاب", AnyWord, {"معرض", "كتاب"}, set()),
        ("(معرض AND NOT كتاب) OR أمطار", AnyWord, {"معرض", "امطار"}, {"كتاب"}),
        ("معرض NEAR/3 @spain", AllOf, {"معرض"}, set()),
    ],
)
def test_the_plan_of_a_query(query: str, shape: type, asked: set[str], not_asked: set[str]) -> None:
    plan = query_plan(parse(query))
    assert isinstance(plan, shape)
    assert not isinstance(plan, Every)
    words = leaf_words(plan)
    assert asked <= words
    assert not words & not_asked


def test_a_not_narrows_nothing_and_an_or_of_it_is_every_item() -> None:
    """The parser refuses ``a OR NOT b`` (true without any word); were it given, the plan
    would not narrow."""
    from marsad.matching.query import Not, Or, Term

    assert query_plan(Or((Term("معرض"), Not(Term("كتاب"))))) == EVERY


def test_a_word_typed_with_another_article_spelling_asks_for_both_readings() -> None:
    typed = plan_of("ألمعرض")  # folds like المعرض, but is not read as the article
    assert isinstance(typed, AnyWord)
    assert {"معرض", "المعرض"} <= typed.words


def test_the_index_names_the_items_with_a_form_of_the_word(store_url: str) -> None:
    engine = open_store(store_url)
    store_items(engine, ["افتتاح المعرض الدولي", "زوار معرضها كثيرون", "أمطار في الشمال"])
    assert found(engine, plan_of("معرض")) == {"افتتاح المعرض الدولي", "زوار معرضها كثيرون"}
    assert found(engine, plan_of("معرض AND أمطار")) == set()
    assert found(engine, plan_of("معرض OR أمطار")) == {
        "افتتاح المعرض الدولي",
        "زوار معرضها كثيرون",
        "أمطار في الشمال",
    }


def test_entities_are_asked_of_the_stored_matches(store_url: str) -> None:
    engine = open_store(store_url)
    ids = store_items(engine, ["حموشي في مدريد", "معرض في مدريد"])
    with session(engine) as s:
        record_matches(s, ids["حموشي في مدريد"], (), ("hammouchi",))
        s.commit()
    assert found(engine, plan_of("@hammouchi")) == {"حموشي في مدريد"}
    assert found(engine, plan_of("@hammouchi OR معرض")) == {"حموشي في مدريد", "معرض في مدريد"}
    assert found(engine, plan_of("@hammouchi AND مدريد")) == {"حموشي في مدريد"}


def test_an_unindexed_item_is_always_a_candidate(
    store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = open_store(store_url)
    monkeypatch.setattr(archive_words, "MAX_ITEM_BYTES", 200)
    long = distinct_words(80)
    store_items(engine, ["خبر قصير عن المعرض"], text_of="")
    store_items(engine, ["خبر طويل"], text_of=long)
    assert found(engine, plan_of("معرض")) == {"خبر قصير عن المعرض", "خبر طويل"}
    assert found(engine, plan_of("أمطار")) == {"خبر طويل"}


def test_migration_0008_indexes_the_items_stored_before_it(store_url: str) -> None:
    from alembic import command

    from marsad.store.engine import create_store_engine
    from marsad.store.migrate import alembic_config

    old = create_store_engine(store_url)
    for head in sorted(head_revisions() - {"0008"}):
        command.upgrade(alembic_config(old), head)
    ids = store_items(old, ["افتتاح المعرض الدولي", "أمطار في الشمال"])
    with old.connect() as connection:
        assert not connection.execute(text("SELECT 1 FROM items WHERE id = 0")).first()
    upgrade_to_head(old)
    assert found(old, plan_of("معرض")) == {"افتتاح المعرض الدولي"}
    store_items(old, ["معرض جديد بعد الترقية"])  # ingest indexes again on the same engine
    assert found(old, plan_of("معرض")) == {"افتتاح المعرض الدولي", "معرض جديد بعد الترقية"}
    assert len(ids) == 2
    old.dispose()


def test_a_store_indexed_under_another_scheme_is_indexed_again_when_opened(
    store_url: str,
) -> None:
    engine = open_store(store_url)
    store_items(engine, ["افتتاح المعرض الدولي"])
    with engine.begin() as connection:  # an index of another folding: emptied, stamped so
        if connection.dialect.name == "postgresql":
            connection.execute(text("TRUNCATE archive_words"))
        else:
            connection.execute(text("DROP TABLE archive_words"))
            archive._create_fts(connection)
        connection.execute(text("UPDATE archive_state SET scheme = 'older'"))
    with session(engine) as s:
        assert not archive.usable(s), "a stale index is not asked"
    engine.dispose()
    again = open_store(store_url)
    assert found(again, plan_of("معرض")) == {"افتتاح المعرض الدولي"}
    again.dispose()

"""Stories in the store (SQLite and PostgreSQL): counts, outlets, representative, listing,
and an index that is rebuilt from the store after a restart."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import select

from marsad.config import SourceConfig
from marsad.matching.engine import MatchResult
from marsad.store.engine import open_store, session
from marsad.store.items import NewItem, add_items
from marsad.store.matches import record_matches
from marsad.store.sources import sync_sources
from marsad.store.stories import (
    Story,
    recent_stories,
    resolve_story,
    story_members,
    window_items,
)
from marsad.store.tables import Item, Source
from marsad.watchers.ingest import Ingested
from marsad.watchers.stories_ingest import StoryAssigner

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
WINDOW = timedelta(hours=72)

VISIT = (
    "حموشي يستقبل وزير الداخلية البرتغالي بالرباط",
    "استقبل المدير العام للأمن الوطني عبد اللطيف حموشي، صباح اليوم بالرباط، وزير الداخلية "
    "البرتغالي الذي يزور المملكة على رأس وفد رسمي، وبحث الجانبان تعزيز التعاون في مكافحة "
    "الهجرة غير النظامية وتفكيك شبكات تهريب البشر عبر المحيط الأطلسي.",
)
VISIT_COPY = (
    "وزير الداخلية البرتغالي في ضيافة حموشي بالرباط",
    "استقبل المدير العام للأمن الوطني عبد اللطيف حموشي، صباح اليوم بالرباط، وزير الداخلية "
    "البرتغالي الذي يزور المملكة على رأس وفد رسمي، وبحث الجانبان تعزيز التعاون في مكافحة "
    "الهجرة غير النظامية وتفكيك شبكات تهريب البشر عبر المحيط الأطلسي.",
)
FIRE = (
    "السيطرة على حريق شب في غابة بضواحي شفشاون",
    "تمكنت فرق الوقاية المدنية والمياه والغابات من السيطرة على حريق اندلع مساء أمس في غابة "
    "بضواحي مدينة شفشاون، دون تسجيل خسائر بشرية، فيما فتح تحقيق لتحديد أسباب الحادث.",
)


def draft(key: str, text: tuple[str, str], hours_ago: float) -> NewItem:
    return NewItem(
        key=key,
        guid=None,
        url=f"https://news.example/{key}",
        canonical_url=f"https://news.example/{key}",
        title=text[0],
        summary=text[1],
        text="",
        published=NOW - timedelta(hours=hours_ago),
        date_missing=False,
    )


def setup(url: str) -> tuple[Engine, dict[str, int]]:
    engine = open_store(url)
    with session(engine) as s:
        rows = sync_sources(
            s,
            [
                SourceConfig("Wire", "https://wire.example/feed", priority=5),
                SourceConfig("Daily", "https://daily.example/feed"),
                SourceConfig("Weekly", "https://weekly.example/feed"),
            ],
        )
        s.commit()
        return engine, {name: row.id or 0 for name, row in rows.items()}


def ingest(
    engine: Engine,
    assigner: StoryAssigner,
    source: int,
    *drafts: NewItem,
    entities: dict[str, frozenset[str]] | None = None,
) -> dict[str, int]:
    """Store drafts as the poller does, assign stories in the same transaction; key -> story."""
    with session(engine) as s:
        items = add_items(s, source, list(drafts), fetched_at=NOW, backlog=False)
        by_id = None
        if entities is not None:
            by_id = {i.id or 0: entities[i.key] for i in items if i.key in entities}
            for item in items:
                record_matches(s, item.id or 0, [], by_id.get(item.id or 0, frozenset()))
        assigned = assigner.assign_stories(s, items, by_id, NOW)
        s.commit()
        return {item.key: assigned[item.id or 0] for item in items}


def assigner() -> StoryAssigner:
    return StoryAssigner(WINDOW, {"Wire": 5})


def story(engine: Engine, story_id: int) -> Story:
    with session(engine) as s:
        found = s.get(Story, story_id)
        assert found is not None
        return found


def test_one_event_from_two_outlets_is_one_story_with_two_outlets(store_url: str) -> None:
    engine, src = setup(store_url)
    stories = assigner()
    first = ingest(engine, stories, src["Daily"], draft("d1", VISIT, 3), draft("d2", FIRE, 2))
    again = ingest(engine, stories, src["Daily"], draft("d3", VISIT_COPY, 1))
    second = ingest(engine, stories, src["Weekly"], draft("w1", VISIT_COPY, 0.5))
    assert first["d1"] == again["d3"] == second["w1"] != first["d2"]
    visit = story(engine, first["d1"])
    assert (visit.items, visit.outlets) == (3, 2), "the same outlet twice is one outlet"
    assert visit.first_seen == NOW - timedelta(hours=3)
    assert visit.last_seen == NOW - timedelta(hours=0.5)
    assert visit.title == VISIT[0], "the earliest item represents the story"
    with session(engine) as s:
        members = [(item.key, name) for item, name in story_members(s, visit.id or 0)]
        assert members == [("d1", "Daily"), ("d3", "Daily"), ("w1", "Weekly")]
        listed = recent_stories(s, NOW - timedelta(hours=24))
        assert [(row.id, row.outlets, row.sources) for row in listed] == [
            (visit.id, 2, ("Daily", "Weekly")),
            (first["d2"], 1, ("Daily",)),
        ]
        assert recent_stories(s, NOW - timedelta(hours=24), min_outlets=2)[0].title == VISIT[0]
        assert all(i.story_id is not None for i in s.exec(select(Item)).all())


_S1 = (
    "حل وفد من الحرس المدني الإسباني بمدينة العيون في زيارة عمل تدوم ثلاثة أيام يقودها الجنرال "
    "خوسيه مانويل سانتياغو"
)
_S2 = (
    "وعقد الوفد اجتماعا مع والي أمن العيون خصص لتنسيق مراقبة السواحل الأطلسية المقابلة لجزر الكناري"
)
_S3 = (
    "وتفقد أعضاء الوفد مركز المراقبة البحرية بميناء العيون حيث اطلعوا على الرادارات الحديثة "
    "وزوارق الاعتراض السريعة"
)
MEETING = ("وفد من الحرس المدني الإسباني بالعيون لتنسيق مراقبة السواحل", f"{_S1}، {_S2}.")
TOUR = (
    "زوارق ورادارات حديثة.. وفد أجنبي يتفقد مركز المراقبة البحرية",
    f"{_S3}، في إطار زيارة يقوم بها للمنطقة.",
)
WIRE = (
    "الجنرال سانتياغو على رأس وفد من الحرس المدني الإسباني في العيون",
    f"{_S1}. {_S2}. {_S3}.",
)


def test_a_bridging_report_merges_two_stories_in_the_store(store_url: str) -> None:
    """Two stories of one visit, then a wire report of the whole visit: one story of three
    outlets is listed; the folded story points at it, and a restart keeps them one."""
    engine, src = setup(store_url)
    stories = assigner()
    meeting = ingest(engine, stories, src["Daily"], draft("d1", MEETING, 5))["d1"]
    tour = ingest(engine, stories, src["Weekly"], draft("w1", TOUR, 2))["w1"]
    assert meeting != tour
    wire = ingest(engine, stories, src["Wire"], draft("x1", WIRE, 3))["x1"]
    assert wire == meeting, "the older story is kept"
    kept, folded = story(engine, meeting), story(engine, tour)
    assert (kept.items, kept.outlets, kept.merged_into) == (3, 3, None)
    assert (folded.items, folded.outlets, folded.merged_into) == (0, 0, meeting)
    assert kept.title == WIRE[0], "the highest-priority source represents the merged story"
    assert kept.first_seen == NOW - timedelta(hours=5) and kept.last_seen == NOW - timedelta(
        hours=2
    )
    with session(engine) as s:
        assert {i.key: i.story_id for i in s.exec(select(Item)).all()} == {
            "d1": meeting, "w1": meeting, "x1": meeting,
        }  # fmt: skip
        listed = recent_stories(s, NOW - timedelta(hours=24))
        assert [(row.id, row.outlets) for row in listed] == [(meeting, 3)]
        assert resolve_story(s, tour) == meeting, "links to the folded story follow it"
    restarted = assigner()
    again = ingest(engine, restarted, src["Daily"], draft("d2", TOUR, 1))
    assert again["d2"] == meeting


def test_the_highest_priority_source_represents_the_story(store_url: str) -> None:
    engine, src = setup(store_url)
    stories = assigner()
    daily = ingest(engine, stories, src["Daily"], draft("d1", VISIT, 3))
    wire = ingest(engine, stories, src["Wire"], draft("x1", VISIT_COPY, 1))
    weekly = ingest(engine, stories, src["Weekly"], draft("w1", VISIT, 5))
    assert daily["d1"] == wire["x1"] == weekly["w1"]
    visit = story(engine, daily["d1"])
    assert (visit.title, visit.url) == (VISIT_COPY[0], "https://news.example/x1")
    assert visit.first_item_id != visit.representative_item_id
    assert visit.first_seen == NOW - timedelta(hours=5)


def test_a_restart_rebuilds_the_index_from_the_store(store_url: str) -> None:
    engine, src = setup(store_url)
    entities = {
        "d1": frozenset({"hammouchi", "portugal", "migration"}),
        "w1": frozenset({"hammouchi", "portugal", "migration"}),
    }
    before = ingest(engine, assigner(), src["Daily"], draft("d1", VISIT, 2), entities=entities)
    restarted = assigner()
    after = ingest(engine, restarted, src["Weekly"], draft("w1", VISIT_COPY, 1), entities=entities)
    assert after["w1"] == before["d1"]
    assert len(restarted.index) == 2


def test_items_of_other_processes_are_picked_up(store_url: str) -> None:
    engine, src = setup(store_url)
    one, other = assigner(), assigner()
    first = ingest(engine, one, src["Daily"], draft("d1", FIRE, 2))
    second = ingest(engine, other, src["Weekly"], draft("w1", VISIT, 1))
    third = ingest(engine, one, src["Wire"], draft("x1", VISIT_COPY, 0.5))
    assert first["d1"] != second["w1"] == third["x1"]


def test_a_rolled_back_batch_leaves_no_trace_in_the_index(store_url: str) -> None:
    engine, src = setup(store_url)
    stories = assigner()
    with session(engine) as s:
        items = add_items(s, src["Daily"], [draft("d1", VISIT, 2)], fetched_at=NOW, backlog=False)
        stories.assign_stories(s, items, None, NOW)
        s.rollback()
    after = ingest(engine, stories, src["Weekly"], draft("w1", VISIT_COPY, 1))
    with session(engine) as s:
        assert [row.items for row in s.exec(select(Story)).all()] == [1]
        assert story(engine, after["w1"]).title == VISIT_COPY[0]


def test_the_window_bounds_the_index_and_the_rebuild(store_url: str) -> None:
    engine, src = setup(store_url)
    stories = assigner()
    old = ingest(engine, stories, src["Daily"], draft("d1", VISIT, 100))
    new = ingest(engine, stories, src["Weekly"], draft("w1", VISIT_COPY, 1))
    assert old["d1"] != new["w1"], "a copy of an event days older starts a new story"
    # The old item arrived now (a backlog): it stays for the window after its arrival, so
    # another outlet's backlog of the same week can still meet it, and a rebuild keeps it.
    assert len(stories.index) == 2
    with session(engine) as s:
        assert [i.key for i in window_items(s, NOW - WINDOW)] == ["d1", "w1"]
        assert [i.key for i in window_items(s, NOW + WINDOW)] == []
    stories.index.evict(NOW + WINDOW)
    assert len(stories.index) == 0


def test_the_ingest_stage_reads_entities_and_their_kinds(store_url: str) -> None:
    """Topics matched differently by two outlets do not split a story; another partner does."""
    engine, src = setup(store_url)
    kinds = {"hammouchi": "person", "portugal": "place", "spain": "place", "morocco": "place"}
    stage = StoryAssigner(WINDOW, kinds=kinds)
    reports = {
        "d1": (VISIT, {"hammouchi", "portugal", "morocco", "migration"}),
        "w1": (VISIT_COPY, {"hammouchi", "portugal", "morocco", "trafficking"}),
        "x1": (
            (VISIT[0].replace("البرتغالي", "الإسباني"), VISIT[1].replace("البرتغالي", "الإسباني")),
            {"hammouchi", "spain", "morocco", "migration"},
        ),
    }
    stories: dict[str, int] = {}
    for key, source in (("d1", "Daily"), ("w1", "Weekly"), ("x1", "Wire")):
        text, entities = reports[key]
        with session(engine) as s:
            [item] = add_items(s, src[source], [draft(key, text, 1)], fetched_at=NOW, backlog=False)
            row = s.get(Source, src[source])
            assert row is not None
            result = MatchResult(str(item.id), (), (), tuple(sorted(entities)), ())
            stage(s, [Ingested(item, row, result)])
            s.commit()
            stories[key] = item.story_id or 0
    assert stories["d1"] == stories["w1"] != stories["x1"]


@pytest.mark.postgres
def test_two_processes_storing_one_event_at_the_same_moment_make_one_story(
    postgres_url: str,
) -> None:
    """Each process stores its report and assigns stories in its own transaction; the second
    waits for the first's commit (the stories lock) and then finds its report."""
    engine_a, sources = setup(postgres_url)
    engine_b = open_store(postgres_url)
    first, second = assigner(), assigner()
    for engine, each in ((engine_a, first), (engine_b, second)):  # both indexes built, empty
        with session(engine) as s:
            each.index_at(s, NOW)
            s.commit()
    assigned_a = threading.Event()
    commit_a = threading.Event()
    results: dict[str, int] = {}

    def process_a() -> None:
        with session(engine_a) as s:
            [item] = add_items(
                s, sources["Wire"], [draft("a", VISIT, 1)], fetched_at=NOW, backlog=False
            )
            results["a"] = first.assign_stories(s, [item], None, NOW)[item.id or 0]
            assigned_a.set()
            commit_a.wait(timeout=30)
            s.commit()

    def process_b() -> None:
        with session(engine_b) as s:
            [item] = add_items(
                s, sources["Daily"], [draft("b", VISIT_COPY, 1)], fetched_at=NOW, backlog=False
            )
            assigned_a.wait(timeout=30)
            results["b"] = second.assign_stories(s, [item], None, NOW)[item.id or 0]
            s.commit()

    threads = [threading.Thread(target=process_a), threading.Thread(target=process_b)]
    for thread in threads:
        thread.start()
    assigned_a.wait(timeout=30)
    time.sleep(0.5)  # process b is now waiting for the stories lock, its report uncommitted
    assert "b" not in results
    commit_a.set()
    for thread in threads:
        thread.join(timeout=30)
    engine_b.dispose()
    assert results["a"] == results["b"]
    assert story(engine_a, results["a"]).outlets == 2
    engine_a.dispose()

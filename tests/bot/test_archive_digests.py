"""Archive questions: the index's candidates, matched again, give the digest a full rescan gives.

A data table of queries over a store written here (our own Arabic sentences: clitics,
inflections, pronouns, phrases, NEAR, NOT, entities, Latin, digits, spellings the folding
joins), on a real SQLite file and a real PostgreSQL database.  For each query: every item the
exact matcher accepts is a candidate, the candidates are fewer than the items, and the digest
is the same as when every item of the period is matched again.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine
from sqlmodel import select

from marsad.bot import digest_claims, digest_reads, digests
from marsad.config import SourceConfig
from marsad.matching.engine import Matcher, MatchInput
from marsad.matching.rulefile import parse_rules
from marsad.store import archive
from marsad.store.archive_plan import Every
from marsad.store.engine import open_store, session
from marsad.store.items import NewItem, add_items
from marsad.store.matches import record_matches
from marsad.store.stories import join_story, start_story, story_of_items
from marsad.store.tables import Item
from tests.bot.conftest import RULES

NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
CASABLANCA = ZoneInfo("Africa/Casablanca")

# (title, summary): what the store holds; a few sentences per thing the matcher reads.
SENTENCES = [
    ("افتتاح المعرض الدولي للكتاب بالرباط", "يستمر عشرة أيام"),
    ("وبالمعرض عرضت كتب نادرة", ""),
    ("زوار معرضها تجاوزوا الآلاف", ""),
    ("المعرضون يشتكون من غلاء الأسعار", ""),
    ("كالمعرض السابق لم يحضر أحد", ""),
    ("المعـرضُ يُغلق أبوابه مساء اليوم", ""),
    ("عرض مسرحي جديد في الدار البيضاء", ""),
    ("وزارة الصحة تطلق حملة تلقيح", ""),
    ("لوزارة الصحة رأي آخر", "في الحملة الجديدة"),
    ("وزارتا الصحة والتعليم توقعان اتفاقية", ""),
    ("الوزارة تنفي", "مصادر من الصحة العمومية"),
    ("حموشي يستقبل سفير إسبانيا بالرباط", ""),
    ("حموشي يزور معرض الأمن", ""),
    ("Spain and Morocco sign a security deal", ""),
    ("أمطار رعدية في الشمال", ""),
    ("فالأمطار غزيرة هذا العام", ""),
    ("الملك يدشن مشروع 2030", ""),
    ("مونديال ٢٠٣٠ في المغرب", ""),
    ("قال إنه سيحضر فقط", ""),
    ("قط صغير يوقف حركة السير", ""),
]
STORIES = [  # (first, joined): two outlets of one story
    ("افتتاح المعرض الدولي للكتاب بالرباط", "زوار معرضها تجاوزوا الآلاف"),
    ("وزارة الصحة تطلق حملة تلقيح", "لوزارة الصحة رأي آخر"),
]

# (query, whether it matches something here)
QUERIES = [
    ("معرض", True),
    ("المعرض", True),
    ("ألمعرض", True),
    ('"وزارة الصحة"', True),
    ("وزارة NEAR/2 الصحة", True),
    ("معرض AND NOT كتب", True),
    ("(معرض AND الأمن) OR أمطار", True),
    ("حموشي AND معرض", True),
    ("@spain OR Spain", True),
    ("2030", True),
    ("قط", True),
    ('مشروع OR "حملة تلقيح"', True),
    ('"غير موجودة إطلاقا"', False),
]


def fill(
    url: str,
    matcher: Matcher,
    sentences: list[tuple[str, str]] = SENTENCES,
    spacing: timedelta = timedelta(hours=1),
) -> Engine:
    """The store: every sentence an item of one outlet or another, with what ingest records."""
    engine = open_store(url)
    from marsad.store.sources import sync_sources

    with session(engine) as s:
        names = ["Sahil", "Wasit"]
        sources = sync_sources(s, [SourceConfig(n, f"https://{n.lower()}.example/") for n in names])
        by_title: dict[str, Item] = {}
        for n, (title, summary) in enumerate(sentences):
            draft = NewItem(
                key=f"url:{n}", guid=None, url=f"https://x.example/{n}", canonical_url=None,
                title=title, summary=summary, text="", published=NOW - spacing * (n + 1),
                date_missing=False,
            )  # fmt: skip
            source = sources[names[n % 2]]
            [item] = add_items(s, source.id or 0, [draft], fetched_at=NOW, backlog=False)
            found = matcher.match(MatchInput(id="", title=title, summary=summary))
            record_matches(s, item.id or 0, found.rules, found.entities)
            by_title[title] = item
        joined = {second: first for first, second in STORIES}
        for title, item in by_title.items():  # every item is in a story, as ingest makes it
            if title not in joined:
                start_story(s, item)
        for second, first in joined.items():
            join_story(s, by_title[second], by_title[first].story_id or 0)
        s.commit()
    return engine


def shown(
    engine: Engine, matcher: Matcher, selector: digests.Selector, most: int | None = None
) -> list[tuple[str, list[tuple[int, str, int]]]]:
    return lines_of(digest(engine, matcher, selector, most))


def digest(
    engine: Engine, matcher: Matcher, selector: digests.Selector, most: int | None = None
) -> digests.Digest:
    with session(engine) as s:
        return digests.collect(s, matcher, {}, [selector], NOW - timedelta(days=2), NOW,
                               story_of_items, shown=most)  # fmt: skip


def lines_of(found: digests.Digest) -> list[tuple[str, list[tuple[int, str, int]]]]:
    return [(g.label, [(x.story_id, x.title, x.outlets) for x in g.stories]) for g in found.groups]


def test_index_candidates_and_the_exact_matcher_equal_a_full_rescan(
    store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    matcher = Matcher.compile(parse_rules(RULES))
    engine = fill(store_url, matcher)
    with session(engine) as s:
        assert archive.usable(s)
        items = s.exec(select(Item)).all()
    for query, matches_something in QUERIES:
        with digests.AdHocQuery(matcher, query) as selector:
            exact = {
                item.id
                for item in items
                if selector.target
                in matcher.match(MatchInput(id="", title=item.title, summary=item.summary)).queries
            }
            plan = digest_reads.candidate_plan(matcher, [selector])
            assert plan is not None and not isinstance(plan, Every), query
            with session(engine) as s:
                candidates = set(s.exec(select(Item.id).where(archive.candidates(s, plan))).all())
            assert exact <= candidates, f"{query}: the index missed {exact - candidates}"
            assert len(candidates) < len(items) / 2, f"{query}: the index did not narrow"
            assert bool(exact) == matches_something, query
            by_index = shown(engine, matcher, selector)
            with monkeypatch.context() as patch:
                patch.setattr(digest_reads, "candidate_plan", lambda *_: digest_reads.EVERY)
                assert shown(engine, matcher, selector) == by_index, query
            assert bool(by_index) == matches_something, query
    engine.dispose()


def test_a_candidate_the_matcher_refuses_is_not_shown(store_url: str) -> None:
    """``فقط`` is indexed as ف + قط too, but the matcher does not read it so: only the cat."""
    matcher = Matcher.compile(parse_rules(RULES))
    engine = fill(store_url, matcher)
    with digests.AdHocQuery(matcher, "قط") as selector:
        plan = digest_reads.candidate_plan(matcher, [selector])
        assert plan is not None and not isinstance(plan, Every)
        with session(engine) as s:
            named = set(s.exec(select(Item.title).where(archive.candidates(s, plan))).all())
        assert named == {"قال إنه سيحضر فقط", "قط صغير يوقف حركة السير"}
        assert [
            (label, [title for _, title, _ in lines])
            for label, lines in shown(engine, matcher, selector)
        ] == [("قط", ["قط صغير يوقف حركة السير"])]
    engine.dispose()


# A week of a frequent word: more candidates than a digest shows or its sample matches again,
# with the clitic readings the matcher refuses (فقط is not ف + قط) among them.
FREQUENT = [
    *((f"افتتاح المعرض الدولي رقم {n}", "") for n in range(14)),
    *((f"وبالمعرض أجنحة رقم {n}", "كتب نادرة" if n % 2 else "") for n in range(10)),
    *((f"قال إنه سيحضر فقط رقم {n}", "") for n in range(12)),
    *((f"قط رقم {n} يوقف حركة السير", "") for n in range(6)),
    *((f"وزارة الصحة تعلن رقم {n}", "") for n in range(8)),
    *((f"الوزارة تنفي رقم {n}", "مصادر من الصحة") for n in range(8)),
    *SENTENCES,
]


@pytest.mark.parametrize("query", ["معرض", "قط", "معرض AND NOT كتب", '"وزارة الصحة"', "معرض OR قط"])
def test_a_frequent_query_shows_the_rescans_best_stories_and_counts_the_rest(
    store_url: str, monkeypatch: pytest.MonkeyPatch, query: str
) -> None:
    """Three stories shown of each group, the candidates matched again on a budget of 20 items
    for the walk and 6 for the sample: the stories shown are the full rescan's first three,
    and the count is the rescan's when exact, else an estimate within the candidates."""
    matcher = Matcher.compile(parse_rules(RULES))
    engine = fill(store_url, matcher, FREQUENT, timedelta(minutes=1))
    with digests.AdHocQuery(matcher, query) as selector:
        with monkeypatch.context() as patch:
            patch.setattr(digest_reads, "candidate_plan", lambda *_: digest_reads.EVERY)
            rescan = digest(engine, matcher, selector)
        plan = digest_reads.candidate_plan(matcher, [selector])
        assert plan is not None and not isinstance(plan, Every)
        with session(engine) as s:
            candidates = len(s.exec(select(Item.id).where(archive.candidates(s, plan))).all())
        monkeypatch.setattr(digest_claims, "WALK_ITEMS", 20)
        monkeypatch.setattr(digest_claims, "SAMPLE_ITEMS", 6)
        lazy = digest(engine, matcher, selector, 3)
        [whole], [part] = rescan.groups, lazy.groups
        assert [line.title for line in part.stories] == [
            line.title for line in whole.stories[: len(part.stories)]
        ], query
        assert len(part.stories) == 3, query
        # قط: 12 refused readings come first, the walk matches 15 items and the sample the rest
        assert rescan.exact and lazy.exact == (query == "قط"), query
        assert 3 <= part.total <= candidates, query
        assert whole.total < candidates or query == "معرض", "the index named refused readings"
        text = digests.render_html(lazy, "", CASABLANCA)
        assert text.count("•") == 3
        if lazy.exact:
            assert part.total == whole.total and f"… and {whole.total - 3} more" in text, query
        else:
            assert "… and about " in text, query
        monkeypatch.setattr(digest_claims, "SAMPLE_ITEMS", 500)
        assert lines_of(digest(engine, matcher, selector, 3)) == [
            (whole.label, lines_of(rescan)[0][1][:3])
        ]
        full = digest(engine, matcher, selector, 3)
        assert (full.count, full.exact) == (rescan.count, True), query
    engine.dispose()

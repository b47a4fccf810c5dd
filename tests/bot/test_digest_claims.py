"""Deciding a digest's groups lazily: the stories shown are the best-ranked ones every candidate
matched again would give, an exact count is the full count, an estimate stays within what the
candidates allow, and the live matcher sees no more than the budgets (hypothesis, pure)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from marsad.bot.digest_claims import Claims, Outcome, StoryFacts
from marsad.bot.digest_reads import NOTHING, Selector
from marsad.matching.engine import MatchResult
from marsad.store.chats import SubscriptionKind as Kind

T0 = datetime(2026, 12, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Story:
    """A story as drawn: its members' stored rules, and the queries each matches again."""

    outlets: int
    hours: int
    members: tuple[tuple[frozenset[str], frozenset[str] | None], ...]
    """(rules stored at ingest, queries it matches when matched again or None: no candidate)."""


member = st.tuples(
    st.frozensets(st.sampled_from(["r1", "r2"]), max_size=1),
    st.none() | st.frozensets(st.sampled_from(["q1", "q2"]), max_size=2),
)
story = st.builds(
    Story,
    outlets=st.integers(1, 3),
    hours=st.integers(0, 30),
    members=st.lists(member, min_size=1, max_size=3).map(tuple),
)
SELECTORS = {
    "query": [Selector("q1", Kind.QUERY, "q1")],
    "rule then query": [Selector("r1", Kind.RULE, "r1"), Selector("q1", Kind.QUERY, "q1")],
    "two queries and a rule": [
        Selector("q1", Kind.QUERY, "q1"),
        Selector("r2", Kind.RULE, "r2"),
        Selector("q2", Kind.QUERY, "q2"),
    ],
}


def decide(
    selectors: list[Selector], drawn: list[Story], shown: int | None, sample: int, walk: int
) -> tuple[list[Outcome], int]:
    """Run the protocol as ``digests.collect`` does: the outcomes and the items matched."""
    stored: dict[int, MatchResult] = {}
    truth: dict[int, MatchResult] = {}
    facts = []
    index = 0
    for key, one in enumerate(drawn):
        members, again = [], []
        for rules, queries in one.members:
            stored[index] = MatchResult(str(index), tuple(rules), (), (), ())
            truth[index] = MatchResult(str(index), (), tuple(queries or ()), (), ())
            members.append(index)
            if queries is not None:
                again.append(index)
            index += 1
        published = T0 + timedelta(hours=one.hours)
        facts.append(StoryFacts(key, members, again, one.outlets, published))
    claims = Claims(selectors, facts, lambda m: stored.get(m, NOTHING), shown, sample, walk)
    matched = 0
    while wanted := claims.wanted():
        assert len(set(wanted)) == len(wanted), "an item is asked for once"
        matched += len(wanted)
        claims.feed({m: truth[m] for m in wanted})
    return claims.outcomes(), matched


@settings(max_examples=50, deadline=None)
@given(
    kind=st.sampled_from(sorted(SELECTORS)),
    drawn=st.lists(story, max_size=40),
    shown=st.integers(0, 6),
    sample=st.integers(0, 12),
    walk=st.integers(1, 20),
)
def test_lazy_groups_show_the_full_digests_best_stories_and_honest_counts(
    kind: str, drawn: list[Story], shown: int, sample: int, walk: int
) -> None:
    selectors = SELECTORS[kind]
    full, _ = decide(selectors, drawn, None, 0, 0)
    lazy, matched = decide(selectors, drawn, shown, sample, walk)
    assert all(outcome.exact for outcome in full)
    biggest = max((len(one.members) for one in drawn), default=0)
    assert matched <= walk + sample + 2 * biggest, "the budgets bound the matching"
    for index, (whole, part) in enumerate(zip(full, lazy, strict=True)):
        # the shown stories are the best-ranked of the group, in order (a walk cut short by
        # its budget shows a prefix of them)
        assert part.shown == whole.shown[: len(part.shown)], index
        assert len(part.shown) <= shown
        if part.exact:
            assert part.total == whole.total, index
            assert part.shown == whole.shown[:shown], index
        else:
            assert len(part.shown) <= part.total <= len(drawn), index


def test_with_room_for_every_candidate_the_counts_are_exact() -> None:
    drawn = [
        Story(1 + n % 3, n, ((frozenset(), frozenset({"q1"} if n % 4 else ())),)) for n in range(30)
    ]
    selectors = SELECTORS["query"]
    full, _ = decide(selectors, drawn, None, 0, 0)
    lazy, matched = decide(selectors, drawn, 5, 100, 100)
    assert lazy[0] == Outcome(full[0].shown[:5], full[0].total, True)
    assert full[0].total == 22 and matched == 30


def test_a_sample_estimates_the_rest_of_a_frequent_query() -> None:
    """400 single-item stories, 3 in 4 match: 5 shown after matching about 7, the count
    estimated from a sample of 100 of the others."""
    drawn = [
        Story(1, n % 24, ((frozenset(), frozenset({"q1"} if n % 4 else ())),)) for n in range(400)
    ]
    lazy, matched = decide(SELECTORS["query"], drawn, 5, 100, 600)
    assert not lazy[0].exact and len(lazy[0].shown) == 5
    assert 250 <= lazy[0].total <= 350  # 300 in truth; a sample of 100 errs by ~4 % (1 sigma)
    assert matched <= 110

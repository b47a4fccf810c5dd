"""Token numbers of exact hits, counted from the previous hit: they must not drift when a
longer key ends after a shorter one but begins before it (phrases overlapping words)."""

from __future__ import annotations

import pytest

from marsad.matching.recognise import Recogniser

CASES = [
    (
        ("أمني", "تعاون أمني مشترك"),
        "أكد الطرفان على تعاون أمني مشترك",
        [("أمني", 4, 5), ("تعاون أمني مشترك", 3, 6)],
    ),
    # (terms, text, expected (key, token_start, token_end) of every hit, in order)
    (
        ("أمني", "تعاون أمني"),
        "قال الوزير إن التعاون الأمني مستمر",
        [("أمني", 4, 5), ("تعاون أمني", 3, 5)],
    ),
    (
        ("مذكرة", "مذكرة تفاهم", "تفاهم"),
        "وقع البلدان مذكرة تفاهم ثم مذكرة أخرى وتفاهم",
        [("مذكرة", 2, 3), ("مذكرة تفاهم", 2, 4), ("تفاهم", 3, 4), ("مذكرة", 5, 6), ("تفاهم", 7, 8)],
    ),
]


@pytest.mark.parametrize(("words", "text", "expected"), CASES)
def test_token_numbers_survive_overlapping_keys(
    words: tuple[str, ...], text: str, expected: list[tuple[str, int, int]]
) -> None:
    recogniser = Recogniser(terms=words)
    hits = recogniser.find(text)
    got = sorted((h.key, h.token_start, h.token_end) for h in hits)
    assert got == sorted((Recogniser.term_key(k), s, e) for k, s, e in expected)
    for hit in hits:
        assert text[hit.start : hit.end] == hit.surface

"""Tokens carry the original span, whatever the folding removed or expanded."""

from __future__ import annotations

import pytest

from marsad.matching.tokens import Token, tokenise


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("المغرب وإسبانيا", [("المغرب", "المغرب"), ("واسبانيا", "وإسبانيا")]),
        ("الشُّرْطَة،", [("الشرطه", "الشُّرْطَة")]),
        ("حمو\u200cشي يزور", [("حموشي", "حمو\u200cشي"), ("يزور", "يزور")]),
        ("«الدرك»", [("الدرك", "الدرك")]),
        ("بـ2030", [("ب", "بـ"), ("2030", "2030")]),
        ("\ufef7\ufee3\ufee6 البلاد", [("لامن", "\ufef7\ufee3\ufee6"), ("البلاد", "البلاد")]),
        ("Straße España", [("strasse", "Straße"), ("espana", "España")]),
        ("٢٠٢٥ م", [("2025", "٢٠٢٥"), ("م", "م")]),
    ],
)
def test_tokens_and_spans(text: str, expected: list[tuple[str, str]]) -> None:
    tokens = tokenise(text)
    assert [(t.text, text[t.start : t.end]) for t in tokens] == expected


def test_token_is_a_value() -> None:
    assert tokenise("فرنسا")[0] == Token("فرنسا", 0, 5)

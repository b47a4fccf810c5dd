"""The fuzzy index's cheap rejections never lose a form that is within budget.

Candidates come from head/tail tests, one-letter deletions and pigeonhole pieces; the answer
must be what verifying every indexed form one by one gives.  The one exception, by design: a
long name two edits away where one of them is a transposition straddling two thirds of the
name (the pieces cannot see it; Levenshtein counts it as two, and such a word is three edits
from the name).
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz.distance import OSA, Levenshtein

from marsad.matching.fuzzy import FuzzyIndex, budget, cheap_edit, plausible_edits

LETTERS = "ابتثجحخدذرزسشصضطظعغفقكلمنهويء"
FORM = st.text(alphabet=LETTERS, min_size=4, max_size=13)


@st.composite
def edited(draw: st.DrawFn, form: str) -> str:
    """`form` with up to two edits: insertions, deletions, substitutions, one transposition."""
    word = list(form)
    for _ in range(draw(st.integers(0, 2))):
        kind = draw(st.sampled_from(["insert", "delete", "substitute"]))
        at = draw(st.integers(0, len(word) - 1))
        if kind == "insert":
            word.insert(at, draw(st.sampled_from(LETTERS)))
        elif kind == "delete" and len(word) > 3:
            del word[at]
        else:
            word[at] = draw(st.sampled_from(LETTERS))
    if draw(st.booleans()) and len(word) > 2:
        at = draw(st.integers(0, len(word) - 2))
        word[at], word[at + 1] = word[at + 1], word[at]
    return "".join(word)


def every_form(forms: list[str], word: str) -> set[str]:
    """The forms a one-by-one scan accepts (the index's own verification rules)."""
    accepted = set()
    for form in forms:
        allowed = budget(len(form)) or (1 if len(form) == 4 else 0)
        distance = OSA.distance(word, form)
        if allowed == 0 or distance == 0 or distance > allowed:
            continue
        if len(form) == 4 and len(word) != 5:
            continue  # a short name: one added letter only
        if distance == 2 and Levenshtein.distance(word, form) > 2:
            continue  # the straddling transposition above
        if len(form) <= 6 and not (distance == 1 and cheap_edit(word, form)):
            continue
        if plausible_edits(word, form):
            accepted.add(form)
    return accepted


@settings(max_examples=400, deadline=None)
@given(st.lists(FORM, min_size=1, max_size=12, unique=True), st.data())
def test_lookup_finds_what_a_scan_of_every_form_finds(
    forms: list[str], data: st.DataObject
) -> None:
    index = FuzzyIndex()
    for form in forms:
        index.add(form, form)
    word = data.draw(edited(data.draw(st.sampled_from(forms))))
    found = {match.form.form for match in index.lookup(word)}
    expected = every_form(forms, word)
    assert expected <= found
    assert all(OSA.distance(word, form) <= 2 for form in found - expected)


def test_a_word_near_no_form_costs_no_candidates() -> None:
    index = FuzzyIndex()
    index.add("اسبانيا", "spain")
    index.add("عبداللطيفحموشي", "long")
    assert index.candidates("الاقتصاديه") == set()
    assert index.candidates("اسبانبا")  # one typo away: a candidate
    assert index.candidates("عبدالطيفحموشى")  # two edits from the long form

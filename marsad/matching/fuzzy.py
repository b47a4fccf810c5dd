"""The fuzzy fallback: typo-tolerant lookup of names, by a deletion-neighbourhood index.

Each fuzzy-enabled name form is indexed under itself and its deletions (one, or two for long
names); a text word looks up its own deletions, and candidates are verified with the
optimal-string-alignment distance against a length-aware budget.  Short names get only
"cheap" edits that real spelling variation produces (a long vowel, a doubled letter, a
confusable letter pair).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import ahocorasick
from rapidfuzz.distance import OSA

# Letter pairs that writers confuse (ة/ه, أ/ا, ى/ي are already folded away; a hamza seat
# is often written as its plain letter: الجزاير for الجزائر).
_CONFUSABLE = frozenset(
    frozenset(p)
    for p in (
        "سص",
        "تط",
        "دض",
        "ذز",
        "زظ",
        "ضظ",
        "ذد",
        "ثس",
        "كق",
        "حه",
        "عء",
        "اء",
        "ءي",
        "ءو",
    )
)
# Letters that differ only in their dots: a slip of the pen or of OCR.
_DOT_FAMILIES = ("بتثني", "جحخ", "دذ", "رز", "سش", "صض", "طظ", "عغ", "فق")
# The Arabic keyboard, row by row (folded): a neighbouring key is an easy typo.
_KEYBOARD = ("ضصثقفغعهخحجد", "شسيبلاتنمكط", "ءءءر يهوزظ")


def _similar_pairs() -> frozenset[frozenset[str]]:
    pairs = set(_CONFUSABLE)
    for family in _DOT_FAMILIES:
        pairs.update(frozenset((a, b)) for a in family for b in family if a != b)
    for r, row in enumerate(_KEYBOARD):
        for i, key in enumerate(row):
            near = [row[j] for j in (i - 1, i + 1) if 0 <= j < len(row)]
            if r + 1 < len(_KEYBOARD):
                below = _KEYBOARD[r + 1]
                near += [below[j] for j in (i - 1, i, i + 1) if 0 <= j < len(below)]
            pairs.update(frozenset((key, n)) for n in near if n not in (key, " "))
    return frozenset(p for p in pairs if len(p) == 2 and " " not in p)


_SIMILAR = _similar_pairs()
_FINAL_PAIR = frozenset("ها")  # a final ة written ا (بوريطا)
_ARABIC_LONG_VOWELS = frozenset("اوي")
_LATIN_VOWELS = frozenset("aeiouy")


def budget(length: int) -> int:
    """Edits allowed for a name form of this many letters (0 means exact only)."""
    if length <= 4:
        return 0
    if length <= 9:
        return 1
    return 2


def _deletions(word: str, depth: int) -> set[str]:
    """The word and every word made by deleting up to `depth` letters (never below 3)."""
    out = {word}
    frontier = {word}
    for _ in range(depth):
        frontier = {w[:i] + w[i + 1 :] for w in frontier if len(w) > 3 for i in range(len(w))}
        out |= frontier
    return out


def cheap_edit(a: str, b: str) -> bool:
    """Whether a and b differ by one edit of the kinds real spelling variation makes.

    A confusable letter (final ة written ا too), a doubled letter, or a long vowel between
    two consonants (هولاندا); a long vowel next to another one makes another word's
    pattern (المواني is not الماني).
    """
    if len(a) == len(b):
        diffs = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        if len(diffs) != 1:
            return False
        pair = frozenset((a[diffs[0]], b[diffs[0]]))
        return pair in _CONFUSABLE or (pair == _FINAL_PAIR and diffs[0] == len(a) - 1)
    longer, shorter = (a, b) if len(a) > len(b) else (b, a)
    if len(longer) - len(shorter) != 1:
        return False
    vowels = _ARABIC_LONG_VOWELS if "\u0600" <= longer[0] <= "\u08ff" else _LATIN_VOWELS
    for i, char in enumerate(longer):
        if longer[:i] + longer[i + 1 :] != shorter:
            continue
        before = longer[i - 1] if i > 0 else ""
        after = longer[i + 1] if i + 1 < len(longer) else ""
        if char in (before, after):
            return True  # a doubled letter
        if char in vowels and before not in vowels and after not in vowels:
            return True
    return False


def plausible_edits(a: str, b: str) -> bool:
    """Whether the substitutions between two Arabic words of one length are real typos.

    A letter replaced by one with other dots, a confusable sound or a neighbouring key is
    a typo; any other replacement makes another word (الماحيا is not ألمانيا).  Swapped
    neighbours are fine; words of different lengths are not judged here.
    """
    if len(a) != len(b) or not ("\u0600" <= a[0] <= "\u08ff"):
        return True
    diffs = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
    i = 0
    while i < len(diffs):
        p = diffs[i]
        if i + 1 < len(diffs) and diffs[i + 1] == p + 1 and a[p] == b[p + 1] and a[p + 1] == b[p]:
            i += 2  # transposition
            continue
        if frozenset((a[p], b[p])) not in _SIMILAR:
            return False
        i += 1
    return True


def end_trimmed(a: str, b: str) -> bool:
    """Whether one word is the other with letters only added or dropped at an end."""
    if len(a) == len(b):
        return False
    longer, shorter = (a, b) if len(a) > len(b) else (b, a)
    return longer.startswith(shorter) or longer.endswith(shorter)


@dataclass(frozen=True, slots=True)
class FuzzyForm:
    """One indexed name form and what it stands for (an opaque payload for the caller)."""

    form: str
    payload: object


@dataclass(frozen=True, slots=True)
class FuzzyMatch:
    """A word within budget of an indexed form."""

    form: FuzzyForm
    distance: int
    cheap: bool  # one edit of the kinds spelling variation makes (vowel, doubling, confusable)


class FuzzyIndex:
    """Deletion-neighbourhood index over name forms; grows incrementally."""

    def __init__(self) -> None:
        self._forms: list[FuzzyForm] = []
        self._by_deletion: dict[str, list[int]] = {}
        self._min_length = 5
        self._max_length = 0
        # Forms long enough for two edits are also cut into three pieces: a word two edits
        # from one holds one of its pieces whole (pigeonhole), so one automaton pass over the
        # word says whether the costly two-deletion neighbourhood is worth computing.
        self._long_pieces: set[str] = set()
        self._pieces: Any = None

    def __len__(self) -> int:
        return len(self._forms)

    def add(self, form: str, payload: object) -> bool:
        """Index `form`; False (nothing indexed) when it is too short or numeric for fuzzy."""
        if budget(len(form)) == 0 or any(c.isdigit() for c in form):
            return False
        index = len(self._forms)
        self._forms.append(FuzzyForm(form, payload))
        self._max_length = max(self._max_length, len(form))
        edits = budget(len(form))
        if edits > 1:
            third = len(form) // (edits + 1)
            cuts = [i * third for i in range(edits + 1)] + [len(form)]
            self._long_pieces.update(form[a:b] for a, b in pairwise(cuts))
            self._pieces = None
        for key in _deletions(form, edits):
            self._by_deletion.setdefault(key, []).append(index)
        return True

    def _may_be_two_edits_from_a_long_form(self, word: str) -> bool:
        if not self._long_pieces or len(word) < 8:
            return False
        if self._pieces is None:
            self._pieces = ahocorasick.Automaton()
            for piece in self._long_pieces:
                self._pieces.add_word(piece, None)
            self._pieces.make_automaton()
        return next(self._pieces.iter(word), None) is not None

    def lookup(self, word: str) -> Iterator[FuzzyMatch]:
        """Indexed forms within their budget of `word` (never `word` itself)."""
        if not self._min_length - 1 <= len(word) <= self._max_length + 2:
            return  # too short, or longer than any form plus two edits (and no quadratic work)
        if any(c.isdigit() for c in word):
            return
        # Most words are within one edit of no form: their own one-letter deletions say so
        # without the set of two-letter ones.
        one_off = [word[:i] + word[i + 1 :] for i in range(len(word))]
        one_off.append(word)
        if self._may_be_two_edits_from_a_long_form(word):
            keys = _deletions(word, 2)
        elif self._by_deletion.keys().isdisjoint(one_off):
            return
        else:
            keys = set(one_off)
        candidates = {index for key in keys for index in self._by_deletion.get(key, ())}
        matches = []
        for index in sorted(candidates):  # index order, then nearest first: deterministic
            form = self._forms[index]
            allowed = budget(len(form.form))
            distance = OSA.distance(word, form.form, score_cutoff=allowed)
            if distance == 0 or distance > allowed:
                continue
            cheap = distance == 1 and cheap_edit(word, form.form)
            if len(form.form) <= 6 and not cheap:
                continue
            if not plausible_edits(word, form.form):
                continue
            matches.append(FuzzyMatch(form, distance, cheap))
        matches.sort(key=lambda match: match.distance)
        yield from matches

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
_CONFUSABLE_WITH: dict[str, set[str]] = {}
for _pair in _CONFUSABLE:
    _a, _b = sorted(_pair)
    _CONFUSABLE_WITH.setdefault(_a, set()).add(_b)
    _CONFUSABLE_WITH.setdefault(_b, set()).add(_a)
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


# An Arabic name this short gets one edit only of the kind spelling variation adds: a doubled
# letter or a long vowel between consonants (تونيس, older spellings with an extra ا or و).
SHORT_NAME = 4


def _edits_for(form: str) -> int:
    """The edits a form allows: its budget, or one added letter for a short Arabic name."""
    edits = budget(len(form))
    if edits == 0 and len(form) == SHORT_NAME and "\u0600" <= form[0] <= "\u08ff":
        return 1
    return edits


# Forms this short match only a spelling variant (cheap_edit), not any typo.
CHEAP_ONLY = 6


def cheap_variants(form: str) -> set[str]:
    """Every word one `cheap_edit` from `form`: a confusable letter (a final ة written ا), a
    letter doubled or undoubled, a long vowel added or dropped between consonants."""
    vowels = _ARABIC_LONG_VOWELS if "\u0600" <= form[0] <= "\u08ff" else _LATIN_VOWELS
    out: set[str] = set()
    for i, char in enumerate(form):
        for other in _CONFUSABLE_WITH.get(char, ()):
            out.add(form[:i] + other + form[i + 1 :])
        before = form[i - 1] if i else ""
        after = form[i + 1] if i + 1 < len(form) else ""
        if char in (before, after) or (
            char in vowels and before not in vowels and after not in vowels
        ):
            out.add(form[:i] + form[i + 1 :])
    last = form[-1]
    if last in _FINAL_PAIR:
        out.update(form[:-1] + other for other in _FINAL_PAIR - {last})
    for i in range(len(form) + 1):
        before = form[i - 1] if i else ""
        after = form[i] if i < len(form) else ""
        out.update(form[:i] + char + form[i:] for char in {before, after} - {""})
        if before not in vowels and after not in vowels:
            out.update(form[:i] + vowel + form[i:] for vowel in vowels)
    out.discard(form)
    return out


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


@dataclass(frozen=True)
class GateTables:
    """A FuzzyIndex as plain tables: its forms with their allowances, and exactly what
    `candidates` reads (forms by number)."""

    forms: tuple[str, ...]
    allowed: tuple[int, ...]
    variants: dict[str, tuple[int, ...]]
    heads: dict[str, frozenset[int]]
    tails: dict[str, frozenset[int]]
    pieces: dict[str, tuple[tuple[int, int, int], ...]]
    deletions: dict[str, tuple[int, ...]]
    min_length: int
    max_length: int


class FuzzyIndex:
    """Index over name forms for typo-tolerant lookup; grows incrementally.

    Lookups must be cheap for the many words near no form (a real stream brings ~30 new words
    an article), so candidates come from tests that reject at C speed:
    - short forms (up to six letters), which allow only a spelling variant: every variant is
      listed, so one dict read answers;
    - other forms allowed one edit: the word's one-letter deletions meet the form's deletion
      neighbourhood, tried only when the word keeps the form's head or tail (below);
    - forms allowed two edits: one of three pieces of the form stands whole in the word, near
      its place (pigeonhole), found by one automaton pass over the word.  (Not where one of
      the two edits swaps the letters on either side of a cut: Levenshtein counts that
      word three edits away, and so does this index.)
    Candidates are then verified with the optimal-string-alignment distance.
    """

    def __init__(self) -> None:
        self._forms: list[FuzzyForm] = []
        self._by_deletion: dict[str, list[int]] = {}
        self._min_length = 5
        self._max_length = 0
        # A word one edit from a form of n letters keeps the form's head (up to the middle) or
        # its tail (after the middle letter) whole, and has n-1..n+1 letters: its first or last
        # three letters and its length rule most words out before any deletion.
        self._heads: dict[str, set[int]] = {}
        self._tails: dict[str, set[int]] = {}
        # Short forms allow only the edits spelling variation makes: all of them, spelled out.
        self._variants: dict[str, list[int]] = {}
        # piece -> (where it ends in its form, the form's length, the form) per form it is cut
        # from; the automaton over the pieces is rebuilt on the first lookup after a change.
        self._pieces: dict[str, list[tuple[int, int, int]]] = {}
        self._piece_automaton: Any = None

    def __len__(self) -> int:
        return len(self._forms)

    def add(self, form: str, payload: object) -> bool:
        """Index `form`; False (nothing indexed) when it is too short or numeric for fuzzy."""
        edits = _edits_for(form)
        if edits == 0 or any(c.isdigit() for c in form):
            return False
        index = len(self._forms)
        self._forms.append(FuzzyForm(form, payload))
        self._max_length = max(self._max_length, len(form))
        if edits > 1:
            size = len(form) // (edits + 1)
            cuts = [i * size for i in range(edits + 1)] + [len(form)]
            for a, b in pairwise(cuts):
                self._pieces.setdefault(form[a:b], []).append((b - 1, len(form), index))
            self._piece_automaton = None
            return True
        if len(form) <= CHEAP_ONLY:
            for variant in cheap_variants(form):
                self._variants.setdefault(variant, []).append(index)
            return True
        middle = len(form) // 2
        lengths = {len(form) - 1, len(form), len(form) + 1}
        self._heads.setdefault(form[:3], set()).update(lengths)
        self._tails.setdefault(form[middle + 1 :][-3:], set()).update(lengths)
        for key in _deletions(form, edits):
            self._by_deletion.setdefault(key, []).append(index)
        return True

    def candidates(self, word: str) -> set[int]:
        """Forms worth verifying against `word` (a superset of those within budget)."""
        n = len(word)
        if not self._min_length - 2 <= n <= self._max_length + 2:
            return set()  # shorter or longer than any form, give or take two edits
        if not word.isalpha() and any(c.isdigit() for c in word):
            return set()
        # The cheap dict reads first: most words fail them all and need no set at all.
        variants = self._variants.get(word)
        near_end = n in self._heads.get(word[:3], ()) or n in self._tails.get(word[-3:], ())
        pieces = n >= 8 and bool(self._pieces)
        if variants is None and not near_end and not pieces:
            return set()
        found: set[int] = set(variants) if variants is not None else set()
        if pieces:
            if self._piece_automaton is None:
                self._piece_automaton = _automaton(self._pieces)
            # Two edits move a piece by two letters at most and change the length by two.
            for end, places in self._piece_automaton.iter(word):
                for form_end, form_length, index in places:
                    if abs(end - form_end) <= 2 and abs(n - form_length) <= 2:
                        found.add(index)
        if near_end:
            one_off = [word[:i] + word[i + 1 :] for i in range(n)]
            one_off.append(word)
            by_deletion = self._by_deletion
            if not by_deletion.keys().isdisjoint(one_off):
                for key in one_off:
                    found.update(by_deletion.get(key, ()))
        return found

    def gate_tables(self) -> GateTables:
        """What `candidates` tests first, for the compiled gate (`_gate.c`) to test the same."""
        return GateTables(
            forms=tuple(form.form for form in self._forms),
            allowed=tuple(_edits_for(form.form) for form in self._forms),
            variants={variant: tuple(forms) for variant, forms in self._variants.items()},
            heads={head: frozenset(lengths) for head, lengths in self._heads.items()},
            tails={tail: frozenset(lengths) for tail, lengths in self._tails.items()},
            pieces={piece: tuple(places) for piece, places in self._pieces.items()},
            deletions={key: tuple(forms) for key, forms in self._by_deletion.items()},
            min_length=self._min_length,
            max_length=self._max_length,
        )

    def lookup(self, word: str) -> Iterator[FuzzyMatch]:
        """Indexed forms within their budget of `word` (never `word` itself), nearest first."""
        yield from self.matches(word, self.candidates(word))

    def matches(self, word: str, candidates: set[int]) -> list[FuzzyMatch]:
        """Those of `candidates` (`candidates(word)`) within their budget of `word`."""
        matches = []
        for index in sorted(candidates):  # index order, then nearest first: deterministic
            form = self._forms[index]
            allowed = _edits_for(form.form)
            distance = OSA.distance(word, form.form, score_cutoff=allowed)
            if distance == 0 or distance > allowed:
                continue
            if len(form.form) <= SHORT_NAME and len(word) != len(form.form) + 1:
                continue  # a short name: only a letter doubled or a long vowel added
            cheap = distance == 1 and cheap_edit(word, form.form)
            if len(form.form) <= CHEAP_ONLY and not cheap:
                continue
            if not plausible_edits(word, form.form):
                continue
            matches.append(FuzzyMatch(form, distance, cheap))
        matches.sort(key=lambda match: match.distance)
        return matches


def _automaton(pieces: dict[str, list[tuple[int, int, int]]]) -> Any:
    automaton = ahocorasick.Automaton()
    for piece, places in pieces.items():
        automaton.add_word(piece, places)
    automaton.make_automaton()
    return automaton

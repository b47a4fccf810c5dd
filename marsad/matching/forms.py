"""Word forms: proclitics, the article rule, nisba derivation and regular inflections.

Everything here works on folded words (see normalise.py).  No stemmer: forms are generated
from the words a rule lists, never reduced to roots, so words that merely share a root with
a term never match it.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum
from itertools import product

ARTICLE = "ال"

_CONJUNCTIONS = ("", "و", "ف")
_PREPOSITIONS = ("", "ب", "ك", "ل")

# Proclitic strings allowed before a word written without the article ...
PREFIXES_BARE: frozenset[str] = frozenset(c + p for c in _CONJUNCTIONS for p in _PREPOSITIONS)
# ... and the article with what may precede it (ل + ال is written لل).
# Moroccan Darija writes the article as a bare ل (لمغاربة) and "of the" as دال (دالمغرب).
PREFIXES_ARTICLE: frozenset[str] = frozenset(
    {c + p + ARTICLE for c in _CONJUNCTIONS for p in ("", "ب", "ك", "د")}
    | {c + "لل" for c in _CONJUNCTIONS}
    | {c + "ل" for c in _CONJUNCTIONS}
)
PREFIXES_ANY: frozenset[str] = PREFIXES_BARE | PREFIXES_ARTICLE
PREFIXES_NONE: frozenset[str] = frozenset({""})
# Longest first, for splitting a token into proclitics + stem.
ALL_PREFIXES: tuple[str, ...] = tuple(sorted(PREFIXES_ANY, key=len, reverse=True))

# Attached pronouns on nouns (third person and plural; "ي" and "ك" would turn nouns into other
# words too often: أمن + ي is the adjective أمني).
PRONOUNS = ("ه", "ها", "هم", "هن", "هما", "كم", "نا")

# Words never inflected inside a multi-word form.
_FUNCTION_WORDS_TEXT = (
    "غير عن من في على الي مع ضد بين ذات ذو دون عبر حول لدي لدى او و ثم قبل بعد تحت فوق اجل"
)
FUNCTION_WORDS = frozenset(_FUNCTION_WORDS_TEXT.split())

# Heads of compound personal names written with or without a space (عبد اللطيف / عبداللطيف).
COMPOUND_HEADS = (
    "عبد",
    "ابو",
    "ابن",
    "بن",
    "بو",
    "abd",
    "abdel",
    "abdul",
    "abou",
    "abu",
    "ben",
    "ibn",
    "el",
)
# Heads split off a single written word (عبداللطيف → عبد اللطيف, Abdellatif → Abdel Latif).
_SPLIT_HEADS = ("عبد", "ابو", "abdel", "abdul", "abou", "abu", "ben", "el")

# No feminine dual: الأمريكيتين is "the Americas", not two American women.  The alef is
# the indefinite accusative (إسبانياً, تعاوناً) once its tanwin is folded away.
_NISBA_ENDINGS = ("", "ا", "ه", "ين", "ون", "ات", "ان")
_NISBA_PARADIGM = ("ي", "يا", "يه", "يين", "يون", "يات", "يان", "يتين", "يتان")


class Article(Enum):
    """How the article may appear on the first word of a form."""

    NEVER = "never"  # a place written without ال: تونس, never التونس
    ALWAYS = "always"  # a place written with ال: العراق, للعراق
    OPTIONAL = "optional"  # persons, orgs, topics, nisba: فاسي / الفاسي
    LATIN = "latin"  # Latin script: no Arabic clitics at all

    @property
    def prefixes(self) -> frozenset[str]:
        """The proclitic strings allowed before the first word's stem."""
        return _PREFIXES[self]


_PREFIXES = {
    Article.NEVER: PREFIXES_BARE,
    Article.ALWAYS: PREFIXES_ARTICLE,
    Article.OPTIONAL: PREFIXES_ANY,
    Article.LATIN: PREFIXES_NONE,
}


def is_arabic(word: str) -> bool:
    """Whether a folded word is in Arabic script."""
    return bool(word) and "\u0600" <= word[0] <= "\u08ff"


def written_with_article(raw: str, folded: str) -> bool:
    """Whether a word is written with the article: a literal ال (not أل/إل) before two letters."""
    letters = "".join(
        c for c in raw if c not in "\u064b\u064c\u064d\u064e\u064f\u0650\u0651\u0652\u0670ـ"
    )
    return letters.startswith(ARTICLE) and folded.startswith(ARTICLE) and len(folded) >= 4


def without_article(word: str) -> str:
    """The word without a leading ال, when what remains is still a word."""
    return word[2:] if word.startswith(ARTICLE) and len(word) >= 5 else word


_FEMININE = ("ه", "ات", "تان", "تين", "تا", "تي")  # تا/تي: construct dual (مذكرتي تفاهم)
_PARTICIPLE = ("", "ا", "ه", "ين", "ون", "ان", "ات", "تان", "تين")
_NOUN = ("", "ا", "ات")


def inflections(word: str, *, head: bool = True) -> set[str]:
    """The regular number/gender inflections of a folded Arabic word, itself included.

    Recognises the ending the word is written with and generates that paradigm only, so no
    inflection turns one word into another: a feminine never loses its ة (هجرة is not هجر);
    a head noun in ية keeps it (عملية is not عملي) while an adjective in ية does not
    (غير الشرعية / غير شرعيين); a plural in ات gives its feminine singular; participles
    (مهاجر, متطرف) take the sound plurals, other bare nouns (أمن) only ات and the accusative.
    """
    if not is_arabic(word) or len(word) < 3 or word in FUNCTION_WORDS:
        return {word}
    n = len(word)
    endings: tuple[str, ...]
    if word.endswith(("يين", "يون")) and n >= 6:
        stem, endings = word[:-3], _NISBA_PARADIGM
    elif word.endswith("يات") and n >= 6:
        stem, endings = (word[:-2], _FEMININE) if head else (word[:-3], _NISBA_PARADIGM)
    elif word.endswith("يه") and n >= 5:
        stem, endings = (word[:-1], _FEMININE) if head else (word[:-2], _NISBA_PARADIGM)
    elif word.endswith("ي"):
        stem, endings = word[:-1], _NISBA_PARADIGM
    elif word.endswith("ه") and n >= 4:
        stem, endings = word[:-1], _FEMININE
    elif word.endswith("ات") and n >= 5:
        stem, endings = word[:-2], _FEMININE
    elif word.endswith(("ين", "ون")) and n >= 6:
        stem, endings = word[:-2], _PARTICIPLE
    elif (word.startswith("م") and n >= 4) or (n == 4 and word[1] == "ا"):
        stem, endings = word, _PARTICIPLE  # مهرب, and the active participle فاعل: خاطف, قاتل
    else:
        stem, endings = word, _NOUN
    return {word} | {stem + e for e in endings}


def with_pronouns(forms: Iterable[str]) -> set[str]:
    """Forms with an attached pronoun (جريمة → جريمتهم); ة becomes ت before it.

    A sound masculine plural drops its ن (مهربين → مهربيهم, مهربوها), but not for ـيه: that
    spells a feminine nisba, another word (بوليسية "detective" is not "his policemen").
    """
    out: set[str] = set()
    for form in forms:
        if not is_arabic(form) or len(form) < 3:
            continue
        if form.endswith(("ين", "ون")):
            if len(form) >= 5:
                construct = form[:-1]
                out.update(
                    construct + p for p in PRONOUNS if not (construct.endswith("ي") and p == "ه")
                )
            continue
        base = form[:-1] + "ت" if form.endswith("ه") else form
        out.update(base + p for p in PRONOUNS)
    return out


def nisba_base(stem: str) -> str | None:
    """The masculine nisba of a place name without its article (إسبانيا → إسباني), if regular."""
    if len(stem) < 3 or not is_arabic(stem):
        return None
    if stem.endswith("يا") and len(stem) >= 5:
        return stem[:-1]  # اسبانيا → اسباني, ايطاليا → ايطالي
    if stem.endswith("يه"):
        return stem[:-1]  # سعوديه → سعودي
    if stem.endswith(("ا", "ه")):
        return stem[:-1] + "ي"  # فرنسا → فرنسي, هولندا → هولندي
    if stem.endswith(("ي", "و")):
        return None  # the nisba would be the name itself (مالي): never derived
    return stem + "ي"  # المغرب → مغربي, البرتغال → برتغالي


def nisba_forms(base: str) -> set[str]:
    """The inflections of a nisba: إسباني إسبانية إسبانيين إسبانيون إسبانيات ..."""
    return {base + e for e in _NISBA_ENDINGS}


def compound_variants(words: tuple[str, ...]) -> set[tuple[str, ...]]:
    """A personal name with its compound parts joined or split (عبد الوافي ↔ عبدالوافي)."""
    out = {words}
    for i in range(len(words) - 1):
        if words[i] in COMPOUND_HEADS:
            out.add((*words[:i], words[i] + words[i + 1], *words[i + 2 :]))
    for i, word in enumerate(words):
        for head in _SPLIT_HEADS:
            if word.startswith(head) and len(word) - len(head) >= 3:
                out.add((*words[:i], head, word[len(head) :], *words[i + 1 :]))
    return out


def word_products(
    written: tuple[str, ...], per_word: list[set[str]], limit: int = 400
) -> list[tuple[str, ...]]:
    """The combinations of per-word variants, capped to `limit`.

    Beyond the cap only the last word varies and the others stay as written.
    """
    total = 1
    for options in per_word:
        total *= len(options)
    if total <= limit:
        return list(product(*[sorted(o) for o in per_word]))
    return [(*written[:-1], last) for last in sorted(per_word[-1])]

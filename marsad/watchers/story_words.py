"""Word lists for story fingerprints: function words, weekdays and a light clitic strip.

All entries are written in the folded form of ``marsad.matching.normalise`` (no hamza on alef,
ة as ه, ى as ي, Latin casefolded without accents).
"""

from __future__ import annotations

from functools import lru_cache

# Attached conjunctions, prepositions and the article, longest first. Stripping them makes
# وإسبانيا, بإسبانيا and لإسبانيا one word; names are cut the same way on both sides of a
# comparison, so a wrong cut costs nothing here (unlike in matching).
_PREFIXES = ("وبال", "وال", "بال", "فال", "كال", "ولل", "لل", "ال", "و", "ف", "ب", "ل")
_MIN_STEM = 3


# Not cached (size 0): its only caller that repeats, story_compare._word_info, caches in front
# of it, so 70 % of its calls are misses; 262,144 entries held ~10 MB after 5,000 articles
# (~50 MB at the bound) to save ~0.02 CPU s per 5,000 articles (bench/README.md "## poll").
@lru_cache(maxsize=0)
def stem(token: str) -> str:
    """``token`` without one leading clitic group, when at least three letters remain."""
    if not "\u0600" <= token[:1] <= "\u06ff":
        return token
    for prefix in _PREFIXES:
        if token.startswith(prefix) and len(token) - len(prefix) >= _MIN_STEM:
            return token[len(prefix) :]
    return token


_ARABIC_STOPWORDS = """
في من على الي عن مع ان او ام ثم قد لقد كما كان كانت يكون تكون التي الذي الذين اللذين اللتين
هذا هذه ذلك تلك هؤلاء هو هي هم هما نحن انه انها بين بعد قبل عند خلال حيث الا لا ما لم لن
كل اي ايضا حول ضد منذ حتى غير دون عبر لدى وقد وكان وكانت اذ اذا لكن بل مما فيما كذلك
اليوم امس يوم يومي اطار سياق وذلك وهو وهي فيه فيها منه منها عليه عليها اليه اليها به بها له
لها تم يتم وتم جانب السيد السيده
"""
_LATIN_STOPWORDS = """
le la les l de des du d un une et en au aux a pour par sur dans avec ce cette ces qui que qu
est sont a ont ete il elle ils se sa son ses leur leurs ne pas plus lors entre
the of and to in a an for on with by at is was were are be been as from that this its it
el los las del y con por para una al que se su sus
"""


def _stemmed(words: str) -> frozenset[str]:
    return frozenset({word for word in words.split()} | {stem(word) for word in words.split()})


STOPWORDS = _stemmed(_ARABIC_STOPWORDS) | frozenset(_LATIN_STOPWORDS.split())
"""Function words: they make unrelated texts look alike and say nothing about the event."""

_DAYS = {
    0: ("الاثنين", "الاتنين", "lundi", "monday", "lunes"),
    1: ("الثلاثاء", "mardi", "tuesday", "martes"),
    2: ("الاربعاء", "mercredi", "wednesday", "miercoles"),
    3: ("الخميس", "jeudi", "thursday", "jueves"),
    4: ("الجمعه", "vendredi", "friday", "viernes"),
    5: ("السبت", "samedi", "saturday", "sabado"),
    6: ("الاحد", "dimanche", "sunday", "domingo"),
}


def _day_forms() -> dict[str, int]:
    forms: dict[str, int] = {}
    for day, names in _DAYS.items():
        for name in names:
            forms[name] = day
            if name.startswith("ال"):
                # يوم الأربعاء, والأربعاء, بالأربعاء; never bare أحد (also "one of").
                for clitic in ("و", "ب", "ف", "ل", "وب"):
                    forms[clitic + name] = day
    return forms


WEEKDAYS: dict[str, int] = _day_forms()
"""Weekday names (Arabic with the article, French, English, Spanish) to 0=Monday..6=Sunday.
Two reports naming different weekdays tell of different days, however alike their wording."""

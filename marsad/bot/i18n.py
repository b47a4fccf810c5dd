"""The bot's words in the chat's language: gettext catalogs read through Babel, CLDR plurals,
and locale-aware lists, numbers and times.

Messages are written in English in the code (``t(language, "Alerts resumed.")``); Arabic and
French come from the gettext catalogs under ``marsad/bot/locale/<lang>/LC_MESSAGES/``.  Every
``.po`` file there is one domain (one feature's messages) and all of a language's domains are
merged, so features keep their own catalogs.  The ``.po`` files are compiled in memory the first
time a language is used: no compiled ``.mo`` is shipped or can go stale.  A message missing from
a catalog falls back to English; ``tests/bot/test_catalogs.py`` fails for any message the code
uses that a catalog does not translate.

Plurals follow CLDR through the catalogs' ``Plural-Forms``: Arabic has six forms (zero, one,
two, few, many, other), French two (plus "many" for millions), English two.  Numbers use Latin
digits in every language (``latn``), as Moroccan Arabic and French news do.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Iterable
from datetime import datetime, tzinfo
from pathlib import Path

from babel import Locale
from babel.dates import format_datetime
from babel.lists import format_list
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations

from marsad.store.chats import Language

LOCALE_DIR = Path(__file__).parent / "locale"
"""``<lang>/LC_MESSAGES/<domain>.po``: the catalogs, one domain per feature."""

_BABEL_LOCALE = {Language.AR: "ar", Language.EN: "en", Language.FR: "fr"}
_NUMBERING = "latn"


def locale_of(language: Language) -> Locale:
    """The Babel locale of a chat language."""
    return Locale.parse(_BABEL_LOCALE[language])


@functools.cache
def translations(language: Language) -> NullTranslations:
    """Every catalog of ``language`` merged (cached); English needs none."""
    folder = LOCALE_DIR / language.value / "LC_MESSAGES"
    merged: NullTranslations | None = None
    for path in sorted(folder.glob("*.po")) if folder.is_dir() else ():
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=_BABEL_LOCALE[language], domain=path.stem)
        compiled = io.BytesIO()
        write_mo(compiled, catalog)
        compiled.seek(0)
        loaded = Translations(compiled, domain=path.stem)
        if merged is None or not isinstance(merged, Translations):
            merged = loaded
        else:
            merged.merge(loaded)
    if merged is None:
        # English, or a language with no catalog yet: the messages as written, English plurals.
        return NullTranslations()
    return merged


def t(language: Language, message: str, /, **values: object) -> str:
    """``message`` in ``language`` with ``values`` filled in by ``str.format``.

    Values are inserted as given: escape them first for HTML (``esc``)."""
    text = translations(language).gettext(message)
    return text.format(**values) if values else text


def tn(language: Language, singular: str, plural: str, n: int, /, **values: object) -> str:
    """The plural form of a message for ``n`` (CLDR rules of ``language``).

    ``{n}`` in the message is ``n`` written for the locale."""
    text = translations(language).ngettext(singular, plural, n)
    return text.format(n=number(language, n), **values)


def number(language: Language, value: float) -> str:
    """``value`` with the locale's grouping, in Latin digits."""
    return format_decimal(value, locale=locale_of(language), numbering_system=_NUMBERING)


def join(language: Language, items: Iterable[str], style: str = "standard") -> str:
    """``items`` as a list in the locale's words: "a, b and c", "a وb وc", "a, b et c".

    ``style="unit"`` joins without a conjunction where the locale has one ("a، b، c")."""
    listed = list(items)
    if not listed:
        return ""
    return format_list(listed, style=style, locale=locale_of(language))  # type: ignore[arg-type]


def when(language: Language, moment: datetime, tz: tzinfo, pattern: str = "d MMM HH:mm") -> str:
    """``moment`` in ``tz`` in the locale's words, with the time zone's offset shown.

    ``pattern`` is a CLDR date pattern without the zone; the offset (e.g. ``GMT+1``) is
    appended in the locale's form."""
    return format_datetime(moment, pattern + " ZZZZ", tzinfo=tz, locale=locale_of(language))

"""The gettext catalogs: every message the bot's code says is translated into Arabic and French,
with the CLDR plural forms of each language."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from marsad.bot import i18n
from marsad.store.chats import Language

PACKAGE = Path(i18n.__file__).parents[1]
KEYWORDS = {
    "t": (2,),  # t(language, message, ...)
    "tn": (2, 3),  # tn(language, singular, plural, n, ...)
    "N_": (1,),  # texts.py's table: N_(message)
    "Np_": (1, 2),  # texts.py's table: Np_(singular, plural)
}


def _used() -> dict[str, tuple[str, int]]:
    """msgid → (file, line) of every message passed to ``t``/``tn`` in the package."""
    found: dict[str, tuple[str, int]] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(PACKAGE), method_map=[("**.py", "python")], keywords=KEYWORDS, comment_tags=()
    ):
        msgid = message[0] if isinstance(message, tuple) else message
        if msgid:
            found.setdefault(msgid, (filename, lineno))
    return found


def _translated(language: Language) -> dict[str, object]:
    messages: dict[str, object] = {}
    folder = i18n.LOCALE_DIR / language.value / "LC_MESSAGES"
    for path in sorted(folder.glob("*.po")):
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=language.value)
        for message in catalog:
            if not message.id:
                continue
            msgid = message.id[0] if isinstance(message.id, tuple) else message.id
            assert msgid not in messages, f"{path.name}: {msgid!r} is in two catalogs"
            messages[msgid] = message.string
    return messages


@pytest.mark.parametrize("language", [Language.AR, Language.FR])
def test_every_message_the_code_says_is_translated(language: Language) -> None:
    translated = _translated(language)
    missing = []
    for msgid, (filename, line) in sorted(_used().items(), key=lambda kv: kv[1]):
        string = translated.get(msgid)
        forms = string if isinstance(string, tuple) else (string,)
        if not all(forms):
            missing.append(f"{filename}:{line}: {msgid!r}")
    assert not missing, (
        f"{len(missing)} messages lack a {language.value} translation:\n" + "\n".join(missing)
    )


@pytest.mark.parametrize(
    ("language", "counts", "expected"),
    [
        (
            Language.AR,
            (0, 1, 2, 3, 11, 100),
            ("لا خبر", "خبر واحد", "خبران", "3 أخبار", "11 خبرا", "100 خبر"),
        ),
        (
            Language.FR,
            (0, 1, 2, 1000000),
            ("0 article", "1 article", "2 articles", "1\u202f000\u202f000 d’articles"),
        ),
        (Language.EN, (0, 1, 2), ("0 stories", "1 story", "2 stories")),
    ],
)
def test_plurals_follow_cldr(
    language: Language, counts: tuple[int, ...], expected: tuple[str, ...]
) -> None:
    assert tuple(i18n.tn(language, "{n} story", "{n} stories", n) for n in counts) == expected


def test_a_message_no_catalog_knows_stays_english() -> None:
    assert i18n.t(Language.FR, "No such message {x}", x=1) == "No such message 1"


def test_lists_numbers_and_times_follow_the_locale() -> None:
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    assert i18n.join(Language.AR, ["أ", "ب", "ج"]) == "أ وب وج"
    assert i18n.join(Language.EN, ["a", "b", "c"]) == "a, b, and c"
    assert i18n.join(Language.FR, ["a", "b", "c"]) == "a, b et c"
    assert i18n.number(Language.AR, 12345) == "12,345"  # Latin digits, as Moroccan news writes
    moment = datetime(2026, 12, 5, 6, 30, tzinfo=UTC)
    casablanca = ZoneInfo("Africa/Casablanca")
    assert i18n.when(Language.EN, moment, casablanca) == "5 Dec 07:30 GMT+01:00"
    assert i18n.when(Language.FR, moment, casablanca) == "5 déc. 07:30 UTC+01:00"


def test_every_command_of_the_menu_has_french() -> None:
    """The French menu comes from the catalogs, keyed by each command's English description
    (the Arabic is written beside it in ``COMMANDS``)."""
    from marsad.bot.app import COMMANDS, menu

    french = {command.command: command.description for command in menu(Language.FR)}
    missing = [c.name for c in COMMANDS if french[c.name] == c.en]
    assert not missing, f"add the French of these commands' descriptions to a catalog: {missing}"
    assert french["lang"] == "Langue : ar, en ou fr"
    assert [c.description for c in menu(Language.AR)] == [c.ar for c in COMMANDS]

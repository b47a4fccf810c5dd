"""Titles of rules and entities by language, as a rule file writes them (display only).

A rule file gives a ``title`` either as one string or as a table of language codes to strings
(``title = { ar = "…", en = "…", fr = "…" }``).  Shown in a chat's language: the title in that
language, else the first one the file wrote, else the caller's fallback (an entity's ``name``,
a rule's id).  Pure: the language is a plain code, so nothing here knows about chats.
"""

from __future__ import annotations

from dataclasses import dataclass

TITLE_LANGUAGES = ("ar", "en", "fr")
"""The language codes a title table may use: the languages the bot speaks."""


@dataclass(frozen=True)
class Titles:
    """One thing's titles: ``(code, title)`` pairs in the order the file wrote them.

    A plain-string title is one pair with the code ``""`` (written in no particular language).
    """

    pairs: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of(cls, title: str) -> Titles:
        """A title given as a plain string, the same in every language."""
        return cls((("", title),))

    @property
    def first(self) -> str | None:
        """The first title written, if any."""
        return self.pairs[0][1] if self.pairs else None

    @property
    def languages(self) -> tuple[str, ...]:
        """The language codes given explicitly, in file order."""
        return tuple(code for code, _ in self.pairs if code)

    def get(self, code: str) -> str | None:
        """The title written for ``code``, if there is one."""
        return next((title for lang, title in self.pairs if lang == code), None)

    def in_language(self, code: str, fallback: str = "") -> str:
        """The title in ``code``, else the first written, else ``fallback``."""
        return self.get(code) or self.first or fallback


TITLE_SHAPE = 'expected a string or a table of languages: { ar = "…", en = "…", fr = "…" }'


@dataclass(frozen=True)
class TitleProblem:
    """What is wrong with a ``title`` value: ``code`` names the language entry at fault."""

    code: str | None
    message: str
    hint: str | None = None


def read_titles(value: object) -> tuple[Titles, list[TitleProblem]]:
    """The titles of a rule file's ``title`` value (absent: None), and what is wrong in it.

    Every entry that is right is kept, so one bad language loses nothing else.
    """
    if value is None:
        return Titles(), []
    if isinstance(value, str):
        if not value.strip():
            return Titles(), [TitleProblem(None, "expected a non-empty string")]
        return Titles.of(" ".join(value.split())), []
    if not isinstance(value, dict):
        return Titles(), [TitleProblem(None, TITLE_SHAPE)]
    if not value:
        return Titles(), [TitleProblem(None, "empty table; " + TITLE_SHAPE)]
    pairs: list[tuple[str, str]] = []
    problems: list[TitleProblem] = []
    for code, text in value.items():
        if code not in TITLE_LANGUAGES:
            problems.append(TitleProblem(code, f"{code!r} is not a language code", _hint(code)))
        elif not isinstance(text, str) or not text.strip():
            problems.append(TitleProblem(code, "expected a non-empty string"))
        else:
            pairs.append((code, " ".join(text.split())))
    return Titles(tuple(pairs)), problems


def _hint(code: str) -> str:
    """``EN``, ``fr-MA``, ``ar_MA``: the code meant; anything else: the codes there are."""
    base = code.strip().lower().replace("_", "-").split("-")[0]
    if base in TITLE_LANGUAGES:
        return f"did you mean {base!r}?"
    return "known language codes: " + ", ".join(TITLE_LANGUAGES)

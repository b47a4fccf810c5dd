"""A query's problem in the chat's language.

The matching package words its errors in English and knows no languages (``QueryError.message``,
``Problem.message``).  The bot shows them to a chat in its own language: each kind of message the
query parser and the matcher raise is recognised here by its shape, and said again through the
catalogs with its values (a column, a word, a limit) kept.  A message of an unknown shape is shown
as it is, in English, rather than lost.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from marsad.bot.i18n import t
from marsad.store.chats import Language

Say = Callable[[Language, re.Match[str]], str]


def _what(language: Language, shown: str) -> str:
    """The parser's name of a token: an operator stays as written, the end is worded."""
    return t(language, "the end of the query") if shown == "the end of the query" else shown


_KINDS: tuple[tuple[re.Pattern[str], Say], ...] = (
    (re.compile(r"unclosed quote"), lambda lang, m: t(lang, "unclosed quote")),
    (re.compile(r"empty phrase"), lambda lang, m: t(lang, "empty phrase")),
    (
        re.compile(r"closing quote without an opening one"),
        lambda lang, m: t(lang, "closing quote without an opening one"),
    ),
    (
        re.compile(r"write NEAR/N with a number of words, e\.g\. NEAR/5"),
        lambda lang, m: t(lang, "write NEAR/N with a number of words, e.g. NEAR/5"),
    ),
    (
        re.compile(r"NEAR distance must be between 1 and (\d+)"),
        lambda lang, m: t(lang, "NEAR distance must be between 1 and {max}", max=m[1]),
    ),
    (
        re.compile(r"@ must be followed by an entity id"),
        lambda lang, m: t(lang, "@ must be followed by an entity id"),
    ),
    (
        re.compile(r"(.+) is not an entity reference; ids use a-z, 0-9, _ and -"),
        lambda lang, m: t(
            lang, "{word} is not an entity reference; ids use a-z, 0-9, _ and -", word=m[1]
        ),
    ),
    (
        re.compile(r"a query is at most (\d+) characters \(this one has (\d+)\)"),
        lambda lang, m: t(
            lang, "a query is at most {max} characters (this one has {count})", max=m[1], count=m[2]
        ),
    ),
    (
        re.compile(
            r"a query has at most (\d+) words, phrases and @entities \(this one has (\d+)\)"
        ),
        lambda lang, m: t(
            lang,
            "a query has at most {max} words, phrases and @entities (this one has {count})",
            max=m[1],
            count=m[2],
        ),
    ),
    (
        re.compile(r"parentheses and NOT nest at most (\d+) deep"),
        lambda lang, m: t(lang, "parentheses and NOT nest at most {max} deep", max=m[1]),
    ),
    (re.compile(r"empty query"), lambda lang, m: t(lang, "empty query")),
    (
        re.compile(r"'\)' without a matching '\('"),
        lambda lang, m: t(lang, "')' without a matching '('"),
    ),
    (
        re.compile(r"(AND|NEAR|NOT) needs a term after it, not (.+)"),
        lambda lang, m: t(
            lang,
            "{operator} needs a term after it, not {what}",
            operator=m[1],
            what=_what(lang, m[2]),
        ),
    ),
    (
        re.compile(r"NEAR cannot take (NOT|AND) .*on either side"),
        lambda lang, m: t(lang, "NEAR cannot take {operator} on either side", operator=m[1]),
    ),
    (re.compile(r"empty parentheses"), lambda lang, m: t(lang, "empty parentheses")),
    (re.compile(r"'\(' is never closed"), lambda lang, m: t(lang, "'(' is never closed")),
    (
        re.compile(r"(.+) needs a term before it"),
        lambda lang, m: t(lang, "{operator} needs a term before it", operator=m[1]),
    ),
    (
        re.compile(r"expected a word, a phrase, @entity or '\(' but found (.+)"),
        lambda lang, m: t(
            lang,
            "expected a word, a phrase, @entity or '(' but found {what}",
            what=_what(lang, m[1]),
        ),
    ),
    (re.compile(r"unexpected (.+)"), lambda lang, m: t(lang, "unexpected {what}", what=m[1])),
    (
        re.compile(r"a query needs at least one term that is not under NOT"),
        lambda lang, m: t(lang, "a query needs at least one term that is not under NOT"),
    ),
    (
        re.compile(r"(.+) has no letters or digits to match"),
        lambda lang, m: t(lang, "{word} has no letters or digits to match", word=m[1]),
    ),
    (
        re.compile(r"unknown entity @(\S+) \(did you mean @(\S+)\?\)"),
        lambda lang, m: t(
            lang, "unknown entity @{entity} (did you mean @{close}?)", entity=m[1], close=m[2]
        ),
    ),
    (
        re.compile(r"unknown entity @(\S+) \(no entity of that id is defined\)"),
        lambda lang, m: t(
            lang, "unknown entity @{entity} (no entity of that id is defined)", entity=m[1]
        ),
    ),
)


def problem_text(language: Language, message: str) -> str:
    """``message`` (a query error's English text) in ``language``; as it is when unknown."""
    for pattern, said in _KINDS:
        found = pattern.fullmatch(message)
        if found is not None:
            return said(language, found)
    return message


def column_text(language: Language, column: int) -> str:
    """Where the problem is: "(column N)"."""
    return t(language, "(column {column})", column=column)

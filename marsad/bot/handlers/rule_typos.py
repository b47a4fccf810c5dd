"""``/subscribe`` with a mistyped rule id: "did you mean", never a query that cannot match.

A ``/subscribe`` argument *looks like a rule id* when it is one ASCII token of letters and digits
joined by hyphens (``ma-eu-cooperation``): no spaces, quotes, ``@`` or Arabic.  Such an argument
that is not a rule id is answered with the closest rule ids (``difflib``, ratio ≥ 0.6) and
subscribes to nothing.  With no close rule id, a token of three or more hyphenated parts is still
refused (pointing to /rules, and to quotes for the words); one of two parts (``covid-19``) is
taken as the query it is.  Quoting (``/subscribe "ma-eu-cooperation"``) always makes a word query.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

from marsad.bot.handlers.common import esc
from marsad.bot.i18n import join, t
from marsad.store.chats import Language

RULE_ID_LIKE = re.compile(r"[A-Za-z0-9]+(?:-[A-Za-z0-9]+)+")
SUGGESTIONS = 3
CUTOFF = 0.6


def close_rule_ids(text: str, rule_ids: Iterable[str]) -> list[str] | None:
    """The rule ids ``text`` may have meant; None when ``text`` is no rule-id look-alike to stop
    (see the module), [] when it is one with no close rule id."""
    word = text.strip()
    if RULE_ID_LIKE.fullmatch(word) is None:
        return None
    known = sorted(rule_ids)
    if word in known:
        return None
    close = difflib.get_close_matches(word.lower(), known, n=SUGGESTIONS, cutoff=CUTOFF)
    if close:
        return close
    return [] if word.count("-") >= 2 else None


def typo_reply(text: str, rule_ids: Iterable[str], language: Language) -> str | None:
    """The answer to a mistyped rule id, or None when ``text`` should go on as a query."""
    close = close_rule_ids(text, rule_ids)
    if close is None:
        return None
    word = f"<code>{esc(text.strip())}</code>"
    if close:
        options = join(language, [f"<code>/subscribe {esc(rule)}</code>" for rule in close], "or")
        return t(
            language, "There is no rule {word}. Did you mean {options}?", word=word, options=options
        )
    quoted = f'<code>/subscribe "{esc(text.strip())}"</code>'
    return t(
        language,
        "There is no rule {word}; see /rules. To follow these words, quote them: {quoted}",
        word=word,
        quoted=quoted,
    )

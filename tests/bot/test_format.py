"""Alert formatting: escaped HTML Telegram accepts, direction marks, snippets, and splitting."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from marsad.bot.delivery.display import displayable
from marsad.bot.delivery.format import (
    LRM,
    RLM,
    Alert,
    Lang,
    direction_mark,
    format_alert,
    format_lines,
    highlight,
)
from marsad.bot.delivery.split import split_message, utf16_length
from tests.fakebot import html_errors, visible_text

CASABLANCA = ZoneInfo("Africa/Casablanca")
WHEN = datetime(2026, 11, 22, 8, 5, tzinfo=UTC)
TEXT = "استقبل المدير العام للأمن الوطني عبد اللطيف حموشي وفدا أمنيا من إسبانيا لبحث التعاون."


def arabic_alert(**changes: object) -> Alert:
    base: dict[str, object] = {
        "title": "حموشي يستقبل وفدا <أمنيا> إسبانيا & يبحث التعاون",
        "outlet": "Hespress",
        "published": WHEN,
        "link": "https://example.ma/a?x=1&y=2",
        "snippet": TEXT,
        "spans": [(TEXT.index("حموشي"), TEXT.index("حموشي") + 5)],
        "why": ["قاعدة ma-es-security"],
        "entities": ["حموشي", "إسبانيا"],
    }
    base.update(changes)
    return Alert(**base)  # type: ignore[arg-type]


def test_an_arabic_alert_is_escaped_right_to_left_and_valid_for_telegram() -> None:
    message = format_alert(arabic_alert(), CASABLANCA)
    assert html_errors(message.html) is None
    shown = visible_text(message.html).split("\n")
    assert shown[0] == f"{RLM}حموشي يستقبل وفدا <أمنيا> إسبانيا & يبحث التعاون"
    assert shown[1] == f"{RLM}Hespress · 22 نوفمبر 09:05 غرينتش+01:00"  # local time and zone
    assert "<b>حموشي</b>" in message.html
    assert shown[3] == f"{RLM}لماذا: قاعدة ma-es-security · الكيانات: حموشي وإسبانيا"
    assert 'href="https://example.ma/a?x=1&amp;y=2"' in message.html
    assert all(line.startswith(RLM) for line in shown)
    assert message.preview_url == "https://example.ma/a?x=1&y=2"
    assert message.plain.split("\n")[0] == shown[0]


def test_a_latin_alert_runs_left_to_right_with_english_labels() -> None:
    alert = arabic_alert(title="Morocco and Spain sign a security pact", lang=Lang.EN,
                         snippet="", why=["subscription 2"], entities=[])  # fmt: skip
    message = format_alert(alert, CASABLANCA)
    shown = visible_text(message.html).split("\n")
    assert shown[0] == "Morocco and Spain sign a security pact"
    assert shown[1] == "Hespress · 22 Nov 09:05 GMT+01:00"
    assert shown[2] == "Why: subscription 2"
    assert RLM not in message.html and RLM not in message.plain


def test_an_arabic_title_in_an_english_chat_is_the_only_right_to_left_line() -> None:
    alert = arabic_alert(lang=Lang.EN, outlet="هسبريس", why=["#1 rule"], extra_sources=1)
    shown = visible_text(format_alert(alert, CASABLANCA).html).split("\n")
    marks = [line[0] if line[0] in (RLM, LRM) else "" for line in shown]
    assert marks == [RLM, LRM, RLM, "", ""]
    assert shown[1] == f"{LRM}هسبريس · 22 Nov 09:05 GMT+01:00 · +1 more source"
    assert shown[3] == "Why: #1 rule · entities: حموشي and إسبانيا"
    assert shown[4] == "Link ↗"


def test_more_sources_show_in_the_meta_line() -> None:
    message = format_alert(arabic_alert(extra_sources=3), CASABLANCA)
    assert "+3 مصادر أخرى" in message.plain.split("\n")[1]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("حموشي في مدريد", RLM),
        ("2026: حموشي في مدريد", RLM),
        ("Hammouchi in Madrid", LRM),
        ("DGSN: حموشي", RLM),
        ("", LRM),
    ],
)
def test_direction_follows_the_dominant_script(text: str, expected: str) -> None:
    assert direction_mark(text) == expected


def test_a_long_snippet_is_cut_around_the_hit_at_word_boundaries() -> None:
    text = "كلمة " * 200 + "حموشي " + "كلمة " * 200
    start = text.index("حموشي")
    snippet_html, snippet_plain = highlight(text, [(start, start + 5)])
    assert snippet_html.startswith("…") and snippet_html.endswith("…")
    assert "<b>حموشي</b>" in snippet_html
    assert len(snippet_plain) < 260
    assert all(word in {"كلمة", "حموشي", "…كلمة", "كلمة…"} for word in snippet_plain.split())


def test_spans_that_overlap_or_touch_escape_hatches_stay_valid() -> None:
    text = "a<b>&c حموشي"
    snippet_html, _ = highlight(text, [(0, 3), (2, 5), (7, 12), (40, 50)])
    assert html_errors(snippet_html) is None
    assert visible_text(snippet_html) == text


def test_digest_lines_are_split_under_the_limit() -> None:
    lines = [
        f"{i}. خبر عن التعاون الأمني بين المغرب وإسبانيا https://example.ma/{i}" for i in range(300)
    ]
    message = format_lines(lines, title="ملخص اليوم")
    assert len(message.parts) > 1
    assert all(utf16_length(p) <= 4096 and html_errors(p) is None for p in message.parts)
    assert "".join(visible_text(p) for p in message.parts).count("example.ma") == 300


words = st.sampled_from(
    ["حموشي", "إسبانيا", "<", "&", "Rabat", "؟", "،", "؛", ".", "\n", " ", "😀"]
)


@settings(max_examples=150, deadline=None)
@given(pieces=st.lists(words, min_size=1, max_size=600), limit=st.integers(64, 300))
def test_plain_split_keeps_every_word_and_the_limit(pieces: list[str], limit: int) -> None:
    text = "".join(pieces)
    parts = split_message(text, limit)
    assert all(utf16_length(p) <= limit for p in parts)
    assert "".join("".join(parts).split()) == "".join(text.split())  # nothing lost or added


@settings(max_examples=150, deadline=None)
@given(
    pieces=st.lists(
        st.sampled_from(["حموشي", "Rabat", "&amp;", "&lt;", "؟ ", "، ", ". ", "\n", " "]),
        min_size=1,
        max_size=400,
    ),
    bold=st.lists(st.booleans(), min_size=400, max_size=400),
    limit=st.integers(64, 300),
)
def test_html_split_parts_parse_and_keep_the_text(
    pieces: list[str], bold: list[bool], limit: int
) -> None:
    text = "".join(
        f"<b>{p}</b>" if b and p.strip() else p for p, b in zip(pieces, bold, strict=False)
    )
    parts = split_message(text, limit, html=True)
    assert all(utf16_length(p) <= limit for p in parts)
    assert all(html_errors(p) is None for p in parts)
    shown = "".join(visible_text(p) for p in parts)
    assert "".join(shown.split()) == "".join(visible_text(text).split())


@pytest.mark.parametrize(
    ("text", "limit", "first_ends_with"),
    [
        ("جملة أولى. " * 20 + "جملة أخيرة", 100, "."),
        ("سؤال؟ " * 30, 100, "؟"),
        ("سطر\n" * 50, 100, "سطر"),
        ("بند، " * 40, 100, "،"),
    ],
)
def test_splits_prefer_sentence_and_arabic_punctuation(
    text: str, limit: int, first_ends_with: str
) -> None:
    parts = split_message(text, limit)
    assert len(parts) > 1
    assert parts[0].endswith(first_ends_with)


@settings(max_examples=200, deadline=None)
@given(
    title=st.text(min_size=1, max_size=80).filter(lambda t: t.strip()),
    snippet=st.text(max_size=400),
    data=st.data(),
)
def test_any_text_formats_into_html_telegram_parses(
    title: str, snippet: str, data: st.DataObject
) -> None:
    bound = max(len(snippet), 1)
    spans = data.draw(st.lists(st.tuples(st.integers(0, bound), st.integers(0, bound)), max_size=4))
    message = format_alert(
        arabic_alert(title=title, snippet=snippet, spans=spans, outlet="<&>"), CASABLANCA
    )
    assert html_errors(message.html) is None
    shown = " ".join(displayable(title).split())  # bidi controls and invisibles are dropped
    assert shown in visible_text(message.html)
    assert visible_text(message.html).split("\n")[0].lstrip(RLM + LRM) == shown

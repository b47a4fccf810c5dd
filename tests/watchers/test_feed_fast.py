"""The fast path (fastfeedparser) gives exactly what feedparser gives, or leaves the feed to it.

Every feed of ``feed_table.CASES`` is parsed twice, with the fast path and with feedparser
alone: the entries, and the items built from them, must be identical, and the fast path must
have been taken exactly where the table says. Hostile feeds must keep feedparser's salvage."""

from __future__ import annotations

from datetime import UTC, datetime
from xml.sax.saxutils import escape

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from marsad.watchers.feed_facts import plain_date
from marsad.watchers.feeds import Reader, parse_feed
from marsad.watchers.items import make_item
from tests.watchers.feed_table import CASES, FeedCase, atom, entry, item, rss

URL = "https://www.hespress.example/feed/"
HEADERS = {"Content-Type": "application/rss+xml; charset=utf-8"}
FETCHED = datetime(2025, 3, 5, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_both_parsers_give_the_same_entries_and_items(case: FeedCase) -> None:
    body = case.document.encode("utf-8")
    fast = parse_feed(body, HEADERS, URL)
    slow = parse_feed(body, HEADERS, URL, fast_path=False)
    assert slow.reader is Reader.FEEDPARSER
    assert fast.reader is (Reader.FAST if case.fast else Reader.FEEDPARSER)
    assert slow.entries, "the table's feeds all have entries"
    assert (fast.title, fast.error, fast.is_feed) == (slow.title, slow.error, slow.is_feed)
    assert fast.entries == slow.entries
    assert [make_item(e, URL, FETCHED) for e in fast.entries] == [
        make_item(e, URL, FETCHED) for e in slow.entries
    ]


def test_windows_1256_feed_takes_the_fast_path() -> None:
    document = rss(
        item() + item(title="خبر ثان", guid="g-2", link="https://www.hespress.example/g2")
    )
    body = document.replace('encoding="utf-8"', 'encoding="windows-1256"').encode("cp1256")
    headers = {"Content-Type": "application/rss+xml"}
    fast = parse_feed(body, headers, URL)
    assert fast.reader is Reader.FAST
    assert fast.entries == parse_feed(body, headers, URL, fast_path=False).entries
    assert fast.entries[0].title.startswith("الداخلية تعلن")


@pytest.mark.parametrize(
    ("value", "plain"),
    [
        ("Tue, 04 Mar 2025 08:15:00 +0100", True),
        ("4 Mar 2025 08:15:00 GMT", True),
        ("2025-03-04T08:15:00Z", True),
        ("2025-03-04T08:15:00.5+01:00", True),
        ("Tue, 04 Mar 2025 08:15 +0100", False),
        ("Tue, 04 Mar 2025 08:15:00 CET", False),
        ("الثلاثاء 04 مارس 2025", False),
        ("mar., 04 mars 2025 08:15:00 +0100", False),
        ("04/03/2025 08:15", False),
        ("2025-03-04 08:15:00", False),
    ],
)
def test_plain_dates(value: str, plain: bool) -> None:
    assert plain_date(value) is plain


HOSTILE = [
    pytest.param(
        rss(item() + item(title="عنوان <b>مكسور</title>", guid="g-2")).encode(),
        HEADERS,
        "malformed XML (line",
        id="malformed XML",
    ),
    pytest.param(
        rss(item() + item(guid="g-2") + item(guid="g-3")).encode()[:-300],
        HEADERS,
        "malformed XML",
        id="truncated",
    ),
    pytest.param(
        rss(item() + item(guid="g-2")).encode()
        + "<item><title>بعد النهاية</title></item>".encode(),
        HEADERS,
        "malformed XML (line",
        id="junk after the root element",
    ),
    pytest.param(
        rss(item() + item(guid="g-2"))
        .replace("</channel>", "<item><title>بلا إغلاق</item></channel>")
        .encode(),
        HEADERS,
        "malformed XML",
        id="unclosed element",
    ),
]


@pytest.mark.parametrize(("body", "headers", "error"), HOSTILE)
def test_hostile_feeds_keep_feedparsers_salvage(
    body: bytes, headers: dict[str, str], error: str
) -> None:
    parsed = parse_feed(body, headers, URL)
    alone = parse_feed(body, headers, URL, fast_path=False)
    assert parsed.reader is Reader.FEEDPARSER
    assert parsed == alone
    assert parsed.error is not None and error in parsed.error
    assert parsed.entries and parsed.entries[0].title.startswith("الداخلية")


def test_a_mislabelled_charset_is_read_by_our_rules_on_both_paths() -> None:
    """windows-1256 bytes under a utf-8 label: decoded by ``charset`` before either parser."""
    body = rss(item() + item(title="خبر ثان", guid="g-2")).encode("cp1256")
    parsed = parse_feed(body, HEADERS, URL)
    assert parsed.reader is Reader.FAST
    assert parsed.entries == parse_feed(body, HEADERS, URL, fast_path=False).entries
    assert parsed.entries[1].title == "خبر ثان"


def test_a_feed_cut_mid_character_is_still_utf8() -> None:
    document = rss(item() + item(guid="g-2"))
    encoded = document.encode()
    second = encoded.index(b"<description>", encoded.index(b"<description>") + 1)
    body = encoded[: second + len(b"<description>") + 3]  # inside a two-byte Arabic letter
    parsed = parse_feed(body, HEADERS, URL)
    assert parsed.error is not None and "malformed XML" in parsed.error
    assert parsed.entries[0].title.startswith("الداخلية تعلن")


def test_html_served_as_a_feed_is_still_not_a_feed() -> None:
    body = (
        b"<!DOCTYPE html><html><head><title>x</title></head><body><p>maintenance</p></body></html>"
    )
    parsed = parse_feed(body, {"Content-Type": "application/rss+xml"}, URL)
    assert not parsed.is_feed and not parsed.entries
    assert parsed.error is not None and parsed.error.startswith("not a feed")


def test_a_well_formed_document_without_entries_falls_back() -> None:
    body = rss("").encode()
    parsed = parse_feed(body, HEADERS, URL)
    assert parsed == parse_feed(body, HEADERS, URL, fast_path=False)
    assert parsed.reader is Reader.FEEDPARSER and not parsed.entries


_TEXT = st.text(
    st.characters(
        blacklist_categories=("Cs",),
        blacklist_characters="\x00\ufffe\uffff",
        max_codepoint=0x2FFF,
    ),
    max_size=40,
)
_DATES = st.sampled_from(
    [None, "Tue, 04 Mar 2025 08:15:00 +0100", "2025-03-04T08:15:00Z", "4 مارس 2025", "bad"]
)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(_TEXT, _TEXT, st.one_of(st.none(), _TEXT), st.one_of(st.none(), _TEXT), _DATES),
        min_size=1,
        max_size=5,
    )
)
def test_generated_feeds_read_alike(
    entries: list[tuple[str, str, str | None, str | None, str | None]],
) -> None:
    """Any text in titles, descriptions, contents and guids: both paths give the same entries."""
    items = "".join(
        item(
            title=escape(title),
            link=f"https://www.hespress.example/{n}.html",
            guid=None if guid is None else escape(guid),
            date=date,
            description=escape(summary),
            extra=""
            if content is None
            else f"<content:encoded>{escape(content)}</content:encoded>",
        )
        for n, (title, summary, guid, content, date) in enumerate(entries)
    )
    body = rss(items).encode("utf-8")
    fast = parse_feed(body, HEADERS, URL)
    slow = parse_feed(body, HEADERS, URL, fast_path=False)
    assert fast.entries == slow.entries
    assert fast.error == slow.error


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(_TEXT, st.one_of(st.none(), _TEXT), st.one_of(st.none(), _TEXT), _TEXT),
        min_size=1,
        max_size=4,
    )
)
def test_generated_atom_feeds_read_alike(
    entries: list[tuple[str, str | None, str | None, str]],
) -> None:
    """Atom too: any title, summary, HTML content and id reads the same on both paths."""
    document = atom(
        "".join(
            entry(
                n,
                title=escape(title),
                summary=None if summary is None else escape(summary),
                content=None
                if content is None
                else f'<content type="html">{escape(content)}</content>',
                ident=escape(ident) or f"urn:x:{n}",
            )
            for n, (title, summary, content, ident) in enumerate(entries)
        )
    )
    body = document.encode("utf-8")
    fast = parse_feed(body, HEADERS, URL)
    assert fast.entries == parse_feed(body, HEADERS, URL, fast_path=False).entries

"""Item identity: canonical URLs, clean text, keys and dates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from marsad.watchers.feeds import Entry
from marsad.watchers.items import canonical_url, clean_text, item_key, make_item, site_of

FETCHED = datetime(2025, 3, 4, 9, 30, tzinfo=UTC)
FEED = "https://www.example-news.ma/feed"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("HTTPS://WWW.Example-News.MA/a/b", "https://www.example-news.ma/a/b"),
        ("https://example.ma", "https://example.ma/"),
        ("https://example.ma:443/x", "https://example.ma/x"),
        ("http://example.ma:80/x", "http://example.ma/x"),
        ("http://example.ma:8080/x", "http://example.ma:8080/x"),
        ("https://example.ma/x#comments", "https://example.ma/x"),
        ("https://example.ma/x?utm_source=tw&utm_medium=social", "https://example.ma/x"),
        ("https://example.ma/x?UTM_Campaign=a&id=7", "https://example.ma/x?id=7"),
        ("https://example.ma/x?fbclid=AbC&gclid=1&msclkid=2", "https://example.ma/x"),
        ("https://example.ma/x?mc_cid=1&mc_eid=2&igshid=3&yclid=4&_ga=5", "https://example.ma/x"),
        ("https://example.ma/x?at_medium=rss&at_campaign=x&xtor=RSS-1", "https://example.ma/x"),
        ("https://example.ma/x?ref=home&ref_src=twsrc", "https://example.ma/x"),
        ("https://example.ma/x?b=2&a=1", "https://example.ma/x?a=1&b=2"),
        ("https://example.ma/x?id=5&utm_source=rss#top", "https://example.ma/x?id=5"),
        ("https://example.ma/x?page=2&p=10", "https://example.ma/x?p=10&page=2"),
        ("https://example.ma/x?a=%7e&b=%2f", "https://example.ma/x?a=~&b=%2F"),
        ("https://example.ma/%7euser/", "https://example.ma/~user/"),
        # an Arabic slug, raw or %-escaped, is one URL
        (
            "https://example.ma/أخبار-الأمن",
            "https://example.ma/%D8%A3%D8%AE%D8%A8%D8%A7%D8%B1-%D8%A7%D9%84%D8%A3%D9%85%D9%86",
        ),
        (
            "https://example.ma/%d8%a3%d8%ae%d8%a8%d8%a7%d8%b1-%d8%a7%d9%84%d8%a3%d9%85%d9%86",
            "https://example.ma/%D8%A3%D8%AE%D8%A8%D8%A7%D8%B1-%D8%A7%D9%84%D8%A3%D9%85%D9%86",
        ),
        ("https://example.ma/a b", "https://example.ma/a%20b"),
        ("https://example.ma/x?", "https://example.ma/x"),
        ("https://example.ma/x?&&id=1&", "https://example.ma/x?id=1"),
        ("http://[::1]:8000/feed", "http://[::1]:8000/feed"),
        ("https://example.ma/a/./b/../c", "https://example.ma/a/c"),
        ("https://example.ma/a/b/..", "https://example.ma/a/"),
        ("https://example.ma/../a", "https://example.ma/a"),
        ("https://example.ma/v1.2/file.html", "https://example.ma/v1.2/file.html"),
        ("https://example.ma/s?q=a%20b", "https://example.ma/s?q=a+b"),
        ("https://example.ma/s?q=a+b&x=%2B", "https://example.ma/s?q=a+b&x=%2B"),
    ],
)
def test_canonical_url(url: str, expected: str) -> None:
    assert canonical_url(url) == expected
    assert canonical_url(expected) == expected


_segment = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=12
) | st.sampled_from([".", "..", "%2e", "%7E", "a%20b", "أخبار"])
_urls = st.builds(
    lambda scheme, host, port, path, query, fragment: (
        f"{scheme}://{host}{port}/{'/'.join(path)}"
        + (f"?{'&'.join(f'{k}={v}' for k, v in query)}" if query else "")
        + (f"#{fragment}" if fragment else "")
    ),
    st.sampled_from(["http", "https", "HTTPS"]),
    st.sampled_from(["example.ma", "WWW.Hespress.COM", "127.0.0.1", "news.example.es"]),
    st.sampled_from(["", ":80", ":443", ":8080"]),
    st.lists(_segment, max_size=4),
    st.lists(st.tuples(_segment, _segment), max_size=4),
    _segment,
)


@given(_urls)
def test_canonical_url_is_idempotent(url: str) -> None:
    once = canonical_url(url)
    assert canonical_url(once) == once


@given(_urls, st.sampled_from(["utm_source=rss", "fbclid=IwAR0x", "gclid=7", "utm_medium=x"]))
def test_tracking_parameters_and_fragments_never_change_identity(url: str, tracker: str) -> None:
    url = url.strip()  # surrounding spaces are trimmed, so "/ " and "/ ?utm_..." differ
    base = url.split("#", 1)[0]
    tracked = base + ("&" if "?" in base else "?") + tracker + "#section-2"
    assert canonical_url(tracked) == canonical_url(url)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("<p>تعزيز   التعاون</p><p>الأمني</p>", "تعزيز التعاون\nالأمني"),
        ("الرباط&nbsp;-&nbsp;مدريد", "الرباط - مدريد"),
        ("اجتماع &amp;amp; تنسيق", "اجتماع & تنسيق"),  # double-escaped
        ("&lt;p&gt;وفد &lt;b&gt;أمني&lt;/b&gt;&lt;/p&gt;", "وفد أمني"),  # escaped markup
        ("سطر<br>سطر<br/>ثالث", "سطر\nسطر\nثالث"),
        ("قبل<script>alert('x')</script>بعد<style>p{}</style>", "قبلبعد"),
        ("  \t مسافات\n\n\n كثيرة  ", "مسافات\nكثيرة"),
        ("نص عادي بلا وسوم", "نص عادي بلا وسوم"),
        ("حموشي\u200cو\u200fالتنسيق", "حموشي\u200cو\u200fالتنسيق"),  # letters and marks kept
        ("عدد 5 < 7 و 9 > 3", "عدد 5 < 7 و 9 > 3"),
        ("رمز&#1605;&#x0639;", "رمزمع"),
        ("<div><ul><li>أولا</li><li>ثانيا</li></ul></div>", "أولا\nثانيا"),
        ("a\x00b\x07c", "abc"),
        ("<![CDATA[نص داخل CDATA]]> بعده", "نص داخل CDATA بعده"),
        ("<!-- تعليق -->نص", "نص"),
        ("&amp;lt;p&amp;gt;نص&amp;lt;/p&amp;gt;", "نص"),  # escaped three times
        ("نص <a href='x'>رابط</a>، ثم", "نص رابط، ثم"),
        ("", ""),
    ],
)
def test_clean_text(raw: str, expected: str) -> None:
    assert clean_text(raw) == expected


@given(st.text(alphabet=st.sampled_from("ابتثجحخ دذرز<>/&;pb\n\t ")))
def test_clean_text_never_leaves_runs_of_spaces(value: str) -> None:
    cleaned = clean_text(value)
    assert "  " not in cleaned
    assert cleaned == cleaned.strip()
    assert "\n\n" not in cleaned


@pytest.mark.parametrize(
    ("guid", "link", "expected"),
    [
        ("https://Example.ma/a?utm_source=rss", None, "url:https://example.ma/a"),
        ("https://example.ma/a", "https://example.ma/other", "url:https://example.ma/a"),
        (None, "https://example.ma/a#x", "url:https://example.ma/a"),
        ("12345", "https://example.ma/a", "guid:example-news.ma/12345"),
        ("tag:example.ma,2025:1", None, "guid:example-news.ma/tag:example.ma,2025:1"),
        ("  ", "https://example.ma/a", "url:https://example.ma/a"),
    ],
)
def test_item_key(guid: str | None, link: str | None, expected: str) -> None:
    assert item_key(guid, link, "عنوان", "نص", FEED) == expected


def test_guid_url_and_link_give_one_item_across_feeds() -> None:
    """One feed gives only a guid permalink, another only the link with trackers."""
    first = Entry("https://example.ma/news/42", None, "خبر", "", "", None)
    second = Entry(None, "https://EXAMPLE.ma/news/42?utm_source=rss#c", "خبر", "", "", None)
    assert make_item(first, FEED, FETCHED).key == make_item(second, "https://b.ma/rss", FETCHED).key


def test_hash_key_ignores_markup_and_spacing_but_not_words() -> None:
    a = item_key(None, None, "<b>تفكيك</b>  خلية", "<p>نص الخبر</p>", FEED)
    b = item_key(None, None, "تفكيك خلية", "نص   الخبر", "https://other.ma/feed")
    c = item_key(None, None, "تفكيك خلية", "نص خبر آخر", FEED)
    assert a.startswith("hash:")
    assert a == b
    assert a != c


@pytest.mark.parametrize(
    ("published", "expected", "missing"),
    [
        (datetime(2025, 3, 4, 8, 0, tzinfo=UTC), datetime(2025, 3, 4, 8, 0, tzinfo=UTC), False),
        (None, FETCHED, True),
        (FETCHED + timedelta(days=2), FETCHED, True),  # future: publisher's clock is wrong
        (FETCHED + timedelta(minutes=3), FETCHED + timedelta(minutes=3), False),  # small skew
        (datetime(1970, 1, 1, tzinfo=UTC), FETCHED, True),  # the epoch of an empty field
        (
            datetime(2025, 3, 4, 11, 0, tzinfo=timezone(timedelta(hours=1))),
            datetime(2025, 3, 4, 10, 0, tzinfo=UTC),
            False,
        ),
    ],
)
def test_dates(published: datetime | None, expected: datetime, missing: bool) -> None:
    fetched = FETCHED + timedelta(hours=1)
    if expected == FETCHED:
        expected = fetched
    item = make_item(Entry("g-1", None, "عنوان", "", "", published), FEED, fetched)
    assert item.published == expected
    assert item.published.tzinfo is not None
    assert item.date_missing is missing


def test_make_item_cleans_text_and_resolves_relative_links() -> None:
    entry = Entry(
        guid=None,
        link="/2025/03/04/tafkik-khaliya.html?utm_source=rss",
        title="<b>تفكيك</b>\n  خلية   إرهابية",
        summary="<p>أعلنت السلطات &amp; الأمن عن تفكيك خلية.</p>",
        text="<p>فقرة أولى.</p><p>فقرة ثانية.</p>",
        published=None,
    )
    item = make_item(entry, FEED, FETCHED)
    assert item.url == "https://www.example-news.ma/2025/03/04/tafkik-khaliya.html?utm_source=rss"
    assert item.canonical_url == "https://www.example-news.ma/2025/03/04/tafkik-khaliya.html"
    assert item.key == "url:" + item.canonical_url
    assert item.title == "تفكيك خلية إرهابية"
    assert item.summary == "أعلنت السلطات & الأمن عن تفكيك خلية."
    assert item.text == "فقرة أولى.\nفقرة ثانية."
    assert item.guid is None


def test_item_without_guid_or_link_points_to_its_source() -> None:
    item = make_item(Entry(None, None, "بلاغ", "ملخص", "", None), FEED, FETCHED)
    assert item.key.startswith("hash:")
    assert item.url == FEED
    assert item.canonical_url is None


@pytest.mark.parametrize(
    ("url", "site"),
    [
        ("https://www.hespress.example/x", "hespress.example"),
        ("https://ar.example.co.ma/x", "example.co.ma"),
        ("https://feeds.example.ma/rss", "example.ma"),
        ("http://127.0.0.1:8080/feed", "127.0.0.1"),
        ("http://[::1]:8080/feed", "::1"),
        ("http://localhost/feed", "localhost"),
    ],
)
def test_site_of(url: str, site: str) -> None:
    assert site_of(url) == site


@pytest.mark.parametrize(
    ("summary", "title"),
    [
        ("<p>وصل وفد أمني إلى مدريد. وسيلتقي نظراءه غدا.</p>", "وصل وفد أمني إلى مدريد."),
        ("هل يتعزز التنسيق؟ يرى مراقبون ذلك", "هل يتعزز التنسيق؟"),
        ("سطر أول\nسطر ثان", "سطر أول"),
        ("كلمة " * 40, ("كلمة " * 24).strip() + "…"),
        ("", ""),
    ],
)
def test_untitled_items_get_a_headline_from_their_text(summary: str, title: str) -> None:
    item = make_item(Entry("g-7", None, "", summary, "", None), FEED, FETCHED)
    assert item.title == title
    assert item.key == "guid:example-news.ma/g-7"


_MARKUP_PIECES = [
    "<p>", "</p>", "<br>", "<br/>", "<br />", "<BR>", "<img src='a.png'/>", "<img src=a.png>",
    "<td>", "</td>", "<th class=x>", '<a href="x>y">', "</a>", "<a href=foo/>", "<div\nclass='c'>",
    "</div >", "<script>x<y</script>", "<style>", "</style>", "<noscript>", "</iframe>", "<li>",
    "&amp;", "&lt;p&gt;", "&amp;amp;", "&#1575;", "&#x627;", "&nbsp;", "&amp", "&", "<", ">",
    "<!-- c -->", "<![CDATA[x]]>", "<o:p>", "<p/ >", "</H1>", '<a title="x"title=\'y\'>',
    "<input disabled>", "<p class=>", "</>", "< p>", "\u00a0", "\u2028", "\t", "\x85", "\r\n",
    "كلمة", "word", " ",
]  # fmt: skip


@given(st.lists(st.sampled_from(_MARKUP_PIECES), max_size=14))
def test_plain_tag_fast_path_reads_markup_as_html_parser_does(pieces: list[str]) -> None:
    """The regular-expression strip of plain tags gives html.parser's text, or declines."""
    from marsad.watchers.items import _strip_parsed, _strip_plain

    markup = "".join(pieces)
    fast = _strip_plain(markup)
    assert fast is None or fast == _strip_parsed(markup)

"""Feed parsing: every format, every broken shape a real server sends, never a crash."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from marsad.watchers.feeds import ParsedFeed, parse_feed
from marsad.watchers.items import make_item

URL = "https://akhbar.example.ma/feed"
HEADERS_UTF8 = {"Content-Type": "application/rss+xml; charset=utf-8"}

# Own-written Arabic news-style items.
ITEMS = [
    (
        "https://akhbar.example.ma/2025/03/04/tafkik-shabaka-1001.html",
        "تفكيك شبكة لتهريب المخدرات بتنسيق مغربي إسباني",
        "أعلنت المصالح الأمنية عن توقيف ستة أشخاص في عملية مشتركة.",
        "Tue, 04 Mar 2025 08:15:00 +0100",
    ),
    (
        "https://akhbar.example.ma/2025/03/04/wazir-dakhiliya-1002.html",
        "وزير الداخلية يستقبل نظيره البرتغالي بالرباط",
        "تناولت المباحثات سبل تعزيز التعاون في مجال الهجرة ومراقبة الحدود.",
        "Tue, 04 Mar 2025 09:40:00 +0100",
    ),
    (
        "https://akhbar.example.ma/2025/03/04/wafd-amni-1003.html",
        "وفد أمني يشارك في اجتماع بمدريد حول الجريمة العابرة للحدود",
        "خصص الاجتماع لتبادل الخبرات وتنسيق الجهود بين الأجهزة المعنية.",
        "Tue, 04 Mar 2025 11:05:00 +0100",
    ),
]


def rss2(items: list[tuple[str, str, str, str]] = ITEMS, declaration: str = "utf-8") -> str:
    body = "".join(
        f"<item><title>{title}</title><link>{link}</link><guid>{link}</guid>"
        f"<description>{summary}</description><pubDate>{date}</pubDate></item>\n"
        for link, title, summary, date in items
    )
    decl = f'<?xml version="1.0" encoding="{declaration}"?>' if declaration else ""
    return (
        f'{decl}\n<rss version="2.0"><channel><title>أخبار المغرب</title>'
        f"<link>https://akhbar.example.ma/</link>\n{body}</channel></rss>"
    )


def atom() -> str:
    entries = "".join(
        f'<entry><title>{title}</title><link rel="alternate" href="{link}"/><id>urn:akhbar:{i}</id>'
        f"<updated>2025-03-04T0{i}:00:00Z</updated><summary>{summary}</summary>"
        f'<content type="html">&lt;p&gt;{summary} {summary}&lt;/p&gt;</content>'
        f"<author><name>هيئة التحرير</name></author></entry>\n"
        for i, (link, title, summary, _) in enumerate(ITEMS, start=1)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>أخبار أطلس</title><id>urn:akhbar</id><updated>2025-03-04T12:00:00Z</updated>\n"
        f"{entries}</feed>"
    )


def rss1() -> str:
    items = "".join(
        f'<item rdf:about="{link}"><title>{title}</title><link>{link}</link>'
        f"<description>{summary}</description><dc:date>2025-03-04T10:00:00+01:00</dc:date></item>\n"
        for link, title, summary, _ in ITEMS
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        'xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        '<channel rdf:about="https://akhbar.example.ma/"><title>قناة الأخبار</title>'
        "<link>https://akhbar.example.ma/</link><description>وصف</description></channel>\n"
        f"{items}</rdf:RDF>"
    )


def titles(parsed: ParsedFeed) -> list[str]:
    return [e.title for e in parsed.entries]


EXPECTED_TITLES = [title for _, title, _, _ in ITEMS]


@pytest.mark.parametrize(
    ("document", "feed_title"),
    [(rss2(), "أخبار المغرب"), (atom(), "أخبار أطلس"), (rss1(), "قناة الأخبار")],
    ids=["rss2", "atom1", "rss1"],
)
def test_valid_formats(document: str, feed_title: str) -> None:
    parsed = parse_feed(document.encode("utf-8"), HEADERS_UTF8, URL)
    assert parsed.is_feed
    assert parsed.error is None
    assert parsed.title == feed_title
    assert titles(parsed) == EXPECTED_TITLES
    assert [e.link for e in parsed.entries] == [link for link, _, _, _ in ITEMS]
    assert all(e.published is not None and e.published.tzinfo is not None for e in parsed.entries)
    assert all(e.guid for e in parsed.entries)


def test_rss2_dates_are_utc() -> None:
    parsed = parse_feed(rss2().encode("utf-8"), HEADERS_UTF8, URL)
    assert parsed.entries[0].published == datetime(2025, 3, 4, 7, 15, tzinfo=UTC)


def test_atom_content_is_text_and_summary_is_summary() -> None:
    entry = parse_feed(atom().encode("utf-8"), HEADERS_UTF8, URL).entries[0]
    assert entry.summary == ITEMS[0][2]
    assert ITEMS[0][2] in entry.text and len(entry.text) > len(entry.summary)
    assert entry.author == "هيئة التحرير"
    assert entry.guid == "urn:akhbar:1"


def test_rss_content_encoded_is_the_longest_text() -> None:
    document = (
        rss2()
        .replace(
            "</description>",
            "</description><content:encoded><![CDATA[<p>النص الكامل للخبر مع تفاصيل إضافية.</p>]]>"
            "</content:encoded>",
            1,
        )
        .replace(
            '<rss version="2.0">',
            '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">',
        )
    )
    entry = parse_feed(document.encode(), HEADERS_UTF8, URL).entries[0]
    assert entry.text == "<p>النص الكامل للخبر مع تفاصيل إضافية.</p>"
    assert entry.summary == ITEMS[0][2]


@pytest.mark.parametrize(
    ("encoding", "declaration", "content_type"),
    [
        ("cp1256", "", None),  # undeclared
        ("cp1256", "", "application/rss+xml"),
        ("cp1256", "", "text/xml; charset=utf-8"),  # header lies
        ("cp1256", "", "text/xml; charset=iso-8859-1"),
        ("cp1256", "utf-8", None),  # declaration lies
        ("cp1256", "iso-8859-1", "text/xml"),
        ("cp1256", "iso-8859-1", "text/xml; charset=utf-8"),  # both lie
        ("cp1256", "windows-1256", "text/xml; charset=utf-8"),  # declaration tells the truth
        ("utf-8", "windows-1256", "text/xml; charset=iso-8859-1"),
        ("utf-16", "utf-16", None),  # UTF-16 with BOM
        ("utf-16", "utf-16", "text/xml; charset=utf-8"),
        ("utf-8-sig", "utf-8", None),
        ("utf-32-le", "utf-32", None),  # UTF-32 without BOM: refused as "not a feed" before
        ("utf-32-be", "utf-32", "application/rss+xml"),
        ("utf-32-le", "utf-8", "text/xml; charset=utf-8"),  # zero bytes beat a wrong label
    ],
)
def test_charsets_give_arabic_not_mojibake(
    encoding: str, declaration: str, content_type: str | None
) -> None:
    headers = {"content-type": content_type} if content_type else {}
    parsed = parse_feed(rss2(declaration=declaration).encode(encoding), headers, URL)
    assert parsed.error is None
    assert parsed.title == "أخبار المغرب"
    assert titles(parsed) == EXPECTED_TITLES


def test_malformed_xml_salvages_entries_and_records_the_error() -> None:
    document = rss2().replace(f"<title>{ITEMS[1][1]}</title>", f"<title>{ITEMS[1][1]}</b></title>")
    parsed = parse_feed(document.encode(), HEADERS_UTF8, URL)
    assert parsed.is_feed
    assert parsed.error is not None
    assert parsed.error.startswith("malformed XML (line 4:")
    assert parsed.error.endswith("3 entries salvaged")
    assert [t.replace("</b>", "") for t in titles(parsed)] == EXPECTED_TITLES


def test_truncated_feed_keeps_the_complete_entries() -> None:
    document = rss2()
    cut = document.index("<item>", document.index("<item>") + 1) + 20
    parsed = parse_feed(document[:cut].encode(), HEADERS_UTF8, URL)
    assert parsed.error is not None and "malformed XML" in parsed.error
    assert titles(parsed)[0] == EXPECTED_TITLES[0]


def test_html_entities_in_a_feed_are_not_an_error() -> None:
    document = rss2().replace(ITEMS[0][2], "قال المسؤول&nbsp;&laquo;التنسيق مستمر&raquo;&hellip;")
    parsed = parse_feed(document.encode(), HEADERS_UTF8, URL)
    assert parsed.error is None
    assert parsed.entries[0].summary == "قال المسؤول\xa0«التنسيق مستمر»…"


BILLION_LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE rss [\n<!ENTITY lol "lol">\n'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">\n'
        for i in range(1, 10)
    )
    + ']>\n<rss version="2.0"><channel><title>x</title><item><title>&lol9;</title></item></channel></rss>'
)


@pytest.mark.parametrize(
    "document",
    [
        BILLION_LAUGHS,
        '<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        '<rss version="2.0"><channel><item><title>&xxe;</title></item></channel></rss>',
        '<!DOCTYPE rss [<!ENTITY % remote SYSTEM "http://127.0.0.1:9/evil.dtd"> %remote;]>'
        '<rss version="2.0"><channel><item><title>x</title></item></channel></rss>',
    ],
    ids=["billion-laughs", "external-entity", "parameter-entity"],
)
def test_entity_declarations_are_rejected_before_parsing(document: str) -> None:
    parsed = parse_feed(document.encode(), HEADERS_UTF8, URL)
    assert parsed.entries == ()
    assert not parsed.is_feed
    assert parsed.error is not None and parsed.error.startswith("rejected:")


def test_external_dtd_is_never_read(tmp_path: Path) -> None:
    dtd = tmp_path / "secret.dtd"
    dtd.write_text('<!ENTITY leak "SECRET-FROM-DISK">', encoding="utf-8")
    document = (
        f'<?xml version="1.0"?><!DOCTYPE rss SYSTEM "{dtd.as_uri()}">'
        '<rss version="2.0"><channel><title>t</title><item><title>قبل &leak; بعد</title>'
        "<link>https://akhbar.example.ma/a-b-c-d</link></item></channel></rss>"
    )
    parsed = parse_feed(document.encode(), HEADERS_UTF8, URL)
    assert "SECRET-FROM-DISK" not in repr(parsed)
    assert parsed.is_feed
    assert len(parsed.entries) == 1


@pytest.mark.parametrize(
    ("body", "headers", "error_part"),
    [
        (
            b"<!DOCTYPE html><html lang='ar'><head><title>\xd8\xa7\xd9\x84\xd8\xb1\xd8\xa6\xd9\x8a\xd8\xb3\xd9\x8a\xd8\xa9</title>"
            b"<link rel='alternate' type='application/rss+xml' href='/rss.xml'></head>"
            b"<body><item><title>x</title></item><a href='/a'>a</a></body></html>",
            {"content-type": "text/html; charset=utf-8"},
            "HTML page (it advertises a feed at https://akhbar.example.ma/rss.xml)",
        ),
        (b"<html><body><p>503 Service Unavailable</p></body></html>", {}, "HTML page"),
        (
            b'<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0'
            b' Strict//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">\n'
            b'<html xmlns="http://www.w3.org/1999/xhtml"><body><p>x</p></body></html>',
            {"content-type": "application/rss+xml"},
            "HTML page",
        ),
        (b'{"name": "not a feed", "items": []}', {}, "JSON that is not a JSON Feed"),
        (b"[1, 2, 3]", {}, "JSON"),
        (b'{"version": "https://jsonfeed.org/version/1.1", "items": [', {}, "malformed JSON"),
        (b"", {}, "empty response"),
        (b"   \n ", {}, "empty response"),
        (b"<sitemap><url>https://a.ma/</url></sitemap>", {}, "root element is <sitemap>"),
        (b"Service temporarily unavailable", {}, "plain text"),
    ],
    ids=[
        "html-with-feed-link",
        "html-error-page",
        "xhtml",
        "json",
        "json-list",
        "json-broken",
        "empty",
        "blank",
        "other-xml",
        "text",
    ],
)
def test_not_a_feed(body: bytes, headers: dict[str, str], error_part: str) -> None:
    parsed = parse_feed(body, headers, URL)
    assert not parsed.is_feed
    assert parsed.entries == ()
    assert parsed.error is not None and error_part in parsed.error


def test_duplicate_guids_keep_the_first_entry() -> None:
    link = ITEMS[0][0]
    duplicated = [ITEMS[0], (link, "عنوان معدل للخبر نفسه", "ملخص آخر", ITEMS[0][3]), ITEMS[1]]
    parsed = parse_feed(rss2(duplicated).encode(), HEADERS_UTF8, URL)
    assert titles(parsed) == [ITEMS[0][1], ITEMS[1][1]]


def test_items_without_guid_or_link_are_kept_and_identified_by_content() -> None:
    document = (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>بلاغات</title>'
        "<item><title>بلاغ المديرية العامة</title><description>نص البلاغ الأول</description></item>"
        "<item><title>بلاغ ثان</title><description>نص البلاغ الثاني</description></item>"
        "</channel></rss>"
    )
    parsed = parse_feed(document.encode(), HEADERS_UTF8, URL)
    assert parsed.error is None
    assert [(e.guid, e.link) for e in parsed.entries] == [(None, None), (None, None)]
    fetched = datetime(2025, 3, 4, 12, tzinfo=UTC)
    keys = {make_item(e, URL, fetched).key for e in parsed.entries}
    assert len(keys) == 2 and all(k.startswith("hash:") for k in keys)


def test_future_and_missing_dates_fall_back_to_fetch_time() -> None:
    fetched = datetime(2025, 3, 4, 12, tzinfo=UTC)
    items = [
        (ITEMS[0][0], ITEMS[0][1], ITEMS[0][2], "Sat, 01 Jan 2033 10:00:00 +0000"),
        (ITEMS[1][0], ITEMS[1][1], ITEMS[1][2], ""),
        (ITEMS[2][0], ITEMS[2][1], ITEMS[2][2], "not a date at all"),
    ]
    document = rss2(items).replace("<pubDate></pubDate>", "")
    parsed = parse_feed(document.encode(), HEADERS_UTF8, URL)
    assert parsed.entries[0].published == datetime(2033, 1, 1, 10, tzinfo=UTC)
    assert parsed.entries[1].published is None
    assert parsed.entries[2].published is None
    drafts = [make_item(e, URL, fetched) for e in parsed.entries]
    assert [(d.published, d.date_missing) for d in drafts] == [(fetched, True)] * 3


def test_html_in_descriptions_becomes_clean_text() -> None:
    summary = (
        "&lt;p&gt;قال  المسؤول &amp;amp; أضاف:&lt;/p&gt;&lt;ul&gt;&lt;li&gt;التنسيق&lt;/li&gt;"
        "&lt;li&gt;التعاون&amp;nbsp;الأمني&lt;/li&gt;&lt;/ul&gt;&lt;script&gt;x()&lt;/script&gt;"
    )
    items = [(ITEMS[0][0], "&lt;b&gt;عنوان&lt;/b&gt;   عريض", summary, ITEMS[0][3])]
    entry = parse_feed(rss2(items).encode(), HEADERS_UTF8, URL).entries[0]
    draft = make_item(entry, URL, datetime(2025, 3, 5, tzinfo=UTC))
    assert draft.title == "عنوان عريض"
    assert draft.summary == "قال المسؤول & أضاف:\nالتنسيق\nالتعاون\xa0الأمني".replace("\xa0", " ")


def test_relative_links_resolve_against_the_feed_url() -> None:
    document = rss2([("/2025/03/04/khabar-1004.html", "خبر", "ملخص", ITEMS[0][3])]).replace(
        "<guid>/2025/03/04/khabar-1004.html</guid>", ""
    )
    entry = parse_feed(document.encode(), HEADERS_UTF8, URL).entries[0]
    draft = make_item(entry, URL, datetime(2025, 3, 5, tzinfo=UTC))
    assert draft.url == "https://akhbar.example.ma/2025/03/04/khabar-1004.html"


def test_guid_permalink_and_plain_link_feeds_share_item_keys() -> None:
    with_guid = parse_feed(rss2().encode(), HEADERS_UTF8, URL)
    link_only = parse_feed(
        rss2().replace("<guid>", "<!--").replace("</guid>", "-->").encode(),
        HEADERS_UTF8,
        "https://mirror.example.es/rss",
    )
    when = datetime(2025, 3, 5, tzinfo=UTC)
    assert [make_item(e, URL, when).key for e in with_guid.entries] == [
        make_item(e, "https://mirror.example.es/rss", when).key for e in link_only.entries
    ]


@settings(max_examples=150, deadline=None)
@given(
    st.binary(max_size=400)
    | st.integers(0, len(rss2().encode())).map(lambda n: rss2().encode()[:n])
)
def test_parse_feed_never_raises(body: bytes) -> None:
    parsed = parse_feed(body, HEADERS_UTF8, URL)
    assert isinstance(parsed, ParsedFeed)
    assert parsed.is_feed or parsed.entries == ()


def test_illegal_control_characters_do_not_lose_the_feed() -> None:
    document = rss2().replace(ITEMS[0][2], ITEMS[0][2] + "\x0b\x01")
    parsed = parse_feed(document.encode(), HEADERS_UTF8, URL)
    assert parsed.error is None
    assert titles(parsed) == EXPECTED_TITLES


def test_feed_dates_in_the_past_are_kept() -> None:
    entry = parse_feed(rss2().encode(), HEADERS_UTF8, URL).entries[2]
    draft = make_item(entry, URL, datetime(2025, 3, 4, 12, tzinfo=UTC))
    assert draft.published == datetime(2025, 3, 4, 10, 5, tzinfo=UTC)
    assert not draft.date_missing
    assert draft.published < datetime(2025, 3, 4, 12, tzinfo=UTC) - timedelta(hours=1)


def test_text_printed_before_the_feed_is_skipped_and_recorded() -> None:
    body = (
        b"<b>Warning</b>: mysql_connect() failed in /var/www/feed.php on line 3\n" + rss2().encode()
    )
    parsed = parse_feed(body, HEADERS_UTF8, URL)
    assert titles(parsed) == EXPECTED_TITLES
    assert parsed.error is not None and "ignored text before the XML" in parsed.error
    assert "Warning" in parsed.error


def test_feed_title_is_clean_text() -> None:
    body = rss2().replace(
        "<title>أخبار المغرب</title>", "<title>  أخبار &amp;amp;\n المغرب </title>"
    )
    assert parse_feed(body.encode(), HEADERS_UTF8, URL).title == "أخبار & المغرب"


def test_feedburner_original_link_wins_over_the_redirect() -> None:
    document = (
        '<?xml version="1.0"?><rss version="2.0" '
        'xmlns:feedburner="http://rssnamespace.org/feedburner/ext/1.0"><channel><title>t</title>'
        "<item><title>خبر</title><link>http://feedproxy.google.com/~r/akhbar/~3/Xy1/</link>"
        "<feedburner:origLink>https://akhbar.example.ma/2025/03/04/asl-al-khabar</feedburner:origLink>"
        "</item></channel></rss>"
    )
    entry = parse_feed(document.encode(), HEADERS_UTF8, URL).entries[0]
    assert entry.link == "https://akhbar.example.ma/2025/03/04/asl-al-khabar"


@pytest.mark.parametrize(
    ("document", "rejected"),
    [
        # a broken prolog must not hide a declaration
        ('<!-- unterminated <!DOCTYPE r [<!ENTITY a "aaaa">]><rss version="2.0"></rss>', True),
        (
            '<?xml version="1.0"?><junk/><!DOCTYPE r [<!ENTITY a "x">]><rss version="2.0"></rss>',
            True,
        ),
        # an article that talks about XML inside CDATA or a comment is not an attack
        (
            rss2().replace(ITEMS[0][2], "<![CDATA[مقال عن هجوم <!ENTITY lol> في XML]]>"),
            False,
        ),
        (rss2().replace("<channel>", "<channel><!-- <!ENTITY x 'y'> -->"), False),
    ],
)
def test_entity_declarations_anywhere(document: str, rejected: bool) -> None:
    parsed = parse_feed(document.encode(), HEADERS_UTF8, URL)
    assert (parsed.error or "").startswith("rejected:") is rejected
    if not rejected:
        assert titles(parsed) == EXPECTED_TITLES


_WORDS = st.sampled_from(
    [
        "التعاون",
        "الأمني",
        "بين",
        "المغرب",
        "وإسبانيا",
        "&",
        "<b>",
        "R&D",
        "«اتفاق»",
        "٢٠٢٥",
        "5 < 7",
    ]
)
_PHRASES = st.lists(_WORDS, min_size=1, max_size=8).map(" ".join)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(_PHRASES, _PHRASES), min_size=1, max_size=6),
    st.sampled_from(["utf-8", "cp1256", "utf-16"]),
)
def test_generated_feeds_round_trip(entries: list[tuple[str, str]], encoding: str) -> None:
    """Whatever the text, a correctly escaped feed gives back exactly its clean text."""
    from xml.sax.saxutils import escape

    items = [
        (f"https://akhbar.example.ma/news/{1000 + i}", escape(title), escape(summary), ITEMS[0][3])
        for i, (title, summary) in enumerate(entries)
    ]
    document = rss2(items, declaration="")
    assume(encoding != "cp1256" or "٢" not in document)  # no Arabic-Indic digits in cp1256
    parsed = parse_feed(document.encode(encoding), {}, URL)
    assert parsed.error is None
    when = datetime(2025, 3, 5, tzinfo=UTC)
    drafts = [make_item(e, URL, when) for e in parsed.entries]
    assert len({d.key for d in drafts}) == len(entries)
    for draft, (title, summary) in zip(drafts, entries, strict=True):
        clean_summary = " ".join(summary.replace("<b>", "").split())
        assert draft.title == (" ".join(title.replace("<b>", "").split()) or clean_summary)
        assert draft.summary == clean_summary


def test_json_feed() -> None:
    document = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "أخبار بصيغة JSON",
        "items": [
            {
                "id": link,
                "url": link,
                "title": title,
                "summary": summary,
                "content_html": f"<p>{summary}</p><p>{summary}</p>",
                "date_published": "2025-03-04T09:15:00+01:00",
                "authors": [{"name": "هيئة التحرير"}],
            }
            for link, title, summary, _ in ITEMS
        ]
        + [
            ITEMS[0][0],
            {"id": ITEMS[0][0], "title": "مكرر"},
            {"title": "بلا رابط", "content_text": "نص"},
        ],
    }
    parsed = parse_feed(
        json.dumps(document).encode(), {"content-type": "application/feed+json"}, URL
    )
    assert parsed.is_feed and parsed.error is None
    assert parsed.title == "أخبار بصيغة JSON"
    assert titles(parsed) == [*EXPECTED_TITLES, "بلا رابط"]
    first = parsed.entries[0]
    assert first.published == datetime(2025, 3, 4, 8, 15, tzinfo=UTC)
    assert first.author == "هيئة التحرير"
    assert first.text == f"<p>{ITEMS[0][2]}</p><p>{ITEMS[0][2]}</p>"
    assert parsed.entries[-1].text == "نص" and parsed.entries[-1].link is None

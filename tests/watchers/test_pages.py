"""Page sources: article links on listing pages, and article extraction."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from marsad.watchers.pages import extract_article, find_article_links, looks_like_article

BASE = "https://www.jarida.example.ma/akhbar/amn"
HTML_UTF8 = {"Content-Type": "text/html; charset=utf-8"}

LISTING = """<!DOCTYPE html>
<html lang="ar" dir="rtl"><head><meta charset="utf-8"><title>أخبار الأمن</title></head>
<body>
<header><nav>
  <a href="/">الرئيسية</a>
  <a href="/category/siyasa">سياسة</a>
  <a href="/akhbar/amn/2025/03/04/nav-link-that-looks-like-an-article">رابط في القائمة</a>
  <a href="/login">دخول</a>
</nav></header>
<main>
  <article class="card">
    <h2><a href="/akhbar/amn/2025/03/04/tafkik-shabaka-tahrib">تفكيك شبكة للتهريب</a></h2>
    <p>ملخص قصير. <a href="/tag/amn">#أمن</a> <a href="/author/karim">كريم</a></p>
  </article>
  <article class="card">
    <h2><a href="https://jarida.example.ma/news/48213">لقاء أمني مغربي إسباني</a></h2>
    <a href="https://jarida.example.ma/news/48213#comments">التعليقات</a>
  </article>
  <article class="card">
    <h3><a href="maqal/wazir-yastaqbil-nadhirahu-al-burtughali?utm_source=home">وزير يستقبل نظيره</a></h3>
  </article>
  <article class="card">
    <h2><a href="/akhbar/amn/2025/03/04/tafkik-shabaka-tahrib?utm_medium=x">تفكيك (مكرر)</a></h2>
    <h2><a href="https://other-site.example.com/2025/03/04/some-long-article-slug">موقع آخر</a></h2>
    <h2><a href="mailto:contact@jarida.example.ma">راسلنا</a></h2>
    <h2><a href="#top">أعلى</a></h2>
    <h2><a href="javascript:void(0)">لا شيء</a></h2>
    <h2><a href="/akhbar/%D8%AA%D8%B9%D8%A7%D9%88%D9%86-%D8%A3%D9%85%D9%86%D9%8A-%D9%85%D8%BA%D8%B1%D8%A8%D9%8A">تعاون أمني</a></h2>
  </article>
  <div class="pagination"><a href="/akhbar/amn/page/2">التالي</a></div>
</main>
<aside class="sidebar"><a href="/akhbar/amn/2025/03/01/most-read-old-story-here">الأكثر قراءة</a></aside>
<footer>
  <a href="/privacy-policy">الخصوصية</a>
  <a href="https://facebook.com/jarida">فيسبوك</a>
  <a href="/akhbar/amn/2025/03/04/footer-link-that-looks-like-an-article">رابط في التذييل</a>
</footer>
</body></html>"""

AUTO_EXPECTED = [
    "https://www.jarida.example.ma/akhbar/amn/2025/03/04/tafkik-shabaka-tahrib",
    "https://jarida.example.ma/news/48213",
    "https://www.jarida.example.ma/akhbar/maqal/wazir-yastaqbil-nadhirahu-al-burtughali?utm_source=home",
    "https://www.jarida.example.ma/akhbar/%D8%AA%D8%B9%D8%A7%D9%88%D9%86-%D8%A3%D9%85%D9%86%D9%8A-%D9%85%D8%BA%D8%B1%D8%A8%D9%8A",
]


def test_automatic_links_skip_navigation_tags_duplicates_and_other_sites() -> None:
    links = find_article_links(LISTING.encode(), HTML_UTF8, BASE, None)
    assert links == AUTO_EXPECTED


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        ("article h2 a", [AUTO_EXPECTED[0], AUTO_EXPECTED[1], AUTO_EXPECTED[3]]),
        ("article h3", [AUTO_EXPECTED[2]]),  # a non-link element stands for the links inside it
        (
            "footer a",
            [
                "https://www.jarida.example.ma/privacy-policy",
                "https://www.jarida.example.ma/akhbar/amn/2025/03/04/footer-link-that-looks-like-an-article",
            ],
        ),
        (".no-such-class a", []),
    ],
)
def test_links_with_a_selector(selector: str, expected: list[str]) -> None:
    assert find_article_links(LISTING.encode(), HTML_UTF8, BASE, selector) == expected


def test_invalid_selector_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="invalid CSS selector"):
        find_article_links(LISTING.encode(), HTML_UTF8, BASE, "article >>> a[")


def test_page_without_content_areas_falls_back_to_article_like_links() -> None:
    page = """<html><body><div class="list">
      <div class="item"><a href="/2025/03/04/ijtima-amni-fi-madrid">اجتماع</a></div>
      <div class="item"><a href="/contact">اتصل</a></div>
      <div class="item"><a href="/node/77821">خبر</a></div>
      <div class="item"><a href="/2025/">أرشيف</a></div>
      <div class="item"><a href="/photo.jpg">صورة</a></div>
    </div><div id="footer"><a href="/2025/03/04/footer-story-looks-like-article">x</a></div></body></html>"""
    links = find_article_links(page.encode(), {}, "https://site.example.ma/latest", None)
    assert links == [
        "https://site.example.ma/2025/03/04/ijtima-amni-fi-madrid",
        "https://site.example.ma/node/77821",
    ]


def test_base_href_and_windows_1256_listing() -> None:
    page = (
        '<html><head><base href="https://cdn.example.ma/ar/"></head><body><main>'
        '<h2><a href="2025/03/04/khabar-jadid-min-arrabat">خبر جديد من الرباط</a></h2>'
        "</main></body></html>"
    )
    links = find_article_links(page.encode("cp1256"), {}, "https://cdn.example.ma/ar/", None)
    assert links == ["https://cdn.example.ma/ar/2025/03/04/khabar-jadid-min-arrabat"]


@pytest.mark.parametrize("body", [b"", b"   ", b"\x00\x01\x02", b"<html></html>"])
def test_empty_or_junk_listing_gives_no_links(body: bytes) -> None:
    assert find_article_links(body, {}, BASE, None) == []


@pytest.mark.parametrize(
    ("url", "article"),
    [
        ("https://a.ma/2025/03/04/slug", True),
        ("https://a.ma/news/48213", True),
        ("https://a.ma/akhbar/tafkik-shabaka-tahrib", True),
        (
            "https://a.ma/%D8%AA%D8%B9%D8%A7%D9%88%D9%86-%D8%A3%D9%85%D9%86%D9%8A-%D9%85%D8%BA%D8%B1%D8%A8%D9%8A",
            True,
        ),
        ("https://a.ma/story-12345.html", True),
        ("https://a.ma/", False),
        ("https://a.ma/sport", False),
        ("https://a.ma/2025/", False),
        ("https://a.ma/tag/amn-watani-maghribi", False),
        ("https://a.ma/author/karim-benali-alaoui", False),
        ("https://a.ma/category/siyasa/2025", False),
        ("https://a.ma/uploads/2025/03/photo-of-the-meeting.jpg", False),
    ],
)
def test_looks_like_article(url: str, article: bool) -> None:
    assert looks_like_article(url) is article


ARTICLE_URL = (
    "https://www.jarida.example.ma/akhbar/amn/2025/03/04/tafkik-shabaka-tahrib?utm_source=home"
)
PARAGRAPHS = [
    "أعلنت المديرية العامة للأمن الوطني، صباح اليوم الثلاثاء، عن تفكيك شبكة إجرامية تنشط في "
    "تهريب المخدرات عبر مضيق جبل طارق، وذلك في عملية مشتركة مع الشرطة الإسبانية.",
    "وأوضح بلاغ للمديرية أن العملية أسفرت عن توقيف ستة أشخاص، من بينهم مواطنان إسبانيان، "
    "وحجز كميات مهمة من المخدرات وثلاثة قوارب سريعة كانت معدة للتهريب.",
    "وأكد المصدر ذاته أن التنسيق الأمني بين البلدين مكّن من تتبع تحركات أفراد الشبكة لعدة "
    "أشهر قبل التدخل في الوقت المناسب، في إطار الشراكة الثنائية في مكافحة الجريمة المنظمة.",
    "ويأتي هذا التدخل في سياق الجهود المتواصلة لمكافحة شبكات الاتجار الدولي في المخدرات، "
    "حيث تم وضع المشتبه فيهم تحت تدابير الحراسة النظرية رهن إشارة البحث القضائي.",
]
ARTICLE = f"""<!DOCTYPE html>
<html lang="ar" dir="rtl"><head>
<meta charset="windows-1256">
<title>تفكيك شبكة للتهريب بتنسيق مغربي إسباني | جريدة المثال</title>
<meta property="og:title" content="تفكيك شبكة للتهريب بتنسيق مغربي إسباني">
<meta name="description" content="عملية أمنية مشتركة بين المغرب وإسبانيا">
<meta property="article:published_time" content="2025-03-04T09:15:00+01:00">
<link rel="canonical" href="https://www.jarida.example.ma/akhbar/amn/2025/03/04/tafkik-shabaka-tahrib">
</head><body>
<header><nav><ul><li><a href="/">الرئيسية</a></li><li><a href="/siyasa">سياسة</a></li>
<li><a href="/riyada">رياضة</a></li><li><a href="/iqtisad">اقتصاد</a></li></ul></nav></header>
<main><article>
<h1>تفكيك شبكة للتهريب بتنسيق مغربي إسباني</h1>
<div class="meta">بقلم: كريم العلوي — <time datetime="2025-03-04T09:15:00+01:00">4 مارس 2025</time></div>
<div class="content">{"".join(f"<p>{p}</p>" for p in PARAGRAPHS)}</div>
<div class="share"><a href="https://facebook.com/share">شارك على فيسبوك</a></div>
</article></main>
<aside><h3>الأكثر قراءة</h3><ul><li><a href="/x">خبر رياضي عن مباراة الأمس في الدوري الوطني</a></li></ul></aside>
<footer><p>جميع الحقوق محفوظة لجريدة المثال 2025. سياسة الخصوصية. اتصل بنا.</p></footer>
</body></html>"""


def test_extract_arabic_article() -> None:
    entry = extract_article(ARTICLE.encode("cp1256"), {"content-type": "text/html"}, ARTICLE_URL)
    assert entry is not None
    assert entry.title == "تفكيك شبكة للتهريب بتنسيق مغربي إسباني"
    assert entry.published == datetime(2025, 3, 4, 8, 15, tzinfo=UTC)
    assert entry.link == "https://www.jarida.example.ma/akhbar/amn/2025/03/04/tafkik-shabaka-tahrib"
    assert entry.text == "\n".join(PARAGRAPHS)  # the headline is not repeated in the text
    for boilerplate in (
        "جميع الحقوق محفوظة",
        "الرئيسية",
        "الأكثر قراءة",
        "مباراة الأمس",
        "شارك على",
    ):
        assert boilerplate not in entry.text
    assert entry.summary == "عملية أمنية مشتركة بين المغرب وإسبانيا"


@pytest.mark.parametrize(
    ("date_markup", "expected"),
    [
        (
            '<script type="application/ld+json">{"@context":"https://schema.org","@graph":'
            '[{"@type":"NewsArticle","datePublished":"2025-03-04T10:00:00Z"}]}</script>',
            datetime(2025, 3, 4, 10, tzinfo=UTC),
        ),
        (
            '<meta itemprop="datePublished" content="2025-03-04 10:30:00">',
            datetime(2025, 3, 4, 10, 30, tzinfo=UTC),
        ),
        (
            '<meta name="pubdate" content="Tue, 04 Mar 2025 12:00:00 +0100">',
            datetime(2025, 3, 4, 11, tzinfo=UTC),
        ),
        ("", None),
    ],
)
def test_article_dates_from_metadata(date_markup: str, expected: datetime | None) -> None:
    page = (
        ARTICLE.replace(
            '<meta property="article:published_time" content="2025-03-04T09:15:00+01:00">',
            date_markup,
        )
        .replace('<time datetime="2025-03-04T09:15:00+01:00">4 مارس 2025</time>', "")
        .replace("/2025/03/04/", "/")
    )
    entry = extract_article(
        page.encode("utf-8"), HTML_UTF8, "https://www.jarida.example.ma/akhbar/x"
    )
    assert entry is not None
    assert entry.published == expected


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"<html><body></body></html>",
        b"<html><body><nav><a href='/'>home</a></nav></body></html>",
        b"\x89PNG\r\n\x1a\n\x00\x00",
    ],
)
def test_nothing_usable_gives_none(body: bytes) -> None:
    assert extract_article(body, {}, "https://a.ma/x") is None


def test_wordpress_style_listing_keeps_titles_in_article_headers() -> None:
    page = """<html><body>
    <header id="masthead"><nav class="main-navigation"><ul class="menu">
      <li class="menu-item"><a href="/2025/03/04/menu-story-looks-like-article/">x</a></li></ul></nav></header>
    <div id="primary">
      <article class="post"><header class="entry-header"><h2 class="entry-title">
        <a href="https://mawqi.example.ma/2025/03/04/tansiq-amni-maghribi-faransi/">تنسيق أمني</a>
      </h2></header><footer class="entry-footer"><a href="/category/amn/">أمن</a></footer></article>
      <div class="card"><div class="card-header"><h3><a href="/news/90817">خبر</a></h3></div></div>
    </div>
    <div class="widget-area"><a href="/2025/03/01/widget-story-looks-like-article/">y</a></div>
    </body></html>"""
    links = find_article_links(page.encode(), {}, "https://mawqi.example.ma/", None)
    assert links == [
        "https://mawqi.example.ma/2025/03/04/tansiq-amni-maghribi-faransi/",
        "https://mawqi.example.ma/news/90817",
    ]


@pytest.mark.parametrize(
    ("href", "kept"),
    [
        ("https://ar.jarida.example.ma/2025/03/04/khabar-min-al-far3-al-arabi", True),
        ("https://jarida.example.ma/2025/03/04/khabar-bidun-www-hona", True),
        ("https://jarida.example.ma.evil.com/2025/03/04/khabar-muzayyaf-hona", False),
        ("https://other.co.ma/2025/03/04/khabar-min-mawqi-akhar", False),
        ("https://facebook.com/sharer/sharer.php?u=https://jarida.example.ma/x", False),
    ],
)
def test_same_site_means_same_registrable_domain(href: str, kept: bool) -> None:
    page = f'<html><body><main><h2><a href="{href}">خبر</a></h2></main></body></html>'
    links = find_article_links(page.encode(), {}, BASE, None)
    assert links == ([href] if kept else [])


def test_same_site_under_a_second_level_country_domain() -> None:
    page = (
        "<html><body><main>"
        '<h2><a href="https://news.example.co.ma/2025/03/04/khabar-awwal-hona">1</a></h2>'
        '<h2><a href="https://another.co.ma/2025/03/04/khabar-thani-hona">2</a></h2>'
        "</main></body></html>"
    )
    links = find_article_links(page.encode(), {}, "https://www.example.co.ma/akhbar", None)
    assert links == ["https://news.example.co.ma/2025/03/04/khabar-awwal-hona"]


@pytest.mark.parametrize(
    ("byline", "expected"),
    [
        (
            '<span class="post-date">الثلاثاء 4 مارس 2025 - 09:15</span>',
            datetime(2025, 3, 4, 9, 15, tzinfo=UTC),
        ),
        ("<time>١٣ شتنبر ٢٠٢٥</time>", datetime(2025, 9, 13, tzinfo=UTC)),
        ('<span class="Date">04/03/2025 10:00</span>', datetime(2025, 3, 4, 10, tzinfo=UTC)),
        ('<span class="author">كريم العلوي</span>', None),
    ],
)
def test_article_date_written_in_the_byline(byline: str, expected: datetime | None) -> None:
    """Only the article's byline counts, not the header's date of the day."""
    page = (
        ARTICLE.replace(
            '<meta property="article:published_time" content="2025-03-04T09:15:00+01:00">', ""
        )
        .replace('<time datetime="2025-03-04T09:15:00+01:00">4 مارس 2025</time>', byline)
        .replace("<header>", '<header><span class="today-date">الخميس 1 يناير 2026</span>')
        .replace("/2025/03/04/", "/")
    )
    entry = extract_article(
        page.encode("utf-8"), HTML_UTF8, "https://www.jarida.example.ma/akhbar/x"
    )
    assert entry is not None
    assert entry.published == expected


def test_links_wrapping_headlines_count_as_content() -> None:
    page = """<html><body>
    <div class="featured"><h2><a href="/2025/03/04/khabar-mumayyaz-fi-alwajiha">مميز</a></h2></div>
    <div class="list">
      <div class="post"><a href="/2025/03/04/khabar-thani-fi-alqaima"><h3>خبر ثان</h3><img src="a.jpg"></a></div>
      <div class="post"><a href="/2025/03/04/khabar-thalith-fi-alqaima"><h3>خبر ثالث</h3></a></div>
      <div class="post"><a href="/2025/03/04/rabit-bila-unwan-wadih">صورة فقط</a></div>
    </div></body></html>"""
    links = find_article_links(page.encode(), {}, "https://site.example.ma/", None)
    assert links == [
        "https://site.example.ma/2025/03/04/khabar-mumayyaz-fi-alwajiha",
        "https://site.example.ma/2025/03/04/khabar-thani-fi-alqaima",
        "https://site.example.ma/2025/03/04/khabar-thalith-fi-alqaima",
    ]


@settings(max_examples=80, deadline=None)
@given(
    doc=st.sampled_from([LISTING, ARTICLE]),
    cut=st.integers(0, 6000),
    junk=st.binary(max_size=40),
    content_type=st.sampled_from([None, "text/html", "text/html; charset=utf-16", "image/png"]),
)
def test_broken_pages_never_raise(
    doc: str, cut: int, junk: bytes, content_type: str | None
) -> None:
    body = doc.encode("utf-8")[:cut] + junk
    headers = {"content-type": content_type} if content_type else {}
    links = find_article_links(body, headers, BASE, None)
    assert all(link.startswith("https://") for link in links)
    entry = extract_article(body, headers, ARTICLE_URL)
    assert entry is None or entry.text

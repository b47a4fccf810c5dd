"""Feeds both parsers must read alike: own-written RSS 2.0, Atom 1.0 and RSS 1.0 documents in
the shapes Arabic and French news sites publish, each marked with whether the fast path
(fastfeedparser) may read it or must leave it to feedparser."""

from __future__ import annotations

from dataclasses import dataclass

DECL = '<?xml version="1.0" encoding="utf-8"?>\n'
CONTENT_NS = 'xmlns:content="http://purl.org/rss/1.0/modules/content/"'
DC_NS = 'xmlns:dc="http://purl.org/dc/elements/1.1/"'
ATOM_NS = 'xmlns="http://www.w3.org/2005/Atom"'


@dataclass(frozen=True)
class FeedCase:
    """One document and whether the fast path must take it (True) or leave it (False)."""

    name: str
    document: str
    fast: bool


def rss(items: str, *, namespaces: str = "", title: str = "هسبريس - أخبار") -> str:
    return (
        f'{DECL}<rss version="2.0" {CONTENT_NS} {DC_NS} {namespaces}><channel>'
        f"<title>{title}</title><link>https://www.hespress.example/</link>"
        f"<description>آخر الأخبار</description>\n{items}</channel></rss>"
    )


def item(
    title: str = "الداخلية تعلن تفكيك خلية إرهابية بتنسيق مع الأمن الإسباني",
    link: str | None = "https://www.hespress.example/politique/1001.html",
    guid: str | None = "https://www.hespress.example/politique/1001.html",
    date: str | None = "Tue, 04 Mar 2025 08:15:00 +0100",
    description: str | None = "أعلنت المديرية العامة لمراقبة التراب الوطني عن تفكيك خلية.",
    extra: str = "",
) -> str:
    parts = [f"<title>{title}</title>"]
    if link is not None:
        parts.append(f"<link>{link}</link>")
    if guid is not None:
        parts.append(f"<guid>{guid}</guid>")
    if date is not None:
        parts.append(f"<pubDate>{date}</pubDate>")
    if description is not None:
        parts.append(f"<description>{description}</description>")
    return "<item>" + "".join(parts) + extra + "</item>\n"


def atom(entries: str, *, title: str = "Le360 - Maroc") -> str:
    return (
        f"{DECL}<feed {ATOM_NS}><title>{title}</title><id>urn:le360:feed</id>"
        f'<updated>2025-03-04T12:00:00Z</updated><link href="https://le360.example/"/>\n'
        f"{entries}</feed>"
    )


def entry(
    n: int,
    *,
    title: str = "Maroc-Espagne : réunion sur la coopération sécuritaire",
    summary: str | None = "Les deux ministres ont évoqué la migration irrégulière.",
    content: str
    | None = '<content type="html">&lt;p&gt;Texte intégral de l\'article.&lt;/p&gt;</content>',
    dates: str = "<published>2025-03-04T09:00:00+01:00</published><updated>2025-03-04T10:30:00Z</updated>",
    links: str | None = None,
    author: str = "<author><name>La rédaction</name></author>",
    ident: str | None = None,
) -> str:
    link = (
        links
        if links is not None
        else f'<link rel="alternate" href="https://le360.example/a/{n}"/>'
    )
    parts = [
        f"<title>{title}</title>",
        link,
        f"<id>{ident if ident is not None else f'tag:le360.example,2025:{n}'}</id>",
        dates,
        f"<summary>{summary}</summary>" if summary is not None else "",
        content or "",
        author,
    ]
    return "<entry>" + "".join(parts) + "</entry>\n"


def rdf(items: str) -> str:
    return (
        f'{DECL}<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        f'xmlns="http://purl.org/rss/1.0/" {DC_NS} {CONTENT_NS}>'
        '<channel rdf:about="https://alyaoum24.example/"><title>اليوم 24</title>'
        "<link>https://alyaoum24.example/</link><description>أخبار</description></channel>\n"
        f"{items}</rdf:RDF>"
    )


def rdf_item(n: int, date: str = "2025-03-04T10:00:00+01:00", extra: str = "") -> str:
    return (
        f'<item rdf:about="https://alyaoum24.example/{n}.html"><title>خبر رقم {n} عن التعاون الأمني</title>'
        f"<link>https://alyaoum24.example/{n}.html</link>"
        f"<description>وصف الخبر {n}</description><dc:date>{date}</dc:date>{extra}</item>\n"
    )


CDATA_HTML = (
    "<![CDATA[<p>قال <strong>وزير الداخلية</strong> إن التنسيق مع <a href='/tag/spain'>إسبانيا</a>"
    " مستمر.</p><p>وأضاف أن العملية جرت في طنجة &amp; تطوان.</p>]]>"
)

CASES: list[FeedCase] = [
    FeedCase(
        "rss2 plain",
        rss(
            item()
            + item(
                link="https://www.hespress.example/2.html",
                guid="https://www.hespress.example/2.html",
                title="خبر ثان",
            )
        ),
        True,
    ),
    FeedCase(
        "rss2 content:encoded and description",
        rss(item(extra=f"<content:encoded>{CDATA_HTML}</content:encoded>")),
        True,
    ),
    FeedCase(
        "rss2 content:encoded without description",
        rss(item(description=None, extra=f"<content:encoded>{CDATA_HTML}</content:encoded>")),
        True,
    ),
    FeedCase("rss2 CDATA description with HTML", rss(item(description=CDATA_HTML)), True),
    FeedCase(
        "rss2 no guid",
        rss(item(guid=None) + item(guid=None, link="https://www.hespress.example/3.html")),
        True,
    ),
    FeedCase(
        "rss2 guid not a permalink",
        rss(item(guid=None, extra='<guid isPermaLink="false">hespress-1001</guid>')),
        True,
    ),
    FeedCase(
        "rss2 entities in title and description",
        rss(
            item(
                title="المغرب &amp; إسبانيا: &#1578;&#1593;&#1575;&#1608;&#1606; &lt;أمني&gt;",
                description="قال&#160;المسؤول «التنسيق مستمر»&#8230; &amp;amp; أكثر",
            )
        ),
        True,
    ),
    FeedCase(
        "rss2 HTML entity &nbsp;", rss(item(description="قال المسؤول&nbsp;&laquo;نعم&raquo;")), True
    ),
    FeedCase(
        "rss2 relative links",
        rss(
            item(link="/politique/1001.html", guid="/politique/1001.html")
            + item(link="2.html", guid=None)
        ),
        True,
    ),
    FeedCase(
        "rss2 missing dates",
        rss(item(date=None) + item(date=None, guid="g-2", link="https://www.hespress.example/g2")),
        True,
    ),
    FeedCase(
        "rss2 date-like guid without a date",
        rss(item(date=None, guid=None, extra='<guid isPermaLink="false">20250304</guid>')),
        True,
    ),
    FeedCase("rss2 GMT date", rss(item(date="Tue, 04 Mar 2025 08:15:00 GMT")), True),
    FeedCase("rss2 date without weekday", rss(item(date="4 Mar 2025 08:15:00 +0000")), True),
    FeedCase("rss2 negative offset", rss(item(date="Mon, 03 Mar 2025 23:15:00 -0500")), True),
    FeedCase(
        "rss2 dc:date ISO",
        rss(item(date=None, extra="<dc:date>2025-03-04T08:15:00+01:00</dc:date>")),
        True,
    ),
    FeedCase("rss2 ISO date in pubDate", rss(item(date="2025-03-04T08:15:00Z")), True),
    FeedCase(
        "rss2 dc:creator",
        rss(item(extra="<dc:creator><![CDATA[محمد الإدريسي]]></dc:creator>")),
        True,
    ),
    FeedCase(
        "rss2 author",
        rss(item(extra="<author>redaction@hespress.example (التحرير)</author>")),
        True,
    ),
    FeedCase(
        "rss2 categories and enclosure",
        rss(
            item(
                extra='<category>سياسة</category><category>أمن</category><enclosure url="https://www.hespress.example/a.jpg" type="image/jpeg" length="1000"/>'
            )
        ),
        True,
    ),
    FeedCase(
        "rss2 whitespace around fields",
        rss(
            item(
                title="\n   عنوان   بمسافات \n",
                link="\n https://www.hespress.example/ws.html \n",
                guid=" ws-1 ",
                description="\n  نص  \n",
            )
        ),
        True,
    ),
    FeedCase("rss2 empty description", rss(item(description="")), True),
    FeedCase("rss2 empty guid", rss(item(guid="")), True),
    FeedCase("rss2 duplicate guids", rss(item() + item(title="نسخة مكررة")), True),
    FeedCase(
        "rss2 title with CDATA markup",
        rss(item(title="<![CDATA[<b>عاجل</b>: زلزال في الحوز]]>")),
        True,
    ),
    FeedCase(
        "rss2 French",
        rss(
            item(
                title="Le Maroc et l'Espagne renforcent leur coopération",
                description="L&#8217;opération a été menée à Tanger.",
            ),
            title="Le Matin",
        ),
        True,
    ),
    FeedCase(
        "rss2 media namespace",
        rss(
            item(
                extra='<media:content url="https://www.hespress.example/a.jpg" medium="image"><media:title>صورة</media:title></media:content>'
            ),
            namespaces='xmlns:media="http://search.yahoo.com/mrss/"',
        ),
        True,
    ),
    FeedCase(
        "rss2 WordPress item",
        rss(
            item(
                guid=None,
                description=CDATA_HTML,
                extra=(
                    "<comments>https://www.hespress.example/politique/1001.html#respond</comments>"
                    "<dc:creator><![CDATA[هسبريس من الرباط]]></dc:creator>"
                    "<category><![CDATA[سياسة]]></category><category><![CDATA[أمن]]></category>"
                    '<guid isPermaLink="false">https://www.hespress.example/?p=1001</guid>'
                    f"<content:encoded>{CDATA_HTML}</content:encoded>"
                    "<wfw:commentRss>https://www.hespress.example/politique/1001.html/feed</wfw:commentRss>"
                    "<slash:comments>12</slash:comments>"
                ),
            ),
            namespaces=(
                'xmlns:wfw="http://wellformedweb.org/CommentAPI/" '
                'xmlns:slash="http://purl.org/rss/1.0/modules/slash/"'
            ),
        ),
        True,
    ),
    # Left to feedparser: the fast path cannot give feedparser's values for these.
    FeedCase("rss2 Arabic date", rss(item(date="الثلاثاء 04 مارس 2025 - 10:15")), False),
    FeedCase("rss2 French date", rss(item(date="mar., 04 mars 2025 08:15:00 +0100")), False),
    FeedCase("rss2 day-first numeric date", rss(item(date="04/03/2025 08:15")), False),
    FeedCase("rss2 date without seconds", rss(item(date="Tue, 04 Mar 2025 08:15 +0100")), False),
    FeedCase("rss2 no link, guid permalink", rss(item(link=None)), False),
    FeedCase(
        "rss2 media:title before title",
        rss(
            "<item><media:title>صورة</media:title>" + item()[6:],
            namespaces='xmlns:media="http://search.yahoo.com/mrss/"',
        ),
        False,
    ),
    FeedCase(
        "rss2 feedburner origLink",
        rss(
            item(
                extra="<feedburner:origLink>https://www.hespress.example/orig.html</feedburner:origLink>"
            ),
            namespaces='xmlns:feedburner="http://rssnamespace.org/feedburner/ext/1.0"',
        ),
        False,
    ),
    FeedCase("atom full", atom(entry(1) + entry(2, title="Deuxième article")), True),
    FeedCase(
        "atom only updated", atom(entry(1, dates="<updated>2025-03-04T10:30:00Z</updated>")), True
    ),
    FeedCase("atom content without summary", atom(entry(1, summary=None)), True),
    FeedCase("atom summary without content", atom(entry(1, content=None)), True),
    FeedCase(
        "atom several links",
        atom(
            entry(
                1,
                links='<link rel="enclosure" href="https://le360.example/a.mp3"/><link rel="alternate" type="text/html" href="https://le360.example/a/1"/><link rel="related" href="https://le360.example/b"/>',
            )
        ),
        True,
    ),
    FeedCase("atom relative link", atom(entry(1, links='<link href="/a/1"/>')), True),
    FeedCase("atom html title", atom(entry(1, title="&lt;b&gt;Urgent&lt;/b&gt; : séisme")), True),
    FeedCase(
        "atom fractional seconds",
        atom(entry(1, dates="<published>2025-03-04T09:00:00.123+01:00</published>")),
        True,
    ),
    FeedCase("atom no date", atom(entry(1, dates="")), True),
    # feedparser keeps the last of several authors, fastfeedparser the first
    FeedCase(
        "atom two authors",
        atom(
            entry(
                1,
                author="<author><name>A. Benali</name></author><author><name>S. Idrissi</name></author>",
            )
        ),
        False,
    ),
    FeedCase(
        "atom without links (the id is the link)",
        atom(entry(1, links="", ident="https://le360.example/a/1")),
        True,
    ),
    FeedCase(
        "atom author with email",
        atom(
            entry(1, author="<author><name>A. Benali</name><email>a@le360.example</email></author>")
        ),
        True,
    ),
    # Found by running both over feedparser's own test corpus (no difference left after them):
    FeedCase(
        "atom only an enclosure link",
        atom(entry(1, links='<link rel="enclosure" href="https://le360.example/a.mp3"/>')),
        False,
    ),
    FeedCase(
        "atom two alternate links",
        atom(
            entry(
                1,
                links='<link href="https://le360.example/a/1"/><link href="https://le360.example/b/1"/>',
            )
        ),
        False,
    ),
    FeedCase(
        "atom base64 content",
        atom(
            entry(
                1,
                summary=None,
                content='<content type="text/html" mode="base64">PHA+VGV4dGU8L3A+</content>',
            )
        ),
        False,
    ),
    FeedCase(
        "atom content of another type",
        atom(entry(1, content='<content type="application/octet-stream">AAAA</content>')),
        False,
    ),
    FeedCase("rss2 markup inside the title", rss(item(title='عاجل <a title="x">الحوز</a>')), False),
    FeedCase(
        "atom xhtml content",
        atom(
            entry(
                1,
                content='<content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>Texte</p></div></content>',
            )
        ),
        False,
    ),
    FeedCase(
        "atom xml:base",
        atom(entry(1, links='<link href="a/1"/>')).replace(
            "<feed ", '<feed xml:base="https://le360.example/fr/" '
        ),
        False,
    ),
    FeedCase("rss1", rdf(rdf_item(1) + rdf_item(2)), True),
    # fastfeedparser does not read content:encoded in RSS 1.0
    FeedCase(
        "rss1 content:encoded",
        rdf(rdf_item(1, extra=f"<content:encoded>{CDATA_HTML}</content:encoded>")),
        False,
    ),
    FeedCase("rss1 Arabic date", rdf(rdf_item(1, date="4 مارس 2025")), False),
]

"""Page sources: the article links of a listing page, and the article behind each link.

A listing page (a section front, a "latest news" page) is read for links to articles,
either with the CSS selector given in the source's configuration or with a default
that keeps links in the page's content whose path looks like an article.  Each article
page is then reduced by trafilatura to title, date and main text.  Pure: bytes in.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

import lxml.html
from cssselect import SelectorError
from lxml import etree

from marsad.watchers.charset import decode_document
from marsad.watchers.dates import parse_date
from marsad.watchers.feeds import Entry
from marsad.watchers.items import canonical_url, is_web_url, site_of

# Path segments of pages that list or describe things rather than report them.
_NOT_ARTICLE_SEGMENTS = frozenset(
    {
        "tag",
        "tags",
        "category",
        "categories",
        "cat",
        "section",
        "sections",
        "topic",
        "topics",
        "author",
        "authors",
        "writer",
        "writers",
        "user",
        "users",
        "profile",
        "login",
        "logout",
        "signin",
        "sign-in",
        "signup",
        "sign-up",
        "register",
        "account",
        "search",
        "page",
        "feed",
        "rss",
        "contact",
        "contact-us",
        "about",
        "about-us",
        "privacy",
        "privacy-policy",
        "terms",
        "subscribe",
        "newsletter",
        "wp-login.php",
        "wp-admin",
        "cdn-cgi",
        "share",
        "sharer",
        "sharer.php",
        "intent",
        "print",
        "amp",
    }
)
_BOILERPLATE_TAGS = ("nav", "header", "footer", "aside", "form", "menu")
_BOILERPLATE_WORDS = re.compile(
    r"(^|[\s_-])(nav|navbar|navigation|menu|footer|breadcrumbs?|social|share|sharing"
    r"|sidebar|widget|pagination|pager|cookie|banner|login|tags?|topbar)($|[\s_-])",
    re.IGNORECASE,
)
_CONTENT_XPATH = (
    "ancestor::*[self::article or self::main or self::h1 or self::h2 or self::h3"
    " or self::h4 or @role='main' or @itemprop='articleBody']"
)
_HEADING_INSIDE = ".//*[self::h1 or self::h2 or self::h3 or self::h4]"
_FILE_EXTENSIONS = re.compile(
    r"\.(jpe?g|png|gif|webp|svg|pdf|mp3|mp4|zip|docx?|xlsx?|css|js|xml)$", re.IGNORECASE
)
_DATE_PATH = re.compile(r"/(19|20)\d\d/[01]?\d/(?:[0-3]?\d/)?[^/]+")
_DIGITS = re.compile(r"\d{4,}")
_DATE_META = (
    ("property", "article:published_time"),
    ("property", "og:article:published_time"),
    ("property", "og:published_time"),
    ("itemprop", "datePublished"),
    ("name", "article:published_time"),
    ("name", "pubdate"),
    ("name", "publishdate"),
    ("name", "publish-date"),
    ("name", "published_time"),
    ("name", "date"),
    ("name", "dc.date.issued"),
    ("name", "dc.date"),
    ("name", "dcterms.created"),
    ("name", "sailthru.date"),
    ("name", "parsely-pub-date"),
)
_BYLINE_DATE_XPATH = (
    "(//article | //main | //*[@itemprop='articleBody'])//*[self::time"
    " or contains(translate(@class, 'DATE', 'date'), 'date')"
    " or contains(translate(@class, 'TIME', 'time'), 'time')]"
)
# Below this many characters, a text without a title is navigation debris, not an article.
MIN_TEXT = 80
# trafilatura reads the clock for its upper date bound; ours is checked later against fetch time.
_DATE_PARAMS = {"original_date": True, "extensive_search": False, "max_date": "2099-12-31"}


def _parse_html(body: bytes, headers: Mapping[str, str]) -> Any:
    content_type = next((v for k, v in headers.items() if k.lower() == "content-type"), None)
    if content_type and re.match(
        r"\s*(image|audio|video|font)/|\s*application/(pdf|zip|octet)", content_type, re.I
    ):
        return None
    text, _ = decode_document(body, content_type)
    if "\x00" in text[:4096]:
        return None  # binary, whatever the header said
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text.removeprefix("\ufeff"))
    if not text.strip():
        return None
    try:
        return lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError):
        return None


def selector_problem(selector: str) -> str | None:
    """Why a CSS selector from the configuration cannot be used, or None when it can."""
    try:
        lxml.html.fromstring("<p></p>").cssselect(selector)
    except (SelectorError, etree.XPathError) as exc:
        return f"invalid CSS selector {selector!r}: {exc}"
    return None


def _in_boilerplate(element: Any) -> bool:
    ancestors = list(element.iterancestors())
    in_article = any(node.tag == "article" for node in ancestors)
    for node in ancestors:
        if node.tag == "article":
            return False
        if in_article and node.tag in ("header", "footer"):
            continue  # an article's own header holds its title link
        if node.tag in _BOILERPLATE_TAGS or node.get("role") in ("navigation", "banner"):
            return True
        marks = f"{node.get('class', '')} {node.get('id', '')}"
        if marks.strip() and _BOILERPLATE_WORDS.search(marks):
            return True
    return False


def looks_like_article(url: str) -> bool:
    """True when a URL's path looks like one article: a long slug, a numeric id or a date."""
    path = unquote(urlsplit(url).path)
    segments = [s for s in path.split("/") if s]
    if not segments:
        return False
    if any(s.lower() in _NOT_ARTICLE_SEGMENTS for s in segments[:-1]) or _FILE_EXTENSIONS.search(
        path
    ):
        return False
    last = segments[-1]
    if last.lower() in _NOT_ARTICLE_SEGMENTS:
        return False
    stem = re.sub(r"\.(html?|php|aspx?)$", "", last, flags=re.IGNORECASE)
    words = [w for w in re.split(r"[-_+\s]+", stem) if w]
    if len(words) >= 3 or len(stem) >= 25:
        return True
    if _DATE_PATH.search(path) and not stem.isdigit():
        return True
    if _DIGITS.search(stem) and not re.fullmatch(r"(19|20)\d\d", stem):
        return True
    return len(segments) >= 2 and stem.isdigit() and len(stem) >= 3


def _anchors(doc: Any, selector: str | None) -> Iterator[tuple[Any, bool]]:
    """The candidate <a> elements, each with whether it sits in the page's content."""
    if selector is not None:
        problem = selector_problem(selector)
        if problem:
            raise ValueError(problem)
        for element in doc.cssselect(selector):
            if element.tag == "a":
                yield element, True
            else:
                inner = element.xpath(".//a[@href]")
                if inner:
                    yield from ((a, True) for a in inner)
                else:
                    yield from ((a, True) for a in element.xpath("ancestor::a[@href][1]"))
        return
    for anchor in doc.iter("a"):
        if anchor.get("href") is None or _in_boilerplate(anchor):
            continue
        yield anchor, bool(anchor.xpath(_CONTENT_XPATH) or anchor.xpath(_HEADING_INSIDE))


def find_article_links(
    body: bytes,
    headers: Mapping[str, str],
    base_url: str,
    selector: str | None,
    *,
    same_site: bool = True,
) -> list[str]:
    """Absolute article URLs of a listing page, de-duplicated, in page order.

    With a selector, the links it selects (an element that is not a link stands for the
    links inside it).  Without one, links whose path looks like an article, from the
    page's content areas (article, main, headings) when it has any, else from anywhere
    outside navigation, headers, footers and sidebars.  Raises ValueError for an
    invalid selector (see ``selector_problem``).
    """
    doc = _parse_html(body, headers)
    if doc is None:
        return []
    base = base_url
    base_href = doc.xpath("//base/@href")
    if base_href:
        base = urljoin(base_url, str(base_href[0]).strip())
    listing = canonical_url(base_url)
    site = site_of(base_url)
    in_content: list[str] = []
    elsewhere: list[str] = []
    seen: set[str] = set()
    for anchor, content in _anchors(doc, selector):
        href = (anchor.get("href") or "").strip()
        if not href or href.startswith("#"):
            continue
        url = urljoin(base, href).split("#", 1)[0]
        if not is_web_url(url) or (same_site and site_of(url) != site):
            continue
        key = canonical_url(url)
        if key in seen or key == listing:
            continue
        if selector is None and not looks_like_article(url):
            continue
        seen.add(key)
        (in_content if content else elsewhere).append(url)
    if selector is not None:
        return in_content
    return in_content or elsewhere


def _json_ld_dates(doc: Any) -> Iterator[str]:
    for script in doc.xpath("//script[@type='application/ld+json']/text()"):
        try:
            data = json.loads(str(script))
        except ValueError:
            continue
        stack = [data]
        while stack:
            node = stack.pop()
            if isinstance(node, list):
                stack.extend(reversed(node))
            elif isinstance(node, dict):
                if isinstance(node.get("datePublished"), str):
                    yield node["datePublished"]
                graph = node.get("@graph")
                if graph is not None:
                    stack.append(graph)


def published_date(doc: Any) -> datetime | None:
    """The publication date declared in a page's metadata, with its time of day."""
    for attribute, name in _DATE_META:
        for meta in doc.xpath(f"//meta[@{attribute}]"):
            if meta.get(attribute, "").lower() == name.lower():
                moment = parse_date(meta.get("content") or meta.get("datetime") or "")
                if moment:
                    return moment
    for value in _json_ld_dates(doc):
        moment = parse_date(value)
        if moment:
            return moment
    for value in doc.xpath(
        "//article//time/@datetime | //time[@itemprop='datePublished']/@datetime"
    ):
        moment = parse_date(str(value))
        if moment:
            return moment
    # A date written in the article's own byline ("الثلاثاء 4 مارس 2025 - 09:15"); never
    # the page header's "today" date, which sits outside the article.
    for node in doc.xpath(_BYLINE_DATE_XPATH)[:10]:
        moment = parse_date(node.text_content())
        if moment:
            return moment
    return None


def _canonical_link(doc: Any, url: str) -> str:
    """The page's own canonical URL when it declares one on the same site, else ``url``."""
    for href in doc.xpath("//link[@rel='canonical']/@href | //meta[@property='og:url']/@content"):
        candidate = urljoin(url, str(href).strip())
        if is_web_url(candidate) and site_of(candidate) == site_of(url):
            return candidate
    return url


def extract_article(body: bytes, headers: Mapping[str, str], url: str) -> Entry | None:
    """Title, date and main text of an article page; None when nothing usable is there."""
    doc = _parse_html(body, headers)
    if doc is None:
        return None
    # Read our metadata first: trafilatura prunes the tree it is given.
    published = published_date(doc)
    link = _canonical_link(doc, url)
    fallback_title = doc.xpath("//meta[@property='og:title']/@content | //title/text()")
    import trafilatura  # 12 MB of imports, for page sources only

    try:
        result = trafilatura.bare_extraction(
            doc,
            url=url,
            with_metadata=True,
            include_comments=False,
            include_images=False,
            include_links=False,
            date_extraction_params=dict(_DATE_PARAMS),
        )
    except Exception:  # trafilatura on hostile HTML: one page lost, not the poll
        result = None
    title = (getattr(result, "title", None) or "").strip()
    text = (getattr(result, "text", None) or "").strip()
    if not title and fallback_title:
        title = str(fallback_title[0]).strip()
    first, _, rest = text.partition("\n")
    if title and " ".join(first.split()) == " ".join(title.split()) and rest.strip():
        text = rest.strip()  # the headline repeated as the body's first line
    if len(text) < MIN_TEXT and not (title and text):
        return None
    if published is None:
        published = parse_date(getattr(result, "date", None) or "")
    return Entry(
        guid=None,
        link=link,
        title=title,
        summary=(getattr(result, "description", None) or "").strip(),
        text=text,
        published=published,
        author=(getattr(result, "author", None) or "").strip() or None,
    )

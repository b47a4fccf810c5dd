"""Public Telegram channels: the messages of a channel's web preview (``t.me/s/NAME``).

Telegram renders every public channel as a page of its latest messages (20 or so), oldest
first; ``?before=ID`` shows the ones before message ID.  Each message is a
``div.tgme_widget_message`` with ``data-post="NAME/ID"``: its text in
``div.tgme_widget_message_text``, its date in ``a.tgme_widget_message_date time[datetime]``
(the link is the permalink ``https://t.me/NAME/ID``) and the preview of a link it carries in
``a.tgme_widget_message_link_preview``.  A reply quotes the message it answers in a
``tgme_widget_message_reply`` block with a text of its own, which is not this message's text.

Pure: bytes in, messages out (docs/watchers.md, "Telegram channels").
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import lxml.html
from lxml import etree

from marsad.config import telegram_channel
from marsad.errors import FetchError
from marsad.watchers.charset import decode_document
from marsad.watchers.dates import parse_date
from marsad.watchers.feed_entry import Entry
from marsad.watchers.items import clean_text, headline_from, is_web_url, one_line

_MESSAGE = "div.tgme_widget_message[data-post]"
_NOT_THE_MESSAGE = ("tgme_widget_message_reply", "tgme_widget_message_link_preview")
"""Blocks inside a message that show another text: the message replied to, a link's preview."""
_URL_ONLY = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_POST = re.compile(r"^([A-Za-z0-9_]{1,64})/(\d{1,18})$")


class NoPublicPreviewError(FetchError):
    """The channel shows no public web preview: private, unknown, or previews turned off."""

    def __init__(self, channel: str) -> None:
        self.channel = channel
        super().__init__(
            f"channel {channel} has no public preview (t.me/s/{channel}); "
            "only public channels can be read"
        )


@dataclass(frozen=True)
class ChannelMessage:
    """One message of the page; ``entry`` is None when it has nothing to read (a photo or a
    video without caption or link, a service message such as "Channel created")."""

    id: int
    entry: Entry | None


@dataclass(frozen=True)
class ChannelPage:
    """The messages one preview page shows, in the page's order (oldest first)."""

    channel: str
    messages: tuple[ChannelMessage, ...]

    @property
    def lowest(self) -> int | None:
        return min((m.id for m in self.messages), default=None)

    @property
    def highest(self) -> int | None:
        return max((m.id for m in self.messages), default=None)


def older_page_url(url: str, before: int) -> str:
    """The preview page of the messages before message ``before`` (``?before=ID``)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "before"]
    query.append(("before", str(before)))
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))


def parse_channel_page(
    body: bytes, headers: Mapping[str, str], *, url: str, final_url: str
) -> ChannelPage:
    """The messages of a preview page fetched from ``url`` (answered at ``final_url``).

    Raises ``NoPublicPreviewError`` when Telegram sent the channel's plain page instead (it
    redirects ``t.me/s/NAME`` to ``t.me/NAME`` for a channel without a public preview) or the
    page holds no channel history at all.
    """
    channel = telegram_channel(url) or urlsplit(url).path.strip("/").rsplit("/", 1)[-1]
    if telegram_channel(final_url) is None:
        raise NoPublicPreviewError(channel)
    root = _parse_html(body, headers)
    if root is None:
        raise NoPublicPreviewError(channel)
    widgets = root.cssselect(_MESSAGE)
    if not widgets and not root.find_class("tgme_channel_history"):
        raise NoPublicPreviewError(channel)
    messages: list[ChannelMessage] = []
    seen: set[int] = set()
    for widget in widgets:
        message = _message(widget)
        if message is not None and message.id not in seen:
            seen.add(message.id)
            messages.append(message)
    return ChannelPage(channel, tuple(messages))


def _parse_html(body: bytes, headers: Mapping[str, str]) -> Any:
    content_type = next((v for k, v in headers.items() if k.lower() == "content-type"), None)
    text, _ = decode_document(body, content_type)
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text.removeprefix("\ufeff"))
    if not text.strip():
        return None
    try:
        return lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError):
        return None


def _classes(element: Any) -> set[str]:
    return set(str(element.get("class") or "").split())


def _own(message: Any, selector: str) -> Any | None:
    """The first element matching ``selector`` that belongs to the message itself, not to the
    message it replies to or a link's preview."""
    for element in message.cssselect(selector):
        node = element.getparent()
        while node is not None and node is not message:
            if _classes(node) & set(_NOT_THE_MESSAGE):
                break
            node = node.getparent()
        else:
            return element
    return None


def _text_of(element: Any | None) -> str:
    if element is None:
        return ""
    return clean_text(lxml.html.tostring(element, encoding="unicode", with_tail=False))


def _message(widget: Any) -> ChannelMessage | None:
    post = _POST.match(str(widget.get("data-post") or "").strip())
    if post is None:
        return None
    name, ident = post.group(1), int(post.group(2))
    if "service_message" in _classes(widget):
        return ChannelMessage(ident, None)
    text = _text_of(_own(widget, "div.tgme_widget_message_text"))
    preview = _own(widget, "a.tgme_widget_message_link_preview")
    preview_title = preview_text = ""
    if preview is not None:
        preview_title = one_line(_text_of(_first(preview, ".link_preview_title")))
        preview_text = _text_of(_first(preview, ".link_preview_description"))
    title = _title(text, preview_title, preview_text)
    if not title:
        return ChannelMessage(ident, None)
    date_link = _own(widget, "a.tgme_widget_message_date")
    permalink = str(date_link.get("href") or "").strip() if date_link is not None else ""
    if not is_web_url(permalink):
        permalink = f"https://t.me/{name}/{ident}"
    moment = _first(date_link, "time[datetime]") if date_link is not None else None
    published = parse_date(str(moment.get("datetime"))) if moment is not None else None
    entry = Entry(
        guid=permalink,
        link=permalink,
        title=title,
        summary="",
        text="\n".join(part for part in (text, preview_title, preview_text) if part),
        published=published,
    )
    return ChannelMessage(ident, entry)


def _first(element: Any, selector: str) -> Any | None:
    found = element.cssselect(selector)
    return found[0] if found else None


def _title(text: str, preview_title: str, preview_text: str) -> str:
    """The message's first line (its first sentence, at most ~120 characters); the link's
    title when the message is only that link or has no text (a photo with a link)."""
    first_line = text.split("\n", 1)[0].strip()
    if text and not _URL_ONLY.fullmatch(first_line):
        return headline_from(text)
    if preview_title:
        return preview_title
    if text:
        return headline_from(text)
    return headline_from(preview_text) if preview_text else ""

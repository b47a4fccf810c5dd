"""A fake Telegram Bot API server on 127.0.0.1 that the real python-telegram-bot client talks to.

Point the real client at it through ``base_url`` and it answers like Telegram: it validates
``parse_mode=HTML`` text (unknown or unclosed tags → 400 "can't parse entities"), refuses text over
4096 characters (400 "message is too long") and inline buttons Telegram refuses (callback data
over 64 bytes, URLs that are not http(s)/tg), records every message sent or edited per chat, queues
updates for ``getUpdates`` long-polling, and injects Telegram's real error responses on demand.

    server = FakeTelegram()                      # or the ``fake_telegram`` pytest fixture
    bot = telegram.Bot(server.token, base_url=server.base_url)
    # Application.builder().token(server.token).base_url(server.base_url).build() works the same

    server.push_message(chat_id=42, user_id=42, text="/subscribe حموشي")   # an update to poll
    server.push_callback(chat_id=42, user_id=42, data="mute:3", message_id=7)
    server.texts(42)                  # texts sent to chat 42, in order (edits applied)
    server.sent                       # [Sent(chat_id, message_id, text, parse_mode, ...), ...]
    server.edits, server.callback_answers, server.commands   # other recorded calls
    server.wait_for(lambda: len(server.sent) >= 3)           # block until the bot has done it

    server.inject(Fault.retry_after(3), times=5)             # next five sendMessage → 429
    server.inject(Fault.bad_gateway(), chat_id=42)           # next sendMessage to chat 42 → 502
    server.inject(Fault.gateway_page(504), times=2)          # an HTML 504 page from the front
    server.inject(Fault.stall(10.0), times=1)                # deliver, then answer too late
    server.block(42)                  # every send to chat 42 → 403 "bot was blocked by the user"
    server.migrate(-100, -1001234)    # sends to group -100 → 400 with migrate_to_chat_id
    server.conflicts()                # getUpdates answered 409: two pollers overlapped
    server.set_admins(-100, 5, 6)     # getChatMember: 5 created group -100, 6 administers it;
                                      # whoever else wrote there is a "member"
    server.set_member(-100, 7, "kicked")   # or any status; an unknown user → 400 user not found

Like Telegram, a getUpdates that arrives while another is still pending terminates the pending
one with 409 "Conflict: terminated by other getUpdates request".  A pending poll whose client
closed its connection is no longer pending (a process that stopped or was killed); one whose
client just vanished (a machine gone from the network) stays pending until its timeout.

Supported methods: getMe, deleteWebhook, setWebhook, getUpdates, sendMessage, editMessageText,
editMessageReplyMarkup, deleteMessage, sendChatAction, answerCallbackQuery, setMyCommands,
getMyCommands, deleteMyCommands, setMyDescription, setMyShortDescription, getChat, getChatMember,
sendDocument, sendPhoto, close, logOut.  Anything else answers 404 like Telegram does for an unknown method.
Files come as Telegram takes them, multipart/form-data uploads (``server.files`` keeps each
one's bytes; an empty one is refused with 400 "file must be non-empty") or a file_id sent before.
The server runs in daemon threads (``ThreadingHTTPServer``), so it serves a client on any loop.
"""

from __future__ import annotations

import itertools
import json
import re
import select
import socket
import struct
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from email import policy
from email.parser import BytesParser
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qsl

import pytest

__all__ = [
    "BOT_ID",
    "BOT_USERNAME",
    "MAX_TEXT",
    "TOKEN",
    "FakeTelegram",
    "Fault",
    "Sent",
    "SentFile",
    "fake_telegram",
    "html_errors",
    "visible_text",
]

TOKEN = "7001234567:AAFakeTokenForTestsOnly_do-not-log-me"
BOT_ID = 7001234567
BOT_USERNAME = "marsad_test_bot"
MAX_TEXT = 4096
JSONDict = dict[str, Any]

# Tags Telegram's HTML parse mode accepts (https://core.telegram.org/bots/api#html-style).
_TAGS = {
    "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler",
    "a", "tg-emoji", "code", "pre", "blockquote",
}  # fmt: skip
_ENTITY = re.compile(r"&(#[0-9]{1,7}|#x[0-9a-fA-F]{1,6}|lt|gt|amp|quot);")
_TAG_NAME = re.compile(r"[A-Za-z0-9-]*")


@dataclass(frozen=True)
class Fault:
    """One injected failure: the HTTP answer Telegram would give, or a stall.

    ``delay`` seconds are waited before answering (set it past the client's read timeout to make
    the outcome ambiguous); ``deliver`` says whether the message reaches the chat at once (as
    when Telegram accepted the request but its answer was lost) or never (then a late 502).
    ``page`` is an HTML body sent as ``text/html`` instead of the Bot API's JSON, as the HTTP
    front in front of the Bot API answers when it cannot reach it (nginx's "502 Bad Gateway").
    """

    status: int
    description: str
    parameters: Mapping[str, int] | None = None
    delay: float = 0.0
    deliver: bool = False
    page: str | None = None

    @classmethod
    def retry_after(cls, seconds: int) -> Fault:
        return cls(429, f"Too Many Requests: retry after {seconds}", {"retry_after": seconds})

    @classmethod
    def blocked(cls) -> Fault:
        return cls(403, "Forbidden: bot was blocked by the user")

    @classmethod
    def kicked(cls) -> Fault:
        return cls(403, "Forbidden: bot was kicked from the group chat")

    @classmethod
    def migrated(cls, new_chat_id: int) -> Fault:
        return cls(
            400,
            "Bad Request: group chat was upgraded to a supergroup chat",
            {"migrate_to_chat_id": new_chat_id},
        )

    @classmethod
    def bad_gateway(cls) -> Fault:
        return cls(502, "Bad Gateway")

    @classmethod
    def gateway_page(cls, status: int = 502) -> Fault:
        """The HTML error page of the HTTP front (502, 503 or 504): no JSON, nothing delivered."""
        title = f"{status} {HTTPStatus(status).phrase}"
        page = (
            f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n"
            f"<center><h1>{title}</h1></center>\r\n<hr><center>nginx/1.18.0</center>\r\n"
            "</body>\r\n</html>\r\n"
        )
        return cls(status, HTTPStatus(status).phrase, page=page)

    @classmethod
    def internal(cls) -> Fault:
        return cls(500, "Internal Server Error")

    @classmethod
    def stall(cls, seconds: float, *, deliver: bool = True) -> Fault:
        return cls(200, "stalled", delay=seconds, deliver=deliver)


@dataclass(frozen=True)
class Sent:
    """A message as the chat sees it (``edited`` counts the edits applied to it)."""

    chat_id: int
    message_id: int
    text: str
    parse_mode: str | None
    reply_markup: JSONDict | None
    link_preview_options: JSONDict | None
    at: float  # server's time.monotonic() when it was accepted
    edited: int = 0


@dataclass(frozen=True)
class SentFile:
    """A document or photo as uploaded (``data``: its bytes) and the message that carries it."""

    chat_id: int
    message_id: int
    method: str  # sendDocument or sendPhoto
    file_id: str
    file_name: str
    mime_type: str
    data: bytes
    caption: str | None


@dataclass(frozen=True)
class _Upload:
    """One file part of a multipart request."""

    file_name: str
    mime_type: str
    data: bytes


@dataclass
class _Poll:
    """A pending getUpdates: ``gone`` says whether its client closed the connection."""

    gone: Callable[[], bool]
    conflict: bool = False


def _client_gone(connection: socket.socket) -> Callable[[], bool]:
    """Whether the client closed ``connection`` (readable with nothing to read)."""

    def gone() -> bool:
        try:
            readable, _, _ = select.select([connection], [], [], 0)
            return bool(readable) and connection.recv(1, socket.MSG_PEEK) == b""
        except (OSError, ValueError):
            return True

    return gone


@dataclass
class _Injection:
    fault: Fault
    method: str
    chat_id: int | None
    remaining: int


class _Page(dict[str, Any]):
    """An answer sent as an HTML page (``text/html``); the dict is what ``refused`` records."""

    def __init__(self, answer: JSONDict, page: str) -> None:
        super().__init__(answer)
        self.page = page


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._serve(b"")

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self._serve(self.rfile.read(length) if length else b"")

    def _serve(self, body: bytes) -> None:
        path, _, query = self.path.partition("?")
        match = re.fullmatch(r"/bot([^/]+)/([A-Za-z]+)", path)
        fake = self.server.fake
        if match is None or match.group(1) != fake.token:
            status, answer = 404 if match is None else 401, _error(404, "Not Found")
            if match is not None:
                answer = _error(401, "Unauthorized")
        else:
            params = _parse_params(query, body, self.headers.get("Content-Type", ""))
            fake._local.gone = _client_gone(self.connection)
            status, answer = fake.handle(match.group(2), params)
        content_type = "application/json"
        if isinstance(answer, _Page):
            payload, content_type = answer.page.encode(), "text/html"
        else:
            payload = json.dumps(answer, ensure_ascii=False).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except OSError:
            self.close_connection = True  # the client gave up (stall past its timeout)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024
    fake: FakeTelegram


def _error(code: int, description: str, parameters: Mapping[str, int] | None = None) -> JSONDict:
    answer: JSONDict = {"ok": False, "error_code": code, "description": description}
    if parameters:
        answer["parameters"] = dict(parameters)
    return answer


def _parse_params(query: str, body: bytes, content_type: str) -> JSONDict:
    """Form or JSON parameters; PTB sends form fields whose non-string values are JSON-encoded."""
    if "application/json" in content_type:
        loaded = json.loads(body or b"{}")
        return dict(loaded) if isinstance(loaded, dict) else {}
    raw: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True))
    if "multipart/form-data" in content_type:
        raw.update(_multipart(body, content_type))
    else:
        raw.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    params: JSONDict = {}
    for key, value in raw.items():
        if isinstance(value, _Upload):
            params[key] = value
            continue
        if key in {"text", "parse_mode", "data", "callback_query_id", "language_code", "caption"}:
            params[key] = value
            continue
        try:
            params[key] = json.loads(value)
        except ValueError:
            params[key] = value
    return params


def _multipart(body: bytes, content_type: str) -> dict[str, Any]:
    """The fields of a multipart/form-data body: text values, and files as ``_Upload``s; a value
    ``attach://NAME`` (how media name their file part) is that part."""
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = BytesParser(policy=policy.HTTP).parsebytes(head + body)
    fields: dict[str, Any] = {}
    for part in message.iter_parts() if message.is_multipart() else ():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        file_name = part.get_filename()
        if file_name is not None:
            fields[name] = _Upload(file_name, part.get_content_type(), data)
        else:
            fields[name] = data.decode("utf-8")
    for name, value in list(fields.items()):
        if isinstance(value, str) and value.startswith("attach://"):
            fields[name] = fields.get(value.removeprefix("attach://"), value)
    return fields


def _image_size(data: bytes) -> tuple[int, int] | None:
    """Width and height of a PNG or JPEG image, or None when it is neither."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return int(width), int(height)
    if not data.startswith(b"\xff\xd8"):
        return None
    at = 2
    while at + 9 <= len(data) and data[at] == 0xFF:
        marker, length = data[at + 1], int.from_bytes(data[at + 2 : at + 4], "big")
        if marker in {0xC0, 0xC1, 0xC2}:  # start of frame: height, then width
            height, width = struct.unpack(">HH", data[at + 5 : at + 9])
            return int(width), int(height)
        at += 2 + length
    return None


def html_errors(text: str) -> str | None:
    """Telegram's complaint about ``text`` in HTML parse mode, or None when it parses."""
    raw = text.encode("utf-8")
    stack: list[str] = []
    i = 0
    while i < len(raw):
        if raw[i : i + 1] != b"<":
            i += 1
            continue
        end = raw.find(b">", i)
        if end < 0:
            return f"Unclosed start tag at byte offset {i}"
        inside = raw[i + 1 : end].decode("utf-8", "replace")
        if inside.startswith("/"):
            name = inside[1:].strip().lower()
            if not stack:
                return f"Unexpected end tag at byte offset {i}"
            if name != stack[-1]:
                return (
                    f'Unmatched end tag at byte offset {i}, expected "</{stack[-1]}>", '
                    f'found "</{name}>"'
                )
            stack.pop()
        else:
            name_match = _TAG_NAME.match(inside)
            name = name_match.group(0).lower() if name_match else ""
            if not name:
                return f"Empty tag name at byte offset {i}"
            if name not in _TAGS:
                return f'Unsupported start tag "{name}" at byte offset {i}'
            if name == "span" and "tg-spoiler" not in inside:
                return f'Tag "span" must have class "tg-spoiler" at byte offset {i}'
            stack.append(name)
        i = end + 1
    if stack:
        return f'Can\'t find end tag corresponding to start tag "{stack[-1]}"'
    return None


def visible_text(text: str) -> str:
    """The text a chat shows for an HTML message (tags removed, entities decoded)."""
    stripped = re.sub(r"<[^>]*>", "", text)

    def decode(m: re.Match[str]) -> str:
        name = m.group(1)
        if name.startswith("#x"):
            return chr(int(name[2:], 16))
        if name.startswith("#"):
            return chr(int(name[1:]))
        return {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}[name]

    return _ENTITY.sub(decode, stripped)


_RIGHTS = (
    "can_change_info", "can_invite_users", "can_pin_messages", "can_manage_topics",
)  # fmt: skip
_MEMBER_FIELDS: dict[str, JSONDict] = {
    # the fields of each ChatMember kind besides status and user (https://core.telegram.org/bots/api#chatmember)
    "creator": {"is_anonymous": False},
    "administrator": {
        "can_be_edited": False, "is_anonymous": False, "can_manage_chat": True,
        "can_delete_messages": True, "can_manage_video_chats": True,
        "can_restrict_members": True, "can_promote_members": False, "can_change_info": True,
        "can_invite_users": True, "can_post_stories": False, "can_edit_stories": False,
        "can_delete_stories": False, "can_pin_messages": True, "can_manage_topics": False,
    },
    "member": {},
    "restricted": {
        "is_member": True, "until_date": 0, "can_send_messages": False,
        "can_send_audios": False, "can_send_documents": False, "can_send_photos": False,
        "can_send_videos": False, "can_send_video_notes": False, "can_send_voice_notes": False,
        "can_send_polls": False, "can_send_other_messages": False,
        "can_add_web_page_previews": False, "can_edit_tag": False,
        "can_react_to_messages": False,
        **dict.fromkeys(_RIGHTS, False),
    },
    "left": {},
    "kicked": {"until_date": 0},
}  # fmt: skip


def _photo_sizes(file_id: str, size: tuple[int, int], length: int) -> list[JSONDict]:
    """The PhotoSizes Telegram makes of an image: thumbnails of 90, 320 and 800 pixels on the
    longer side where the image is larger, then the image itself (at most 2560 pixels)."""
    width, height = size
    longest = max(width, height, 1)
    sides = [side for side in (90, 320, 800, 1280) if side < longest] + [min(longest, 2560)]
    sizes = []
    for n, side in enumerate(sides):
        scale = side / longest
        sizes.append(
            {
                "file_id": f"{file_id}{n}",
                "file_unique_id": f"{file_id[-12:]}{n}",
                "width": max(1, round(width * scale)),
                "height": max(1, round(height * scale)),
                "file_size": max(1, round(length * scale * scale)),
            }
        )
    return sizes


def _utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _chat_type(chat_id: int) -> str:
    if chat_id > 0:
        return "private"
    return "supergroup" if str(chat_id).startswith("-100") else "group"


class FakeTelegram:
    """The fake Bot API server; start it with ``with FakeTelegram() as server:``."""

    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.sent: list[Sent] = []
        self.edits: list[Sent] = []
        self.refused: list[tuple[str, JSONDict, JSONDict]] = []  # (method, params, error)
        self.calls: list[tuple[str, JSONDict]] = []
        self.files: list[SentFile] = []
        self.callback_answers: list[JSONDict] = []
        self.commands: dict[str, list[JSONDict]] = {}
        self.chat_types: dict[int, str] = {}
        self._messages: dict[tuple[int, int], Sent] = {}
        self._next_message_id: dict[int, int] = {}
        self._updates: list[JSONDict] = []
        self._polls: list[_Poll] = []
        self._local = threading.local()
        self._update_ids = itertools.count(1)
        self._injections: list[_Injection] = []
        self._blocked: set[int] = set()
        self._migrated: dict[int, int] = {}
        self._members: dict[int, dict[int, str]] = {}  # chat id → user id → status
        self._users: set[int] = set()  # users Telegram knows (they wrote, or were set)
        self._cond = threading.Condition()
        self._stop = threading.Event()
        self._http = _Server(("127.0.0.1", 0), _Handler)
        self._http.fake = self
        self._thread = threading.Thread(
            target=self._http.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    # ----------------------------------------------------------------- lifecycle
    @property
    def base_url(self) -> str:
        """The ``base_url`` for ``telegram.Bot``: the token is appended to it."""
        return f"http://127.0.0.1:{self._http.server_address[1]}/bot"

    def start(self) -> Self:
        self._thread.start()
        return self

    def close(self) -> None:
        self._stop.set()
        with self._cond:
            self._cond.notify_all()
        self._http.shutdown()
        self._http.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # ----------------------------------------------------------------- test controls
    def inject(
        self,
        fault: Fault,
        *,
        method: str = "sendMessage",
        chat_id: int | None = None,
        times: int = 1,
    ) -> None:
        """Answer the next ``times`` calls of ``method`` (to ``chat_id``, or any) with ``fault``."""
        with self._cond:
            self._injections.append(_Injection(fault, method, chat_id, times))

    def block(self, chat_id: int) -> None:
        """The user blocked the bot: every send to ``chat_id`` is refused with 403."""
        with self._cond:
            self._blocked.add(chat_id)

    def unblock(self, chat_id: int) -> None:
        with self._cond:
            self._blocked.discard(chat_id)

    def migrate(self, old_chat_id: int, new_chat_id: int) -> None:
        """The group became a supergroup: sends to the old id answer 400 with the new id."""
        with self._cond:
            self._migrated[old_chat_id] = new_chat_id
            self.chat_types[new_chat_id] = "supergroup"

    def set_member(self, chat_id: int, user_id: int, status: str) -> None:
        """``user_id``'s status in ``chat_id`` as getChatMember answers it: "creator",
        "administrator", "member", "restricted", "left" or "kicked"."""
        assert status in _MEMBER_FIELDS, status
        with self._cond:
            self._users.add(user_id)
            self._members.setdefault(chat_id, {})[user_id] = status

    def set_admins(self, chat_id: int, creator: int, *admins: int) -> None:
        """The group's creator and administrators (everyone else who writes is a member)."""
        self.set_member(chat_id, creator, "creator")
        for user_id in admins:
            self.set_member(chat_id, user_id, "administrator")

    def _saw(self, chat_id: int, user_id: int) -> None:
        """A user wrote in a chat: Telegram knows them, and they are (at least) a member."""
        with self._cond:
            self._users.add(user_id)
            self._members.setdefault(chat_id, {}).setdefault(user_id, "member")

    def push_message(
        self,
        chat_id: int,
        text: str,
        *,
        user_id: int | None = None,
        first_name: str = "Analyst",
        language_code: str = "ar",
        chat_type: str | None = None,
        chat_title: str | None = None,
    ) -> int:
        """Queue a message update (commands get their ``bot_command`` entity); its update id."""
        kind = chat_type or self.chat_types.get(chat_id) or _chat_type(chat_id)
        chat: JSONDict = {"id": chat_id, "type": kind}
        if kind != "private":
            chat["title"] = chat_title or f"Chat {chat_id}"
        else:
            chat["first_name"] = first_name
        message: JSONDict = {
            "message_id": self._new_message_id(chat_id),
            "date": int(time.time()),
            "chat": chat,
            "text": text,
        }
        if kind == "channel":
            message["sender_chat"] = chat
        else:
            self._saw(chat_id, user_id if user_id is not None else chat_id)
            message["from"] = {
                "id": user_id if user_id is not None else chat_id,
                "is_bot": False,
                "first_name": first_name,
                "language_code": language_code,
            }
        command = re.match(r"/[A-Za-z0-9_]+(@[A-Za-z0-9_]+)?", text)
        if command:
            length = _utf16_length(command.group(0))
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        key = "channel_post" if kind == "channel" else "message"
        return self._push({key: message})

    def push_callback(
        self,
        chat_id: int,
        data: str,
        *,
        message_id: int,
        user_id: int | None = None,
        language_code: str = "ar",
    ) -> int:
        """Queue a press on an inline button of the bot's message ``message_id``."""
        sent = self._messages.get((chat_id, message_id))
        kind = self.chat_types.get(chat_id) or _chat_type(chat_id)
        self._saw(chat_id, user_id if user_id is not None else chat_id)
        user = {
            "id": user_id if user_id is not None else chat_id,
            "is_bot": False,
            "first_name": "Analyst",
            "language_code": language_code,
        }
        message: JSONDict = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": kind, "title": f"Chat {chat_id}"},
            "text": sent.text if sent else "",
            "from": self._bot_user(),
        }
        query = {
            "id": str(next(self._update_ids) * 1000 + 7),
            "from": user,
            "chat_instance": str(chat_id),
            "data": data,
            "message": message,
        }
        return self._push({"callback_query": query})

    def texts(self, chat_id: int) -> list[str]:
        """What ``chat_id`` shows: the bot's messages in order, edits applied, as visible text."""
        with self._cond:
            mine = sorted(
                (m for (c, _), m in self._messages.items() if c == chat_id),
                key=lambda m: m.message_id,
            )
        return [visible_text(m.text) if m.parse_mode == "HTML" else m.text for m in mine]

    def message(self, chat_id: int, message_id: int) -> Sent:
        """The current state of one message the bot sent."""
        with self._cond:
            return self._messages[(chat_id, message_id)]

    def conflicts(self) -> int:
        """How many getUpdates calls were answered 409 because another one overlapped."""
        with self._cond:
            return sum(1 for method, _, answer in self.refused if answer.get("error_code") == 409)

    def wait_for(self, condition: Callable[[], bool], timeout: float = 10.0) -> None:
        """Block until ``condition()`` holds (re-checked on every call the server answers)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while not condition():
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"fake Telegram: condition not met in {timeout}s")
                self._cond.wait(min(left, 0.1))

    # ----------------------------------------------------------------- the API
    def handle(self, method: str, params: JSONDict) -> tuple[int, JSONDict]:
        """Answer one Bot API call: (HTTP status, JSON body)."""
        with self._cond:
            self.calls.append((method, params))
            self._cond.notify_all()
        chat_id = params.get("chat_id")
        fault = self._take_fault(method, chat_id if isinstance(chat_id, int) else None)
        if fault is not None and fault.delay:
            if not fault.deliver:  # lost on the way in: nothing delivered, a late 502
                self._stop.wait(fault.delay)
                return self._refuse(method, params, 502, "Bad Gateway")
            answer = self._answer(method, params)  # delivered; the answer is what comes late
            self._stop.wait(fault.delay)
            return answer
        if fault is not None:
            status, answer = self._refuse(
                method, params, fault.status, fault.description, fault.parameters
            )
            return status, answer if fault.page is None else _Page(answer, fault.page)
        return self._answer(method, params)

    def _answer(self, method: str, params: JSONDict) -> tuple[int, JSONDict]:
        handler = getattr(self, f"_api_{method.lower()}", None)
        if handler is None:
            return 404, _error(404, "Not Found")
        result: tuple[int, JSONDict] = handler(params)
        return result

    def _refuse(
        self,
        method: str,
        params: JSONDict,
        status: int,
        description: str,
        parameters: Mapping[str, int] | None = None,
    ) -> tuple[int, JSONDict]:
        answer = _error(status, description, parameters)
        with self._cond:
            self.refused.append((method, params, answer))
            self._cond.notify_all()
        return status, answer

    def _take_fault(self, method: str, chat_id: int | None) -> Fault | None:
        with self._cond:
            for injection in self._injections:
                if injection.method.lower() != method.lower():
                    continue
                if injection.chat_id is not None and injection.chat_id != chat_id:
                    continue
                injection.remaining -= 1
                if injection.remaining <= 0:
                    self._injections.remove(injection)
                return injection.fault
            if method.lower() in {"sendmessage", "editmessagetext"} and chat_id is not None:
                if chat_id in self._blocked:
                    return Fault.blocked() if chat_id > 0 else Fault.kicked()
                if chat_id in self._migrated:
                    return Fault.migrated(self._migrated[chat_id])
        return None

    def _bot_user(self) -> JSONDict:
        return {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": "Marsad",
            "username": BOT_USERNAME,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    def _chat(self, chat_id: int) -> JSONDict:
        kind = self.chat_types.get(chat_id) or _chat_type(chat_id)
        chat: JSONDict = {"id": chat_id, "type": kind}
        if kind == "private":
            chat["first_name"] = "Analyst"
        else:
            chat["title"] = f"Chat {chat_id}"
        return chat

    def _new_message_id(self, chat_id: int) -> int:
        with self._cond:
            value = self._next_message_id.get(chat_id, 1)
            self._next_message_id[chat_id] = value + 1
            return value

    def _push(self, update: JSONDict) -> int:
        with self._cond:
            update_id = next(self._update_ids)
            self._updates.append({"update_id": update_id, **update})
            self._cond.notify_all()
            return update_id

    def _check_text(self, method: str, params: JSONDict) -> tuple[int, JSONDict] | None:
        text = params.get("text")
        if not isinstance(text, str) or not text.strip():
            return self._refuse(method, params, 400, "Bad Request: message text is empty")
        shown = text
        if str(params.get("parse_mode", "")).upper() == "HTML":
            problem = html_errors(text)
            if problem is not None:
                return self._refuse(
                    method, params, 400, f"Bad Request: can't parse entities: {problem}"
                )
            shown = visible_text(text)
        if _utf16_length(shown) > MAX_TEXT:
            return self._refuse(method, params, 400, "Bad Request: message is too long")
        markup = params.get("reply_markup") or {}
        for row in markup.get("inline_keyboard", []) if isinstance(markup, dict) else []:
            for button in row:
                data = button.get("callback_data")
                if data is not None and not 1 <= len(str(data).encode()) <= 64:
                    return self._refuse(method, params, 400, "Bad Request: BUTTON_DATA_INVALID")
                url = button.get("url")
                if url is not None and not re.match(r"(https?|tg)://\S+$", str(url)):
                    return self._refuse(method, params, 400, "Bad Request: BUTTON_URL_INVALID")
        return None

    def _message_json(self, sent: Sent) -> JSONDict:
        message: JSONDict = {
            "message_id": sent.message_id,
            "date": int(time.time()),
            "chat": self._chat(sent.chat_id),
            "from": self._bot_user(),
            "text": visible_text(sent.text) if sent.parse_mode == "HTML" else sent.text,
        }
        if sent.edited:
            message["edit_date"] = int(time.time())
        if sent.reply_markup:
            message["reply_markup"] = sent.reply_markup
        return message

    def _api_getme(self, params: JSONDict) -> tuple[int, JSONDict]:
        return 200, {"ok": True, "result": self._bot_user()}

    def _api_deletewebhook(self, params: JSONDict) -> tuple[int, JSONDict]:
        return 200, {"ok": True, "result": True, "description": "Webhook is already deleted"}

    _api_setwebhook = _api_deletewebhook

    def _api_close(self, params: JSONDict) -> tuple[int, JSONDict]:
        return 200, {"ok": True, "result": True}

    _api_logout = _api_close

    def _api_getchat(self, params: JSONDict) -> tuple[int, JSONDict]:
        chat_id = int(params["chat_id"])
        return 200, {"ok": True, "result": {**self._chat(chat_id), "accent_color_id": 0}}

    def _api_getchatmember(self, params: JSONDict) -> tuple[int, JSONDict]:
        chat_id, user_id = int(params["chat_id"]), int(params["user_id"])
        with self._cond:
            members = self._members.get(chat_id)
            known = user_id in self._users
            status = members.get(user_id, "left") if members is not None else None
        if status is None:
            return self._refuse("getChatMember", params, 400, "Bad Request: chat not found")
        if not known:
            return self._refuse("getChatMember", params, 400, "Bad Request: user not found")
        user = {"id": user_id, "is_bot": False, "first_name": "Analyst"}
        member: JSONDict = {"status": status, "user": user, **_MEMBER_FIELDS[status]}
        return 200, {"ok": True, "result": member}

    def _api_getupdates(self, params: JSONDict) -> tuple[int, JSONDict]:
        offset = int(params.get("offset") or 0)
        timeout = float(params.get("timeout") or 0)
        limit = int(params.get("limit") or 100)
        deadline = time.monotonic() + timeout
        poll = _Poll(getattr(self._local, "gone", None) or (lambda: False))
        with self._cond:
            for other in self._polls:  # Telegram ends the older poll with 409
                if not other.gone():
                    other.conflict = True
            self._polls.append(poll)
            self._cond.notify_all()
            if offset:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
            while not self._updates and not self._stop.is_set() and not poll.conflict:
                left = deadline - time.monotonic()
                if left <= 0 or poll.gone():
                    break
                self._cond.wait(min(left, 0.05))
            self._polls.remove(poll)
            batch = [] if poll.conflict else self._updates[:limit]
        if poll.conflict:
            return self._refuse(
                "getUpdates",
                params,
                409,
                "Conflict: terminated by other getUpdates request; make sure that only one bot "
                "instance is running",
            )
        return 200, {"ok": True, "result": batch}

    def _api_sendmessage(self, params: JSONDict) -> tuple[int, JSONDict]:
        problem = self._check_text("sendMessage", params)
        if problem is not None:
            return problem
        chat_id = int(params["chat_id"])
        sent = Sent(
            chat_id=chat_id,
            message_id=self._new_message_id(chat_id),
            text=str(params["text"]),
            parse_mode=params.get("parse_mode"),
            reply_markup=params.get("reply_markup"),
            link_preview_options=params.get("link_preview_options"),
            at=time.monotonic(),
        )
        with self._cond:
            self.sent.append(sent)
            self._messages[(chat_id, sent.message_id)] = sent
            self._cond.notify_all()
        return 200, {"ok": True, "result": self._message_json(sent)}

    def _api_senddocument(self, params: JSONDict) -> tuple[int, JSONDict]:
        return self._send_file("sendDocument", "document", params)

    def _api_sendphoto(self, params: JSONDict) -> tuple[int, JSONDict]:
        return self._send_file("sendPhoto", "photo", params)

    def _send_file(self, method: str, field: str, params: JSONDict) -> tuple[int, JSONDict]:
        """A document or photo: uploaded (multipart) or an earlier file's file_id."""
        value = params.get(field)
        if isinstance(value, _Upload):
            upload = value
        else:
            with self._cond:
                earlier = [f for f in self.files if value is not None and f.file_id == value]
            if not earlier:
                return self._refuse(
                    method, params, 400, "Bad Request: wrong file identifier/HTTP URL specified"
                )
            upload = _Upload(earlier[0].file_name, earlier[0].mime_type, earlier[0].data)
        if not upload.data:
            return self._refuse(method, params, 400, "Bad Request: file must be non-empty")
        size = _image_size(upload.data) if field == "photo" else None
        if field == "photo" and size is None:
            return self._refuse(method, params, 400, "Bad Request: IMAGE_PROCESS_FAILED")
        caption = params.get("caption")
        if caption is not None:
            shown = str(caption)
            if str(params.get("parse_mode", "")).upper() == "HTML":
                problem = html_errors(shown)
                if problem is not None:
                    return self._refuse(
                        method, params, 400, f"Bad Request: can't parse entities: {problem}"
                    )
                shown = visible_text(shown)
            if _utf16_length(shown) > 1024:
                return self._refuse(method, params, 400, "Bad Request: message caption is too long")
        chat_id = int(params["chat_id"])
        sent = Sent(
            chat_id=chat_id,
            message_id=self._new_message_id(chat_id),
            text="" if caption is None else str(caption),
            parse_mode=params.get("parse_mode"),
            reply_markup=params.get("reply_markup"),
            link_preview_options=None,
            at=time.monotonic(),
        )
        file_id = (
            "BQACAgQAAxkDAAI" if field == "document" else "AgACAgQAAxkDAAI"
        ) + uuid.uuid4().hex
        kept = SentFile(
            chat_id, sent.message_id, method, file_id, upload.file_name, upload.mime_type,
            upload.data, None if caption is None else str(caption),
        )  # fmt: skip
        with self._cond:
            self.sent.append(sent)
            self.files.append(kept)
            self._messages[(chat_id, sent.message_id)] = sent
            self._cond.notify_all()
        message = {key: value for key, value in self._message_json(sent).items() if key != "text"}
        if caption is not None:
            message["caption"] = visible_text(sent.text) if sent.parse_mode == "HTML" else sent.text
        unique = file_id[-16:]
        if size is None:
            message["document"] = {
                "file_id": file_id, "file_unique_id": unique, "file_name": upload.file_name,
                "mime_type": upload.mime_type, "file_size": len(upload.data),
            }  # fmt: skip
        else:
            message["photo"] = _photo_sizes(file_id, size, len(upload.data))
        return 200, {"ok": True, "result": message}

    def _api_editmessagetext(self, params: JSONDict) -> tuple[int, JSONDict]:
        problem = self._check_text("editMessageText", params)
        if problem is not None:
            return problem
        chat_id = int(params["chat_id"])
        key = (chat_id, int(params["message_id"]))
        with self._cond:
            old = self._messages.get(key)
        if old is None:
            return self._refuse(
                "editMessageText", params, 400, "Bad Request: message to edit not found"
            )
        markup = params.get("reply_markup")
        if old.text == params["text"] and old.reply_markup == markup:
            return self._refuse(
                "editMessageText",
                params,
                400,
                "Bad Request: message is not modified: specified new message content and "
                "reply markup are exactly the same as a current content and reply markup "
                "of the message",
            )
        new = Sent(
            chat_id=chat_id,
            message_id=old.message_id,
            text=str(params["text"]),
            parse_mode=params.get("parse_mode"),
            reply_markup=markup,
            link_preview_options=params.get("link_preview_options"),
            at=time.monotonic(),
            edited=old.edited + 1,
        )
        with self._cond:
            self.edits.append(new)
            self._messages[key] = new
            self._cond.notify_all()
        return 200, {"ok": True, "result": self._message_json(new)}

    def _api_editmessagereplymarkup(self, params: JSONDict) -> tuple[int, JSONDict]:
        key = (int(params["chat_id"]), int(params["message_id"]))
        with self._cond:
            old = self._messages.get(key)
            if old is None:
                return 400, _error(400, "Bad Request: message to edit not found")
            new = Sent(**{**old.__dict__, "reply_markup": params.get("reply_markup")})
            self._messages[key] = new
            self._cond.notify_all()
        return 200, {"ok": True, "result": self._message_json(new)}

    def _api_sendchataction(self, params: JSONDict) -> tuple[int, JSONDict]:
        return 200, {"ok": True, "result": True}

    _api_setmydescription = _api_sendchataction
    _api_setmyshortdescription = _api_sendchataction

    def _api_deletemessage(self, params: JSONDict) -> tuple[int, JSONDict]:
        key = (int(params["chat_id"]), int(params["message_id"]))
        with self._cond:
            if self._messages.pop(key, None) is None:
                return 400, _error(400, "Bad Request: message to delete not found")
            self._cond.notify_all()
        return 200, {"ok": True, "result": True}

    def _api_answercallbackquery(self, params: JSONDict) -> tuple[int, JSONDict]:
        with self._cond:
            self.callback_answers.append(params)
            self._cond.notify_all()
        return 200, {"ok": True, "result": True}

    def _commands_key(self, params: JSONDict) -> str:
        scope = params.get("scope") or {"type": "default"}
        return f"{scope.get('type', 'default')}:{params.get('language_code') or ''}"

    def _api_setmycommands(self, params: JSONDict) -> tuple[int, JSONDict]:
        with self._cond:
            self.commands[self._commands_key(params)] = list(params.get("commands") or [])
            self._cond.notify_all()
        return 200, {"ok": True, "result": True}

    def _api_getmycommands(self, params: JSONDict) -> tuple[int, JSONDict]:
        with self._cond:
            return 200, {"ok": True, "result": self.commands.get(self._commands_key(params), [])}

    def _api_deletemycommands(self, params: JSONDict) -> tuple[int, JSONDict]:
        with self._cond:
            self.commands.pop(self._commands_key(params), None)
        return 200, {"ok": True, "result": True}


@pytest.fixture
def fake_telegram() -> Iterator[FakeTelegram]:
    """A fresh fake Bot API server per test."""
    with FakeTelegram() as server:
        yield server

"""Decode fetched documents to text, whatever their servers claim about the encoding.

Arabic news sites often serve windows-1256 while the HTTP header, the XML declaration
or the HTML meta tag says utf-8, iso-8859-1 or nothing at all.  A declared charset is
believed only when the bytes decode strictly under it and the result is not mojibake;
otherwise the bytes themselves decide.  Pure: bytes in, text out.
"""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: it starts with the same bytes
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# Single-byte encodings of Latin script: Arabic bytes decode "successfully" under them.
_LATIN_CODECS = frozenset(
    {"iso8859_1", "iso8859_15", "cp1252", "ascii", "iso8859_2", "cp1250", "mac_roman", "cp437"}
)
_HEADER_CHARSET = re.compile(rb"""charset\s*=\s*["']?\s*([A-Za-z0-9._:\-]+)""", re.IGNORECASE)
_XML_DECL = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']\s*([A-Za-z0-9._:\-]+)""")
_META_CHARSET = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9._:\-]+)""", re.IGNORECASE
)
_UTF16_XML = (
    (b"<\x00?\x00x\x00m\x00l\x00", "utf-16-le"),
    (b"\x00<\x00?\x00x\x00m\x00l", "utf-16-be"),
)
_FRIENDLY = {
    "utf_8": "utf-8",
    "utf_16": "utf-16",
    "utf_16_le": "utf-16-le",
    "utf_16_be": "utf-16-be",
    "utf_32_le": "utf-32-le",
    "utf_32_be": "utf-32-be",
    "ascii": "ascii",
}
# Words: runs of anything but ASCII controls, spaces and punctuation.
_WORD = re.compile(r"[^\x00-\x2f\x3a-\x40\x5b-\x60\x7b-\x7f]{2,}")
_ALL_HIGH = re.compile(r"[^\x00-\x7f]+")
_ARABIC = re.compile(r"[\u0600-\u06ff\u0750-\u077f]")
_ASCII_LETTER = re.compile(r"[A-Za-z]")
# Punctuation and symbols shared by Arabic and Latin text: they say nothing about the script.
_NEUTRAL = re.compile("[«»“”„‘’‚‹›–—…•·\xa0°×÷€£§©®™]")
_SAMPLE = 200_000  # characters enough to judge a document


def _codec(label: str) -> str | None:
    """Python's name for a charset label, or None when unknown."""
    label = label.strip().strip("\"'").lower()
    if label in ("utf8mb4", "utf-8mb4"):
        label = "utf-8"
    if label in ("x-user-defined", "binary", "none", ""):
        return None
    try:
        return codecs.lookup(label).name.replace("-", "_")
    except LookupError:
        return None


def friendly_name(codec: str) -> str:
    """A charset name as people write it: ``windows-1256`` rather than ``cp1256``."""
    if codec in _FRIENDLY:
        return _FRIENDLY[codec]
    if codec.startswith("cp125"):
        return "windows-" + codec[2:]
    if codec.startswith("iso8859_"):
        return "iso-8859-" + codec[len("iso8859_") :]
    return codec.replace("_", "-")


def declared_charsets(body: bytes, content_type: str | None) -> list[str]:
    """Charsets claimed for the document, most authoritative first (header, XML, meta)."""
    found: list[str] = []
    if content_type:
        match = _HEADER_CHARSET.search(content_type.encode("latin-1", "replace"))
        if match:
            found.append(match.group(1).decode("ascii"))
    head = body[:2048]
    match = _XML_DECL.match(head)
    if match:
        found.append(match.group(1).decode("ascii"))
    match = _META_CHARSET.search(body[:8192])
    if match:
        found.append(match.group(1).decode("ascii"))
    return found


def _utf8(body: bytes) -> str | None:
    """Strict UTF-8, except for one character cut short at the very end (a transfer cut off
    mid-character): a truncated Arabic feed is still UTF-8, not windows-1256 mojibake."""
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.reason != "unexpected end of data" or exc.start < len(body) - 3:
            return None
        return body[: exc.start].decode("utf-8") + "\ufffd"


def _is_utf8_with_non_ascii(body: bytes) -> bool:
    return not body.isascii() and _utf8(body) is not None


def looks_like_latin_mojibake(text: str) -> bool:
    """True when Latin-script text is really another script read with the wrong charset.

    Real French or Spanish words mix accented letters with ASCII ones; Arabic bytes read
    as Latin-1 or cp1252 make whole words of accented letters and symbols (``ÇáãÛÑÈ``).
    """
    foreign = 0
    all_high = 0
    for word in _WORD.findall(text[:_SAMPLE]):
        if not word.isascii():
            foreign += 1
            if _ALL_HIGH.fullmatch(word):
                all_high += 1
    return all_high >= 1 and all_high * 2 >= foreign


def looks_arabic(text: str) -> bool:
    """True when text decoded as windows-1256 reads as Arabic, not as Latin with holes.

    Spanish or French read as windows-1256 also yields Arabic letters (ó, á, ñ become
    Arabic), but scattered inside Latin words; real Arabic makes whole words of them.
    """
    sample = text[:_SAMPLE]
    arabic_words = mixed = 0
    for word in _WORD.findall(sample):
        if _ARABIC.search(word):
            arabic_words += 1
            if _ASCII_LETTER.search(word):
                mixed += 1
    if not arabic_words or mixed * 5 > arabic_words:
        return False
    non_ascii = len(sample) - len(sample.encode("ascii", "ignore"))
    neutral = len(sample) - len(_NEUTRAL.sub("", sample))
    arabic = len(sample) - len(_ARABIC.sub("", sample))
    return arabic >= 0.8 * (non_ascii - neutral)


def _acceptable(body: bytes, codec: str) -> str | None:
    """The strict decoding of ``body`` under ``codec`` if it is believable, else None."""
    if codec.startswith(("utf_16", "utf_32")) and b"\x00" not in body:
        return None  # markup in UTF-16/32 always contains zero bytes
    try:
        text = _utf8(body) if codec == "utf_8" else body.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None
    if text is None:
        return None
    if codec != "utf_8" and _is_utf8_with_non_ascii(body):
        return None  # valid multi-byte UTF-8 is never an accident: the label is wrong
    if codec in _LATIN_CODECS and looks_like_latin_mojibake(text):
        return None
    return text


def _utf32_without_bom(body: bytes) -> str | None:
    """UTF-32 without a byte-order mark, told by its zero bytes: a document starts with ASCII
    (``<``, white space), which UTF-32 writes as one byte and three zeros (XML 1.0, F.1)."""
    head = body[:8]
    if len(head) < 8:
        return None
    if head[1:4] == head[5:8] == b"\0\0\0" and head[0] and head[4]:
        return "utf_32_le"
    if head[0:3] == head[4:7] == b"\0\0\0" and head[3] and head[7]:
        return "utf_32_be"
    return None


def decode_document(body: bytes, content_type: str | None) -> tuple[str, str]:
    """Decode a fetched document; returns the text and the name of the encoding used.

    Order: byte-order mark; declared charsets (HTTP header, XML declaration, meta tag)
    when they decode strictly into believable text; strict UTF-8; windows-1256 when the
    result reads as Arabic; windows-1252 when it reads as Latin (the languages of our
    sources); charset-normalizer's best guess; windows-1256 with replacement characters
    as the last resort.
    """
    for bom, codec in _BOMS:
        if body.startswith(bom):
            return body[len(bom) :].decode(codec, errors="replace"), friendly_name(codec)
    wide = _utf32_without_bom(body)
    if wide is not None:
        return body.decode(wide, errors="replace"), friendly_name(wide)
    for pattern, codec in _UTF16_XML:
        if body.startswith(pattern):
            return body.decode(codec, errors="replace"), friendly_name(codec)
    for label in declared_charsets(body, content_type):
        declared = _codec(label)
        if declared is None:
            continue
        text = _acceptable(body, declared)
        if text is not None:
            return text, friendly_name(declared)
    text = _utf8(body)
    if text is not None:
        return text, "utf-8"
    arabic = body.decode("cp1256", errors="replace")
    if looks_arabic(arabic):
        return arabic, "windows-1256"
    latin = _acceptable(body, "cp1252")  # French, Spanish, English sources
    if latin is not None:
        return latin, "windows-1252"
    best = from_bytes(body).best()
    if best is not None:
        guessed = _codec(best.encoding)
        if guessed is not None:
            text = _acceptable(body, guessed)
            if text is not None:
                return text, friendly_name(guessed)
    return arabic, "windows-1256"

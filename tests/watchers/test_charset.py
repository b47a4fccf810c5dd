"""Decoding: Arabic must come out as Arabic whatever the server claims."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from marsad.watchers.charset import decode_document, looks_like_latin_mojibake

ARABIC = (
    "أعلنت المديرية العامة للأمن الوطني، صباح الثلاثاء، عن تفكيك شبكة تنشط في تهريب "
    "المخدرات، وذلك بتنسيق وثيق مع الشرطة الإسبانية."
)
FRENCH = "Le ministre a été reçu à Rabat, où il a évoqué la coopération sécuritaire régionale."


def _xml(text: str, declaration: str = '<?xml version="1.0"?>') -> str:
    return f'{declaration}\n<rss version="2.0"><channel><title>{text}</title></channel></rss>'


@pytest.mark.parametrize(
    ("document", "encoding", "content_type", "expected_encoding"),
    [
        # honest declarations
        (_xml(ARABIC), "utf-8", "application/rss+xml; charset=utf-8", "utf-8"),
        (_xml(ARABIC), "cp1256", "text/xml; charset=windows-1256", "windows-1256"),
        (
            _xml(ARABIC, '<?xml version="1.0" encoding="windows-1256"?>'),
            "cp1256",
            None,
            "windows-1256",
        ),
        # windows-1256 with no declaration anywhere
        (_xml(ARABIC), "cp1256", None, "windows-1256"),
        (_xml(ARABIC), "cp1256", "text/xml", "windows-1256"),
        # windows-1256 mis-declared in the header
        (_xml(ARABIC), "cp1256", "text/xml; charset=utf-8", "windows-1256"),
        (_xml(ARABIC), "cp1256", "text/xml; charset=ISO-8859-1", "windows-1256"),
        (_xml(ARABIC), "cp1256", "text/xml; charset=windows-1252", "windows-1256"),
        (_xml(ARABIC), "cp1256", "text/xml; charset=us-ascii", "windows-1256"),
        (_xml(ARABIC), "cp1256", "text/xml; charset=bogus-charset", "windows-1256"),
        # ... and in the XML declaration
        (_xml(ARABIC, '<?xml version="1.0" encoding="UTF-8"?>'), "cp1256", None, "windows-1256"),
        (
            _xml(ARABIC, '<?xml version="1.0" encoding="iso-8859-1"?>'),
            "cp1256",
            None,
            "windows-1256",
        ),
        (
            _xml(ARABIC, '<?xml version="1.0" encoding="iso-8859-1"?>'),
            "cp1256",
            "text/xml; charset=utf-8",
            "windows-1256",
        ),
        # UTF-8 mis-declared as a single-byte charset
        (_xml(ARABIC), "utf-8", "text/xml; charset=windows-1256", "utf-8"),
        (_xml(ARABIC), "utf-8", "text/xml; charset=iso-8859-1", "utf-8"),
        (_xml(ARABIC, '<?xml version="1.0" encoding="windows-1256"?>'), "utf-8", None, "utf-8"),
        # HTML meta charset
        (
            f'<html><head><meta charset="windows-1256"></head><body>{ARABIC}</body></html>',
            "cp1256",
            None,
            "windows-1256",
        ),
        (
            f'<html><head><meta charset="utf-8"></head><body>{ARABIC}</body></html>',
            "cp1256",
            "text/html",
            "windows-1256",
        ),
        # Latin text that is really Latin stays as declared
        (_xml(FRENCH), "cp1252", "text/xml; charset=iso-8859-1", "iso-8859-1"),
        (_xml(FRENCH), "cp1252", "text/xml; charset=windows-1252", "windows-1252"),
        (_xml(FRENCH), "utf-8", None, "utf-8"),
        # pure ASCII
        (_xml("Security cooperation"), "ascii", "text/xml; charset=iso-8859-1", "iso-8859-1"),
    ],
)
def test_decode(
    document: str, encoding: str, content_type: str | None, expected_encoding: str
) -> None:
    text, used = decode_document(document.encode(encoding), content_type)
    assert text == document
    assert used == expected_encoding


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-8-sig"])
@pytest.mark.parametrize(
    "content_type", [None, "text/xml; charset=iso-8859-1", "text/xml; charset=utf-8"]
)
def test_byte_order_mark_wins(encoding: str, content_type: str | None) -> None:
    document = _xml(ARABIC, '<?xml version="1.0" encoding="utf-16"?>')
    body = document.encode(encoding)
    if encoding in ("utf-16-le", "utf-16-be"):
        body = "\ufeff".encode(encoding) + body
    text, _ = decode_document(body, content_type)
    assert text == document


def test_utf16_without_bom_is_recognised_by_its_declaration() -> None:
    document = _xml(ARABIC, '<?xml version="1.0" encoding="utf-16"?>')
    assert decode_document(document.encode("utf-16-le"), None)[0] == document


@pytest.mark.parametrize("encoding", ["utf-32-le", "utf-32-be"])
@pytest.mark.parametrize("declaration", ['<?xml version="1.0" encoding="utf-32"?>', ""])
def test_utf32_without_bom_is_recognised_by_its_zero_bytes(encoding: str, declaration: str) -> None:
    """feedparser's own test corpus has such feeds; they were refused as "not a feed"."""
    document = _xml(ARABIC, declaration)
    text, used = decode_document(document.encode(encoding), "application/rss+xml")
    assert (text, used) == (document, encoding)


def test_french_without_declaration_is_not_read_as_arabic() -> None:
    text, used = decode_document(_xml(FRENCH).encode("cp1252"), None)
    assert "coopération sécuritaire" in text
    assert used != "windows-1256"


@pytest.mark.parametrize(
    ("text", "mojibake"),
    [
        (ARABIC.encode("cp1256").decode("latin-1"), True),
        (ARABIC.encode("cp1256").decode("cp1252", errors="replace"), True),
        ("في".encode("cp1256").decode("latin-1"), True),
        (FRENCH, False),
        ("Ça va à Fès ? Où ? Là-bas, déjà.", False),
        ("España y Marruecos refuerzan su cooperación policial", False),
        ("plain ascii", False),
    ],
)
def test_latin_mojibake_detector(text: str, mojibake: bool) -> None:
    assert looks_like_latin_mojibake(text) is mojibake


_ARABIC_WORDS = st.sampled_from(
    [
        "المغرب",
        "إسبانيا",
        "تعاون",
        "أمني",
        "في",
        "من",
        "الشرطة",
        "وزير",
        "الداخلية",
        "،",
        "2025",
        "قال",
    ]
)


@given(
    words=st.lists(_ARABIC_WORDS, min_size=1, max_size=30),
    content_type=st.sampled_from(
        [
            None,
            "text/xml",
            "text/xml; charset=utf-8",
            "text/xml; charset=iso-8859-1",
            "text/html; charset=windows-1252",
        ]
    ),
)
def test_any_arabic_windows_1256_survives_any_wrong_label(
    words: list[str], content_type: str | None
) -> None:
    document = _xml(" ".join(words))
    if not any(len(w) >= 2 and not w.isascii() for w in words):
        return  # nothing Arabic to decide on
    assert decode_document(document.encode("cp1256"), content_type)[0] == document


@given(
    text=st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\x00"), min_size=1),
    label=st.sampled_from(
        [
            None,
            "utf-8",
            "iso-8859-1",
            "windows-1252",
            "windows-1256",
            "utf-16",
            "us-ascii",
            "koi8-r",
        ]
    ),
)
def test_utf8_always_survives_any_label(text: str, label: str | None) -> None:
    content_type = f"text/xml; charset={label}" if label else None
    assert decode_document(text.encode("utf-8"), content_type)[0] == text


SPANISH = (
    "La cooperación policial entre España y Marruecos se reforzó según el ministro del Interior."
)


@pytest.mark.parametrize(
    ("document", "encoding"),
    [
        (_xml(SPANISH), "cp1252"),
        (_xml(FRENCH), "cp1252"),
        (_xml("«اتفاق» أمني جديد بين البلدين… «تنسيق» و“تعاون”"), "cp1256"),
        (_xml("بلاغ: ٣ موقوفين"), "utf-8"),
    ],
)
def test_undeclared_documents_keep_their_script(document: str, encoding: str) -> None:
    assert decode_document(document.encode(encoding), None)[0] == document


_LATIN_WORDS = st.sampled_from(
    [
        *("coopération", "sécurité", "Maroc", "España", "policía", "ministre", "reunión", "à"),
        *("où", "Interior", "según", "déjà", "«", "»", "–", "año", "Fès", "2025", "Açores", "niño"),
    ]
)


@given(words=st.lists(_LATIN_WORDS, min_size=1, max_size=30))
def test_any_undeclared_latin_windows_1252_stays_latin(words: list[str]) -> None:
    document = _xml(" ".join(words))
    assert decode_document(document.encode("cp1252"), None)[0] == document

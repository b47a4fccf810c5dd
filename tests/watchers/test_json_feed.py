"""JSON Feed 1.0 and 1.1: read like RSS and Atom, from documents we wrote, and through `marsad poll`."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from marsad.watchers.feeds import Reader, parse_feed
from marsad.watchers.items import make_item
from tests.cli import marsad
from tests.httpserver import HTTPTestServer, Response

URL = "https://akhbar.example.ma/feed.json"
FEED_JSON = {"Content-Type": "application/feed+json; charset=utf-8"}
VISIT = "حموشي يستقبل المدير العام للشرطة الوطنية الإسبانية"
TALKS = "بوريطة يجري مباحثات مع نظيره البرتغالي"

VERSION_1 = {
    "version": "https://jsonfeed.org/version/1",
    "title": "أخبار 1.0",
    "author": {"name": "هيئة التحرير"},  # the feed's author, for items without one
    "items": [
        {
            "id": 1001,  # 1.0 feeds in the wild use numbers
            "url": "/ar/1001-visit",
            "title": VISIT,
            "content_html": "<p>استقبل المدير العام <b>للأمن الوطني</b> نظيره الإسباني.</p>",
            "date_published": "2026-11-21T10:00:00+01:00",
            "author": {"name": "مراسل الرباط", "url": "https://akhbar.example.ma/u/1"},
        },
        {
            "id": "1002",
            "url": "https://akhbar.example.ma/ar/1002-talks",
            "content_text": TALKS + ". وتناولت المباحثات التعاون الثنائي.",
            "date_modified": "2026-11-21T11:30:00Z",  # no date_published: the modified date
        },
    ],
}
VERSION_1_1 = {
    "version": "https://jsonfeed.org/version/1.1",
    "title": "Actualités 1.1",
    "language": "fr-MA",
    "authors": [{"name": "Rédaction"}],
    "items": [
        {
            "id": "https://akhbar.example.ma/fr/visite",
            "title": "Visite à Madrid",
            "summary": "Le DGSN reçu à Madrid",
            "content_text": "Le directeur général a été reçu à Madrid.",
            "content_html": "<p>Le directeur général a été reçu à Madrid par son homologue.</p>",
            "date_published": "2026-11-22T08:00:00+01:00",
            "authors": [{"name": "A. Benali"}, {"name": "S. Idrissi"}, {"url": "https://x"}],
            "language": "fr",
        },
        {"id": "no-date", "title": "Sans date", "content_text": "Texte"},
        "not an item",
    ],
}


@pytest.mark.parametrize(
    ("document", "headers", "expected"),
    [
        (
            VERSION_1,
            FEED_JSON,
            [
                (
                    "guid:example.ma/1001",
                    "https://akhbar.example.ma/ar/1001-visit",
                    VISIT,
                    "استقبل المدير العام للأمن الوطني نظيره الإسباني.",
                    datetime(2026, 11, 21, 9, tzinfo=UTC),
                    "مراسل الرباط",
                ),
                (
                    "guid:example.ma/1002",
                    "https://akhbar.example.ma/ar/1002-talks",
                    TALKS + ".",
                    TALKS + ". وتناولت المباحثات التعاون الثنائي.",
                    datetime(2026, 11, 21, 11, 30, tzinfo=UTC),
                    "هيئة التحرير",
                ),
            ],
        ),
        (
            VERSION_1_1,
            {"Content-Type": "application/json"},
            [
                (
                    "url:https://akhbar.example.ma/fr/visite",
                    "https://akhbar.example.ma/fr/visite",
                    "Visite à Madrid",
                    "Le directeur général a été reçu à Madrid par son homologue.",
                    datetime(2026, 11, 22, 7, tzinfo=UTC),
                    "A. Benali, S. Idrissi",
                ),
                ("guid:example.ma/no-date", URL, "Sans date", "Texte", None, "Rédaction"),
            ],
        ),
    ],
    ids=["version-1.0", "version-1.1"],
)
def test_json_feeds_of_both_versions_become_items(
    document: dict[str, Any], headers: dict[str, str], expected: list[tuple[Any, ...]]
) -> None:
    parsed = parse_feed(json.dumps(document).encode(), headers, URL)
    assert parsed.is_feed and parsed.error is None and parsed.reader is Reader.JSON
    assert parsed.title == document["title"]
    fetched = datetime(2026, 11, 22, 12, tzinfo=UTC)
    got = []
    for entry in parsed.entries:
        draft = make_item(entry, URL, fetched)
        published = None if draft.date_missing else draft.published
        got.append((draft.key, draft.url, draft.title, draft.text, published, entry.author))
    assert got == expected


@pytest.mark.parametrize(
    ("body", "headers", "error_part"),
    [
        (b'{"version": "https://jsonfeed.org/version/1.1", "items": [', {}, "malformed JSON"),
        (b'{"title": "x", "items": []}', {}, "JSON that is not a JSON Feed"),
        (b'{"version": "2.0", "items": []}', {}, "JSON that is not a JSON Feed"),
        (b'{"version": "https://example.com/jsonfeed.org/", "items": []}', {}, "not a JSON Feed"),
        (b"[" * 100_000 + b"]" * 100_000, {"Content-Type": "application/json"}, "too deeply"),
        (b'["https://jsonfeed.org/version/1"]', {"Content-Type": "application/json"}, "not a JSON"),
        (b"<html><body>502</body></html>", {"Content-Type": "application/feed+json"}, "HTML page"),
    ],
    ids=["truncated", "no-version", "other-version", "fake-version", "deep", "list", "html"],
)
def test_broken_json_or_json_that_is_no_feed_is_a_clear_error(
    body: bytes, headers: dict[str, str], error_part: str
) -> None:
    parsed = parse_feed(body, headers, URL)
    assert not parsed.is_feed and parsed.entries == ()
    assert parsed.error is not None and error_part in parsed.error


def test_a_json_feed_without_items_is_a_feed_with_a_clear_problem() -> None:
    body = b'\xef\xbb\xbf  {"version": "https://jsonfeed.org/version/1.1", "title": "t"}'
    parsed = parse_feed(body, {"Content-Type": "text/plain"}, URL)  # sniffed: a JSON object
    assert parsed.is_feed and parsed.entries == ()
    assert parsed.error == "JSON Feed without an items list"


def test_marsad_poll_reads_a_json_feed_then_a_304(
    tmp_path: Path, http_server: HTTPTestServer
) -> None:
    http_server.route(
        "/feed.json", Response(body=json.dumps(VERSION_1_1), headers=FEED_JSON, etag='"j1"')
    )
    config = tmp_path / "config.toml"
    config.write_text(
        f'[database]\nurl = "sqlite:///marsad.db"\n[[sources]]\nname = "Akhbar"\n'
        f'url = "{http_server.url("/feed.json")}"\n',
        encoding="utf-8",
    )
    first = marsad("poll", "--json", "--config", str(config), cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    items = [json.loads(line) for line in first.stdout.splitlines()]
    assert [(i["title"], i["url"], i["backlog"]) for i in items] == [
        ("Visite à Madrid", "https://akhbar.example.ma/fr/visite", True),
        ("Sans date", http_server.url("/feed.json"), True),
    ]
    assert "Akhbar: 2 new of 2 (first poll: backlog, not alerted)" in first.stderr
    second = marsad("poll", "--json", "--config", str(config), cwd=tmp_path)
    assert second.stdout == "" and "Akhbar: not modified" in second.stderr
    assert http_server.requests_to("/feed.json")[-1].headers["if-none-match"] == '"j1"'

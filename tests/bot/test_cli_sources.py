"""`marsad sources` as an operator runs it: list, disable and enable, OPML import and export."""

from __future__ import annotations

import contextlib
import io
import json
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from xml.etree import ElementTree as ET

import listparser
import pytest
from sqlmodel import Session, select

from marsad.bot.cli import main
from marsad.config import SourceConfig
from marsad.store.engine import open_store
from marsad.store.sources import sync_sources
from marsad.store.tables import Source, SourceOrigin, Worker
from tests.cli import marsad
from tests.httpserver import HTTPTestServer, Response

FEED_TYPE = {"Content-Type": "application/rss+xml; charset=utf-8"}
FEED = (
    "<rss version='2.0'><channel><title>t</title><item><title>حموشي في مدريد</title>"
    "<link>https://news.example/1</link><guid isPermaLink='false'>1</guid>"
    "<pubDate>Sat, 21 Nov 2026 10:00:00 +0100</pubDate></item></channel></rss>"
).encode()


def write_config(
    folder: Path, server: HTTPTestServer, *, broken: bool = True, db: str = ""
) -> Path:
    path = folder / "config.toml"
    sources = f'[[sources]]\nname = "Alpha"\nurl = "{server.url("/alpha")}"\n'
    if broken:
        sources += f'[[sources]]\nname = "Broken"\nurl = "{server.url("/broken")}"\n'
    database = db or "sqlite:///marsad.db"
    path.write_text(
        f'[database]\nurl = "{database}"\n[polling]\ninterval = "5m"\ntimeout = "3s"\n{sources}',
        encoding="utf-8",
    )
    return path


def listed(config: Path) -> dict[str, dict[str, object]]:
    """`marsad sources list --json`, by name; run in this process (the checks of state between
    the commands under test would otherwise double the test's time in interpreter start-ups)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["sources", "list", "--json", "--config", str(config)]) == 0
    return {row["name"]: row for row in map(json.loads, out.getvalue().splitlines())}


def test_list_after_a_poll_shows_polls_errors_and_dropped_sources(
    tmp_path: Path, http_server: HTTPTestServer
) -> None:
    http_server.route("/alpha", Response(body=FEED, headers=FEED_TYPE))
    http_server.route("/broken", Response(status=404))
    config = write_config(tmp_path, http_server)
    assert marsad("poll", "--config", str(config), cwd=tmp_path).returncode == 1

    rows = listed(config)
    alpha, broken = rows["Alpha"], rows["Broken"]
    assert (alpha["origin"], alpha["kind"], alpha["standing"]) == ("config", "feed", "configured")
    assert (alpha["state"], alpha["failures"], alpha["last_error"]) == ("ok", 0, None)
    assert alpha["url"] == http_server.url("/alpha")
    # times in the configured timezone (Africa/Casablanca, +01:00), with the offset
    for key in ("last_poll", "last_success", "next_poll"):
        assert str(alpha[key]).endswith("+01:00"), alpha
    last_poll = datetime.fromisoformat(str(alpha["last_poll"]))
    assert datetime.fromisoformat(str(alpha["next_poll"])) > last_poll
    assert (broken["state"], broken["failures"], broken["last_error"]) == (
        "failing",
        1,
        "HTTP 404 Not Found",
    )
    assert broken["last_success"] is None and broken["next_poll"] is not None
    assert alpha["lease"] is None and alpha["disabled"] is None

    table = marsad("sources", "--config", str(config), cwd=tmp_path)
    assert table.returncode == 0, table.stderr
    assert table.stdout.splitlines()[0].split() == [
        "NAME", "ORIGIN", "KIND", "STATE", "LAST", "POLL", "LAST", "SUCCESS", "NEXT", "POLL",
        "FAILS",
    ]  # fmt: skip
    assert "last error: HTTP 404 Not Found" in table.stdout
    assert "times in Africa/Casablanca" in table.stdout
    assert last_poll.strftime("%Y-%m-%d %H:%M +01") in table.stdout

    # Broken leaves the configuration: its row stays, shown as such, and is not exported
    write_config(tmp_path, http_server, broken=False)
    broken = listed(config)["Broken"]
    assert (broken["standing"], broken["state"]) == ("no longer in the configuration", "not polled")
    assert broken["last_error"] == "HTTP 404 Not Found"
    table = marsad("sources", "--config", str(config), cwd=tmp_path)
    assert "no longer in the configuration" in table.stdout


def test_disable_stops_polls_enable_resumes_them_unknown_name_exits_2(
    tmp_path: Path, http_server: HTTPTestServer
) -> None:
    http_server.route("/alpha", Response(body=FEED, headers=FEED_TYPE))
    config = write_config(tmp_path, http_server, broken=False)

    # before any poll: the configured source is put in the store so it can be disabled
    off = marsad("sources", "disable", "Alpha", "--reason", "too noisy", "--config", str(config),
                 cwd=tmp_path)  # fmt: skip
    assert off.returncode == 0, off.stderr
    assert "disabled by the operator: too noisy" in off.stdout
    alpha = listed(config)["Alpha"]
    assert alpha["state"] == "disabled"
    disabled = alpha["disabled"]
    assert isinstance(disabled, dict)
    assert disabled["reason"] == "disabled by the operator: too noisy"
    assert str(disabled["since"]).endswith("+01:00")

    poll = marsad("poll", "--config", str(config), cwd=tmp_path)
    assert poll.returncode == 1
    assert "Alpha: disabled: disabled by the operator: too noisy" in poll.stderr
    assert http_server.requests_to("/alpha") == []

    on = marsad("sources", "enable", "Alpha", "--config", str(config), cwd=tmp_path)
    assert on.returncode == 0, on.stderr
    assert "enabled (it was disabled by the operator: too noisy)" in on.stdout
    assert listed(config)["Alpha"]["disabled"] is None
    poll = marsad("poll", "--config", str(config), cwd=tmp_path)
    assert poll.returncode == 0, poll.stderr
    assert len(http_server.requests_to("/alpha")) == 1

    typo = marsad("sources", "disable", "alpah", "--config", str(config), cwd=tmp_path)
    assert typo.returncode == 2
    assert "no source named 'alpah' (did you mean 'Alpha'?)" in typo.stderr
    assert listed(config)["Alpha"]["disabled"] is None


OPML = """\
<opml version="2.0">
  <head><title>reader export</title></head>
  <body>
    <outline text="المغرب">
      <outline text="هسبريس" type="rss" xmlUrl="https://hespress.example/feed?a=1&amp;b=2"/>
      <outline text="Deeper">
        <outline text="Alpha" title="Alpha" type="rss" xmlUrl="https://other.example/alpha.xml"/>
      </outline>
    </outline>
    <outline text="the configured Alpha again" type="rss" xmlUrl="{alpha}"/>
    <outline text="a site" htmlUrl="https://site.example/"/>
    <outline htmlUrl="https://nofeed.example/"/>
    <outline text="هسبريس twice" type="rss" xmlUrl="https://hespress.example/feed?a=1&amp;b=2"/>
    <outline text="mail" type="rss" xmlUrl="mailto:editor@news.example"/>
  </body>
</opml>
"""


def test_import_then_export_round_trips_through_listparser(
    tmp_path: Path, http_server: HTTPTestServer
) -> None:
    config = write_config(tmp_path, http_server, broken=False)
    opml = tmp_path / "reader.opml"
    # no XML declaration: UTF-8 by XML's default (listparser alone read it as Latin-1)
    opml.write_text(OPML.format(alpha=http_server.url("/alpha")), encoding="utf-8")

    result = marsad("sources", "import", str(opml), "--config", str(config), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "added    'هسبريس' https://hespress.example/feed?a=1&b=2" in out
    assert "added    'Alpha (2)' https://other.example/alpha.xml (the name 'Alpha' is taken)" in out
    assert f"skipped  {http_server.url('/alpha')}: already present as 'Alpha'" in out
    assert "https://nofeed.example/: a web page without a feed URL" in out
    assert "listed again in the same file" in out
    assert "mailto:editor@news.example (mail): not an http(s) URL" in out
    assert "site.example" not in out  # an outline with a text and no feed is a folder
    assert f"{opml}: 2 added, 4 skipped" in out

    before = listed(config)
    assert {name: row["origin"] for name, row in before.items()} == {
        "Alpha": "config",
        "Alpha (2)": "opml",
        "هسبريس": "opml",
    }
    assert before["هسبريس"]["standing"] == "imported"
    assert before["هسبريس"]["state"] == "never polled"

    exported = tmp_path / "out.opml"
    result = marsad("sources", "export", "-o", str(exported), "--config", str(config), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert f"3 feeds written to {exported}" in result.stderr
    root = ET.parse(exported).getroot()
    assert root.tag == "opml" and root.get("version") == "2.0"
    assert root.findtext("head/title") == "Marsad sources"
    created = parsedate_to_datetime(root.findtext("head/dateCreated") or "")
    assert abs(created - datetime.now(UTC)) < timedelta(hours=1)
    assert {outline.get("type") for outline in root.iter("outline")} == {"rss"}
    parsed = listparser.parse(exported.read_bytes())
    assert not parsed.bozo and parsed.version == "opml2"
    assert sorted((feed.title, feed.url) for feed in parsed.feeds) == [
        ("Alpha", http_server.url("/alpha")),
        ("Alpha (2)", "https://other.example/alpha.xml"),
        ("هسبريس", "https://hespress.example/feed?a=1&b=2"),
    ]

    again = marsad("sources", "import", str(exported), "--config", str(config), cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert f"{exported}: 0 added, 3 skipped" in again.stdout
    assert listed(config) == before

    # a disabled source is not exported
    marsad("sources", "disable", "Alpha (2)", "--config", str(config), cwd=tmp_path)
    result = marsad("sources", "export", "--config", str(config), cwd=tmp_path)
    assert [f.title for f in listparser.parse(result.stdout.encode()).feeds] == ["Alpha", "هسبريس"]


def test_an_imported_feed_is_polled_like_a_configured_one(
    tmp_path: Path, http_server: HTTPTestServer
) -> None:
    http_server.route("/alpha", Response(body=FEED, headers=FEED_TYPE))
    http_server.route("/beta", Response(status=500))
    config = write_config(tmp_path, http_server, broken=False)
    opml = tmp_path / "beta.opml"
    opml.write_text(
        f'<opml version="2.0"><body><outline text="Beta" xmlUrl="{http_server.url("/beta")}"/>'
        "</body></opml>",
        encoding="utf-8",
    )
    result = marsad("sources", "import", str(opml), "--config", str(config), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    poll = marsad("poll", "--config", str(config), cwd=tmp_path)
    assert poll.returncode == 1
    assert "Beta: failed: HTTP 500" in poll.stderr
    assert len(http_server.requests_to("/beta")) == 1
    beta = listed(config)["Beta"]
    assert (beta["origin"], beta["state"], beta["failures"]) == ("opml", "failing", 1)
    assert beta["next_poll"] is not None


@pytest.mark.parametrize(
    ("content", "complaint"),
    [
        ('<opml version="2.0"><body><outline text="a" xmlUrl="https://a.example/"', ":1:"),
        ('<opml version="2.0"><body><outline text="folder"/></body></opml>', "lists no feed"),
        ("<rss version='2.0'><channel/></rss>", "not an OPML file"),
    ],
)
def test_an_unreadable_opml_file_exits_2_naming_it_and_writes_nothing(
    tmp_path: Path, http_server: HTTPTestServer, content: str, complaint: str
) -> None:
    config = write_config(tmp_path, http_server, broken=False)
    opml = tmp_path / "broken.opml"
    opml.write_text(content, encoding="utf-8")
    result = marsad("sources", "import", str(opml), "--config", str(config), cwd=tmp_path)
    assert result.returncode == 2
    assert f"marsad: {opml}" in result.stderr and complaint in result.stderr
    assert "Traceback" not in result.stderr
    assert list(listed(config)) == ["Alpha"]
    assert listed(config)["Alpha"]["standing"] == "configured, not yet in the store"


def test_sync_leaves_imported_sources_alone_unless_the_configuration_names_one(
    sqlite_url: str,
) -> None:
    engine = open_store(sqlite_url)
    try:
        with Session(engine, expire_on_commit=False) as s:
            s.add(Source(name="Imported", config_url="https://i.example/", url="https://i.example/",
                         kind="feed", origin=SourceOrigin.OPML.value, consecutive_failures=3))  # fmt: skip
            s.add(Source(name="Taken", config_url="https://t.example/", url="https://t.example/",
                         kind="feed", origin=SourceOrigin.OPML.value, consecutive_failures=2))  # fmt: skip
            s.commit()
            rows = sync_sources(
                s,
                [
                    SourceConfig(name="Configured", url="https://c.example/"),
                    SourceConfig(name="Taken", url="https://t.example/"),
                ],
            )
            assert set(rows) == {"Configured", "Taken"}
            stored = {row.name: row for row in s.exec(select(Source)).all()}
        assert stored["Imported"].origin == "opml" and stored["Imported"].consecutive_failures == 3
        assert stored["Configured"].origin == "config"
        # taken over by the configuration, same URL: its fetch state is kept
        assert stored["Taken"].origin == "config" and stored["Taken"].consecutive_failures == 2
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_list_on_postgresql_names_the_process_holding_a_lease(
    tmp_path: Path, http_server: HTTPTestServer, postgres_url: str
) -> None:
    config = write_config(tmp_path, http_server, db=postgres_url)
    opml = tmp_path / "one.opml"
    opml.write_text(
        '<opml version="2.0"><body><outline text="Beta" xmlUrl="https://beta.example/rss"/>'
        "</body></opml>",
        encoding="utf-8",
    )
    result = marsad("sources", "import", str(opml), "--config", str(config), cwd=tmp_path)
    assert result.returncode == 0, result.stderr

    now = datetime.now(UTC)
    engine = open_store(postgres_url)
    try:
        with Session(engine) as s:
            s.add(Worker(id="ab" * 16, host="watcher-7", pid=4242, roles="watcher",
                         started_at=now, heartbeat_at=now))  # fmt: skip
            beta = s.exec(select(Source).where(Source.name == "Beta")).one()
            beta.lease_owner, beta.lease_until = "ab" * 16, now + timedelta(minutes=2)
            broken = s.exec(select(Source).where(Source.name == "Broken")).one()
            # a lease that ran out is no one's
            broken.lease_owner, broken.lease_until = "ab" * 16, now - timedelta(seconds=1)
            s.commit()
    finally:
        engine.dispose()

    rows = listed(config)
    assert set(rows) == {"Alpha", "Beta", "Broken"}
    lease = rows["Beta"]["lease"]
    assert isinstance(lease, dict)
    assert (lease["worker"], lease["host"], lease["pid"]) == ("ab" * 16, "watcher-7", 4242)
    assert str(lease["until"]).endswith("+01:00")
    assert (rows["Beta"]["state"], rows["Beta"]["origin"]) == ("polling", "opml")
    assert rows["Broken"]["lease"] is None
    table = marsad("sources", "--config", str(config), cwd=tmp_path)
    assert "being polled by pid 4242 on watcher-7 (worker abababab)" in table.stdout

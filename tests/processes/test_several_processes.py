"""Several `marsad run` processes on one PostgreSQL database (issue 14), as an operator runs them:
real processes started with ``--role``, local feeds, the fake Bot API, ``kill -9``.

- Two watchers and a bot+sender, and three ``all``: every item is stored once, every story is
  alerted once per subscribed chat, and each process's ``/metrics`` adds up to the database.
- A watcher killed in the middle of a poll: its sources are polled again by the other within
  one lease, and nothing is stored twice.
- The bot leader killed: the other bot process answers a command within the lease, Telegram
  sees no overlapping ``getUpdates`` (no 409), and no alert is lost or doubled.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.fakebot import FakeTelegram, Sent, visible_text
from tests.httpserver import HTTPTestServer
from tests.processes.cluster import Cluster, Node, wait_until
from tests.processes.database import Database, ItemRow, process_with_port
from tests.processes.feeds import ENTITIES, Entry, Feeds, news
from tests.service import telegram_section

pytestmark = pytest.mark.postgres

LEASE = timedelta(seconds=10)
INTERVAL = timedelta(seconds=2)
CLAIM_SLACK = timedelta(seconds=5)
"""How late after a lease runs out a live watcher may claim the source: its next look for due
sources (a second when idle) plus scheduling on a busy two-core machine (the whole suite and
benches running beside it: 3 s was once not enough)."""

# The metrics counted against the feeds and the database (marsad/metrics.py).
POLLS = "marsad_polls_total"
FETCHES = "marsad_fetches_total"
ITEMS = "marsad_items_stored_total"
ALERTS_QUEUED = "marsad_alerts_queued_total"
SENT = "marsad_sent_total"
LEADER = "marsad_telegram_leader"
REACHED = ("new", "no-new", "not-modified", "failed")
"""Poll outcomes that asked the source (``waiting`` and ``disabled`` polls do not)."""

# Six private chats: chat k follows the k-th person, and the last one follows two of them, so
# each item fires one or two chats.
CHATS: dict[int, tuple[str, ...]] = {
    **{9100 + k: (entity,) for k, entity in enumerate(ENTITIES)},
    9199: (ENTITIES[0], ENTITIES[1]),
}


def config_text(database_url: str, feeds: Feeds, fake: FakeTelegram) -> str:
    return (
        f'[database]\nurl = "{database_url}"\n'
        f"{telegram_section(fake.base_url)}"
        f'[polling]\ninterval = "{INTERVAL.seconds}s"\ntimeout = "20s"\n'
        f'[service]\nlease = "{LEASE.seconds}s"\n'
        f"{feeds.sources_toml()}"
    )


def wait_first_polls(db: Database, feeds: Feeds, timeout: float = 60) -> None:
    """Every feed's first poll (its backlog, never alerted) is stored."""

    def done() -> bool:
        if not db.has_table("sources"):
            return False
        rows = db.sources()
        return all(name in rows and rows[name].first_polled_at for name in feeds.names)

    wait_until(done, timeout, "every feed's first poll is stored")


def publish_news(feeds: Feeds, names: Sequence[str], start: int = 0) -> list[Entry]:
    """One new event on each feed of ``names``; the n-th feed's names the (start+n)-th person."""
    published = datetime.now(UTC) - timedelta(minutes=5)
    entries = []
    for offset, name in enumerate(names):
        n = start + offset
        entry = news(n // len(ENTITIES), name, ENTITIES[n % len(ENTITIES)], published)
        feeds.publish(name, entry)
        entries.append(entry)
    return entries


def expected_alerts(
    items: Iterable[ItemRow], entries: Iterable[Entry], chats: Mapping[int, tuple[str, ...]]
) -> set[tuple[int, int]]:
    """(chat, story) for every stored new item whose person a chat follows."""
    entity_of = {entry.title: entry.entity for entry in entries if entry.entity}
    pairs = set()
    for item in items:
        entity = entity_of.get(item.title)
        if entity is None or item.backlog:
            continue
        assert item.story_id is not None, f"{item.title} has no story"
        pairs |= {(chat, item.story_id) for chat, follows in chats.items() if entity in follows}
    return pairs


def alerts_shown(
    fake: FakeTelegram, items: Iterable[ItemRow], chats: Iterable[int]
) -> Counter[tuple[int, int]]:
    """(chat, story) of every alert the fake Telegram received (by the title it shows; other
    messages, answers to commands, are left out)."""
    story_of = {item.title: item.story_id for item in items if not item.backlog}
    shown: Counter[tuple[int, int]] = Counter()
    wanted = set(chats)
    for sent in list(fake.sent):
        if sent.chat_id not in wanted:
            continue
        text = visible_text(sent.text) if sent.parse_mode == "HTML" else sent.text
        stories = {story for title, story in story_of.items() if title in text and story}
        if not stories:
            continue  # an answer to a command
        assert len(stories) == 1, f"chat {sent.chat_id} got an alert of several stories: {text}"
        shown[(sent.chat_id, stories.pop())] += 1
    return shown


def sent_alerts(db: Database) -> set[tuple[int, int]]:
    return {(row.chat_id, row.story_id or 0) for row in db.outbox("alert") if row.state == "sent"}


def assert_stored_once(db: Database, feeds: Feeds) -> None:
    items = db.items()
    keys = Counter((item.source, item.key) for item in items)
    assert [key for key, n in keys.items() if n > 1] == []
    titles = Counter((item.source, item.title) for item in items)
    published = Counter((name, e.title) for name, entries in feeds.entries.items() for e in entries)
    assert titles == published  # every entry of every feed, once


def assert_alerted_once(
    db: Database, fake: FakeTelegram, entries: Iterable[Entry], chats: Mapping[int, tuple[str, ...]]
) -> None:
    items = db.items()
    expected = expected_alerts(items, entries, chats)
    assert expected, "no item fired a subscription"
    alerts = db.outbox("alert")
    rows = Counter((row.chat_id, row.story_id or 0) for row in alerts)
    assert rows == Counter(expected), "outbox alerts are not one per (chat, story)"
    assert {row.state for row in alerts} == {"sent"}
    shown = alerts_shown(fake, items, chats)
    assert shown == Counter(expected), "Telegram did not get one alert per (chat, story)"


def print_shared_stories(items: Iterable[ItemRow]) -> None:
    """Stories of several new items (distinct events told alike may share one), for the record."""
    titles: dict[int, list[str]] = {}
    for item in items:
        if not item.backlog and item.story_id is not None:
            titles.setdefault(item.story_id, []).append(item.title)
    for story, shared in sorted(titles.items()):
        if len(shared) > 1:
            print(f"story {story}: " + " | ".join(shared))


def worker_ids(db: Database, nodes: Iterable[Node]) -> dict[str, str]:
    """Each process's registered worker id, by process name."""
    ids: dict[str, str] = {}
    for node in nodes:

        def registered(node: Node = node) -> bool:
            assert node.running(), f"{node.name} exited early:\n{node.tail()}"
            return db.worker_id(node.pid) is not None

        wait_until(registered, 30, f"{node.name} registers")
        ids[node.name] = db.worker_id(node.pid) or ""
    return ids


# ------------------------------------------------------------------ 1. shared work, counted once
@pytest.mark.parametrize(
    "roles",
    [("watcher", "watcher", "bot,sender"), ("all", "all", "all")],
    ids=["two-watchers-one-bot-sender", "three-all"],
)
def test_every_item_is_stored_once_and_every_story_alerted_once_per_chat(
    tmp_path: Path,
    postgres_url: str,
    http_server: HTTPTestServer,
    fake_telegram: FakeTelegram,
    roles: tuple[str, ...],
) -> None:
    db = Database(postgres_url)
    feeds = Feeds(http_server, tuple(f"outlet{n:02}" for n in range(20)))
    config = config_text(postgres_url, feeds, fake_telegram)
    with Cluster(tmp_path, config, token=fake_telegram.token) as cluster:
        nodes = [cluster.start(role) for role in roles]  # together, on an empty database
        ids = worker_ids(db, nodes)
        assert len(set(ids.values())) == len(nodes)
        wait_first_polls(db, feeds)
        db.subscribe(CHATS)

        entries = publish_news(feeds, feeds.names)
        total = len(feeds.all_entries())
        wait_until(lambda: db.count_items() >= total, 60, f"{total} items stored")
        expected = expected_alerts(db.items(), entries, CHATS)
        wait_until(
            lambda: sent_alerts(db) >= expected and db.open_outbox() == 0,
            60,
            f"{len(expected)} alerts sent",
        )
        # Another round of polls of every feed (304s): nothing more is stored or sent.
        mark = {name: feeds.requests(name) for name in feeds.names}
        wait_until(
            lambda: all(feeds.requests(name) >= mark[name] + 1 for name in feeds.names),
            30,
            "another poll of every feed",
        )
        wait_until(lambda: db.open_outbox() == 0, 30, "the outbox drained")

        assert_stored_once(db, feeds)
        print_shared_stories(db.items())
        assert_alerted_once(db, fake_telegram, entries, CHATS)
        to_chats = [sent for sent in fake_telegram.sent if sent.chat_id in CHATS]
        assert len(to_chats) == len(expected)  # nothing but the alerts
        assert fake_telegram.refused == []

        cluster.wait_serving()
        # /metrics of each process adds up to what the feeds, the database and Telegram saw.
        before = feeds.total_requests()
        scraped = {node.name: node.metrics() for node in nodes}
        after = feeds.total_requests()
        fetches = {name: m.total(FETCHES) for name, m in scraped.items()}
        polls = {
            name: sum(m.total(POLLS, outcome=o) for o in REACHED) for name, m in scraped.items()
        }
        in_flight = len(feeds.names)  # requests the server has seen whose fetch is not counted yet
        assert before - in_flight <= sum(fetches.values()) <= after, (before, fetches, after)
        assert before - in_flight <= sum(polls.values()) <= after, (before, polls, after)
        items_of = {name: m.total(ITEMS) for name, m in scraped.items()}
        assert sum(items_of.values()) == db.count_items(), items_of
        queued = {name: m.total(ALERTS_QUEUED) for name, m in scraped.items()}
        assert sum(queued.values()) == len(expected), queued
        sent = {name: m.total(SENT, kind="alert") for name, m in scraped.items()}
        assert sum(sent.values()) == len(expected), f"{SENT}{{kind=alert}}: {sent}"
        for node in nodes:
            metrics = scraped[node.name]
            info = [s for s in metrics.samples if s.name == "marsad_worker_info"]
            assert [s.labels["id"] for s in info] == [ids[node.name]]
            if {"watcher", "all"} & set(node.roles.split(",")):
                assert polls[node.name] > 0, f"{node.name} polled nothing: {polls}"
            else:
                assert polls[node.name] == fetches[node.name] == metrics.total(ITEMS) == 0
        bots = [n for n in nodes if {"bot", "all"} & set(n.roles.split(","))]
        leading = {n.name: scraped[n.name].total(LEADER) for n in bots}
        assert sorted(leading.values()) == [0] * (len(bots) - 1) + [1], f"{LEADER}: {leading}"
        for node in nodes:
            assert node.fetch("/healthz")[0] == 200


# ------------------------------------------------------------ 2. a watcher killed mid-poll
def test_a_watcher_killed_mid_poll_has_its_sources_polled_again_within_one_lease(
    tmp_path: Path, postgres_url: str, http_server: HTTPTestServer, fake_telegram: FakeTelegram
) -> None:
    db = Database(postgres_url)
    feeds = Feeds(http_server, tuple(f"slow{n}" for n in range(6)))
    config = config_text(postgres_url, feeds, fake_telegram)
    with Cluster(tmp_path, config, token=fake_telegram.token) as cluster:
        watchers = [cluster.start("watcher"), cluster.start("watcher")]
        ids = worker_ids(db, watchers)
        wait_first_polls(db, feeds)

        # Every answer now takes 2.5 s: a watcher holds the lease of each source it is polling.
        feeds.delay = 2.5
        entries = publish_news(feeds, feeds.names)

        # The victim is a watcher caught mid-poll (either may have claimed every due source).
        caught: list[int] = []

        def mid_poll() -> bool:
            owners = {s.lease_owner for s in db.sources().values() if s.lease_owner}
            busy = [i for i, node in enumerate(watchers) if ids[node.name] in owners]
            if busy and http_server.in_flight > 0:
                caught.append(busy[0])
            return bool(caught)

        wait_until(mid_poll, 30, "a watcher is in the middle of a poll")
        victim, survivor = watchers[caught[0]], watchers[1 - caught[0]]
        victim.kill()
        killed_at = db.now()
        held = {
            name: row for name, row in db.sources().items() if row.lease_owner == ids[victim.name]
        }
        assert held, "the killed watcher held no lease"

        first_again: dict[str, datetime] = {}

        def polled_again() -> bool:
            for name, row in db.sources().items():
                again = row.last_polled_at
                if name in held and name not in first_again and again and again > killed_at:
                    first_again[name] = again
            return first_again.keys() == held.keys()

        limit = (LEASE + INTERVAL + CLAIM_SLACK).total_seconds() + feeds.delay + 5
        wait_until(polled_again, limit, f"{sorted(held)} polled again after the kill")
        for name, row in held.items():
            print(
                f"{name}: lease until kill+{(row.lease_until or killed_at) - killed_at}, "
                f"polled again at kill+{first_again[name] - killed_at}"
            )
            assert row.lease_until is not None and row.lease_until <= killed_at + LEASE
            # Nobody polled it while the dead process's lease ran, and it was taken at once after.
            assert first_again[name] >= row.lease_until, (name, row, first_again[name])
            assert first_again[name] - killed_at <= LEASE + CLAIM_SLACK, (name, first_again[name])

        feeds.delay = 0.0
        total = len(feeds.all_entries())
        wait_until(lambda: db.count_items() >= total, 30, f"{total} items stored")
        mark = {name: feeds.requests(name) for name in feeds.names}
        wait_until(
            lambda: all(feeds.requests(name) >= mark[name] + 1 for name in feeds.names),
            30,
            "another poll of every feed",
        )
        assert_stored_once(db, feeds)
        stale = {
            n: s.lease_owner for n, s in db.sources().items() if s.lease_owner == ids[victim.name]
        }
        assert stale == {}, "the dead watcher still holds leases"
        assert all(entry.entity for entry in entries)
        # The survivor's metrics count its polls after the kill.
        assert survivor.metrics().total(POLLS) > 0


# ------------------------------------------------------------ 3. the bot leader killed
ANALYST, NEWCOMER = 4242, 5151


def leader_of(db: Database, nodes: Sequence[Node]) -> Node | None:
    """The process that holds the Telegram-updates lock, if one does."""
    port = db.updates_lock_port()
    if port is None:
        return None
    pid = process_with_port(port, [node.pid for node in nodes if node.running()])
    return next((node for node in nodes if node.pid == pid), None)


def replies(fake: FakeTelegram, chat_id: int) -> list[Sent]:
    return [sent for sent in list(fake.sent) if sent.chat_id == chat_id]


def test_a_killed_bot_leader_is_replaced_within_its_lease_without_409_or_lost_alerts(
    tmp_path: Path, postgres_url: str, http_server: HTTPTestServer, fake_telegram: FakeTelegram
) -> None:
    db = Database(postgres_url)
    feeds = Feeds(http_server, tuple(f"wire{n}" for n in range(4)))
    config = config_text(postgres_url, feeds, fake_telegram)
    follows = {ANALYST: (ENTITIES[0], ENTITIES[1])}
    with Cluster(tmp_path, config, token=fake_telegram.token) as cluster:
        cluster.start("watcher")
        bots = [cluster.start("bot,sender"), cluster.start("bot,sender")]
        worker_ids(db, cluster.nodes)
        wait_first_polls(db, feeds)

        # Subscribing in Telegram: whichever process leads answers.
        fake_telegram.push_message(chat_id=ANALYST, text="/start")
        fake_telegram.push_message(chat_id=ANALYST, text=f"/subscribe @{ENTITIES[0]}")
        fake_telegram.push_message(chat_id=ANALYST, text=f"/subscribe @{ENTITIES[1]}")
        fake_telegram.wait_for(lambda: len(replies(fake_telegram, ANALYST)) >= 3, timeout=60)
        answered = len(replies(fake_telegram, ANALYST))

        entries = publish_news(feeds, feeds.names[:2])  # hammouchi, laftit
        wait_until(lambda: db.count_items() >= len(feeds.all_entries()), 30, "the first news")
        first = expected_alerts(db.items(), entries, follows)
        wait_until(
            lambda: sent_alerts(db) == first and db.open_outbox() == 0, 60, "the first alerts"
        )
        leader = leader_of(db, bots)
        assert leader is not None, "no process holds the Telegram-updates lock"
        [follower] = [node for node in bots if node is not leader]

        leader.kill()
        killed = time.monotonic()
        fake_telegram.push_message(chat_id=NEWCOMER, text="/start")
        entries += publish_news(feeds, feeds.names[2:], start=5)  # hammouchi, laftit again
        fake_telegram.wait_for(
            lambda: replies(fake_telegram, NEWCOMER) != [], timeout=3 * LEASE.total_seconds()
        )
        reply = replies(fake_telegram, NEWCOMER)[0]
        wait_until(lambda: leader_of(db, bots) is follower, 10, "the follower holds the lock")
        total = len(feeds.all_entries())
        wait_until(lambda: db.count_items() >= total, 30, f"{total} items stored")
        expected = expected_alerts(db.items(), entries, follows)
        assert len(expected) > len(first)
        wait_until(
            lambda: sent_alerts(db) == expected and db.open_outbox() == 0, 60, "the later alerts"
        )
        assert_stored_once(db, feeds)
        assert_alerted_once(db, fake_telegram, entries, follows)
        conflicts = [r for r in fake_telegram.refused if r[2].get("error_code") == 409]
        assert conflicts == [], "two processes long-polled Telegram at once"
        # The chat got its alerts and nothing more after its three answers.
        assert len(replies(fake_telegram, ANALYST)) == answered + len(expected)
        # Last, the times: the follower answered within the lease, and says it leads.
        took = reply.at - killed
        assert took <= LEASE.total_seconds(), f"answered {took:.1f}s after the leader was killed"
        assert follower.metrics().total(LEADER) == 1, f"{LEADER} of the new leader"

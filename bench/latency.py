"""Benchmark: alert delivery through the fake Telegram server.

    python bench/latency.py fanout [--chats 1000] [--storm 0.05]
    python bench/latency.py e2e [--items 100] [--interval 1s]

``fanout``: one story queued for N chats in a real SQLite outbox, drained by the real sender
(``Sender.run`` on the wall clock, the real python-telegram-bot client) to the fake Bot API
server on loopback.  Reports the time until the last message arrived and the rate against
Telegram's ~30 messages/s, the busiest one-second window, and checks that every chat got
exactly one message.  ``--storm F`` answers a fraction F of the calls with 429 retry_after=1.

``e2e``: ``marsad run`` as a child process, configured with one local feed (the tests' HTTP
server) and the fake Telegram server as ``telegram.base_url``.  A chat subscribes with
``/start`` and ``/subscribe``; then items are appended to the feed one at a time and the
latency from appending an item to the fake server receiving its ``sendMessage`` is measured:
p50/p95 over the items, to compare with the target "p95 <= 2 s + poll interval".
"""

from __future__ import annotations

import argparse
import asyncio
import email.utils
import os
import random
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import wordfreq
from sqlmodel import select

from marsad.bot.delivery.outbox import enqueue
from marsad.bot.delivery.pacing import Pacing
from marsad.bot.delivery.sender import Sender, make_bot
from marsad.store.delivery import OutboxKind, OutboxRow
from marsad.store.engine import open_store, session
from tests.fakebot import FakeTelegram, Fault
from tests.httpserver import HTTPTestServer, Request, Response

RATE = 30.0


def busiest_second(times: list[float]) -> int:
    """The most messages received within any one-second window."""
    times = sorted(times)
    best, start = 0, 0
    for end, at in enumerate(times):
        while at - times[start] >= 1.0:
            start += 1
        best = max(best, end - start + 1)
    return best


async def fanout(chats: int, storm: float) -> None:
    with tempfile.TemporaryDirectory() as folder, FakeTelegram() as server:
        engine = open_store(f"sqlite:///{Path(folder) / 'marsad.db'}")
        now = datetime.now(UTC)
        began = time.perf_counter()
        with session(engine) as s:
            for chat in range(1, chats + 1):
                enqueue(s, chat, OutboxKind.ALERT, "<b>حموشي يستقبل وفدا إسبانيا</b>",
                        "حموشي يستقبل وفدا إسبانيا", now=now, story_id=1)  # fmt: skip
            s.commit()
        queued = time.perf_counter() - began
        if storm > 0:
            server.inject(Fault.retry_after(1), times=int(chats * storm))
        bot = make_bot(server.token, server.base_url)
        async with bot:
            sender = Sender(bot, engine)
            stop = asyncio.Event()
            start = time.monotonic()
            task = asyncio.create_task(sender.run(stop))
            await asyncio.to_thread(
                server.wait_for, lambda: len(server.sent) >= chats, chats / RATE * 3 + 60
            )
            stop.set()
            await task
        times = [m.at for m in server.sent]
        elapsed = max(times) - start
        per_chat = Counter(m.chat_id for m in server.sent)
        with session(engine) as s:
            states = Counter(r.state for r in s.exec(select(OutboxRow)).all())
        engine.dispose()
    ideal = max(0.0, (chats - Pacing().burst) / RATE)  # a burst of 5, then evenly 30 a second
    print(f"fan-out of one story to {chats} chats (storm: {storm:.0%} of calls answered 429)")
    print(f"  queued in the outbox:       {queued:.2f} s")
    print(f"  last message received after {elapsed:.2f} s  (pacing limit: {ideal:.2f} s)")
    print(f"  rate:                       {chats / elapsed:.1f} msg/s  (limit {RATE:.0f}/s)")
    print(f"  busiest one-second window:  {busiest_second(times)} messages")
    print(f"  429 answers:                {len(server.refused)}")
    lost = chats - len(per_chat)
    doubled = sum(1 for n in per_chat.values() if n > 1)
    print(f"  lost: {lost}  doubled: {doubled}  outbox states: {dict(states)}")


# --------------------------------------------------------------------------- end to end
def _feed(items: list[tuple[str, str, str]]) -> bytes:
    entries = "".join(
        f"<item><title>{title}</title><link>{link}</link><guid>{link}</guid>"
        f"<pubDate>{published}</pubDate><description>{title}</description></item>"
        for title, link, published in items
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Bench</title><link>http://127.0.0.1/</link>{entries}</channel></rss>"
    ).encode()


KEYWORD = "زرقاليط"  # an invented word: only the bench's items match the subscription


def distinct_titles(count: int, seed: int = 7) -> list[str]:
    """Titles of unrelated made-up stories (random common words), so none joins another's story."""
    words = [w for w in wordfreq.top_n_list("ar", 4000) if len(w) > 3]
    rng = random.Random(seed)
    return [f"{KEYWORD} {' '.join(rng.sample(words, 9))} {n}" for n in range(count)]


def end_to_end(count: int, interval: str, timeout: float, service: list[str]) -> None:
    items: list[tuple[str, str, str]] = []

    def feed(_request: Request) -> Response:
        return Response(body=_feed(list(reversed(items))),
                        headers={"Content-Type": "application/rss+xml; charset=utf-8"})  # fmt: skip

    with tempfile.TemporaryDirectory() as folder, HTTPTestServer() as web, FakeTelegram() as tg:
        web.route("/feed.xml", feed)
        config = Path(folder) / "config.toml"
        config.write_text(
            f'timezone = "Africa/Casablanca"\n[database]\nurl = "sqlite:///{folder}/marsad.db"\n'
            f'[telegram]\ntoken_env = "MARSAD_BENCH_TOKEN"\nbase_url = "{tg.base_url}"\n'
            f'[polling]\ninterval = "{interval}"\n'
            f'[[sources]]\nname = "Bench"\nurl = "{web.url("/feed.xml")}"\nkind = "feed"\n'
            'language = "ar"\n',
            encoding="utf-8",
        )
        env = {**os.environ, "MARSAD_BENCH_TOKEN": tg.token}
        log_file = (Path(folder) / "run.log").open("w")
        child = subprocess.Popen(
            [*service, "--config", str(config)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=log_file,
        )
        try:
            chat = 424242
            tg.wait_for(lambda: bool(tg.calls), 60)
            tg.push_message(chat, "/start", language_code="ar")
            tg.push_message(chat, f"/subscribe {KEYWORD}", language_code="ar")
            tg.wait_for(lambda: len(tg.texts(chat)) >= 2, 60)
            tg.wait_for(lambda: any(r.route == "/feed.xml" for r in web.requests), 60)
            replies = len(tg.sent)
            latencies: list[float] = []
            for n, title in enumerate(distinct_titles(count)):
                published = email.utils.format_datetime(datetime.now(UTC), usegmt=True)
                items.append((title, f"http://127.0.0.1/news/{n}", published))
                appended = time.monotonic()

                def arrived(title: str = title) -> bool:
                    return any(title in m.text for m in tg.sent[replies:])

                tg.wait_for(arrived, timeout)
                sent = next(m for m in tg.sent[replies:] if title in m.text)
                latencies.append(sent.at - appended)
                time.sleep(1.1)  # the chat's own pace: one message a second
        finally:
            child.terminate()
            child.wait(30)
            log_file.close()
        log = (Path(folder) / "run.log").read_text(encoding="utf-8", errors="replace")
        token_leaked = tg.token in log
        api_lines = sum(1 for line in log.splitlines() if "sendMessage" in line or "/bot" in line)
    latencies.sort()
    p50 = statistics.median(latencies)
    p95 = latencies[max(0, int(len(latencies) * 0.95) - 1)]
    print(f"end to end over {len(latencies)} items, poll interval {interval}")
    print(f"  item appended to the feed -> sendMessage received: p50 {p50:.2f} s, "
          f"p95 {p95:.2f} s, max {latencies[-1]:.2f} s")  # fmt: skip
    print(
        f"  token in the service's log: {'YES' if token_leaked else 'no'} "
        f"({api_lines} log lines mention the Bot API)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    one = commands.add_parser("fanout")
    one.add_argument("--chats", type=int, default=1000)
    one.add_argument("--storm", type=float, default=0.0)
    two = commands.add_parser("e2e")
    two.add_argument("--items", type=int, default=100)
    two.add_argument("--interval", default="1s")
    two.add_argument("--timeout", type=float, default=30.0)
    two.add_argument(
        "--service",
        default=f"{shlex.quote(sys.executable)} -m marsad run",
        help='the command that runs the service (default: "python -m marsad run")',
    )
    args = parser.parse_args()
    if args.command == "fanout":
        asyncio.run(fanout(args.chats, args.storm))
    else:
        end_to_end(args.items, args.interval, args.timeout, shlex.split(args.service))


if __name__ == "__main__":
    main()

"""Agreement check: both feed parsers over a folder of feed files, e.g. feedparser's own tests.

    pip download feedparser==6.0.11 --no-binary :all: --no-deps -d /tmp/fp
    tar -xzf /tmp/fp/feedparser-6.0.11.tar.gz -C /tmp/fp
    python bench/feed_agreement.py /tmp/fp/feedparser-6.0.11/tests

Every ``*.xml`` under the folder is parsed by ``parse_feed`` with the fast path and with
feedparser alone; the table counts which parser read each file, files where parsing raised
(it must never), and files read by the fast path whose entries or items differ from
feedparser's (there must be none), listing the first few.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from marsad.watchers.feeds import Reader, parse_feed
from marsad.watchers.items import make_item

FETCHED = datetime(2026, 12, 4, tzinfo=UTC)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path)
    args = parser.parse_args()
    files = sorted(args.folder.rglob("*.xml"))
    readers: Counter[str] = Counter()
    raised: list[str] = []
    differ: list[str] = []
    cpu = {False: 0.0, True: 0.0}
    for path in files:
        body = path.read_bytes()
        url = "http://127.0.0.1/" + path.relative_to(args.folder).as_posix()
        try:
            results = {}
            for fast_path in (True, False):
                start = time.process_time()
                results[fast_path] = parse_feed(body, {}, url, fast_path=fast_path)
                cpu[fast_path] += time.process_time() - start
        except Exception as exc:  # counted: parse_feed must never raise
            raised.append(f"{path.name}: {exc!r}")
            continue
        fast, alone = results[True], results[False]
        readers[fast.reader.value] += 1
        if fast.reader is Reader.FAST:
            items = [make_item(e, url, FETCHED) for e in fast.entries]
            if (
                fast.entries != alone.entries
                or fast.title != alone.title
                or items != [make_item(e, url, FETCHED) for e in alone.entries]
            ):
                differ.append(str(path.relative_to(args.folder)))
    print(f"{len(files)} files under {args.folder}")
    print()
    print("| read by | files |")
    print("|---|---|")
    for reader, count in sorted(readers.items()):
        print(f"| {reader} | {count} |")
    print()
    print(f"raised: {len(raised)}; fast path differing from feedparser: {len(differ)}")
    print(
        f"CPU s, all files: with the fast path {cpu[True]:.2f}, feedparser alone {cpu[False]:.2f}"
    )
    for line in [*raised[:5], *differ[:10]]:
        print(f"  {line}")


if __name__ == "__main__":
    main()

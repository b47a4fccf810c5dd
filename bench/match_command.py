"""Benchmark: what `marsad match` costs around `Matcher.match`, on the 5,000 real articles.

Two measurements, each in fresh processes, for this tree and (with --before DIR, e.g. an older
commit unpacked with ``git archive COMMIT marsad | tar -x -C DIR``) another tree, interleaved:
  * the whole command, ``marsad match --rules R --input ARTICLES --output FILE``: CPU seconds
    (user + system of the child, os.wait4), wall seconds and peak RSS;
  * the command minus the matcher: in one process, every article is matched first (decoded by
    that tree's ``read_item``), then the command runs with ``Matcher.match`` answering from those
    results, so what remains is start-up after imports (reading and compiling the rules),
    reading and decoding the lines, building items, encoding and writing the results.
Articles come from ../shared/speed-corpus/articles.jsonl (never copied).

    python3 bench/match_command.py [--rules marsad/rules] [--runs 3] [--before DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "speed-corpus" / "articles.jsonl"

MINUS = """\
import json, sys, time
from pathlib import Path
from marsad.bot.commands import match as command
from marsad.bot.cli import main
from marsad.matching.engine import Matcher
from marsad.matching.rulefile import load_rules
rules, source, target = sys.argv[1:4]
matcher = Matcher.compile(load_rules([Path(rules)]))
known = {}
with open(source, encoding="utf-8") as lines:
    for line in lines:
        item = command.read_item(line)[0]
        known[item.id] = matcher.match(item)
Matcher.match = lambda self, item: known[item.id]
start = time.process_time()
main(["match", "--rules", rules, "--input", source, "--output", target])
print(json.dumps(time.process_time() - start))
"""

RUNNER = """\
import json, os, sys, time
argv, cwd, env = json.loads(sys.stdin.read())
start = time.perf_counter()
pid = os.fork()
if pid == 0:
    try:
        os.chdir(cwd)
        os.execve(argv[0], argv, env)
    finally:
        os._exit(127)
_, status, usage = os.wait4(pid, 0)
print(json.dumps([time.perf_counter() - start, usage.ru_utime + usage.ru_stime,
                  usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)]))
"""


def environment(tree: Path) -> dict[str, str]:
    """Imports from ``tree`` (children run in a temporary folder, so not from the cwd)."""
    return {**os.environ, "PYTHONPATH": str(tree)}


def whole(rules: str, corpus: Path, target: Path, env: dict[str, str]) -> list[float]:
    """Wall s, CPU s and peak RSS MB of one whole command (forked from a small runner)."""
    argv = [sys.executable, "-m", "marsad", "match", "--rules", rules]
    argv += ["--input", str(corpus), "--output", str(target)]
    done = subprocess.run(
        [sys.executable, "-S", "-c", RUNNER],
        input=json.dumps([argv, str(target.parent), env]),
        capture_output=True,
        text=True,
        check=True,
    )
    wall, cpu, rss, status = json.loads(done.stdout)
    if status != 0:
        raise SystemExit(f"bench/match_command.py: marsad match exited with {status}")
    return [wall, cpu, rss]


def minus(rules: str, corpus: Path, target: Path, env: dict[str, str]) -> float:
    """CPU s of the command with the matcher's answers known beforehand."""
    done = subprocess.run(
        [sys.executable, "-c", MINUS, rules, str(corpus), str(target)],
        cwd=target.parent,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return float(json.loads(done.stdout.strip().splitlines()[-1]))


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rules", default="marsad/rules")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--before", type=Path, default=None, help="another source tree")
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    args = parser.parse_args(argv)
    rules = str(Path(args.rules).resolve())
    if not args.corpus.exists():
        raise SystemExit(f"bench/match_command.py: no speed corpus at {args.corpus}")
    articles = sum(1 for line in args.corpus.open(encoding="utf-8") if line.strip())
    trees = {"now": ROOT}
    if args.before is not None:
        trees[f"before ({args.before.name})"] = args.before.resolve()
    start_load = os.getloadavg()[0]
    wholes: dict[str, list[list[float]]] = {name: [] for name in trees}
    minuses: dict[str, list[float]] = {name: [] for name in trees}
    with tempfile.TemporaryDirectory(prefix="marsad-match-command-") as folder:
        target = Path(folder) / "out.jsonl"
        for _ in range(args.runs):
            for name, tree in trees.items():
                env = environment(tree)
                wholes[name].append(whole(rules, args.corpus.resolve(), target, env))
                minuses[name].append(minus(rules, args.corpus.resolve(), target, env))
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    print(
        f"Measured {stamp}, {os.cpu_count()} CPUs, load {start_load:.2f} at the start and "
        f"{os.getloadavg()[0]:.2f} at the end; rules {args.rules}, {articles:,} articles, "
        f"median of {args.runs} runs:\n"
    )
    print(
        "| tree | whole command CPU s | articles per CPU s | wall s | peak RSS MB "
        "| command minus the matcher, CPU s | µs per article |"
    )
    print("|---|---|---|---|---|---|---|")
    for name in trees:
        wall, cpu, rss = (statistics.median(s[i] for s in wholes[name]) for i in range(3))
        rest = statistics.median(minuses[name])
        print(
            f"| {name} | {cpu:.2f} | {articles / cpu:,.0f} | {wall:.2f} | {rss:.0f} "
            f"| {rest:.3f} | {1e6 * rest / articles:.0f} |"
        )


if __name__ == "__main__":
    main()

"""Benchmark: matching on the first pass over real articles, against its floor and a naive loop.

Every article of ../shared/speed-corpus/articles.jsonl is matched once, in order, as a real
stream meets them (no warm caches, no repeated text), for the shipped rules and for the shipped
rules plus 1,000 generated entities (and plus 10,000 with --large).  Per configuration:
  * `Matcher.match` over the decoded articles in a fresh process (CPU seconds), compile apart;
  * the one-pass floor in another fresh process: each field folded by `fold_same_length` and
    run once through one Aho-Corasick automaton of every alias, form and term key;
  * the naive loop (rapidfuzz partial_ratio >= 90 of every alias over the text) for a few
    CPU seconds;
  * `marsad match --rules ... --input ... --output ...` as a whole command: wall time with its
    start-up (best of two), CPU time and peak RSS of that child;
then the latency of `Matcher.add_query` (a Telegram /subscribe) at 1,000 entities.

    python3 bench/match.py [--articles 5000] [--quick] [--large] [--corpus PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import ahocorasick
from match_entities import generate, generated_rules, harvest, rule_file
from rapidfuzz import fuzz

from marsad.bot.commands.match import read_item
from marsad.matching import automaton, fuzzymatch, normalise
from marsad.matching.engine import FIELDS, Matcher, MatchInput
from marsad.matching.entities import Entity
from marsad.matching.normalise import fold_same_length
from marsad.matching.patterns import entity_patterns, term_patterns
from marsad.matching.query import terms
from marsad.matching.rulefile import load_rules

ROOT = Path(__file__).resolve().parents[1]
CORPUS = Path("../shared/speed-corpus/articles.jsonl")  # from the project root; never copied
SHIPPED = ROOT / "marsad" / "rules"
CLOCK = time.process_time


@dataclass(frozen=True)
class Config:
    """One rule set to measure: the shipped rules, plus ``generated`` entities in a temp file."""

    name: str
    generated: int
    rule_paths: tuple[Path, ...]


@dataclass(frozen=True)
class FirstPass:
    """`Matcher.match` over each article once, in a fresh process (CPU seconds)."""

    compile_s: float  # reading the rule files and Matcher.compile
    match_s: float
    again_s: float  # the same articles a second time: what the caches bought
    articles: int
    entities: int
    rules: int
    hits: int
    fired: int


@dataclass(frozen=True)
class Floor:
    """One fold and one automaton pass over each field, in a fresh process (CPU seconds)."""

    seconds: float
    articles: int
    keys: int
    hits: int


@dataclass(frozen=True)
class Naive:
    """rapidfuzz partial_ratio of every alias over each article, within a CPU budget."""

    seconds: float
    articles: int
    aliases: int


@dataclass(frozen=True)
class Command:
    """One whole `marsad match` run: wall time with start-up, CPU time and peak RSS."""

    wall_s: float
    cpu_s: float
    peak_rss_mb: float
    articles: int


@dataclass(frozen=True)
class Row:
    """Everything measured for one configuration."""

    config: Config
    first: FirstPass
    python: FirstPass  # the same on the pure-Python path (as where no C compiler was)
    floor: Floor
    naive: Naive
    command: Command
    startup: Command


def per_s(count: int, seconds: float) -> float:
    """A rate that survives a zero-length clock reading."""
    return count / seconds if seconds > 0 else float("inf")


def read_lines(path: Path, count: int | None) -> list[str]:
    """The first ``count`` non-blank lines of the corpus; exit naming the path when missing."""
    try:
        with path.open(encoding="utf-8") as stream:
            lines = [line for line in stream if line.strip()]
    except FileNotFoundError:
        raise SystemExit(
            f"bench/match.py: no speed corpus at {path} (expected "
            f"{CORPUS} from the project root; pass --corpus PATH)"
        ) from None
    return lines if count is None else lines[:count]


def article_text(line: str) -> str:
    """An article's title and text, for harvesting names."""
    data = json.loads(line)
    return str(data.get("title") or "") + "\n" + str(data.get("text") or "")


def decode(lines: Sequence[str]) -> list[MatchInput]:
    """The articles as `marsad match` decodes them."""
    return [read_item(line)[0] for line in lines]


def first_pass(rule_paths: Sequence[Path], lines: Sequence[str]) -> FirstPass:
    """Compile, then match each article once; meant for a fresh process (see `fresh`).

    The articles are then matched a second time, only to show what warm caches are worth.
    """
    items = decode(lines)
    start = CLOCK()
    matcher = Matcher.compile(load_rules(list(rule_paths)))
    compiled = CLOCK()
    hits = fired = 0
    for item in items:
        result = matcher.match(item)
        hits += len(result.hits)
        fired += len(result.rules)
    done = CLOCK()
    for item in items:
        matcher.match(item)
    return FirstPass(
        compile_s=compiled - start,
        match_s=done - compiled,
        again_s=CLOCK() - done,
        articles=len(items),
        entities=len(matcher.entities),
        rules=len(matcher.rules),
        hits=hits,
        fired=fired,
    )


def floor_keys(matcher: Matcher) -> set[str]:
    """Every automaton key the compiled matcher holds: entity patterns and rule terms."""
    keys = {p.key for entity in matcher.ruleset.entities for p in entity_patterns(entity)}
    for ident in matcher.rules:
        for term in terms(matcher.compiled(ident).node):
            keys.update(p.key for p in term_patterns(term.text))
    return keys


def floor_pass(rule_paths: Sequence[Path], lines: Sequence[str]) -> Floor:
    """The cost of touching each character once in C: one fold, one automaton pass per field."""
    items = decode(lines)
    keys = floor_keys(Matcher.compile(load_rules(list(rule_paths))))
    automaton = ahocorasick.Automaton()
    for key in keys:
        automaton.add_word(key, len(key))
    automaton.make_automaton()
    hits = 0
    start = CLOCK()
    for item in items:
        for name in FIELDS:
            text = getattr(item, name)
            if text:
                for _ in automaton.iter(fold_same_length(text)):
                    hits += 1
    return Floor(CLOCK() - start, len(items), len(keys), hits)


def naive(entities: Sequence[Entity], lines: Sequence[str], budget: float) -> Naive:
    """A hand-written matcher: partial_ratio >= 90 of every alias, until ``budget`` CPU s."""
    aliases = [(e.id, alias) for e in entities for alias in e.names()]
    start = CLOCK()
    done = 0
    for line in lines:
        data = json.loads(line)
        text = data.get("title", "") + "\n" + data.get("text", "")
        found = [ident for ident, alias in aliases if fuzz.partial_ratio(alias, text) >= 90]
        json.dumps({"id": data["id"], "entities": found})
        done += 1
        if CLOCK() - start > budget:
            break
    return Naive(CLOCK() - start, done, len(aliases))


def fresh(kind: str, rule_paths: Sequence[Path], corpus: Path, articles: int) -> dict[str, Any]:
    """Run `first_pass` or `floor_pass` in a new interpreter, so every cache starts cold."""
    argv = [sys.executable, str(Path(__file__).resolve()), "--child", kind]
    argv += ["--corpus", str(corpus), "--articles", str(articles)]
    for path in rule_paths:
        argv += ["--rules", str(path)]
    done = subprocess.run(argv, capture_output=True, text=True, cwd=ROOT, check=False)
    if done.returncode != 0:
        raise SystemExit(f"bench/match.py: the {kind} process failed:\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    return result


def marsad_argv() -> list[str]:
    """The installed `marsad` script of this interpreter (as users run it), else -m marsad."""
    script = Path(sysconfig.get_path("scripts")) / "marsad"
    return [str(script)] if script.exists() else [sys.executable, "-m", "marsad"]


# Peak RSS of a child counts what it inherited at fork (Linux keeps the high-water mark across
# exec), so `marsad match` is started by this small interpreter rather than by the bench, whose
# corpus and rule sets would show as the command's memory.
LAUNCHER = """
import json, os, subprocess, sys, time
with open(sys.argv[1], "w") as errors:
    start = time.perf_counter()
    child = subprocess.Popen(sys.argv[2:], stdout=subprocess.DEVNULL, stderr=errors)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
print(json.dumps({"wall": wall, "cpu": usage.ru_utime + usage.ru_stime,
                  "rss_kb": usage.ru_maxrss, "code": os.waitstatus_to_exitcode(status)}))
"""


def run_command(rule_paths: Sequence[Path], source: Path, articles: int, work: Path) -> Command:
    """One `marsad match` run: wall time from a small launcher, CPU and peak RSS from rusage."""
    output = work / "out.jsonl"
    argv = [*marsad_argv(), "match"]
    for path in rule_paths:
        argv += ["--rules", str(path)]
    argv += ["--input", str(source), "--output", str(output)]
    env = {k: v for k, v in os.environ.items() if k != "MARSAD_TELEGRAM_TOKEN"}
    errors = work / "stderr.txt"
    launcher = [sys.executable, "-c", LAUNCHER, str(errors), *argv]
    done = subprocess.run(launcher, capture_output=True, text=True, cwd=ROOT, env=env, check=True)
    measured = json.loads(done.stdout)
    if measured["code"] != 0:
        problems = errors.read_text(encoding="utf-8")
        raise SystemExit(f"bench/match.py: {' '.join(argv)} failed:\n{problems}")
    written = sum(1 for _ in output.open(encoding="utf-8"))
    if written != articles:
        raise SystemExit(f"bench/match.py: marsad match wrote {written} lines for {articles}")
    rss_mb = measured["rss_kb"] / 1024  # kilobytes on Linux
    return Command(measured["wall"], measured["cpu"], rss_mb, articles)


def best_command(
    rule_paths: Sequence[Path], source: Path, articles: int, work: Path, runs: int
) -> Command:
    """The fastest of ``runs`` runs by wall time (the machine is shared)."""
    measured = [run_command(rule_paths, source, articles, work) for _ in range(runs)]
    return min(measured, key=lambda c: c.wall_s)


def add_query_latency(matcher: Matcher, entities: Sequence[Entity], seed: int = 1) -> list[float]:
    """CPU milliseconds of 200 `add_query` calls mixing an alias, an @entity, words, a phrase."""
    from wordfreq import top_n_list  # only here: the fresh processes need not import it

    rng = random.Random(seed)
    words = [w for w in top_n_list("ar", 20_000)[5_000:] if len(w) > 3]
    times = []
    for index in range(200):
        a, b = rng.sample(list(entities), 2)
        phrase = f"{rng.choice(words)} {rng.choice(words)}"
        query = f'{a.aliases[0]} AND (@{b.id} OR {rng.choice(words)} OR "{phrase}")'
        start = CLOCK()
        matcher.add_query(f"q{index}", query)
        times.append((CLOCK() - start) * 1000)
    return times


def first_pass_table(rows: Sequence[Row]) -> str:
    """`Matcher.match` against its floor, one line per configuration."""
    lines = [
        "| configuration | entities | rules | automaton keys | compile CPU s | "
        "Matcher.match art/s | pure-Python path art/s | one-pass floor art/s | "
        "matcher / floor | hits/article | second pass art/s (warm) |",
        "|" + "---|" * 11,
    ]
    for row in rows:
        first, floor = row.first, row.floor
        matcher_rate = per_s(first.articles, first.match_s)
        floor_rate = per_s(floor.articles, floor.seconds)
        lines.append(
            f"| {row.config.name} | {first.entities:,} | {first.rules:,} | {floor.keys:,} | "
            f"{first.compile_s:.2f} | {matcher_rate:,.0f} | "
            f"{per_s(row.python.articles, row.python.match_s):,.0f} | {floor_rate:,.0f} | "
            f"{matcher_rate / floor_rate:.0%} | {first.hits / max(first.articles, 1):.1f} | "
            f"{per_s(first.articles, first.again_s):,.0f} |"
        )
    return "\n".join(lines)


def command_table(rows: Sequence[Row]) -> str:
    """`marsad match` as a whole command against the naive loop, one line per configuration.

    The speed-up compares CPU rates (the naive loop is timed in CPU seconds too); both the
    command's rates include its start-up.
    """
    lines = [
        "| configuration | start-up wall s (no input) | wall s | articles/s (wall) | CPU s | "
        "articles/s (CPU) | peak RSS MB | naive art/s (articles) | speed-up over naive (CPU) |",
        "|" + "---|" * 9,
    ]
    for row in rows:
        command, naive_run = row.command, row.naive
        cpu_rate = per_s(command.articles, command.cpu_s)
        slow = per_s(naive_run.articles, naive_run.seconds)
        lines.append(
            f"| {row.config.name} | {row.startup.wall_s:.2f} | {command.wall_s:.2f} | "
            f"{per_s(command.articles, command.wall_s):,.0f} | {command.cpu_s:.2f} | "
            f"{cpu_rate:,.0f} | {command.peak_rss_mb:.0f} | "
            f"{slow:,.1f} ({naive_run.articles}) | {cpu_rate / slow:,.0f}× |"
        )
    return "\n".join(lines)


def measure(
    config: Config, corpus: Path, lines: Sequence[str], work: Path, naive_s: float, runs: int
) -> Row:
    """Every measurement of one configuration; the matcher and floor each in a fresh process."""
    count = len(lines)
    first = FirstPass(**fresh("first-pass", config.rule_paths, corpus, count))
    python = FirstPass(**fresh("first-pass-python", config.rule_paths, corpus, count))
    floor = Floor(**fresh("floor", config.rule_paths, corpus, count))
    slow = naive(load_rules(list(config.rule_paths)).entities, lines, naive_s)
    source = corpus
    if count < len(read_lines(corpus, None)):  # the first articles only: a temp file
        source = work / "articles.jsonl"
        source.write_text("".join(lines), encoding="utf-8")
    empty = work / "empty.jsonl"
    empty.write_text("", encoding="utf-8")
    command = best_command(config.rule_paths, source, count, work, runs)
    startup = best_command(config.rule_paths, empty, 0, work, runs)
    return Row(config, first, python, floor, slow, command, startup)


def child(args: argparse.Namespace) -> None:
    """The fresh-process side of `fresh`: one measurement as a JSON line on stdout."""
    lines = read_lines(Path(args.corpus), args.articles)
    paths = [Path(p) for p in args.rules]
    if args.child == "first-pass-python":
        # as installed without a C compiler: none of the three extensions
        normalise._compiled_scan = None
        automaton._KeyTable = None
        fuzzymatch._FuzzyGate = None
    result = floor_pass(paths, lines) if args.child == "floor" else first_pass(paths, lines)
    print(json.dumps(asdict(result)))


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=None, help="default: all (5,000)")
    parser.add_argument("--corpus", default=str(CORPUS), help=f"default: {CORPUS} from the root")
    parser.add_argument("--entities", type=int, default=1000, help="generated entities")
    parser.add_argument("--large", action="store_true", help="also 10,000 generated entities")
    parser.add_argument("--naive-seconds", type=float, default=4.0, help="CPU s per config")
    parser.add_argument("--quick", action="store_true", help="1,000 articles, one run each")
    parser.add_argument(
        "--child", choices=("first-pass", "first-pass-python", "floor"), help=argparse.SUPPRESS
    )
    parser.add_argument("--rules", action="append", default=[], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    corpus = Path(args.corpus) if Path(args.corpus).is_absolute() else ROOT / args.corpus
    if args.child:
        args.corpus = str(corpus)
        child(args)
        return
    everything = read_lines(corpus, None)
    count = args.articles or (1000 if args.quick else len(everything))
    lines = everything[:count]
    runs = 1 if args.quick else 2
    naive_s = 1.0 if args.quick else args.naive_seconds
    material = harvest(map(article_text, everything))  # names from the whole corpus
    load = os.getloadavg()[0]
    print(
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs, load {load:.1f}: "
        f"{len(lines):,} articles of {corpus.name}, each once, in order\n"
        "Matcher.match and the floor: CPU seconds (time.process_time), each in a fresh process; "
        f"naive: CPU seconds, {naive_s:g} s per configuration; marsad match: wall seconds "
        f"with start-up, best of {runs}, CPU and peak RSS from the child's rusage; the speed-up "
        "over naive compares CPU rates\n",
        flush=True,
    )
    sizes = [args.entities, *([10_000] if args.large else [])]
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="marsad-bench-match-") as tmp:
        work = Path(tmp)
        configs = [Config("shipped rules", 0, (SHIPPED,))]
        for size in sizes:
            entities = generate(size, material)
            path = work / f"generated-{size}.toml"
            path.write_text(rule_file(entities, generated_rules(entities)), encoding="utf-8")
            configs.append(Config(f"shipped + {size:,} entities", size, (SHIPPED, path)))
        for config in configs:
            rows.append(measure(config, corpus, lines, work, naive_s, runs))
            print(f"measured: {config.name}", file=sys.stderr, flush=True)
        print(first_pass_table(rows) + "\n")
        print(command_table(rows) + "\n")
        ruleset = load_rules(list(configs[1].rule_paths))
        matcher = Matcher.compile(ruleset)
        generated = [e for e in ruleset.entities if e.id.startswith("gen-")]
        times = add_query_latency(matcher, generated)
    print(
        f"add_query at {len(ruleset.entities):,} entities (200 queries): median "
        f"{statistics.median(times):.2f} ms, p95 {sorted(times)[int(len(times) * 0.95)]:.2f} ms, "
        f"max {max(times):.2f} ms"
    )


if __name__ == "__main__":
    main()

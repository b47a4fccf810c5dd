"""Benchmark: loading large rule files, phase by phase, to show that it grows linearly.

Rule files of 1,000, 5,000, 10,000 and 20,000 entities are generated from real names
(bench/match_entities.py: persons read after titles in ../shared/speed-corpus/articles.jsonl,
the world's cities, organisations; one rule per ten entities, at most 900), written to a
temporary folder.  Each file is then loaded in a fresh process, as `marsad match` and `marsad
explain` load it (the collector paused, `marsad.bot.commands.match.uncollected`), and, as the
baseline in the same run, with the collector on as before.  Per process:
  * CPU and wall seconds of each phase: imports; TOML parsing (tomllib); line positions
    (tomlpos.TomlLines); checking and building the entities and rules (the rest of
    load_rules, reading the file included); Matcher.compile;
  * its whole CPU time (user + system, os.wait4) and wall time from fork to exit, peak RSS.
With --profile N, a cProfile of Matcher.compile at N entities lists where compiling goes.

    python3 bench/rules_load.py [--sizes 1000,5000,10000,20000] [--runs 2] [--profile 20000]
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
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from match_entities import generate, generated_rules, harvest, rule_file

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "speed-corpus" / "articles.jsonl"  # never copied

CHILD = """\
import json, resource, sys, time
cpu, wall = time.process_time, time.perf_counter
marks = [(cpu(), wall())]
import tomllib
from pathlib import Path
from marsad.bot.commands.match import uncollected
from marsad.matching import rulefile, tomlpos
from marsad.matching.engine import Matcher
marks.append((cpu(), wall()))
spent = {"parse": [0.0, 0.0], "positions": [0.0, 0.0]}

def timed(name, function):
    def call(*args, **kwargs):
        start = (cpu(), wall())
        try:
            return function(*args, **kwargs)
        finally:
            spent[name][0] += cpu() - start[0]
            spent[name][1] += wall() - start[1]
    return call

class Toml:
    loads = staticmethod(timed("parse", tomllib.loads))
    TOMLDecodeError = tomllib.TOMLDecodeError

rulefile.tomllib = Toml
rulefile.TomlLines = timed("positions", tomlpos.TomlLines)
paused = sys.argv[2] == "paused"
if paused:
    pause = uncollected()
    pause.__enter__()
ruleset = rulefile.load_rules([Path(sys.argv[1])])
marks.append((cpu(), wall()))
rss_loaded = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
matcher = Matcher.compile(ruleset)
marks.append((cpu(), wall()))
if paused:
    pause.__exit__(None, None, None)
rss_compiled = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
counts = len(ruleset.entities), len(ruleset.rules)
del matcher, ruleset  # as a command's run() returns: freed by reference counts
marks.append((cpu(), wall()))
phases = {
    "imports": [marks[1][0] - marks[0][0], marks[1][1] - marks[0][1]],
    "parse": spent["parse"],
    "positions": spent["positions"],
    "build": [
        marks[2][0] - marks[1][0] - spent["parse"][0] - spent["positions"][0],
        marks[2][1] - marks[1][1] - spent["parse"][1] - spent["positions"][1],
    ],
    "compile": [marks[3][0] - marks[2][0], marks[3][1] - marks[2][1]],
    "free": [marks[4][0] - marks[3][0], marks[4][1] - marks[3][1]],
}
print(json.dumps({"phases": phases, "entities": counts[0], "rules": counts[1],
                  "rss_loaded_kb": rss_loaded, "rss_compiled_kb": rss_compiled}))
"""
"""One load in a fresh process: each phase's [CPU, wall] seconds, from the child's clocks."""

PROFILE = """\
import cProfile, pstats, sys
from pathlib import Path
from marsad.bot.commands.match import uncollected
from marsad.matching.engine import Matcher
from marsad.matching.rulefile import load_rules
with uncollected():
    ruleset = load_rules([Path(sys.argv[1])])
    profile = cProfile.Profile()
    profile.enable()
    Matcher.compile(ruleset)
    profile.disable()
stats = pstats.Stats(profile, stream=sys.stdout)
stats.sort_stats("tottime").print_stats(15)
stats.sort_stats("cumulative").print_stats(25)
"""

# Forks the command from a small interpreter (python -S) so the child's peak RSS is its own,
# and reports its wall time, its CPU time and peak RSS (wait4) and what it printed.
RUNNER = """\
import json, os, sys, time
argv, cwd = json.loads(sys.stdin.read())
read, write = os.pipe()
start = time.perf_counter()
pid = os.fork()
if pid == 0:
    try:
        os.chdir(cwd)
        os.dup2(write, 1)
        os.execv(argv[0], argv)
    finally:
        os._exit(127)
os.close(write)
with os.fdopen(read) as pipe:
    out = pipe.read()
_, status, usage = os.wait4(pid, 0)
wall = time.perf_counter() - start
print(json.dumps([wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss,
                  os.waitstatus_to_exitcode(status), out]))
"""

PHASES = ("imports", "parse", "positions", "build", "compile", "free")


@dataclass(frozen=True)
class Load:
    """One fresh process loading one file: phases [CPU, wall], and the process as a whole."""

    entities: int
    rules: int
    phases: dict[str, list[float]]
    cpu_s: float
    wall_s: float
    peak_rss_mb: float
    loaded_rss_mb: float


def load_once(path: Path, mode: str) -> Load:
    """Load ``path`` in a fresh process with the collector ``paused`` or ``on``."""
    job = json.dumps([[sys.executable, "-c", CHILD, str(path), mode], str(ROOT)])
    done = subprocess.run(
        [sys.executable, "-S", "-c", RUNNER], input=job, capture_output=True, text=True, check=True
    )
    wall, cpu, rss_kb, status, out = json.loads(done.stdout)
    if status != 0:
        raise SystemExit(f"bench/rules_load.py: loading {path} exited with {status}")
    found = json.loads(out)
    return Load(
        found["entities"],
        found["rules"],
        found["phases"],
        cpu,
        wall,
        rss_kb / 1024,
        found["rss_loaded_kb"] / 1024,
    )


def write_files(corpus: Path, sizes: Sequence[int], folder: Path) -> dict[int, Path]:
    """A generated rule file per size (entities and rules of bench/match_entities.py)."""
    try:
        with corpus.open(encoding="utf-8") as stream:
            texts = [
                (data.get("title") or "") + "\n" + (data.get("text") or "")
                for data in map(json.loads, stream)
            ]
    except FileNotFoundError:
        raise SystemExit(f"bench/rules_load.py: no speed corpus at {corpus}") from None
    material = harvest(texts)
    files = {}
    for size in sizes:
        entities = generate(size, material)
        path = folder / f"gen{size}.toml"
        path.write_text(rule_file(entities, generated_rules(entities)), encoding="utf-8")
        files[size] = path
    return files


def med(loads: Sequence[Load], phase: str, clock: int) -> float:
    return statistics.median(load.phases[phase][clock] for load in loads)


def table(results: dict[tuple[int, str], list[Load]], megabytes: dict[int, float]) -> str:
    """Median of the runs per size and collector mode; per-1,000 costs show the growth."""
    head = (
        "| entities | rules | file MB | collector | imports | TOML parse | line positions "
        "| check and build | compile | reading + compiling | freeing | process CPU s "
        "| of which start-up and exit | process wall s | process CPU s per 1,000 entities "
        "| peak RSS MB (after reading) |"
    )
    rows = [head, "|" + "---|" * (head.count("|") - 1)]
    for (size, mode), loads in results.items():
        first = loads[0]
        cpu = {phase: med(loads, phase, 0) for phase in PHASES}
        load_cpu = cpu["parse"] + cpu["positions"] + cpu["build"] + cpu["compile"]
        process_cpu = statistics.median(load.cpu_s for load in loads)
        process_wall = statistics.median(load.wall_s for load in loads)
        peak = statistics.median(load.peak_rss_mb for load in loads)
        loaded = statistics.median(load.loaded_rss_mb for load in loads)
        rest = process_cpu - sum(cpu.values())
        label = "paused (the commands)" if mode == "paused" else "on (baseline)"
        rows.append(
            f"| {first.entities:,} | {first.rules:,} | {megabytes[size]:.1f} | {label} "
            f"| {cpu['imports']:.2f} | {cpu['parse']:.2f} | {cpu['positions']:.2f} "
            f"| {cpu['build']:.2f} | {cpu['compile']:.2f} | {load_cpu:.2f} | {cpu['free']:.2f} "
            f"| {process_cpu:.2f} | {rest:.2f} | {process_wall:.2f} "
            f"| {1000 * process_cpu / first.entities:.3f} | {peak:.0f} ({loaded:.0f}) |"
        )
    return "\n".join(rows)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,5000,10000,20000", help="entities per file")
    parser.add_argument("--runs", type=int, default=2, help="fresh processes per size and mode")
    parser.add_argument("--profile", type=int, default=None, metavar="N", help="profile compile")
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    args = parser.parse_args(argv)
    sizes = [int(size) for size in args.sizes.split(",")]
    start_load = os.getloadavg()[0]
    wanted = sorted({*sizes, *([args.profile] if args.profile else [])})
    with tempfile.TemporaryDirectory(prefix="marsad-rules-load-") as folder:
        files = write_files(args.corpus, wanted, Path(folder))
        megabytes = {size: path.stat().st_size / 1e6 for size, path in files.items()}
        results: dict[tuple[int, str], list[Load]] = {}
        for size in sizes:
            for _ in range(args.runs):  # the modes interleaved, so load changes hit both
                for mode in ("paused", "on"):
                    results.setdefault((size, mode), []).append(load_once(files[size], mode))
            print(f"  measured {size:,} entities", file=sys.stderr)
        profile = None
        if args.profile is not None:
            profile = subprocess.run(
                [sys.executable, "-c", PROFILE, str(files[args.profile])],
                cwd=ROOT,
                capture_output=True,
                text=True,
                check=True,
            ).stdout
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    print(
        f"Measured {stamp}, {os.cpu_count()} CPUs, load {start_load:.2f} at the start and "
        f"{os.getloadavg()[0]:.2f} at the end, Python {sys.version.split()[0]}; median of "
        f"{args.runs} fresh processes per row (CPU seconds unless named):\n"
    )
    print(table(results, megabytes))
    if profile is not None:
        print(f"\nMatcher.compile at {args.profile:,} entities under cProfile:\n")
        print(profile)


if __name__ == "__main__":
    main()

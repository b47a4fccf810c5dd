"""Benchmark: start-up time and peak memory of each command, whole, as a user runs it.

Every command runs in a new process, several times (interleaved with the baseline), and the
median wall time, CPU time (user + system of that child) and peak RSS of the child are shown.
Variants, in the same run:
  * now: the command as it ships (the pre-built lexicon, data/lexicon.bin);
  * baseline: the same command, the lexicon folded from wordfreq at first use as before
    (``marsad.matching.lexicon.frequencies`` replaced by lexicon_build.WordfreqLexicon);
  * before (with --before DIR): the same command run from another source tree, e.g. an
    older commit unpacked with ``git archive COMMIT | tar -x -C DIR``.
Rule files: the shipped rules, and generated files of 1,000 and 20,000 entities (made-up
Arabic names: persons of two words with a family-name alias, places with a derived form, one
rule per 20 entities).  Texts come from ../shared/speed-corpus/articles.jsonl, each article
used by one run only (the same article for every variant of that run).  Then, in fresh
processes, the CPU seconds of each phase of loading the generated files: reading and checking
them (load_rules), compiling the matcher (with the lexicon's first read).

    python3 bench/startup.py [--runs 5] [--large-runs 3] [--before DIR] [--corpus PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "speed-corpus" / "articles.jsonl"
LETTERS = "ابتثجحخدذرزسشصضطظعغفقكلمنهوي"
KINDS = ("person", "place", "org", "topic")

RUN = "import sys\nfrom marsad.bot.cli import main\nsys.exit(main(sys.argv[1:]))\n"
"""How a variant runs a command: what the ``marsad`` console script does."""
BASELINE = """\
import sys
from marsad.matching import lexicon
_old = None
def _frequencies():
    global _old
    if _old is None:
        from marsad.matching.lexicon_build import WordfreqLexicon
        _old = WordfreqLexicon()
    return _old
lexicon.frequencies = _frequencies
from marsad.bot.cli import main
sys.exit(main(sys.argv[1:]))
"""
PHASES = """\
import json, sys, time
from pathlib import Path
clock = time.process_time
start = clock()
from marsad.matching import lexicon
from marsad.matching.engine import Matcher
from marsad.matching.rulefile import load_rules
if sys.argv[2] == "baseline":
    from marsad.matching.lexicon_build import WordfreqLexicon
    _old = WordfreqLexicon()
    lexicon.frequencies = lambda: _old
imported = clock()
ruleset = load_rules([Path(sys.argv[1])])
loaded = clock()
Matcher.compile(ruleset)
compiled = clock()
print(json.dumps({"import": imported - start, "load": loaded - imported,
                  "compile": compiled - loaded, "entities": len(ruleset.entities)}))
"""


@dataclass(frozen=True)
class Sample:
    """One run of one command: wall and CPU seconds, peak RSS in MB, exit status."""

    wall: float
    cpu: float
    rss_mb: float
    status: int


@dataclass(frozen=True)
class Case:
    """A command line and the rule set it reads."""

    label: str
    rules: str
    argv: tuple[str, ...]
    runs: int


def fake_word(rng: random.Random, low: int = 4, high: int = 8) -> str:
    return "".join(rng.choice(LETTERS) for _ in range(rng.randint(low, high)))


def rule_file(count: int, seed: int = 7) -> str:
    """A rule file of ``count`` generated entities and one rule per 20 of them (at most 1,000)."""
    rng = random.Random(seed)
    tables = []
    for index in range(count):
        kind = KINDS[index % len(KINDS)]
        words = 2 if kind == "person" or rng.random() < 0.3 else 1
        name = " ".join(fake_word(rng) for _ in range(words))
        aliases = [name, name.split()[-1]] if words == 2 else [name]
        table = f'[[entity]]\nid = "e{index}"\nkind = "{kind}"\nname = "{name}"\n'
        table += "aliases = [" + ", ".join(f'"{a}"' for a in aliases) + "]\n"
        if kind == "place":
            table += f'forms = ["{fake_word(rng, 6, 9)}"]\n'
        tables.append(table)
    for index in range(min(1000, max(1, count // 20))):
        a, b, c = rng.sample(range(count), 3)
        query = f"(@e{a} OR @e{b}) AND (@e{c} OR تعاون OR تنسيق) AND NOT مباراة"
        tables.append(f'[[rule]]\nid = "r{index}"\ntitle = "rule {index}"\nquery = \'{query}\'\n')
    return "\n".join(tables)


def articles(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines]


# Runs one command and reports its wall time, CPU time and peak RSS.  A child's peak RSS
# counts the memory of the process it was forked from, so the child is forked from this small
# interpreter (python -S, ~8 MB), never from the benchmark holding the corpus.
RUNNER = """\
import json, os, sys, time
argv, cwd, env, log = json.loads(sys.stdin.read())
start = time.perf_counter()
pid = os.fork()
if pid == 0:
    try:
        os.chdir(cwd)
        null = os.open(os.devnull, os.O_WRONLY)
        err = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        os.dup2(null, 1)
        os.dup2(err, 2)
        os.execve(argv[0], argv, env)
    finally:
        os._exit(127)
_, status, usage = os.wait4(pid, 0)
wall = time.perf_counter() - start
print(json.dumps([wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss,
                  os.waitstatus_to_exitcode(status)]))
"""


def measure(argv: Sequence[str], cwd: Path, env: dict[str, str]) -> Sample:
    """Run ``argv`` once; its wall time, and its own CPU time and peak RSS (wait4)."""
    log = cwd / "stderr.txt"
    job = json.dumps([list(argv), str(cwd), env, str(log)])
    done = subprocess.run(
        [sys.executable, "-S", "-c", RUNNER], input=job, capture_output=True, text=True, check=True
    )
    wall, cpu, rss_kb, status = json.loads(done.stdout)
    if status != 0:
        sys.stderr.write(log.read_text(encoding="utf-8", errors="replace")[-600:])
    return Sample(wall, cpu, rss_kb / 1024, status)


def _argument(template: str, unused: Iterator[dict[str, str]], work: Path) -> str:
    """``template``, or for @TEXT the next article's text, for @BATCH a file of 200 more."""
    if template == "@TEXT":
        article = next(unused)
        text = (article["title"] + "\n" + article["text"]).strip()
        return text.replace("\x00", "")  # a command-line argument cannot hold a NUL
    if template == "@BATCH":
        batch = work / "batch.jsonl"
        lines = [json.dumps(next(unused), ensure_ascii=False) for _ in range(200)]
        batch.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return str(batch)
    return template


def environment(pythonpath: Path | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "MARSAD_TELEGRAM_TOKEN"}
    env.pop("PYTHONPATH", None)
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    return env


def _place(folder: Path, prefix: list[str], env: dict[str, str]) -> Path:
    """A variant's working folder: configurations (the shipped rules, the generated files one
    level up) and its own store, migrated beforehand by that variant's code (the first run on a
    new database imports alembic: a one-off; an older tree cannot read a newer database)."""
    folder.mkdir()
    store = '[database]\nurl = "sqlite:///marsad.db"\n'
    (folder / "config.toml").write_text(store, encoding="utf-8")
    for count in (1000, 20000):
        rules = f'rules = ["../gen{count}.toml"]\n'
        (folder / f"gen{count}.toml.config").write_text(rules + store, encoding="utf-8")
    subprocess.run([*prefix, "stories"], cwd=folder, env=env, capture_output=True, check=True)
    return folder


def median(samples: Sequence[Sample], field: str) -> float:
    return statistics.median(getattr(s, field) for s in samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per command and variant")
    parser.add_argument("--large-runs", type=int, default=3, help="runs at 20,000 entities")
    parser.add_argument("--before", type=Path, default=None, help="an older source tree")
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    args = parser.parse_args()
    corpus = articles(args.corpus)
    variants: dict[str, tuple[list[str], dict[str, str]]] = {
        "now": ([sys.executable, "-c", RUN], environment()),
        "baseline: lexicon from wordfreq": ([sys.executable, "-c", BASELINE], environment()),
    }
    if args.before is not None:
        before = args.before.resolve()
        variants[f"before ({before.name})"] = ([sys.executable, "-c", RUN], environment(before))
    with tempfile.TemporaryDirectory(prefix="marsad-startup-") as folder:
        work = Path(folder)
        for count in (1000, 20000):
            (work / f"gen{count}.toml").write_text(rule_file(count), encoding="utf-8")
        places = {
            name: _place(work / f"variant{i}", *variants[name]) for i, name in enumerate(variants)
        }
        unused = iter(corpus)  # each article is used by one run only
        cases = [
            Case("marsad --help", "", ("--help",), args.runs),
            Case("marsad explain TEXT", "shipped", ("explain", "@TEXT"), args.runs),
            Case("marsad check", "shipped", ("check",), args.runs),
            Case("marsad match (200 articles)", "shipped", ("match", "--input", "@BATCH"), 3),
            Case("marsad digest", "shipped", ("digest",), args.runs),
            Case("marsad stories", "shipped", ("stories",), args.runs),
            Case("marsad check", "1,000 entities", ("check", "--config", "gen1000.toml.config"), 3),
            Case(
                "marsad explain TEXT",
                "1,000 entities",
                ("explain", "--rules", "../gen1000.toml", "@TEXT"),
                3,
            ),
            Case(
                "marsad explain TEXT",
                "20,000 entities",
                ("explain", "--rules", "../gen20000.toml", "@TEXT"),
                args.large_runs,
            ),
            Case(
                "marsad check",
                "20,000 entities",
                ("check", "--config", "gen20000.toml.config"),
                args.large_runs,
            ),
        ]
        rows = []
        for case in cases:
            samples: dict[str, list[Sample]] = {name: [] for name in variants}
            for _ in range(case.runs):
                argv = [_argument(a, unused, work) for a in case.argv]
                for name, (prefix, env) in variants.items():
                    samples[name].append(measure([*prefix, *argv], places[name], env))
            for name, found in samples.items():
                failed = sum(1 for s in found if s.status != 0)
                rows.append((case, name, found, failed))
            print(f"  measured {case.label} ({case.rules or '-'})", file=sys.stderr)
        phases = []
        for count in (1000, 20000):
            for kind in ("now", "baseline"):
                done = subprocess.run(
                    [sys.executable, "-c", PHASES, str(work / f"gen{count}.toml"), kind],
                    cwd=work,
                    env=environment(),
                    capture_output=True,
                    text=True,
                    check=True,
                )
                phases.append((count, kind, json.loads(done.stdout)))
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    print(
        f"Measured {stamp}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}, Python "
        f"{sys.version.split()[0]}; median of the runs (each variant of a run on the same "
        "article):\n"
    )
    print("| command | rules | variant | runs | wall s | CPU s | peak RSS MB |")
    print("|---|---|---|---|---|---|---|")
    for case, name, found, failed in rows:
        runs = f"{len(found)}" + (f" ({failed} failed)" if failed else "")
        if not found:  # not run (--large-runs 0), or every run failed
            print(f"| {case.label} | {case.rules or '-'} | {name} | {runs} | - | - | - |")
            continue
        print(
            f"| {case.label} | {case.rules or '-'} | {name} | {runs} | "
            f"{median(found, 'wall'):.2f} | {median(found, 'cpu'):.2f} | "
            f"{median(found, 'rss_mb'):.0f} |"
        )
    print("\nLoading a generated rule file, CPU seconds by phase (one fresh process each):\n")
    print("| entities | lexicon | imports | read and check (load_rules) | compile | total |")
    print("|---|---|---|---|---|---|")
    for count, kind, found in phases:
        total = found["import"] + found["load"] + found["compile"]
        print(
            f"| {count:,} | {'pre-built' if kind == 'now' else 'from wordfreq'} | "
            f"{found['import']:.2f} | {found['load']:.2f} | {found['compile']:.2f} | {total:.2f} |"
        )


if __name__ == "__main__":
    main()

"""Benchmark: 1, 2 and 3 watcher processes sharing 10,000 sources on one PostgreSQL database.

    python bench/scale.py [--sources 10000] [--processes 1,2,3] [--cycles 4] [--interval 900]
    python bench/scale.py --quick          # 500 sources, 3 cycles: to try it

The sources are RSS feeds served on loopback by bench/scale_feeds.py in a child process (its
CPU is not counted), spread over 253 loopback addresses so `[polling] per_host` applies per
address as it would per site; each feed starts with a backlog of real-looking Arabic items and
gains one new item in ~5 % of its polls; ETag / If-None-Match is honoured. For each number of
processes the bench creates a fresh PostgreSQL database (127.0.0.1:5432, trust auth), writes a
configuration of every source (shipped rules, no Telegram token) and starts that many
``marsad run --role watcher`` processes at once.

Cycle 1 polls every source once (its backlog stored, matched, put in stories). The interval is
long, so nothing is due again on its own: once every source has been polled and no lease is
held, the bench makes every source due at once (``UPDATE sources SET next_poll_at = now()``)
for each steady cycle (mostly 304). A cycle runs from its first request to the moment its last
poll has released its lease. Reported per cycle: wall time, polls per second, CPU per poll of
the watcher processes (``/proc/PID/stat``) and of the database's PostgreSQL backends,
transactions and ``sources`` row writes per poll (``pg_stat_database``, ``pg_stat_user_tables``)
and, from each process's ``/metrics`` (``--metrics``), the claim metrics it exposes; per run:
start-up, peak RSS per process (``VmHWM``), items stored, failed sources and polls that came
too soon after the previous poll of the same source (a source polled twice). The 1-process run
is the baseline of the speed-ups.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from prometheus_client.parser import text_string_to_metric_families

ROOT = Path(__file__).resolve().parents[1]
ADMIN = "host=127.0.0.1 port=5432 dbname=postgres user=postgres connect_timeout=3"
STORE_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
TICK = os.sysconf("SC_CLK_TCK")
CLAIM_METRIC = re.compile(r"claim|lease", re.IGNORECASE)


def proc_cpu(pid: int) -> float | None:
    """User + system CPU seconds of a live process (its threads included)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / TICK


def proc_peak_mb(pid: int) -> float:
    """Peak resident memory of a live process (VmHWM), MB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def get_json(url: str) -> dict[str, object]:
    with urllib.request.urlopen(url, timeout=10) as answer:
        return dict(json.loads(answer.read()))


def print_table(header: str, titles: list[str], rows: list[list[str]]) -> None:
    table = [titles, *rows]
    widths = [max(len(line[i]) for line in table) for i in range(len(titles))]
    print(header)
    for number, line in enumerate(table):
        print("| " + " | ".join(cell.ljust(widths[i]) for i, cell in enumerate(line)) + " |")
        if number == 0:
            print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    print(flush=True)


@contextmanager
def feed_server(args: argparse.Namespace) -> Iterator[tuple[list[str], str, int]]:
    """The feeds of bench/scale_feeds.py in a child process: (urls, stats url, pid)."""
    command = [
        sys.executable,
        str(ROOT / "bench" / "scale_feeds.py"),
        f"--feeds={args.sources}",
        f"--backlog={args.backlog}",
        f"--new-share={args.new_share}",
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        started = json.loads(process.stdout.readline())
        urls = [str(url) for url in started["urls"]]
        yield urls, urls[0].rsplit("/feed/", 1)[0] + "/_stats", process.pid
    finally:
        process.terminate()
        process.wait(timeout=30)


@contextmanager
def fresh_database() -> Iterator[str]:
    """A new, empty PostgreSQL database, dropped afterwards: its name."""
    name = f"marsad_bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield name
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def write_config(folder: Path, database: str, urls: list[str], args: argparse.Namespace) -> Path:
    sources = "".join(
        f'[[sources]]\nname = "source-{i}"\nurl = "{url}"\n' for i, url in enumerate(urls)
    )
    lease = f'[service]\nlease = "{args.lease}s"\n' if args.lease else ""
    path = folder / "config.toml"
    path.write_text(
        f'[database]\nurl = "{STORE_URL.format(name=database)}"\n'
        '[telegram]\ntoken_env = "MARSAD_BENCH_NO_TOKEN"\n'
        f'[polling]\ninterval = "{args.interval}s"\nconcurrency = {args.concurrency}\n'
        f'per_host = {args.per_host}\nallow_private = ["127.0.0.0/8"]\n{lease}{sources}',
        encoding="utf-8",
    )
    return path


def snapshot_package(rev: str | None, folder: Path) -> Path:
    """A copy of the package to run, so that edits made while the bench runs change nothing:
    the working tree's ``marsad/``, or the one of git revision ``rev``."""
    if rev is None:
        shutil.copytree(ROOT / "marsad", folder / "marsad", ignore=shutil.ignore_patterns("*.pyc"))
    else:
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", rev, "marsad"], capture_output=True, check=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return folder


def run_options(package: Path) -> tuple[bool, bool]:
    """Whether this package's `marsad run` takes --role and --metrics."""
    text = subprocess.run(
        [sys.executable, "-m", "marsad", "run", "--help"],
        capture_output=True,
        text=True,
        check=True,
        cwd=package,
    ).stdout
    return "--role" in text, "--metrics" in text


@dataclass
class Snapshot:
    """The counters at one moment of a run."""

    at: float
    requests: int
    watchers_cpu: float
    postgres_cpu: float
    server_cpu: float
    transactions: int
    source_writes: int
    source_reads: int
    claims: dict[str, float]


@dataclass(frozen=True)
class CycleResult:
    number: int
    wall: float
    polls: int
    ok: int
    not_modified: int
    new_items: int
    before: Snapshot
    after: Snapshot


@dataclass
class RunResult:
    processes: int
    startup: float = 0.0
    cycles: list[CycleResult] = field(default_factory=list)
    peaks: list[float] = field(default_factory=list)
    items: int = 0
    failed: int = 0
    extra: int = 0
    claim_ms: dict[str, float] = field(default_factory=dict)


class Watchers:
    """The `marsad run` processes of one run and what the bench reads of them."""

    def __init__(self, count: int, config: Path, database: str, args: argparse.Namespace):
        self.database = database
        self.metrics: list[str] = []
        self.processes: list[subprocess.Popen[bytes]] = []
        self.postgres: dict[int, float] = {}
        has_role, has_metrics = args.run_options
        env = {k: v for k, v in os.environ.items() if k != "MARSAD_BENCH_NO_TOKEN"}
        env["PYTHONPATH"] = str(args.package)
        for number in range(count):
            command = [sys.executable, "-m", "marsad", "run", "--config", str(config)]
            if has_role:
                command += ["--role", "watcher"]
            if has_metrics:
                port = free_port()
                command += ["--metrics", f"127.0.0.1:{port}"]
                self.metrics.append(f"http://127.0.0.1:{port}/metrics")
            with open(config.parent / f"run-{number}.log", "wb") as log:
                self.processes.append(
                    subprocess.Popen(
                        command, cwd=config.parent, env=env, stdout=log, stderr=subprocess.STDOUT
                    )
                )
        self.logs = [config.parent / f"run-{n}.log" for n in range(count)]
        self.admin = psycopg.connect(ADMIN, autocommit=True)
        self.store = psycopg.connect(ADMIN.replace("dbname=postgres", f"dbname={database}"))
        self.store.autocommit = True

    def check_alive(self) -> None:
        for process, log in zip(self.processes, self.logs, strict=True):
            if process.poll() is not None:
                tail = log.read_text(errors="replace")[-3000:]
                raise SystemExit(f"marsad run exited with {process.returncode}:\n{tail}")

    def cpu(self) -> float:
        return sum(proc_cpu(p.pid) or 0.0 for p in self.processes)

    def postgres_cpu(self) -> float:
        """CPU of the database's backends (autovacuum included), each at its last reading."""
        rows = self.admin.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s", (self.database,)
        ).fetchall()
        for (pid,) in rows:
            used = proc_cpu(int(pid))
            if used is not None:
                self.postgres[int(pid)] = used
        return sum(self.postgres.values())

    def counters(self) -> tuple[int, int, int]:
        """(transactions, rows written to ``sources``, rows of ``sources`` read by scans and
        index fetches) of the database so far."""
        try:
            tx = self.store.execute(
                "SELECT xact_commit + xact_rollback FROM pg_stat_database "
                "WHERE datname = current_database()"
            ).fetchone()
            rows = self.store.execute(
                "SELECT n_tup_upd + n_tup_ins, seq_tup_read + coalesce(idx_tup_fetch, 0) "
                "FROM pg_stat_user_tables WHERE relname = 'sources'"
            ).fetchone()
        except psycopg.Error:
            return 0, 0, 0
        if tx is None or rows is None:
            return 0, 0, 0
        return int(tx[0]), int(rows[0]), int(rows[1])

    def claim_metrics(self) -> dict[str, float]:
        """The claim and lease samples of every process's /metrics, summed by name."""
        totals: dict[str, float] = {}
        for url in self.metrics:
            try:
                with urllib.request.urlopen(url, timeout=5) as answer:
                    text = answer.read().decode()
            except OSError:
                continue
            for family in text_string_to_metric_families(text):
                for sample in family.samples:
                    if CLAIM_METRIC.search(sample.name):
                        totals[sample.name] = totals.get(sample.name, 0.0) + sample.value
        return totals

    def leases_held(self) -> int:
        try:
            row = self.store.execute(
                "SELECT count(*) FROM sources WHERE lease_owner IS NOT NULL"
            ).fetchone()
        except psycopg.Error:
            return 0
        return int(row[0]) if row else 0

    def make_all_due(self) -> None:
        self.store.execute("UPDATE sources SET next_poll_at = now()")

    def stop(self) -> list[float]:
        """SIGTERM every process, wait for it; the peak RSS of each, MB (from its rusage)."""
        for process in self.processes:
            process.send_signal(signal.SIGTERM)
        peaks = []
        for process in self.processes:
            deadline = time.monotonic() + 120
            while True:
                pid, status, usage = os.wait4(process.pid, os.WNOHANG)
                if pid:
                    process.returncode = os.waitstatus_to_exitcode(status)
                    peaks.append(usage.ru_maxrss / 1024)
                    break
                if time.monotonic() > deadline:
                    process.kill()
                time.sleep(0.2)
        self.admin.close()
        self.store.close()
        return peaks


def snapshot(watchers: Watchers, stats: dict[str, object], at: float, server: int) -> Snapshot:
    cycles = stats["cycles"]
    assert isinstance(cycles, list)
    transactions, writes, reads = watchers.counters()
    return Snapshot(
        at=at,
        requests=sum(int(c["reached"]) for c in cycles),
        watchers_cpu=watchers.cpu(),
        postgres_cpu=watchers.postgres_cpu(),
        server_cpu=proc_cpu(server) or 0.0,
        transactions=transactions,
        source_writes=writes,
        source_reads=reads,
        claims=watchers.claim_metrics(),
    )


def run_processes(count: int, args: argparse.Namespace) -> RunResult:
    """One run: a fresh database, ``count`` watcher processes, ``args.cycles`` cycles."""
    result = RunResult(count)
    with (
        feed_server(args) as (urls, stats_url, server),
        fresh_database() as database,
        tempfile.TemporaryDirectory(prefix="marsad-scale-") as folder,
    ):
        config = write_config(Path(folder), database, urls, args)
        spawned = time.monotonic()
        watchers = Watchers(count, config, database, args)
        try:
            measure(watchers, stats_url, server, spawned, result, args)
        except BaseException:
            for log in watchers.logs:
                print(f"--- {log.name}\n{log.read_text(errors='replace')[-2000:]}", file=sys.stderr)
            raise
        finally:
            running = [proc_peak_mb(p.pid) for p in watchers.processes]
            peaks = watchers.stop()
            result.peaks = [max(a, b) for a, b in zip(running, peaks, strict=False)]
        with psycopg.connect(ADMIN.replace("dbname=postgres", f"dbname={database}")) as store:
            items = store.execute("SELECT count(*) FROM items").fetchone()
            failed = store.execute(
                "SELECT count(*) FROM sources WHERE consecutive_failures > 0"
            ).fetchone()
        result.items = int(items[0]) if items else 0
        result.failed = int(failed[0]) if failed else 0
        result.claim_ms = claim_cost(database, args.package)
    return result


def measure(
    watchers: Watchers,
    stats_url: str,
    server: int,
    spawned: float,
    result: RunResult,
    args: argparse.Namespace,
) -> None:
    """Sample until ``args.cycles`` cycles are done; a cycle ends once every source was polled
    that many times and no lease is held."""
    before: Snapshot | None = None
    start: Snapshot | None = None
    progress, progress_at = -1, time.monotonic()
    while len(result.cycles) < args.cycles:
        time.sleep(0.25)
        watchers.check_alive()
        stats = get_json(stats_url)
        cycles = stats["cycles"]
        assert isinstance(cycles, list)
        requests = sum(int(c["reached"]) for c in cycles)
        if requests != progress:
            progress, progress_at = requests, time.monotonic()
        elif time.monotonic() - progress_at > args.stall:
            raise SystemExit(f"no poll for {args.stall} s; {requests} polls so far")
        if before is None:
            if requests == 0:
                watchers.postgres_cpu()  # know the backends before they do the work
                start = snapshot(watchers, stats, time.monotonic(), server)
                continue
            result.startup = float(cycles[0]["first_at"]) - spawned
            before = start or snapshot(watchers, stats, time.monotonic(), server)
            before.at = float(cycles[0]["first_at"])
        number = len(result.cycles) + 1
        current = cycles[number - 1] if len(cycles) >= number else None
        watchers.postgres_cpu()
        if current is None or current["completed_at"] is None or watchers.leases_held():
            continue
        after = snapshot(watchers, stats, time.monotonic(), server)
        result.cycles.append(
            CycleResult(
                number,
                after.at - before.at,
                after.requests - before.requests,
                int(current["ok"]),
                int(current["not_modified"]),
                int(current["new_items"]),
                before,
                after,
            )
        )
        # Every source has been polled ``number`` times and none is due: any request beyond
        # that was a source polled twice.
        result.extra = max(result.extra, after.requests - number * int(str(stats["feeds"])))
        print(f"  {result.processes} process(es): cycle {number} in {after.at - before.at:.1f} s")
        if len(result.cycles) < args.cycles and args.trigger:
            watchers.make_all_due()
            before = snapshot(watchers, get_json(stats_url), time.monotonic(), server)
        else:
            before = after


CLAIM_PROBES = ("1 of all due", "20 of all due", "none due")
CLAIM_SCRIPT = """
import json, sys, time
from datetime import UTC, datetime, timedelta
from sqlalchemy import text
from marsad.store.engine import create_store_engine, session
from marsad.store.source_leases import DueWindow, claim_due, release

engine = create_store_engine(sys.argv[1])
window = DueWindow(healthy=timedelta(days=1), failing=timedelta(days=30))
found = {}
for label, limit, due in json.loads(sys.argv[2]):
    with engine.begin() as connection:
        connection.execute(text(
            "UPDATE sources SET lease_owner = NULL, lease_until = NULL, next_poll_at = "
            + ("now()" if due else "now() + interval '1 hour'")
        ))
    spent = []
    for _ in range(100):
        started = time.perf_counter()
        with session(engine) as s:
            claim_due(s, "bench", now=datetime.now(UTC), lease=timedelta(minutes=2),
                      limit=limit, window=window)
        spent.append(time.perf_counter() - started)
        with session(engine) as s:
            release(s, "bench")
    found[label] = 1000 * sorted(spent)[len(spent) // 2]
print(json.dumps(found))
"""


def claim_cost(database: str, package: Path) -> dict[str, float]:
    """Median wall ms of one claim transaction (``source_leases.claim_due``) on the run's
    database after the run, alone: of 1 and of 20 sources when all are due, and the idle look
    when none is (each process makes it every second)."""
    probes = [
        [CLAIM_PROBES[0], 1, True],
        [CLAIM_PROBES[1], 20, True],
        [CLAIM_PROBES[2], 20, False],
    ]
    done = subprocess.run(
        [sys.executable, "-c", CLAIM_SCRIPT, STORE_URL.format(name=database), json.dumps(probes)],
        capture_output=True,
        text=True,
        check=False,
        cwd=package,  # `python -c` puts the working folder first on sys.path
        env={**os.environ, "PYTHONPATH": str(package)},
    )
    if done.returncode != 0:
        print(f"claim probe failed: {done.stderr[-500:]}", file=sys.stderr)
        return {}
    return {str(k): float(v) for k, v in json.loads(done.stdout).items()}


def claims_only(args: argparse.Namespace) -> None:
    """The claim probe alone, on a fresh database of ``args.sources`` sources (no polls)."""
    with fresh_database() as database:
        migrate = "import sys; from marsad.store.engine import open_store; open_store(sys.argv[1])"
        url = STORE_URL.format(name=database)
        subprocess.run(
            [sys.executable, "-c", migrate, url],
            check=True,
            cwd=args.package,
            env={**os.environ, "PYTHONPATH": str(args.package)},
        )
        with psycopg.connect(ADMIN.replace("dbname=postgres", f"dbname={database}")) as store:
            store.execute(
                "INSERT INTO sources (name, config_url, url, kind, consecutive_failures, "
                "items_seen, origin) SELECT 'source-' || n, 'http://127.0.0.2/feed/' || n, "
                "'http://127.0.0.2/feed/' || n, 'feed', 0, 0, 'config' "
                "FROM generate_series(0, %s) AS n",
                (args.sources - 1,),
            )
            store.execute("ANALYZE sources")
        found = claim_cost(database, args.package)
    print_table(
        f"One claim transaction (source_leases.claim_due), median of 100, on {args.sources} "
        "sources and an otherwise idle database",
        ["claim", "ms"],
        [[k, f"{v:.2f}"] for k, v in found.items()],
    )


def per_poll(value: float, polls: int, scale: float = 1000.0) -> str:
    return f"{scale * value / max(1, polls):.2f}"


def report(results: list[RunResult], args: argparse.Namespace) -> None:
    cpus = os.cpu_count() or 1
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    names = sorted({n for r in results for c in r.cycles for n in c.after.claims})
    rows = []
    for result in results:
        for cycle in result.cycles:
            a, b, polls = cycle.after, cycle.before, cycle.polls
            rows.append(
                [
                    str(result.processes),
                    str(cycle.number),
                    f"{cycle.wall:.1f}",
                    str(polls),
                    f"{polls / cycle.wall:.0f}",
                    f"{cycle.ok}/{cycle.not_modified}",
                    str(cycle.new_items),
                    per_poll(a.watchers_cpu - b.watchers_cpu, polls),
                    per_poll(a.postgres_cpu - b.postgres_cpu, polls),
                    per_poll(a.server_cpu - b.server_cpu, polls),
                    per_poll(a.transactions - b.transactions, polls, 1.0),
                    per_poll(a.source_writes - b.source_writes, polls, 1.0),
                    f"{(a.source_reads - b.source_reads) / max(1, polls):.0f}",
                    *(
                        per_poll(a.claims.get(n, 0.0) - b.claims.get(n, 0.0), polls, 1.0)
                        for n in names
                    ),
                ]
            )
    print_table(
        f"{args.sources} sources on 253 loopback addresses, backlog {args.backlog} items, "
        f"~{100 * args.new_share:.0f} % gain an item per cycle; concurrency {args.concurrency}, "
        f"per_host {args.per_host}; machine: {cpus} CPUs (load {load} at the end). CPU columns "
        "are ms per poll; the last columns are per poll",
        [
            "watchers",
            "cycle",
            "wall s",
            "polls",
            "polls/s",
            "200/304",
            "new items",
            "CPU watchers",
            "CPU PostgreSQL",
            "CPU feed server",
            "transactions",
            "sources row writes",
            "sources rows read",
            *names,
        ],
        rows,
    )
    base = results[0]
    summary = []
    for result in results:
        first, steady = result.cycles[0], result.cycles[1:]
        steady_wall = sum(c.wall for c in steady) / max(1, len(steady))
        steady_polls = sum(c.polls for c in steady) / max(1, len(steady))
        base_steady = sum(c.wall for c in base.cycles[1:]) / max(1, len(base.cycles) - 1)
        steady_cpu = sum(c.after.watchers_cpu - c.before.watchers_cpu for c in steady)
        summary.append(
            [
                str(result.processes),
                f"{result.startup:.1f}",
                f"{first.wall:.1f}",
                f"{base.cycles[0].wall / first.wall:.2f}",
                f"{steady_wall:.1f}" if steady else "-",
                f"{base_steady / steady_wall:.2f}" if steady else "-",
                f"{steady_polls / steady_wall:.0f}" if steady else "-",
                per_poll(first.after.watchers_cpu - first.before.watchers_cpu, first.polls),
                per_poll(steady_cpu, sum(c.polls for c in steady)) if steady else "-",
                " / ".join(f"{p:.0f}" for p in result.peaks),
                str(result.items),
                str(result.failed),
                str(result.extra),
                *(f"{result.claim_ms.get(k, float('nan')):.2f}" for k in CLAIM_PROBES),
            ]
        )
    print_table(
        f"Speed-up against 1 process (machine: {cpus} CPUs; the feed server and PostgreSQL "
        "share them)",
        [
            "watchers",
            "start-up s",
            "first cycle s",
            "speed-up",
            "steady cycle s",
            "speed-up",
            "steady polls/s",
            "CPU ms/poll first",
            "CPU ms/poll steady",
            "peak RSS MB per process",
            "items stored",
            "failed sources",
            "sources polled twice",
            *(f"claim ms: {k}" for k in CLAIM_PROBES),
        ],
        summary,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sources", type=int, default=10_000)
    parser.add_argument("--processes", default="1,2,3", help="comma list of watcher counts")
    parser.add_argument("--cycles", type=int, default=4, help="the first cycle and steady ones")
    parser.add_argument(
        "--interval", type=int, default=900, help="[polling] interval, s (long: cycles are made)"
    )
    parser.add_argument("--backlog", type=int, default=5, help="items per feed at first")
    parser.add_argument("--new-share", type=float, default=0.05)
    parser.add_argument("--concurrency", type=int, default=20, help="[polling] concurrency")
    parser.add_argument("--per-host", type=int, default=4, help="[polling] per_host")
    parser.add_argument("--lease", type=int, default=0, help="[service] lease, s (0: default)")
    parser.add_argument("--stall", type=int, default=300, help="give up after s without a poll")
    parser.add_argument(
        "--no-trigger",
        dest="trigger",
        action="store_false",
        help="do not make every source due after each cycle (steady cycles come by interval)",
    )
    parser.add_argument("--rev", help="run the package of this git revision (default: the tree)")
    parser.add_argument(
        "--claims-only", action="store_true", help="only time claim transactions (no polls)"
    )
    parser.add_argument("--quick", action="store_true", help="500 sources, 3 cycles")
    args = parser.parse_args()
    if args.quick:
        args.sources, args.cycles = 500, 3
    with tempfile.TemporaryDirectory(prefix="marsad-scale-package-") as package:
        args.package = snapshot_package(args.rev, Path(package))
        args.run_options = run_options(args.package)
        if not args.run_options[0]:
            print("note: this tree's `marsad run` has no --role; running the default role")
        if args.claims_only:
            claims_only(args)
            return
        results = []
        for count in [int(n) for n in args.processes.split(",")]:
            print(f"{count} watcher process(es), {args.sources} sources ...", flush=True)
            results.append(run_processes(count, args))
    report(results, args)


if __name__ == "__main__":
    main()

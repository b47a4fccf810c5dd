"""Several `marsad run` processes on one database, each in its own folder with its own log and
``/metrics`` address, started with ``--role``; stopped with SIGTERM or killed with SIGKILL.

    with Cluster(tmp_path, config_text, token=fake.token) as cluster:
        watcher = cluster.start("watcher")
        bot = cluster.start("bot,sender")
        watcher.kill()                       # kill -9
        bot.metrics().total("marsad_items_total")

On leaving, every process still running is stopped with SIGTERM and must exit 0 with no
traceback in its log; the logs' last lines are printed (pytest shows them when the test
failed).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Self

from prometheus_client.parser import text_string_to_metric_families

from tests.service import start_service


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on now (``--metrics`` needs a fixed port)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_until(
    condition: Callable[[], bool], timeout: float, what: str, *, every: float = 0.1
) -> None:
    """Poll ``condition`` until it holds; fail naming ``what`` after ``timeout`` seconds.
    How long it took is printed (pytest shows it with a failure's output)."""
    start = time.monotonic()
    while not condition():
        if time.monotonic() - start > timeout:
            raise AssertionError(f"not within {timeout:g}s: {what}")
        time.sleep(every)
    print(f"{time.monotonic() - start:6.1f}s  {what}")


@dataclass(frozen=True)
class Sample:
    name: str
    labels: Mapping[str, str]
    value: float


@dataclass(frozen=True)
class Metrics:
    """One scrape of a process's ``/metrics``."""

    samples: tuple[Sample, ...]

    @classmethod
    def parse(cls, text: str) -> Metrics:
        return cls(
            tuple(
                Sample(s.name, dict(s.labels), float(s.value))
                for family in text_string_to_metric_families(text)
                for s in family.samples
            )
        )

    def names(self) -> set[str]:
        return {s.name for s in self.samples}

    def total(self, name: str, **labels: str) -> float:
        """The sum of ``name``'s samples whose labels include ``labels`` (0 when none)."""
        return sum(
            s.value
            for s in self.samples
            if s.name == name and all(s.labels.get(k) == v for k, v in labels.items())
        )

    def by_label(self, name: str, label: str) -> dict[str, float]:
        """``name``'s samples summed per value of ``label``."""
        result: dict[str, float] = {}
        for s in self.samples:
            if s.name == name:
                key = s.labels.get(label, "")
                result[key] = result.get(key, 0.0) + s.value
        return result


@dataclass
class Node:
    """One `marsad run --role ROLES` process."""

    name: str
    roles: str
    process: subprocess.Popen[str]
    log: Path
    metrics_address: str
    killed: bool = False

    @property
    def pid(self) -> int:
        return self.process.pid

    def running(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        """``kill -9``: no clean stop, no retiring, leases and locks left as they were."""
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)
        self.killed = True

    def stop(self) -> int:
        """SIGTERM, then the exit status."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=60)

    def fetch(self, path: str) -> tuple[int, str]:
        """GET ``path`` from the process's metrics address: (status, body)."""
        url = f"http://{self.metrics_address}{path}"
        try:
            with urllib.request.urlopen(url, timeout=5) as answer:
                return answer.status, answer.read().decode("utf-8")
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode("utf-8", "replace")

    def metrics(self) -> Metrics:
        status, body = self.fetch("/metrics")
        assert status == 200, f"{self.name}: /metrics answered {status}: {body[:300]}"
        return Metrics.parse(body)

    def serving(self) -> bool:
        """Whether its metrics address answers (the process is up)."""
        assert self.running(), f"{self.name} exited early:\n{self.tail()}"
        with contextlib.suppress(OSError):
            return self.fetch("/healthz")[0] in (200, 503)
        return False

    def tail(self, lines: int = 60) -> str:
        text = self.log.read_text(encoding="utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


@dataclass
class Cluster:
    """The processes of one test, all on the configuration ``config_text``."""

    folder: Path
    config_text: str
    token: str | None = None
    nodes: list[Node] = field(default_factory=list)

    def start(self, roles: str, *extra: str) -> Node:
        """Start `marsad run --role ROLES --metrics 127.0.0.1:PORT` in a folder of its own."""
        name = f"p{len(self.nodes)}-{roles.replace(',', '+')}"
        folder = self.folder / name
        folder.mkdir(parents=True)
        address = f"127.0.0.1:{free_port()}"
        process, log = start_service(
            folder,
            self.config_text,
            "--role",
            roles,
            "--metrics",
            address,
            *extra,
            token=self.token,
        )
        node = Node(name, roles, process, log, address)
        self.nodes.append(node)
        return node

    def wait_serving(self, timeout: float = 30) -> None:
        """Every process answers on its metrics address."""
        for node in self.nodes:
            wait_until(node.serving, timeout, f"{node.name} serves /healthz")

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        codes = {node.name: node.stop() for node in self.nodes if not node.killed}
        for node in self.nodes:
            print(f"===== {node.name} ({'killed' if node.killed else 'stopped'}) =====")
            print(node.tail(40))
        if exc_type is None:
            failed = {name: code for name, code in codes.items() if code != 0}
            assert not failed, f"processes did not stop cleanly: {failed}"
            crashed = [node.name for node in self.nodes if "Traceback" in node.log_text()]
            assert not crashed, f"tracebacks in the logs of {crashed}"

"""Load and validate ``config.toml`` (DESIGN §4) into frozen dataclasses.

Every problem names the file, the key (and its line when it can be found) and what is wrong;
all problems of a file are reported together.  Secrets are never read from the file: the
Telegram token comes from the environment variable the file names.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import time, timedelta
from enum import StrEnum
from ipaddress import IPv4Network, IPv6Network
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from marsad import config_values as values
from marsad.errors import ConfigError, Problem

SHIPPED_RULES = Path(__file__).resolve().parent / "rules"
DEFAULT_CONFIG_NAME = "config.toml"
POLITE_INTERVAL = timedelta(minutes=1)


class SourceKind(StrEnum):
    """How a source is read: a syndication feed, or a listing page of article links."""

    FEED = "feed"
    PAGE = "page"
    SITEMAP = "sitemap"
    TELEGRAM = "telegram"


_TELEGRAM_CHANNEL = re.compile(r"^/s/([A-Za-z0-9_]{1,64})/?$")
_TELEGRAM_HOSTS = frozenset({"t.me", "telegram.me", "www.t.me", "www.telegram.me"})


def telegram_channel(url: str) -> str | None:
    """The channel NAME of a public preview URL (``https://t.me/s/NAME``, on any host so tests
    can serve it), or None when the URL is not one."""
    found = _TELEGRAM_CHANNEL.match(urlsplit(url.strip()).path)
    return found.group(1) if found else None


def telegram_url_problem(url: str) -> tuple[str, str | None] | None:
    """Why ``url`` cannot be a telegram source (message, hint), or None when it can."""
    if telegram_channel(url) is not None:
        return None
    parts = urlsplit(url.strip())
    name = parts.path.strip("/")
    hint = None
    if (parts.hostname or "").lower() in _TELEGRAM_HOSTS and re.fullmatch(r"\w{1,64}", name):
        hint = f"did you mean https://t.me/s/{name}?"
    message = "a telegram source's url must be the channel's public preview, https://t.me/s/NAME"
    return message, hint


class Access(StrEnum):
    """Who may use the bot."""

    OPEN = "open"
    ALLOWLIST = "allowlist"


@dataclass(frozen=True)
class SourceConfig:
    """One news source to poll."""

    name: str
    url: str
    kind: SourceKind = SourceKind.FEED
    interval: timedelta | None = None
    language: str | None = None
    tags: tuple[str, ...] = ()
    selector: str | None = None
    priority: int = 0
    enabled: bool = True


@dataclass(frozen=True)
class DatabaseConfig:
    """Where the store lives; ``url`` is already resolved against the config file's folder."""

    url: str = "sqlite:///marsad.db"


@dataclass(frozen=True)
class TelegramConfig:
    """The bot's connection and access settings (the token itself stays in the environment)."""

    token_env: str = "MARSAD_TELEGRAM_TOKEN"
    base_url: str = ""
    admins: tuple[int, ...] = ()
    access: Access = Access.OPEN
    allow: tuple[int, ...] = ()

    def token(self, environ: Mapping[str, str] | None = None) -> str | None:
        """The bot token from the environment, or None when unset (console mode)."""
        value = (os.environ if environ is None else environ).get(self.token_env, "").strip()
        return value or None


@dataclass(frozen=True)
class PollingConfig:
    """How sources are fetched."""

    interval: timedelta = timedelta(minutes=5)
    concurrency: int = 20
    timeout: timedelta = timedelta(seconds=20)
    max_bytes: int = 10_000_000
    per_host: int = 4
    jitter: float = 0.1
    user_agent: str = ""
    #: Internal addresses/networks that may be fetched (see docs/watchers.md); empty: none
    #: but the IP-literal source URLs themselves.
    allow_private: tuple[IPv4Network | IPv6Network, ...] = ()


@dataclass(frozen=True)
class DigestConfig:
    """When the daily digest goes out, in the configured timezone."""

    time: time = time(8, 0)


@dataclass(frozen=True)
class StoriesConfig:
    """How items are grouped into stories."""

    window: timedelta = timedelta(hours=72)


@dataclass(frozen=True)
class ServiceConfig:
    """How the processes of one deployment coordinate and show themselves to an operator."""

    metrics: str = ""
    """``HOST:PORT`` serving ``/metrics`` and ``/healthz``; empty: not served."""
    lease: timedelta = timedelta(minutes=2)
    """How long a claimed source, or a process's heartbeat, holds without renewal."""


@dataclass(frozen=True)
class SpikesConfig:
    """When a jump in an entity's or a rule's stories is a spike (docs/spikes.md)."""

    enabled: bool = True
    p: float = 1e-3
    """The tail probability below which a count is unlikely enough."""
    min_stories: int = 3
    min_ratio: float = 2.0
    """At least this many times the baseline."""
    cooldown: timedelta = timedelta(hours=24)
    """No second spike of one target this soon after its last."""


@dataclass(frozen=True)
class Config:
    """The whole validated configuration."""

    path: Path | None = None
    base_dir: Path = field(default_factory=Path.cwd)
    rules: tuple[Path, ...] = (SHIPPED_RULES,)
    timezone: str = "Africa/Casablanca"
    database: DatabaseConfig = field(default_factory=DatabaseConfig)
    telegram: TelegramConfig = field(default_factory=TelegramConfig)
    polling: PollingConfig = field(default_factory=PollingConfig)
    digest: DigestConfig = field(default_factory=DigestConfig)
    stories: StoriesConfig = field(default_factory=StoriesConfig)
    service: ServiceConfig = field(default_factory=ServiceConfig)
    spikes: SpikesConfig = field(default_factory=SpikesConfig)
    sources: tuple[SourceConfig, ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def interval_of(self, source: SourceConfig) -> timedelta:
        return source.interval or self.polling.interval


T = TypeVar("T")

_TOP_KEYS = {
    "rules",
    "timezone",
    "database",
    "telegram",
    "polling",
    "digest",
    "stories",
    "service",
    "spikes",
    "sources",
}
_TABLE_KEYS: dict[str, set[str]] = {
    "database": {"url"},
    "telegram": {"token_env", "base_url", "admins", "access", "allow"},
    "polling": {
        "interval",
        "concurrency",
        "timeout",
        "max_bytes",
        "per_host",
        "jitter",
        "user_agent",
        "allow_private",
    },
    "digest": {"time"},
    "stories": {"window"},
    "service": {"metrics", "lease"},
    "spikes": {"enabled", "p", "min_stories", "min_ratio", "cooldown"},
}
_SOURCE_KEYS = {
    "name",
    "url",
    "kind",
    "interval",
    "language",
    "tags",
    "selector",
    "priority",
    "enabled",
}
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class _Reader:
    """Collects problems while reading one parsed TOML document."""

    def __init__(self, path: Path | None, text: str) -> None:
        self.file: Path | str = path or "<built-in defaults>"
        self.lines = text.splitlines()
        self.problems: list[Problem] = []
        self.warnings: list[str] = []

    def line_of(self, key: str) -> int | None:
        """Best-effort line of a dotted key (``polling.timeout``, ``sources[2].url``)."""
        parts = re.split(r"\.", key)
        header: str | None = None
        index = 0
        leaf = parts[-1]
        if len(parts) > 1:
            head = parts[0]
            match = re.match(r"(\w+)\[(\d+)\]", head)
            if match:
                header, index = f"[[{match.group(1)}]]", int(match.group(2))
            else:
                header = f"[{head}]"
        start = 0
        if header is not None:
            seen = -1
            for number, line in enumerate(self.lines):
                if line.strip().startswith(header):
                    seen += 1
                    if seen == index:
                        start = number
                        break
            else:
                return None
        pattern = re.compile(rf"^\s*{re.escape(leaf)}\s*=")
        for number in range(start, len(self.lines)):
            line = self.lines[number]
            if number > start and header is not None and line.strip().startswith("["):
                break
            if header is None and line.strip().startswith("["):
                break
            if pattern.match(line):
                return number + 1
        return start + 1 if header is not None else None

    def problem(self, key: str, message: str, hint: str | None = None) -> None:
        line = self.line_of(key)
        self.problems.append(Problem(self.file, message, key=key, line=line, hint=hint))

    def unknown_keys(self, table: Mapping[str, Any], allowed: set[str], prefix: str) -> None:
        for key in table:
            if key not in allowed:
                close = difflib.get_close_matches(key, sorted(allowed), n=1, cutoff=0.6)
                known = ", ".join(sorted(allowed))
                hint = f"did you mean {close[0]!r}?" if close else f"known keys: {known}"
                self.problem(f"{prefix}{key}", "unknown key", hint)

    def get(
        self,
        table: Mapping[str, Any],
        key: str,
        prefix: str,
        default: T,
        convert: Callable[[Any], T],
    ) -> T:
        if key not in table:
            return default
        try:
            return convert(table[key])
        except (ValueError, TypeError) as exc:
            self.problem(f"{prefix}{key}", str(exc))
            return default


def resolve_database_url(url: str, base_dir: Path) -> str:
    """Make a relative SQLite path absolute against ``base_dir``; leave other URLs alone."""
    for prefix in ("sqlite:///", "sqlite+pysqlite:///"):
        if url.startswith(prefix):
            rest = url[len(prefix) :]
            if not rest or rest.startswith("/") or rest.startswith(":memory:"):
                return url
            path, sep, query = rest.partition("?")
            return f"{prefix}{(base_dir / path).resolve()}{sep}{query}"
    return url


def _table(reader: _Reader, data: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    value = data.get(name, {})
    if not isinstance(value, dict):
        reader.problem(name, f"expected a table [{name}], got {values.type_name(value)}")
        return {}
    reader.unknown_keys(value, _TABLE_KEYS[name], f"{name}.")
    return value


def _read_sources(reader: _Reader, data: Mapping[str, Any]) -> tuple[SourceConfig, ...]:
    raw = data.get("sources", [])
    if not isinstance(raw, list):
        reader.problem("sources", "expected [[sources]] tables")
        return ()
    sources: list[SourceConfig] = []
    names: dict[str, int] = {}
    for index, table in enumerate(raw):
        prefix = f"sources[{index}]."
        if not isinstance(table, dict):
            reader.problem(f"sources[{index}]", "expected a [[sources]] table")
            continue
        reader.unknown_keys(table, _SOURCE_KEYS, prefix)
        for required in ("name", "url"):
            if required not in table:
                reader.problem(f"sources[{index}]", f"missing required key {required!r}")
        name = reader.get(table, "name", prefix, "", values.nonempty)
        if name and name.casefold() in names:
            reader.problem(
                f"{prefix}name",
                f"duplicate source name {name!r}",
                f"first used by sources[{names[name.casefold()]}]",
            )
        names.setdefault(name.casefold(), index)
        interval = reader.get(table, "interval", prefix, None, values.duration)
        if interval is not None and interval < POLITE_INTERVAL:
            reader.warnings.append(
                f"{reader.file}: {prefix}interval: {table['interval']} is below one minute; "
                "real sites deserve politeness"
            )
        url = reader.get(table, "url", prefix, "", values.http_url)
        kind = reader.get(table, "kind", prefix, SourceKind.FEED, values.one_of(SourceKind))
        wrong = telegram_url_problem(url) if url and kind is SourceKind.TELEGRAM else None
        if wrong is not None:
            reader.problem(f"{prefix}url", *wrong)
        sources.append(
            SourceConfig(
                name=name,
                url=url,
                kind=kind,
                interval=interval,
                language=reader.get(table, "language", prefix, None, values.nonempty),
                tags=reader.get(table, "tags", prefix, (), values.string_list),
                selector=reader.get(table, "selector", prefix, None, values.css_selector),
                priority=reader.get(table, "priority", prefix, 0, values.integer),
                enabled=reader.get(table, "enabled", prefix, True, values.boolean),
            )
        )
    return tuple(sources)


def _probability(value: Any) -> float:
    number = values.fraction(value)
    if not 0 < number < 1:
        raise ValueError(f"must be above 0 and below 1, got {value}")
    return number


def _ratio(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"expected a number of at least 1, got {values.type_name(value)}")
    if value < 1:
        raise ValueError(f"must be at least 1, got {value}")
    return float(value)


def _read_spikes(reader: _Reader, table: Mapping[str, Any]) -> SpikesConfig:
    d = SpikesConfig()
    return SpikesConfig(
        enabled=reader.get(table, "enabled", "spikes.", d.enabled, values.boolean),
        p=reader.get(table, "p", "spikes.", d.p, _probability),
        min_stories=reader.get(table, "min_stories", "spikes.", d.min_stories, values.positive_int),
        min_ratio=reader.get(table, "min_ratio", "spikes.", d.min_ratio, _ratio),
        cooldown=reader.get(table, "cooldown", "spikes.", d.cooldown, values.duration),
    )


def _read_rules(reader: _Reader, data: Mapping[str, Any], base_dir: Path) -> tuple[Path, ...]:
    if "rules" not in data:
        return (SHIPPED_RULES,)
    empty: tuple[str, ...] = ()
    entries = reader.get(data, "rules", "", empty, values.string_list)
    paths: list[Path] = []
    for index, entry in enumerate(entries):
        path = (base_dir / entry).resolve()
        if not path.exists():
            reader.problem(f"rules[{index}]", f"{entry!r} does not exist (looked for {path})")
        paths.append(path)
    return tuple(paths)


def parse_config(text: str, path: Path | None = None, base_dir: Path | None = None) -> Config:
    """Validate a configuration document; raise ConfigError listing every problem."""
    reader = _Reader(path, text)
    base = base_dir or (path.resolve().parent if path else Path.cwd())
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # Python 3.14 adds lineno/colno; older versions only put them in the message.
        found = re.search(r"^(.*) \(at line (\d+), column (\d+)\)$", str(exc))
        message = found.group(1) if found else str(exc)
        line = int(found.group(2)) if found else None
        column = int(found.group(3)) if found else None
        raise ConfigError(
            [Problem(reader.file, f"not valid TOML: {message}", line=line, column=column)]
        ) from None
    reader.unknown_keys(data, _TOP_KEYS, "")

    database = _table(reader, data, "database")
    telegram = _table(reader, data, "telegram")
    polling = _table(reader, data, "polling")
    digest = _table(reader, data, "digest")
    stories = _table(reader, data, "stories")
    service = _table(reader, data, "service")
    spikes = _table(reader, data, "spikes")

    db_url = reader.get(database, "url", "database.", DatabaseConfig.url, values.nonempty)
    token_env = reader.get(
        telegram, "token_env", "telegram.", TelegramConfig.token_env, values.nonempty
    )
    if not _ENV_NAME.match(token_env):
        reader.problem(
            "telegram.token_env",
            "must be the NAME of an environment variable (the token itself never goes in the file)",
        )
    base_url = reader.get(telegram, "base_url", "telegram.", "", values.string).strip()
    if base_url:
        try:
            values.http_url(base_url)
        except ValueError as exc:
            reader.problem("telegram.base_url", str(exc))
    default_polling = PollingConfig()
    interval = reader.get(
        polling, "interval", "polling.", default_polling.interval, values.duration
    )
    if interval < POLITE_INTERVAL:
        reader.warnings.append(
            f"{reader.file}: polling.interval: {polling.get('interval')} is below one minute; "
            "real sites deserve politeness"
        )
    config = Config(
        path=path,
        base_dir=base,
        rules=_read_rules(reader, data, base),
        timezone=reader.get(data, "timezone", "", Config.timezone, values.timezone),
        database=DatabaseConfig(url=resolve_database_url(db_url, base)),
        telegram=TelegramConfig(
            token_env=token_env,
            base_url=base_url,
            admins=reader.get(telegram, "admins", "telegram.", (), values.integer_list),
            access=reader.get(telegram, "access", "telegram.", Access.OPEN, values.one_of(Access)),
            allow=reader.get(telegram, "allow", "telegram.", (), values.integer_list),
        ),
        polling=PollingConfig(
            interval=interval,
            concurrency=reader.get(
                polling, "concurrency", "polling.", default_polling.concurrency, values.positive_int
            ),
            timeout=reader.get(
                polling, "timeout", "polling.", default_polling.timeout, values.duration
            ),
            max_bytes=reader.get(
                polling, "max_bytes", "polling.", default_polling.max_bytes, values.size
            ),
            per_host=reader.get(
                polling, "per_host", "polling.", default_polling.per_host, values.positive_int
            ),
            jitter=reader.get(
                polling, "jitter", "polling.", default_polling.jitter, values.fraction
            ),
            user_agent=reader.get(polling, "user_agent", "polling.", "", values.string).strip(),
            allow_private=reader.get(polling, "allow_private", "polling.", (), values.ip_networks),
        ),
        digest=DigestConfig(
            time=reader.get(digest, "time", "digest.", DigestConfig.time, values.clock)
        ),
        stories=StoriesConfig(
            window=reader.get(stories, "window", "stories.", StoriesConfig.window, values.duration)
        ),
        service=ServiceConfig(
            metrics=reader.get(service, "metrics", "service.", "", values.listen_address),
            lease=reader.get(service, "lease", "service.", ServiceConfig.lease, values.lease),
        ),
        spikes=_read_spikes(reader, spikes),
        sources=_read_sources(reader, data),
        warnings=(),
    )
    if reader.problems:
        raise ConfigError(reader.problems)
    return Config(**{**config.__dict__, "warnings": tuple(reader.warnings)})


def load_config(path: Path | str | None = None) -> Config:
    """Load ``path``; with None, ``config.toml`` in the current folder if present, else defaults."""
    if path is None:
        candidate = Path.cwd() / DEFAULT_CONFIG_NAME
        if not candidate.exists():
            return parse_config("", None, Path.cwd())
        path = candidate
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError([Problem(path, "configuration file not found")]) from None
    except UnicodeDecodeError as exc:
        problem = Problem(path, f"not UTF-8 text ({exc.reason} at byte {exc.start})")
        raise ConfigError([problem]) from None
    except OSError as exc:
        raise ConfigError([Problem(path, f"cannot read: {exc.strerror}")]) from None
    return parse_config(text, path)

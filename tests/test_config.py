"""Configuration loading: defaults, relative paths, and errors that say where and what."""

from __future__ import annotations

from datetime import time, timedelta
from pathlib import Path

import pytest

from marsad.config import SHIPPED_RULES, Access, SourceKind, load_config, parse_config
from marsad.errors import ConfigError


def write(tmp_path: Path, text: str, name: str = "config.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    config = load_config(None)
    assert config.path is None
    assert config.rules == (SHIPPED_RULES,)
    assert config.database.url == f"sqlite:///{tmp_path.resolve() / 'marsad.db'}"
    assert config.sources == ()
    assert config.polling.interval == timedelta(minutes=5)
    assert config.digest.time == time(8, 0)


def test_full_example_parses_and_resolves_paths_against_the_file(tmp_path: Path) -> None:
    (tmp_path / "conf" / "my-rules").mkdir(parents=True)
    path = write(
        tmp_path / "conf",
        """
rules = ["my-rules/"]
timezone = "Europe/Madrid"
[database]
url = "sqlite:///data/m.db"
[telegram]
token_env = "MY_TOKEN"
admins = [42]
access = "allowlist"
allow = [-100123]
[polling]
interval = "2h"
timeout = "30s"
max_bytes = "5MB"
concurrency = 7
[digest]
time = "07:30"
[[sources]]
name = "Hespress"
url = "https://www.hespress.com/feed"
kind = "feed"
interval = "10m"
language = "ar"
tags = ["press", "ma"]
""",
    )
    config = load_config(path)
    assert config.rules == ((tmp_path / "conf" / "my-rules").resolve(),)
    assert config.database.url == f"sqlite:///{(tmp_path / 'conf' / 'data' / 'm.db').resolve()}"
    assert config.telegram.access is Access.ALLOWLIST
    assert config.telegram.admins == (42,)
    assert config.polling.max_bytes == 5_000_000
    assert config.polling.interval == timedelta(hours=2)
    assert config.sources[0].kind is SourceKind.FEED
    assert config.interval_of(config.sources[0]) == timedelta(minutes=10)
    assert config.telegram.token({"MY_TOKEN": "123:abc"}) == "123:abc"
    assert config.telegram.token({}) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("rulez = []", "config.toml:1: rulez: unknown key (did you mean 'rules'?)"),
        (
            "[polling]\nintervall = '5m'",
            "config.toml:2: polling.intervall: unknown key (did you mean 'interval'?)",
        ),
        (
            "[polling]\ninterval = '5 minutes'",
            "config.toml:2: polling.interval: '5 minutes' is not a duration",
        ),
        ("[polling]\nmax_bytes = 'lots'", "polling.max_bytes: 'lots' is not a size"),
        (
            "[telegram]\naccess = 'closed'",
            "telegram.access: 'closed' is not one of open | allowlist",
        ),
        ("[telegram]\ntoken_env = '123456:ABC-DEF'", "telegram.token_env: must be the NAME"),
        ("timezone = 'Mars/Olympus'", "timezone: 'Mars/Olympus' is not a known time zone"),
        ("[digest]\ntime = '25:00'", "digest.time: '25:00' is not a time of day"),
        (
            "[[sources]]\nname = 'A'\nurl = 'ftp://x'",
            "config.toml:3: sources[0].url: 'ftp://x' is not an http(s) URL",
        ),
        (
            "[[sources]]\nname = 'A'\nurl = 'https://a/'\n[[sources]]\nname = 'a'\nurl = 'https://b/'",
            "config.toml:5: sources[1].name: duplicate source name 'a'",
        ),
        ("[[sources]]\nurl = 'https://a/'", "sources[0]: missing required key 'name'"),
        (
            "[[sources]]\nname = 'A'\nurl = 'https://a/'\nkind = 'rss'",
            "sources[0].kind: 'rss' is not one of feed | page",
        ),
        ("rules = ['nowhere/']", "rules[0]: 'nowhere/' does not exist"),
        (
            "[[sources]]\nname = 'A'\nurl = 'https://a/'\nkind = 'page'\nselector = 'h2 >> a['",
            "config.toml:5: sources[0].selector: 'h2 >> a[' is not a valid CSS selector",
        ),
        ("[polling\n", "config.toml:1:9: not valid TOML"),
    ],
)
def test_errors_name_file_line_key_and_problem(tmp_path: Path, text: str, expected: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert expected in info.value.show()


def test_all_problems_are_reported_together(tmp_path: Path) -> None:
    path = write(tmp_path, "rulez = []\n[polling]\ninterval = 'x'\n[digest]\ntime = 'noon'\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert len(info.value.problems) == 3
    assert info.value.show().startswith("3 configuration errors:")


def test_short_interval_warns_but_is_allowed(tmp_path: Path) -> None:
    path = write(tmp_path, "[polling]\ninterval = '2s'\n")
    config = load_config(path)
    assert config.polling.interval == timedelta(seconds=2)
    assert any("below one minute" in warning for warning in config.warnings)


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="configuration file not found"):
        load_config(tmp_path / "absent.toml")


def test_example_config_is_valid() -> None:
    example = Path(__file__).resolve().parents[1] / "config.example.toml"
    config = parse_config(example.read_text(encoding="utf-8"), example)
    assert len(config.sources) >= 8
    assert {s.language for s in config.sources} >= {"ar", "fr", "es", "en"}

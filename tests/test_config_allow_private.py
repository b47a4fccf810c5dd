"""``[polling] allow_private``: the internal addresses and networks an admin allows to be polled."""

from __future__ import annotations

from ipaddress import IPv4Network, IPv6Network, ip_address
from pathlib import Path

import pytest

from marsad.bot.wiring import make_fetcher
from marsad.config import load_config
from marsad.errors import ConfigError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_addresses_and_networks_are_parsed(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[polling]\nallow_private = ["10.1.2.3", "192.168.0.0/16", " ::1 ", "fd00::/8"]\n',
    )
    config = load_config(path)
    assert config.polling.allow_private == (
        IPv4Network("10.1.2.3/32"),
        IPv4Network("192.168.0.0/16"),
        IPv6Network("::1/128"),
        IPv6Network("fd00::/8"),
    )


def test_default_allows_nothing(tmp_path: Path) -> None:
    assert load_config(write(tmp_path, "[polling]\n")).polling.allow_private == ()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (
            '["10.1.2.3", "intranet.local"]',
            "config.toml:3: polling.allow_private: 'intranet.local' is not an IP address or "
            'network, e.g. "10.1.2.3" or "192.168.0.0/16"',
        ),
        ('["10.1.2"]', "config.toml:3: polling.allow_private: '10.1.2' is not an IP address"),
        ('["10.0.0.0/33"]', "polling.allow_private: '10.0.0.0/33' is not an IP address"),
        (
            '["192.168.1.0/16"]',
            "config.toml:3: polling.allow_private: '192.168.1.0/16' has host bits set; "
            "did you mean '192.168.0.0/16'?",
        ),
        ('"10.1.2.3"', "config.toml:3: polling.allow_private: expected a list of addresses"),
        ("[10]", "config.toml:3: polling.allow_private: expected a string, got a number"),
    ],
)
def test_invalid_values_name_file_line_and_key(tmp_path: Path, value: str, expected: str) -> None:
    path = write(tmp_path, f'[polling]\ntimeout = "5s"\nallow_private = {value}\n')
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert expected in info.value.show()


def test_make_fetcher_passes_allow_private_and_the_literal_source_addresses(
    tmp_path: Path,
) -> None:
    path = write(
        tmp_path,
        """
[polling]
allow_private = ["10.1.2.3"]
[[sources]]
name = "Local"
url = "http://127.0.0.1:8080/feed"
[[sources]]
name = "Public"
url = "https://www.hespress.com/feed"
""",
    )
    fetcher = make_fetcher(load_config(path))
    assert fetcher.policy.allow == (IPv4Network("10.1.2.3/32"),)
    assert fetcher.policy.endpoints == {(ip_address("127.0.0.1"), 8080)}

"""Converters for configuration values: each returns the value or raises ValueError/TypeError
with a message that completes "FILE:LINE: KEY: ..." (the reader adds the place)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import time, timedelta
from enum import StrEnum
from ipaddress import IPv4Network, IPv6Network, ip_network
from typing import Any, TypeVar
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cssselect import GenericTranslator, SelectorError

from marsad.units import parse_duration, parse_size

StrEnumT = TypeVar("StrEnumT", bound=StrEnum)


def string(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {type_name(value)}")
    return value


def nonempty(value: Any) -> str:
    text = string(value).strip()
    if not text:
        raise ValueError("must not be empty")
    return text


def boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"expected true or false, got {type_name(value)}")
    return value


def integer(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"expected a whole number, got {type_name(value)}")
    return value


def positive_int(value: Any) -> int:
    number = integer(value)
    if number < 1:
        raise ValueError(f"must be at least 1, got {number}")
    return number


def integer_list(value: Any) -> tuple[int, ...]:
    if not isinstance(value, list):
        raise TypeError(f"expected a list of numeric ids, got {type_name(value)}")
    return tuple(integer(item) for item in value)


def string_list(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise TypeError(f"expected a list of strings, got {type_name(value)}")
    return tuple(string(item) for item in value)


def duration(value: Any) -> timedelta:
    duration = parse_duration(string(value))
    if duration <= timedelta(0):
        raise ValueError("must be longer than zero")
    return duration


def lease(value: Any) -> timedelta:
    """A lease: long enough for a slow poll to renew it, short enough to take over quickly."""
    found = duration(value)
    if found < timedelta(seconds=10):
        raise ValueError("must be at least 10s (a lease is renewed every third of it)")
    return found


def listen_address(value: Any) -> str:
    """``HOST:PORT`` (``[::1]:PORT`` for IPv6) to listen on; empty is off."""
    text = string(value).strip()
    if not text:
        return ""
    host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ValueError(f"{text!r} is not HOST:PORT (e.g. 127.0.0.1:9464)")
    return text


def size(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        size = value
    else:
        size = parse_size(string(value))
    if size < 1024:
        raise ValueError(f"{value!r} is too small; at least 1KB")
    return size


def fraction(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"expected a number between 0 and 1, got {type_name(value)}")
    if not 0 <= value <= 1:
        raise ValueError(f"must be between 0 and 1, got {value}")
    return float(value)


def clock(value: Any) -> time:
    text = string(value)
    match = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)", text.strip())
    if not match:
        raise ValueError(f'{text!r} is not a time of day; write "HH:MM", e.g. "08:00"')
    return time(int(match.group(1)), int(match.group(2)))


def timezone(value: Any) -> str:
    text = string(value)
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f'{text!r} is not a known time zone, e.g. "Africa/Casablanca"') from None
    return text


def css_selector(value: Any) -> str:
    text = nonempty(value)
    try:
        GenericTranslator().css_to_xpath(text)
    except SelectorError as exc:
        raise ValueError(f"{text!r} is not a valid CSS selector ({exc})") from None
    return text


def http_url(value: Any) -> str:
    text = nonempty(value)
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"{text!r} is not an http(s) URL")
    return text


def ip_networks(value: Any) -> tuple[IPv4Network | IPv6Network, ...]:
    """A list of IP addresses ("10.1.2.3", "::1") and networks ("192.168.0.0/16")."""
    if not isinstance(value, list):
        raise TypeError(
            f'expected a list of addresses or networks, e.g. ["10.1.2.3", "192.168.0.0/16"], '
            f"got {type_name(value)}"
        )
    networks: list[IPv4Network | IPv6Network] = []
    for item in value:
        text = string(item).strip()
        try:
            networks.append(ip_network(text))
        except ValueError:
            try:
                loose = ip_network(text, strict=False)
            except ValueError:
                raise ValueError(
                    f'{text!r} is not an IP address or network, e.g. "10.1.2.3" or '
                    '"192.168.0.0/16" (host names are not accepted: list their addresses)'
                ) from None
            raise ValueError(f"{text!r} has host bits set; did you mean {str(loose)!r}?") from None
    return tuple(networks)


def one_of(kind: type[StrEnumT]) -> Callable[[Any], StrEnumT]:
    def convert(value: Any) -> StrEnumT:
        text = string(value)
        try:
            return kind(text)
        except ValueError:
            choices = " | ".join(member.value for member in kind)
            raise ValueError(f"{text!r} is not one of {choices}") from None

    return convert


def type_name(value: Any) -> str:
    return {
        str: "a string",
        int: "a number",
        float: "a number",
        bool: "true/false",
        list: "a list",
        dict: "a table",
    }.get(type(value), type(value).__name__)

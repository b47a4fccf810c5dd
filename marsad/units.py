"""Parsing of the human-written durations ("30s", "5m") and sizes ("10MB") of the configuration."""

from __future__ import annotations

import re
from datetime import timedelta

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)\s*$")
_DURATION_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|KiB|MiB|GiB)?\s*$", re.IGNORECASE)
_SIZE_UNITS = {
    "b": 1,
    "kb": 1000,
    "mb": 1000**2,
    "gb": 1000**3,
    "kib": 1024,
    "mib": 1024**2,
    "gib": 1024**3,
}


def parse_duration(text: str) -> timedelta:
    """Parse "30s", "5m", "2h", "1d" (also "500ms", "1w"); raise ValueError otherwise."""
    match = _DURATION.match(text)
    if not match:
        raise ValueError(
            f'{text!r} is not a duration; write a number and a unit, e.g. "30s", "5m", "2h", "1d"'
        )
    return timedelta(seconds=float(match.group(1)) * _DURATION_UNITS[match.group(2)])


def parse_size(text: str) -> int:
    """Parse "10MB", "512KB", "1GiB" or a bare number of bytes; raise ValueError otherwise."""
    match = _SIZE.match(text)
    if not match:
        raise ValueError(f'{text!r} is not a size; write e.g. "10MB", "512KB"')
    unit = (match.group(2) or "B").lower()
    return int(float(match.group(1)) * _SIZE_UNITS[unit])


def format_duration(value: timedelta) -> str:
    """The shortest exact "5m"-style spelling of a duration."""
    seconds = value.total_seconds()
    for unit in ("d", "h", "m", "s"):
        size = _DURATION_UNITS[unit]
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{seconds:g}s"

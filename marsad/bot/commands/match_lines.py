"""JSON lines in and out of ``marsad match``: input lines decoded into items, results encoded.

A batch may hold millions of lines, so each is read as bytes (its length is the progress for
free) and decoded alone: a line that is not UTF-8 or not an item is one error, never the end of
the run.  Results are encoded by orjson, about 5x faster than ``json.dumps``; what orjson
refuses (an id past 64 bits, a lone surrogate from a ``\\ud800`` escape) falls back to
``json.dumps`` with ASCII escapes, which round-trips it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import IO, Any

import orjson

from marsad.matching.engine import MatchInput, MatchResult
from marsad.matching.recognise import Hit

_BOM = "\ufeff"
_FIELDS = ("title", "summary", "text", "source")


class InputError(ValueError):
    """One input line that cannot be matched."""

    def __init__(self, message: str, ident: Any = None) -> None:
        super().__init__(message)
        self.ident = ident


def read_item(line: str | bytes) -> tuple[MatchInput, Any]:
    """Decode one input line; raise InputError saying what is wrong.

    The id is returned as given (string or number) for the output line; the item's id is
    its text.
    """
    if isinstance(line, bytes):
        try:
            line = line.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InputError(f"not UTF-8 text ({exc.reason} at byte {exc.start + 1})") from None
    try:
        data = json.loads(line.lstrip(_BOM))  # a byte-order mark from a Windows editor
    except json.JSONDecodeError as exc:
        raise InputError(f"not JSON: {exc.msg} (column {exc.colno})") from None
    if not isinstance(data, dict):
        raise InputError("expected a JSON object")
    ident = data.get("id")
    if ident is None or isinstance(ident, bool) or not isinstance(ident, str | int):
        raise InputError('missing "id" (a string or a number)', ident)
    fields: dict[str, str] = {}
    for name in _FIELDS:
        value = data.get(name)
        if value is None:
            continue
        if not isinstance(value, str):
            raise InputError(f'"{name}" must be a string', ident)
        fields[name] = value
    tags = data.get("tags") or []
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise InputError('"tags" must be a list of strings', ident)
    return MatchInput(id=str(ident), tags=tuple(tags), **fields), ident


def hit_json(hit: Hit) -> dict[str, Any]:
    """One hit as DESIGN §5 writes it."""
    return {
        ("entity" if hit.is_entity else "term"): hit.key,
        "field": hit.field,
        "start": hit.start,
        "end": hit.end,
        "surface": hit.surface,
        "alias": hit.alias,
        "fuzzy": hit.fuzzy,
        "distance": hit.distance,
    }


def result_json(result: MatchResult, ident: Any) -> dict[str, Any]:
    """One output line; ``ident`` is the input's id as given (string or number)."""
    return {
        "id": ident,
        "rules": list(result.rules),
        "entities": list(result.entities),
        "hits": [hit_json(hit) for hit in result.hits],
    }


def error_json(error: InputError, number: int) -> dict[str, Any]:
    """The output line of an input line that could not be read."""
    return {"id": error.ident, "line": number, "error": str(error)}


def encode(record: dict[str, Any]) -> bytes:
    """One output line, UTF-8, newline included."""
    try:
        return orjson.dumps(record, option=orjson.OPT_APPEND_NEWLINE)
    except orjson.JSONEncodeError:  # an integer past 64 bits, or a lone surrogate
        return (json.dumps(record) + "\n").encode("ascii")


def input_lines(stream: IO[bytes] | IO[str]) -> Iterator[tuple[int, bytes | str, int]]:
    """Each line with its 1-based number and the bytes read so far (0 for a text stream)."""
    done = 0
    lines: Iterable[bytes | str] = stream
    for number, line in enumerate(lines, 1):
        if isinstance(line, bytes):
            done += len(line)
        yield number, line, done


def binary_in(stream: IO[str]) -> IO[bytes] | IO[str]:
    """The bytes under a text stream such as stdin, else the stream itself (a test's StringIO)."""
    buffer = getattr(stream, "buffer", None)
    return buffer if buffer is not None else stream


class Output:
    """Encoded lines to a binary stream, or to a text stream that has no bytes under it."""

    def __init__(self, binary: IO[bytes] | None, text: IO[str] | None = None) -> None:
        self._binary = binary
        self._text = text

    @classmethod
    def over(cls, stream: IO[str]) -> Output:
        """Lines to the bytes under ``stream`` (stdout), after whatever it already holds."""
        buffer = getattr(stream, "buffer", None)
        if buffer is None:
            return cls(None, stream)
        stream.flush()
        return cls(buffer)

    def write(self, record: dict[str, Any]) -> None:
        line = encode(record)
        if self._binary is not None:
            self._binary.write(line)
        elif self._text is not None:
            self._text.write(line.decode("utf-8"))

    def flush(self) -> None:
        for stream in (self._binary, self._text):
            if stream is not None:
                stream.flush()

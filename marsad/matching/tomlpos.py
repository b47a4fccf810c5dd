"""Where things are in a TOML file: tomllib gives values but no positions, so scan the text.

Used to point rule-file problems at ``FILE:LINE[:COLUMN]``.  Best effort by design: the
common layouts (one key per line, ``[[table]]`` headers, multi-line strings) are exact;
anything unusual falls back to the table's line.
"""

from __future__ import annotations

import re
import tomllib

_DECODE = re.compile(r"^(.*) \(at line (\d+), column (\d+)\)$")


def decode_error(exc: tomllib.TOMLDecodeError) -> tuple[str, int | None, int | None]:
    """Message, line and column of a TOML syntax error.

    Python 3.14 adds lineno/colno attributes; older versions only put them in the message.
    """
    found = _DECODE.search(str(exc))
    if not found:
        return str(exc), None, None
    return found.group(1), int(found.group(2)), int(found.group(3))


class TomlLines:
    """Line lookups over one TOML document's text; all numbers are 1-based."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        self._headers: dict[str, list[int]] = {}

    def table_line(self, kind: str, index: int) -> int | None:
        """The line of the ``index``-th ``[[kind]]`` header (the headers of a kind are found
        in one pass and kept: a file of thousands of tables is read in linear time)."""
        found = self._headers.get(kind)
        if found is None:
            header = re.compile(rf"^\s*\[\[\s*{re.escape(kind)}\s*\]\]")
            found = [n + 1 for n, line in enumerate(self.lines) if header.match(line)]
            self._headers[kind] = found
        return found[index] if 0 <= index < len(found) else None

    def key_line(self, kind: str, index: int, key: str | None) -> int | None:
        """The line of ``key`` in the ``index``-th ``[[kind]]`` table (else the header's)."""
        start = self.table_line(kind, index)
        if start is None or key is None:
            return start
        pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
        for number in range(start, len(self.lines)):
            line = self.lines[number]
            if line.strip().startswith("["):
                break
            if pattern.match(line):
                return number + 1
        return start

    def top_line(self, key: str) -> int | None:
        """The line of a top-level key or table header."""
        pattern = re.compile(rf"^\s*(\[+\s*)?{re.escape(key)}\s*(=|\])")
        for number, line in enumerate(self.lines):
            if pattern.match(line):
                return number + 1
        return None

    def string_position(
        self, line: int | None, key: str, column: int
    ) -> tuple[int | None, int | None]:
        """File line and column of character ``column`` of the string value of ``key``.

        ``line`` is the key's line.  The column is None where escapes would shift it.
        """
        if line is None:
            return None, None
        source = self.lines[line - 1]
        found = re.match(rf"^\s*{re.escape(key)}\s*=\s*('''|\"\"\"|'|\")", source)
        if not found:
            return line, None
        quote = found.group(1)
        start = found.end()
        if len(quote) == 3 and not source[start:].strip():
            line, start = line + 1, 0  # TOML trims a newline right after the opening quotes
            source = self.lines[line - 1] if line <= len(self.lines) else ""
        if quote == '"' and "\\" in source:
            return line, None
        offset = column - 1
        while line <= len(self.lines):
            rest = len(self.lines[line - 1]) - start
            if offset <= rest:
                return line, start + offset + 1
            offset -= rest + 1
            line, start = line + 1, 0
        return line, None

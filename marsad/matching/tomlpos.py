"""Where things are in a TOML file: tomllib gives values but no positions, so scan the text.

Used to point rule-file problems at ``FILE:LINE[:COLUMN]``.  One pass over the text (linear in
its size, whatever the number of tables) records the line of every top-level key and table
header, of every ``[[kind]]`` table (or inline table of a ``kind = [{...}, ...]`` array) and of
each key in it.  The pass follows strings (multi-line ones too), comments, multi-line arrays
and inline tables, so a ``key =`` inside a value is never taken for a key.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field

_DECODE = re.compile(r"^(.*) \(at line (\d+), column (\d+)\)$")

_KEY_PART = r"""(?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|'[^']*')"""
_PATH = rf"{_KEY_PART}(?:[ \t]*\.[ \t]*{_KEY_PART})*"
_FIRST = re.compile(_KEY_PART)
_BARE = re.compile(r"[A-Za-z0-9_-]+")
_KEY = re.compile(rf"[ \t]*({_PATH})[ \t]*=")
_HEADER = re.compile(rf"[ \t]*(\[\[?)[ \t]*({_PATH})[ \t]*\]")
# What matters inside a value: strings, brackets, separators and comments.
_SPECIAL = re.compile(r"\"\"\"|'''|[\"'\[\]{},#]")
_BASIC_END = re.compile(r'(?:[^"\\]|\\.)*"')
# A key line whose whole value opens nothing ("closed"): a one-line string, a boolean, an
# integer or a one-line array of strings, then an optional comment.  Most lines of a rule file
# are such, so one match reads them; for the others (a """, [ or { may stay open) the value is
# followed token by token.
_STRING = r"""(?:"(?:[^"\\]|\\.)*"|'[^']*')"""
_CLOSED = (
    rf"[ \t]*(?:{_STRING}|true|false|[-+]?[0-9][0-9_]*"
    rf"|\[[ \t]*(?:{_STRING}[ \t]*(?:,[ \t]*{_STRING}[ \t]*)*,?[ \t]*)?\])"
    r"[ \t]*(?:#.*)?$"
)
_KEY_LINE = re.compile(
    rf"[ \t]*({_KEY_PART})(?:[ \t]*\.[ \t]*{_KEY_PART})*[ \t]*=(?P<closed>{_CLOSED})?"
)
_MULTI_BASIC = re.compile(r'\\.|"""')


def decode_error(exc: tomllib.TOMLDecodeError) -> tuple[str, int | None, int | None]:
    """Message, line and column of a TOML syntax error.

    Python 3.14 adds lineno/colno attributes; older versions only put them in the message.
    """
    found = _DECODE.search(str(exc))
    if not found:
        return str(exc), None, None
    return found.group(1), int(found.group(2)), int(found.group(3))


def _first_key(path: str) -> str:
    """The first key of a dotted key path, unquoted (``"a b".c`` -> ``a b``)."""
    part = _FIRST.match(path)
    return _unquote(part.group() if part else path)


def _unquote(part: str) -> str:
    """One key part as TOML reads it: bare, "basic" (with escapes) or 'literal'."""
    if part[:1] == '"':
        return str(tomllib.loads(f"k = {part}")["k"])
    return part[1:-1] if part[:1] == "'" else part


@dataclass
class _Table:
    """One ``[[kind]]`` table (or inline table in a ``kind = [...]`` array): lines of its keys."""

    line: int
    keys: dict[str, int] = field(default_factory=dict)


class TomlLines:
    """Line lookups over one TOML document's text; all numbers are 1-based."""

    def __init__(self, text: str) -> None:
        self.lines = [line.removesuffix("\r") for line in text.split("\n")]
        self._tables: dict[str, list[_Table]] = {}
        self._top: dict[str, int] = {}
        self._scan()

    # -- lookups ------------------------------------------------------------------------------

    def table_line(self, kind: str, index: int) -> int | None:
        """The line of the ``index``-th ``[[kind]]`` table."""
        tables = self._tables.get(kind, [])
        return tables[index].line if 0 <= index < len(tables) else None

    def key_line(self, kind: str, index: int, key: str | None) -> int | None:
        """The line of ``key`` in the ``index``-th ``[[kind]]`` table (else the table's)."""
        tables = self._tables.get(kind, [])
        if not 0 <= index < len(tables):
            return None
        table = tables[index]
        return table.line if key is None else table.keys.get(key, table.line)

    def key_lines(self, kind: str, index: int) -> dict[str, int]:
        """The line of every key of the ``index``-th ``[[kind]]`` table."""
        tables = self._tables.get(kind, [])
        return dict(tables[index].keys) if 0 <= index < len(tables) else {}

    def top_line(self, key: str) -> int | None:
        """The line of a top-level key or table header (its first, if repeated)."""
        return self._top.get(key)

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

    # -- the one pass -------------------------------------------------------------------------

    def _scan(self) -> None:
        self._string: str | None = None  # the closing quotes of an open multi-line string
        self._stack: list[str] = []  # open brackets of the value being read
        self._array_kind: str | None = None  # the top-level key whose value is being read
        self._inline: _Table | None = None  # the inline table of that value being read
        current: _Table | None = None  # where the keys that follow go (None: top level)
        for number, line in enumerate(self.lines, start=1):
            if self._string is not None or self._stack:
                self._value(line, 0, number)
            elif key := _KEY_LINE.match(line):
                name = _unquote(key.group(1))
                if current is None:
                    self._top.setdefault(name, number)
                    self._array_kind = name
                else:
                    current.keys.setdefault(name, number)
                if key.group("closed") is None:
                    self._value(line, key.end(), number)
            elif header := _HEADER.match(line):
                current = self._header(header.group(1) == "[[", header.group(2).strip(), number)
            # anything else is blank, a comment, or not TOML (tomllib reports it)
            if self._string is None and not self._stack:
                self._array_kind = self._inline = None

    def _header(self, array: bool, path: str, number: int) -> _Table:
        """Record a ``[table]`` or ``[[table]]`` header; the table whose keys follow it."""
        if _BARE.fullmatch(path):  # [[entity]]: most headers
            name, rest = path, ""
        else:
            name = _first_key(path)
            first = _FIRST.match(path)
            rest = path[first.end() :].lstrip(" \t.") if first else ""
        self._top.setdefault(name, number)
        if array and not rest:
            table = _Table(number)
            self._tables.setdefault(name, []).append(table)
            return table
        tables = self._tables.get(name)
        if rest and tables:
            # [entity.extra] after an [[entity]]: "extra" is a key of that entity.
            tables[-1].keys.setdefault(_first_key(rest), number)
        return _Table(number)  # a table of its own: its keys are nobody's we look up

    def _value(self, line: str, pos: int, number: int) -> None:
        """Follow a value from ``pos`` to the end of the line (or of the value)."""
        while True:
            if self._string is not None:
                pos = self._string_end(line, pos)
                if pos < 0:
                    return
                self._string = None
            found = _SPECIAL.search(line, pos)
            if found is None:
                return
            token, pos = found.group(), found.end()
            if token == "#":
                return
            if token in ('"""', "'''"):
                self._string = token
            elif token == '"':
                end = _BASIC_END.match(line, pos)
                pos = end.end() if end else len(line)
            elif token == "'":
                pos = line.find("'", pos) + 1 or len(line)
            elif token in "[{":
                self._stack.append(token)
                if token == "{" and self._array_kind and self._stack == ["[", "{"]:
                    # kind = [{...}, {...}]: each inline table is a table of that kind
                    self._inline = _Table(number)
                    self._tables.setdefault(self._array_kind, []).append(self._inline)
                    pos = self._inline_key(line, pos, number)
            elif token in "]}":
                if self._stack:
                    self._stack.pop()
            elif self._inline is not None and self._stack == ["[", "{"]:  # a comma
                pos = self._inline_key(line, pos, number)

    def _inline_key(self, line: str, pos: int, number: int) -> int:
        """Record the key that starts at ``pos`` in the inline table being read, if one does."""
        key = _KEY.match(line, pos)
        if key is None or self._inline is None:
            return pos
        self._inline.keys.setdefault(_first_key(key.group(1)), number)
        return key.end()

    def _string_end(self, line: str, pos: int) -> int:
        """Where the open multi-line string ends on ``line`` (after its quotes), or -1."""
        quotes = self._string or ""
        if quotes == "'''":
            at = line.find(quotes, pos)
        else:
            at = next(
                (m.start() for m in _MULTI_BASIC.finditer(line, pos) if m.group() == quotes), -1
            )
        if at < 0:
            return -1
        end = at + 3
        while end < len(line) and line[end] == quotes[0] and end - at < 5:
            end += 1  # up to two quotes of the string's own just before the closing ones
        return end

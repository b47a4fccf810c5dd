"""Read rule files (DESIGN §3): TOML ``[[entity]]`` and ``[[rule]]`` tables into a RuleSet.

Every problem of every file is collected and raised at once as a RuleError whose lines read
``FILE:LINE[:COL]: KEY: what is wrong``.  tomllib reports no positions for values, so the
line of each table and key is found by scanning the file's text.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from marsad.errors import Problem, RuleError
from marsad.matching.entities import NEAR_DEFAULT, Entity, EntityKind
from marsad.matching.query import ENTITY_ID, Node, QueryError, entity_refs, parse
from marsad.matching.titles import Titles, read_titles
from marsad.matching.tomlpos import TomlLines, decode_error


class Severity(StrEnum):
    """How much a rule's alert matters."""

    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"


@dataclass(frozen=True)
class Rule:
    """A named query worth an alert; ``sources`` limits it to source names or tags.

    ``title`` is the first title the file wrote (else the id); ``titles`` holds them all, by
    language, for ``title_in``.
    """

    id: str
    title: str
    query: str
    severity: Severity = Severity.NORMAL
    sources: tuple[str, ...] = ()
    file: str | None = None
    line: int | None = None
    titles: Titles = field(default_factory=Titles)

    def title_in(self, language: str) -> str:
        """The rule's title in ``language`` (a code), else its first title, else its id."""
        return self.titles.in_language(language, self.title)


@dataclass(frozen=True)
class RuleSet:
    """Everything the rule files define."""

    entities: tuple[Entity, ...] = ()
    rules: tuple[Rule, ...] = ()


_TOP_KEYS = {"entity", "rule"}
_ENTITY_KEYS = {
    "id",
    "kind",
    "name",
    "aliases",
    "forms",
    "derive",
    "fuzzy",
    "exclude",
    "ambiguous",
    "context",
    "near",
    "always",
    "title",
}
MAX_NEAR = 100
_RULE_KEYS = {"id", "title", "query", "severity", "sources"}


def rule_files(paths: Sequence[Path]) -> tuple[list[Path], list[Problem]]:
    """The ``.toml`` files named by ``paths`` (folders are searched recursively, sorted)."""
    files: list[Path] = []
    problems: list[Problem] = []
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.rglob("*.toml") if p.is_file())
            if not found:
                problems.append(Problem(path, "folder holds no .toml rule files"))
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            problems.append(Problem(path, "rule file or folder does not exist"))
    return files, problems


MAX_FILE_BYTES = 5_000_000
"""A rule file larger than this is refused before it is parsed."""
MAX_ENTITIES = 20_000
"""Entities in all rule files together: 20,000 load and compile in about 4.7 CPU s and 330 MB
(bench/rules_load.py); the shipped rules have 51."""
MAX_RULES = 1_000
MAX_ALIASES = 200
"""Aliases, forms or exclusions of one entity."""


def load_rules(paths: Sequence[Path]) -> RuleSet:
    """Read every rule file under ``paths``; raise RuleError listing ALL problems found."""
    ruleset, problems = read_rules(paths)
    if problems:
        raise RuleError(problems)
    return ruleset


def read_rules(paths: Sequence[Path]) -> tuple[RuleSet, list[Problem]]:
    """Every rule file under ``paths``: what could be read, and every problem found.

    ``marsad check`` reviews the entities of files that also have errors; everything else
    uses ``load_rules``, which refuses them.
    """
    files, problems = rule_files([Path(p) for p in paths])
    readers: list[_FileReader] = []
    for path in files:
        try:
            size = path.stat().st_size
            if size > MAX_FILE_BYTES:
                problems.append(
                    Problem(path, f"rule file is {size:,} bytes; at most {MAX_FILE_BYTES:,}")
                )
                continue
            text = path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError as exc:
            problems.append(Problem(path, f"not UTF-8 text ({exc.reason} at byte {exc.start})"))
            continue
        except OSError as exc:
            problems.append(Problem(path, f"cannot read: {exc.strerror}"))
            continue
        readers.append(_FileReader(str(path), text))
    return _collect(readers, problems)


def parse_rules(text: str, file: str = "<rules>") -> RuleSet:
    """Validate one rule document given as text (tests, the bot's uploaded files)."""
    ruleset, problems = _collect([_FileReader(file, text)], [])
    if problems:
        raise RuleError(problems)
    return ruleset


def _collect(readers: list[_FileReader], problems: list[Problem]) -> tuple[RuleSet, list[Problem]]:
    entities: list[Entity] = []
    rules: list[Rule] = []
    for reader in readers:
        reader.read()
        entities.extend(reader.entities)
        rules.extend(reader.rules)
        problems.extend(sorted(reader.problems, key=lambda p: p.line or 0))  # in file order
    problems.extend(_over_limit(entities, "entity", MAX_ENTITIES))
    problems.extend(_over_limit(rules, "rule", MAX_RULES))
    problems.extend(_duplicates(entities, "entity"))
    problems.extend(_duplicates(rules, "rule"))
    # An entity with another mistake still counts as defined: one error, not two.
    known = {ident for reader in readers for ident in reader.entity_ids}
    for reader in readers:
        problems.extend(reader.check_references(known))
    return RuleSet(tuple(entities), tuple(rules)), problems


def _over_limit(things: Sequence[Entity | Rule], kind: str, limit: int) -> list[Problem]:
    """One problem, at the first thing past the limit (docs/rules.md gives the limits)."""
    if len(things) <= limit:
        return []
    first = things[limit]
    plural = "entities" if kind == "entity" else "rules"
    return [
        Problem(
            first.file or "<rules>",
            f"too many {plural}: {len(things):,} in all rule files, at most {limit:,}",
            key=f"{kind}[{first.id}]",
            line=first.line,
            hint="split the watch between several Marsad configurations",
        )
    ]


def _duplicates(things: Sequence[Entity | Rule], kind: str) -> list[Problem]:
    first: dict[str, Entity | Rule] = {}
    problems: list[Problem] = []
    for thing in things:
        if thing.id in first:
            other = first[thing.id]
            problems.append(
                Problem(
                    thing.file or "<rules>",
                    f"duplicate {kind} id {thing.id!r}",
                    key=f"{kind}[{thing.id}].id",
                    line=thing.line,
                    hint=f"first defined at {other.file}:{other.line}",
                )
            )
        else:
            first[thing.id] = thing
    return problems


class _FileReader:
    """Reads one rule file, collecting problems with their lines."""

    def __init__(self, file: str, text: str) -> None:
        self.file = file
        self.text = text
        self.where = TomlLines(text)
        self.problems: list[Problem] = []
        self.entities: list[Entity] = []
        self.rules: list[Rule] = []
        # each rule, its table index and its parsed query, for references
        self._parsed: list[tuple[Rule, int, Node]] = []
        self.entity_ids: set[str] = set()

    def problem(
        self,
        kind: str,
        index: int,
        label: str,
        key: str | None,
        message: str,
        hint: str | None = None,
    ) -> None:
        line = self.where.key_line(kind, index, key)
        where = f"{kind}[{label}]" + (f".{key}" if key else "")
        self.problems.append(Problem(self.file, message, key=where, line=line, hint=hint))

    # -- reading ------------------------------------------------------------------------------

    def read(self) -> None:
        try:
            data = tomllib.loads(self.text)
        except tomllib.TOMLDecodeError as exc:
            message, line, column = decode_error(exc)
            self.problems.append(
                Problem(self.file, f"not valid TOML: {message}", line=line, column=column)
            )
            return
        for key in data:
            if key not in _TOP_KEYS:
                line = self.where.top_line(key)
                self.problems.append(
                    Problem(
                        self.file,
                        "unknown table or key",
                        key=key,
                        line=line,
                        hint=_hint(key, _TOP_KEYS),
                    )
                )
        for kind, reader in (("entity", self.read_entity), ("rule", self.read_rule)):
            tables = data.get(kind, [])
            if not isinstance(tables, list):
                self.problems.append(
                    Problem(
                        self.file,
                        f"write [[{kind}]] tables",
                        key=kind,
                        line=self.where.top_line(kind),
                    )
                )
                continue
            for index, table in enumerate(tables):
                if isinstance(table, dict):
                    reader(index, table)
                else:
                    self.problems.append(
                        Problem(self.file, f"expected a [[{kind}]] table", key=kind)
                    )

    def _unknown(
        self, kind: str, index: int, label: str, table: Mapping[str, Any], allowed: set[str]
    ) -> None:
        for key in table:
            if key not in allowed:
                self.problem(kind, index, label, key, "unknown key", _hint(key, allowed))

    def _string(
        self, kind: str, index: int, label: str, table: Mapping[str, Any], key: str
    ) -> str | None:
        value = table.get(key)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            self.problem(kind, index, label, key, "expected a non-empty string")
            return None
        return value.strip()

    def _strings(
        self, kind: str, index: int, label: str, table: Mapping[str, Any], key: str
    ) -> tuple[str, ...]:
        value = table.get(key)
        if value is None:  # most keys of most entities are absent: 6 lookups per entity
            return ()
        cleaned = (
            [" ".join(v.split()) for v in value if isinstance(v, str)]
            if isinstance(value, list)
            else None
        )
        if cleaned is None or len(cleaned) != len(value):
            self.problem(kind, index, label, key, "expected a list of strings")
            return ()
        if len(cleaned) > MAX_ALIASES:
            self.problem(kind, index, label, key, f"{len(value)} entries; at most {MAX_ALIASES}")
            cleaned = cleaned[:MAX_ALIASES]
        if "" in cleaned:
            self.problem(kind, index, label, key, "contains an empty string")
            return tuple(v for v in cleaned if v)
        return tuple(cleaned)

    def _titles(self, kind: str, index: int, label: str, table: Mapping[str, Any]) -> Titles:
        """``title``: one string, or a table of language codes (ar, en, fr) to strings."""
        titles, wrong = read_titles(table.get("title"))
        for problem in wrong:
            key = "title" if problem.code is None else f"title.{problem.code}"
            line = (
                self.where.key_line(kind, index, "title")
                if problem.code is None
                else self._subkey_line(kind, index, "title", problem.code)
            )
            self.problems.append(
                Problem(
                    self.file,
                    problem.message,
                    key=f"{kind}[{label}].{key}",
                    line=line,
                    hint=problem.hint,
                )
            )
        return titles

    def _subkey_line(self, kind: str, index: int, key: str, sub: str) -> int | None:
        """The line of ``key.sub``: an inline table's own line, else the line that sets ``sub``
        under ``[kind.key]`` or as a dotted ``key.sub =`` (else the key's line)."""
        start = self.where.key_line(kind, index, key)
        if start is None:
            return None
        lines = self.where.lines
        if re.match(rf"\s*{re.escape(key)}\s*=\s*\{{", lines[start - 1]):
            return start  # an inline table is written on one line
        quoted = rf"""(?:{re.escape(sub)}|"{re.escape(sub)}"|'{re.escape(sub)}')"""
        sets = re.compile(rf"\s*(?:{re.escape(key)}\s*\.\s*)?{quoted}\s*=")
        for number in range(start, len(lines) + 1):
            text = lines[number - 1]
            if number > start and text.lstrip().startswith("["):
                break
            if sets.match(text):
                return number
        return start

    def _bool(
        self, kind: str, index: int, label: str, table: Mapping[str, Any], key: str
    ) -> bool | None:
        value = table.get(key)
        if value is not None and not isinstance(value, bool):
            self.problem(kind, index, label, key, "expected true or false")
            return None
        return value

    def _id(self, kind: str, index: int, table: Mapping[str, Any]) -> str | None:
        label = str(index + 1)
        if "id" not in table:
            self.problem(kind, index, f"#{label}", None, "missing required key 'id'")
            return None
        value = table["id"]
        if not isinstance(value, str) or not ENTITY_ID.fullmatch(value):
            self.problem(
                kind,
                index,
                f"#{label}",
                "id",
                f"{value!r} is not a valid id",
                "use lowercase a-z, 0-9, _ and -",
            )
            return None
        return value

    def read_entity(self, index: int, table: Mapping[str, Any]) -> None:
        ident = self._id("entity", index, table)
        label = ident or f"#{index + 1}"
        if ident is not None:
            self.entity_ids.add(ident)
        self._unknown("entity", index, label, table, _ENTITY_KEYS)
        kind: EntityKind | None = None
        raw_kind = table.get("kind")
        if raw_kind is None:
            self.problem(
                "entity", index, label, None, "missing required key 'kind'", _choices(EntityKind)
            )
        else:
            try:
                kind = EntityKind(raw_kind)
            except ValueError:
                self.problem(
                    "entity",
                    index,
                    label,
                    "kind",
                    f"{raw_kind!r} is not a kind",
                    _choices(EntityKind),
                )
        name = self._string("entity", index, label, table, "name")
        aliases = self._strings("entity", index, label, table, "aliases")
        if name is None and "name" not in table:
            self.problem("entity", index, label, None, "missing required key 'name'")
        if not aliases and name:
            aliases = (name,)
        if "aliases" in table and not aliases:
            self.problem("entity", index, label, "aliases", "needs at least one alias")
        forms = self._strings("entity", index, label, table, "forms")
        exclude = self._strings("entity", index, label, table, "exclude")
        derive = self._bool("entity", index, label, table, "derive")
        fuzzy = self._bool("entity", index, label, table, "fuzzy")
        ambiguous = self._strings("entity", index, label, table, "ambiguous")
        context = self._strings("entity", index, label, table, "context")
        always = self._strings("entity", index, label, table, "always")
        titles = self._titles("entity", index, label, table)
        near = table.get("near", NEAR_DEFAULT)
        if isinstance(near, bool) or not isinstance(near, int) or not 1 <= near <= MAX_NEAR:
            self.problem(
                "entity", index, label, "near", f"expected a whole number from 1 to {MAX_NEAR}"
            )
            near = NEAR_DEFAULT
        if ident is None or kind is None or name is None or not aliases:
            return
        self.entities.append(
            Entity(
                id=ident,
                kind=kind,
                name=name,
                aliases=aliases,
                forms=forms,
                derive=derive,
                fuzzy=fuzzy,
                exclude=exclude,
                ambiguous=ambiguous,
                context=context,
                near=near,
                always=always,
                titles=titles,
                file=self.file,
                line=self.where.table_line("entity", index),
                key_lines=tuple(self.where.key_lines("entity", index).items()),
            )
        )

    def read_rule(self, index: int, table: Mapping[str, Any]) -> None:
        ident = self._id("rule", index, table)
        label = ident or f"#{index + 1}"
        self._unknown("rule", index, label, table, _RULE_KEYS)
        titles = self._titles("rule", index, label, table)
        title = titles.first or ident or ""
        query = table.get("query")
        if query is None:
            self.problem("rule", index, label, None, "missing required key 'query'")
        elif not isinstance(query, str):
            self.problem("rule", index, label, "query", "expected the query as a string")
            query = None
        severity = Severity.NORMAL
        if "severity" in table:
            try:
                severity = Severity(table["severity"])
            except ValueError:
                self.problem(
                    "rule",
                    index,
                    label,
                    "severity",
                    f"{table['severity']!r} is not a severity",
                    _choices(Severity),
                )
        sources = self._strings("rule", index, label, table, "sources")
        node: Node | None = None
        if query is not None:
            try:
                node = parse(query)
            except QueryError as exc:
                line, column = self.where.string_position(
                    self.where.key_line("rule", index, "query"), "query", exc.column
                )
                self.problems.append(
                    Problem(
                        self.file,
                        f"{exc.message} (query column {exc.column})",
                        key=f"rule[{label}].query",
                        line=line,
                        column=column,
                    )
                )
                query = None
        if ident is None or query is None or node is None:
            return
        line = self.where.table_line("rule", index)
        rule = Rule(ident, title, query, severity, sources, self.file, line, titles)
        self.rules.append(rule)
        self._parsed.append((rule, index, node))

    def check_references(self, known: set[str]) -> list[Problem]:
        """Unknown ``@entity`` references, once every file's entities are known."""
        problems: list[Problem] = []
        for rule, index, node in self._parsed:
            for ref in entity_refs(node):
                if ref.id not in known:
                    line, column = self.where.string_position(
                        self.where.key_line("rule", index, "query"), "query", ref.column
                    )
                    problems.append(
                        Problem(
                            self.file,
                            f"unknown entity @{ref.id} (query column {ref.column})",
                            key=f"rule[{rule.id}].query",
                            line=line,
                            column=column,
                            hint=_hint(ref.id, known, "entity", "entities"),
                        )
                    )
        return problems


def _hint(key: str, allowed: set[str], what: str = "key", whats: str = "keys") -> str:
    close = difflib.get_close_matches(key, sorted(allowed), n=1, cutoff=0.6)
    if close:
        return f"did you mean {close[0]!r}?"
    if len(allowed) > 12:
        return f"no {what} of that name is defined"
    return f"known {whats}: {', '.join(sorted(allowed))}"


def _choices(kind: type[StrEnum]) -> str:
    return "one of " + " | ".join(member.value for member in kind)

"""The query language of rules and ``/subscribe`` (DESIGN §3): parser from text to a small AST.

Grammar, loosest binding first (so ``a OR b c NEAR/3 d NOT e`` is
``a OR (b AND (c NEAR/3 d) AND (NOT e))``)::

    query   := or
    or      := and ("OR" and)*
    and     := near (["AND"] near)*          adjacent terms without an operator mean AND
    near    := unary ("NEAR/" N unary)*      N >= 1: within N words, either order
    unary   := "NOT" unary | atom
    atom    := "(" or ")" | '"' phrase '"' | "@" entity-id | word

Operators are written in capitals; ``and``/``or``/``not`` in lower case are ordinary words.
The Arabic conjunctions written as separate words, ``و`` and ``أو``, are AND and OR, and a
leading minus (``-مباراة``) is NOT, as search engines write it.
The parser knows nothing of entities except through an optional ``resolve`` callback: a bare
word, a run of adjacent bare words, or a quoted phrase that is an alias of a known entity
becomes a reference to that entity.  Columns are 1-based, counted in characters of the query.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from marsad.errors import Problem, RuleError

MAX_NEAR = 100
MAX_QUERY_LENGTH = 2000
"""Characters in one query: a rule's longest query is a few hundred; a Telegram message can
carry 4,096."""
MAX_TERMS = 100
"""Words, phrases and @entities in one query."""
MAX_DEPTH = 20
"""Nesting of parentheses and NOT: deeper is never meant, and the parser recurses on it."""
MAX_ALIAS_WORDS = 8
"""The longest run of adjacent bare words tried as an entity's alias: no alias is longer, and
trying every run of a long query grows with the cube of its length."""
ENTITY_ID = re.compile(r"[a-z0-9_-]+")
_OPERATORS = {"AND", "OR", "NOT"}
# Typed in Telegram, "حموشي و إسبانيا" means AND: a lone و or أو is never a useful search word.
_ARABIC_OPERATORS = {"و": "AND", "أو": "OR", "او": "OR"}
_NEAR = re.compile(r"NEAR/(\d+)$", re.IGNORECASE)
# "NEAR" alone, or near/... in any case, is an attempt at the operator, not a search word.
_NEAR_LIKE = re.compile(r"NEAR$|(?i:near)/")
# Characters that end a bare word: space, parentheses, quotes (straight and typographic).
_STOP = set(' \t\r\n()"“”«»')
_QUOTES_OPEN = {'"': '"', "“": "”", "«": "»", "”": "“"}

Resolver = Callable[[str], str | None]


# --- the AST -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    """A word, or a quoted phrase (``quoted``), matched with normalisation and inflections."""

    text: str
    column: int = 0
    quoted: bool = False


@dataclass(frozen=True)
class EntityRef:
    """``@id``, or a word/phrase that is an alias of the entity (``alias`` keeps what was typed)."""

    id: str
    column: int = 0
    alias: str | None = None


@dataclass(frozen=True)
class Not:
    operand: Node


@dataclass(frozen=True)
class And:
    operands: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    operands: tuple[Node, ...]


@dataclass(frozen=True)
class Near:
    """``left NEAR/distance right``: both sides in one field, at most ``distance`` words apart."""

    left: Node
    right: Node
    distance: int


Node = Term | EntityRef | Not | And | Or | Near


class QueryError(RuleError):
    """A query does not parse; shows the query with a caret under the faulty column."""

    def __init__(
        self,
        query: str,
        column: int,
        message: str,
        file: str = "<query>",
        line: int | None = None,
        key: str | None = None,
        file_column: int | None = None,
    ) -> None:
        self.query = query
        self.column = column
        self.message = message
        problem = Problem(
            file,
            f"{message} (query column {column})" if file_column is None else message,
            key=key,
            line=line,
            column=file_column,
        )
        super().__init__([problem])

    def show(self) -> str:
        return self.caret()

    def caret(self) -> str:
        """``message at column N`` then the query and a caret under column N."""
        line = self.query.replace("\n", " ")
        pad = " " * (max(self.column, 1) - 1)
        return f"{self.message} at column {self.column}:\n  {line}\n  {pad}^"


# --- the lexer ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Token:
    kind: str  # WORD PHRASE ENTITY LPAREN RPAREN AND OR NOT NEAR END
    text: str
    column: int
    value: int = 0


def _lex(query: str) -> Iterator[_Token]:
    i, n = 0, len(query)
    while i < n:
        char = query[i]
        column = i + 1
        if char.isspace():
            i += 1
        elif char == "(":
            yield _Token("LPAREN", char, column)
            i += 1
        elif char == ")":
            yield _Token("RPAREN", char, column)
            i += 1
        elif char in _QUOTES_OPEN:
            close = _QUOTES_OPEN[char]
            end = query.find(close, i + 1)
            if end < 0 and close != '"':
                end = query.find('"', i + 1)
            if end < 0:
                raise QueryError(query, column, "unclosed quote")
            text = " ".join(query[i + 1 : end].split())
            if not text:
                raise QueryError(query, column, "empty phrase")
            yield _Token("PHRASE", text, column)
            i = end + 1
        elif char == "»":
            raise QueryError(query, column, "closing quote without an opening one")
        elif char == "-" and i + 1 < n and not query[i + 1].isspace() and query[i + 1] != "-":
            # -word, as search engines write NOT (a hyphen inside a word is part of it)
            yield _Token("NOT", char, column)
            i += 1
        else:
            j = i
            while j < n and query[j] not in _STOP:
                j += 1
            word = query[i:j]
            i = j
            if word in _OPERATORS:
                yield _Token(word, word, column)
            elif word in _ARABIC_OPERATORS:
                yield _Token(_ARABIC_OPERATORS[word], word, column)
            elif _NEAR_LIKE.match(word):
                found = _NEAR.match(word)
                if not found:
                    raise QueryError(
                        query, column, "write NEAR/N with a number of words, e.g. NEAR/5"
                    )
                distance = int(found.group(1))
                if not 1 <= distance <= MAX_NEAR:
                    raise QueryError(
                        query, column + 5, f"NEAR distance must be between 1 and {MAX_NEAR}"
                    )
                yield _Token("NEAR", word, column, distance)
            elif word.startswith("@"):
                name = word[1:]
                if not name:
                    raise QueryError(query, column, "@ must be followed by an entity id")
                if not ENTITY_ID.fullmatch(name):
                    raise QueryError(
                        query,
                        column + 1,
                        f"{word!r} is not an entity reference; ids use a-z, 0-9, _ and -",
                    )
                yield _Token("ENTITY", name, column)
            else:
                yield _Token("WORD", word, column)
    yield _Token("END", "", n + 1)


# --- the parser -----------------------------------------------------------------------------

_STARTS_ATOM = {"WORD", "PHRASE", "ENTITY", "LPAREN", "NOT"}
_DESCRIBE = {
    "RPAREN": "')'",
    "AND": "AND",
    "OR": "OR",
    "NEAR": "NEAR",
    "END": "the end of the query",
}


class _Parser:
    def __init__(self, query: str, resolve: Resolver | None) -> None:
        self.query = query
        self.resolve = resolve
        if len(query) > MAX_QUERY_LENGTH:
            raise QueryError(
                query,
                MAX_QUERY_LENGTH + 1,
                f"a query is at most {MAX_QUERY_LENGTH} characters (this one has {len(query)})",
            )
        self.tokens = list(_lex(query))
        terms = [t for t in self.tokens if t.kind in ("WORD", "PHRASE", "ENTITY")]
        if len(terms) > MAX_TERMS:
            raise QueryError(
                query,
                terms[MAX_TERMS].column,
                f"a query has at most {MAX_TERMS} words, phrases and @entities "
                f"(this one has {len(terms)})",
            )
        self.pos = 0
        self.depth = 0

    def deeper(self, token: _Token) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.fail(token, f"parentheses and NOT nest at most {MAX_DEPTH} deep")

    @property
    def peek(self) -> _Token:
        return self.tokens[self.pos]

    def take(self) -> _Token:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def fail(self, token: _Token, message: str) -> QueryError:
        return QueryError(self.query, token.column, message)

    def parse(self) -> Node:
        if self.peek.kind == "END":
            raise self.fail(self.peek, "empty query")
        node = self.parse_or()
        if self.peek.kind == "RPAREN":
            raise self.fail(self.peek, "')' without a matching '('")
        if self.peek.kind != "END":  # pragma: no cover - every other token starts an operand
            raise self.fail(self.peek, f"unexpected {self.peek.text!r}")
        return node

    def parse_or(self) -> Node:
        operands = [self.parse_and()]
        while self.peek.kind == "OR":
            self.take()
            operands.append(self.parse_and())
        return _flat(Or, operands)

    def parse_and(self) -> Node:
        # Adjacent bare words are kept as a run first so that a run naming an entity
        # ("الولايات المتحدة" typed without quotes) can become that entity.
        items: list[Node | list[_Token] | None] = []  # None: an explicit AND ends a run
        while True:
            token = self.peek
            if token.kind == "WORD" and self.tokens[self.pos + 1].kind != "NEAR":
                self.take()
                if items and isinstance(items[-1], list):  # extend the current run
                    items[-1].append(token)
                else:
                    items.append([token])
            else:
                items.append(self.parse_near())
            if self.peek.kind == "AND":
                self.take()
                if self.peek.kind not in _STARTS_ATOM:
                    raise self.fail(self.peek, f"AND needs a term after it, not {self._what()}")
                items.append(None)
                continue
            if self.peek.kind not in _STARTS_ATOM:
                break
        operands: list[Node] = []
        for item in items:
            if isinstance(item, list):
                operands.extend(self.resolve_run(item))
            elif item is not None:
                operands.append(item)
        return _flat(And, operands)

    def resolve_run(self, run: list[_Token]) -> list[Node]:
        """Greedy longest runs of adjacent words that are an entity's alias; other words terms."""
        nodes: list[Node] = []
        i = 0
        while i < len(run):
            for j in range(min(len(run), i + MAX_ALIAS_WORDS), i, -1):
                text = " ".join(token.text for token in run[i:j])
                found = self.resolve(text) if self.resolve else None
                if found is not None:
                    nodes.append(EntityRef(found, run[i].column, text))
                    i = j
                    break
            else:
                nodes.append(Term(run[i].text, run[i].column))
                i += 1
        return nodes

    def parse_near(self) -> Node:
        left = self.parse_unary()
        while self.peek.kind == "NEAR":
            op = self.take()
            if self.peek.kind not in _STARTS_ATOM:
                raise self.fail(self.peek, f"NEAR needs a term after it, not {self._what()}")
            right = self.parse_unary()
            for side in (left, right):
                bad = _not_positional(side)
                if bad is not None:
                    raise self.fail(op, f"NEAR cannot take {bad} on either side")
            left = Near(left, right, op.value)
        return left

    def parse_unary(self) -> Node:
        token = self.peek
        if token.kind == "NOT":
            self.take()
            if self.peek.kind not in _STARTS_ATOM:
                raise self.fail(self.peek, f"NOT needs a term after it, not {self._what()}")
            self.deeper(token)
            node = Not(self.parse_unary())
            self.depth -= 1
            return node
        return self.parse_atom()

    def parse_atom(self) -> Node:
        token = self.take()
        if token.kind == "LPAREN":
            if self.peek.kind == "RPAREN":
                raise self.fail(self.peek, "empty parentheses")
            self.deeper(token)
            node = self.parse_or()
            if self.peek.kind != "RPAREN":
                raise self.fail(token, "'(' is never closed")
            self.take()
            self.depth -= 1
            return node
        if token.kind == "PHRASE":
            found = self.resolve(token.text) if self.resolve else None
            if found is not None:
                return EntityRef(found, token.column, token.text)
            return Term(token.text, token.column, quoted=True)
        if token.kind == "ENTITY":
            return EntityRef(token.text, token.column)
        if token.kind == "WORD":
            return self.resolve_run([token])[0]
        what = _DESCRIBE.get(token.kind, repr(token.text))
        if token.kind in ("AND", "OR", "NEAR"):
            raise self.fail(token, f"{what} needs a term before it")
        raise self.fail(token, f"expected a word, a phrase, @entity or '(' but found {what}")

    def _what(self) -> str:
        return _DESCRIBE.get(self.peek.kind, repr(self.peek.text))


def _flat(kind: type[And] | type[Or], operands: list[Node]) -> Node:
    if len(operands) == 1:
        return operands[0]
    flat: list[Node] = []
    for operand in operands:
        if isinstance(operand, kind):
            flat.extend(operand.operands)
        else:
            flat.append(operand)
    return kind(tuple(flat))


def _not_positional(node: Node) -> str | None:
    """Why ``node`` has no word positions for NEAR (None when it has)."""
    if isinstance(node, Not):
        return "NOT"
    if isinstance(node, And):
        return "AND (use parentheses around OR, or a phrase)"
    if isinstance(node, Or | Near):
        children = node.operands if isinstance(node, Or) else (node.left, node.right)
        for child in children:
            bad = _not_positional(child)
            if bad is not None:
                return bad
    return None


def parse(query: str, resolve: Resolver | None = None) -> Node:
    """Parse ``query``; raise QueryError (with column) when it is not well formed.

    A query must be able to match something: one made only of NOT parts is refused,
    since it would fire on nearly every article.
    """
    node = _Parser(query, resolve).parse()
    if not _has_positive(node):
        raise QueryError(query, 1, "a query needs at least one term that is not under NOT")
    return node


def _has_positive(node: Node) -> bool:
    if isinstance(node, Term | EntityRef | Near):
        return True
    if isinstance(node, Not):
        return False
    if isinstance(node, And):
        return any(_has_positive(child) for child in node.operands)
    return all(_has_positive(child) for child in node.operands)


def walk(node: Node) -> Iterator[Node]:
    """Every node of the tree, parents before children."""
    yield node
    if isinstance(node, Not):
        yield from walk(node.operand)
    elif isinstance(node, And | Or):
        for child in node.operands:
            yield from walk(child)
    elif isinstance(node, Near):
        yield from walk(node.left)
        yield from walk(node.right)


def entity_refs(node: Node) -> list[EntityRef]:
    """The entity references in ``node``, in query order."""
    return [child for child in walk(node) if isinstance(child, EntityRef)]


def terms(node: Node) -> list[Term]:
    """The word and phrase terms in ``node``, in query order."""
    return [child for child in walk(node) if isinstance(child, Term)]


def unparse(node: Node) -> str:
    """The canonical text of ``node``: explicit operators, parentheses where needed."""
    return _unparse(node, 0)


_LEVEL = {Or: 1, And: 2, Near: 3, Not: 4}


def _unparse(node: Node, outer: int) -> str:
    if isinstance(node, Term):
        return f'"{node.text}"' if node.quoted or " " in node.text else node.text
    if isinstance(node, EntityRef):
        return f"@{node.id}"
    level = _LEVEL[type(node)]
    if isinstance(node, Not):
        text = f"NOT {_unparse(node.operand, level)}"
    elif isinstance(node, Near):
        text = (
            f"{_unparse(node.left, level)} NEAR/{node.distance} {_unparse(node.right, level + 1)}"
        )
    else:
        joiner = " OR " if isinstance(node, Or) else " AND "
        text = joiner.join(_unparse(child, level) for child in node.operands)
    return f"({text})" if level <= outer else text

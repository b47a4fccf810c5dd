"""The error hierarchy: every error Marsad raises on bad input knows how to show itself.

Errors carry the place they come from (file, line, column, key) so the message a user
sees says exactly where to look.  Nothing here ever includes a secret.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


class MarsadError(Exception):
    """Base of every error Marsad shows to a user instead of a traceback."""

    def show(self) -> str:
        """The one-paragraph text a user sees."""
        return str(self)


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a file: where it is and what is wrong."""

    file: Path | str
    message: str
    key: str | None = None
    line: int | None = None
    column: int | None = None
    hint: str | None = None

    def show(self) -> str:
        where = str(self.file)
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        text = f"{where}: "
        if self.key:
            text += f"{self.key}: "
        text += self.message
        if self.hint:
            text += f" ({self.hint})"
        return text


class ProblemsError(MarsadError):
    """One or more problems found while validating a file; all are reported at once."""

    kind = "problem"

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(p.show() for p in problems))

    def show(self) -> str:
        n = len(self.problems)
        head = f"{n} {self.kind}{'s' if n != 1 else ''}:"
        return head + "\n" + "\n".join("  " + p.show() for p in self.problems)


class ConfigError(ProblemsError):
    """The configuration file is invalid."""

    kind = "configuration error"


class RuleError(ProblemsError):
    """A rule file or query is invalid."""

    kind = "rule error"


class StoreError(MarsadError):
    """The database cannot be opened or upgraded."""


class FetchError(MarsadError):
    """A source could not be fetched; the message is stored as the source's last error."""

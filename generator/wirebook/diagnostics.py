"""Problems found in definitions, reported like a compiler: ``file:line:column: message``."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum


@dataclass(frozen=True, order=True)
class Position:
    """A place in a definition file; line and column count from 1."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


class Severity(Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Diagnostic:
    position: Position | None
    message: str
    hint: str = ""
    severity: Severity = Severity.ERROR
    rule: str | None = None  # lint rule ID, e.g. "WB101"

    def render(self) -> str:
        where = f"{self.position}: " if self.position else ""
        label = self.severity.value + (f"[{self.rule}]" if self.rule else "")
        text = f"{where}{label}: {self.message}"
        if self.hint:
            text += f"\n    hint: {self.hint}"
        return text

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR


def sort_key(diagnostic: Diagnostic) -> tuple[str, int, int, str]:
    pos = diagnostic.position
    return (
        (pos.file, pos.line, pos.column, diagnostic.message)
        if pos
        else ("", 0, 0, diagnostic.message)
    )


def render_all(diagnostics: Iterable[Diagnostic]) -> str:
    return "\n".join(d.render() for d in sorted(diagnostics, key=sort_key))


def _normal(word: str) -> str:
    return word.replace("_", "").replace("-", "").lower()


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """A hint naming the closest of ``choices``, or listing them all when none is close."""
    options = sorted(set(choices))
    # `min_length` for `minLength`, `roomid` for `RoomId`: spelling conventions, not typos
    same = [o for o in options if _normal(o) == _normal(word)]
    close = same or difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    if close:
        return f"did you mean '{close[0]}'?"
    return "expected one of: " + ", ".join(options) if options else ""


class DefinitionError(Exception):
    """Raised when a run found errors; carries all of them."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        super().__init__(render_all(diagnostics))
        self.diagnostics = diagnostics

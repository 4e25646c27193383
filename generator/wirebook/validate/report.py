"""What ``wirebook validate`` writes: one line per problem, a JSON record per invalid message, or
GitHub workflow annotations; then a summary.

Problems go to standard output. The summary goes there too in text format, and to standard error
in the machine formats, so that their standard output stays one kind of record.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import NamedTuple, TextIO, TypeVar

from wirebook.validate import _sift
from wirebook.validate.engine import NO_TYPE, Finding, Rejection, Tally
from wirebook.validate.options import Format
from wirebook.validate.reader import STDIN

# What a terminal acts on, or what breaks or reorders a line: C0 and C1 controls, DEL, Unicode's
# bidirectional controls and its line and paragraph separators. A name or value that holds one
# (a `type` with a newline) must not forge a line of the report or move the cursor.
_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


OUT, ERR = "standard output", "standard error"


class OutputError(Exception):
    """The report could not be written: a full disk, a closed stream."""


def printable(text: str) -> str:
    """``text`` with what a terminal would act on written as escapes (``\\n``, ``\\x1b``)."""
    if _UNSAFE.search(text) is None:
        return text
    return _UNSAFE.sub(_escaped, text)


def _escaped(found: re.Match[str]) -> str:
    char = found.group()
    if char in _NAMED:
        return _NAMED[char]
    return f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"


def _label(finding: Finding, rejection: Rejection) -> str:
    """The type as a problem line shows it; the direction too when both directions were tried."""
    if finding.type is None:
        return NO_TYPE
    if len(finding.rejections) > 1 and rejection.direction is not None:
        return f"{rejection.direction} {finding.type}"
    return finding.type


def _escape(text: str, in_property: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return text.replace(":", "%3A").replace(",", "%2C") if in_property else text


class _Words(NamedTuple):
    """What follows `path:line: ` for each line written for a finding (newline included), with
    the annotation's title in github format; and, in text format, those words after an empty
    string, to join with the place into the finding's lines at once."""

    pairs: list[tuple[str, str]]
    joined: list[str]


# findings whose words are remembered per Report (a log repeats the same mistakes: the verdicts
# of the exact path are shared by the lines alike)
_REMEMBERED = 4096


class Report:
    """Writes to ``out`` and ``err``; a stream that fails raises ``OutputError``."""

    def __init__(self, form: Format, out: TextIO, err: TextIO) -> None:
        self.form = form
        self.out = out
        self.err = err
        # a finding's words (see _Words), by its type and rejections; and by the id of its
        # rejections (kept, so that the id stays theirs), several times faster to find: the
        # findings alike of a batch share one rejections tuple (one per batch from a worker)
        self._words: dict[tuple[str | None, tuple[Rejection, ...]], _Words] = {}
        self._by_id: dict[int, tuple[tuple[Rejection, ...], str | None, _Words]] = {}

    def findings(self, name: str, base: int, findings: Iterable[Finding]) -> None:
        """Write the findings of one part of input ``name`` whose first line is ``base + 1``."""
        with _writing(OUT):
            self.out.write("".join(self._lines(name, base, findings)))

    def _lines(self, name: str, base: int, findings: Iterable[Finding]) -> Iterator[str]:
        stdin = name == STDIN
        name = "<stdin>" if stdin else name
        if self.form == "json":
            start = '{"file": ' + json.dumps(name, ensure_ascii=False) + ', "line": '
            for finding in findings:
                yield f"{start}{base + finding.line + 1}{self._words_of(finding).pairs[0][1]}"
        elif self.form == "text":  # the hot loop of an invalid log, in C
            yield _sift.text_lines(printable(name), base, findings, self._by_id, self._joined)
        else:
            where = "" if stdin else f"file={_escape(name, True)},line="
            shown = _escape(name)
            for finding in findings:
                line = base + finding.line + 1
                at = f"{where}{line}," if where else ""
                for title, words in self._words_of(finding).pairs:
                    yield f"::error {at}{title}::{shown}:{line}: {words}"

    def _joined(self, finding: Finding) -> list[str]:
        return self._words_of(finding).joined

    def _words_of(self, finding: Finding) -> _Words:
        known = self._by_id.get(id(finding.rejections))
        if known is not None and known[0] is finding.rejections and known[1] == finding.type:
            return known[2]
        words = self._words.get((finding.type, finding.rejections))
        if words is None:
            pairs = self._compose(finding)
            words = _Words(pairs, ["", *(text for _, text in pairs)])
            _remember(self._words, (finding.type, finding.rejections), words)
        _remember(self._by_id, id(finding.rejections), (finding.rejections, finding.type, words))
        return words

    def _compose(self, finding: Finding) -> list[tuple[str, str]]:
        if self.form == "json":
            errors = [
                {
                    "direction": r.direction,
                    "pointer": p.pointer,
                    "keyword": p.keyword,
                    "message": p.message,
                }
                for r in finding.rejections
                for p in r.problems
            ]
            record = {"type": finding.type, "errors": errors}
            text = json.dumps(record, ensure_ascii=False)  # {"type": …, "errors": […]}
            return [("", ", " + text[1:] + "\n")]
        texts = [
            (problem, f"{_label(finding, r)}: {problem.pointer or '/'}: {problem.message}")
            for r in finding.rejections
            for problem in r.problems
        ]
        if self.form == "text":
            return [("", printable(text) + "\n") for _, text in texts]
        return [  # github: the title, then the text
            (f"title={_escape(f'invalid message ({p.keyword})', True)}", _escape(text) + "\n")
            for p, text in texts
        ]

    def input_error(self, text: str) -> None:
        """Say, on ``err``, why an input (or the run) failed."""
        with _writing(OUT):
            self.out.flush()
        with _writing(ERR):
            self.err.write(f"wirebook validate: error: {printable(text)}\n")
            self.err.flush()

    def summary(self, total: Tally, inputs: int, unread: int = 0) -> None:
        """The summary, then everything written so far flushed."""
        stream, where = (self.out, OUT) if self.form == "text" else (self.err, ERR)
        with _writing(where):
            stream.write(summary(total, inputs, unread))
        with _writing(OUT):
            self.out.flush()
        with _writing(ERR):
            self.err.flush()


K = TypeVar("K")
V = TypeVar("V")


def _remember(memory: dict[K, V], key: K, value: V) -> None:
    if len(memory) >= _REMEMBERED:
        memory.clear()
    memory[key] = value


@contextmanager
def _writing(where: str) -> Iterator[None]:
    """Writes to ``where``: a failure is an OutputError (not a closed pipe: `| head` makes one)."""
    try:
        yield
    except BrokenPipeError:
        raise
    except OSError as exc:
        raise OutputError(f"cannot write to {where}: {exc.strerror or exc}") from exc


def summary(total: Tally, inputs: int, unread: int = 0) -> str:
    """The closing lines: messages read, the verdict, then the counts per type and per error kind.

    ``unread``: inputs that could not be read (whole or in part), which "all valid" must not hide.
    """
    files = f"{inputs} input{'s' * (inputs != 1)}"
    invalid = total.invalid
    verdict = f"{invalid} invalid" if invalid else "none invalid" if unread else "all valid"
    if unread:
        verdict += f", and {unread} input{'s' * (unread != 1)} could not be read"
    lines = [f"{total.read} message{'s' * (total.read != 1)} read from {files}: {verdict}"]
    if total.per_type:
        width = max(12, *(len(printable(n)) for n in total.per_type))
        lines.append(f"  {'type':<{width}} {'read':>9} {'invalid':>9}")
        for name in sorted(total.per_type):
            read, bad = total.per_type[name], total.invalid_per_type[name]
            lines.append(f"  {printable(name):<{width}} {read:>9} {bad:>9}")
    if total.per_kind:
        width = max(12, *(len(printable(k)) for k in total.per_kind))
        lines.append(f"  {'error kind':<{width}} {'count':>9}")
        for name, count in sorted(total.per_kind.items(), key=lambda kv: (-kv[1], kv[0])):
            lines.append(f"  {printable(name):<{width}} {count:>9}")
    return "\n".join(lines) + "\n"

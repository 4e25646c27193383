"""What ``wirebook validate`` writes: one line per problem, a JSON record per invalid message, or
GitHub workflow annotations; then a summary.

Problems go to standard output. The summary goes there too in text format, and to standard error
in the machine formats, so that their standard output stays one kind of record.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TextIO

from wirebook.problems import Problem
from wirebook.validate.engine import NO_TYPE, Finding, Rejection, Tally
from wirebook.validate.options import Format
from wirebook.validate.reader import STDIN


def _label(finding: Finding, rejection: Rejection) -> str:
    """The type as a problem line shows it; the direction too when both directions were tried."""
    if finding.type is None:
        return NO_TYPE
    if len(finding.rejections) > 1 and rejection.direction is not None:
        return f"{rejection.direction} {finding.type}"
    return finding.type


def problem_lines(name: str, line: int, finding: Finding) -> Iterable[tuple[Problem, str]]:
    """Each problem of a finding with its text line ``path:line: type: pointer: message``."""
    for rejection in finding.rejections:
        label = _label(finding, rejection)
        for problem in rejection.problems:
            yield problem, f"{name}:{line}: {label}: {problem.pointer or '/'}: {problem.message}"


def _escape(text: str, in_property: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return text.replace(":", "%3A").replace(",", "%2C") if in_property else text


class Report:
    def __init__(self, form: Format, out: TextIO, err: TextIO) -> None:
        self.form = form
        self.out = out
        self.err = err

    def findings(self, name: str, base: int, findings: Iterable[Finding]) -> None:
        """Write the findings of one part of input ``name`` whose first line is ``base + 1``."""
        write = self.out.write
        stdin = name == STDIN
        name = "<stdin>" if stdin else name
        for finding in findings:
            line = base + finding.line + 1
            if self.form == "json":
                write(json.dumps(self._record(name, line, finding), ensure_ascii=False) + "\n")
                continue
            for problem, text in problem_lines(name, line, finding):
                if self.form == "text":
                    write(text + "\n")
                else:
                    where = "" if stdin else f"file={_escape(name, True)},line={line},"
                    title = _escape(f"invalid message ({problem.keyword})", True)
                    write(f"::error {where}title={title}::{_escape(text)}\n")

    @staticmethod
    def _record(name: str, line: int, finding: Finding) -> dict[str, object]:
        return {
            "file": name,
            "line": line,
            "type": finding.type,
            "errors": [
                {
                    "direction": r.direction,
                    "pointer": p.pointer,
                    "keyword": p.keyword,
                    "message": p.message,
                }
                for r in finding.rejections
                for p in r.problems
            ],
        }

    def input_error(self, text: str) -> None:
        self.out.flush()
        self.err.write(f"wirebook validate: error: {text}\n")
        self.err.flush()

    def summary(self, total: Tally, inputs: int) -> None:
        stream = self.out if self.form == "text" else self.err
        stream.write(summary(total, inputs))
        stream.flush()


def summary(total: Tally, inputs: int) -> str:
    files = f"{inputs} input{'s' * (inputs != 1)}"
    invalid = total.invalid
    verdict = f"{invalid} invalid" if invalid else "all valid"
    lines = [f"{total.read} message{'s' * (total.read != 1)} read from {files}: {verdict}"]
    if total.per_type:
        width = max(12, *map(len, total.per_type))
        lines.append(f"  {'type':<{width}} {'read':>9} {'invalid':>9}")
        for name in sorted(total.per_type):
            read, bad = total.per_type[name], total.invalid_per_type[name]
            lines.append(f"  {name:<{width}} {read:>9} {bad:>9}")
    if total.per_kind:
        width = max(12, *map(len, total.per_kind))
        lines.append(f"  {'error kind':<{width}} {'count':>9}")
        for name, count in sorted(total.per_kind.items(), key=lambda kv: (-kv[1], kv[0])):
            lines.append(f"  {name:<{width}} {count:>9}")
    return "\n".join(lines) + "\n"

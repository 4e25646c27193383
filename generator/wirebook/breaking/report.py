"""What ``wirebook breaking`` writes: a line per finding (text), one JSON document, or GitHub
workflow annotations. The summary goes to standard output in text, to standard error otherwise,
so that a machine format's standard output is one kind of record."""

from __future__ import annotations

import json
from typing import Any

from wirebook import ir
from wirebook.breaking.judge import Finding, Verdict
from wirebook.breaking.versions import Location

HINT = (
    "acknowledge a deliberate break with `breaking: {{ignore: [{{rule: {rule}, reason: …}}]}}` "
    "on the message, or under `protocol:` for the whole protocol"
)


def subject(finding: Finding) -> str:
    """``client message 'join_room' /payload/topic``, or the messages an envelope change is in."""
    if len(finding.types) == 1:
        who = f"{finding.direction} message '{finding.types[0]}'"
    else:
        shown = ", ".join(f"'{t}'" for t in finding.types[:3])
        more = ", …" if len(finding.types) > 3 else ""
        who = f"{len(finding.types)} {finding.direction} messages ({shown}{more})"
    return f"{who} {finding.pointer}" if finding.pointer else who


def change(finding: Finding) -> str:
    """What changed, and in which wire versions when that is not all of them alike."""
    if not finding.versions:
        return finding.text
    plural = "s" if len(finding.versions) > 1 else ""
    shown = ", ".join(map(str, finding.versions))
    return f"{finding.text} (wire version{plural} {shown})"


def text(verdict: Verdict) -> tuple[list[str], str]:
    """The report's lines and its summary."""
    lines = []
    for f in verdict.findings:
        where = f"{f.where}: " if f.where else ""
        label = "acknowledged" if f.acknowledged is not None else f.rule.category
        lines.append(f"{where}{label}[{f.rule.id} {f.rule.name}]: {subject(f)}: {change(f)}")
        if f.acknowledged is not None:
            lines.append(f"    reason: {f.acknowledged}")
        else:
            lines.append(f"    why: {f.rule.reason}")
        if f.new is not None and f.old is not None:
            lines.append(f"    was: {f.old}")
    for u in verdict.unused:
        where = f"{u.position}: " if u.position else ""
        lines.append(
            f"{where}note: the acknowledgement of {u.rule} on the {u.owner} matches no change "
            f"against {verdict.against}: remove it once no one compares with an older version"
        )
    return lines, summary(verdict)


def summary(verdict: Verdict) -> str:
    parts = []
    for direction in ir.DIRECTIONS:
        failing = verdict.failing(direction)
        counts = [
            f"{n} {category}"
            for category in ("breaking", "uncertain")
            if (n := sum(f.rule.category == category for f in failing))
        ]
        acknowledged = sum(
            f.acknowledged is not None and f.direction == direction for f in verdict.findings
        )
        if acknowledged:
            counts.append(f"{acknowledged} acknowledged")
        state = "break" if failing else "compatible"
        parts.append(
            f"{direction} messages {state}" + (f" ({', '.join(counts)})" if counts else "")
        )
    line = f"against {verdict.against}: " + "; ".join(parts)
    failing = verdict.failing()
    return f"{line}\n{HINT.format(rule=failing[0].rule.id)}" if failing else line


def as_json(verdict: Verdict) -> str:
    document = {
        "against": verdict.against,
        "compatible": not verdict.failing(),
        "directions": {d: "breaks" if verdict.failing(d) else "compatible" for d in ir.DIRECTIONS},
        "findings": [_record(f) for f in verdict.findings],
        "unused_acknowledgements": [
            {"rule": u.rule, "owner": u.owner, "location": _location(u.position)}
            for u in verdict.unused
        ],
    }
    return json.dumps(document, indent=2, ensure_ascii=False)


def _record(f: Finding) -> dict[str, Any]:
    return {
        "rule": f.rule.id,
        "name": f.rule.name,
        "category": f.rule.category,
        "direction": f.direction,
        "messages": list(f.types),
        "pointer": f.pointer,
        "change": f.text,
        "versions": list(f.versions),
        "why": f.rule.reason,
        "location": _location(f.new),
        "old_location": _location(f.old),
        "acknowledged": f.acknowledged,
    }


def _location(location: Location | None) -> dict[str, Any] | None:
    if location is None:
        return None
    if location.pointer is not None:
        return {"file": location.file, "pointer": location.pointer}
    return {"file": location.file, "line": location.line, "column": location.column}


def github(verdict: Verdict) -> list[str]:
    """Workflow commands: an error per failing finding, a notice per acknowledged one."""
    lines = []
    for f in verdict.findings:
        level = "notice" if f.acknowledged is not None else "error"
        where = f.where
        props = []
        if where is not None:
            props.append(f"file={_property(where.file)}")
            if where.line is not None:
                props.append(f"line={where.line},col={where.column}")
        props.append(f"title={_property(f'{f.rule.id} {f.rule.name}')}")
        message = f"{subject(f)}: {change(f)}. {f.acknowledged or f.rule.reason}"
        lines.append(f"::{level} {','.join(props)}::{_data(message)}")
    return lines


def _data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(value: str) -> str:
    return _data(value).replace(":", "%3A").replace(",", "%2C")

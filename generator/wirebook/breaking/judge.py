"""Judge a new version of a protocol against an old one, direction by direction."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

from wirebook import ir
from wirebook.breaking.compare import Change, Context, compare_messages
from wirebook.breaking.rules import BY_ID, Rule
from wirebook.breaking.versions import Location, Version


@dataclass(frozen=True)
class Finding:
    rule: Rule
    direction: ir.Direction
    types: tuple[str, ...]  # the message it is about; several for a change of the envelope
    pointer: str  # the member in the wire message, "" for the whole message
    text: str
    new: Location | None
    old: Location | None
    witness: Any = None  # a value at ``pointer`` that shows the change, when one was found
    has_witness: bool = False
    acknowledged: str | None = None  # the reason given, when the break is deliberate

    @property
    def where(self) -> Location | None:
        return self.new or self.old


@dataclass(frozen=True)
class Unused:
    """An acknowledgement that matches no finding: the break it allowed is behind us."""

    rule: str
    owner: str  # "protocol" or "client message 'x'"
    position: Location | None


@dataclass(frozen=True)
class Verdict:
    against: str
    findings: tuple[Finding, ...]
    unused: tuple[Unused, ...]

    def failing(self, direction: ir.Direction | None = None) -> list[Finding]:
        return [
            f for f in self.findings if f.acknowledged is None and direction in (None, f.direction)
        ]


def judge(old: Version, new: Version) -> Verdict:
    protocol = new.protocol
    assert protocol is not None, "the new version is read from definitions"
    samples = tuple(sorted(set(_strings(protocol))))
    found: list[Finding] = []
    for direction in ir.DIRECTIONS:
        context = Context(direction, _served(old, new), samples)
        before, after = old.schemas[direction], new.schemas[direction]
        for type_ in sorted(before.keys() - after.keys()):
            if direction == "client":
                found.append(_whole(BY_ID["WB201"], direction, type_, "removed", old, new))
        for type_ in sorted(after.keys() - before.keys()):
            if direction == "server":
                found.append(_whole(BY_ID["WB202"], direction, type_, "added", old, new))
        for type_ in sorted(before.keys() & after.keys()):
            for change in compare_messages(before[type_], after[type_], context):
                found.append(_finding(change, direction, type_, old, new))
    acknowledged, unused = _acknowledge(found, protocol)
    grouped = _group(acknowledged, old, new)
    return Verdict(old.label, tuple(sorted(grouped, key=_order)), unused)


def _served(old: Version, new: Version) -> frozenset[int]:
    """Wire versions both protocols serve (one shape each today: see Context)."""
    if old.protocol is None or new.protocol is None:
        return frozenset()
    return frozenset(old.protocol.wire_supported) & frozenset(new.protocol.wire_supported)


def _strings(protocol: ir.Protocol) -> Iterator[str]:
    def walk(value: Any) -> Iterator[str]:
        if isinstance(value, str):
            yield value
        elif isinstance(value, dict):
            for item in value.values():
                yield from walk(item)
        elif isinstance(value, list):
            for item in value:
                yield from walk(item)

    for message in protocol.messages:
        for example in message.examples:
            yield from walk(example.message)


def _whole(
    rule: Rule, direction: ir.Direction, type_: str, text: str, old: Version, new: Version
) -> Finding:
    return Finding(
        rule,
        direction,
        (type_,),
        "",
        text,
        new.locate(direction, type_, "") if type_ in new.schemas[direction] else None,
        old.locate(direction, type_, "") if type_ in old.schemas[direction] else None,
        type_,
        True,
    )


def _finding(
    change: Change, direction: ir.Direction, type_: str, old: Version, new: Version
) -> Finding:
    return Finding(
        change.rule,
        direction,
        (type_,),
        change.pointer,
        change.text,
        new.locate(direction, type_, change.new_at),
        old.locate(direction, type_, change.old_at),
        change.witness,
        change.has_witness,
    )


def _acknowledge(
    found: list[Finding], protocol: ir.Protocol
) -> tuple[list[Finding], tuple[Unused, ...]]:
    used: set[int] = set()
    done = []
    for finding in found:
        message = protocol.message(finding.direction, finding.types[0])
        owners = [*(message.breaking_ignore if message else ()), *protocol.breaking_ignore]
        ack = next((a for a in owners if a.rule == finding.rule.id), None)
        if ack is not None:
            used.add(id(ack))
            finding = replace(finding, acknowledged=ack.reason)
        done.append(finding)
    unused = [
        Unused(a.rule, "protocol", _at(a.position))
        for a in protocol.breaking_ignore
        if id(a) not in used
    ]
    unused += [
        Unused(a.rule, f"{m.direction} message '{m.type}'", _at(a.position))
        for m in protocol.messages
        for a in m.breaking_ignore
        if id(a) not in used
    ]
    return done, tuple(unused)


def _at(position: Any) -> Location | None:
    return Location(position.file, position.line, position.column) if position else None


def _envelope(finding: Finding) -> bool:
    """A change of the envelope shows in every message alike: `v`, the correlation member, or
    whether unknown members are allowed."""
    if finding.pointer == "/payload":
        return finding.rule.id in ("WB225", "WB226")
    return not finding.pointer.startswith("/payload/")


def _group(found: list[Finding], old: Version, new: Version) -> list[Finding]:
    """One finding for a change of the envelope, however many messages it shows in."""
    groups: dict[tuple[Any, ...], list[Finding]] = {}
    kept = []
    for finding in found:
        if _envelope(finding) and finding.rule.id not in ("WB201", "WB202"):
            key = (
                finding.rule.id,
                finding.direction,
                finding.pointer,
                finding.text,
                finding.acknowledged,
            )
            groups.setdefault(key, []).append(finding)
        else:
            kept.append(finding)
    for members in groups.values():
        first = members[0]
        if len(members) == 1:
            kept.append(first)
            continue
        types = tuple(sorted(t for f in members for t in f.types))
        kept.append(
            replace(
                first,
                types=types,
                new=new.envelope_location() or first.new,
                old=old.envelope_location() or first.old,
            )
        )
    return kept


def _order(finding: Finding) -> tuple[Any, ...]:
    where = finding.where
    return (
        ir.DIRECTIONS.index(finding.direction),
        (where.file, where.line or 0, where.column or 0, where.pointer or "") if where else (),
        finding.types,
        finding.pointer,
        finding.rule.id,
        json.dumps(finding.text),
    )

"""Judge a new version of a protocol against an old one, wire version by wire version and
direction by direction.

Only the wire versions both protocols support are compared: no deployed client speaks a version
only the new one supports. Each distinct pair of shapes (old, new) is compared once, and what it
shows is reported once, naming its versions when either protocol has more than one shape. A
version the old protocol supported and the new one does not is a finding of its own (WB233).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

from wirebook import ir
from wirebook.breaking.compare import Change, Context, compare_messages
from wirebook.breaking.rules import BY_ID, Rule
from wirebook.breaking.versions import Location, Schema, Version


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
    # the wire versions it is in; () when each protocol has one shape (every version alike),
    # but for WB233, which is about one version
    versions: tuple[int, ...] = ()

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
    named = len(old.shapes()) > 1 or len(new.shapes()) > 1
    pairs: dict[tuple[int, int], list[int]] = {}  # (old shape, new shape) → its versions
    for version in sorted(old.wire.keys() & new.wire.keys()):
        pairs.setdefault((id(old.wire[version]), id(new.wire[version])), []).append(version)
    found: dict[tuple[Any, ...], Finding] = {}  # one finding however many versions show it
    for versions in pairs.values():
        for finding in _compare_version(old, new, versions[0], samples):
            _merge(found, finding, tuple(versions) if named else ())
    for version in sorted(old.wire.keys() - new.wire.keys()):
        for finding in _dropped(old, new, version):
            _merge(found, finding, (version,))
    acknowledged, unused = _acknowledge(list(found.values()), protocol)
    grouped = _group(acknowledged, old, new)
    return Verdict(old.label, tuple(sorted(grouped, key=_order)), unused)


def _merge(
    found: dict[tuple[Any, ...], Finding], finding: Finding, versions: tuple[int, ...]
) -> None:
    key = (finding.rule.id, finding.direction, finding.types, finding.pointer, finding.text)
    seen = found.get(key)
    if seen is None:
        found[key] = replace(finding, versions=versions)
    else:
        found[key] = replace(seen, versions=tuple(sorted({*seen.versions, *versions})))


def _compare_version(
    old: Version, new: Version, version: int, samples: tuple[str, ...]
) -> Iterator[Finding]:
    """What wire version ``version`` of the new protocol breaks of the old one's."""
    for direction in ir.DIRECTIONS:
        context = Context(direction, samples)
        before, after = old.wire[version][direction], new.wire[version][direction]
        for type_ in sorted(before.keys() - after.keys()):
            if direction == "client":
                yield _whole(BY_ID["WB201"], direction, type_, "removed", old, new, version)
        for type_ in sorted(after.keys() - before.keys()):
            if direction == "server":
                yield _whole(BY_ID["WB202"], direction, type_, "added", old, new, version)
        for type_ in sorted(before.keys() & after.keys()):
            old_schema = _in_version(before[type_], version, old.default)
            new_schema = _in_version(after[type_], version, new.default)
            for change in compare_messages(old_schema, new_schema, context):
                yield _finding(change, direction, type_, old, new, version)


def _in_version(schema: Schema, version: int, default: int | None) -> Schema:
    """A message schema as it is for wire version ``version`` alone: `v`'s ``enum`` is
    ``[version]`` (the versions of a shape share a schema: which ones they are is no change of
    the message), and where `v` may be left out, its ``default`` is the protocol's default version,
    so that a message without `v` now read as another version shows (WB229)."""
    properties = schema.get("properties")
    if not isinstance(properties, dict) or not isinstance(properties.get("v"), dict):
        return schema
    v = {**properties["v"], "enum": [version]}
    required = schema.get("required")
    if default is not None and not (isinstance(required, list) and "v" in required):
        v["default"] = default
    return {**schema, "properties": {**properties, "v": v}}


def _dropped(old: Version, new: Version, version: int) -> Iterator[Finding]:
    """A wire version the old protocol supported and the new one does not."""
    for direction in ir.DIRECTIONS:
        types = tuple(sorted(old.wire[version][direction]))
        if types:
            text = "no longer accepted" if direction == "client" else "no longer sent"
            yield Finding(
                BY_ID["WB233"],
                direction,
                types,
                "/v",
                text,
                new.wire_location(direction, version),
                old.wire_location(direction, version),
                version,
                True,
            )


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
    rule: Rule,
    direction: ir.Direction,
    type_: str,
    text: str,
    old: Version,
    new: Version,
    version: int,
) -> Finding:
    return Finding(
        rule,
        direction,
        (type_,),
        "",
        text,
        new.locate(direction, type_, "", version)
        if type_ in new.wire[version][direction]
        else None,
        old.locate(direction, type_, "", version)
        if type_ in old.wire[version][direction]
        else None,
        type_,
        True,
    )


def _finding(
    change: Change, direction: ir.Direction, type_: str, old: Version, new: Version, version: int
) -> Finding:
    return Finding(
        change.rule,
        direction,
        (type_,),
        change.pointer,
        change.text,
        new.locate(direction, type_, change.new_at, version),
        old.locate(direction, type_, change.old_at, version),
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
                finding.versions,
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
        finding.versions,
    )

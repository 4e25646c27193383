"""Mutants of example messages, for any protocol: systematic variants of a valid message, each
valid or not, for tests that ask several validators (or two versions of a protocol) about the
same messages.

Boundaries come from the schemas themselves, so a new constraint is probed without a test edit.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from wirebook import ir
from wirebook.problems import pointer

JSON = Any  # a value that json.loads could return
Path = tuple[str | int, ...]

# One of each JSON kind, put in place of every member.
ANY_KIND: list[JSON] = [None, True, False, 0, -1, 1.5, "", "x", [], {}]


@dataclass(frozen=True)
class Mutant:
    label: str
    message: JSON


def schema_numbers(schemas: Iterable[JSON], keywords: tuple[str, ...]) -> list[int | float]:
    """Every number that one of ``keywords`` holds anywhere in ``schemas``."""
    found: set[int | float] = set()

    def walk(node: JSON) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in keywords and isinstance(value, int | float):
                    found.add(value)
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    for schema in schemas:
        walk(schema)
    return sorted(found)


class Mutator:
    """Mutants of the examples of one protocol, or of several versions of one (their schemas'
    boundaries, their examples' values, their types and correlation members together).

    ``extra``: values to put in place of every member besides the usual variants (enum values of
    another version, a string a pattern refuses…); ``sized``: arrays and objects also grown or
    cut to the item and member counts the schemas name, and beside them.
    """

    def __init__(
        self,
        protocols: Iterable[ir.Protocol],
        schemas: Iterable[JSON],
        extra: Iterable[JSON] = (),
        sized: bool = False,
    ) -> None:
        protocols, schemas = list(protocols), list(schemas)
        self.extra = list(extra)
        keywords = ("minItems", "maxItems", "minProperties", "maxProperties")
        counts = schema_numbers(schemas, keywords) if sized else []
        self.counts = sorted({int(n) + d for n in counts for d in (-1, 0, 1) if n + d > 0})
        lengths = schema_numbers(schemas, ("minLength", "maxLength"))
        bounds = schema_numbers(
            schemas, ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")
        )
        self.lengths = sorted({int(n) + d for n in lengths for d in (-1, 0, 1) if n + d >= 0})
        self.bounds = sorted({n + d for n in bounds for d in (-1, 0, 1)})
        self.samples: dict[str, list[JSON]] = {}  # every value an example gives a payload field
        for protocol in protocols:
            for message in protocol.messages:
                for example in message.examples:
                    assert isinstance(example.message, dict)
                    payload = example.message.get("payload", {})
                    assert isinstance(payload, dict)
                    for name, value in payload.items():
                        if value not in self.samples.setdefault(name, []):
                            self.samples[name].append(value)
        self.types = sorted({m.type for p in protocols for m in p.messages})
        correlations = ["ref", *(p.correlation for p in protocols if p.correlation)]
        self.envelope: list[tuple[str, JSON]] = [
            *(("v", v) for v in (1, 2, 0, 1.0, "1", None, True)),
            *(
                (name, ref)
                for name in dict.fromkeys(correlations)
                for ref in ("r-1", "", "a" * 128, "a" * 129, 1)
            ),
            ("payload", {}),
            ("extra", 1),
        ]

    def mutants(self, message: ir.Message, wire: dict[str, JSON]) -> list[Mutant]:
        """Variants of ``wire``, a valid example of ``message``; none equal to it."""
        found: dict[str, Mutant] = {}

        def add(label: str, value: JSON) -> None:
            # keyed by the wire text, so that 1, 1.0 and true stay apart
            found.setdefault(json.dumps(value, sort_keys=True), Mutant(label, value))

        for path, value in _members(wire):
            at = pointer(path) or "/"
            if path:
                add(f"drop {at}", _replace(wire, path, None, drop=True))
            for variant in self._variants(value):
                add(f"{at} = {_short(variant)}", _replace(wire, path, variant))
        for path, value in self._additions(message, wire):
            add(f"add {pointer(path)} = {_short(value)}", _replace(wire, path, value))
        for other in self.types:
            add(f"/type = {other!r}", {**wire, "type": other})
        found.pop(json.dumps(wire, sort_keys=True), None)  # a "mutant" equal to the example
        return list(found.values())

    def _variants(self, value: JSON) -> Iterator[JSON]:
        yield from ANY_KIND
        if isinstance(value, bool):
            yield from (not value, int(value), str(value).lower())
        elif isinstance(value, str):
            yield from (value + "\n", "\n" + value, value + " ", value.upper(), value + "é")
            yield value * 2
            for n in self.lengths:
                yield "a" * n
                yield "\N{GRINNING FACE}" * n  # two UTF-16 units: lengths count code points
        elif isinstance(value, int | float):
            yield from (value - 1, value + 1, -value, value + 0.5, float(value), str(value))
            for bound in self.bounds:
                yield from (bound, float(bound))
            yield from (2**64, 1e300, -0.0)
        elif isinstance(value, dict):
            yield {**value, "extra": 1}
            if value:  # more members like the first (`a`, `ax`, `axx`…)
                key, item = next(iter(value.items()))
                yield from ({key + "x" * i: item for i in range(n)} for n in self.counts)
            yield from (
                {**{k: v for k, v in value.items() if k != key}, key + "_": value[key]}
                for key in value
            )  # a near-miss name, such as `from_` for `from`
        elif isinstance(value, list):
            yield from (value * 2, value[:1])
            if value:
                yield from ((value * n)[:n] for n in self.counts)
        yield [value]
        yield from self.extra

    def _additions(self, message: ir.Message, wire: dict[str, JSON]) -> Iterator[tuple[Path, JSON]]:
        """Members the example lacks: envelope members, and the message's fields seen elsewhere."""
        for name, value in self.envelope:
            if name not in wire:
                yield (name,), value
        payload = wire.get("payload")
        if isinstance(payload, dict):
            for f in message.fields:
                if f.name not in payload:
                    yield from ((("payload", f.name), v) for v in self.samples.get(f.name, []))


def _members(value: JSON, path: Path = ()) -> Iterator[tuple[Path, JSON]]:
    yield path, value
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _members(item, (*path, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _members(item, (*path, i))


def _replace(message: JSON, path: Path, value: JSON | None, drop: bool = False) -> JSON:
    if not path:
        return copy.deepcopy(value)
    changed = copy.deepcopy(message)
    parent = changed
    for part in path[:-1]:
        parent = parent[part]
    if drop:
        del parent[path[-1]]
    else:
        parent[path[-1]] = copy.deepcopy(value)
    return changed


def _short(value: JSON) -> str:
    if isinstance(value, str) and len(value) > 12:
        return f"{json.dumps(value[:1])}×{len(value)}"
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 40 else text[:37] + "..."

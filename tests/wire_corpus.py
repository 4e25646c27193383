"""The example protocol's examples, the committed schemas, and a corpus of mutants of the examples.

Shared by the conformance tests (python-jsonschema, Pydantic, dispatch) and the Ajv test, so that
every validator is asked about exactly the same messages.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wirebook import ir
from wirebook.emit.schemas import bundle_path, message_path
from wirebook.pipeline import compile_definitions
from wirebook.problems import pointer
from wirebook.reference import ReferenceDraft, ReferenceValidator

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_DIR = ROOT / "generated" / "schemas"
PROTOCOL = compile_definitions(ROOT / "schema").protocol
JSON = Any  # a value that json.loads could return


def published(path: str) -> dict[str, Any]:
    """A committed schema file, by its path under ``generated/schemas``."""
    schema: dict[str, Any] = json.loads((SCHEMA_DIR / path).read_text(encoding="utf-8"))
    return schema


def schema_id(path: str) -> str:
    return PROTOCOL.base_uri + path


# The reference validator and the bundles, built from the committed files (not from the
# generator's memory): those files are what other teams receive.
REFERENCE = ReferenceValidator(
    {d: {m.type: published(message_path(m)) for m in PROTOCOL.direction(d)} for d in ir.DIRECTIONS}
)
BUNDLES = {d: ReferenceDraft(published(bundle_path(d))) for d in ir.DIRECTIONS}


@dataclass(frozen=True)
class ValidCase:
    message: ir.Message
    example: ir.Example

    @property
    def id(self) -> str:
        return f"{self.message.direction}/{self.message.type}/{self.example.name}"

    @property
    def wire(self) -> dict[str, Any]:
        """The example message (the definitions check makes every example a JSON object)."""
        assert isinstance(self.example.message, dict)
        return self.example.message


@dataclass(frozen=True)
class InvalidCase:
    example: ir.InvalidExample
    owner: ir.Message | None  # None for the protocol's direction-level anti-patterns

    @property
    def id(self) -> str:
        kind = self.owner.type if self.owner else "*"
        return f"{self.example.direction}/{kind}/{self.example.name}"

    @property
    def text(self) -> str:
        """The wire text of the example."""
        if self.example.raw is not None:
            return self.example.raw
        return json.dumps(self.example.message)


VALID = [ValidCase(m, e) for m in PROTOCOL.messages for e in m.examples]
INVALID = [
    *(InvalidCase(i, None) for i in PROTOCOL.invalid),
    *(InvalidCase(i, m) for m in PROTOCOL.messages for i in m.invalid),
]


def reference_verdict(direction: ir.Direction, message: JSON) -> bool:
    """python-jsonschema, routed by ``type`` to the message's own schema."""
    return not REFERENCE.validate(direction, message)


def bundle_verdict(direction: ir.Direction, message: JSON) -> bool:
    return bool(BUNDLES[direction].is_valid(message))


# --- mutants


@dataclass(frozen=True)
class Mutant:
    label: str
    message: JSON


def _schema_numbers(keywords: tuple[str, ...]) -> list[int | float]:
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

    for direction in ir.DIRECTIONS:
        walk(published(bundle_path(direction)))
    return sorted(found)


# Boundaries come from the schemas themselves, so a new constraint is probed without a test edit.
_LENGTHS = sorted(
    {
        int(n) + d
        for n in _schema_numbers(("minLength", "maxLength"))
        for d in (-1, 0, 1)
        if n + d >= 0
    }
)
_BOUNDS = sorted(
    {
        n + d
        for n in _schema_numbers(("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"))
        for d in (-1, 0, 1)
    }
)
# One of each JSON kind, put in place of every member.
_ANY_KIND: list[JSON] = [None, True, False, 0, -1, 1.5, "", "x", [], {}]


def _string_variants(text: str) -> Iterator[JSON]:
    yield from (text + "\n", "\n" + text, text + " ", text.upper(), text + "é", text * 2)
    for n in _LENGTHS:
        yield "a" * n
        yield "\N{GRINNING FACE}" * n  # one code point, two UTF-16 units: lengths count code points


def _number_variants(number: int | float) -> Iterator[JSON]:
    yield from (number - 1, number + 1, -number, number + 0.5, float(number), str(number))
    for bound in _BOUNDS:
        yield from (bound, float(bound))
    yield from (2**64, 1e300, -0.0)


def _variants(value: JSON) -> Iterator[JSON]:
    yield from _ANY_KIND
    if isinstance(value, bool):
        yield from (not value, int(value), str(value).lower())
    elif isinstance(value, str):
        yield from _string_variants(value)
    elif isinstance(value, int | float):
        yield from _number_variants(value)
    elif isinstance(value, dict):
        yield {**value, "extra": 1}
        yield from (
            {**{k: v for k, v in value.items() if k != key}, key + "_": value[key]} for key in value
        )  # a near-miss name, such as `from_` for `from`
    elif isinstance(value, list):
        yield from (value * 2, value[:1])
    yield [value]


def _members(
    value: JSON, path: tuple[str | int, ...] = ()
) -> Iterator[tuple[tuple[str | int, ...], JSON]]:
    yield path, value
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _members(item, (*path, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _members(item, (*path, i))


def _replace(
    message: JSON, path: tuple[str | int, ...], value: JSON | None, drop: bool = False
) -> JSON:
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


def _field_samples() -> dict[str, list[JSON]]:
    """Every value that some example gives a payload field, by field name."""
    samples: dict[str, list[JSON]] = {}
    for case in VALID:
        payload = case.wire.get("payload", {})
        for name, value in payload.items():
            if value not in samples.setdefault(name, []):
                samples[name].append(value)
    return samples


_SAMPLES = _field_samples()
_ENVELOPE_ADDITIONS: list[tuple[str, JSON]] = [
    *(("v", v) for v in (1, 2, 0, 1.0, "1", None, True)),
    *(("ref", ref) for ref in ("r-1", "", "a" * 128, "a" * 129, 1)),
    ("payload", {}),
    ("extra", 1),
]


def _additions(case: ValidCase) -> Iterator[tuple[tuple[str | int, ...], JSON]]:
    """Members the example lacks: envelope members, and the message's fields seen elsewhere."""
    message = case.wire
    for name, value in _ENVELOPE_ADDITIONS:
        if name not in message:
            yield (name,), value
    payload = message.get("payload")
    if isinstance(payload, dict):
        for f in case.message.fields:
            if f.name not in payload:
                yield from ((("payload", f.name), sample) for sample in _SAMPLES.get(f.name, []))


def mutants(case: ValidCase) -> list[Mutant]:
    """Systematic variants of one valid example; each is valid or not, the validators must agree."""
    message = case.wire
    found: dict[str, Mutant] = {}

    def add(label: str, value: JSON) -> None:
        # keyed by the wire text, so that 1, 1.0 and true stay apart
        found.setdefault(json.dumps(value, sort_keys=True), Mutant(label, value))

    for path, value in _members(message):
        at = pointer(path) or "/"
        if path:
            add(f"drop {at}", _replace(message, path, None, drop=True))
        for variant in _variants(value):
            add(f"{at} = {_short(variant)}", _replace(message, path, variant))
    for path, value in _additions(case):
        add(f"add {pointer(path)} = {_short(value)}", _replace(message, path, value))
    for other in sorted({m.type for m in PROTOCOL.messages}):
        add(f"/type = {other!r}", {**message, "type": other})
    found.pop(json.dumps(message, sort_keys=True), None)  # a "mutant" equal to the example
    return list(found.values())

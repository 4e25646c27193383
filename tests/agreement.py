"""Cross-validator agreement on any protocol: a corpus of messages drawn from its published
schemas, every validator's verdict on each message, and every disagreement with the reference.

The corpus is deterministic (seeded) and keyword-driven. It starts from the examples of the
definitions, then changes every member of each one as the member's own published schema
suggests: lengths at every bound (in code points, astral characters too), numbers at and around
every bound written as integers and as floats, enum and const near misses, repeated array items
(1 and 1.0 are equal), each JSON kind in each place, dropped and unknown members, the
envelope's members, the example asked in the other direction, and random pairs of changes. A
union's member gets the values of its other branches (for a tagged union: its tag missing,
unknown or another branch's), a map's its keys changed as the key rules suggest and entries at
and around its counts, any JSON nesting within and beyond the readers' limit, and a recursive
type's is nested in itself 50 levels deep. It also writes some messages as other spellings of
the same values (`1E0`, `"\\u0061"`) and as text that only a strict reader refuses (a repeated
key, NaN, 1e400, a lone surrogate, NaN inside any JSON value).

The reference is python-jsonschema with ECMA-262 patterns (``wirebook.reference``) on what
``json.loads`` reads. Differences by design are the caller's ``Exclusion``s, so that they are
declared in one table.
"""

from __future__ import annotations

import asyncio
import copy
import importlib
import itertools
import json
import math
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Annotated, Any, Protocol, Union

import jsonschema_rs
from pydantic import Field, TypeAdapter, ValidationError
from wirebook import ir
from wirebook.emit.schemas import VersionSchemas, bundle_path, message_path
from wirebook.pipeline import compile_definitions
from wirebook.problems import Problem, json_kind, pointer, wire_version
from wirebook.reference import ReferenceValidator, WireReference
from wirebook.validate.engine import Validator
from wirebook.validate.parse import MAX_DEPTH

JSON = Any  # a value that json.loads could return
Path_ = tuple[str | int, ...]
Verdict = bool | None  # None: the validator raised, or did not answer a frame exactly once
Dumps = Callable[[JSON], str]

ROOT = Path(__file__).resolve().parent.parent
AJV_SCRIPT = ROOT / "tests" / "ajv" / "texts.mjs"
WIREBOOK = Path(sys.executable).parent / "wirebook"
ASTRAL = "\N{GRINNING FACE}"  # one code point, two UTF-16 units


# --- the generated protocol ---------------------------------------------------------------------


@dataclass(frozen=True)
class Generated:
    """A protocol generated into a folder by `wirebook generate`, its package imported."""

    protocol: ir.Protocol
    out: Path  # holds schemas/, python/, docs/
    models: ModuleType
    dispatch: ModuleType
    versions: Mapping[int, VersionSchemas]  # every supported wire version → its shape's schemas
    definitions: Path  # the folder of its YAML definitions
    _references: dict[VersionSchemas, ReferenceValidator] = field(
        default_factory=dict, compare=False
    )

    @property
    def schemas(self) -> Path:
        return self.out / "schemas"

    def published(self, path: str) -> dict[str, Any]:
        schema: dict[str, Any] = json.loads((self.schemas / path).read_text(encoding="utf-8"))
        return schema

    def shapes(self) -> list[VersionSchemas]:
        """The published schemas of each shape: the current version's (at the top of
        schemas/) first, then each version of another shape (in schemas/v{N}/)."""
        return list(dict.fromkeys(self.versions.values()))

    def version_of(self, message: JSON) -> int:
        """The wire version whose schemas judge ``message``: its `v`, or the default."""
        return wire_version(message, self.versions, self.protocol.wire_default)

    def message_schemas(
        self, shape: VersionSchemas
    ) -> dict[ir.Direction, dict[str, dict[str, Any]]]:
        """Direction → wire type → the published per-message schema, of one shape."""
        return {
            d: {
                m.type: self.published(message_path(m, shape.folder))
                for m in shape.protocol.direction(d)
            }
            for d in ir.DIRECTIONS
        }

    def reference(self, shape: VersionSchemas) -> ReferenceValidator:
        """The reference validator of one shape's published schemas."""
        if shape not in self._references:
            self._references[shape] = ReferenceValidator(self.message_schemas(shape))
        return self._references[shape]

    def wire_reference(self) -> WireReference:
        """The reference validator that judges a message by the schemas of its own `v`."""
        return WireReference(
            {v: self.reference(shape) for v, shape in self.versions.items()},
            self.protocol.wire_default,
        )

    def unload(self) -> None:
        """Forget the imported package and its folder on ``sys.path``."""
        sys.path.remove(str(self.out / "python"))
        package = self.protocol.package
        for name in [n for n in sys.modules if n == package or n.startswith(package + ".")]:
            del sys.modules[name]

    def schema_path(self, direction: ir.Direction, message: JSON) -> str:
        """The message's own published schema in its wire version if that version has its
        type, else the version's bundle of its direction."""
        shape = self.versions[self.version_of(message)]
        kind = message.get("type") if isinstance(message, dict) else None
        found = shape.protocol.message(direction, kind) if isinstance(kind, str) else None
        if found is None:
            return bundle_path(direction, shape.folder)
        return message_path(found, shape.folder)


def generate(schema_dir: Path, out: Path) -> Generated:
    """Run `wirebook generate` into ``out`` and import the package it writes (its folder stays
    on ``sys.path`` until ``unload``)."""
    done = subprocess.run(
        [WIREBOOK, "generate", "--schema", schema_dir, "--out", out],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"wirebook generate --schema {schema_dir} failed:\n{done.stderr}")
    compiled = compile_definitions(schema_dir)
    protocol = compiled.protocol
    sys.path.insert(0, str(out / "python"))
    models = importlib.import_module(f"{protocol.package}.models")
    dispatch = importlib.import_module(f"{protocol.package}.dispatch")
    return Generated(protocol, out, models, dispatch, compiled.schemas.versions, schema_dir)


# --- the corpus ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One message, asked of every validator of one direction."""

    direction: ir.Direction
    label: str  # which example, and what was done to it
    kind: str  # the family of the change, for grouping disagreements
    text: str  # the wire text, compact: what text readers get
    spaced: str  # the same message with spaces and \u escapes (the exact path of validate)
    value: JSON  # json.loads(text): what value readers get
    strict: bool  # the text is strict JSON: no repeated key, NaN, lone surrogate, 1e400


def compact(value: JSON) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def spaced(value: JSON) -> str:
    return json.dumps(value, allow_nan=False)


def _value_case(direction: ir.Direction, label: str, kind: str, value: JSON) -> Case:
    strict = depth(value) <= MAX_DEPTH  # deeper, wirebook's readers refuse the text unread
    return Case(direction, label, kind, compact(value), spaced(value), value, strict)


def _strict_pairs(pairs: list[tuple[str, JSON]]) -> dict[str, JSON]:
    if len({k for k, _ in pairs}) != len(pairs):
        raise ValueError("a repeated key")
    return dict(pairs)


def _no_constant(name: str) -> JSON:
    raise ValueError(f"{name} is not JSON")


def _text_case(direction: ir.Direction, label: str, kind: str, text: str) -> Case | None:
    """A message written by hand, if json.loads reads it."""
    try:
        value = json.loads(text)
    except ValueError:
        return None
    try:
        json.loads(text, object_pairs_hook=_strict_pairs, parse_constant=_no_constant)
        strict = depth(value) <= MAX_DEPTH and not_json(value) is None
    except ValueError:
        strict = False
    return Case(direction, label, kind, text, text if not strict else spaced(value), value, strict)


# One of each JSON kind, put in place of every member.
_ANY_KIND: list[JSON] = [None, True, False, 0, -1, 1.5, "", "x", [], {}]
_TWO53 = 2**53
# Asked of every numeric member: integers around 2^53 and 2^64, both spellings of 10^20, a
# 400-digit integer, the zeros, floats with and without a fraction, the smallest double.
_NUMBERS: list[JSON] = [
    *(0, 0.0, -0.0, 1, 1.0, -1, 0.5, 1.5),
    *(_TWO53 - 1, _TWO53, _TWO53 + 1, -(_TWO53 - 1), -(_TWO53 + 1), float(_TWO53)),
    *(10**20, 1e20, 10**20 + 1, 1e21, 2**63, 2**64, 10**400, -(10**400), 1e300, -1e300, 5e-324),
]
# Characters that regular expression engines and readers treat differently: the four line
# terminators (ECMA's `.` and `$` take none), a tab, NUL, invisible spaces, a combining accent,
# an astral character, a letter outside ASCII, the neighbours of ASCII classes.
_CHARS = [
    *("\n", "\r", "\u2028", "\u2029", "\t", "\u0000", "\u00a0", "\ufeff", "\u0301"),
    *(ASTRAL, "é", "A", "a", "z", "0", "9", "_", "-", ".", " "),
]
_FORMATS: dict[str, list[str]] = {
    "date": [
        *("2024-02-29", "2023-02-29", "2025-02-30", "2025-04-31", "2025-13-01", "2025-00-10"),
        *("2025-01-00", "2025-1-01", "20250101", "2025-01-01T00:00:00Z", "2025-01-01\n"),
        "\uff12\uff10\uff12\uff15-01-01",  # full-width digits
    ],
    "date-time": [
        *("2025-01-01T00:00:00Z", "2025-01-01 00:00:00Z", "2025-01-01t00:00:00z"),
        *("2025-01-01T24:00:00Z", "2025-01-01T23:59:60Z", "2025-02-30T00:00:00Z"),
        *("2023-02-29T12:00:00+01:00", "2025-01-01T00:00:00", "2025-01-01T00:00:00+0100"),
        *("2025-01-01T00:00:00+24:00", "2025-01-01T00:00:00.Z", "2025-01-01T00:00:00-23:59"),
        *("2025-01-01T00:00:00.123456789012Z", "2025-01-01T00:00:00Z\n"),
    ],
    "uuid": [
        "123e4567-e89b-12d3-a456-426614174000",
        "123E4567-E89B-12D3-A456-426614174000",
        "00000000-0000-0000-0000-000000000000",
        "123e4567e89b12d3a456426614174000",
        "{123e4567-e89b-12d3-a456-426614174000}",
        "urn:uuid:123e4567-e89b-12d3-a456-426614174000",
        "123e4567-e89b-12d3-a456-42661417400",
        "123e4567-e89b-12d3-a456-42661417400g",
        "123e4567-e89b-12d3-a456-426614174000\n",
    ],
}
# Arrays whose items uniqueItems calls equal (1 and 1.0, objects in any member order), then
# arrays whose items only look alike (true is not 1).
_REPEATS: list[list[JSON]] = [
    *([1, 1], [1, 1.0], [0, -0.0], [1e20, 10**20], [True, True], [False, False], ["a", "a"]),
    *([[1], [1.0]], [{"x": 1}, {"x": 1}], [{"x": 1}, {"x": 1.0}]),
    *([{"x": 1, "y": 0.5}, {"y": 0.5, "x": 1}], [{"x": 1, "tag": "a"}, {"tag": "a", "x": 1.0}]),
    *([True, 1], [False, 0], ["a", "A"], [{"x": 1}, {"x": 1.5}]),
]
# Names of unknown members: any, and those a JavaScript object or a pydantic model already has.
_UNKNOWN_NAMES = ["extra", "__proto__", "constructor", "toString", "model_config", "__class__"]


class _Absent:
    """No value: a member about to be added."""


_ABSENT = _Absent()
_KINDS = ("null", "boolean", "integer", "number", "string", "array", "object")


class _Schema:
    """A published per-message schema, read through its ``$ref``s, ``allOf``, nullable
    ``anyOf`` and unions: a node is the merged keywords of one member (``nullable`` added; for a
    union, ``oneOf`` and the keywords of the branch that the member's value takes, by its kind
    or its tag; ``$ref``, the named type it is)."""

    def __init__(self, root: dict[str, Any]) -> None:
        self.root = root

    def resolve(self, node: dict[str, Any], value: JSON = _ABSENT) -> dict[str, Any]:
        merged: dict[str, Any] = {}
        for key, item in node.items():
            if key == "$ref":
                target: Any = self.root
                for part in item.removeprefix("#/").split("/"):
                    target = target[part]
                merged.update(self.resolve(target, value))
                merged["$ref"] = item
            elif key == "allOf":
                for branch in item:
                    merged.update(self.resolve(branch, value))
            elif key == "anyOf" and len(item) > 2:
                merged[key] = item  # any JSON value, as a list of its kinds
            elif key == "anyOf":
                branches = [b for b in item if b != {"type": "null"}]
                merged.update(self.resolve(branches[0], value))
                merged["nullable"] = True
            elif key == "oneOf":
                merged.update(self.resolve(self.branch(node, value), value))
                merged.setdefault("oneOf", item)  # a union in a union: the inner one's
            else:
                merged[key] = item
        return merged

    def branch(self, union: dict[str, Any], value: JSON) -> dict[str, Any]:
        """The branch of ``union`` that ``value`` takes: the one its tag names, else the first
        of its JSON kind, else the first that is not null."""
        branches: list[dict[str, Any]] = union["oneOf"]
        resolved = [self.resolve(b) for b in branches]
        tag = union.get("discriminator", {}).get("propertyName")
        for b, r in zip(branches, resolved, strict=True):
            if tag is not None and isinstance(value, dict):
                if tag in value and r.get("properties", {}).get(tag, {}).get("const") == value[tag]:
                    return b
            elif tag is None and not isinstance(value, _Absent) and json_kind(value) in _kinds(r):
                return b
        return next((b for b, r in zip(branches, resolved, strict=True) if _kinds(r) != {"null"}))

    def tags(self, node: dict[str, Any]) -> list[str]:
        """The tag of each branch of a tagged union."""
        tag = node["discriminator"]["propertyName"]
        return [self.resolve(b)["properties"][tag]["const"] for b in node["oneOf"]]

    def child(self, node: dict[str, Any], key: str | int, value: JSON) -> dict[str, Any] | None:
        if isinstance(key, int):
            found = node.get("items")
        else:
            found = node.get("properties", {}).get(key, node.get("additionalProperties"))
        return self.resolve(found, value) if isinstance(found, dict) else None


def _kinds(node: dict[str, Any]) -> set[str]:
    """The JSON kinds that a node's values have."""
    if "const" in node or "enum" in node:
        return {json_kind(v) for v in node.get("enum", [node.get("const")])}
    kind = node.get("type")
    if kind is None:
        return set(_KINDS)
    return {kind, "integer"} if kind == "number" else {kind}


def is_any(node: dict[str, Any]) -> bool:
    """A node of any JSON value: nothing says what it is."""
    return not {"type", "oneOf", "enum", "const"} & node.keys()


def depth(value: JSON) -> int:
    """How many arrays and objects are nested in ``value``, itself included."""
    if isinstance(value, dict | list):
        items = value.values() if isinstance(value, dict) else value
        return 1 + max(map(depth, items), default=0)
    return 0


@dataclass(frozen=True)
class _Edit:
    path: Path_
    value: JSON = None
    drop: bool = False


def _apply(message: JSON, edits: Sequence[_Edit]) -> JSON:
    changed = copy.deepcopy(message)
    for edit in edits:
        if not edit.path:
            changed = copy.deepcopy(edit.value)
            continue
        parent = changed
        for part in edit.path[:-1]:
            parent = parent[part]
        if edit.drop:
            del parent[edit.path[-1]]
        else:
            parent[edit.path[-1]] = copy.deepcopy(edit.value)
    return changed


def display(text: str) -> str:
    """``text`` with the characters that hide or break a line (line terminators, controls,
    invisible ones, lone surrogates) written as escapes."""
    return re.sub(
        r"[\x00-\x1f\x7f\u00a0\u0301\u2028\u2029\ufeff\ud800-\udfff]",
        lambda m: f"\\u{ord(m.group()):04x}",
        text,
    )


def _short(value: JSON) -> str:
    if isinstance(value, str) and len(value) > 12:
        return f'{compact(value[:2])[:-1]}…" ({len(value)} chars)'
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 10**25:
        return f"{'-' if value < 0 else ''}10**{len(str(abs(value))) - 1}"
    text = compact(value)
    return text if len(text) <= 48 else text[:45] + "..."


def _as_float(number: int) -> float | None:
    try:
        return float(number)
    except OverflowError:
        return None


def _number_candidates(node: dict[str, Any], x: JSON) -> Iterator[tuple[str, JSON]]:
    integer = node.get("type") == "integer"
    for key in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        bound = node.get(key)
        if not isinstance(bound, int | float):
            continue
        steps: list[JSON] = [bound - 1, bound, bound + 1]
        if not integer or isinstance(bound, float):  # just inside and just outside
            steps += [bound - 0.5, bound + 0.5]
            steps += [math.nextafter(bound, -math.inf), math.nextafter(bound, math.inf)]
        for step in steps:
            yield key, step
            if isinstance(step, int):
                yield key, _as_float(step)  # the same number, written 1.0
            elif step == int(step):
                yield key, int(step)
    yield from (("number", n) for n in _NUMBERS)
    if isinstance(x, int | float) and not isinstance(x, bool):
        yield from (("number", v) for v in (-x, str(x), x + 1, float(x)))
        if isinstance(x, float) and x == int(x):
            yield "number", int(x)


def _string_candidates(node: dict[str, Any], x: JSON) -> Iterator[tuple[str, JSON]]:
    text = x if isinstance(x, str) else ""
    for key in ("minLength", "maxLength"):
        bound = node.get(key)
        if not isinstance(bound, int):
            continue
        for n in (bound - 1, bound, bound + 1):
            if n >= 0:
                pad = text or "a"
                yield key, (pad * (n // len(pad) + 1))[:n]
                yield from ((key, char * n) for char in ("a", ASTRAL, "é"))
    yield from (("format", f) for f in _FORMATS.get(node.get("format", ""), []))
    kind = "pattern" if "pattern" in node else "string"
    for variant in (
        *("", text + "\n", "\n" + text, text + "\r\n", text + "\u2028", text + "\u2029"),
        *(text + ASTRAL, text + "é", text * 2, text.upper(), text.lower()),
    ):
        yield kind, variant
    if not {"minLength", "maxLength", "pattern"} & node.keys():
        return  # nothing reads the characters of a free text: the variants above suffice
    # each character dropped and doubled; each of _CHARS in place of it and before it
    places = range(len(text)) if len(text) <= 8 else (0, 1, len(text) // 2, len(text) - 1)
    for i in places:
        yield kind, text[:i] + text[i + 1 :]
        yield kind, text[: i + 1] + text[i:]
        for char in _CHARS:
            yield kind, text[:i] + char + text[i + 1 :]
            yield kind, text[:i] + char + text[i:]


def _enum_candidates(values: list[JSON]) -> Iterator[tuple[str, JSON]]:
    for value in values:
        yield "enum", value
        if isinstance(value, str):
            yield from (("enum", v) for v in (value.upper(), value + " ", value + "\n", [value]))
            if re.fullmatch(r"-?[0-9]+|true|false|null", value):
                yield "enum", json.loads(value)  # "1" → 1, "true" → true
        elif isinstance(value, int | float) and not isinstance(value, bool):
            yield from (("enum", v) for v in (str(value), value + 1, value + 0.5, -value))
            yield "enum", _as_float(value) if isinstance(value, int) else value
            yield "enum", -float(value)  # -0.0 for 0
            if isinstance(value, float) and value == int(value):
                yield "enum", int(value)  # 1e20 written 100000000000000000000
            if value in (0, 1):
                yield "enum", bool(value)


def _const_candidates(value: JSON) -> Iterator[tuple[str, JSON]]:
    yield from (("const", v) for v in (value, [value]))
    yield "const", value.upper() if isinstance(value, str) else json.dumps(value)
    if isinstance(value, bool):
        yield from (("const", v) for v in (int(value), float(value), not value))
    elif isinstance(value, int | float):
        yield from (("const", v) for v in (float(value), -float(value), -value, value + 1))
        yield "const", math.nextafter(value, math.inf)
        if value == int(value):
            yield "const", int(value)
        if value in (0, 1):
            yield "const", bool(value)
    elif isinstance(value, str):
        yield from (("const", v) for v in (value + " ", value + "\n", value + ASTRAL))


def _array_candidates(
    node: dict[str, Any], x: JSON, pool: list[JSON]
) -> Iterator[tuple[str, JSON]]:
    items = x if isinstance(x, list) else []
    distinct: list[JSON] = []
    for item in [*items, *pool]:
        if all(compact(item) != compact(d) for d in distinct):
            distinct.append(item)
    for key in ("minItems", "maxItems"):
        bound = node.get(key)
        if not isinstance(bound, int) or not distinct:
            continue
        for n in (bound - 1, bound, bound + 1):
            if n >= 0:
                yield key, [distinct[i % len(distinct)] for i in range(n)]
                if len(distinct) >= n:
                    yield key, distinct[:n]
    kind = "uniqueItems" if node.get("uniqueItems") else "items"
    yield from ((kind, repeat) for repeat in _REPEATS)
    if items:
        yield from ((kind, v) for v in ([*items, items[0]], [items[0], items[0]]))
        if isinstance(items[0], int) and not isinstance(items[0], bool):
            yield kind, [*items, float(items[0])]  # the first item again, written with .0
    yield from (("items", [other]) for other in _ANY_KIND)


def _nested(levels: int, inner: JSON, key: str | None = None) -> JSON:
    """``inner`` in ``levels`` arrays, or objects of one member ``key``."""
    for _ in range(levels):
        inner = [inner] if key is None else {key: inner}
    return inner


# Asked of every member that takes any JSON value: nesting within and beyond the readers' limit
# (wirebook's refuse text nested deeper than MAX_DEPTH), the names JavaScript objects have, numbers
# beyond a double and a float's smallest.
_ANY_VALUES: list[JSON] = [
    *([None, [True, {"x": -0.0}]], {"": "", "__proto__": {"a": 1}, "constructor": []}),
    *(10**400, -(10**400), 5e-324, "\u2028"),
    *(_nested(60, 1), _nested(60, None, "a"), _nested(300, 1)),
]


def _candidates(node: dict[str, Any], x: JSON, pool: list[JSON]) -> Iterator[tuple[str, JSON]]:
    """(family, value) to put in a member of schema ``node`` (now ``x``): some valid, most not.
    ``pool``: what the examples put in the same place."""
    yield from (("kind", v) for v in _ANY_KIND)
    yield from (("pool", v) for v in pool)
    if is_any(node):
        yield from (("any", v) for v in _ANY_VALUES)
    if "enum" in node:
        yield from _enum_candidates(node["enum"])
    if "const" in node:
        yield from _const_candidates(node["const"])
    kind = node.get("type")
    if kind in ("integer", "number"):
        yield from _number_candidates(node, x)
    elif kind == "string":
        yield from _string_candidates(node, x)
    elif kind == "boolean":
        yield from (("boolean", v) for v in (True, False, 1, 0, 1.0, "true", "false"))
    elif kind == "array":
        yield from _array_candidates(node, x, pool)
    elif kind == "object" and isinstance(x, dict):
        yield "object", [x]
        for key in x:  # a near-miss name: `from_` for `from`, `Name` for `name`
            rest = {k: v for k, v in x.items() if k != key}
            yield from (("name", {**rest, near: x[key]}) for near in (key + "_", key.title()))


def _union_candidates(schema: _Schema, node: dict[str, Any], x: JSON) -> Iterator[tuple[str, JSON]]:
    """For a tagged union, ``x`` with the tag of each other branch; else values of each branch
    that ``x`` does not take, at and around its bounds."""
    if "discriminator" in node:
        tag = node["discriminator"]["propertyName"]
        if isinstance(x, dict):
            yield from (("tag", {**x, tag: t}) for t in schema.tags(node) if t != x.get(tag))
        return
    chosen = schema.branch(node, x)
    for branch in node["oneOf"]:
        if branch is not chosen:
            yield from _candidates(schema.resolve(branch), None, [])


def _map_candidates(
    schema: _Schema, node: dict[str, Any], x: dict[str, JSON], pool: list[JSON]
) -> Iterator[tuple[str, JSON]]:
    """Maps with the first key changed as the key rules suggest, and with as many entries as
    their counts allow, one fewer and one more. ``pool``: values of the map seen elsewhere; with
    none, a value of the values' kind."""
    entries = list(x.items())
    kinds = _kinds(schema.resolve(node["additionalProperties"]))
    values = [v for _, v in entries] + pool or [next(v for v in _ANY_KIND if json_kind(v) in kinds)]
    first = entries[0][0] if entries else ""
    for _, key in _string_candidates({"type": "string", **node.get("propertyNames", {})}, first):
        if isinstance(key, str):
            yield "keys", {key: values[0], **dict(entries[1:])}
    keys = list(dict.fromkeys([k for k, _ in entries] + [first[:4] + c for c in "klmnopqrst"]))
    for bound_key in ("minProperties", "maxProperties"):
        bound = node.get(bound_key)
        if isinstance(bound, int):
            for n in (bound - 1, bound, bound + 1):
                if 0 <= n <= len(keys):
                    yield bound_key, {keys[i]: values[i % len(values)] for i in range(n)}


def _members(
    schema: _Schema, node: dict[str, Any] | None, value: JSON, path: Path_ = (), shape: Path_ = ()
) -> Iterator[tuple[Path_, Path_, dict[str, Any] | None, JSON]]:
    """Every member of ``value`` (itself first) with its shape (its path with array indices
    written `*` and map keys `{}`: where samples of it are pooled) and its schema node, if it
    has one."""
    yield path, shape, node, value
    if isinstance(value, dict):
        known = (node or {}).get("properties", {})
        entries = isinstance((node or {}).get("additionalProperties"), dict)
        for key, item in value.items():
            step = "{}" if entries and key not in known else key
            child = node and schema.child(node, key, item)
            yield from _members(schema, child, item, (*path, key), (*shape, step))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            child = node and schema.child(node, i, item)
            yield from _members(schema, child, item, (*path, i), (*shape, "*"))


def _pools(schema: _Schema, seeds: list[JSON]) -> dict[str, list[JSON]]:
    pools: dict[str, list[JSON]] = defaultdict(list)
    for seed in seeds:
        for path, shape, _, value in _members(schema, schema.resolve(schema.root, seed), seed):
            place = pointer(shape)
            if path and all(compact(value) != compact(v) for v in pools[place]):
                pools[place].append(value)
    return pools


def _chain(value: dict[str, JSON], within: Path_, times: int, leaf: JSON) -> JSON:
    """``value`` nested ``times`` in itself at its member ``within``, ``leaf`` the deepest."""
    for _ in range(times):
        copied = copy.deepcopy(value)
        parent: Any = copied
        for part in within[:-1]:
            parent = parent[part]
        parent[within[-1]] = leaf
        leaf = copied
    return leaf


# How deep the corpus nests a recursive type: as the corner asks, far within the
# readers' limit (each level of a type is one or two of JSON's).
RECURSION_DEPTH = 50


def _recursion(
    schema: _Schema, node: dict[str, Any], value: JSON
) -> Iterator[tuple[str, str, JSON]]:
    """(family, label, value): ``value`` of a recursive named type nested in itself where it
    holds a value of its own type, once valid and once with a wrong kind at the bottom."""
    if not isinstance(value, dict) or "$ref" not in node:
        return
    inner = _members(schema, node, value)
    next(inner)  # the value itself
    for within, _, child, _ in inner:
        if child is not None and child.get("$ref") == node["$ref"]:
            at = pointer(within)
            for leaf, what in ((value, "valid"), (True, "true at the bottom")):
                deep = _chain(value, within, RECURSION_DEPTH, leaf)
                yield "recursion", f"nested {RECURSION_DEPTH} deep at {at}, {what}", deep
            return


def _edits(
    schema: _Schema, seed: JSON, pools: dict[str, list[JSON]], types: list[str]
) -> Iterator[tuple[str, str, _Edit]]:
    """(family, label, edit) for every single change of ``seed`` that the schema suggests."""
    for path, shape, node, value in _members(schema, schema.resolve(schema.root, seed), seed):
        at = pointer(path) or "/"
        node = node or {}
        if path:
            yield "drop", f"drop {at}", _Edit(path, drop=True)
        place = pointer(shape)
        pool = [v for v in pools.get(place, []) if v != value] if path else []
        candidates = _candidates(node, value, pool)
        if "oneOf" in node:
            candidates = itertools.chain(candidates, _union_candidates(schema, node, value))
        if isinstance(value, dict) and isinstance(node.get("additionalProperties"), dict):
            entries = pools.get(pointer((*shape, "{}")), [])
            more = _map_candidates(schema, node, value, entries)
            candidates = itertools.chain(candidates, more)
        for kind, candidate in candidates:
            yield kind, f"{at} = {_short(candidate)}", _Edit(path, candidate)
        for kind, label, deep in _recursion(schema, node, value):
            yield kind, f"{at} {label}", _Edit(path, deep)
        if not isinstance(value, dict):
            continue
        known = node.get("properties") or {}
        for extra in _UNKNOWN_NAMES:
            if extra not in known:
                label = f"add {pointer((*path, extra))}"
                yield "unknown member", label, _Edit((*path, extra), 1)
        for name, member in known.items():
            if name not in value:
                added = (*path, name)
                pool = pools.get(pointer((*shape, name)), [])
                for kind, candidate in _candidates(schema.resolve(member), None, pool):
                    label = f"add {pointer(added)} = {_short(candidate)}"
                    yield f"add {kind}", label, _Edit(added, candidate)
    for other in types:
        yield "routing", f"/type = {other!r}", _Edit(("type",), other)
    yield "routing", "/ = [the message]", _Edit((), [seed])


# --- the corpus: text forms


class _Form(Protocol):
    """A message written by hand: ``write`` gives its text with one way of writing JSON."""

    def write(self, dumps: Dumps) -> str: ...


_MARK = "\u0000wirebook-mark\u0000"


@dataclass(frozen=True)
class _RawMember:
    """``message`` with the text ``raw`` in place of the member at ``path``."""

    message: JSON
    path: Path_
    raw: str

    def write(self, dumps: Dumps) -> str:
        return dumps(_apply(self.message, [_Edit(self.path, _MARK)])).replace(
            dumps(_MARK), self.raw, 1
        )


@dataclass(frozen=True)
class _RawKey:
    """``message`` with the key ``name`` of the object at ``path`` written ``raw``; with
    ``repeat``, the member is written twice, first with the value ``repeat``."""

    message: JSON
    path: Path_
    name: str
    raw: str
    repeat: tuple[JSON, ...] = ()  # (the first value,) of a key written twice

    def write(self, dumps: Dumps) -> str:
        changed = _apply(self.message, [])
        parent = changed
        for part in self.path:
            parent = parent[part]
        members = [(_MARK if k == self.name else k, v) for k, v in parent.items()]
        parent.clear()
        if self.repeat:
            parent[_MARK + "first"] = self.repeat[0]
        parent.update(members)
        text = dumps(changed).replace(dumps(_MARK + "first"), self.raw, 1)
        return text.replace(dumps(_MARK), self.raw, 1)


# Leaves written as text that only a strict reader refuses.
_NOT_STRICT: dict[str, list[str]] = {
    "number": ["NaN", "Infinity", "-Infinity", "1e400", "-1e400"],
    "string": ['"\\ud800"', '"a\\udc00"', '"\\ud83d"'],
}
_LONE_SURROGATE = '"a\\udc00"'
# Values of any JSON written as text that only a strict reader refuses.
_NOT_STRICT_ANY = ["[1,NaN]", '{"a":Infinity}', '{"a":1,"a":2}', '[{"b":[-1e400]}]']
# Leaves written as other spellings of a value, which every reader reads alike.
_SPELLINGS: dict[str, list[str]] = {
    "number": [
        *("1E0", "100e-2", "0.1e1", "-0", "-0.0", "1e-400", "1.000000000000000000001"),
        "1" + "0" * 30,
    ],
    "string": ['"\\u0061"', '"\\/"', '"\\ud83d\\ude00"'],
}


def _forms(schema: _Schema, seed: JSON) -> Iterator[tuple[str, str, bool, _Form]]:
    """(family, label, strict, form) for the texts of one example."""
    kinds = {"integer": "number", "number": "number", "string": "string"}
    for path, _, node, value in _members(schema, schema.resolve(schema.root, seed), seed):
        at = pointer(path)
        # inside any JSON value, or at one, the value says what it is
        kind = kinds.get(
            json_kind(value) if node is None or is_any(node) else str(node.get("type"))
        )
        if path and node is not None and is_any(node):
            for raw in _NOT_STRICT_ANY:
                yield (
                    "text: not strict JSON (any)",
                    f"{at} written {raw}",
                    False,
                    _RawMember(seed, path, raw),
                )
        if path and kind and not isinstance(value, dict | list):
            for raw in _NOT_STRICT[kind]:
                yield (
                    f"text: not strict JSON ({kind})",
                    f"{at} written {raw}",
                    False,
                    _RawMember(seed, path, raw),
                )
            for raw in _SPELLINGS[kind]:
                yield "text: spelling", f"{at} written {raw}", True, _RawMember(seed, path, raw)
        if isinstance(value, dict):
            for name, item in value.items():
                raw = json.dumps(name)
                where = pointer((*path, name))
                for label, first in (("again", item), ("after another value", "other")):
                    yield (
                        "text: repeated key",
                        f"{where} written twice ({label})",
                        False,
                        _RawKey(seed, path, name, raw, (first,)),
                    )
                escaped = '"' + "".join(f"\\u{ord(c):04x}" for c in name) + '"'
                yield (
                    "text: spelling",
                    f"key {where} written {escaped}",
                    True,
                    _RawKey(seed, path, name, escaped),
                )
            for name in list(value)[:1]:  # a key no UTF-8 text holds, once an object
                yield (
                    "text: not strict JSON (key)",
                    f"key {pointer((*path, name))} written {_LONE_SURROGATE}",
                    False,
                    _RawKey(seed, path, name, _LONE_SURROGATE),
                )


def _in_shape(generated: Generated, shape: VersionSchemas, value: JSON) -> JSON:
    """``value`` with the `v` of ``shape``: none if it holds the default version, else its
    first version."""
    if not isinstance(value, dict):
        return value
    rest = {k: v for k, v in value.items() if k != "v"}
    versions = shape.protocol.wire_supported
    if generated.protocol.wire_default in versions:
        return rest
    return {"v": versions[0], **rest}


def seeds_of(
    generated: Generated, shape: VersionSchemas, message: ir.Message
) -> list[tuple[str, JSON]]:
    """(name, value): the examples of ``message`` in a version of ``shape``, then those of the
    other versions given the `v` of ``shape``, where its schemas take them as they are."""
    versions = shape.protocol.wire_supported
    own, moved = [], []
    for example in message.examples:
        if generated.version_of(example.message) in versions:
            own.append((example.name, example.message))
            continue
        value = _in_shape(generated, shape, example.message)
        if not generated.reference(shape).validate(message.direction, value):
            moved.append((f"{example.name}, as v{versions[0]}", value))
    return own + moved


@dataclass(frozen=True)
class _Elsewhere:
    """The same message in another shape of wire version: its schema, and what its seeds put
    in each place."""

    versions: tuple[int, ...]
    schema: _Schema
    pools: dict[str, list[JSON]]


Seeded = dict[tuple[VersionSchemas, ir.Direction, str], list[tuple[str, JSON]]]


def _elsewhere(
    generated: Generated, shape: VersionSchemas, message: ir.Message, seeded: Seeded
) -> list[_Elsewhere]:
    """``message`` in each shape of wire version but ``shape`` that has it."""
    found = []
    for there in generated.shapes():
        theirs = there.protocol.message(message.direction, message.type)
        if there is not shape and theirs is not None:
            schema = _Schema(generated.published(message_path(theirs, there.folder)))
            seeds = [value for _, value in seeded[(there, *message.key)]]
            found.append(_Elsewhere(there.protocol.wire_supported, schema, _pools(schema, seeds)))
    return found


def _crossings(
    schema: _Schema, seed: JSON, elsewhere: list[_Elsewhere]
) -> Iterator[tuple[str, str, _Edit]]:
    """(family, label, edit): ``seed`` given what another shape of its message has and its own
    shape has not: a member (added where the seed has none), an enum value."""
    here = {
        path: node
        for path, _, node, _ in _members(schema, schema.resolve(schema.root, seed), seed)
        if node is not None
    }
    for other in elsewhere:
        version = f"v{other.versions[0]}"
        root = other.schema.resolve(other.schema.root, seed)
        for path, shape, node, value in _members(other.schema, root, seed):
            mine = here.get(path)
            if node is None or mine is None:
                continue
            at = pointer(path) or "/"
            for gone in node.get("enum", []):
                if all(compact(gone) != compact(v) for v in mine.get("enum", [gone])):
                    label = f"{at} = {_short(gone)} (a value of {version})"
                    yield "version: value", label, _Edit(path, gone)
            if not isinstance(value, dict):
                continue
            known = mine.get("properties") or {}
            for name, member in (node.get("properties") or {}).items():
                if name in known or name in value:
                    continue
                added = (*path, name)
                pool = other.pools.get(pointer((*shape, name)), [])[:3]
                resolved = other.schema.resolve(member)
                fits = [v for v in _ANY_KIND if json_kind(v) in _kinds(resolved)][:1]
                for candidate in pool or fits or _ANY_KIND[:1]:
                    label = f"add {pointer(added)} = {_short(candidate)} (a member of {version})"
                    yield "version: member", label, _Edit(added, candidate)


def _with_version(value: JSON, version: int) -> JSON:
    if not isinstance(value, dict):
        return value
    return {"v": version, **{k: v for k, v in value.items() if k != "v"}}


def corpus(
    generated: Generated, seed: int = 8, combined: int = 20, crossed: int = 12
) -> list[Case]:
    """Every example of every message, its changes and its text forms, and the invalid
    examples; ``combined`` random pairs of changes per example (seeded), so that messages with
    two problems are asked too.

    The corpus is drawn from the published schemas of each shape of wire version: a shape's
    seeds are the examples of its versions, and those of the other versions that its schemas
    take once given its `v`. Each seed is also asked with the `v` of every other supported
    version, with what other shapes have and its own has not (members, enum values), and
    ``crossed`` of its changes with the `v` of another version (seeded)."""
    rng = random.Random(seed)
    protocol = generated.protocol
    cases: dict[tuple[str, str], Case] = {}

    def add(case: Case) -> None:
        cases.setdefault((case.direction, case.text), case)

    all_types = sorted({m.type for m in protocol.messages})
    shapes = generated.shapes()
    supported = sorted(protocol.wire_supported)
    seeded: Seeded = {}
    for shape in shapes:
        for message in shape.protocol.messages:
            seeded[(shape, *message.key)] = seeds_of(generated, shape, message)
    for shape in shapes:
        versions = shape.protocol.wire_supported
        for message in shape.protocol.messages:
            direction = message.direction
            other: ir.Direction = "server" if direction == "client" else "client"
            schema = _Schema(generated.published(message_path(message, shape.folder)))
            seeds = seeded[(shape, *message.key)]
            pools = _pools(schema, [value for _, value in seeds])
            elsewhere = _elsewhere(generated, shape, message, seeded)
            types = [t for t in all_types if t != message.type] + ["", message.type.upper()]
            in_versions = f" v{'/'.join(map(str, versions))}" if len(shapes) > 1 else ""
            for example_name, value in seeds:
                name = f"{direction} {message.type}{in_versions} ({example_name})"
                add(_value_case(direction, f"{name}: the example", "example", value))
                add(_value_case(other, f"{name}: asked as a {other} message", "routing", value))
                singles = list(_edits(schema, value, pools, types))
                for kind, label, edit in singles:
                    add(_value_case(direction, f"{name}: {label}", kind, _apply(value, [edit])))
                # changes inside the message; no item dropped, which would move the next ones
                inner = [
                    s
                    for s in singles
                    if len(s[2].path) > 1 and not (s[2].drop and isinstance(s[2].path[-1], int))
                ]
                for _ in range(combined if len(inner) > 1 else 0):
                    (_, label1, edit1), (_, label2, edit2) = rng.sample(inner, 2)
                    if edit1.path[: len(edit2.path)] != edit2.path[: len(edit1.path)]:  # apart
                        both = _apply(value, [edit1, edit2])
                        add(
                            _value_case(direction, f"{name}: {label1}, {label2}", "two edits", both)
                        )
                for kind, label, strict, form in _forms(schema, value):
                    text = form.write(compact)
                    add(
                        Case(
                            direction,
                            f"{name}: {label}",
                            kind,
                            text,
                            form.write(spaced),
                            json.loads(text),
                            strict,
                        )
                    )
                own = generated.version_of(value)
                other_versions = [v for v in supported if v != own]
                if not other_versions:
                    continue
                for version in other_versions:
                    label = f"{name}: /v = {version}"
                    add(_value_case(direction, label, "version", _with_version(value, version)))
                for kind, label, edit in _crossings(schema, value, elsewhere):
                    add(_value_case(direction, f"{name}: {label}", kind, _apply(value, [edit])))
                for _, label, edit in rng.sample(singles, min(crossed, len(singles))):
                    if edit.path[:1] == ("v",):
                        continue
                    version = rng.choice(other_versions)
                    changed = _with_version(_apply(value, [edit]), version)
                    add(
                        _value_case(
                            direction, f"{name}: {label}, /v = {version}", "version: edit", changed
                        )
                    )
    for invalid in (*protocol.invalid, *(i for m in protocol.messages for i in m.invalid)):
        label = f"{invalid.direction} invalid example {invalid.name!r}"
        if invalid.raw is None:
            add(_value_case(invalid.direction, label, "invalid example", invalid.message))
        elif found := _text_case(invalid.direction, label, "invalid example", invalid.raw):
            add(found)
    return list(cases.values())


# --- the validators -----------------------------------------------------------------------------

# The validators compared with the reference, by what they read: wire text (wirebook's own
# readers, and others) or a value (json.loads's reading of the text).
OUR_TEXT_READERS = (
    "dispatch",
    "parse_message",  # the generated parse_client_message / parse_server_message
    "Validator.validate_json",
    *(f"validate {form} --jobs {jobs}" for form in ("compact", "spaced") for jobs in (1, 2)),
)
TEXT_READERS = ("ajv", "pydantic validate_json", *OUR_TEXT_READERS)
VALUE_READERS = (
    "jsonschema-rs",
    "pydantic validate_python",
    "Validator.validate",
    "Validator.from_definitions",
)
VALIDATORS = (*TEXT_READERS, *VALUE_READERS)


@dataclass
class Results:
    """Each validator's verdict on each case, the reference's problems, and notes on answers
    that were not plain verdicts."""

    cases: list[Case]
    problems: list[list[Problem]]  # the reference's, per case
    verdicts: dict[str, list[Verdict]] = field(default_factory=dict)
    asked: dict[str, list[bool]] = field(default_factory=dict)  # False: not its direction
    notes: dict[tuple[str, int], str] = field(default_factory=dict)  # (validator, case) → why
    # the members `wirebook validate` (and Validator.validate) names for each invalid case
    pointers: dict[str, dict[int, set[str]]] = field(default_factory=dict)
    ajv_warnings: list[str] = field(default_factory=list)  # strict mode's, while compiling
    # the dispatch's answers to client messages, and those not valid in the client's version
    answers: int = 0
    bad_answers: list[str] = field(default_factory=list)

    @property
    def reference(self) -> list[bool]:
        return [not p for p in self.problems]

    def add(self, name: str, verdicts: list[Verdict], asked: list[bool] | None = None) -> None:
        assert len(verdicts) == len(self.cases), name
        self.verdicts[name] = verdicts
        self.asked[name] = asked or [True] * len(self.cases)

    def raised(self, name: str, index: int, exc: BaseException) -> Verdict:
        """Note what was raised: no verdict, but for a library given a value that is not JSON
        (a lone surrogate that jsonschema-rs cannot encode), a refusal."""
        self.notes[(name, index)] = f"raised {type(exc).__name__}: {str(exc)[:160]}"
        library = name in VALUE_READERS and not name.startswith("Validator")  # never raises
        return False if library and not_json(self.cases[index].value) else None


def not_json(value: JSON, at: Path_ = ()) -> Problem | None:
    """Why ``value`` is no JSON value (as json.loads reads NaN, 1e400 or a lone surrogate)."""
    if isinstance(value, float) and not math.isfinite(value):
        return Problem(pointer(at), "json", f"{value} is not a JSON number")
    if isinstance(value, str) and re.search("[\ud800-\udfff]", value):
        return Problem(pointer(at), "json", "a lone surrogate is not a Unicode character")
    if isinstance(value, dict | list):
        members = value.items() if isinstance(value, dict) else enumerate(value)
        for key, item in members:
            found = (not_json(key, at) if isinstance(key, str) else None) or not_json(
                item, (*at, key)
            )
            if found:
                return found
    return None


def run_reference(generated: Generated, cases: list[Case]) -> Results:
    """python-jsonschema on json.loads's reading of each text, with the published schemas of
    the message's own wire version (its `v`, else the default); what json.loads makes of NaN,
    1e400 and lone surrogates is no JSON value, and so no message."""
    reference = generated.wire_reference()
    problems = []
    for case in cases:
        outside = not_json(case.value)
        problems.append([outside] if outside else reference.validate(case.direction, case.value))
    return Results(cases, problems)


def _ask_each(results: Results, name: str, ask: Callable[[Case], bool]) -> None:
    verdicts: list[Verdict] = []
    for index, case in enumerate(results.cases):
        try:
            verdicts.append(ask(case))
        except Exception as exc:  # a crash is an answer to report
            verdicts.append(results.raised(name, index, exc))
    results.add(name, verdicts)


def run_jsonschema_rs(generated: Generated, results: Results) -> None:
    """jsonschema-rs, as a Rust or Python team would use the published per-message schemas."""
    compiled: dict[str, jsonschema_rs.Validator] = {}

    def ask(case: Case) -> bool:
        path = generated.schema_path(case.direction, case.value)
        if path not in compiled:
            compiled[path] = jsonschema_rs.validator_for(generated.published(path))
        return compiled[path].is_valid(case.value)

    _ask_each(results, "jsonschema-rs", ask)


def _unions(generated: Generated) -> dict[tuple[int, ir.Direction], TypeAdapter[Any]]:
    """(wire version, direction) → the union of the models of the messages that version has:
    the published `ClientMessage` / `ServerMessage` where it has them all."""
    models = generated.models
    unions: dict[tuple[int, ir.Direction], TypeAdapter[Any]] = {}
    for direction in ir.DIRECTIONS:
        whole = TypeAdapter(getattr(models, generated.protocol.union_name(direction)))
        every = [m.type for m in generated.protocol.direction(direction)]
        for version, shape in generated.versions.items():
            messages = shape.protocol.direction(direction)
            if [m.type for m in messages] == every:
                unions[(version, direction)] = whole
                continue
            classes = tuple(getattr(models, m.class_name) for m in messages)
            union: Any = classes[0] if len(classes) == 1 else Union[classes]  # noqa: UP007
            unions[(version, direction)] = TypeAdapter(
                Annotated[union, Field(discriminator="type")]
            )
    return unions


def run_pydantic(generated: Generated, results: Results) -> None:
    """The unions of the models of each message's own wire version (its `v`, else the default)
    with that version in the validation context, by wire names only, from text and from values;
    and the generated package's `parse_client_message` / `parse_server_message`."""
    unions = _unions(generated)

    def valid(read: Callable[[], object]) -> bool:
        try:
            read()
        except ValidationError:
            return False
        return True

    def adapter(case: Case) -> tuple[TypeAdapter[Any], dict[str, int]]:
        version = generated.version_of(case.value)
        return unions[(version, case.direction)], {"v": version}

    def from_text(case: Case) -> bool:
        union, context = adapter(case)
        return valid(lambda: union.validate_json(case.text, by_name=False, context=context))

    def from_value(case: Case) -> bool:
        union, context = adapter(case)
        return valid(lambda: union.validate_python(case.value, by_name=False, context=context))

    parsers = {
        "client": generated.dispatch.parse_client_message,
        "server": generated.dispatch.parse_server_message,
    }

    def parse(case: Case) -> bool:
        try:
            parsers[case.direction](case.text)
        except ValidationError:
            return False
        except ValueError:  # not strict JSON text
            return False
        return True

    _ask_each(results, "pydantic validate_json", from_text)
    _ask_each(results, "pydantic validate_python", from_value)
    _ask_each(results, "parse_message", parse)


def run_validator(generated: Generated, results: Results) -> None:
    """wirebook's Validator from the published schemas (every shape's: schemas/v{N}/ too), on
    values and on text; and from the definitions, on values."""
    validator = Validator.from_schemas(generated.schemas)
    _ask_validate(results, "Validator.validate", validator)
    _ask_each(
        results,
        "Validator.validate_json",
        lambda c: not validator.validate_json(c.text, c.direction),
    )
    definitions = Validator.from_definitions(generated.definitions)
    _ask_validate(results, "Validator.from_definitions", definitions)


def _ask_validate(results: Results, name: str, validator: Validator) -> None:
    named = results.pointers.setdefault(name, {})
    verdicts: list[Verdict] = []
    for index, case in enumerate(results.cases):
        try:
            problems = validator.validate(case.value, case.direction)
        except Exception as exc:  # a crash is an answer to report
            verdicts.append(results.raised(name, index, exc))
            continue
        if problems:
            named[index] = {p.pointer for p in problems}
        verdicts.append(not problems)
    results.add(name, verdicts)


def run_dispatch(generated: Generated, results: Results) -> None:
    """A client message is accepted when its handler was called and no error was sent; a frame
    answered otherwise than by exactly one of the two gets no verdict, and a note."""
    module = generated.dispatch
    handlers_class: Any = module.ClientHandlers

    async def record(self: Any, connection: object, message: object) -> None:
        self.calls += 1

    recorder: Any = type(
        "Recorder",
        (handlers_class,),
        {"calls": 0, **{name: record for name in handlers_class.__abstractmethods__}},
    )

    class Outbox:
        """A connection: what is sent on it, in the version its client spoke then."""

        def __init__(self) -> None:
            self.version: int = module.DEFAULT_VERSION
            self.sent: list[Any] = []

        async def send(self, message: object) -> None:
            self.sent.append((message, self.version))

    reference = generated.wire_reference()

    def check_answers(case: Case, outbox: Outbox) -> None:
        """Each answer must be a message of its client's version that the reference takes."""
        for message, version in outbox.sent:
            results.answers += 1
            try:
                written = json.loads(module.encode(message, version))
            except Exception as exc:  # a crash is a failure to report
                why = f"encode raised {type(exc).__name__}: {exc}"
            else:
                problems = reference.validate("server", written)
                if not problems and generated.version_of(written) == version:
                    continue
                why = "; ".join(map(str, problems)) or f"not of version {version}"
            label = f"{display(case.label)}: {getattr(message, 'type', message)} in v{version}"
            results.bad_answers.append(f"{label} ({why[:200]})")

    async def ask(index: int, case: Case) -> Verdict:
        handlers, outbox = recorder(), Outbox()
        try:
            await module.dispatch(handlers, outbox, case.text)
        except Exception as exc:  # a crash is an answer to report
            return results.raised("dispatch", index, exc)
        check_answers(case, outbox)
        outbox.sent = [m for m, _ in outbox.sent]
        errors = sum(getattr(m, "type", None) == "error" for m in outbox.sent)
        if handlers.calls + errors != 1:
            results.notes[("dispatch", index)] = (
                f"{handlers.calls} handler call(s) and {errors} error(s) for one frame"
            )
            return None
        return bool(handlers.calls)

    async def ask_all() -> list[Verdict]:
        return [
            await ask(i, c) if c.direction == "client" else None
            for i, c in enumerate(results.cases)
        ]

    asked = [c.direction == "client" for c in results.cases]
    results.add("dispatch", asyncio.run(ask_all()), asked)


@dataclass
class _Background:
    """Ajv and the `wirebook validate` runs, started first so that they run while the
    in-process validators do; each writes to files, never to a pipe that would fill and wait."""

    folder: Path
    processes: dict[str, subprocess.Popen[bytes]]  # "ajv", or "validate <jobs> <direction>"
    lines: dict[ir.Direction, list[int]]  # the case of each line of a direction's files


_FORMS = ("compact", "spaced")


def _start_background(generated: Generated, cases: list[Case]) -> _Background:
    node = shutil.which("node")
    if node is None:
        raise RuntimeError("Node.js is needed for Ajv (then: npm ci --prefix tests/ajv)")
    folder = Path(tempfile.mkdtemp(prefix="wirebook-agreement-"))
    base = generated.protocol.base_uri
    queries = [
        {"schema": base + generated.schema_path(c.direction, c.value), "text": c.text}
        for c in cases
    ]
    (folder / "ajv.json").write_text(json.dumps(queries, ensure_ascii=False), encoding="utf-8")
    commands: dict[str, list[str | Path]] = {"ajv": [node, AJV_SCRIPT, generated.schemas]}
    lines: dict[ir.Direction, list[int]] = {}
    for direction in ir.DIRECTIONS:
        lines[direction] = [i for i, c in enumerate(cases) if c.direction == direction]
        for form in _FORMS:
            written = (
                cases[i].text if form == "compact" else cases[i].spaced for i in lines[direction]
            )
            (folder / f"{direction}-{form}.jsonl").write_text(
                "".join(text + "\n" for text in written), encoding="utf-8"
            )
        for jobs in (1, 2):
            commands[f"validate {jobs} {direction}"] = [
                *(WIREBOOK, "validate", "--direction", direction, "--format", "json"),
                *("--published", generated.schemas, "--jobs", str(jobs)),
                *(folder / f"{direction}-{form}.jsonl" for form in _FORMS),
            ]
    processes = {}
    for name, command in commands.items():
        with (
            (folder / "ajv.json" if name == "ajv" else Path(os.devnull)).open("rb") as stdin,
            (folder / f"{name}.out").open("wb") as out,
            (folder / f"{name}.err").open("wb") as err,
        ):
            processes[name] = subprocess.Popen(command, stdin=stdin, stdout=out, stderr=err)
    return _Background(folder, processes, lines)


def _output(background: _Background, name: str, codes: tuple[int, ...] = (0,)) -> str:
    """What a background process wrote, once it has ended with one of ``codes``."""
    process = background.processes[name]
    process.wait()
    if process.returncode not in codes:
        err = (background.folder / f"{name}.err").read_text(encoding="utf-8")
        raise RuntimeError(f"{name} ended with {process.returncode}: {err}")
    return (background.folder / f"{name}.out").read_text(encoding="utf-8")


def _finish_background(background: _Background, results: Results) -> None:
    answered = json.loads(_output(background, "ajv"))
    results.ajv_warnings = answered["warnings"]
    answers = answered["answers"]
    # a text that JSON.parse refuses is a message a JavaScript team refuses: invalid, noted why
    results.add("ajv", [a if isinstance(a, bool) else False for a in answers])
    results.notes.update((("ajv", i), a) for i, a in enumerate(answers) if isinstance(a, str))
    count = len(results.cases)
    for jobs in (1, 2):
        for form in _FORMS:
            name = f"validate {form} --jobs {jobs}"
            results.add(name, [None] * count, [False] * count)
            results.pointers[name] = {}
        for direction in ir.DIRECTIONS:
            out = _output(background, f"validate {jobs} {direction}", (0, 1))
            named: dict[str, dict[int, set[str]]] = {form: {} for form in _FORMS}
            for line in filter(None, out.split("\n")):  # not splitlines(): U+2028 is in lines
                record = json.loads(line)
                form = Path(record["file"]).stem.removeprefix(f"{direction}-")
                named[form][record["line"]] = {e["pointer"] for e in record["errors"]}
            for form in _FORMS:
                name = f"validate {form} --jobs {jobs}"
                for number, index in enumerate(background.lines[direction], start=1):
                    results.verdicts[name][index] = number not in named[form]
                    results.asked[name][index] = True
                    if number in named[form]:
                        results.pointers[name][index] = named[form][number]


def run_all(generated: Generated, cases: list[Case]) -> Results:
    """Every validator's verdict on every case."""
    background = _start_background(generated, cases)
    try:
        results = run_reference(generated, cases)
        run_jsonschema_rs(generated, results)
        run_pydantic(generated, results)
        run_validator(generated, results)
        run_dispatch(generated, results)
        _finish_background(background, results)
    finally:
        for process in background.processes.values():
            if process.poll() is None:  # still running: something failed here
                process.kill()
                process.wait()
        shutil.rmtree(background.folder, ignore_errors=True)
    return results


# --- encode ---------------------------------------------------------------------------------


def encode_round_trips(generated: Generated, results: Results) -> tuple[int, list[str]]:
    """Each valid server message (strict JSON), parsed by the generated package and written
    back by `encode(message, v)` in its own wire version `v`: the text must be a message of that
    version that the reference takes, and the input but for defaults filled in, the order of
    members and a `v` of the default version. Returns how many were asked, and what failed."""
    reference = generated.wire_reference()
    parse, encode = generated.dispatch.parse_server_message, generated.dispatch.encode
    asked, failed = 0, []
    schemas: dict[str, _Schema] = {}
    for case, valid in zip(results.cases, results.reference, strict=True):
        if case.direction != "server" or not valid or not case.strict:
            continue
        asked += 1
        version = generated.version_of(case.value)
        where = f"{display(case.label)} (v{version}): {display(case.text[:160])}"
        try:
            text = encode(parse(case.text), version)
        except Exception as exc:  # a crash is a failure to report
            failed.append(f"{where}\n    encode raised {type(exc).__name__}: {exc}")
            continue
        written = json.loads(text)
        problems = reference.validate("server", written)
        if generated.version_of(written) != version or problems:
            why = "; ".join(map(str, problems)) or f"not of version {version}"
            failed.append(f"{where}\n    wrote {display(text[:160])}\n    ({why})")
            continue
        path = generated.schema_path("server", case.value)
        if path not in schemas:
            schemas[path] = _Schema(generated.published(path))
        schema = schemas[path]
        node = schema.resolve(schema.root, case.value)
        default = generated.protocol.wire_default
        if "v" in case.value and case.value["v"] == default and "v" not in written:
            written = {"v": case.value["v"], **written}
        if differences := _differences(schema, node, case.value, written):
            failed.append(f"{where}\n    wrote {display(text[:160])}\n    ({differences[0]})")
    return asked, failed


def _json_equal(a: JSON, b: JSON) -> bool:
    """Equal as JSON values: 1 and 1.0 are, true and 1 are not."""
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_json_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(map(_json_equal, a, b))
    return type(a) is type(b) or (_is_number(a) and _is_number(b)) if a == b else False


def _is_number(value: JSON) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _differences(
    schema: _Schema, node: dict[str, Any] | None, given: JSON, written: JSON, path: Path_ = ()
) -> list[str]:
    """How ``written`` differs from ``given`` otherwise than by a member left out that the
    schema ``node`` gives a default, written with it."""
    at = pointer(path) or "/"
    if isinstance(given, dict) and isinstance(written, dict):
        known = (node or {}).get("properties", {})
        found = []
        for key in given.keys() | written.keys():
            child = node and schema.child(node, key, given.get(key, written.get(key)))
            if key in given and key in written:
                found += _differences(schema, child, given[key], written[key], (*path, key))
            elif key in given:
                found.append(f"{pointer((*path, key))} left out")
            elif key not in known or not _json_equal(written[key], (child or {}).get("default")):
                found.append(f"{pointer((*path, key))} added: {_short(written[key])}")
        return found
    if isinstance(given, list) and isinstance(written, list) and len(given) == len(written):
        return [
            d
            for i, (g, w) in enumerate(zip(given, written, strict=True))
            for d in _differences(schema, node and schema.child(node, i, g), g, w, (*path, i))
        ]
    return (
        [] if _json_equal(given, written) else [f"{at}: {_short(given)} became {_short(written)}"]
    )


# --- agreement ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Exclusion:
    """A difference by design: ``validators`` may answer otherwise than the reference on the
    cases that ``applies`` picks (only by refusing them, if ``refuses``); and ``required``
    validators must refuse those cases."""

    name: str
    reason: str
    validators: frozenset[str]
    applies: Callable[[Case], bool]
    refuses: bool = True
    required: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Disagreement:
    index: int
    validator: str
    expected: bool
    got: Verdict
    why: str  # the reference's problems, the exclusion that expected a refusal, or a note


def disagreements(
    results: Results, exclusions: Sequence[Exclusion]
) -> tuple[list[Disagreement], Counter[str]]:
    """Every answer that is not the reference's and that no exclusion explains; and how many
    answers each exclusion explained (or, for its ``required`` validators, demanded)."""
    found: list[Disagreement] = []
    counts: Counter[str] = Counter()
    reference = results.reference
    for index, case in enumerate(results.cases):
        applying = [e for e in exclusions if e.applies(case)]
        problems = "; ".join(str(p) for p in results.problems[index]) or "valid"
        for name, verdicts in results.verdicts.items():
            if not results.asked[name][index]:
                continue
            got, expected, why = verdicts[index], reference[index], problems
            required = [e.name for e in applying if name in e.required]
            if required and expected:
                expected, why = False, f"{required[0]}: to be refused"
                counts[f"{required[0]} (required refusals)"] += got is False
            if got == expected:
                continue
            fitting = [
                e.name
                for e in applying
                if name in e.validators and got is not None and (got is False or not e.refuses)
            ]
            if fitting:
                counts[fitting[0]] += 1
                continue
            note = results.notes.get((name, index))
            found.append(
                Disagreement(index, name, expected, got, f"{note} ({why})" if note else why)
            )
    return found, counts


def write_disagreements(results: Results, found: list[Disagreement], path: Path) -> None:
    """Every disagreement, one JSON record a line: the message, every validator's answer and
    the reference's problems."""
    disagree: dict[int, dict[str, Verdict]] = defaultdict(dict)
    for d in found:
        disagree[d.index][d.validator] = d.got
    notes: dict[int, dict[str, str]] = defaultdict(dict)
    for (name, index), note in results.notes.items():
        notes[index][name] = note
    with path.open("w", encoding="utf-8") as out:
        for index, theirs in sorted(disagree.items()):
            case = results.cases[index]
            record = {
                "label": case.label,
                "kind": case.kind,
                "direction": case.direction,
                "text": case.text,
                "reference": [str(p) for p in results.problems[index]],
                "disagree": theirs,
                "answers": {
                    name: verdicts[index]
                    for name, verdicts in results.verdicts.items()
                    if results.asked[name][index]
                },
                "notes": notes[index],
            }
            out.write(json.dumps(record, ensure_ascii=False) + "\n")


def _said(got: Verdict) -> str:
    return "no verdict" if got is None else "valid" if got else "invalid"


def report(results: Results, found: list[Disagreement], examples: int = 3) -> str:
    """Disagreements grouped by who said what, with the families of change they come from and
    an example of each of the commonest families."""
    by_case: dict[int, list[Disagreement]] = defaultdict(list)
    for d in found:
        by_case[d.index].append(d)
    groups: dict[str, list[int]] = defaultdict(list)
    for index, ds in by_case.items():
        said = ", ".join(f"{d.validator} {_said(d.got)}" for d in ds)
        groups[f"{said}; expected {'valid' if ds[0].expected else 'invalid'}"].append(index)
    lines = []
    for who, indices in sorted(groups.items(), key=lambda g: (-len(g[1]), g[0])):
        kinds = Counter(results.cases[i].kind for i in indices)
        lines.append(f"[{len(indices)} messages] {who}")
        lines.append("  from: " + ", ".join(f"{kind} {n}" for kind, n in kinds.most_common()))
        for kind, _ in kinds.most_common(examples):
            index = next(i for i in indices if results.cases[i].kind == kind)
            case = results.cases[index]
            lines.append(f"    {display(case.label)}\n      {display(case.text[:180])}")
            lines.append(f"      ({display(by_case[index][0].why[:180])})")
    return "\n".join(lines)


def pointer_mismatches(results: Results, examples: int = 2) -> list[str]:
    """Invalid messages for which `wirebook validate` names other members than the reference
    (strict JSON only: a text the reference reads otherwise has no members to compare),
    grouped by which members are missing and which are extra."""
    groups: dict[tuple[str, str], list[tuple[str, int]]] = defaultdict(list)
    for name, named in results.pointers.items():
        for index, pointers in named.items():
            expected = {p.pointer for p in results.problems[index]}
            if results.cases[index].strict and expected and pointers != expected:
                key = (_shapes(expected - pointers), _shapes(pointers - expected))
                groups[key].append((name, index))
    lines = []
    for (missing, extra), members in sorted(groups.items(), key=lambda g: -len(g[1])):
        runs = sorted({name for name, _ in members})
        lines.append(
            f"[{len(members)} answers] missing {missing or '-'}, extra {extra or '-'}"
            f" ({', '.join(runs)})"
        )
        for _, index in members[:examples]:
            case = results.cases[index]
            problems = "; ".join(str(p) for p in results.problems[index])
            lines.append(f"    {display(case.label)}\n      {display(case.text[:180])}")
            lines.append(f"      (reference: {display(problems[:180])})")
    return lines


# Keywords that make a message invalid (`format` is checked by the pattern paired with it).
CHECKED_KEYWORDS = frozenset(
    {
        *("type", "enum", "const", "required", "additionalProperties", "uniqueItems"),
        *("minLength", "maxLength", "pattern", "minItems", "maxItems"),
        *("minProperties", "maxProperties"),
        *("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"),
    }
)


def checked_keywords(schema: JSON) -> set[str]:
    """The keywords of ``schema`` (its $defs included) that can make a message invalid; not the
    `const` of a tagged union's tag, which no branch is chosen by when it fails (the reference
    says the tag is none of the union's: `enum`)."""
    return _checked(schema, frozenset(_tags(schema)), None)


def _checked(schema: JSON, tags: frozenset[str], name: str | None) -> set[str]:
    found: set[str] = set()
    if isinstance(schema, dict):
        for key, value in schema.items():
            if key in CHECKED_KEYWORDS and not (key == "const" and name in tags):
                found.add(key)
            if key == "properties":  # names of members, not keywords
                for member, inner in value.items():
                    found |= _checked(inner, tags, member)
            elif key not in ("const", "enum", "default", "examples"):  # values, not schemas
                found |= _checked(value, tags, None)
    elif isinstance(schema, list):
        for item in schema:
            found |= _checked(item, tags, None)
    return found


def _tags(schema: JSON) -> Iterator[str]:
    """The tag of every tagged union in ``schema``."""
    if isinstance(schema, dict):
        if isinstance(schema.get("discriminator"), dict):
            yield schema["discriminator"]["propertyName"]
        for key, value in schema.items():
            if key not in ("const", "enum", "default", "examples"):
                yield from _tags(value)
    elif isinstance(schema, list):
        for item in schema:
            yield from _tags(item)


def _shapes(pointers: set[str]) -> str:
    return ", ".join(sorted({re.sub(r"/[0-9]+(?=/|$)", "/*", p) for p in pointers}))

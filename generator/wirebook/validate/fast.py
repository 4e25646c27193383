"""The fast path of `wirebook validate`: msgspec reads a line straight into a checked value.

Each message schema whose every keyword has an exact msgspec counterpart becomes a msgspec
Struct tagged with its ``type``; together they make one tagged union, decoded in one call per
line, with no dict built and no second pass. A translation may be stricter than its schema but
never looser, so a line the fast path takes is valid; every other line goes to the exact path
(engine.py), which decides and explains. What makes "taken ⇒ valid" hold:

- ``type`` (a tag: the union always has two Structs at least, as msgspec checks the tag of a
  union's members only), types, required and unknown members (``additionalProperties: false``),
  string lengths in code points, ``enum`` and ``const``, integer bounds: msgspec's own checks,
  with JSON Schema's meaning (``true`` is not an integer; ``1.0``, which is, is refused here and
  taken by the exact path);
- ``pattern``: ``wirebook.patterns``, ECMA-262 in linear time, in the Struct's
  ``__post_init__``, remembering the values that matched (ids and room names repeat in a log);
- ``type: number`` without bounds: a float, which takes any JSON number (bounds are left to the
  exact path: an integer beyond 2**53 would be rounded before it is compared);
- any JSON (``{}``, or ``anyOf`` a branch per kind as wirebook publishes it) and an array
  without ``items``: ``Any``, which refuses only what no JSON Schema reader is given (a number
  beyond a double, a lone surrogate); any object and maps (``additionalProperties`` a schema,
  ``propertyNames`` with lengths and a pattern, ``minProperties``/``maxProperties``): a dict with
  its key and entry counts in ``Meta``, the key pattern and the values' checks after decoding;
  an object with members of its own that takes unknown ones is not translated (msgspec skips
  an unknown member unread, ``1e400`` in it too);
- ``oneOf``/``anyOf`` of branches that no two share a JSON kind (an integer is a number): a
  msgspec union, which picks the one branch of the value's kind, so one branch matches, as
  ``oneOf`` asks (checks after decoding: the branch's of the value's type); ``X | null`` is
  one. A tagged union (``discriminator``, each branch a closed object whose required tag is a
  constant string, no two alike): msgspec's tagged Structs, which read the tag first;
- a repeated key, which msgspec lets win silently: ``_sift.c``, which also runs the loop over
  the lines, compares each object's keys byte for byte, and refuses a line that repeats one,
  as well as what it does not look at closely (a key with an escape, nesting over 64 levels,
  over 256 keys open at once, a number of 19 digits or more);
- ``$ref`` is followed within the message schema only: a schema with an ``$id`` or an anchor
  below its root, or a percent-encoded reference, is not translated; nor is a recursive one.

A type that both directions have is taken with ``--direction any`` only when its two schemas
differ in one object member alone (the payload, in wirebook's protocols): that member becomes
one Struct with the members of both, which checks that its members fit at least one direction.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from itertools import product
from typing import Annotated, Any, Literal, Optional, TypeVar, Union

import msgspec

from wirebook import ir, patterns
from wirebook.validate import _sift
from wirebook.validate.options import Choice
from wirebook.validate.sources import Schema, Schemas, versions_of

# keywords that assert nothing; `format` is an annotation in 2020-12, for the reference too
_ANNOTATIONS = frozenset(
    ("title", "description", "default", "examples", "deprecated", "readOnly", "writeOnly")
) | {"$comment", "format"}
_DRAFT = "https://json-schema.org/draft/2020-12/schema"
# what changes where a `$ref` leads, below a message schema's root
_SCOPES = frozenset(
    ("$id", "$anchor", "$dynamicAnchor", "$dynamicRef", "$recursiveAnchor", "$recursiveRef")
)
_UNIONS = frozenset(("oneOf", "anyOf"))
_MAP_KEYWORDS = ("additionalProperties", "propertyNames", "minProperties", "maxProperties")
_KINDS = frozenset(("null", "boolean", "integer", "number", "string", "array", "object"))
_NUMBER = {"number": ("integer", "number")}  # an integer is a number too
# what msgspec decodes a value of each kind into, in a union of kinds (a number: a float)
_PYTHON: dict[str, type] = {
    "null": type(None),
    "boolean": bool,
    "integer": int,
    "number": float,
    "string": str,
    "array": list,
    "object": dict,
}
# any JSON value, as wirebook publishes it: a branch per kind (integers are numbers)
_ANY_BRANCHES = sorted(
    json.dumps({"type": k}) for k in ("null", "boolean", "object", "array", "number", "string")
)
_MAX_NESTING = 64  # levels of a schema translated; deeper ones are recursive, in practice
_MAX_DECIDING = 8  # members that decide a merged object's direction: 2**8 presences at most
_REMEMBERED = 4096  # matching values remembered per pattern (ids, names: short ones)
_REMEMBERED_LENGTH = 256

T = TypeVar("T")
Check = Callable[[Any], bool]  # a decoded value → does it meet what msgspec cannot check?


class _Untranslatable(Exception):
    """A schema has a keyword (or a shape) with no exact msgspec counterpart."""


@dataclass(frozen=True)
class FastPath:
    """The tagged union's decoder, and the wire type of each of its Structs; and the decoders of
    the other shapes of wire version, each tried first on the lines that name its `v`."""

    decode: Callable[[bytes], Any]
    types: Mapping[type, str]
    untranslated: tuple[str, ...]  # types that the exact path alone checks
    routes: tuple[tuple[int, Callable[[bytes], Any]], ...] = ()

    def sift(self, lines: Sequence[bytes]) -> tuple[Counter[str], list[int]]:
        """The valid lines the fast path takes, counted per type, and the indexes of the others."""
        kinds, others = _sift.sift(self.decode, lines, self.routes)
        counts: Counter[str] = Counter()
        for kind, n in kinds.items():  # the Structs of one type in several wire versions add up
            counts[self.types[kind]] += n
        return counts, others


def build_versions(shapes: Sequence[Schemas], choice: Choice) -> FastPath:
    """The fast path of each shape of wire version (see ``sources.Versions``): the default
    version's decoder takes a line, unless it names another version's `v`, whose decoder is
    tried first (in C, without reading the line twice)."""
    path, *others = (build(shape, choice) for shape in shapes)
    routes = tuple(
        (version, other.decode)
        for shape, other in zip(shapes[1:], others, strict=True)
        for version in versions_of(shape)
    )
    types = {kind: wire_type for p in (path, *others) for kind, wire_type in p.types.items()}
    untranslated = tuple(dict.fromkeys(t for p in (path, *others) for t in p.untranslated))
    return replace(path, types=types, untranslated=untranslated, routes=routes)


def build(schemas: Schemas, choice: Choice) -> FastPath:
    """The fast path for the messages of ``choice`` (a direction, or ``any``)."""
    patterns = _Patterns()
    by_type: dict[str, list[Schema]] = {}
    for direction in ir.DIRECTIONS:
        if choice in ("any", direction):
            for wire_type, schema in schemas.get(direction, {}).items():
                by_type.setdefault(wire_type, []).append(schema)
    structs: dict[type, str] = {}
    untranslated = []
    for wire_type, found in by_type.items():
        try:
            translators = [_Translator(schema, patterns) for schema in found]
            struct = _message(wire_type, translators)
            msgspec.json.Decoder(struct)  # its unions are ones that msgspec takes
            structs[struct] = wire_type
        except (_Untranslatable, TypeError):
            untranslated.append(wire_type)
    if not structs:
        return FastPath(_refuse, {}, tuple(untranslated))
    # a union of two at least: msgspec checks the tag of a union's Structs, not of a Struct alone
    union: Any = Union[(*structs, _NEVER)]
    try:
        decode = msgspec.json.Decoder(union).decode
    except (TypeError, ValueError):  # not met: every Struct is one that msgspec took
        return FastPath(_refuse, {}, tuple(by_type))
    return FastPath(decode, structs, tuple(untranslated))


# bytes of a path of member names that _sift.skeleton looks up at most
_MAX_PATH = 1024
_MAX_VISITS = 4096  # schemas read per message schema in search of free strings


def free_strings(schemas: Schemas, choice: Choice) -> dict[bytes, tuple[int, int]]:
    """Where every message of ``choice`` has a string whose content no check reads, only its
    length: member names from the root (UTF-8, joined by NUL bytes) → the lengths that pass
    wherever the path leads. ``_sift.skeleton`` replaces such strings, so that the exact path can
    remember its verdict on a line for every line that differs from it only there.

    A path is free when, in each message schema, the members on the way are plain objects (no
    ``anyOf`` whose words would show the object, no schema for unknown members) and the path
    ends at a string with nothing but length bounds, or leaves the schema where any value is
    taken or refused by name alone (an unknown member, ``additionalProperties: false``). Any
    schema that is not read here makes no path free.
    """
    try:
        translators = [
            _Translator(schema, _Patterns())
            for direction in ir.DIRECTIONS
            if choice in ("any", direction)
            for schema in schemas.get(direction, {}).values()
        ]
        paths: dict[tuple[str, ...], None] = {}
        for translator in translators:
            _strings(translator, paths)
        found = {}
        for path in paths:
            bounds = [_ends(t, t.root, path) for t in translators]
            if all(b is not None for b in bounds):
                lo = max(b[0] for b in bounds if b)
                hi = min(b[1] for b in bounds if b)
                key = "\0".join(path).encode()
                if lo <= hi and len(key) <= _MAX_PATH:
                    found[key] = (lo, hi)
        return found
    except _Untranslatable:
        return {}


def _plain_object(node: dict[str, Any]) -> dict[str, Any]:
    """The properties of a plain object schema; _Untranslatable for any other."""
    _only(node, "type", "properties", "required", "additionalProperties")
    properties = node.get("properties", {})
    if node.get("type") != "object" or not isinstance(properties, dict):
        raise _Untranslatable("not a plain object")
    return properties


def _strings(translator: _Translator, found: dict[tuple[str, ...], None]) -> None:
    """The paths of the plain strings of a message schema through plain objects, into ``found``;
    the first _MAX_VISITS schemas met (shared definitions may make paths without number)."""
    todo: list[tuple[Any, tuple[str, ...]]] = [(translator.root, ())]
    for _ in range(_MAX_VISITS):
        if not todo:
            return
        node, path = todo.pop()
        resolved = translator.resolve(node)
        if resolved.get("type") == "object" and len(path) < _MAX_NESTING:
            try:
                properties = _plain_object(resolved)
            except _Untranslatable:
                continue
            todo.extend(((schema, (*path, name)) for name, schema in properties.items()))
        elif path and _length_only(resolved) is not None:
            found[path] = None


def _length_only(node: dict[str, Any]) -> tuple[int, int] | None:
    """The length bounds of a string schema with nothing else; None for any other schema."""
    if set(node) - {"type", "minLength", "maxLength"} or node.get("type") != "string":
        return None
    lo, hi = node.get("minLength", 0), node.get("maxLength", sys.maxsize)
    if any(isinstance(b, bool) or not isinstance(b, int) for b in (lo, hi)):
        return None
    return max(lo, 0), min(hi, sys.maxsize)


_ANY_LENGTH = (0, sys.maxsize)


def _ends(translator: _Translator, root: Any, path: tuple[str, ...]) -> tuple[int, int] | None:
    """The lengths a string at ``path`` may have for no error to show it in this schema, or None
    if its content (or the words of an object on the way) may count."""
    node = translator.resolve(root)
    for name in path:
        try:
            properties = _plain_object(node)
        except _Untranslatable:
            return None
        if name not in properties:
            unknown = node.get("additionalProperties", True)
            return _ANY_LENGTH if unknown is True or unknown is False else None
        node = translator.resolve(properties[name])
    return _length_only(node)


def _refuse(raw: Any) -> Any:
    raise ValueError("not taken by the fast path")


# A member of every union, which takes no line: its tag is no message type, and its __post_init__
# refuses whatever has it
_NEVER = msgspec.defstruct(
    "Never", [], tag="\x00no message type", tag_field="type", namespace={"__post_init__": _refuse}
)


def has_key(value: Any, keys: frozenset[str]) -> bool:
    """Whether some object in ``value`` (a schema: values of `const` and the like included) has
    one of ``keys``."""
    if isinstance(value, dict):
        return not keys.isdisjoint(value) or any(has_key(v, keys) for v in value.values())
    return isinstance(value, list) and any(has_key(v, keys) for v in value)


class _Patterns:
    """One remembering matcher per pattern, shared by every type that uses it."""

    def __init__(self) -> None:
        self._matchers: dict[str, _Pattern] = {}

    def matcher(self, pattern: str) -> _Pattern:
        if pattern not in self._matchers:
            try:
                self._matchers[pattern] = _Pattern(patterns.compile(pattern).search)
            except patterns.PatternError as exc:
                raise _Untranslatable(pattern) from exc
        return self._matchers[pattern]


class _Pattern:
    """Matches as the reference does, in linear time; remembers the values that matched."""

    def __init__(self, search: Callable[[str], bool]) -> None:
        self.search = search
        self.matched: set[str] = set()

    def __call__(self, value: Any) -> bool:
        if value in self.matched:
            return True
        if not self.search(value):
            return False
        if len(value) <= _REMEMBERED_LENGTH:
            if len(self.matched) >= _REMEMBERED:
                self.matched.clear()
            self.matched.add(value)
        return True


@dataclass
class _Translator:
    """Translates the parts of one self-contained message schema."""

    root: Schema
    patterns: _Patterns
    _resolving: set[str] = field(default_factory=set)
    _resolved: dict[str, dict[str, Any]] = field(default_factory=dict)  # $ref → its schema
    # a schema (kept, so that its id is its own) → what it gave: shared $defs are read once
    _values: dict[int, tuple[Any, tuple[Any, Check | None]]] = field(default_factory=dict)
    _essences: dict[int, tuple[Any, Any]] = field(default_factory=dict)
    _depth: int = 0

    def __post_init__(self) -> None:
        if self.root.get("$schema", _DRAFT) != _DRAFT:
            raise _Untranslatable("$schema")
        # `$ref`s are followed within the root alone: no other base, anchor or dynamic scope
        if has_key({k: v for k, v in self.root.items() if k != "$id"}, _SCOPES):
            raise _Untranslatable("an $id or anchor below the root")

    def resolve(self, node: Any) -> dict[str, Any]:
        """``node`` with its ``$ref`` (and an ``allOf`` of one, as published) followed."""
        if not isinstance(node, dict):
            raise _Untranslatable("a boolean schema")
        rest = {k: v for k, v in node.items() if k not in _ANNOTATIONS}
        rest.pop("$id", None), rest.pop("$schema", None), rest.pop("$defs", None)  # the root's
        if list(rest) == ["allOf"] and isinstance(rest["allOf"], list) and len(rest["allOf"]) == 1:
            return self.resolve(rest["allOf"][0])
        if "$ref" not in rest:
            return rest
        ref = rest.pop("$ref")
        if rest or not isinstance(ref, str) or not ref.startswith("#/") or ref in self._resolving:
            raise _Untranslatable("$ref")
        if "%" in ref:  # percent-encoded, which the reference decodes
            raise _Untranslatable("$ref")
        if ref not in self._resolved:
            target: Any = self.root
            for token in ref[2:].split("/"):
                token = token.replace("~1", "/").replace("~0", "~")
                if not isinstance(target, dict) or token not in target:
                    raise _Untranslatable("$ref")
                target = target[token]
            self._resolving.add(ref)
            try:
                self._resolved[ref] = self.resolve(target)
            finally:
                self._resolving.discard(ref)
        return self._resolved[ref]

    @contextmanager
    def _deeper(self) -> Iterator[None]:
        """One level further into a schema; a recursive one (a published bundle may have it)
        has no end, and no fast path."""
        if self._depth >= _MAX_NESTING:
            raise _Untranslatable("nested too deep, or recursive")
        self._depth += 1
        try:
            yield
        finally:
            self._depth -= 1

    def _once(
        self, made: dict[int, tuple[Any, T]], node: Any, make: Callable[[dict[str, Any]], T]
    ) -> T:
        """``make`` of ``node``'s schema, references followed, remembered in ``made``."""
        with self._deeper():
            resolved = self.resolve(node)
            known = made.get(id(resolved))
            if known is None or known[0] is not resolved:
                known = made[id(resolved)] = (resolved, make(resolved))
            return known[1]

    def essence(self, node: Any) -> Any:
        """What a schema asserts, references followed: equal essences, equal schemas."""
        return self._once(self._essences, node, self._essence)

    def _essence(self, node: dict[str, Any]) -> Any:
        found: dict[str, Any] = {}
        for key, value in node.items():
            if key == "properties" and isinstance(value, dict):
                found[key] = {k: self.essence(v) for k, v in value.items()}
            elif key in ("items", "additionalProperties", "propertyNames") and isinstance(
                value, dict
            ):
                found[key] = self.essence(value)
            elif key in _UNIONS and isinstance(value, list):
                found[key] = [self.essence(v) for v in value]
            else:
                found[key] = value
        return found

    def value(self, node: Any) -> tuple[Any, Check | None]:
        """The msgspec type of a member's schema, and what is left to check after decoding."""
        return self._once(self._values, node, self._value)

    def _value(self, node: dict[str, Any]) -> tuple[Any, Check | None]:
        kind = node.get("type")
        if not node:  # any JSON value
            return Any, None
        if not _UNIONS.isdisjoint(node):
            return self._union(node)
        if isinstance(kind, list):
            if "const" in node or "enum" in node or len(kind) != 2 or kind.count("null") != 1:
                raise _Untranslatable("type")
            return self._nullable({**node, "type": next(k for k in kind if k != "null")})
        if "const" in node or "enum" in node:
            return self._literal(node), None
        if kind == "string":
            _only(node, "type", "minLength", "maxLength", "pattern")
            lengths = _meta(min_length=node.get("minLength"), max_length=node.get("maxLength"))
            pattern = node.get("pattern")
            if pattern is not None and not isinstance(pattern, str):
                raise _Untranslatable("pattern")
            matcher = None if pattern is None else self.patterns.matcher(pattern)
            return _annotated(str, lengths), matcher
        if kind == "integer":
            _only(node, "type", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")
            bounds = _meta(
                ge=node.get("minimum"),
                le=node.get("maximum"),
                gt=node.get("exclusiveMinimum"),
                lt=node.get("exclusiveMaximum"),
            )
            return _annotated(int, bounds), None
        if kind == "number":
            _only(node, "type")
            return float, None
        if kind in ("boolean", "null"):
            _only(node, "type")
            return (bool if kind == "boolean" else None), None
        if kind == "array":
            _only(node, "type", "items", "minItems", "maxItems")
            item, check = self.value(node["items"]) if "items" in node else (Any, None)
            lengths = _meta(min_length=node.get("minItems"), max_length=node.get("maxItems"))
            items = None if check is None else _each(check)
            return _annotated(list[item], lengths), items  # type: ignore[valid-type]
        if kind == "object":
            if node.get("additionalProperties", True) is False:
                return self.struct(node), None
            return self._map(node)
        raise _Untranslatable(f"type {kind!r}")

    def _map(self, node: dict[str, Any]) -> tuple[Any, Check | None]:
        """An object of any member names, its values of one schema (any JSON if none is
        given): a dict. An object with members of its own besides is not translated (msgspec
        skips unknown members unread, a number beyond a double among them)."""
        _only(node, "type", *_MAP_KEYWORDS)
        values = node.get("additionalProperties", True)
        value, values_check = (Any, None) if values is True else self.value(values)
        key: Any = str
        keys_check = None
        if "propertyNames" in node:
            names = self.resolve(node["propertyNames"])
            _only(names, "type", "minLength", "maxLength", "pattern")
            if names.get("type", "string") != "string":
                raise _Untranslatable("propertyNames")
            lengths = _meta(min_length=names.get("minLength"), max_length=names.get("maxLength"))
            key = _annotated(str, lengths)
            pattern = names.get("pattern")
            if pattern is not None:
                if not isinstance(pattern, str):
                    raise _Untranslatable("pattern")
                keys_check = self.patterns.matcher(pattern)
        entries = _meta(min_length=node.get("minProperties"), max_length=node.get("maxProperties"))
        kind = _annotated(dict[key, value], entries)  # type: ignore[valid-type]
        return kind, _entries(keys_check, values_check)

    def kinds(self, node: Any) -> frozenset[str]:
        """The JSON kinds of the values a schema may take (more, never fewer: an integer is a
        number too)."""
        with self._deeper():
            resolved = self.resolve(node)
            kind = resolved.get("type")
            values = [resolved["const"]] if "const" in resolved else resolved.get("enum")
            if isinstance(values, list):
                return frozenset().union(*map(_json_kinds, values))
            if isinstance(kind, str | list):
                kinds = [kind] if isinstance(kind, str) else kind
                return frozenset(k for t in kinds for k in _NUMBER.get(t, (t,)))
            branches = resolved.get("oneOf", resolved.get("anyOf"))
            if isinstance(branches, list) and branches:
                return frozenset().union(*map(self.kinds, branches))
            return _KINDS

    def _union(self, node: dict[str, Any]) -> tuple[Any, Check | None]:
        """``oneOf`` or ``anyOf``: any JSON (every kind, each a branch of its own); branches
        of kinds that no two share (each value has one branch to match, so both keywords mean
        the same), as a msgspec union; or a tagged union of objects."""
        keyword = "oneOf" if "oneOf" in node else "anyOf"
        branches = node[keyword]
        if set(node) >= _UNIONS or not isinstance(branches, list) or not branches:
            raise _Untranslatable(keyword)
        if "discriminator" in node:
            return self._tagged(node, keyword, branches)
        _only(node, keyword)
        resolved = [self.resolve(b) for b in branches]
        if sorted(json.dumps(r, sort_keys=True) for r in resolved) == _ANY_BRANCHES:
            return Any, None
        kinds = [self.kinds(b) for b in resolved]
        if sum(map(len, kinds)) != len(frozenset().union(*kinds)):
            raise _Untranslatable(f"{keyword} of branches that share a kind")
        types: list[Any] = []
        checks: dict[type, Check] = {}
        for branch, its_kinds in zip(branches, kinds, strict=True):
            kind, check = self.value(branch)
            types.append(kind)
            if isinstance(check, _ByKind):
                checks.update(check.checks)
            elif check is not None:
                checks.update((_PYTHON[k], check) for k in its_kinds)
        union: Any = Union[tuple(types)]  # noqa: UP007
        return union, _ByKind(checks) if checks else None

    def _tagged(
        self, node: dict[str, Any], keyword: str, branches: list[Any]
    ) -> tuple[Any, Check | None]:
        """Objects told apart by a member that each has as a required constant string (its
        tag), all different: tagged Structs, which msgspec reads by the tag. One branch: the
        object itself (msgspec reads the tag of a union's Structs only)."""
        _only(node, "type", keyword, "discriminator", "required")
        discriminator, required = node["discriminator"], node.get("required", [])
        tag = discriminator.get("propertyName") if isinstance(discriminator, dict) else None
        if node.get("type", "object") != "object" or not isinstance(tag, str):
            raise _Untranslatable("discriminator")
        if not isinstance(required, list):
            raise _Untranslatable("required")
        if len(branches) == 1:
            if not set(required) <= set(_members(self.resolve(branches[0]))[1]):
                raise _Untranslatable("required")
            return self.value(branches[0])
        structs: list[type] = []
        tags: set[str] = set()
        for branch in branches:
            with self._deeper():
                resolved = self.resolve(branch)
                properties, needed = _members(resolved)
                value = _tag(self.resolve(properties.get(tag, {})))
                if value is None or value in tags or not {*required, tag} <= set(needed):
                    raise _Untranslatable(f"the tag {tag!r}")
                tags.add(value)
                structs.append(self.struct(resolved, value, tag_field=tag))
        return Union[tuple(structs)], None  # noqa: UP007

    def _nullable(self, node: Any) -> tuple[Any, Check | None]:
        inner, check = self.value(node)
        return Optional[inner], None if check is None else _or_none(check)  # noqa: UP045

    def _literal(self, node: dict[str, Any]) -> Any:
        _only(node, "type", "const", "enum")
        if "const" in node and "enum" in node:
            raise _Untranslatable("enum")
        values = [node["const"]] if "const" in node else node["enum"]
        kind = node.get("type")
        if not isinstance(values, list) or not values:
            raise _Untranslatable("enum")
        if all(isinstance(v, str) for v in values) and kind in (None, "string"):
            return Literal[tuple(values)]
        integers = all(isinstance(v, int) and not isinstance(v, bool) for v in values)
        if integers and kind in (None, "integer") and all(_fits_int64(v) for v in values):
            return Literal[tuple(values)]
        raise _Untranslatable("enum")  # floats, booleans, null, containers: not worth it

    def struct(
        self,
        node: dict[str, Any],
        tag: str | None = None,
        given: Mapping[str, tuple[Any, Check | None]] | None = None,
        tag_field: str = "type",
    ) -> type:
        """An object schema as a Struct; ``tag``: the value of its member ``tag_field`` (the
        message's ``type``, a tagged union's tag), which msgspec reads; ``given``: the types of
        some members, already made."""
        properties, required = _members(node)
        given = given or {}
        members = [
            (name, name in required, *(given[name] if name in given else self.value(schema)))
            for name, schema in properties.items()
            if name != tag_field or tag is None
        ]
        return _define(members, tag, [], tag_field)

    def merged(self, others: list[_Translator], member: str, tag: str) -> type:
        """The message of both directions, whose schemas (self and ``others``) differ in
        ``member`` alone: that member has the members of both, and fits one direction."""
        translators = [self, *others]
        shapes = [_members(t.resolve(_members(t.resolve(t.root))[0][member])) for t in translators]
        every: dict[str, tuple[_Translator, Any]] = {}
        for translator, (properties, _) in zip(translators, shapes, strict=True):
            for name, schema in properties.items():
                first, seen = every.setdefault(name, (translator, schema))
                if not _same(first.essence(seen), translator.essence(schema)):
                    raise _Untranslatable(f"{member}/{name} differs between the directions")
        # required in every direction: msgspec checks it; the rest decide the direction
        always = set.intersection(*(set(r) for _, r in shapes))
        deciding = [
            n for n in every if n not in always and any(n in r or n not in p for p, r in shapes)
        ]
        if len(deciding) > _MAX_DECIDING:
            raise _Untranslatable(f"{member}: too many members decide the direction")
        fitting = {
            present
            for present in product((False, True), repeat=len(deciding))
            if any(_fits(deciding, present, p, r) for p, r in shapes)
        }
        members = [(n, n in always, *t.value(s)) for n, (t, s) in every.items()]
        fits = [] if len(fitting) == 2 ** len(deciding) else [(deciding, fitting)]
        kind = _define(members, None, fits)
        return self.struct(self.resolve(self.root), tag, given={member: (kind, None)})


def _message(wire_type: str, translators: list[_Translator]) -> type:
    """The tagged Struct of one wire type: of one direction, or of both, merged."""
    first, *others = translators
    root = first.resolve(first.root)
    properties, required = _members(root)
    tags = ({"const": wire_type}, {"enum": [wire_type]})
    spec = first.essence(properties.get("type", {}))
    if "type" not in required or {k: v for k, v in spec.items() if k != "type"} not in tags:
        raise _Untranslatable("type")
    if spec.get("type", "string") != "string":
        raise _Untranslatable("type")
    mine = first.essence(first.root)
    differing: set[str] = set()
    for other in others:
        theirs = other.essence(other.root)
        if set(mine["properties"]) != set(theirs.get("properties", {})) or not _same(
            _without(mine, "properties"), _without(theirs, "properties")
        ):
            raise _Untranslatable("the directions differ in more than one member")
        differing |= {
            n for n, s in mine["properties"].items() if not _same(theirs["properties"][n], s)
        }
    if len(differing) > 1:
        raise _Untranslatable("the directions differ in more than one member")
    if differing:
        return first.merged(others, differing.pop(), wire_type)
    return first.struct(root, wire_type)


def _fits(names: list[str], present: tuple[bool, ...], allowed: Any, required: Any) -> bool:
    """Whether members ``names``, present or not as ``present`` says, fit one direction."""
    return all(
        n in allowed if there else n not in required
        for n, there in zip(names, present, strict=True)
    )


def _same(one: Any, other: Any) -> bool:
    """Equal as JSON: ``1``, ``1.0`` and ``true`` apart (Python's ``==`` says 1 == True)."""
    return json.dumps(one, sort_keys=True) == json.dumps(other, sort_keys=True)


def _without(node: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in node.items() if k != key}


def _members(node: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The properties and required names of an object schema that has no other keyword."""
    _only(node, "type", "properties", "required", "additionalProperties")
    properties, required = node.get("properties", {}), node.get("required", [])
    if (
        node.get("type") != "object"
        or node.get("additionalProperties") is not False
        or not isinstance(properties, dict)
        or not isinstance(required, list)
        or not set(required) <= set(properties)
    ):
        raise _Untranslatable("object")
    return properties, required


Member = tuple[str, bool, Any, Check | None]  # JSON name, required, msgspec type, check
Fits = tuple[list[str], set[tuple[bool, ...]]]  # deciding names, presences that fit


def _define(
    members: list[Member], tag: str | None, fits: list[Fits], tag_field: str = "type"
) -> type:
    """A Struct of ``members``, tagged with ``tag`` in ``tag_field`` if given; ``fits``: which
    members may be present together."""
    fields: list[tuple[str, Any] | tuple[str, Any, Any]] = []
    attributes: dict[str, str] = {}  # JSON name → attribute (m0, m1, …: any name is safe)
    checks: list[tuple[str, Check]] = []
    for index, (name, required, kind, check) in enumerate(members):
        attribute = attributes[name] = f"m{index}"
        if required:
            fields.append((attribute, kind))
        else:  # absent: UNSET, which msgspec does not write back
            fields.append((attribute, Union[kind, msgspec.UnsetType], msgspec.UNSET))  # noqa: UP007
        if check is not None:
            checks.append((attribute, check))
    fits = [([attributes[n] for n in deciding], fitting) for deciding, fitting in fits]
    namespace = {"__post_init__": _post_init(checks, fits)} if checks or fits else {}
    try:
        return msgspec.defstruct(
            "Member" if tag is None else "Message" if tag_field == "type" else "Branch",
            fields,
            rename={a: n for n, a in attributes.items()},
            tag=tag,
            tag_field=tag_field if tag else None,
            forbid_unknown_fields=True,
            kw_only=True,
            gc=False,  # values hold no cycles
            namespace=namespace,
        )
    except (TypeError, ValueError) as exc:  # a constraint msgspec does not take
        raise _Untranslatable(str(exc)) from exc


def _post_init(checks: list[tuple[str, Check]], fits: list[Fits]) -> _sift.Checks:
    """Runs the checks msgspec cannot do; a failure sends the line to the exact path. In C
    (``_sift.Checks``): this runs for most lines of a log. A value that matched a pattern before
    is found in its set, without a call."""
    return _sift.Checks(
        tuple(attribute for attribute, _ in checks),
        tuple(check.matched if isinstance(check, _Pattern) else None for _, check in checks),
        tuple(check for _, check in checks),
        tuple((tuple(attributes), fitting) for attributes, fitting in fits),
        msgspec.UNSET,
    )


def _each(check: Check) -> Check:
    return lambda items: all(map(check, items))


def _or_none(check: Check) -> Check:
    return lambda value: value is None or check(value)


def _only(node: dict[str, Any], *allowed: str) -> None:
    extra = set(node) - set(allowed)
    if extra:
        raise _Untranslatable(", ".join(sorted(extra)))


def _fits_int64(value: int) -> bool:
    return -(2**63) <= value < 2**63


def _meta(**given: Any) -> msgspec.Meta | None:
    """Lengths and integer bounds: integers that fit an int64, as msgspec takes them."""
    present = {k: v for k, v in given.items() if v is not None}
    for value in present.values():
        if isinstance(value, bool) or not isinstance(value, int) or not _fits_int64(value):
            raise _Untranslatable("a bound that is not an int64")
    try:
        return msgspec.Meta(**present) if present else None
    except (TypeError, ValueError) as exc:  # a negative length, say
        raise _Untranslatable(str(exc)) from exc


def _annotated(kind: Any, meta: msgspec.Meta | None) -> Any:
    return kind if meta is None else Annotated[kind, meta]


def _json_kinds(value: Any) -> frozenset[str]:
    """The JSON kinds of a value of `enum` or `const` (a float with no fraction equals an
    integer)."""
    if value is None or isinstance(value, bool):
        return frozenset(("null" if value is None else "boolean",))
    if isinstance(value, int | float):
        return frozenset(_NUMBER["number"] if isinstance(value, float) else ("integer",))
    return frozenset(
        ("string" if isinstance(value, str) else "array" if isinstance(value, list) else "object",)
    )


def _tag(node: dict[str, Any]) -> str | None:
    """The string that a tag member's schema allows, alone; None if it allows other values."""
    _only(node, "type", "const", "enum")
    values = [node["const"]] if "const" in node else node.get("enum")
    if node.get("type", "string") != "string" or not isinstance(values, list) or len(values) != 1:
        return None
    return values[0] if isinstance(values[0], str) else None


class _ByKind:
    """The check of a union of kinds: its branch's, by the type of the value decoded."""

    def __init__(self, checks: dict[type, Check]) -> None:
        self.checks = checks

    def __call__(self, value: Any) -> bool:
        check = self.checks.get(type(value))
        return check is None or check(value)


def _entries(keys: Check | None, values: Check | None) -> Check | None:
    """The check of a map: of its keys and of its values."""
    if keys is None and values is None:
        return None
    return lambda entries: (
        (keys is None or all(map(keys, entries)))
        and (values is None or all(map(values, entries.values())))
    )

"""What datamodel-code-generator reads: the published schemas, said so that the models it makes
accept exactly what the schemas accept, and are plain to use.

Pydantic reads some keywords otherwise than JSON Schema, and datamodel-code-generator turns a
constrained value below a field (the items of an array, a map's values, a union's branches) into
a `RootModel` class or a `constr(…)` call that type checkers refuse. So:

- below a property, values keep their types only (`list[str]`, `dict[str, int]`,
  `str | int`), and named types other than objects and enums are written out in place: an
  array of `UserId` is a `list[str]`, not a list of `UserId` objects;
- every constraint that is not on the property itself, and every keyword that pydantic reads
  otherwise, becomes an entry of the property's checks table (``CHECKS_KEY``): `[kind, path,
  argument]`, which datamodel-code-generator copies onto the field (`json_schema_extra`) and
  the generated `wire.py` applies to the field's JSON value. A path steps into the items of an
  array (`*`) and the values of an object (`{}`); objects check their own fields;
- `format` is left out: a `str` checked by the pattern wirebook pairs with every format
  (pydantic's `date` and `UUID` read other texts than the pattern);
- `number` is `float | int`: an integer beyond a float's range is a number too;
- a `pattern` is written for pydantic-core's Rust engine (its `.` would take \\r, and a pattern
  it cannot read would switch every pattern of the model to Python's `re`);
- any JSON value is pydantic's `JsonValue`; an object that takes unknown members says so
  (`additionalProperties: true`), as its class then must;
- what not every wire version has (a member, an enum value) is in every model, with checks of
  kind `versions` and `values` that apply the version the validation context names
  (`context={"v": 1}`);
- descriptions are wrapped: they become docstrings.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from typing import Any

from wirebook import patterns
from wirebook.emit.schemas import VALUES_KEY, VERSIONS_KEY
from wirebook.problems import json_kind

CHECKS_KEY = "x-wirebook-checks"
# Descriptions become docstrings at one indent; wrapping their long lines keeps the module within
# ruff's 100 columns (ruff format does not wrap docstrings).
DOCSTRING_WIDTH = 92

_DATA_KEYS = ("default", "const", "enum", "examples")  # values, not schemas
_JSON_VALUE = {"customTypePath": "pydantic.JsonValue"}
_STRING = ("minLength", "maxLength", "pattern")
_BOUNDS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")
_COUNTS = ("minItems", "maxItems", "minProperties", "maxProperties")
# what a value below a property does not keep (its checks hold it instead)
_CONSTRAINTS = frozenset((*_STRING, *_BOUNDS, *_COUNTS, "uniqueItems", "propertyNames", "format"))
_KINDS = ("string", "integer", "number", "boolean", "null", "array", "object")

Check = tuple[str, list[str], dict[str, Any]]


def models_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """The models input of a ``SchemaSet.models_input()`` schema."""
    converted: dict[str, Any] = _Converter(schema["$defs"]).node(schema, nested=False)
    return converted


class _Converter:
    def __init__(self, defs: dict[str, Any]) -> None:
        self.defs = defs

    def node(self, schema: Any, nested: bool) -> Any:
        if isinstance(schema, list):
            return [self.node(item, nested) for item in schema]
        if not isinstance(schema, dict):
            return schema
        if nested:
            schema = self._bare(schema)
        result: dict[str, Any] = {}
        for key, value in schema.items():
            if key in ("format", "propertyNames", VERSIONS_KEY, VALUES_KEY):
                continue  # a str with its pattern; the checks hold the keys' rules and versions
            if key == "description" and isinstance(value, str):
                result[key] = _wrap(value)
            elif key == "pattern" and isinstance(value, str):
                result[key] = patterns.compile(value).rust
            elif key in _DATA_KEYS:
                result[key] = value
            elif key == "type" and value == "number" and not {"enum", "const"} & schema.keys():
                result[key] = ["number", "integer"]
            elif key in _BOUNDS and schema.get("type") == "number":
                continue  # `float | int` with bounds would be `confloat | conint`: checked instead
            elif key == "properties":
                result[key] = {name: self._property(prop) for name, prop in value.items()}
            elif key == "$defs":  # the others are written out where they are used
                result[key] = {n: self.node(d, False) for n, d in value.items() if _is_class(d)}
            elif key in ("items", "additionalProperties", "oneOf", "anyOf"):
                result[key] = self.node(value, nested=True)
            else:
                result[key] = self.node(value, nested)
        if _is_any(schema):
            result.update(_JSON_VALUE)
        elif _is_any_object(schema):
            result["additionalProperties"] = _JSON_VALUE
        elif _is_object_class(schema) and "additionalProperties" not in schema:
            result["additionalProperties"] = True  # unknown members allowed: its class says so
        return result

    def _bare(self, schema: dict[str, Any]) -> dict[str, Any]:
        """A value below a property: its type alone."""
        return {k: v for k, v in self._in_place(schema).items() if k not in _CONSTRAINTS}

    def _in_place(self, schema: dict[str, Any]) -> dict[str, Any]:
        """A named type other than a class, written out where it is used: a list of `UserId`
        is a `list[str]`, a field of type `Labels` a `dict[str, str]`. A scalar keeps its
        name as the field's title."""
        ref = schema.get("$ref")
        if not isinstance(ref, str) or _is_class(target := self._target(ref)):
            return schema
        scalar = target.get("type") in ("string", "integer", "number", "boolean")
        inlined = {k: v for k, v in target.items() if k != "title" or scalar}
        return self._in_place({**inlined, **{k: v for k, v in schema.items() if k != "$ref"}})

    def _target(self, ref: str) -> dict[str, Any]:
        target: dict[str, Any] = self.defs[ref.removeprefix("#/$defs/")]
        return target

    def _property(self, prop: Any) -> Any:
        converted = self.node(self._in_place(prop) if isinstance(prop, dict) else prop, False)
        checks = list(self.checks(prop, (), kept=True, kinds=None))
        if isinstance(prop, dict) and VERSIONS_KEY in prop:
            checks.append(("versions", [], prop[VERSIONS_KEY]))
        if checks and isinstance(converted, dict):
            converted[CHECKS_KEY] = checks
        return converted

    def checks(
        self, schema: Any, path: tuple[str, ...], kept: bool, kinds: frozenset[str] | None
    ) -> Iterator[Check]:
        """What a value of ``schema`` at ``path`` needs checked beyond what its type does.

        ``kept``: datamodel-code-generator keeps this schema's constraints on the field (the
        property itself, and a named type it refers to); ``kinds``: the JSON kinds a union
        takes here, None when there is no union."""
        if not isinstance(schema, dict):
            return
        at = list(path)
        ref = schema.get("$ref")
        if isinstance(ref, str):
            target = self._target(ref)
            if not _is_object_class(target):  # an object checks its own fields
                yield from self.checks(target, path, kept, kinds)
        branches = schema.get("oneOf", schema.get("anyOf", ()))
        if branches:
            union = frozenset(k for b in branches for k in self._kinds(b))
            for branch in branches:
                yield from self.checks(branch, path, False, union)
        allowed = sorted(kinds or self._kinds(schema))
        values = (
            schema["enum"] if "enum" in schema else [schema["const"]] if "const" in schema else []
        )
        numbers = [v for v in values if isinstance(v, int | float) and not isinstance(v, bool)]
        if numbers:
            # Enum and Literal match by Python equality: true is 1 there, and 10**20 is not 1e20
            yield ("number", at, {"members": numbers, "kinds": allowed})
        elif any(isinstance(v, bool) for v in values):
            yield ("boolean", at, {})
        elif schema.get("type") == "integer":
            yield ("integer", at, {"kinds": allowed})
        if VALUES_KEY in schema:
            yield ("values", at, schema[VALUES_KEY])
        if _is_any(schema) or _is_any_object(schema):
            yield ("json", at, {})  # JSON has no NaN, which a Python float may hold
        if schema.get("uniqueItems"):
            yield ("unique", at, {})
        if "propertyNames" in schema:
            names = schema["propertyNames"]
            yield ("keys", at, _string_rules(names))
        if not kept:
            yield from self._constraints(schema, at)
        elif schema.get("type") == "number" and any(k in schema for k in _BOUNDS):
            yield ("range", at, {k: schema[k] for k in _BOUNDS if k in schema})
        if isinstance(schema.get("items"), dict):
            yield from self.checks(schema["items"], (*path, "*"), False, None)
        if isinstance(schema.get("additionalProperties"), dict):
            yield from self.checks(schema["additionalProperties"], (*path, "{}"), False, None)

    def _constraints(self, schema: dict[str, Any], at: list[str]) -> Iterator[Check]:
        if any(k in schema for k in _STRING):
            yield ("string", at, _string_rules(schema))
        if any(k in schema for k in _BOUNDS):
            yield ("range", at, {k: schema[k] for k in _BOUNDS if k in schema})
        # an array's counts and a map's apply to their own kind only: both may be branches of
        # one union, told apart by kind
        for kind, least, most in (("array", *_COUNTS[:2]), ("object", *_COUNTS[2:])):
            if least in schema or most in schema:
                yield (
                    "size",
                    at,
                    {"kind": kind, "min": schema.get(least), "max": schema.get(most)},
                )

    def _kinds(self, schema: Any) -> frozenset[str]:
        """The JSON kinds a value of ``schema`` may have."""
        if not isinstance(schema, dict):
            return frozenset()
        if isinstance(schema.get("$ref"), str):
            return self._kinds(self._target(schema["$ref"]))
        branches = schema.get("oneOf", schema.get("anyOf"))
        if branches:
            return frozenset(k for b in branches for k in self._kinds(b))
        values = (
            schema["enum"] if "enum" in schema else [schema["const"]] if "const" in schema else None
        )
        if values is not None:
            return frozenset(json_kind(v) for v in values)
        kind = schema.get("type")
        if kind is None:
            return frozenset(_KINDS)
        return frozenset(kind if isinstance(kind, list) else [kind])


def _is_any(schema: dict[str, Any]) -> bool:
    """Any JSON value: nothing says what it is."""
    return not {"type", "$ref", "oneOf", "anyOf", "allOf", "enum", "const"} & schema.keys()


def _is_any_object(schema: dict[str, Any]) -> bool:
    return (
        schema.get("type") == "object"
        and not {
            "properties",
            "additionalProperties",
            "oneOf",
        }
        & schema.keys()
    )


def _is_object_class(schema: dict[str, Any]) -> bool:
    return schema.get("type") == "object" and "properties" in schema


def _is_class(schema: dict[str, Any]) -> bool:
    """A named type that datamodel-code-generator makes a class of, and that stays one:
    objects, enums and tagged unions (whose branches are classes)."""
    return _is_object_class(schema) or "enum" in schema or "discriminator" in schema


def _values(schema: dict[str, Any]) -> list[Any] | None:
    """An enum's values, or a const's one."""
    if "enum" in schema:
        return list(schema["enum"])
    return [schema["const"]] if "const" in schema else None


def _string_rules(schema: dict[str, Any]) -> dict[str, Any]:
    rules: dict[str, Any] = {k: schema[k] for k in ("minLength", "maxLength") if k in schema}
    if "pattern" in schema:
        rules["pattern"] = patterns.compile(schema["pattern"]).rust
    return rules


def _wrap(text: str) -> str:
    lines = text.split("\n")
    return "\n".join(
        textwrap.fill(line, DOCSTRING_WIDTH, break_long_words=False, break_on_hyphens=False)
        for line in lines
    )

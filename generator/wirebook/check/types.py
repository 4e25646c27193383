"""Types: named types and the type specs of fields, lowered into the IR's type expressions, with
every constraint checked where it is written."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from wirebook import ir, patterns
from wirebook.check.context import Gaps, Run, Where, sections
from wirebook.check.names import ClassNames, pascal
from wirebook.diagnostics import Position, did_you_mean
from wirebook.errors import (
    DUPLICATE_TYPE,
    EMPTY_RANGE,
    INCOMPLETE_TYPE,
    INVALID_ENUM,
    INVALID_PATTERN,
    MISPLACED_KEY,
    REQUIRED_WITH_DEFAULT,
    TYPE_CYCLE,
    UNKNOWN_TYPE,
    UNSAFE_INTEGER,
)
from wirebook.load import Document, Pointer
from wirebook.problems import json_kind

PRIMITIVES = ("string", "integer", "number", "boolean", "array", "object")
KEYS_BY_KIND = {
    "string": {"minLength", "maxLength", "pattern", "format"},
    "integer": {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"},
    "number": {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"},
    "array": {"items", "minItems", "maxItems", "uniqueItems"},
    "object": {"fields"},
    "boolean": set(),
}
CONSTRAINT_KEYS = set().union(*KEYS_BY_KIND.values())
NUMERIC_BOUNDS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")
# The largest whole number a double holds exactly, and so JavaScript's JSON.parse (2^53 − 1).
MAX_SAFE_INTEGER = 2**53 - 1
# Keys of a field that say how the field is used; an array's `items` is a type, not a field.
FIELD_ONLY_KEYS = ("required", "default", "nullable", "deprecated", "description")
# Type names of other languages, and what to write instead.
TYPE_SYNONYMS = {
    **dict.fromkeys(("int", "long", "int32", "int64"), "write `integer`"),
    **dict.fromkeys(("float", "double", "decimal"), "write `number`"),
    **dict.fromkeys(("str", "text"), "write `string`"),
    "bool": "write `boolean`",
    **dict.fromkeys(("list", "tuple"), "write `{type: array, items: <type>}`"),
    **dict.fromkeys(("dict", "map"), "write `{type: object, fields: {…}}`"),
    **dict.fromkeys(("null", "none"), "write `nullable: true` on the field"),
    **{
        name: f"write `{{type: string, format: {fmt}}}`"
        for name, fmt in (
            ("uuid", "uuid"),
            ("date", "date"),
            ("datetime", "date-time"),
            ("date-time", "date-time"),
            ("timestamp", "date-time"),
        )
    },
}
# The pattern wirebook pairs with each supported `format`, so that every validator (even one that
# treats `format` as an annotation, as JSON Schema 2020-12 does by default) checks the same thing.
_DATE = "[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
FORMAT_PATTERNS = {
    "uuid": "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$",
    "date": f"^{_DATE}$",
    "date-time": f"^{_DATE}[Tt]([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\\.[0-9]+)?"
    "([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$",
}


class Types:
    """The named types of the protocol and the lowering of every type spec."""

    def __init__(
        self, run: Run, gaps: Gaps, names: ClassNames, error_codes: tuple[ir.ErrorCode, ...]
    ) -> None:
        self.run = run
        self.gaps = gaps
        self.names = names
        self.error_codes = error_codes
        self.named: dict[str, tuple[Where, Any]] = {}
        self.built: dict[str, ir.TypeExpr | None] = {}

    def declare(self, docs: list[Document]) -> list[ir.NamedType]:
        """Every named type of the `types:` sections, built, and `ErrorCode`."""
        for section, specs in sections(docs, "types"):
            for name, type_spec in specs.items():
                at = section.child(name)
                if name in self.named:
                    first = self.named[name][0].key_position
                    self.run.error(
                        DUPLICATE_TYPE,
                        at.key_position,
                        f"type '{name}' is declared twice (first at {first})",
                        "keep one of them, or rename one",
                    )
                    continue
                self.names.claim(name, f"type '{name}'", at.key_position)
                self.named[name] = (at, type_spec)
        named = []
        for name, (at, type_spec) in self.named.items():
            expr = self.named_type(name)
            if expr is not None:
                named.append(
                    ir.NamedType(
                        name,
                        expr,
                        type_spec.get("description", ""),
                        type_spec.get("deprecated", False),
                        at.key_position,
                    )
                )
        check_cycles(self.run, named)
        named.append(
            ir.NamedType(
                "ErrorCode",
                ir.EnumType(tuple(c.code for c in self.error_codes)),
                "Codes carried by `error` messages.",
                position=None,
            )
        )
        return named

    def named_type(self, name: str) -> ir.TypeExpr | None:
        """The IR of a named type, built once (it is reported once if broken)."""
        if name not in self.built:
            at, spec = self.named[name]
            self.built[name] = self.type_expr(at, spec, name, claim=False)
        return self.built[name]

    def type_expr(
        self, where: Where, spec: Any, title: str, claim: bool = True
    ) -> ir.TypeExpr | None:
        """``claim``: whether an inline object here makes the class ``title`` (named types did)."""
        if isinstance(spec, str):
            return self._type_by_name(where, spec, where.position)
        self._exact_numbers(where, spec)
        if "enum" in spec:
            return self._enum(where, spec)
        if "const" in spec:
            return self._const(where, spec)
        kind = spec.get("type")
        if kind is None:
            self.run.error(
                INCOMPLETE_TYPE,
                where.position,
                f"{where.name} has no type",
                "add `type:` (a primitive or a named type), or `enum:` or `const:`",
            )
            return None
        if kind not in PRIMITIVES:
            self._only_keys(where, spec, set(), f"the named type {kind}")
            return self._type_by_name(where, kind, where.child("type").position)
        self._only_keys(where, spec, KEYS_BY_KIND[kind] | {"type"}, f"type {kind}")
        if kind == "string":
            return self._string(where, spec)
        if kind in ("integer", "number"):
            return self._numeric(where, spec, kind == "integer")
        if kind == "boolean":
            return ir.BooleanType()
        if kind == "array":
            return self._array(where, spec, title)
        if "fields" not in spec:
            self.run.error(
                INCOMPLETE_TYPE,
                where.position,
                f"{where.name} is an object without `fields`",
                "list its fields under `fields:`, or use a named type",
            )
            return None
        if claim and not self.names.claim(title, where.name, where.position):
            return None
        return ir.ObjectType(self.fields(where.child("fields"), spec["fields"], title))

    def _exact_numbers(self, where: Where, spec: dict[str, Any]) -> None:
        """Whole numbers in bounds and values must be ones JavaScript reads exactly: its JSON
        parsers read numbers as doubles, so Ajv would check a rounded bound (and refuse every
        valid message at it). Examples are data, not constraints: they may hold any number."""
        for key in (*NUMERIC_BOUNDS, "enum", "const", "default"):
            if key not in spec:
                continue
            for path, value in _whole_numbers(spec[key], ()):
                if abs(value) > MAX_SAFE_INTEGER:
                    at = where.child(key, *path)
                    text = str(value)
                    if len(text) > 24:
                        text = f"{text[:20]}… ({len(text.lstrip('-'))} digits)"
                    self.run.error(
                        UNSAFE_INTEGER,
                        at.position,
                        f"{at.name} is {text}, which JavaScript reads rounded "
                        f"(whole numbers are exact only within ±{MAX_SAFE_INTEGER})",
                        "JavaScript's JSON parsers read numbers as doubles: use a string with "
                        "a pattern for 64-bit ids, or a "
                        + ("bound" if key in NUMERIC_BOUNDS else "value")
                        + f" within ±{MAX_SAFE_INTEGER}",
                    )

    def _array(self, where: Where, spec: dict[str, Any], title: str) -> ir.TypeExpr | None:
        if "items" not in spec:
            self.run.error(
                INCOMPLETE_TYPE,
                where.position,
                f"{where.name} is an array without `items`",
                "add `items: <type>`, such as `items: string`",
            )
            return None
        items_at, items_spec = where.child("items"), spec["items"]
        if isinstance(items_spec, dict):
            for key in (k for k in FIELD_ONLY_KEYS if k in items_spec):
                self.run.error(
                    MISPLACED_KEY,
                    items_at.child(key).key_position,
                    f"`{key}` does not apply to the items of an array ({where.name})",
                    f"`{key}` belongs to the field that holds the array"
                    + (" (items cannot be null)" if key == "nullable" else ""),
                )
        self._ordered(where, spec, "minItems", "maxItems")
        items = self.type_expr(items_at, items_spec, title + "Item")
        if items is None:
            return None
        return ir.ArrayType(
            items, spec.get("minItems"), spec.get("maxItems"), bool(spec.get("uniqueItems", False))
        )

    def _type_by_name(self, where: Where, name: str, position: Position) -> ir.TypeExpr | None:
        """``where``: what has the type; ``position``: where its name is written."""
        if name in PRIMITIVES:
            if name in ("array", "object"):
                self.run.error(
                    INCOMPLETE_TYPE,
                    position,
                    f"{where.name}: '{name}' needs more than a name",
                    f"write a mapping: `{{type: {name}, "
                    + ("items: <type>}`" if name == "array" else "fields: {…}}`"),
                )
                return None
            return self.type_expr(where, {"type": name}, "")
        if name in self.named or name == "ErrorCode":
            return ir.RefType(name)
        if self.gaps.hides_type(name):
            return None  # it may be the broken type, reported already
        self.run.error(
            UNKNOWN_TYPE,
            position,
            f"{where.name} has the unknown type '{name}'",
            TYPE_SYNONYMS.get(name.lower())
            or did_you_mean(name, [*PRIMITIVES, *self.named, *self.gaps.types, "ErrorCode"]),
        )
        return None

    def _only_keys(self, where: Where, spec: dict[str, Any], allowed: set[str], what: str) -> None:
        for key in spec:
            if key in CONSTRAINT_KEYS | {"enum", "const"} and key not in allowed:
                kinds = [k for k, keys in KEYS_BY_KIND.items() if key in keys]
                applies = f"applies to {' and '.join(kinds)}" if kinds else "stands alone"
                self.run.error(
                    MISPLACED_KEY,
                    where.child(key).key_position,
                    f"`{key}` does not apply to {what} ({where.name})",
                    f"`{key}` {applies}: remove it or change the type"
                    + (
                        " (a named type's constraints are set where it is declared)"
                        if what.startswith("the named")
                        else ""
                    ),
                )

    def _enum(self, where: Where, spec: dict[str, Any]) -> ir.TypeExpr | None:
        self._only_keys(where, spec, {"enum", "type"}, "an enum")
        values = spec["enum"]
        at = where.child("enum")
        kinds = {json_kind(v) for v in values}
        if "null" in kinds:
            self.run.error(
                INVALID_ENUM,
                at.position,
                f"the enum of {where.name} lists null",
                "remove null from the values and write `nullable: true` on the field",
            )
            return None
        if kinds not in ({"string"}, {"integer"}, {"number"}, {"integer", "number"}):
            found = ", ".join(sorted(kinds))
            self.run.error(
                INVALID_ENUM,
                at.position,
                f"the enum of {where.name} mixes kinds of values ({found})",
                "list only strings or only numbers; quote numbers meant as text",
            )
            return None
        repeated = sorted({json.dumps(v) for v in values if values.count(v) > 1})
        if repeated:
            self.run.error(
                INVALID_ENUM,
                at.position,
                f"the enum of {where.name} lists {', '.join(repeated)} more than once",
                "remove the repeated values",
            )
            return None
        kind = "string" if kinds == {"string"} else "integer" if kinds == {"integer"} else "number"
        if not self._declared_type_fits(where, spec, kind, f"enum values are {kind}s"):
            return None
        return ir.EnumType(tuple(values))

    def _const(self, where: Where, spec: dict[str, Any]) -> ir.TypeExpr | None:
        self._only_keys(where, spec, {"const", "type"}, "a const")
        value = spec["const"]
        if not self._declared_type_fits(where, spec, json_kind(value), "const is {}"):
            return None
        return ir.ConstType(value)

    def _declared_type_fits(
        self, where: Where, spec: dict[str, Any], kind: str, found: str
    ) -> bool:
        """An enum's or a const's `type:`, if written, must be what its values are."""
        declared = spec.get("type")
        if declared is None or declared == kind or (declared, kind) == ("number", "integer"):
            return True
        self.run.error(
            INVALID_ENUM,
            where.child("type").position,
            f"{where.name} has `type: {declared}` but its {found.format(kind)}",
            "make the values match the type, or drop `type:` (the values say what they are)",
        )
        return False

    def _string(self, where: Where, spec: dict[str, Any]) -> ir.TypeExpr | None:
        self._ordered(where, spec, "minLength", "maxLength")
        pattern = spec.get("pattern")
        fmt = spec.get("format")
        if fmt is not None:
            if pattern is not None:
                self.run.error(
                    MISPLACED_KEY,
                    where.child("pattern").key_position,
                    f"{where.name} has both `pattern` and `format`",
                    f"format {fmt} brings its own pattern: keep one of the two",
                )
                return None
            pattern = FORMAT_PATTERNS[fmt]
        elif pattern is not None and not self._pattern_ok(where, pattern):
            return None
        return ir.StringType(spec.get("minLength"), spec.get("maxLength"), pattern, fmt)

    def _pattern_ok(self, where: Where, pattern: str) -> bool:
        try:
            patterns.compile(pattern)
        except patterns.PatternError as exc:
            self.run.error(
                INVALID_PATTERN,
                where.child("pattern").position,
                f"the pattern of {where.name} {exc.message}",
                exc.hint,
            )
            return False
        return True

    def _numeric(self, where: Where, spec: dict[str, Any], integer: bool) -> ir.TypeExpr:
        for low, high in (
            ("minimum", "maximum"),
            ("exclusiveMinimum", "maximum"),
            ("minimum", "exclusiveMaximum"),
            ("exclusiveMinimum", "exclusiveMaximum"),
        ):
            self._ordered(
                where, spec, low, high, strict=low.startswith("ex") or high.startswith("ex")
            )
        return ir.NumericType(
            integer,
            spec.get("minimum"),
            spec.get("maximum"),
            spec.get("exclusiveMinimum"),
            spec.get("exclusiveMaximum"),
        )

    def _ordered(
        self, where: Where, spec: dict[str, Any], low: str, high: str, strict: bool = False
    ) -> None:
        if (
            low in spec
            and high in spec
            and (spec[low] >= spec[high] if strict else spec[low] > spec[high])
        ):
            self.run.error(
                EMPTY_RANGE,
                where.child(high).position,
                f"{where.name}: {high} ({spec[high]}) is below {low} ({spec[low]})"
                if spec[low] > spec[high]
                else f"{where.name}: {high} ({spec[high]}) equals {low} ({spec[low]})",
                "no value could be valid; fix one of the two bounds",
            )

    def fields(self, where: Where, specs: dict[str, Any], owner: str) -> tuple[ir.Field, ...]:
        result = []
        for name, spec in specs.items():
            at = where.child(name)
            title = owner + pascal(name)
            expr = self.type_expr(at, spec, title)
            if expr is None:
                continue
            if isinstance(expr, ir.EnumType) and not self.names.claim(
                title, at.name, at.key_position
            ):
                continue
            options = spec if isinstance(spec, dict) else {}
            has_default = "default" in options
            if has_default and options.get("required") is True:
                self.run.error(
                    REQUIRED_WITH_DEFAULT,
                    at.child("default").key_position,
                    f"{at.name} is required but has a default",
                    "a default applies when the field is left out: "
                    "drop `required: true` or the default",
                )
            required = bool(options.get("required", True)) and not has_default
            result.append(
                ir.Field(
                    name=name,
                    type=expr,
                    title=title,
                    required=required,
                    nullable=bool(options.get("nullable", False)),
                    has_default=has_default,
                    default=options.get("default"),
                    description=options.get("description", ""),
                    deprecated=options.get("deprecated", False),
                    position=at.key_position,
                )
            )
        return tuple(result)

    def resolve(self, expr: ir.TypeExpr) -> ir.TypeExpr | None:
        """Follow references to named types (ErrorCode stays a reference)."""
        seen: set[str] = set()
        current: ir.TypeExpr | None = expr
        while isinstance(current, ir.RefType) and current.name in self.named:
            if current.name in seen:
                return None
            seen.add(current.name)
            current = self.named_type(current.name)
        return current


def _whole_numbers(value: Any, path: Pointer) -> Iterable[tuple[Pointer, int]]:
    """Every integer in a JSON value (floats are doubles everywhere already), with its path."""
    if isinstance(value, int) and not isinstance(value, bool):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _whole_numbers(item, (*path, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _whole_numbers(item, (*path, i))


def check_cycles(run: Run, named: list[ir.NamedType]) -> None:
    by_name = {t.name: t for t in named}

    def refs(expr: ir.TypeExpr) -> Iterable[str]:
        if isinstance(expr, ir.RefType):
            yield expr.name
        elif isinstance(expr, ir.ArrayType):
            yield from refs(expr.items)
        elif isinstance(expr, ir.ObjectType):
            for f in expr.fields:
                yield from refs(f.type)

    state: dict[str, str] = {}  # name → "open" while its references are followed, then "done"

    def visit(name: str, path: tuple[str, ...]) -> None:
        if name not in by_name or state.get(name) == "done":
            return
        if state.get(name) == "open":
            loop = path[path.index(name) :]
            run.error(
                TYPE_CYCLE,
                by_name[loop[0]].position,
                f"type '{loop[0]}' contains itself: {' → '.join((*loop, name))}",
                "a message must have a bounded shape: break the cycle "
                "(for example with an id that refers to the other value)",
            )
            return
        state[name] = "open"
        for ref in refs(by_name[name].type):
            visit(ref, (*path, name))
        state[name] = "done"

    for t in named:
        visit(t.name, ())

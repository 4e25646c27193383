"""Types: named types and the type specs of fields, lowered into the IR's type expressions, with
every constraint checked where it is written."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from wirebook import ir, patterns
from wirebook.check.context import Gaps, Run, Where, sections
from wirebook.check.names import ClassNames, pascal
from wirebook.check.versions import Wire, read_span, required_since
from wirebook.diagnostics import Position, did_you_mean
from wirebook.errors import (
    DUPLICATE_TYPE,
    EMPTY_RANGE,
    INCOMPLETE_TYPE,
    INVALID_ENUM,
    INVALID_PATTERN,
    INVALID_UNION,
    MISPLACED_KEY,
    REQUIRED_WITH_DEFAULT,
    TYPE_CYCLE,
    UNKNOWN_TYPE,
    UNSAFE_INTEGER,
    WIRE_SPAN,
)
from wirebook.load import Document, Pointer
from wirebook.problems import json_kind
from wirebook.structure import spec_under_fields_hint

PRIMITIVES = (
    "string",
    "integer",
    "number",
    "boolean",
    "array",
    "object",
    "map",
    "any",
    "any_object",
)
KEYS_BY_KIND = {
    "string": {"minLength", "maxLength", "pattern", "format"},
    "integer": {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"},
    "number": {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"},
    "array": {"items", "minItems", "maxItems", "uniqueItems"},
    "object": {"fields", "unknown_fields"},
    "map": {"values", "keys", "minEntries", "maxEntries"},
    "union": {"union", "tag"},
    "boolean": set(),
    "any": set(),
    "any_object": set(),
}
CONSTRAINT_KEYS = set().union(*KEYS_BY_KIND.values())
# An example value of each JSON kind, to show where two branches of a union overlap.
_KIND_EXAMPLES = {
    "string": '"x"',
    "integer": "1",
    "number": "1.5",
    "boolean": "true",
    "null": "null",
    "array": "[]",
    "object": "{}",
}
_ALL_KINDS = frozenset(_KIND_EXAMPLES)
_OBJECT = frozenset({"object"})
NUMERIC_BOUNDS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")
# The largest whole number a double holds exactly, and so JavaScript's JSON.parse (2^53 − 1).
MAX_SAFE_INTEGER = 2**53 - 1
# Keys of a field that say how the field is used; an array's `items` is a type, not a field.
FIELD_ONLY_KEYS = (
    "required",
    "default",
    "nullable",
    "deprecated",
    "description",
    "since",
    "until",
    "required_since",
)
# Type names of other languages, and what to write instead.
TYPE_SYNONYMS = {
    **dict.fromkeys(("int", "long", "int32", "int64"), "write `integer`"),
    **dict.fromkeys(("float", "double", "decimal"), "write `number`"),
    **dict.fromkeys(("str", "text"), "write `string`"),
    "bool": "write `boolean`",
    **dict.fromkeys(("list", "tuple"), "write `{type: array, items: <type>}`"),
    **dict.fromkeys(("dict", "hash", "record"), "write `{type: map, values: <type>}` for any keys"),
    **dict.fromkeys(("json", "unknown", "mixed", "value"), "write `any` (any JSON value)"),
    **dict.fromkeys(("none", "nil", "undefined"), "write `nullable: true` on the field"),
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
        self,
        run: Run,
        gaps: Gaps,
        names: ClassNames,
        error_codes: tuple[ir.ErrorCode, ...],
        wire: Wire,
    ) -> None:
        self.run = run
        self.wire = wire
        self.gaps = gaps
        self.names = names
        self.error_codes = error_codes
        self.named: dict[str, tuple[Where, Any]] = {}
        self.built: dict[str, ir.TypeExpr | None] = {}
        self.building: set[str] = set()  # a recursive type refers to itself while being built

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
        check_recursion(self.run, named)
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
            self.building.add(name)
            self.built[name] = self.type_expr(at, spec, name, claim=False)
            self.building.discard(name)
        return self.built[name]

    def type_expr(
        self, where: Where, spec: Any, title: str, claim: bool = True
    ) -> ir.TypeExpr | None:
        """``claim``: whether an inline object here makes the class ``title`` (named types did)."""
        if isinstance(spec, str):
            return self._type_by_name(where, spec, where.position, title)
        self._exact_numbers(where, spec)
        if "union" in spec:
            self._only_keys(where, spec, KEYS_BY_KIND["union"], "a union")
            at = where.child("union")
            return self._union(where, spec, [(at.child(i), b) for i, b in enumerate(spec["union"])])
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
                "add `type:` (a primitive, a named type or `A | B`), or `union:`, `enum:` or "
                "`const:`",
            )
            return None
        if "|" in kind:
            self._only_keys(where, spec, {"type", "tag"}, "a union")
            at = where.child("type")
            return self._union(where, spec, [(at, b.strip()) for b in kind.split("|")])
        if kind not in PRIMITIVES:
            self._only_keys(where, spec, set(), f"the named type {kind}")
            return self._type_by_name(where, kind, where.child("type").position, title)
        self._only_keys(where, spec, KEYS_BY_KIND[kind] | {"type"}, f"type {kind}")
        if kind == "string":
            return self._string(where, spec)
        if kind in ("integer", "number"):
            return self._numeric(where, spec, kind == "integer")
        if kind == "boolean":
            return ir.BooleanType()
        if kind in ("any", "any_object"):
            return ir.AnyType(object_only=kind == "any_object")
        if kind == "array":
            return self._array(where, spec, title)
        if kind == "map":
            return self._map(where, spec, title)
        if "fields" not in spec:
            self.run.error(
                INCOMPLETE_TYPE,
                where.position,
                f"{where.name} is an object without `fields`",
                "list its fields under `fields:`; for an object of any keys whose values are "
                "alike write `{type: map, values: <type>}`, and `any_object` for any object",
            )
            return None
        if claim and not self.names.claim(title, where.name, where.position):
            return None
        fields = self.fields(where.child("fields"), spec["fields"], title)
        unknown = spec.get("unknown_fields")
        return ir.ObjectType(fields, title, None if unknown is None else unknown == "allow")

    def _map(self, where: Where, spec: dict[str, Any], title: str) -> ir.TypeExpr | None:
        if "values" not in spec:
            self.run.error(
                INCOMPLETE_TYPE,
                where.position,
                f"{where.name} is a map without `values`",
                "add `values: <type>`, the type of every value, such as `values: string`",
            )
            return None
        self._no_field_keys(where, "values", spec["values"], "the values of a map")
        self._ordered(where, spec, "minEntries", "maxEntries")
        keys_at, keys = where.child("keys"), spec.get("keys", {})
        self._ordered(keys_at, keys, "minLength", "maxLength")
        pattern = keys.get("pattern")
        if pattern is not None and not self._pattern_ok(keys_at, pattern):
            return None
        values = self.type_expr(where.child("values"), spec["values"], title + "Value")
        if values is None:
            return None
        return ir.MapType(
            values,
            ir.StringType(keys.get("minLength"), keys.get("maxLength"), pattern),
            spec.get("minEntries"),
            spec.get("maxEntries"),
        )

    def _union(
        self, where: Where, spec: dict[str, Any], written: list[tuple[Where, Any]]
    ) -> ir.TypeExpr | None:
        """A union: its branches must not take a value in common, so that exactly one matches
        (`oneOf`), whatever validator reads it."""
        branches: list[ir.TypeExpr] = []
        for at, branch in written:
            if branch == "null":
                branches.append(ir.NullType())
                continue
            if isinstance(branch, dict) and branch.get("type") == "object":
                self.run.error(
                    INVALID_UNION,
                    at.position,
                    f"{where.name} has an inline object among its branches",
                    "declare the object under `types:` and name it here: a branch of a union "
                    "is a class of its own in the generated code",
                )
                return None
            self._no_field_keys(at, None, branch, "a branch of a union")
            expr = self.type_expr(at, branch, "")
            if expr is None:
                return None
            branches.append(expr)
        tag = spec.get("tag")
        if not self._branches_apart(where, branches, tag):
            return None
        return ir.UnionType(tuple(branches), tag)

    def _branches_apart(self, where: Where, branches: list[ir.TypeExpr], tag: str | None) -> bool:
        kinds = [self.kinds(b) for b in branches]
        objects = [b for b, k in zip(branches, kinds, strict=True) if k == _OBJECT]
        if tag is not None:
            if len(objects) != len(branches):
                other = next(b for b, k in zip(branches, kinds, strict=True) if k != _OBJECT)
                self.run.error(
                    INVALID_UNION,
                    where.child("tag").position,
                    f"{where.name} has a `tag`, but its branch {describe(other)} is no object",
                    "a tag tells named object types apart: keep only those in the union, and "
                    "write `nullable: true` on the field if it may be null",
                )
                return False
            return self._tags_apart(where, branches, tag)
        for i, (a, kinds_a) in enumerate(zip(branches, kinds, strict=True)):
            for b, kinds_b in zip(branches[i + 1 :], kinds[i + 1 :], strict=True):
                common = (kinds_a or _ALL_KINDS) & (kinds_b or _ALL_KINDS)
                if not common:
                    continue
                kind = sorted(common, key=list(_KIND_EXAMPLES).index)[0]
                if a == b:
                    self.run.error(
                        INVALID_UNION,
                        where.position,
                        f"{where.name} lists the branch {describe(a)} twice",
                        "remove the repeated branch",
                    )
                    return False
                self.run.error(
                    INVALID_UNION,
                    where.position,
                    f"the branches {describe(a)} and {describe(b)} of {where.name} both take "
                    f"{_KIND_EXAMPLES[kind]}: a value must match exactly one branch",
                    _overlap_hint(kind, kinds_a, kinds_b),
                )
                return False
        return True

    def _tags_apart(self, where: Where, branches: list[ir.TypeExpr], tag: str) -> bool:
        seen: dict[str, str] = {}
        for branch in branches:
            name = describe(branch)
            resolved = self.resolve(branch)
            if not isinstance(branch, ir.RefType) or not isinstance(resolved, ir.ObjectType):
                self.run.error(
                    INVALID_UNION,
                    where.position,
                    f"the branch {name} of {where.name} is no named object type",
                    "a tagged union's branches are named object types, each with the tag",
                )
                return False
            member = next((f for f in resolved.fields if f.name == tag), None)
            const = member.type if member is not None else None
            problem = (
                f"has no member '{tag}', the union's tag"
                if member is None
                else f"has the tag '{tag}' as an optional member"
                if not member.required or member.nullable
                else f"has a tag '{tag}' that is no string `const`"
                if not isinstance(const, ir.ConstType) or not isinstance(const.value, str)
                else None
            )
            if problem is not None:
                written = (
                    f"its `{tag}` is at {member.position}"
                    if member is not None and member.position is not None
                    else f"declared at {self.named[branch.name][0].key_position}"
                )
                self.run.error(
                    INVALID_UNION,
                    where.position,
                    f"the branch {name} of {where.name} {problem}",
                    f"give type {name} a required member `{tag}: {{const: <its name on the "
                    f"wire>}}` ({written}): the tag says which branch a value is",
                )
                return False
            assert isinstance(const, ir.ConstType) and isinstance(const.value, str)
            if const.value in seen:
                self.run.error(
                    INVALID_UNION,
                    where.position,
                    f"the branches {seen[const.value]} and {name} of {where.name} have the same "
                    f"tag {tag}: {const.value}",
                    "give each branch a tag value of its own",
                )
                return False
            seen[const.value] = name
        return True

    def kinds(self, expr: ir.TypeExpr) -> frozenset[str] | None:
        """The JSON kinds that values of ``expr`` may have (None: any kind); "number" takes
        the integers too."""
        if isinstance(expr, ir.RefType):
            if expr.name in self.building:  # a recursive reference, while it is built
                spec = self.named[expr.name][1]
                return frozenset({"object"}) if spec.get("type") == "object" else None
            resolved = self.resolve(expr)
            return None if resolved is None else self.kinds(resolved)
        if isinstance(expr, ir.UnionType):
            found: set[str] = set()
            for branch in expr.branches:
                kinds = self.kinds(branch)
                if kinds is None:
                    return None
                found |= kinds
            return frozenset(found)
        if isinstance(expr, ir.EnumType | ir.ConstType):
            values = expr.values if isinstance(expr, ir.EnumType) else (expr.value,)
            found = {json_kind(v) for v in values}
            return frozenset(found | ({"integer"} if "number" in found else set()))
        if isinstance(expr, ir.AnyType):
            return frozenset({"object"}) if expr.object_only else None
        simple: dict[type, frozenset[str]] = {
            ir.StringType: frozenset({"string"}),
            ir.BooleanType: frozenset({"boolean"}),
            ir.NullType: frozenset({"null"}),
            ir.ArrayType: frozenset({"array"}),
            ir.ObjectType: frozenset({"object"}),
            ir.MapType: frozenset({"object"}),
        }
        if isinstance(expr, ir.NumericType):
            return frozenset({"integer"} if expr.integer else {"integer", "number"})
        return simple[type(expr)]

    def _no_field_keys(self, where: Where, key: str | None, spec: Any, what: str) -> None:
        """Keys that say how a field is used do not apply to a part of a type."""
        at = where.child(key) if key is not None else where
        if isinstance(spec, dict):
            for found in (k for k in FIELD_ONLY_KEYS if k in spec):
                self.run.error(
                    MISPLACED_KEY,
                    at.child(found).key_position,
                    f"`{found}` does not apply to {what} ({where.name})",
                    f"`{found}` belongs to the field that holds it"
                    + (
                        " (write `X | null` for a value that may be null)"
                        if found == "nullable"
                        else ""
                    ),
                )

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
        self._no_field_keys(where, "items", items_spec, "the items of an array")
        self._ordered(where, spec, "minItems", "maxItems")
        items = self.type_expr(items_at, items_spec, title + "Item")
        if items is None:
            return None
        return ir.ArrayType(
            items, spec.get("minItems"), spec.get("maxItems"), bool(spec.get("uniqueItems", False))
        )

    def _type_by_name(
        self, where: Where, name: str, position: Position, title: str = ""
    ) -> ir.TypeExpr | None:
        """``where``: what has the type; ``position``: where its name is written."""
        if not name.strip():  # `type: ""`, or a side of `A | B` left empty
            self.run.error(
                UNKNOWN_TYPE,
                position,
                f"{where.name} has an empty type name",
                "write a type name (`string`, `RoomId`); in a union, one on each side of each "
                "`|`: `string | integer`",
            )
            return None
        if "|" in name:
            return self._union(where, {}, [(where, part.strip()) for part in name.split("|")])
        if name in PRIMITIVES:
            if name in ("array", "object", "map"):
                self.run.error(
                    INCOMPLETE_TYPE,
                    position,
                    f"{where.name}: '{name}' needs more than a name",
                    _bare_kind_hint(where.pointer, name),
                )
                return None
            return self.type_expr(where, {"type": name}, title)
        if name in self.named or name == "ErrorCode":
            return ir.RefType(name)
        if self.gaps.hides_type(name):
            return None  # it may be the broken type, reported already
        self.run.error(
            UNKNOWN_TYPE,
            position,
            f"{where.name} has the unknown type '{name}'",
            (
                "null is a branch of a union: write `X | null`, or `nullable: true` on the field"
                if name == "null"
                else None
            )
            or TYPE_SYNONYMS.get(name.lower())
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
        at = where.child("enum")
        values, spans = self._enum_values(where, spec["enum"])
        if values is None:
            return None
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
        for version in self.wire.supported:
            if not any(span.has(version) for span in spans):
                self.run.error(
                    WIRE_SPAN,
                    at.position,
                    f"the enum of {where.name} has no value in wire version {version}",
                    "keep at least one value in every supported version",
                )
                return None
        return ir.EnumType(tuple(values), tuple(spans) if set(spans) != {ir.ALWAYS} else ())

    def _enum_values(
        self, where: Where, written: list[Any]
    ) -> tuple[list[Any] | None, list[ir.Span]]:
        """The values of an enum and the wire versions of each (`{value: x, until: 1}`)."""
        at = where.child("enum")
        values, spans = [], []
        for i, item in enumerate(written):
            if not isinstance(item, dict):
                values.append(item)
                spans.append(ir.ALWAYS)
                continue
            extra = sorted(set(item) - {"value", "since", "until"})
            if "value" not in item or extra:
                self.run.error(
                    INVALID_ENUM,
                    at.child(i).position,
                    f"{where.name}: enum value {i + 1} is a mapping with "
                    + (f"`{extra[0]}`" if extra else "no `value`"),
                    "a value that is not in every wire version is written "
                    "`{value: delivered, until: 1}` (or `since:`); quote other mappings' text",
                )
                return None, []
            values.append(item["value"])
            what = f"{where.name}: enum value {json.dumps(item['value'])}"
            spans.append(read_span(self.run, at.child(i), item, self.wire, what))
        return values, spans

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
            span = read_span(self.run, at, options, self.wire, at.name)
            since = required_since(self.run, at, options, self.wire, span, at.name)
            required = bool(options.get("required", True)) and not has_default and since is None
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
                    span=span,
                    required_since=since,
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


def _bare_kind_hint(pointer: Pointer, kind: str) -> str:
    """What to write for `array`, `object` or `map` written as a name, by where it stands."""
    spec = {
        "array": "array, items: <type>}",
        "object": "object, fields: {…}}",
        "map": "map, values: <type>}",
    }[kind]
    container = pointer[-2] if len(pointer) > 1 else None
    if pointer[-1] == "type" and container in ("payload", "fields"):
        return spec_under_fields_hint(str(container), "type")
    if pointer[-1] == "payload":
        return (
            f"a payload's type is a name: declare `Names: {{type: {spec}` under `types:` and "
            "write `payload: Names`"
        )
    return f"write a mapping: `{{type: {spec}`" + (
        " (or `any_object` for any object)" if kind == "object" else ""
    )


def describe(expr: ir.TypeExpr) -> str:
    """A type as a definition writes it: 'Image', 'string', 'array'."""
    if isinstance(expr, ir.RefType):
        return f"'{expr.name}'"
    if isinstance(expr, ir.NumericType):
        return "integer" if expr.integer else "number"
    if isinstance(expr, ir.AnyType):
        return "any_object" if expr.object_only else "any"
    names = {
        ir.StringType: "string",
        ir.BooleanType: "boolean",
        ir.NullType: "null",
        ir.ArrayType: "array",
        ir.ObjectType: "object",
        ir.MapType: "map",
        ir.EnumType: "enum",
        ir.ConstType: "const",
        ir.UnionType: "union",
    }
    return names[type(expr)]


def _overlap_hint(kind: str, a: frozenset[str] | None, b: frozenset[str] | None) -> str:
    if a is None or b is None:
        return "`any` takes every value: write `any` alone, or name the kinds it may be"
    if kind == "integer":
        return "`number` takes every integer: write `number` alone"
    if kind == "array":
        return "write one array whose items are a union: `{type: array, items: A | B}`"
    if kind == "object":
        return (
            "name the object types and tell them apart with a `tag`: a member that each has as "
            "a `const`, such as `kind`"
        )
    return "keep one branch of each JSON kind; an enum or a const of the kind joins its branch"


def _finite(expr: ir.TypeExpr, finite: set[str]) -> bool:
    """Whether some value of ``expr`` is finite, given the named types known to have one."""
    if isinstance(expr, ir.RefType):
        return expr.name in finite or expr.name == "ErrorCode"
    if isinstance(expr, ir.ObjectType):
        return all(_finite(f.type, finite) for f in expr.fields if f.required and not f.nullable)
    if isinstance(expr, ir.ArrayType):
        return not expr.min_items or _finite(expr.items, finite)
    if isinstance(expr, ir.MapType):
        return not expr.min_entries or _finite(expr.values, finite)
    if isinstance(expr, ir.UnionType):
        return any(_finite(b, finite) for b in expr.branches)
    return True


def check_recursion(run: Run, named: list[ir.NamedType]) -> None:
    """A type may contain itself (a comment with replies) where a finite value still exists
    (through an array or a map that may be empty, an optional or a nullable field, a union),
    and through a named object type, which the generated code makes a class that can refer to
    itself."""
    by_name = {t.name: t for t in named}
    finite: set[str] = set()
    while True:
        more = {t.name for t in named if t.name not in finite and _finite(t.type, finite)}
        if not more:
            break
        finite |= more
    reported: set[str] = set()
    for t in named:
        if t.name in finite or t.name in reported:
            continue
        loop = _loop(t.name, by_name, finite)
        reported.update(loop)
        run.error(
            TYPE_CYCLE,
            by_name[loop[0]].position,
            f"type '{loop[0]}' contains itself in members that must be there: "
            f"{' → '.join((*loop, loop[0]))}; no value of it could ever end",
            "make one member of the cycle optional (`required: false`) or nullable, or an "
            "array or a map that may be empty",
        )
    state: dict[str, str] = {}  # name → "open" while its references are followed, then "done"

    def visit(name: str, path: tuple[str, ...]) -> None:
        if name not in by_name or state.get(name) == "done":
            return
        if state.get(name) == "open":
            loop = path[path.index(name) :]
            if not any(isinstance(by_name[n].type, ir.ObjectType) for n in loop):
                run.error(
                    TYPE_CYCLE,
                    by_name[loop[0]].position,
                    f"type '{loop[0]}' contains itself with no object in between: "
                    f"{' → '.join((*loop, name))}",
                    "let the cycle go through a named object type (a node with its children), "
                    "which the generated code makes a class that can refer to itself",
                )
            return
        state[name] = "open"
        for ref in ir.refs(by_name[name].type):
            visit(ref, (*path, name))
        state[name] = "done"

    for t in named:
        visit(t.name, ())


def _loop(name: str, by_name: dict[str, ir.NamedType], finite: set[str]) -> list[str]:
    """The cycle of types without a finite value that a value of ``name`` runs into."""

    def required(expr: ir.TypeExpr) -> Iterable[str]:
        if isinstance(expr, ir.RefType) and expr.name in by_name and expr.name not in finite:
            yield expr.name
        elif isinstance(expr, ir.ObjectType):
            for f in expr.fields:
                if f.required and not f.nullable:
                    yield from required(f.type)
        elif isinstance(expr, ir.ArrayType) and expr.min_items:
            yield from required(expr.items)
        elif isinstance(expr, ir.MapType) and expr.min_entries:
            yield from required(expr.values)
        elif isinstance(expr, ir.UnionType):  # none of its branches ends: follow the first
            yield from required(expr.branches[0])

    path = [name]
    while (following := next(iter(required(by_name[path[-1]].type)), None)) not in path:
        if following is None:
            return path
        path.append(following)
    return path[path.index(following) :]

"""Check definition files and build the IR.

Two phases, each reporting every problem it finds: the structure of each file against the
definition format's own JSON Schema (``wirebook.structure``), then the meaning of the whole
protocol (names, references, constraints that make sense together). Examples are checked
afterwards, against the emitted schemas (see ``wirebook.verify``).
"""

from __future__ import annotations

import builtins
import copy
import json
import keyword
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wirebook import ir, patterns
from wirebook.diagnostics import DefinitionError, Diagnostic, Position, did_you_mean
from wirebook.lint import RULES
from wirebook.load import Document, Pointer, load_file
from wirebook.problems import json_kind
from wirebook.problems import pointer as json_pointer
from wirebook.structure import SECTIONS, check_structure, definition_schema, place

__all__ = ["definition_files", "definition_schema", "load_protocol", "pascal"]

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
# Class names made by wirebook, and names the generated Python modules define or import: a
# message or type of the same name would shadow them (`field` → `Field`, pydantic's `Field`).
WIREBOOK_NAMES = ("ClientMessage", "ServerMessage", "ErrorCode")
GENERATED_CODE_NAMES = (
    frozenset(
        (  # noqa: SIM905 - a list of words reads better than thirty quoted names
            "ABC Any Awaitable BaseModel C Callable ClassVar ClientHandlers ConfigDict "
            "Connection Field Generic Handler Handlers IncomingMessage Literal MISSING Mapping "
            "OutgoingMessage Protocol ProtocolError RootModel StrEnum StrictBool StrictFloat "
            "StrictInt StrictStr "
            "TypeAdapter TypeVar ValidationError WireModel"
        ).split()
    )
    | {name for name in dir(builtins) if name[:1].isupper()}
)  # None, True, Exception…
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
# The envelope's own members; the correlation field sits beside them.
ENVELOPE_FIELDS = ("v", "type", "payload")
# The pattern wirebook pairs with each supported `format`, so that every validator (even one that
# treats `format` as an annotation, as JSON Schema 2020-12 does by default) checks the same thing.
_DATE = "[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
FORMAT_PATTERNS = {
    "uuid": "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$",
    "date": f"^{_DATE}$",
    "date-time": f"^{_DATE}[Tt]([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\\.[0-9]+)?"
    "([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$",
}


def pascal(name: str) -> str:
    """``join_room`` → ``JoinRoom``; ``user-left`` → ``UserLeft``."""
    parts = re.split(r"[^A-Za-z0-9]+", name)
    return "".join(p[:1].upper() + p[1:] for p in parts if p)


@dataclass
class _Run:
    """Collects diagnostics while the protocol is put together."""

    diagnostics: list[Diagnostic] = field(default_factory=list)

    def error(self, position: Position | None, message: str, hint: str) -> None:
        self.diagnostics.append(Diagnostic(position, message, hint))

    @property
    def failed(self) -> bool:
        return any(d.is_error for d in self.diagnostics)


@dataclass(frozen=True)
class _Where:
    """A place in one document, for building IR and reporting on it."""

    doc: Document
    pointer: Pointer

    def child(self, *keys: str | int) -> _Where:
        return _Where(self.doc, (*self.pointer, *keys))

    @property
    def position(self) -> Position:
        return self.doc.at(self.pointer)

    @property
    def key_position(self) -> Position:
        return self.doc.key_at(self.pointer)

    @property
    def name(self) -> str:
        """What is here, in the format's words: "client message 'chat', field 'room_id'"."""
        return place(self.doc, self.pointer)


# ---------------------------------------------------------------- what broken parts hide


@dataclass
class _Gaps:
    """What the reported structural problems left out of the meaning checks.

    Broken values are taken out before the meaning checks run, so that those checks see only
    well-formed data and still report everything else; a check whose answer depends on what was
    taken out (is `Foo` a type? is there a server `error`?) stays quiet instead of guessing.
    """

    types: set[str] = field(default_factory=set)
    messages: set[tuple[str, str]] = field(default_factory=set)  # (direction, type)
    fields: set[tuple[str, str, str]] = field(default_factory=set)  # (direction, type, name|*)
    codes: set[str] = field(default_factory=set)
    protocol_keys: set[str] = field(default_factory=set)  # "" for the whole section
    all_types: bool = False
    all_messages: set[str] = field(default_factory=set)  # directions
    all_codes: bool = False

    def everything(self) -> None:
        """A whole file is unreadable: it may have held anything."""
        self.all_types = self.all_codes = True
        self.all_messages.update(ir.DIRECTIONS)
        self.protocol_keys.add("")

    def hides_type(self, name: str) -> bool:
        return self.all_types or name in self.types

    def hides_message(self, direction: str, type_: str) -> bool:
        return direction in self.all_messages or (direction, type_) in self.messages

    def hides_field(self, direction: str, type_: str, name: str) -> bool:
        return bool({(direction, type_, name), (direction, type_, "*")} & self.fields)

    def hides_code(self, code: str) -> bool:
        return self.all_codes or code in self.codes


def _unit(pointer: Pointer) -> Pointer:
    """The smallest part that is checked on its own: a field, an example, a type, a message."""
    section = pointer[0]
    if section in ("client", "server") and len(pointer) > 2:
        if pointer[2] in ("payload", "examples", "invalid") and len(pointer) > 3:
            return pointer[:4]
        return pointer[:2] if pointer[2] == "type" else pointer[:3]
    return pointer[:2]


def _without(doc: Document, broken: set[Pointer], gaps: _Gaps) -> Document:
    """A copy of ``doc`` without the parts that ``broken`` points into, noted in ``gaps``."""
    data = copy.deepcopy(doc.data)
    for unit in sorted({_unit(p) for p in broken if p}, key=len):
        parent: Any = data
        for step in unit[:-1]:
            parent = _child(parent, step)
        last = unit[-1]
        present = last in parent if isinstance(parent, dict) else _child(parent, last) is not None
        if not present:
            continue  # inside a part that was taken out already
        _note(gaps, data, unit)
        if isinstance(parent, dict):
            del parent[last]
        else:
            parent[last] = None  # keep the indices (positions) of the other items
    return Document(doc.file, data, doc.values, doc.keys, doc.broken)


def _child(value: Any, step: str | int) -> Any:
    if isinstance(value, dict):
        return value.get(step)
    if isinstance(value, list) and isinstance(step, int) and 0 <= step < len(value):
        return value[step]
    return None


def _note(gaps: _Gaps, data: dict[str, Any], unit: Pointer) -> None:
    section = unit[0]
    name = str(unit[1]) if len(unit) > 1 else ""
    if section == "protocol":
        gaps.protocol_keys.add(name)
    elif section == "errors" and name:
        gaps.codes.add(name)
    elif section == "errors":
        gaps.all_codes = True
    elif section == "types" and name:
        gaps.types.add(name)
    elif section == "types":
        gaps.all_types = True
    elif section in ("client", "server"):
        message = data[section][unit[1]] if len(unit) > 1 else None
        type_ = message.get("type") if isinstance(message, dict) else None
        if not isinstance(type_, str):
            gaps.all_messages.add(str(section))
        elif len(unit) == 2:
            gaps.messages.add((str(section), type_))
        elif unit[2] == "payload":
            gaps.fields.add((str(section), type_, str(unit[3]) if len(unit) > 3 else "*"))
    elif section not in SECTIONS:  # an unknown section (`clients:`, `messages:`) may hold them
        gaps.all_messages.update(ir.DIRECTIONS)


# ---------------------------------------------------------------- meaning


class _Builder:
    def __init__(self, run: _Run, gaps: _Gaps) -> None:
        self.run = run
        self.gaps = gaps
        self.named: dict[str, tuple[_Where, Any]] = {}
        self.built: dict[str, ir.TypeExpr | None] = {}
        self.titles: dict[str, tuple[str, Position]] = {}
        self.error_codes: list[ir.ErrorCode] = []

    def claim_title(self, title: str, what: str, position: Position) -> bool:
        """Every generated class name must be unique; two things must not both make `Foo`."""
        if title in WIREBOOK_NAMES or title in GENERATED_CODE_NAMES:
            self.run.error(
                position,
                f"{what} would make the class name '{title}', which the generated "
                "Python code already uses",
                (
                    "rename it: ClientMessage, ServerMessage and ErrorCode are made by wirebook"
                    if title in WIREBOOK_NAMES
                    else "rename it: a generated class must not hide a name that the generated "
                    "modules import or define (Field, Literal, BaseModel, Connection, …)"
                ),
            )
            return False
        if title in self.titles:
            first, at = self.titles[title]
            self.run.error(
                position,
                f"{what} would make the class name '{title}', "
                f"which {first} makes already (at {at})",
                "rename one of the two so that their generated class names differ",
            )
            return False
        self.titles[title] = (what, position)
        return True

    # ---- types

    def named_type(self, name: str) -> ir.TypeExpr | None:
        """The IR of a named type, built once (it is reported once if broken)."""
        if name not in self.built:
            at, spec = self.named[name]
            self.built[name] = self.type_expr(at, spec, name, claim=False)
        return self.built[name]

    def type_expr(
        self, where: _Where, spec: Any, title: str, claim: bool = True
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
                where.position,
                f"{where.name} is an object without `fields`",
                "list its fields under `fields:`, or use a named type",
            )
            return None
        if claim and not self.claim_title(title, where.name, where.position):
            return None
        return ir.ObjectType(self.fields(where.child("fields"), spec["fields"], title))

    def _exact_numbers(self, where: _Where, spec: dict[str, Any]) -> None:
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
                        at.position,
                        f"{at.name} is {text}, which JavaScript reads rounded "
                        f"(whole numbers are exact only within ±{MAX_SAFE_INTEGER})",
                        "JavaScript's JSON parsers read numbers as doubles: use a string with "
                        "a pattern for 64-bit ids, or a "
                        + ("bound" if key in NUMERIC_BOUNDS else "value")
                        + f" within ±{MAX_SAFE_INTEGER}",
                    )

    def _array(self, where: _Where, spec: dict[str, Any], title: str) -> ir.TypeExpr | None:
        if "items" not in spec:
            self.run.error(
                where.position,
                f"{where.name} is an array without `items`",
                "add `items: <type>`, such as `items: string`",
            )
            return None
        items_at, items_spec = where.child("items"), spec["items"]
        if isinstance(items_spec, dict):
            for key in (k for k in FIELD_ONLY_KEYS if k in items_spec):
                self.run.error(
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

    def _type_by_name(self, where: _Where, name: str, position: Position) -> ir.TypeExpr | None:
        """``where``: what has the type; ``position``: where its name is written."""
        if name in PRIMITIVES:
            if name in ("array", "object"):
                self.run.error(
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
            position,
            f"{where.name} has the unknown type '{name}'",
            TYPE_SYNONYMS.get(name.lower())
            or did_you_mean(name, [*PRIMITIVES, *self.named, *self.gaps.types, "ErrorCode"]),
        )
        return None

    def _only_keys(self, where: _Where, spec: dict[str, Any], allowed: set[str], what: str) -> None:
        for key in spec:
            if key in CONSTRAINT_KEYS | {"enum", "const"} and key not in allowed:
                kinds = [k for k, keys in KEYS_BY_KIND.items() if key in keys]
                applies = f"applies to {' and '.join(kinds)}" if kinds else "stands alone"
                self.run.error(
                    where.child(key).key_position,
                    f"`{key}` does not apply to {what} ({where.name})",
                    f"`{key}` {applies}: remove it or change the type"
                    + (
                        " (a named type's constraints are set where it is declared)"
                        if what.startswith("the named")
                        else ""
                    ),
                )

    def _enum(self, where: _Where, spec: dict[str, Any]) -> ir.TypeExpr | None:
        self._only_keys(where, spec, {"enum", "type"}, "an enum")
        values = spec["enum"]
        at = where.child("enum")
        kinds = {json_kind(v) for v in values}
        if "null" in kinds:
            self.run.error(
                at.position,
                f"the enum of {where.name} lists null",
                "remove null from the values and write `nullable: true` on the field",
            )
            return None
        if kinds not in ({"string"}, {"integer"}, {"number"}, {"integer", "number"}):
            found = ", ".join(sorted(kinds))
            self.run.error(
                at.position,
                f"the enum of {where.name} mixes kinds of values ({found})",
                "list only strings or only numbers; quote numbers meant as text",
            )
            return None
        repeated = sorted({json.dumps(v) for v in values if values.count(v) > 1})
        if repeated:
            self.run.error(
                at.position,
                f"the enum of {where.name} lists {', '.join(repeated)} more than once",
                "remove the repeated values",
            )
            return None
        kind = "string" if kinds == {"string"} else "integer" if kinds == {"integer"} else "number"
        if not self._declared_type_fits(where, spec, kind, f"enum values are {kind}s"):
            return None
        return ir.EnumType(tuple(values))

    def _const(self, where: _Where, spec: dict[str, Any]) -> ir.TypeExpr | None:
        self._only_keys(where, spec, {"const", "type"}, "a const")
        value = spec["const"]
        if not self._declared_type_fits(where, spec, json_kind(value), "const is {}"):
            return None
        return ir.ConstType(value)

    def _declared_type_fits(
        self, where: _Where, spec: dict[str, Any], kind: str, found: str
    ) -> bool:
        """An enum's or a const's `type:`, if written, must be what its values are."""
        declared = spec.get("type")
        if declared is None or declared == kind or (declared, kind) == ("number", "integer"):
            return True
        self.run.error(
            where.child("type").position,
            f"{where.name} has `type: {declared}` but its {found.format(kind)}",
            "make the values match the type, or drop `type:` (the values say what they are)",
        )
        return False

    def _string(self, where: _Where, spec: dict[str, Any]) -> ir.TypeExpr | None:
        self._ordered(where, spec, "minLength", "maxLength")
        pattern = spec.get("pattern")
        fmt = spec.get("format")
        if fmt is not None:
            if pattern is not None:
                self.run.error(
                    where.child("pattern").key_position,
                    f"{where.name} has both `pattern` and `format`",
                    f"format {fmt} brings its own pattern: keep one of the two",
                )
                return None
            pattern = FORMAT_PATTERNS[fmt]
        elif pattern is not None and not self._pattern_ok(where, pattern):
            return None
        return ir.StringType(spec.get("minLength"), spec.get("maxLength"), pattern, fmt)

    def _pattern_ok(self, where: _Where, pattern: str) -> bool:
        try:
            patterns.compile(pattern)
        except patterns.PatternError as exc:
            self.run.error(
                where.child("pattern").position,
                f"the pattern of {where.name} {exc.message}",
                exc.hint,
            )
            return False
        return True

    def _numeric(self, where: _Where, spec: dict[str, Any], integer: bool) -> ir.TypeExpr:
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
        self, where: _Where, spec: dict[str, Any], low: str, high: str, strict: bool = False
    ) -> None:
        if (
            low in spec
            and high in spec
            and (spec[low] >= spec[high] if strict else spec[low] > spec[high])
        ):
            self.run.error(
                where.child(high).position,
                f"{where.name}: {high} ({spec[high]}) is below {low} ({spec[low]})"
                if spec[low] > spec[high]
                else f"{where.name}: {high} ({spec[high]}) equals {low} ({spec[low]})",
                "no value could be valid; fix one of the two bounds",
            )

    def fields(self, where: _Where, specs: dict[str, Any], owner: str) -> tuple[ir.Field, ...]:
        result = []
        for name, spec in specs.items():
            at = where.child(name)
            title = owner + pascal(name)
            expr = self.type_expr(at, spec, title)
            if expr is None:
                continue
            if isinstance(expr, ir.EnumType) and not self.claim_title(
                title, at.name, at.key_position
            ):
                continue
            options = spec if isinstance(spec, dict) else {}
            has_default = "default" in options
            if has_default and options.get("required") is True:
                self.run.error(
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


def _sections(docs: list[Document], name: str) -> Iterable[tuple[_Where, Any]]:
    for doc in docs:
        if name in doc.data:
            yield _Where(doc, (name,)), doc.data[name]


def _items(docs: list[Document], name: str) -> Iterable[tuple[_Where, Any]]:
    """The entries of every list section ``name``, but those taken out as broken."""
    for section, items in _sections(docs, name):
        yield from ((section.child(i), item) for i, item in enumerate(items) if item is not None)


def _build(
    run: _Run, docs: list[Document], sources: tuple[str, ...], gaps: _Gaps
) -> ir.Protocol | None:
    builder = _Builder(run, gaps)
    protocols = list(_sections(docs, "protocol"))
    if not protocols and "" not in gaps.protocol_keys:
        run.error(
            Position(docs[0].file, 1, 1),
            "no file has a `protocol:` section",
            "add `protocol: {name, title, version, base_uri}` to one file",
        )
    if not protocols or not docs:
        if not docs or "" not in gaps.protocol_keys:
            return None
        protocols = [(_Where(docs[0], ("protocol",)), {})]  # broken: check the rest all the same
    for extra, _ in protocols[1:]:
        run.error(
            extra.key_position,
            f"a second `protocol:` section (the first is in {protocols[0][0].doc.file})",
            "a protocol has one `protocol:` section: merge the two into one file",
        )
    where, spec = protocols[0]

    codes: dict[str, Position] = {}
    for section, errors in _sections(docs, "errors"):
        for code, description in errors.items():
            code_at = section.child(code).key_position
            if code in codes:
                run.error(
                    code_at,
                    f"error code {code} is declared twice (first at {codes[code]})",
                    "keep one of them",
                )
                continue
            codes[code] = code_at
            builder.error_codes.append(ir.ErrorCode(code, description))
    for section, types in _sections(docs, "types"):
        for name, type_spec in types.items():
            at = section.child(name)
            if name in builder.named:
                first = builder.named[name][0].key_position
                run.error(
                    at.key_position,
                    f"type '{name}' is declared twice (first at {first})",
                    "keep one of them, or rename one",
                )
                continue
            builder.claim_title(name, f"type '{name}'", at.key_position)
            builder.named[name] = (at, type_spec)
    named = []
    for name, (at, type_spec) in builder.named.items():
        expr = builder.named_type(name)
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
    _check_cycles(run, named)
    named.append(
        ir.NamedType(
            "ErrorCode",
            ir.EnumType(tuple(c.code for c in builder.error_codes)),
            "Codes carried by `error` messages.",
            position=None,
        )
    )

    wire = spec.get("wire", {})
    supported = tuple(wire.get("supported", [wire.get("current", 1)]))
    current = wire.get("current", max(supported))
    if current not in supported:
        run.error(
            where.child("wire", "current").position,
            f"the current wire version {current} is not among the supported {list(supported)}",
            f"add {current} to `supported`, or change `current`",
        )
    envelope = spec.get("envelope", {})
    correlation = envelope.get("correlation", "ref")
    if {"", "envelope"} & gaps.protocol_keys or (
        correlation is not None
        and not _correlation_ok(run, where.child("envelope", "correlation"), correlation)
    ):
        correlation = None  # broken and reported: checking `ack` for it would only guess
    _check_lint_ignore(run, where.child("lint", "ignore"), spec)

    raw_messages = [
        (direction, at, m) for direction in ir.DIRECTIONS for at, m in _items(docs, direction)
    ]
    both_ways = {m["type"] for d, _, m in raw_messages if d == "client"} & {
        m["type"] for d, _, m in raw_messages if d == "server"
    }
    messages: list[ir.Message] = []
    seen: dict[tuple[str, str], Position] = {}
    folded: dict[tuple[str, str], tuple[str, Position]] = {}
    for direction, at, m in raw_messages:
        key = (direction, m["type"])
        if key in seen:
            run.error(
                at.child("type").position,
                f"{direction} message '{m['type']}' is defined twice (first at {seen[key]})",
                "a message is identified by its direction and type: merge the two or rename one",
            )
            continue
        seen[key] = at.child("type").position
        if not _file_name_ok(run, direction, at.child("type"), m["type"], folded):
            continue
        messages.append(_message(builder, direction, at, m, both_ways))
    # The server always has `error` (the dispatch needs it); clients must have something to send.
    if "client" not in {d for d, _ in [*seen, *gaps.messages]} | gaps.all_messages:
        run.error(
            next((s.key_position for s, _ in _sections(docs, "client")), where.key_position),
            "the protocol has no client messages",
            "declare at least one under `client:`: the generated dispatch routes what clients "
            "send to their handlers, and a union of no messages would accept nothing",
        )

    _check_replies(run, gaps, messages, {(d, m["type"]): at for d, at, m in raw_messages})
    _check_dispatch_needs(run, builder, docs, messages, raw_messages, correlation, where)

    invalid = tuple(
        _invalid(run, at, item, item["direction"], None) for at, item in _items(docs, "invalid")
    )
    if run.failed:
        return None
    return ir.Protocol(
        name=spec["name"],
        title=spec["title"],
        description=spec.get("description", ""),
        version=spec["version"],
        base_uri=spec["base_uri"],
        wire_current=current,
        wire_supported=supported,
        correlation=correlation,
        allow_unknown_fields=envelope.get("unknown_fields", "reject") == "allow",
        error_codes=tuple(builder.error_codes),
        types=tuple(named),
        messages=tuple(messages),
        invalid=invalid,
        sources=sources,
        lint_ignore=tuple(spec.get("lint", {}).get("ignore", [])),
        position=where.key_position,
    )


def _correlation_ok(run: _Run, at: _Where, name: str) -> bool:
    """The correlation field is an envelope member and a Python attribute of every message."""
    if name in ENVELOPE_FIELDS:
        run.error(
            at.position,
            f"the correlation field cannot be named '{name}': the envelope has that member already",
            "choose another name, such as `ref`",
        )
        return False
    if keyword.iskeyword(name) or name.startswith("model_"):
        run.error(
            at.position,
            f"the correlation field cannot be named '{name}': the generated "
            "Python models use that name",
            "choose another name, such as `ref`",
        )
        return False
    return True


# Names Windows keeps for devices, with any extension and in any case (`nul.schema.json`).
_WINDOWS_DEVICES = frozenset(
    ("con", "prn", "aux", "nul", *(f"{port}{n}" for port in ("com", "lpt") for n in range(10)))
)


def _file_name_ok(
    run: _Run,
    direction: str,
    at: _Where,
    type_: str,
    folded: dict[tuple[str, str], tuple[str, Position]],
) -> bool:
    """Each message has its schema file `<direction>/<type>.schema.json`: a name every file
    system can hold and that no other type of the direction shares, whatever its case."""
    device = type_.split(".")[0].lower()
    if device in _WINDOWS_DEVICES:
        run.error(
            at.position,
            f"{direction} message type '{type_}' cannot name a file on Windows: "
            f"{device.upper()} is a device name there",
            "each message has its schema file `<direction>/<type>.schema.json`, and Windows "
            "keeps CON, PRN, AUX, NUL, COM0-9 and LPT0-9 (in any case, with any extension) for "
            "devices: rename the type",
        )
        return False
    other = folded.setdefault((direction, type_.casefold()), (type_, at.position))
    if other[0] != type_:
        run.error(
            at.position,
            f"{direction} message types '{type_}' and '{other[0]}' (at {other[1]}) differ only "
            "by case: their schema files are one file on macOS and Windows",
            "rename one of the two (the types of one direction differ by more than case)",
        )
        return False
    return True


def _check_lint_ignore(run: _Run, at: _Where, owner: dict[str, Any]) -> None:
    known = [rule.id for rule in RULES]
    for i, rule_id in enumerate(owner.get("lint", {}).get("ignore", [])):
        if rule_id not in known:
            run.error(
                at.child(i).position,
                f"there is no lint rule {rule_id}",
                did_you_mean(rule_id, known) + " (`wirebook check --help` lists the rules)",
            )


def _message(
    builder: _Builder, direction: ir.Direction, at: _Where, m: dict[str, Any], both_ways: set[str]
) -> ir.Message:
    type_ = m["type"]
    what = f"{direction} message '{type_}'"
    type_position = at.child("type").position
    class_name = (pascal(direction) if type_ in both_ways else "") + pascal(type_)
    if builder.claim_title(class_name, what, type_position):
        builder.claim_title(class_name + "Payload", f"the payload of {what}", type_position)
    _check_lint_ignore(builder.run, at.child("lint", "ignore"), m)
    fields = builder.fields(at.child("payload"), m.get("payload", {}), class_name + "Payload")
    examples = []
    for i, example in enumerate(m.get("examples", [])):
        if example is None:  # broken, and reported
            continue
        ex_at = at.child("examples", i)
        has_message, has_payload = "message" in example, "payload" in example
        if has_message == has_payload:
            builder.run.error(
                ex_at.position,
                f"{ex_at.name} has {'both' if has_message else 'neither'} `message` "
                f"{'and' if has_message else 'nor'} `payload`",
                "write the whole wire message under `message:`, or only its payload under "
                "`payload:`",
            )
            continue
        wire = example["message"] if has_message else {"type": type_, "payload": example["payload"]}
        written = ex_at.child("message" if has_message else "payload")
        examples.append(
            ir.Example(
                example.get("name", f"example {i + 1}"),
                wire,
                ex_at.position,
                _members(written, "" if has_message else "/payload"),
            )
        )
    invalid = tuple(
        _invalid(builder.run, at.child("invalid", i), item, direction, type_)
        for i, item in enumerate(m.get("invalid", []))
        if item is not None
    )
    return ir.Message(
        direction=direction,
        type=type_,
        class_name=class_name,
        payload_class_name=class_name + "Payload",
        summary=m.get("summary", ""),
        description=m.get("description", ""),
        fields=fields,
        replies=tuple(m.get("replies", [])),
        deprecated=m.get("deprecated", False),
        examples=tuple(examples),
        invalid=invalid,
        lint_ignore=tuple(m.get("lint", {}).get("ignore", [])),
        position=type_position,
    )


def _members(at: _Where, prefix: str) -> tuple[tuple[str, Position], ...]:
    """JSON pointer (within the wire message) → position, for every value written under ``at``."""
    found: list[tuple[str, Position]] = []

    def walk(value: Any, path: Pointer) -> None:
        if (position := at.doc.values.get((*at.pointer, *path))) is not None:
            found.append((prefix + json_pointer(path), position))
        children = (
            value.items()
            if isinstance(value, dict)
            else enumerate(value)
            if isinstance(value, list)
            else ()
        )
        for key, child in children:
            walk(child, (*path, key))

    value = at.doc.data
    for step in at.pointer:
        value = _child(value, step)
    walk(value, ())
    return tuple(found)


def _invalid(
    run: _Run, at: _Where, item: dict[str, Any], direction: ir.Direction, type_: str | None
) -> ir.InvalidExample:
    allowed = ("message", "payload", "raw") if type_ is not None else ("message", "raw")
    forms = [k for k in allowed if k in item]
    if len(forms) != 1:
        keys = [f"`{f}`" for f in forms or allowed]
        listed = ", ".join(keys[:-1]) + f" {'and' if forms else 'or'} {keys[-1]}"
        run.error(
            at.position,
            f"{at.name} has {listed}" if forms else f"{at.name} has no {listed}",
            "write exactly one of them: the message that must be rejected (`raw` for text "
            "that is not JSON)",
        )
    form = forms[0] if forms else "message"
    message = item.get(form)
    if form == "payload":
        message = {"type": type_, "payload": item["payload"]}
    expect = item["expect"]
    return ir.InvalidExample(
        name=item.get("name", f"invalid {at.pointer[-1]}"),
        direction=direction,
        pointer=expect["pointer"],
        keyword=expect["keyword"],
        message=None if form == "raw" else message,
        raw=item.get("raw"),
        position=at.position,
    )


def _check_replies(
    run: _Run, gaps: _Gaps, messages: list[ir.Message], places: dict[tuple[str, str], _Where]
) -> None:
    for message in messages:
        other: ir.Direction = "server" if message.direction == "client" else "client"
        known = [m.type for m in messages if m.direction == other]
        known += [t for d, t in gaps.messages if d == other]  # broken, but named
        for i, reply in enumerate(message.replies):
            if reply not in known and not gaps.hides_message(other, reply):
                at = places[message.key].child("replies", i)
                run.error(
                    at.position,
                    f"{message.direction} message '{message.type}' replies with '{reply}', "
                    f"which is not a {other} message",
                    did_you_mean(reply, known) if known else f"declare it under `{other}:`",
                )


def _check_cycles(run: _Run, named: list[ir.NamedType]) -> None:
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


@dataclass(frozen=True)
class _FieldNeed:
    """A payload field that the generated dispatch fills in itself."""

    name: str
    fits: Callable[[ir.TypeExpr], bool]
    what: str  # "a required string"
    snippet: str  # how to declare it
    required: bool | None  # None: either way


def _check_dispatch_needs(
    run: _Run,
    builder: _Builder,
    docs: list[Document],
    messages: list[ir.Message],
    raw_messages: list[tuple[ir.Direction, _Where, Any]],
    correlation: str | None,
    protocol: _Where,
) -> None:
    """The generated dispatch sends `error` (and `ack`) messages of a known shape."""
    gaps = builder.gaps
    declared = {c.code for c in builder.error_codes}
    missing = [c for c in ir.DISPATCH_ERROR_CODES if c not in declared and not gaps.hides_code(c)]
    if missing:
        several = len(missing) > 1
        run.error(
            next((s.key_position for s, _ in _sections(docs, "errors")), protocol.key_position),
            f"error code{'s' * several} {', '.join(missing)} {'are' if several else 'is'} "
            "not declared",
            "the generated dispatch sends "
            + "; ".join(f"{c} when {ir.DISPATCH_ERROR_CODES[c]}" for c in missing)
            + f": declare {'them' if several else 'it'} under `errors:`",
        )

    def string(expr: ir.TypeExpr) -> bool:
        return isinstance(builder.resolve(expr), ir.StringType)

    def status(expr: ir.TypeExpr) -> bool:
        resolved = builder.resolve(expr)
        values = set(map(str, resolved.values)) if isinstance(resolved, ir.EnumType) else set()
        return {"ok", "error"} <= values

    shapes = {
        "error": [
            _FieldNeed("message", string, "a required string", "message: {type: string}", True),
            _FieldNeed(
                "code",
                lambda e: e == ir.RefType("ErrorCode"),
                "of type ErrorCode",
                "code: {type: ErrorCode, required: false}",
                None,
            ),
        ],
    }
    if correlation:
        shapes["ack"] = [
            _FieldNeed(
                correlation,
                string,
                "a required string (the client's correlation id)",
                f"{correlation}: {{type: string}}",
                True,
            ),
            _FieldNeed(
                "status",
                status,
                "a required enum that includes ok and error",
                "status: {enum: [ok, error]}",
                True,
            ),
            _FieldNeed(
                "message",
                string,
                "an optional string (why it failed)",
                "message: {type: string, required: false}",
                False,
            ),
        ]
    server_at = next((s.key_position for s, _ in _sections(docs, "server")), protocol.key_position)
    by_key = {m.key: m for m in messages}
    raw_payloads = {(d, m["type"]): m.get("payload", {}) for d, _, m in raw_messages}
    for type_, needs in shapes.items():
        message = by_key.get(("server", type_))
        if message is None and gaps.hides_message("server", type_):
            continue
        if message is None:
            run.error(
                server_at,
                f"the protocol has no server message '{type_}'",
                f"the generated dispatch sends it: declare `- type: {type_}` under `server:` "
                "with the fields "
                + ", ".join(f"`{need.snippet}`" for need in needs)
                + (" (or set `envelope: {correlation: null}`: no acks)" if type_ == "ack" else ""),
            )
            continue
        fields = {f.name: f for f in message.fields}
        for need in needs:
            found = fields.get(need.name)
            if found is None and (
                need.name in raw_payloads[message.key]
                or gaps.hides_field("server", type_, need.name)
            ):
                continue  # the field is there but broken, and reported
            if found is None:
                run.error(
                    message.position,
                    f"server message '{type_}' has no field '{need.name}'",
                    f"the generated dispatch fills it in: add `{need.snippet}` to its payload",
                )
            elif not need.fits(found.type) or need.required not in (None, found.required):
                run.error(
                    found.position,
                    f"field '{need.name}' of server message '{type_}' must be {need.what}",
                    f"the generated dispatch fills it in: write `{need.snippet}`",
                )


def definition_files(schema_dir: Path) -> list[Path]:
    """Every `*.yaml` and `*.yml` file of the folder, whatever the case of the extension; a
    broken link too (reading it says what is wrong), never a pipe, which would never end."""
    return sorted(
        p
        for p in schema_dir.iterdir()
        if p.suffix.lower() in (".yaml", ".yml")
        and (p.is_file() or (p.is_symlink() and not p.exists()))
    )


def _display(schema_dir: Path, path: Path) -> str:
    """How messages name a definition file: `schema/client.yaml`."""
    return f"{schema_dir.as_posix().rstrip('/')}/{path.name}"


def _same_name(run: _Run, files: list[Path], schema_dir: Path) -> set[Path]:
    """Two files of one name (`client.yaml` and `client.yml`, or `Client.yaml`): one is most
    likely a stale copy, and macOS and Windows keep only one of a pair that differs by case.
    The files after the first of each name are reported and left unread."""
    first: dict[str, Path] = {}
    left_out: set[Path] = set()
    for path in files:
        other = first.setdefault(path.stem.casefold(), path)
        if other is path:
            continue
        left_out.add(path)
        by_case = path.stem != other.stem
        name, first_name = _display(schema_dir, path), _display(schema_dir, other)
        run.error(
            Position(name, 1, 1),
            f"{name} and {first_name} are two definition files with "
            + ("names that differ only by case" if by_case else "the same name"),
            "merge them into one file and delete the other: "
            + (
                "macOS and Windows cannot hold both"
                if by_case
                else "wirebook reads every .yaml and .yml file, so both would count"
            ),
        )
    return left_out


def load_protocol(schema_dir: Path) -> ir.Protocol:
    """Load, check and build; raise DefinitionError with every problem found."""
    run = _Run()
    if not schema_dir.is_dir():
        raise DefinitionError(
            [
                Diagnostic(
                    None,
                    f"no definitions folder at {schema_dir}",
                    "pass --schema DIR, the folder of your *.yaml files",
                )
            ]
        )
    files = definition_files(schema_dir)
    if not files:
        raise DefinitionError(
            [
                Diagnostic(
                    None,
                    f"no definition files (*.yaml, *.yml) in {schema_dir}",
                    "pass --schema DIR, the folder of your *.yaml files, or create one with a "
                    "`protocol:` section",
                )
            ]
        )
    docs, gaps = [], _Gaps()
    left_out = _same_name(run, files, schema_dir)
    if left_out:
        gaps.everything()  # what the files left unread hold is unknown
    for path in files:
        if path in left_out:
            continue
        doc, problems = load_file(path, _display(schema_dir, path))
        run.diagnostics.extend(problems)
        if doc is not None and not isinstance(doc.data, dict):
            run.error(
                doc.at(()),
                "a definition file must be a mapping of sections, "
                f"not {'a list' if isinstance(doc.data, list) else 'a single value'}",
                "start with `protocol:`, `errors:`, `types:`, `client:`, `server:` or `invalid:`",
            )
            doc = None
        if doc is None:
            gaps.everything()
            continue
        errors, broken = check_structure(doc)
        run.diagnostics.extend(errors)
        docs.append(_without(doc, broken | doc.broken, gaps))
    sources = tuple(f"{schema_dir.name}/{p.name}" for p in files)
    protocol = _build(run, docs, sources, gaps) if docs else None
    if protocol is None or run.failed:
        raise DefinitionError(run.diagnostics)
    return protocol

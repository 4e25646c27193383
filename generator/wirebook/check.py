"""Check definition files and build the IR.

Two phases, each reporting every problem it finds: the structure of each file against the
definition format's own JSON Schema, then the meaning of the whole protocol (names, references,
constraints that make sense together). Examples are checked afterwards, against the emitted
schemas (see ``wirebook.verify``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, cast

import jsonschema
import regress

from wirebook import ir
from wirebook.diagnostics import DefinitionError, Diagnostic, Position, did_you_mean
from wirebook.load import Document, Pointer, load_file

PRIMITIVES = ("string", "integer", "number", "boolean", "array", "object")
RESERVED_NAMES = ("ClientMessage", "ServerMessage", "ErrorCode")
KEYS_BY_KIND = {
    "string": {"minLength", "maxLength", "pattern", "format"},
    "integer": {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"},
    "number": {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"},
    "array": {"items", "minItems", "maxItems", "uniqueItems"},
    "object": {"fields"},
    "boolean": set(),
}
CONSTRAINT_KEYS = set().union(*KEYS_BY_KIND.values())
# The pattern wirebook pairs with each supported `format`, so that every validator (even one that
# treats `format` as an annotation, as JSON Schema 2020-12 does by default) checks the same thing.
_DATE = "[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
FORMAT_PATTERNS = {
    "uuid": "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$",
    "date": f"^{_DATE}$",
    "date-time": f"^{_DATE}[Tt]([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\\.[0-9]+)?"
    "([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$",
}
# ECMA-262, Python and Rust (Pydantic) disagree on what these classes match outside ASCII.
_AMBIGUOUS_ESCAPES = {"d": "[0-9]", "D": "[^0-9]", "w": "[A-Za-z0-9_]", "W": "[^A-Za-z0-9_]",
                      "s": "[ \\t\\n\\r\\f\\v]", "S": "[^ \\t\\n\\r\\f\\v]", "b": None, "B": None}


@cache
def definition_schema() -> dict[str, Any]:
    text = resources.files("wirebook").joinpath("definition.schema.json").read_text("utf-8")
    return cast(dict[str, Any], json.loads(text))


def pascal(name: str) -> str:
    """``join_room`` → ``JoinRoom``; ``user-left`` → ``UserLeft``."""
    parts = re.split(r"[^A-Za-z0-9]+", name)
    return "".join(p[:1].upper() + p[1:] for p in parts if p)


@dataclass
class _Run:
    """Collects diagnostics while the protocol is put together."""

    diagnostics: list[Diagnostic] = field(default_factory=list)

    def error(self, position: Position | None, message: str, hint: str = "") -> None:
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


# ---------------------------------------------------------------- structure


def _structure_errors(doc: Document) -> Iterable[Diagnostic]:
    validator = jsonschema.Draft202012Validator(definition_schema())
    for error in validator.iter_errors(doc.data):
        yield from _explain(doc, error)


def _explain(doc: Document, error: jsonschema.ValidationError) -> Iterable[Diagnostic]:
    pointer: Pointer = tuple(error.absolute_path)
    where = "/".join(str(p) for p in pointer) or "top level"
    kind = error.validator
    if kind == "additionalProperties" and isinstance(error.instance, dict):
        allowed = set(error.schema.get("properties", {}))
        for key in error.instance:
            if key not in allowed:
                yield Diagnostic(
                    doc.key_at((*pointer, key)),
                    f"unknown key '{key}' in {where}",
                    did_you_mean(key, allowed),
                )
        return
    if kind == "required":
        yield Diagnostic(doc.at(pointer), f"{where}: {error.message}", "add the missing key")
        return
    if kind == "propertyNames":
        name = error.instance
        yield Diagnostic(doc.key_at((*pointer, name)), f"bad name '{name}' in {where}",
                         f"names here must match {error.validator_value.get('pattern')}")
        return
    if kind == "pattern" and isinstance(error.instance, str) and len(pointer) and pointer[-1] in (
        "type", "name", "version", "base_uri", "correlation"
    ) or kind == "pattern" and len(pointer) > 1 and pointer[-2] == "ignore":
        yield Diagnostic(doc.at(pointer), f"{where}: {error.instance!r} is not valid here",
                         f"it must match {error.validator_value}")
        return
    if kind is False or error.validator_value is False:
        yield Diagnostic(doc.key_at(pointer), f"'{pointer[-1]}' is not allowed in {where}")
        return
    hints = {
        "type": f"expected {error.validator_value}",
        "enum": "expected one of: " + ", ".join(map(str, error.validator_value or [])),
    }
    yield Diagnostic(doc.at(pointer), f"{where}: {error.message}", hints.get(str(kind), ""))


# ---------------------------------------------------------------- meaning


class _Builder:
    def __init__(self, run: _Run, docs: list[Document]) -> None:
        self.run = run
        self.docs = docs
        self.named: dict[str, tuple[_Where, Any]] = {}
        self.titles: dict[str, Position | None] = {}
        self.error_codes: list[ir.ErrorCode] = []

    def claim_title(self, title: str, position: Position | None) -> None:
        """Every generated class name must be unique; two messages must not both make `Foo`."""
        if title in self.titles:
            first = self.titles[title]
            where = f" (first made at {first})" if first else " (it is reserved)"
            self.run.error(position, f"the name '{title}' is used twice{where}",
                           "rename one of the types or fields so the generated names differ")
        else:
            self.titles[title] = position

    # ---- types

    def type_expr(self, where: _Where, spec: Any, title: str) -> ir.TypeExpr | None:
        if isinstance(spec, str):
            return self._type_by_name(where, spec)
        if "enum" in spec:
            return self._enum(where, spec)
        if "const" in spec:
            self._only_keys(where, spec, {"const", "type"}, "a const")
            return ir.ConstType(spec["const"])
        kind = spec.get("type")
        if kind is None:
            self.run.error(where.position, "the type is missing", "add `type:` (or `enum:` or `const:`)")
            return None
        if kind not in PRIMITIVES:
            self._only_keys(where, spec, set(), f"the named type {kind}")
            return self._type_by_name(where.child("type"), kind)
        self._only_keys(where, spec, KEYS_BY_KIND[kind] | {"type"}, f"type {kind}")
        if kind == "string":
            return self._string(where, spec)
        if kind in ("integer", "number"):
            return self._numeric(where, spec, kind == "integer")
        if kind == "boolean":
            return ir.BooleanType()
        if kind == "array":
            if "items" not in spec:
                self.run.error(where.position, "an array needs `items`", "add `items: <type>`")
                return None
            items = self.type_expr(where.child("items"), spec["items"], title + "Item")
            self._ordered(where, spec, "minItems", "maxItems")
            if items is None:
                return None
            return ir.ArrayType(items, spec.get("minItems"), spec.get("maxItems"),
                                bool(spec.get("uniqueItems", False)))
        if "fields" not in spec:
            self.run.error(where.position, "an object needs `fields`",
                           "list its fields under `fields:`, or use a named type")
            return None
        self.claim_title(title, where.position)
        return ir.ObjectType(self.fields(where.child("fields"), spec["fields"], title))

    def _type_by_name(self, where: _Where, name: str) -> ir.TypeExpr | None:
        if name in PRIMITIVES:
            if name in ("array", "object"):
                self.run.error(where.position, f"'{name}' needs a full spec",
                               "write it as a mapping with `type`, and `items` or `fields`")
                return None
            return self.type_expr(where, {"type": name}, "")
        if name in self.named or name == "ErrorCode":
            return ir.RefType(name)
        self.run.error(where.position, f"unknown type '{name}'",
                       did_you_mean(name, [*PRIMITIVES, *self.named, "ErrorCode"]))
        return None

    def _only_keys(self, where: _Where, spec: dict[str, Any], allowed: set[str], what: str) -> None:
        for key in spec:
            if key in CONSTRAINT_KEYS | {"enum", "const"} and key not in allowed:
                kinds = [k for k, keys in KEYS_BY_KIND.items() if key in keys]
                applies = f"applies to {' and '.join(kinds)}" if kinds else "cannot be combined"
                self.run.error(where.child(key).key_position, f"'{key}' does not apply to {what}",
                               f"'{key}' {applies}; remove it or change the type")

    def _enum(self, where: _Where, spec: dict[str, Any]) -> ir.TypeExpr | None:
        self._only_keys(where, spec, {"enum", "type"}, "an enum")
        values = spec["enum"]
        kinds = {_json_kind(v) for v in values}
        if len(kinds) != 1 or not kinds <= {"string", "integer", "number"}:
            self.run.error(where.child("enum").position, "enum values must all be strings or all numbers",
                           "split mixed values into separate fields")
            return None
        if len({json.dumps(v) for v in values}) != len(values):
            self.run.error(where.child("enum").position, "enum values repeat")
            return None
        declared = spec.get("type")
        if declared is not None and declared != kinds.pop() and declared != "number":
            self.run.error(where.child("type").position, f"enum values are not of type {declared}")
            return None
        return ir.EnumType(tuple(values))

    def _string(self, where: _Where, spec: dict[str, Any]) -> ir.TypeExpr | None:
        self._ordered(where, spec, "minLength", "maxLength")
        pattern = spec.get("pattern")
        fmt = spec.get("format")
        if fmt is not None:
            if pattern is not None:
                self.run.error(where.child("pattern").key_position,
                               "`pattern` and `format` together",
                               f"wirebook pairs format {fmt} with its own pattern; keep one of them")
                return None
            pattern = FORMAT_PATTERNS[fmt]
        elif pattern is not None and not self._pattern_ok(where.child("pattern"), pattern):
            return None
        return ir.StringType(spec.get("minLength"), spec.get("maxLength"), pattern, fmt)

    def _pattern_ok(self, where: _Where, pattern: str) -> bool:
        try:
            regress.Regex(pattern, "u")
            re.compile(pattern)
        except (regress.RegressError, re.error) as exc:
            self.run.error(where.position, f"bad regular expression {pattern!r}: {exc}",
                           "patterns are ECMA-262 regular expressions (as in JavaScript)")
            return False
        i = 0
        while i < len(pattern) - 1:
            if pattern[i] == "\\":
                letter = pattern[i + 1]
                if letter in _AMBIGUOUS_ESCAPES:
                    instead = _AMBIGUOUS_ESCAPES[letter]
                    self.run.error(
                        where.position,
                        f"pattern {pattern!r} uses \\{letter}, which JavaScript, Python and Rust "
                        "validators match differently outside ASCII",
                        f"write {instead} instead" if instead else "spell the boundary out",
                    )
                    return False
                i += 2
            else:
                i += 1
        return True

    def _numeric(self, where: _Where, spec: dict[str, Any], integer: bool) -> ir.TypeExpr:
        self._ordered(where, spec, "minimum", "maximum")
        return ir.NumericType(integer, spec.get("minimum"), spec.get("maximum"),
                              spec.get("exclusiveMinimum"), spec.get("exclusiveMaximum"))

    def _ordered(self, where: _Where, spec: dict[str, Any], low: str, high: str) -> None:
        if low in spec and high in spec and spec[low] > spec[high]:
            self.run.error(where.child(high).position, f"{high} ({spec[high]}) is below {low} ({spec[low]})",
                           "no value could be valid; swap or fix them")

    def fields(self, where: _Where, specs: dict[str, Any], owner: str) -> tuple[ir.Field, ...]:
        result = []
        for name, spec in specs.items():
            at = where.child(name)
            title = owner + pascal(name)
            expr = self.type_expr(at, spec, title)
            if expr is None:
                continue
            if isinstance(expr, ir.EnumType):
                self.claim_title(title, at.key_position)
            options = spec if isinstance(spec, dict) else {}
            has_default = "default" in options
            if has_default and options.get("required") is True:
                self.run.error(at.child("default").key_position, f"field '{name}' is required but has a default",
                               "a default only applies when the field is left out: drop one of them")
            required = bool(options.get("required", True)) and not has_default
            result.append(ir.Field(
                name=name, type=expr, title=title, required=required,
                nullable=bool(options.get("nullable", False)), has_default=has_default,
                default=options.get("default"), description=options.get("description", ""),
                deprecated=options.get("deprecated", False), position=at.key_position,
            ))
        return tuple(result)


def _json_kind(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "object" if isinstance(value, dict) else "array" if isinstance(value, list) else "null"


def _sections(docs: list[Document], name: str) -> Iterable[tuple[_Where, Any]]:
    for doc in docs:
        if name in doc.data:
            yield _Where(doc, (name,)), doc.data[name]


def _build(run: _Run, docs: list[Document], sources: tuple[str, ...]) -> ir.Protocol | None:
    builder = _Builder(run, docs)
    protocols = list(_sections(docs, "protocol"))
    if not protocols:
        run.error(Position(docs[0].file, 1, 1), "no file has a `protocol:` section",
                  "add `protocol: {name, title, version, base_uri}` to one file")
        return None
    for extra, _ in protocols[1:]:
        run.error(extra.key_position, f"a second `protocol:` section (the first is in {protocols[0][0].doc.file})",
                  "keep one `protocol:` section")
    where, spec = protocols[0]

    codes: dict[str, Position] = {}
    for section, errors in _sections(docs, "errors"):
        for code, description in errors.items():
            if code in codes:
                run.error(section.child(code).key_position, f"error code {code} is declared twice (first at {codes[code]})")
                continue
            codes[code] = section.child(code).key_position
            builder.error_codes.append(ir.ErrorCode(code, description))
    for reserved in RESERVED_NAMES:
        builder.claim_title(reserved, None)
    for section, types in _sections(docs, "types"):
        for name, type_spec in types.items():
            at = section.child(name)
            if name in builder.named or name in RESERVED_NAMES:
                run.error(at.key_position, f"type {name} is declared twice or is reserved",
                          f"rename it; {', '.join(RESERVED_NAMES)} are made by wirebook")
                continue
            builder.named[name] = (at, type_spec)
            builder.claim_title(name, at.key_position)
    named = []
    for name, (at, type_spec) in builder.named.items():
        expr = builder.type_expr(at, type_spec, name)
        if expr is not None:
            named.append(ir.NamedType(name, expr, type_spec.get("description", ""),
                                      type_spec.get("deprecated", False), at.key_position))
    _check_cycles(run, named)
    named.append(ir.NamedType(
        "ErrorCode", ir.EnumType(tuple(c.code for c in builder.error_codes)),
        "Codes carried by `error` messages.", position=None,
    ))

    wire = spec.get("wire", {})
    supported = tuple(wire.get("supported", [wire.get("current", 1)]))
    current = wire.get("current", max(supported))
    if current not in supported:
        run.error(where.child("wire", "current").position, f"current wire version {current} is not in supported {list(supported)}",
                  "add it to `supported`")
    envelope = spec.get("envelope", {})

    raw_messages = [
        (direction, section.child(i), m)
        for direction in ir.DIRECTIONS
        for section, items in _sections(docs, direction)
        for i, m in enumerate(items)
    ]
    both_ways = {m["type"] for d, _, m in raw_messages if d == "client"} & {
        m["type"] for d, _, m in raw_messages if d == "server"
    }
    messages: list[ir.Message] = []
    seen: dict[tuple[str, str], Position] = {}
    for direction, at, m in raw_messages:
        key = (direction, m["type"])
        if key in seen:
            run.error(at.child("type").position, f"{direction} message '{m['type']}' is defined twice (first at {seen[key]})",
                      "a message is identified by its direction and type; merge or rename one")
            continue
        seen[key] = at.child("type").position
        messages.append(_message(builder, direction, at, m, both_ways))

    _check_replies(run, messages, {(d, m["type"]): at for d, at, m in raw_messages})
    _check_dispatch_needs(run, builder, messages, envelope.get("correlation", "ref"), where)

    invalid = tuple(
        _invalid(section.child(i), item, item["direction"], None)
        for section, items in _sections(docs, "invalid")
        for i, item in enumerate(items)
    )
    if run.failed:
        return None
    return ir.Protocol(
        name=spec["name"], title=spec["title"], description=spec.get("description", ""),
        version=spec["version"], base_uri=spec["base_uri"], wire_current=current,
        wire_supported=supported, correlation=envelope.get("correlation", "ref"),
        allow_unknown_fields=envelope.get("unknown_fields", "reject") == "allow",
        error_codes=tuple(builder.error_codes), types=tuple(named), messages=tuple(messages),
        invalid=invalid, sources=sources, lint_ignore=tuple(spec.get("lint", {}).get("ignore", [])),
        position=where.key_position,
    )


def _message(builder: _Builder, direction: ir.Direction, at: _Where, m: dict[str, Any],
             both_ways: set[str]) -> ir.Message:
    type_ = m["type"]
    class_name = (pascal(direction) if type_ in both_ways else "") + pascal(type_)
    if not class_name or not class_name[0].isalpha():
        builder.run.error(at.child("type").position, f"type '{type_}' gives no usable class name",
                          "start the type with a letter")
        class_name = "Invalid"
    builder.claim_title(class_name, at.child("type").position)
    payload_name = class_name + "Payload"
    builder.claim_title(payload_name, at.child("type").position)
    fields = builder.fields(at.child("payload"), m.get("payload", {}), payload_name)
    examples = []
    for i, example in enumerate(m.get("examples", [])):
        ex_at = at.child("examples", i)
        has_message, has_payload = "message" in example, "payload" in example
        if has_message == has_payload:
            builder.run.error(ex_at.position, "an example needs exactly one of `message` and `payload`")
            continue
        wire = example["message"] if has_message else {"type": type_, "payload": example["payload"]}
        examples.append(ir.Example(example.get("name", f"example {i + 1}"), wire, ex_at.position))
    invalid = tuple(
        _invalid(at.child("invalid", i), item, direction, type_, builder.run)
        for i, item in enumerate(m.get("invalid", []))
    )
    return ir.Message(
        direction=direction, type=type_, class_name=class_name, payload_class_name=payload_name,
        summary=m["summary"], description=m.get("description", ""), fields=fields,
        replies=tuple(m.get("replies", [])), deprecated=m.get("deprecated", False),
        examples=tuple(examples), invalid=invalid,
        lint_ignore=tuple(m.get("lint", {}).get("ignore", [])), position=at.child("type").position,
    )


def _invalid(at: _Where, item: dict[str, Any], direction: ir.Direction, type_: str | None,
             run: _Run | None = None) -> ir.InvalidExample:
    forms = [k for k in ("message", "payload", "raw") if k in item]
    if len(forms) != 1 and run is not None:
        run.error(at.position, "an invalid example needs exactly one of `message`, `payload` and `raw`")
    form = forms[0] if forms else "message"
    message = item.get(form)
    if form == "payload":
        message = {"type": type_, "payload": item["payload"]}
    expect = item["expect"]
    return ir.InvalidExample(
        name=item.get("name", f"invalid {at.pointer[-1]}"), direction=direction,
        pointer=expect["pointer"], keyword=expect["keyword"],
        message=None if form == "raw" else message, raw=item.get("raw"), position=at.position,
    )


def _check_replies(run: _Run, messages: list[ir.Message], places: dict[tuple[str, str], _Where]) -> None:
    for message in messages:
        other: ir.Direction = "server" if message.direction == "client" else "client"
        known = [m.type for m in messages if m.direction == other]
        for i, reply in enumerate(message.replies):
            if reply not in known:
                at = places[message.key].child("replies", i)
                run.error(at.position, f"reply '{reply}' of {message.direction} message '{message.type}' is not a {other} message",
                          did_you_mean(reply, known))


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

    def visit(name: str, path: tuple[str, ...]) -> None:
        if name in path:
            cycle = " → ".join((*path[path.index(name):], name))
            run.error(by_name[path[0]].position, f"recursive types are not supported: {cycle}",
                      "messages must have a bounded shape; break the cycle")
            raise _CycleFound
        if name in by_name:
            for ref in refs(by_name[name].type):
                visit(ref, (*path, name))

    for t in named:
        try:
            visit(t.name, ())
        except _CycleFound:
            return


class _CycleFound(Exception):
    pass


def _check_dispatch_needs(run: _Run, builder: _Builder, messages: list[ir.Message],
                          correlation: str | None, where: _Where) -> None:
    """The generated dispatch answers with `error` (and `ack`) messages of a known shape."""
    declared = {c.code for c in builder.error_codes}
    for code, meaning in ir.DISPATCH_ERROR_CODES.items():
        if code not in declared:
            run.error(where.key_position, f"error code {code} is not declared",
                      f"the generated dispatch sends it ({meaning}); add `{code}: <description>` under `errors:`")
    by_key = {m.key: m for m in messages}
    Need = tuple[Callable[[ir.Field], bool], str]
    shapes: list[tuple[str, dict[str, Need]]] = [("error", {
        "message": (lambda f: isinstance(f.type, ir.StringType) and f.required,
                    "a required string: `message: {type: string}`"),
        "code": (lambda f: f.type == ir.RefType("ErrorCode"),
                 "`code: {type: ErrorCode}` (optional or required)"),
    })]
    if correlation:
        shapes.append(("ack", {
            correlation: (lambda f: isinstance(f.type, ir.StringType | ir.RefType) and f.required,
                          "a required string echoing the client's correlation id"),
            "status": (lambda f: f.required and _enum_has(builder, f.type, {"ok", "error"}),
                       "a required enum that includes ok and error"),
            "message": (lambda f: isinstance(f.type, ir.StringType) and not f.required,
                        "an optional string: `message: {type: string, required: false}`"),
        }))
    for type_, needs in shapes:
        message = by_key.get(("server", type_))
        if message is None:
            run.error(where.key_position, f"the protocol has no server message '{type_}'",
                      f"the generated dispatch sends it; declare it with fields {', '.join(needs)}")
            continue
        fields = {f.name: f for f in message.fields}
        for name, (ok, hint) in needs.items():
            if name not in fields or not ok(fields[name]):
                run.error(message.position, f"server message '{type_}' needs a suitable field '{name}'", hint)


def _enum_has(builder: _Builder, expr: ir.TypeExpr, values: set[str]) -> bool:
    if isinstance(expr, ir.RefType) and expr.name in builder.named:
        at, spec = builder.named[expr.name]
        expr = builder.type_expr(at, spec, expr.name) or expr
    return isinstance(expr, ir.EnumType) and values <= set(map(str, expr.values))


def definition_files(schema_dir: Path) -> list[Path]:
    return sorted(p for p in schema_dir.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())


def load_protocol(schema_dir: Path) -> ir.Protocol:
    """Load, check and build; raise DefinitionError with every problem found."""
    run = _Run()
    if not schema_dir.is_dir():
        raise DefinitionError([Diagnostic(None, f"no definitions folder at {schema_dir}",
                                          "pass --schema DIR, the folder of your *.yaml files")])
    files = definition_files(schema_dir)
    if not files:
        raise DefinitionError([Diagnostic(None, f"no *.yaml files in {schema_dir}")])
    docs = []
    for path in files:
        display = f"{schema_dir.as_posix().rstrip('/')}/{path.name}"
        doc, problems = load_file(path, display)
        run.diagnostics.extend(problems)
        if doc is not None:
            if not isinstance(doc.data, dict):
                run.error(doc.at(()), "a definition file must be a mapping of sections",
                          "start with `protocol:`, `types:`, `client:` or `server:`")
                continue
            run.diagnostics.extend(_structure_errors(doc))
            docs.append(doc)
    if run.failed:
        raise DefinitionError(run.diagnostics)
    sources = tuple(f"{schema_dir.name}/{p.name}" for p in files)
    protocol = _build(run, docs, sources)
    if protocol is None or run.failed:
        raise DefinitionError(run.diagnostics)
    return protocol

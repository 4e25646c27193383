"""Check each definition file against the format's own JSON Schema, and explain each problem in
the words of the format ("client message 'typing', field 'is_typing'"), never as a JSON Schema
path ("client/5/payload/is_typing") or a validator's message.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from functools import cache
from importlib import resources
from typing import Any, cast

import jsonschema
import jsonschema_rs

from wirebook.diagnostics import Diagnostic, did_you_mean
from wirebook.errors import (
    INVALID_NAME,
    INVALID_VALUE,
    MISPLACED_KEY,
    MISSING_KEY,
    UNKNOWN_KEY,
    WRONG_KIND,
)
from wirebook.load import Document, Pointer
from wirebook.problems import json_kind

SECTIONS = ("protocol", "errors", "types", "client", "server", "invalid")
_TYPE_NAME = r"[A-Z][A-Za-z0-9]*"


@cache
def definition_schema() -> dict[str, Any]:
    text = resources.files("wirebook").joinpath("definition.schema.json").read_text("utf-8")
    return cast(dict[str, Any], json.loads(text))


@cache
def _fast_validator() -> jsonschema_rs.Draft202012Validator:
    return jsonschema_rs.Draft202012Validator(definition_schema())


def _whole_text(
    validator: Any, pattern: str, instance: Any, schema: Any
) -> Iterable[jsonschema.ValidationError]:
    """`pattern` as ECMA-262 (editors, the fast validator) reads it: `$` ends the text, where
    Python's `$` also matches before a final newline (`"ping\\n"` would name a file)."""
    anchored = pattern.removesuffix("$") + r"\Z" if pattern.endswith("$") else pattern
    if isinstance(instance, str) and not re.search(anchored, instance):
        yield jsonschema.ValidationError(f"{instance!r} does not match {pattern!r}")


# `extend` is jsonschema's documented way to swap one keyword; it has no type hints
_Validator = jsonschema.validators.extend(  # type: ignore[no-untyped-call]
    jsonschema.Draft202012Validator, {"pattern": _whole_text}
)


def _validator() -> jsonschema.Draft202012Validator:
    return cast(jsonschema.Draft202012Validator, _Validator(definition_schema()))


# Keys without which the meaning checks cannot look at a thing at all (a message without `type`);
# other missing keys (a `summary`) are reported and do not hide the rest.
NEEDED_KEYS = frozenset({"type", "expect", "pointer", "keyword", "direction"})


def check_structure(doc: Document) -> tuple[list[Diagnostic], set[Pointer]]:
    """The problems of one file, and the pointers of the values they make unusable."""
    found: dict[tuple[Any, ...], Diagnostic] = {}
    broken: set[Pointer] = set()
    if _fast_validator().is_valid(doc.data):  # the usual case, several times faster
        return [], broken
    for error in _validator().iter_errors(doc.data):
        pointer: Pointer = tuple(error.absolute_path)
        if doc.is_broken(pointer):  # the loader already said why this value is wrong
            continue
        broken |= _broken_by(pointer, error)
        for diagnostic in _explain(doc, pointer, error):
            found.setdefault((diagnostic.position, diagnostic.message), diagnostic)
    return list(found.values()), broken


def _unknown_keys(error: jsonschema.ValidationError) -> list[str]:
    allowed = error.schema.get("properties", {}) if isinstance(error.schema, dict) else {}
    instance: Any = error.instance
    return [k for k in instance if k not in allowed]


def _is_name_error(error: jsonschema.ValidationError) -> bool:
    return error.validator == "pattern" and "propertyNames" in error.absolute_schema_path


def _broken_by(pointer: Pointer, error: jsonschema.ValidationError) -> set[Pointer]:
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        return {(*pointer, key) for key in _unknown_keys(error)}
    if _is_name_error(error):
        name: Any = error.instance  # a mapping key: always a string here
        return {(*pointer, name)}
    if error.validator == "propertyNames":
        return set()
    if error.validator == "required":
        return {pointer} if any(repr(k) in error.message for k in NEEDED_KEYS) else set()
    return {pointer}


# ---------------------------------------------------------------- places


def _quoted(name: str) -> str:
    """A name in a message; one with a line break or a control character is escaped."""
    return f"'{name}'" if name.isprintable() else json.dumps(name, ensure_ascii=False)


def _label(value: Any, key: str, index: int) -> str:
    name = value.get(key) if isinstance(value, dict) else None
    if not isinstance(name, str) or not name:
        return f"#{index + 1}"
    return _quoted(name) if len(name) <= 40 else _quoted(name[:37] + "...")


def _value(doc: Document, pointer: Pointer) -> Any:
    value = doc.data
    for step in pointer:
        try:
            value = value[step]
        except (KeyError, IndexError, TypeError):
            return None
    return value


def _named_parts(doc: Document, pointer: Pointer) -> tuple[list[str], Pointer]:
    """The named things ``pointer`` goes through, and the plain keys left after them."""
    parts: list[str] = []
    section = pointer[0] if pointer else None
    rest = pointer[1:]

    def type_path(rest: Pointer, name: str) -> Pointer:
        """Nested fields read `field 'a.b'`; array items read `field 'a', items`."""
        while rest:
            if rest[0] == "fields" and len(rest) > 1:
                name = f"{name}.{rest[1]}" if name else str(rest[1])
                rest = rest[2:]
            elif rest[0] == "items" and name:
                parts.append(f"field {_quoted(name)}, items")
                name, rest = "", rest[1:]
            else:
                break
        if name:
            parts.append(f"field {_quoted(name)}")
        return rest

    if section in ("client", "server") and rest and isinstance(rest[0], int):
        parts.append(f"{section} message {_label(_value(doc, pointer[:2]), 'type', rest[0])}")
        rest = rest[1:]
        if len(rest) > 1 and rest[0] == "payload":
            rest = type_path(rest[2:], str(rest[1]))
        elif len(rest) > 1 and rest[0] in ("examples", "invalid") and isinstance(rest[1], int):
            kind = "example" if rest[0] == "examples" else "invalid example"
            parts.append(f"{kind} {_label(_value(doc, pointer[:4]), 'name', rest[1])}")
            rest = rest[2:]
    elif section == "types" and rest:
        parts.append(f"type '{rest[0]}'")
        rest = type_path(rest[1:], "")
    elif section == "errors" and rest:
        parts.append(f"error code {rest[0]}")
        rest = rest[1:]
    elif section == "invalid" and rest and isinstance(rest[0], int):
        parts.append(f"invalid example {_label(_value(doc, pointer[:2]), 'name', rest[0])}")
        rest = rest[1:]
    else:
        rest = pointer
    return parts, rest


def _keys(rest: Pointer) -> str:
    text = ""
    for step in rest:
        text += f"[{step}]" if isinstance(step, int) else (f".{step}" if text else str(step))
    return f"`{text}`"


def place(doc: Document, pointer: Pointer) -> str:
    """Where ``pointer`` is, in the format's words: "`maxLength` of type 'RoomId'"."""
    parts, rest = _named_parts(doc, pointer)
    owner = ", ".join(parts)
    if not rest:
        return owner or "the file"
    return f"{_keys(rest)} of {owner}" if owner else _keys(rest)


# ---------------------------------------------------------------- explanations

_KINDS = {
    "string": "text",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "array": "a list",
    "object": "a mapping",
    "null": "empty",
}


def _show(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 40 else text[:37] + "..."


# What to write when a key is missing, by key (the first matching owner wins).
_REQUIRED_HINTS = {
    "name": "add `name: <snake_case name>`; the Python package is `<name>_protocol`",
    "title": "add `title: <what people call the protocol>`",
    "version": "add `version: 1.0.0`, the semantic version of this specification",
    "base_uri": "add `base_uri: https://…/`, under which the published schemas get their `$id`s",
    "type": "add `type: <wire type>`, the `type` that routes the message",
    "summary": "add `summary: <one line: what the message is for>`",
    "expect": "add `expect: {pointer: <JSON pointer>, keyword: <JSON Schema keyword>}`",
    "pointer": 'add `pointer: /payload/<field>` ("" for the whole message)',
    "keyword": "add `keyword:` with the JSON Schema keyword that rejects it, such as `required`",
    "direction": "add `direction: client` or `direction: server`",
}
_PATTERN_HINTS = {
    "name": "use lowercase letters, digits and _, starting with a letter: the Python package "
    "is `<name>_protocol`",
    "version": "write a semantic version such as 1.0.0",
    "base_uri": "write an absolute URI that ends with /, such as https://example.com/schemas/",
    "correlation": "use a snake_case name such as `ref`",
    "pointer": 'write a JSON pointer: "" for the whole message, or /payload/<field>',
    "type": "start with a letter; then letters, digits and _ . : - (no spaces or slashes: "
    "the type names files)",
    "ignore": "lint rule IDs look like WB101; `wirebook check --help` lists them",
}
# Keys people bring from other schema languages: what to write instead, where it is allowed.
_SYNONYMS = {
    "properties": ("fields", "payload"),
    "fields": ("payload",),
    "regex": ("pattern",),
    "values": ("enum",),
    "doc": ("description",),
    "responses": ("replies",),
    "response": ("replies",),
}
_KEY_HINTS = {  # key → (a key that says where we are, what to write instead)
    "optional": ("nullable", "write `required: false` instead"),
    "direction": ("summary", "a message's direction is its section: `client:` or `server:`"),
    "required": ("summary", "fields are required unless they say `required: false`"),
    "type": (
        "pattern",
        "a map's keys are always text: `keys` takes `pattern`, `minLength` and `maxLength`",
    ),
}
_UNION = "write `union: [A, B]` (with `tag:` for named object types) or `type: A | B`"
_NOT_EXPRESSIBLE = "the format cannot say this (see Known limits in the README)"
# JSON Schema's words in a type or field spec: how the format spells them.
_JSON_SCHEMA_HINTS = {
    "oneOf": _UNION,
    "anyOf": _UNION + "; the branches may not overlap, so exactly one matches",
    "allOf": "the format does not combine types: name one (`type: X`), or declare one object "
    "type with all the fields",
    "additionalProperties": "write `{type: map, values: <type>}` for an object of any keys, or "
    "`unknown_fields: allow` for an object with `fields` that takes undeclared members too",
    "patternProperties": "write `{type: map, values: <type>, keys: {pattern: …}}`",
    "propertyNames": "write `keys: {pattern: …, minLength: …, maxLength: …}` on a map "
    "(`type: map`)",
    "minProperties": "write `minEntries` on a map (`type: map`)",
    "maxProperties": "write `maxEntries` on a map (`type: map`)",
    "properties": "an object's members go under `fields:`: `{type: object, fields: {name: "
    "string}}`",
    "discriminator": "write `tag: <member>` beside `union:`: the member that each branch "
    "(a named object type) has as a `const`",
    "prefixItems": "an array's items have one type (`items: A | B` for several kinds); "
    + _NOT_EXPRESSIBLE,
    **dict.fromkeys(
        ("if", "then", "else", "not", "dependentRequired", "dependentSchemas"),
        "conditional schemas: " + _NOT_EXPRESSIBLE,
    ),
}
# The same words on a message: they would describe its payload.
_PAYLOAD_HINTS = {
    "properties": "list the fields directly under `payload:` (`payload: {name: string}`)",
    "additionalProperties": "write `unknown_fields: allow` on the message for a payload that "
    "takes members it does not declare",
}
_SECTION_HINTS = {
    "messages": "messages go under `client:` (sent by clients) or `server:` (sent by the server)",
    "definitions": "named types go under `types:`",
    "$defs": "named types go under `types:`",
    "codes": "error codes go under `errors:`",
}


def _unknown_key_hint(key: str, allowed: set[str], value: Any) -> str:
    if key in _KEY_HINTS and _KEY_HINTS[key][0] in allowed:
        return _KEY_HINTS[key][1]
    if "union" in allowed and key == "$ref":  # a type or field spec
        name = value.rsplit("/", 1)[-1] if isinstance(value, str) else ""
        return f"write the type's name: `type: {name if re.fullmatch(_TYPE_NAME, name) else 'X'}`"
    if "union" in allowed and key in _JSON_SCHEMA_HINTS:
        return _JSON_SCHEMA_HINTS[key]
    if "summary" in allowed and key in _PAYLOAD_HINTS:
        return _PAYLOAD_HINTS[key]
    if allowed == {"name", "message", "payload"}:  # an example
        return "put the payload under `payload:`, or the whole wire message under `message:`"
    for replacement in _SYNONYMS.get(key, ()):
        if replacement in allowed:
            return f"did you mean '{replacement}'?"
    return did_you_mean(key, allowed)


def _split_by_comma(
    doc: Document, pointer: Pointer, mapping: dict[str, Any], key: str
) -> tuple[str, str] | tuple[()] | None:
    """In a flow mapping, `{description: a, b}` reads as `description: a` and a key `b` without
    a value. For such a key: the text key it was split from and the whole text as written;
    ``()`` for a later piece of the same text; None for a key that is no such piece. Only a
    flow mapping holds two keys on one line, so the pieces are the empty keys on the line of
    the text."""
    keys = list(mapping)
    line = doc.key_at((*pointer, key)).line
    first = keys.index(key)
    while (
        first > 0
        and mapping[keys[first]] is None
        and (doc.key_at((*pointer, keys[first - 1])).line == line)
    ):
        first -= 1
    text_key = keys[first]
    if text_key == key or not isinstance(mapping[text_key], str) or mapping[key] is not None:
        return None
    if doc.at((*pointer, text_key)).line != line:
        return None
    if keys[first + 1] != key:
        return ()
    pieces = [mapping[text_key]]
    for later in keys[first + 1 :]:
        if mapping[later] is not None or doc.key_at((*pointer, later)).line != line:
            break
        pieces.append(later)
    return text_key, ", ".join(pieces)


def spec_under_fields_hint(container: str, key: str) -> str:
    """For the keys of a type written where fields are listed: `payload: {type: array, …}`
    reads as a field named `type`."""
    if container == "payload":
        return (
            f"a payload lists its fields, so `{key}:` here is a field named '{key}'; a payload "
            "that is not an object is a type written as the payload: `payload: string | "
            "integer`, or `payload: Names` with `Names: {type: array, items: string}` under "
            "`types:`"
        )
    return (
        f"`fields:` lists an object's members, so `{key}:` here is a member named '{key}': "
        "write the keys of a type beside `fields:`, not under it"
    )


def _type_hint(doc: Document, pointer: Pointer, expected: list[str], got: Any) -> str:
    section = pointer[0] if pointer else ""
    if got is None and len(pointer) == 1:
        each = ", each starting with `- `," if "array" in expected else ", indented,"
        return f"write its entries under it{each} or remove the empty section"
    if pointer in (("client",), ("server",), ("invalid",)):
        return f"write a list: each entry starts with `- `, as in `{section}: [{{type: …}}]`"
    if pointer == ("errors",):
        return "write one `CODE: what it means` line per error code"
    if pointer == ("types",):
        return "write one `Name: {type: …}` entry per named type"
    if pointer[-1:] == ("items",) and isinstance(got, list):
        return (
            "an array's items have one type: write `items: A | B` for items of several kinds; "
            "arrays whose items differ by position are not expressible"
        )
    if len(pointer) > 1 and pointer[-2] in ("payload", "fields") and pointer[-1] == "union":
        return spec_under_fields_hint(str(pointer[-2]), "union")
    if pointer[-1:] == ("payload",) and isinstance(got, list):
        return (
            "list the payload's fields as a mapping (`payload: {name: string}`); for a payload "
            "that is an array, declare it under `types:` (`Names: {type: array, items: string}`) "
            "and write `payload: Names`"
        )
    if expected == ["string", "object"]:  # a field spec
        if got is None:
            return "give the field a type: `name: string` or `name: {type: string, …}`"
        return "write a type name (`room_id: RoomId`) or a mapping (`room_id: {type: string}`)"
    if pointer[-1:] == ("type",) and isinstance(got, list):
        kinds = " | ".join(str(k) for k in got)
        return f"write a union: `type: {kinds}`" + (
            " (or `nullable: true` on a field)" if "null" in got else ""
        )
    if pointer[-1:] == ("required",) and isinstance(got, list):
        return (
            "fields are required unless they say so: write `required: false` on each optional "
            "field instead of listing the required ones"
        )
    if isinstance(got, str) and any(k in expected for k in ("integer", "number")):
        try:
            float(got)
            return f"remove the quotes: `{pointer[-1]}: {got}`"
        except ValueError:
            pass
    if expected == ["string"] and got is not None and not isinstance(got, list | dict):
        return f"quote it if you mean the text: `{pointer[-1]}: {json.dumps(json.dumps(got))}`"
    if pointer[-1:] == ("message",) and expected == ["object"]:
        return "write the whole wire message as a mapping, such as `{type: ping}`"
    if pointer[-1:] in (("payload",), ("fields",)) and expected == ["object"]:
        return f"write the fields as a mapping: `{pointer[-1]}: {{room_id: RoomId, …}}`"
    if expected == ["array"] and isinstance(got, str | int | float):
        return f"write a list: `{pointer[-1]}: [{got}]`"
    if expected == ["boolean"] and isinstance(got, str):
        return "write true or false (yes, no, on and off are text in YAML 1.2)"
    if section in ("client", "server") and pointer[-1:] == ("deprecated",):
        return "write `true`, or better the reason and what to use instead"
    return "write " + " or ".join(_KINDS[e] for e in expected)


def _field_name(doc: Document, pointer: Pointer, name: str) -> Diagnostic:
    """A field name that is no wire name; ``room_id::`` (a typo) makes the name ``room_id:``."""
    where, at = place(doc, (*pointer, name)), doc.key_at((*pointer, name))
    rule = definition_schema()["$defs"]["fieldName"]["pattern"].strip("^$")
    written = name.rstrip(":")
    if written != name and re.fullmatch(rule, written):
        return INVALID_NAME.at(
            at,
            f"{where}: a field name cannot end with ':'",
            f"did you write `{written}::`? Write one colon: `{written}: {{…}}`",
        )
    bad = sorted({c for c in name[1:] if not re.fullmatch(r"[A-Za-z0-9_.-]", c)})
    if bad:
        problem = "cannot hold " + ", ".join(repr(c) for c in bad)
    else:
        problem = f"cannot start with {name[:1]!r}" if name else "is empty"
    fixed = re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_")
    close = f"; did you mean '{fixed}'?" if re.fullmatch(rule, fixed) else ""
    return INVALID_NAME.at(
        at,
        f"{where}: a field name {problem}",
        "a field name is a letter, `_`, `$` or `@`, then letters, digits, `_`, `-` or `.` "
        f"(it names a member on the wire and an attribute in every language){close}",
    )


def _explain(
    doc: Document, pointer: Pointer, error: jsonschema.ValidationError
) -> Iterable[Diagnostic]:
    # `Any` on purpose: the values come from our own definition schema, checked by its tests
    kind: Any = error.validator
    value: Any = error.validator_value
    got: Any = error.instance
    where = place(doc, pointer)
    last = pointer[-1] if pointer else ""
    if kind == "additionalProperties" and isinstance(got, dict):
        allowed = set(error.schema.get("properties", {}) if isinstance(error.schema, dict) else ())
        for key in _unknown_keys(error):
            split = _split_by_comma(doc, pointer, got, key)
            if split == ():
                continue  # the first key split off the same text says it
            if split:
                text_key, text = split
                message = (
                    f"unknown key '{key}' in {where}: an unquoted comma ended its "
                    f"`{text_key}`, and the rest of the text reads as a key"
                )
                hint = f"quote the text: `{text_key}: {json.dumps(text, ensure_ascii=False)}`"
            elif not pointer:
                message = f"unknown section '{key}'"
                hint = _SECTION_HINTS.get(key) or did_you_mean(key, SECTIONS)
            else:
                message = f"unknown key '{key}' in {where}"
                hint = _unknown_key_hint(key, allowed, got[key])
            yield UNKNOWN_KEY.at(doc.key_at((*pointer, key)), message, hint)
        return
    if kind is None:  # a `false` schema: a key that must not be there (a named type's `required`)
        # jsonschema leaves the key out of the path here: the pointer is the named type's spec
        spec = _value(doc, pointer)
        banned = [
            k for k in ("required", "default", "nullable") if isinstance(spec, dict) and k in spec
        ]
        for key in banned:
            name = pointer[-1] if pointer else "Name"
            kind = spec.get("type") if isinstance(spec.get("type"), str) else "string"
            yield MISPLACED_KEY.at(
                doc.key_at((*pointer, key)),
                f"a named type cannot have `{key}` ({where})",
                f"`{key}` belongs to each field that uses the type: "
                f"`field: {{type: {name}, {key}: …}}`"
                + (
                    f"; for a type whose values may be null, make null one of them: "
                    f"`union: [{{type: {kind}, …}}, 'null']`"
                    if key == "nullable"
                    else ""
                ),
            )
        return
    if kind == "required" and isinstance(got, dict):
        for key in (k for k in value if k not in got and error.message.startswith(repr(k))):
            yield MISSING_KEY.at(
                doc.at(pointer),
                f"{where} has no `{key}`",
                _REQUIRED_HINTS.get(key, f"add `{key}:`"),
            )
        return
    if kind == "type":
        expected = value if isinstance(value, list) else [value]
        if got is None:
            yield WRONG_KIND.at(
                doc.at(pointer), f"{where} is empty", _type_hint(doc, pointer, expected, got)
            )
            return
        wanted = " or ".join(_KINDS[e] for e in expected)
        yield WRONG_KIND.at(
            doc.at(pointer),
            f"{where} must be {wanted}, not {_KINDS[json_kind(got)]} ({_show(got)})",
            _type_hint(doc, pointer, expected, got),
        )
        return
    if kind == "enum":
        yield INVALID_VALUE.at(
            doc.at(pointer),
            f"{where} cannot be {_show(got)}",
            did_you_mean(str(got), [str(v) for v in value]),
        )
        return
    if kind == "propertyNames":
        return  # its `pattern` error below says it better
    if _is_name_error(error):
        if last in ("payload", "fields"):
            yield _field_name(doc, pointer, got)
        elif last == "errors":
            yield INVALID_NAME.at(
                doc.key_at((*pointer, got)),
                f"error code '{got}' is not UPPER_SNAKE_CASE",
                "error codes are like ROOM_NOT_FOUND: capitals, digits and _",
            )
        else:
            yield INVALID_NAME.at(
                doc.key_at((*pointer, got)),
                f"type name '{got}' is not PascalCase",
                "named types are like RoomId: a capital letter, then letters and digits",
            )
        return
    if kind == "pattern":
        key = str(pointer[-2]) if isinstance(last, int) and len(pointer) > 1 else str(last)
        is_type = len(pointer) == 3 and pointer[0] in ("client", "server") and last == "type"
        yield (INVALID_NAME if is_type else INVALID_VALUE).at(
            doc.at(pointer),
            f"{pointer[0]} message type {_show(got)} is not valid"
            if is_type
            else f"{where} is not valid: {_show(got)}",
            _PATTERN_HINTS.get(key, f"it must match {value}"),
        )
        return
    if kind in ("minLength", "minItems") and value == 1:
        yield INVALID_VALUE.at(
            doc.at(pointer),
            f"{where} is empty",
            "write a value, or remove the key" if kind == "minLength" else "list at least one item",
        )
        return
    if kind in ("minimum", "maximum"):
        bound = "at least" if kind == "minimum" else "at most"
        yield INVALID_VALUE.at(
            doc.at(pointer),
            f"{where} must be {bound} {value}, not {_show(got)}",
            f"write a number {bound} {value}",
        )
        return
    if kind == "minItems" and last == "union":
        yield INVALID_VALUE.at(
            doc.at(pointer),
            f"{where} has {('no branch', 'one branch')[min(len(got), 1)]}",
            "a union is one of two types or more; for one type write `type: <it>`",
        )
        return
    if kind == "maxLength":
        yield INVALID_VALUE.at(
            doc.at(pointer), f"{where} is longer than {value} characters", "shorten it"
        )
        return
    if kind == "uniqueItems":
        yield INVALID_VALUE.at(
            doc.at(pointer), f"{where} lists the same item twice", "remove the repeated item"
        )
        return
    yield INVALID_VALUE.at(
        doc.at(pointer),
        f"{where}: {error.message}",  # pragma: no cover - every
        "see the definition format's schema",
    )  # keyword the schema uses is above

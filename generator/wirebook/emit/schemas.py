"""JSON Schema (draft 2020-12) for every message, every direction, and the models' input.

Every named thing (message, payload, named type, inline enum or object) is a titled entry of
``$defs``, so that other-language generators name their types after the wire, never ``Payload1``.
Each published file is self-contained: it carries exactly the ``$defs`` it reaches.

Each wire version has its own schemas: those of the current version (and of every version of
the same shape) at the top of ``schemas/``, those of a version of another shape under
``schemas/v{N}/``. The models' input holds every version at once, and marks what is not in all
of them (``VERSIONS_KEY``, ``VALUES_KEY``) for the models to check against the message's version.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from wirebook import ir
from wirebook.emit import generated_by

DIALECT = "https://json-schema.org/draft/2020-12/schema"
# In the models' input only: the versions a field is in and required in, and an enum's values per
# version. (Which versions have a message, the dispatch's unions of each version say.)
VERSIONS_KEY = "x-wirebook-versions"
VALUES_KEY = "x-wirebook-values"
Schema = dict[str, Any]
# Any JSON value, spelled out kind by kind: the same as `{}` to every validator, and what
# generators need to write the type of a JSON value (json-schema-to-typescript reads `{}` with a
# description as an object). The models read `{}` (pydantic's JsonValue).
ANY_JSON: Schema = {
    "anyOf": [{"type": kind} for kind in ("null", "boolean", "object", "array", "number", "string")]
}


def generated_comment(protocol: ir.Protocol) -> str:
    return f"{generated_by(protocol)}. Do not edit."


class _Defs:
    """Builds ``$defs``: one entry per titled thing, in definition order."""

    def __init__(self, protocol: ir.Protocol) -> None:
        self.protocol = protocol
        self.defs: dict[str, Schema] = {}
        for named in protocol.types:
            self.defs[named.name] = self._titled(
                named.name, named.type, named.description, named.deprecated
            )
        for message in protocol.messages:
            self._message(message)

    def _titled(
        self, title: str, expr: ir.TypeExpr, description: str, deprecated: bool | str
    ) -> Schema:
        schema: Schema = {"title": title, **_annotations(description, deprecated)}
        schema.update(self.inline(expr))
        return schema

    def inline(self, expr: ir.TypeExpr, title: str = "") -> Schema:
        """The schema of a type where it is used (enums and objects are hoisted by ``use``);
        ``title``: the class its parts are named after (`<title>Item`, `<title>Value`)."""
        if isinstance(expr, ir.StringType):
            return _drop_none(
                {
                    "type": "string",
                    "minLength": expr.min_length,
                    "maxLength": expr.max_length,
                    "pattern": expr.pattern,
                    "format": expr.format,
                }
            )
        if isinstance(expr, ir.NumericType):
            return _drop_none(
                {
                    "type": "integer" if expr.integer else "number",
                    "minimum": expr.minimum,
                    "maximum": expr.maximum,
                    "exclusiveMinimum": expr.exclusive_minimum,
                    "exclusiveMaximum": expr.exclusive_maximum,
                }
            )
        if isinstance(expr, ir.BooleanType):
            return {"type": "boolean"}
        if isinstance(expr, ir.NullType):
            return {"type": "null"}
        if isinstance(expr, ir.AnyType):
            return {"type": "object"} if expr.object_only else copy.deepcopy(ANY_JSON)
        if isinstance(expr, ir.EnumType):
            kinds = {type(v) for v in expr.values}
            kind = "string" if kinds == {str} else "integer" if kinds == {int} else "number"
            schema: Schema = {"type": kind, "enum": list(expr.values)}
            if expr.spans:
                schema[VALUES_KEY] = {
                    str(version): [
                        v for i, v in enumerate(expr.values) if expr.span(i).has(version)
                    ]
                    for version in self.protocol.wire_supported
                }
            return schema
        if isinstance(expr, ir.ConstType):
            return {"const": expr.value}
        if isinstance(expr, ir.ArrayType):
            return _drop_none(
                {
                    "type": "array",
                    "items": self.use(expr.items, ""),
                    "minItems": expr.min_items,
                    "maxItems": expr.max_items,
                    "uniqueItems": expr.unique_items or None,
                }
            )
        if isinstance(expr, ir.MapType):
            keys = self.inline(expr.keys)
            del keys["type"]
            return _drop_none(
                {
                    "type": "object",
                    "additionalProperties": self.use(expr.values, ""),
                    "propertyNames": keys or None,
                    "minProperties": expr.min_entries,
                    "maxProperties": expr.max_entries,
                }
            )
        if isinstance(expr, ir.UnionType):
            branches = [self.use(branch, "") for branch in expr.branches]
            if expr.tag is None:
                return {"oneOf": branches}
            # as the bundles' union of messages: Ajv's `discriminator` form, no `mapping`
            return {
                "type": "object",
                "discriminator": {"propertyName": expr.tag},
                "oneOf": branches,
                "required": [expr.tag],
            }
        if isinstance(expr, ir.ObjectType):
            return self.object(expr.fields, expr.unknown_fields)
        return {"$ref": f"#/$defs/{expr.name}"}

    def use(self, expr: ir.TypeExpr, title: str) -> Schema:
        """Hoist inline enums (named ``title``) and objects (named by their own title) into
        ``$defs``; inline the rest."""
        if isinstance(expr, ir.ObjectType) and expr.title:
            title = expr.title
        if title and isinstance(expr, ir.EnumType | ir.ObjectType):
            self.defs[title] = {"title": title, **self.inline(expr)}
            return {"$ref": f"#/$defs/{title}"}
        return self.inline(expr)

    def object(self, fields: tuple[ir.Field, ...], unknown_fields: bool | None = None) -> Schema:
        allowed = self.protocol.allow_unknown_fields if unknown_fields is None else unknown_fields
        properties = {f.name: self.field(f, closed=not allowed) for f in fields}
        schema: Schema = {"type": "object", "properties": properties}
        required = [f.name for f in fields if f.required and self._everywhere(f.span)]
        if required:
            schema["required"] = required
        if not allowed:
            schema["additionalProperties"] = False
        return schema

    def field(self, f: ir.Field, closed: bool) -> Schema:
        schema = self.use(f.type, f.title)
        if f.nullable:
            schema = {"anyOf": [schema, {"type": "null"}]}
        schema.update(_annotations(f.description, f.deprecated))
        if f.has_default:
            schema["default"] = f.default
        if f.span != ir.ALWAYS or f.required_since is not None:
            since = f.required_since
            required = f.required or since is not None
            schema[VERSIONS_KEY] = self._versions(
                f.span, closed, lambda v: required and (since is None or v >= since)
            )
        return schema

    def _everywhere(self, span: ir.Span) -> bool:
        return all(map(span.has, self.protocol.wire_supported))

    def _versions(self, span: ir.Span, closed: bool, required: Callable[[int], bool]) -> Schema:
        """Where a member is (``in``) and must be (``required``); what an object without it in
        a version does with it: refuses it (``closed``), or ignores it."""
        versions = self.protocol.exists_in(span)
        return {
            "in": list(versions),
            "required": [v for v in versions if required(v)],
            "closed": closed,
        }

    def _message(self, message: ir.Message) -> None:
        if message.payload_type is None:
            self.defs[message.payload_class_name] = {
                "title": message.payload_class_name,
                "description": f"Payload of {message.direction} message `{message.type}`.",
                **self.object(message.fields, message.unknown_fields),
            }
            payload = {"$ref": f"#/$defs/{message.payload_class_name}"}
        else:
            payload = self.use(message.payload_type, message.payload_class_name)
        text = message.summary + (f"\n\n{message.description}" if message.description else "")
        envelope: Schema = {
            "title": message.class_name,
            **_annotations(text.strip(), message.deprecated),
        }
        properties: Schema = {
            "v": {
                "description": f"Wire version; a message without it is read as "
                f"{self.protocol.wire_default}.",
                "type": "integer",
                "enum": list(self.protocol.wire_supported),
            },
            "type": {"type": "string", "const": message.type},
        }
        if self.protocol.correlation:
            properties[self.protocol.correlation] = {
                "description": "Client correlation id, echoed by the server's `ack`.",
                "type": "string",
                "minLength": 1,
                "maxLength": 128,
            }
        properties["payload"] = payload
        payload_required = message.payload_type is not None or any(
            f.required and self._everywhere(f.span) for f in message.fields
        )
        if not payload_required:
            properties["payload"]["default"] = {}
        envelope["type"] = "object"
        envelope["properties"] = properties
        envelope["required"] = ["type", "payload"] if payload_required else ["type"]
        if self.protocol.wire_default not in self.protocol.wire_supported:
            envelope["required"].insert(0, "v")  # a message without `v` is of another version
        if not self.protocol.allow_unknown_fields:
            envelope["additionalProperties"] = False
        self.defs[message.class_name] = envelope

    def closure(self, roots: list[str]) -> Schema:
        """The ``$defs`` reachable from ``roots``, in definition order."""
        seen: set[str] = set()
        todo = list(roots)
        while todo:
            name = todo.pop()
            if name not in seen:
                seen.add(name)
                todo.extend(_refs(self.defs[name]))
        return {name: schema for name, schema in self.defs.items() if name in seen}


_REF = re.compile(r"^#/\$defs/(.+)$")


def _refs(schema: Any) -> list[str]:
    if isinstance(schema, dict):
        found = []
        for key, value in schema.items():
            if key == "$ref" and isinstance(value, str) and (m := _REF.match(value)):
                found.append(m.group(1))
            else:
                found.extend(_refs(value))
        return found
    if isinstance(schema, list):
        return [ref for item in schema for ref in _refs(item)]
    return []


def _wrap_annotated_refs(schema: Any) -> Any:
    """``{"$ref": X, "description": …}`` → ``{"allOf": [{"$ref": X}], "description": …}``.

    Same meaning; but generators such as json-schema-to-typescript read a ``$ref`` with
    siblings as a new type (``RoomId1``, ``RoomId2``…), and through ``allOf`` as a use of ``X``.
    """
    if isinstance(schema, list):
        return [_wrap_annotated_refs(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    wrapped = {
        key: (
            {name: _wrap_annotated_refs(member) for name, member in value.items()}
            if key in ("properties", "$defs")  # names, not keywords: a field may be `$ref`
            else value
            if key in ("const", "enum", "default", "examples")  # values, not schemas
            else _wrap_annotated_refs(value)
        )
        for key, value in schema.items()
    }
    if isinstance(wrapped.get("$ref"), str) and len(wrapped) > 1:
        wrapped = {"allOf": [{"$ref": wrapped.pop("$ref")}], **wrapped}
    return wrapped


def _annotations(description: str, deprecated: bool | str) -> Schema:
    """``description`` and ``deprecated``; a deprecation's reason ends the description, which
    is where generators put what a reader sees (docstrings, doc comments)."""
    if isinstance(deprecated, str):
        description = f"{description}\n\nDeprecated: {deprecated}".strip()
    schema: Schema = {"description": description} if description else {}
    if deprecated:
        schema["deprecated"] = True
    return schema


def _any_as_empty(schema: Any) -> Any:
    """``schema`` with every ``ANY_JSON`` written `{}`."""
    if isinstance(schema, list):
        return [_any_as_empty(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    if schema.get("anyOf") == ANY_JSON["anyOf"]:
        return {k: v for k, v in schema.items() if k != "anyOf"}
    return {k: _any_as_empty(v) for k, v in schema.items()}


def _drop_none(schema: Schema) -> Schema:
    return {k: v for k, v in schema.items() if v is not None}


def message_path(message: ir.Message, folder: str = "") -> str:
    """``client/join_room.schema.json`` (in ``folder``, a version's: ``v1/``). A `:` of the wire
    type (`room:join`, as Socket.IO protocols name events) is written `~`, which no type holds:
    Windows, and Go module zips, refuse `:` in file names. The checker refuses the other types a
    file system cannot hold: Windows device names (`con`, `nul.x`) and types of one direction
    that differ only by case."""
    return f"{folder}{message.direction}/{message.type.replace(':', '~')}.schema.json"


def bundle_path(direction: ir.Direction, folder: str = "") -> str:
    return f"{folder}{direction}.schema.json"


def version_folders(protocol: ir.Protocol) -> dict[int, str]:
    """Each supported wire version → the folder of its published schemas: the top for the
    current version and every version of its shape, ``v{N}/`` for a version of another."""
    current = protocol.shapes()[0]
    return {v: "" if v in current else f"v{v}/" for v in sorted(protocol.wire_supported)}


class VersionSchemas:
    """The JSON Schemas of the wire versions of one shape."""

    def __init__(self, protocol: ir.Protocol, versions: tuple[int, ...], folder: str) -> None:
        self.protocol = replace(protocol.at_version(versions[0]), wire_supported=versions)
        self.folder = folder
        self._defs = _Defs(self.protocol)

    def _header(self, path: str) -> Schema:
        return {
            "$schema": DIALECT,
            "$id": self.protocol.base_uri + path,
            "$comment": generated_comment(self.protocol),
        }

    def bundle(self, direction: ir.Direction) -> Schema:
        union = _union(self.protocol, direction)
        roots = [m.class_name for m in self.protocol.direction(direction)]
        defs = _wrap_annotated_refs(self._defs.closure(roots))
        return {**self._header(bundle_path(direction, self.folder)), **union, "$defs": defs}

    def message(self, message: ir.Message) -> Schema:
        root = _wrap_annotated_refs(self._defs.defs[message.class_name])
        defs = self._defs.closure([message.class_name])
        del defs[message.class_name]
        path = message_path(message, self.folder)
        return {**self._header(path), **root, "$defs": _wrap_annotated_refs(defs)}

    def messages(self) -> dict[ir.Direction, dict[str, Schema]]:
        """Direction → wire type → that message's own schema."""
        return {
            d: {m.type: self.message(m) for m in self.protocol.direction(d)} for d in ir.DIRECTIONS
        }

    def published(self) -> dict[str, Schema]:
        files = {bundle_path(d, self.folder): self.bundle(d) for d in ir.DIRECTIONS}
        for message in self.protocol.messages:
            files[message_path(message, self.folder)] = self.message(message)
        return files


def _union(protocol: ir.Protocol, direction: ir.Direction) -> Schema:
    """The direction's messages, discriminated on ``type`` (Ajv's ``discriminator`` form)."""
    messages = protocol.direction(direction)
    who = "client to server" if direction == "client" else "server to client"
    return {
        "title": protocol.union_name(direction),
        "description": f"Any message of {protocol.title} sent from {who}.",
        "type": "object",
        "discriminator": {"propertyName": "type"},
        "oneOf": [{"$ref": f"#/$defs/{m.class_name}"} for m in messages],
        "required": ["type"],
    }


class SchemaSet:
    """All JSON Schemas of one protocol: each wire version's, and the models' input."""

    def __init__(self, protocol: ir.Protocol) -> None:
        self.protocol = protocol
        # every supported version → its schemas; another shape's versions each have a folder
        folders = version_folders(protocol)
        self.current = VersionSchemas(protocol, tuple(v for v, f in folders.items() if not f), "")
        self.versions = {
            v: VersionSchemas(protocol, (v,), folder) if folder else self.current
            for v, folder in folders.items()
        }

    def models_input(self) -> Schema:
        """One schema holding both unions of every version's messages, for
        datamodel-code-generator (not published)."""
        defs = {name: _any_as_empty(schema) for name, schema in _Defs(self.protocol).defs.items()}
        defs["ServerMessage"] = _union(self.protocol, "server")
        return {"$schema": DIALECT, **_union(self.protocol, "client"), "$defs": defs}

    def published(self) -> dict[str, Schema]:
        """Path under ``schemas/`` → schema, for every published file."""
        files: dict[str, Schema] = {}
        for schemas in dict.fromkeys(self.versions.values()):
            files.update(schemas.published())
        return files

"""Where a protocol's message schemas come from: its YAML definitions, or its published bundles.

Either way the result is one self-contained schema per (direction, type), so that a message is
routed on ``type`` before any schema sees it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from wirebook import ir
from wirebook.diagnostics import DefinitionError, render_all
from wirebook.emit.schemas import bundle_path

Schema = dict[str, Any]
Schemas = dict[ir.Direction, dict[str, Schema]]  # direction → wire type → its schema


class SourceError(Exception):
    """The protocol cannot be read; the text says why and where."""


def from_definitions(schema_dir: Path) -> Schemas:
    """The schemas that ``wirebook generate`` would publish for these definitions.

    Refused when the definitions or their examples have an error (lint warnings are not shown).
    """
    # imported here: the compiler (YAML, the checks) is not needed for --published
    from wirebook.pipeline import compile_definitions

    try:
        compiled = compile_definitions(schema_dir)
    except DefinitionError as exc:
        errors = [d for d in exc.diagnostics if d.is_error]
        raise SourceError(
            f"{render_all(exc.diagnostics)}\n{len(errors)} error(s) in the definitions "
            f"({schema_dir}/): fix them first (`wirebook check` says the same)"
        ) from exc
    protocol, schemas = compiled.protocol, compiled.schemas
    return {d: {m.type: schemas.message(m) for m in protocol.direction(d)} for d in ir.DIRECTIONS}


def from_published(folder: Path) -> Schemas:
    """Routing derived from the direction bundles alone: each ``oneOf`` entry's ``type`` const."""
    if not folder.is_dir():
        raise SourceError(f"{folder}: no such folder (expected the published schemas)")
    found: Schemas = {}
    for direction in ir.DIRECTIONS:
        path = folder / bundle_path(direction)
        if path.is_file():
            found[direction] = _routes(path, read_bundle(path))
    if not found:
        names = " or ".join(bundle_path(d) for d in ir.DIRECTIONS)
        raise SourceError(f"{folder}: no {names} (the bundles that `wirebook generate` publishes)")
    return found


def read_bundle(path: Path) -> Schema:
    """A published schema file, as a JSON object."""
    try:
        schema = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise SourceError(f"{path}: cannot read the schema: {exc}") from exc
    if not isinstance(schema, dict):
        raise SourceError(f"{path}: a schema must be a JSON object")
    return schema


def _routes(path: Path, bundle: Schema) -> dict[str, Schema]:
    return {wire_type: schema for _, wire_type, schema in bundle_messages(path, bundle)}


def bundle_messages(path: Path, bundle: Schema) -> Iterator[tuple[str, str, Schema]]:
    """Each message of a direction's bundle: its name in ``$defs``, its wire type, and its schema
    made self-contained (the bundle's ``$defs`` beside it)."""
    defs = bundle.get("$defs")
    branches = bundle.get("oneOf")
    if not isinstance(defs, dict) or not isinstance(branches, list):
        raise SourceError(
            f"{path}: expected a bundle with `oneOf` and `$defs`, one entry per message"
        )
    header: Schema = {k: bundle[k] for k in ("$schema", "$id") if k in bundle}
    seen: set[str] = set()
    for index, branch in enumerate(branches):
        ref = branch.get("$ref") if isinstance(branch, dict) else None
        name = ref.removeprefix("#/$defs/") if isinstance(ref, str) else None
        message = defs.get(name) if name else None
        if name is None or not isinstance(message, dict):
            raise SourceError(f"{path}: /oneOf/{index} is not a reference into $defs")
        wire_type = _type_const(message)
        if wire_type is None:
            raise SourceError(
                f"{path}: $defs/{name} has no properties/type/const to route messages on"
            )
        if wire_type in seen:
            raise SourceError(f"{path}: two messages have type {wire_type!r}")
        seen.add(wire_type)
        yield name, wire_type, {**header, **message, "$defs": defs}


def _type_const(message: Schema) -> str | None:
    spec = message.get("properties", {}).get("type")
    if not isinstance(spec, dict):
        return None
    if isinstance(spec.get("const"), str):
        return str(spec["const"])
    enum = spec.get("enum")
    return (
        enum[0] if isinstance(enum, list) and len(enum) == 1 and isinstance(enum[0], str) else None
    )

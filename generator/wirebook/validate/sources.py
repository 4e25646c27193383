"""Where a protocol's message schemas come from: its YAML definitions, or its published bundles.

Either way the result is one self-contained schema per (direction, type), so that a message is
routed on ``type`` before any schema sees it; and one such set per shape of the protocol's wire
versions (the published ``v{N}/`` folders), so that a message is routed on ``v`` before that.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from wirebook import ir
from wirebook.diagnostics import DefinitionError, render_all
from wirebook.emit.schemas import bundle_path

Schema = dict[str, Any]
Schemas = dict[ir.Direction, dict[str, Schema]]  # direction → wire type → its schema
# The schemas of each shape of wire version, that of the default version (a message without `v`)
# first; a protocol whose versions all have one shape has one.
Versions = list[Schemas]


class SourceError(Exception):
    """The protocol cannot be read; the text says why and where."""


def from_definitions(schema_dir: Path) -> Versions:
    """The schemas that ``wirebook generate`` would publish for these definitions.

    Refused when the definitions or their examples have an error (lint warnings are not shown).
    What a compilation gives is kept on disk (see ``_Cache``), and given again for the same
    definitions, wirebook, dependencies and Python: the compiler costs most of a start.
    """
    cache = _Cache.of(schema_dir)
    schemas = cache.read() if cache else None
    if schemas is None:
        schemas = _compile(schema_dir)
        if cache:
            cache.write(schemas)
    return schemas


def _compile(schema_dir: Path) -> Versions:
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
    versions = compiled.schemas.versions
    default = versions[compiled.protocol.wire_default]
    return [
        {d: dict(shape.messages()[d]) for d in ir.DIRECTIONS}
        for shape in dict.fromkeys([default, *versions.values()])
    ]


def from_published(folder: Path) -> Versions:
    """Routing derived from the direction bundles alone: each ``oneOf`` entry's ``type`` const;
    and the bundles of each version of another shape, in ``v{N}/`` beside them."""
    if not folder.is_dir():
        raise SourceError(f"{folder}: no such folder (expected the published schemas)")
    shapes = [_bundles(folder / sub) for sub in published_folders(folder)]
    if not shapes[0]:
        names = " or ".join(bundle_path(d) for d in ir.DIRECTIONS)
        raise SourceError(f"{folder}: no {names} (the bundles that `wirebook generate` publishes)")
    # the default version's shape first: the one whose messages may leave `v` out
    shapes.sort(key=lambda shape: not any(_takes_no_v(s) for s in _first(shape)))
    return shapes


def published_folders(folder: Path) -> list[str]:
    """The folders of published bundles: the top one (""), and ``v{N}/`` of each wire version
    of another shape that holds a bundle."""
    subs = sorted(f"{p.name}/" for p in folder.glob("v[0-9]*/") if p.is_dir())
    return [
        "",
        *(s for s in subs if any((folder / bundle_path(d, s)).is_file() for d in ir.DIRECTIONS)),
    ]


def versions_of(shape: Schemas) -> list[int]:
    """The wire versions whose messages a shape's schemas take (their `v` enum)."""
    for by_type in shape.values():
        for schema in by_type.values():
            versions = schema.get("properties", {}).get("v", {}).get("enum", [])
            return [v for v in versions if isinstance(v, int) and not isinstance(v, bool)]
    return []


def _bundles(folder: Path) -> Schemas:
    found: Schemas = {}
    for direction in ir.DIRECTIONS:
        path = folder / bundle_path(direction)
        if path.is_file():
            found[direction] = _routes(path, read_bundle(path))
    return found


def _first(shape: Schemas) -> Iterator[Schema]:
    return (schema for by_type in shape.values() for schema in list(by_type.values())[:1])


def _takes_no_v(schema: Schema) -> bool:
    required = schema.get("required", [])
    return not isinstance(required, list) or "v" not in required


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


_KEPT = 16  # entries kept in the cache folder, the latest


class _Cache:
    """The compiled schemas of one definitions folder, in the user's cache folder.

    Safe because the key is a SHA-256 of everything the compilation reads or runs: the name and
    bytes of every file of the folder (every file, not only the definitions: a superset), every
    file of the wirebook package, the installed distributions with their versions, and Python's
    version. The compiler is deterministic (same inputs, byte-identical outputs: a product
    rule), so an entry is exactly what compiling again would give. Only a compilation without
    errors is kept: broken definitions are compiled, and refused, on every run. An entry is JSON
    (read without running anything), written whole (a temporary file renamed), and one that
    cannot be read is compiled again. WIREBOOK_NO_CACHE (any value) turns the cache off.
    """

    def __init__(self, path: Path) -> None:
        self.path = path

    @staticmethod
    def of(schema_dir: Path) -> _Cache | None:
        if os.environ.get("WIREBOOK_NO_CACHE") is not None:
            return None
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        try:
            key = _fingerprint(schema_dir)
        except OSError:  # a folder that cannot be read: the compiler says why
            return None
        return _Cache(Path(base) / "wirebook" / "validate" / f"{key}.json")

    def read(self) -> Versions | None:
        try:
            found = json.loads(self.path.read_bytes())
        except (OSError, ValueError):
            return None
        good = isinstance(found, list) and all(
            isinstance(shape, dict)
            and all(
                d in ir.DIRECTIONS and isinstance(by_type, dict) for d, by_type in shape.items()
            )
            for shape in found
        )
        return found if good and found else None

    def write(self, schemas: Versions) -> None:
        """Keep ``schemas``, if the cache folder takes them (a read-only home, a full disk: the
        run is the same, without)."""
        try:
            text = json.dumps(schemas, ensure_ascii=False).encode("utf-8")
        except (TypeError, ValueError):
            return
        temporary = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            descriptor, temporary = tempfile.mkstemp(".tmp", dir=self.path.parent)
            with os.fdopen(descriptor, "wb") as out:
                out.write(text)
            os.replace(temporary, self.path)
            temporary = None
            kept = sorted(self.path.parent.glob("*.json"), key=lambda p: p.stat().st_mtime)
            for old in kept[:-_KEPT]:  # the folders and versions of long ago
                old.unlink()
        except OSError:
            pass
        finally:
            if temporary is not None:
                with contextlib.suppress(OSError):
                    os.unlink(temporary)


def _fingerprint(schema_dir: Path) -> str:
    digest = hashlib.sha256(f"{sys.version}\0{schema_dir.resolve()}\0".encode())
    for entry in sorted(os.scandir(schema_dir), key=lambda e: e.name):
        digest.update(entry.name.encode("utf-8", "surrogateescape") + b"\0")
        if entry.is_file():
            data = Path(entry.path).read_bytes()
            digest.update(b"%d\0" % len(data) + data)
    package = Path(__file__).resolve().parents[1]
    for folder, subfolders, files in os.walk(package):
        subfolders[:] = sorted(f for f in subfolders if f != "__pycache__")
        for name in sorted(files):
            path = os.path.join(folder, name)
            data = Path(path).read_bytes()
            digest.update(f"{os.path.relpath(path, package)}\0{len(data)}\0".encode() + data)
    distributions = sorted(
        name
        for folder in sys.path
        if os.path.isdir(folder)
        for name in os.listdir(folder)
        if name.endswith((".dist-info", ".egg-info"))
    )
    digest.update("\0".join(distributions).encode("utf-8", "surrogateescape"))
    return digest.hexdigest()

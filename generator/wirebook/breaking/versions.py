"""The two versions a breaking check compares, each as one JSON Schema per (wire version,
direction, type).

The new version is always a definitions folder. The old one is a git revision of the repository
(its definitions folder as it was there, read with ``git archive``: nothing is checked out), a
definitions folder, or a folder of published bundles (``client.schema.json``,
``server.schema.json``, and those of each wire version of another shape in ``v{N}/``). Each
version also says where each part of a schema was written: ``file:line:col`` in definitions, the
bundle's file and JSON pointer otherwise.
"""

from __future__ import annotations

import io
import re
import subprocess
import tarfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from wirebook import ir
from wirebook.diagnostics import DefinitionError, Position, render_all
from wirebook.emit.schemas import SchemaSet, bundle_path
from wirebook.load import load_file
from wirebook.problems import pointer
from wirebook.validate.sources import (
    SourceError,
    bundle_messages,
    published_folders,
    read_bundle,
    versions_of,
)

Schema = dict[str, Any]
Schemas = dict[ir.Direction, dict[str, Schema]]  # direction → wire type → message schema


class VersionError(Exception):
    """A version cannot be read; the text says which and why, in one line (or the definitions'
    diagnostics, then one line)."""


@dataclass(frozen=True)
class Location:
    """Where a part of a version is written: a position in a definition file, or a JSON pointer
    in a published bundle."""

    file: str
    line: int | None = None
    column: int | None = None
    pointer: str | None = None

    def __str__(self) -> str:
        if self.pointer is not None:
            return f"{self.file}#{self.pointer}"
        return f"{self.file}:{self.line}:{self.column}"


@dataclass
class Version:
    label: str  # how the report names it: `schema/`, `origin/main`, `published/`
    # every supported wire version → its schemas; the versions of one shape share one dict
    wire: dict[int, Schemas]
    default: int | None  # the version of a message without `v` (None: a bundle that hides it)
    protocol: ir.Protocol | None = None  # definitions only
    # definitions: schema pointer → position, for `$defs` (shared) and for each message's root
    _defs: dict[str, Position] = field(default_factory=dict)
    _roots: dict[tuple[ir.Direction, str], dict[str, Position]] = field(default_factory=dict)
    # bundles: (folder, direction, type) → the message's pointer in its folder's bundle
    _bundle_roots: dict[tuple[str, ir.Direction, str], str] = field(default_factory=dict)
    _folders: dict[int, str] = field(default_factory=dict)  # bundles: wire version → folder
    _rename: tuple[str, str] | None = None  # a temporary folder's prefix → `rev:` in positions

    def shapes(self) -> list[tuple[int, ...]]:
        """The wire versions grouped by shape (those that share their schemas)."""
        groups: dict[int, list[int]] = {}
        for version in sorted(self.wire):
            groups.setdefault(id(self.wire[version]), []).append(version)
        return [tuple(versions) for versions in groups.values()]

    def locate(self, direction: ir.Direction, type_: str, at: str, version: int) -> Location | None:
        """Where the part at JSON pointer ``at`` of message ``type_``'s schema (in wire version
        ``version``) is written."""
        if self._bundle_roots:
            folder = self._folders[version]
            file = f"{self.label.rstrip('/')}/{bundle_path(direction, folder)}"
            if not at.startswith("/$defs/"):
                at = self._bundle_roots[(folder, direction, type_)] + at
            return Location(file, pointer=at)
        table = self._defs if at.startswith("/$defs/") else self._roots.get((direction, type_), {})
        while True:
            if at in table:
                return self._location(table[at])
            if not at:
                return None
            at = at.rsplit("/", 1)[0]

    def envelope_location(self) -> Location | None:
        """Where the envelope is defined: the `protocol:` section (a bundle repeats it in every
        message: None)."""
        return self._location(self.protocol.position) if self.protocol else None

    def wire_location(self, direction: ir.Direction, version: int) -> Location | None:
        """Where the supported wire versions are listed: `protocol: {wire: {supported}}`, or the
        `v` of the first message of ``version``'s bundle."""
        if self._bundle_roots:
            first = next(iter(self.wire[version][direction]), None)
            return self.locate(direction, first, "/properties/v", version) if first else None
        position = self.protocol.position if self.protocol else None
        if position is None:
            return None
        # read again: the IR keeps the position of the section, not of its keys
        document, _ = load_file(Path(position.file), position.file)
        if document is not None:
            position = document.at(("protocol", "wire", "supported"))
        return self._location(position)

    def _location(self, position: Position | None) -> Location | None:
        if position is None:
            return None
        file = position.file
        if self._rename and file.startswith(self._rename[0]):
            file = self._rename[1] + file[len(self._rename[0]) :]
        return Location(file, position.line, position.column)


def from_definitions(schema_dir: Path, label: str | None = None) -> Version:
    """A definitions folder (the new version, or an old one)."""
    from wirebook.check import load_protocol  # the compiler, only when definitions are read

    try:
        protocol = load_protocol(schema_dir)
    except DefinitionError as exc:
        errors = sum(d.is_error for d in exc.diagnostics)
        raise VersionError(
            f"{render_all(exc.diagnostics)}\n{errors} error(s) in the definitions "
            f"({label or schema_dir.as_posix() + '/'}): cannot compare them"
        ) from exc
    wire: dict[int, Schemas] = {}
    shapes: list[tuple[ir.Protocol, Schemas]] = []  # a shape (no `v`), its versions' schemas
    for wire_version, schemas in SchemaSet(protocol).versions.items():
        # each version of another shape than the current one has schemas of its own
        shape = replace(schemas.protocol, wire_supported=())
        found = next((messages for seen, messages in shapes if seen == shape), None)
        if found is None:
            found = schemas.messages()
            shapes.append((shape, found))
        wire[wire_version] = found
    version = Version(
        label or f"{schema_dir.as_posix().rstrip('/')}/", wire, protocol.wire_default, protocol
    )
    _index(version, protocol)
    return version


def _index(version: Version, protocol: ir.Protocol) -> None:
    """Schema pointer → position of what it comes from (see emit/schemas.py for the layout:
    named types, payloads, and inline enums and objects each have their entry of ``$defs``)."""
    defs = version._defs

    def members(owner: str, fields: tuple[ir.Field, ...]) -> None:
        for f in fields:
            if f.position is not None:
                defs[owner + pointer(("properties", f.name))] = f.position
                walk(f.type, f.position, f.title)

    def walk(expr: ir.TypeExpr, at: Position, hoisted_as: str) -> None:
        if isinstance(expr, ir.EnumType) and hoisted_as:
            defs.setdefault(pointer(("$defs", hoisted_as)), at)
        elif isinstance(expr, ir.ObjectType):
            title = expr.title or hoisted_as
            if title:
                defs.setdefault(pointer(("$defs", title)), at)
                members(pointer(("$defs", title)), expr.fields)
        elif isinstance(expr, ir.ArrayType):
            walk(expr.items, at, "")
        elif isinstance(expr, ir.MapType):
            walk(expr.values, at, "")
        elif isinstance(expr, ir.UnionType):
            for branch in expr.branches:
                walk(branch, at, "")

    for named in protocol.types:
        if named.position is not None:
            defs[pointer(("$defs", named.name))] = named.position
            walk(named.type, named.position, named.name)
    for message in protocol.messages:
        if message.position is None:
            continue
        payload = pointer(("$defs", message.payload_class_name))
        defs[payload] = message.position
        members(payload, message.fields)
        if message.payload_type is not None:
            walk(message.payload_type, message.position, message.payload_class_name)
        roots = version._roots[message.key] = {"": message.position}
        if protocol.position is not None:  # the envelope's members come from `protocol:`
            envelope = ["v", *([protocol.correlation] if protocol.correlation else [])]
            for member in envelope:
                roots[pointer(("properties", member))] = protocol.position
            roots["/additionalProperties"] = protocol.position


def from_published(folder: Path) -> Version:
    """A folder of published bundles: each ``oneOf`` entry of a direction is one message; the
    bundles of each wire version of another shape are in ``v{N}/`` beside them."""
    version = Version(f"{folder.as_posix().rstrip('/')}/", {}, None)
    for sub in published_folders(folder):
        shape: Schemas = {}
        for direction in ir.DIRECTIONS:
            path = folder / bundle_path(direction, sub)
            if not path.is_file():
                raise VersionError(
                    f"{path}: no such file (the bundles `wirebook generate` publishes)"
                )
            shape[direction] = {}
            try:
                for name, type_, schema in bundle_messages(path, read_bundle(path)):
                    shape[direction][type_] = schema
                    version._bundle_roots[(sub, direction, type_)] = pointer(("$defs", name))
            except SourceError as exc:
                raise VersionError(str(exc)) from exc
        versions, default = _envelope_of(shape)
        for wire_version in versions:  # the top folder's first: it is read first
            version.wire.setdefault(wire_version, shape)
            version._folders.setdefault(wire_version, sub)
        if default in versions:
            version.default = default
    return version


_READ_AS = re.compile(r"a message without it is read as (\d+)\b")


def _envelope_of(shape: Schemas) -> tuple[list[int], int | None]:
    """The wire versions a shape's messages take (their `v` enum), and the version of a message
    without `v` when they may leave it out (its description names it)."""
    versions = versions_of(shape)
    for by_type in shape.values():
        for schema in by_type.values():
            if "v" in schema.get("required", []):
                return versions, None
            v = schema.get("properties", {}).get("v", {})
            found = _READ_AS.search(str(v.get("description", "")))
            return versions, int(found.group(1)) if found else None
    return versions, None


def from_revision(revision: str, schema_dir: Path, scratch: Path) -> Version:
    """The definitions folder as it was at a git revision, unpacked into ``scratch``."""
    where = _git(schema_dir, revision, "rev-parse", "--show-toplevel", "--show-prefix")
    if where is None:
        raise VersionError(
            f"--against {revision}: no such folder, and {schema_dir} is not in a git repository"
        )
    top, prefix = where.split("\n")[:2]
    if not _git(schema_dir, revision, "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}"):
        raise VersionError(
            f"--against {revision}: neither a folder nor a git revision of this repository"
        )
    # `rev:folder/` is the folder's tree: its files, without the folders above them
    archive = subprocess.run(
        ["git", "-C", top, "archive", "--format=tar", f"{revision}:{prefix}"],
        capture_output=True,
        check=False,
    )
    if archive.returncode != 0:
        shown = prefix or "the repository's top folder"
        raise VersionError(f"--against {revision}: {shown} does not exist at that revision")
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(scratch, filter="data")
    label, unpacked = f"{revision}:{prefix}", f"{scratch.as_posix()}/"
    try:
        version = from_definitions(scratch, label)
    except VersionError as exc:  # its diagnostics name the files as the revision has them
        raise VersionError(str(exc).replace(unpacked, label)) from exc
    version._rename = (unpacked, label)
    return version


def _git(where: Path, revision: str, *args: str) -> str | None:
    """What git prints, or None when it fails."""
    try:
        done = subprocess.run(
            ["git", "-C", str(where), *args], capture_output=True, text=True, check=False
        )
    except OSError as exc:
        raise VersionError(f"--against {revision}: no such folder, and git cannot run") from exc
    return done.stdout if done.returncode == 0 else None


def read_old(against: str, schema_dir: Path, scratch: Path) -> Version:
    """``--against``: a folder (bundles or definitions), else a git revision."""
    folder = Path(against)
    if folder.is_dir():
        if any((folder / bundle_path(d)).is_file() for d in ir.DIRECTIONS):
            return from_published(folder)
        if any(p.suffix.lower() in (".yaml", ".yml") for p in folder.iterdir()):
            return from_definitions(folder)
        raise VersionError(
            f"--against {against}: the folder holds neither definitions (*.yaml) nor "
            f"published bundles ({bundle_path('client')}, {bundle_path('server')})"
        )
    return from_revision(against, schema_dir, scratch)

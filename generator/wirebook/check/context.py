"""What every phase of the check shares: the diagnostics of the run, places in the documents,
and what the structural problems took out of them (``Gaps``)."""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from wirebook import ir
from wirebook.diagnostics import Diagnostic, Position
from wirebook.errors import ErrorKind
from wirebook.load import Document, Pointer
from wirebook.structure import SECTIONS, place


@dataclass
class Run:
    """Collects diagnostics while the protocol is put together."""

    diagnostics: list[Diagnostic] = field(default_factory=list)

    def error(self, kind: ErrorKind, position: Position | None, message: str, hint: str) -> None:
        self.diagnostics.append(kind.at(position, message, hint))

    @property
    def failed(self) -> bool:
        return any(d.is_error for d in self.diagnostics)


@dataclass(frozen=True)
class Where:
    """A place in one document, for building IR and reporting on it."""

    doc: Document
    pointer: Pointer

    def child(self, *keys: str | int) -> Where:
        return Where(self.doc, (*self.pointer, *keys))

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


def sections(docs: list[Document], name: str) -> Iterable[tuple[Where, Any]]:
    for doc in docs:
        if name in doc.data:
            yield Where(doc, (name,)), doc.data[name]


def items(docs: list[Document], name: str) -> Iterable[tuple[Where, Any]]:
    """The entries of every list section ``name``, but those taken out as broken."""
    for section, items in sections(docs, name):
        yield from ((section.child(i), item) for i, item in enumerate(items) if item is not None)


# ---------------------------------------------------------------- what broken parts hide


@dataclass
class Gaps:
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


def without(doc: Document, broken: set[Pointer], gaps: Gaps) -> Document:
    """A copy of ``doc`` without the parts that ``broken`` points into, noted in ``gaps``."""
    data = copy.deepcopy(doc.data)
    for unit in sorted({_unit(p) for p in broken if p}, key=len):
        parent: Any = data
        for step in unit[:-1]:
            parent = child_value(parent, step)
        last = unit[-1]
        present = (
            last in parent if isinstance(parent, dict) else child_value(parent, last) is not None
        )
        if not present:
            continue  # inside a part that was taken out already
        _note(gaps, data, unit)
        if isinstance(parent, dict):
            del parent[last]
        else:
            parent[last] = None  # keep the indices (positions) of the other items
    return Document(doc.file, data, doc.values, doc.keys, doc.broken)


def child_value(value: Any, step: str | int) -> Any:
    if isinstance(value, dict):
        return value.get(step)
    if isinstance(value, list) and isinstance(step, int) and 0 <= step < len(value):
        return value[step]
    return None


def _note(gaps: Gaps, data: dict[str, Any], unit: Pointer) -> None:
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

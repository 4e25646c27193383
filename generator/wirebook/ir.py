"""The checked protocol: small immutable classes that every emitter reads, and nothing else.

The IR keeps names as they are on the wire and in the generated code (``JoinRoom``,
``JoinRoomPayload``); emitters never see YAML.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Literal

from wirebook.diagnostics import Position

Direction = Literal["client", "server"]
DIRECTIONS: tuple[Direction, Direction] = ("client", "server")
JSON = None | bool | int | float | str | list["JSON"] | dict[str, "JSON"]

# Error codes that the generated dispatch sends itself; a protocol must declare them.
DISPATCH_ERROR_CODES: dict[str, str] = {
    "BAD_JSON": "the text is not a JSON object",
    "MISSING_TYPE": "the message has no string `type`",
    "UNKNOWN_TYPE": "no client message has this `type`",
    "UNSUPPORTED_VERSION": "the envelope's `v` is not a supported wire version",
    "INVALID_MESSAGE": "the envelope or payload does not match the message's schema",
    "HANDLER_ERROR": "the handler failed while processing the message",
}


@dataclass(frozen=True)
class Span:
    """The wire versions a message, a field or an enum value exists in: from ``since`` through
    ``until`` (None: no bound)."""

    since: int | None = None
    until: int | None = None

    def has(self, version: int) -> bool:
        return (self.since is None or version >= self.since) and (
            self.until is None or version <= self.until
        )

    def label(self) -> str:
        """``since v2``, ``removed after v1``, both, or nothing."""
        words = []
        if self.since is not None:
            words.append(f"since v{self.since}")
        if self.until is not None:
            words.append(f"removed after v{self.until}")
        return ", ".join(words)


ALWAYS = Span()


@dataclass(frozen=True)
class StringType:
    min_length: int | None = None
    max_length: int | None = None
    pattern: str | None = None
    format: str | None = None


@dataclass(frozen=True)
class NumericType:
    integer: bool
    minimum: float | None = None
    maximum: float | None = None
    exclusive_minimum: float | None = None
    exclusive_maximum: float | None = None


@dataclass(frozen=True)
class BooleanType:
    pass


@dataclass(frozen=True)
class EnumType:
    values: tuple[str | int | float | bool, ...]
    spans: tuple[Span, ...] = ()  # each value's, when one is not in every version

    def span(self, index: int) -> Span:
        return self.spans[index] if self.spans else ALWAYS


@dataclass(frozen=True)
class ConstType:
    value: JSON


@dataclass(frozen=True)
class ArrayType:
    items: TypeExpr
    min_items: int | None = None
    max_items: int | None = None
    unique_items: bool = False


@dataclass(frozen=True)
class ObjectType:
    fields: tuple[Field, ...]
    title: str = ""  # the class of an inline object; a named object type's is its name
    unknown_fields: bool | None = None  # allowed? None: as the protocol says


@dataclass(frozen=True)
class MapType:
    """An object of any keys, each value of one type."""

    values: TypeExpr
    keys: StringType = StringType()
    min_entries: int | None = None
    max_entries: int | None = None


@dataclass(frozen=True)
class UnionType:
    """One of its branches: told apart by JSON kind, or by the const member ``tag`` of the
    object branches (each a named object type)."""

    branches: tuple[TypeExpr, ...]
    tag: str | None = None


@dataclass(frozen=True)
class AnyType:
    """Any JSON value, or any JSON object (``object_only``)."""

    object_only: bool = False


@dataclass(frozen=True)
class NullType:
    """`null`, as a branch of a union (`X | null`)."""


@dataclass(frozen=True)
class RefType:
    """A use of a named type from ``types`` (or the built-in ``ErrorCode``)."""

    name: str


TypeExpr = (
    StringType
    | NumericType
    | BooleanType
    | EnumType
    | ConstType
    | ArrayType
    | ObjectType
    | MapType
    | UnionType
    | AnyType
    | NullType
    | RefType
)


def parts(expr: TypeExpr) -> Iterator[TypeExpr]:
    """The type expressions directly inside ``expr``: its items, values, branches or fields'."""
    if isinstance(expr, ArrayType):
        yield expr.items
    elif isinstance(expr, MapType):
        yield expr.values
    elif isinstance(expr, UnionType):
        yield from expr.branches
    elif isinstance(expr, ObjectType):
        yield from (f.type for f in expr.fields)


def refs(expr: TypeExpr) -> Iterator[str]:
    """The named types ``expr`` refers to, anywhere inside it (not through them)."""
    if isinstance(expr, RefType):
        yield expr.name
    for part in parts(expr):
        yield from refs(part)


@dataclass(frozen=True)
class Field:
    name: str
    type: TypeExpr
    title: str  # the name other-language generators give an inline enum or object
    required: bool = True
    nullable: bool = False
    has_default: bool = False
    default: JSON = None
    description: str = ""
    deprecated: bool | str = False
    position: Position | None = field(default=None, compare=False)
    span: Span = ALWAYS
    required_since: int | None = None  # optional before this wire version, required from it


@dataclass(frozen=True)
class NamedType:
    name: str
    type: TypeExpr
    description: str = ""
    deprecated: bool | str = False
    position: Position | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Example:
    name: str
    message: JSON
    position: Position | None = field(default=None, compare=False)
    # where each member of the message is written: JSON pointer → position
    members: tuple[tuple[str, Position], ...] = field(default=(), compare=False)

    def position_of(self, pointer: str) -> Position | None:
        """Where the member at ``pointer`` (or its nearest written ancestor) is written."""
        written = dict(self.members)
        while pointer:
            if pointer in written:
                return written[pointer]
            pointer = pointer.rsplit("/", 1)[0]
        return self.position


@dataclass(frozen=True)
class InvalidExample:
    """A wire message that must be rejected at ``pointer`` by ``keyword`` (``json``: not JSON)."""

    name: str
    direction: Direction
    pointer: str
    keyword: str
    message: JSON = None
    raw: str | None = None  # wire text that is not JSON; ``message`` is unused then
    position: Position | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Acknowledgement:
    """A deliberate breaking change, ``breaking: {ignore: [{rule: WB205, reason: …}]}``."""

    rule: str
    reason: str
    position: Position | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Message:
    direction: Direction
    type: str
    class_name: str  # JoinRoom, or ClientChat where the type exists both ways
    payload_class_name: str
    summary: str
    description: str
    fields: tuple[Field, ...]
    replies: tuple[str, ...]  # types of the other direction
    deprecated: bool | str
    examples: tuple[Example, ...]
    invalid: tuple[InvalidExample, ...]
    lint_ignore: tuple[str, ...] = ()
    breaking_ignore: tuple[Acknowledgement, ...] = ()
    position: Position | None = field(default=None, compare=False)
    payload_type: TypeExpr | None = None  # a payload given by a type, not by its fields
    unknown_fields: bool | None = None  # the payload's; None: as the protocol says
    span: Span = ALWAYS

    @property
    def payload_required(self) -> bool:
        return self.payload_type is not None or any(f.required for f in self.fields)

    @property
    def key(self) -> tuple[Direction, str]:
        return (self.direction, self.type)


@dataclass(frozen=True)
class ErrorCode:
    code: str
    description: str


@dataclass(frozen=True)
class Protocol:
    name: str
    title: str
    description: str
    version: str
    base_uri: str
    wire_current: int
    wire_supported: tuple[int, ...]
    wire_default: int  # the version of a message without `v`
    correlation: str | None
    allow_unknown_fields: bool
    error_codes: tuple[ErrorCode, ...]
    types: tuple[NamedType, ...]
    messages: tuple[Message, ...]
    invalid: tuple[InvalidExample, ...]  # direction-level anti-patterns
    sources: tuple[str, ...]  # definition files, as shown in generated headers
    lint_ignore: tuple[str, ...] = ()
    breaking_ignore: tuple[Acknowledgement, ...] = ()
    position: Position | None = field(default=None, compare=False)

    @property
    def package(self) -> str:
        return f"{self.name}_protocol"

    def direction(self, direction: Direction) -> tuple[Message, ...]:
        return tuple(m for m in self.messages if m.direction == direction)

    def message(self, direction: Direction, type_: str) -> Message | None:
        return next((m for m in self.messages if m.key == (direction, type_)), None)

    def named_type(self, name: str) -> NamedType:
        return next(t for t in self.types if t.name == name)

    def union_name(self, direction: Direction) -> str:
        return "ClientMessage" if direction == "client" else "ServerMessage"

    @property
    def versioned(self) -> bool:
        """Whether some message, field or enum value is not in every supported wire version."""
        return any(map(_has_spans, self.messages)) or any(_spans_in(t.type) for t in self.types)

    def at_version(self, version: int) -> Protocol:
        """The protocol as wire version ``version`` has it: the messages, fields and enum values
        it has, each field required as it is there, no spans left."""
        return replace(
            self,
            types=tuple(replace(t, type=_type_at(t.type, version)) for t in self.types),
            messages=tuple(
                replace(
                    m,
                    fields=_fields_at(m.fields, version),
                    payload_type=m.payload_type and _type_at(m.payload_type, version),
                    span=ALWAYS,
                )
                for m in self.messages
                if m.span.has(version)
            ),
            wire_supported=(version,),
        )

    def shapes(self) -> list[tuple[int, ...]]:
        """The supported versions grouped by shape (the versions of one group differ in `v`
        only), in order of their first version; the current version's group first."""
        groups: list[tuple[Protocol, list[int]]] = []  # by equality: defaults may be lists
        for version in sorted(self.wire_supported):
            view = replace(self.at_version(version), wire_supported=())
            group = next((g for shape, g in groups if shape == view), None)
            if group is None:
                groups.append((view, [version]))
            else:
                group.append(version)
        return sorted(
            (tuple(versions) for _, versions in groups),
            key=lambda versions: (self.wire_current not in versions, versions),
        )

    def exists_in(self, span: Span) -> tuple[int, ...]:
        """The supported versions in ``span``."""
        return tuple(v for v in self.wire_supported if span.has(v))


def _has_spans(message: Message) -> bool:
    return (
        message.span != ALWAYS
        or any(_field_has_spans(f) for f in message.fields)
        or (message.payload_type is not None and _spans_in(message.payload_type))
    )


def _field_has_spans(f: Field) -> bool:
    return f.span != ALWAYS or f.required_since is not None or _spans_in(f.type)


def _spans_in(expr: TypeExpr) -> bool:
    if isinstance(expr, EnumType):
        return bool(expr.spans)
    if isinstance(expr, ObjectType):
        return any(_field_has_spans(f) for f in expr.fields)
    return any(_spans_in(part) for part in parts(expr))


def _fields_at(fields: tuple[Field, ...], version: int) -> tuple[Field, ...]:
    return tuple(
        replace(
            f,
            type=_type_at(f.type, version),
            required=f.required or (f.required_since is not None and version >= f.required_since),
            span=ALWAYS,
            required_since=None,
        )
        for f in fields
        if f.span.has(version)
    )


def _type_at(expr: TypeExpr, version: int) -> TypeExpr:
    """``expr`` as wire version ``version`` has it."""
    if isinstance(expr, EnumType) and expr.spans:
        kept = [v for i, v in enumerate(expr.values) if expr.span(i).has(version)]
        return EnumType(tuple(kept))
    if isinstance(expr, ObjectType):
        return replace(expr, fields=_fields_at(expr.fields, version))
    if isinstance(expr, ArrayType):
        return replace(expr, items=_type_at(expr.items, version))
    if isinstance(expr, MapType):
        return replace(expr, values=_type_at(expr.values, version))
    if isinstance(expr, UnionType):
        return replace(expr, branches=tuple(_type_at(b, version) for b in expr.branches))
    return expr

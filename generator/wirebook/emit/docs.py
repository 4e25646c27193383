"""Markdown protocol docs, in the seed's style: direction tables, one section per message."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

from wirebook import ir
from wirebook.emit import generated_by, templates
from wirebook.emit.schemas import version_folders
from wirebook.lint import always_object


def type_text(
    expr: ir.TypeExpr,
    title: str = "",
    *,
    plain: bool = False,
    recursive: frozenset[str] = frozenset(),
) -> str:
    """How a type reads in a table: `string`, `[RoomId](#type-RoomId)`, `array of …`, `string or
    integer`. ``plain``: without links (for diagrams); ``recursive``: the named types that refer
    back to the one being described."""

    def part(inner: ir.TypeExpr) -> str:
        text = type_text(inner, plain=plain, recursive=recursive)
        return f"({text})" if isinstance(inner, ir.UnionType) else text

    if isinstance(expr, ir.RefType):
        text = expr.name if plain else f"[{expr.name}](#type-{expr.name})"
        return text + (" (recursive)" if expr.name in recursive else "")
    if isinstance(expr, ir.StringType):
        return f"string ({expr.format})" if expr.format else "string"
    if isinstance(expr, ir.NumericType):
        return "integer" if expr.integer else "number"
    if isinstance(expr, ir.BooleanType):
        return "boolean"
    if isinstance(expr, ir.NullType):
        return "null"
    if isinstance(expr, ir.AnyType):
        return "any JSON object" if expr.object_only else "any JSON value"
    if isinstance(expr, ir.EnumType):
        values = []
        for i, value in enumerate(expr.values):
            span = expr.span(i).label()
            values.append(f"`{value}`" + (f" ({span})" if span else ""))
        return (title or "enum") + ": " + " \\| ".join(values)
    if isinstance(expr, ir.ConstType):
        return f"`{json.dumps(expr.value)}`"
    if isinstance(expr, ir.ArrayType):
        return "array of " + part(expr.items)
    if isinstance(expr, ir.MapType):
        return "map of string → " + part(expr.values)
    if isinstance(expr, ir.UnionType):
        branches = [part(b) for b in expr.branches]
        if expr.tag is not None:
            return f"one of {', '.join(branches)} (by `{expr.tag}`)"
        return ", ".join(branches[:-1]) + " or " + branches[-1]
    return f"object {expr.title or title}".strip()


def constraints_text(expr: ir.TypeExpr, unknown_default: bool | None = None) -> str:
    """``unknown_default``: the protocol's `unknown_fields` (allowed?), to say where an object
    differs from it; None leaves objects unmentioned."""
    parts: list[str] = []
    if isinstance(expr, ir.StringType):
        parts += _range(expr.min_length, expr.max_length, "characters")
        if expr.pattern and not expr.format:
            parts.append(f"matches `{expr.pattern}`")
    elif isinstance(expr, ir.NumericType):
        parts += [
            f"{word} {_number(value)}"
            for word, value in (
                ("≥", expr.minimum),
                ("≤", expr.maximum),
                (">", expr.exclusive_minimum),
                ("<", expr.exclusive_maximum),
            )
            if value is not None
        ]
    elif isinstance(expr, ir.ArrayType):
        parts += _range(expr.min_items, expr.max_items, "items")
        if expr.unique_items:
            parts.append("unique")
        parts += _inner("items", constraints_text(expr.items, unknown_default))
    elif isinstance(expr, ir.MapType):
        if expr.keys.pattern:
            parts.append(f"keys match `{expr.keys.pattern}`")
        keys = _range(expr.keys.min_length, expr.keys.max_length, "characters")
        parts += [f"keys {r}" for r in keys]
        parts += _range(expr.min_entries, expr.max_entries, "entries")
        parts += _inner("values", constraints_text(expr.values, unknown_default))
    elif isinstance(expr, ir.UnionType):  # each branch's own, apart
        return "; ".join(
            f"{type_text(b, plain=True)}: {text}"
            for b in expr.branches
            if (text := constraints_text(b, unknown_default))
        )
    elif (
        isinstance(expr, ir.ObjectType)
        and None not in (expr.unknown_fields, unknown_default)
        and expr.unknown_fields != unknown_default
    ):
        parts.append(unknown_members(bool(expr.unknown_fields)))
    return ", ".join(parts)


def _number(value: float) -> str:
    """A bound as its schema says it: whole numbers exactly (9007199254740991, not 9.0072e+15)."""
    if isinstance(value, int):
        return str(value)
    short = f"{value:g}"
    return short if float(short) == value else repr(value)


def unknown_members(allowed: bool) -> str:
    return "unknown members allowed" if allowed else "unknown members rejected"


def _inner(what: str, text: str) -> list[str]:
    """The constraints of an array's items or a map's values, kept apart from the container's."""
    return [f"{what}: {text}"] if text else []


_SINGULAR = {"characters": "character", "items": "item", "entries": "entry"}


def _range(low: int | None, high: int | None, unit: str) -> list[str]:
    """``unit`` in the plural ("characters"); one is written in the singular."""
    if low is not None and high is not None:
        return [f"{low}–{high} {unit}"]
    if low is not None:
        return [f"at least {low} {_SINGULAR[unit] if low == 1 else unit}"]
    if high is not None:
        return [f"at most {high} {_SINGULAR[unit] if high == 1 else unit}"]
    return []


def object_shape(fields: tuple[ir.Field, ...]) -> str:
    """The seed's `{content, room_id?}` notation."""
    names = [f.name + ("" if f.required else "?") for f in fields]
    return "`{" + ", ".join(names) + "}`"


def payload_shape(message: ir.Message, plain: bool = False) -> str:
    """The payload as the direction tables and diagrams show it: `{content, room_id?}`, or the
    type of a payload given by a type."""
    if message.payload_type is not None:
        return type_text(message.payload_type, plain=plain)
    return object_shape(message.fields)


def type_notes(expr: ir.TypeExpr, protocol: ir.Protocol) -> str:
    """The constraints of a payload's type, a named type's where it is one."""
    if isinstance(expr, ir.RefType):
        return constraints_text(protocol.named_type(expr.name).type)
    return constraints_text(expr, protocol.allow_unknown_fields)


def field_notes(field: ir.Field, protocol: ir.Protocol) -> str:
    expr = field.type
    unknown_default: bool | None = protocol.allow_unknown_fields
    if isinstance(expr, ir.RefType):  # a named type's constraints, where the reader looks
        expr = protocol.named_type(expr.name).type
        unknown_default = None  # the type's own section says it
    notes = [constraints_text(expr, unknown_default), field.span.label()]
    if field.required_since is not None:
        notes.append(f"required since v{field.required_since}")
    if field.nullable:
        notes.append("may be null")
    if field.has_default:
        notes.append(f"default `{json.dumps(field.default)}`")
    if field.deprecated:
        notes.append(
            "deprecated" + (f": {field.deprecated}" if isinstance(field.deprecated, str) else "")
        )
    return ", ".join(n for n in notes if n)


@dataclass(frozen=True)
class Row:
    """A line of a field table: a field, or a member of an inline object below one
    (`points[].x`)."""

    name: str
    type: str
    required: str  # yes, no, or from the wire version that made it required
    notes: str
    description: str


def field_rows(
    fields: tuple[ir.Field, ...],
    protocol: ir.Protocol,
    recursive: frozenset[str] = frozenset(),
    prefix: str = "",
) -> Iterator[Row]:
    """A table's rows: each field, then the members of the inline objects it holds."""
    for f in fields:
        yield Row(
            prefix + f.name,
            type_text(f.type, f.title, recursive=recursive),
            "yes" if f.required else f"from v{f.required_since}" if f.required_since else "no",
            field_notes(f, protocol),
            f.description,
        )
        path, expr = prefix + f.name, f.type
        while isinstance(expr, ir.ArrayType | ir.MapType):  # down to an inline object, if any
            path += "[]" if isinstance(expr, ir.ArrayType) else ".<key>"
            expr = expr.items if isinstance(expr, ir.ArrayType) else expr.values
        if isinstance(expr, ir.ObjectType):
            yield from field_rows(expr.fields, protocol, recursive, path + ".")


def recursive_names(named: ir.NamedType, protocol: ir.Protocol) -> frozenset[str]:
    """The named types used by ``named`` whose values may hold a ``named`` again."""
    reach: dict[str, set[str]] = {t.name: set(ir.refs(t.type)) for t in protocol.types}
    changed = True
    while changed:  # the transitive closure; protocols have tens of types
        changed = False
        for found in reach.values():
            more = set().union(*(reach.get(n, set()) for n in found)) - found
            if more:
                found |= more
                changed = True
    return frozenset(
        n for n in reach[named.name] if n == named.name or named.name in reach.get(n, ())
    )


def overrides_unknown(protocol: ir.Protocol) -> bool:
    """Whether a payload or an object says otherwise than the protocol about unknown members."""

    def differs(expr: ir.TypeExpr) -> bool:
        if isinstance(expr, ir.ObjectType):
            own = expr.unknown_fields not in (None, protocol.allow_unknown_fields)
            return own or any(differs(f.type) for f in expr.fields)
        if isinstance(expr, ir.ArrayType):
            return differs(expr.items)
        if isinstance(expr, ir.MapType):
            return differs(expr.values)
        if isinstance(expr, ir.UnionType):
            return any(differs(b) for b in expr.branches)
        return False

    return any(
        m.unknown_fields not in (None, protocol.allow_unknown_fields)
        or any(differs(f.type) for f in m.fields)
        or (m.payload_type is not None and differs(m.payload_type))
        for m in protocol.messages
    ) or any(differs(t.type) for t in protocol.types)


def changelog(protocol: ir.Protocol) -> dict[int, list[str]]:
    """Each supported wire version after the first → what it changed, one line a change."""
    changes: dict[int, list[str]] = {v: [] for v in sorted(protocol.wire_supported)[1:]}

    def note(version: int | None, text: str) -> None:
        if version in changes:
            changes[version].append(text)

    def span(what: str, found: ir.Span) -> None:
        note(found.since, f"adds {what}")
        note(None if found.until is None else found.until + 1, f"removes {what}")

    def fields(owner: str, found: tuple[ir.Field, ...]) -> None:
        for f in found:
            what = f"{owner}, field `{f.name}`"
            span(what, f.span)
            note(f.required_since, f"makes {what} required")
            expr = f.type
            while isinstance(expr, ir.ArrayType | ir.MapType):
                expr = expr.items if isinstance(expr, ir.ArrayType) else expr.values
            kind(what, expr)

    def kind(owner: str, expr: ir.TypeExpr) -> None:
        if isinstance(expr, ir.EnumType):
            for i, value in enumerate(expr.values):
                span(f"`{value}` from {owner}", expr.span(i))
        elif isinstance(expr, ir.ObjectType):
            fields(owner, expr.fields)

    for m in protocol.messages:
        arrow = "client → server" if m.direction == "client" else "server → client"
        what = f"[`{m.type}`](#{m.direction}-{m.type}) ({arrow})"
        span(f"the message {what}", m.span)
        fields(what, m.fields)
    for t in protocol.types:
        kind(f"[`{t.name}`](#type-{t.name})", t.type)
    return changes


@dataclass(frozen=True)
class Flow:
    """How the server answers a client message, case by case, as its sequence diagram draws it."""

    replies: tuple[str, ...]  # what the handler may send before it returns
    error: str  # when the message is invalid or its handler raised
    ack_ok: str | None  # after the handler returned, to a message with a correlation id
    ack_error: str | None  # right after the error, to a message with a correlation id


def flow(message: ir.Message, protocol: ir.Protocol) -> Flow:
    """The answers of the generated dispatch (templates/dispatch.py.jinja) and of the handler."""
    error = protocol.message("server", "error")
    assert error is not None  # the definitions check requires it
    ack = protocol.message("server", "ack") if protocol.correlation else None
    # `error` and `ack` among the replies are the dispatch's, drawn under their own conditions
    own = {error.type} | ({ack.type} if ack else set())
    replies = tuple(r for r in message.replies if r not in own)
    # the payload members that the dispatch fills, which the definitions check requires
    error_label = _label(error.type, "message", "code")
    if ack is None or protocol.correlation is None:
        return Flow(replies, error_label, None, None)
    ok = _label(ack.type, protocol.correlation, 'status: "ok"')
    failed = _label(ack.type, protocol.correlation, 'status: "error"', "message")
    return Flow(replies, error_label, ok, failed)


def _label(type_: str, *members: str) -> str:
    """`ack {ref, status: "ok"}`: a message and the payload members it carries."""
    return f"{type_} {{{', '.join(members)}}}"


def cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return " ".join(text.split()).replace("|", "\\|")


def render(protocol: ir.Protocol) -> str:
    env = templates()
    env.filters.update(
        type_text=type_text,
        constraints=lambda expr: constraints_text(expr, protocol.allow_unknown_fields),
        type_notes=lambda expr: type_notes(expr, protocol),
        shape=payload_shape,
        object_shape=object_shape,
        rows=lambda fields, recursive=frozenset(): field_rows(fields, protocol, recursive),
        recursive=lambda named: recursive_names(named, protocol),
        unknown_members=unknown_members,
        cell=cell,
        flow=flow,
        json=lambda value: json.dumps(value, indent=2, ensure_ascii=False),
        compact=lambda value: json.dumps(value, ensure_ascii=False),
    )
    named_types = [t for t in protocol.types if t.name != "ErrorCode"]
    return env.get_template("protocol.md.jinja").render(
        protocol=protocol,
        generated_by=generated_by(protocol),
        client=protocol.direction("client"),
        server=protocol.direction("server"),
        named_types=named_types,
        objects=[t for t in named_types if isinstance(t.type, ir.ObjectType)],
        overrides_unknown=overrides_unknown(protocol),
        changelog=changelog(protocol) if len(protocol.wire_supported) > 1 else {},
        folders=version_folders(protocol),
        typed_payloads=any(
            m.payload_type is not None and not always_object(m.payload_type, protocol)
            for m in protocol.messages
        ),
    )

"""Markdown protocol docs, in the seed's style: direction tables, one section per message."""

from __future__ import annotations

import json
from dataclasses import dataclass

from wirebook import __version__, ir
from wirebook.emit import templates


def type_text(expr: ir.TypeExpr, title: str = "") -> str:
    """How a field's type reads in a table: `string`, `[RoomId](#type-RoomId)`, `array of …`."""
    if isinstance(expr, ir.RefType):
        return f"[{expr.name}](#type-{expr.name})"
    if isinstance(expr, ir.StringType):
        return f"string ({expr.format})" if expr.format else "string"
    if isinstance(expr, ir.NumericType):
        return "integer" if expr.integer else "number"
    if isinstance(expr, ir.BooleanType):
        return "boolean"
    if isinstance(expr, ir.EnumType):
        return (title or "enum") + ": " + " \\| ".join(f"`{v}`" for v in expr.values)
    if isinstance(expr, ir.ConstType):
        return f"`{json.dumps(expr.value)}`"
    if isinstance(expr, ir.ArrayType):
        return "array of " + type_text(expr.items)
    return f"object {title}".strip()


def constraints_text(expr: ir.TypeExpr) -> str:
    parts: list[str] = []
    if isinstance(expr, ir.StringType):
        parts += _range(expr.min_length, expr.max_length, "characters")
        if expr.pattern and not expr.format:
            parts.append(f"matches `{expr.pattern}`")
    elif isinstance(expr, ir.NumericType):
        parts += [
            f"{word} {value:g}"
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
    return ", ".join(parts)


def _range(low: int | None, high: int | None, unit: str) -> list[str]:
    if low is not None and high is not None:
        return [f"{low}–{high} {unit}"]
    if low is not None:
        return [f"at least {low} {unit}"]
    return [f"at most {high} {unit}"] if high is not None else []


def payload_shape(message: ir.Message) -> str:
    """The seed's `{content, room_id?}` notation."""
    names = [f.name + ("" if f.required else "?") for f in message.fields]
    return "`{" + ", ".join(names) + "}`"


def field_notes(field: ir.Field, protocol: ir.Protocol) -> str:
    expr = field.type
    if isinstance(expr, ir.RefType):  # a named type's constraints, where the reader looks
        expr = protocol.named_type(expr.name).type
    notes = [constraints_text(expr)]
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
        constraints=constraints_text,
        shape=payload_shape,
        notes=field_notes,
        cell=cell,
        flow=flow,
        json=lambda value: json.dumps(value, indent=2, ensure_ascii=False),
        compact=lambda value: json.dumps(value, ensure_ascii=False),
    )
    return env.get_template("protocol.md.jinja").render(
        protocol=protocol,
        version=__version__,
        client=protocol.direction("client"),
        server=protocol.direction("server"),
        named_types=[t for t in protocol.types if t.name != "ErrorCode"],
    )

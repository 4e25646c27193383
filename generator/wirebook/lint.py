"""Lint rules from the seed's best practices. Each has a stable ID and a one-line reason.

Silence a rule for one message with ``lint: {ignore: [WB101]}`` on the message, or for the whole
protocol with the same key under ``protocol:``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from wirebook import ir
from wirebook.diagnostics import Diagnostic, Position, Severity

_SNAKE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    reason: str
    check: Callable[[ir.Message, ir.Protocol], Iterator[tuple[Position | None, str]]]


def always_object(expr: ir.TypeExpr, protocol: ir.Protocol) -> bool:
    """Whether every value of ``expr`` is a JSON object (named types resolved)."""
    if isinstance(expr, ir.RefType):
        return expr.name != "ErrorCode" and always_object(
            protocol.named_type(expr.name).type, protocol
        )
    if isinstance(expr, ir.UnionType):
        return all(always_object(b, protocol) for b in expr.branches)
    if isinstance(expr, ir.AnyType):
        return expr.object_only
    return isinstance(expr, ir.ObjectType | ir.MapType)


def _description(m: ir.Message, _: ir.Protocol) -> Iterator[tuple[Position | None, str]]:
    if not m.description:
        yield m.position, f"{m.direction} message '{m.type}' has no description"


def _example(m: ir.Message, _: ir.Protocol) -> Iterator[tuple[Position | None, str]]:
    if not m.examples:
        yield m.position, f"{m.direction} message '{m.type}' has no example"


def _flat(m: ir.Message, _: ir.Protocol) -> Iterator[tuple[Position | None, str]]:
    def depth(expr: ir.TypeExpr) -> int:
        if isinstance(expr, ir.ObjectType):
            return 1 + max((depth(f.type) for f in expr.fields), default=0)
        if isinstance(expr, ir.ArrayType):
            return depth(expr.items)
        return 0

    for f in m.fields:
        if depth(f.type) > 1:
            yield (
                f.position,
                f"field '{f.name}' of '{m.type}' nests objects more than one level deep",
            )


def _snake_type(m: ir.Message, _: ir.Protocol) -> Iterator[tuple[Position | None, str]]:
    if not _SNAKE.match(m.type):
        yield m.position, f"message type '{m.type}' is not snake_case"


def _snake_fields(m: ir.Message, _: ir.Protocol) -> Iterator[tuple[Position | None, str]]:
    for f in m.fields:
        if not _SNAKE.match(f.name):
            yield f.position, f"field '{f.name}' of '{m.type}' is not snake_case"


def _field_description(m: ir.Message, _: ir.Protocol) -> Iterator[tuple[Position | None, str]]:
    for f in m.fields:
        if not f.description:
            yield f.position, f"field '{f.name}' of '{m.type}' has no description"


def _deprecation_reason(m: ir.Message, _: ir.Protocol) -> Iterator[tuple[Position | None, str]]:
    if m.deprecated is True:
        yield m.position, f"'{m.type}' is deprecated without saying what to use instead"


def _object_payload(m: ir.Message, protocol: ir.Protocol) -> Iterator[tuple[Position | None, str]]:
    if m.payload_type is not None and not always_object(m.payload_type, protocol):
        yield m.position, f"the payload of {m.direction} message '{m.type}' is not an object"


# What every JavaScript object inherits from Object.prototype.
_INHERITED = frozenset(
    (
        "constructor",
        "__proto__",
        "toString",
        "toLocaleString",
        "valueOf",
        "hasOwnProperty",
        "isPrototypeOf",
        "propertyIsEnumerable",
        "__defineGetter__",
        "__defineSetter__",
        "__lookupGetter__",
        "__lookupSetter__",
    )
)


def _inherited_name(m: ir.Message, protocol: ir.Protocol) -> Iterator[tuple[Position | None, str]]:
    seen: set[str] = set()  # named types already looked into (a type may contain itself)

    def fields(expr: ir.TypeExpr) -> Iterator[ir.Field]:
        if isinstance(expr, ir.RefType) and expr.name != "ErrorCode" and expr.name not in seen:
            seen.add(expr.name)
            yield from fields(protocol.named_type(expr.name).type)
        elif isinstance(expr, ir.ObjectType):
            for f in expr.fields:
                yield f
                yield from fields(f.type)
        elif isinstance(expr, ir.ArrayType):
            yield from fields(expr.items)
        elif isinstance(expr, ir.MapType):
            yield from fields(expr.values)
        elif isinstance(expr, ir.UnionType):
            for branch in expr.branches:
                yield from fields(branch)

    payload = m.payload_type or ir.ObjectType(m.fields)
    for f in fields(payload):
        if f.name in _INHERITED:
            yield f.position, f"field '{f.name}' is named like a member every JavaScript object has"


RULES = (
    Rule(
        "WB101",
        "message-description",
        "Document your protocol: every message says what it is for.",
        _description,
    ),
    Rule(
        "WB102",
        "message-example",
        "Every message has at least one example, checked on every run.",
        _example,
    ),
    Rule(
        "WB103",
        "flat-payload",
        "Keep payloads flat: nesting past one level is hard to evolve.",
        _flat,
    ),
    Rule(
        "WB104",
        "snake-case-type",
        "Message types are snake_case, as in the seed's tables.",
        _snake_type,
    ),
    Rule(
        "WB105",
        "snake-case-field",
        "Payload fields are snake_case, one convention for every language.",
        _snake_fields,
    ),
    Rule("WB106", "field-description", "Every field says what it carries.", _field_description),
    Rule(
        "WB107",
        "deprecation-reason",
        "A deprecation says what to use instead (`deprecated: <reason>`).",
        _deprecation_reason,
    ),
    Rule(
        "WB108",
        "object-payload",
        "Payload is always a dict: a payload that is not an object cannot grow a field.",
        _object_payload,
    ),
    Rule(
        "WB109",
        "inherited-name",
        "JavaScript validators that look a member up through the prototype (Ajv's default "
        "options) read a field named like one every object inherits as present when it is not.",
        _inherited_name,
    ),
)


def lint(protocol: ir.Protocol) -> list[Diagnostic]:
    found: dict[tuple[Position | None, str], Diagnostic] = {}  # a named type's, once
    for message in protocol.messages:
        for rule in RULES:
            if rule.id in protocol.lint_ignore or rule.id in message.lint_ignore:
                continue
            for position, text in rule.check(message, protocol):
                found[(position, text)] = Diagnostic(
                    position,
                    text,
                    f"{rule.reason} Silence with `lint: {{ignore: [{rule.id}]}}`.",
                    Severity.WARNING,
                    rule.id,
                )
    return list(found.values())


def rules_help() -> str:
    return "\n".join(f"  {r.id} {r.name}: {r.reason}" for r in RULES)

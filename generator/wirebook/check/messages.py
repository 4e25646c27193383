"""Messages: each message of each direction with its payload, examples and invalid examples, and
what the generated dispatch needs of the `error` and `ack` messages it sends."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from wirebook import ir
from wirebook.check.context import Gaps, Run, Where, child_value, items, sections
from wirebook.check.header import Header, acknowledgements, check_lint_ignore
from wirebook.check.names import file_name_ok, pascal
from wirebook.check.types import Types
from wirebook.check.versions import read_span
from wirebook.diagnostics import Position, did_you_mean
from wirebook.errors import (
    DISPATCH_NEEDS,
    DUPLICATE_MESSAGE,
    EXAMPLE_FORM,
    NO_CLIENT_MESSAGES,
    UNKNOWN_REPLY,
)
from wirebook.load import Document, Pointer
from wirebook.problems import pointer as json_pointer


def read_messages(
    run: Run, docs: list[Document], gaps: Gaps, types: Types, header: Header
) -> list[ir.Message]:
    """Every message of both directions, checked one by one and together."""
    raw_messages = [
        (direction, at, m) for direction in ir.DIRECTIONS for at, m in items(docs, direction)
    ]
    both_ways = {m["type"] for d, _, m in raw_messages if d == "client"} & {
        m["type"] for d, _, m in raw_messages if d == "server"
    }
    messages: list[ir.Message] = []
    seen: dict[tuple[str, str], Position] = {}
    folded: dict[tuple[str, str], tuple[str, Position]] = {}
    for direction, at, m in raw_messages:
        key = (direction, m["type"])
        if key in seen:
            run.error(
                DUPLICATE_MESSAGE,
                at.child("type").position,
                f"{direction} message '{m['type']}' is defined twice (first at {seen[key]})",
                "a message is identified by its direction and type: merge the two or rename one",
            )
            continue
        seen[key] = at.child("type").position
        if not file_name_ok(run, direction, at.child("type"), m["type"], folded):
            continue
        messages.append(build_message(types, direction, at, m, both_ways))
    # The server always has `error` (the dispatch needs it); clients must have something to send.
    if "client" not in {d for d, _ in [*seen, *gaps.messages]} | gaps.all_messages:
        run.error(
            NO_CLIENT_MESSAGES,
            next((s.key_position for s, _ in sections(docs, "client")), header.where.key_position),
            "the protocol has no client messages",
            "declare at least one under `client:`: the generated dispatch routes what clients "
            "send to their handlers, and a union of no messages would accept nothing",
        )
    check_replies(run, gaps, messages, {(d, m["type"]): at for d, at, m in raw_messages})
    check_dispatch_needs(run, types, docs, messages, raw_messages, header.correlation, header.where)
    return messages


def build_message(
    types: Types, direction: ir.Direction, at: Where, m: dict[str, Any], both_ways: set[str]
) -> ir.Message:
    type_ = m["type"]
    what = f"{direction} message '{type_}'"
    type_position = at.child("type").position
    class_name = (pascal(direction) if type_ in both_ways else "") + pascal(type_)
    if types.names.claim(class_name, what, type_position):
        types.names.claim(class_name + "Payload", f"the payload of {what}", type_position)
    check_lint_ignore(types.run, at.child("lint", "ignore"), m)
    payload = m.get("payload", {})
    payload_type = None
    if isinstance(payload, str):  # a type, not fields
        payload_type = types.type_expr(at.child("payload"), payload, class_name + "Payload")
    fields = (
        ()
        if isinstance(payload, str)  # a type, reported if broken
        else types.fields(at.child("payload"), payload, class_name + "Payload")
    )
    unknown = m.get("unknown_fields")
    span = read_span(types.run, at, m, types.wire, what)
    # A payload written alone is sent in the default version, or the first one with the message.
    version = (
        None
        if span.has(types.wire.default)
        else next((v for v in sorted(types.wire.supported) if span.has(v)), None)
    )
    examples = []
    for i, example in enumerate(m.get("examples", [])):
        if example is None:  # broken, and reported
            continue
        ex_at = at.child("examples", i)
        has_message, has_payload = "message" in example, "payload" in example
        if has_message == has_payload:
            types.run.error(
                EXAMPLE_FORM,
                ex_at.position,
                f"{ex_at.name} has {'both' if has_message else 'neither'} `message` "
                f"{'and' if has_message else 'nor'} `payload`",
                "write the whole wire message under `message:`, or only its payload under "
                "`payload:`",
            )
            continue
        wire = (
            example["message"] if has_message else _payload_form(type_, example["payload"], version)
        )
        written = ex_at.child("message" if has_message else "payload")
        examples.append(
            ir.Example(
                example.get("name", f"example {i + 1}"),
                wire,
                ex_at.position,
                _members(written, "" if has_message else "/payload"),
            )
        )
    invalid = tuple(
        invalid_example(types.run, at.child("invalid", i), item, direction, type_, version)
        for i, item in enumerate(m.get("invalid", []))
        if item is not None
    )
    return ir.Message(
        direction=direction,
        type=type_,
        class_name=class_name,
        payload_class_name=class_name + "Payload",
        summary=m.get("summary", ""),
        description=m.get("description", ""),
        fields=fields,
        replies=tuple(m.get("replies", [])),
        deprecated=m.get("deprecated", False),
        examples=tuple(examples),
        invalid=invalid,
        lint_ignore=tuple(m.get("lint", {}).get("ignore", [])),
        breaking_ignore=acknowledgements(types.run, at.child("breaking", "ignore"), m),
        position=type_position,
        payload_type=payload_type,
        unknown_fields=None if unknown is None else unknown == "allow",
        span=span,
    )


def _payload_form(type_: str | None, payload: Any, version: int | None) -> dict[str, Any]:
    """The wire message of an example written as its payload."""
    head: dict[str, Any] = {} if version is None else {"v": version}
    return {**head, "type": type_, "payload": payload}


def _members(at: Where, prefix: str) -> tuple[tuple[str, Position], ...]:
    """JSON pointer (within the wire message) → position, for every value written under ``at``."""
    found: list[tuple[str, Position]] = []

    def walk(value: Any, path: Pointer) -> None:
        if (position := at.doc.values.get((*at.pointer, *path))) is not None:
            found.append((prefix + json_pointer(path), position))
        children = (
            value.items()
            if isinstance(value, dict)
            else enumerate(value)
            if isinstance(value, list)
            else ()
        )
        for key, child in children:
            walk(child, (*path, key))

    value = at.doc.data
    for step in at.pointer:
        value = child_value(value, step)
    walk(value, ())
    return tuple(found)


def invalid_example(
    run: Run,
    at: Where,
    item: dict[str, Any],
    direction: ir.Direction,
    type_: str | None,
    version: int | None = None,
) -> ir.InvalidExample:
    allowed = ("message", "payload", "raw") if type_ is not None else ("message", "raw")
    forms = [k for k in allowed if k in item]
    if len(forms) != 1:
        keys = [f"`{f}`" for f in forms or allowed]
        listed = ", ".join(keys[:-1]) + f" {'and' if forms else 'or'} {keys[-1]}"
        run.error(
            EXAMPLE_FORM,
            at.position,
            f"{at.name} has {listed}" if forms else f"{at.name} has no {listed}",
            "write exactly one of them: the message that must be rejected (`raw` for text "
            "that is not JSON)",
        )
    form = forms[0] if forms else "message"
    message = item.get(form)
    if form == "payload":
        message = _payload_form(type_, item["payload"], version)
    expect = item["expect"]
    return ir.InvalidExample(
        name=item.get("name", f"invalid {at.pointer[-1]}"),
        direction=direction,
        pointer=expect["pointer"],
        keyword=expect["keyword"],
        message=None if form == "raw" else message,
        raw=item.get("raw"),
        position=at.position,
    )


def check_replies(
    run: Run, gaps: Gaps, messages: list[ir.Message], places: dict[tuple[str, str], Where]
) -> None:
    for message in messages:
        other: ir.Direction = "server" if message.direction == "client" else "client"
        known = [m.type for m in messages if m.direction == other]
        known += [t for d, t in gaps.messages if d == other]  # broken, but named
        for i, reply in enumerate(message.replies):
            if reply not in known and not gaps.hides_message(other, reply):
                at = places[message.key].child("replies", i)
                run.error(
                    UNKNOWN_REPLY,
                    at.position,
                    f"{message.direction} message '{message.type}' replies with '{reply}', "
                    f"which is not a {other} message",
                    did_you_mean(reply, known) if known else f"declare it under `{other}:`",
                )


@dataclass(frozen=True)
class _FieldNeed:
    """A payload field that the generated dispatch fills in itself."""

    name: str
    fits: Callable[[ir.TypeExpr], bool]
    what: str  # "a required string"
    snippet: str  # how to declare it
    required: bool | None  # None: either way


def check_dispatch_needs(
    run: Run,
    types: Types,
    docs: list[Document],
    messages: list[ir.Message],
    raw_messages: list[tuple[ir.Direction, Where, Any]],
    correlation: str | None,
    protocol: Where,
) -> None:
    """The generated dispatch sends `error` (and `ack`) messages of a known shape."""
    gaps = types.gaps
    declared = {c.code for c in types.error_codes}
    missing = [c for c in ir.DISPATCH_ERROR_CODES if c not in declared and not gaps.hides_code(c)]
    if missing:
        several = len(missing) > 1
        run.error(
            DISPATCH_NEEDS,
            next((s.key_position for s, _ in sections(docs, "errors")), protocol.key_position),
            f"error code{'s' * several} {', '.join(missing)} {'are' if several else 'is'} "
            "not declared",
            "the generated dispatch sends "
            + "; ".join(f"{c} when {ir.DISPATCH_ERROR_CODES[c]}" for c in missing)
            + f": declare {'them' if several else 'it'} under `errors:`",
        )

    def string(expr: ir.TypeExpr) -> bool:
        return isinstance(types.resolve(expr), ir.StringType)

    def status(expr: ir.TypeExpr) -> bool:
        resolved = types.resolve(expr)
        if not isinstance(resolved, ir.EnumType):
            return False
        values = resolved.values
        always = {str(v) for i, v in enumerate(values) if resolved.span(i) == ir.ALWAYS}
        return {"ok", "error"} <= always  # the dispatch sends them in every wire version

    shapes = {
        "error": [
            _FieldNeed("message", string, "a required string", "message: {type: string}", True),
            _FieldNeed(
                "code",
                lambda e: e == ir.RefType("ErrorCode"),
                "of type ErrorCode",
                "code: {type: ErrorCode, required: false}",
                None,
            ),
        ],
    }
    if correlation:
        shapes["ack"] = [
            _FieldNeed(
                correlation,
                string,
                "a required string (the client's correlation id)",
                f"{correlation}: {{type: string}}",
                True,
            ),
            _FieldNeed(
                "status",
                status,
                "a required enum that includes ok and error"
                + (" in every wire version" if len(types.wire.supported) > 1 else ""),
                "status: {enum: [ok, error]}",
                True,
            ),
            _FieldNeed(
                "message",
                string,
                "an optional string (why it failed)",
                "message: {type: string, required: false}",
                False,
            ),
        ]
    server_at = next((s.key_position for s, _ in sections(docs, "server")), protocol.key_position)
    by_key = {m.key: m for m in messages}
    raw_payloads = {(d, m["type"]): m.get("payload", {}) for d, _, m in raw_messages}
    for type_, needs in shapes.items():
        message = by_key.get(("server", type_))
        if message is None and gaps.hides_message("server", type_):
            continue
        if message is None:
            run.error(
                DISPATCH_NEEDS,
                server_at,
                f"the protocol has no server message '{type_}'",
                f"the generated dispatch sends it: declare `- type: {type_}` under `server:` "
                "with the fields "
                + ", ".join(f"`{need.snippet}`" for need in needs)
                + (" (or set `envelope: {correlation: null}`: no acks)" if type_ == "ack" else ""),
            )
            continue
        if message.span != ir.ALWAYS:
            run.error(
                DISPATCH_NEEDS,
                message.position,
                f"server message '{type_}' is not in every wire version ({message.span.label()})",
                "the generated dispatch sends it to clients of every version: drop `since`/`until`",
            )
        fields = {f.name: f for f in message.fields}
        for need in needs:
            found = fields.get(need.name)
            if found is None and (
                need.name in raw_payloads[message.key]
                or gaps.hides_field("server", type_, need.name)
            ):
                continue  # the field is there but broken, and reported
            if found is None:
                run.error(
                    DISPATCH_NEEDS,
                    message.position,
                    f"server message '{type_}' has no field '{need.name}'",
                    f"the generated dispatch fills it in: add `{need.snippet}` to its payload",
                )
            elif (
                not need.fits(found.type)
                or need.required not in (None, found.required)
                or found.span != ir.ALWAYS
            ):
                run.error(
                    DISPATCH_NEEDS,
                    found.position,
                    f"field '{need.name}' of server message '{type_}' must be {need.what}"
                    + (
                        f" and in every wire version (it is {found.span.label()})"
                        if found.span != ir.ALWAYS
                        else ""
                    ),
                    f"the generated dispatch fills it in: write `{need.snippet}`",
                )

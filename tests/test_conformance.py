"""Conformance: every output of `make generate` agrees with every example of the protocol.

python-jsonschema (the reference), the generated Pydantic unions and the generated dispatch are
each asked about every example, every invalid example and a corpus of mutants of the examples.
The schemas are the committed files under generated/schemas, as other teams receive them.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from chat_protocol import models
from chat_protocol.dispatch import (
    DEFAULT_VERSION,
    ClientHandlers,
    IncomingMessage,
    OutgoingMessage,
    ProtocolError,
    dispatch,
    encode,
    parse_client_message,
    parse_server_message,
)
from chat_protocol.models import (
    ChatMessage,
    ClientChat,
    ClientTyping,
    ErrorCode,
    JoinRoom,
    LeaveRoom,
    Ping,
    Subscribe,
    Unsubscribe,
)
from jsonschema import Draft202012Validator
from pydantic import ValidationError
from pydantic_core import ErrorDetails, InitErrorDetails
from wire_corpus import (
    INVALID,
    JSON,
    PROTOCOL,
    REFERENCE,
    ROOT,
    SCHEMA_DIR,
    VALID,
    VERSIONS,
    InvalidCase,
    ValidCase,
    bundle_of,
    bundle_verdict,
    mutants,
    own_path,
    published,
    reference_verdict,
    version_of,
)
from wirebook import ir
from wirebook.emit.python import handler_name
from wirebook.emit.schemas import DIALECT, bundle_path, generated_comment, message_path
from wirebook.problems import pointer
from wirebook.reference import ReferenceDraft
from wirebook.validate.parse import parse_text
from wirebook.verify import invalid_verdict

PARSERS = {"client": parse_client_message, "server": parse_server_message}
CLIENT_TYPES = {
    v: {m.type for m in schemas.protocol.direction("client")} for v, schemas in VERSIONS.items()
}
# The envelope's `ref`, as published: whether a message's ref is one the server may echo.
_ANY_CLIENT_MESSAGE = published(message_path(PROTOCOL.direction("client")[0]))
REF_SCHEMA = ReferenceDraft(_ANY_CLIENT_MESSAGE["properties"]["ref"])


def parse(direction: str, text: str) -> Any:
    """Parse wire text as the server does, against the message's own wire version: only wire
    names count (`from`, never `from_`). Text that is not JSON fails as pydantic's
    `json_invalid`."""
    try:
        return PARSERS[direction](text)
    except ValidationError:
        raise
    except ValueError as exc:
        error = InitErrorDetails(type="json_invalid", loc=(), input=text, ctx={"error": str(exc)})
        raise ValidationError.from_exception_data("json", [error]) from exc


def case_id(case: ValidCase | InvalidCase) -> str:
    return case.id


# --- a real connection and real handlers


class Outbox:
    """A connection that keeps every message the server sends on it, and the wire version its
    client spoke when it was sent."""

    def __init__(self) -> None:
        self.version = DEFAULT_VERSION
        self.sent: list[tuple[OutgoingMessage, int]] = []

    async def send(self, message: OutgoingMessage) -> None:
        self.sent.append((message, self.version))

    def wire(self) -> list[dict[str, Any]]:
        """What went out, as the client reads it; each message is checked against the schemas
        of the client's version."""
        found = [json.loads(encode(m, version)) for m, version in self.sent]
        for message in found:
            assert bundle_verdict("server", message), (
                f"the server sent an invalid message: {message}"
            )
        return found


class Recorder(ClientHandlers[Outbox]):
    """Handlers that note which one was called with what, then fail if told to."""

    def __init__(self, failure: Exception | None = None) -> None:
        self.calls: list[tuple[str, IncomingMessage]] = []
        self.failure = failure

    async def _record(self, handler: str, message: IncomingMessage) -> None:
        self.calls.append((handler, message))
        if self.failure is not None:
            raise self.failure

    async def on_ping(self, connection: Outbox, message: Ping) -> None:
        await self._record("on_ping", message)

    async def on_join_room(self, connection: Outbox, message: JoinRoom) -> None:
        await self._record("on_join_room", message)

    async def on_leave_room(self, connection: Outbox, message: LeaveRoom) -> None:
        await self._record("on_leave_room", message)

    async def on_chat(self, connection: Outbox, message: ClientChat) -> None:
        await self._record("on_chat", message)

    async def on_chat_message(self, connection: Outbox, message: ChatMessage) -> None:
        await self._record("on_chat_message", message)

    async def on_typing(self, connection: Outbox, message: ClientTyping) -> None:
        await self._record("on_typing", message)

    async def on_subscribe(self, connection: Outbox, message: Subscribe) -> None:
        await self._record("on_subscribe", message)

    async def on_unsubscribe(self, connection: Outbox, message: Unsubscribe) -> None:
        await self._record("on_unsubscribe", message)


def run_dispatch(raw: str, failure: Exception | None = None) -> tuple[Recorder, Outbox]:
    handlers, outbox = Recorder(failure), Outbox()
    asyncio.run(dispatch(handlers, outbox, raw))
    return handlers, outbox


# --- every example is valid everywhere


@pytest.mark.parametrize("case", VALID, ids=case_id)
def test_example_is_valid_against_its_schema_and_its_bundle(case: ValidCase) -> None:
    message, direction = case.wire, case.message.direction
    assert message["type"] == case.message.type
    own = own_path(case.message, message)
    assert own is not None, "the example's version has no such message"
    assert [e.message for e in ReferenceDraft(published(own)).iter_errors(message)] == []
    bundle = ReferenceDraft(published(bundle_of(direction, message)))
    assert [e.message for e in bundle.iter_errors(message)] == []
    assert REFERENCE.validate(direction, message) == []


@pytest.mark.parametrize("case", VALID, ids=case_id)
def test_example_parses_into_its_class_and_writes_back_the_same(case: ValidCase) -> None:
    message = case.wire
    parsed = parse(case.message.direction, json.dumps(message))
    assert type(parsed) is getattr(models, case.message.class_name)
    # optional fields left out stay out; only the payload's default `{}` is filled in
    assert json.loads(parsed.model_dump_json(by_alias=True)) == {"payload": {}, **message}


CLIENT_VALID = [c for c in VALID if c.message.direction == "client"]


@pytest.mark.parametrize("case", CLIENT_VALID, ids=case_id)
def test_example_is_routed_to_its_handler(case: ValidCase) -> None:
    text = json.dumps(case.wire)
    handlers, outbox = run_dispatch(text)
    assert handlers.calls == [(handler_name(case.message), parse("client", text))]
    ref = case.wire.get("ref")
    version = version_of(case.wire)
    head = {} if version == DEFAULT_VERSION else {"v": version}  # answered in its version
    ack = {**head, "type": "ack", "payload": {"ref": ref, "status": "ok"}}
    assert outbox.wire() == ([ack] if ref is not None else [])


@pytest.mark.parametrize(
    ("code", "failure"),
    [
        ("ROOM_NOT_FOUND", ProtocolError(ErrorCode.ROOM_NOT_FOUND, "Invalid room")),
        ("HANDLER_ERROR", RuntimeError("the database is down")),
    ],
    ids=["ProtocolError", "unexpected exception"],
)
@pytest.mark.parametrize("case", CLIENT_VALID, ids=case_id)
def test_a_failing_handler_is_answered_with_a_typed_error(
    case: ValidCase, code: str, failure: Exception
) -> None:
    handlers, outbox = run_dispatch(json.dumps(case.wire), failure)
    assert [name for name, _ in handlers.calls] == [handler_name(case.message)]
    sent = outbox.wire()
    assert [(m["type"], m["payload"].get("code")) for m in sent[:1]] == [("error", code)]
    ref = case.wire.get("ref")
    acks = [{"ref": ref, "status": "error"}] if ref is not None else []
    assert [{k: m["payload"][k] for k in ("ref", "status")} for m in sent[1:]] == acks


# --- every invalid example is rejected everywhere, at the expected place


@pytest.mark.parametrize("case", INVALID, ids=case_id)
def test_invalid_example_is_rejected_by_jsonschema_where_expected(case: InvalidCase) -> None:
    expected = (case.example.pointer, case.example.keyword)
    problems = invalid_verdict(REFERENCE, case.example)
    assert expected in {(p.pointer, p.keyword) for p in problems}, problems
    message, not_json = parse_text(case.text)
    if not_json:
        assert case.example.raw is not None
    else:
        assert not bundle_verdict(case.example.direction, message)


# pydantic's error types, as the JSON Schema keywords that reject the same thing
KEYWORDS = {
    "missing": "required",
    "extra_forbidden": "additionalProperties",
    "literal_error": "enum",
    "enum": "enum",
    "string_too_short": "minLength",
    "string_too_long": "maxLength",
    "string_pattern_mismatch": "pattern",
    "greater_than_equal": "minimum",
    "less_than_equal": "maximum",
    "greater_than": "exclusiveMinimum",
    "less_than": "exclusiveMaximum",
    "too_short": "minItems",
    "too_long": "maxItems",
    "json_invalid": "json",
    "union_tag_not_found": "required",
    **dict.fromkeys(
        (
            "string_type",
            "int_type",
            "float_type",
            "bool_type",
            "dict_type",
            "list_type",
            "model_type",
            "model_attributes_type",
        ),
        "type",
    ),
}


def pydantic_problem(error: ErrorDetails) -> tuple[str, str]:
    """(JSON pointer, keyword) of one pydantic error, as python-jsonschema would place it."""
    kind = error["type"]
    if kind.startswith("union_tag_"):  # the discriminator: the message's `type`
        tag = error["input"].get("type") if isinstance(error["input"], dict) else None
        keyword = KEYWORDS.get(kind) or ("enum" if isinstance(tag, str) else "type")
        return "/type", keyword
    # the first item of a located error is the union's tag; `missing` and `extra_forbidden`
    # locate the member itself, as jsonschema's problems do
    return pointer(error["loc"][1:]), KEYWORDS.get(kind, kind)


@pytest.mark.parametrize("case", INVALID, ids=case_id)
def test_invalid_example_is_rejected_by_pydantic_where_expected(case: InvalidCase) -> None:
    with pytest.raises(ValidationError) as caught:
        parse(case.example.direction, case.text)
    found = [pydantic_problem(e) for e in caught.value.errors(include_url=False)]
    assert (case.example.pointer, case.example.keyword) in found


@dataclass(frozen=True)
class BadFrame:
    """A text frame that dispatch must answer with an error `code` (and an ack when `ref`)."""

    id: str
    text: str
    code: str
    ref: str | None


def expected_code(message: JSON, example: ir.InvalidExample) -> str:
    """The error code the protocol promises for this message (see ir.DISPATCH_ERROR_CODES)."""
    if not isinstance(message, dict):
        return "BAD_JSON"
    if not isinstance(message.get("type"), str):
        return "MISSING_TYPE"
    if message["type"] not in CLIENT_TYPES[version_of(message)]:
        return "UNKNOWN_TYPE"
    return "UNSUPPORTED_VERSION" if example.pointer == "/v" else "INVALID_MESSAGE"


def bad_frames() -> Iterator[BadFrame]:
    """Every client invalid example, and again with a valid `ref` wherever it can carry one."""
    for case in INVALID:
        if case.example.direction != "client":
            continue
        message, not_json = parse_text(case.text)
        code = "BAD_JSON" if not_json else expected_code(message, case.example)
        ref = message.get("ref") if isinstance(message, dict) else None
        ref = ref if REF_SCHEMA.is_valid(ref) else None
        yield BadFrame(case.id, case.text, code, ref)
        if isinstance(message, dict) and "ref" not in message:
            with_ref = {**message, "ref": "r-1"}
            yield BadFrame(f"{case.id} (with a ref)", json.dumps(with_ref), code, "r-1")


@pytest.mark.parametrize("frame", list(bad_frames()), ids=lambda f: f.id)
def test_invalid_example_is_answered_by_dispatch_with_its_error_code(frame: BadFrame) -> None:
    handlers, outbox = run_dispatch(frame.text)
    assert handlers.calls == []
    sent = outbox.wire()
    assert [(m["type"], m["payload"].get("code")) for m in sent[:1]] == [("error", frame.code)]
    acks = [{"ref": frame.ref, "status": "error"}] if frame.ref is not None else []
    assert [{k: m["payload"][k] for k in ("ref", "status")} for m in sent[1:]] == acks


# --- beyond the examples: the validators agree on every mutant


def pydantic_verdict(direction: str, text: str) -> bool:
    try:
        parse(direction, text)
    except ValidationError:
        return False
    return True


async def dispatch_verdicts(texts: list[str]) -> list[bool]:
    """For each frame: did dispatch hand it to a handler without answering an error?"""
    verdicts = []
    for text in texts:
        handlers, outbox = Recorder(), Outbox()
        await dispatch(handlers, outbox, text)
        errors = [m for m, _ in outbox.sent if m.type == "error"]
        assert len(handlers.calls) + len(errors) == 1, (text, handlers.calls, outbox.sent)
        verdicts.append(bool(handlers.calls))
    return verdicts


@pytest.mark.parametrize("case", VALID, ids=case_id)
def test_validators_agree_on_every_mutant_of(case: ValidCase) -> None:
    direction = case.message.direction
    corpus = mutants(case)
    texts = [json.dumps(m.message) for m in corpus]
    verdicts: dict[str, list[bool]] = {
        "jsonschema": [reference_verdict(direction, m.message) for m in corpus],
        "bundle": [bundle_verdict(direction, m.message) for m in corpus],
        "pydantic": [pydantic_verdict(direction, t) for t in texts],
    }
    if direction == "client":
        verdicts["dispatch"] = asyncio.run(dispatch_verdicts(texts))
    disagreements = [
        f"{m.label}: "
        + ", ".join(f"{who} {'valid' if v[i] else 'invalid'}" for who, v in verdicts.items())
        + f"\n    {texts[i][:200]}"
        for i, m in enumerate(corpus)
        if len({v[i] for v in verdicts.values()}) > 1
    ]
    assert not disagreements, f"{len(disagreements)} of {len(corpus)} mutants:\n" + "\n".join(
        disagreements
    )
    # the corpus is not degenerate: it holds valid and invalid messages
    assert set(verdicts["jsonschema"]) == {True, False}


# --- the published files

SCHEMA_FILES = sorted(
    p.relative_to(SCHEMA_DIR).as_posix() for p in SCHEMA_DIR.rglob("*") if p.is_file()
)


def test_published_schemas_are_each_versions_bundles_and_one_per_message() -> None:
    expected = [
        path
        for schemas in dict.fromkeys(VERSIONS.values())
        for path in (
            *(bundle_path(d, schemas.folder) for d in ir.DIRECTIONS),
            *(message_path(m, schemas.folder) for m in schemas.protocol.messages),
        )
    ]
    assert sorted(expected) == SCHEMA_FILES
    assert {s.folder for s in VERSIONS.values()} == {"", "v1/"}  # v2 at the top, v1 apart


def refs_in(node: JSON) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from refs_in(value)
    elif isinstance(node, list):
        for item in node:
            yield from refs_in(item)


def resolve(document: JSON, ref: str) -> JSON:
    """The target of a `#/…` reference inside `document` (KeyError when there is none)."""
    assert ref.startswith("#/"), f"{ref} points outside the file"
    node = document
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


@pytest.mark.parametrize("path", SCHEMA_FILES)
def test_published_schema_is_2020_12_with_its_id_and_self_contained(path: str) -> None:
    schema = published(path)
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == DIALECT
    assert schema["$id"] == PROTOCOL.base_uri + path
    assert schema["$comment"] == generated_comment(PROTOCOL)
    for ref in refs_in(schema):
        assert isinstance(resolve(schema, ref), dict), ref
    # self-contained and no more: it carries exactly the $defs that it reaches
    reached, todo = set(), list(refs_in({k: v for k, v in schema.items() if k != "$defs"}))
    while todo:
        ref = todo.pop()
        if ref not in reached:
            reached.add(ref)
            todo.extend(refs_in(resolve(schema, ref)))
    assert reached == {f"#/$defs/{name}" for name in schema.get("$defs", {})}


# --- the generated Python


@pytest.mark.parametrize(
    "command",
    [
        ["mypy", "--strict", "generated/python/chat_protocol"],
        ["ruff", "check", "generated/python"],
        ["ruff", "format", "--check", "generated/python"],
    ],
    ids=" ".join,
)
def test_generated_python_is_clean(command: list[str]) -> None:
    # with the repository's own configuration (pyproject.toml), as `make lint` runs them
    done = subprocess.run(
        [sys.executable, "-m", *command], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr

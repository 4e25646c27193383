"""The docs' sequence diagrams say what the generated dispatch does, for every client message.

Each client message is sent to the real `dispatch` in every case it tells apart: its handler
returned, raised a `ProtocolError`, raised anything else, or the message was invalid; each with
and without the protocol's correlation id. What went out must be exactly what the message's
diagram draws under the conditions that hold, after the handler's own replies (the message's
`replies`, less the types the dispatch sends itself) when the handler returned. The example
protocol's committed docs are read, and so are those of two variants generated into a
temporary folder: one whose correlation field is `cid`, one without a correlation field.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml
from test_conformance import Outbox, Recorder
from wire_corpus import PROTOCOL, ROOT
from wirebook import ir
from wirebook.pipeline import compile_definitions

# what happens to a message: its handler returned or raised, or it never reached its handler
OUTCOMES = ["handler returned", "handler raised ProtocolError", "handler raised", "invalid"]
ID = "r-1"  # the correlation id the client sends


@dataclass(frozen=True)
class Subject:
    """A protocol, its generated docs and its generated dispatch module."""

    protocol: ir.Protocol
    docs: str
    dispatch: ModuleType


# --- the variants: the example protocol, with another correlation field or none


def renamed_correlation(node: Any, name: str) -> Any:
    """The definitions with every `ref` member (examples, the ack's payload) and pointer renamed."""
    if isinstance(node, dict):
        return {
            (name if key == "ref" else key): (
                f"/{name}"
                if key == "pointer" and value == "/ref"
                else renamed_correlation(value, name)
            )
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [renamed_correlation(item, name) for item in node]
    return node


def without_correlation(node: Any) -> Any:
    """The definitions without acks: no `ack` message or reply, no example that has a `ref`."""
    if isinstance(node, dict):
        return {key: without_correlation(value) for key, value in node.items()}
    if isinstance(node, list):
        return [without_correlation(item) for item in node if not acknowledged(item)]
    return node


def acknowledged(item: Any) -> bool:
    """The `ack` message, a reply `ack`, or an example that carries a `ref`."""
    if isinstance(item, dict):
        return bool(item.get("type") == "ack" or "ref" in (item.get("message") or {}))
    return bool(item == "ack")


VARIANTS: dict[str, tuple[str | None, Callable[[Any], Any]]] = {
    "cid": ("cid", lambda node: renamed_correlation(node, "cid")),
    "uncorrelated": (None, without_correlation),
}


def generate_variant(folder: Path, name: str) -> Subject:
    correlation, edit = VARIANTS[name]
    schema = folder / "schema"
    schema.mkdir()
    for source in sorted((ROOT / "schema").glob("*.yaml")):
        data = edit(yaml.safe_load(source.read_text(encoding="utf-8")))
        if "protocol" in data:
            data["protocol"]["name"] = f"{name}_chat"
            data["protocol"]["envelope"]["correlation"] = correlation
        (schema / source.name).write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    out = folder / "out"
    wirebook = Path(sys.executable).parent / "wirebook"
    done = subprocess.run(
        [wirebook, "generate", "--schema", schema, "--out", out], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    protocol = compile_definitions(schema).protocol
    assert protocol.correlation == correlation
    sys.path.insert(0, str(out / "python"))
    try:
        dispatch = importlib.import_module(f"{protocol.package}.dispatch")
    finally:
        sys.path.remove(str(out / "python"))
    return Subject(protocol, (out / "docs" / "protocol.md").read_text(encoding="utf-8"), dispatch)


@pytest.fixture(scope="module", params=["example", *VARIANTS])
def subject(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Subject:
    if request.param == "example":
        docs = (ROOT / "generated" / "docs" / "protocol.md").read_text(encoding="utf-8")
        return Subject(PROTOCOL, docs, importlib.import_module("chat_protocol.dispatch"))
    return generate_variant(tmp_path_factory.mktemp(request.param), request.param)


# --- reading the diagrams


@dataclass(frozen=True)
class Arrow:
    """`S-->>C: ack {ref, status: "ok"}`: a type, and the payload members named (and valued)."""

    type: str
    members: dict[str, Any] | None  # None: the label names only the type


@dataclass(frozen=True)
class Block:
    """An `alt` (one branch holds) or an `opt` (its one branch may hold) of a diagram."""

    kind: str
    branches: list[tuple[str, list[Arrow | Block]]]


@dataclass(frozen=True)
class Diagram:
    request: str  # the client's arrow, `join_room {room_id}`
    answers: list[Arrow | Block]


def arrow(label: str) -> Arrow:
    found = re.fullmatch(r"(\S+)(?: \{(.*)\})?", label)
    assert found, f"an answer's label is not `type {{member, member: value}}`: {label!r}"
    if found[2] is None:
        return Arrow(found[1], None)
    members: dict[str, Any] = {}
    for member in found[2].split(", "):
        name, _, value = member.partition(": ")
        members[name] = json.loads(value) if value else None
    return Arrow(found[1], members)


def diagrams(docs: str) -> dict[str, Diagram]:
    """The Flows section's diagrams, by the client message type that each one is about."""
    flows = docs.split("\n## Flows\n", 1)[1].split("\n## ", 1)[0]
    found = re.findall(r"^`([^`]+)`:\n\n```mermaid\n(.*?)^```$", flows, re.M | re.S)
    return {kind: diagram(text) for kind, text in found}


def diagram(text: str) -> Diagram:
    lines = [line.strip() for line in text.splitlines()]
    assert lines[:3] == ["sequenceDiagram", "participant C as Client", "participant S as Server"]
    assert lines[3].startswith("C->>S: "), lines[3]
    root: list[Arrow | Block] = []
    open_blocks: list[Block] = []  # innermost last
    for line in lines[4:]:
        body = open_blocks[-1].branches[-1][1] if open_blocks else root
        keyword, _, rest = line.partition(" ")
        if keyword in ("alt", "opt"):
            block = Block(keyword, [(rest, [])])
            body.append(block)
            open_blocks.append(block)
        elif keyword == "else":
            assert open_blocks and open_blocks[-1].kind == "alt", line
            open_blocks[-1].branches.append((rest, []))
        elif line == "end":
            open_blocks.pop()
        else:
            assert line.startswith("S-->>C: "), f"not an answer to the client: {line!r}"
            body.append(arrow(line.removeprefix("S-->>C: ")))
    assert not open_blocks, "a block is not closed"
    return Diagram(lines[3].removeprefix("C->>S: "), root)


def drawn(answers: list[Arrow | Block], holds: Callable[[str], bool]) -> Iterator[Arrow]:
    """The answers that a diagram draws when the conditions that `holds` are true."""
    for answer in answers:
        if isinstance(answer, Arrow):
            yield answer
            continue
        taken = [body for condition, body in answer.branches if holds(condition)]
        if answer.kind == "alt":
            assert len(taken) == 1, f"{len(taken)} branches of an alt hold: {answer.branches}"
        yield from (arrow for body in taken for arrow in drawn(body, holds))


def conditions(protocol: ir.Protocol, outcome: str, with_id: bool) -> Callable[[str], bool]:
    """How a reader takes the diagrams' conditions, in one case."""
    returned = outcome == "handler returned"
    known = {"handler returned": returned, "invalid, or handler raised": not returned}
    if protocol.correlation:
        known[f"with {protocol.correlation}"] = with_id

    def holds(condition: str) -> bool:
        assert condition in known, f"a diagram has a condition nobody can read: {condition!r}"
        return known[condition]

    return holds


# --- what the dispatch does


def send(subject: Subject, message: ir.Message, outcome: str, with_id: bool) -> list[Any]:
    """What the server sends in this case (the messages as JSON), the handler sending nothing."""
    assert message.examples, f"client message '{message.type}' needs an example"
    wire = message.examples[0].message
    assert isinstance(wire, dict)
    correlation = subject.protocol.correlation
    wire = {key: value for key, value in wire.items() if key != correlation}
    if with_id:
        assert correlation is not None
        wire[correlation] = ID
    if outcome == "invalid":
        wire["payload"] = 5  # a payload is always an object
    module = subject.dispatch
    own_code = next(c for c in module.ErrorCode if c.value not in ir.DISPATCH_ERROR_CODES)
    failure = {
        "handler raised ProtocolError": module.ProtocolError(own_code, "Refused"),
        "handler raised": RuntimeError("the database is down"),
    }.get(outcome)
    # the variants have the example's client messages, so the example's handlers serve them:
    # dispatch finds a handler by its method name
    handlers, outbox = Recorder(failure), Outbox()
    asyncio.run(module.dispatch(handlers, outbox, json.dumps(wire)))
    assert len(handlers.calls) == (outcome != "invalid"), handlers.calls
    return [json.loads(module.encode(sent, version)) for sent, version in outbox.sent]


def shows(arrow: Arrow, sent: dict[str, Any] | str) -> bool:
    """Whether a drawn arrow is this message sent by the dispatch (or this handler's reply)."""
    if isinstance(sent, str):
        return arrow == Arrow(sent, None)
    payload = sent["payload"]
    return (
        arrow.type == sent["type"]
        and arrow.members is not None
        and arrow.members.keys() == payload.keys()
        and all(v is None or v == payload[k] for k, v in arrow.members.items())
    )


def cases(protocol: ir.Protocol) -> Iterator[tuple[str, bool]]:
    for outcome in OUTCOMES:
        yield outcome, False
        if protocol.correlation:
            yield outcome, True


def test_every_client_message_has_one_diagram(subject: Subject) -> None:
    client = subject.protocol.direction("client")
    found = diagrams(subject.docs)
    assert list(found) == [m.type for m in client]
    for message in client:
        assert found[message.type].request.split(" ", 1)[0] == message.type


def test_the_diagrams_draw_exactly_what_the_dispatch_sends(subject: Subject) -> None:
    protocol, found = subject.protocol, diagrams(subject.docs)
    client = protocol.direction("client")
    sent = {
        (m.type, outcome, with_id): send(subject, m, outcome, with_id)
        for m in client
        for outcome, with_id in cases(protocol)
    }
    # what the handler may send is the message's replies, less what the dispatch sends itself
    own = {message["type"] for messages in sent.values() for message in messages}
    assert own, "the dispatch never answered"
    wrong = []
    for (kind, outcome, with_id), messages in sent.items():
        message = next(m for m in client if m.type == kind)
        returned = outcome == "handler returned"
        replies = [r for r in message.replies if r not in own] if returned else []
        expected: list[dict[str, Any] | str] = [*replies, *messages]
        arrows = list(drawn(found[kind].answers, conditions(protocol, outcome, with_id)))
        if len(arrows) != len(expected) or not all(map(shows, arrows, expected)):
            case = f"{kind}, {outcome}" + (f", with {protocol.correlation}" * with_id)
            wrong.append(f"{case}:\n    sent  {expected}\n    drawn {arrows}")
    assert not wrong, "\n".join(wrong)

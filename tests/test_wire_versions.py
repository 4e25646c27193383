"""Wire versions that differ in shape, on the example protocol: the IR's view of each version,
what the generated package does with a message's version, and what the docs say.

The agreement of every output on messages of every version is held by the conformance suite
(tests/test_conformance.py) and the stress harness; here are the mechanisms, one by one.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from typing import Any

import pytest
from chat_protocol import (
    DEFAULT_VERSION,
    SUPPORTED_VERSIONS,
    VersionError,
    dispatch,
    encode,
    in_version,
    parse_client_message,
    parse_server_message,
)
from chat_protocol.models import (
    Ack,
    AckPayload,
    AckStatus,
    ClientChat,
    Members,
    MembersPayload,
    ServerChat,
)
from pydantic import MISSING, ValidationError
from test_conformance import Outbox, Recorder
from wire_corpus import COMPILED, PROTOCOL, ROOT, VERSIONS, published
from wirebook import ir


def message(protocol: ir.Protocol, direction: ir.Direction, type_: str) -> ir.Message:
    found = protocol.message(direction, type_)
    assert found is not None, (direction, type_)
    return found


ROOM_ID = next(f for f in message(PROTOCOL, "client", "chat").fields if f.name == "room_id")


# --- the IR's view of each version --------------------------------------------------------------


def test_each_version_has_the_messages_fields_and_values_it_names() -> None:
    v1, v2 = PROTOCOL.at_version(1), PROTOCOL.at_version(2)
    assert v1.message("client", "chat_message") and not v2.message("client", "chat_message")
    assert not v1.message("server", "members") and v2.message("server", "members")
    chat = {v: message(p, "server", "chat") for v, p in ((1, v1), (2, v2))}
    assert [f.name for f in chat[1].fields] == ["from", "content", "room_id"]
    assert [f.name for f in chat[2].fields] == ["from", "content", "room_id", "sent_at"]
    room = {v: message(p, "client", "chat").fields[1] for v, p in ((1, v1), (2, v2))}
    assert (room[1].required, room[2].required) == (False, True)
    status = {v: p.named_type("AckStatus").type for v, p in ((1, v1), (2, v2))}
    assert status == {1: ir.EnumType(("ok", "delivered", "error")), 2: ir.EnumType(("ok", "error"))}
    # a view has no spans left: what it has, it has
    assert not v1.versioned and not v2.versioned and PROTOCOL.versioned


def test_versions_are_grouped_by_shape_the_current_one_first() -> None:
    assert PROTOCOL.shapes() == [(2,), (1,)]
    same = replace(PROTOCOL.at_version(2), wire_supported=(1, 2, 3), wire_current=3)
    assert same.shapes() == [(1, 2, 3)]


def test_a_field_that_became_required_reads_so() -> None:
    assert (ROOM_ID.required, ROOM_ID.required_since, ROOM_ID.span) == (False, 2, ir.ALWAYS)
    assert ir.Span(2, None).label() == "since v2"
    assert ir.Span(None, 1).label() == "removed after v1"
    assert ir.Span(2, 3).label() == "since v2, removed after v3"


# --- the published schemas ----------------------------------------------------------------------


def test_each_shape_is_published_with_its_own_v() -> None:
    assert {v: s.folder for v, s in VERSIONS.items()} == {2: "", 1: "v1/"}
    current, old = published("client/chat.schema.json"), published("v1/client/chat.schema.json")
    assert current["properties"]["v"]["enum"] == [2] and "v" in current["required"]
    assert old["properties"]["v"]["enum"] == [1] and "v" not in old["required"]
    assert old["$id"] == PROTOCOL.base_uri + "v1/client/chat.schema.json"
    assert (ROOT / "generated/schemas/v1/client/chat_message.schema.json").is_file()
    assert not (ROOT / "generated/schemas/client/chat_message.schema.json").exists()
    assert not (ROOT / "generated/schemas/v1/server/members.schema.json").exists()
    assert json.dumps(COMPILED.schemas.published()).count("x-wirebook") == 0


# --- the generated package ----------------------------------------------------------------------


def chat(**payload: Any) -> dict[str, Any]:
    return {"type": "chat", "payload": {"content": "hi", **payload}}


def test_a_client_message_is_validated_against_its_own_version() -> None:
    old = parse_client_message(json.dumps(chat()))
    assert isinstance(old, ClientChat) and old.payload.room_id is MISSING and old.v is MISSING
    new = parse_client_message(json.dumps({"v": 2, **chat(room_id="general")}))
    assert isinstance(new, ClientChat) and (new.v, new.payload.room_id) == (2, "general")
    with pytest.raises(ValidationError) as caught:
        parse_client_message(json.dumps({"v": 2, **chat()}))
    [error] = caught.value.errors()
    assert (error["type"], error["loc"][-2:]) == ("missing", ("payload", "room_id"))
    with pytest.raises(ValidationError) as caught:
        parse_client_message(json.dumps({"v": 2, "type": "chat_message", "payload": {}}))
    assert caught.value.errors()[0]["type"] == "union_tag_invalid"


def test_a_model_used_alone_takes_what_any_version_has() -> None:
    """Without a version in the validation context, the version's checks do not apply."""
    ClientChat.model_validate({"v": 2, **chat()})
    with pytest.raises(ValidationError):
        ClientChat.model_validate({"v": 2, **chat()}, context={"v": 2})


def test_a_server_message_is_read_against_its_own_version() -> None:
    said = {"from": "u", "content": "hi", "sent_at": 5}
    assert isinstance(
        parse_server_message(json.dumps({"v": 2, "type": "chat", "payload": said})), ServerChat
    )
    with pytest.raises(ValidationError) as caught:
        parse_server_message(json.dumps({"type": "chat", "payload": said}))
    [error] = caught.value.errors()
    assert (error["type"], error["loc"][-1]) == ("extra_forbidden", "sent_at")
    ack = {"type": "ack", "payload": {"ref": "r", "status": "delivered"}}
    parsed = parse_server_message(json.dumps(ack))
    assert isinstance(parsed, Ack) and parsed.payload.status == AckStatus.delivered
    with pytest.raises(ValidationError, match="in wire version 2"):
        parse_server_message(json.dumps({"v": 2, **ack}))


def server_chat(**extra: Any) -> ServerChat:
    payload = {"from": "u", "content": "hi", "room_id": "general", **extra}
    return ServerChat.model_validate({"type": "chat", "payload": payload})


def test_encode_writes_what_the_version_has() -> None:
    timed = server_chat(sent_at=7)
    assert json.loads(encode(timed, 1)) == {
        "type": "chat",
        "payload": {"from": "u", "content": "hi", "room_id": "general"},
    }
    assert json.loads(encode(timed, 2)) == {
        "v": 2,
        "type": "chat",
        "payload": {"from": "u", "content": "hi", "room_id": "general", "sent_at": 7},
    }
    assert encode(timed) == timed.model_dump_json(by_alias=True)  # no version: as it is
    assert encode(timed.model_copy(update={"v": 2}), 1).startswith('{"type"')  # its own v goes


def test_encode_refuses_what_the_version_lacks() -> None:
    delivered = Ack(type="ack", payload=AckPayload(ref="r", status=AckStatus.delivered))
    assert json.loads(encode(delivered, 1))["payload"]["status"] == "delivered"
    with pytest.raises(VersionError, match=r"'ack' in wire version 2: /payload/status"):
        encode(delivered, 2)
    members = Members(type="members", payload=MembersPayload(room_id="a", users=["u"]))
    assert not in_version(members, 1) and in_version(members, 2)
    with pytest.raises(VersionError, match="wire version 1 has no server message 'members'"):
        encode(members, 1)
    with pytest.raises(VersionError, match="wire version 3"):
        encode(server_chat(), 3)


@pytest.mark.parametrize(
    ("frame", "version"),
    [
        (chat(), 1),
        ({"v": 2, **chat(room_id="general")}, 2),
        ({"v": 2.0, **chat(room_id="general")}, 2),
        ({"v": 3, **chat()}, 7),  # unsupported: refused, the connection's version unchanged
        ({"v": True, **chat()}, 7),
    ],
)
def test_dispatch_sets_the_connection_s_version_and_answers_in_it(
    frame: dict[str, Any], version: int
) -> None:
    handlers, outbox = Recorder(), Outbox()
    outbox.version = 7
    asyncio.run(dispatch(handlers, outbox, json.dumps({**frame, "ref": "r"})))
    assert outbox.version == version
    assert {v for _, v in outbox.sent} == {version}
    assert bool(handlers.calls) == (version in SUPPORTED_VERSIONS)


def test_the_default_version_is_the_seed_s() -> None:
    assert DEFAULT_VERSION == PROTOCOL.wire_default == 1 and PROTOCOL.wire_current == 2


# --- the docs -----------------------------------------------------------------------------------


def test_the_docs_say_which_versions_have_what_and_what_each_changed() -> None:
    docs = (ROOT / "generated/docs/protocol.md").read_text()
    assert "### `members` (server → client) · since v2" in docs
    assert "### `chat_message` (client → server) · removed after v1" in docs
    assert "`delivered` (removed after v1)" in docs
    assert "| `room_id` | [RoomId](#type-RoomId) | from v2 |" in docs
    changes = docs.split("### Version 2 (current)")[1]
    for line in (
        "- Version 2 adds the message [`members`](#server-members) (server → client).",
        "- Version 2 removes the message [`chat_message`](#client-chat_message) (client → server).",
        "- Version 2 adds [`chat`](#server-chat) (server → client), field `sent_at`.",
        "- Version 2 makes [`chat`](#client-chat) (client → server), field `room_id` required.",
        "- Version 2 removes `delivered` from [`AckStatus`](#type-AckStatus).",
    ):
        assert line in changes
    assert "`https://schemas.wirebook.dev/chat/v1/client.schema.json`" in docs

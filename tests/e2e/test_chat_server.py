"""The chat demo server (examples/chat_server), tested over real sockets.

A real uvicorn runs `python -m chat_server` in a subprocess on a free loopback port; real
`websockets` clients of wire version 1 or 2 talk to it, and every server message they receive is
parsed by the generated models, against its version, which must be theirs. Nothing sleeps for a
set time: tests wait for messages, with a timeout that only guards against hangs.
"""

from __future__ import annotations

import asyncio
import functools
import json
import socket
from collections.abc import Callable, Coroutine, Iterator
from typing import Any, ParamSpec, TypeVar

import pytest
from chat_harness import ROOT, ChatClient, Server, connected, run_load, running_server
from chat_protocol import DEFAULT_VERSION, HANDLERS, ClientHandlers
from chat_protocol.models import (
    Ack,
    AckStatus,
    Error,
    ErrorCode,
    Members,
    Pong,
    RoomUpdate,
    ServerChat,
    ServerTyping,
    ServerTypingPayload,
    UserJoined,
    UserLeft,
)
from chat_server.app import Settings, create_app
from chat_server.handlers import Handlers
from pydantic import MISSING, BaseModel
from websockets.exceptions import ConnectionClosed
from wirebook import ir
from wirebook.pipeline import compile_definitions
from wirebook.problems import wire_version

PROTOCOL = compile_definitions(ROOT / "schema").protocol
CLIENT_MESSAGES = PROTOCOL.direction("client")
SETTINGS = Settings()
P = ParamSpec("P")
T = TypeVar("T", bound=BaseModel)


def version_of(message: Any) -> int:
    """The wire version a message is of (its client must speak it to be answered in it)."""
    return wire_version(message, PROTOCOL.wire_supported, PROTOCOL.wire_default)


def e2e(test: Callable[P, Coroutine[Any, Any, None]]) -> Callable[P, None]:
    """Run an async test in an event loop of its own; pytest still sees its fixtures."""

    @functools.wraps(test)
    def run(*args: P.args, **kwargs: P.kwargs) -> None:
        asyncio.run(test(*args, **kwargs))

    return run


@pytest.fixture(scope="module")
def shared_server() -> Iterator[Server]:
    with running_server() as started:
        yield started
    started.assert_stopped_cleanly()


@pytest.fixture
def server(shared_server: Server) -> Iterator[Server]:
    """The shared server, left with no clients (and so no room members) by every test."""
    yield shared_server
    shared_server.wait_until_idle()


def user_joined(client: ChatClient, room: str) -> UserJoined:
    payload = {"user_id": client.user_id, "room_id": room}
    return UserJoined.model_validate({"type": "user_joined", "payload": payload})


def user_left(client: ChatClient, room: str) -> UserLeft:
    payload = {"user_id": client.user_id, "room_id": room}
    return UserLeft.model_validate({"type": "user_left", "payload": payload})


def room_update(room: str, users: int) -> RoomUpdate:
    payload = {"room_id": room, "users": users}
    return RoomUpdate.model_validate({"type": "room_update", "payload": payload})


def chat(by: ChatClient, content: str, room: str) -> ServerChat:
    payload = {"from": by.user_id, "content": content, "room_id": room}
    return ServerChat.model_validate({"type": "chat", "payload": payload})


# --- start-up and connecting ------------------------------------------------------------------


def test_handlers_that_miss_one_fail_when_the_app_is_built() -> None:
    methods = {f.__name__: getattr(Handlers, f.__name__) for f in HANDLERS.values()}
    del methods["on_typing"]
    forgetful = type("Forgetful", (ClientHandlers,), {"__init__": Handlers.__init__, **methods})
    with pytest.raises(TypeError, match="on_typing"):
        create_app(handlers=forgetful)
    create_app()  # the real handlers are complete


@e2e
async def test_a_connection_starts_with_connected_and_nothing_else(server: Server) -> None:
    async with connected(server, 2) as (alice, bob):
        assert alice.user_id != bob.user_id
        assert isinstance(alice.session_id, str) and isinstance(bob.session_id, str)
        assert alice.session_id != bob.session_id
        await alice.quiet()
        await bob.quiet()


def test_health_reports_connections_and_rooms(server: Server) -> None:
    assert server.health() == {
        "status": "ok",
        "connections": 0,
        "rooms": {"general": 0, "random": 0, "help": 0},
    }


# --- every client message type ----------------------------------------------------------------


def _needs(message: ir.Message, example: dict[str, Any]) -> tuple[list[str], list[str]]:
    """Rooms to be in and topics to follow before an example is sent, so that it can succeed."""
    payload = example.get("payload", {})
    rooms = [] if message.type == "join_room" else [payload.get("room_id", "general")]
    topics = [payload["topic"]] if message.type == "unsubscribe" else []
    return rooms, topics


EXAMPLES = [(m, e) for m in CLIENT_MESSAGES for e in m.examples]


@pytest.mark.parametrize(
    ("message", "example"),
    [(m, e.message) for m, e in EXAMPLES],
    ids=[f"{m.type}: {e.name or json.dumps(e.message)}" for m, e in EXAMPLES],
)
@e2e
async def test_every_client_example_gets_its_replies_and_one_ack(
    server: Server, message: ir.Message, example: dict[str, Any]
) -> None:
    async with connected(server, 1, version_of(example)) as (client,):
        rooms, topics = _needs(message, example)
        for room in rooms:
            await client.request("join_room", room_id=room)
        for topic in topics:
            await client.request("subscribe", topic=topic)
        ref = example.get("ref") or client.new_ref()
        await client.send({**example, "ref": ref})
        before, ack = await client.until_ack(ref)
        assert ack.payload.status == AckStatus.ok
        assert {m.type for m in before} <= set(message.replies), before
        await client.quiet()  # exactly one ack, and nothing after it


def test_every_client_type_has_an_example_above() -> None:
    assert {m.type for m, _ in EXAMPLES} == {m.type for m in CLIENT_MESSAGES} == set(HANDLERS)


@e2e
async def test_ping_is_answered_with_pong(server: Server) -> None:
    async with connected(server, 1) as (client,):
        await client.send({"type": "ping"})
        await client.expect(Pong)
        assert [type(m) for m in await client.request("ping")] == [Pong]


@e2e
async def test_joining_and_leaving_are_told_to_the_room(server: Server) -> None:
    async with connected(server, 2) as (alice, bob):
        joined = await alice.request("join_room", room_id="random")
        assert joined == [user_joined(alice, "random"), room_update("random", 1)]

        joined = await bob.request("join_room", room_id="random")
        assert joined == [user_joined(bob, "random"), room_update("random", 2)]
        assert [await alice.receive(), await alice.receive()] == joined

        left = await bob.request("leave_room", room_id="random")
        assert left == [user_left(bob, "random"), room_update("random", 1)]
        assert [await alice.receive(), await alice.receive()] == left
        await alice.quiet()
        await bob.quiet()


@e2e
async def test_room_errors_have_their_codes(server: Server) -> None:
    async with connected(server, 1) as (client,):
        not_found = ErrorCode.ROOM_NOT_FOUND
        assert await client.refused("join_room", room_id="nowhere") == not_found
        assert await client.refused("leave_room", room_id="general") == not_found
        assert await client.refused("chat", content="hi") == not_found  # no current room
        assert await client.refused("chat", content="hi", room_id="help") == not_found
        assert await client.refused("chat_message", content="hi", room_id="help") == not_found
        assert await client.refused("typing", room_id="help", is_typing=True) == not_found
        await client.request("join_room", room_id="help")
        assert await client.refused("join_room", room_id="help") == ErrorCode.ALREADY_IN_ROOM
        await client.request("leave_room", room_id="help")
        assert await client.refused("leave_room", room_id="help") == not_found
        await client.quiet()


@e2e
async def test_two_clients_in_a_room_hear_each_other(server: Server) -> None:
    async with connected(server, 2) as (alice, bob):
        await alice.request("join_room", room_id="general")
        await bob.request("join_room", room_id="general")
        await alice.expect(UserJoined), await alice.expect(RoomUpdate)

        # To the room named, to the current room, and by the deprecated name: all alike.
        for speaker, listener, kind, payload in [
            (alice, bob, "chat", {"content": "Hello!", "room_id": "general"}),
            (bob, alice, "chat", {"content": "Hi alice"}),
            (alice, bob, "chat_message", {"content": "Old client", "room_id": "general"}),
        ]:
            said = chat(speaker, payload["content"], "general")
            assert await speaker.request(kind, **payload) == [said]
            assert await listener.receive() == said

        # Typing reaches the others only, as a server `typing`.
        assert await alice.request("typing", room_id="general", is_typing=True) == []
        assert await bob.receive() == ServerTyping(
            type="typing",
            payload=ServerTypingPayload(user_id=alice.user_id, room_id="general", is_typing=True),
        )
        await bob.quiet()
        await alice.quiet()


@e2e
async def test_the_current_room_is_the_last_joined_that_the_client_is_still_in(
    server: Server,
) -> None:
    async with connected(server, 1) as (client,):
        await client.request("join_room", room_id="general")
        await client.request("join_room", room_id="random")
        [said] = await client.request("chat", content="here?")
        assert said == chat(client, "here?", "random")
        await client.request("leave_room", room_id="random")
        [said] = await client.request("chat", content="now")
        assert said == chat(client, "now", "general")


@e2e
async def test_topics_bring_room_events_to_clients_outside_the_room(server: Server) -> None:
    async with connected(server, 2) as (watcher, member):
        await watcher.request("subscribe", topic="presence:help")
        await watcher.request("subscribe", topic="presence:help")  # again: no harm done
        await watcher.request("subscribe", topic="rooms")
        await member.request("join_room", room_id="help")
        assert await watcher.receive() == user_joined(member, "help")
        assert await watcher.receive() == room_update("help", 1)
        await watcher.quiet()  # one room_update, though both topics carry it

        await watcher.request("unsubscribe", topic="presence:help")
        await member.request("join_room", room_id="random")
        assert await watcher.receive() == room_update("random", 1)  # `rooms` only
        await watcher.quiet()

        assert await watcher.refused("unsubscribe", topic="presence:help") == (
            ErrorCode.NOT_SUBSCRIBED
        )
        assert await watcher.refused("subscribe", topic="presence:nowhere") == (
            ErrorCode.ROOM_NOT_FOUND
        )


# --- wire versions ----------------------------------------------------------------------------


def as_version(message: T, version: int) -> T:
    """``message`` as a client of wire ``version`` receives it: with its `v`."""
    return message if version == DEFAULT_VERSION else message.model_copy(update={"v": version})


def timed(heard: ServerChat) -> ServerChat:
    """A chat as version 2 has it, with its `sent_at` (checked), written as version 1 has it."""
    assert isinstance(heard.payload.sent_at, int) and heard.payload.sent_at > 0, heard
    payload = heard.payload.model_copy(update={"sent_at": MISSING})
    return heard.model_copy(update={"payload": payload, "v": MISSING})


def members(room: str, *clients: ChatClient) -> Members:
    users = [client.user_id for client in clients]
    return Members.model_validate(
        {"v": 2, "type": "members", "payload": {"room_id": room, "users": users}}
    )


@e2e
async def test_a_version_1_and_a_version_2_client_in_one_room_each_get_only_their_version(
    server: Server,
) -> None:
    """Version 2 adds `members` and a chat's `sent_at`, requires a chat's room and drops
    `chat_message`: the server writes each message for each client in that client's version,
    and leaves out what its version does not have."""
    async with connected(server, 1, 1) as (old,), connected(server, 1, 2) as (new,):
        room = "random"
        joined = [user_joined(old, room), room_update(room, 1)]  # and no `members` in version 1
        assert await old.request("join_room", room_id=room) == joined

        joined = [user_joined(new, room), room_update(room, 2)]
        assert await new.request("join_room", room_id=room) == [
            *(as_version(m, 2) for m in joined),
            members(room, old, new),
        ]
        assert [await old.receive(), await old.receive()] == joined

        # each hears a chat in its own version: version 1 without the time it was sent
        said = await new.request("chat", content="hello", room_id=room)
        assert [timed(m) for m in said] == [chat(new, "hello", room)]
        assert await old.expect(ServerChat) == chat(new, "hello", room)

        # version 1 may leave the room out and use the old name; version 2 may not
        assert await old.request("chat", content="hi") == [chat(old, "hi", room)]
        assert timed(await new.expect(ServerChat)) == chat(old, "hi", room)
        assert await new.refused("chat", content="hi") == ErrorCode.INVALID_MESSAGE
        assert await old.request("chat_message", content="old", room_id=room) == [
            chat(old, "old", room)
        ]
        assert timed(await new.expect(ServerChat)) == chat(old, "old", room)
        refused = await new.refused("chat_message", content="x", room_id=room)
        assert refused == ErrorCode.UNKNOWN_TYPE

        left = [user_left(old, room), room_update(room, 1)]
        assert await old.request("leave_room", room_id=room) == left
        assert [await new.receive() for _ in range(3)] == [
            *(as_version(m, 2) for m in left),
            members(room, new),
        ]
        await old.quiet()
        await new.quiet()


# --- invalid messages -------------------------------------------------------------------------


def expected_code(example: ir.InvalidExample) -> ErrorCode:
    """The code an invalid example earns, read from where the definitions say it is wrong."""
    if example.raw is not None or not isinstance(example.message, dict):
        return ErrorCode.BAD_JSON
    if example.pointer == "/type":
        return ErrorCode.UNKNOWN_TYPE if example.keyword == "enum" else ErrorCode.MISSING_TYPE
    if example.pointer == "/v":
        return ErrorCode.UNSUPPORTED_VERSION
    return ErrorCode.INVALID_MESSAGE


# Every invalid client example, and the non-JSON ones whichever side they were written for.
INVALID = [
    *(e for m in CLIENT_MESSAGES for e in m.invalid),
    *(e for e in PROTOCOL.invalid if e.direction == "client" or e.raw is not None),
]


@pytest.mark.parametrize("example", INVALID, ids=[e.name for e in INVALID])
@e2e
async def test_every_invalid_example_gets_its_error_and_the_connection_goes_on(
    server: Server, example: ir.InvalidExample
) -> None:
    async with connected(server, 1, version_of(example.message)) as (client,):
        wire = example.raw if example.raw is not None else json.dumps(example.message)
        await client.send(wire)
        error = await client.expect(Error)
        assert error.payload.code == expected_code(example), error
        if error.payload.code == ErrorCode.INVALID_MESSAGE:
            assert example.pointer in error.payload.message, error  # it says where
        await client.quiet()  # no ack without a ref, and the connection still works

        if isinstance(example.message, dict) and "ref" not in example.message:
            # With a ref, the same mistake also gets exactly one failed ack.
            await client.send({**example.message, "ref": "r1"})
            assert (await client.expect(Error)).payload.code == expected_code(example)
            ack = await client.expect(Ack)
            assert (ack.payload.ref, ack.payload.status) == ("r1", AckStatus.error)
            await client.quiet()


@pytest.mark.parametrize(
    ("wire", "code"),
    [
        ("", ErrorCode.BAD_JSON),
        ("null", ErrorCode.BAD_JSON),
        ('{"type": "ping"', ErrorCode.BAD_JSON),
        (b'{"type": "ping"}', None),  # a binary frame holding JSON is read like a text frame
        (b'{"type": "ping", "v": 3}', ErrorCode.UNSUPPORTED_VERSION),
        (b"\xff\xfe", ErrorCode.BAD_JSON),
        ('{"type": "pong"}', ErrorCode.UNKNOWN_TYPE),  # a server type is no client type
        ('{"type": "chat", "payload": {"from": "x", "content": "hi"}}', ErrorCode.INVALID_MESSAGE),
    ],
)
@e2e
async def test_other_frames(server: Server, wire: str | bytes, code: ErrorCode | None) -> None:
    async with connected(server, 1) as (client,):
        await client.send(wire)
        if code is None:
            await client.expect(Pong)
        else:
            assert (await client.expect(Error)).payload.code == code
        await client.quiet()


# --- acknowledgements -------------------------------------------------------------------------


@e2e
async def test_every_ref_is_acked_exactly_once_whatever_happens_to_its_message(
    server: Server,
) -> None:
    sent: dict[str, tuple[dict[str, Any], AckStatus]] = {
        "join": ({"type": "join_room", "payload": {"room_id": "general"}}, AckStatus.ok),
        "chat": ({"type": "chat", "payload": {"content": "hi"}}, AckStatus.ok),
        "ping": ({"type": "ping"}, AckStatus.ok),
        "no-room": ({"type": "join_room", "payload": {"room_id": "x"}}, AckStatus.error),
        "in-room": ({"type": "join_room", "payload": {"room_id": "general"}}, AckStatus.error),
        "no-type": ({"type": "shout"}, AckStatus.error),
        "bad-v": ({"v": 9, "type": "ping"}, AckStatus.error),
        "empty": ({"type": "chat", "payload": {"content": ""}}, AckStatus.error),
        "leave": ({"type": "leave_room", "payload": {"room_id": "general"}}, AckStatus.ok),
    }
    async with connected(server, 1) as (client,):
        for ref, (message, _) in sent.items():  # all at once, without waiting
            await client.send({**message, "ref": ref})
        await client.send({"type": "ping", "ref": "last"})
        acks: dict[str, list[AckStatus]] = {}
        while "last" not in acks:
            if isinstance(message := await client.receive(), Ack):
                acks.setdefault(message.payload.ref, []).append(message.payload.status)
        assert acks == {ref: [status] for ref, (_, status) in sent.items()} | {
            "last": [AckStatus.ok]
        }
        await client.quiet()


# --- leaving ----------------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["closes", "drops"])
@e2e
async def test_a_client_that_goes_away_is_removed_and_its_rooms_are_told(
    server: Server, how: str
) -> None:
    async with connected(server, 2) as (stays, goes):
        for client in (stays, goes):
            await client.request("join_room", room_id="general")
            await client.request("join_room", room_id="random")
        for _ in range(4):  # goes's user_joined and room_update, in both rooms
            await stays.receive()
        await goes.request("chat", content="brb")
        assert await stays.receive() == chat(goes, "brb", "random")
        if how == "closes":
            await goes.close()
        else:  # no closing handshake: the TCP connection just ends
            assert goes.websocket.transport is not None
            goes.websocket.transport.abort()
        assert [await stays.receive() for _ in range(4)] == [
            user_left(goes, "general"),
            room_update("general", 1),
            user_left(goes, "random"),
            room_update("random", 1),
        ]
        await stays.quiet()


# --- limits -----------------------------------------------------------------------------------


def _message_of(size: int, char: str = "a") -> str:
    """A chat message of exactly `size` bytes in UTF-8 (its content is too long to be valid)."""
    empty = json.dumps({"type": "chat", "payload": {"content": ""}})
    count, rest = divmod(size - len(empty), len(char.encode()))
    content = char * count + "a" * rest
    wire = json.dumps({"type": "chat", "payload": {"content": content}}, ensure_ascii=False)
    assert len(wire.encode()) == size
    return wire


@e2e
async def test_a_message_at_the_size_limit_is_read(server: Server) -> None:
    async with connected(server, 1) as (client,):
        await client.send(_message_of(SETTINGS.max_message_bytes))
        error = await client.expect(Error)  # read, and judged: its content is too long
        assert error.payload.code == ErrorCode.INVALID_MESSAGE
        await client.quiet()


@pytest.mark.parametrize(
    "wire",
    [_message_of(SETTINGS.max_message_bytes + 1), _message_of(SETTINGS.max_message_bytes + 2, "é")],
    ids=["one byte over", "fewer characters than the limit, more bytes"],
)
@e2e
async def test_a_message_over_the_size_limit_gets_an_error_then_close_1009(
    server: Server, wire: str
) -> None:
    async with connected(server, 2) as (stays, sender):
        for client in (stays, sender):
            await client.request("join_room", room_id="help")
        await stays.expect(UserJoined), await stays.expect(RoomUpdate)
        await sender.send(wire)
        error = await sender.expect(Error)
        assert error.payload.code == ErrorCode.MESSAGE_TOO_LARGE
        with pytest.raises(ConnectionClosed) as closed:
            await sender.receive()
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009
        assert await stays.receive() == user_left(sender, "help")
        assert await stays.receive() == room_update("help", 1)


@e2e
async def test_a_frame_past_the_websocket_layer_cap_is_closed_with_1009(server: Server) -> None:
    async with connected(server, 1) as (client,):
        with pytest.raises(ConnectionClosed) as closed:
            # the server may close while the frame is still being written: send fails then
            await client.send("x" * (SETTINGS.frame_limit + 1))
            await client.receive()
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009


def test_a_client_too_slow_to_read_is_disconnected_and_the_others_go_on() -> None:
    queue = 8

    async def scenario(server: Server) -> None:
        # A client that has stopped reading: a small kernel buffer, and websockets stops
        # reading the socket as soon as one message waits for the application.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.connect(("127.0.0.1", server.port))
        sleeper = await ChatClient.connect(server.url, sock=sock, max_queue=1)
        async with connected(server, 1) as (talker,):
            await sleeper.request("join_room", room_id="general")
            await talker.request("join_room", room_id="general")
            said, others = 0, list[Any]()
            while not others and said < 10_000:  # a bound, far past what the buffers can hold
                said += 1
                heard = await talker.request("chat", content="z" * 4000)
                others = [m for m in heard if not isinstance(m, ServerChat)]
            assert said > queue  # kicked for what piled up, not at once
            assert others == [user_left(sleeper, "general"), room_update("general", 1)]
            await talker.quiet()  # the talker was never held up

        with pytest.raises(ConnectionClosed) as closed:
            while True:  # what was sent before the queue overflowed, then the close
                await sleeper.receive()
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1008

    with running_server("--send-queue", str(queue)) as server:
        asyncio.run(scenario(server))
        server.wait_until_idle()
    server.assert_stopped_cleanly()


# --- load -------------------------------------------------------------------------------------


def test_load_every_ref_acked_once_every_chat_heard_by_every_member() -> None:
    clients, messages, room_size = 100, 200, 10
    rooms = {f"load-{n}" for n in range(clients // room_size)}

    async def scenario(server: Server) -> None:
        async with connected(server, 1) as (watcher,):
            await watcher.request("subscribe", topic="rooms")
            report = await run_load(server.url, clients, messages, room_size)
            assert len(report.round_trips) == clients * messages
            assert report.deliveries == clients * messages * room_size
            empty: set[str] = set()
            while empty != rooms:  # every load client gone: each room's last update says 0
                update = await watcher.expect(RoomUpdate)
                if update.payload.users == 0:
                    empty.add(update.payload.room_id)
            assert server.health()["connections"] == 1  # the watcher alone
            await watcher.quiet()

    with running_server("--rooms", ",".join(sorted(rooms))) as server:
        asyncio.run(scenario(server))
        assert server.process.poll() is None, server.output()  # still serving
    server.assert_stopped_cleanly()

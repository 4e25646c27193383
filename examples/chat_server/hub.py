"""The chat server's state: who is connected, who is in which room, who follows which topic.

Every server → client message is a model from the generated `chat_protocol` package, encoded
with `encode()` once per wire version however many clients get it, and never sent to a client
whose version does not have it. Nothing here waits: sending only queues text, so one slow client
never holds up the code that talks to the others.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable

from chat_protocol import (
    DEFAULT_VERSION,
    ErrorCode,
    OutgoingMessage,
    ProtocolError,
    encode,
    in_version,
)
from chat_protocol.models import (
    Members,
    MembersPayload,
    RoomUpdate,
    RoomUpdatePayload,
    ServerChat,
    ServerChatPayload,
    ServerTyping,
    ServerTypingPayload,
    UserJoined,
    UserJoinedPayload,
    UserLeft,
    UserLeftPayload,
)

ROOMS_TOPIC = "rooms"  # room_update of every room
PRESENCE_TOPIC = "presence:"  # + room id: user_joined, user_left and room_update of one room


class Client:
    """One WebSocket connection; implements the generated `Connection` protocol.

    Messages wait in a bounded queue that the connection's own writer task empties. When the
    queue is full the client reads too slowly to keep up: it is marked `overflowed` and the
    server disconnects it, rather than make everybody wait or drop its messages silently.
    """

    def __init__(
        self, user_id: str, session_id: str, queue_size: int, version: int = DEFAULT_VERSION
    ) -> None:
        self.user_id = user_id
        self.session_id = session_id
        self.version = version  # the wire version it speaks: dispatch follows its messages' `v`
        self.rooms: dict[str, None] = {}  # an ordered set: the last one is the current room
        self.topics: set[str] = set()
        self.outbox: asyncio.Queue[str | None] = asyncio.Queue(queue_size)  # None: close now
        self.overflowed = asyncio.Event()
        self.close_code: int | None = None
        self.close_reason = ""

    def __repr__(self) -> str:
        return f"Client({self.user_id})"

    async def send(self, message: OutgoingMessage) -> None:
        """A reply: the client's version must have it (`VersionError` otherwise)."""
        self.send_text(encode(message, self.version))

    def send_text(self, text: str | None) -> None:
        if self.overflowed.is_set():
            return
        try:
            self.outbox.put_nowait(text)
        except asyncio.QueueFull:
            self.overflowed.set()

    def close_after_flush(self, code: int, reason: str) -> None:
        """Close the connection once the messages already queued are sent."""
        self.close_code, self.close_reason = code, reason
        self.send_text(None)

    @property
    def current_room(self) -> str | None:
        return next(reversed(self.rooms), None)

    def room(self, room_id: str | None) -> str:
        """The room a message is about: the one it names (which the client must be in), or else
        the client's current room."""
        if room_id is None:
            if (current := self.current_room) is None:
                raise ProtocolError(ErrorCode.ROOM_NOT_FOUND, "Join a room first, or name one")
            return current
        if room_id not in self.rooms:
            raise ProtocolError(ErrorCode.ROOM_NOT_FOUND, f"You are not in room {room_id!r}")
        return room_id


class Hub:
    """Rooms (a fixed list, set at start-up), topic subscriptions and the connected clients."""

    def __init__(self, rooms: Iterable[str]) -> None:
        # the members of each room, in the order they joined
        self.rooms: dict[str, dict[Client, None]] = {room: {} for room in rooms}
        self.topics: dict[str, set[Client]] = {}
        self.clients: set[Client] = set()

    def connect(self, client: Client) -> None:
        self.clients.add(client)

    def disconnect(self, client: Client) -> None:
        """Forget a client that is gone, and tell the members of its rooms."""
        self.clients.discard(client)
        for topic in list(client.topics):
            self.unsubscribe(client, topic)
        for room in list(client.rooms):
            self.leave(client, room, gone=True)

    def join(self, client: Client, room_id: str) -> None:
        members = self._members(room_id)
        if client in members:
            raise ProtocolError(ErrorCode.ALREADY_IN_ROOM, f"You are already in room {room_id!r}")
        members[client] = None
        client.rooms[room_id] = None
        event = UserJoined(
            type="user_joined", payload=UserJoinedPayload(user_id=client.user_id, room_id=room_id)
        )
        self._announce(room_id, event)

    def leave(self, client: Client, room_id: str, *, gone: bool = False) -> None:
        room_id = client.room(room_id)
        # A leaver hears of its own leaving (user_left and room_update are the replies to
        # leave_room); a client that is gone hears nothing more.
        told = self._presence(room_id) - {client} if gone else self._presence(room_id)
        del self.rooms[room_id][client]
        del client.rooms[room_id]
        event = UserLeft(
            type="user_left", payload=UserLeftPayload(user_id=client.user_id, room_id=room_id)
        )
        self._announce(room_id, event, told)

    def say(self, client: Client, content: str, room_id: str | None) -> None:
        room_id = client.room(room_id)
        # `from` is a Python keyword: the field is `from_`, and mypy knows it only by its wire name
        sent_at = time.time_ns() // 1_000_000  # version 2 has it; version 1 clients do not get it
        said = {"from": client.user_id, "content": content, "room_id": room_id, "sent_at": sent_at}
        chat = ServerChat(type="chat", payload=ServerChatPayload.model_validate(said))
        publish(self.rooms[room_id], chat)

    def typing(self, client: Client, room_id: str, is_typing: bool) -> None:
        room_id = client.room(room_id)
        payload = ServerTypingPayload(user_id=client.user_id, room_id=room_id, is_typing=is_typing)
        others = (member for member in self.rooms[room_id] if member is not client)
        publish(others, ServerTyping(type="typing", payload=payload))

    def subscribe(self, client: Client, topic: str) -> None:
        if topic.startswith(PRESENCE_TOPIC):
            self._members(topic.removeprefix(PRESENCE_TOPIC))  # ROOM_NOT_FOUND for no such room
        self.topics.setdefault(topic, set()).add(client)
        client.topics.add(topic)

    def unsubscribe(self, client: Client, topic: str) -> None:
        if topic not in client.topics:
            raise ProtocolError(ErrorCode.NOT_SUBSCRIBED, f"You are not subscribed to {topic!r}")
        client.topics.discard(topic)
        followers = self.topics[topic]
        followers.discard(client)
        if not followers:
            del self.topics[topic]

    def _members(self, room_id: str) -> dict[Client, None]:
        try:
            return self.rooms[room_id]
        except KeyError:
            known = ", ".join(self.rooms)
            raise ProtocolError(
                ErrorCode.ROOM_NOT_FOUND, f"No room {room_id!r} (rooms: {known})"
            ) from None

    def _presence(self, room_id: str) -> set[Client]:
        return set(self.rooms[room_id]) | self.topics.get(PRESENCE_TOPIC + room_id, set())

    def _announce(
        self, room_id: str, event: UserJoined | UserLeft, told: set[Client] | None = None
    ) -> None:
        """Send a membership change, then the room's new size (and, to version 2 clients, who is
        in it), to everybody who follows the room."""
        told = self._presence(room_id) if told is None else told
        publish(told, event)
        members = self.rooms[room_id]
        update = RoomUpdate(
            type="room_update", payload=RoomUpdatePayload(room_id=room_id, users=len(members))
        )
        publish(told | self.topics.get(ROOMS_TOPIC, set()), update)
        users = [member.user_id for member in members]
        publish(told, Members(type="members", payload=MembersPayload(room_id=room_id, users=users)))


def publish(clients: Iterable[Client], message: OutgoingMessage) -> None:
    """Send ``message`` to each client whose wire version has it, as that version writes it."""
    texts: dict[int, str] = {}
    for client in clients:
        if in_version(message, client.version):
            if client.version not in texts:
                texts[client.version] = encode(message, client.version)
            client.send_text(texts[client.version])

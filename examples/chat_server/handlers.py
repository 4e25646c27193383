# Written once by wirebook as a starting point: this file is yours, regeneration never touches it.
"""Handlers of Chat protocol: one method per client message type.

The generated `dispatch` has already parsed and validated each message, and it answers for
them: a `ProtocolError` raised here becomes an `error` with its code (and a failed `ack`),
and a message with a `ref` that was handled gets its `ack` after the handler returns.
"""

from __future__ import annotations

from chat_protocol.dispatch import ClientHandlers
from chat_protocol.models import (
    ChatMessage,
    ChatMessagePayload,
    ClientChat,
    ClientChatPayload,
    ClientTyping,
    JoinRoom,
    LeaveRoom,
    Ping,
    Pong,
    Subscribe,
    Unsubscribe,
)
from pydantic import MISSING

from chat_server.hub import Client, Hub

PONG = Pong(type="pong")


class Handlers(ClientHandlers[Client]):
    def __init__(self, hub: Hub) -> None:
        self.hub = hub

    async def on_ping(self, connection: Client, message: Ping) -> None:
        """Keep-alive. Replies: pong."""
        await connection.send(PONG)

    async def on_join_room(self, connection: Client, message: JoinRoom) -> None:
        """Join a room. Replies: user_joined, room_update, error."""
        self.hub.join(connection, message.payload.room_id)

    async def on_leave_room(self, connection: Client, message: LeaveRoom) -> None:
        """Leave a room. Replies: user_left, room_update, error."""
        self.hub.leave(connection, message.payload.room_id)

    async def on_chat(self, connection: Client, message: ClientChat) -> None:
        """Send chat message. Replies: chat, ack, error."""
        self._say(connection, message.payload)

    async def on_chat_message(self, connection: Client, message: ChatMessage) -> None:
        """Send chat message (old name). Replies: chat, ack, error. Served exactly like `chat`."""
        self._say(connection, message.payload)

    async def on_typing(self, connection: Client, message: ClientTyping) -> None:
        """Typing indicator. Replies: ack, error; the room's other members get a `typing`."""
        self.hub.typing(connection, message.payload.room_id, message.payload.is_typing)

    async def on_subscribe(self, connection: Client, message: Subscribe) -> None:
        """Subscribe to updates. Replies: ack, error."""
        self.hub.subscribe(connection, message.payload.topic)

    async def on_unsubscribe(self, connection: Client, message: Unsubscribe) -> None:
        """Unsubscribe. Replies: ack, error."""
        self.hub.unsubscribe(connection, message.payload.topic)

    def _say(self, connection: Client, said: ClientChatPayload | ChatMessagePayload) -> None:
        room_id = None if said.room_id is MISSING else said.room_id
        self.hub.say(connection, said.content, room_id)

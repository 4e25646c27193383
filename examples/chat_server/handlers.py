# Written once by wirebook as a starting point: this file is yours, regeneration never touches it.
"""Handlers of Chat protocol: one method per client message type."""

from __future__ import annotations

from chat_protocol.dispatch import ClientHandlers, Connection
from chat_protocol.models import (
    ChatMessage,
    ClientChat,
    JoinRoom,
    LeaveRoom,
    Ping,
    Subscribe,
    Typing,
    Unsubscribe,
)


class Handlers(ClientHandlers[Connection]):
    async def on_ping(self, connection: Connection, message: Ping) -> None:
        """Keep-alive. Replies: pong."""
        raise NotImplementedError("ping")

    async def on_join_room(self, connection: Connection, message: JoinRoom) -> None:
        """Join a room. Replies: user_joined, room_update, error."""
        raise NotImplementedError("join_room")

    async def on_leave_room(self, connection: Connection, message: LeaveRoom) -> None:
        """Leave a room. Replies: user_left, room_update, error."""
        raise NotImplementedError("leave_room")

    async def on_chat(self, connection: Connection, message: ClientChat) -> None:
        """Send chat message. Replies: chat, ack, error."""
        raise NotImplementedError("chat")

    async def on_chat_message(self, connection: Connection, message: ChatMessage) -> None:
        """Send chat message (old name). Replies: chat, ack, error."""
        raise NotImplementedError("chat_message")

    async def on_typing(self, connection: Connection, message: Typing) -> None:
        """Typing indicator. Replies: ack, error."""
        raise NotImplementedError("typing")

    async def on_subscribe(self, connection: Connection, message: Subscribe) -> None:
        """Subscribe to updates. Replies: ack, error."""
        raise NotImplementedError("subscribe")

    async def on_unsubscribe(self, connection: Connection, message: Unsubscribe) -> None:
        """Unsubscribe. Replies: ack, error."""
        raise NotImplementedError("unsubscribe")

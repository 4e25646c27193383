"""The FastAPI app: one WebSocket endpoint, `/ws`, that speaks Chat protocol through the generated
`chat_protocol` package, and `/health` for people and probes.

A client says which wire version it speaks in the URL (`/ws?v=2`; version 1 without), so that
even the first message, `connected`, is written in it; after that, the version of each message it
sends is the one it is answered in.

Each connection runs two tasks: a reader that feeds every text frame to the generated
`dispatch`, and a writer that empties the connection's bounded send queue onto the socket.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from chat_protocol import (
    DEFAULT_VERSION,
    SUPPORTED_VERSIONS,
    ClientHandlers,
    ErrorCode,
    dispatch,
    encode,
)
from chat_protocol.models import (
    Connected,
    ConnectedPayload,
    Error,
    ErrorPayload,
    JoinRoomPayload,
)
from fastapi import FastAPI, WebSocket

from chat_server.handlers import Handlers
from chat_server.hub import Client, Hub

CLOSE_MESSAGE_TOO_BIG = 1009
CLOSE_POLICY_VIOLATION = 1008


@dataclass(frozen=True)
class Settings:
    rooms: tuple[str, ...] = ("general", "random", "help")
    max_message_bytes: int = 64 * 1024
    """Larger messages get a MESSAGE_TOO_LARGE error and close the connection with 1009."""
    send_queue: int = 1024
    """Messages waiting for one client; a client that lets more pile up is disconnected."""
    close_timeout: float = 5.0
    """How long a closing handshake may take before the connection is dropped."""

    @property
    def frame_limit(self) -> int:
        """The WebSocket layer's own cap: past it, it closes with 1009 before the app sees a byte.

        Set well above `max_message_bytes` so that ordinary oversize messages get a typed error.
        """
        return max(16 * self.max_message_bytes, 1 << 20)

    def __post_init__(self) -> None:
        for room in self.rooms:
            JoinRoomPayload(room_id=room)  # a room id the protocol cannot name fails here


def create_app(
    settings: Settings | None = None,
    handlers: Callable[[Hub], ClientHandlers[Client]] = Handlers,
) -> FastAPI:
    """Build the app; the handlers are instantiated here, so a missing one fails at start-up."""
    settings = settings or Settings()
    hub = Hub(settings.rooms)
    served = handlers(hub)
    user_numbers = itertools.count(1)
    app = FastAPI(title="Chat protocol demo server")

    @app.websocket("/ws")
    async def chat(websocket: WebSocket) -> None:
        await websocket.accept()
        asked = websocket.query_params.get("v", str(DEFAULT_VERSION))
        version = int(asked) if asked.isdigit() else None
        if version not in SUPPORTED_VERSIONS:
            text = (
                f"Unsupported protocol version: {asked!r} (supported: {sorted(SUPPORTED_VERSIONS)})"
            )
            refusal = ErrorPayload(message=text, code=ErrorCode.UNSUPPORTED_VERSION)
            await websocket.send_text(encode(Error(type="error", payload=refusal), DEFAULT_VERSION))
            await websocket.close(CLOSE_POLICY_VIOLATION, "unsupported wire version")
            return
        user = f"user{next(user_numbers)}"
        client = Client(user, secrets.token_urlsafe(12), settings.send_queue, version)
        await _serve(websocket, client, hub, served, settings)

    @app.get("/health")
    async def health() -> dict[str, object]:
        rooms = {room: len(members) for room, members in hub.rooms.items()}
        return {"status": "ok", "connections": len(hub.clients), "rooms": rooms}

    return app


async def _serve(
    websocket: WebSocket,
    client: Client,
    hub: Hub,
    handlers: ClientHandlers[Client],
    settings: Settings,
) -> None:
    hub.connect(client)
    welcome = ConnectedPayload(user_id=client.user_id, session_id=client.session_id)
    await client.send(Connected(type="connected", payload=welcome))
    writer = asyncio.create_task(_write(websocket, client))
    reader = asyncio.create_task(_read(websocket, client, handlers, settings.max_message_bytes))
    overflow = asyncio.create_task(client.overflowed.wait())
    try:
        await asyncio.wait((reader, overflow), return_when=asyncio.FIRST_COMPLETED)
    finally:
        reader.cancel()
        overflow.cancel()
        hub.disconnect(client)  # first, so that the others hear of it at once
    if client.overflowed.is_set():
        writer.cancel()
        reason = f"too slow: more than {settings.send_queue} messages waiting"
        await _within(settings.close_timeout, websocket.close(CLOSE_POLICY_VIOLATION, reason))
    elif client.close_code is not None:  # the writer sends the last words, then closes
        await _within(settings.close_timeout, writer)
    writer.cancel()
    if not reader.cancelled():
        reader.result()  # a bug in the reader: let the server log it


async def _read(
    websocket: WebSocket, client: Client, handlers: ClientHandlers[Client], limit: int
) -> None:
    """Feed every frame to the generated dispatch until the peer leaves or must be closed."""
    while True:
        event = await websocket.receive()
        if event["type"] == "websocket.disconnect":
            return
        raw: str | bytes = event["text"] if event.get("text") is not None else event["bytes"]
        # A character takes at most 4 bytes in UTF-8: most frames need no encoding to be measured.
        if len(raw) * 4 > limit and len(raw if isinstance(raw, bytes) else raw.encode()) > limit:
            text = f"Message larger than {limit} bytes"
            too_large = ErrorPayload(message=text, code=ErrorCode.MESSAGE_TOO_LARGE)
            await client.send(Error(type="error", payload=too_large))
            client.close_after_flush(CLOSE_MESSAGE_TOO_BIG, "message too large")
            return
        await dispatch(handlers, client, raw)


async def _write(websocket: WebSocket, client: Client) -> None:
    try:
        while (text := await client.outbox.get()) is not None:
            await websocket.send_text(text)
        await websocket.close(client.close_code or 1000, client.close_reason)
    except Exception:  # the peer is gone; the reader hears of it and ends the connection
        return


async def _within(seconds: float, step: Awaitable[None]) -> None:
    """Wait for a closing step, but no longer than `seconds`, nor past a peer that is gone."""
    with contextlib.suppress(Exception):
        await asyncio.wait_for(step, seconds)

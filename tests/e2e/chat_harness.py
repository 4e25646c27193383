"""Run the chat demo server for real and talk to it: shared by the end-to-end tests and the bench.

`running_server()` starts `python -m chat_server` with uvicorn on a loopback socket the harness
binds itself (port 0, so never a clash) and always stops it. `ChatClient` is a `websockets`
client of one wire version that reads every server message with the generated
`parse_server_message` (against the message's own version, which must be the client's), so a
server message that breaks the protocol fails the test that receives it. `run_load()` is the
bounded load test.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import websockets
from chat_protocol import DEFAULT_VERSION, parse_server_message
from chat_protocol.models import Ack, AckStatus, Connected, Error, ErrorCode, Pong
from websockets.asyncio.client import ClientConnection

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 10.0  # how long to wait for a message that should come: a guard against hangs
T = TypeVar("T")
Received = Any  # one of the ServerMessage union's classes


@dataclass
class Server:
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws"

    stopped_output: str | None = None

    def assert_stopped_cleanly(self) -> None:
        """Stopped by the harness's SIGTERM (uvicorn exits with it), and never logged an error."""
        assert self.process.returncode in (0, -signal.SIGTERM), self.output()
        assert not re.search(r"Traceback|ERROR|exception", self.output()), self.output()

    def output(self) -> str:
        """What the server printed (warnings and errors only)."""
        if self.stopped_output is None:
            return self.log.read_text(errors="replace")
        return self.stopped_output

    def health(self) -> dict[str, Any]:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/health", timeout=TIMEOUT) as r:
            answer: dict[str, Any] = json.load(r)
        return answer

    def wait_until_idle(self) -> None:
        """Wait until the server has forgotten every client (it does so just after they close)."""
        deadline = time.monotonic() + TIMEOUT
        while (health := self.health())["connections"] or any(health["rooms"].values()):
            assert time.monotonic() < deadline, f"clients never cleaned up: {health}"
            time.sleep(0.01)


@contextmanager
def running_server(*options: str) -> Iterator[Server]:
    """Serve the chat demo on a free loopback port until the block ends, then stop it."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(1024)
    port = listener.getsockname()[1]
    paths = [str(ROOT / "generated" / "python"), str(ROOT / "examples")]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}
    command = [sys.executable, "-m", "chat_server", "--fd", str(listener.fileno())]
    with tempfile.TemporaryDirectory() as scratch:
        log = Path(scratch) / "server.log"
        with log.open("wb") as sink:
            process = subprocess.Popen(
                [*command, "--log-level", "warning", *options],
                pass_fds=[listener.fileno()],
                env=env,
                stdout=sink,
                stderr=subprocess.STDOUT,
            )
        listener.close()  # the server has its own copy; connections wait in the backlog till then
        try:
            yield (server := Server(port, process, log))
        finally:
            process.terminate()
            try:
                process.wait(timeout=TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            server.stopped_output = log.read_text(errors="replace")


class ChatClient:
    """One client connection of one wire version; every message it receives is validated by the
    generated models, and must be of its version."""

    def __init__(self, websocket: ClientConnection, connected: Connected, version: int) -> None:
        self.websocket = websocket
        self.version = version
        self.user_id = connected.payload.user_id
        self.session_id = connected.payload.session_id
        self._refs = 0

    @classmethod
    async def connect(cls, url: str, version: int = DEFAULT_VERSION, **options: Any) -> ChatClient:
        """Connect as a client of wire ``version`` (said in the URL, `?v=2`)."""
        if version != DEFAULT_VERSION:
            url += f"?v={version}"
        websocket = await websockets.connect(url, compression=None, open_timeout=30, **options)
        connected = _parse(await asyncio.wait_for(websocket.recv(), TIMEOUT), version)
        assert isinstance(connected, Connected), connected
        return cls(websocket, connected, version)

    def new_ref(self) -> str:
        self._refs += 1
        return f"{self.user_id}-{self._refs}"

    async def send(self, message: dict[str, Any] | str | bytes) -> None:
        """Send a frame: text as it is, a message with the client's `v` unless it has one."""
        if isinstance(message, dict) and self.version != DEFAULT_VERSION:
            message = {"v": self.version, **message}
        await self.websocket.send(
            message if isinstance(message, str | bytes) else json.dumps(message)
        )

    async def request(self, kind: str, ref: str | None = None, **payload: Any) -> list[Received]:
        """Send one message with a ref; return what came before its ack (the ack is checked ok)."""
        ref = ref or self.new_ref()
        await self.send({"type": kind, "ref": ref, "payload": payload})
        before, ack = await self.until_ack(ref)
        assert ack.payload.status == AckStatus.ok, (kind, payload, before, ack)
        return before

    async def refused(self, kind: str, **payload: Any) -> ErrorCode:
        """Send a message that the server must refuse: one error, then one failed ack."""
        ref = self.new_ref()
        await self.send({"type": kind, "ref": ref, "payload": payload})
        before, ack = await self.until_ack(ref)
        assert [type(m) for m in before] == [Error], before
        assert ack.payload.status == AckStatus.error, ack
        assert ack.payload.message == before[0].payload.message
        code: ErrorCode = before[0].payload.code
        return code

    async def until_ack(self, ref: str) -> tuple[list[Received], Ack]:
        before: list[Received] = []
        while not isinstance(message := await self.receive(), Ack) or message.payload.ref != ref:
            before.append(message)
        return before, message

    async def receive(self) -> Received:
        return _parse(await asyncio.wait_for(self.websocket.recv(), TIMEOUT), self.version)

    async def expect(self, kind: type[T]) -> T:
        message = await self.receive()
        assert isinstance(message, kind), f"expected {kind.__name__}, got {message!r}"
        return message

    async def quiet(self) -> None:
        """Check that nothing else is waiting for this client.

        The server answers one connection's messages in order, and queues what it sends to a
        connection in order: so when a ping's pong is the next message, nothing came before it.
        """
        await self.send({"type": "ping"})
        await self.expect(Pong)

    async def close(self) -> None:
        await self.websocket.close()


@asynccontextmanager
async def connected(
    server: Server, count: int, version: int = DEFAULT_VERSION
) -> AsyncIterator[list[ChatClient]]:
    """`count` connected clients of wire ``version``, closed when the block ends."""
    clients = [await ChatClient.connect(server.url, version) for _ in range(count)]
    try:
        yield clients
    finally:
        await asyncio.gather(*(client.close() for client in clients))


def _parse(text: str | bytes, version: int) -> Received:
    """A server message, valid in its own wire version, which is the client's."""
    message = parse_server_message(text)
    sent = json.loads(text).get("v", DEFAULT_VERSION)
    assert sent == version, f"a version {version} client got a version {sent} message: {text!r}"
    return message


@dataclass
class LoadReport:
    clients: int
    messages: int
    room_size: int
    seconds: float = 0.0
    round_trips: list[float] = field(default_factory=list)  # seconds from send to ack
    deliveries: int = 0

    @property
    def throughput(self) -> float:
        """Client messages handled (each acked and broadcast) per second."""
        return self.clients * self.messages / self.seconds

    def percentile(self, p: float) -> float:
        ordered = sorted(self.round_trips)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


async def run_load(
    url: str, clients: int = 100, messages: int = 200, room_size: int = 10, window: int = 8
) -> LoadReport:
    """`clients` clients in rooms of `room_size`, each sending `messages` chats with refs.

    At most `window` of each client's messages are unacknowledged at a time. Checks (asserts)
    that every ref is acked exactly once and ok, and that every member of a room gets every
    chat said in it exactly once, in each sender's order; then closes every client.
    """
    assert clients % room_size == 0
    report = LoadReport(clients, messages, room_size)
    crowd = await asyncio.gather(*(ChatClient.connect(url) for _ in range(clients)))
    rooms = [f"load-{n}" for n in range(clients // room_size)]
    for n, client in enumerate(crowd):
        await client.request("join_room", room_id=rooms[n // room_size])
    members = {room: crowd[n * room_size : (n + 1) * room_size] for n, room in enumerate(rooms)}
    # Every join is acked, so every member is in its room before the first chat is said.
    started = time.perf_counter()
    results = await asyncio.gather(
        *(
            _chatter(client, members[rooms[n // room_size]], messages, window)
            for n, client in enumerate(crowd)
        )
    )
    report.seconds = time.perf_counter() - started
    for round_trips, delivered in results:
        report.round_trips.extend(round_trips)
        report.deliveries += delivered
    await asyncio.gather(*(client.quiet() for client in crowd))  # no late duplicates either
    await asyncio.gather(*(client.close() for client in crowd))
    return report


async def _chatter(
    client: ChatClient, room: list[ChatClient], messages: int, window: int
) -> tuple[list[float], int]:
    """Say `messages` things to the room while reading everything the room says."""
    sent: dict[str, float] = {}
    round_trips: list[float] = []
    acks: Counter[str] = Counter()
    heard: dict[str, list[int]] = {member.user_id: [] for member in room}
    expected = messages * len(room)
    in_flight = asyncio.Semaphore(window)

    async def read() -> None:
        # Plain json here, not the models: the load test measures the server, not this reader.
        while len(acks) < messages or sum(map(len, heard.values())) < expected:
            message = json.loads(await asyncio.wait_for(client.websocket.recv(), TIMEOUT))
            kind, payload = message["type"], message["payload"]
            if kind == "ack":
                assert payload["status"] == "ok", message
                acks[payload["ref"]] += 1
                round_trips.append(time.perf_counter() - sent[payload["ref"]])
                in_flight.release()
            elif kind == "chat":
                heard[payload["from"]].append(int(payload["content"]))
            else:  # late joins of the room's other members, before the first chat
                assert kind in {"user_joined", "room_update"}, message

    reader = asyncio.create_task(read())
    for n in range(messages):
        await in_flight.acquire()
        ref = f"{client.user_id}-{n}"
        sent[ref] = time.perf_counter()
        await client.send({"type": "chat", "ref": ref, "payload": {"content": str(n)}})
    await reader
    assert acks == Counter(sent.keys()), "every ref acked exactly once"
    assert all(said == list(range(messages)) for said in heard.values()), "all heard, in order"
    return round_trips, sum(map(len, heard.values()))

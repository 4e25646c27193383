"""The generated dispatch per message, beside its floor and the seed's two-step approach; and the
chat demo server under the end-to-end load test.

- floor: the generated `parse_client_message` alone: the strict read (a repeated key, NaN or a
  lone surrogate refused, as any correct server must: pydantic's `validate_json` lets a repeated
  key through) and the validation, which any correct server has to do;
- dispatch: the generated `dispatch(handlers, connection, raw)` run to completion: parse,
  validate, route to a handler (a no-op here), and the `ack` for a message with a `ref`;
- two-step: the seed's "Message Protocol Pattern": `WebSocketMessage.model_validate_json`, then
  the handler found for its type awaited, which builds its `Payload(**payload)` (given the
  generated payload classes, as strict as ours), as the seed's `dispatch` and handlers do.

All three read the same frames, in the same run; dispatch and the two-step approach run as the
coroutines they are, each frame awaited in turn from one coroutine (a connection's receive loop)
driven to its end without an event loop. Then every invalid client
example of the protocol and a few envelope mistakes go through each: the two-step approach lets
some through.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

ROOT = Path(__file__).resolve().parents[2]
for _path in ("generated/python", "examples", "tests/e2e"):
    sys.path.insert(0, str(ROOT / _path))

from chat_harness import run_load, running_server  # noqa: E402
from chat_protocol import (  # noqa: E402
    ClientHandlers,
    OutgoingMessage,
    dispatch,
    models,
)
from chat_protocol.dispatch import parse_client_message  # noqa: E402
from chat_protocol.models import Ack, AckPayload, AckStatus, Error  # noqa: E402
from wirebook.pipeline import compile_definitions  # noqa: E402

REPEATS = 15
ROUNDS = 500  # passes over the frames in one timing (fewer when the frames are repeated)
PASS = 256
OK = AckStatus.ok
# (clients, chats each, room size, unacknowledged chats a client may have): the end-to-end load
# test, then one client alone, one chat at a time, for the round trip of an idle server.
LOADS = [(100, 200, 10, 8), (1, 2000, 1, 1)]


# --- the three ways of reading a frame --------------------------------------------------------


class Quiet:
    """A connection that keeps nothing: what dispatch sends costs only its making."""

    async def send(self, message: OutgoingMessage) -> None:
        pass


class Recorder:
    def __init__(self) -> None:
        self.sent: list[OutgoingMessage] = []

    async def send(self, message: OutgoingMessage) -> None:
        self.sent.append(message)


async def _nothing(self: object, connection: object, message: object) -> None:
    pass


# Every handler a no-op: built from the interface, so it is complete whatever the protocol.
NoOp = type(
    "NoOp", (ClientHandlers,), {name: _nothing for name in ClientHandlers.__abstractmethods__}
)


class WebSocketMessage(BaseModel):
    """The seed's envelope: its `VersionedMessage` and `MessageWithRef` in one."""

    v: int = 1
    type: str
    ref: str | None = None
    payload: dict[str, Any] = {}


SEED_PAYLOADS: dict[str, type[BaseModel]] = {
    "ping": models.PingPayload,
    "join_room": models.JoinRoomPayload,
    "leave_room": models.LeaveRoomPayload,
    "chat": models.ClientChatPayload,
    "chat_message": models.ChatMessagePayload,
    "typing": models.ClientTypingPayload,
    "subscribe": models.SubscribePayload,
    "unsubscribe": models.UnsubscribePayload,
}


def _seed_handler(payload_class: type[BaseModel]) -> Callable[..., Coroutine[Any, Any, None]]:
    async def handle(connection: object, payload: dict[str, Any]) -> None:
        payload_class(**payload)  # the seed's `chat = ChatPayload(**payload)`; then its work

    return handle


SEED_HANDLERS = {kind: _seed_handler(payload) for kind, payload in SEED_PAYLOADS.items()}


async def two_step(raw: str, connection: object = None) -> bool:
    """The seed's `dispatch`: True when the message reached its handler and its payload model."""
    try:
        message = WebSocketMessage.model_validate_json(raw)
    except ValidationError:
        return False
    handler = SEED_HANDLERS.get(message.type)
    if handler is None:
        return False
    try:
        await handler(connection, message.payload)
    except (ValidationError, TypeError):
        return False
    return True


def finish(coroutine: Coroutine[Any, Any, Any]) -> None:
    """Run a coroutine that never waits (as here) to its end, without an event loop."""
    try:
        coroutine.send(None)
    except StopIteration:
        return
    raise RuntimeError("the coroutine waited")


Reader = Callable[[list[str]], object]  # reads every frame of a list, once


def per_frame(readers: dict[str, Reader], frames: list[str]) -> dict[str, Any]:
    """Nanoseconds per frame for each reader, and each reader's time ÷ the first one's.

    The readers take turns within each of the REPEATS rounds, so that a machine that slows down
    for a while slows them all alike; medians over the rounds are reported.
    """
    # a pass reads PASS frames at least (the frames, repeated), so that starting one (a loop, a
    # coroutine) weighs alike on few frames and on many
    batch = frames * -(-PASS // len(frames))
    rounds = max(1, ROUNDS * len(frames) // len(batch))
    timings: dict[str, list[float]] = {name: [] for name in readers}
    for _ in range(REPEATS):
        for name, read in readers.items():
            start = time.perf_counter_ns()
            for _ in range(rounds):
                read(batch)
            timings[name].append((time.perf_counter_ns() - start) / (rounds * len(batch)))
    first = next(iter(readers))
    ratios = {
        name: statistics.median(t / f for t, f in zip(times, timings[first], strict=True))
        for name, times in timings.items()
    }
    return {"ns": {name: statistics.median(t) for name, t in timings.items()}, "ratio": ratios}


# --- the sections -----------------------------------------------------------------------------


def _each(read: Callable[[str], object]) -> Reader:
    def each(frames: list[str]) -> None:
        for raw in frames:
            read(raw)

    return each


def _awaited(serve: Callable[[str], Coroutine[Any, Any, object]]) -> Reader:
    """Each frame awaited in turn from one coroutine, as a connection's receive loop does."""

    async def loop(frames: list[str]) -> None:
        for raw in frames:
            await serve(raw)

    return lambda frames: finish(loop(frames))


def speed(frames: dict[str, list[str]]) -> tuple[list[str], dict[str, dict[str, float]]]:
    handlers, quiet = NoOp(), Quiet()
    readers: dict[str, Reader] = {
        "floor": _each(parse_client_message),
        "dispatch": _awaited(lambda raw: dispatch(handlers, quiet, raw)),
        "two-step": _awaited(two_step),
    }
    rows = [
        "| frames | floor ns | dispatch ns | ÷ floor | two-step ns | dispatch ÷ two-step |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    found = {}
    for name, batch in frames.items():
        measured = per_frame(readers, batch)
        ns, ratio = measured["ns"], measured["ratio"]
        found[name] = ratio
        rows.append(
            f"| {name} | {ns['floor']:.0f} | {ns['dispatch']:.0f} | {ratio['dispatch']:.2f}× "
            f"| {ns['two-step']:.0f} | {ratio['dispatch'] / ratio['two-step']:.2f}× |"
        )
    ack = per_frame(
        {"ack": _each(lambda ref: Ack(type="ack", payload=AckPayload(ref=ref, status=OK)))}, ["r1"]
    )
    rows += [
        "",
        f"Building one `ack` model, what a `ref` adds to dispatch: {ack['ns']['ack']:.0f} ns.",
    ]
    return rows, found


def rejections(invalid: dict[str, str]) -> list[str]:
    def floor_rejects(raw: str) -> bool:
        try:
            parse_client_message(raw)
        except ValueError:  # not strict JSON, or pydantic's ValidationError
            return True
        return False

    def dispatch_rejects(raw: str) -> bool:
        recorder = Recorder()
        finish(dispatch(NoOp(), recorder, raw))
        return any(isinstance(m, Error) for m in recorder.sent)

    def two_step_rejects(raw: str) -> bool:
        answer: list[bool] = []

        async def run() -> None:
            answer.append(await two_step(raw))

        finish(run())
        return not answer[0]

    verdicts = {
        name: (floor_rejects(raw), dispatch_rejects(raw), two_step_rejects(raw))
        for name, raw in invalid.items()
    }
    counts = [sum(v[i] for v in verdicts.values()) for i in range(3)]
    total = len(invalid)
    rows = [
        "| | floor | dispatch | two-step |",
        "| --- | ---: | ---: | ---: |",
        f"| invalid frames rejected | {counts[0]}/{total} | {counts[1]}/{total} "
        f"| {counts[2]}/{total} |",
        "",
        "Let through by the two-step approach:",
        "",
    ]
    rows += [f"- {name}: `{invalid[name]}`" for name, (_, _, seed) in verdicts.items() if not seed]
    return rows


def load() -> list[str]:
    rows = [
        "| clients × chats (room size, window) | seconds | chats/s | deliveries/s "
        "| p50 ms | p99 ms |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for clients, messages, room_size, window in LOADS:
        rooms = ",".join(f"load-{n}" for n in range(clients // room_size))
        with running_server("--rooms", rooms) as server:
            report = asyncio.run(run_load(server.url, clients, messages, room_size, window))
        rows.append(
            f"| {clients} × {messages} ({room_size}, {window}) | {report.seconds:.2f} "
            f"| {report.throughput:.0f} | {report.deliveries / report.seconds:.0f} "
            f"| {report.percentile(50) * 1000:.2f} | {report.percentile(99) * 1000:.2f} |"
        )
    return rows


def corpus() -> tuple[dict[str, list[str]], dict[str, str]]:
    protocol = compile_definitions(ROOT / "schema").protocol
    client = protocol.direction("client")
    examples = [e.message for m in client for e in m.examples]
    plain = [json.dumps(e) for e in examples if isinstance(e, dict) and "ref" not in e]
    with_ref = [json.dumps(e) for e in examples if isinstance(e, dict) and "ref" in e]
    chat = {"type": "chat", "payload": {"content": "Hello, everybody!", "room_id": "general"}}
    frames = {
        f"client examples without a ref ({len(plain)})": plain,
        f"client examples with a ref ({len(with_ref)}), acked": with_ref,
        "a chat": [json.dumps(chat)],
        "a chat with a ref, acked": [json.dumps({**chat, "ref": "msg_001"})],
    }
    invalid = {
        e.name: e.raw if e.raw is not None else json.dumps(e.message)
        for e in (*(e for m in client for e in m.invalid), *protocol.invalid)
        if e.direction == "client"
    }
    # Envelope mistakes that the seed's models cannot see.
    invalid |= {
        "wire version 2": json.dumps({**chat, "v": 2}),
        "wire version 0": json.dumps({**chat, "v": 0}),
        "wire version as a string": json.dumps({**chat, "v": "1"}),
        "undeclared envelope field": json.dumps({**chat, "id": 7}),
        "ref as a number": json.dumps({**chat, "ref": 7}),
        "payload of a message that has none": json.dumps({"type": "ping", "payload": {"x": 1}}),
        # what a first-wins proxy in front of the server would read as another message
        "a repeated type": '{"type":"shout","type":"ping"}',
        "a repeated room": '{"type":"join_room","payload":{"room_id":"x","room_id":"general"}}',
    }
    return frames, invalid


def verdict(found: dict[str, dict[str, float]]) -> list[str]:
    plain = next(r for name, r in found.items() if name.startswith("client examples without"))
    ratio, versus = plain["dispatch"], plain["dispatch"] / plain["two-step"]
    return [
        f"On the examples without a ref, dispatch takes {ratio:.2f}× the floor (target ≤ 1.2×: "
        f"{'met' if ratio <= 1.2 else 'missed'}) and {versus:.2f}× the two-step approach (target "
        f"< 1×: {'met' if versus < 1 else 'missed'}).",
    ]


def run() -> str:
    frames, invalid = corpus()
    table, found = speed(frames)
    parts = [
        "## Dispatch: one frame, parsed, validated and routed",
        "",
        __doc__ or "",
        f"Nanoseconds per frame: medians of {REPEATS} rounds of {ROUNDS} passes over the frames, "
        "the three readers taking turns in each round; ratios are medians of the rounds' ratios.",
        "",
        *table,
        "",
        *verdict(found),
        "",
        "### Invalid frames",
        "",
        *rejections(invalid),
        "",
        "## The chat demo server under load",
        "",
        "First the end-to-end load test of tests/e2e: every client, in a room of ten, sends "
        "its chats with refs, at most 8 unacknowledged at a time, so the server is saturated "
        "and the round trips are mostly queueing; then one client alone, one chat at a time. "
        "The server is `python -m chat_server` under uvicorn, the clients are `websockets` "
        "clients in one process, on the same machine. Round trip: from sending a chat to its "
        "ack (its broadcast to the room goes out before the ack).",
        "",
        *load(),
        "",
    ]
    return "\n".join(parts)


if __name__ == "__main__":
    print(run())

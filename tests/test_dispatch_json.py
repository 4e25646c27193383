"""The dispatch reads frames as strictly as `wirebook validate` does (issue 8, items 5, 6, 14).

A frame that is not strict JSON is answered `BAD_JSON`, whatever it would have been read as by a
lenient parser: a repeated key (a first-wins proxy in front of the server would route another
type), NaN, a lone surrogate, nesting deep enough to exhaust a recursive reader.
"""

from __future__ import annotations

import pytest
from test_conformance import run_dispatch

REF_ACK = "d1"
FRAMES = {
    "repeated type": '{"type":"shout","type":"ping","ref":"d1"}',
    "repeated key in the payload": '{"type":"join_room","payload":{"room_id":"a","room_id":"b"}}',
    "NaN version": '{"type":"ping","v":NaN}',
    "Infinity": '{"type":"ping","v":Infinity}',
    "lone surrogate, escaped": '{"type":"join_room","payload":{"room_id":"\\ud800"}}',
    "lone surrogate, in the text": '{"type":"join_room","payload":{"room_id":"\ud800"}}',
    "nested 1,000 deep": '{"type":"ping","payload":' + "[" * 1000 + "]" * 1000 + "}",
    "nested 6 KB deep": '{"type":"ping","payload":{"a":' + '{"a":' * 1000 + "1" + "}" * 1002,
}


@pytest.mark.parametrize("frame", FRAMES.values(), ids=FRAMES.keys())
def test_a_frame_that_is_not_strict_json_is_bad_json(frame: str) -> None:
    handlers, outbox = run_dispatch(frame)
    assert handlers.calls == []
    sent = outbox.wire()
    # not JSON: nothing in it is trusted, its ref included, so no ack
    assert [(m["type"], m["payload"]["code"]) for m in sent] == [("error", "BAD_JSON")]


def test_a_repeated_key_is_named() -> None:
    _, outbox = run_dispatch(FRAMES["repeated type"])
    assert 'duplicate key "type"' in outbox.wire()[0]["payload"]["message"]


def test_bytes_are_read_alike() -> None:
    handlers, outbox = run_dispatch(FRAMES["repeated type"].encode())  # type: ignore[arg-type]
    assert handlers.calls == [] and outbox.wire()[0]["payload"]["code"] == "BAD_JSON"
    handlers, outbox = run_dispatch(b'{"type":"ping","ref":"d1"}')  # type: ignore[arg-type]
    assert [name for name, _ in handlers.calls] == ["on_ping"]
    assert outbox.wire() == [{"type": "ack", "payload": {"ref": REF_ACK, "status": "ok"}}]

"""The Python API of `wirebook validate`, for the tests of other projects."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import wirebook
from wire_corpus import ROOT, SCHEMA_DIR
from wirebook.problems import Problem
from wirebook.testing import assert_invalid_message, assert_valid_message
from wirebook.validate import sources

VALIDATOR = wirebook.Validator.from_schemas(SCHEMA_DIR)


def test_a_validator_from_the_bundles_or_the_definitions_says_the_same() -> None:
    message = {"type": "join_room", "payload": {"room_id": "General"}}
    problems = VALIDATOR.validate(message, "client")
    assert problems == [
        Problem(
            "/payload/room_id",
            "pattern",
            '"General" does not match the pattern ^[a-z0-9][a-z0-9_-]*$',
        )
    ]
    assert wirebook.Validator.from_definitions(ROOT / "schema").validate(message) == problems


def test_wire_text_is_read_strictly() -> None:
    assert VALIDATOR.validate_json('{"type": "ping"}') == []
    assert VALIDATOR.validate_json(b'{"type":"ping","v":NaN}')[0].keyword == "json"
    [repeated] = VALIDATOR.validate_json('{"type": "ping", "type": "pong"}')
    assert (repeated.pointer, repeated.keyword) == ("/type", "duplicateKey")


def test_assert_valid_message_passes_a_valid_message() -> None:
    assert_valid_message({"type": "ping"}, schemas=SCHEMA_DIR)
    assert_valid_message(
        '{"type":"chat","payload":{"from":"u1","content":"Hi"}}',
        direction="server",
        validator=VALIDATOR,
    )


def test_assert_valid_message_names_every_problem() -> None:
    with pytest.raises(AssertionError) as failure:
        assert_valid_message(
            {"type": "chat", "payload": {"mood": 1}}, direction="client", validator=VALIDATOR
        )
    assert str(failure.value) == (
        "invalid client message:\n"
        "  /payload/content: missing required field 'content' (required)\n"
        "  /payload/mood: unexpected field 'mood'; expected only: content, room_id "
        "(additionalProperties)\n"
        'message: {"type": "chat", "payload": {"mood": 1}}'
    )


def test_assert_invalid_message_checks_where_it_fails() -> None:
    message = {"type": "ack", "payload": {"ref": "r1", "status": "lost"}}
    problems = assert_invalid_message(
        message, pointer="/payload/status", keyword="enum", validator=VALIDATOR
    )
    assert len(problems) == 1
    with pytest.raises(AssertionError, match="not at /payload/ref"):
        assert_invalid_message(message, pointer="/payload/ref", validator=VALIDATOR)
    with pytest.raises(AssertionError, match="expected an invalid message, but it is valid"):
        assert_invalid_message({"type": "ping"}, validator=VALIDATOR)


@pytest.mark.parametrize(
    ("message", "pointer", "words"),
    [
        ({"type": "join_room", "payload": {"room_id": "\ud800"}}, "/payload/room_id", "a string"),
        ({"type": "\udfff"}, "/type", "a string"),
        ({"type": "ping", "payload": {"a": [1, {"b\ud83d": 2}]}}, "/payload/a/1", "the key"),
    ],
)
def test_a_surrogate_in_a_value_is_a_problem_where_it_is(
    message: dict[str, object], pointer: str, words: str
) -> None:
    [problem] = VALIDATOR.validate(message)
    assert (problem.pointer, problem.keyword) == (pointer, "json")
    assert problem.message.startswith(f"not JSON: {words} ")
    assert "a surrogate code point, which no JSON text can carry" in problem.message
    with pytest.raises(AssertionError, match=r'"room_id": "\\ud800"|\\udfff|b\\ud83d'):
        assert_valid_message(message, validator=VALIDATOR)


def test_wire_text_with_a_surrogate_is_not_json() -> None:
    text = '{"type": "join_room", "payload": {"room_id": "\ud800"}}'
    [problem] = VALIDATOR.validate_json(text)
    assert problem == Problem(
        "",
        "json",
        "not JSON: U+D800 at character 46 is a surrogate code point, which no UTF-8 text holds",
    )
    escaped = text.encode("utf-8", "backslashreplace")  # as JSON text, with its escape
    assert VALIDATOR.validate_json(escaped)[0].keyword == "json"
    with pytest.raises(AssertionError, match="surrogate"):
        assert_valid_message(text, validator=VALIDATOR)


# --- the compiled definitions, kept on disk ------------------------------------------------------


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("WIREBOOK_NO_CACHE", raising=False)
    return tmp_path / "cache" / "wirebook" / "validate"


def definitions(tmp_path: Path) -> Path:
    folder = tmp_path / "schema"
    shutil.copytree(ROOT / "schema", folder)
    return folder


def test_compiled_definitions_are_kept_and_read_again(
    tmp_path: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = definitions(tmp_path)
    compiled = sources.from_definitions(folder)
    [entry] = cache.iterdir()
    assert json.loads(entry.read_text()) == compiled
    monkeypatch.setattr(sources, "_compile", None)  # not called again
    assert sources.from_definitions(folder) == compiled


def test_any_change_of_the_definitions_compiles_them_again(tmp_path: Path, cache: Path) -> None:
    folder = definitions(tmp_path)
    sources.from_definitions(folder)
    protocol = next(folder.glob("*.yaml"))
    protocol.write_text(protocol.read_text() + "\n")  # the same definitions, other bytes
    sources.from_definitions(folder)
    (folder / "notes.txt").write_text("any file of the folder counts")
    sources.from_definitions(folder)
    assert len(list(cache.iterdir())) == 3


def test_broken_definitions_are_never_kept(tmp_path: Path, cache: Path) -> None:
    folder = definitions(tmp_path)
    (folder / "broken.yaml").write_text("protocol: [\n")
    for _ in range(2):
        with pytest.raises(sources.SourceError, match="error"):
            sources.from_definitions(folder)
    assert not cache.exists()


def test_an_entry_that_cannot_be_read_is_compiled_again(tmp_path: Path, cache: Path) -> None:
    folder = definitions(tmp_path)
    compiled = sources.from_definitions(folder)
    [entry] = cache.iterdir()
    for text in ("{not json", '{"sideways": {}}', "[]"):
        entry.write_text(text)
        assert sources.from_definitions(folder) == compiled
    assert json.loads(entry.read_text()) == compiled


def test_the_cache_can_be_turned_off(
    tmp_path: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WIREBOOK_NO_CACHE", "1")
    sources.from_definitions(definitions(tmp_path))
    assert not cache.exists()


@pytest.mark.parametrize(
    ("number", "name"), [(float("nan"), "NaN"), (float("inf"), "Infinity"), (-1e400, "-Infinity")]
)
def test_a_float_no_json_number_is_a_problem_where_it_is(number: float, name: str) -> None:
    message = {"type": "ping", "payload": {"a": [1, number]}}
    assert VALIDATOR.validate(message) == [
        Problem("/payload/a/1", "json", f"not JSON: {name} is no JSON number")
    ]

"""The exact path of `wirebook validate` remembers its verdicts on lines alike.

Two lines whose texts differ only in strings whose content no check reads (free text: a chat's
content, a correlation id with length bounds alone) get the same verdict and the same words,
so the exact path judges the first and recalls it for the others. ``_sift.skeleton`` blanks
those strings out of a text; ``fast.free_strings`` says which they are. Held here: the skeleton
blanks exactly those strings and refuses what no JSON string holds; a path is free only where no
message of the protocol reads the string or shows it in its words; and a log checked with the
recall gives every line the findings it gets alone, without it.
"""

from __future__ import annotations

import json
import random
import sys
from collections import Counter
from typing import Any

import pytest
from test_validate_conformance import compact
from wire_corpus import SCHEMA_DIR, VALID, mutants
from wirebook.problems import Problem
from wirebook.validate import engine, fast
from wirebook.validate._sift import recall, skeleton, tally
from wirebook.validate.engine import Finding, Rejection, Validator
from wirebook.validate.options import CHOICES, Choice
from wirebook.validate.sources import Schema, Schemas, from_published

VERSIONS = from_published(SCHEMA_DIR)
SCHEMAS = VERSIONS[0]  # the default wire version's
BLANK = b"\xff"
PLAN = {b"text": (1, 10), b"payload\x00content": (1, 4000)}
INVALID_VERDICT = engine._Verdict.of(None, (Rejection(None, (Problem("", "json", "not JSON"),)),))


# --- the skeleton ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "shape"),
    [
        (b'{"text":"hello"}', b'{"text":"\xff"}'),
        (b'{"type":"chat","payload":{"content":"hi there","room_id":"a"}}', None),
        (b'{"text":"","b":"x"}', b'{"text":"","b":"x"}'),  # shorter than its bounds: kept
        (b'{"text":"hello world"}', b'{"text":"hello world"}'),  # longer: kept
        (b'{"text":"\\u00e9\\ud83d\\ude00\\n\\"\\\\"}', b'{"text":"\xff"}'),  # 5 code points
        ('{"text":"àé👍"}'.encode(), b'{"text":"\xff"}'),
        (b'{"a":{"text":"hello"}}', b'{"a":{"text":"hello"}}'),  # another path
        (b'{"text":["hello"]}', b'{"text":["hello"]}'),  # in an array: no path
        (b'[{"text":"hello"}]', b'[{"text":"hello"}]'),
        (b'{"te\\u0078t":"hello"}', b'{"te\\u0078t":"hello"}'),  # a name with an escape
        (b'{"text" : "hello" , "text":"hi"}', b'{"text" : "\xff" , "text":"\xff"}'),
        (b"", b""),
        (b"not json", b"not json"),
    ],
)
def test_the_skeleton_blanks_the_free_strings_alone(text: bytes, shape: bytes | None) -> None:
    if shape is None:  # the chat content: two levels down
        shape = b'{"type":"chat","payload":{"content":"\xff","room_id":"a"}}'
    assert skeleton(text, PLAN) == shape


@pytest.mark.parametrize(
    "content",
    [
        b"a\x01b",  # a raw control character
        b"a\xffb",  # not UTF-8
        b"\xc0\x80",  # an overlong NUL
        b"\xed\xa0\x80",  # a surrogate, encoded
        b"\xf4\x90\x80\x80",  # beyond U+10FFFF
        b"\xe2\x82",  # cut short
        b"\\x41",  # no such escape
        b"\\u12",
        b"\\ud800",  # lone surrogates
        b"\\udc00",
        b"\\ud800\\u0041",
    ],
)
def test_the_skeleton_refuses_a_free_string_that_no_json_text_holds(content: bytes) -> None:
    # else a text that is not JSON could be taken for one that is, and given its verdict
    assert skeleton(b'{"text":"' + content + b'"}', PLAN) is None


@pytest.mark.parametrize("text", [b'{"text":"abc', b'{"text":"abc\\"}', b"[" * 65 + b"]" * 65])
def test_the_skeleton_refuses_a_cut_or_deep_text(text: bytes) -> None:
    assert skeleton(text, PLAN) is None


def test_the_skeleton_counts_code_points_as_json_readers_do() -> None:
    rng = random.Random(3)
    alphabet = ["a", "é", "€", "👍", "\n", '"', "\\", "\u2028", "\x7f", "\U0010ffff"]
    for _ in range(2000):
        value = "".join(rng.choice(alphabet) for _ in range(rng.randrange(12)))
        ascii_only = rng.random() < 0.5
        text = json.dumps({"text": value}, ensure_ascii=ascii_only, separators=(",", ":")).encode()
        for length in (len(value) - 1, len(value), len(value) + 1):
            blanked = skeleton(text, {b"text": (length, length)}) == b'{"text":"\xff"}'
            assert blanked == (length == len(value)), (text, length)


def test_recall_gives_what_memory_holds_for_each_skeleton_else_the_skeleton() -> None:
    lines = [b'{"text":"hello"}', b"[", b'{"text":"hi"}', b'{"text":"\\ud800"}', b'{"b":1}']
    memory = {b'{"text":"\xff"}': "greeting"}
    assert recall(lines, [0, 1, 2, 3, 4], PLAN, memory, {}, 4096) == (
        ["greeting", b"[", "greeting", None, b'{"b":1}'],  # the 4th has no skeleton
        [1, 3, 4],
    )
    assert recall(tuple(lines), [2, 2], PLAN, memory, {}, 4096) == (["greeting", "greeting"], [])
    assert recall(lines, [0, 2], PLAN, memory, {}, 15) == ([None, "greeting"], [0])  # 16, 13 bytes
    assert recall(lines, [], PLAN, memory, {}, 4096) == ([], [])


def test_recall_gives_what_texts_hold_for_a_line_whose_skeleton_is_not_remembered() -> None:
    lines = [b'{"text":"hel', b"[", b'{"text":"hello"}', b'{"text":"hi"}']
    memory = {b'{"text":"\xff"}': "greeting"}
    texts = {b'{"text":"hel': "cut", b"[": "open", b'{"text":"hi"}': "not asked"}
    assert recall(lines, [0, 1, 2, 3], PLAN, memory, texts, 4096) == (
        ["cut", "open", "greeting", "greeting"],  # a skeleton remembered comes first
        [],
    )
    assert recall(lines, [0, 1], PLAN, memory, texts, 5) == ([None, "open"], [0])  # 12 bytes, 1


@pytest.mark.parametrize(
    ("lines", "indexes", "error"),
    [
        ([b"1"], [1], IndexError),
        ([b"1"], [-1], IndexError),
        (["1"], [0], TypeError),
        ([b"1"], ["0"], TypeError),
    ],
)
def test_recall_refuses_an_index_that_is_not_of_a_line(
    lines: list[Any], indexes: list[int], error: type[Exception]
) -> None:
    with pytest.raises(error):
        recall(lines, indexes, PLAN, {}, {}, 4096)


# --- the verdicts of a batch, counted and made findings ----------------------------------------


def test_tally_counts_each_verdicts_lines_and_makes_a_finding_of_each_invalid_line() -> None:
    problem = Problem("/ref", "minLength", "too short")
    short = engine._Verdict.of("ping", (Rejection("client", (problem, problem)),))
    bad_json = engine._Verdict.of(None, (Rejection(None, (Problem("", "json", "not JSON"),)),))
    valid = engine._Verdict.of("chat", ())
    verdicts = [short, valid, bad_json, short, valid, short]
    per_type, per_kind = Counter({"ping": 10}), Counter({"json": 1})
    invalid: Counter[str] = Counter()
    findings = tally(verdicts, [3, 4, 7, 8, 9, 20], 100, Finding, per_type, invalid, per_kind)
    assert findings == [
        (103, "ping", short.rejections),
        (107, None, bad_json.rejections),
        (108, "ping", short.rejections),
        (120, "ping", short.rejections),
    ]
    assert all(type(f) is Finding and f[2] is short.rejections for f in findings if f.type)
    assert per_type == {"ping": 13, "chat": 2, "(no type)": 1}  # added to what was there
    assert invalid == {"ping": 3, "(no type)": 1}
    assert per_kind == {"minLength": 6, "json": 2}  # each problem of each line
    assert tally([], [], 0, Finding, per_type, invalid, per_kind) == []


class Untyped:
    """A verdict whose type cannot be read."""

    @property
    def type(self) -> str:
        raise LookupError("no type")


@pytest.mark.parametrize(
    ("verdicts", "indexes", "finding", "error"),
    [
        ([INVALID_VERDICT], [], Finding, ValueError),  # as many indexes as verdicts
        ([INVALID_VERDICT], [-1], Finding, TypeError),
        ([INVALID_VERDICT], ["0"], Finding, TypeError),
        ([INVALID_VERDICT], [0], dict, TypeError),  # a finding is a tuple
        ([object()], [0], Finding, AttributeError),  # a verdict has a type and rejections
        ([Untyped()], [0], Finding, LookupError),  # the error of its type, as it is
        ([INVALID_VERDICT], [sys.maxsize], Finding, OverflowError),  # first + index
        ((INVALID_VERDICT,), [0], Finding, TypeError),  # lists
    ],
)
def test_tally_refuses_what_is_not_verdicts_and_their_lines(
    verdicts: Any, indexes: Any, finding: Any, error: type[Exception]
) -> None:
    with pytest.raises(error):
        tally(verdicts, indexes, 1, finding, {}, {}, {})


# --- where strings are free --------------------------------------------------------------------


def test_the_free_strings_of_the_example_protocol() -> None:
    assert fast.free_strings(SCHEMAS, "client") == {
        b"ref": (1, 128),
        b"payload\x00content": (1, 4000),
    }
    assert fast.free_strings(SCHEMAS, "any") == {
        b"ref": (1, 128),
        b"payload\x00content": (1, 4000),
        b"payload\x00message": (1, 1000),
        b"payload\x00ref": (1, 128),
    }


def message(payload: Any, **members: Any) -> Schema:
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "properties": {"type": {"const": "m"}, "payload": payload, **members},
        "required": ["type"],
        "additionalProperties": False,
    }


def plain(**properties: Any) -> Schema:
    return {"type": "object", "properties": properties, "additionalProperties": False}


TEXT = {"type": "string", "maxLength": 50}


@pytest.mark.parametrize(
    ("other", "free"),
    [
        (message(plain(text=TEXT)), True),
        (message(plain(text={"type": "string", "minLength": 2})), True),
        (message(plain()), True),  # text is an unknown member there, refused by name
        (message({"type": "object"}), True),  # any member, any value
        (message({"type": "string"}), False),  # its words would show the object
        (message({"anyOf": [plain(text=TEXT), {"type": "null"}]}), False),  # the null branch's
        (message(plain(text={"type": "string", "pattern": "^a"})), False),
        (message(plain(text={"enum": ["a", "b"]})), False),
        (message(plain(text={"type": ["string", "null"]})), False),
        (message({"type": "object", "additionalProperties": {"type": "string"}}), False),
        (message({"type": "object", "properties": {"text": TEXT}, "minProperties": 1}), False),
    ],
)
def test_a_string_is_free_only_where_no_message_reads_it_or_shows_it(
    other: Schema, free: bool
) -> None:
    schemas: Schemas = {"client": {"m": message(plain(text=TEXT))}, "server": {"o": other}}
    found = fast.free_strings(schemas, "any")
    assert (b"payload\x00text" in found) == free
    if free and "minLength" in json.dumps(other):
        assert found[b"payload\x00text"] == (2, 50)  # what passes everywhere
    assert b"payload\x00text" in fast.free_strings(schemas, "client")


# --- the recall changes no verdict and no word -------------------------------------------------


def alike(message: Any) -> list[Any]:
    """The message with its free strings of other lengths, around their bounds."""
    found = []
    payload = message.get("payload") if isinstance(message, dict) else None
    for value in ("", "x", "y" * 7, "é" * 128, "z" * 129, "w" * 4000, "v" * 4001):
        if isinstance(payload, dict) and "content" in payload:
            found.append({**message, "payload": {**payload, "content": value}})
        if isinstance(message, dict) and "ref" in message:
            found.append({**message, "ref": value})
    return found


@pytest.mark.parametrize("choice", CHOICES)
def test_every_line_gets_the_findings_it_gets_alone(
    choice: Choice, monkeypatch: pytest.MonkeyPatch
) -> None:
    messages = [
        m
        for case in VALID
        for mutant in mutants(case)
        for m in [mutant.message, *alike(mutant.message)]
    ]
    lines = [compact(m).encode("utf-8") for m in messages]
    lines += [b"", b"", b"[", b"[", b'{"type":"chat"', b'{"type":"chat"']  # not JSON, twice
    recalled = Validator.of(VERSIONS).check_lines(lines, choice)
    monkeypatch.setattr(engine, "_REMEMBERED_TEXT", -1)  # no line is remembered
    alone = Validator.of(VERSIONS).check_lines(lines, choice)
    assert alone.per_type == recalled.per_type and alone.per_kind == recalled.per_kind
    assert [(f.line, f.type, f.rejections) for f in recalled.findings] == [
        (f.line, f.type, f.rejections) for f in alone.findings
    ]
    assert len(alone.findings) > len(lines) // 3  # many invalid lines, many alike

"""The engine of `wirebook validate` (jsonschema-rs) agrees with the reference (python-jsonschema).

Same verdict, and the same problems (pointer, keyword and words), on every example, every
invalid example, the corpus of mutants shared with the other conformance tests, and schemas
written to probe regular expressions, nullable fields and numbers.
"""

from __future__ import annotations

import json
import re
from functools import partial
from typing import Any

import orjson
import pytest
from chat_protocol.dispatch import read_json
from wire_corpus import INVALID, PROTOCOL, REFERENCE, ROOT, SCHEMA_DIR, VALID, mutants
from wirebook import ir
from wirebook.problems import Problem
from wirebook.reference import ReferenceValidator
from wirebook.validate.engine import Validator
from wirebook.validate.options import Choice
from wirebook.validate.parse import parse_text
from wirebook.validate.sources import SourceError

ENGINE = Validator.from_schemas(SCHEMA_DIR)  # the committed bundles, as other teams get them
FROM_DEFINITIONS = Validator.from_definitions(ROOT / "schema")


def assert_agree(direction: ir.Direction, message: Any) -> list[Problem]:
    ours = ENGINE.validate(message, direction)
    assert ours == REFERENCE.validate(direction, message)
    assert FROM_DEFINITIONS.validate(message, direction) == ours
    return ours


@pytest.mark.parametrize("case", VALID, ids=lambda c: c.id)
def test_every_example_is_valid(case: Any) -> None:
    assert assert_agree(case.message.direction, case.example.message) == []


@pytest.mark.parametrize("case", INVALID, ids=lambda c: c.id)
def test_every_invalid_example_fails_where_it_says(case: Any) -> None:
    example = case.example
    if example.raw is not None:
        ours = ENGINE.validate_json(example.raw, example.direction)
        theirs, _ = parse_text(example.raw)
        assert theirs is None and [p.keyword for p in ours] == ["json"]
    else:
        ours = assert_agree(example.direction, example.message)
    assert (example.pointer, example.keyword) in {(p.pointer, p.keyword) for p in ours}


@pytest.mark.parametrize("case", VALID, ids=lambda c: c.id)
def test_every_mutant_gets_the_same_problems(case: Any) -> None:
    corpus = mutants(case)
    invalid = [m for m in corpus if assert_agree(case.message.direction, m.message)]
    assert 0 < len(invalid) < len(corpus)  # the corpus holds both kinds


def test_any_direction_is_valid_in_one_direction_that_has_the_type() -> None:
    for case in VALID:
        for mutant in mutants(case):
            message = mutant.message
            either = any(not REFERENCE.validate(d, message) for d in ir.DIRECTIONS)
            assert (not ENGINE.validate(message, "any")) == either, mutant.label


@pytest.mark.parametrize("choice", ["client", "server", "any"])
def test_the_fast_path_of_the_command_gives_the_same_verdicts(choice: Choice) -> None:
    messages = [m for case in VALID for m in [case.example.message, *corpus(case)]]
    directions = ir.DIRECTIONS if choice == "any" else (choice,)
    expected = {
        i for i, m in enumerate(messages) if all(REFERENCE.validate(d, m) for d in directions)
    }
    # compact text takes the fast path; text with spaces is re-read by the exact parser
    for dumps in (compact, partial(json.dumps, ensure_ascii=False)):
        lines = [dumps(m).encode("utf-8") for m in messages]
        assert {f.line for f in ENGINE.check_lines(lines, choice).findings} == expected


def corpus(case: Any) -> list[Any]:
    return [m.message for m in mutants(case)]


def compact(message: Any) -> str:
    try:  # as orjson writes it, but for integers beyond 64 bits, which only json can write
        return orjson.dumps(message).decode("utf-8")
    except TypeError:
        return json.dumps(message, separators=(",", ":"), ensure_ascii=False)


def test_a_type_of_both_directions_is_checked_against_both() -> None:
    server_chat = {"type": "chat", "payload": {"from": "u1", "content": "Hi"}}
    assert ENGINE.validate(server_chat, "any") == []
    assert ENGINE.validate(server_chat, "server") == []
    assert [p.pointer for p in ENGINE.validate(server_chat, "client")] == ["/payload/from"]
    both = ENGINE.check({"type": "chat", "payload": {}}, "any")
    assert [r.direction for r in both] == ["client", "server"]
    assert [p.pointer for p in both[1].problems] == ["/payload/content", "/payload/from"]


def test_an_unknown_type_lists_the_known_ones() -> None:
    [problem] = ENGINE.validate({"type": "chat_messages"}, "client")
    known = sorted(m.type for m in PROTOCOL.direction("client"))
    assert (problem.pointer, problem.keyword) == ("/type", "enum")
    assert problem.message.endswith("known types: " + ", ".join(known))


# --- schemas written to probe the engine -------------------------------------------------------

PATTERNS = [
    "^[a-z0-9][a-z0-9_-]*$",  # the example protocol's room id
    "^[a-z]+$",
    "[a-z]$",
    "^a.c$",
    "^[^a]$",
    "^[0-9]+$",
    "^[ \\t\\n\\r\\f\\v]$",
    "^(a|ab)(c|bcd)(d*)$",
    "^\\u00e9$",
    "^[😀-😂]$",
    "^.{2}$",  # counts code points, not UTF-16 units
]
STRINGS = [
    "",
    "general",
    "general\n",
    "\ngeneral",
    "general\r",
    "General",
    "général",
    "abc",
    "a\nc",
    "a\u2028c",
    "a\rc",
    "\n",
    "b",
    "ab",
    "123",
    "١٢٣",  # Arabic-Indic digits
    "é",
    "ß",
    " ",
    "\u00a0",
    "\ufeff",
    "\u2003",
    "word",
    "a word here",
    "éword",
    "wordé",
    "abcd",
    "😀",
    "😁",
    "😀😀",
    "e\u0301",
]


def probe(field: dict[str, Any]) -> tuple[Validator, ReferenceValidator]:
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "properties": {"type": {"const": "probe"}, "x": field},
        "required": ["type", "x"],
        "additionalProperties": False,
        "$defs": {"Word": {"type": "string", "pattern": "^[a-z]+$", "maxLength": 3}},
    }
    return Validator({"client": {"probe": schema}}), ReferenceValidator(
        {"client": {"probe": schema}}
    )


@pytest.mark.parametrize("pattern", PATTERNS)
def test_patterns_match_as_ecma_262_says(pattern: str) -> None:
    engine, reference = probe({"type": "string", "pattern": pattern})
    for text in STRINGS:
        message = {"type": "probe", "x": text}
        assert engine.validate(message, "client") == reference.validate("client", message), text


def test_a_trailing_newline_does_not_match_a_dollar() -> None:
    engine, _ = probe({"type": "string", "pattern": "^[a-z]+$"})
    [problem] = engine.validate({"type": "probe", "x": "general\n"}, "client")
    assert (problem.pointer, problem.keyword) == ("/x", "pattern")
    assert problem.message == '"general\\n" does not match the pattern ^[a-z]+$'


# What wirebook.patterns refuses (validators read them differently, or they backtrack): a schema
# from elsewhere that holds one is refused, not matched by some engine's reading of it.
REFUSED = ["(?i)^a$", "^\\d+$", "\\bword\\b", "(?<=a)b", "^\\p{L}+$", "^([a-z0-9]+-?)*$"]


@pytest.mark.parametrize("pattern", REFUSED)
def test_a_pattern_wirebook_does_not_read_is_refused(pattern: str) -> None:
    with pytest.raises(SourceError, match=f"the pattern {re.escape(repr(pattern))} "):
        probe({"type": "string", "pattern": pattern})


@pytest.mark.parametrize(
    "value", [None, "ok", "OK", "toolong", 5, True, [], {}], ids=lambda v: repr(v)
)
def test_a_nullable_field_reports_the_branch_its_kind_chose(value: Any) -> None:
    engine, reference = probe({"anyOf": [{"$ref": "#/$defs/Word"}, {"type": "null"}]})
    message = {"type": "probe", "x": value}
    assert engine.validate(message, "client") == reference.validate("client", message)


NUMBERS = [0, -1, 1, 1.0, 1.5, -0.0, 2**53 + 1, 2**63, 2**64, 2**100, -(2**100), 1e300, True]


@pytest.mark.parametrize(
    "field",
    [
        {"type": "integer"},
        {"type": "integer", "minimum": 0, "maximum": 2**64},
        {"type": "number", "exclusiveMaximum": 2**63},
        {"enum": [1, 2**64]},
        {"const": 2**100},
    ],
    ids=lambda f: str(f),
)
def test_numbers_of_any_size_compare_as_numbers(field: dict[str, Any]) -> None:
    engine, reference = probe(field)
    for number in NUMBERS:
        message = {"type": "probe", "x": number}
        assert engine.validate(message, "client") == reference.validate("client", message), number


def test_big_integers_from_wire_text_keep_every_digit() -> None:
    engine, reference = probe({"type": "integer", "maximum": 2**64})
    text = '{"type":"probe","x":18446744073709551617}'  # 2**64 + 1: a float would round it
    [problem] = engine.validate_json(text, "client")
    assert (problem.pointer, problem.keyword) == ("/x", "maximum")
    message, _ = parse_text(text)
    assert reference.validate("client", message) == [problem]


def test_nesting_is_checked_to_200_levels_and_refused_beyond() -> None:
    def nested(levels: int) -> dict[str, Any]:
        value: Any = 1
        for _ in range(levels - 2):  # the message and its payload are two levels
            value = [value]
        return {"type": "ping", "payload": {"deep": value}}

    deepest = nested(200)
    assert assert_agree("client", deepest)[0].pointer == "/payload/deep"
    assert ENGINE.validate_json(json.dumps(deepest)) == ENGINE.validate(deepest)
    [refused] = ENGINE.validate_json(json.dumps(nested(201)))
    assert (refused.keyword, refused.message) == (
        "json",
        "nested more than 200 levels deep: refused unread",
    )
    assert ENGINE.validate(nested(300)) == [refused]  # a Python value, not text: refused alike


def nestings(levels: int) -> dict[str, str]:
    """Texts of ``levels`` arrays and objects, one in the other, with a leaf in the deepest or
    the deepest empty; and a message whose payload holds such a value."""
    mixed = ['{"a":', "["] * levels
    closing = {'{"a":': "}", "[": "]"}
    texts = {}
    for name, opening in {
        "arrays": ["["] * levels,
        "objects": ['{"a":'] * levels,
        "mixed": mixed[:levels],
        "mixed, arrays first": mixed[1 : levels + 1],
    }.items():
        closed = "".join(closing[o] for o in reversed(opening))
        texts[f"{name}, a leaf"] = "".join(opening) + '"x"' + closed
        innermost = "{}" if opening[-1] == '{"a":' else "[]"
        texts[f"{name}, empty"] = "".join(opening[:-1]) + innermost + closed[1:]
    message = '{"type":"ping","payload":{"a":%s}}'
    texts["in a message, arrays, a leaf"] = message % (
        "[" * (levels - 2) + "1" + "]" * (levels - 2)
    )
    texts["in a message, objects, empty"] = message % (
        '{"a":' * (levels - 3) + "{}" + "}" * (levels - 3)
    )
    return texts


TOO_DEEP = Problem("", "json", "nested more than 200 levels deep: refused unread")


def jiter_reads(text: str) -> bool:
    try:
        read_json(text)
    except ValueError:
        return False
    return True


def test_wirebooks_readers_refuse_the_same_nesting() -> None:
    """The dispatch (jiter) refuses a value inside more than 200 containers; `validate` (the
    loop of the command) and the engine's text reader refuse exactly the same texts, at every
    depth around the limit, with the same words. (``Validator.validate`` reads values, not
    texts: it answers as the reference does on a value nested within its recursion limit.)"""
    verdicts: dict[str, list[bool]] = {}
    for levels in range(195, 261):
        for name, text in nestings(levels).items():
            problems = ENGINE.validate_json(text)
            refused = [p for p in problems if p.keyword == "json"]
            assert refused in ([], [TOO_DEEP]), (name, levels)
            findings = ENGINE.check_lines([text.encode()], "any").findings
            lines = [p for f in findings for r in f.rejections for p in r.problems]
            assert [p for p in lines if p.keyword == "json"] == refused, (name, levels)
            assert jiter_reads(text) == (refused == []), (name, levels)
            verdicts.setdefault(name, []).append(refused == [])
    # each form is read to a depth and refused beyond it: 200 containers around a value
    for name, read in verdicts.items():
        deepest = 194 + read.index(False)
        assert read == [True] * (deepest - 194) + [False] * (260 - deepest), name
        assert deepest == (201 if "empty" in name else 200), name

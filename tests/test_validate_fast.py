"""The fast path of `wirebook validate` (validate/fast.py) takes only valid lines.

A line the fast path takes is counted valid and never looked at again, so every test here holds
it to one promise, judged by the reference validator (python-jsonschema, ECMA-262 patterns): a
line taken is valid in a direction that the choice allows. Besides: the fast path is really used
(every compact example is taken); texts that msgspec would read loosely (a repeated key, spaces,
longer escapes, 1.0 for an integer) are left to the exact path, whose verdicts stay the
reference's; whatever has no exact msgspec counterpart (floats, uniqueItems, oneOf, not, bounds
beyond 64 bits, directions whose payloads differ in a shared member) is listed as untranslated
and never taken; and hostile lines are refused without an exception.
"""

from __future__ import annotations

import copy
import json
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from functools import cache
from itertools import product
from typing import Any

import orjson
import pytest
from test_validate_conformance import NUMBERS, PATTERNS, STRINGS, compact
from wire_corpus import REFERENCE, SCHEMA_DIR, VALID, ValidCase, mutants
from wirebook import ir
from wirebook.problems import pointer
from wirebook.reference import ReferenceValidator
from wirebook.validate import fast
from wirebook.validate.engine import Validator
from wirebook.validate.options import CHOICES, Choice
from wirebook.validate.sources import Schema, Schemas, from_published

SCHEMAS = from_published(SCHEMA_DIR)  # the committed bundles, as `wirebook validate` reads them
ENGINE = Validator(SCHEMAS)
FAST = {choice: fast.build(SCHEMAS, choice) for choice in CHOICES}
MUTANTS = {case.id: [m.message for m in mutants(case)] for case in VALID}
DRAFT = "https://json-schema.org/draft/2020-12/schema"
MISSING = object()  # a member that a message does not have


def case_id(case: ValidCase) -> str:
    return case.id


def directions(choice: Choice) -> tuple[ir.Direction, ...]:
    return ir.DIRECTIONS if choice == "any" else (choice,)


def line(message: Any) -> bytes:
    """A message as compact text (orjson's; the standard library's for integers beyond 64 bits)."""
    return compact(message).encode("utf-8")


def holds_float(value: Any) -> bool:
    if isinstance(value, dict):
        return any(holds_float(v) for v in value.values())
    if isinstance(value, list):
        return any(holds_float(v) for v in value)
    return isinstance(value, float)


def taken(path: fast.FastPath, lines: Sequence[bytes]) -> set[int]:
    """The indexes of the lines the fast path takes; asked all at once and one line at a time,
    with the same answer, and counted once each."""
    counts, others = path.sift(lines)
    found = set(range(len(lines))) - set(others)
    assert sorted(others) == others and sum(counts.values()) == len(found)
    alone = {i for i, text in enumerate(lines) if not path.sift([text])[1]}
    assert alone == found, "a line is taken alone but not among others, or the other way round"
    return found


def invalid_lines(engine: Validator, choice: Choice, lines: Sequence[bytes]) -> set[int]:
    """The lines the whole engine (fast path, then exact path) finds invalid."""
    return {f.line for f in engine.check_lines(lines, choice).findings}


class Setup:
    """One protocol's schemas as the fast path, the engine and the reference read them."""

    def __init__(self, schemas: Schemas, reference: ReferenceValidator | None = None) -> None:
        self.schemas = schemas
        self.engine = Validator(schemas)
        self.reference = reference or ReferenceValidator(schemas)

    def fast(self, choice: Choice) -> fast.FastPath:
        return fast.build(self.schemas, choice)

    def valid(self, choice: Choice, message: Any) -> bool:
        """Valid in one direction that ``choice`` allows (and that the schemas have)."""
        allowed = [d for d in directions(choice) if d in self.schemas]
        return any(not self.reference.validate(d, message) for d in allowed)

    def problems(self, direction: ir.Direction, message: Any) -> list[str]:
        found = self.reference.validate(direction, message)
        return [f"{direction}: {p.pointer} {p.keyword}: {p.message}" for p in found]


def assert_exact(
    setup: Setup,
    choice: Choice,
    messages: Sequence[Any],
    lines: Sequence[bytes] | None = None,
    valid: Sequence[bool] | None = None,
) -> set[int]:
    """Sound: a line taken is valid. Complete: with compact text, every valid message of a
    translated type that holds no float is taken. Exact: the engine's verdicts are the
    reference's. ``lines``: other texts of ``messages`` (no completeness asked of them);
    ``valid``: the reference's verdicts, if known."""
    texts = [line(m) for m in messages] if lines is None else lines
    if valid is None:
        valid = [setup.valid(choice, m) for m in messages]
    path = setup.fast(choice)
    got = taken(path, texts)
    allowed = [d for d in directions(choice) if d in setup.schemas]
    unsound = [
        (texts[i], [p for d in allowed for p in setup.problems(d, messages[i])])
        for i in sorted(got)
        if not valid[i]
    ]
    assert unsound == [], f"the fast path ({choice}) takes invalid lines"
    if lines is None:
        missed = [
            texts[i]
            for i, m in enumerate(messages)
            if valid[i]
            and i not in got
            and not holds_float(m)
            and m["type"] not in path.untranslated
        ]
        assert missed == [], (
            f"the fast path ({choice}) leaves valid compact lines to the exact path"
        )
    assert path.sift(texts)[0] == Counter(messages[i]["type"] for i in got)
    wrong = invalid_lines(setup.engine, choice, texts) ^ {i for i, ok in enumerate(valid) if not ok}
    assert [texts[i] for i in sorted(wrong)] == [], f"the engine ({choice}) disagrees"
    return got


# --- the example protocol ----------------------------------------------------------------------


@pytest.mark.parametrize("choice", CHOICES)
def test_every_type_of_the_example_protocol_is_translated(choice: Choice) -> None:
    assert FAST[choice].untranslated == ()
    expected = {t for d in directions(choice) for t in SCHEMAS[d]}
    assert set(FAST[choice].types.values()) == expected


@pytest.mark.parametrize("case", VALID, ids=case_id)
def test_every_compact_example_takes_the_fast_path(case: ValidCase) -> None:
    text = orjson.dumps(case.wire)
    for choice in (case.message.direction, "any"):
        assert FAST[choice].sift([text]) == (Counter({case.message.type: 1}), [])
    [other] = [d for d in ir.DIRECTIONS if d != case.message.direction]
    # the other direction takes it only if it is valid there (chat is in both, with other fields)
    assert taken(FAST[other], [text]) == (
        {0} if not REFERENCE.validate(other, case.wire) else set()
    )


def test_all_the_examples_at_once_take_the_fast_path() -> None:
    lines = [orjson.dumps(case.wire) for case in VALID]
    assert FAST["any"].sift(lines) == (Counter(case.message.type for case in VALID), [])


CORPUS = [m for case in VALID for m in (case.wire, *MUTANTS[case.id])]


@cache
def corpus_verdicts(direction: ir.Direction) -> list[bool]:
    return [not REFERENCE.validate(direction, m) for m in CORPUS]


@pytest.mark.parametrize("choice", CHOICES)
def test_the_mutant_corpus_is_taken_only_when_valid(choice: Choice) -> None:
    messages = CORPUS
    valid = [any(v) for v in zip(*map(corpus_verdicts, directions(choice)), strict=True)]
    setup = Setup(SCHEMAS, REFERENCE)
    got = assert_exact(setup, choice, messages, valid=valid)
    assert len(got) > 100  # mostly invalid by design, yet hundreds of lines are taken
    # the same messages with every non-ASCII character escaped: longer than msgspec writes them
    escaped = [json.dumps(m, separators=(",", ":")).encode("ascii") for m in messages]
    got_escaped = assert_exact(setup, choice, messages, escaped, valid)
    assert {i for i in got_escaped if escaped[i] != line(messages[i])} == set()


# --- repeated keys -------------------------------------------------------------------------------


def member(value: Any, path: tuple[str, ...]) -> Any:
    for name in path:
        if not isinstance(value, dict) or name not in value:
            return MISSING
        value = value[name]
    return value


def replaced(message: dict[str, Any], path: tuple[str, ...], value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(message)
    parent = changed
    for name in path[:-1]:
        parent = parent[name]
    parent[path[-1]] = value
    return changed


def alternative(case: ValidCase, message: dict[str, Any], path: tuple[str, ...]) -> list[Any]:
    """Another value for the member at ``path`` that leaves ``message`` valid, taken from the
    mutants of ``case``; [] if none is."""
    direction = case.message.direction
    for mutant in MUTANTS[case.id]:
        value = member(mutant, path)
        if value is MISSING or compact(value) == compact(member(message, path)):
            continue
        if not REFERENCE.validate(direction, replaced(message, path, value)):
            return [value]
    return []


def object_text(pairs: Sequence[tuple[str, bytes]]) -> bytes:
    return b"{" + b",".join(orjson.dumps(name) + b":" + text for name, text in pairs) + b"}"


def repeated_keys(case: ValidCase) -> Iterator[tuple[str, str, bytes]]:
    """(what, the repeated key's pointer, text): ``case``'s example (with a ``ref``) with one
    member repeated, at the top level and in the payload, with its own value and another
    valid one, placed first and last."""
    message = {**case.wire, "ref": case.wire.get("ref", "r-1")}

    def variants(
        members: dict[str, Any], path: tuple[str, ...], wrap: Callable[[bytes], bytes]
    ) -> Iterator[tuple[str, str, bytes]]:
        pairs = [(name, line(value)) for name, value in members.items()]
        for name, value in members.items():
            at = pointer((*path, name))
            values = [("its own value", value)]
            values += [
                ("another valid value", v) for v in alternative(case, message, (*path, name))
            ]
            for what, again in values:
                extra = (name, line(again))
                yield f"{at} again, {what}, first", at, wrap(object_text([extra, *pairs]))
                yield f"{at} again, {what}, last", at, wrap(object_text([*pairs, extra]))

    yield from variants(message, (), lambda text: text)
    payload = message.get("payload")
    if isinstance(payload, dict) and payload:
        outer = [(name, line(value)) for name, value in message.items()]

        def in_payload(text: bytes) -> bytes:
            return object_text([(n, text if n == "payload" else t) for n, t in outer])

        yield from variants(payload, ("payload",), in_payload)


@pytest.mark.parametrize("case", VALID, ids=case_id)
def test_a_repeated_key_is_never_taken(case: ValidCase) -> None:
    variants = list(repeated_keys(case))
    assert any("another valid value" in what for what, _, _ in variants)
    direction = case.message.direction
    for _, _, text in variants:  # whichever value counts, the message is valid: only the
        assert REFERENCE.validate(direction, json.loads(text)) == []  # repetition is wrong
    example = orjson.dumps(case.wire)
    lines = [t for _, _, text in variants for t in (example, text)]  # among valid lines
    expected = {2 * i + 1: {(at, "duplicateKey")} for i, (_, at, _) in enumerate(variants)}
    for choice in (direction, "any"):
        assert taken(FAST[choice], lines) == set(range(0, len(lines), 2)), choice
        findings = ENGINE.check_lines(lines, choice).findings
        got = {
            f.line: {(p.pointer, p.keyword) for r in f.rejections for p in r.problems}
            for f in findings
        }
        assert got == expected, choice


# --- valid text that is not msgspec's own writing ----------------------------------------------


def longer_texts(message: dict[str, Any]) -> Iterator[tuple[str, bytes]]:
    """Valid texts of ``message`` (or of it with a ``ref`` or ``v``) longer than msgspec's."""
    text = compact(message)
    kind = message["type"]
    yield "spaces after : and ,", json.dumps(message, ensure_ascii=False).encode()
    escaped = f'"type":"\\u{ord(kind[0]):04x}{kind[1:]}"'
    yield "\\u0070-style escape in the type", text.replace(f'"type":"{kind}"', escaped).encode()
    yield "\\u0074-style escape in a key", text.replace('"type":', '"\\u0074ype":').encode()
    yield "\\u00e9 for é", compact({**message, "ref": "é"}).replace("é", "\\u00e9").encode()
    yield "\\/ for /", compact({**message, "ref": "a/b"}).replace("a/b", "a\\/b").encode()
    yield "a trailing space", text.encode() + b" "
    yield "a leading tab", b"\t" + text.encode()
    yield '"v":1.0', line({**message, "v": 1.0})
    yield '"v":1e0', compact({**message, "v": 1}).replace('"v":1', '"v":1e0').encode()


@pytest.mark.parametrize("case", VALID, ids=case_id)
def test_valid_text_that_msgspec_writes_shorter_is_left_to_the_exact_path(case: ValidCase) -> None:
    texts = list(longer_texts(case.wire))
    lines = [text for _, text in texts]
    for what, text in texts:
        assert REFERENCE.validate(case.message.direction, json.loads(text)) == [], what
    for choice in (case.message.direction, "any"):
        assert taken(FAST[choice], lines) == set(), choice
        tally = ENGINE.check_lines(lines, choice)
        assert tally.findings == [] and tally.per_type == {case.message.type: len(lines)}


ROOM = '{"type":"room_update",%s"payload":{"room_id":"general","users":%s}}'


@pytest.mark.parametrize(
    ("text", "valid"),
    [
        (ROOM % ("", "5.0"), True),
        (ROOM % ("", "5e0"), True),
        (ROOM % ("", "50E-1"), True),
        (ROOM % ("", "-0"), True),
        (ROOM % ("", "0.0"), True),
        (ROOM % ('"v":1.0,', "5"), True),
        (ROOM % ("", "true"), False),
        (ROOM % ("", "false"), False),
        (ROOM % ("", "5.5"), False),
        (ROOM % ("", "-1.0"), False),
        (ROOM % ('"v":true,', "5"), False),
        (ROOM % ('"v":2.0,', "5"), False),
    ],
    ids=lambda v: v.split("room_update", 1)[-1] if isinstance(v, str) else str(v),
)
def test_an_integer_written_otherwise_is_judged_by_the_exact_path(text: str, valid: bool) -> None:
    raw = text.encode()
    assert (REFERENCE.validate("server", json.loads(text)) == []) == valid
    for choice in ("server", "any"):
        assert taken(FAST[choice], [raw]) == set()  # 1.0, -0: longer than msgspec writes them
        assert invalid_lines(ENGINE, choice, [raw]) == (set() if valid else {0})


# --- schemas written to probe the translation --------------------------------------------------

WORD = {"type": "string", "pattern": "^[a-z]+$", "maxLength": 3}


def message_schema(
    properties: dict[str, Any], required: list[str], defs: dict[str, Any] | None = None
) -> Schema:
    return {
        "$schema": DRAFT,
        "type": "object",
        "properties": {"type": {"const": "probe"}, **properties},
        "required": ["type", *required],
        "additionalProperties": False,
        "$defs": {"Word": WORD, **(defs or {})},
    }


def probe(field: Any, defs: dict[str, Any] | None = None) -> Setup:
    """Client messages ``{"type": "probe", "x": ...}``, ``x`` as ``field`` says."""
    return Setup({"client": {"probe": message_schema({"x": field}, ["x"], defs)}})


def probes(values: Sequence[Any]) -> list[dict[str, Any]]:
    return [{"type": "probe", "x": value} for value in values]


@pytest.mark.parametrize("pattern", PATTERNS)
def test_a_pattern_is_matched_as_ecma_262_says(pattern: str) -> None:
    setup = probe({"type": "string", "pattern": pattern})
    for choice in ("client", "any"):
        assert setup.fast(choice).untranslated == ()
        assert assert_exact(setup, choice, probes(STRINGS))  # some string matches every pattern


LENGTH_STRINGS = [
    *STRINGS,
    "😀😀😀",
    "😀😀😀😀",  # 4 code points, 8 UTF-16 units
    "e\u0301e\u0301",  # 4 code points, 2 graphemes
    "\u0301",
    "a\u0301\u0301",
    "abcd\u0301",
    "日本語",
]


@pytest.mark.parametrize(
    "field",
    [
        {"type": "string", "minLength": 2, "maxLength": 3},
        {"type": "string", "maxLength": 1},
        {"type": "string", "minLength": 4},
        {"type": "string", "minLength": 1, "format": "email"},  # an annotation only
        {"$ref": "#/$defs/Word"},
    ],
    ids=json.dumps,
)
def test_string_lengths_count_code_points(field: dict[str, Any]) -> None:
    setup = probe(field)
    assert setup.fast("client").untranslated == ()
    assert_exact(setup, "client", probes(LENGTH_STRINGS))


ARRAYS: list[Any] = [
    [],
    [1],
    [1, 2],
    [1, 2, 3],
    [1.0],
    [True],
    [None],
    [1, None],
    ["ab"],
    ["ab", "abc"],
    ["ab", "abcd"],
    ["AB"],
    ["😀😀"],
    [[]],
    [[1]],
    [[1, 2], [3]],
    [["ab"]],
]
OBJECTS: list[Any] = [
    {},
    {"a": 1},
    {"a": 1, "b": "x"},
    {"a": "1"},
    {"b": "x"},
    {"a": 1, "c": 1},
    {"a": 1, "m1": "x"},  # the Struct's own name for b
    {"type": "x"},
    {"type": 1},
    {"é": 1},
    {'a"b': True},
    {"m0": None},
]
VALUES: list[Any] = [*STRINGS, *NUMBERS, None, False, *ARRAYS, *OBJECTS]

TRANSLATED = {
    "word, in allOf": {"allOf": [{"$ref": "#/$defs/Word"}], "description": "annotated"},
    "nullable word, anyOf": {"anyOf": [{"$ref": "#/$defs/Word"}, {"type": "null"}]},
    "nullable integer, anyOf, null first": {
        "anyOf": [{"type": "null"}, {"type": "integer", "minimum": 0}]
    },
    "nullable string, type list": {"type": ["string", "null"], "maxLength": 2},
    "nullable pattern, type list": {"type": ["null", "string"], "pattern": "^[a-z]+$"},
    "nullable integer, type list": {"type": ["integer", "null"], "maximum": 1},
    "integer": {"type": "integer"},
    "integer 0..10": {"type": "integer", "minimum": 0, "maximum": 10},
    "integer 0<x<2": {"type": "integer", "exclusiveMinimum": 0, "exclusiveMaximum": 2},
    "integer <= int64 max": {"type": "integer", "maximum": 2**63 - 1},
    "integer >= int64 min": {"type": "integer", "minimum": -(2**63)},
    "boolean": {"type": "boolean"},
    "null": {"type": "null"},
    "enum of strings": {"enum": ["ab", "😀", "général"]},
    "enum of strings, typed": {"type": "string", "enum": ["abc", "b"]},
    "const string": {"const": "abc"},
    "enum of integers": {"enum": [0, 1, 2**53 + 1]},
    "enum of integers, typed": {"type": "integer", "enum": [-1, 2]},
    "const integer": {"const": 1},
    "array of integers, 1..2 items": {
        "type": "array",
        "items": {"type": "integer"},
        "minItems": 1,
        "maxItems": 2,
    },
    "array of short strings": {"type": "array", "items": {"type": "string", "maxLength": 3}},
    "array of nullable integers": {"type": "array", "items": {"type": ["integer", "null"]}},
    "array of arrays": {"type": "array", "items": {"type": "array", "items": {"type": "integer"}}},
    "array of words (pattern items)": {"type": "array", "items": {"$ref": "#/$defs/Word"}},
    "object": {
        "type": "object",
        "properties": {"a": {"type": "integer"}, "b": {"type": "string"}},
        "required": ["a"],
        "additionalProperties": False,
    },
    "object with awkward member names": {
        "type": "object",
        "properties": {
            "type": {"type": "string"},
            "é": {"type": "integer"},
            "m0": {"type": "null"},
        },
        "additionalProperties": False,
    },
    "nullable enum": {"anyOf": [{"enum": ["ab", "abc"]}, {"type": "null"}]},
}


@pytest.mark.parametrize("field", TRANSLATED.values(), ids=TRANSLATED.keys())
def test_a_translated_field_is_taken_exactly_when_valid(field: dict[str, Any]) -> None:
    setup = probe(field)
    assert setup.fast("client").untranslated == ()
    assert assert_exact(setup, "client", probes(VALUES))  # something is valid


UNTRANSLATED = {
    "integer <= 2**64": {"type": "integer", "maximum": 2**64},
    "integer >= int64 min - 1": {"type": "integer", "minimum": -(2**63) - 1},
    "integer, a float bound": {"type": "integer", "minimum": 0.5},
    "integer, a bound written 10.0": {"type": "integer", "maximum": 10.0},
    "number": {"type": "number"},
    "number with integer bounds": {"type": "number", "minimum": 0, "maximum": 10},
    "nullable number": {"type": ["number", "null"]},
    "array of numbers": {"type": "array", "items": {"type": "number"}},
    "array without items": {"type": "array"},
    "uniqueItems": {"type": "array", "items": {"type": "integer"}, "uniqueItems": True},
    "oneOf": {"oneOf": [{"type": "string"}, {"type": "integer"}]},
    "anyOf of two non-null": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
    "not": {"not": {"type": "string"}},
    "string or integer": {"type": ["string", "integer"]},
    "string, const an integer": {"type": "string", "const": 1},
    "enum with a float": {"enum": [1.5, 2]},
    "enum beyond int64": {"enum": [1, 2**64]},
    "const 2**100": {"const": 2**100},
    "enum with true": {"enum": [True, 1]},
    "enum of a string and an integer": {"enum": ["1", 1]},
    "string, multipleOf": {"type": "string", "multipleOf": 2},
    "object without additionalProperties": {
        "type": "object",
        "properties": {"a": {"type": "integer"}},
    },
    "any value": {},
    "a member name with a quote": {  # msgspec takes no quote in a name
        "type": "object",
        "properties": {'a"b': {"type": "boolean"}},
        "additionalProperties": False,
    },
}


@pytest.mark.parametrize("field", UNTRANSLATED.values(), ids=UNTRANSLATED.keys())
def test_an_untranslatable_field_is_listed_and_never_taken(field: dict[str, Any]) -> None:
    setup = probe(field)
    for choice in ("client", "any"):
        path = setup.fast(choice)
        assert path.untranslated == ("probe",)
        assert assert_exact(setup, choice, probes(VALUES)) == set()


ODD_SCHEMAS = {
    "recursive $ref": (
        {"$ref": "#/$defs/Node"},
        {
            "Node": {
                "type": "object",
                "properties": {"n": {"type": "integer"}, "next": {"$ref": "#/$defs/Node"}},
                "additionalProperties": False,
            }
        },
    ),
    "anyOf of null and null": ({"anyOf": [{"type": "null"}, {"type": "null"}]}, None),
}


@pytest.mark.parametrize(("field", "defs"), ODD_SCHEMAS.values(), ids=ODD_SCHEMAS.keys())
def test_an_odd_but_valid_schema_does_not_break_the_fast_path(
    field: dict[str, Any], defs: dict[str, Any] | None
) -> None:
    setup = probe(field, defs)
    values = [*VALUES, {"n": 1, "next": {"n": 2}}, {"next": {"next": {"m": 1}}}]
    for choice in ("client", "any"):
        assert_exact(setup, choice, probes(values))


# --- a type of both directions ----------------------------------------------------------------

SHORT = {"type": "string", "maxLength": 3}
ABSENT = object()
# member → the values tried: absent, valid, and wrong (by type, or by a constraint)
TRIED: dict[str, tuple[Any, ...]] = {
    "common": (ABSENT, "abc", "abcd", 5),
    "mixed": (ABSENT, 7, "7"),
    "c_only": (ABSENT, True, 1),
    "s_only": (ABSENT, "sx", "x", None),
    "opt": (ABSENT, "ab", []),
}


def payload(properties: dict[str, Any], required: list[str]) -> Schema:
    return {
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }


# common: in both, alike (a $ref in one, written out in the other); mixed: required by the
# client, optional for the server; c_only, s_only: in one direction; opt: optional in both
CLIENT = payload(
    {
        "common": {"$ref": "#/$defs/Short"},
        "mixed": {"type": "integer"},
        "c_only": {"type": "boolean"},
        "opt": {"$ref": "#/$defs/Word"},
    },
    ["common", "mixed"],
)
SERVER = payload(
    {
        "common": SHORT,
        "mixed": {"type": "integer"},
        "s_only": {"type": "string", "pattern": "^s"},
        "opt": {"$ref": "#/$defs/Word"},
    },
    ["common", "s_only"],
)


def two_way(
    client: Schema, server: Schema, server_ref: Schema | None = None, optional: bool = False
) -> Setup:
    """Messages of type ``probe`` in both directions, with these payloads; ``server_ref``: the
    server's ``ref``; ``optional``: the server's payload is."""

    def envelope(body: Schema, ref: Schema, required: list[str]) -> Schema:
        defs = {"Short": SHORT}
        return message_schema({"ref": ref, "payload": body}, required, defs)

    ref = {"type": "string", "minLength": 1}
    return Setup(
        {
            "client": {"probe": envelope(client, ref, ["payload"])},
            "server": {
                "probe": envelope(server, server_ref or ref, [] if optional else ["payload"])
            },
        }
    )


def combinations() -> list[dict[str, Any]]:
    """Every combination of the members' tried values, in payloads of probe messages."""
    found = []
    for values in product(*TRIED.values()):
        body = {n: v for n, v in zip(TRIED, values, strict=True) if v is not ABSENT}
        found.append({"type": "probe", "ref": "r", "payload": body})
    return [*found, {"type": "probe"}, {"type": "probe", "payload": None}]


@pytest.mark.parametrize("choice", CHOICES)
def test_a_type_of_both_directions_is_taken_when_it_fits_one(choice: Choice) -> None:
    setup = two_way(CLIENT, SERVER)
    assert setup.fast(choice).untranslated == ()
    messages = combinations()
    got = assert_exact(setup, choice, messages)
    fits = Counter(
        tuple(not setup.reference.validate(d, m) for d in ir.DIRECTIONS) for m in messages
    )
    assert fits.keys() == {(True, False), (False, True), (False, False)}  # each kind is tried
    assert got


DIFFERING = {
    "the common member differs": two_way(
        CLIENT, {**SERVER, "properties": {**SERVER["properties"], "common": WORD}}
    ),
    "the payload and ref differ": two_way(CLIENT, SERVER, {"type": "string", "maxLength": 8}),
    "the payload is optional for the server": two_way(CLIENT, SERVER, optional=True),
}


@pytest.mark.parametrize("setup", DIFFERING.values(), ids=DIFFERING.keys())
def test_directions_that_differ_more_are_left_untranslated_for_any(setup: Setup) -> None:
    assert setup.fast("any").untranslated == ("probe",)
    assert setup.fast("client").untranslated == setup.fast("server").untranslated == ()
    messages = combinations()
    assert assert_exact(setup, "any", messages) == set()
    for choice in ir.DIRECTIONS:
        assert assert_exact(setup, choice, messages)


# --- hostile lines -----------------------------------------------------------------------------

DEEP = 3000
HOSTILE = {
    "BOM": b'\xef\xbb\xbf{"type":"ping"}',
    "invalid UTF-8": b'{"type":"ping","ref":"\xff"}',
    "overlong UTF-8": b'{"type":"ping","ref":"\xc0\xaf"}',
    "lone surrogate escape": b'{"type":"ping","ref":"\\ud800"}',
    "NaN": b'{"type":"room_update","payload":{"room_id":"general","users":NaN}}',
    "Infinity": b'{"type":"room_update","payload":{"room_id":"general","users":Infinity}}',
    "an integer of 4301 digits": (
        b'{"type":"room_update","payload":{"room_id":"general","users":' + b"9" * 4301 + b"}}"
    ),
    "objects 3000 deep": b'{"type":"ping","payload":' + b'{"a":' * DEEP + b"1" + b"}" * (DEEP + 1),
    "arrays 3000 deep": b"[" * DEEP + b"]" * DEEP,
    "a top-level array": b'[{"type":"ping"}]',
    "a top-level string": b'"ping"',
    "a top-level null": b"null",
    "a top-level number": b"1",
    "empty": b"",
    "spaces only": b"   ",
    "truncated": b'{"type":"ping"',
    "truncated in a string": b'{"type":"pi',
    "two messages on a line": b'{"type":"ping"}{"type":"ping"}',
    "a trailing comma": b'{"type":"ping",}',
    "a NUL byte after": b'{"type":"ping"}\x00',
    "a raw newline in a string": b'{"type":"ping","ref":"a\nb"}',
    "a type that is not a string": b'{"type":1}',
    "no type": b'{"payload":{}}',
    "a type repeated": b'{"type":"ping","type":"pong"}',
}


@pytest.mark.parametrize("text", HOSTILE.values(), ids=HOSTILE.keys())
def test_a_hostile_line_is_refused_without_an_exception(text: bytes) -> None:
    lines = [b'{"type":"ping"}', text, b'{"type":"pong"}']  # among a client and a server message
    for choice in CHOICES:
        assert taken(FAST[choice], [text]) == set()
        fitting = {i for i, d in ((0, "client"), (2, "server")) if d in directions(choice)}
        assert taken(FAST[choice], lines) == fitting
        assert invalid_lines(ENGINE, choice, lines) == {0, 1, 2} - fitting

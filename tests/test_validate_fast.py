"""The fast path of `wirebook validate` (validate/fast.py) takes only valid lines.

A line the fast path takes is counted valid and never looked at again, so every test here holds
it to one promise, judged by the reference validator (python-jsonschema, ECMA-262 patterns): a
line taken is valid in a direction that the choice allows. And to a second, where the fast path
makes it (Setup.promised): a valid line is taken, whatever its whitespace, the escapes inside
its string values or its floats for a ``number``, unless (a) a key is written with an escape,
(b) an integer is written with a fraction or an exponent (``1.0``, ``1e0``), (c) its type is
untranslated, or (d) it nests deeper than the C scanner (validate/_sift.c) keeps track of.
Both promises are held over the example protocol's mutants and over the shapes protocol's
agreement corpus (tests/agreement.py: unions, maps, any JSON, recursion). Besides: a repeated key
is never taken, and the exact path reports it; whatever has no exact msgspec counterpart (bounds
on numbers, uniqueItems, unions whose branches share a kind, tags that are not required
constant strings, objects that take unknown members, recursion, not, bounds beyond 64 bits,
directions whose payloads differ in a shared member) is listed as untranslated and never taken;
the scanner agrees with a Python reference on random texts; and hostile lines are refused
without an exception.
"""

from __future__ import annotations

import copy
import json
import random
import re
import sys
import types
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import product
from typing import Any, NoReturn

import agreement
import msgspec
import orjson
import pytest
from test_validate_conformance import NUMBERS, PATTERNS, STRINGS, compact
from wire_corpus import REFERENCE, ROOT, SCHEMA_DIR, VALID, ValidCase, mutants, version_of
from wirebook import ir
from wirebook.emit.schemas import ANY_JSON
from wirebook.problems import pointer
from wirebook.reference import ReferenceValidator, WireReference
from wirebook.validate import _sift, fast
from wirebook.validate.engine import Validator
from wirebook.validate.fast import FastPath
from wirebook.validate.options import CHOICES, Choice
from wirebook.validate.sources import Schema, Schemas, Versions, from_published, versions_of

VERSIONS = from_published(SCHEMA_DIR)  # the committed bundles, as `wirebook validate` reads them
SCHEMAS = VERSIONS[0]  # the default wire version's, which the fast path takes
ENGINE = Validator.of(VERSIONS)
FAST = {choice: fast.build_versions(VERSIONS, choice) for choice in CHOICES}
MUTANTS = {case.id: [m.message for m in mutants(case)] for case in VALID}
DRAFT = "https://json-schema.org/draft/2020-12/schema"
MISSING = object()  # a member that a message does not have
MAX_DEPTH = 64  # containers nested that _sift.c keeps track of
MAX_KEYS = 256  # keys of the objects open at one time that it keeps track of


def case_id(case: ValidCase) -> str:
    return case.id


def directions(choice: Choice) -> tuple[ir.Direction, ...]:
    return ir.DIRECTIONS if choice == "any" else (choice,)


def line(message: Any) -> bytes:
    """A message as compact text (orjson's; the standard library's for integers beyond 64 bits)."""
    return compact(message).encode("utf-8")


def taken(path: FastPath, lines: Sequence[bytes]) -> set[int]:
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


def problems_by_line(engine: Validator, choice: Choice, lines: Sequence[bytes]) -> dict[int, Any]:
    """Line → the (pointer, keyword) of its problems, as the engine reports them."""
    findings = engine.check_lines(lines, choice).findings
    return {
        f.line: {(p.pointer, p.keyword) for r in f.rejections for p in r.problems} for f in findings
    }


# --- what a JSON text is, read independently of _sift.c ---------------------------------------


class Pairs(list[tuple[str, Any]]):
    """An object's members in the order of the text, repeated ones included."""


@dataclass(frozen=True)
class Shape:
    """What decides whether _sift.c can compare a text's keys."""

    repeated: bool  # some object repeats a key (after escapes are read)
    escaped_key: bool  # some key is written with a backslash
    depth: int  # containers nested
    keys_open: int  # most keys of the objects open at one time, as the text is read
    long_number: bool  # a number of 19 digits or more (an integer beyond 64 bits, maybe)

    @property
    def followed(self) -> bool:
        """Within what _sift.c looks at closely: no key that it does not compare, no number
        that orjson may read as a float, nesting and keys within what it keeps track of."""
        return (
            not self.escaped_key
            and not self.long_number
            and self.depth <= MAX_DEPTH
            and self.keys_open <= MAX_KEYS
        )


# every string of a JSON text, in order (nothing else in JSON has a quote); a key has a colon
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"(\s*:)?', re.DOTALL)


@cache
def shape(text: bytes) -> Shape:
    """The shape of a JSON text, read by the standard library (which must accept it)."""
    value = json.loads(text, object_pairs_hook=Pairs)
    keys = (m[0] for m in _STRING.finditer(text) if m[1] is not None) if b"\\" in text else ()
    escaped = any(b"\\" in key for key in keys)
    long_number = re.search(rb"\d{19}", _STRING.sub(b'""', text)) is not None
    return Shape(_repeats(value), escaped, _depth(value), _keys_open(value), long_number)


def _repeats(value: Any) -> bool:
    if isinstance(value, Pairs):
        names = [name for name, _ in value]
        return len(set(names)) < len(names) or any(_repeats(v) for _, v in value)
    return isinstance(value, list) and any(_repeats(v) for v in value)


def _depth(value: Any) -> int:
    if isinstance(value, Pairs):
        return 1 + max((_depth(v) for _, v in value), default=0)
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    return 0


def _keys_open(value: Any, above: int = 0) -> int:
    """``above``: keys of the enclosing objects, read so far."""
    if isinstance(value, Pairs):
        return max((_keys_open(v, above + i) for i, (_, v) in enumerate(value, 1)), default=above)
    if isinstance(value, list):
        return max((_keys_open(v, above) for v in value), default=above)
    return above


def _target(root: Schema, ref: str) -> Any:
    node: Any = root
    for token in ref.removeprefix("#/").split("/"):
        node = node[token.replace("~1", "/").replace("~0", "~")]
    return node


def _wants_integer(node: dict[str, Any]) -> bool:
    """An ``integer`` schema, or an ``enum``/``const`` of integers (msgspec: int Literals)."""
    kind = node.get("type")
    values = [node["const"]] if "const" in node else node.get("enum", [])
    integers = all(isinstance(v, int) and not isinstance(v, bool) for v in values)
    return (
        kind == "integer"
        or (isinstance(kind, list) and "integer" in kind)
        or (bool(values) and integers)
    )


def integer_as_float(root: Schema, node: Any, value: Any) -> bool:
    """Whether ``value`` (valid against ``node``, a part of ``root``) has a number written with a
    fraction or an exponent (a float, as json.loads reads it) where an integer is asked for."""
    if not isinstance(node, dict):
        return False
    parts = [*node.get("allOf", []), *node.get("anyOf", []), *_branches(root, node, value)]
    if isinstance(node.get("$ref"), str):
        parts.append(_target(root, node["$ref"]))
    if any(integer_as_float(root, part, value) for part in parts):
        return True
    if isinstance(value, float):
        return _wants_integer(node)
    if isinstance(value, dict):
        properties, rest = node.get("properties", {}), node.get("additionalProperties")
        return any(integer_as_float(root, properties.get(k, rest), v) for k, v in value.items())
    if isinstance(value, list):
        return any(integer_as_float(root, node.get("items"), v) for v in value)
    return False


def _branches(root: Schema, node: dict[str, Any], value: Any) -> list[Any]:
    """The branches of a ``oneOf`` that ``value`` may take: the one its tag names, in a tagged
    union (the others may ask for an integer where its branch does not); else all of them."""
    branches = node.get("oneOf", [])
    tag = node.get("discriminator", {}).get("propertyName")
    if tag is None or not isinstance(value, dict):
        return list(branches)
    found = []
    for branch in branches:
        spec = (_target(root, branch["$ref"]) if "$ref" in branch else branch)["properties"][tag]
        if value.get(tag, MISSING) in ([spec["const"]] if "const" in spec else spec["enum"]):
            found.append(branch)
    return found


class Setup:
    """One protocol's schemas as the fast path, the engine and the reference read them."""

    def __init__(
        self,
        schemas: Schemas | Versions,
        reference: ReferenceValidator | WireReference | None = None,
    ) -> None:
        """``schemas``: one protocol's, or those of each shape of its wire versions."""
        versions = schemas if isinstance(schemas, list) else [schemas]
        self.shapes = versions
        self.schemas = versions[0]
        self.engine = Validator.of(versions)
        self.reference = reference or ReferenceValidator(self.schemas)

    def fast(self, choice: Choice) -> FastPath:
        return fast.build_versions(self.shapes, choice)

    def valid(self, choice: Choice, message: Any) -> bool:
        """Valid in one direction that ``choice`` allows (and that the schemas have)."""
        allowed = [d for d in directions(choice) if d in self.schemas]
        return any(not self.reference.validate(d, message) for d in allowed)

    def problems(self, direction: ir.Direction, message: Any) -> list[str]:
        found = self.reference.validate(direction, message)
        return [f"{direction}: {p.pointer} {p.keyword}: {p.message}" for p in found]

    def promised(self, path: FastPath, choice: Choice, text: bytes) -> bool:
        """Whether the fast path promises to take ``text``, a valid line: yes, unless (a) a key
        is written with an escape, (b) an integer is written with a fraction or an exponent,
        (c) its type is untranslated, (d) it nests deeper than 64 levels or has more than 256
        keys open at once (or repeats a key, which the engine reports), (e) it names another
        wire version than its own in its first bytes (in a nested member `v`)."""
        message = json.loads(text)
        kind = message["type"]
        # the schemas of its wire version: a message without `v` is of the first shape's
        version = message.get("v")
        schemas = next((s for s in self.shapes[1:] if version in versions_of(s)), self.schemas)
        roots = [schemas[d][kind] for d in directions(choice) if kind in schemas.get(d, {})]
        found = shape(text)
        others = {v for s in self.shapes if s is not schemas for v in versions_of(s)}
        named = {  # the versions named by a `v` that starts in the line's first bytes
            int(n.group(1))
            for n in re.finditer(rb'"v"[ \t\r\n]*:[ \t\r\n]*([0-9]+)', text)
            if n.start() + 3 <= _sift.HEAD
        }
        return (
            not named & others
            and found.followed
            and not found.repeated
            and not any(integer_as_float(root, root, message) for root in roots)
            and kind not in path.untranslated
        )


EXAMPLE = Setup(VERSIONS, REFERENCE)


def assert_exact(
    setup: Setup,
    choice: Choice,
    messages: Sequence[Any],
    lines: Sequence[bytes] | None = None,
    valid: Sequence[bool] | None = None,
) -> set[int]:
    """Sound: a line taken is valid. Complete: every valid line that the fast path promises to
    take (Setup.promised) is taken, and no other. Exact: the engine's verdicts are the
    reference's. ``lines``: the texts of ``messages`` (compact if not given); ``valid``: the
    reference's verdicts, if known."""
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
    promised = {i for i, ok in enumerate(valid) if ok and setup.promised(path, choice, texts[i])}
    missed = [texts[i] for i in sorted(promised - got)]
    assert missed == [], f"the fast path ({choice}) leaves valid lines to the exact path"
    unpromised = [texts[i] for i in sorted(got - promised)]
    assert unpromised == [], f"the fast path ({choice}) takes lines it does not promise to"
    assert path.sift(texts)[0] == Counter(messages[i]["type"] for i in got)
    wrong = invalid_lines(setup.engine, choice, texts) ^ {i for i, ok in enumerate(valid) if not ok}
    assert [texts[i] for i in sorted(wrong)] == [], f"the engine ({choice}) disagrees"
    return got


# --- the example protocol ----------------------------------------------------------------------


@pytest.mark.parametrize("choice", CHOICES)
def test_every_type_of_the_example_protocol_is_translated(choice: Choice) -> None:
    assert FAST[choice].untranslated == ()
    expected = {t for shape in VERSIONS for d in directions(choice) for t in shape.get(d, {})}
    assert set(FAST[choice].types.values()) == expected  # of every wire version


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
# the corpus written three ways: the example protocol's keys are ASCII, so only values change
FORMS: dict[str, Callable[[Any], bytes]] = {
    "compact": line,
    "compact, ASCII-escaped": lambda m: json.dumps(m, separators=(",", ":")).encode("ascii"),
    "json.dumps, with spaces": lambda m: json.dumps(m).encode("ascii"),
}


@cache
def corpus_verdicts(direction: ir.Direction) -> list[bool]:
    return [not REFERENCE.validate(direction, m) for m in CORPUS]


@pytest.mark.parametrize("choice", CHOICES)
def test_the_mutant_corpus_is_taken_exactly_when_valid_and_promised(choice: Choice) -> None:
    valid = [any(v) for v in zip(*map(corpus_verdicts, directions(choice)), strict=True)]
    got = {
        form: assert_exact(EXAMPLE, choice, CORPUS, [write(m) for m in CORPUS], valid)
        for form, write in FORMS.items()
    }
    assert len(got["compact"]) > 100  # mostly invalid by design, yet hundreds of lines are taken
    # neither spaces nor escapes in values change what is taken
    assert got["compact"] == got["compact, ASCII-escaped"] == got["json.dumps, with spaces"]
    escaped = FORMS["compact, ASCII-escaped"]
    assert any(escaped(CORPUS[i]) != line(CORPUS[i]) for i in got["compact"])  # escapes are tried
    # valid yet not taken: the integers written as floats (1.0 for v, say), in every form
    assert any(valid) and {i for i, ok in enumerate(valid) if ok} - got["compact"]


# --- the shapes protocol (tests/shapes): unions, maps, any JSON, recursion ----------------------

SHAPES_DIR = ROOT / "tests" / "shapes" / "schema"
# what stays with the exact path, and why: recursion (discuss, post, thread, grow), objects that
# take unknown members (open, tidy: msgspec skips them unread, 1e400 among them), uniqueItems
# and bounded numbers (label, draw, mix), a type whose directions differ in a union (share)
SHAPES_UNTRANSLATED: dict[Choice, set[str]] = {
    "client": {"discuss", "post", "open", "tidy", "label", "draw", "mix"},
    "server": {"thread", "grow"},
}
SHAPES_UNTRANSLATED["any"] = SHAPES_UNTRANSLATED["client"] | SHAPES_UNTRANSLATED["server"]
SHAPES_UNTRANSLATED["any"].add("share")


@dataclass(frozen=True)
class Shapes:
    setup: Setup
    cases: list[agreement.Case]
    valid: list[bool]  # the reference's verdict, in the case's direction, on strict text only


@pytest.fixture(scope="module")
def shapes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shapes]:
    generated = agreement.generate(SHAPES_DIR, tmp_path_factory.mktemp("shapes"))
    try:
        cases = agreement.corpus(generated)
        results = agreement.run_reference(generated, cases)
        valid = [ok and case.strict for ok, case in zip(results.reference, cases, strict=True)]
        yield Shapes(Setup(from_published(generated.schemas)), cases, valid)
    finally:
        generated.unload()


@pytest.mark.parametrize("choice", CHOICES)
def test_the_shapes_that_msgspec_checks_exactly_are_translated(
    shapes: Shapes, choice: Choice
) -> None:
    path = shapes.setup.fast(choice)
    assert set(path.untranslated) == SHAPES_UNTRANSLATED[choice]
    # tagged unions (attach, share), unions of kinds and X | null (choose, words), maps
    # (relabel, words), any JSON (relay, value, store) and any object (note)
    every = {t for d in directions(choice) for t in shapes.setup.schemas[d]}
    assert set(path.types.values()) == every - SHAPES_UNTRANSLATED[choice]


@pytest.mark.parametrize("form", ["text", "spaced"])
@pytest.mark.parametrize("direction", ir.DIRECTIONS)
def test_the_shapes_corpus_is_taken_exactly_when_valid_and_promised(
    shapes: Shapes, direction: ir.Direction, form: str
) -> None:
    """Sound: every line taken is valid (strict JSON, and valid for the reference). Complete:
    every valid line of a translated type that the fast path promises to take is taken. Exact:
    the engine's verdicts are the reference's."""
    mine = [i for i, case in enumerate(shapes.cases) if case.direction == direction]
    texts = [getattr(shapes.cases[i], form).encode() for i in mine]
    valid = [shapes.valid[i] for i in mine]
    path = shapes.setup.fast(direction)
    got = taken(path, texts)
    unsound = [texts[i] for i in sorted(got) if not valid[i]]
    assert unsound == [], "the fast path takes invalid lines"
    promised = {
        i for i, ok in enumerate(valid) if ok and shapes.setup.promised(path, direction, texts[i])
    }
    assert [texts[i] for i in sorted(promised - got)] == [], "valid lines left to the exact path"
    assert [texts[i] for i in sorted(got - promised)] == [], "lines taken that are not promised"
    kinds = Counter(json.loads(texts[i])["type"] for i in got)
    assert set(kinds) == set(path.types.values())  # every translated type takes lines
    invalid = invalid_lines(shapes.setup.engine, direction, texts)
    assert invalid == {i for i, ok in enumerate(valid) if not ok}, "the engine disagrees"


def test_the_shapes_corpus_is_taken_exactly_with_either_direction(shapes: Shapes) -> None:
    """``--direction any``: a line taken is valid in a direction that has its type."""
    texts = [case.text.encode() for case in shapes.cases]
    path = shapes.setup.fast("any")
    got = taken(path, texts)
    strict = [case.strict for case in shapes.cases]
    unsound = [
        texts[i]
        for i in sorted(got)
        if not (strict[i] and shapes.setup.valid("any", shapes.cases[i].value))
    ]
    assert unsound == [] and len(got) > 1000


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


def object_text(pairs: Sequence[tuple[str, bytes]], gap: bytes = b"") -> bytes:
    """An object of these members; ``gap``: whitespace around every token."""
    members = [gap + orjson.dumps(name) + gap + b":" + gap + text + gap for name, text in pairs]
    return b"{" + b",".join(members) + b"}"


GAPS = {"": b"", ", spaced": b" \t "}


def repeated_keys(case: ValidCase) -> Iterator[tuple[str, str, bytes]]:
    """(what, the repeated key's pointer, text): ``case``'s example (with a ``ref``) with one
    member repeated, at the top level and in the payload, with its own value and another
    valid one, placed first and last, in compact text and with whitespace around the keys."""
    message = {**case.wire, "ref": case.wire.get("ref", "r-1")}

    def variants(
        members: dict[str, Any], path: tuple[str, ...], wrap: Callable[[bytes, bytes], bytes]
    ) -> Iterator[tuple[str, str, bytes]]:
        pairs = [(name, line(value)) for name, value in members.items()]
        for (spaced, gap), (name, value) in product(GAPS.items(), members.items()):
            at = pointer((*path, name))
            values = [("its own value", value)]
            values += [
                ("another valid value", v) for v in alternative(case, message, (*path, name))
            ]
            for what, again in values:
                extra = (name, line(again))
                first, last = object_text([extra, *pairs], gap), object_text([*pairs, extra], gap)
                yield f"{at} again, {what}, first{spaced}", at, wrap(first, gap)
                yield f"{at} again, {what}, last{spaced}", at, wrap(last, gap)

    yield from variants(message, (), lambda text, gap: text)
    payload = message.get("payload")
    if isinstance(payload, dict) and payload:
        outer = [(name, line(value)) for name, value in message.items()]

        def in_payload(text: bytes, gap: bytes) -> bytes:
            return object_text([(n, text if n == "payload" else t) for n, t in outer], gap)

        yield from variants(payload, ("payload",), in_payload)


@pytest.mark.parametrize("case", VALID, ids=case_id)
def test_a_repeated_key_is_never_taken(case: ValidCase) -> None:
    variants = list(repeated_keys(case))
    assert any("another valid value" in what for what, _, _ in variants)
    assert any(b" \t " in text for _, _, text in variants)
    direction = case.message.direction
    for _, _, text in variants:  # whichever value counts, the message is valid: only the
        assert REFERENCE.validate(direction, json.loads(text)) == []  # repetition is wrong
    example = orjson.dumps(case.wire)
    lines = [t for _, _, text in variants for t in (example, text)]  # among valid lines
    expected = {2 * i + 1: {(at, "duplicateKey")} for i, (_, at, _) in enumerate(variants)}
    for choice in (direction, "any"):
        assert taken(FAST[choice], lines) == set(range(0, len(lines), 2)), choice
        assert problems_by_line(ENGINE, choice, lines) == expected, choice


# --- valid text that is not msgspec's own writing ----------------------------------------------


def escaped_first(name: str) -> str:
    """``name`` with its first character written as a \\u escape."""
    return f"\\u{ord(name[0]):04x}{name[1:]}"


def texts_taken(message: dict[str, Any]) -> Iterator[tuple[str, bytes]]:
    """Valid texts of ``message`` (or of it with a ``ref``) that msgspec writes otherwise, all
    taken: whitespace, and escapes inside string values."""
    text = compact(message)
    kind = message["type"]
    yield "spaces after : and ,", json.dumps(message, ensure_ascii=False).encode()
    spaced = json.dumps(message, separators=(" ,\t", "\t: "))
    yield "spaces and tabs around every token", f" \t{spaced}\t ".encode()
    escaped = f'"type":"{escaped_first(kind)}"'
    yield "a \\u escape in the type's value", text.replace(f'"type":"{kind}"', escaped).encode()
    yield "\\u00e9 for é", compact({**message, "ref": "é"}).replace("é", "\\u00e9").encode()
    yield "\\/ for /", compact({**message, "ref": "a/b"}).replace("a/b", "a\\/b").encode()
    quote = compact({**message, "ref": '"'})
    yield "\\u0022 for a quote", quote.replace('"ref":"\\""', '"ref":"\\u0022"').encode()
    yield "quotes and backslashes", line({**message, "ref": 'a"b\\c\\"{"x":1,"x":2}'})
    yield "ASCII-escaped é and 😀", json.dumps({**message, "ref": "é😀"}).encode()
    yield "a trailing space", text.encode() + b" "
    yield "a trailing tab", text.encode() + b"\t"
    yield "a trailing \\r", text.encode() + b"\r"
    yield "a leading tab", b"\t" + text.encode()


def texts_not_taken(message: dict[str, Any]) -> Iterator[tuple[str, bytes]]:
    """Valid texts of ``message`` (or of it with a ``v``) that the exact path must decide: a key
    with an escape, an integer written as a float."""
    text = compact(message)
    yield "\\u0074 in the type key", text.replace('"type":', '"\\u0074ype":').encode()
    payload = message.get("payload")
    if isinstance(payload, dict):
        yield "\\u006c in the payload key", text.replace('"payload":', '"pay\\u006coad":').encode()
    if isinstance(payload, dict) and payload:
        name = next(iter(payload))
        escaped = text.replace(f'"payload":{{"{name}":', f'"payload":{{"{escaped_first(name)}":')
        yield "an escape in a key of the payload", escaped.encode()
    v = version_of(message)  # its own wire version, written otherwise
    yield f'"v":{v}.0', line({**message, "v": float(v)})
    with_v = compact({**message, "v": v})
    yield f'"v":{v}e0', with_v.replace(f'"v":{v}', f'"v":{v}e0').encode()
    yield f'"v":{v}0E-1', with_v.replace(f'"v":{v}', f'"v":{v}0E-1').encode()


@pytest.mark.parametrize("case", VALID, ids=case_id)
def test_valid_text_with_whitespace_or_escaped_values_is_taken(case: ValidCase) -> None:
    texts = dict(texts_taken(case.wire))
    lines = list(texts.values())
    for what, text in texts.items():
        assert REFERENCE.validate(case.message.direction, json.loads(text)) == [], what
    for choice in (case.message.direction, "any"):
        assert all(EXAMPLE.promised(FAST[choice], choice, text) for text in lines)
        got = taken(FAST[choice], lines)
        missed = [what for i, what in enumerate(texts) if i not in got]
        assert missed == [], choice
        assert FAST[choice].sift(lines) == (Counter({case.message.type: len(lines)}), [])
        tally = ENGINE.check_lines(lines, choice)
        assert tally.findings == [] and tally.per_type == {case.message.type: len(lines)}


@pytest.mark.parametrize("case", VALID, ids=case_id)
def test_valid_text_with_escaped_keys_or_float_integers_is_left_to_the_exact_path(
    case: ValidCase,
) -> None:
    texts = dict(texts_not_taken(case.wire))
    lines = list(texts.values())
    for what, text in texts.items():
        assert REFERENCE.validate(case.message.direction, json.loads(text)) == [], what
    for choice in (case.message.direction, "any"):
        assert not any(EXAMPLE.promised(FAST[choice], choice, text) for text in lines)
        got = taken(FAST[choice], lines)
        wrongly = [what for i, what in enumerate(texts) if i in got]
        assert wrongly == [], choice
        tally = ENGINE.check_lines(lines, choice)
        assert tally.findings == [] and tally.per_type == {case.message.type: len(lines)}


ROOM = '{"type":"room_update",%s"payload":{"room_id":"general","users":%s}}'


@pytest.mark.parametrize(
    ("text", "verdict"),
    [
        (ROOM % ("", "5"), "taken"),
        (ROOM % ("", "-0"), "taken"),  # msgspec reads 0, as JSON Schema does
        (ROOM % ('"v":1,', "0"), "taken"),
        (ROOM % ("", "5.0"), "valid"),
        (ROOM % ("", "5e0"), "valid"),
        (ROOM % ("", "50E-1"), "valid"),
        (ROOM % ("", "0.0"), "valid"),
        (ROOM % ("", "-0.0"), "valid"),
        (ROOM % ('"v":1.0,', "5"), "valid"),
        (ROOM % ('"v":1e0,', "5"), "valid"),
        (ROOM % ("", "true"), "invalid"),
        (ROOM % ("", "false"), "invalid"),
        (ROOM % ("", "5.5"), "invalid"),
        (ROOM % ("", "-1.0"), "invalid"),
        (ROOM % ("", "-1"), "invalid"),
        (ROOM % ("", '"5"'), "invalid"),
        (ROOM % ('"v":true,', "5"), "invalid"),
        (ROOM % ('"v":3.0,', "5"), "invalid"),
        (ROOM % ('"v":2.0,', "5"), "valid"),  # wire version 2, whose shape is another
        (ROOM % ('"v":-0,', "5"), "invalid"),
    ],
    ids=lambda v: v.split("room_update", 1)[-1] if v.startswith("{") else v,
)
def test_an_integer_written_otherwise_is_taken_only_when_msgspec_reads_it_exactly(
    text: str, verdict: str
) -> None:
    """``taken``: valid, and taken; ``valid``: valid, and judged by the exact path (msgspec's int
    refuses a float); ``invalid``: refused by both."""
    raw = text.encode()
    assert (REFERENCE.validate("server", json.loads(text)) == []) == (verdict != "invalid")
    for choice in ("server", "any"):
        assert taken(FAST[choice], [raw]) == ({0} if verdict == "taken" else set())
        if verdict != "invalid":
            assert EXAMPLE.promised(FAST[choice], choice, raw) == (verdict == "taken")
        assert invalid_lines(ENGINE, choice, [raw]) == ({0} if verdict == "invalid" else set())


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
    *({"kind": "a", "n": 1}, {"kind": "b", "s": "ab"}, {"kind": "b", "s": "AB"}, {"kind": "b"}),
    *({"kind": "a", "n": 1.0}, {"kind": "a", "n": 1, "s": "ab"}, {"kind": "c"}, {"n": 1}),
    *({"kind": 1, "n": 1}, {"kind": "a", "n": "1"}, {"a": {"b": True}}, {"a": {"b": 1}}),
    *({"ab": "x"}, {"A": "x"}, {"abc": "x"}, {"a": "x", "b": "y", "c": "z"}, {"a": None}),
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

CLOSED = {
    "type": "object",
    "properties": {"a": {"type": "integer"}},
    "additionalProperties": False,
}


def tagged(
    tags: tuple[Any, Any] = ("a", "b"),
    required: bool = True,
    closed: bool = True,
    union_requires: Sequence[str] = (),
) -> dict[str, Any]:
    """A union of two objects told apart by their member ``kind``, written in place."""

    def branch(tag: Any, members: dict[str, Any]) -> dict[str, Any]:
        spec = tag if isinstance(tag, dict) else {"const": tag}
        node = {
            "type": "object",
            "properties": {"kind": spec, **members},
            "required": ["kind", *members] if required else list(members)[:1],
        }
        return {**node, "additionalProperties": False} if closed else node

    first, second = tags
    return {
        "type": "object",
        "discriminator": {"propertyName": "kind"},
        "oneOf": [branch(first, {"n": {"type": "integer"}}), branch(second, {"s": WORD})],
        "required": ["kind", *union_requires],
    }


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
    "number": {"type": "number"},
    "number, annotated": {"type": "number", "description": "any JSON number"},
    "nullable number": {"type": ["number", "null"]},
    "array of numbers": {"type": "array", "items": {"type": "number"}},
    "object with a number": {
        "type": "object",
        "properties": {"a": {"type": "number"}, "b": {"type": "integer"}},
        "additionalProperties": False,
    },
    "any value, {}": {},
    "any value, as wirebook publishes it": ANY_JSON,
    "any object": {"type": "object"},
    "array of any values": {"type": "array"},
    "a map of words with key rules and counts": {
        "type": "object",
        "additionalProperties": {"$ref": "#/$defs/Word"},
        "propertyNames": {"pattern": "^[a-z]+$", "maxLength": 2, "minLength": 1},
        "minProperties": 1,
        "maxProperties": 2,
    },
    "a map of nullable integers": {
        "type": "object",
        "additionalProperties": {"type": ["integer", "null"], "maximum": 1},
    },
    "a map of any values, with key lengths": {
        "type": "object",
        "propertyNames": {"minLength": 1, "maxLength": 1},
    },
    "a map of maps": {
        "type": "object",
        "additionalProperties": {"type": "object", "additionalProperties": {"type": "boolean"}},
    },
    "string or integer": {"oneOf": [{"type": "string"}, {"type": "integer"}]},
    "string or integer, anyOf": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
    "word, bounded integer, array of words or null": {
        "oneOf": [
            {"$ref": "#/$defs/Word"},
            {"type": "integer", "minimum": 0, "maximum": 9},
            {"type": "array", "items": {"$ref": "#/$defs/Word"}, "maxItems": 2},
            {"type": "null"},
        ]
    },
    "an enum or a number": {"oneOf": [{"enum": ["low", "high"]}, {"type": "number"}]},
    "a union in a union": {
        "oneOf": [{"oneOf": [{"type": "string"}, {"type": "integer"}]}, {"type": "null"}]
    },
    "an object or null": {"oneOf": [CLOSED, {"type": "null"}]},
    "a map of words or an array": {
        "oneOf": [
            {"type": "object", "additionalProperties": {"$ref": "#/$defs/Word"}},
            {"type": "array", "items": {"type": "integer"}, "maxItems": 1},
        ]
    },
    "a tagged union": tagged(),
    "a tagged union, tags written as enums of one": tagged(tags=({"enum": ["a"]}, "b")),
    "a tagged union or null": {"oneOf": [tagged(), {"type": "null"}]},
    "a tagged union of one": {
        **tagged(),
        "oneOf": tagged()["oneOf"][:1],
    },
    "a map of tagged unions": {"type": "object", "additionalProperties": tagged()},
}


@pytest.mark.parametrize("field", TRANSLATED.values(), ids=TRANSLATED.keys())
def test_a_translated_field_is_taken_exactly_when_valid(field: dict[str, Any]) -> None:
    setup = probe(field)
    assert setup.fast("client").untranslated == ()
    assert assert_exact(setup, "client", probes(VALUES))  # something is valid


# every number of the conformance tests, and others written as only text can write them
NUMBER_TEXTS = [
    *(compact(n) for n in NUMBERS),
    "1e2",
    "-0.0",
    "-0",
    "1E+2",
    "2.5e-3",
    "123456789012345678901234567890",
    "true",
    '"1"',
    "null",
    "[1]",
]


@pytest.mark.parametrize("field", [{"type": "number"}, {"$ref": "#/$defs/Number"}], ids=json.dumps)
def test_a_number_is_taken_exactly_when_valid(field: dict[str, Any]) -> None:
    setup = probe(field, {"Number": {"type": "number", "title": "any number"}})
    lines = [b'{"type":"probe","x":%s}' % text.encode() for text in NUMBER_TEXTS]
    messages = [json.loads(text) for text in lines]
    for choice in ("client", "any"):
        assert setup.fast(choice).untranslated == ()
        got = assert_exact(setup, choice, messages, lines)
        # a number of 19 digits or more is left to the exact path (Python reads every digit)
        long = {t for t in NUMBER_TEXTS if re.search(r"\d{19}", t)}
        expected = {
            i
            for i, m in enumerate(messages)
            if setup.valid(choice, m) and NUMBER_TEXTS[i] not in long
        }
        assert got == expected
        not_numbers = {"true", '"1"', "null", "[1]"}
        assert {NUMBER_TEXTS[i] for i in range(len(lines)) if i not in got} == not_numbers | long


UNTRANSLATED = {
    "integer <= 2**64": {"type": "integer", "maximum": 2**64},
    "integer >= int64 min - 1": {"type": "integer", "minimum": -(2**63) - 1},
    "integer, a float bound": {"type": "integer", "minimum": 0.5},
    "integer, a bound written 10.0": {"type": "integer", "maximum": 10.0},
    "number with integer bounds": {"type": "number", "minimum": 0, "maximum": 10},
    "number, minimum": {"type": "number", "minimum": 0},
    "number, exclusiveMaximum": {"type": "number", "exclusiveMaximum": 1.5},
    "number, multipleOf": {"type": "number", "multipleOf": 0.5},
    "nullable number, maximum": {"type": ["number", "null"], "maximum": 1},
    "array of numbers, exclusiveMinimum": {
        "type": "array",
        "items": {"type": "number", "exclusiveMinimum": 0},
    },
    "integer, multipleOf": {"type": "integer", "multipleOf": 2},
    "uniqueItems": {"type": "array", "items": {"type": "integer"}, "uniqueItems": True},
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
    "a member name with a quote": {  # msgspec takes no quote in a name
        "type": "object",
        "properties": {'a"b': {"type": "boolean"}},
        "additionalProperties": False,
    },
    "oneOf of an integer and a number (1 matches both)": {
        "oneOf": [{"type": "integer"}, {"type": "number"}]
    },
    "anyOf of two strings": {"anyOf": [{"type": "string", "maxLength": 1}, WORD]},
    "oneOf of any JSON and an integer": {"oneOf": [*ANY_JSON["anyOf"], {"type": "integer"}]},
    "oneOf of an enum and a string": {"oneOf": [{"enum": ["a", 1]}, {"type": "string"}]},
    "oneOf of two objects, untagged": {"oneOf": [{"type": "object"}, CLOSED]},
    "oneOf beside another keyword": {
        "oneOf": [{"type": "string"}, {"type": "null"}],
        "maxLength": 1,
    },
    "a map with members of its own": {**CLOSED, "additionalProperties": {"type": "integer"}},
    "a map with required names": {
        "type": "object",
        "additionalProperties": {"type": "integer"},
        "required": ["a"],
    },
    "key rules with a const": {"type": "object", "propertyNames": {"const": "a"}},
    "a tag that a branch does not require": tagged(required=False),
    "a tag twice": tagged(tags=("a", "a")),
    "a tag that is an integer": tagged(tags=(1, 2)),
    "a tag of two values": tagged(tags=("a", {"enum": ["b", "c"]})),
    "a tagged union of an open object": tagged(closed=False),
    "a tagged union that requires more than its branches": tagged(union_requires=["n"]),
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


ITEM = {
    "type": "object",
    "properties": {"a": {"type": "integer"}, "b": {"type": "string"}, "x": {"type": "boolean"}},
    "additionalProperties": False,
}
NESTED = '{"type":"probe","x":[%s]}'
# text → the pointer of the repeated key, or None: valid, and taken
NESTED_TEXTS: dict[str, str | None] = {
    NESTED % '{"a":1},{"a":2,"b":"s"}': None,  # the same key in sibling objects
    NESTED % '{"x":true,"a":1}': None,  # a key of the outer object, in an inner one
    NESTED % r'{"b":"\\"},{"b":"{\"a\":1,\"a\":2}"}': None,  # keys in a value are not keys
    NESTED % '{"a":1,"b":"s","a":1}': "/x/0/a",
    NESTED % '{"a":1},{"b":"s","a":2,"b":"s"}': "/x/1/b",
    NESTED % r'{"a":1},{"a":1},{"b":"\\"},{"x":true,"x":true}': "/x/3/x",
    NESTED % ' { "a" : 1 ,\t"a"\t: 1 } ': "/x/0/a",
    '{"type":"probe","x":[{"a":1},{}], "x" :[]}': "/x",
}


def test_a_repeated_key_in_an_object_within_an_array_is_never_taken() -> None:
    setup = probe({"type": "array", "items": ITEM})
    lines = [text.encode() for text in NESTED_TEXTS]
    for text in NESTED_TEXTS:
        assert setup.valid("client", json.loads(text)), text  # whichever value counts
    expected = {i: {(at, "duplicateKey")} for i, at in enumerate(NESTED_TEXTS.values()) if at}
    for choice in ("client", "any"):
        assert taken(setup.fast(choice), lines) == set(range(len(lines))) - set(expected)
        assert problems_by_line(setup.engine, choice, lines) == expected


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
    "a type repeated, once escaped": b'{"type":"ping","\\u0074ype":"ping"}',
    "a type repeated, spaced": b'{ "type" : "ping" ,\t"type":"ping"}',
    "a ref repeated, after 65 arrays": b'{"ref":"r","x":%s,"ref":"r"}' % (b"[" * 65 + b"]" * 65),
}


@pytest.mark.parametrize("text", HOSTILE.values(), ids=HOSTILE.keys())
def test_a_hostile_line_is_refused_without_an_exception(text: bytes) -> None:
    lines = [b'{"type":"ping"}', text, b'{"type":"pong"}']  # among a client and a server message
    for choice in CHOICES:
        assert taken(FAST[choice], [text]) == set()
        fitting = {i for i, d in ((0, "client"), (2, "server")) if d in directions(choice)}
        assert taken(FAST[choice], lines) == fitting
        assert invalid_lines(ENGINE, choice, lines) == {0, 1, 2} - fitting


# --- the C part: _sift.suspect and _sift.sift ---------------------------------------

KEYS = [b'"a"', b'"b"', b'"type"', b'""', b'"\xc3\xa9"', b'"{"', b'":"', b'"]"', b'"a,b"']
ESCAPED_KEYS = [rb'"\u0061"', rb'"q\""', rb'"\\"', rb'"a\/"', rb'"\ud83d\ude00"']
SCALARS = [
    b"1",
    b"-0",
    b"1.5e3",
    b"true",
    b"null",
    rb'"x\"y"',
    rb'"\\"',
    rb'"\\\""',
    rb'"{\"a\":1,\"a\":2}"',
    b'"]"',
    b'"}"',
    b'"\\u0022"',
    b'"\xc3\xa9"',
    b'","',
]
GAP_BYTES = [b"", b"", b"", b" ", b"\t", b"\n", b"\r\n", b"  "]


def random_json(rng: random.Random, depth: int = 0) -> bytes:
    """A JSON text of objects (keys from a few, so that repeats happen), arrays and scalars
    (strings with quotes, backslashes and brackets), with whitespace between tokens."""

    def gap() -> bytes:
        return rng.choice(GAP_BYTES)

    roll = rng.random()
    if depth < 6 and roll < 0.4:
        keys = [rng.choice(ESCAPED_KEYS if rng.random() < 0.08 else KEYS) for _ in range(4)]
        members = [
            gap() + key + gap() + b":" + random_json(rng, depth + 1)
            for key in keys[: rng.randint(0, 4)]
        ]
        return gap() + b"{" + b",".join(members) + gap() + b"}" + gap()
    if depth < 6 and roll < 0.6:
        items = [random_json(rng, depth + 1) for _ in range(rng.randint(0, 3))]
        return gap() + b"[" + b",".join(items) + gap() + b"]" + gap()
    return gap() + rng.choice(SCALARS) + gap()


def nested(text: bytes, levels: int, rng: random.Random) -> bytes:
    """``text`` within ``levels`` arrays and objects."""
    for _ in range(levels):
        text = b'{"k":' + text + b"}" if rng.random() < 0.5 else b"[" + text + b"]"
    return text


def test_suspect_agrees_with_a_python_reference() -> None:
    rng = random.Random(20261125)
    texts = [random_json(rng) for _ in range(800)]
    texts += [nested(random_json(rng), rng.randint(58, 70), rng) for _ in range(100)]
    seen: Counter[str] = Counter()
    for text in texts:
        found = shape(text)  # also: the standard library accepts it
        got = _sift.suspect(text)
        if found.repeated:
            assert got, text
            seen["repeated"] += 1
        elif found.followed:
            assert not got, text
            seen["clean"] += 1
        else:
            seen["escaped key" if found.escaped_key else "too deep"] += 1
    # each case is met often enough to matter (and nested keys past the first level)
    assert min(seen.values()) >= 20 and len(seen) == 4, seen
    assert sum(shape(t).depth > 2 and not _sift.suspect(t) for t in texts) >= 20


def enclosing(value: Any) -> int:
    """The most containers around one value within ``value`` (read with Pairs)."""
    items = [v for _, v in value] if isinstance(value, Pairs) else value
    if isinstance(value, Pairs | list) and items:
        return 1 + max(map(enclosing, items))
    return 0


def test_nesting_agrees_with_a_python_reference() -> None:
    rng = random.Random(20261126)
    texts = [random_json(rng) for _ in range(800)]
    texts += [nested(random_json(rng), rng.randint(190, 210), rng) for _ in range(100)]
    found = {enclosing(json.loads(t, object_pairs_hook=Pairs)) for t in texts}
    assert {0, 1, 2, 3} <= found and len(found & set(range(190, 216))) >= 10  # the range is met
    for text in texts:
        assert _sift.nesting(text) == enclosing(json.loads(text, object_pairs_hook=Pairs)), text
    edges = (b"", b"1", b"[]", b"[[]]", b'{"a":{}}', b'["[[["]', b'{"[":[1]}')
    assert [_sift.nesting(t) for t in edges] == [0, 0, 0, 1, 1, 1, 2]
    with pytest.raises(TypeError):
        _sift.nesting(_not_bytes("[]"))


def many_keys(count: int) -> bytes:
    return b"{" + b",".join(b'"k%d":%d' % (i, i) for i in range(count)) + b"}"


@pytest.mark.parametrize(
    ("text", "unsure"),
    [
        (b"[" * 64 + b"]" * 64, False),
        (b"[" * 65 + b"]" * 65, True),
        (b'{"k":' * 63 + b"[]" + b"}" * 63, False),
        (b'{"k":' * 64 + b"[]" + b"}" * 64, True),
        (many_keys(256), False),
        (many_keys(257), True),
        (b'{"a":' + many_keys(255) + b"}", False),  # 256 keys open at once
        (b'{"a":' + many_keys(256) + b"}", True),
        (b'{"a":' + many_keys(255) + b',"b":' + many_keys(254) + b"}", False),  # a, b, 254
        (b'{"a":' + many_keys(255) + b',"b":' + many_keys(255) + b"}", True),
        (b"[" + many_keys(200) + b"," + many_keys(200) + b"]", False),
        (b'{"a":1,"b":{"a":1}}', False),
        (b'{"a":1,"b":[{"a":1}],"c":{"b":2}}', False),
        (b'{"a":{"b":1},"b":1}', False),
        (b'{"a":{"b":1},"a":1}', True),
        (b'{"a":[1,{"b":1}],"a":1}', True),
        (b'{"ab":1,"a":1,"b":1}', False),
        (b'{"a":"\\"","b":"\\\\","c":1}', False),
        (b'{"a\\"":1}', True),  # an escaped key is not compared
        (b'{"\\u0061":1,"b":1}', True),
        (b'[{"a":1},{"a":1}]', False),
        (b'{"\xc3\xa9":1,"e\xcc\x81":1}', False),  # two ways to write é: two keys to JSON
        (b'{"n":999999999999999999}', False),  # 18 digits: an int64, read exactly by orjson
        (b'{"n":9223372036854775808}', True),  # 19 digits: beyond int64, maybe a float
        (b'{"n":-1234567890123456789.5}', True),
        (b'{"n":123456789.0123456789}', False),  # a fraction is a float for every reader
        (b'{"s":"12345678901234567890"}', False),  # digits in a string are text
        (b'{"s":"1234567890","n":123456789}', False),
    ],
    ids=lambda v: (
        (v[:24] + b"..." + v[-8:] if len(v) > 40 else v).decode("utf-8", "replace")
        if isinstance(v, bytes)
        else str(v)
    ),
)
def test_suspect_at_its_limits(text: bytes, unsure: bool) -> None:
    found = shape(text)
    assert (found.repeated or not found.followed) is unsure  # the Python reference agrees
    assert _sift.suspect(text) is unsure


def test_suspect_finds_the_end_of_long_strings_wherever_it_falls() -> None:
    """Strings are scanned sixteen bytes at a time: an escaped quote or backslash at every
    offset of a long value or key, and a repeated key right after, are seen all the same."""
    for length in range(48):
        for at in range(length):
            for escape in (b'\\"', b"\\\\", b"\\n"):
                value = b"a" * at + escape + b"b" * (length - at)
                assert _sift.suspect(b'{"s":"' + value + b'","s":1}') is True, value
                assert _sift.suspect(b'{"s":"' + value + b'","t":1}') is False, value
                assert _sift.suspect(b'{"' + value + b'":1,"t":1}') is True, value  # escaped key
        key = b"k" * length
        assert _sift.suspect(b'{"' + key + b'":1,"' + key + b'":2}') is True
        assert _sift.suspect(b'{"' + key + b'":1,"' + key + b'x":2}') is False
        assert _sift.suspect(b'{"s":"' + b"a" * length) is True  # no closing quote


def test_suspect_takes_any_bytes() -> None:
    rng = random.Random(7)
    alphabet = b'{}[]",:\\ a\x00\xff'
    texts = [bytes(rng.choices(alphabet, k=rng.randint(0, 40))) for _ in range(2000)]
    texts += [rng.randbytes(rng.randint(0, 64)) for _ in range(500)]
    texts += [t[:cut] for t in (random_json(rng) for _ in range(50)) for cut in range(len(t))]
    texts += [b"}" * 70, b"]" * 3 + b"[" * 70, b'"' * 5, b"\\", b'"\\', b'{"a\\']
    assert {type(_sift.suspect(t)) for t in texts} == {bool}
    assert _sift.suspect(b"") is False
    with pytest.raises(TypeError):
        _sift.suspect(_not_bytes("{}"))


def _not_bytes(value: Any) -> Any:
    """``value``, typed for a call that is meant to refuse it."""
    return value


def _raises(error: BaseException) -> Callable[[bytes], NoReturn]:
    def decode(raw: bytes) -> NoReturn:
        raise error

    return decode


def test_sift_counts_the_types_of_the_lines_that_decode_and_repeat_no_key() -> None:
    lines = [b'{"a":1}', b'{"a":1,"a":2}', b"nope", b"[1]", b'{"\\u0061":1}', b" 2 ", b'"a"', b"{}"]
    counts = {dict: 2, list: 1, int: 1, str: 1}
    assert _sift.sift(json.loads, lines) == (counts, [1, 2, 4])
    assert _sift.sift(json.loads, tuple(lines)) == (counts, [1, 2, 4])
    assert _sift.sift(json.loads, []) == ({}, [])


def test_sift_counts_more_types_than_it_keeps_in_place() -> None:
    # sift counts 64 types in place, and any more in its dict
    kinds = [type(f"Kind{k}", (), {}) for k in range(100)]
    rng = random.Random(5)
    picked = [rng.randrange(len(kinds)) for _ in range(5000)]
    counts, refused = _sift.sift(lambda raw: kinds[int(raw)](), [b"%d" % k for k in picked])
    assert counts == {kinds[k]: n for k, n in Counter(picked).items()} and refused == []
    assert len({sys.getrefcount(kind) for kind in kinds}) == 1  # none kept, in place or not


@pytest.mark.parametrize(
    "error",
    [ValueError("x"), RecursionError(), msgspec.DecodeError("x"), msgspec.ValidationError("x")],
    ids=lambda e: type(e).__name__,
)
def test_sift_refuses_a_line_whose_decode_raises_a_value_error(error: BaseException) -> None:
    assert _sift.sift(_raises(error), [b"1", b"{}"]) == ({}, [0, 1])


@pytest.mark.parametrize(
    "error", [KeyError("x"), TypeError("x"), KeyboardInterrupt()], ids=lambda e: type(e).__name__
)
def test_sift_lets_any_other_exception_of_decode_through(error: BaseException) -> None:
    calls: list[bytes] = []

    def decode(raw: bytes) -> Any:
        calls.append(raw)
        if raw == b"2":
            raise error
        return json.loads(raw)

    with pytest.raises(type(error)):
        _sift.sift(decode, [b"1", b"2", b"3"])
    assert calls == [b"1", b"2"]  # and stops there


@pytest.mark.parametrize(
    "lines",
    [[b"1", "1"], [bytearray(b"1")], [memoryview(b"1")], [None], 5],
    ids=["a str", "a bytearray", "a memoryview", "None", "not a sequence"],
)
def test_sift_refuses_what_is_not_a_sequence_of_bytes(lines: Any) -> None:
    with pytest.raises(TypeError):
        _sift.sift(json.loads, lines)


def test_sift_takes_two_or_three_arguments_and_routes_of_versions_and_decoders() -> None:
    sift: Any = _sift.sift
    with pytest.raises(TypeError):
        sift(json.loads)
    with pytest.raises(TypeError):
        sift(json.loads, [], [], [])
    for routes in ([1], [(b"v", json.loads)], [(1, 2)], [(-1, json.loads)], [(10**20, json.loads)]):
        with pytest.raises(TypeError, match="routes are"):
            sift(json.loads, [], routes)


class Version2(dict[str, Any]):
    """A value that the decoder of wire version 2 gave."""


def version_2(raw: bytes) -> Version2:
    value = json.loads(raw)
    if value.get("v") != 2:
        raise ValueError("not version 2")
    return Version2(value)


@pytest.mark.parametrize(
    ("line", "taken_by"),
    [
        (b'{"v":2}', Version2),
        (b'{"v" :\t2 ,"x":1}', Version2),  # written with blanks: found all the same
        (b'{"x":{"v":2},"v":1}', None),  # a nested `v` names 2: refused, left to the exact path
        (b'{"x":"' + b"a" * 40 + b'","v":2}', Version2),  # named further on: tried after default
        (b'{"x":"' + b"a" * 40 + b'","y":{"v":2},"v":1}', dict),  # the default takes it first
        (b'{"v":20}', None),  # 20 is not 2, nor 1
        (b'{"v":2.5}', None),  # names 2, which refuses it
        (b'{"x":"\\"v\\":2"}', dict),  # escaped text names no version
        (b'{"v":1}', dict),
    ],
)
def test_sift_gives_a_line_that_names_a_version_to_its_decoder_first(
    line: bytes, taken_by: type | None
) -> None:
    def default(raw: bytes) -> dict[str, Any]:  # version 1's, which takes no other `v`
        value: dict[str, Any] = json.loads(raw)
        if value.get("v", 1) != 1 or isinstance(value.get("v"), float):
            raise ValueError("not version 1")
        return value

    counts, refused = _sift.sift(default, [line], [(2, version_2)])
    assert (counts, refused) == (({taken_by: 1}, []) if taken_by else ({}, [0]))


# --- found in review: each was a line the fast path took and the reference refused --------------


def sift_taken(setup: Setup, choice: Choice, lines: Sequence[bytes]) -> set[int]:
    """The lines the fast path takes; and the engine's verdicts are the reference's."""
    _, others = setup.fast(choice).sift(lines)
    messages = [json.loads(text) for text in lines]
    invalid = {i for i, m in enumerate(messages) if not setup.valid(choice, m)}
    assert invalid_lines(setup.engine, choice, lines) == invalid
    return set(range(len(lines))) - set(others)


def test_a_line_without_its_type_is_not_taken_when_one_type_is_translated() -> None:
    setup = probe({"type": "string"})  # one message type: msgspec would not check a lone tag
    lines = [b'{"x":"a"}', b'{"type":"probe","x":"a"}', b'{"type":"other","x":"a"}']
    for choice in ("client", "any"):
        assert sift_taken(setup, choice, lines) == {1}


def test_one_and_true_are_not_the_same_schema_for_both_directions() -> None:
    def side(x: Any, member: str) -> Schema:
        return {
            "$schema": DRAFT,
            "type": "object",
            "properties": {
                "type": {"const": "probe"},
                "v": {"const": x},
                "payload": {"$ref": "#/$defs/P"},
            },
            "required": ["type", "payload"],
            "additionalProperties": False,
            "$defs": {
                "P": {
                    "type": "object",
                    "properties": {"x": {"const": x}, member: {"type": "string"}},
                    "required": ["x", member],
                    "additionalProperties": False,
                }
            },
        }

    setup = Setup({"client": {"probe": side(1, "a")}, "server": {"probe": side(True, "b")}})
    assert setup.fast("any").untranslated == ("probe",)  # they differ in two members
    lines = [
        b'{"type":"probe","payload":{"x":1,"b":"s"}}',
        b'{"type":"probe","v":1,"payload":{"x":1,"a":"s"}}',
        b'{"type":"probe","v":true,"payload":{"x":true,"b":"s"}}',
    ]
    assert sift_taken(setup, "any", lines) == set()
    assert sift_taken(setup, "client", lines) == {1}
    assert setup.fast("server").untranslated == ("probe",)  # a boolean const: not translated
    assert sift_taken(setup, "server", lines) == set()


def test_a_percent_encoded_reference_is_not_translated() -> None:
    setup = probe({"$ref": "#/$defs/a%20b"}, {"a b": {"type": "integer"}, "a%20b": WORD})
    assert setup.fast("client").untranslated == ("probe",)
    assert (
        sift_taken(setup, "client", [b'{"type":"probe","x":"ab"}', b'{"type":"probe","x":1}'])
        == set()
    )


def test_a_base_or_anchor_below_the_root_is_not_translated() -> None:
    nested: dict[str, Any] = {
        "$id": "https://example.com/other",
        "$defs": {"B": {"type": "integer"}},
        "properties": {"x": {"$ref": "#/$defs/B"}},
    }
    cases: list[tuple[dict[str, Any], dict[str, Any]]] = [
        ({"B": {"type": "string"}, "A": nested}, {"$ref": "#/$defs/A/properties/x"}),
        ({"A": {"$anchor": "a", "type": "string"}}, {"$ref": "#/$defs/A"}),
    ]
    for defs, field in cases:
        setup = probe(field, defs)
        assert setup.fast("client").untranslated == ("probe",)
        sift_taken(setup, "client", [b'{"type":"probe","x":"s"}', b'{"type":"probe","x":1}'])


def test_shared_definitions_are_translated_once() -> None:
    # each level refers to the next twice: read along every path, 2**40 visits
    defs: dict[str, Any] = {
        f"L{i}": {
            "type": "object",
            "properties": {n: {"$ref": f"#/$defs/L{i + 1}"} for n in ("a", "b")},
            "additionalProperties": False,
        }
        for i in range(40)
    }
    defs["L40"] = {"type": "integer"}
    setup = probe({"$ref": "#/$defs/L0"}, defs)
    assert setup.fast("client").untranslated == ()
    assert sift_taken(setup, "client", [b'{"type":"probe","x":{"a":{"b":{}}}}']) == {0}


def test_sift_loops_over_its_own_copy_of_the_lines() -> None:
    lines = [b'{"a":1}', b'{"a":2}', b'{"a":3}']

    def decode(text: bytes) -> Any:
        lines.clear()  # a decode that changes the list it is given must not break the loop
        return json.loads(text)

    kinds, refused = _sift.sift(decode, lines)
    assert (kinds, refused) == ({dict: 3}, [])


def test_long_matching_values_are_not_remembered() -> None:
    matches = fast._Patterns().matcher("^a+$")
    assert all(matches("a" * n) for n in (1, 256, 257, 100_000))
    assert not matches("b")
    assert {len(v) for v in matches.matched} == {1, 256}  # a log's ids, not its long texts


class Pair(msgspec.Struct):
    a: Any
    b: Any = msgspec.UNSET


class Swapped(msgspec.Struct):  # the same names, held at other offsets
    b: Any
    a: Any = msgspec.UNSET


def test_checks_pass_known_values_and_unset_members_without_a_call() -> None:
    """_sift.Checks, the __post_init__ of the fast path's Structs: a value in its known set or
    a member left unset passes uncalled; any other value is its check's to pass."""
    called: list[Any] = []

    def positive(value: Any) -> bool:
        called.append(value)
        return bool(value > 0)

    known = {5}
    checks = _sift.Checks(("a", "b"), (known, None), (positive, positive), (), msgspec.UNSET)
    checks(Pair(5))
    assert called == []
    checks(Pair(1, 2))
    assert called == [1, 2]
    with pytest.raises(ValueError, match=r"^b$"):
        checks(Pair(1, -2))
    with pytest.raises(ValueError, match=r"^a$"):  # read where Swapped holds it
        checks(Swapped(b=1, a=-1))
    checks(Swapped(b=1))
    checks(types.SimpleNamespace(a=5, b=1))  # not a Struct: read by name
    with pytest.raises(AttributeError):
        checks(types.SimpleNamespace(a=5))
    with pytest.raises(ZeroDivisionError):  # a check's error propagates
        _sift.Checks(("a",), (None,), (lambda v: v < 1 / 0,), (), msgspec.UNSET)(Pair(1))


class Wide(msgspec.Struct):  # more members before a and b: other offsets again
    c: Any = None
    d: Any = None
    e: Any = None
    a: Any = None
    b: Any = msgspec.UNSET


def test_checks_called_again_from_a_check_read_each_value_where_its_type_holds_it() -> None:
    """A check may call the same Checks with a value of another type (whose offsets replace
    the ones in use): the value being checked is still read where its own type holds it."""
    seen: list[Any] = []

    def reenters(value: Any) -> bool:
        if value == "outer a":
            checks(Wide(a="inner a", b="inner b"))
        return True

    def records(value: Any) -> bool:
        seen.append(value)
        return True

    checks = _sift.Checks(("a", "b"), (None, None), (reenters, records), (), msgspec.UNSET)
    checks(Pair("outer a", "outer b"))
    assert seen == ["inner b", "outer b"]


class Shown:
    """Members in slots, read through a __getattribute__ of its own."""

    __slots__ = ("a", "b")

    def __init__(self, a: Any, b: Any) -> None:
        self.a, self.b = a, b

    def __getattribute__(self, name: str) -> Any:
        found = object.__getattribute__(self, name)
        return f"shown {found}" if name in ("a", "b") else found


def test_checks_read_members_as_getattr_does() -> None:
    seen: list[Any] = []

    def records(value: Any) -> bool:
        seen.append(value)
        return True

    _sift.Checks(("a",), (None,), (records,), (), msgspec.UNSET)(Shown("x", "y"))
    assert seen == ["shown x"]


def test_checks_refuse_members_set_together_that_fit_no_direction() -> None:
    fitting = {(True, False), (False, True)}  # a or b, not both, not neither
    checks = _sift.Checks((), (), (), ((("a", "b"), fitting),), msgspec.UNSET)
    checks(Pair(1))
    checks(Swapped(b=1))
    for value in (Pair(1, 2), Swapped(b=msgspec.UNSET)):
        with pytest.raises(ValueError, match="fit no direction"):
            checks(value)


def test_checks_refuse_what_is_not_names_sets_and_callables() -> None:
    make: Any = _sift.Checks
    for args in [
        (("a",), (), (abs,), (), None),  # as many known as names
        (("a",), (None,), (1,), (), None),  # a check is callable
        ((1,), (None,), (abs,), (), None),  # a name is a str
        (("a",), ([1],), (abs,), (), None),  # known is a set
        ((), (), (), ((("a",), [(True,)]),), None),  # fitting is a set
        ((), (), (), ()),  # five arguments
    ]:
        with pytest.raises(TypeError):
            make(*args)
    with pytest.raises(TypeError):
        make((), (), (), (), None)(1, 2)


def test_text_lines_writes_each_finding_s_lines_after_its_place() -> None:
    """The text report's hot loop (_sift.text_lines): the remembered words of a finding's
    rejections when they are its own (the same rejections object and type), else compose's."""
    known, other = ("r1",), ("r2",)
    by_id: dict[int, tuple[Any, str | None, Any]] = {
        id(known): (known, "chat", ([], ["", "a\n", "b\n"])),
        id(other): (other, "ping", ([], ["", "never\n"])),  # another type: not its words
    }
    composed: list[Any] = []

    def compose(finding: Any) -> list[str]:
        composed.append(finding)
        return ["", f"composed {finding[1]}\n"]

    findings = [(0, "chat", known), (4, "chat", other), (9, None, ("r3",))]
    text = _sift.text_lines("f.jsonl", 10, findings, by_id, compose)
    assert text == (
        "f.jsonl:11: a\nf.jsonl:11: b\nf.jsonl:15: composed chat\nf.jsonl:20: composed None\n"
    )
    assert composed == findings[1:]
    assert _sift.text_lines("x", 0, [], by_id, compose) == ""
    with pytest.raises(TypeError):
        _sift.text_lines("x", 0, [(1, "chat")], by_id, compose)  # type: ignore[list-item]
    with pytest.raises(ZeroDivisionError):  # compose's error propagates
        _sift.text_lines("x", 0, [(1, "t", ("new",))], {}, lambda f: 1 / 0)  # type: ignore[arg-type, return-value]
    with pytest.raises(TypeError):
        _sift.text_lines("x", 0, [(1, "t", ("new",))], {}, lambda f: ["", b"bytes\n"])  # type: ignore[list-item]
    with pytest.raises(ValueError):
        _sift.text_lines("x", 0, [(-1, "t", known)], by_id, compose)
    with pytest.raises(ValueError):  # a line number beyond what a report counts
        _sift.text_lines("x", sys.maxsize - 1, [(1, "chat", known)], by_id, compose)


@pytest.mark.parametrize(
    "change",
    [lambda words: words.append("x" * 100), lambda words: words.__delitem__(slice(1, None))],
    ids=["longer", "shorter and narrower"],
)
def test_text_lines_refuses_words_that_compose_changed_meanwhile(
    change: Callable[[list[str]], None],
) -> None:
    """compose runs Python code, which may change the words of a finding measured before: the
    text is neither written past its end nor left with a part unwritten."""
    known, other = ("r1",), ("r2",)
    words = ["", "a\n", "é and more\n"]

    def compose(finding: Any) -> list[str]:
        change(words)
        return ["", "b\n"]

    by_id: dict[int, tuple[Any, str | None, Any]] = {id(known): (known, "chat", ([], words))}
    with pytest.raises(RuntimeError, match="changed meanwhile"):
        _sift.text_lines("x", 0, [(0, "chat", known), (1, "t", other)], by_id, compose)


@pytest.mark.parametrize("place", ["f.jsonl", "café.jsonl", "日誌.jsonl", "📜.jsonl"])
def test_text_lines_writes_any_characters_of_places_and_words(place: str) -> None:
    """The text is one str as wide as its widest character, wherever it comes from."""
    lines = ["", "ascii\n", "é\n", "€ 日\n", "👍\n"]
    rejections = [(str(k),) for k in range(len(lines))]
    by_id: dict[int, tuple[Any, str | None, Any]] = {
        id(r): (r, "t", ([], ["", *lines[: k + 1]])) for k, r in enumerate(rejections)
    }
    findings = [(k * 7, "t", r) for k, r in enumerate(rejections)]
    expected = "".join(
        f"{place}:{100 + k * 7 + 1}: {words}" for k in range(len(lines)) for words in lines[: k + 1]
    )
    assert _sift.text_lines(place, 100, findings, by_id, lambda f: 1 / 0) == expected  # type: ignore[arg-type, return-value]

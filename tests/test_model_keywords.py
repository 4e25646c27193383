"""The generated models read every keyword as the published schemas do, wherever it sits.

The example protocol uses few keywords, so this test generates a protocol with three more
messages: `counts` holds integers everywhere (in an array of constrained integers, nullable, as an
enum, in a nested object), `probe` the keywords that pydantic reads otherwise (`uniqueItems`,
`format`, enums and consts of numbers and booleans, big numbers), `sizes` the counts of an array
and of a map that are branches of one union. A second one, the mini protocol taking unknown
members, has objects and a payload that refuse them. Each value must get the same verdict from
the model (`validate_json` and `validate_python`) as from the reference validator on the
published schema.
"""

from __future__ import annotations

import contextlib
import copy
import importlib
import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError
from wire_corpus import ROOT
from wirebook.reference import ReferenceValidator
from wirebook.validate.parse import parse_text
from wirebook.validate.sources import from_published

MESSAGE = """
  - type: counts
    summary: Integers in every place
    payload:
      items: {type: array, items: {type: integer, minimum: 0}, description: An array.}
      maybe: {type: integer, nullable: true, required: false, description: Nullable.}
      level: {enum: [1, 2, 3], description: An enum of integers.}
      nested:
        type: object
        description: An object.
        fields: {n: {type: integer, description: Nested.}}
    examples:
      - {name: one, payload: {items: [1, 2], maybe: null, level: 2, nested: {n: 5}}}
  - type: probe
    summary: The keywords pydantic reads otherwise
    payload:
      tags: {type: array, items: {type: integer}, uniqueItems: true, description: Unique.}
      objs:
        type: array
        uniqueItems: true
        description: Unique objects.
        items: {type: object, fields: {x: {type: integer, description: X.}}}
      nums: {enum: [0.5, 1, 2.5, 1e20], description: An enum of numbers.}
      flag: {const: true, description: A boolean const.}
      half: {const: 1.0, description: A number const.}
      when: {type: string, format: date, description: A date.}
      uid: {type: string, format: uuid, description: A uuid.}
      ts: {type: string, format: date-time, description: A date-time.}
      num: {type: number, description: Any number.}
      named: {type: Topics, description: A named unique array.}
      dot: {type: string, pattern: "^a.b$", description: "A dot, as ECMA-262 reads it."}
      word: {type: string, pattern: "^[a-z]+$", description: Anchored.}
    examples:
      - name: one
        payload:
          tags: [1, 2]
          objs: [{x: 1}]
          nums: 1
          flag: true
          half: 1
          when: "2024-01-01"
          uid: 123e4567-e89b-12d3-a456-426614174000
          ts: "2024-01-01T00:00:00Z"
          num: 1
          named: [a]
          dot: acb
          word: abc
  - type: sizes
    summary: Counts of an array and of a map, branches of one union
    payload:
      either:
        union:
          - {type: array, items: string, maxItems: 2}
          - {type: map, values: string, minEntries: 1, maxEntries: 3}
        description: Up to two items, or one to three entries.
    examples:
      - {name: one, payload: {either: [a]}}
"""
TYPES = """
  Topics: {type: array, items: Topic, uniqueItems: true, description: Topics to follow.}
"""
VALID = {"items": "[1]", "maybe": "null", "level": "2", "n": "5"}
NUMBERS = ["1", "1.0", "1e0", "10E-1", "-0.0", "0", "-1.0", "1.5", "true", "false", '"1"', "null"]


@contextlib.contextmanager
def generated_package(schema: Path, out: Path, package: str) -> Iterator[tuple[Any, Any]]:
    """`wirebook generate` of ``schema`` into ``out``: its models module, imported, and the
    reference validator of its published schemas."""
    wirebook = Path(sys.executable).parent / "wirebook"
    subprocess.run(
        [wirebook, "generate", "--schema", schema, "--out", out], check=True, capture_output=True
    )
    sys.path.insert(0, str(out / "python"))
    try:
        models = importlib.import_module(f"{package}.models")
        yield models, ReferenceValidator(from_published(out / "schemas")[0])
    finally:
        sys.path.remove(str(out / "python"))


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, Any]]:
    folder = tmp_path_factory.mktemp("integers")
    schema = shutil.copytree(ROOT / "schema", folder / "schema")
    protocol = schema / "protocol.yaml"
    text = protocol.read_text().replace("name: chat", "name: integers", 1)
    protocol.write_text(text.replace("\ntypes:\n", "\ntypes:" + TYPES, 1))
    with (schema / "client.yaml").open("a") as client:
        client.write(MESSAGE)
    with generated_package(schema, folder / "out", "integers_protocol") as pair:
        yield pair


def text(**given: str) -> str:
    v = {**VALID, **given}
    return (
        f'{{"type":"counts","payload":{{"items":{v["items"]},"maybe":{v["maybe"]},'
        f'"level":{v["level"]},"nested":{{"n":{v["n"]}}}}}}}'
    )


@pytest.mark.parametrize("number", NUMBERS)
@pytest.mark.parametrize("place", ["items", "maybe", "level", "n"])
def test_an_integer_is_read_as_the_schema_reads_it(
    generated: tuple[Any, Any], place: str, number: str
) -> None:
    models, reference = generated
    counts = models.Counts
    raw = text(**{place: f"[{number}, 2]" if place == "items" else number})
    message, problems = parse_text(raw)
    assert problems == []
    schema_valid = reference.validate("client", message) == []
    try:
        counts.model_validate_json(raw)
        model_valid = True
    except ValidationError:
        model_valid = False
    assert model_valid == schema_valid, raw


def test_the_valid_forms_of_an_integer_become_ints(generated: tuple[Any, Any]) -> None:
    message: Any = generated[0].Counts.model_validate_json(
        text(items="[1.0, 2e0]", maybe="3.0", n="-0.0")
    )
    payload = message.payload
    assert payload.items == [1, 2]  # plain values: no RootModel around each item
    assert (payload.maybe, payload.nested.n) == (3, 0)
    assert all(type(v) is int for v in (payload.items[0], payload.maybe, payload.nested.n))


PROBE = {
    "tags": [1, 2],
    "objs": [{"x": 1}],
    "nums": 1,
    "flag": True,
    "half": 1,
    "when": "2024-01-01",
    "uid": "123e4567-e89b-12d3-a456-426614174000",
    "ts": "2024-01-01T00:00:00Z",
    "num": 1,
    "named": ["a"],
    "dot": "acb",
    "word": "abc",
}
# (field, value): the values on which the models disagreed with the schemas (issue 8, items 1,
# 2 and 4), and their neighbours that they must keep taking or refusing
PROBES: list[tuple[str, Any]] = [
    ("tags", [1, 1]),
    ("tags", [1, 1.0]),
    ("tags", [1, 2.0]),
    ("objs", [{"x": 1}, {"x": 1}]),
    ("objs", [{"x": 1}, {"x": 1.0}]),
    ("objs", [{"x": 1}, {"x": 2}]),
    ("named", ["a", "a"]),
    ("named", ["a", "b"]),
    ("nums", True),
    ("nums", 10**20),
    ("nums", 1e20),
    ("nums", 1.0),
    ("nums", "1"),
    ("nums", 3),
    ("flag", 1),
    ("flag", 1.0),
    ("flag", "true"),
    ("half", True),
    ("half", 1.0),
    ("half", 2),
    ("when", 0),
    ("when", "1704067200"),
    ("when", "2025-02-30"),
    ("when", "2024-04-31"),
    ("ts", "2024-01-01 00:00:00Z"),
    ("ts", "2024-01-01T00:00:00+01:00"),
    ("uid", "123e4567e89b12d3a456426614174000"),
    ("uid", "{123e4567-e89b-12d3-a456-426614174000}"),
    ("uid", "urn:uuid:123e4567-e89b-12d3-a456-426614174000"),
    ("dot", "a\rb"),  # item 3: ECMA-262's `.` takes no line terminator
    ("dot", "a\u2028b"),
    ("dot", "a\u2029b"),
    ("dot", "a\nb"),
    ("dot", "a😀b"),
    ("word", "abc\n"),  # `$` is the end of the text, not before a final newline
    ("word", "\nabc"),
    ("num", 10**400),
    ("num", 10**20),
    ("num", -0.0),
    ("num", True),
    ("num", "1"),
]


@pytest.mark.parametrize(("field", "value"), PROBES, ids=lambda v: repr(v)[:40])
def test_a_keyword_is_read_as_the_schema_reads_it(
    generated: tuple[Any, Any], field: str, value: Any
) -> None:
    models, reference = generated
    message = {"type": "probe", "payload": {**PROBE, field: value}}
    raw = json.dumps(message)
    schema_valid = reference.validate("client", message) == []
    adapter = TypeAdapter(models.ClientMessage)
    for read in (adapter.validate_json, lambda text: adapter.validate_python(json.loads(text))):
        try:
            read(raw)
            model_valid = True
        except ValidationError:
            model_valid = False
        assert model_valid == schema_valid, raw


def _model_verdicts(models: Any, raw: str) -> list[bool]:
    """Whether the client union takes ``raw``, from text and from its value."""
    adapter = TypeAdapter(models.ClientMessage)
    verdicts = []
    for read in (adapter.validate_json, lambda text: adapter.validate_python(json.loads(text))):
        try:
            read(raw)
            verdicts.append(True)
        except ValidationError:
            verdicts.append(False)
    return verdicts


# an array and a map at and around their counts: each count bounds its own kind only (the
# array's maxItems refused a map of three entries)
SIZES: list[Any] = [[], ["a", "b"], ["a", "b", "c"], {}, {"a": "x"}, dict.fromkeys("abc", "x")]
SIZES.append(dict.fromkeys("abcd", "x"))


@pytest.mark.parametrize("value", SIZES, ids=lambda v: json.dumps(v))
def test_the_counts_of_a_union_bound_the_kind_of_their_branch(
    generated: tuple[Any, Any], value: Any
) -> None:
    models, reference = generated
    message = {"type": "sizes", "payload": {"either": value}}
    schema_valid = reference.validate("client", message) == []
    assert _model_verdicts(models, json.dumps(message)) == [schema_valid] * 2


OPEN_DEFINITIONS = """
types:
  Point:
    type: object
    unknown_fields: reject
    description: A named object that refuses unknown members.
    fields: {x: {type: integer, description: Across.}}
client:
  - type: strict
    summary: Objects that refuse unknown members in a protocol that takes them
    unknown_fields: reject
    payload:
      closed:
        type: object
        unknown_fields: reject
        description: Refuses them.
        fields: {n: {type: integer, description: A number.}}
      open:
        type: object
        description: Takes them, as the protocol does.
        fields: {n: {type: integer, description: A number.}}
      point: {type: Point, description: A named object.}
    examples:
      - payload: {closed: {n: 1}, open: {n: 1}, point: {x: 1}}
"""
STRICT = {"closed": {"n": 1}, "open": {"n": 1}, "point": {"x": 1}}


@pytest.fixture(scope="module")
def open_protocol(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, Any]]:
    """The mini protocol of tests/cases, taking unknown members but where it says otherwise."""
    folder = tmp_path_factory.mktemp("open")
    schema = shutil.copytree(ROOT / "tests" / "cases" / "_base" / "schema", folder / "schema")
    protocol = schema / "protocol.yaml"
    text = protocol.read_text().replace("name: mini", "name: open_mini", 1)
    envelope = "    supported: [1]\n  envelope:\n    unknown_fields: allow\n"
    protocol.write_text(text.replace("    supported: [1]\n", envelope, 1))
    (schema / "strict.yaml").write_text(OPEN_DEFINITIONS)
    with generated_package(schema, folder / "out", "open_mini_protocol") as pair:
        yield pair


@pytest.mark.parametrize(
    ("where", "taken"),
    [
        ((), True),
        (("payload",), False),
        (("payload", "closed"), False),
        (("payload", "open"), True),
        (("payload", "point"), False),
    ],
    ids=lambda v: "/".join(v) if isinstance(v, tuple) else str(v),
)
def test_unknown_members_are_refused_where_an_object_says_so_against_the_protocol(
    open_protocol: tuple[Any, Any], where: tuple[str, ...], taken: bool
) -> None:
    models, reference = open_protocol
    message: Any = {"type": "strict", "payload": copy.deepcopy(STRICT)}
    parent = message
    for key in where:
        parent = parent[key]
    parent["extra"] = 1
    assert (reference.validate("client", message) == []) == taken
    assert _model_verdicts(models, json.dumps(message)) == [taken] * 2


def test_a_deprecation_reason_reaches_the_schemas_and_the_models() -> None:
    reason = "use `chat`, which takes the same payload."
    schema = json.loads((ROOT / "generated/schemas/v1/client/chat_message.schema.json").read_text())
    assert schema["deprecated"] is True
    assert schema["description"].endswith(f"Deprecated: {reason}")
    from chat_protocol.models import ChatMessage

    assert " ".join((ChatMessage.__doc__ or "").split()).endswith(f"Deprecated: {reason}")

"""The generated models read integers as the published schemas do, wherever an integer sits.

The example protocol has integers in two places only (`v`, `room_update.users`), so this test
generates a protocol with one more message that holds them everywhere: in an array (whose items
datamodel-code-generator makes a RootModel), nullable, as an enum, in a nested object. Each
written form of a number must get the same verdict from the model as from the reference
validator on the published schema: `1.0` and `1e0` are integers, `true` is not.
"""

from __future__ import annotations

import importlib
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError
from wire_corpus import ROOT
from wirebook.reference import ReferenceValidator
from wirebook.validate.sources import from_published
from wirebook.verify import parse_raw

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
"""
VALID = {"items": "[1]", "maybe": "null", "level": "2", "n": "5"}
NUMBERS = ["1", "1.0", "1e0", "10E-1", "-0.0", "0", "-1.0", "1.5", "true", "false", '"1"', "null"]


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[type[BaseModel], Any]]:
    folder = tmp_path_factory.mktemp("integers")
    schema = shutil.copytree(ROOT / "schema", folder / "schema")
    protocol = schema / "protocol.yaml"
    protocol.write_text(protocol.read_text().replace("name: chat", "name: integers", 1))
    with (schema / "client.yaml").open("a") as client:
        client.write(MESSAGE)
    out = folder / "out"
    wirebook = Path(sys.executable).parent / "wirebook"
    subprocess.run(
        [wirebook, "generate", "--schema", schema, "--out", out], check=True, capture_output=True
    )
    sys.path.insert(0, str(out / "python"))
    try:
        models = importlib.import_module("integers_protocol.models")
        reference = ReferenceValidator(from_published(out / "schemas"))
        yield models.Counts, reference
    finally:
        sys.path.remove(str(out / "python"))


def text(**given: str) -> str:
    v = {**VALID, **given}
    return (
        f'{{"type":"counts","payload":{{"items":{v["items"]},"maybe":{v["maybe"]},'
        f'"level":{v["level"]},"nested":{{"n":{v["n"]}}}}}}}'
    )


@pytest.mark.parametrize("number", NUMBERS)
@pytest.mark.parametrize("place", ["items", "maybe", "level", "n"])
def test_an_integer_is_read_as_the_schema_reads_it(
    generated: tuple[type[BaseModel], Any], place: str, number: str
) -> None:
    counts, reference = generated
    raw = text(**{place: f"[{number}, 2]" if place == "items" else number})
    message, problems = parse_raw(raw)
    assert problems == []
    schema_valid = reference.validate("client", message) == []
    try:
        counts.model_validate_json(raw)
        model_valid = True
    except ValidationError:
        model_valid = False
    assert model_valid == schema_valid, raw


def test_the_valid_forms_of_an_integer_become_ints(generated: tuple[type[BaseModel], Any]) -> None:
    counts, _ = generated
    message: Any = counts.model_validate_json(text(items="[1.0, 2e0]", maybe="3.0", n="-0.0"))
    payload = message.payload
    assert [item.root for item in payload.items] == [1, 2]
    assert (payload.maybe, payload.nested.n) == (3, 0)
    assert all(type(v) is int for v in (payload.items[0].root, payload.maybe, payload.nested.n))

"""A TypeScript team feeding the published bundles to json-schema-to-typescript gets clean types.

The union is discriminated on `type` and named like the wire; every message and payload is an
interface named after it; nothing is named `RoomId1` or `Payload2` (tests/ajv/typescript.mjs,
installed by `make test` with `npm ci --prefix tests/ajv`).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from functools import cache
from pathlib import Path

import pytest
from wirebook import ir
from wirebook.pipeline import compile_definitions

ROOT = Path(__file__).resolve().parents[1]
TOOLS = ROOT / "tests" / "ajv"
PROTOCOL = compile_definitions(ROOT / "schema").protocol


@cache
def typescript() -> dict[str, str]:
    """Direction → the TypeScript made of its bundle."""
    node = shutil.which("node")
    if node is None or not (TOOLS / "node_modules" / "json-schema-to-typescript").is_dir():
        pytest.fail(
            "node and json-schema-to-typescript are needed: run `make test` "
            "(or `npm ci --prefix tests/ajv`)"
        )
    paths = {d: ROOT / "generated" / "schemas" / f"{d}.schema.json" for d in ir.DIRECTIONS}
    done = subprocess.run(
        [node, str(TOOLS / "typescript.mjs"), *map(str, paths.values())],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    by_path = json.loads(done.stdout)
    return {d: by_path[str(path)] for d, path in paths.items()}


def exported(source: str) -> list[str]:
    return re.findall(r"^export (?:type|interface) (\w+)", source, re.MULTILINE)


@pytest.mark.parametrize("direction", ir.DIRECTIONS)
def test_the_union_lists_every_message_of_the_direction(direction: ir.Direction) -> None:
    union = re.search(
        rf"^export type {PROTOCOL.union_name(direction)} =\s*([^;]+);",
        typescript()[direction],
        re.MULTILINE,
    )
    assert union is not None
    members = [name.strip() for name in union.group(1).split("|") if name.strip()]
    assert members == [m.class_name for m in PROTOCOL.direction(direction)]


@pytest.mark.parametrize("direction", ir.DIRECTIONS)
def test_every_message_and_payload_is_an_interface_named_after_the_wire(
    direction: ir.Direction,
) -> None:
    names = exported(typescript()[direction])
    for message in PROTOCOL.direction(direction):
        assert message.class_name in names
        assert message.payload_class_name in names
        literal = f'type: "{message.type}";'
        body = typescript()[direction].split(f"export interface {message.class_name} {{")[1]
        assert literal in body.split("}")[0], f"{message.class_name} is not tagged by its type"


@pytest.mark.parametrize("direction", ir.DIRECTIONS)
def test_no_name_is_made_up(direction: ir.Direction) -> None:
    names = exported(typescript()[direction])
    made_up = [n for n in names if re.search(r"\d$", n) or n.startswith(("Payload", "Anonymous"))]
    assert made_up == []
    assert len(names) == len(set(names))


def test_error_codes_are_a_string_union() -> None:
    source = typescript()["server"]
    union = re.search(r"^export type ErrorCode =([^;]+);", source, re.MULTILINE)
    assert union is not None
    assert re.findall(r'"(\w+)"', union.group(1)) == [c.code for c in PROTOCOL.error_codes]

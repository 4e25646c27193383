"""A TypeScript team feeding the published bundles to json-schema-to-typescript gets clean types.

The union is discriminated on `type` and named like the wire; every message and payload is an
interface named after it; nothing is named `RoomId1` or `Payload2`; what it makes compiles with
`tsc --strict` (tests/ajv/typescript.mjs and the pinned tools, installed by `make test` with
`npm ci --prefix tests/ajv`). The same holds for the protocol of every other shape
(tests/shapes/schema): a tagged union is a union of named interfaces, a map an index signature,
an inline object under `items` or `values` an interface named after its field.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest
from wirebook import ir
from wirebook.pipeline import compile_definitions

ROOT = Path(__file__).resolve().parents[1]
TOOLS = ROOT / "tests" / "ajv"
# the protocol as the bundles at the top of generated/schemas have it: the current wire version's
PROTOCOL = compile_definitions(ROOT / "schema").schemas.current.protocol
SHAPES = ROOT / "tests" / "shapes" / "schema"


def node() -> str:
    found = shutil.which("node")
    tools = TOOLS / "node_modules"
    if found is None or not all(
        (tools / name).is_dir() for name in ("json-schema-to-typescript", "typescript")
    ):
        pytest.fail(
            "node, json-schema-to-typescript and typescript are needed: run `make test` "
            "(or `npm ci --prefix tests/ajv`)"
        )
    return found


def to_typescript(schemas: Path) -> dict[str, str]:
    """Direction → the TypeScript that json-schema-to-typescript makes of its bundle."""
    paths = {d: schemas / f"{d}.schema.json" for d in ir.DIRECTIONS}
    done = subprocess.run(
        [node(), str(TOOLS / "typescript.mjs"), *map(str, paths.values())],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    by_path = json.loads(done.stdout)
    return {d: by_path[str(path)] for d, path in paths.items()}


@cache
def typescript() -> dict[str, str]:
    """The example protocol's published bundles, as TypeScript."""
    return to_typescript(ROOT / "generated" / "schemas")


@pytest.fixture(scope="module")
def shapes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The shapes protocol's bundles, generated into a temporary folder, as TypeScript."""
    out = tmp_path_factory.mktemp("shapes") / "generated"
    wirebook = Path(sys.executable).with_name("wirebook")
    done = subprocess.run(
        [wirebook, "generate", "--schema", SHAPES, "--out", out], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return to_typescript(out / "schemas")


def compiles(sources: dict[str, str], folder: Path) -> None:
    """`tsc --strict` type-checks every source as a module of its own."""
    files = []
    for direction, source in sources.items():
        files.append(folder / f"{direction}.ts")
        files[-1].write_text(source, encoding="utf-8")
    tsc = TOOLS / "node_modules" / "typescript" / "bin" / "tsc"
    done = subprocess.run(
        [node(), str(tsc), "--strict", "--noEmit", "--target", "es2020", *map(str, files)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def declaration(source: str, name: str) -> str:
    """The text of `export type NAME = …;` or of `export interface NAME {…}`."""
    found = re.search(
        rf"^export (?:type {name} =\s*([^;]+);|interface {name} \{{\n(.*?)^\}}$)",
        source,
        re.MULTILINE | re.DOTALL,
    )
    assert found is not None, f"no declaration of {name}"
    return " ".join((found.group(1) or found.group(2)).split())


def member(source: str, interface: str, name: str) -> str:
    """A member's TypeScript type: `string | number`, `{ [k: string]: number; }`."""
    body = declaration(source, interface)
    found = re.search(rf"(?:^|[;/] ){name}\??: (\{{[^{{}}]*\}}|[^;{{]*);", body)
    assert found is not None, f"{interface} has no member {name}: {body}"
    return found.group(1)


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


def test_the_types_compile_with_tsc_strict(tmp_path: Path) -> None:
    compiles(typescript(), tmp_path)


# ---------------------------------------------------------------- the shapes protocol


def test_the_shapes_compile_with_tsc_strict(shapes: dict[str, str], tmp_path: Path) -> None:
    compiles(shapes, tmp_path)


def test_no_shape_gets_a_made_up_name(shapes: dict[str, str]) -> None:
    for source in shapes.values():
        names = exported(source)
        made_up = [
            n for n in names if re.search(r"\d$", n) or n.startswith(("Payload", "Anonymous"))
        ]
        assert made_up == []
        assert len(names) == len(set(names))


def test_a_tagged_union_is_a_union_of_named_interfaces(shapes: dict[str, str]) -> None:
    client = shapes["client"]
    assert declaration(client, "Attachment") == "Image | File"
    assert member(client, "PostPayload", "attachment") == "Attachment"
    assert member(client, "PostPayload", "inline_choice") == "Image | File"
    assert member(client, "PostPayload", "attachments") == "Attachment[]"
    assert member(client, "Attach", "payload") == "Attachment"
    for branch, tag in (("Image", "image"), ("File", "file")):
        assert member(client, branch, "kind") == f'"{tag}"'


def test_a_union_by_kind_is_a_union_of_its_kinds(shapes: dict[str, str]) -> None:
    client = shapes["client"]
    assert member(client, "PostPayload", "id") == "string | number"
    assert member(client, "PostPayload", "names") == "string | string[]"
    assert member(client, "PostPayload", "maybe") == "Image | null"
    assert member(client, "Rename", "payload") == "string | number"


def test_maps_are_index_signatures_and_inline_objects_are_named(shapes: dict[str, str]) -> None:
    client = shapes["client"]
    assert declaration(client, "Labels") == "[k: string]: string;"
    assert member(client, "PostPayload", "counts") == "{ [k: string]: number; }"
    assert member(client, "PostPayload", "places") == "{ [k: string]: PostPayloadPlacesValue; }"
    assert member(client, "PostPayload", "points") == "PostPayloadPointsItem[]"
    # unknown members allowed on the items' objects, not on the map's values
    assert "[k: string]: unknown;" in declaration(client, "PostPayloadPointsItem")
    assert "[k: string]" not in declaration(client, "PostPayloadPlacesValue")


def test_a_recursive_type_refers_to_itself(shapes: dict[str, str]) -> None:
    for source in shapes.values():
        assert member(source, "Comment", "replies") == "Comment[]"
        assert member(source, "Comment", "parent") == "Comment | null"


def test_any_json_value_is_the_union_of_the_json_kinds(shapes: dict[str, str]) -> None:
    kinds = "null | boolean | { [k: string]: unknown; } | unknown[] | number | string"
    assert re.search(rf"blob\??: (\| )?{re.escape(kinds)};", " ".join(shapes["client"].split()))

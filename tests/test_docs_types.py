"""The docs say every shape of the format in words people read (tests/shapes/schema).

A field's type reads `string or integer`, `one of Image, File (by `kind`)`, `map of string →
integer`, `any JSON value`; a map's key rules and counts are constraints; the members of an
inline object are rows of their own (`points[].x`); a named object type has a field table, in
which a reference back to the type says `(recursive)`; a payload given by a type says so.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from wirebook import ir
from wirebook.emit.docs import constraints_text, render, type_text
from wirebook.pipeline import compile_definitions

SHAPES = Path(__file__).parent / "shapes" / "schema"


@cache
def shapes() -> tuple[ir.Protocol, str]:
    protocol = compile_definitions(SHAPES).protocol
    assert protocol is not None
    return protocol, render(protocol)


def section(docs: str, heading: str) -> str:
    """The text under a `###` heading, up to the next heading."""
    found = re.search(rf"^### {re.escape(heading)}\n(.*?)(?=^##)", docs, re.MULTILINE | re.DOTALL)
    assert found is not None, heading
    return found.group(1)


def row(text: str, name: str) -> list[str]:
    """The cells of a table row whose first cell is `name`."""
    for line in text.splitlines():
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
        if cells and cells[0].endswith(f"`{name}`"):  # after an anchor, in the types' table
            return cells
    raise AssertionError(f"no row {name}")


def test_unions_maps_and_any_read_as_words() -> None:
    post = section(shapes()[1], "`post` (client → server)")
    assert row(post, "id")[1] == "string or integer"
    assert row(post, "names")[1] == "string or array of string"
    assert row(post, "maybe")[1] == "[Image](#type-Image) or null"
    assert row(post, "inline_choice")[1] == (
        "one of [Image](#type-Image), [File](#type-File) (by `kind`)"
    )
    assert row(post, "counts")[1] == "map of string → integer"
    assert row(post, "blob")[1] == "any JSON value"
    assert row(post, "obj")[1] == "any JSON object"


def test_a_maps_rules_are_its_constraints() -> None:
    post = section(shapes()[1], "`post` (client → server)")
    assert row(post, "labels")[3] == (
        "keys match `^[a-z]+$`, keys at most 8 characters, at most 3 entries, "
        "values: at most 10 characters"
    )


def test_inline_objects_list_their_members_below_their_field() -> None:
    post = section(shapes()[1], "`post` (client → server)")
    assert row(post, "points")[1:4] == [
        "array of object PostPayloadPointsItem",
        "no",
        "items: unknown members allowed",
    ]
    assert row(post, "points[].x")[1:3] == ["number", "yes"]
    assert row(post, "places")[1] == "map of string → object PostPayloadPlacesValue"
    assert row(post, "places.<key>.y")[1:3] == ["number", "yes"]


def test_named_object_types_have_a_field_table_that_marks_recursion() -> None:
    docs = shapes()[1]
    comment = section(docs, "`Comment`")
    assert row(comment, "replies")[1] == "array of [Comment](#type-Comment) (recursive)"
    assert row(comment, "parent")[1] == "[Comment](#type-Comment) (recursive) or null"
    shared = docs.split("## Shared types\n", 1)[1]
    assert row(shared, "Attachment")[1].startswith("one of")
    assert "| object `{kind, url, width?}` |" in shared
    assert "| map of string → string |" in shared
    assert "unknown members allowed" in row(shared, "Extensible")[2]


def test_a_payload_given_by_a_type_says_so() -> None:
    docs = shapes()[1]
    assert "The payload is string or integer." in section(docs, "`rename` (client → server)")
    assert "The payload is [Events](#type-Events) (at most 10 items)." in docs
    assert "| [`rename`](#client-rename) | Rename | string or integer |" in docs
    assert "C->>S: replay Events" in docs
    assert "| `payload` | object, or the type its message gives |" in docs
    assert "Payload: unknown members allowed." in section(docs, "`open` (client → server)")


def test_a_union_inside_a_list_is_parenthesized() -> None:
    union = ir.UnionType((ir.StringType(), ir.NullType()))
    assert type_text(ir.ArrayType(union)) == "array of (string or null)"
    assert type_text(ir.MapType(union)) == "map of string → (string or null)"


def test_bounds_are_written_exactly() -> None:
    assert constraints_text(ir.NumericType(True, minimum=-(2**53) + 1)) == "≥ -9007199254740991"
    assert constraints_text(ir.NumericType(False, maximum=0.1, exclusive_minimum=1e20)) == (
        "≤ 0.1, > 1e+20"
    )

"""What the definition loader reads: YAML 1.2 core scalars (as editors' YAML language servers read
them), JSON data only, positions for every value, and anchors, aliases and merge keys.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from wirebook.diagnostics import Position
from wirebook.load import Document, load_file


def load(tmp_path: Path, text: str) -> tuple[Document | None, list[str]]:
    path = tmp_path / "p.yaml"
    path.write_text(text, encoding="utf-8")
    doc, problems = load_file(path, "p.yaml")
    return doc, [p.render() for p in problems]


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("yes", "yes"),  # YAML 1.1 would say True: the "Norway problem"
        ("off", "off"),
        ("2024-01-01", "2024-01-01"),  # YAML 1.1 would make a date, which is not JSON
        ("12:30", "12:30"),  # YAML 1.1 would say 750 (base 60)
        ("010", 10),  # YAML 1.1 would say 8 (octal)
        ("0o17", 15),
        ("0x1F", 31),
        ("1e3", 1000.0),  # YAML 1.1 would keep the text
        ("-2.5", -2.5),
        ("true", True),
        ("~", None),
        ("'yes'", "yes"),
        ("!!str 12", "12"),
    ],
)
def test_plain_scalars_read_as_yaml_1_2(tmp_path: Path, written: str, read: Any) -> None:
    doc, problems = load(tmp_path, f"value: {written}\n")
    assert problems == []
    assert doc is not None
    assert doc.data == {"value": read}
    assert type(doc.data["value"]) is type(read)


@pytest.mark.parametrize("written", [".inf", "-.Inf", ".nan", "1e999"])
def test_numbers_json_cannot_carry_are_errors(tmp_path: Path, written: str) -> None:
    _, problems = load(tmp_path, f"value: {written}\n")
    assert problems == [
        f"p.yaml:1:8: error: {written} is not a finite number\n"
        "    hint: JSON has no Infinity or NaN; write a finite number, or quote it to mean text"
    ]


@pytest.mark.parametrize("written", ["!!binary aGk=", "!!timestamp 2024-01-01", "!custom x"])
def test_tags_are_errors(tmp_path: Path, written: str) -> None:
    _, problems = load(tmp_path, f"value: {written}\n")
    assert len(problems) == 1
    assert problems[0].startswith("p.yaml:1:8: error: unsupported YAML tag ")


def test_anchors_aliases_and_merge_keys(tmp_path: Path) -> None:
    doc, problems = load(
        tmp_path,
        "base: &base {type: string, description: shared}\n"
        "copy: *base\n"
        "merged: {<<: *base, description: own}\n",
    )
    assert problems == []
    assert doc is not None
    assert doc.data["copy"] == {"type": "string", "description": "shared"}
    assert doc.data["merged"] == {"type": "string", "description": "own"}  # own keys win
    assert doc.at(("merged", "description")) == Position("p.yaml", 3, 34)


def test_every_value_and_key_has_its_position(tmp_path: Path) -> None:
    doc, _ = load(tmp_path, "client:\n  - type: ping\n    summary: Keep-alive\n")
    assert doc is not None
    assert doc.at(("client", 0, "summary")) == Position("p.yaml", 3, 14)
    assert doc.key_at(("client", 0, "summary")) == Position("p.yaml", 3, 5)
    assert doc.at(("client", 0, "missing")) == Position("p.yaml", 2, 5)  # nearest that exists


def test_keys_are_names_as_written(tmp_path: Path) -> None:
    doc, problems = load(tmp_path, "1: a\ntrue: b\n010: c\n")
    assert problems == []
    assert doc is not None
    assert list(doc.data) == ["1", "true", "010"]


def test_an_empty_file_is_an_empty_mapping(tmp_path: Path) -> None:
    doc, problems = load(tmp_path, "# only a comment\n")
    assert problems == []
    assert doc is not None
    assert doc.data == {}


def test_an_alias_bomb_is_refused_not_expanded(tmp_path: Path) -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    doc, problems = load(tmp_path, "\n".join(lines) + "\n")
    assert doc is None
    assert problems[0].startswith("p.yaml:1:1: error: the file expands to more than ")

"""What the definition loader reads: YAML 1.2 core scalars (as editors' YAML language servers read
them), JSON data only, positions for every value (of a problem too), and anchors, aliases and
merge keys; and which files of the definitions folder it reads.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from wirebook.check import definition_files, load_protocol
from wirebook.diagnostics import DefinitionError, Position
from wirebook.load import Document, load_file

BASE = Path(__file__).parent / "cases" / "_base" / "schema"


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
        f"p.yaml:1:8: error[WB005]: {written} is not a finite number\n"
        "    hint: JSON has no Infinity or NaN; write a finite number, or quote it to mean text"
    ]


@pytest.mark.parametrize("written", ["!!binary aGk=", "!!timestamp 2024-01-01", "!custom x"])
def test_tags_are_errors(tmp_path: Path, written: str) -> None:
    _, problems = load(tmp_path, f"value: {written}\n")
    assert len(problems) == 1
    assert problems[0].startswith("p.yaml:1:8: error[WB005]: unsupported YAML tag ")


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
    assert problems[0].startswith("p.yaml:1:1: error[WB005]: the file expands to more than ")


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("a: 1\nb: x\x00y\n", "p.yaml:2:5"),
        ("éé: 1\nbé: 'x\x00'\n", "p.yaml:2:7"),  # columns count characters, not UTF-8 bytes
        ("a: 1\r\nb: 2\r\nc: \x00\r\n", "p.yaml:3:4"),  # Windows line ends
    ],
)
def test_a_nul_byte_is_reported_where_it_stands(tmp_path: Path, text: str, where: str) -> None:
    (tmp_path / "p.yaml").write_bytes(text.encode("utf-8"))
    doc, problems = load_file(tmp_path / "p.yaml", "p.yaml")
    assert doc is None
    assert [p.render() for p in problems] == [
        f"{where}: error[WB003]: the file holds a NUL character (U+0000), which YAML does not "
        "allow\n    hint: remove it; to mean it in a text value, write an escape in double quotes, "
        'such as "\\u0000"'
    ]


def test_other_control_characters_are_named_and_counted(tmp_path: Path) -> None:
    _, problems = load(tmp_path, "a: \x07\nb: \x1b\n")
    assert problems[0].startswith(
        "p.yaml:1:4: error[WB003]: the file holds the control character U+0007, which YAML does "
        "not allow (1 more in the file)\n"
    )


def test_a_file_that_is_not_utf8_says_where(tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_bytes(b"a: 1\nb: caf\xe9\n")
    _, problems = load_file(tmp_path / "p.yaml", "p.yaml")
    assert [p.render() for p in problems] == [
        "p.yaml:2:7: error[WB002]: the file is not UTF-8 text: byte 0xe9 cannot start or continue "
        "a character here\n    hint: save the file as UTF-8"
    ]


@pytest.mark.parametrize(
    ("text", "message", "hint"),
    [
        (
            "a: *room\n",
            "p.yaml:1:4: error[WB003]: invalid YAML: the alias *room has no anchor &room above it",
            "write &room before the value to repeat, above this alias",
        ),
        (
            "a: &room_field x\nb: [1, *rom_field]\n",
            "p.yaml:2:8: error[WB003]: invalid YAML: the alias *rom_field has no anchor &rom_field "
            "above it",
            "did you mean 'room_field'? Or write &rom_field before the value to repeat, "
            "above this alias",
        ),
        (
            "a: *room\nb: &room x\n",
            "p.yaml:1:4: error[WB003]: invalid YAML: the alias *room has no anchor &room above it",
            "the anchor &room is below, at line 2: an alias repeats a value written above it, "
            "so move the anchored value up",
        ),
    ],
)
def test_an_undefined_alias_is_named(tmp_path: Path, text: str, message: str, hint: str) -> None:
    _, problems = load(tmp_path, text)
    assert problems == [f"{message}\n    hint: {hint}"]


def protocol_folder(tmp_path: Path) -> Path:
    schema = tmp_path / "schema"
    shutil.copytree(BASE, schema)
    return schema


def errors_of(schema: Path) -> list[str]:
    try:
        load_protocol(schema)
    except DefinitionError as exc:
        return [d.render() for d in exc.diagnostics]
    return []


def test_every_yaml_and_yml_file_is_read_whatever_the_case_of_its_extension(
    tmp_path: Path,
) -> None:
    schema = protocol_folder(tmp_path)
    (schema / "extra.YML").write_text("client:\n  - {type: ping, summary: Keep-alive}\n")
    assert [p.name for p in definition_files(schema)] == ["extra.YML", "protocol.yaml"]
    protocol = load_protocol(schema)
    assert ("client", "ping") in {m.key for m in protocol.messages}


def test_a_yml_file_beside_a_yaml_file_of_the_same_name_is_an_error(tmp_path: Path) -> None:
    schema = protocol_folder(tmp_path)
    (schema / "extra.yaml").write_text("client:\n  - {type: ping, summary: Keep-alive}\n")
    (schema / "extra.yml").write_text("client:\n  - {type: ping, summary: Keep-alive}\n")
    assert errors_of(schema) == [
        f"{schema.as_posix()}/extra.yml:1:1: error[WB006]: {schema.as_posix()}/extra.yml and "
        f"{schema.as_posix()}/extra.yaml are two definition files with the same name\n"
        "    hint: merge them into one file and delete the other: wirebook reads every .yaml "
        "and .yml file, so both would count"
    ]


def test_two_files_whose_names_differ_by_case_are_an_error(tmp_path: Path) -> None:
    schema = protocol_folder(tmp_path)
    (schema / "Extra.yaml").write_text("client:\n  - {type: ping, summary: Keep-alive}\n")
    (schema / "extra.yaml").write_text("client:\n  - {type: pong, summary: Keep-alive}\n")
    if len(list(schema.iterdir())) < 3:
        pytest.skip("this file system does not tell names apart by case")
    assert errors_of(schema) == [
        f"{schema.as_posix()}/extra.yaml:1:1: error[WB006]: {schema.as_posix()}/extra.yaml and "
        f"{schema.as_posix()}/Extra.yaml are two definition files with names that differ only "
        "by case\n    hint: merge them into one file and delete the other: macOS and Windows "
        "cannot hold both"
    ]


def test_a_broken_link_among_the_definitions_is_reported(tmp_path: Path) -> None:
    schema = protocol_folder(tmp_path)
    (schema / "client.yaml").symlink_to(tmp_path / "gone.yaml")
    assert errors_of(schema) == [
        f"{schema.as_posix()}/client.yaml:1:1: error[WB002]: cannot read the file: No such file or "
        "directory\n    hint: check that it exists and is readable"
    ]


def test_a_pipe_named_like_a_definition_file_is_not_read(tmp_path: Path) -> None:
    """Reading a pipe would wait for a writer forever."""
    schema = protocol_folder(tmp_path)
    os.mkfifo(schema / "client.yaml")
    assert [p.name for p in definition_files(schema)] == ["protocol.yaml"]

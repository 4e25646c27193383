"""Broken definitions, one folder each under ``tests/cases/`` (sqlc style).

A case folder holds ``schema/*.yaml`` (a small protocol with one thing broken), ``stderr.txt``
(exactly what wirebook must print) and, optionally, ``command`` (``check`` to run ``wirebook
check`` on a freshly generated tree; the default is ``generate``). Each case must exit 1, print
exactly ``stderr.txt`` and leave the output folder as it was. Adding a case is adding a folder;
``_base/`` is the valid protocol to copy.

Rewrite the expected files on purpose, then review the diff:

    WIREBOOK_UPDATE_CASES=1 .venv/bin/pytest tests/test_cases.py
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from wirebook.cli import main
from wirebook.errors import ERRORS
from wirebook.structure import definition_schema

CASES = Path(__file__).parent / "cases"
BASE = CASES / "_base"
UPDATE = os.environ.get("WIREBOOK_UPDATE_CASES") == "1"
# These also run as real processes: the console script, its exit code and its stderr.
SUBPROCESS_CASES = (
    "yaml_unclosed_bracket",
    "several_errors_in_several_files",
    "lint_findings_fail_check",
)


def case_folders() -> list[Path]:
    return sorted(p for p in CASES.iterdir() if p.is_dir() and not p.name.startswith("_"))


@dataclass(frozen=True)
class Outcome:
    code: int
    stdout: str
    stderr: str


def tree_digest(root: Path) -> dict[str, str]:
    """Every file under ``root`` (relative path → sha256); empty when ``root`` does not exist."""
    if not root.exists():
        return {}
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@contextlib.contextmanager
def working_directory(path: Path) -> Iterator[None]:
    before = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(before)


def run_in_process(case: Path, *args: str) -> Outcome:
    """``wirebook ARGS`` from the case folder, so that messages say ``schema/protocol.yaml``."""
    out, err = io.StringIO(), io.StringIO()
    with working_directory(case), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return Outcome(code, out.getvalue(), err.getvalue())


def wirebook_command() -> list[str]:
    script = Path(sys.executable).with_name("wirebook")
    return [str(script)] if script.exists() else [sys.executable, "-m", "wirebook.cli"]


def run_subprocess(case: Path, *args: str) -> Outcome:
    done = subprocess.run(
        [*wirebook_command(), *args], cwd=case, capture_output=True, text=True, check=False
    )
    return Outcome(done.returncode, done.stdout, done.stderr)


def command_of(case: Path) -> str:
    file = case / "command"
    return file.read_text(encoding="utf-8").strip() if file.exists() else "generate"


def run_case(case: Path, out: Path, subprocess_run: bool = False) -> Outcome:
    """Run the case's command; for `check`, on a tree that `generate` just wrote."""
    run = run_subprocess if subprocess_run else run_in_process
    command = command_of(case)
    assert command in ("generate", "check"), f"{case.name}/command: unknown command {command!r}"
    if command == "check":
        prepared = run(case, "generate", "--schema", "schema", "--out", str(out))
        assert prepared.code == 0, prepared.stderr
    before = tree_digest(out)
    outcome = run(case, command, "--schema", "schema", "--out", str(out))
    assert tree_digest(out) == before, f"{case.name}: {command} changed {out}"
    if command == "generate":  # not even a scratch folder beside it may be left
        assert not any(out.parent.iterdir()), f"{case.name}: generate wrote despite errors"
    return outcome


def check_outcome(case: Path, outcome: Outcome) -> None:
    expected_file = case / "stderr.txt"
    if UPDATE:
        expected_file.write_text(outcome.stderr, encoding="utf-8")
    assert "Traceback" not in outcome.stderr
    assert outcome.code == 1, f"{case.name}: exit code {outcome.code}\n{outcome.stderr}"
    assert expected_file.exists(), f"{case.name}: no stderr.txt (WIREBOOK_UPDATE_CASES=1 writes it)"
    assert outcome.stderr == expected_file.read_text(encoding="utf-8")


@pytest.mark.parametrize("case", case_folders(), ids=lambda p: p.name)
def test_case(case: Path, tmp_path: Path) -> None:
    check_outcome(case, run_case(case, tmp_path / "generated"))


@pytest.mark.parametrize("name", SUBPROCESS_CASES)
def test_case_as_a_process(name: str, tmp_path: Path) -> None:
    case = CASES / name
    outcome = run_case(case, tmp_path / "generated", subprocess_run=True)
    assert "Traceback" not in outcome.stderr
    assert outcome.code == 1
    assert outcome.stderr == (case / "stderr.txt").read_text(encoding="utf-8")


def test_there_are_enough_cases() -> None:
    assert len(case_folders()) >= 30


def test_every_case_has_a_schema_folder_and_an_expected_stderr() -> None:
    for case in case_folders():
        assert (case / "schema").is_dir(), f"{case.name}: no schema/ folder"
        assert (case / "stderr.txt").is_file() or UPDATE, f"{case.name}: no stderr.txt"


def test_the_base_that_cases_copy_is_valid_and_lint_clean(tmp_path: Path) -> None:
    """Each case breaks one thing: the protocol it starts from has no problem of its own."""
    out = tmp_path / "generated"
    outcome = run_in_process(BASE, "generate", "--schema", "schema", "--out", str(out))
    assert (outcome.code, outcome.stderr) == (0, "")
    outcome = run_in_process(BASE, "check", "--schema", "schema", "--out", str(out))
    assert (outcome.code, outcome.stderr) == (0, "")


def test_every_error_names_a_place_and_has_a_hint() -> None:
    """`file:line:col: error: …` followed by a hint, in every expected output."""
    for case in case_folders():
        lines = (case / "stderr.txt").read_text(encoding="utf-8").splitlines()
        for i, line in enumerate(lines):
            if ": error:" in line or ": warning[" in line:
                where = (case.name, line)
                assert line.startswith("schema/") or "no definition files" in line, where
                assert i + 1 < len(lines) and lines[i + 1].startswith("    hint: "), where


def test_silencing_every_finding_lets_check_pass(tmp_path: Path) -> None:
    """The lint case again, with its remaining rules silenced under `protocol:`: check passes."""
    case = tmp_path / "case"
    shutil.copytree(CASES / "lint_findings_fail_check" / "schema", case / "schema")
    definitions = case / "schema" / "protocol.yaml"
    text = definitions.read_text(encoding="utf-8")
    assert "  wire:\n" in text
    silenced = "  lint: {ignore: [WB101, WB102, WB104, WB105]}\n  wire:\n"
    definitions.write_text(text.replace("  wire:\n", silenced, 1), encoding="utf-8")
    out = tmp_path / "generated"
    for command in ("generate", "check"):
        outcome = run_in_process(case, command, "--schema", "schema", "--out", str(out))
        assert (outcome.code, outcome.stderr) == (0, ""), command


# The base protocol's one payload field, after which a variant adds its own.
FIELD = "      room_id: {type: RoomId, description: The room to join.}\n"


def base_variant(tmp_path: Path, edit: Callable[[str], str]) -> Path:
    """A case folder holding the base protocol with ``edit`` made to its text."""
    case = tmp_path / "case"
    shutil.copytree(BASE / "schema", case / "schema")
    definitions = case / "schema" / "protocol.yaml"
    definitions.write_text(edit(definitions.read_text(encoding="utf-8")), encoding="utf-8")
    return case


def test_a_colon_of_a_wire_type_is_written_as_a_tilde_in_its_file_name(tmp_path: Path) -> None:
    """Socket.IO-style types (`room:join`) stay on the wire; Windows refuses `:` in file names."""
    joined = "  - type: room:join\n    summary: Join\n    examples: [{payload: {}}]\nserver:\n"
    case = base_variant(tmp_path, lambda text: text.replace("server:\n", joined, 1))
    out = tmp_path / "generated"
    outcome = run_in_process(case, "generate", "--schema", "schema", "--out", str(out))
    assert outcome.code == 0, outcome.stderr
    schema = json.loads((out / "schemas" / "client" / "room~join.schema.json").read_text("utf-8"))
    assert schema["$id"] == "https://example.com/mini/client/room~join.schema.json"
    assert not any(":" in p.name for p in out.rglob("*"))


# Kinds that no case folder can show, and the unit test that does instead.
SHOWN_ELSEWHERE = {"WB002": "tests/test_load.py: files that are not UTF-8, or cannot be read"}


def test_every_kind_of_definition_error_is_shown_by_a_case() -> None:
    shown = {
        found
        for folder in case_folders()
        for found in re.findall(r"error\[(WB\d+)\]", (folder / "stderr.txt").read_text("utf-8"))
    }
    known = {kind.id for kind in ERRORS}
    assert shown <= known, f"unknown IDs: {shown - known}"
    assert known - shown == set(SHOWN_ELSEWHERE)


def test_the_readme_lists_every_kind_of_definition_error() -> None:
    readme = (Path(__file__).parent.parent / "README.md").read_text("utf-8")
    for kind in ERRORS:
        assert f"| {kind.id} | {kind.name} | {kind.reason} |" in readme, kind.id


def test_editors_document_every_key_of_a_type_and_a_message() -> None:
    """The YAML language server shows each key's `description` as it completes the key."""
    defs = definition_schema()["$defs"]
    specs = {
        **{f"message.{k}": v for k, v in defs["message"]["properties"].items()},
        **{f"fieldSpec.{k}": v for k, v in defs["fieldSpec"]["properties"].items()},
        **{
            f"fieldSpec.keys.{k}": v
            for k, v in defs["fieldSpec"]["properties"]["keys"]["properties"].items()
        },
    }
    # a `$ref` alone takes the description of what it refers to
    assert [key for key, spec in specs.items() if not {"description", "$ref"} & spec.keys()] == []


def test_the_format_spells_every_keyword_an_invalid_example_can_fail_on() -> None:
    """The bundles' unions and maps fail on `oneOf` and the map keywords: `expect` takes them."""
    keywords = definition_schema()["$defs"]["expect"]["properties"]["keyword"]["enum"]
    assert {"oneOf", "propertyNames", "minProperties", "maxProperties"} <= set(keywords)


def test_the_readmes_example_of_the_type_shapes_is_a_valid_definition(tmp_path: Path) -> None:
    """README's "Unions, maps, any JSON, recursion" example, with the base's header, compiles."""
    readme = (Path(__file__).parent.parent / "README.md").read_text("utf-8")
    shown = readme.split("### Unions, maps, any JSON, recursion\n", 1)[1]
    found = re.search(r"```yaml\n(.*?)```", shown, re.DOTALL)
    assert found is not None
    base = (BASE / "schema" / "protocol.yaml").read_text("utf-8")
    header, rest = base.split("types:\n", 1)
    base_types, rest = rest.split("client:\n", 1)
    base_client, server = rest.split("server:\n", 1)
    example = found.group(1).replace("types:\n", "types:\n" + base_types, 1)
    example = example.replace("client:\n", "client:\n" + base_client, 1)
    case = tmp_path / "case"
    (case / "schema").mkdir(parents=True)
    text = f"{header}{example}\nserver:\n{server}"
    (case / "schema" / "protocol.yaml").write_text(text, encoding="utf-8")
    outcome = run_in_process(case, "generate", "--schema", "schema", "--out", str(tmp_path / "out"))
    assert outcome.code == 0, outcome.stderr
    assert "error" not in outcome.stderr


def test_an_empty_key_on_a_line_of_its_own_is_no_comma_trap(tmp_path: Path) -> None:
    """Only a flow mapping holds two keys on one line: a block mapping's `b:` is a plain typo."""
    block = "      note:\n        type: string\n        description: a\n        b:\n"
    case = base_variant(tmp_path, lambda text: text.replace(FIELD, FIELD + block, 1))
    outcome = run_in_process(case, "generate", "--schema", "schema", "--out", str(tmp_path / "o"))
    assert "unknown key 'b' in client message 'join_room', field 'note'\n" in outcome.stderr
    assert "quote the text" not in outcome.stderr


def test_a_field_named_like_a_keyword_is_a_field(tmp_path: Path) -> None:
    """A member named `$ref` is a name in `properties`, not a reference to wrap in `allOf`."""
    keyword = "      $ref: {type: string, required: false, description: Named like a keyword.}\n"
    case = base_variant(
        tmp_path,
        lambda text: text.replace(FIELD, FIELD + keyword, 1).replace(
            "{room_id: general}", "{room_id: general, $ref: x}", 1
        ),
    )
    out = tmp_path / "generated"
    outcome = run_in_process(case, "generate", "--schema", "schema", "--out", str(out))
    assert outcome.code == 0, outcome.stderr
    schema = json.loads((out / "schemas" / "client" / "join_room.schema.json").read_text("utf-8"))
    payload = schema["$defs"]["JoinRoomPayload"]["properties"]
    assert payload["$ref"] == {"type": "string", "description": "Named like a keyword."}

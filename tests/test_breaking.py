"""``wirebook breaking``: the before/after case folders of ``tests/breaking/`` (sqlc style), the
soundness of every verdict against the reference validator, OLD as a git revision, and the
command's formats and exit codes.

A case folder holds ``before/`` (definitions, or the published bundles ``client.schema.json`` and
``server.schema.json``), ``after/`` (definitions) and ``expected.txt``, exactly what
``wirebook breaking --against before --schema after`` prints. Adding a case is adding a folder.
Rewrite the expected files on purpose, then review the diff:

    WIREBOOK_UPDATE_BREAKING=1 .venv/bin/pytest tests/test_breaking.py
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from mutants import ANY_KIND, Mutator
from test_cases import run_in_process
from wirebook import ir
from wirebook.breaking.judge import Finding, Verdict, judge
from wirebook.breaking.rules import RULES
from wirebook.breaking.versions import Version, VersionError, from_definitions
from wirebook.cli import main
from wirebook.pipeline import compile_definitions
from wirebook.problems import Problem
from wirebook.reference import ReferenceValidator

CASES = Path(__file__).parent / "breaking"
UPDATE = os.environ.get("WIREBOOK_UPDATE_BREAKING") == "1"
COMMAND = ("breaking", "--against", "before", "--schema", "after")


def case_folders() -> list[Path]:
    return sorted(p for p in CASES.iterdir() if p.is_dir())


def definition_cases() -> list[Path]:
    return [p for p in case_folders() if any((p / "before").glob("*.yaml"))]


def breaks(stdout: str) -> bool:
    return re.search(r"(client|server) messages break", stdout) is not None


# --- the case folders


@pytest.mark.parametrize("case", case_folders(), ids=lambda p: p.name)
def test_case(case: Path) -> None:
    outcome = run_in_process(case, *COMMAND)
    expected = case / "expected.txt"
    if UPDATE:
        expected.write_text(outcome.stdout, encoding="utf-8")
    assert outcome.stderr == ""
    assert outcome.stdout == expected.read_text(encoding="utf-8")
    assert outcome.code == (1 if breaks(outcome.stdout) else 0)


def test_every_rule_has_a_case() -> None:
    shown = {
        m.group(1)
        for case in case_folders()
        for m in re.finditer(r"\[(WB2\d\d) ", (case / "expected.txt").read_text(encoding="utf-8"))
    }
    assert shown == {rule.id for rule in RULES}


def test_each_edit_is_made_in_both_directions() -> None:
    """The same edit on a client message and on a server message: safe one way, breaking the
    other (or, for a default or an uncertain pattern, both)."""
    names = {case.name for case in case_folders()}
    client = {n.removeprefix("client_") for n in names if n.startswith("client_")}
    server = {n.removeprefix("server_") for n in names if n.startswith("server_")}
    assert client == server
    # a change both ways: another value or type (each side has one the other refuses), a member
    # new and required (clients must send it, old clients refuse it), a member gone (old clients
    # send it, and expect it), a pattern whose widening no probe proves, a default
    both_ways = {
        "const_changed",
        "string_changed_to_integer",
        "required_member_added",
        "required_member_removed",
        "pattern_widened",
        "default_changed",
    }
    for edit in client:
        client_breaks = breaks((CASES / f"client_{edit}" / "expected.txt").read_text())
        server_breaks = breaks((CASES / f"server_{edit}" / "expected.txt").read_text())
        if edit in both_ways:
            assert client_breaks and server_breaks, edit
        else:
            assert client_breaks != server_breaks, edit


# --- soundness: what the verdicts claim, shown by messages


def sender_receiver(direction: ir.Direction, old: Version, new: Version) -> tuple[Version, Version]:
    """Old clients send client messages to the new server; the new server sends server messages
    to old clients."""
    return (old, new) if direction == "client" else (new, old)


def shapes_of(version: Version) -> list[dict[ir.Direction, dict[str, Any]]]:
    """A version's schemas of each shape (its wire versions of one shape share them)."""
    return list({id(shape): shape for shape in version.wire.values()}.values())


def schema_values(version: Version) -> list[Any]:
    """Every enum and const value of a version's schemas."""
    found: list[Any] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "enum" and isinstance(value, list):
                    found.extend(value)
                elif key == "const":
                    found.append(value)
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    for shape in shapes_of(version):
        for by_type in shape.values():
            for schema in by_type.values():
                walk(schema)
    return found


def wire_version(message: Any, sender: Version) -> int | None:
    """The wire version a message is sent in: its `v`, or the sender's default without one (a
    `v` that names no version is refused by every version: it is judged in the default's)."""
    v = message.get("v") if isinstance(message, dict) else None
    if isinstance(v, int | float) and not isinstance(v, bool) and float(v).is_integer():
        return int(v)
    return sender.default


def sent_messages(
    direction: ir.Direction, sender: ir.Protocol, protocols: list[ir.Protocol], mutator: Mutator
) -> Iterator[Any]:
    """The sender's examples, their mutants, and each with a member that either version declares
    and the example lacks, of every kind."""
    declared: dict[str, set[str]] = {}
    for protocol in protocols:
        for m in protocol.direction(direction):
            declared.setdefault(m.type, set()).update(f.name for f in m.fields)
    for message in sender.direction(direction):
        for example in message.examples:
            wire = example.message
            assert isinstance(wire, dict)
            yield wire
            yield from (mutant.message for mutant in mutator.mutants(message, wire))
            payload = wire.get("payload", {})
            assert isinstance(payload, dict)
            for name in sorted(declared.get(message.type, set()) - payload.keys()):
                for value in [*ANY_KIND, *mutator.extra]:
                    yield {**wire, "payload": {**payload, name: value}}


def covers(finding: str, problem: str) -> bool:
    """Whether a problem at ``problem`` is at or under ``finding`` (``*``: any item)."""
    if not finding:
        return True
    want, got = finding.split("/")[1:], problem.split("/")[1:]
    return len(got) >= len(want) and all(w in ("*", g) for w, g in zip(want, got, strict=False))


@dataclass(frozen=True)
class Shown:
    message: Any
    problems: list[Problem]


def shown_breaks(case: Path, verdict: Verdict) -> dict[ir.Direction, list[Shown]]:
    """Per direction: the messages the sender's version accepts and the receiver's refuses."""
    old, new = from_definitions(case / "before"), from_definitions(case / "after")
    assert old.protocol is not None and new.protocol is not None
    protocols = [old.protocol, new.protocol]
    witnesses = [f.witness for f in verdict.findings if f.has_witness]
    extra = {json.dumps(v): v for v in [*witnesses, *schema_values(old), *schema_values(new)]}
    schemas = [
        schema
        for version in (old, new)
        for shape in shapes_of(version)
        for by_type in shape.values()
        for schema in by_type.values()
    ]
    mutator = Mutator(protocols, schemas, extra.values(), sized=True)
    shown: dict[ir.Direction, list[Shown]] = {}
    for direction in ir.DIRECTIONS:
        sender, receiver = sender_receiver(direction, old, new)
        assert sender.protocol is not None
        # per wire version both support: the sender's schemas of it, and the receiver's
        validators: dict[int, tuple[ReferenceValidator, ReferenceValidator]] = {}
        for both in sender.wire.keys() & receiver.wire.keys():
            validators[both] = (
                ReferenceValidator({direction: sender.wire[both][direction]}),
                ReferenceValidator({direction: receiver.wire[both][direction]}),
            )
        seen: set[str] = set()
        shown[direction] = []
        for message in sent_messages(direction, sender.protocol, protocols, mutator):
            text = json.dumps(message, sort_keys=True)
            sent_in = wire_version(message, sender)
            pair = None if sent_in is None else validators.get(sent_in)
            if text in seen or pair is None:  # a version only one of them supports
                continue
            seen.add(text)
            accepts, refuses = pair
            if accepts.validate(direction, message):
                continue
            if problems := refuses.validate(direction, message):
                shown[direction].append(Shown(message, problems))
    return shown


def _describe(finding: Finding) -> str:
    return (
        f"{finding.rule.id} {finding.direction} {finding.types} {finding.pointer}: {finding.text}"
    )


@pytest.mark.parametrize("case", definition_cases(), ids=lambda p: p.name)
def test_verdicts_are_shown_by_messages(case: Path) -> None:
    """A direction judged compatible: every message its sender's version accepts (examples and
    their mutants) passes the receiver's version. A finding of a breaking rule: some such
    message fails the receiver's version at that member, unless the rule says why no message can
    show it. And every failure shown is at the member of some finding."""
    for side in ("before", "after"):  # a case is made of valid definitions, examples included
        compile_definitions(case / side)
    verdict = judge(from_definitions(case / "before"), from_definitions(case / "after"))
    shown = shown_breaks(case, verdict)
    for direction in ir.DIRECTIONS:
        found = [f for f in verdict.findings if f.direction == direction]
        for finding in found:
            if finding.rule.category == "uncertain" or finding.rule.unshown:
                continue
            assert any(
                covers(finding.pointer, p.pointer) for s in shown[direction] for p in s.problems
            ), f"no message shows {_describe(finding)}"
        for s in shown[direction]:
            explained = [p for p in s.problems if any(covers(f.pointer, p.pointer) for f in found)]
            assert explained, (
                f"{direction}: {json.dumps(s.message)} is sent and now refused "
                f"({s.problems[0].pointer}: {s.problems[0].message}), and no finding says so"
            )


# --- OLD as a git revision


def git(repo: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
    }
    done = subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, check=True, env=env
    )
    return done.stdout


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """An empty repository."""
    git(tmp_path, "init", "-q", "-b", "main")
    return tmp_path


def commit_schema(repo: Path, source: Path, tag: str | None = None) -> None:
    shutil.rmtree(repo / "schema", ignore_errors=True)
    shutil.copytree(source, repo / "schema")
    git(repo, "add", "schema")
    git(repo, "commit", "-q", "-m", f"schema from {source.parent.name}/{source.name}")
    if tag:
        git(repo, "tag", tag)


@pytest.mark.parametrize(
    "name", ["client_member_made_required", "server_message_added", "wire_v1_dropped"]
)
def test_against_a_git_revision(repo: Path, name: str) -> None:
    case = CASES / name
    commit_schema(repo, case / "before", tag="v1")
    commit_schema(repo, case / "after")
    expected = (case / "expected.txt").read_text(encoding="utf-8")
    expected = expected.replace("before/", "v1:schema/").replace("after/", "schema/")
    outcome = run_in_process(repo, "breaking", "--against", "v1")
    assert (outcome.code, outcome.stdout, outcome.stderr) == (1, expected, "")
    # the uncommitted working tree against the last commit: the same definitions
    assert run_in_process(repo, "breaking", "--against", "HEAD").code == 0


def test_git_revision_of_a_subfolder(repo: Path) -> None:
    """--schema names a folder below the repository's top; the revision is read there."""
    case = CASES / "client_max_length_lowered"
    (repo / "spec").mkdir()
    shutil.copytree(case / "before", repo / "spec" / "defs")
    git(repo, "add", "spec")
    git(repo, "commit", "-q", "-m", "v1")
    shutil.rmtree(repo / "spec" / "defs")
    shutil.copytree(case / "after", repo / "spec" / "defs")
    outcome = run_in_process(repo / "spec", "breaking", "--against", "HEAD", "--schema", "defs")
    assert outcome.code == 1
    assert "defs/protocol.yaml:34:7: breaking[WB215 length-narrowed]" in outcome.stdout
    assert "    was: HEAD:spec/defs/protocol.yaml:34:7" in outcome.stdout


def test_a_revision_without_the_folder_is_a_usage_error(repo: Path) -> None:
    (repo / "README").write_text("first\n")
    git(repo, "add", "README")
    git(repo, "commit", "-q", "-m", "no schema yet")
    commit_schema(repo, CASES / "documentation_changed" / "after")
    outcome = run_in_process(repo, "breaking", "--against", "HEAD~1")
    assert outcome.code == 2
    assert outcome.stderr == (
        "wirebook breaking: error: --against HEAD~1: schema/ does not exist at that revision\n"
    )


def test_neither_folder_nor_revision_is_a_usage_error(repo: Path) -> None:
    commit_schema(repo, CASES / "documentation_changed" / "after")
    outcome = run_in_process(repo, "breaking", "--against", "no-such-thing")
    assert (outcome.code, outcome.stdout) == (2, "")
    assert outcome.stderr == (
        "wirebook breaking: error: --against no-such-thing: neither a folder nor a git "
        "revision of this repository\n"
    )


# --- the command


def test_json_format() -> None:
    outcome = run_in_process(CASES / "correlation_renamed", *COMMAND, "--format", "json")
    document = json.loads(outcome.stdout)
    assert outcome.code == 1
    assert document["compatible"] is False
    assert document["directions"] == {"client": "breaks", "server": "breaks"}
    first = document["findings"][0]
    assert first == {
        "rule": "WB203",
        "name": "member-removed",
        "category": "breaking",
        "direction": "client",
        "messages": ["join_room", "post"],
        "pointer": "/ref",
        "change": "removed",
        "versions": [],
        "why": "Old clients may send this member; unknown members are refused.",
        "location": {"file": "after/protocol.yaml", "line": 2, "column": 1},
        "old_location": {"file": "before/protocol.yaml", "line": 2, "column": 1},
        "acknowledged": None,
    }
    assert outcome.stderr.startswith("against before/: client messages break (1 breaking)")


def test_json_locations_in_published_bundles() -> None:
    outcome = run_in_process(CASES / "published_breaking", *COMMAND, "--format", "json")
    document = json.loads(outcome.stdout)
    assert document["findings"][0]["old_location"] == {
        "file": "before/client.schema.json",
        "pointer": "/$defs/PostPayload/properties/text",
    }


def test_github_format() -> None:
    outcome = run_in_process(CASES / "client_member_made_required", *COMMAND, "--format", "github")
    assert outcome.stdout == (
        "::error file=after/protocol.yaml,line=30,col=11,title=WB205 member-required::"
        "client message 'post' /payload/count: required now, optional before. "
        "Old clients may leave this member out; it is now required.\n"
    )
    assert outcome.code == 1


def test_wire_versions_in_json_and_github() -> None:
    """A finding of protocols with several shapes names its wire versions, once for all."""
    case = CASES / "wire_v1_v2_same_break"
    document = json.loads(run_in_process(case, *COMMAND, "--format", "json").stdout)
    assert [(f["rule"], f["versions"]) for f in document["findings"]] == [("WB215", [1, 2])]
    outcome = run_in_process(case, *COMMAND, "--format", "github")
    assert "maxLength 200 → 100 (wire versions 1, 2). A string length" in outcome.stdout
    assert outcome.code == 1


def test_help_lists_every_rule(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["breaking", "--help"])
    assert stopped.value.code == 0
    shown = capsys.readouterr().out
    for rule in RULES:
        assert f"{rule.id} {rule.name} ({rule.category}" in shown


def test_broken_new_definitions_cannot_be_compared(tmp_path: Path) -> None:
    shutil.copytree(CASES / "documentation_changed" / "before", tmp_path / "before")
    (tmp_path / "after").mkdir()
    (tmp_path / "after" / "protocol.yaml").write_text("protocol: {name: x}\n")
    outcome = run_in_process(tmp_path, *COMMAND)
    assert outcome.code == 2
    assert outcome.stderr.endswith("error(s) in the definitions (after/): cannot compare them\n")


def test_a_folder_of_neither_kind_is_a_usage_error(tmp_path: Path) -> None:
    shutil.copytree(CASES / "documentation_changed" / "after", tmp_path / "after")
    (tmp_path / "before").mkdir()
    outcome = run_in_process(tmp_path, *COMMAND)
    assert outcome.code == 2
    assert "the folder holds neither definitions (*.yaml) nor published bundles" in outcome.stderr


def test_as_a_process() -> None:
    """The console script: its exit code, and no traceback."""
    done = subprocess.run(
        [sys.executable, "-m", "wirebook.cli", *COMMAND],
        cwd=CASES / "server_enum_value_added",
        capture_output=True,
        text=True,
        check=False,
    )
    assert (done.returncode, done.stderr) == (1, "")
    assert done.stdout == (CASES / "server_enum_value_added" / "expected.txt").read_text()


def test_readme_lists_every_rule() -> None:
    readme = (CASES.parent.parent / "README.md").read_text(encoding="utf-8")
    for rule in RULES:
        row = f"| {rule.id} | {rule.name} | {rule.category} | {rule.breaks} | {rule.reason} |"
        assert row in readme


def test_a_revision_outside_a_repository_is_a_usage_error(tmp_path: Path) -> None:
    shutil.copytree(CASES / "documentation_changed" / "after", tmp_path / "schema")
    outcome = run_in_process(tmp_path, "breaking", "--against", "main")
    assert (outcome.code, outcome.stdout) == (2, "")
    assert outcome.stderr == (
        "wirebook breaking: error: --against main: no such folder, and schema is not in a git "
        "repository\n"
    )


def test_bundles_of_one_direction_are_not_enough(tmp_path: Path) -> None:
    shutil.copytree(CASES / "published_compatible", tmp_path, dirs_exist_ok=True)
    (tmp_path / "before" / "server.schema.json").unlink()
    outcome = run_in_process(tmp_path, *COMMAND)
    assert (outcome.code, outcome.stdout) == (2, "")
    assert outcome.stderr == (
        "wirebook breaking: error: before/server.schema.json: no such file (the bundles "
        "`wirebook generate` publishes)\n"
    )


def test_broken_definitions_at_a_revision_are_named_as_there(repo: Path) -> None:
    shutil.copytree(CASES / "documentation_changed" / "before", repo / "schema")
    (repo / "schema" / "protocol.yaml").write_text("protocol: {name: x}\n")
    git(repo, "add", "schema")
    git(repo, "commit", "-q", "-m", "broken")
    commit_schema(repo, CASES / "documentation_changed" / "after")
    outcome = run_in_process(repo, "breaking", "--against", "HEAD~1")
    assert outcome.code == 2
    assert outcome.stderr.startswith("HEAD~1:schema/protocol.yaml:1:1: error[")
    assert outcome.stderr.endswith("in the definitions (HEAD~1:schema/): cannot compare them\n")


# --- random edits: what no finding names, no message shows


_NUMBER = re.compile(r"\b(minLength|maxLength|minimum|maximum|maxItems|maxEntries): (\d+)")
# one edit of a line that holds the first text: the second replaced by one of the others
_EDITS: list[tuple[str, str, list[str]]] = [
    ("required: false", ", required: false", [""]),
    ("enum: [", "enum: [happy, sad]", ["enum: [happy]", "enum: [happy, sad, calm]"]),
    ("type: string,", "type: string,", ["type: string, nullable: true,"]),
    ("nullable: true", "nullable: true, ", [""]),
    ("type: integer", "type: integer", ["type: number", "type: string"]),
    ("string | integer", "string | integer", ["string | integer | boolean", "string", "number"]),
    ("union: [", "[Image, File, Sound]", ["[Image, File]", "[File, Sound]"]),
    ("RoomId:", "^[a-z0-9_]+$", ["^[a-z0-9]+$", "^[a-z0-9_-]+$", "[a-z]"]),
    ("type: map", "values: integer", ["values: number", "values: string", "values: boolean"]),
    ("type: any", "type: any", ["type: any_object", "type: string"]),
]


def random_edit(text: str, rng: random.Random) -> str:
    lines = text.split("\n")
    for _ in range(rng.randint(1, 3)):
        i = rng.choice(
            [i for i, line in enumerate(lines) if re.match(r"  ( {4}\w+|RoomId):", line)]
        )
        if (numbers := list(_NUMBER.finditer(lines[i]))) and rng.random() < 0.4:
            m = rng.choice(numbers)
            value = max(0, int(m.group(2)) + rng.choice([-3, -1, 1, 5]))
            lines[i] = lines[i][: m.start(2)] + str(value) + lines[i][m.end(2) :]
            continue
        for where, old, new in rng.sample(_EDITS, len(_EDITS)):
            if where in lines[i] and old in lines[i]:
                lines[i] = lines[i].replace(old, rng.choice(new), 1)
                break
    return "\n".join(lines)


def test_random_edits_break_nothing_unseen(tmp_path: Path) -> None:
    """Seeded edits of a protocol with every shape: a message that the sender's version accepts
    and the receiver's refuses is always at the member of some finding (soundness of "compatible"
    and of each report's completeness; showing every finding needs examples of each shape, which
    the case folders have)."""
    text = (CASES / "client_union_alternative_added" / "before" / "protocol.yaml").read_text()
    rng, judged = random.Random(20261126), 0
    for attempt in range(60):
        if judged == 10:
            break
        (tmp_path / "before").mkdir(exist_ok=True)
        (tmp_path / "after").mkdir(exist_ok=True)
        (tmp_path / "before" / "protocol.yaml").write_text(text)
        (tmp_path / "after" / "protocol.yaml").write_text(random_edit(text, rng))
        try:
            old, new = from_definitions(tmp_path / "before"), from_definitions(tmp_path / "after")
        except VersionError:  # an edit that makes no protocol (a minimum above its maximum)
            continue
        judged += 1
        verdict = judge(old, new)
        shown = shown_breaks(tmp_path, verdict)
        for direction in ir.DIRECTIONS:
            found = [f for f in verdict.findings if f.direction == direction]
            for s in shown[direction]:
                assert any(covers(f.pointer, p.pointer) for f in found for p in s.problems), (
                    f"attempt {attempt}: {json.dumps(s.message)} is refused now "
                    f"({s.problems[0].pointer}: {s.problems[0].message}), and no finding says so"
                )
    assert judged == 10

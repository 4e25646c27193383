"""The guarantees of the `wirebook` command, through real processes on copies of the repository's
``schema/`` and ``generated/``: deterministic output equal to the committed tree, a `check` that
catches every kind of drift, and no write at all when something is wrong.
"""

from __future__ import annotations

import difflib
import hashlib
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from wirebook.lint import RULES

ROOT = Path(__file__).resolve().parent.parent
SCHEMA, GENERATED = ROOT / "schema", ROOT / "generated"
LOCATION = re.compile(r"^schema/[\w.-]+\.yaml:\d+:\d+: error\[WB0\d\d\]: ", re.MULTILINE)


@dataclass(frozen=True)
class Run:
    code: int
    stdout: str
    stderr: str


def wirebook_command() -> list[str]:
    script = Path(sys.executable).with_name("wirebook")
    return [str(script)] if script.exists() else [sys.executable, "-m", "wirebook.cli"]


def start(cwd: Path, *args: str, hash_seed: str = "0") -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    return subprocess.Popen(
        [*wirebook_command(), *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(process: subprocess.Popen[str]) -> Run:
    stdout, stderr = process.communicate()
    return Run(process.returncode, stdout, stderr)


def wirebook(cwd: Path, *args: str, hash_seed: str = "0") -> Run:
    return finish(start(cwd, *args, hash_seed=hash_seed))


def tree(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` by relative path (caches of Python runs left out)."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


def digest(root: Path) -> dict[str, str]:
    return {path: hashlib.sha256(data).hexdigest() for path, data in tree(root).items()}


def differences(expected: dict[str, bytes], actual: dict[str, bytes]) -> str:
    """Which files differ, and how the first changed one differs: the message of a failure."""
    lines = [f"missing: {p}" for p in sorted(expected.keys() - actual.keys())]
    lines += [f"extra: {p}" for p in sorted(actual.keys() - expected.keys())]
    changed = sorted(p for p in expected.keys() & actual.keys() if expected[p] != actual[p])
    lines += [f"differs: {p}" for p in changed]
    if changed:
        first = changed[0]
        diff = difflib.unified_diff(
            expected[first].decode("utf-8", "replace").splitlines(),
            actual[first].decode("utf-8", "replace").splitlines(),
            f"expected/{first}",
            f"actual/{first}",
            lineterm="",
        )
        lines += list(diff)[:40]
    return "\n".join(lines)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the repository's definitions and generated tree, to break at will."""
    shutil.copytree(SCHEMA, tmp_path / "schema")
    shutil.copytree(GENERATED, tmp_path / "generated", ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{path.name} no longer contains {old!r}: update this test"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


# ---------------------------------------------------------------- determinism and golden record


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """`wirebook generate` twice, in parallel, under different hash seeds."""
    work = tmp_path_factory.mktemp("two-runs")
    shutil.copytree(SCHEMA, work / "schema")
    runs = [
        start(work, "generate", "--schema", "schema", "--out", out, hash_seed=seed)
        for out, seed in (("first", "1"), ("second", "4242"))
    ]
    for run in map(finish, runs):
        assert run.code == 0, run.stderr
    return work / "first", work / "second"


def test_two_runs_under_different_hash_seeds_give_byte_identical_trees(
    two_runs: tuple[Path, Path],
) -> None:
    first, second = two_runs
    assert tree(first), "nothing was generated"
    assert tree(first) == tree(second), differences(tree(first), tree(second))


def test_generating_gives_exactly_the_committed_tree(two_runs: tuple[Path, Path]) -> None:
    """The golden record: `generated/` is what the definitions give, file by file."""
    expected, actual = tree(GENERATED), tree(two_runs[0])
    assert actual == expected, "run `make generate` and review the diff:\n" + differences(
        expected, actual
    )


# ---------------------------------------------------------------- check


def test_check_passes_on_the_repository() -> None:
    run = wirebook(ROOT, "check")
    assert run.code == 0, run.stderr
    assert run.stdout.startswith("ok: ")


def test_check_fails_after_an_edit_of_the_definitions_that_was_not_regenerated(
    project: Path,
) -> None:
    edit(project / "schema" / "client.yaml", "summary: Join a room", "summary: Enter a room")
    run = wirebook(project, "check")
    assert run.code == 1
    assert "generated/schemas/client/join_room.schema.json: out of date" in run.stderr
    assert "run `make generate`" in run.stderr


def test_check_fails_after_a_hand_edit_of_a_generated_file(project: Path) -> None:
    docs = project / "generated" / "docs" / "protocol.md"
    docs.write_text(docs.read_text(encoding="utf-8") + "\nA note by hand.\n", encoding="utf-8")
    run = wirebook(project, "check")
    assert run.code == 1
    assert "generated/docs/protocol.md: out of date" in run.stderr


def test_check_fails_on_a_stray_file_in_the_generated_tree(project: Path) -> None:
    (project / "generated" / "schemas" / "extra.schema.json").write_text("{}\n", encoding="utf-8")
    run = wirebook(project, "check")
    assert run.code == 1
    assert "generated/schemas/extra.schema.json: not generated from the definitions" in run.stderr


# ---------------------------------------------------------------- nothing is written on errors


def test_a_broken_definition_leaves_the_generated_tree_untouched(project: Path) -> None:
    edit(project / "schema" / "client.yaml", "replies: [pong]", "replies: [pong, pnog]")
    edit(project / "schema" / "server.yaml", "    summary: Keep-alive response\n", "")
    before = digest(project / "generated")
    run = wirebook(project, "generate")
    assert run.code == 1
    assert "Traceback" not in run.stderr
    assert LOCATION.search(run.stderr), run.stderr
    assert "did you mean 'pong'?" in run.stderr
    assert "server message 'pong' has no `summary`" in run.stderr  # both files, one run
    assert "nothing was written" in run.stderr
    assert digest(project / "generated") == before
    assert sorted(p.name for p in project.iterdir()) == ["generated", "schema"]  # no scratch


def test_generate_refuses_to_delete_a_file_that_a_person_wrote(project: Path) -> None:
    notes = project / "generated" / "docs" / "notes.md"
    notes.write_text("# Our notes on the protocol\n", encoding="utf-8")
    before = digest(project / "generated")
    run = wirebook(project, "generate")
    assert run.code == 1
    assert "generated/docs/notes.md was not written by wirebook" in run.stderr
    assert digest(project / "generated") == before


def test_the_handler_skeleton_is_written_once_and_never_overwritten(project: Path) -> None:
    handlers = project / "app" / "handlers.py"
    first = wirebook(project, "generate", "--handlers", "app/handlers.py")
    assert first.code == 0, first.stderr
    skeleton = handlers.read_text(encoding="utf-8")
    assert "class Handlers(" in skeleton
    mine = skeleton + "\n# filled in by a person\n"
    handlers.write_text(mine, encoding="utf-8")
    second = wirebook(project, "generate", "--handlers", "app/handlers.py")
    assert second.code == 0, second.stderr
    assert "kept app/handlers.py" in second.stdout
    assert handlers.read_text(encoding="utf-8") == mine


# ---------------------------------------------------------------- help


HIJACKED = (
    "another program answered: datamodel_code_generator.__main__ acts on sys.argv when it is "
    "imported (import it inside the function that runs it)"
)


@pytest.mark.parametrize(
    "args", [(), ("generate",), ("check",)], ids=["wirebook", "generate", "check"]
)
def test_help(args: tuple[str, ...]) -> None:
    run = wirebook(ROOT, *args, "--help")
    assert run.code == 0, run.stderr
    assert run.stdout.startswith(" ".join(("usage: wirebook", *args))), HIJACKED
    if args == ("check",):
        for rule in RULES:
            assert f"{rule.id} {rule.name}" in run.stdout


def test_version() -> None:
    run = wirebook(ROOT, "--version")
    assert run.code == 0, run.stderr
    assert run.stdout.startswith("wirebook "), HIJACKED


# ---------------------------------------------------------------- closed, full and broken streams
# Each case is a real process under bash's own redirections. A command that cannot write what it
# must say fails in one line on the other stream, with exit code 2 (as for a usage error).

MINI_SCHEMA = ROOT / "tests" / "cases" / "_base" / "schema"
CLOSED = "wirebook: error: standard {} is closed; nothing was done\n"
CANNOT = "wirebook: error: cannot write to standard {} ({})\n"
FULL = "No space left on device"
CHECKED = "ok: 3 messages, 3 examples checked, generated/ up to date\n"


@dataclass(frozen=True)
class Streams:
    """What ``wirebook ARGS REDIRECTION`` must do, in a folder prepared as ``setup`` says."""

    args: str
    redirection: str
    code: int
    stdout: str
    stderr: str
    setup: str = "none"  # or "fresh" (a generated tree), "stale" (one with an edit), "broken"
    buffered: bool = False  # Python's own buffering of the streams, which the user may set


STREAM_CASES = [
    Streams("generate", ">&-", 2, "", CLOSED.format("output")),
    Streams("generate", "2>&-", 2, CLOSED.format("error"), ""),
    Streams("check", ">&-", 2, "", CLOSED.format("output"), "fresh"),
    Streams("check", "2>&-", 2, CLOSED.format("error"), "", "fresh"),
    Streams("check", ">/dev/full", 2, "", CANNOT.format("output", FULL), "fresh"),
    Streams("check", ">/dev/full", 2, "", CANNOT.format("output", FULL), "fresh", buffered=True),
    Streams("generate", ">/dev/full", 2, "", CANNOT.format("output", FULL)),
    Streams("check", "2>/dev/full", 2, CANNOT.format("error", FULL), "", "stale"),
    Streams("generate", "2>/dev/full", 2, CANNOT.format("error", FULL), "", "broken"),
    Streams("generate", "<&-", 0, "wrote 11 files to generated/ (11 changed)\n", ""),
    Streams("check", "<&-", 0, CHECKED, "", "fresh"),
    Streams("--help", ">/dev/full", 2, "", CANNOT.format("output", FULL)),
    Streams("--help", ">/dev/full", 2, "", CANNOT.format("output", FULL), buffered=True),
    Streams("--version", ">&-", 2, "", CLOSED.format("output")),
    Streams("generate --bogus", "2>/dev/full", 2, CANNOT.format("error", FULL), ""),
]


def prepare(folder: Path, setup: str) -> None:
    shutil.copytree(MINI_SCHEMA, folder / "schema")
    if setup in ("fresh", "stale"):
        assert wirebook(folder, "generate").code == 0
    if setup == "stale":
        edit(folder / "generated" / "docs" / "protocol.md", "Mini protocol", "Maxi protocol")
    if setup == "broken":
        edit(folder / "schema" / "protocol.yaml", "type: RoomId", "type: RoomID")


def environment(buffered: bool) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    return env if buffered else {**env, "PYTHONUNBUFFERED": "1"}


@pytest.mark.parametrize(
    "case",
    STREAM_CASES,
    ids=lambda c: f"{c.args} {c.redirection} {c.setup}" + " buffered" * c.buffered,
)
def test_a_closed_or_full_stream_fails_in_one_line(case: Streams, tmp_path: Path) -> None:
    prepare(tmp_path, case.setup)
    before = digest(tmp_path / "generated") if case.setup != "none" else {}
    command = " ".join([*wirebook_command(), case.args, case.redirection])
    done = subprocess.run(
        ["bash", "-c", command],
        cwd=tmp_path,
        env=environment(case.buffered),
        capture_output=True,
        text=True,
    )
    assert (done.returncode, done.stdout, done.stderr) == (case.code, case.stdout, case.stderr)
    if "closed" in case.stdout + case.stderr:  # found before doing anything
        after = digest(tmp_path / "generated") if (tmp_path / "generated").exists() else {}
        assert after == before


@pytest.mark.parametrize("args", ["generate", "check", "--help"])
def test_a_broken_pipe_fails_in_one_line(args: str, tmp_path: Path) -> None:
    """What `wirebook … | head -0` gives once head has gone: a pipe that nobody reads."""
    prepare(tmp_path, "fresh" if args == "check" else "none")
    read, write = os.pipe()
    os.close(read)
    try:
        done = subprocess.run(
            [*wirebook_command(), args], cwd=tmp_path, stdout=write, stderr=subprocess.PIPE
        )
    finally:
        os.close(write)
    assert done.returncode == 2
    assert done.stderr.decode() == CANNOT.format("output", "Broken pipe")


def test_an_output_folder_that_cannot_be_written_fails_in_one_line(tmp_path: Path) -> None:
    prepare(tmp_path, "none")
    (tmp_path / "file").write_text("not a folder\n")
    run = wirebook(tmp_path, "generate", "--out", "file/generated")
    assert run.code == 2
    assert run.stderr == (
        "wirebook generate: error: cannot write file (File exists); nothing was written\n"
    )

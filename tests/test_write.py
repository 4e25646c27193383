"""How `wirebook generate` replaces its output folder: whole or not at all, even when it is killed
at any instant or another run writes the same folder at once, and with no scratch file elsewhere.

The runs are real processes on the small protocol that the definition cases start from
(``tests/cases/_base``): its "old" definitions, and "new" ones where every generated file but one
differs, so that a tree mixed from both shows.
"""

from __future__ import annotations

import fcntl
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from wirebook.write import generating, write_once

ROOT = Path(__file__).resolve().parent.parent
BASE_SCHEMA = ROOT / "tests" / "cases" / "_base" / "schema"


def wirebook_command() -> list[str]:
    script = Path(sys.executable).with_name("wirebook")
    return [str(script)] if script.exists() else [sys.executable, "-m", "wirebook.cli"]


def tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


@dataclass(frozen=True)
class Protocol:
    """Old and new definitions of one protocol, and the trees that they give."""

    old: Path
    new: Path
    broken: Path  # the new ones with an error: a run that stops before writing anything
    old_tree: dict[str, bytes]
    new_tree: dict[str, bytes]
    seconds: float  # how long one `generate` took here


@pytest.fixture(scope="module")
def protocol(tmp_path_factory: pytest.TempPathFactory) -> Protocol:
    work = tmp_path_factory.mktemp("definitions")
    old, new, broken = work / "old", work / "new", work / "broken"
    shutil.copytree(BASE_SCHEMA, old)
    shutil.copytree(BASE_SCHEMA, new)
    text = (new / "protocol.yaml").read_text(encoding="utf-8")
    assert "version: 1.0.0" in text and "example.com/mini/" in text, "update this fixture"
    text = text.replace("version: 1.0.0", "version: 1.1.0").replace("/mini/", "/mini-1.1/")
    (new / "protocol.yaml").write_text(text, encoding="utf-8")
    shutil.copytree(new, broken)
    (broken / "protocol.yaml").write_text(text.replace("type: RoomId", "type: RoomID", 1))
    trees = []
    for definitions in (old, new):
        started = time.monotonic()
        done = subprocess.run(
            [*wirebook_command(), "generate", "--schema", definitions, "--out", work / "out"],
            capture_output=True,
            text=True,
        )
        seconds = time.monotonic() - started
        assert done.returncode == 0, done.stderr
        trees.append(tree(work / "out"))
    differing = [p for p in trees[0] if trees[0][p] != trees[1].get(p)]
    assert len(differing) >= len(trees[0]) - 1, differing
    return Protocol(old, new, broken, trees[0], trees[1], seconds)


def start(*args: str | Path, cwd: Path | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*wirebook_command(), *map(str, args)],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def put_old_tree(out: Path, protocol: Protocol) -> None:
    if out.exists():
        shutil.rmtree(out)
    for rel, data in protocol.old_tree.items():
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_bytes(data)


def which_tree(out: Path, protocol: Protocol) -> str:
    """ "old" or "new"; fails the test on anything else."""
    found = tree(out) if out.exists() else None
    assert found in (protocol.old_tree, protocol.new_tree), (
        f"{out} is neither the old tree nor the new one: "
        + ("missing" if found is None else f"files {sorted(found)}")
    )
    return "old" if found == protocol.old_tree else "new"


def assert_clean_after_a_full_run(out: Path, protocol: Protocol) -> None:
    """A run to its end puts the new tree, and removes what killed runs left beside it."""
    done = subprocess.run(
        [*wirebook_command(), "generate", "--schema", protocol.new, "--out", out],
        capture_output=True,
        text=True,
    )
    assert (done.returncode, done.stderr) == (0, "")
    assert which_tree(out, protocol) == "new"
    assert [p.name for p in out.parent.iterdir()] == [out.name]


# ---------------------------------------------------------------- killed at any instant


def test_a_generate_killed_at_any_instant_leaves_the_old_tree_or_the_new_one(
    tmp_path: Path, protocol: Protocol
) -> None:
    """SIGKILL at random instants: half over the whole run, half just after the new tree starts
    being written beside the output folder (the writing lasts milliseconds of a half-second run)."""
    out = tmp_path / "parent" / "generated"
    rng = random.Random(8)
    kills = 0
    for attempt in range(24):
        put_old_tree(out, protocol)
        process = start("generate", "--schema", protocol.new, "--out", out)
        if attempt % 2:
            deadline = time.monotonic() + 10 * protocol.seconds
            while process.poll() is None and time.monotonic() < deadline:
                if any(out.parent.glob(f".{out.name}.wirebook-run-*/tree")):
                    time.sleep(rng.uniform(0, 0.02))
                    break
                time.sleep(0.0005)
        else:
            time.sleep(rng.uniform(0, 1.1 * protocol.seconds))
        killed = process.poll() is None
        process.kill()
        _, stderr = process.communicate()
        assert killed or process.returncode == 0, stderr
        which_tree(out, protocol)
        kills += killed
    assert kills, "every run ended before its kill: nothing was tested"
    assert_clean_after_a_full_run(out, protocol)


# A `wirebook generate` that kills itself with SIGKILL as it is about to make its n-th change to
# the files around the output folder (what Python's audit events show: creating, renaming, removing,
# locking; and looking up renameat2, just before calling it). Changes inside the scratch folder's
# tree/ and tmp/ are left out: they are all alike, before the swap. n = 0 never kills and prints
# how many changes there were.
HARNESS = """
import os, signal, sys

work, kill_at, fallback = os.path.realpath(sys.argv[1]), int(sys.argv[2]), sys.argv[3] == "1"
EVENTS = {"open", "os.mkdir", "os.rename", "os.link", "os.remove", "os.rmdir", "shutil.rmtree",
          "tempfile.mkdtemp", "fcntl.flock", "os.truncate", "ctypes.dlsym"}
changes = 0

def depth(path):
    if isinstance(path, int):  # a file descriptor
        return 0
    full = os.path.realpath(os.fsdecode(path))
    return len(os.path.relpath(full, work).split(os.sep)) if full.startswith(work) else 0

def hook(event, args):
    global changes
    if event not in EVENTS:
        return
    if event == "open":
        if not args[2] & (os.O_WRONLY | os.O_RDWR | os.O_CREAT) or not 0 < depth(args[0]) <= 2:
            return
    elif event in ("os.rename", "os.link"):
        if not (0 < depth(args[0]) <= 2 or 0 < depth(args[1]) <= 2):
            return
    elif event in ("os.mkdir", "os.remove", "os.rmdir", "shutil.rmtree", "tempfile.mkdtemp"):
        dir_fd = args[-1] if event != "tempfile.mkdtemp" else -1
        if dir_fd not in (None, -1) or not 0 < depth(args[0]) <= 2:
            return  # (a path relative to a folder being removed)
    changes += 1
    if changes == kill_at:
        os.kill(os.getpid(), signal.SIGKILL)

sys.addaudithook(hook)
import wirebook.write
if fallback:  # as where renameat2 does not exist
    wirebook.write._exchange = lambda a, b: False
from wirebook.cli import main
code = main(sys.argv[4:])
if kill_at == 0:
    print(changes, file=sys.stderr)
sys.exit(code)
"""


def run_harness(
    work: Path, kill_at: int, fallback: bool, *args: str | Path
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", HARNESS, work, str(kill_at), str(int(fallback)), *map(str, args)],
        capture_output=True,
        text=True,
    )


def reset(out: Path, protocol: Protocol) -> None:
    """The old tree, and nothing of earlier runs beside it: each run of the harness then makes the
    same changes in the same order."""
    for leftover in out.parent.glob(f".{out.name}.wirebook-*"):
        if leftover.is_dir():
            shutil.rmtree(leftover)
        else:
            leftover.unlink()
    put_old_tree(out, protocol)


def test_a_generate_killed_at_each_change_it_makes_leaves_the_old_tree_or_the_new_one(
    tmp_path: Path, protocol: Protocol
) -> None:
    out, handlers = tmp_path / "generated", tmp_path / "app" / "handlers.py"
    args = ("generate", "--schema", protocol.new, "--out", out, "--handlers", handlers)
    reset(out, protocol)
    counted = run_harness(tmp_path, 0, False, *args)
    assert counted.returncode == 0, counted.stderr
    changes = int(counted.stderr)
    assert changes >= 10, "the harness no longer sees the writing: update its EVENTS"
    skeleton = handlers.read_text()
    seen = set()
    for kill_at in range(1, changes + 1):
        handlers.unlink(missing_ok=True)
        reset(out, protocol)
        killed = run_harness(tmp_path, kill_at, False, *args)
        assert killed.returncode == -signal.SIGKILL, (kill_at, killed.stderr)
        seen.add(which_tree(out, protocol))
        assert not handlers.exists() or handlers.read_text() == skeleton, "a partial skeleton"
    assert seen == {"old", "new"}, "no kill fell between the old tree and the new one"
    shutil.rmtree(handlers.parent)
    assert_clean_after_a_full_run(out, protocol)


def test_where_the_tree_cannot_be_exchanged_in_one_step_the_next_run_puts_the_old_one_back(
    tmp_path: Path, protocol: Protocol
) -> None:
    """The fallback, killed at each change: between its two renames there is no output folder,
    and the next run (here one that stops on an error in the definitions) puts the old one back."""
    out = tmp_path / "generated"
    args = ("generate", "--schema", protocol.new, "--out", out)
    reset(out, protocol)
    counted = run_harness(tmp_path, 0, True, *args)
    assert counted.returncode == 0, counted.stderr
    missing = 0
    for kill_at in range(1, int(counted.stderr) + 1):
        reset(out, protocol)
        killed = run_harness(tmp_path, kill_at, True, *args)
        assert killed.returncode == -signal.SIGKILL, (kill_at, killed.stderr)
        if out.exists():
            which_tree(out, protocol)
            continue
        missing += 1
        after = subprocess.run(
            [*wirebook_command(), "generate", "--schema", protocol.broken, "--out", out],
            capture_output=True,
            text=True,
        )
        assert after.returncode == 1, after.stderr
        put_back = f"put back {out}/ as it was before a `wirebook generate` that was cut short"
        assert put_back in after.stderr
        assert which_tree(out, protocol) == "old"
        assert [p.name for p in tmp_path.iterdir()] == ["generated"]
    assert missing == 1, "the fallback has one instant without an output folder, not more"


# ---------------------------------------------------------------- two runs at once


def test_two_generates_on_one_folder_at_once_both_succeed_and_leave_it_whole(
    tmp_path: Path, protocol: Protocol
) -> None:
    out = tmp_path / "parent" / "generated"
    waiting = f"waiting for another `wirebook generate` writing {out}/"
    for attempt in range(20):
        if attempt % 2:
            put_old_tree(out, protocol)
        elif out.exists():
            shutil.rmtree(out)
        runs = [start("generate", "--schema", protocol.new, "--out", out) for _ in range(2)]
        for run in runs:
            stdout, stderr = run.communicate()
            assert run.returncode == 0, stderr
            assert stdout.startswith(f"wrote {len(protocol.new_tree)} files to {out}/"), stdout
            assert stderr == "" or stderr.startswith(waiting), stderr
        assert which_tree(out, protocol) == "new"
        assert [p.name for p in out.parent.iterdir()] == [out.name], "scratch or lock left"
    check = subprocess.run(
        [*wirebook_command(), "check", "--schema", protocol.new, "--out", out],
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stderr


def test_a_generate_waits_for_the_run_that_holds_the_folder_and_says_so(
    tmp_path: Path, protocol: Protocol
) -> None:
    out = tmp_path / "generated"
    lock = tmp_path / ".generated.wirebook-lock"
    fd = os.open(lock, os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.write(fd, f"{os.getpid()}\n".encode())
        process = start("generate", "--schema", protocol.new, "--out", out)
        time.sleep(3 * protocol.seconds)
        assert process.poll() is None, "it did not wait"
        assert not out.exists()
    finally:
        os.unlink(lock)  # as a run that ends does
        os.close(fd)
    _, stderr = process.communicate()
    assert process.returncode == 0, stderr
    assert stderr == (
        f"waiting for another `wirebook generate` writing {out}/ (process {os.getpid()}) "
        "to finish\n"
    )
    assert which_tree(out, protocol) == "new"


# ---------------------------------------------------------------- scratch files


def test_generate_writes_nothing_outside_the_output_folder_s_parent(
    tmp_path: Path, protocol: Protocol
) -> None:
    """Not in the working folder (ruff's cache), not in the temporary folder, not beside the
    skeleton: every scratch file is in a folder beside the output folder, and gone at the end."""
    cwd, temporary, parent, app = (tmp_path / name for name in ("cwd", "tmp", "parent", "app"))
    for folder in (cwd, temporary, app):
        folder.mkdir()
    env = {**os.environ, "TMPDIR": str(temporary)}
    for command in (
        ["generate", "--out", parent / "generated", "--handlers", app / "handlers.py"],
        ["check", "--out", parent / "generated"],
    ):
        done = subprocess.run(
            [*wirebook_command(), *map(str, command), "--schema", protocol.new],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stderr
        assert list(cwd.iterdir()) == [], "a file in the working folder"
        assert list(temporary.iterdir()) == [], "a file in the temporary folder"
        assert [p.name for p in parent.iterdir()] == ["generated"]
        assert [p.name for p in app.iterdir()] == ["handlers.py"]


def test_the_next_run_removes_what_a_killed_run_left_and_nothing_else(
    tmp_path: Path, protocol: Protocol
) -> None:
    out = tmp_path / "generated"
    put_old_tree(out, protocol)
    leftover = tmp_path / ".generated.wirebook-run-k1lled00"
    (leftover / "tree" / "docs").mkdir(parents=True)
    (leftover / "tree" / "docs" / "protocol.md").write_text("half")
    (leftover / "tmp").mkdir()
    (tmp_path / ".generated.wirebook-lock").write_text("12345\n")  # a killed run's lock file
    person = tmp_path / ".generated.wirebook-run-notes"
    person.mkdir()
    (person / "notes.md").write_text("# mine\n")
    done = subprocess.run(
        [*wirebook_command(), "generate", "--schema", protocol.new, "--out", out],
        capture_output=True,
        text=True,
    )
    assert (done.returncode, done.stderr) == (0, "")
    assert sorted(p.name for p in tmp_path.iterdir()) == [person.name, "generated"]
    assert (person / "notes.md").read_text() == "# mine\n"


# ---------------------------------------------------------------- the handler skeleton


def test_the_skeleton_is_written_whole_and_never_over_a_file_that_exists(tmp_path: Path) -> None:
    mine = tmp_path / "app" / "handlers.py"
    with generating(tmp_path / "generated", notice=print) as run:
        assert write_once(mine, "# Generated by wirebook\nfirst\n", run)
        assert not write_once(mine, "# Generated by wirebook\nsecond\n", run)
    assert mine.read_text() == "# Generated by wirebook\nfirst\n"
    assert [p.name for p in mine.parent.iterdir()] == ["handlers.py"]
    assert list(tmp_path.iterdir()) == [mine.parent]


def test_a_skeleton_on_another_file_system_is_written_whole_too(tmp_path: Path) -> None:
    shm = Path("/dev/shm")
    if not shm.is_dir() or shm.stat().st_dev == tmp_path.stat().st_dev:
        pytest.skip("needs /dev/shm on another file system than the temporary folder")
    elsewhere = Path(os.path.realpath(shm)) / f"wirebook-test-{os.getpid()}"
    try:
        with generating(tmp_path / "generated", notice=print) as run:
            assert write_once(elsewhere / "handlers.py", "# Generated by wirebook\n", run)
            assert not write_once(elsewhere / "handlers.py", "# another\n", run)
        assert [p.name for p in elsewhere.iterdir()] == ["handlers.py"]
        assert (elsewhere / "handlers.py").read_text() == "# Generated by wirebook\n"
    finally:
        shutil.rmtree(elsewhere, ignore_errors=True)

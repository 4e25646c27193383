"""`wirebook validate` on files, folders and stdin: verdicts, words, formats, exit codes."""

from __future__ import annotations

import io
import json
import os
import pickle
import random
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from wire_corpus import INVALID, ROOT, SCHEMA_DIR, VALID
from wirebook.cli import main
from wirebook.validate import reader, run
from wirebook.validate.engine import Validator

SCHEMA = str(ROOT / "schema")


def validate(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    code = main(["validate", "--schema", SCHEMA, "--jobs", "1", *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


def write_lines(path: Path, lines: list[bytes]) -> Path:
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def reported_lines(out: str, name: Path) -> set[int]:
    prefix = f"{name}:"
    return {
        int(line[len(prefix) :].split(":", 1)[0])
        for line in out.splitlines()
        if line.startswith(prefix)
    }


# --- the examples of schema/ -------------------------------------------------------------------


def test_every_example_is_valid(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for index, case in enumerate(VALID):
        folder = tmp_path / case.message.direction
        folder.mkdir(exist_ok=True)
        (folder / f"{index:03}.json").write_text(json.dumps(case.example.message))
    for direction in ("client", "server"):
        count = len(list((tmp_path / direction).iterdir()))
        code, out, _ = validate(capsys, "--direction", direction, tmp_path / direction)
        assert code == 0
        assert out.splitlines()[0] == f"{count} messages read from {count} inputs: all valid"


def test_every_invalid_example_is_reported_where_it_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for direction in ("client", "server"):
        cases = [c for c in INVALID if c.example.direction == direction]
        folder = tmp_path / direction
        folder.mkdir()
        for index, case in enumerate(cases):
            (folder / f"{index:03}.json").write_text(case.text)
        code, out, _ = validate(capsys, "--direction", direction, "--format", "json", folder)
        records = {Path(r["file"]).name: r for r in map(json.loads, out.splitlines())}
        assert code == 1
        assert len(records) == len(cases)
        for index, case in enumerate(cases):
            errors = records[f"{index:03}.json"]["errors"]
            expected = {"pointer": case.example.pointer, "keyword": case.example.keyword}
            assert expected in [{k: e[k] for k in ("pointer", "keyword")} for e in errors]


def test_the_seeds_anti_patterns_are_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = write_lines(
        tmp_path / "anti.jsonl",
        [
            b'{"content": "Hello"}',
            b'{"type": "chat", "payload": "Hello"}',
            b'{"chat": {"content": "Hello"}}',
            b"Error occurred",
        ],
    )
    code, out, _ = validate(capsys, "--direction", "client", log)
    assert code == 1
    assert out.splitlines()[:4] == [
        f"{log}:1: (no type): /type: missing required field 'type' (every message names its type)",
        f'{log}:2: chat: /payload: expected object, got string "Hello"',
        f"{log}:3: (no type): /type: missing required field 'type' (every message names its type)",
        f"{log}:4: (no type): /: not JSON: unexpected character, expected a JSON value: "
        "line 1 column 1 (char 0)",
    ]


# --- hostile input -----------------------------------------------------------------------------

PING = b'{"type":"ping"}'
HOSTILE: list[tuple[bytes, str]] = [
    (b"not json", "not JSON: "),
    (b'{"type":"ping",\xff"x":1}', "not JSON: not UTF-8 (byte 0xff at offset 15)"),
    (b"\xef\xbb\xbf" + PING, "not JSON: starts with a UTF-8 byte-order mark"),
    (b'{"type":"ping","v":NaN}', "not JSON: NaN is not a JSON number"),
    (b'{"type":"ping","v":Infinity}', "not JSON: Infinity is not a JSON number"),
    (b'{"type":"ping","v":-Infinity}', "not JSON: -Infinity is not a JSON number"),
    (b"[" + PING + b"]", "/: a message must be a JSON object, got array"),
    (b'"ping"', "/: a message must be a JSON object, got string"),
    (b"null", "/: a message must be a JSON object, got null"),
    (b'{"type":"ping","type":"pong"}', "/type: the key 'type' appears more than once"),
    (
        b'{"type":"join_room","payload":{"room_id":"a","room_id":"b"}}',
        "/payload/room_id: the key 'room_id' appears more than once",
    ),
    (b'{"type":"ping","payload":' + b"[" * 300 + b"]" * 300 + b"}", "nested more than 200 levels"),
    (b"[" * 5000 + b"]" * 5000, "nested more than 200 levels deep: refused unread"),
    (
        b'{"a":' * 100_000 + b"1" + b"}" * 100_000,
        "nested more than 200 levels deep: refused unread",
    ),
    (
        b'{"type":"ping","v":18446744073709551616}',
        "/v: expected one of 1, got 18446744073709551616",
    ),
    (b'{"type":"ping","v":1e400}', "/: the number 1e400 is beyond the range of a 64-bit float"),
    (  # a number too long for orjson: the standard library reads it, and the escape, which
        # orjson refuses and the standard library takes as a surrogate code point
        b'{"type":"join_room","v":1' + b"0" * 400 + b',"payload":{"room_id":"\\ud800"}}',
        "/payload/room_id: not JSON: a string holds U+D800, a surrogate code point",
    ),
    (
        b'{"type":"ping","v":1' + b"0" * 5000 + b"}",
        "/: a number too long to read: Exceeds the limit",
    ),
    (b"", "empty: no JSON value"),
    (b"   ", "empty: no JSON value"),
]


def test_hostile_lines_are_reported_and_reading_goes_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = [PING]
    for text, _ in HOSTILE:
        lines.extend([text, PING])
    log = write_lines(tmp_path / "hostile.jsonl", lines)
    code, out, _ = validate(capsys, log)
    assert code == 1
    for index, (_, words) in enumerate(HOSTILE):
        number = 2 * index + 2
        [reported] = [line for line in out.splitlines() if line.startswith(f"{log}:{number}:")]
        assert words in reported
    assert reported_lines(out, log) == {2 * i + 2 for i in range(len(HOSTILE))}
    assert f"{len(lines)} messages read from 1 input: {len(HOSTILE)} invalid" in out


def test_an_integer_beyond_64_bits_is_a_number_like_any_other(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    big = b'{"type":"room_update","payload":{"room_id":"general","users":%d}}'
    lines = [big % 2**70, big % 10**400]  # beyond a 64-bit integer; beyond a 64-bit float
    code, out, _ = validate(capsys, write_lines(tmp_path / "big.jsonl", lines))
    assert (code, out.splitlines()[0]) == (0, "2 messages read from 1 input: all valid")
    lines = [big % -(2**70), big % -(10**400)]  # and below the minimum: said so, exactly
    code, out, _ = validate(capsys, write_lines(tmp_path / "big.jsonl", lines))
    assert code == 1
    assert f"got {-(2**70)}" in out.splitlines()[0]
    shortened = "-1" + "0" * 55 + "..."  # a value is shown with 60 characters at most
    assert out.splitlines()[1].endswith(f"/payload/users: expected at least 0, got {shortened}")


def test_a_message_over_max_bytes_is_not_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    long = b'{"type":"chat","payload":{"content":"' + b"x" * 3_000_000 + b'"}}'
    log = write_lines(tmp_path / "long.jsonl", [PING, long, PING, b"[" * 2_500_000])
    code, out, _ = validate(capsys, "--max-bytes", "1000", log)
    assert code == 1
    assert out.splitlines()[:2] == [
        f"{log}:2: (no type): /: {len(long)} bytes, more than --max-bytes 1000: not read as JSON",
        f"{log}:4: (no type): /: 2500000 bytes, more than --max-bytes 1000: not read as JSON",
    ]
    json_file = tmp_path / "long.json"
    json_file.write_bytes(long)
    code, out, _ = validate(capsys, "--max-bytes", "1000", json_file)
    assert out.startswith(f"{json_file}:1: (no type): /: {len(long)} bytes, more than")


def test_a_truncated_last_line_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = tmp_path / "cut.jsonl"
    log.write_bytes(PING + b"\n" + b'{"type":"chat","payl')
    code, out, _ = validate(capsys, log)
    assert code == 1
    assert out.splitlines()[0].endswith("(the input ends inside this message: truncated?)")
    log.write_bytes(PING + b"\n" + PING)  # a last line without newline is fine when whole
    assert validate(capsys, log)[0] == 0


# --- protocol sources, formats, inputs ---------------------------------------------------------


def mixed_log(tmp_path: Path) -> Path:
    return write_lines(
        tmp_path / "mixed.jsonl",
        [
            PING,
            b'{"type":"chat","payload":{"room_id":"General"}}',
            b'{"type":"chat_messages"}',
            b'{"type":"chat","payload":{"from":"u1","content":"Hi"}}',
            b'{"type":"ack","payload":{"ref":"r","status":"lost"}}',
        ],
    )


def test_published_bundles_alone_give_the_same_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bundles = tmp_path / "bundles"
    for folder in ("", "v1/"):  # the current version's, and version 1's
        (bundles / folder).mkdir()
        for name in ("client.schema.json", "server.schema.json"):
            shutil.copy(SCHEMA_DIR / folder / name, bundles / folder / name)
    log = mixed_log(tmp_path)
    from_definitions = validate(capsys, log)
    assert main(["validate", "--published", str(bundles), "--jobs", "1", str(log)]) == 1
    assert capsys.readouterr() == from_definitions[1:]
    out = from_definitions[1]
    assert f"{log}:2: client chat: /payload/content: missing required field 'content'" in out
    assert f"{log}:2: server chat: /payload/from: missing required field 'from'" in out
    assert (
        f'{log}:5: ack: /payload/status: expected one of "ok", "delivered", "error", got "lost"'
        in out
    )
    assert reported_lines(out, log) == {2, 3, 5}


def test_json_format_writes_one_record_per_invalid_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, out, err = validate(capsys, "--format", "json", mixed_log(tmp_path))
    records = [json.loads(line) for line in out.splitlines()]
    assert [(r["line"], r["type"]) for r in records] == [
        (2, "chat"),
        (3, "chat_messages"),
        (5, "ack"),
    ]
    assert records[2]["errors"] == [
        {
            "direction": "server",
            "pointer": "/payload/status",
            "keyword": "enum",
            "message": 'expected one of "ok", "delivered", "error", got "lost"',
        }
    ]
    assert "5 messages read from 1 input: 3 invalid" in err


def test_github_format_writes_workflow_annotations(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = mixed_log(tmp_path)
    _, out, err = validate(capsys, "--format", "github", log)
    annotations = out.splitlines()
    assert all(line.startswith(f"::error file={log},line=") for line in annotations)
    assert annotations[-1] == (
        f"::error file={log},line=5,title=invalid message (enum)::{log}:5: ack: /payload/status: "
        'expected one of "ok", "delivered", "error", got "lost"'
    )
    assert "3 invalid" in err


def test_standard_input_is_json_lines(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "wirebook.cli", "validate", "--schema", SCHEMA, "-"],
        input=mixed_log(tmp_path).read_bytes(),
        capture_output=True,
        check=False,
    )
    assert done.returncode == 1
    assert done.stdout.decode().splitlines()[0] == (
        "<stdin>:2: client chat: /payload/content: missing required field 'content'"
    )


def test_folders_are_searched_recursively_in_order(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "b" / "deep").mkdir(parents=True)
    (tmp_path / ".hidden").mkdir()
    (tmp_path / "a.json").write_bytes(b'{"type":"nope"}')
    write_lines(tmp_path / "b" / "deep" / "c.ndjson", [PING, b"[]"])
    write_lines(tmp_path / "b" / "c.jsonl", [b"{}"])
    (tmp_path / "b" / "notes.txt").write_text("not a message")
    (tmp_path / ".hidden" / "x.json").write_text("not a message")
    code, out, _ = validate(capsys, tmp_path)
    assert code == 1
    assert [line.split(": ")[0] for line in out.splitlines()[:3]] == [
        f"{tmp_path / 'a.json'}:1",
        f"{tmp_path / 'b' / 'c.jsonl'}:1",
        f"{tmp_path / 'b' / 'deep' / 'c.ndjson'}:2",
    ]
    assert "4 messages read from 3 inputs: 3 invalid" in out


def test_the_output_is_the_same_for_any_number_of_processes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = [mixed_log(tmp_path).read_bytes().splitlines()[i % 5] for i in range(400)]
    log = write_lines(tmp_path / "many.jsonl", lines)
    monkeypatch.setattr(reader, "BLOCK", 1000)  # many blocks in a task: lines counted across them
    one = validate(capsys, log, tmp_path / "mixed.jsonl")
    assert reported_lines(one[1], log) == {n for n in range(1, 401) if n % 5 in (2, 3, 0)}
    monkeypatch.setattr(reader, "TASK_BYTES", 3000)  # many tasks, to shuffle the work
    code = main(
        ["validate", "--schema", SCHEMA, "--jobs", "2", str(log), str(tmp_path / "mixed.jsonl")]
    )
    assert (code, *capsys.readouterr()) == one


def test_the_summary_counts_types_and_error_kinds(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, out, _ = validate(capsys, mixed_log(tmp_path))
    summary = [line.split() for line in out.splitlines()[-10:]]
    assert summary == [
        ["5", "messages", "read", "from", "1", "input:", "3", "invalid"],
        ["type", "read", "invalid"],
        ["(unknown", "type)", "1", "1"],
        ["ack", "1", "1"],
        ["chat", "2", "1"],
        ["ping", "1", "0"],
        ["error", "kind", "count"],
        ["required", "3"],
        ["enum", "2"],
        ["pattern", "2"],
    ]


# --- usage and input problems: exit 2 ----------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["missing.jsonl"], "missing.jsonl: no such file or folder"),
        (["--schema", "nowhere", "{log}"], "no definitions folder at nowhere"),
        (["--published", "nowhere", "{log}"], "nowhere: no such folder"),
        (["--published", "{empty}", "{log}"], "no client.schema.json or server.schema.json"),
        (["--published", "{broken}", "{log}"], "cannot read the schema"),
        (
            ["--published", "{client_only}", "--direction", "server", "{log}"],
            "the schemas have no server messages",
        ),
        (["{empty}"], "no .json, .jsonl, .ndjson files"),
    ],
)
def test_usage_and_input_problems_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], words: str
) -> None:
    places: dict[str, Any] = {"log": mixed_log(tmp_path)}
    for name in ("empty", "broken", "client_only"):
        places[name] = tmp_path / name
        places[name].mkdir()
    (places["broken"] / "client.schema.json").write_text("{not json")
    shutil.copy(SCHEMA_DIR / "client.schema.json", places["client_only"])
    argv = ["validate", "--jobs", "1", *(a.format(**places) for a in args)]
    if "--published" not in args and "--schema" not in args:
        argv[1:1] = ["--schema", SCHEMA]
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert words in err
    assert out == ""


def test_an_unreadable_schema_folder_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "schema"
    broken.mkdir()
    (broken / "protocol.yaml").write_text("protocol: [\n")
    assert main(["validate", "--schema", str(broken), str(mixed_log(tmp_path))]) == 2
    assert "error(s) in the definitions" in capsys.readouterr().err


def test_help_explains_the_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["validate", "--help"])
    text = capsys.readouterr().out
    for words in (
        "--direction {client,server,any}",
        "--published DIR",
        "--format {text,json,github}",
        "--max-bytes N",
        "exit codes: 0",
        "path:line: <type>: <JSON pointer>",
    ):
        assert words in text


def test_the_pre_commit_hook_runs_this_command_on_message_files() -> None:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    [hook] = [h for h in hooks if h["id"] == "wirebook-validate"]
    assert (hook["id"], hook["entry"], hook["language"]) == (
        "wirebook-validate",
        "wirebook validate",
        "python",
    )
    matches = [bool(re.search(hook["files"], n)) for n in ("a.json", "b.jsonl", "c.ndjson", "d.py")]
    assert matches == [True, True, True, False]


# --- what is echoed is escaped -----------------------------------------------------------------


def test_text_output_escapes_control_characters_in_what_it_echoes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    forged = json.dumps({"type": "x\nfixtures/ok.jsonl:9: all good"}).encode()
    log = write_lines(
        tmp_path / "a\nb\x1b[2J.jsonl",  # a file name with a newline and a terminal command
        [
            forged,
            b'{"type":"ping","payload":{"\\u001b[31mred":1}}',
            '{"type":"ping","\u202eevil":1,"line\u2028break":2}'.encode(),
        ],
    )
    code, out, _ = validate(capsys, log)
    assert code == 1
    shown = str(tmp_path / "a\\nb\\x1b[2J.jsonl")
    lines = out.splitlines()
    assert lines[0] == (
        f"{shown}:1: x\\nfixtures/ok.jsonl:9: all good: /type: unknown client or server message "
        "type 'x\\nfixtures/ok.jsonl:9: all good' in wire version 1; known types: ack, chat, "
        "chat_message, connected, error, join_room, leave_room, ping, pong, room_update, "
        "subscribe, typing, unsubscribe, user_joined, user_left"
    )
    assert lines[1].startswith(f"{shown}:2: ping: /payload/\\x1b[31mred: unexpected field")
    assert lines[2].startswith(f"{shown}:3: ping: /line\\u2028break: unexpected field")
    assert lines[3].startswith(f"{shown}:3: ping: /\\u202eevil: unexpected field '\\u202eevil'")
    assert lines[4] == "3 messages read from 1 input: 3 invalid"
    assert not any(c in out for c in "\x1b\u202e\u2028")


def test_input_errors_escape_the_names_they_echo(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--schema", SCHEMA, "forged\nall valid.jsonl"]) == 2
    assert capsys.readouterr().err == (
        "wirebook validate: error: forged\\nall valid.jsonl: no such file or folder\n"
    )


# --- failures: one line on standard error, exit 2 -----------------------------------------------

COMMAND = [sys.executable, "-m", "wirebook.cli", "validate", "--schema", SCHEMA]


def test_a_closed_standard_input_is_an_input_problem() -> None:
    done = subprocess.run(
        [*COMMAND, "-"], preexec_fn=lambda: os.close(0), capture_output=True, check=False
    )
    assert (done.returncode, done.stdout) == (2, b"")
    assert done.stderr == b"wirebook validate: error: -: standard input is closed\n"


@pytest.mark.parametrize("form", ["text", "json", "github"])
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_full_disk_is_said_in_one_line(tmp_path: Path, form: str, jobs: str) -> None:
    log = write_lines(tmp_path / "many.jsonl", [b'{"type":"x"}'] * 5000)
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [*COMMAND, "--format", form, "--jobs", jobs, str(log)],
            stdout=full,
            stderr=subprocess.PIPE,
            check=False,
        )
    assert done.returncode == 2
    assert done.stderr == (
        b"wirebook validate: error: cannot write to standard output: No space left on device\n"
    )


def test_a_full_disk_for_the_summary_of_a_machine_format(tmp_path: Path) -> None:
    log = write_lines(tmp_path / "one.jsonl", [b'{"type":"x"}'])
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [*COMMAND, "--format", "json", str(log)],
            stdout=subprocess.PIPE,
            stderr=full,
            check=False,
        )
    assert done.returncode == 2
    assert json.loads(done.stdout)["line"] == 1  # the records that could be written are


@pytest.mark.skipif(not Path("/proc/self/mem").exists(), reason="Linux: /proc/self/mem")
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_an_unreadable_input_exits_2_and_the_summary_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], jobs: str
) -> None:
    # /proc/self/mem fails to read at offset 0 (EIO), even for root, who reads anything else
    for name in ("mem.json", "mem.jsonl"):
        (tmp_path / name).symlink_to("/proc/self/mem")
    log = write_lines(tmp_path / "ok.jsonl", [PING])
    argv = ["validate", "--schema", SCHEMA, "--jobs", jobs, str(tmp_path / "mem.json"), str(log)]
    code = main([*argv, str(tmp_path / "mem.jsonl")])
    out, err = capsys.readouterr()
    assert code == 2
    assert err.splitlines() == [
        f"wirebook validate: error: {tmp_path / name}: cannot read: Input/output error"
        for name in ("mem.json", "mem.jsonl")
    ]
    assert out.splitlines()[0] == (
        "1 message read from 3 inputs: none invalid, and 2 inputs could not be read"
    )


# --- memory: what is found is streamed, in bounded outcomes ------------------------------------


@pytest.mark.parametrize("jobs", [1, 2])
def test_findings_travel_in_bounded_outcomes_in_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: int
) -> None:
    monkeypatch.setattr(reader, "LINES", 40)  # batches of 40 lines at most
    monkeypatch.setattr(run, "FINDINGS", 100)  # a task stops once it has found 100
    monkeypatch.setattr(reader, "TASK_BYTES", 600)
    lines = [b"" if i % 7 else PING for i in range(3000)]  # 2571 empty lines: invalid
    log = write_lines(tmp_path / "empty.jsonl", lines)
    validator = Validator.from_definitions(ROOT / "schema")
    sources, _ = reader.expand([str(log)])
    outcomes = list(run.execute(validator, sources, "any", 1 << 20, jobs))
    assert max(len(o.tally.findings) for o in outcomes) < 100 + 40
    invalid: list[int] = []
    base = 0
    for outcome in outcomes:
        invalid.extend(base + f.line for f in outcome.tally.findings)
        base += outcome.tally.read
    assert base == 3000
    assert invalid == [i for i in range(3000) if i % 7]


def test_a_region_that_stops_early_resumes_where_it_stopped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reader, "LINES", 10)
    monkeypatch.setattr(run, "FINDINGS", 25)
    lines = [b"x" * (i % 5) for i in range(100)]  # 80 invalid lines of 1 to 4 bytes, 20 empty
    log = write_lines(tmp_path / "short.jsonl", lines)
    checker = run.Checker(
        Validator.from_definitions(ROOT / "schema"), [reader.Source(str(log), "lines")], "any", 99
    )
    size = log.stat().st_size
    outcome = checker(run.Region(0, 0, size))
    assert (outcome.tally.read, len(outcome.tally.findings)) == (30, 30)
    assert outcome.rest == run.Region(0, sum(len(line) + 1 for line in lines[:30]), size)


@pytest.mark.parametrize("seed", range(20))
def test_each_batch_knows_the_bytes_its_lines_take(
    monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    """A region that stops early resumes from the batches' sizes: over-long lines skipped
    across blocks, blocks sliced into batches, and a last line without a newline included."""
    monkeypatch.setattr(reader, "BLOCK", 64)
    monkeypatch.setattr(reader, "LINES", 3)
    rng = random.Random(seed)
    lines = [b"x" * rng.choice([0, 1, 5, 30, 100, 300]) for _ in range(rng.randrange(1, 60))]
    data = b"\n".join(lines) + rng.choice([b"", b"\n"])
    found = list(reader.batches(io.BytesIO(data), 50))
    starts = [0]
    for batch in found:
        starts.append(starts[-1] + batch.size)
    assert starts[-1] == len(data) + (bool(data) and not data.endswith(b"\n"))
    for batch, start in zip(found, starts, strict=False):  # each batch's first line starts there
        first = data[start:].split(b"\n", 1)[0]
        expected = b"" if len(first) > 50 else first
        assert batch.lines[0] == expected


# Patterns that hang a backtracking matcher on a short text (issue 8, item 7): a bundle from
# elsewhere that holds one is refused whole, in one line, before any message is read.
CATASTROPHIC = ["^([a-z0-9]+-?)*$", "(a+)+$", "^(a|a)*$", "^(a|aa)+$", "([a-z]+)*!"]


@pytest.mark.parametrize("pattern", CATASTROPHIC)
def test_a_bundle_with_a_pattern_that_backtracks_for_ever_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], pattern: str
) -> None:
    bundles = tmp_path / "bundles"
    bundles.mkdir()
    for name in ("client.schema.json", "server.schema.json"):
        text = (SCHEMA_DIR / name).read_text("utf-8")
        hostile = text.replace(json.dumps("^[a-z0-9][a-z0-9_-]*$"), json.dumps(pattern))
        (bundles / name).write_text(hostile, "utf-8")
    log = write_lines(
        tmp_path / "log.jsonl",
        [b'{"type":"join_room","payload":{"room_id":"' + b"a" * 40 + b'!"}}'],
    )
    code = main(["validate", "--published", str(bundles), "--jobs", "1", str(log)])
    out, err = capsys.readouterr()
    assert (code, out) == (2, "")
    assert err.startswith(f"wirebook validate: error: the pattern {pattern!r} ")
    assert err.count("\n") == 1


def test_a_tally_travels_from_a_worker_whole() -> None:
    lines = mixed_log_lines() * 3 + [b"", b"[", b'{"type":"ack"}']
    tally = Validator.from_definitions(ROOT / "schema").check_lines(lines, "any")
    back = pickle.loads(pickle.dumps(tally))
    assert back == tally
    assert [f.line for f in back.findings] == [1, 2, 4, 6, 7, 9, 11, 12, 14, 15, 16, 17]
    assert back.findings[0].rejections is back.findings[3].rejections  # alike: packed once


def mixed_log_lines() -> list[bytes]:
    return [
        PING,
        b'{"type":"chat","payload":{"room_id":"General"}}',
        b'{"type":"chat_messages"}',
        b'{"type":"chat","payload":{"from":"u1","content":"Hi"}}',
        b'{"type":"ack","payload":{"ref":"r","status":"lost"}}',
    ]


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_each_line_is_judged_by_the_schemas_of_its_own_wire_version(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], jobs: str
) -> None:
    """Version 2 requires a chat's room, dropped `delivered` and `chat_message`, and added
    `members` and `sent_at`; a line without `v` is of version 1."""
    lines = {
        b'{"type":"chat","payload":{"content":"Hi"}}': None,
        b'{"v":2,"type":"chat","payload":{"content":"Hi","room_id":"general"}}': None,
        b'{"v":2,"type":"chat","payload":{"content":"Hi"}}': "client chat: /payload/room_id: "
        "missing required field 'room_id'",
        b'{"type":"ack","payload":{"ref":"r","status":"delivered"}}': None,
        b'{"v":2,"type":"ack","payload":{"ref":"r","status":"delivered"}}': "ack: /payload/status: "
        'expected one of "ok", "error", got "delivered"',
        b'{"type":"chat_message","payload":{"content":"Hi"}}': None,
        b'{"v":2,"type":"chat_message","payload":{"content":"Hi"}}': "chat_message: /type: unknown "
        "client or server message type 'chat_message'",
        b'{"v":2,"type":"members","payload":{"room_id":"a","users":["u"]}}': None,
        b'{"type":"members","payload":{"room_id":"a","users":["u"]}}': "members: /type: unknown "
        "client or server message type 'members'",
        b'{"type":"chat","payload":{"from":"u","content":"Hi","sent_at":5}}': "server chat: "
        "/payload/sent_at: unexpected field 'sent_at'",
        b'{"v":3,"type":"ping"}': "ping: /v: expected one of 1, got 3",
    }
    log = write_lines(tmp_path / "versions.jsonl", list(lines) * 3)  # and remembered verdicts
    code = main(["validate", "--schema", SCHEMA, "--jobs", jobs, str(log)])
    out = capsys.readouterr().out
    assert code == 1
    expected = [i for i, problem in enumerate(list(lines) * 3, 1) if lines[problem] is not None]
    assert sorted(reported_lines(out, log)) == expected
    for i, problem in enumerate(list(lines.values()) * 3, 1):
        if problem is not None:
            assert any(line.startswith(f"{log}:{i}: {problem}") for line in out.splitlines()), (
                i,
                problem,
                out,
            )

"""`wirebook validate` on a 1,000,000-message JSON Lines log, beside its floor and two baselines.

The log is generated from the example protocol's own examples (free text re-drawn at realistic
lengths, about 2% of the messages broken in the ways clients break them), written compactly as
a WebSocket capture would be, into a temporary folder. Then, whole processes, in one run:

- floor: a script that only parses each line with orjson;
- `wirebook validate --jobs 1`, and with both cores (`--jobs 2`);
- python-jsonschema routed by type (`wirebook.reference`, the reference validator), on the
  first lines of the log, extrapolated to the whole log;
- check-jsonschema on one-message files cut from the first lines (it reads no JSON Lines), with
  one schema that is either direction's bundle.

The verdicts of every engine are compared, message by message, and must agree.
Run alone: `python tests/bench/run.py validate_bench`.
"""

from __future__ import annotations

import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

if TYPE_CHECKING:
    from wirebook import ir

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
MESSAGES = 1_000_000
INVALID_SHARE = 0.02
REFERENCE_SAMPLE = 20_000
CHECK_JSONSCHEMA_SAMPLE = 1_000
RUNS = 5
# the words of the chat text: short, some accented, an emoji
WORDS = (
    "hello",
    "there",
    "how",
    "are",
    "you",
    "doing",
    "today",
    "the",
    "build",
    "is",
    "green",
    "again",
    "see",
    "you",
    "at",
    "ten",
    "ok",
    "thanks",
    "merci",
    "beaucoup",
    "à",
    "demain",
    "👍",
    "let's",
    "ship",
    "it",
    "tomorrow",
    "after",
    "the",
    "review",
    "lunch?",
)


# --- the log ------------------------------------------------------------------------------------


def _free_text_fields(protocol: ir.Protocol) -> dict[tuple[str, str], dict[str, int]]:
    """(direction, type) → its payload fields of plain text (no pattern), with their limit."""
    from wirebook import ir

    found: dict[tuple[str, str], dict[str, int]] = {}
    for message in protocol.messages:
        fields = {}
        for field in message.fields:
            spec = field.type
            if isinstance(spec, ir.RefType) and spec.name in {t.name for t in protocol.types}:
                spec = protocol.named_type(spec.name).type
            if isinstance(spec, ir.StringType) and not spec.pattern:
                limit = spec.max_length or 10_000
                if limit >= 500:
                    fields[field.name] = limit
        found[message.key] = fields
    return found


def _templates() -> list[tuple[float, str, dict[str, Any], list[str]]]:
    """(weight, direction, example, free-text fields): chat-like messages dominate a real log."""
    from wirebook.pipeline import compile_definitions

    protocol = compile_definitions(ROOT / "schema").protocol
    free = _free_text_fields(protocol)
    templates: list[tuple[float, str, dict[str, Any], list[str]]] = []
    for message in protocol.messages:
        fields = free[message.key]
        # long free text is a chat: most of the traffic; shorter text (errors, failed acks) less
        weight = 8.0 if max(fields.values(), default=0) >= 2000 else 2.0 if fields else 1.0
        for example in message.examples:
            if isinstance(example.message, dict):
                templates.append((weight, message.direction, example.message, list(fields)))
    return templates


def _text(rng: random.Random) -> str:
    words = max(1, min(int(rng.lognormvariate(2.0, 0.9)), 300))  # median 7 words, a long tail
    return " ".join(rng.choice(WORDS) for _ in range(words))


def _broken(rng: random.Random, message: dict[str, Any]) -> bytes:
    """One of the mistakes clients make, applied to a valid message."""
    payload = message.get("payload")
    kind = rng.randrange(8)
    if kind == 0 and isinstance(payload, dict) and payload:
        del payload[rng.choice(sorted(payload))]  # a missing field (or a valid optional one)
    elif kind == 1 and isinstance(payload, dict) and payload:
        payload[rng.choice(sorted(payload))] = 42  # a wrong type
    elif kind == 2:
        message.setdefault("payload", {})["extra_field"] = True  # an unknown field
    elif kind == 3:
        message["type"] = message["type"] + "_v2"  # an unknown type
    elif kind == 4:
        message["v"] = 2  # an unsupported version
    elif kind == 5:
        message["payload"] = "hello"  # a primitive payload
    elif kind == 6:
        message["ref"] = ""  # an empty correlation id
    else:
        text = orjson.dumps(message)
        return text[: len(text) // 2]  # a cut line
    return orjson.dumps(message)


def write_log(path: Path, count: int | None = None, seed: int = 7) -> None:
    count = count or MESSAGES
    rng = random.Random(seed)
    templates = _templates()
    weights = [t[0] for t in templates]
    with path.open("wb") as out:
        chunk = []
        for _ in range(count):
            _, _, example, fields = rng.choices(templates, weights)[0]
            message = json.loads(json.dumps(example))
            for name in fields:
                if name in message.get("payload", {}):
                    message["payload"][name] = _text(rng)
            if "ref" in message:
                message["ref"] = f"msg_{rng.randrange(10**6)}"
            text = _broken(rng, message) if rng.random() < INVALID_SHARE else orjson.dumps(message)
            chunk.append(text)
            if len(chunk) == 10_000:
                out.write(b"\n".join(chunk) + b"\n")
                chunk = []
        if chunk:
            out.write(b"\n".join(chunk) + b"\n")


# --- the engines, as commands of this file (so that each is a whole process) -------------------


def floor(log: str) -> None:
    loads, error = orjson.loads, orjson.JSONDecodeError
    count = 0
    with open(log, "rb") as lines:
        for line in lines:
            try:  # noqa: SIM105 (the floor: contextlib.suppress costs more than the parse)
                loads(line)
            except error:
                pass
            count += 1
    print(count)


def reference(log: str, sample: str) -> None:
    """python-jsonschema routed by type: invalid line numbers of the first ``sample`` lines."""
    from wirebook import ir
    from wirebook.pipeline import compile_definitions
    from wirebook.verify import parse_raw, reference_validator

    validator = reference_validator(compile_definitions(ROOT / "schema").schemas)
    with open(log, encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if number > int(sample):
                break
            message, problems = parse_raw(line)
            if problems or all(validator.validate(d, message) for d in ir.DIRECTIONS):
                print(number)


COMMANDS: dict[str, Callable[..., None]] = {"floor": floor, "reference": reference}


# --- measuring ----------------------------------------------------------------------------------


def _tree_rss(pid: int) -> int:
    """Resident memory of a process and its descendants, in KiB (0 once it is gone)."""
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            total += int(next(x for x in status.splitlines() if x.startswith("VmRSS:")).split()[1])
            for task in Path(f"/proc/{current}/task").iterdir():
                todo.extend(map(int, (task / "children").read_text().split()))
        except (OSError, StopIteration, ValueError):
            continue
    return total


def measure(command: list[str], out: Path) -> tuple[float, int]:
    """Wall time of a whole process, and the peak of its process tree's resident memory."""
    peak = 0
    with out.open("wb") as sink:
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=sink, stderr=subprocess.DEVNULL, cwd=ROOT)
        while process.poll() is None:
            peak = max(peak, _tree_rss(process.pid))
            time.sleep(0.01)
        wall = time.perf_counter() - start
    if process.returncode not in (0, 1):
        raise RuntimeError(f"{command} exited {process.returncode}")
    return wall, peak


def _invalid_lines(report: Path, log: Path) -> set[int]:
    prefix = f"{log}:"
    return {
        int(line[len(prefix) :].split(":", 1)[0])
        for line in report.read_text(encoding="utf-8").splitlines()
        if line.startswith(prefix)
    }


def _cut_files(log: Path, folder: Path, count: int) -> list[Path]:
    folder.mkdir()
    files = []
    with log.open("rb") as lines:
        for number, line in enumerate(lines, 1):
            if number > count:
                break
            path = folder / f"{number:07}.json"
            path.write_bytes(line)
            files.append(path)
    return files


def _check_jsonschema(folder: Path, files: list[Path], out: Path) -> tuple[float, set[int]]:
    either = folder / "either.schema.json"
    either.write_text(
        json.dumps(
            {
                "$schema": "https://json-schema.org/draft/2020-12/schema",
                "anyOf": [
                    {"$ref": f"{ROOT}/generated/schemas/{d}.schema.json"}
                    for d in ("client", "server")
                ],
            }
        )
    )
    command = [
        str(BIN / "check-jsonschema"),
        "--schemafile",
        str(either),
        "--disable-formats",
        "*",
        "-o",
        "json",
        *map(str, files),
    ]
    wall, _ = measure(command, out)
    result = json.loads(out.read_text())
    failed = {e["filename"] for e in result.get("errors", []) + result.get("parse_errors", [])}
    return wall, {int(Path(name).stem) for name in failed}


def _rows(times: dict[str, list[float]]) -> dict[str, float]:
    return {name: statistics.median(values) for name, values in times.items()}


def run() -> str:
    with tempfile.TemporaryDirectory(prefix="wirebook-bench-") as scratch:
        folder = Path(scratch)
        log = folder / "traffic.jsonl"
        write_log(log)
        size = log.stat().st_size
        me = [sys.executable, str(Path(__file__).resolve())]
        wirebook = [str(BIN / "wirebook"), "validate"]
        commands = {
            "floor": [*me, "floor", str(log)],
            "jobs1": [*wirebook, "--jobs", "1", str(log)],
            "jobs2": [*wirebook, "--jobs", "2", str(log)],
        }
        times: dict[str, list[float]] = {name: [] for name in commands}
        memory: dict[str, int] = dict.fromkeys(commands, 0)
        for _ in range(RUNS):  # interleaved: a busy moment of the machine slows all alike
            for name, command in commands.items():
                seconds, peak = measure(command, folder / f"{name}.out")
                times[name].append(seconds)
                memory[name] = max(memory[name], peak)
        wall = _rows(times)
        verdicts = {n: _invalid_lines(folder / f"{n}.out", log) for n in ("jobs1", "jobs2")}
        assert verdicts["jobs1"] == verdicts["jobs2"], "--jobs 1 and --jobs 2 disagree"
        assert (folder / "jobs1.out").read_bytes() == (folder / "jobs2.out").read_bytes()

        ref_start, _ = measure([*me, "reference", str(log), "0"], folder / "reference.out")
        ref_wall, ref_memory = measure(
            [*me, "reference", str(log), str(REFERENCE_SAMPLE)], folder / "reference.out"
        )
        ref_invalid = {int(x) for x in (folder / "reference.out").read_text().split()}
        sample = {n for n in verdicts["jobs1"] if n <= REFERENCE_SAMPLE}
        assert ref_invalid == sample, f"python-jsonschema disagrees on {ref_invalid ^ sample}"

        files = _cut_files(log, folder / "files", CHECK_JSONSCHEMA_SAMPLE)
        cj_start, _ = _check_jsonschema(folder, files[:1], folder / "cj.out")
        cj_wall, cj_invalid = _check_jsonschema(folder, files, folder / "cj.out")
        sample = {n for n in verdicts["jobs1"] if n <= CHECK_JSONSCHEMA_SAMPLE}
        assert cj_invalid == sample, f"check-jsonschema disagrees on {cj_invalid ^ sample}"

        invalid = len(verdicts["jobs1"])
        taken = _taken(log)
        baselines = {
            "python-jsonschema routed by type": (REFERENCE_SAMPLE, ref_start, ref_wall, ref_memory),
            "check-jsonschema, one file a message": (CHECK_JSONSCHEMA_SAMPLE, cj_start, cj_wall, 0),
        }
        return _markdown(wall, memory, baselines, invalid, taken, size)


def _taken(log: Path) -> int:
    """How many lines of the log the fast path takes (validate/fast.py); the rest, the exact one."""
    from wirebook.validate.engine import Validator
    from wirebook.validate.reader import batches

    fast = Validator.from_definitions(ROOT / "schema").fast_path("any")
    with log.open("rb") as stream:
        return sum(sum(fast.sift(b.lines)[0].values()) for b in batches(stream, 1 << 20))


def _markdown(
    wall: dict[str, float],
    memory: dict[str, int],
    baselines: dict[str, tuple[int, float, float, int]],
    invalid: int,
    taken: int,
    size: int,
) -> str:
    """``baselines``: name → (messages of the sample, start-up time, time, peak memory)."""
    base = wall["floor"]
    # a baseline is timed on a sample; its start-up (timed on no message at all) is paid once
    full = {
        name: start + (seconds - start) * MESSAGES / sample
        for name, (sample, start, seconds, _) in baselines.items()
    }

    def row(name: str, seconds: float, rss: int | str, note: str = "") -> str:
        per = seconds / MESSAGES * 1e6
        rss_text = f"{rss / 1024:.0f} MB" if isinstance(rss, int) else rss
        ratio = seconds / base
        return f"| {name} | {seconds:.2f} s{note} | {per:.2f} µs | {ratio:.2f}× | {rss_text} |"

    lines = [
        "## `wirebook validate`: a 1,000,000-message log",
        "",
        __doc__.split("\n\n", 1)[1].split("Run alone")[0].strip(),
        "",
        f"The log: {MESSAGES:,} messages, {size / 1e6:.0f} MB, {invalid:,} invalid "
        f"({invalid / MESSAGES:.1%}). Whole-process wall time, median of {RUNS} interleaved runs; "
        "memory is the peak resident memory of the process and its workers, sampled every 10 ms.",
        "",
        "| engine | 1,000,000 messages | per message | ÷ floor | peak memory |",
        "| --- | ---: | ---: | ---: | ---: |",
        row("floor: orjson parse only", base, memory["floor"]),
        row("`wirebook validate --jobs 1`", wall["jobs1"], memory["jobs1"]),
        row("`wirebook validate --jobs 2`", wall["jobs2"], memory["jobs2"]),
        *(
            row(
                f"{name}: {sample:,} messages in {seconds:.2f} s, of which {start:.2f} s start-up",
                full[name],
                rss or "–",
                " (extrapolated)",
            )
            for name, (sample, start, seconds, rss) in baselines.items()
        ),
        "",
        f"The fast path (msgspec) took {taken:,} lines ({taken / MESSAGES:.1%}); the exact path "
        f"(orjson and jsonschema-rs) checked the other {MESSAGES - taken:,}, of which {invalid:,} "
        "invalid.",
        "",
        "Verdicts: `--jobs 1` and `--jobs 2` give the same report byte for byte; python-jsonschema "
        f"agrees on each of its {REFERENCE_SAMPLE:,} messages, check-jsonschema on each of its "
        f"{CHECK_JSONSCHEMA_SAMPLE:,} files.",
        "",
    ]
    speedup = full["python-jsonschema routed by type"] / wall["jobs1"]
    targets = [
        ("`--jobs 1` ≤ 3× the floor", wall["jobs1"] / base <= 3, f"{wall['jobs1'] / base:.2f}×"),
        (
            "`--jobs 2` ≤ 1.5× the floor",
            wall["jobs2"] / base <= 1.5,
            f"{wall['jobs2'] / base:.2f}×",
        ),
        ("≥ 50× faster than python-jsonschema routed", speedup >= 50, f"{speedup:.0f}×"),
        (
            "memory < 200 MB",
            max(memory["jobs1"], memory["jobs2"]) < 200 * 1024,
            f"{max(memory['jobs1'], memory['jobs2']) / 1024:.0f} MB",
        ),
    ]
    lines.append(
        "Targets: "
        + "; ".join(f"{what}: {got} ({'met' if ok else 'missed'})" for what, ok, got in targets)
        + "."
    )
    return "\n".join(lines) + "\n"


def _main(argv: list[str]) -> int:
    COMMANDS[argv[0]](*argv[1:])
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))

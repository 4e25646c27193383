"""`wirebook validate` on three 1,000,000-message JSON Lines logs, beside its floor and baselines.

The logs are generated from the example protocol's own examples (free text re-drawn at realistic
lengths, about 2% of the messages broken in the ways clients break them in one log, 20% in the
other), and from the examples of the shapes protocol (tests/shapes: unions, maps, any JSON,
recursion; about 2% broken alike) in a third, written compactly as a WebSocket capture would be,
into a temporary folder. Then, whole processes, in one run:

- floor: a script that only parses each line with orjson;
- anchor: a script that parses each line with orjson and routes it by type to one compiled
  jsonschema-rs validator per (direction, type), and collects every error of an invalid line;
- `wirebook validate --jobs 1`, and with both cores (`--jobs 2`);
- on the 2% log, python-jsonschema routed by type (`wirebook.reference`, the reference
  validator), on the first lines of the log, extrapolated to the whole log;
- on the 2% log, check-jsonschema on one-message files cut from the first lines (it reads no
  JSON Lines), with one schema that is any bundle (either direction, any wire version).

The verdicts of every engine are compared, message by message, and must agree.
Run alone: `python tests/bench/run.py validate_bench`.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field as default
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

if TYPE_CHECKING:
    from wirebook import ir

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
MESSAGES = 1_000_000
SHARES = (0.02, 0.20)  # of invalid messages, one log each
CHAT = ROOT / "schema"
PUBLISHED = ROOT / "generated" / "schemas"  # CHAT's
SHAPES = ROOT / "tests" / "shapes" / "schema"
SHAPES_SHARE = 0.02
EMPTY_LINES = 4_000_000  # the log whose peak memory is measured: every line invalid
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


def _templates(schema_dir: Path) -> list[tuple[float, str, dict[str, Any], list[str]]]:
    """(weight, direction, example, free-text fields): chat-like messages dominate a real log."""
    from wirebook.pipeline import compile_definitions

    protocol = compile_definitions(schema_dir).protocol
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
    elif kind == 2 and isinstance(message.setdefault("payload", {}), dict):
        message["payload"]["extra_field"] = True  # an unknown field
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


def write_log(
    path: Path,
    count: int | None = None,
    seed: int = 7,
    share: float = 0.02,
    schema_dir: Path = CHAT,
) -> None:
    count = count or MESSAGES
    rng = random.Random(seed)
    templates = _templates(schema_dir)
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
            text = _broken(rng, message) if rng.random() < share else orjson.dumps(message)
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


def anchor(log: str, published: str) -> None:
    """orjson and one jsonschema-rs validator per (direction, type) of the bundles in
    ``published`` (and of each wire version of another shape, in its ``v{N}/``), routed on `v`
    and then by type as wirebook routes, every error of an invalid message collected: invalid
    line numbers."""
    import jsonschema_rs

    by_version: dict[float, dict[str, list[jsonschema_rs.Validator]]] = {}  # 1.0 finds 1
    default: dict[str, list[jsonschema_rs.Validator]] = {}
    for folder in [Path(published), *sorted(Path(published).glob("v[0-9]*/"))]:
        validators: dict[str, list[jsonschema_rs.Validator]] = {}
        for direction in ("client", "server"):
            bundle = json.loads((folder / f"{direction}.schema.json").read_text())
            defs = bundle["$defs"]
            for branch in bundle["oneOf"]:
                schema = defs[branch["$ref"].removeprefix("#/$defs/")]
                validators.setdefault(schema["properties"]["type"]["const"], []).append(
                    jsonschema_rs.validator_for({**schema, "$defs": defs}, validate_formats=False)
                )
                by_version.update(dict.fromkeys(schema["properties"]["v"]["enum"], validators))
                if "v" not in schema["required"]:  # the default version's shape
                    default = validators
    loads, error = orjson.loads, orjson.JSONDecodeError
    invalid, errors = [], 0
    with open(log, "rb") as lines:
        for number, line in enumerate(lines, 1):
            try:
                message = loads(line)
            except error:
                invalid.append(number)
                continue
            shape = default
            if isinstance(message, dict):  # its `v`, if a version's (1.0 is 1; true is not)
                version = message.get("v")
                if isinstance(version, int | float) and not isinstance(version, bool):
                    shape = by_version.get(version, default)
            wire_type = message.get("type") if isinstance(message, dict) else None
            routed = shape.get(wire_type) if isinstance(wire_type, str) else None
            if routed is None:
                invalid.append(number)
            elif not any(v.is_valid(message) for v in routed):
                errors += sum(len(list(v.iter_errors(message))) for v in routed)
                invalid.append(number)
    print("\n".join(map(str, invalid)))
    print(f"{errors} errors", file=sys.stderr)


def reference(log: str, sample: str) -> None:
    """python-jsonschema routed by type: invalid line numbers of the first ``sample`` lines."""
    from wirebook import ir
    from wirebook.pipeline import compile_definitions
    from wirebook.validate.parse import parse_text
    from wirebook.verify import reference_validator

    validator = reference_validator(compile_definitions(ROOT / "schema").schemas)
    with open(log, encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if number > int(sample):
                break
            message, problems = parse_text(line)
            if problems or all(validator.validate(d, message) for d in ir.DIRECTIONS):
                print(number)


COMMANDS: dict[str, Callable[..., None]] = {
    "floor": floor,
    "anchor": anchor,
    "reference": reference,
}


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
                "anyOf": [  # either direction, of every wire version's shape
                    {"$ref": f"{folder}/{d}.schema.json"}
                    for folder in [PUBLISHED, *sorted(PUBLISHED.glob("v[0-9]*/"))]
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


@dataclass
class Log:
    """One log of the run (of the protocol of ``schema_dir``, whose bundles are in
    ``published``), and what each engine made of it."""

    name: str
    share: float
    path: Path
    schema_dir: Path
    published: Path
    size: int = 0
    wall: dict[str, float] = default(default_factory=dict)
    memory: dict[str, int] = default(default_factory=dict)
    invalid: int = 0
    taken: int = 0

    @property
    def label(self) -> str:
        """The log's name in the targets: its share of invalid lines, or its protocol."""
        return self.name if self.name == "shapes" else f"{self.share:.0%}"


def _startup(folder: Path, wirebook: list[str]) -> dict[str, float]:
    """Seconds to check one message: from the definitions with an empty cache and with the
    compiled definitions kept, and from the published bundles (medians of RUNS)."""
    one = folder / "one.jsonl"
    one.write_bytes(b'{"type":"ping"}\n')
    commands = {
        "python": [sys.executable, "-c", "pass"],
        "cold": [*wirebook, "--jobs", "1", str(one)],
        "warm": [*wirebook, "--jobs", "1", str(one)],
        "published": [*wirebook, "--jobs", "1", "--published", "generated/schemas", str(one)],
    }
    times: dict[str, list[float]] = {name: [] for name in commands}
    measure(commands["warm"], folder / "startup.out")  # the definitions compiled, and kept
    for run in range(RUNS):
        for name, command in commands.items():
            if name == "cold":
                os.environ["XDG_CACHE_HOME"] = str(folder / f"cache-{run}")  # a new, empty one
            times[name].append(measure(command, folder / "startup.out")[0])
            os.environ["XDG_CACHE_HOME"] = str(folder / "cache")
    return _rows(times)


def run() -> str:
    with tempfile.TemporaryDirectory(prefix="wirebook-bench-") as scratch:
        folder = Path(scratch)
        cache = os.environ.get("XDG_CACHE_HOME")
        os.environ["XDG_CACHE_HOME"] = str(folder / "cache")  # compiled definitions: kept here
        try:
            return _run(folder)
        finally:
            if cache is None:
                del os.environ["XDG_CACHE_HOME"]
            else:
                os.environ["XDG_CACHE_HOME"] = cache


def _generated(schema_dir: Path, out: Path) -> Path:
    """The published bundles of the protocol of ``schema_dir``, generated into ``out``."""
    subprocess.run(
        [str(BIN / "wirebook"), "generate", "--schema", str(schema_dir), "--out", str(out)],
        check=True,
        capture_output=True,
    )
    return out / "schemas"


def _run(folder: Path) -> str:
    me = [sys.executable, str(Path(__file__).resolve())]
    wirebook = [str(BIN / "wirebook"), "validate"]
    logs = [
        *(Log(f"{s:.0%}", s, folder / f"traffic-{s:.0%}.jsonl", CHAT, PUBLISHED) for s in SHARES),
        Log(
            "shapes",
            SHAPES_SHARE,
            folder / "shapes.jsonl",
            SHAPES,
            _generated(SHAPES, folder / "shapes"),
        ),
    ]
    for log in logs:
        write_log(log.path, share=log.share, schema_dir=log.schema_dir)
        log.size = log.path.stat().st_size
    startup = _startup(folder, wirebook)  # leaves the compiled definitions in the cache
    warm = [*wirebook, "--schema", str(SHAPES), str(folder / "one.jsonl")]
    measure(warm, folder / "startup.out")  # the shapes protocol's, too
    commands = {
        (log.name, name): command
        for log in logs
        for name, command in {
            "floor": [*me, "floor", str(log.path)],
            "anchor": [*me, "anchor", str(log.path), str(log.published)],
            "jobs1": [*wirebook, "--schema", str(log.schema_dir), "--jobs", "1", str(log.path)],
            "jobs2": [*wirebook, "--schema", str(log.schema_dir), "--jobs", "2", str(log.path)],
        }.items()
    }
    times: dict[tuple[str, str], list[float]] = {key: [] for key in commands}
    memory: dict[tuple[str, str], int] = dict.fromkeys(commands, 0)
    out = {key: folder / f"{key[1]}-{key[0]}.out" for key in commands}
    for _ in range(RUNS):  # interleaved: a busy moment of the machine slows all alike
        for key, command in commands.items():
            seconds, peak = measure(command, out[key])
            times[key].append(seconds)
            memory[key] = max(memory[key], peak)
    for log in logs:
        log.wall = {n: statistics.median(times[(log.name, n)]) for n in _ENGINES}
        log.memory = {n: memory[(log.name, n)] for n in _ENGINES}
        one, two = (out[(log.name, n)] for n in ("jobs1", "jobs2"))
        ours = _invalid_lines(one, log.path)
        assert ours == _invalid_lines(two, log.path), "--jobs 1 and --jobs 2 disagree"
        assert one.read_bytes() == two.read_bytes()
        theirs = {int(x) for x in out[(log.name, "anchor")].read_text().split()}
        assert theirs == ours, f"the anchor disagrees on {len(theirs ^ ours)} lines"
        log.invalid, log.taken = len(ours), _taken(log)

    base = logs[0]
    ref_start, _ = measure([*me, "reference", str(base.path), "0"], folder / "reference.out")
    ref_wall, ref_memory = measure(
        [*me, "reference", str(base.path), str(REFERENCE_SAMPLE)], folder / "reference.out"
    )
    ref_invalid = {int(x) for x in (folder / "reference.out").read_text().split()}
    verdicts = _invalid_lines(out[(base.name, "jobs1")], base.path)
    sample = {n for n in verdicts if n <= REFERENCE_SAMPLE}
    assert ref_invalid == sample, f"python-jsonschema disagrees on {ref_invalid ^ sample}"

    files = _cut_files(base.path, folder / "files", CHECK_JSONSCHEMA_SAMPLE)
    cj_start, _ = _check_jsonschema(folder, files[:1], folder / "cj.out")
    cj_wall, cj_invalid = _check_jsonschema(folder, files, folder / "cj.out")
    sample = {n for n in verdicts if n <= CHECK_JSONSCHEMA_SAMPLE}
    assert cj_invalid == sample, f"check-jsonschema disagrees on {cj_invalid ^ sample}"
    baselines = {
        "python-jsonschema routed by type": (REFERENCE_SAMPLE, ref_start, ref_wall, ref_memory),
        "check-jsonschema, one file a message": (CHECK_JSONSCHEMA_SAMPLE, cj_start, cj_wall, 0),
    }

    empty = folder / "empty.jsonl"
    empty.write_bytes(b"\n" * EMPTY_LINES)
    flat = {
        jobs: measure([*wirebook, "--jobs", jobs, str(empty)], folder / "empty.out")
        for jobs in ("1", "2")
    }
    return _markdown(logs, baselines, startup, flat)


_ENGINES = ("floor", "anchor", "jobs1", "jobs2")


def _taken(log: Log) -> int:
    """How many lines of the log the fast path takes (validate/fast.py); the rest, the exact one."""
    from wirebook.validate.engine import Validator
    from wirebook.validate.reader import batches

    fast = Validator.from_definitions(log.schema_dir).fast_path("any")
    with log.path.open("rb") as stream:
        return sum(sum(fast.sift(b.lines)[0].values()) for b in batches(stream, 1 << 20))


# Which shapes of the format each path of `wirebook validate` takes (validate/fast.py says why)
PATHS = """\
Which path a message of each shape takes (a message of a type that has one shape of the
second list goes to the exact path whole; validate/fast.py says why):

- fast path (msgspec): objects whose members are all declared, scalars with their bounds and
  patterns, arrays without `uniqueItems`, `X | null`, unions told apart by JSON kind, tagged
  unions (a `discriminator` over objects whose tag is a required constant string), maps (with
  key patterns and lengths, and entry counts), any JSON, any JSON object;
- exact path (jsonschema-rs): recursive types, objects that take unknown members,
  `uniqueItems`, numbers with bounds or `multipleOf`, integers beyond 64 bits, a type whose
  two directions differ in more than one member or in a member that is not an object (`share`
  of the shapes protocol under `--direction any`)."""

_NAMES = {
    "floor": "floor: orjson parse only",
    "anchor": "anchor: orjson + jsonschema-rs per type, every error",
    "jobs1": "`wirebook validate --jobs 1`",
    "jobs2": "`wirebook validate --jobs 2`",
}


def _markdown(
    logs: list[Log],
    baselines: dict[str, tuple[int, float, float, int]],
    startup: dict[str, float],
    flat: dict[str, tuple[float, int]],
) -> str:
    """``baselines``: name → (messages of the sample, start-up time, time, peak memory)."""
    two, twenty, shapes = logs

    def row(name: str, seconds: float, log: Log, rss: int | str, note: str = "") -> str:
        per = seconds / MESSAGES * 1e6
        rss_text = f"{rss / 1024:.0f} MB" if isinstance(rss, int) else rss
        floor, anchor = seconds / log.wall["floor"], seconds / log.wall["anchor"]
        return (
            f"| {name} | {seconds:.2f} s{note} | {per:.2f} µs | {floor:.2f}× | {anchor:.2f}× "
            f"| {rss_text} |"
        )

    def table(log: Log) -> list[str]:
        return [
            f"The log: {MESSAGES:,} messages, {log.size / 1e6:.0f} MB, {log.invalid:,} invalid "
            f"({log.invalid / MESSAGES:.1%}); the fast path (msgspec) took {log.taken:,} lines "
            f"({log.taken / MESSAGES:.1%}), the exact path (orjson and jsonschema-rs) checked "
            f"the other {MESSAGES - log.taken:,}.",
            "",
            f"| engine | {MESSAGES:,} messages | per message | ÷ floor | ÷ anchor | peak memory |",
            "| --- | ---: | ---: | ---: | ---: | ---: |",
            *(row(_NAMES[n], log.wall[n], log, log.memory[n]) for n in _ENGINES),
        ]

    # a baseline is timed on a sample; its start-up (timed on no message at all) is paid once
    full = {
        name: start + (seconds - start) * MESSAGES / sample
        for name, (sample, start, seconds, _) in baselines.items()
    }
    # what an invalid line costs beyond a valid one, the parse apart: from the two logs
    extra = {
        n: ((twenty.wall[n] - twenty.wall["floor"]) - (two.wall[n] - two.wall["floor"]))
        / (twenty.invalid - two.invalid)
        * 1e6
        for n in ("anchor", "jobs1")
    }
    lines = [
        f"## `wirebook validate`: three {MESSAGES:,}-message logs",
        "",
        __doc__.split("\n\n", 1)[1].split("Run alone")[0].strip(),
        "",
        f"Whole-process wall time, median of {RUNS} interleaved runs; memory is the peak "
        "resident memory of the process and its workers, sampled every 10 ms. The compiled "
        "definitions are in wirebook's cache, as from the second run on (start-up below).",
        "",
        f"### About {two.share:.0%} invalid",
        "",
        *table(two),
        *(
            row(
                f"{name}: {sample:,} messages in {seconds:.2f} s, of which {start:.2f} s start-up",
                full[name],
                two,
                rss or "–",
                " (extrapolated)",
            )
            for name, (sample, start, seconds, rss) in baselines.items()
        ),
        "",
        "Verdicts: `--jobs 1` and `--jobs 2` give the same report byte for byte; the anchor "
        f"agrees on every message, python-jsonschema on each of its {REFERENCE_SAMPLE:,} "
        f"messages, check-jsonschema on each of its {CHECK_JSONSCHEMA_SAMPLE:,} files.",
        "",
        f"### About {twenty.share:.0%} invalid",
        "",
        *table(twenty),
        "",
        "Verdicts: `--jobs 1` and `--jobs 2` give the same report byte for byte; the anchor "
        "agrees on every message.",
        "",
        f"### The shapes protocol, about {shapes.share:.0%} invalid",
        "",
        *table(shapes),
        "",
        "Verdicts: `--jobs 1` and `--jobs 2` give the same report byte for byte; the anchor "
        "agrees on every message.",
        "",
        PATHS,
        "",
        "What an invalid line costs beyond a valid one (the parse apart), from the two logs: "
        f"{extra['jobs1']:.2f} µs for `wirebook validate --jobs 1`, {extra['anchor']:.2f} µs "
        "for the anchor.",
        "",
        "### Start-up and memory",
        "",
        f"Checking one message takes {startup['cold']:.2f} s from the definitions with an "
        f"empty cache, {startup['warm']:.2f} s with the compiled definitions kept, and "
        f"{startup['published']:.2f} s from the published bundles (Python alone starts in "
        f"{startup['python']:.2f} s).",
        "",
        f"A log of {EMPTY_LINES:,} empty lines, every one invalid: `--jobs 1` "
        f"{flat['1'][0]:.1f} s and {flat['1'][1] / 1024:.0f} MB at most, `--jobs 2` "
        f"{flat['2'][0]:.1f} s and {flat['2'][1] / 1024:.0f} MB.",
        "",
    ]
    speedup = full["python-jsonschema routed by type"] / two.wall["jobs1"]
    peak = max(m for log in logs for m in log.memory.values())
    flat_peak = max(m for _, m in flat.values())

    def ratio(log: Log, name: str, of: str = "floor") -> float:
        return log.wall[name] / log.wall[of]

    targets = [
        ("`--jobs 1` ≤ 3× the floor", ratio(two, "jobs1") <= 3, f"{ratio(two, 'jobs1'):.2f}×"),
        (
            "`--jobs 1` ≤ 3× the floor on the shapes log",
            ratio(shapes, "jobs1") <= 3,
            f"{ratio(shapes, 'jobs1'):.2f}×",
        ),
        ("`--jobs 2` ≤ 1.5× the floor", ratio(two, "jobs2") <= 1.5, f"{ratio(two, 'jobs2'):.2f}×"),
        *(
            (
                f"`--jobs 1` faster than the anchor on the {log.label} log",
                ratio(log, "jobs1", "anchor") < 1,
                f"{ratio(log, 'jobs1', 'anchor'):.2f}×",
            )
            for log in logs
        ),
        (
            f"`--jobs 1` ≤ 2× the floor on the {twenty.share:.0%} log",
            ratio(twenty, "jobs1") <= 2,
            f"{ratio(twenty, 'jobs1'):.2f}×",
        ),
        (
            f"`--jobs 2` faster than `--jobs 1` on the {twenty.share:.0%} log",
            ratio(twenty, "jobs2", "jobs1") < 1,
            f"{ratio(twenty, 'jobs2', 'jobs1'):.2f}×",
        ),
        ("≥ 50× faster than python-jsonschema routed", speedup >= 50, f"{speedup:.0f}×"),
        ("memory < 200 MB", peak < 200 * 1024, f"{peak / 1024:.0f} MB"),
        (
            f"memory < 100 MB on {EMPTY_LINES:,} invalid lines",
            flat_peak < 100 * 1024,
            f"{flat_peak / 1024:.0f} MB",
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

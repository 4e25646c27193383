"""`wirebook generate` as a whole process, beside `datamodel-codegen` alone on the same bundle.

Two protocols: the example one in schema/, and a synthetic one with 300 messages (150 a
direction, 2 to 7 fields each, shared types, inline enums, an example each). The baseline is the
datamodel-codegen CLI run on the very schema wirebook hands it in-process, with the same model
options and ruff as its formatter, since that single step is what the rest of the pipeline is
measured against.
"""

from __future__ import annotations

import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml
from wirebook.emit.python import MODEL_OPTIONS
from wirebook.pipeline import compile_definitions

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
RUNS = 5


def synthetic_protocol(folder: Path, messages: int = 300) -> None:
    """Write a protocol of ``messages`` messages, half each way, into ``folder``."""
    base = yaml.safe_load((ROOT / "schema" / "protocol.yaml").read_text())
    base["protocol"]["name"] = "synthetic"
    (folder / "protocol.yaml").write_text(yaml.safe_dump(base, sort_keys=False))
    for direction in ("client", "server"):
        existing = yaml.safe_load((ROOT / "schema" / f"{direction}.yaml").read_text())[direction]
        items = list(existing)
        for i in range(messages // 2 - len(existing)):
            fields: dict[str, object] = {"room_id": {"type": "RoomId", "description": "The room."}}
            payload: dict[str, object] = {"room_id": "general"}
            for j in range(1 + i % 6):
                name = f"field_{j}"
                if j % 3 == 0:
                    fields[name] = {"type": "string", "maxLength": 200, "description": f"Text {j}."}
                    payload[name] = f"value {j}"
                elif j % 3 == 1:
                    fields[name] = {"type": "integer", "minimum": 0, "description": f"Count {j}."}
                    payload[name] = j
                else:
                    fields[name] = {
                        "enum": ["low", "mid", "high"],
                        "required": False,
                        "description": f"Level {j}.",
                    }
                    payload[name] = "mid"
            items.append(
                {
                    "type": f"{direction}_event_{i}",
                    "summary": f"Synthetic event {i}",
                    "description": "A generated message for the benchmark.",
                    "payload": fields,
                    "examples": [{"payload": payload}],
                }
            )
        (folder / f"{direction}.yaml").write_text(
            yaml.safe_dump({direction: items}, sort_keys=False)
        )


def wall(command: list[str], runs: int = RUNS, expect: int = 0, cwd: Path = ROOT) -> float:
    """Median wall time of a whole process that exits with ``expect``, in seconds."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(command, capture_output=True, cwd=cwd)
        times.append(time.perf_counter() - start)
        if done.returncode != expect:
            raise RuntimeError(f"{command}: exit {done.returncode}\n{done.stderr.decode()}")
    return statistics.median(times)


def measure(schema: Path, scratch: Path) -> tuple[float, float, int]:
    """(wirebook generate, datamodel-codegen alone, messages) for one protocol."""
    compiled = compile_definitions(schema)
    models_input = scratch / f"{schema.name}-models-input.json"
    models_input.write_text(json.dumps(compiled.schemas.models_input()))
    out = scratch / f"{schema.name}-out"
    ours = wall([str(BIN / "wirebook"), "generate", "--schema", str(schema), "--out", str(out)])
    theirs = wall(
        [
            str(BIN / "datamodel-codegen"),
            "--input",
            str(models_input),
            "--output",
            str(scratch / "models.py"),
            *MODEL_OPTIONS,
            "--base-class",
            f"{compiled.protocol.package}.wire.WireModel",
            "--formatters",
            "ruff-check",
            "ruff-format",
        ]
    )
    return ours, theirs, len(compiled.protocol.messages)


def run() -> str:
    with tempfile.TemporaryDirectory(prefix="wirebook-bench-") as tmp:
        scratch = Path(tmp)
        synthetic = scratch / "synthetic"
        synthetic.mkdir()
        synthetic_protocol(synthetic)
        rows = []
        for label, schema in (
            ("example protocol (schema/)", ROOT / "schema"),
            ("synthetic protocol", synthetic),
        ):
            ours, theirs, count = measure(schema, scratch)
            rows.append(
                f"| {label}, {count} messages | {ours:.3f} s | {theirs:.3f} s | "
                f"{ours / theirs:.2f}× |"
            )
            print(rows[-1], flush=True)
        shutil.rmtree(scratch / "schema-out", ignore_errors=True)
    return "\n".join(
        [
            "## `wirebook generate`\n",
            f"Whole-process wall time, median of {RUNS} runs. Baseline: the `datamodel-codegen` "
            "CLI alone on the schema wirebook gives it, with the same model options and ruff "
            "as formatter. Targets: the example protocol in ≤ 1.0 s; the pipeline ≤ 1.2× the "
            "baseline.\n",
            "| protocol | `wirebook generate` | `datamodel-codegen` alone | ratio |",
            "| --- | --- | --- | --- |",
            *rows,
            "",
        ]
    )

"""`wirebook breaking` as a whole process, on two versions of the synthetic 300-message protocol.

The new version changes a few things in both directions (a bound, a length, a new member, a new
server message), so that every message is compared and some are reported. OLD is given the three
ways: a definitions folder, the published bundles, and a git revision of a scratch repository.
Target: ≤ 1.0 s each.
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

import yaml
from compile_bench import BIN, RUNS, synthetic_protocol, wall
from wirebook.check import load_protocol
from wirebook.emit.schemas import SchemaSet
from wirebook.pipeline import json_text


def edit(folder: Path) -> None:
    """A new version of the synthetic protocol: edits in both directions."""
    for direction in ("client", "server"):
        path = folder / f"{direction}.yaml"
        messages = yaml.safe_load(path.read_text())[direction]
        for message in messages[-40:]:
            fields = message["payload"]
            if isinstance(fields.get("field_0"), dict):
                fields["field_0"]["maxLength"] = 100  # narrowed
            if isinstance(fields.get("field_1"), dict):
                fields["field_1"]["maximum"] = 1000  # a bound added
            fields["note"] = {"type": "string", "required": False, "description": "New."}
        messages.append({**messages[-1], "type": f"{direction}_event_new"})
        path.write_text(yaml.safe_dump({direction: messages}, sort_keys=False))


def git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-C", str(repo), "-c", "user.name=b", "-c", "user.email=b@example.com", *args],
        check=True,
        capture_output=True,
    )


def run() -> str:
    with tempfile.TemporaryDirectory(prefix="wirebook-bench-") as tmp:
        scratch = Path(tmp)
        repo = scratch / "repo"
        old, new = scratch / "old", repo / "schema"
        for folder in (old, new):
            folder.mkdir(parents=True)
            synthetic_protocol(folder)
        git(repo, "init", "-q", "-b", "main")
        git(repo, "add", "schema")
        git(repo, "commit", "-q", "-m", "old")
        edit(new)
        published = scratch / "published"
        schemas = SchemaSet(load_protocol(old))
        for path, schema in schemas.published().items():  # every wire version's, v1/ too
            (published / path).parent.mkdir(parents=True, exist_ok=True)
            (published / path).write_text(json_text(schema))
        count = len(schemas.protocol.messages)
        command = [str(BIN / "wirebook"), "breaking", "--schema", str(new), "--against"]
        rows = []
        for label, against in (
            ("a definitions folder", str(old)),
            ("published bundles", str(published)),
            ("a git revision (HEAD)", "HEAD"),
        ):
            seconds = wall([*command, against], expect=1, cwd=repo)
            rows.append(f"| {label} | {seconds:.3f} s |")
            print(rows[-1], flush=True)
    return "\n".join(
        [
            "## `wirebook breaking`\n",
            f"Whole-process wall time, median of {RUNS} runs, on two versions of the synthetic "
            f"protocol ({count} messages; the new one narrows a length and adds a bound and a "
            "member in 40 messages a direction, and a message each way). Target: ≤ 1.0 s.\n",
            "| OLD given as | `wirebook breaking` |",
            "| --- | --- |",
            *rows,
            "",
        ]
    )

"""Ajv, run the way JavaScript teams run it, compiles the published schemas and agrees with them.

Ajv's draft 2020-12 class with its default strict options, `discriminator: true` and ajv-formats
(tests/ajv, installed by `make test` with `npm ci --prefix tests/ajv`). Every message is asked
of each message's own schema and of its direction's bundle, in one Node process.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from wire_corpus import (
    INVALID,
    JSON,
    ROOT,
    SCHEMA_DIR,
    VALID,
    InvalidCase,
    ValidCase,
    bundle_of,
    bundle_verdict,
    mutants,
    own_path,
    published,
    schema_id,
)
from wirebook.reference import ReferenceDraft
from wirebook.validate.parse import parse_text

AJV_DIR = ROOT / "tests" / "ajv"
INSTALL = "run `make test`, or `npm ci --prefix tests/ajv`"


def run_ajv(schema_dir: Path, messages: list[dict[str, Any]]) -> subprocess.CompletedProcess[str]:
    """Validate `[{"schema": $id, "message": …}]` with every schema under `schema_dir`."""
    node = shutil.which("node")
    if node is None:
        pytest.fail(f"Node.js is not installed: the Ajv check needs node and npm, then {INSTALL}")
    pinned = json.loads((AJV_DIR / "package.json").read_text(encoding="utf-8"))["dependencies"]
    for package, version in pinned.items():
        installed = AJV_DIR / "node_modules" / package / "package.json"
        if not installed.is_file():
            pytest.fail(f"{package} is not installed in tests/ajv: {INSTALL}")
        found = json.loads(installed.read_text(encoding="utf-8"))["version"]
        if found != version:
            pytest.fail(f"tests/ajv has {package} {found}, package.json pins {version}: {INSTALL}")
    return subprocess.run(
        [node, str(AJV_DIR / "verdicts.mjs"), str(schema_dir)],
        input=json.dumps(messages, ensure_ascii=False),
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=False,
    )


@cache
def reference(path: str) -> Any:
    return ReferenceDraft(published(path))


@dataclass(frozen=True, eq=False)  # each query is itself: hashed by identity, as a key of verdicts
class Query:
    """One message asked of one published schema, and the verdict python-jsonschema gives."""

    case: str
    schema: str  # path under generated/schemas
    message: JSON
    valid: bool
    label: str = ""


def example_queries(case: ValidCase) -> list[Query]:
    own = own_path(case.message, case.wire)
    assert own is not None
    bundle = bundle_of(case.message.direction, case.wire)
    return [Query(case.id, path, case.wire, True) for path in (own, bundle)]


def invalid_queries(case: InvalidCase) -> list[Query]:
    message, not_json = parse_text(case.text)
    if not_json:  # Ajv validates parsed JSON; wire text that is not JSON never reaches it
        return []
    paths = [bundle_of(case.example.direction, message)]
    if case.owner is not None and (own := own_path(case.owner, message)) is not None:
        paths.append(own)
    return [Query(case.id, path, message, False) for path in paths]


def mutant_queries(case: ValidCase) -> list[Query]:
    """Each mutant, asked of the schemas of the version it claims (its `v`)."""
    direction = case.message.direction
    queries = []
    for m in mutants(case):
        bundle = bundle_of(direction, m.message)
        queries.append(
            Query(case.id, bundle, m.message, bundle_verdict(direction, m.message), m.label)
        )
        if (own := own_path(case.message, m.message)) is not None:
            queries.append(
                Query(case.id, own, m.message, reference(own).is_valid(m.message), m.label)
            )
    return queries


EXAMPLES = {c.id: example_queries(c) for c in VALID}
INVALID_JSON = {c.id: q for c in INVALID if (q := invalid_queries(c))}
MUTANTS = {c.id: mutant_queries(c) for c in VALID}


@dataclass(frozen=True)
class Ajv:
    compiled: list[str]
    verdicts: dict[Query, bool]


@pytest.fixture(scope="module")
def ajv() -> Ajv:
    queries = [
        q for group in (EXAMPLES, INVALID_JSON, MUTANTS) for qs in group.values() for q in qs
    ]
    done = run_ajv(
        SCHEMA_DIR, [{"schema": schema_id(q.schema), "message": q.message} for q in queries]
    )
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert len(answer["verdicts"]) == len(queries)
    verdicts = {q: v["valid"] for q, v in zip(queries, answer["verdicts"], strict=True)}
    return Ajv(answer["compiled"], verdicts)


def test_every_published_schema_compiles_in_strict_mode_without_warnings(ajv: Ajv) -> None:
    paths = sorted(p.relative_to(SCHEMA_DIR).as_posix() for p in SCHEMA_DIR.rglob("*.json"))
    assert sorted(ajv.compiled) == sorted(schema_id(p) for p in paths)


@pytest.mark.parametrize("case", sorted(EXAMPLES))
def test_example_is_valid_in_ajv(ajv: Ajv, case: str) -> None:
    assert {q.schema: ajv.verdicts[q] for q in EXAMPLES[case]} == {
        q.schema: True for q in EXAMPLES[case]
    }


@pytest.mark.parametrize("case", sorted(INVALID_JSON))
def test_invalid_example_is_invalid_in_ajv(ajv: Ajv, case: str) -> None:
    queries = INVALID_JSON[case]
    assert {q.schema: ajv.verdicts[q] for q in queries} == {q.schema: False for q in queries}


@pytest.mark.parametrize("case", sorted(MUTANTS))
def test_ajv_agrees_with_jsonschema_on_every_mutant_of(ajv: Ajv, case: str) -> None:
    queries = MUTANTS[case]
    disagreements = [
        f"{q.label} ({q.schema}): jsonschema {q.valid}, Ajv {ajv.verdicts[q]}\n"
        f"    {json.dumps(q.message)[:200]}"
        for q in queries
        if ajv.verdicts[q] != q.valid
    ]
    assert not disagreements, f"{len(disagreements)} of {len(queries)}:\n" + "\n".join(
        disagreements
    )


# A schema that Ajv's strict mode complains about must fail the check, not pass it quietly.
@pytest.mark.parametrize(
    ("schema", "complaint"),
    [
        ({"properties": {"a": {"type": "string"}}}, "strictTypes"),  # a warning
        ({"type": "object", "propertyNames": {"typo": 1}}, "unknown keyword"),  # an error
    ],
    ids=["strict-mode warning", "strict-mode error"],
)
def test_a_schema_that_ajv_complains_about_fails_the_check(
    tmp_path: Path, schema: dict[str, Any], complaint: str
) -> None:
    (tmp_path / "a.schema.json").write_text(json.dumps({"$id": "https://example.test/a", **schema}))
    done = run_ajv(tmp_path, [])
    assert done.returncode == 1
    assert complaint in done.stderr

"""Every validator accepts exactly the messages the reference accepts, on three protocols: one
that uses every keyword and corner of the definition format (tests/stress/schema), one every
shape (tests/shapes/schema: unions by kind and by tag, maps, any JSON, recursion, unknown members
per object, payloads given by a type), and one whose wire versions differ in shape everywhere
the format allows (tests/versions/schema: messages, fields and enum values with `since` and
`until`, fields with `required_since`, a default version that is not the current one).

Each protocol is generated into a temporary folder once per session; its package is imported and
each of these is asked about every message of a corpus drawn from the published schemas of each
shape of its wire versions (tests/agreement.py), each judging a message by its own wire version
(its `v`, else the default): python-jsonschema with ECMA-262 patterns (the reference, on the
version's published schemas), jsonschema-rs on each published per-message schema of the version,
Ajv (one Node process) likewise, the Pydantic unions of the version's messages with the version
in the validation context (from text and from values), the generated `parse_client_message` /
`parse_server_message`, the generated dispatch, `Validator.validate` and `validate_json`, and the
`wirebook validate` command on compact and spaced JSON Lines with one and two jobs. Every valid
server message is also written back by the generated `encode(message, v)`.
"""

from __future__ import annotations

import datetime
import json
import re
import subprocess
import sys
import warnings
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from agreement import (
    JSON,
    OUR_TEXT_READERS,
    TEXT_READERS,
    VALIDATORS,
    WIREBOOK,
    Case,
    Exclusion,
    Generated,
    Results,
    checked_keywords,
    corpus,
    depth,
    disagreements,
    encode_round_trips,
    generate,
    not_json,
    pointer_mismatches,
    report,
    run_all,
    seeds_of,
    write_disagreements,
)
from wirebook.emit.schemas import message_path
from wirebook.validate.parse import MAX_DEPTH

ROOT = Path(__file__).resolve().parent.parent
PROTOCOLS = {
    "stress": ROOT / "tests" / "stress" / "schema",
    "shapes": ROOT / "tests" / "shapes" / "schema",
    "versions": ROOT / "tests" / "versions" / "schema",
}
MIN_MESSAGES = {"stress": 10_000, "shapes": 5_000, "versions": 20_000}
# Fields with a default that not every wire version has (see test_a_field_with_a_default_...).
DEFAULTS = ROOT / "tests" / "versions" / "defaults" / "schema"


def _leaves(value: JSON) -> Iterator[JSON]:
    """Every value of ``value`` that is neither an object nor an array."""
    if isinstance(value, dict):
        for item in value.values():
            yield from _leaves(item)
    elif isinstance(value, list):
        for item in value:
            yield from _leaves(item)
    else:
        yield value


def _inexact_in_a_double(case: Case) -> bool:
    """The message holds an integer that a 64-bit float does not hold exactly."""
    for leaf in _leaves(case.value):
        if isinstance(leaf, int) and not isinstance(leaf, bool):
            try:
                if int(float(leaf)) != leaf:
                    return True
            except OverflowError:
                return True
    return False


_DATE = re.compile(r"^([0-9]{4})-([0-9]{2})-([0-9]{2})")


def _impossible_date(case: Case) -> bool:
    """The message holds a string that starts like a date, of a day no calendar has."""
    for leaf in _leaves(case.value):
        found = _DATE.match(leaf) if isinstance(leaf, str) else None
        if found:
            try:
                datetime.date(*map(int, found.groups()))
            except ValueError:
                return True
    return False


# The messages whose payload has a field named like a member every JavaScript object has (lint
# rule WB109 warns of them): the stress protocol's client `echo` has `constructor`.
_INHERITING = frozenset({("client", "echo")})


def _has_inherited_field(case: Case) -> bool:
    kind = case.value.get("type") if isinstance(case.value, dict) else None
    return isinstance(kind, str) and (case.direction, kind) in _INHERITING


# The differences by design, and the only place they are excused (the README lists them).
EXCLUSIONS = [
    Exclusion(
        "strict JSON reading",
        "A repeated key, NaN/Infinity, a number beyond the range of a double (1e400), a lone "
        "surrogate and nesting past MAX_DEPTH (200) containers are text that readers read "
        "differently (the last key wins or the first, a lone surrogate is kept or refused): "
        "wirebook's readers refuse such text, other text readers (JSON.parse, pydantic's) may "
        "read it their way. Values are compared as usual.",
        frozenset(TEXT_READERS),
        lambda case: not case.strict,
        refuses=False,
        required=frozenset(OUR_TEXT_READERS),
    ),
    Exclusion(
        "values that are no JSON",
        "json.loads reads NaN, Infinity, 1e400 and lone surrogates into Python values that no JSON "
        "text holds: libraries that take Python values (jsonschema-rs, pydantic's validate_python) "
        "check them or not, as they check values; wirebook's Validator.validate refuses them.",
        frozenset({"jsonschema-rs", "pydantic validate_python"}),
        lambda case: not_json(case.value) is not None,
        refuses=False,
    ),
    Exclusion(
        "pydantic's recursion limit",
        "pydantic-core refuses a value nested deeper than its recursion limit (255 levels, about "
        "wirebook's readers' MAX_DEPTH), as wirebook's readers refuse such text.",
        frozenset({"pydantic validate_python"}),
        lambda case: depth(case.value) > MAX_DEPTH,
    ),
    Exclusion(
        "JavaScript number precision",
        "JavaScript reads every JSON number as a double: Ajv sees an integer beyond 2^53 rounded.",
        frozenset({"ajv"}),
        _inexact_in_a_double,
        refuses=False,
    ),
    Exclusion(
        "inherited member names",
        "Ajv's default options look a member up through the object's prototype, so an absent field "
        "named like one every object inherits (`constructor`) reads as present: lint rule WB109 "
        "warns where a protocol has one, and a JavaScript team sets `ownProperties: true`.",
        frozenset({"ajv"}),
        _has_inherited_field,
    ),
    Exclusion(
        "ajv-formats calendar",
        "ajv-formats also checks that a date exists (2025-02-30 does not); wirebook checks a "
        "format by its pattern alone, as every other validator can.",
        frozenset({"ajv"}),
        _impossible_date,
    ),
]


@dataclass(frozen=True)
class Run:
    generated: Generated
    results: Results


@pytest.fixture(scope="session", params=sorted(PROTOCOLS))
def run(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    name: str = request.param
    generated = generate(PROTOCOLS[name], tmp_path_factory.mktemp(name))
    try:
        yield Run(generated, run_all(generated, corpus(generated)))
    finally:
        generated.unload()


def test_the_definitions_pass_every_check_and_lint_rule(run: Run) -> None:
    schema_dir = PROTOCOLS[run.generated.protocol.name]
    done = subprocess.run(
        [WIREBOOK, "check", "--schema", schema_dir, "--out", run.generated.out],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr


def test_the_corpus_is_large_and_holds_valid_and_invalid_messages_of_every_type(run: Run) -> None:
    """...in every wire version: each message that a version has is asked valid and invalid in
    it, with and without `v` in the default version."""
    results, generated = run.results, run.generated
    assert len(results.cases) >= MIN_MESSAGES[generated.protocol.name]
    assert [c.text for c in corpus(generated)] == [c.text for c in results.cases]  # seeded
    seen: Counter[tuple[int, str, str, bool]] = Counter()
    without_v: Counter[tuple[str, str]] = Counter()
    for case, valid in zip(results.cases, results.reference, strict=True):
        kind = case.value.get("type") if isinstance(case.value, dict) else None
        seen[(generated.version_of(case.value), case.direction, str(kind), valid)] += 1
        if valid and "v" not in case.value:
            without_v[(case.direction, str(kind))] += 1
    for version, shape in generated.versions.items():
        for message in shape.protocol.messages:
            for valid in (True, False):
                assert seen[(version, message.direction, message.type, valid)] > 0, (
                    version,
                    message.key,
                    valid,
                )
    default = generated.versions[generated.protocol.wire_default].protocol
    for message in default.messages:
        assert without_v[message.key] > 0, message.key


def test_every_message_of_every_shape_has_seeds_to_draw_from(run: Run) -> None:
    """Each shape's corpus starts from examples that its schemas take."""
    generated = run.generated
    for shape in generated.shapes():
        for message in shape.protocol.messages:
            assert seeds_of(generated, shape, message), (shape.folder, message.key)


# the protocols whose wire versions differ in shape
@pytest.mark.parametrize("run", ["versions"], indirect=True)
def test_the_corpus_crosses_wire_versions(run: Run) -> None:
    """A message asked in another version than its seed's: members and enum values of another
    version's shape, the whole message (or one of its changes) with another `v`."""
    assert len(run.generated.shapes()) > 1
    verdicts: dict[str, set[bool]] = defaultdict(set)
    for case, valid in zip(run.results.cases, run.results.reference, strict=True):
        verdicts[case.kind].add(valid)
    for family in ("version", "version: member", "version: edit"):
        assert verdicts[family] == {True, False}, family
    assert verdicts["version: value"] == {False}  # no version has the values of another


# The families of change (tests/agreement.py) that the shapes of a protocol call for, and the
# reference's verdicts that each must give: any JSON takes every value, a tag of another branch
# or none is refused, a lone surrogate is no JSON, and json.loads takes the last of a repeated
# key but no NaN. (Entries at and around a map's counts are held to by the keyword test.)
FAMILIES: dict[str, dict[str, frozenset[bool]]] = {
    "shapes": {
        "keys": frozenset({True, False}),
        "recursion": frozenset({True, False}),
        "any": frozenset({True}),
        "tag": frozenset({False}),
        "text: not strict JSON (any)": frozenset({True, False}),
        "text: not strict JSON (key)": frozenset({False}),
    },
}


def test_the_corpus_asks_about_the_corners_of_every_shape(run: Run) -> None:
    verdicts: dict[str, set[bool]] = defaultdict(set)
    for case, valid in zip(run.results.cases, run.results.reference, strict=True):
        verdicts[case.kind].add(valid)
    for family, expected in FAMILIES.get(run.generated.protocol.name, {}).items():
        assert verdicts[family] == expected, family


def test_every_keyword_of_every_message_is_what_some_message_fails_on(run: Run) -> None:
    """...in each shape of wire version, by the published schema of that shape."""
    generated = run.generated
    failed: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    for case, problems in zip(run.results.cases, run.results.problems, strict=True):
        kind = case.value.get("type") if isinstance(case.value, dict) else None
        folder = generated.versions[generated.version_of(case.value)].folder
        failed[(folder, case.direction, str(kind))] |= {p.keyword for p in problems}
    for shape in generated.shapes():
        for message in shape.protocol.messages:
            schema = generated.published(message_path(message, shape.folder))
            # the envelope's `type` routes a message: without it, or another, it is no longer
            # this one
            del schema["properties"]["type"]
            required = [name for name in schema.pop("required") if name != "type"]
            if required:
                schema["required"] = required
            missing = checked_keywords(schema) - failed[(shape.folder, *message.key)]
            assert not missing, (shape.folder, message.key, missing)


def test_every_validator_agrees_with_the_reference(run: Run, tmp_path: Path) -> None:
    results = run.results
    found, counts = disagreements(results, EXCLUSIONS)
    every = tmp_path / "disagreements.jsonl"
    write_disagreements(results, found, every)
    assert not found, (
        f"{len(found)} answers of {len({d.index for d in found})} messages (of "
        f"{len(results.cases)}) disagree with the reference, each in {every}; by design: "
        f"{dict(counts)}\n{report(results, found)}"
    )


def test_ajv_compiles_every_schema_in_strict_mode_without_a_warning(run: Run) -> None:
    assert run.results.ajv_warnings == []


def test_validate_names_the_members_the_reference_names(run: Run) -> None:
    found = pointer_mismatches(run.results)
    assert not found, "\n".join(found)


def test_every_validator_was_asked_about_every_message_of_its_direction(run: Run) -> None:
    results = run.results
    assert sorted(results.verdicts) == sorted(VALIDATORS)
    for name, asked in results.asked.items():
        if name == "dispatch":  # it serves the client's messages
            assert asked == [c.direction == "client" for c in results.cases]
        else:
            assert all(asked), name


def test_encode_writes_each_valid_server_message_back_in_its_version(run: Run) -> None:
    asked, failed = encode_round_trips(run.generated, run.results)
    assert asked >= 500
    assert not failed, f"{len(failed)} of {asked} messages:\n" + "\n".join(failed[:20])


def test_encode_writes_a_valid_message_in_every_version_or_refuses(run: Run) -> None:
    """Each valid server message, written in every supported version: either a message that
    version's reference takes, or VersionError (a member it requires is missing, a value or
    the message itself it does not have)."""
    generated, results = run.generated, run.results
    dispatch, reference = generated.dispatch, generated.wire_reference()
    written = refused = 0
    failed = []
    for case, valid in zip(results.cases, results.reference, strict=True):
        if case.direction != "server" or not valid or not case.strict:
            continue
        message = dispatch.parse_server_message(case.text)
        for version in sorted(generated.protocol.wire_supported):
            try:
                text = dispatch.encode(message, version)
            except dispatch.VersionError:
                refused += 1
                continue
            value = json.loads(text)
            problems = reference.validate("server", value)
            if problems or generated.version_of(value) != version:
                failed.append(f"{case.text[:160]} in v{version}: {text[:160]} ({problems})")
            written += 1
    assert not failed, f"{len(failed)} of {written}:\n" + "\n".join(failed[:20])
    assert written > 0


def test_encode_warns_of_nothing(run: Run) -> None:
    """Writing a message is no use of its deprecated fields: encode(message, v) emits no
    DeprecationWarning (a server that runs with warnings as errors, as tests do, would fail)."""
    generated, results = run.generated, run.results
    dispatch = generated.dispatch
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for case, valid in zip(results.cases, results.reference, strict=True):
            if case.direction == "server" and valid and case.strict:
                message = dispatch.parse_server_message(case.text)
                dispatch.encode(message, generated.version_of(case.value))


def test_the_dispatch_answers_in_the_clients_version(run: Run) -> None:
    """Every error and ack the dispatch sent, written in its client's version, is valid there."""
    results = run.results
    assert results.answers > 0
    assert not results.bad_answers, f"{len(results.bad_answers)} of {results.answers}:\n" + (
        "\n".join(results.bad_answers[:20])
    )


@pytest.mark.parametrize(
    "command",
    [["mypy", "--strict", "--no-incremental"], ["ruff", "check"], ["ruff", "format", "--check"]],
    ids=" ".join,
)
def test_the_generated_python_is_clean(run: Run, command: list[str]) -> None:
    """Every shape of the format gives Python that type-checks strictly and lints clean."""
    package = run.generated.out / "python" / run.generated.protocol.package
    done = subprocess.run(
        [sys.executable, "-m", *command, str(package)],
        cwd=ROOT,  # the repository's ruff configuration, as `make lint` runs it
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_field_with_a_default_is_no_member_of_the_versions_that_lack_it(
    tmp_path: Path,
) -> None:
    """Every example of tests/versions/defaults, valid in its version's published schemas, is
    taken by the generated parse_client_message and the dispatch."""
    generated = generate(DEFAULTS, tmp_path)
    try:
        reference = generated.wire_reference()
        examples = [e.message for m in generated.protocol.direction("client") for e in m.examples]
        examples.append({"type": "hello", "payload": {"name": "a", "extra": {"mode": "x"}}})
        refused = []
        for message in examples:
            assert reference.validate("client", message) == [], message
            text = json.dumps(message)
            try:
                generated.dispatch.parse_client_message(text)
            except ValueError as exc:  # pydantic's ValidationError
                refused.append(f"{text}: {exc}")
        assert not refused, "\n".join(refused)
    finally:
        generated.unload()

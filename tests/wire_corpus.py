"""The example protocol's examples, the committed schemas, and a corpus of mutants of the examples.

Shared by the conformance tests (python-jsonschema, Pydantic, dispatch) and the Ajv test, so that
every validator is asked about exactly the same messages.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mutants import Mutant, Mutator
from wirebook import ir
from wirebook.emit.schemas import bundle_path, message_path
from wirebook.pipeline import compile_definitions
from wirebook.problems import in_wire_versions, wire_version
from wirebook.reference import ReferenceDraft, ReferenceValidator, WireReference

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_DIR = ROOT / "generated" / "schemas"
COMPILED = compile_definitions(ROOT / "schema")
PROTOCOL = COMPILED.protocol
VERSIONS = COMPILED.schemas.versions  # wire version → its schemas (and its view of the protocol)
JSON = Any  # a value that json.loads could return


def version_of(message: JSON) -> int:
    """The wire version whose schemas judge ``message``."""
    return wire_version(message, VERSIONS, PROTOCOL.wire_default)


def own_path(message: ir.Message, wire: JSON) -> str | None:
    """The published schema of ``message`` in the version of ``wire`` (None: not in it)."""
    version = VERSIONS[version_of(wire)]
    if version.protocol.message(message.direction, message.type) is None:
        return None
    return message_path(message, version.folder)


def bundle_of(direction: ir.Direction, wire: JSON) -> str:
    """The published bundle of ``direction`` in the version of ``wire``."""
    return bundle_path(direction, VERSIONS[version_of(wire)].folder)


def published(path: str) -> dict[str, Any]:
    """A committed schema file, by its path under ``generated/schemas``."""
    schema: dict[str, Any] = json.loads((SCHEMA_DIR / path).read_text(encoding="utf-8"))
    return schema


def schema_id(path: str) -> str:
    return PROTOCOL.base_uri + path


# The reference validator and the bundles, built from the committed files (not from the
# generator's memory): those files are what other teams receive.
REFERENCE = WireReference(
    {
        v: ReferenceValidator(
            {
                d: {m.type: published(message_path(m, schemas.folder)) for m in view.direction(d)}
                for d in ir.DIRECTIONS
            },
            in_wire_versions(view.wire_supported),  # the example's shapes differ
        )
        for v, schemas in VERSIONS.items()
        if (view := schemas.protocol)
    },
    PROTOCOL.wire_default,
)
BUNDLES = {
    v: {d: ReferenceDraft(published(bundle_path(d, schemas.folder))) for d in ir.DIRECTIONS}
    for v, schemas in VERSIONS.items()
}


@dataclass(frozen=True)
class ValidCase:
    message: ir.Message
    example: ir.Example

    @property
    def id(self) -> str:
        return f"{self.message.direction}/{self.message.type}/{self.example.name}"

    @property
    def wire(self) -> dict[str, Any]:
        """The example message (the definitions check makes every example a JSON object)."""
        assert isinstance(self.example.message, dict)
        return self.example.message


@dataclass(frozen=True)
class InvalidCase:
    example: ir.InvalidExample
    owner: ir.Message | None  # None for the protocol's direction-level anti-patterns

    @property
    def id(self) -> str:
        kind = self.owner.type if self.owner else "*"
        return f"{self.example.direction}/{kind}/{self.example.name}"

    @property
    def text(self) -> str:
        """The wire text of the example."""
        if self.example.raw is not None:
            return self.example.raw
        return json.dumps(self.example.message)


VALID = [ValidCase(m, e) for m in PROTOCOL.messages for e in m.examples]
INVALID = [
    *(InvalidCase(i, None) for i in PROTOCOL.invalid),
    *(InvalidCase(i, m) for m in PROTOCOL.messages for i in m.invalid),
]


def reference_verdict(direction: ir.Direction, message: JSON) -> bool:
    """python-jsonschema, routed by ``type`` to the message's own schema."""
    return not REFERENCE.validate(direction, message)


def bundle_verdict(direction: ir.Direction, message: JSON) -> bool:
    """The bundle of the message's own version."""
    return bool(BUNDLES[version_of(message)][direction].is_valid(message))


# --- mutants


_MUTATOR = Mutator(
    [PROTOCOL],
    [
        published(bundle_path(d, s.folder))
        for s in dict.fromkeys(VERSIONS.values())
        for d in ir.DIRECTIONS
    ],
)


def mutants(case: ValidCase) -> list[Mutant]:
    """Systematic variants of one valid example; each is valid or not, the validators must agree."""
    return _MUTATOR.mutants(case.message, case.wire)

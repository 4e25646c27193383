"""The reference validator: python-jsonschema, routed by ``type``, with exact problems.

Routing on ``type`` first gives the error a person expects ("/payload/content: required")
instead of the "not valid under any of the given schemas" of a plain ``oneOf``. Patterns are
matched as ECMA-262 regular expressions, as JSON Schema specifies (python-jsonschema would use
Python's ``re``, whose ``$`` also matches before a trailing newline).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import cache
from typing import Any

import jsonschema
import regress
from jsonschema.exceptions import ValidationError

from wirebook import ir
from wirebook.problems import (
    Miss,
    Problem,
    chosen_branch,
    keyword_problems,
    pointer,
    route,
    wire_version,
)


@cache
def _regex(pattern: str) -> regress.Regex:
    return regress.Regex(pattern, "u")


def _ecma_pattern(
    validator: Any, pattern: str, instance: Any, schema: Mapping[str, Any]
) -> Iterator[ValidationError]:
    if validator.is_type(instance, "string") and _regex(pattern).find(instance) is None:
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


ReferenceDraft: Any = jsonschema.validators.extend(  # type: ignore[no-untyped-call]
    jsonschema.Draft202012Validator, {"pattern": _ecma_pattern}
)


def problems_of(error: ValidationError) -> list[Problem]:
    """Translate one jsonschema error into problems that name the offending member."""
    if error.validator in ("oneOf", "anyOf") and error.context:
        return _union_problems(error)
    schema: Any = error.schema
    return keyword_problems(
        str(error.validator),
        pointer(error.absolute_path),
        error.validator_value,
        error.instance,
        schema,
        error.message,
    )


def _union_problems(error: ValidationError) -> list[Problem]:
    """A value that no branch of a union took: the problems of the branch its kind (or tag)
    chose, or why none was chosen (``chosen_branch``)."""
    alternatives: Any = error.validator_value
    branches: list[list[ValidationError]] = [[] for _ in alternatives]
    for inner in error.context or ():
        branches[int(inner.relative_schema_path[0])].append(inner)
    misses = [
        [Miss(str(e.validator), e.validator_value, tuple(e.absolute_path)) for e in errors]
        for errors in branches
    ]
    holder: Any = error.schema
    tag = holder.get("discriminator", {}).get("propertyName")
    chosen = chosen_branch(misses, tuple(error.absolute_path), tag, error.instance)
    if isinstance(chosen, Problem):
        return [chosen]
    return [p for inner in branches[chosen] for p in problems_of(inner)]


class ReferenceValidator:
    """Validates wire messages of one protocol with python-jsonschema, one schema per message."""

    def __init__(
        self, schemas: Mapping[ir.Direction, Mapping[str, Mapping[str, Any]]], version: str = ""
    ) -> None:
        """``schemas``: direction → wire type → that message's self-contained schema;
        ``version``: the wire versions they are of, to name where a type is unknown, when not
        every version has one shape (`` in wire version 1``)."""
        self._validators = {
            direction: {t: ReferenceDraft(s) for t, s in by_type.items()}
            for direction, by_type in schemas.items()
        }
        self.version = version

    def validate(self, direction: ir.Direction, message: Any) -> list[Problem]:
        validator, problems = route(message, self._validators[direction], direction, self.version)
        if validator is None:
            return problems
        found = [p for e in validator.iter_errors(message) for p in problems_of(e)]
        return sorted(set(found), key=lambda p: (p.pointer, p.keyword, p.message))


class WireReference:
    """The reference validators of every wire version: a message is judged by the schemas of
    its own `v` (``problems.wire_version``)."""

    def __init__(self, by_version: Mapping[int, ReferenceValidator], default: int) -> None:
        self.by_version = by_version
        self.default = default

    def validate(self, direction: ir.Direction, message: Any) -> list[Problem]:
        version = wire_version(message, self.by_version, self.default)
        return self.by_version[version].validate(direction, message)

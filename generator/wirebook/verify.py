"""Check every example against the emitted schemas with the reference validator."""

from __future__ import annotations

from wirebook import ir
from wirebook.diagnostics import Diagnostic
from wirebook.emit.schemas import SchemaSet
from wirebook.errors import (
    INVALID_DEFAULT,
    INVALID_EXAMPLE,
    INVALID_EXAMPLE_ELSEWHERE,
    INVALID_EXAMPLE_PASSES,
)
from wirebook.problems import Problem, in_wire_versions
from wirebook.reference import ReferenceDraft, ReferenceValidator, WireReference, problems_of
from wirebook.validate.parse import parse_text


def reference_validator(schemas: SchemaSet) -> WireReference:
    shapes = dict.fromkeys(schemas.versions.values())
    compiled = {
        id(shape): ReferenceValidator(
            shape.messages(),
            in_wire_versions(shape.protocol.wire_supported) if len(shapes) > 1 else "",
        )
        for shape in shapes
    }
    return WireReference(
        {v: compiled[id(shape)] for v, shape in schemas.versions.items()},
        schemas.protocol.wire_default,
    )


def invalid_verdict(validator: WireReference, example: ir.InvalidExample) -> list[Problem]:
    if example.raw is not None:
        message, problems = parse_text(example.raw)
        if problems:
            return problems
    else:
        message = example.message
    return validator.validate(example.direction, message)


def _describe(problems: list[Problem]) -> str:
    return "; ".join(f"{p.pointer or '/'} ({p.keyword}): {p.message}" for p in problems)


def verify_examples(schemas: SchemaSet) -> list[Diagnostic]:
    protocol = schemas.protocol
    validator = reference_validator(schemas)
    found: list[Diagnostic] = []
    for message in protocol.messages:
        for example in message.examples:
            problems = validator.validate(message.direction, example.message)
            wire = example.message.get("type") if isinstance(example.message, dict) else None
            if wire != message.type and not problems:
                problems = [Problem("/type", "const", f"the example's type is {wire!r}")]
            found.extend(
                INVALID_EXAMPLE.at(
                    example.position_of(problem.pointer),
                    f"example '{example.name}' of {message.direction} message '{message.type}' is "
                    f"invalid at {problem.pointer or '/'} ({problem.keyword}): {problem.message}",
                    "fix the example or the definition",
                )
                for problem in problems
            )
        for field in message.fields:
            if field.has_default:
                found.extend(_check_default(schemas, message, field))
    for bad in (*protocol.invalid, *(i for m in protocol.messages for i in m.invalid)):
        problems = invalid_verdict(validator, bad)
        if not problems:
            found.append(
                INVALID_EXAMPLE_PASSES.at(
                    bad.position,
                    f"invalid example '{bad.name}' is valid",
                    "an invalid example must be rejected; change it or remove it",
                )
            )
        elif not any(p.pointer == bad.pointer and p.keyword == bad.keyword for p in problems):
            found.append(
                INVALID_EXAMPLE_ELSEWHERE.at(
                    bad.position,
                    f"invalid example '{bad.name}' fails elsewhere than expected "
                    f"({bad.pointer or '/'} {bad.keyword}): {_describe(problems)}",
                    "set `expect` to where it fails, or fix the example so it fails only there",
                )
            )
    return found


def _check_default(schemas: SchemaSet, message: ir.Message, field: ir.Field) -> list[Diagnostic]:
    # the message's schema in a version that has the field
    version = schemas.versions[
        next(v for v in sorted(schemas.versions) if message.span.has(v) and field.span.has(v))
    ]
    payload = version.message(message)
    schema = {
        **payload["$defs"][message.payload_class_name]["properties"][field.name],
        "$defs": payload["$defs"],
    }
    problems = [
        p for e in ReferenceDraft(schema).iter_errors(field.default) for p in problems_of(e)
    ]
    if not problems:
        return []
    return [
        INVALID_DEFAULT.at(
            field.position,
            f"the default of field '{field.name}' is invalid: {_describe(problems)}",
            "a default must be a valid value of the field",
        )
    ]

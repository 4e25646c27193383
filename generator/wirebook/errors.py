"""Every kind of definition error, with a stable ID, a name and a one-line reason.

As the lint rules have theirs (WB1xx, ``wirebook.lint``), a definition error is printed with its
ID (``error[WB030]``), so that a user can look it up here or in the README, and a test can name
it. IDs are never reused: a kind that goes away leaves a hole.
"""

from __future__ import annotations

from dataclasses import dataclass

from wirebook.diagnostics import Diagnostic, Position


@dataclass(frozen=True)
class ErrorKind:
    id: str
    name: str
    reason: str

    def at(self, position: Position | None, message: str, hint: str) -> Diagnostic:
        """A diagnostic of this kind."""
        return Diagnostic(position, message, hint, rule=self.id)


def _kind(id: str, name: str, reason: str) -> ErrorKind:
    kind = ErrorKind(id, name, reason)
    ERRORS.append(kind)
    return kind


ERRORS: list[ErrorKind] = []

# files and YAML
NO_DEFINITIONS = _kind("WB001", "no-definitions", "The definitions folder holds *.yaml files.")
UNREADABLE_FILE = _kind("WB002", "unreadable-file", "A definition file is readable UTF-8 text.")
YAML_SYNTAX = _kind("WB003", "yaml-syntax", "A definition file is valid YAML.")
DUPLICATE_KEY = _kind(
    "WB004", "duplicate-key", "A key appears once in a mapping: readers disagree on which wins."
)
YAML_VALUE = _kind(
    "WB005",
    "yaml-value",
    "Definitions hold JSON data: no tags, .inf, .nan or aliases that loop or explode.",
)
SAME_FILE_NAME = _kind(
    "WB006", "same-file-name", "Two definition files do not share a name, whatever the case."
)
NOT_A_MAPPING = _kind("WB007", "not-a-mapping", "A definition file is a mapping of sections.")
# the format's structure
UNKNOWN_KEY = _kind("WB010", "unknown-key", "Every key is one the format knows, where it is.")
MISSING_KEY = _kind("WB011", "missing-key", "What the format requires is written.")
WRONG_KIND = _kind("WB012", "wrong-kind", "A value is of the kind the format expects there.")
INVALID_VALUE = _kind("WB013", "invalid-value", "A value is one the format allows there.")
INVALID_NAME = _kind(
    "WB014",
    "invalid-name",
    "Names follow the format's conventions: they become class, file and field names.",
)
# the protocol header
PROTOCOL_SECTION = _kind("WB020", "protocol-section", "Exactly one file has `protocol:`.")
WIRE_VERSIONS = _kind(
    "WB021", "wire-versions", "The current and the default wire versions are supported ones."
)
CORRELATION_NAME = _kind(
    "WB022", "correlation-name", "The correlation field does not clash with the envelope."
)
UNKNOWN_LINT_RULE = _kind("WB023", "unknown-lint-rule", "A silenced lint rule exists.")
DUPLICATE_ERROR_CODE = _kind("WB024", "duplicate-error-code", "An error code is declared once.")
UNKNOWN_BREAKING_RULE = _kind(
    "WB025", "unknown-breaking-rule", "An acknowledged breaking change names a rule that exists."
)
# types
UNKNOWN_TYPE = _kind("WB030", "unknown-type", "A type name refers to a primitive or a named type.")
DUPLICATE_TYPE = _kind("WB031", "duplicate-type", "A named type is declared once.")
TYPE_CYCLE = _kind("WB032", "type-cycle", "A value of every type is finite.")
INCOMPLETE_TYPE = _kind(
    "WB033", "incomplete-type", "A type says what its values are (fields, items…)."
)
MISPLACED_KEY = _kind(
    "WB034", "misplaced-key", "A constraint applies to the type it is written on."
)
INVALID_ENUM = _kind(
    "WB035", "invalid-enum", "An enum lists distinct values of one kind, without null."
)
INVALID_PATTERN = _kind(
    "WB036",
    "invalid-pattern",
    "A pattern is a portable, regular ECMA-262 expression that cannot backtrack for ever.",
)
EMPTY_RANGE = _kind("WB037", "empty-range", "Bounds leave some value valid.")
UNSAFE_INTEGER = _kind(
    "WB038", "unsafe-integer", "A whole number in a constraint is exact in JavaScript (±2^53)."
)
REQUIRED_WITH_DEFAULT = _kind(
    "WB039", "required-with-default", "A default applies to an optional field only."
)
CLASS_NAME_TAKEN = _kind(
    "WB040", "class-name-taken", "Each generated class name is made once and hides nothing."
)
INVALID_UNION = _kind(
    "WB041",
    "invalid-union",
    "A union's branches never take the same value, so that exactly one matches.",
)
# messages
DUPLICATE_MESSAGE = _kind(
    "WB050", "duplicate-message", "A message is defined once per direction and type."
)
MESSAGE_FILE_NAME = _kind(
    "WB051", "message-file-name", "A message type names a schema file every system can hold."
)
NO_CLIENT_MESSAGES = _kind(
    "WB052", "no-client-messages", "Clients have at least one message to send."
)
EXAMPLE_FORM = _kind(
    "WB053", "example-form", "An example is a whole message, a payload or raw text: one of them."
)
UNKNOWN_REPLY = _kind("WB054", "unknown-reply", "A reply is a message of the other direction.")
DISPATCH_NEEDS = _kind(
    "WB055",
    "dispatch-needs",
    "The error codes and the `error` and `ack` messages that the generated dispatch sends exist.",
)
# examples, checked against the emitted schemas
INVALID_EXAMPLE = _kind("WB060", "invalid-example", "Every example is valid.")
INVALID_EXAMPLE_PASSES = _kind(
    "WB061", "invalid-example-passes", "Every invalid example is rejected."
)
INVALID_EXAMPLE_ELSEWHERE = _kind(
    "WB062",
    "invalid-example-elsewhere",
    "An invalid example fails where its `expect` says, by that keyword.",
)
INVALID_DEFAULT = _kind("WB063", "invalid-default", "A default is a valid value of its field.")
# wire versions that differ in shape
WIRE_SPAN = _kind(
    "WB064",
    "wire-span",
    "`since`, `until` and `required_since` name wire versions in order, up to the current one, "
    "and leave the thing in at least one supported version.",
)


def errors_help() -> str:
    """The table, as `wirebook check --help` shows it."""
    return "\n".join(f"  {k.id} {k.name}: {k.reason}" for k in ERRORS)

"""What is wrong with a message, in the words every validator of wirebook shares.

A problem names the JSON pointer of the offending member (the missing field for `required`, the
extra one for `additionalProperties`), the JSON Schema keyword, and what was expected and got.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Container, Iterable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Problem:
    """Why a message is invalid: the JSON pointer of the offending member and the keyword."""

    pointer: str
    keyword: str
    message: str

    def __str__(self) -> str:
        return f"{self.pointer or '/'}: {self.message}"


def pointer(path: Any) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in path)


def json_kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."


def _got(value: Any) -> str:
    """What a value is: `integer 1`, `string "x"`, `null`."""
    return "null" if value is None else f"{json_kind(value)} {_short(value)}"


def keyword_problems(
    kind: str, at: str, value: Any, got: Any, schema: Mapping[str, Any], fallback: str
) -> list[Problem]:
    """The problems of one failed keyword, in words shared by every engine.

    ``value`` is the keyword's value in ``schema``, ``got`` the instance at pointer ``at``;
    ``fallback`` is the engine's own text for a keyword without one here.
    """
    if kind == "required":
        return [
            Problem(at + pointer([name]), "required", f"missing required field '{name}'")
            for name in value
            if isinstance(got, dict) and name not in got
        ]
    if kind == "additionalProperties" and isinstance(got, dict):
        known = set(schema.get("properties", {}))
        return [
            Problem(
                at + pointer([name]),
                "additionalProperties",
                f"unexpected field '{name}'; expected only: {', '.join(sorted(known)) or 'none'}",
            )
            for name in got
            if name not in known
        ]
    text = _TEXTS.get(kind)
    if text is None:
        return [Problem(at, kind, fallback)]
    size = len(got) if isinstance(got, str | list | dict) else 0
    return [Problem(at, kind, text(value, got, size))]


@dataclass(frozen=True)
class Miss:
    """One failed keyword inside a branch of a union, as any engine reports it."""

    keyword: str
    value: Any  # the keyword's value in the schema
    at: tuple[str | int, ...]  # the instance path it failed at


def chosen_branch(
    branches: list[list[Miss]], at: tuple[str | int, ...], tag: str | None, got: Any
) -> int | Problem:
    """The branch of a failed union that a value's JSON kind (and, for a tagged union, its tag)
    chose, whose own problems then say what is wrong; or the problem of a value whose kind or
    tag is none of the union's. Never "not valid under any of the given schemas"."""

    def expected(misses: list[Miss], keyword: str, path: tuple[str | int, ...]) -> list[Any]:
        return [m.value for m in misses if m.keyword == keyword and m.at == path]

    kinds = [expected(misses, "type", at) for misses in branches]
    by_kind = [i for i, wanted in enumerate(kinds) if not wanted]
    if not by_kind:
        wanted = " or ".join(dict.fromkeys(str(k) for ks in kinds for k in ks))
        return Problem(pointer(at), "type", f"expected {wanted}, got {_got(got)}")
    if tag is not None and isinstance(got, dict):
        if tag not in got:
            return Problem(pointer((*at, tag)), "required", f"missing required field '{tag}'")
        tags = {i: expected(branches[i], "const", (*at, tag)) for i in by_kind}
        by_kind = [i for i in by_kind if not tags[i]]
        if not by_kind:
            known = ", ".join(
                _short(v) for v in dict.fromkeys(v for vs in tags.values() for v in vs)
            )
            return Problem(
                pointer((*at, tag)), "enum", f"expected one of {known}, got {_short(got[tag])}"
            )
    if len(by_kind) != 1:  # branches that overlap (no schema of wirebook's has them)
        return Problem(pointer(at), "oneOf", f"{_short(got)} matches none of the union's branches")
    return by_kind[0]


# keyword → its words, from the keyword's value, the instance and the instance's size
_TEXTS: dict[str, Callable[[Any, Any, int], str]] = {
    "type": lambda value, got, size: f"expected {value}, got {_got(got)}",
    "enum": lambda value, got, size: (
        f"expected one of {', '.join(map(_short, value))}, got {_short(got)}"
    ),
    "const": lambda value, got, size: f"expected {_short(value)}, got {_short(got)}",
    "pattern": lambda value, got, size: f"{_short(got)} does not match the pattern {value}",
    "format": lambda value, got, size: f"{_short(got)} is not a valid {value}",
    "minLength": lambda value, got, size: f"expected at least {value} characters, got {size}",
    "maxLength": lambda value, got, size: f"expected at most {value} characters, got {size}",
    "minimum": lambda value, got, size: f"expected at least {value}, got {_short(got)}",
    "maximum": lambda value, got, size: f"expected at most {value}, got {_short(got)}",
    "exclusiveMinimum": lambda value, got, size: f"expected more than {value}, got {_short(got)}",
    "exclusiveMaximum": lambda value, got, size: f"expected less than {value}, got {_short(got)}",
    "minItems": lambda value, got, size: f"expected at least {value} items, got {size}",
    "maxItems": lambda value, got, size: f"expected at most {value} items, got {size}",
    "uniqueItems": lambda value, got, size: "items must be unique",
    "minProperties": lambda value, got, size: f"expected at least {value} entries, got {size}",
    "maxProperties": lambda value, got, size: f"expected at most {value} entries, got {size}",
}


def wire_version(message: Any, versions: Container[int], default: int) -> int:
    """The wire version whose schemas judge ``message``: its `v` when that is one of
    ``versions``, else ``default`` (a message without `v` is of that version, and its schemas say
    what is wrong with another `v`)."""
    if isinstance(message, dict):
        version = message.get("v", default)
        number = isinstance(version, int | float) and not isinstance(version, bool)
        if number and version in versions:  # 1.0 is 1, as in JSON Schema
            return int(version)
    return default


def in_wire_versions(versions: Iterable[int]) -> str:
    """`` in wire version 1``: where a message type is unknown, when versions differ in shape."""
    listed = list(versions)
    return f" in wire version{'s' * (len(listed) > 1)} {', '.join(map(str, listed))}"


def route(
    message: Any, types: Mapping[str, Any], direction: str, version: str = ""
) -> tuple[Any | None, list[Problem]]:
    """Find the entry of ``types`` for this message's ``type``, or say why there is none;
    ``version``: the wire versions whose types they are, when not every version has them."""
    if not isinstance(message, dict):
        return None, [
            Problem("", "type", f"a message must be a JSON object, got {json_kind(message)}")
        ]
    if "type" not in message:
        return None, [
            Problem(
                "/type", "required", "missing required field 'type' (every message names its type)"
            )
        ]
    kind = message["type"]
    if not isinstance(kind, str):
        return None, [Problem("/type", "type", f"expected string, got {_got(kind)}")]
    if kind not in types:
        known = ", ".join(sorted(types))
        return None, [
            Problem(
                "/type",
                "enum",
                f"unknown {direction} message type {kind!r}{version}; known types: {known}",
            )
        ]
    return types[kind], []

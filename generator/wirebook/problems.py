"""What is wrong with a message, in the words every validator of wirebook shares.

A problem names the JSON pointer of the offending member (the missing field for `required`, the
extra one for `additionalProperties`), the JSON Schema keyword, and what was expected and got.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
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


# keyword → its words, from the keyword's value, the instance and the instance's size
_TEXTS: dict[str, Callable[[Any, Any, int], str]] = {
    "type": lambda value, got, size: f"expected {value}, got {json_kind(got)} {_short(got)}",
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
}


def route(
    message: Any, types: Mapping[str, Any], direction: str
) -> tuple[Any | None, list[Problem]]:
    """Find the entry of ``types`` for this message's ``type``, or say why there is none."""
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
        return None, [
            Problem("/type", "type", f"expected string, got {json_kind(kind)} {_short(kind)}")
        ]
    if kind not in types:
        known = ", ".join(sorted(types))
        return None, [
            Problem(
                "/type", "enum", f"unknown {direction} message type {kind!r}; known types: {known}"
            )
        ]
    return types[kind], []

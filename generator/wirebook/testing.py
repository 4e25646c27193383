"""Assertions for the tests of any project that speaks a wirebook protocol.

    from wirebook.testing import assert_valid_message

    def test_the_server_greets() -> None:
        assert_valid_message(first_message_sent, direction="server")

The protocol comes from the published schemas (``generated/schemas`` by default) or from a
``Validator`` you pass. A failure names every problem, with its JSON pointer.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from wirebook.problems import Problem
from wirebook.validate.engine import Validator
from wirebook.validate.options import Choice

DEFAULT_SCHEMAS = Path("generated/schemas")


@cache
def _validator(folder: Path) -> Validator:
    return Validator.from_schemas(folder)


def _problems(
    message: Any, direction: Choice, schemas: str | Path, validator: Validator | None
) -> list[Problem]:
    checker = validator or _validator(Path(schemas).resolve())
    if isinstance(message, str | bytes):
        return checker.validate_json(message, direction)
    return checker.validate(message, direction)


def _shown(message: Any) -> str:
    if isinstance(message, bytes):
        message = message.decode("utf-8", "replace")
    text = message if isinstance(message, str) else json.dumps(message, ensure_ascii=False)
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")  # a surrogate as \ud800
    return text if len(text) <= 300 else text[:297] + "..."


def assert_valid_message(
    message: Any,
    *,
    direction: Choice = "any",
    schemas: str | Path = DEFAULT_SCHEMAS,
    validator: Validator | None = None,
) -> None:
    """Fail, naming every problem, unless ``message`` is valid.

    ``message`` is a JSON value (a dict, as ``json.loads`` returns it) or wire text (``str`` or
    ``bytes``, read as strictly as ``wirebook validate`` reads it).
    """
    __tracebackhide__ = True  # pytest shows the caller's line, not this one
    problems = _problems(message, direction, schemas, validator)
    if problems:
        lines = "\n".join(f"  {p.pointer or '/'}: {p.message} ({p.keyword})" for p in problems)
        raise AssertionError(
            f"invalid {'' if direction == 'any' else direction + ' '}message:\n{lines}\n"
            f"message: {_shown(message)}"
        )


def assert_invalid_message(
    message: Any,
    *,
    pointer: str | None = None,
    keyword: str | None = None,
    direction: Choice = "any",
    schemas: str | Path = DEFAULT_SCHEMAS,
    validator: Validator | None = None,
) -> list[Problem]:
    """Fail unless ``message`` is invalid (at ``pointer`` by ``keyword``, when given).

    Returns the problems, for further checks.
    """
    __tracebackhide__ = True
    problems = _problems(message, direction, schemas, validator)
    if not problems:
        raise AssertionError(f"expected an invalid message, but it is valid: {_shown(message)}")
    wanted = [
        p
        for p in problems
        if (pointer is None or p.pointer == pointer) and (keyword is None or p.keyword == keyword)
    ]
    if not wanted:
        found = "\n".join(f"  {p.pointer or '/'} ({p.keyword}): {p.message}" for p in problems)
        raise AssertionError(
            f"the message is invalid, but not at {pointer or '/'} ({keyword or 'any keyword'}):\n"
            f"{found}\nmessage: {_shown(message)}"
        )
    return problems

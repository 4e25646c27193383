"""Strict, exact JSON for wire messages, and a clear word for every way a text is not one.

orjson parses fast but lets a repeated key win silently and reads integers beyond 64 bits as
floats. A text that ``_sift.suspect`` clears has neither (it compares each object's keys and
looks for long numbers), so only the other texts, a few in practice, take the exact path through
the standard library: there a repeated key is an error and integers keep every digit, so JSON
Schema sees the number that was sent.
"""

from __future__ import annotations

import functools
import json
import math
import re
from typing import Any, TypeAlias

import orjson

from wirebook.problems import Problem, pointer
from wirebook.validate._sift import nesting, suspect

BOM = b"\xef\xbb\xbf"
# what no UTF-8 text holds, so no JSON text, though a Python string may (the standard library
# reads "\ud800" into one)
_SURROGATE = re.compile(r"[\ud800-\udfff]")
# The most containers that may enclose a value of a text that wirebook's readers take: the
# generated dispatch reads frames with jiter, which refuses more (so an empty container may be
# the 201st), and `validate` refuses the same texts (orjson would read 1024 levels).
MAX_DEPTH = 200


class _Repeated(dict[str, Any]):
    """An object whose text repeats a name; marked while parsing, located afterwards."""

    def __init__(self, pairs: list[tuple[str, Any]], name: str) -> None:
        super().__init__(pairs)
        self.name = name


class _NotJSON(ValueError):
    pass


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found = dict(pairs)
    if len(found) == len(pairs):
        return found
    seen: set[str] = set()
    name = next(k for k, _ in pairs if k in seen or seen.add(k))  # type: ignore[func-returns-value]
    return _Repeated(pairs, name)


def _constant(name: str) -> Any:
    raise _NotJSON(f"{name} is not a JSON number (JSON has no NaN or Infinity)")


def _float(text: str) -> float:
    number = float(text)
    if math.isinf(number):
        raise _NotJSON(f"the number {text} is beyond the range of a 64-bit float")
    return number


_EXACT = json.JSONDecoder(object_pairs_hook=_pairs, parse_constant=_constant, parse_float=_float)


def _repeated(value: Any, path: tuple[str | int, ...] = ()) -> list[Problem]:
    found = []
    if isinstance(value, _Repeated):
        found.append(
            Problem(
                pointer((*path, value.name)),
                "duplicateKey",
                f"the key '{value.name}' appears more than once in one object "
                "(readers disagree on which value counts)",
            )
        )
    if isinstance(value, dict):
        for key, item in value.items():
            found.extend(_repeated(item, (*path, key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.extend(_repeated(item, (*path, index)))
    return found


def parse_exact(raw: bytes) -> tuple[Any, list[Problem]]:
    """The standard library's reading of a text that ``suspect`` flagged (orjson accepted it,
    or refused a number that may be a long integer), unless it nests deeper than MAX_DEPTH."""
    if nesting(raw) > MAX_DEPTH:
        return None, [too_deep()]
    try:
        message = _EXACT.decode(raw.decode("utf-8"))
    except RecursionError:  # within MAX_DEPTH, only if the caller's stack is nearly full
        return None, [too_deep()]
    except _NotJSON as exc:  # NaN, Infinity, a float out of range
        return None, [Problem("", "json", str(exc))]
    except ValueError as exc:  # an integer of more digits than Python converts (4300)
        return None, [Problem("", "json", f"a number too long to read: {exc}")]
    repeated = _repeated(message)
    if repeated:
        return None, repeated
    surrogate = not_json_in(message)  # orjson refuses "\ud800"; the standard library reads it
    return (None, [surrogate]) if surrogate else (message, [])


_Path: TypeAlias = tuple[str | int, "_Path"] | None  # a member's name or index, its parent's path


def not_json_in(value: Any) -> Problem | None:
    """The first part of a value that no JSON text can carry: a string or a key that holds a
    surrogate code point, a float that is NaN or infinite (Python's can be); None if there is
    none. A loop, not a recursion, and each path a link to its parent's: a value given to
    ``Validator.validate`` may be nested deep."""
    todo: list[tuple[Any, _Path]] = [(value, None)]
    while todo:
        item, path = todo.pop()
        if isinstance(item, str):
            found = _SURROGATE.search(item)
            if found:
                return _surrogate(path, "a string", found.group())
        elif isinstance(item, float) and not math.isfinite(item):
            name = "NaN" if math.isnan(item) else "Infinity" if item > 0 else "-Infinity"
            return Problem(_pointer(path), "json", f"not JSON: {name} is no JSON number")
        elif isinstance(item, dict):
            for key in item:
                found = _SURROGATE.search(key) if isinstance(key, str) else None
                if found:
                    return _surrogate(path, f"the key {key!r}", found.group())
            todo.extend((member, (key, path)) for key, member in reversed(item.items()))
        elif isinstance(item, list):
            todo.extend((item[index], (index, path)) for index in reversed(range(len(item))))
    return None


def _pointer(path: _Path) -> str:
    names: list[str | int] = []
    while path is not None:
        name, path = path
        names.append(name)
    return pointer(reversed(names))


def _surrogate(path: _Path, what: str, code: str) -> Problem:
    return Problem(
        _pointer(path),
        "json",
        f"not JSON: {what} holds U+{ord(code):04X}, a surrogate code point, which no JSON text "
        "can carry",
    )


def parse_text(text: str | bytes) -> tuple[Any, list[Problem]]:
    """Wire text, read strictly as ``parse`` reads its bytes: a str is read as its UTF-8
    encoding, which a surrogate code point in it does not have."""
    if isinstance(text, bytes):
        return parse(text)
    try:
        raw = text.encode("utf-8")
    except UnicodeEncodeError as exc:
        return None, [_unencodable(text, exc.start)]
    return parse(raw)


def _unencodable(text: str, index: int) -> Problem:
    """A text holding a surrogate code point: not UTF-8, so not JSON (as its bytes would say)."""
    return Problem(
        "",
        "json",
        f"not JSON: U+{ord(text[index]):04X} at character {index} is a surrogate code point, "
        "which no UTF-8 text holds",
    )


def parse(raw: bytes, truncated: bool = False) -> tuple[Any, list[Problem]]:
    """Parse one message: the value, or why it is not a (strict, unambiguous) JSON message.

    ``truncated``: the input ended inside ``raw`` (said when it fails).
    """
    try:
        message = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        if "infinity" in str(exc):  # maybe an integer, too long for a float, not for JSON
            return parse_exact(raw)
        return None, [failure(raw, exc, truncated)]
    if not suspect(raw):  # no repeated key, no long number, nesting within 64 levels
        return message, []
    return parse_exact(raw)


def too_deep() -> Problem:
    return Problem("", "json", f"nested more than {MAX_DEPTH} levels deep: refused unread")


@functools.lru_cache(maxsize=4096)
def _not_json(text: str) -> Problem:
    """One Problem for lines that fail alike (cut at the same place, say): a log's verdicts
    on them are found by it, without comparing its words."""
    return Problem("", "json", f"not JSON: {text}")


def failure(raw: bytes, error: orjson.JSONDecodeError, truncated: bool = False) -> Problem:
    """Why orjson refused ``raw``, in words; ``truncated``: the input ended inside it."""
    if not raw.strip():
        return Problem("", "json", "empty: no JSON value (a JSON Lines file has one on every line)")
    if raw.startswith(BOM):
        return _not_json("starts with a UTF-8 byte-order mark, which JSON text must not have")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return _not_json(f"not UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start})")
    detail = str(error)
    if "depth limit" in detail:
        return too_deep()
    if b"NaN" in raw or b"Infinity" in raw:
        try:  # the standard library names NaN and Infinity, which orjson only calls unexpected
            _EXACT.decode(text)
        except _NotJSON as exc:
            detail = str(exc)
        except (ValueError, RecursionError):
            pass
    if truncated:
        detail += " (the input ends inside this message: truncated?)"
    return _not_json(detail)

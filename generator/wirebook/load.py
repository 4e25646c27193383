"""Load YAML definition files into plain JSON data plus the position of every node.

PyYAML's composer gives nodes with start marks; we build the values ourselves so that duplicate
keys are errors (PyYAML silently keeps the last) and every value and key keeps its line and column.

Plain scalars are read with the YAML 1.2 core schema, as editors' YAML language servers read them,
not PyYAML's YAML 1.1 one: ``yes``/``no``/``on``/``off`` and ``2024-01-01`` stay strings, ``010``
is ten, ``1e3`` is a number. Everything built is JSON data: ``.inf``, ``.nan`` and tags such as
``!!binary`` or ``!!set`` are errors.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from wirebook.diagnostics import Diagnostic, Position, did_you_mean
from wirebook.errors import DUPLICATE_KEY, UNREADABLE_FILE, YAML_SYNTAX, YAML_VALUE

try:  # the C parser is several times faster; the pure-Python one gives the same nodes
    from yaml import CSafeLoader as _BaseLoader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _BaseLoader  # type: ignore[assignment]

Pointer = tuple[str | int, ...]

# Deeper nesting than this is a mistake (or an attack) in a definition file, and would exhaust
# Python's recursion limit in the checks and emitters that walk it.
MAX_DEPTH = 48
# Aliases can expand a small file exponentially ("billion laughs").
MAX_NODES = 200_000

_TAG = "tag:yaml.org,2002:"
_NULL, _BOOL, _INT, _FLOAT, _STR = (_TAG + t for t in ("null", "bool", "int", "float", "str"))
_MAP, _SEQ, _MERGE = _TAG + "map", _TAG + "seq", _TAG + "merge"


class _Loader(_BaseLoader):
    """PyYAML's safe loader with the YAML 1.2 core schema's implicit types."""

    yaml_implicit_resolvers: dict[Any, Any] = {}  # noqa: RUF012 - PyYAML's class-level registry


for _tag, _pattern, _first in (
    (_NULL, r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    (_BOOL, r"^(?:true|True|TRUE|false|False|FALSE)$", list("tTfF")),
    (_INT, r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", list("-+0123456789")),
    (
        _FLOAT,
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
        list("-+.0123456789"),
    ),
    (_MERGE, r"^<<$", ["<"]),
):
    _Loader.add_implicit_resolver(_tag, re.compile(_pattern), _first)


@dataclass
class Document:
    """One YAML file: its data, and where each value (and each mapping key) stands."""

    file: str
    data: Any
    values: dict[Pointer, Position] = field(default_factory=dict)
    keys: dict[Pointer, Position] = field(default_factory=dict)
    # values that could not be read (already reported): later checks stay quiet about them
    broken: set[Pointer] = field(default_factory=set)

    def at(self, pointer: Pointer) -> Position:
        """The position of the value at ``pointer``, or of its nearest ancestor that exists."""
        for end in range(len(pointer), -1, -1):
            found = self.values.get(pointer[:end])
            if found:
                return found
        return Position(self.file, 1, 1)

    def key_at(self, pointer: Pointer) -> Position:
        """The position of the key that holds ``pointer`` (falls back to the value)."""
        return self.keys.get(pointer) or self.at(pointer)

    def is_broken(self, pointer: Pointer) -> bool:
        return any(pointer[: len(b)] == b for b in self.broken)


def _position(file: str, node: yaml.Node) -> Position:
    return Position(file, node.start_mark.line + 1, node.start_mark.column + 1)


class _Problem(Exception):
    """A value that cannot be read; carries the message and the hint."""

    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.message, self.hint = message, hint


def _integer(text: str) -> int:
    body = text.lstrip("+-")
    sign = -1 if text.startswith("-") else 1
    for prefix, base in (("0o", 8), ("0x", 16)):
        if body.startswith(prefix):
            return sign * int(body[2:], base)
    return int(text, 10)


def _scalar(node: yaml.ScalarNode) -> Any:
    tag, text = node.tag, node.value
    if tag == _STR:
        return text
    if tag == _NULL:
        return None
    if tag == _BOOL:
        if text.lower() not in ("true", "false"):
            raise _Problem(f"{text!r} is not true or false", "write true or false")
        return text.lower() == "true"
    if tag == _INT:
        try:
            return _integer(text)
        except ValueError:
            raise _Problem(
                f"{text!r} is not a whole number wirebook can read",
                "write decimal digits (or 0x… / 0o…), at most 4300 of them",
            ) from None
    if tag == _FLOAT:
        try:
            value = None if text.lower().lstrip("+-") in (".inf", ".nan") else float(text)
        except ValueError:
            raise _Problem(f"{text!r} is not a number", "write a number such as 2.5") from None
        if value is None or not math.isfinite(value):  # 1e999 overflows to inf
            raise _Problem(
                f"{text} is not a finite number",
                "JSON has no Infinity or NaN; write a finite number, or quote it to mean text",
            )
        return value
    raise _Problem(
        f"unsupported YAML tag {tag}",
        "definitions hold JSON data only: remove the tag (quote the value to mean text)",
    )


@dataclass
class _Builder:
    doc: Document
    problems: list[Diagnostic]
    nodes: int = 0
    active: set[int] = field(default_factory=set)  # nodes being built: an alias among them loops

    def problem(self, node: yaml.Node, pointer: Pointer, message: str, hint: str) -> None:
        self.problems.append(YAML_VALUE.at(_position(self.doc.file, node), message, hint))
        self.doc.broken.add(pointer)

    def build(self, node: yaml.Node, pointer: Pointer) -> Any:
        self.doc.values[pointer] = _position(self.doc.file, node)
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise _Problem(
                f"the file expands to more than {MAX_NODES} values",
                "aliases (*name) repeat what they point to; use fewer of them",
            )
        if id(node) in self.active:
            self.problem(
                node,
                pointer,
                "this alias refers to a value that contains it",
                "an alias (*name) must not point to one of its own parents",
            )
            return None
        if isinstance(node, yaml.ScalarNode):
            try:
                return _scalar(node)
            except _Problem as exc:
                self.problem(node, pointer, exc.message, exc.hint)
                return node.value
        if len(pointer) >= MAX_DEPTH:
            self.problem(
                node,
                pointer,
                f"nested more than {MAX_DEPTH} levels deep",
                "flatten it: definitions and examples this deep are a mistake",
            )
            return None
        self.active.add(id(node))
        try:
            if isinstance(node, yaml.MappingNode):
                self._check_tag(node, pointer, _MAP, "mapping")
                return self._mapping(node, pointer)
            self._check_tag(node, pointer, _SEQ, "list")
            return [self.build(item, (*pointer, i)) for i, item in enumerate(node.value)]
        finally:
            self.active.discard(id(node))

    def _check_tag(self, node: yaml.Node, pointer: Pointer, tag: str, what: str) -> None:
        if node.tag != tag:
            self.problem(
                node,
                pointer,
                f"unsupported YAML tag {node.tag}",
                f"definitions hold JSON data only: remove the tag to keep a plain {what}",
            )

    def _mapping(self, node: yaml.MappingNode, pointer: Pointer) -> dict[str, Any]:
        result: dict[str, Any] = {}
        merges: list[yaml.Node] = []
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                merges.append(value_node)
                continue
            key = self._key(key_node, pointer)
            if key is None:
                continue
            child = (*pointer, key)
            if key in result:
                first = self.doc.keys[child]
                self.problems.append(
                    DUPLICATE_KEY.at(
                        _position(self.doc.file, key_node),
                        f"duplicate key '{key}' (first at line {first.line})",
                        "a key may appear once in a mapping: remove one of them or merge the two",
                    )
                )
                continue
            self.doc.keys[child] = _position(self.doc.file, key_node)
            result[key] = self.build(value_node, child)
        # `<<: *base` (or a list of them): keys written here win, then earlier sources win
        for source in merges:
            sources = source.value if isinstance(source, yaml.SequenceNode) else [source]
            for merged in sources:
                if not isinstance(merged, yaml.MappingNode):
                    self.problem(
                        merged,
                        pointer,
                        "`<<` merges mappings only",
                        "write `<<: *name` where &name marks a mapping",
                    )
                    continue
                for key_node, value_node in merged.value:
                    key = self._key(key_node, pointer)
                    if key is not None and key not in result:
                        self.doc.keys[(*pointer, key)] = _position(self.doc.file, key_node)
                        result[key] = self.build(value_node, (*pointer, key))
        return result

    def _key(self, node: yaml.Node, pointer: Pointer) -> str | None:
        """A mapping key as JSON has it: the text as written (``1:`` and ``true:`` are names)."""
        if not isinstance(node, yaml.ScalarNode):
            self.problem(
                node,
                pointer,
                "a key must be a name, not a list or a mapping",
                "write a plain name before the colon",
            )
            return None
        if node.tag == _NULL and not node.value.strip("~"):
            self.problem(
                node,
                pointer,
                "a key is empty",
                "write a name before the colon (quote it if it is unusual)",
            )
            return None
        return str(node.value)


# PyYAML's problem texts → what a person should do about them.
_SYNTAX_HINTS = (
    ("tab", "indent with spaces: YAML does not allow tabs for indentation"),
    (
        "mapping values are not allowed",
        "a value that contains ': ' must be quoted; or check the indentation of this line",
    ),
    ("cannot start any token", "quote a value that starts with ` @ % or another special character"),
    ("expected a single document", "a definition file holds one YAML document: remove the `---`"),
    ("did not find expected ',' or ']'", "close the list with ] (or separate items with commas)"),
    ("did not find expected ',' or '}'", "close the mapping with } (or separate keys with commas)"),
    ("found unexpected end of stream", "close the quote or bracket that is still open"),
    ("did not find expected key", "check the indentation: keys of one mapping line up"),
    ("did not find expected '-' indicator", "check the indentation: items of one list line up"),
)


def _syntax_hint(problem: str) -> str:
    return next(
        (hint for text, hint in _SYNTAX_HINTS if text in problem),
        "fix the YAML syntax here (indentation, quotes, brackets)",
    )


# Line breaks as PyYAML counts them in its marks (YAML 1.1); the file was read with universal
# newlines, so `\r` is gone already.
_LINE_BREAK = re.compile(r"[\n\x85\u2028\u2029]")
# What YAML does not allow in a file (outside its printable set), even inside quotes.
_UNPRINTABLE = re.compile(r"[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# libyaml (and YAML 1.1) anchor names: the C parser's message leaves the name out.
_ALIAS = re.compile(r"\*([0-9A-Za-z_-]+)")


def _place(display: str, text: str, index: int) -> Position:
    """The line and column of character ``index`` of ``text``."""
    before = text[:index]
    breaks = list(_LINE_BREAK.finditer(before))
    start = breaks[-1].end() if breaks else 0
    return Position(display, len(breaks) + 1, index - start + 1)


def _unprintable(display: str, text: str) -> Diagnostic:
    """Where the first character YAML refuses stands (PyYAML gives an offset, in bytes for C)."""
    found = _UNPRINTABLE.search(text)
    if found is None:  # pragma: no cover - PyYAML's reader refuses exactly these characters
        return UNREADABLE_FILE.at(
            Position(display, 1, 1), "invalid YAML text", "save it as UTF-8 text"
        )
    code = ord(found.group())
    name = (
        "a NUL character (U+0000)"
        if code == 0
        else f"the {'control ' * (code < 0xA0)}character U+{code:04X}"
    )
    more = len(_UNPRINTABLE.findall(text)) - 1
    return YAML_SYNTAX.at(
        _place(display, text, found.start()),
        f"the file holds {name}, which YAML does not allow"
        + (f" ({more} more in the file)" if more else ""),
        "remove it; to mean it in a text value, write an escape in double quotes, "
        f'such as "\\u{code:04x}"',
    )


def _undefined_alias(display: str, text: str, mark: yaml.Mark) -> Diagnostic:
    """Name the alias, and its anchor if it is defined later or spelled differently."""
    lines = _LINE_BREAK.split(text)
    written = _ALIAS.match(lines[mark.line], mark.column) if mark.line < len(lines) else None
    name = written.group(1) if written else "?"
    anchors = {m.group(1): m for m in re.finditer(r"&([0-9A-Za-z_-]+)", text)}
    if name in anchors:
        later = _place(display, text, anchors[name].start())
        hint = (
            f"the anchor &{name} is below, at line {later.line}: an alias repeats a value "
            "written above it, so move the anchored value up"
        )
    else:
        close = did_you_mean(name, anchors) if anchors else ""
        define = f"write &{name} before the value to repeat, above this alias"
        hint = f"{close} Or {define}" if close.startswith("did") else define
    return YAML_SYNTAX.at(
        Position(display, mark.line + 1, mark.column + 1),
        f"invalid YAML: the alias *{name} has no anchor &{name} above it",
        hint,
    )


def _not_utf8(display: str, data: bytes, exc: UnicodeDecodeError) -> Diagnostic:
    text = data[: exc.start].decode("utf-8-sig", errors="replace")
    return UNREADABLE_FILE.at(
        _place(display, text, len(text)),
        f"the file is not UTF-8 text: byte 0x{data[exc.start]:02x} cannot start or continue "
        "a character here",
        "save the file as UTF-8",
    )


def load_file(path: Path, display: str) -> tuple[Document | None, list[Diagnostic]]:
    """Parse one YAML file. Anchors, aliases and merge keys work; tags do not."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        return None, [
            UNREADABLE_FILE.at(
                Position(display, 1, 1),
                f"cannot read the file: {exc.strerror}",
                "check that it exists and is readable",
            )
        ]
    try:  # as Path.read_text reads: universal newlines, a UTF-8 byte order mark dropped
        text = data.decode("utf-8-sig").replace("\r\n", "\n").replace("\r", "\n")
    except UnicodeDecodeError as exc:
        return None, [_not_utf8(display, data, exc)]
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        what = exc.problem or exc.context or "unreadable"
        if mark and what.startswith("found undefined alias"):
            return None, [_undefined_alias(display, text, mark)]
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        if exc.context and exc.problem and exc.problem.startswith("but "):
            what = f"{exc.context} {exc.problem}"  # "expected a single document … but found …"
        elif exc.context and exc.problem:
            start = exc.context_mark
            started = f" at line {start.line + 1}, column {start.column + 1}" if start else ""
            what += f" ({exc.context}{started})"
        return None, [
            YAML_SYNTAX.at(
                Position(display, line, column), f"invalid YAML: {what}", _syntax_hint(what)
            )
        ]
    except yaml.reader.ReaderError:
        return None, [_unprintable(display, text)]
    except yaml.YAMLError as exc:  # pragma: no cover - PyYAML marks its other parse errors
        return None, [
            YAML_SYNTAX.at(Position(display, 1, 1), f"invalid YAML: {exc}", "fix the YAML syntax")
        ]
    doc = Document(display, None)
    if node is None:  # empty, or only comments
        doc.data = {}
        doc.values[()] = Position(display, 1, 1)
        return doc, []
    problems: list[Diagnostic] = []
    builder = _Builder(doc, problems)
    try:
        doc.data = builder.build(node, ())
    except _Problem as exc:
        return None, [YAML_VALUE.at(Position(display, 1, 1), exc.message, exc.hint)]
    return doc, problems

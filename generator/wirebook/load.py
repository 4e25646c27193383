"""Load YAML definition files into plain data plus the position of every node.

PyYAML's composer gives nodes with start marks; we build the values ourselves so that duplicate
keys are errors (PyYAML silently keeps the last) and every value and key keeps its line and column.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from wirebook.diagnostics import Diagnostic, Position

try:  # the C parser is several times faster; the pure-Python one gives the same nodes
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

Pointer = tuple[str | int, ...]


@dataclass
class Document:
    """One YAML file: its data, and where each value (and each mapping key) stands."""

    file: str
    data: Any
    values: dict[Pointer, Position] = field(default_factory=dict)
    keys: dict[Pointer, Position] = field(default_factory=dict)

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


_scalar_constructor = yaml.constructor.SafeConstructor()


def _position(file: str, node: yaml.Node) -> Position:
    return Position(file, node.start_mark.line + 1, node.start_mark.column + 1)


def _build(doc: Document, node: yaml.Node, pointer: Pointer, problems: list[Diagnostic]) -> Any:
    doc.values[pointer] = _position(doc.file, node)
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = _scalar_constructor.construct_object(key_node)
            if not isinstance(key, str | int | bool | float) or isinstance(key, bool):
                problems.append(
                    Diagnostic(_position(doc.file, key_node), "mapping keys must be plain strings")
                )
                continue
            key = str(key)
            child = (*pointer, key)
            if key in result:
                first = doc.keys[child]
                problems.append(
                    Diagnostic(
                        _position(doc.file, key_node),
                        f"duplicate key '{key}' (first defined at line {first.line})",
                        "YAML keeps only one of them; remove or rename one",
                    )
                )
                continue
            doc.keys[child] = _position(doc.file, key_node)
            result[key] = _build(doc, value_node, child, problems)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_build(doc, item, (*pointer, i), problems) for i, item in enumerate(node.value)]
    value = _scalar_constructor.construct_object(node)
    return value


def load_file(path: Path, display: str) -> tuple[Document | None, list[Diagnostic]]:
    """Parse one YAML file. Anchors and aliases work; tags beyond YAML's core schema do not."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, [Diagnostic(Position(display, 1, 1), f"cannot read file: {exc}")]
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        position = Position(display, mark.line + 1, mark.column + 1) if mark else None
        what = " ".join(part for part in (exc.context, exc.problem) if part)
        return None, [Diagnostic(position, f"invalid YAML: {what}", "fix the YAML syntax here")]
    except yaml.YAMLError as exc:
        return None, [Diagnostic(Position(display, 1, 1), f"invalid YAML: {exc}")]
    doc = Document(display, None)
    if node is None:
        doc.data = {}
        doc.values[()] = Position(display, 1, 1)
        return doc, []
    problems: list[Diagnostic] = []
    try:
        doc.data = _build(doc, node, (), problems)
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark
        position = Position(display, mark.line + 1, mark.column + 1) if mark else None
        return None, [Diagnostic(position, f"unsupported YAML value: {exc.problem}")]
    return doc, problems

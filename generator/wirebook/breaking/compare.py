"""Compare two versions of one message's JSON Schema, from its receiver's side.

A direction breaks when its sender may now send a message its receiver refuses. For client
messages the sender is an old client and the receiver the new server: every message the old
schema accepts must pass the new one. For server messages the sender is the new server and the
receiver an old client: every message the new schema accepts must pass the old one. Either way
the question is "does ``sub`` accept only what ``sup`` accepts?", asked of the two schemas in
parallel, keyword family by keyword family. Each family is one function of ``_FAMILIES``; a
keyword that no family reads and that differs between the versions is reported as uncertain, so a
keyword the format gains later is never passed over in silence.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from wirebook import ir
from wirebook.breaking.rules import BY_ID, Rule
from wirebook.problems import json_kind
from wirebook.problems import pointer as json_pointer

Schema = dict[str, Any]

# Keywords that do not decide what is accepted.
ANNOTATIONS = frozenset(
    {"title", "description", "deprecated", "$comment", "examples", "$schema", "$id", "$defs"}
)
# Kinds of JSON values; "number" is "integer" and "fraction" (a number that is not whole).
_ALL_KINDS = frozenset({"null", "boolean", "object", "array", "string", "integer", "fraction"})
_KINDS = {
    "null": {"null"},
    "boolean": {"boolean"},
    "object": {"object"},
    "array": {"array"},
    "string": {"string"},
    "integer": {"integer"},
    "number": {"integer", "fraction"},
}


@dataclass(frozen=True)
class Node:
    """A schema (a dict, or a boolean schema) of one version, where it is in its document."""

    schema: Any
    root: Schema  # the message's self-contained schema, for `$ref` and validation
    pointer: str  # JSON pointer of ``schema`` in ``root``
    old: bool  # which version it belongs to

    def child(self, *steps: str | int) -> Node:
        value, pointer = self.schema, self.pointer
        for step in steps:
            value = value[step]
            pointer += json_pointer((step,))
        return Node(value, self.root, pointer, self.old)

    def get(self, key: str) -> Any:
        return self.schema.get(key) if isinstance(self.schema, dict) else None


@dataclass(frozen=True)
class Change:
    """One finding within a message: which rule, at which member, what changed."""

    rule: Rule
    pointer: str  # JSON pointer of the member in the wire message ("" for the message)
    text: str
    old_at: str  # JSON pointer in the old message schema
    new_at: str  # JSON pointer in the new message schema
    witness: Any = None  # a value that shows it at ``pointer``, when one was found
    has_witness: bool = False


@dataclass(frozen=True)
class Context:
    """What a rule may be told besides the two schemas (both of one wire version: the judge
    pairs the versions)."""

    direction: ir.Direction
    samples: tuple[str, ...] = ()  # strings of the examples, to probe patterns with


@dataclass
class _Walk:
    context: Context
    changes: list[Change] = field(default_factory=list)
    active: set[tuple[int, str, str]] = field(default_factory=set)  # the pairs being compared
    # (document, pointer) → the schema there and its validator; the schema is kept to tell it
    # from one made up in its place (the keywords beside a union, a default key schema)
    validators: dict[tuple[int, str], tuple[Any, Callable[[Any], bool]]] = field(
        default_factory=dict
    )

    def accepts(self, node: Node, value: Any) -> bool:
        """Whether ``node``'s schema accepts ``value`` (the reference validator decides)."""
        key = (id(node.root), node.pointer)
        known = self.validators.get(key)
        if known is None or known[0] is not node.schema:
            # imported here: most comparisons never need a validator
            from wirebook.reference import ReferenceDraft

            schema = node.schema
            if isinstance(schema, dict):
                schema = {**schema, "$defs": node.root.get("$defs", {})}
            known = self.validators[key] = (node.schema, ReferenceDraft(schema).is_valid)
        return bool(known[1](value))

    def report(
        self,
        narrowed: str,
        widened: str,
        pointer: str,
        sub: Node,
        sup: Node,
        text: str,
        witness: Any = None,
        has_witness: bool = False,
    ) -> None:
        """``sub`` accepts something ``sup`` refuses: rule ``narrowed`` when the new version is
        the one refusing (client messages), ``widened`` when the old one is (server messages)."""
        old, new = (sub, sup) if sub.old else (sup, sub)
        self.changes.append(
            Change(
                BY_ID[narrowed if sub.old else widened],
                pointer,
                text,
                old.pointer,
                new.pointer,
                witness,
                has_witness,
            )
        )


def compare_messages(old: Schema, new: Schema, context: Context) -> list[Change]:
    """What the receiver of ``context.direction`` now refuses of what its sender may send."""
    if _without_comment(old) == _without_comment(new):
        return []
    walk = _Walk(context)
    old_node, new_node = Node(old, old, "", True), Node(new, new, "", False)
    sub, sup = (old_node, new_node) if context.direction == "client" else (new_node, old_node)
    _subset(walk, sub, sup, "")
    return walk.changes


def _without_comment(schema: Schema) -> Schema:
    return {k: v for k, v in schema.items() if k != "$comment"}


def _subset(walk: _Walk, sub: Node, sup: Node, at: str) -> None:
    """Report what ``sub`` accepts and ``sup`` refuses, at the wire member ``at``."""
    key = (id(sub.root), sub.pointer, sup.pointer)
    if key in walk.active:  # a recursive type: this pair is being compared further up
        return
    walk.active.add(key)
    try:
        _default(walk, sub, sup, at)
        _compare(walk, _unwrap(sub), _unwrap(sup), at)
    finally:
        walk.active.discard(key)


def _compare(walk: _Walk, sub: Node, sup: Node, at: str) -> None:
    sup = _bare_kinds(sup)
    if _union(sup) is None:  # else each of ``sub``'s alternatives is fitted on its own
        sub = _bare_kinds(sub)
    if sub.schema is True:  # accepts anything, as a schema without keywords does
        sub = Node({}, sub.root, sub.pointer, sub.old)
    if sub.schema is False or sup.schema is True or sup.schema == {}:
        return
    if sup.schema is False:
        walk.report("WB207", "WB208", at, sub, sup, "no value is accepted any more")
        return
    if isinstance(sup.get("allOf"), list) or isinstance(sub.get("allOf"), list):
        _intersection(walk, sub, sup, at)
        return
    if (union := _union(sub)) is not None:
        # each alternative must fit (keywords beside them only narrow ``sub`` further)
        for i in range(len(sub.schema[union])):
            _subset(walk, sub.child(union, i), sup, at)
        return
    if (union := _union(sup)) is not None:
        beside = {
            k: v
            for k, v in sup.schema.items()
            if k not in ANNOTATIONS and k not in (union, "discriminator", "default")
        }
        if beside:  # they hold too, as a schema of their own
            _compare(walk, sub, Node(beside, sup.root, sup.pointer, sup.old), at)
        _into_union(walk, sub, sup, union, at)
        return
    if _values(walk, sub, sup, at):
        return
    sub_kinds, sup_kinds = kinds(sub.schema), kinds(sup.schema)
    lost = sub_kinds - sup_kinds
    if lost == {"null"}:
        _null(walk, sub, sup, at)
    elif lost:
        text = f"{_kind_names(sub_kinds)} → {_kind_names(sup_kinds)}"
        walk.report("WB207", "WB208", at, sub, sup, _old_new(sub, text))
    common = sub_kinds & sup_kinds
    read = {"type", "enum", "const", "default"}
    for family_kinds, keywords, family in _FAMILIES:
        read |= keywords
        if common & family_kinds:
            family(walk, sub, sup, at)
    _unknown(walk, sub, sup, at, read)


def _intersection(walk: _Walk, sub: Node, sup: Node, at: str) -> None:
    """``allOf``: to fit it, fit each of its parts; to fit something, one part that fits it is
    enough (when none does alone, they might together: uncertain)."""
    if isinstance(sup.get("allOf"), list):
        for part in _parts(sup):
            _compare(walk, sub, part, at)
        return
    for part in _parts(sub):
        trial = _Walk(walk.context, active=set(walk.active), validators=walk.validators)
        _compare(trial, part, sup, at)
        if not trial.changes:
            return
    walk.report("WB232", "WB232", at, sub, sup, "keyword 'allOf': no single part fits")


def _parts(node: Node) -> list[Node]:
    """The parts of an ``allOf``, and the keywords beside it as one more."""
    parts = [_unwrap(node.child("allOf", i)) for i in range(len(node.schema["allOf"]))]
    beside = {k: v for k, v in node.schema.items() if k != "allOf" and k not in ANNOTATIONS}
    if set(beside) - {"default"}:
        parts.append(Node(beside, node.root, node.pointer, node.old))
    return parts


def _bare_kinds(node: Node) -> Node:
    """A union of bare types (``{"anyOf": [{"type": "null"}, {"type": "boolean"}…]}``, as wirebook
    writes any JSON value) read as one schema with a list of types: one finding, not one a kind."""
    union = _union(node)
    if union is None or "type" in node.schema:
        return node
    names = []
    for i in range(len(node.schema[union])):
        branch = _unwrap(node.child(union, i)).schema
        if not isinstance(branch, dict) or set(branch) - ANNOTATIONS != {"type"}:
            return node
        names.append(branch["type"])
    overlap = len(set(names)) < len(names) or {"integer", "number"} <= set(names)
    if not all(isinstance(n, str) for n in names) or overlap:
        return node  # a oneOf of overlapping types refuses what two take: not a list of types
    rest = {k: v for k, v in node.schema.items() if k != union}
    return Node({**rest, "type": names}, node.root, node.pointer, node.old)


def _union(node: Node) -> str | None:
    """``anyOf`` or ``oneOf``, when the schema is a union."""
    for key in ("anyOf", "oneOf"):
        if isinstance(node.get(key), list):
            return key
    return None


def _old_new(sub: Node, text: str) -> str:
    """``text`` says "sub → sup"; turn it to "old → new"."""
    if sub.old:
        return text
    before, after = text.split(" → ")
    return f"{after} → {before}"


def _default(walk: _Walk, sub: Node, sup: Node, at: str) -> None:
    """A default is what a receiver reads where the member is left out."""
    if not (isinstance(sub.schema, dict) and isinstance(sup.schema, dict)):
        return
    if "default" in sub.schema and "default" in sup.schema:
        sub_default, sup_default = sub.schema["default"], sup.schema["default"]
        if not json_equal(sub_default, sup_default):
            old, new = (sub_default, sup_default) if sub.old else (sup_default, sub_default)
            walk.report("WB229", "WB229", at, sub, sup, f"default {_show(old)} → {_show(new)}")


def _unwrap(node: Node) -> Node:
    """Follow ``$ref`` and one-item ``allOf`` wrappers that carry only annotations beside them
    (wirebook writes ``{"allOf": [{"$ref": …}], "description": …}`` for a described use)."""
    for _ in range(64):  # a chain of references longer than this is a loop
        schema = node.schema
        if not isinstance(schema, dict):
            return node
        rest = set(schema) - ANNOTATIONS - {"default"}
        ref = schema.get("$ref")
        if rest == {"$ref"} and isinstance(ref, str) and ref.startswith("#"):
            target = _resolve(node.root, ref[1:])
            if target is None:
                return node
            node = Node(target, node.root, ref[1:], node.old)
        elif rest == {"allOf"} and isinstance(schema["allOf"], list) and len(schema["allOf"]) == 1:
            node = node.child("allOf", 0)
        else:
            return node
    return node


def _resolve(root: Schema, pointer: str) -> Any:
    value: Any = root
    for part in pointer.split("/")[1:]:
        part = part.replace("~1", "/").replace("~0", "~")
        if isinstance(value, dict) and part in value:
            value = value[part]
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return None
    return value


def _into_union(walk: _Walk, sub: Node, sup: Node, union: str, at: str) -> None:
    """``sub`` fits a union when it fits one of its alternatives. When none fits alone, the
    alternatives that accept none of ``sub``'s values (another kind, another tag) cannot help:
    with one left, its findings are exact; with none, a kind or a tag is gone; with more, they
    might fit together, and that is uncertain.

    ``oneOf`` is read as ``anyOf``: its alternatives are disjoint (wirebook refuses overlapping
    ones, WB041), else it is uncertain."""
    if _enum(sub.schema) is not None:  # a closed set: each value asked of the whole union
        _values(walk, sub, sup, at)
        return
    branches = [_unwrap(sup.child(union, i)) for i in range(len(sup.schema[union]))]
    tag = _tag(sup)
    if union == "oneOf" and not _disjoint(branches, tag):
        walk.report("WB231", "WB231", at, sub, sup, "alternatives (oneOf) that may overlap")
        return
    tries = []
    for branch in branches:
        trial = _Walk(walk.context, active=set(walk.active), validators=walk.validators)
        _compare(trial, sub, branch, at)
        if not trial.changes:
            return
        tries.append((branch, trial.changes))
    overlapping = [(b, c) for b, c in tries if _overlap(sub, b, tag)]
    if len(overlapping) == 1:
        walk.changes.extend(overlapping[0][1])
    elif overlapping:
        walk.report("WB231", "WB231", at, sub, sup, "no single alternative takes all of it")
    elif tag is not None and (values := _tag_values(sub, tag)) is not None:
        shown = ", ".join(_show(v) for v in values)
        text = f"{tag} {shown} no longer accepted" if sub.old else f"{tag} {shown} may now be sent"
        walk.report("WB211", "WB212", at, sub, sup, text)
    elif kinds(sub.schema) == {"null"}:
        _null(walk, sub, sup, at)
    else:
        shown = _kind_names(kinds(sub.schema))
        text = f"no alternative takes {shown} now" if sub.old else f"{shown} may now be sent"
        walk.report("WB207", "WB208", at, sub, sup, text)


def _tag(node: Node) -> str | None:
    discriminator = node.get("discriminator")
    if isinstance(discriminator, dict) and isinstance(discriminator.get("propertyName"), str):
        return str(discriminator["propertyName"])
    return None


def _tag_values(node: Node, tag: str) -> list[Any] | None:
    """The values an object schema allows its tag member, when they are a closed set."""
    members = node.get("properties")
    if not isinstance(members, dict) or tag not in members:
        return None
    member = _unwrap(node.child("properties", tag)).schema
    return _enum(member) if isinstance(member, dict) else None


def _overlap(sub: Node, branch: Node, tag: str | None) -> bool:
    if not kinds(sub.schema) & kinds(branch.schema):
        return False
    if tag is None:
        return True
    mine, theirs = _tag_values(sub, tag), _tag_values(branch, tag)
    return mine is None or theirs is None or any(json_equal(a, b) for a in mine for b in theirs)


def _disjoint(branches: list[Node], tag: str | None) -> bool:
    """Whether no value can match two alternatives: each takes other kinds, or another tag."""
    for i, a in enumerate(branches):
        for b in branches[i + 1 :]:
            if not kinds(a.schema) & kinds(b.schema):
                continue
            mine = _tag_values(a, tag) if tag else None
            theirs = _tag_values(b, tag) if tag else None
            if mine is None or theirs is None:
                return False
            if any(json_equal(x, y) for x in mine for y in theirs):
                return False
    return True


def _null(walk: _Walk, sub: Node, sup: Node, at: str) -> None:
    text = "null no longer accepted" if sub.old else "null may now be sent"
    walk.report("WB209", "WB210", at, sub, sup, text, None, True)


def kinds(schema: Any) -> frozenset[str]:
    """The kinds of JSON values a schema's ``type`` (and ``enum``/``const``) lets through."""
    if not isinstance(schema, dict):
        return _ALL_KINDS if schema else frozenset()
    declared = schema.get("type")
    if declared is None:
        found = set(_ALL_KINDS)
    else:
        names = declared if isinstance(declared, list) else [declared]
        found = {k for name in names for k in _KINDS.get(str(name), ())}
    values = _enum(schema)
    if values is not None:
        found &= {_kind_of(v) for v in values}
    return frozenset(found)


def _kind_of(value: Any) -> str:
    kind = json_kind(value)
    if kind == "number":
        return "integer" if float(value).is_integer() else "fraction"
    return kind


def _kind_names(found: frozenset[str]) -> str:
    if {"integer", "fraction"} <= found:
        found = (found - {"integer", "fraction"}) | {"number"}
    order = ["null", "boolean", "object", "array", "string", "number", "integer", "fraction"]
    return "|".join(k for k in order if k in found) or "nothing"


def _enum(schema: Schema) -> list[Any] | None:
    """The closed set of values of ``enum`` and ``const``, or None when there is none."""
    values: list[Any] | None = None
    if isinstance(schema.get("enum"), list):
        values = list(schema["enum"])
    if "const" in schema:
        values = [v for v in values or [schema["const"]] if json_equal(v, schema["const"])]
    return values


# --- closed sets: decided value by value


def _values(walk: _Walk, sub: Node, sup: Node, at: str) -> bool:
    """Decide a closed set (``enum``, ``const``, or a kind with few values) by asking ``sup``
    about each value ``sub`` accepts. True when that settled the comparison."""
    sub_values = _enum(sub.schema)
    if sub_values is None and _enum(sup.schema) is None:
        return False
    if sub_values is None:
        finite: dict[str, list[Any]] = {"null": [None], "boolean": [False, True]}
        sub_kinds = kinds(sub.schema)
        if not sub_kinds <= finite.keys():
            shown = json.dumps(_enum(sup.schema))
            text = (
                f"only {shown} accepted now, any {_kind_names(sub_kinds)} before"
                if sub.old
                else f"any {_kind_names(sub_kinds)} may be sent, old clients accept only {shown}"
            )
            walk.report("WB211", "WB212", at, sub, sup, text)
            return True
        sub_values = [v for k in sorted(sub_kinds) for v in finite[k]]
    kept = [v for v in sub_values if walk.accepts(sub, v)]
    refused = [v for v in kept if not walk.accepts(sup, v)]
    if refused:
        shown = ", ".join(_show(v) for v in refused)
        text = f"{shown} no longer accepted" if sub.old else f"{shown} may now be sent"
        walk.report("WB211", "WB212", at, sub, sup, text, refused[0], True)
    return True


def json_equal(a: Any, b: Any) -> bool:
    """Equality of JSON values: 1 equals 1.0, true is not 1."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


def _show(value: Any) -> str:
    """A value as JSON; an absent keyword as ``none``."""
    return "none" if value is None else json.dumps(value, ensure_ascii=False)


# --- keyword families: each reads its keywords where both versions accept its kinds


def _numbers(walk: _Walk, sub: Node, sup: Node, at: str) -> None:
    whole = "fraction" not in kinds(sub.schema) & kinds(sup.schema)
    for low in (True, False):
        have, limit = _bound(sub.schema, low, whole), _bound(sup.schema, low, whole)
        if limit is None or (have is not None and _within(have, limit, low)):
            continue
        old, new = (have, limit) if sub.old else (limit, have)
        side = "lower bound" if low else "upper bound"
        text = f"{side} {_show_bound(old, low)} → {_show_bound(new, low)}"
        walk.report("WB213", "WB214", at, sub, sup, text)


Bound = tuple[float, bool]  # value, exclusive


def _bound(schema: Schema, low: bool, whole: bool) -> Bound | None:
    inclusive = schema.get("minimum" if low else "maximum")
    exclusive = schema.get("exclusiveMinimum" if low else "exclusiveMaximum")
    found: list[Bound] = []
    if isinstance(inclusive, int | float) and not isinstance(inclusive, bool):
        found.append((inclusive, False))
    if isinstance(exclusive, int | float) and not isinstance(exclusive, bool):
        found.append((exclusive, True))
    if not found:
        return None
    if whole:  # for integers `> 0` is `>= 1`
        found = [_whole(b, low) for b in found]
    # the tighter of the two
    return (
        max(found, key=lambda b: (b[0], b[1])) if low else min(found, key=lambda b: (b[0], -b[1]))
    )


def _whole(bound: Bound, low: bool) -> Bound:
    value, exclusive = bound
    if math.isinf(value):
        return bound
    if low:
        return (math.floor(value) + 1 if exclusive else math.ceil(value)), False
    return (math.ceil(value) - 1 if exclusive else math.floor(value)), False


def _within(have: Bound, limit: Bound, low: bool) -> bool:
    """Whether the range ending at ``have`` stays inside the one ending at ``limit``."""
    (h, h_exclusive), (l_, l_exclusive) = have, limit
    if h != l_:
        return h > l_ if low else h < l_
    return h_exclusive or not l_exclusive


def _show_bound(bound: Bound | None, low: bool) -> str:
    if bound is None:
        return "none"
    value, exclusive = bound
    sign = (">" if low else "<") + ("" if exclusive else "=")
    return f"{sign} {_show(value)}"


def _range(
    walk: _Walk, sub: Node, sup: Node, at: str, keywords: tuple[str, str], rules: tuple[str, str]
) -> None:
    """A length or count between ``minX`` (0 when absent) and ``maxX`` (none when absent)."""
    low, high = keywords
    sub_low, sup_low = sub.get(low) or 0, sup.get(low) or 0
    sub_high, sup_high = sub.get(high), sup.get(high)
    if sub_low < sup_low:
        old, new = (sub_low, sup_low) if sub.old else (sup_low, sub_low)
        walk.report(*rules, at, sub, sup, f"{low} {old} → {new}")
    if sup_high is not None and (sub_high is None or sub_high > sup_high):
        old, new = (sub_high, sup_high) if sub.old else (sup_high, sub_high)
        walk.report(*rules, at, sub, sup, f"{high} {_show(old)} → {_show(new)}")


def _strings(walk: _Walk, sub: Node, sup: Node, at: str) -> None:
    _range(walk, sub, sup, at, ("minLength", "maxLength"), ("WB215", "WB216"))
    _pattern(walk, sub, sup, at)
    sub_format, sup_format = sub.get("format"), sup.get("format")
    if sup_format is not None and sub_format != sup_format:
        old, new = (sub_format, sup_format) if sub.old else (sup_format, sub_format)
        walk.report("WB223", "WB224", at, sub, sup, f"format {_show(old)} → {_show(new)}")


def _pattern(walk: _Walk, sub: Node, sup: Node, at: str) -> None:
    """Whether one regular expression takes all another takes cannot be decided here: a probe
    string that one takes and the other refuses proves a break, else the change is uncertain."""
    sub_pattern, sup_pattern = sub.get("pattern"), sup.get("pattern")
    if sup_pattern is None or sub_pattern == sup_pattern:
        return
    old, new = (sub_pattern, sup_pattern) if sub.old else (sup_pattern, sub_pattern)
    text = f"pattern {_show(old)} → {_show(new)}"
    for probe in _probes(walk.context.samples, sub.schema, sup.schema):
        if walk.accepts(sub, probe) and not walk.accepts(sup, probe):
            whose = "the new" if sub.old else "the old"
            shown = f"{text}: {_show(probe)} does not match {whose}"
            walk.report("WB221", "WB222", at, sub, sup, shown, probe, True)
            return
    walk.report("WB230", "WB230", at, sub, sup, text)


# Characters that patterns commonly take or refuse, and texts of the shapes formats describe.
_CHARACTERS = "aA0_-.:/ ~+@#é\n\N{GRINNING FACE}"
_SHAPES = (
    "2025-01-31",
    "2025-01-31T12:00:00Z",
    "00000000-0000-0000-0000-000000000000",
    "a-b_c.d",
    "aB3",
)


def _probes(samples: tuple[str, ...], *schemas: Schema) -> Iterator[str]:
    """Strings to try: runs of one character at the lengths the schemas name (and beside them),
    common shapes, and the examples' strings."""
    lengths = {0, 1, 2, 8}
    for schema in schemas:
        for keyword in ("minLength", "maxLength"):
            n = schema.get(keyword)
            if isinstance(n, int) and n < 10_000:
                lengths |= {m for m in (n - 1, n, n + 1) if m >= 0}
    for n in sorted(lengths):
        yield from (c * n for c in _CHARACTERS)
        yield ("aB3" * n)[:n]
    yield from _SHAPES
    yield from samples


def _arrays(walk: _Walk, sub: Node, sup: Node, at: str) -> None:
    _range(walk, sub, sup, at, ("minItems", "maxItems"), ("WB217", "WB218"))
    most = sub.get("maxItems")
    repeats = most is None or most > 1  # a single item repeats nothing
    if sup.get("uniqueItems") is True and sub.get("uniqueItems") is not True and repeats:
        text = "uniqueItems added" if sub.old else "uniqueItems removed"
        walk.report("WB219", "WB220", at, sub, sup, text)
    _subset(walk, _items(sub), _items(sup), at + "/*")


def _items(node: Node) -> Node:
    return (
        node.child("items")
        if isinstance(node.schema, dict) and "items" in node.schema
        else (Node(True, node.root, node.pointer + "/items", node.old))
    )


def _objects(walk: _Walk, sub: Node, sup: Node, at: str) -> None:
    sub_props, sup_props = sub.get("properties") or {}, sup.get("properties") or {}
    sub_other, sup_other = _additional(sub), _additional(sup)
    for name in [*sub_props, *(n for n in sup_props if n not in sub_props)]:
        member = at + json_pointer((name,))
        have = sub.child("properties", name) if name in sub_props else sub_other
        limit = sup.child("properties", name) if name in sup_props else sup_other
        if have.schema is False:
            continue
        if limit.schema is False:  # declared by ``sub`` only, and ``sup`` refuses the unknown
            text = "removed" if sub.old else "added"
            walk.report("WB203", "WB204", member, have, limit, text)
        elif name not in sub_props and have.schema in (True, {}):
            text = "declared" if sub.old else "no longer declared"
            walk.report("WB227", "WB228", member, have, limit, text)
        else:
            _subset(walk, have, limit, member)
    if sup_other.schema is False and sub_other.schema is not False:
        text = "unknown members refused" if sub.old else "unknown members allowed"
        walk.report("WB225", "WB226", at, sub_other, sup_other, text)
    elif sub_other.schema not in (False,) and sup_other.schema not in (True, {}):
        _subset(walk, sub_other, sup_other, at + "/*")
    _range(walk, sub, sup, at, ("minProperties", "maxProperties"), ("WB217", "WB218"))
    if sup.get("propertyNames") is not None:
        _names(walk, sub, sup, at)
    sub_required = set(sub.get("required") or ())
    for name in sup.get("required") or ():
        if name not in sub_required:
            if name not in sub_props and name in sup_props:
                text = "new, and required" if sub.old else "no longer declared, required before"
            else:
                text = (
                    "required now, optional before" if sub.old else "optional now, required before"
                )
            walk.report("WB205", "WB206", at + json_pointer((name,)), sub, sup, text)


def _names(walk: _Walk, sub: Node, sup: Node, at: str) -> None:
    """The member names ``sub`` may have, against ``sup``'s ``propertyNames``."""
    names = sup.child("propertyNames")
    for name, member in (sub.get("properties") or {}).items():
        if member is not False and not walk.accepts(names, name):
            text = "refused by propertyNames" if sub.old else "not among the old propertyNames"
            walk.report("WB203", "WB204", at + json_pointer((name,)), sub, sup, text)
    if _additional(sub).schema is False:
        return
    mine = sub.child("propertyNames") if "propertyNames" in sub.schema else None
    trial = _Walk(walk.context, active=set(walk.active), validators=walk.validators)
    _subset(trial, mine or Node({"type": "string"}, sub.root, sub.pointer, sub.old), names, at)
    walk.changes.extend(replace(c, text=f"member names: {c.text}") for c in trial.changes)


def _additional(node: Node) -> Node:
    if isinstance(node.schema, dict) and "additionalProperties" in node.schema:
        return node.child("additionalProperties")
    return Node(True, node.root, node.pointer + "/additionalProperties", node.old)


Family = Callable[[_Walk, Node, Node, str], None]
_FAMILIES: tuple[tuple[frozenset[str], frozenset[str], Family], ...] = (
    (
        frozenset({"integer", "fraction"}),
        frozenset({"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"}),
        _numbers,
    ),
    (frozenset({"string"}), frozenset({"minLength", "maxLength", "pattern", "format"}), _strings),
    (frozenset({"array"}), frozenset({"items", "minItems", "maxItems", "uniqueItems"}), _arrays),
    (
        frozenset({"object"}),
        frozenset(
            {
                "properties",
                "required",
                "additionalProperties",
                "propertyNames",
                "minProperties",
                "maxProperties",
            }
        ),
        _objects,
    ),
)


def _unknown(walk: _Walk, sub: Node, sup: Node, at: str, read: set[str]) -> None:
    """Keywords no family reads: equal on both sides (and free of references, whose targets may
    differ), or uncertain."""
    sub_schema = sub.schema if isinstance(sub.schema, dict) else {}
    sup_schema = sup.schema if isinstance(sup.schema, dict) else {}
    for keyword in sorted((sub_schema.keys() | sup_schema.keys()) - read - ANNOTATIONS):
        a, b = sub_schema.get(keyword), sup_schema.get(keyword)
        same = keyword in sub_schema and keyword in sup_schema and json_equal(a, b)
        # a reference beside other keywords (wirebook writes none) may point at what changed
        if same and keyword != "$ref" and '"$ref"' not in json.dumps(a):
            continue
        walk.report("WB232", "WB232", at, sub, sup, f"keyword {keyword!r} changed")

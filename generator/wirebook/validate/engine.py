"""The validator: orjson to parse, one compiled jsonschema-rs validator per (direction, type).

A message is routed on ``type`` first, so its errors are those of its own schema, never the
"not valid under any of the given schemas" of a ``oneOf``. A valid message only asks
``is_valid``; an invalid message is asked again for every error, which are translated into the
reference validator's ``Problem`` (same pointer, keyword and words). ``check_lines``, the loop of
``wirebook validate``, first lets the fast path (fast.py) take the lines it can, which are valid,
and looks at the others here.
"""

from __future__ import annotations

import gc
import json
from array import array
from collections import Counter
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, partial
from pathlib import Path
from typing import Any, NamedTuple, TypeVar, cast

import jsonschema_rs
import orjson

from wirebook import ir, patterns
from wirebook.problems import (
    Miss,
    Problem,
    chosen_branch,
    in_wire_versions,
    keyword_problems,
    pointer,
    route,
)
from wirebook.validate import _sift, fast, sources
from wirebook.validate.options import Choice
from wirebook.validate.parse import not_json_in, parse, parse_text, too_deep

NO_TYPE = "(no type)"
UNKNOWN_TYPE = "(unknown type)"

_NAMES_ONLY = ("/required", "/additionalProperties")  # keywords whose words name names only
_UNIONS = frozenset(("oneOf", "anyOf"))


def _patterns_ok(schema: Any) -> None:
    """Every `pattern` of ``schema`` is one wirebook reads (wirebook.patterns): portable, regular
    and unable to backtrack for ever, so that jsonschema-rs's linear engine matches it as
    ECMA-262 does. Published bundles from elsewhere may hold others: they are refused."""
    if isinstance(schema, list):
        for item in schema:
            _patterns_ok(item)
    elif isinstance(schema, dict):
        for key, value in schema.items():
            if key == "pattern" and isinstance(value, str):
                try:
                    patterns.compile(value)
                except patterns.PatternError as exc:
                    raise sources.SourceError(f"the pattern {value!r} {exc.message}") from exc
            elif key not in ("const", "enum", "default", "examples"):  # values, not schemas
                _patterns_ok(value)


@dataclass(frozen=True, slots=True)
class Rejection:
    """Why a message is invalid against one direction (``None``: it could not be routed)."""

    direction: ir.Direction | None
    problems: tuple[Problem, ...]


class Finding(NamedTuple):
    """An invalid message: its line (from 0, in its task), its ``type`` if it has a
    string one (known or not), and why it was rejected. A tuple: one is made per invalid line,
    and a tuple is made several times faster than a frozen dataclass."""

    line: int
    type: str | None
    rejections: tuple[Rejection, ...]


@dataclass
class Tally:
    """What a batch of messages (or a whole run) gave: counts, and the invalid ones' findings."""

    read: int = 0
    per_type: Counter[str] = field(default_factory=Counter)
    invalid_per_type: Counter[str] = field(default_factory=Counter)
    per_kind: Counter[str] = field(default_factory=Counter)
    findings: list[Finding] = field(default_factory=list)

    def add(self, finding: Finding) -> None:
        label = _type_label(finding)
        self.per_type[label] += 1
        self.invalid_per_type[label] += 1
        self.per_kind.update(p.keyword for r in finding.rejections for p in r.problems)
        self.findings.append(finding)

    def merge(self, other: Tally, keep_findings: bool = True) -> None:
        """Add the counts (and the findings) of ``other``."""
        if keep_findings:
            self.findings.extend(other.findings)
        self.read += other.read
        self.per_type.update(other.per_type)
        self.invalid_per_type.update(other.invalid_per_type)
        self.per_kind.update(other.per_kind)

    @property
    def invalid(self) -> int:
        return sum(self.invalid_per_type.values())

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        """Pickled (from a worker process) with its findings packed: their lines in an array,
        and each one's type and rejections as an index into a table of those of the findings
        alike: about 0.8 µs a finding there and back, against 1.4 for a tuple each."""
        lines, which = array("q"), array("q")
        table: list[tuple[str | None, tuple[Rejection, ...]]] = []
        indexes: dict[int, int] = {}  # id of rejections → their row in table
        for line, wire_type, rejections in self.findings:
            row = indexes.get(id(rejections))
            if row is None or table[row][0] != wire_type:
                row = indexes[id(rejections)] = len(table)
                table.append((wire_type, rejections))
            lines.append(line)
            which.append(row)
        counts = (self.read, self.per_type, self.invalid_per_type, self.per_kind)
        return _unpacked, (*counts, lines, which, table)


def _unpacked(
    read: int,
    per_type: Counter[str],
    invalid_per_type: Counter[str],
    per_kind: Counter[str],
    lines: array[int],
    which: array[int],
    table: list[tuple[str | None, tuple[Rejection, ...]]],
) -> Tally:
    findings = [Finding(line, *table[row]) for line, row in zip(lines, which, strict=True)]
    return Tally(read, per_type, invalid_per_type, per_kind, findings)


def _type_label(finding: Finding) -> str:
    """The type a finding is counted under: its own, if routed; bounded for anything else."""
    if any(r.direction is not None for r in finding.rejections):
        return str(finding.type)
    return NO_TYPE if finding.type is None else UNKNOWN_TYPE


class _Compiled:
    """One message's schema, compiled; turns its errors into problems."""

    def __init__(
        self, direction: ir.Direction, schema: sources.Schema, validator: jsonschema_rs.Validator
    ) -> None:
        self.direction = direction
        self.schema = schema
        self.validator = validator
        self._keywords: dict[str, _Keyword | None] = {}
        self._memo: dict[tuple[tuple[str, str, Hashable | None], ...], tuple[Problem, ...]] = {}
        # a union's errors are read branch by branch (iter_errors keeps them apart; evaluate()
        # names a branch behind a $ref by the $ref's target, not by the branch)
        self._unions = fast.has_key(schema, _UNIONS)

    def problems(self, message: Any) -> tuple[Problem, ...]:
        """The problems of ``message`` against this schema: () when it is valid."""
        if self._unions:
            return self._branch_problems(message)
        # evaluate() reports the failed leaves (the branches of a failed anyOf included) several
        # times cheaper than iter_errors(), whose errors carry long verbose texts
        try:
            errors = self.validator.evaluate(message).errors()
        except ValueError:  # its recursion limit: only a value given to validate() gets here
            return (too_deep(),)
        if not errors:
            return ()
        # (schema location, instance location) → text: `required` fails once per missing
        # name, but one look (the first) says all
        first: dict[tuple[str, str], str] = {}
        for error in errors:
            first.setdefault((error["schemaLocation"], error["instanceLocation"]), error["error"])
        # a log repeats the same few mistakes many times: their words are remembered
        key = tuple(
            [
                (where, at, _alike(where.endswith(_NAMES_ONLY), _member(message, at)))
                for where, at in first
            ]
        )
        known = self._memo.get(key)
        if known is None:
            looks = [(where, at, text) for (where, at), text in first.items()]
            known = self._translate(looks, [_member(message, at) for _, at, _ in looks])
            if all(alike is not None for _, _, alike in key):
                if len(self._memo) >= 4096:
                    self._memo.clear()
                self._memo[key] = known
        return known

    def _translate(self, looks: list[tuple[str, str, str]], gots: list[Any]) -> tuple[Problem, ...]:
        found: dict[tuple[str, str, str], Problem] = {}
        for (where, at, text), got in zip(looks, gots, strict=True):
            keyword = self._keyword(where)
            if keyword is None:
                words = [Problem(at, where.rsplit("/", 1)[-1], text)]
            else:
                words = keyword_problems(keyword.name, at, keyword.value, got, keyword.holder, text)
            found.update(((p.pointer, p.keyword, p.message), p) for p in words)
        if not found:  # not seen so far; never leave an invalid message without a reason
            return (Problem("", "schema", "invalid, and jsonschema-rs gave no reason"),)
        return tuple(found[key] for key in sorted(found))

    def _branch_problems(self, message: Any) -> tuple[Problem, ...]:
        """As the reference reads a failed union: the problems of the branch that the value's
        kind (or tag) chose, or why none was (problems.chosen_branch)."""
        try:
            errors = list(self.validator.iter_errors(message))
        except ValueError:  # its recursion limit: only a value given to validate() gets here
            return (too_deep(),)
        # jsonschema-rs leaves empty member names out of instance paths: looked for once
        locate: Callable[[jsonschema_rs.ValidationError], tuple[str | int, ...]] = (
            partial(_instance_path, message)
            if '"":' in json.dumps(message, separators=(",", ":"))
            else lambda error: tuple(error.instance_path)
        )
        found: dict[tuple[str, str, str], Problem] = {}
        for error in errors:
            for p in self._error_problems(error, message, locate):
                found[(p.pointer, p.keyword, p.message)] = p
        return tuple(found[key] for key in sorted(found))

    def _error_problems(
        self,
        error: jsonschema_rs.ValidationError,
        message: Any,
        locate: Callable[[jsonschema_rs.ValidationError], tuple[str | int, ...]],
    ) -> list[Problem]:
        path = locate(error)
        at = pointer(path)
        got = _member(message, at)
        where = pointer(error.schema_path)
        keyword = self._keyword(where)
        context = getattr(error.kind, "context", None)
        if keyword is not None and keyword.name in _UNIONS and context:
            misses = [
                [Miss(str(e.schema_path[-1]), self._value(e), locate(e)) for e in b]
                for b in context
            ]
            tag = keyword.holder.get("discriminator", {}).get("propertyName")
            chosen = chosen_branch(misses, path, tag, got)
            if isinstance(chosen, Problem):
                return [chosen]
            return [p for e in context[chosen] for p in self._error_problems(e, message, locate)]
        if keyword is None:
            return [Problem(at, where.rsplit("/", 1)[-1], error.message)]
        return keyword_problems(keyword.name, at, keyword.value, got, keyword.holder, error.message)

    def _value(self, error: jsonschema_rs.ValidationError) -> Any:
        keyword = self._keyword(pointer(error.schema_path))
        return None if keyword is None else keyword.value

    def _keyword(self, location: str) -> _Keyword | None:
        if location not in self._keywords:
            self._keywords[location] = _Keyword.find(self.schema, location)
        return self._keywords[location]


def _instance_path(message: Any, error: jsonschema_rs.ValidationError) -> tuple[str | int, ...]:
    """Where ``error`` is in ``message``, which has an empty member name somewhere: jsonschema-rs
    leaves such names out of an error's instance path (`{"": null}` fails at `/`, not at `/""`),
    so they are put back where the message has one and the value found there is the error's."""
    written = tuple(error.instance_path)

    def paths(node: Any, rest: tuple[str | int, ...]) -> Iterator[tuple[str | int, ...]]:
        if isinstance(node, dict) and "" in node:  # an empty name, left out before ``rest``
            yield from (("", *p) for p in paths(node[""], rest))
        if not rest:
            if node == error.instance:
                yield ()
            return
        step = rest[0]
        if isinstance(node, dict) and step in node:
            yield from ((step, *p) for p in paths(node[step], rest[1:]))
        if isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node):
            yield from ((step, *p) for p in paths(node[step], rest[1:]))

    return next(paths(message, written), written)


@dataclass(frozen=True)
class _Keyword:
    """A keyword of a schema, found by the location jsonschema-rs gives for it."""

    name: str
    value: Any
    holder: Mapping[str, Any]

    @staticmethod
    def find(schema: sources.Schema, location: str) -> _Keyword | None:
        path = list(_tokens(location.partition("#")[2] if "#" in location else location))
        if not path:
            return None
        node: Any = schema
        for part in path[:-1]:
            try:
                node = node[int(part)] if isinstance(node, list) else node[part]
            except (KeyError, IndexError, TypeError, ValueError):
                return None
        if not isinstance(node, dict) or path[-1] not in node:
            return None
        return _Keyword(path[-1], node[path[-1]], node)


@cache
def _tokens(json_pointer: str) -> tuple[str, ...]:
    return tuple(t.replace("~1", "/").replace("~0", "~") for t in json_pointer.split("/")[1:])


def _alike(names_only: bool, got: Any) -> Hashable | None:
    """What the words about ``got`` depend on: its names only, for `required` and
    `additionalProperties`; else its value (1, 1.0 and true apart; 0.0 and -0.0 too).
    None: not worth remembering."""
    if names_only and isinstance(got, dict):
        return ("names", *got)
    if got is None or isinstance(got, str | int):  # bool is an int
        return (type(got), got)
    try:
        return (type(got), orjson.dumps(got))  # a float's repr, a container's text, in order
    except TypeError:  # an integer beyond 64 bits, or nesting deeper than orjson writes
        return None


def _member(message: Any, at: str) -> Any:
    """The member of ``message`` at JSON pointer ``at``."""
    for token in _tokens(at):
        message = message[int(token)] if isinstance(message, list) else message[token]
    return message


def _compile(direction: ir.Direction, schema: sources.Schema) -> _Compiled:
    return _Compiled(direction, schema, _validator(schema, f"{direction} message schema"))


def _validator(schema: sources.Schema, what: str) -> jsonschema_rs.Validator:
    _patterns_ok(schema)
    try:
        return jsonschema_rs.validator_for(
            schema,
            validate_formats=False,  # `format` is an annotation in 2020-12, as for the reference
            pattern_options=jsonschema_rs.RegexOptions(),  # Rust's regex crate: linear time
        )
    except (ValueError, jsonschema_rs.ReferencingError) as exc:
        raise sources.SourceError(f"{what} cannot be compiled: {exc}") from exc


class Validator:
    """Validates wire messages of one protocol, routed by ``type``.

    ``Validator.from_schemas("generated/schemas")`` reads the published bundles;
    ``Validator.from_definitions("schema")`` the YAML definitions. ``validate`` returns the
    problems of a message, ``[]`` when it is valid.
    """

    def __init__(self, schemas: sources.Schemas, others: Sequence[sources.Schemas] = ()) -> None:
        """``schemas``: direction → wire type → that message's self-contained schema, for the
        default wire version; ``others``: the same for each version of another shape, to which a
        message with their `v` is routed."""
        self.schemas = schemas
        self.others = list(others)
        self._versions: dict[float, Validator] = {}  # 1.0 finds 1
        # named where a type is unknown
        self._in_version = in_wire_versions(sources.versions_of(schemas)) if others else ""
        for shape in self.others:
            validator = Validator(shape)
            validator._in_version = in_wire_versions(sources.versions_of(shape))
            for version in sources.versions_of(shape):
                self._versions[version] = validator
        self._compiled = {
            d: {t: _compile(d, s) for t, s in by_type.items()} for d, by_type in schemas.items()
        }
        self._routes: dict[Choice, dict[str, tuple[_Compiled, ...]]] = {}
        self._fast: dict[Choice, fast.FastPath] = {}
        self._recalls: dict[Choice, _Recall] = {}

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled as its schemas, compiled again where it is unpickled (a worker process)."""
        return Validator, (self.schemas, self.others)

    @classmethod
    def of(cls, versions: sources.Versions) -> Validator:
        """For the schemas of every shape of wire version, the default version's first."""
        return cls(versions[0], versions[1:])

    @classmethod
    def from_schemas(cls, folder: str | Path) -> Validator:
        """From published bundles (``client.schema.json``, ``server.schema.json``, and those of
        each version of another shape in ``v{N}/``) alone."""
        return cls.of(sources.from_published(Path(folder)))

    @classmethod
    def from_definitions(cls, schema_dir: str | Path) -> Validator:
        """From the YAML definitions, compiled as ``wirebook generate`` does."""
        return cls.of(sources.from_definitions(Path(schema_dir)))

    def routes(self, choice: Choice) -> dict[str, tuple[_Compiled, ...]]:
        """Wire type → the compiled schemas a message of that type may match."""
        if choice not in self._routes:
            if choice != "any" and choice not in self._compiled:
                raise sources.SourceError(f"the schemas have no {choice} messages")
            table: dict[str, tuple[_Compiled, ...]] = {}
            for direction, by_type in self._compiled.items():
                if choice in ("any", direction):
                    for wire_type, compiled in by_type.items():
                        table[wire_type] = (*table.get(wire_type, ()), compiled)
            self._routes[choice] = table
        return self._routes[choice]

    def fast_path(self, choice: Choice) -> fast.FastPath:
        """The fast path of ``check_lines`` for ``choice``, built on first use."""
        if choice not in self._fast:
            self._fast[choice] = fast.build_versions([self.schemas, *self.others], choice)
        return self._fast[choice]

    def prepare(self, choice: Choice) -> None:
        """Build what ``check_lines`` needs for ``choice`` now (before worker processes fork)."""
        self.fast_path(choice)
        self._recall(choice)

    def check(self, message: Any, choice: Choice = "any") -> tuple[Rejection, ...]:
        """Why ``message`` is invalid in every direction allowed that has its type; () if valid."""
        return self._check(message, choice, probe=True)

    def _check(self, message: Any, choice: Choice, probe: bool) -> tuple[Rejection, ...]:
        """``probe``: ask ``is_valid`` first, several times cheaper than the errors of a valid
        message; not worth it for a line that the fast path refused, which is invalid but for
        the few it leaves to the exact path (see fast.py), unless its type is untranslated."""
        if self._versions and isinstance(message, dict):
            version = message.get("v")
            # a version of another shape (1.0 is 1; true is not, as in JSON Schema)
            if isinstance(version, int | float) and not isinstance(version, bool):
                other = self._versions.get(version)
                if other is not None:
                    return other._check(message, choice, probe)
        table = self.routes(choice)
        label = "client or server" if choice == "any" else choice
        candidates, problems = route(message, table, label, self._in_version)
        if candidates is None:
            return (Rejection(None, tuple(problems)),)
        if probe or message["type"] in self.fast_path(choice).untranslated:
            if any(compiled.validator.is_valid(message) for compiled in candidates):
                return ()
            return tuple(
                Rejection(c.direction, c.problems(message) or _NO_REASON) for c in candidates
            )
        rejections = []
        for compiled in candidates:
            problems = compiled.problems(message)
            if not problems:
                return ()
            rejections.append(Rejection(compiled.direction, problems))
        return tuple(rejections)

    def validate(self, message: Any, direction: Choice = "any") -> list[Problem]:
        """The problems of a message given as a JSON value (as ``json.loads`` returns it)."""
        # a value read from wire text never holds a surrogate code point or NaN; one built in
        # Python may, and is refused as validate_json refuses its text
        not_json = not_json_in(message)
        if not_json is not None:
            return [not_json]
        return [p for r in self.check(message, direction) for p in r.problems]

    def validate_json(self, text: str | bytes, direction: Choice = "any") -> list[Problem]:
        """The problems of wire text: strict JSON (no NaN, no repeated key), then the schema."""
        message, problems = parse_text(text)
        return problems or self.validate(message, direction)

    def check_lines(
        self,
        lines: Sequence[bytes],
        choice: Choice,
        oversized: Mapping[int, int] | None = None,
        max_bytes: int = 0,
        unterminated: bool = False,
        first: int = 0,
    ) -> Tally:
        """Check one message per item of ``lines``: the hot loop of ``wirebook validate``.

        ``oversized``: index → size of a line dropped for being longer than ``max_bytes``;
        ``unterminated``: the last line ended the input without a newline; ``first``: the
        number (from 0) that findings give the first line.
        """
        collecting = gc.isenabled()
        gc.disable()  # nothing here makes a cycle; a collection would walk every module for nothing
        try:
            return self._check_lines(lines, choice, oversized, max_bytes, unterminated, first)
        finally:
            if collecting:
                gc.enable()

    def _check_lines(
        self,
        lines: Sequence[bytes],
        choice: Choice,
        oversized: Mapping[int, int] | None,
        max_bytes: int,
        unterminated: bool,
        first: int,
    ) -> Tally:
        tally = Tally(read=len(lines))
        valid, closely = self.fast_path(choice).sift(lines)
        tally.per_type.update(valid)
        recall = self._recall(choice)
        # the lines the fast path refused: invalid, or not as it takes them (see fast.py). A line
        # alike one seen before (the same but for free text, see fast.free_strings), or one
        # that did not parse with the same text, has its verdict: their skeletons are made and
        # looked up at once, in one C loop, which leaves the skeleton (or None) in the place of a
        # verdict not found. The last line of an input cut short is not recalled by text: its
        # words say so
        found: list[_Verdict | bytes | None]
        by_text = {} if unterminated else recall.by_text
        found, misses = _sift.recall(
            lines, closely, recall.plan, recall.by_skeleton, by_text, _REMEMBERED_TEXT
        )
        if oversized:
            too_long = [at for at, index in enumerate(closely) if index in oversized]
            misses = sorted({*misses, *too_long})
        last = len(lines) - 1
        for at in misses:  # in order: a verdict found is remembered for the lines after
            index = closely[at]
            verdict: _Verdict | None
            if oversized and index in oversized:
                problem = _too_large(oversized[index], max_bytes)
                verdict = _Verdict.of(None, (Rejection(None, (problem,)),))
            else:  # remembered since the C loop looked, from a line of this batch?
                shape = cast("bytes | None", found[at])
                verdict = recall.by_skeleton.get(shape) if shape is not None else None
                if verdict is None:
                    verdict = by_text.get(lines[index])
                if verdict is None:
                    truncated = unterminated and index == last
                    verdict = self._recalled(recall, lines[index], shape, choice, truncated)
            found[at] = verdict
        # each verdict's lines counted, and a Finding made for each invalid line, in C
        tally.findings = _sift.tally(
            found,
            closely,
            first,
            Finding,
            tally.per_type,
            tally.invalid_per_type,
            tally.per_kind,
        )
        return tally

    def _recalled(
        self, recall: _Recall, raw: bytes, shape: bytes | None, choice: Choice, truncated: bool
    ) -> _Verdict:
        """The verdict on a line whose skeleton ``shape`` (None: none, or not looked for) and
        text were not seen: found, and remembered (by its text if it did not parse: the
        parser's words name places)."""
        message, problems = parse(raw, truncated)
        if problems:
            # lines that fail alike (cut at the same place, say) share one verdict: the
            # report composes its words once
            words = tuple(problems)
            verdict = recall.by_words.get(words)
            if verdict is None:
                verdict = _Verdict.of(None, (Rejection(None, words),))
                recall.remember(recall.by_words, words, verdict)
            if not truncated and len(raw) <= _REMEMBERED_TEXT:
                recall.remember(recall.by_text, raw, verdict)
            return verdict
        wire_type = message.get("type") if isinstance(message, dict) else None
        wire_type = wire_type if isinstance(wire_type, str) else None
        verdict = _Verdict.of(wire_type, self._check(message, choice, probe=False))
        if shape is not None and len(raw) <= _REMEMBERED_TEXT:  # a longer one is seldom alike
            recall.remember(recall.by_skeleton, shape, verdict)
        return verdict

    def _recall(self, choice: Choice) -> _Recall:
        if choice not in self._recalls:
            # a string free in one version may not be in another: free only if free in all
            plan, *others = (fast.free_strings(s, choice) for s in (self.schemas, *self.others))
            plan = {k: v for k, v in plan.items() if all(o.get(k) == v for o in others)}
            self._recalls[choice] = _Recall(plan)
        return self._recalls[choice]


K = TypeVar("K")
# what a line is remembered by, at most: longer lines are seldom alike
_REMEMBERED_TEXT = 4096
# verdicts remembered, at most, per kind of key
_REMEMBERED = 4096
_NO_REASON = (Problem("", "schema", "invalid, and jsonschema-rs gave no reason"),)


@dataclass(frozen=True, slots=True, eq=False)
class _Verdict:
    """What the exact path said of a line: its type, why it is invalid (() if valid), and what
    the summary counts it under. Equal to itself alone, and hashed by identity: the lines given
    one verdict are counted at once."""

    type: str | None
    rejections: tuple[Rejection, ...]
    label: str
    kinds: tuple[str, ...]

    @staticmethod
    def of(wire_type: str | None, rejections: tuple[Rejection, ...]) -> _Verdict:
        if not rejections:
            return _Verdict(wire_type, (), str(wire_type), ())
        label = _type_label(Finding(0, wire_type, rejections))
        kinds = tuple(p.keyword for r in rejections for p in r.problems)
        return _Verdict(wire_type, rejections, label, kinds)


@dataclass
class _Recall:
    """The verdicts of the exact path on lines seen before, by skeleton (``_sift.skeleton`` with
    ``plan``), and by text for lines that did not parse (the parser's words depend on the text);
    and the verdicts on lines that did not parse, by the parser's words."""

    plan: dict[bytes, tuple[int, int]]
    by_skeleton: dict[bytes, _Verdict] = field(default_factory=dict)
    by_text: dict[bytes, _Verdict] = field(default_factory=dict)
    by_words: dict[tuple[Problem, ...], _Verdict] = field(default_factory=dict)

    @staticmethod
    def remember(memory: dict[K, _Verdict], key: K, verdict: _Verdict) -> None:
        if len(memory) >= _REMEMBERED:
            memory.clear()
        memory[key] = verdict


def too_large(size: int, max_bytes: int) -> Finding:
    """The finding of a message longer than ``max_bytes``, which is not even parsed."""
    return Finding(0, None, (Rejection(None, (_too_large(size, max_bytes),)),))


def _too_large(size: int, max_bytes: int) -> Problem:
    return Problem(
        "", "maxBytes", f"{size} bytes, more than --max-bytes {max_bytes}: not read as JSON"
    )

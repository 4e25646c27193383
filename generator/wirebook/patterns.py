"""The one home of the `pattern` keyword: which regular expressions wirebook accepts, their
translation for Rust's `regex` crate, and a linear-time matcher.

A pattern is ECMA-262 with the u flag, as published in the schemas; JSON Schema's `pattern` is a
search (unanchored). wirebook accepts a portable, regular subset of it: the constructs that
JavaScript (Ajv), Python (`re`, python-jsonschema), Rust (`regex`: pydantic-core, jsonschema-rs)
and regress all read, every one of them with one meaning (see ``compile``'s refusals). And since
the schemas go to teams whose validators backtrack, a pattern that can make a backtracking matcher
take exponential or polynomial time is refused too (see ``_Analysis``).

``compile(source)`` gives a ``Regex``: ``source`` as written, ``rust`` (the same language in the
Rust crate's syntax) and ``search`` (linear time, ECMA-262 semantics, backed by pydantic-core's
Rust regex engine). Everything else raises ``PatternError``, whose ``message`` completes "the
pattern …" and whose ``hint`` says what to write instead.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import regress
from pydantic_core import SchemaValidator, core_schema

# Patterns are short texts in a definition; past this they are data, not patterns.
MAX_LENGTH = 1000
# Groups inside groups. Rust's regex parser stops at 250 levels (each group and repetition is
# one); real patterns stay under 5.
MAX_DEPTH = 32
# Rust engines unroll counted repetitions: `.{10000}` exceeds the 10 MiB size limit that
# pydantic-core and jsonschema-rs compile with (one Unicode `.` compiles to about 1 KiB). A pattern
# whose repetitions add up to at most this many copies of its characters stays ten times below.
MAX_COPIES = 1000

_SYNTAX_HINT = (
    "patterns are ECMA-262 regular expressions, read as JavaScript reads them with the u flag"
)
_SYNTAX_CHARACTERS = "^$\\.*+?()[]{}|/"
_LINE_TERMINATORS = (0x0A, 0x0D, 0x2028, 0x2029)
_MAX_CODE_POINT = 0x10FFFF
_SURROGATES = (0xD800, 0xDFFF)
# The escapes ECMA-262, Python and Rust match differently outside ASCII (and \b, \B with them).
_AMBIGUOUS_ESCAPES = {
    "d": "[0-9]",
    "D": "[^0-9]",
    "w": "[A-Za-z0-9_]",
    "W": "[^A-Za-z0-9_]",
    "s": "[ \\t\\n\\r\\f\\v]",
    "S": "[^ \\t\\n\\r\\f\\v]",
}
_CONTROL_ESCAPES = {"n": 0x0A, "r": 0x0D, "t": 0x09, "f": 0x0C, "v": 0x0B}
_HEX = frozenset("0123456789abcdefABCDEF")


class PatternError(ValueError):
    """A pattern wirebook refuses: ``message`` completes "the pattern …" (and names the construct
    and where it is), ``hint`` says what to write instead; ``offset`` is the construct's index in
    the pattern (in characters), when there is one."""

    def __init__(self, message: str, hint: str, offset: int | None = None) -> None:
        super().__init__(f"{message} ({hint})")
        self.message = message
        self.hint = hint
        self.offset = offset


# A set of code points: sorted, disjoint, non-adjacent inclusive ranges.
CharSet = tuple[tuple[int, int], ...]


def _normalized(ranges: list[tuple[int, int]]) -> CharSet:
    merged: list[tuple[int, int]] = []
    for low, high in sorted(ranges):
        if merged and low <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], high))
        else:
            merged.append((low, high))
    return tuple(merged)


def _complement(chars: CharSet) -> CharSet:
    result: list[tuple[int, int]] = []
    next_low = 0
    for low, high in chars:
        if low > next_low:
            result.append((next_low, low - 1))
        next_low = high + 1
    if next_low <= _MAX_CODE_POINT:
        result.append((next_low, _MAX_CODE_POINT))
    return tuple(result)


def _intersection(a: CharSet, b: CharSet) -> CharSet:
    result: list[tuple[int, int]] = []
    i = j = 0
    while i < len(a) and j < len(b):
        low, high = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if low <= high:
            result.append((low, high))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return tuple(result)


ANY: CharSet = ((0, _MAX_CODE_POINT),)
# ECMA-262's `.`: any code point but the line terminators.
DOT: CharSet = _complement(_normalized([(c, c) for c in _LINE_TERMINATORS]))
_SCALARS: CharSet = _complement((_SURROGATES,))  # what a Rust (or any valid UTF-8) text holds


# The syntax tree of an accepted pattern. Offsets index the source, for messages.
@dataclass(frozen=True, eq=False)
class Chars:
    """One character from ``chars``: a literal, an escape, a class or `.`."""

    chars: CharSet
    start: int
    end: int


@dataclass(frozen=True, eq=False)
class Anchor:
    """`^` (start of the text) or `$` (end of the text): no m flag, so nothing else."""

    kind: str


@dataclass(frozen=True, eq=False)
class Concatenation:
    items: tuple[Node, ...]


@dataclass(frozen=True, eq=False)
class Alternation:
    options: tuple[Node, ...]


@dataclass(frozen=True, eq=False)
class Repeat:
    """``item`` from ``least`` to ``most`` times (``None``: unbounded); ``start``:``end`` spans the
    repeated atom and its quantifier in the source."""

    item: Node
    least: int
    most: int | None
    lazy: bool
    start: int
    end: int


Node = Chars | Anchor | Concatenation | Alternation | Repeat


class _Parser:
    """Recursive descent over ECMA-262's grammar (u flag), refusing what is outside the subset.

    Recursion follows group nesting, which is refused past ``MAX_DEPTH`` before it goes deeper.
    Syntax errors use V8's words, so that they read as JavaScript's own."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.at = 0
        self.depth = 0

    def _peek(self, ahead: int = 0) -> str:
        index = self.at + ahead
        return self.source[index] if index < len(self.source) else ""

    def _syntax(self, what: str, offset: int) -> PatternError:
        return PatternError(
            f"is not a valid regular expression: {what} (at offset {offset})", _SYNTAX_HINT, offset
        )

    def _refuse(self, what: str, hint: str, offset: int) -> PatternError:
        return PatternError(f"{what} (at offset {offset})", hint, offset)

    def parse(self) -> Node:
        node = self._disjunction()
        if self.at < len(self.source):  # only a `)` stops a top-level disjunction early
            raise self._syntax("Unmatched ')'", self.at)
        return node

    def _disjunction(self) -> Node:
        options = [self._alternative()]
        while self._peek() == "|":
            self.at += 1
            options.append(self._alternative())
        return options[0] if len(options) == 1 else Alternation(tuple(options))

    def _alternative(self) -> Node:
        items: list[Node] = []
        while self._peek() not in ("", "|", ")"):
            items.append(self._term())
        return items[0] if len(items) == 1 else Concatenation(tuple(items))

    def _term(self) -> Node:
        start = self.at
        char = self._peek()
        if char in "^$":
            self.at += 1
            if self._peek() in ("*", "+", "?") or self._quantifier_braces() is not None:
                raise self._syntax("Nothing to repeat", self.at)
            return Anchor(char)
        atom = self._atom()
        return self._quantified(atom, start)

    def _quantifier_braces(self) -> tuple[int, int | None, int] | None:
        """``{n}``, ``{n,}`` or ``{n,m}`` at the current place: (n, m, length), or None."""
        source, i = self.source, self.at
        if i >= len(source) or source[i] != "{":
            return None
        j = i + 1
        while j < len(source) and source[j].isascii() and source[j].isdigit():
            j += 1
        if j == i + 1:
            return None
        least = int(source[i + 1 : j])
        most: int | None = least
        if j < len(source) and source[j] == ",":
            k = j + 1
            while k < len(source) and source[k].isascii() and source[k].isdigit():
                k += 1
            most = int(source[j + 1 : k]) if k > j + 1 else None
            j = k
        if j < len(source) and source[j] == "}":
            return least, most, j + 1 - i
        return None

    def _quantified(self, atom: Node, start: int) -> Node:
        char = self._peek()
        if char in ("*", "+", "?"):
            least, most = {"*": (0, None), "+": (1, None), "?": (0, 1)}[char]
            self.at += 1
        elif char == "{":
            braces = self._quantifier_braces()
            if braces is None:
                raise self._syntax("Incomplete quantifier", self.at)
            least, most, length = braces
            if most is not None and most < least:
                raise self._syntax("numbers out of order in {} quantifier", self.at)
            if max(least, most or 0) > MAX_COPIES:
                raise self._refuse(
                    f"repeats {self.source[start : self.at + length]} more than {MAX_COPIES} times",
                    "Rust validators (pydantic, jsonschema-rs) copy a counted repetition that "
                    "many times: bound the length with minLength/maxLength and use * or + here",
                    self.at,
                )
            self.at += length
        else:
            return atom
        lazy = self._peek() == "?"
        if lazy:
            self.at += 1
        if self._peek() in ("*", "+", "?") or self._quantifier_braces() is not None:
            raise self._syntax("Nothing to repeat", self.at)
        return Repeat(atom, least, most, lazy, start, self.at)

    def _atom(self) -> Node:
        start = self.at
        char = self._peek()
        if char == ".":
            self.at += 1
            return Chars(DOT, start, self.at)
        if char == "(":
            return self._group()
        if char == "[":
            return self._class()
        if char == "\\":
            code = self._escape(in_class=False)
            return Chars(((code, code),), start, self.at)
        if char in ("*", "+", "?") or self._quantifier_braces() is not None:
            raise self._syntax("Nothing to repeat", start)
        if char in ("{", "}", "]"):
            raise self._syntax("Lone quantifier brackets", start)
        self.at += 1
        return Chars(((ord(char), ord(char)),), start, self.at)

    def _group(self) -> Node:
        start = self.at
        if self.depth == MAX_DEPTH:
            raise self._refuse(
                f"nests groups more than {MAX_DEPTH} deep",
                "flatten the groups: a group inside a group needs a reason",
                start,
            )
        self.at += 1
        if self._peek() == "?":
            kind = self.source[self.at : self.at + 3]
            if kind.startswith("?:"):
                self.at += 2
            elif kind.startswith(("?=", "?!")) or kind in ("?<=", "?<!"):
                which = "lookahead" if kind[1] in "=!" else "lookbehind"
                raise self._refuse(
                    f"uses a {which} ({kind[: 2 if kind[1] in '=!' else 3]}…), which is not "
                    "regular: the Rust engines of pydantic and jsonschema-rs refuse it and a "
                    "backtracking validator can take exponential time on it",
                    "say what the text is with classes, groups, | and quantifiers alone",
                    start,
                )
            elif kind.startswith("?<"):
                raise self._refuse(
                    "uses a named group (?<…>), which Python reads as (?P<…>)",
                    "write a plain group (…) or (?:…): a validator does not use the name",
                    start,
                )
            else:
                raise self._syntax("Invalid group", start)
        self.depth += 1
        inner = self._disjunction()
        self.depth -= 1
        if self._peek() != ")":
            raise self._syntax("Unterminated group", start)
        self.at += 1
        return inner

    def _class(self) -> Chars:
        start = self.at
        self.at += 1
        negated = self._peek() == "^"
        if negated:
            self.at += 1
        if self._peek() == "]":
            empty = "[^]" if negated else "[]"
            raise self._refuse(
                f"uses the class {empty}, which Python reads as the start of a class holding ]",
                "write (?:.|[\\n\\r\\u2028\\u2029]) for any character"
                if negated
                else "leave it out: an empty class matches nothing",
                start,
            )
        ranges: list[tuple[int, int]] = []
        while True:
            char = self._peek()
            if char == "":
                raise self._syntax("Unterminated character class", start)
            if char == "]":
                self.at += 1
                break
            low = self._class_atom()
            if self._peek() == "-" and self._peek(1) not in ("]", ""):
                self._refuse_doubled()
                self.at += 1
                high = self._class_atom()
                if high < low:
                    raise self._syntax("Range out of order in character class", self.at - 1)
                ranges.append((low, high))
            else:
                ranges.append((low, low))
        chars = _normalized(ranges)
        return Chars(_complement(chars) if negated else chars, start, self.at)

    def _refuse_doubled(self) -> None:
        char = self._peek()
        if char in ("&", "-", "|", "~") and self._peek(1) == char:
            raise self._refuse(
                f"has {char}{char} in a class, which Python reads as a set operation to come "
                "(it warns)",
                f"write {char} once" + (", or escape it as \\-" if char == "-" else ""),
                self.at,
            )

    def _class_atom(self) -> int:
        char = self._peek()
        if char == "\\":
            return self._escape(in_class=True)
        if char == "[":
            raise self._refuse(
                "has [ inside a class, which Python reads as the start of a nested set (it warns)",
                "escape it: \\[",
                self.at,
            )
        self._refuse_doubled()
        self.at += 1
        return ord(char)

    def _escape(self, in_class: bool) -> int:
        """The code point of the escape at the current `\\`, which it passes."""
        start = self.at
        letter = self._peek(1)
        self.at += 2
        if letter == "":
            raise self._syntax("\\ at end of pattern", start)
        if letter in _AMBIGUOUS_ESCAPES:
            raise self._refuse(
                f"uses \\{letter}, which JavaScript, Python and Rust validators match "
                "differently outside ASCII",
                f"write {_AMBIGUOUS_ESCAPES[letter]} instead",
                start,
            )
        if letter == "b" and in_class:
            raise self._refuse(
                "uses \\b in a class, a backspace in JavaScript and Python but not in Rust",
                "write \\x08 instead",
                start,
            )
        if letter in "bB":
            raise self._refuse(
                f"uses \\{letter}, which JavaScript, Python and Rust validators match "
                "differently outside ASCII",
                "spell the word boundary out",
                start,
            )
        if letter in _CONTROL_ESCAPES:
            return _CONTROL_ESCAPES[letter]
        if letter == "x":
            digits = self.source[self.at : self.at + 2]
            if len(digits) < 2 or not _HEX.issuperset(digits):
                raise self._syntax("Invalid escape", start)
            self.at += 2
            return int(digits, 16)
        if letter == "u":
            return self._unicode_escape(start)
        if letter == "c":
            control = self._peek()
            if not (control.isascii() and control.isalpha()):
                raise self._syntax("Invalid Unicode escape", start)
            raise self._refuse(
                f"uses \\c{control}, a control escape that Rust validators do not read",
                f"write \\x{ord(control) % 32:02X} instead",
                start,
            )
        if letter == "0" and not self._peek().isdigit():
            raise self._refuse(
                "uses \\0, which jsonschema-rs and Python read otherwise",
                "write \\x00 instead",
                start,
            )
        if letter.isdigit():
            raise self._refuse(
                f"uses \\{letter}, a backreference (or an octal escape), which is not regular",
                "match the text itself, or write a character as \\xHH",
                start,
            )
        if letter == "k":
            raise self._refuse(
                "uses \\k, a named backreference, which is not regular",
                "match the text itself",
                start,
            )
        if letter in "pP":
            raise self._refuse(
                f"uses \\{letter}{{…}}, a Unicode property, which each engine reads from its own "
                "Unicode version",
                "list the characters in a class, e.g. [A-Za-zÀ-ÖØ-öø-ÿ]",
                start,
            )
        if letter in _SYNTAX_CHARACTERS or (in_class and letter == "-"):
            return ord(letter)
        raise self._syntax("Invalid escape", start)

    def _unicode_escape(self, start: int) -> int:
        if self._peek() == "{":
            raise self._refuse(
                "uses \\u{…}, which Python's re (python-jsonschema) does not read",
                "write the character itself, or \\uHHHH for one in the Basic Multilingual Plane",
                start,
            )
        digits = self.source[self.at : self.at + 4]
        if len(digits) < 4 or not _HEX.issuperset(digits):
            raise self._syntax("Invalid Unicode escape", start)
        self.at += 4
        code = int(digits, 16)
        if _SURROGATES[0] <= code <= _SURROGATES[1]:
            low = self.source[self.at : self.at + 6]
            pair = (
                0xD800 <= code <= 0xDBFF
                and low[:2] == "\\u"
                and _HEX.issuperset(low[2:])
                and len(low) == 6
                and 0xDC00 <= int(low[2:], 16) <= 0xDFFF
            )
            if pair:
                character = chr(0x10000 + ((code - 0xD800) << 10) + int(low[2:], 16) - 0xDC00)
                instead = f"write the character itself ({character}) instead"
            else:
                instead = "write the character itself instead"
            raise self._refuse(
                f"uses \\u{digits}, a surrogate escape, which pydantic and Python read as half "
                "a character",
                instead,
                start,
            )
        return code


def _copies(node: Node) -> int:
    """How many copies of characters the Rust engines compile ``node`` into (unrolled counted
    repetitions; an unbounded one is its minimum and one more)."""
    if isinstance(node, Chars):
        return 1
    if isinstance(node, Anchor):
        return 0
    if isinstance(node, Concatenation):
        return sum(_copies(item) for item in node.items)
    if isinstance(node, Alternation):
        return sum(_copies(option) for option in node.options)
    times = node.most if node.most is not None else node.least + 1
    return _copies(node.item) * max(times, 1)


def _check_copies(node: Node, source: str) -> None:
    """Refuse the outermost repetition whose copies pass ``MAX_COPIES``, else the pattern."""
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, Repeat):
            copies = _copies(current)
            if copies > MAX_COPIES:
                raise PatternError(
                    f"repeats {source[current.start : current.end]} into {copies} copies of its "
                    f"characters (at offset {current.start}), more than the {MAX_COPIES} that "
                    "Rust validators (pydantic, jsonschema-rs) compile within their size limit",
                    "bound the length with minLength/maxLength and use * or + here",
                    current.start,
                )
            stack.append(current.item)
        elif isinstance(current, Concatenation):
            stack.extend(current.items)
        elif isinstance(current, Alternation):
            stack.extend(current.options)
    total = _copies(node)
    if total > MAX_COPIES:
        raise PatternError(
            f"compiles into {total} copies of characters, more than the {MAX_COPIES} that Rust "
            "validators (pydantic, jsonschema-rs) compile within their size limit",
            "bound the length with minLength/maxLength and use * or + for long repetitions",
        )


# Rust's regex syntax: these are escaped with a backslash, inside and outside classes.
_RUST_META = frozenset("\\.+*?()|[]{}^$#&-~")
_RUST_NAMED = {0x09: "\\t", 0x0A: "\\n", 0x0D: "\\r"}


def _rust_char(code: int) -> str:
    if code in _RUST_NAMED:
        return _RUST_NAMED[code]
    char = chr(code)
    if char in _RUST_META:
        return "\\" + char
    if char.isprintable():
        return char
    return f"\\x{{{code:X}}}"


def _rust_ranges(chars: CharSet) -> str:
    return "".join(
        _rust_char(low) if low == high else f"{_rust_char(low)}-{_rust_char(high)}"
        for low, high in chars
    )


def _rust_chars(chars: CharSet) -> str:
    # A Rust text holds no surrogate, and Rust escapes cannot name one.
    chars = _intersection(chars, _SCALARS)
    if len(chars) == 1 and chars[0][0] == chars[0][1]:
        return _rust_char(chars[0][0])
    outside = _intersection(_complement(chars), _SCALARS)
    if not outside:
        return "[\\x{0}-\\x{10FFFF}]"
    if len(outside) < len(chars):
        return f"[^{_rust_ranges(outside)}]"
    if not chars:
        return "[^\\x{0}-\\x{10FFFF}]"  # matches nothing, as a class of surrogates alone would
    return f"[{_rust_ranges(chars)}]"


def _rust(node: Node) -> str:
    """``node`` in Rust's regex syntax: ``^``/``$`` are start/end of text there as in ECMA-262
    without the m flag; groups capture nothing (a validator reads no group)."""
    if isinstance(node, Chars):
        return _rust_chars(node.chars)
    if isinstance(node, Anchor):
        return node.kind
    if isinstance(node, Concatenation):
        return "".join(
            f"(?:{_rust(item)})" if isinstance(item, Alternation) else _rust(item)
            for item in node.items
        )
    if isinstance(node, Alternation):
        return "|".join(_rust(option) for option in node.options)
    item = _rust(node.item)
    if not isinstance(node.item, Chars):
        item = f"(?:{item})"
    if node.most is None:
        quantifier = {0: "*", 1: "+"}.get(node.least, f"{{{node.least},}}")
    elif node.least == node.most:
        quantifier = f"{{{node.least}}}"
    elif (node.least, node.most) == (0, 1):
        quantifier = "?"
    else:
        quantifier = f"{{{node.least},{node.most}}}"
    return item + quantifier + ("?" if node.lazy else "")


@dataclass(frozen=True)
class Regex:
    """An accepted pattern: ``source`` as written (ECMA-262, u flag; what the schemas publish),
    ``rust`` the same language in the syntax of Rust's `regex` crate (pydantic-core's
    `rust-regex` engine, jsonschema-rs's `RegexOptions`)."""

    source: str
    rust: str
    _validator: SchemaValidator = field(repr=False, compare=False)

    def search(self, text: str) -> bool:
        """Whether ``text`` holds a match, as ECMA-262's ``RegExp(source, "u").test(text)`` says:
        in linear time (Rust's `regex` crate, through pydantic-core).

        A text with a lone surrogate (a Python string can hold one; valid UTF-8 JSON cannot)
        never matches: it is not Unicode text, and pydantic refuses it the same way."""
        return self._validator.isinstance_python(text)


@functools.lru_cache(maxsize=1024)
def compile(source: str) -> Regex:
    """``source`` as a ``Regex``, or ``PatternError`` if wirebook refuses it."""
    if len(source) > MAX_LENGTH:
        raise PatternError(
            f"is {len(source)} characters long, more than {MAX_LENGTH}",
            "a pattern says what a text looks like: bound its length with maxLength, and split "
            "a long alternation of values into an enum",
        )
    for offset, char in enumerate(source):
        if _SURROGATES[0] <= ord(char) <= _SURROGATES[1]:
            raise PatternError(
                f"holds a lone surrogate U+{ord(char):04X} (at offset {offset}), half a "
                "character that no validator reads alike",
                "write the whole character",
                offset,
            )
    tree = _Parser(source).parse()
    _check_copies(tree, source)
    try:  # the reference engine must read it as we did (it always has, in the tests)
        regress.Regex(source, "u")
    except regress.RegressError as exc:
        raise PatternError(f"is not a valid regular expression: {exc}", _SYNTAX_HINT) from exc
    rust = _rust(tree)
    validator = SchemaValidator(core_schema.str_schema(pattern=rust, regex_engine="rust-regex"))
    return Regex(source, rust, validator)

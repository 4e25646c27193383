r"""The one home of the `pattern` keyword: which regular expressions wirebook accepts, their
translation for Rust's `regex` crate, and a linear-time matcher.

A pattern is ECMA-262 with the u flag, as published in the schemas; JSON Schema's `pattern` is a
search (unanchored). wirebook accepts a portable, regular subset of it, which JavaScript (Ajv),
Python (`re`, python-jsonschema), Rust (`regex`: pydantic-core, jsonschema-rs) and regress all
compile: literal characters, escaped syntax characters, \n \r \t \f \v \xHH \uHHHH (not a
surrogate), `.`, `^`, `$`, classes with ranges, groups (…) and (?:…), the quantifiers * + ? {n}
{n,} {n,m} (lazy too) and alternation. Everything else is refused with what to write instead:
lookarounds, backreferences, named groups, \p{…}, \u{…}, \c, \0, surrogate escapes, \d \w \s \b
and their negations (each engine reads them differently outside ASCII), [] and [^], [ or a
doubled && -- || ~~ inside a class (Python warns), and patterns past the limits below.

Since the schemas go to teams whose validators backtrack, a pattern is also refused when a
backtracking matcher can take exponential or polynomial time on it, or try more than
``_MAX_WAYS`` ways to match one text (see ``_Analysis``); and regress, the reference validator's
engine, must not abort on it (see ``_check_empty_repeats``).

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


# The syntax tree of an accepted pattern.
@dataclass(frozen=True, eq=False)
class Chars:
    """One character from ``chars``: a literal, an escape, a class or `.`."""

    chars: CharSet


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
        if char in ("^", "$"):
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
            return Chars(DOT)
        if char == "(":
            return self._group()
        if char == "[":
            return self._class()
        if char == "\\":
            code = self._escape(in_class=False)
            return Chars(((code, code),))
        if char in ("*", "+", "?") or self._quantifier_braces() is not None:
            raise self._syntax("Nothing to repeat", start)
        if char in ("{", "}", "]"):
            raise self._syntax("Lone quantifier brackets", start)
        self.at += 1
        return Chars(((ord(char), ord(char)),))

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
        return Chars(_complement(chars) if negated else chars)

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
    """How many copies of characters the Rust engines compile ``node`` into: a counted
    repetition is unrolled, x{n,} is n copies (the last one looping), x* one."""
    if isinstance(node, Chars):
        return 1
    if isinstance(node, Anchor):
        return 0
    if isinstance(node, Concatenation):
        return sum(_copies(item) for item in node.items)
    if isinstance(node, Alternation):
        return sum(_copies(option) for option in node.options)
    times = node.most if node.most is not None else max(node.least, 1)
    return _copies(node.item) * times


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


def _matches_empty(node: Node) -> bool:
    if isinstance(node, Chars):
        return False
    if isinstance(node, Concatenation):
        return all(_matches_empty(item) for item in node.items)
    if isinstance(node, Alternation):
        return any(_matches_empty(option) for option in node.options)
    if isinstance(node, Repeat):
        return node.least == 0 or _matches_empty(node.item)
    return True  # an anchor reads nothing


def _check_empty_repeats(node: Node, source: str) -> None:
    """Refuse a repetition of a part that can match the empty text inside a repetition that
    repeats: regress 2026.9.1, the ECMA-262 engine of the reference validator, then allocates
    without end and aborts the process (e.g. ^(?:(?:b?)?)+$ on "b!")."""
    stack: list[tuple[Node, Repeat | None]] = [(node, None)]
    while stack:
        current, around = stack.pop()
        if isinstance(current, Repeat):
            if around is not None and _matches_empty(current.item):
                inner = source[current.start : current.end]
                raise PatternError(
                    f"repeats {inner}, whose part can match the empty text, inside "
                    f"{source[around.start : around.end]} (at offset {current.start}): regress, "
                    "the ECMA-262 engine of wirebook's reference validator, fails on it",
                    "repeat only what cannot be empty: e.g. b? rather than (b?)?, b{0,2} rather "
                    "than (b?){2}",
                    current.start,
                )
            repeats = current.most is None or current.most > 1
            stack.append((current.item, current if repeats else around))
        elif isinstance(current, Concatenation):
            stack.extend((item, around) for item in current.items)
        elif isinstance(current, Alternation):
            stack.extend((option, around) for option in current.options)


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


# Matching time in backtracking validators (Ajv's JavaScript RegExp, Python's re, regress) is
# judged on the pattern's ε-free (Glushkov) automaton by ambiguity, as Weideman, van der Merwe,
# Berglund and Watson do ("Analyzing matching time behavior of backtracking regular expression
# matchers by using ambiguity of NFA", 2016):
# - EDA, a state with two distinct loops reading the same text (in the product A×A, a cycle
#   through a pair of equal states and a pair of distinct ones): exponential time;
# - IDA, states p ≠ q where one text loops on p, leads from p to q and loops on q (in A×A×A,
#   (p, p, q) reaches (p, q, q)): polynomial time.
# Either costs time only when the text can then fail from there: a search stops at its first
# match. A search tries every start: that is a state (the "skipped prefix") looping on any
# character, which enters the pattern wherever no `^` is in the way.
#
# A backtracker tries every way a pattern matches a text, so the number of ways is bounded too,
# even where it does not grow with the text: (a|a)(a|a)(a|a)… has 2^n ways for n copies.
_MAX_WAYS = 256
# Steps over the product automata before a pattern is "too complex to check": a realistic
# pattern takes a few hundred, and this many take about a second.
_MAX_STEPS = 200_000
# Sets of states the search for a failing text visits from a state before assuming there is one.
_MAX_SUBSETS = 256
_START, _SKIPPED = 0, 1  # the automaton's first two states

# state → number of distinct paths to it (counted up to one more than _MAX_WAYS)
_Ways = dict[int, int]
_Part = tuple[int, _Ways, _Ways]  # ways to match the empty text, first states, last states


def _times(a: int, b: int) -> int:
    return min(_MAX_WAYS + 1, a * b)


def _add_ways(into: _Ways, ways: _Ways, factor: int = 1) -> None:
    for state, count in ways.items():
        if count * factor:
            into[state] = min(_MAX_WAYS + 1, into.get(state, 0) + count * factor)


class _TooComplex(Exception):
    pass


class _Automaton:
    """Glushkov's automaton of a pattern, with the number of ways each transition is taken, so
    that a backtracker's duplicate paths (the two loops of (a*)*, the two empty alternatives of
    ((a?|b?)c)+) stay visible as transitions taken in two ways.

    State 0 is the start, 1 the skipped prefix of a search, then one per character or anchor of
    the pattern. A transition into a character state reads a character of its ``label``; anchor
    states read nothing and only say where the start may enter and where a match may end."""

    def __init__(self, tree: Node) -> None:
        self.labels: list[CharSet] = [ANY, ANY]
        self.anchors: list[str] = ["", ""]
        self.loops: list[tuple[Repeat, ...]] = [(), ()]  # enclosing loops, outermost first
        self.follow: list[_Ways] = [{}, {}]
        empty, first, last = self._build(tree, ())
        del empty  # a match of the empty text needs no analysis: nothing is read
        anchored = self._through_anchors(first, "^")
        self.follow[_START] = {_SKIPPED: 1}
        _add_ways(self.follow[_START], anchored)
        self.follow[_SKIPPED] = {_SKIPPED: 1}
        _add_ways(self.follow[_SKIPPED], {s: w for s, w in first.items() if not self.anchors[s]})
        self.final = [False] * len(self.labels)  # a match ends here, whatever follows
        self.final_at_end = [False] * len(self.labels)  # … when the text ends here
        for state in last:
            if not self.anchors[state]:
                self.final[state] = True
        for state in range(2, len(self.labels)):
            if not self.anchors[state]:
                ends = self._anchor_chain(self.follow[state], "$")
                self.final_at_end[state] = self.final[state] or any(a in last for a in ends)
        # the transitions between states that read characters: the automaton analysed
        self.next: list[list[tuple[int, int]]] = [
            [(t, w) for t, w in self.follow[s].items() if not self.anchors[t]]
            for s in range(len(self.labels))
        ]
        self._label_ids: dict[CharSet, int] = {}
        self.label_id = [
            self._label_ids.setdefault(label, len(self._label_ids)) for label in self.labels
        ]
        self.label_state = {label: state for state, label in enumerate(self.label_id)}
        self._overlaps: dict[tuple[int, ...], bool] = {}
        self.steps = 0

    def _state(self, label: CharSet, anchor: str, loops: tuple[Repeat, ...]) -> int:
        if len(self.labels) > 4 * MAX_COPIES:
            raise _TooComplex
        self.labels.append(label)
        self.anchors.append(anchor)
        self.loops.append(loops)
        self.follow.append({})
        return len(self.labels) - 1

    def _connect(self, last: _Ways, first: _Ways) -> None:
        for state, ways in last.items():
            _add_ways(self.follow[state], first, ways)

    def _build(self, node: Node, loops: tuple[Repeat, ...]) -> _Part:
        """(ways to match the empty text, first states, last states) of ``node``."""
        if isinstance(node, Chars | Anchor):
            state = (
                self._state(node.chars, "", loops)
                if isinstance(node, Chars)
                else self._state((), node.kind, loops)
            )
            return 0, {state: 1}, {state: 1}
        if isinstance(node, Concatenation):
            return self._sequence([self._build(item, loops) for item in node.items])
        if isinstance(node, Alternation):
            empty, first, last = 0, _Ways(), _Ways()
            for option in node.options:
                option_empty, option_first, option_last = self._build(option, loops)
                empty = min(_MAX_WAYS + 1, empty + option_empty)
                _add_ways(first, option_first)
                _add_ways(last, option_last)
            return empty, first, last
        if node.most == 0:
            return 1, {}, {}
        if not _is_loop(node):
            parts = [self._build(node.item, loops) for _ in range(node.least or 1)]
            if node.least == 0:
                empty, first, last = parts[0]
                parts[0] = min(_MAX_WAYS + 1, empty + 1), first, last
            return self._sequence(parts)
        # Any other repetition is analysed as a loop: x* (n = 0), x+ (n = 1), x x+ (n ≥ 2), and
        # x* x* when x can match the empty text and n ≥ 2 (ECMA-262 lets the iterations up to n
        # match it, so any of them may take the characters). An upper bound m is dropped. This
        # is conservative: the loop reads what the copies read, and each path through the
        # copies is a path through the loop.
        inner = (*loops, node)
        first_copy = self._build(node.item, inner)
        if first_copy[0] and node.least >= 2:
            return self._sequence(
                [self._loop(first_copy, 0), self._loop(self._build(node.item, inner), 0)]
            )
        if node.least >= 2:
            return self._sequence([first_copy, self._loop(self._build(node.item, inner), 1)])
        return self._loop(first_copy, node.least)

    def _loop(self, part: _Part, least: int) -> _Part:
        """``part`` repeated ``least`` (0 or 1) or more times."""
        empty, first, last = part
        self._connect(last, first)
        # an iteration past the minimum fails if it matches the empty text (ECMA-262)
        return (empty if least else 1), first, last

    def _sequence(self, parts: list[_Part]) -> _Part:
        empty, first, last = 1, _Ways(), _Ways()
        for part_empty, part_first, part_last in parts:
            self._connect(last, part_first)
            _add_ways(first, part_first, empty)
            following: _Ways = dict(part_last)
            _add_ways(following, last, part_empty)
            empty, last = _times(empty, part_empty), following
        return empty, first, last

    def _anchor_chain(self, ways: _Ways, kind: str) -> set[int]:
        """The anchors of ``kind`` that ``ways`` reaches through anchors of that kind alone."""
        seen: set[int] = set()
        stack = [s for s in ways if self.anchors[s] == kind]
        while stack:
            state = stack.pop()
            if state not in seen:
                seen.add(state)
                stack.extend(s for s in self.follow[state] if self.anchors[s] == kind)
        return seen

    def _through_anchors(self, first: _Ways, kind: str) -> _Ways:
        """The character states of ``first``, and those its anchors of ``kind`` lead to."""
        reached = {s: w for s, w in first.items() if not self.anchors[s]}
        for anchor in self._anchor_chain(first, kind):
            _add_ways(
                reached, {s: w for s, w in self.follow[anchor].items() if not self.anchors[s]}
            )
        return reached

    def step(self, count: int = 1) -> None:
        self.steps += count
        if self.steps > _MAX_STEPS:
            raise _TooComplex

    def overlap(self, *states: int) -> bool:
        """Whether one character can enter every one of ``states``."""
        key = tuple(sorted({self.label_id[s] for s in states}))
        if key not in self._overlaps:
            common = self.labels[states[0]]
            for state in states[1:]:
                common = _intersection(common, self.labels[state])
            self._overlaps[key] = bool(common)
        return self._overlaps[key]


def _components(automaton: _Automaton) -> list[list[int]]:
    """The strongly connected components of the states the start reaches (Tarjan, iterative)."""
    index: dict[int, int] = {}
    low: dict[int, int] = {}
    stack: list[int] = []
    on_stack: set[int] = set()
    components: list[list[int]] = []
    work = [(_START, 0)]
    while work:
        state, child = work.pop()
        if child == 0:
            index[state] = low[state] = len(index)
            stack.append(state)
            on_stack.add(state)
        successors = automaton.next[state]
        if child < len(successors):
            work.append((state, child + 1))
            target = successors[child][0]
            if target not in index:
                work.append((target, 0))
            elif target in on_stack:
                low[state] = min(low[state], index[target])
            continue
        if low[state] == index[state]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == state:
                    break
            components.append(component)
        if work:
            parent = work[-1][0]
            low[parent] = min(low[parent], low[state])
    return components


class _Analysis:
    """Whether a backtracking matcher can take exponential or polynomial time on a pattern."""

    def __init__(self, tree: Node, source: str) -> None:
        self.source = source
        self.automaton = _Automaton(tree)
        self._failable: dict[int, bool] = {}
        self._ancestors: dict[int, set[int]] = {}
        self._previous: list[list[int]] = []  # the transitions backwards, once needed

    def check(self) -> None:
        cyclic = self._cyclic()
        for component in cyclic:
            if self._exponential(component):
                self._refuse_exponential(component)
        for before in cyclic:
            after_states = self._reachable(before, forward=True)
            for after in cyclic:
                if after is not before and after[0] in after_states:
                    witness = self._polynomial(before, after, after_states)
                    if witness is not None:
                        self._refuse_polynomial(*witness)
        self._count_ways()

    def _cyclic(self) -> list[list[int]]:
        """The components of the automaton that hold a cycle."""
        following = self.automaton.next
        return [
            c
            for c in _components(self.automaton)
            if len(c) > 1 or any(t == c[0] for t, _ in following[c[0]])
        ]

    def _count_ways(self) -> None:
        """Refuse a pattern with more than ``_MAX_WAYS`` paths to one place for some text, from
        one start: the texts are followed through the automaton made deterministic, counting
        the paths to each state (a text is no longer followed once it has a match)."""
        automaton = self.automaton
        start = ((_START, 1),)  # one attempt: the skipped prefix of a search is left out
        seen: set[tuple[tuple[int, int], ...]] = {start}
        queue: list[tuple[tuple[tuple[int, int], ...], str]] = [(start, "")]
        while queue:
            ways, text = queue.pop()
            if any(automaton.final[s] for s, _ in ways):
                continue
            # the paths that try each next state, whether or not the next character lets them in
            trying: _Ways = {}
            for state, count in ways:
                automaton.step(len(automaton.next[state]))
                for target, times in automaton.next[state]:
                    if target != _SKIPPED:
                        trying[target] = _times(1, trying.get(target, 0) + count * times)
            if any(count > _MAX_WAYS for count in trying.values()):
                self._refuse_ways(text)
            for char in sorted({low for t in trying for low, _ in automaton.labels[t]}):
                automaton.step(len(trying))
                following = {
                    t: count
                    for t, count in trying.items()
                    if any(low <= char <= high for low, high in automaton.labels[t])
                }
                if sum(following.values()) > _MAX_WAYS:
                    self._refuse_ways(text + chr(char))
                key = tuple(sorted(following.items()))
                if key not in seen:
                    seen.add(key)
                    queue.append((key, text + chr(char)))

    def _refuse_ways(self, text: str) -> None:
        example = repr(text if len(text) <= 40 else text[:40] + "…") if text else "the empty text"
        raise PatternError(
            f"can match {example} in more than {_MAX_WAYS} ways on the way to a match, and a "
            "backtracking validator (JavaScript's RegExp, Python's re) tries every one when what "
            "follows fails",
            "make the parts that follow each other match different texts: e.g. a{2} rather "
            "than (a|a)(a|a), a* rather than a?a?a?",
        )

    def failable(self, state: int) -> bool:
        """Whether some rest of the text makes every path from ``state`` fail: the only way a
        backtracker ever returns to try the other paths that led to ``state``."""
        if state not in self._failable:
            self._failable[state] = self._search_failure(state)
        return self._failable[state]

    def _search_failure(self, state: int) -> bool:
        automaton = self.automaton
        start = frozenset((state,))
        seen = {start}
        queue = [start]
        while queue:
            states = queue.pop()
            if any(automaton.final[s] for s in states):
                continue  # a match, whatever follows
            if not any(automaton.final_at_end[s] for s in states):
                return True  # the text ends here: no match
            targets = {t for s in states for t, _ in automaton.next[s]}
            pieces = _normalized([r for t in targets for r in automaton.labels[t]])
            if pieces != ANY:
                return True  # a character no transition reads
            bounds = sorted({low for t in targets for low, _ in automaton.labels[t]} | {0})
            for char in bounds:
                automaton.step(len(targets))
                following = frozenset(
                    t for t in targets if any(lo <= char <= hi for lo, hi in automaton.labels[t])
                )
                if following not in seen:
                    if len(seen) == _MAX_SUBSETS:
                        return True  # assumed: refusing a safe pattern is the safe mistake
                    seen.add(following)
                    queue.append(following)
        return False

    def _reachable(self, states: list[int], forward: bool) -> set[int]:
        automaton = self.automaton
        if not forward and not self._previous:
            self._previous = [[] for _ in automaton.labels]
            for source, targets in enumerate(automaton.next):
                for target, _ in targets:
                    self._previous[target].append(source)
        seen = set(states)
        stack = list(states)
        while stack:
            state = stack.pop()
            automaton.step()
            following = [t for t, _ in automaton.next[state]] if forward else self._previous[state]
            for target in following:
                if target not in seen:
                    seen.add(target)
                    stack.append(target)
        return seen

    def _leading_to(self, component: list[int]) -> set[int]:
        """The states from which ``component`` can be reached (remembered per component)."""
        key = component[0]
        if key not in self._ancestors:
            self._ancestors[key] = self._reachable(component, forward=False)
        return self._ancestors[key]

    def _characters(self, component: list[int]) -> CharSet:
        """The characters that some transition into ``component`` reads."""
        labels = self.automaton.labels
        return _normalized([r for s in component for r in labels[s]])

    def _within(self, states: list[int], paths: dict[int, list[int]]) -> set[int]:
        """The states ``paths`` lead to from ``states``."""
        seen = set(states)
        stack = list(states)
        while stack:
            self.automaton.step()
            for target in paths[stack.pop()]:
                if target not in seen:
                    seen.add(target)
                    stack.append(target)
        return seen

    def _exponential(self, component: list[int]) -> bool:
        """EDA within ``component``, if some state of it can fail (then each can be the base of
        the two loops: the component is strongly connected)."""
        automaton = self.automaton
        members = set(component)
        inner = {s: [(t, w) for t, w in automaton.next[s] if t in members] for s in component}
        if any(w > 1 for s in component for _, w in inner[s]):
            return any(self.failable(s) for s in component)  # one transition, two ways
        width = len(automaton.labels)
        diagonal = {s * width + s for s in component}
        reached = set(diagonal)
        previous: dict[int, list[int]] = {}
        stack = list(diagonal)
        while stack:
            pair = stack.pop()
            first, second = divmod(pair, width)
            for target_first, _ in inner[first]:
                automaton.step(len(inner[second]))
                for target_second, _ in inner[second]:
                    if automaton.overlap(target_first, target_second):
                        target = target_first * width + target_second
                        previous.setdefault(target, []).append(pair)
                        if target not in reached:
                            reached.add(target)
                            stack.append(target)
        back = set(diagonal)
        stack = list(diagonal)
        while stack:
            pair = stack.pop()
            for source in previous.get(pair, ()):
                if source not in back:
                    automaton.step()
                    if source not in diagonal:
                        return any(self.failable(s) for s in component)
                    back.add(source)
                    stack.append(source)
        return False

    def _polynomial(
        self, before: list[int], after: list[int], after_reachable: set[int]
    ) -> tuple[int, int] | None:
        """IDA: p in ``before`` and q in ``after`` (a later component) such that one text loops
        on p, leads from p to q and loops on q; q must be able to fail."""
        automaton = self.automaton
        # every character of the text is read by a loop of each component
        common = _intersection(self._characters(before), self._characters(after))
        ends = [q for q in after if self.failable(q)] if common else []
        if not ends:
            return None
        candidates = after_reachable & self._leading_to(after)
        automaton.step(len(candidates))
        meets = {
            label: bool(_intersection(automaton.labels[automaton.label_state[label]], common))
            for label in {automaton.label_id[s] for s in candidates}
        }
        between = {s for s in candidates if meets[automaton.label_id[s]]}
        in_before, in_after = set(before), set(after)
        loops_before = {s: [t for t, _ in automaton.next[s] if t in in_before] for s in before}
        loops_after = {s: [t for t, _ in automaton.next[s] if t in in_after] for s in after}
        paths = {s: [t for t, _ in automaton.next[s] if t in between] for s in between | in_before}
        if not set(ends) & self._within(before, paths):
            return None
        for p in before:
            for q in ends:
                start, goal = (p, p, q), (p, q, q)
                seen = {start}
                stack = [start]
                while stack:
                    first, middle, last = stack.pop()
                    for target_first in loops_before[first]:
                        for target_middle in paths[middle]:
                            automaton.step(len(loops_after[last]))
                            for target_last in loops_after[last]:
                                triple = (target_first, target_middle, target_last)
                                if triple in seen or not automaton.overlap(*triple):
                                    continue
                                if triple == goal:
                                    return p, q
                                seen.add(triple)
                                stack.append(triple)
        return None

    def _text(self, repeat: Repeat) -> str:
        return f"{self.source[repeat.start : repeat.end]} (at offset {repeat.start})"

    def _loop(self, states: list[int]) -> Repeat | None:
        """The innermost repetition that holds all of ``states`` (a loop of the analysis)."""
        chains = [self.automaton.loops[s] for s in states]
        common: Repeat | None = None
        for repeats in zip(*chains, strict=False):
            if any(r is not repeats[0] for r in repeats):
                break
            common = repeats[0]
        return common

    def _refuse_exponential(self, component: list[int]) -> None:
        loop = self._culprit(component)
        nested = _has_loop(loop.item)
        raise PatternError(
            f"can take exponential time in backtracking validators (JavaScript's RegExp, Python's "
            f"re): {self._text(loop)} repeats a part that can match the same text in more than "
            "one way, and on a text that almost matches they try every way",
            "repeat a part that matches a text in one way only: e.g. ^[a-z0-9]+(-[a-z0-9]+)*-?$ "
            "rather than ^([a-z0-9]+-?)*$ (a repeated part starts with its separator), a+ rather "
            "than (a+)+"
            if nested
            else "make the alternatives of the repeated part match different texts: e.g. "
            "(a|b)* rather than (a|ab|b)*, a+ rather than (a|aa)+",
            loop.start,
        )

    def _culprit(self, component: list[int]) -> Repeat:
        """The innermost repetition around ``component`` that is ambiguous on its own: the one
        to rewrite (the component itself may span repetitions around it)."""
        candidates = {id(r): r for s in component for r in self.automaton.loops[s]}
        for loop in sorted(candidates.values(), key=lambda r: r.end - r.start):
            alone = _Analysis(Concatenation((Anchor("^"), loop, Anchor("$"))), self.source)
            alone.automaton.steps = self.automaton.steps  # one budget for the whole pattern
            try:
                if any(alone._exponential(c) for c in alone._cyclic()):
                    return loop
            except _TooComplex:
                break
            finally:
                self.automaton.steps = alone.automaton.steps
        common = self._loop(component)
        assert common is not None  # a cycle comes from a repetition
        return common

    def _refuse_polynomial(self, p: int, q: int) -> None:
        later = self._loop([q])
        assert later is not None
        hint = (
            "make the parts that follow each other match different characters (e.g. "
            "[a-z]+[0-9]* rather than [a-z]+[a-z0-9]*), or merge them into one"
        )
        if p == _SKIPPED:
            raise PatternError(
                "can take quadratic time in backtracking validators (JavaScript's RegExp, "
                "Python's re): it does not start with ^, so they try it from every character of "
                f"the text, and {self._text(later)} can match the same text from each of them",
                "start it with ^ if the text must begin with it; else make it end with the "
                "repetition, or repeat less (a search for [a-z]+! finds the texts [a-z]! finds)",
                later.start,
            )
        earlier = self._loop([p])
        assert earlier is not None
        if earlier is later:  # the copies the analysis reads a counted repetition as
            raise PatternError(
                f"can take polynomial time in backtracking validators (JavaScript's RegExp, "
                f"Python's re): {self._text(later)} can match the same text in two of its "
                "repetitions, one after the other, and on a text that almost matches they try "
                "every way to share it",
                "repeat a part that cannot match the empty text: e.g. a{0,25} rather than (a?){25}"
                if _matches_empty(later.item)
                else hint,
                later.start,
            )
        raise PatternError(
            f"can take polynomial time in backtracking validators (JavaScript's RegExp, Python's "
            f"re): {self._text(earlier)} and {self._text(later)} can match the same text one "
            "after the other, and on a text that almost matches they try every way to share it",
            hint,
            earlier.start,
        )


def _is_loop(repeat: Repeat) -> bool:
    """Whether the analysis reads ``repeat`` as a loop: all but x?, x{0}, x{1} and a fixed
    count of one character (a chain of states, one way to match)."""
    if repeat.most is not None and repeat.most <= 1:
        return False
    return not (repeat.least == repeat.most and isinstance(repeat.item, Chars))


def _has_loop(node: Node) -> bool:
    if isinstance(node, Repeat):
        return _is_loop(node) or _has_loop(node.item)
    if isinstance(node, Concatenation):
        return any(_has_loop(item) for item in node.items)
    if isinstance(node, Alternation):
        return any(_has_loop(option) for option in node.options)
    return False


def _check_matching_time(tree: Node, source: str) -> None:
    try:
        _Analysis(tree, source).check()
    except _TooComplex:
        raise PatternError(
            "is too complex to check for slow matching in backtracking validators",
            "split it into simpler patterns (or list its texts in an enum), or repeat fewer "
            "parts that match the same characters",
        ) from None


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
    _check_empty_repeats(tree, source)
    _check_matching_time(tree, source)
    try:  # the reference engine must read it as we did (it always has, in the tests)
        regress.Regex(source, "u")
    except regress.RegressError as exc:
        raise PatternError(f"is not a valid regular expression: {exc}", _SYNTAX_HINT) from exc
    rust = _rust(tree)
    validator = SchemaValidator(
        core_schema.str_schema(pattern=rust, regex_engine="rust-regex", strict=True)
    )
    return Regex(source, rust, validator)

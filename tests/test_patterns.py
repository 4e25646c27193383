"""wirebook.patterns: the regular expressions wirebook accepts, refuses, translates and matches.

Every accepted pattern of the corpus matches every text of the corpus exactly as regress (the
reference), JavaScript (`new RegExp(p, "u").test`, one Node process) and jsonschema-rs do; every
pattern of the ReDoS literature is refused; hostile patterns are refused without hanging.
"""

from __future__ import annotations

import json
import re
import selectors
import shutil
import subprocess
import sys
import textwrap
import warnings
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
import regress
import yaml
from wirebook.check import FORMAT_PATTERNS
from wirebook.patterns import MAX_DEPTH, MAX_LENGTH, PatternError, compile

ROOT = Path(__file__).resolve().parents[1]
ECMA_SCRIPT = ROOT / "tests" / "patterns" / "ecma.mjs"


def _protocol_patterns(value: Any) -> list[str]:
    if isinstance(value, dict):
        found = [value["pattern"]] if isinstance(value.get("pattern"), str) else []
        return found + [p for v in value.values() for p in _protocol_patterns(v)]
    if isinstance(value, list):
        return [p for v in value for p in _protocol_patterns(v)]
    return []


PROTOCOL_PATTERNS = sorted(
    {
        pattern
        for path in sorted((ROOT / "schema").glob("*.yaml"))
        for pattern in _protocol_patterns(yaml.safe_load(path.read_text(encoding="utf-8")))
    }
)

# Every accepted construct, alone and combined: literals (line terminators, NUL and astral
# characters written as themselves), escapes, `.`, classes, anchors, groups, quantifiers (lazy
# too), alternation, in anchored and unanchored patterns.
ACCEPTED = [
    *PROTOCOL_PATTERNS,
    *FORMAT_PATTERNS.values(),
    "",
    "^",
    "$",
    "^$",
    "a.b",
    "^a.b$",
    "^.$",
    "^..$",
    "^[^a-c]$",
    "^[^\\n]$",
    "^\\n$",
    "^\\r$",
    "^\\t\\f\\v$",
    "^\\x41\\x7e$",
    "^\\u00e9\\u2028$",
    "^[\\u2028\\u2029]$",
    "^\\^\\$\\\\\\.\\*\\+\\?\\(\\)\\[\\]\\{\\}\\|\\/$",
    "^[\\-\\]\\[\\\\^]+$",
    "^[*+?(){}|$^.]+$",
    "^[a-z-]$",
    "^[-a]$",
    "^😀$",
    "^[😀-😂]+$",
    "^😀{2}$",
    "😀+",
    "(?:ab|cd)",
    "^(?:ab|cd)+$",
    "^(ab)*c$",
    "^a{3}$",
    "^a{2,}$",
    "^a{2,4}$",
    "^a{0}b$",
    "^(?:ab){1,3}$",
    "^a+?$",
    "^a*?b$",
    "^a??b$",
    "^a{2,3}?$",
    "^a{2,}?$",
    "a|b|c",
    "^(a|b)$",
    "x|^y$",
    "(?:^|,)a(?:,|$)",
    "a^b|a$b",
    "^$|^a$",
    "a$",
    "^a",
    "^(|a)b$",
    "^(?:)$",
    "^()*$",
    "a|",
    "^(?:ab?){2}$",
    "^a\nb$",
    "^a\u2028b$",
    "^\x00$",
    "\\.",
    "\\$[0-9]",
    "^[.]$",
    "^\\{\\}$",
    ".*",
    "x*",
    "^.*$",
    "^[^x]*$",
    "^[\\x00-\\x7f]*$",
    "^[^\\x00-\\x1f]*$",
    "^[A-Z][a-z]*( [A-Z][a-z]*)*$",
    "^[a-z0-9]+(-[a-z0-9]+)*-?$",
    "^[0-9]+(\\.[0-9]+)?$",
    "^[+-]?[0-9]+$",
    "^(0|[1-9][0-9]*)$",
    "^[a-zA-Z_][a-zA-Z0-9_]*$",
    "^#[0-9a-fA-F]{6}$",
    "^v[0-9]+\\.[0-9]+\\.[0-9]+$",
    "^[^@ ]+@[^@ .]+\\.[a-z]{2,}$",
    "^(?:[a-z]|[0-9])+$",
    "^(a|ab)(c|bcd)(d*)$",
    "^\\/api\\/v[12]\\/[a-z]+$",
    "^(?:(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\\.){3}"
    "(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])$",
    "^[a-z]+(?:_[a-z]+)*$",
    "^\\u0041+?[\\u0030-\\u0039]{1,3}$",
    "^(?:a|b)*?c$",
    "^[\\t ]*[a-z]+$",
    # near the line between linear and slow matching, on the linear side
    "[a-z]+",
    "[0-9]{4}-[0-9]{2}",
    "^[a-f0-9]{32}[a-z]{2}$",
    "^(?:[0-9a-f]{2}:){5}[0-9a-f]{2}$",
    "^(?:[a-z]{1,8}[0-9]{1,8})*$",
    "^(?:(?:(?:a|b)*c)*d)*$",
    "^[a-z]+(?:[.-][a-z]+)*$",
    "^[^,]*(?:,[^,]*)*$",
    "^(?:a|ab)(?:c|bcd)$",
    '^"(?:\\\\.|[^\\\\"])*"$',
    "^[a-z]+!",
]

TEXTS = [
    "",
    "a",
    "b",
    "c",
    "x",
    "y",
    "ab",
    "abc",
    "axb",
    "a\nb",
    "a\rb",
    "a\u2028b",
    "a\u2029b",
    "\n",
    "\r",
    "\u2028",
    "\u2029",
    "abc\n",
    "a\n",
    "\na",
    "😀",
    "😀😀",
    "😁",
    "a😀b",
    "\x00",
    "a\x00b",
    "\t",
    "\x0b",
    "\x0c",
    "\t\x0c\x0b",
    " ",
    " abc",
    "é",
    "é\u2028",
    "\u0085",
    "\u00a0",
    "\ufeff",
    "\U0010ffff",
    "A",
    "Z",
    "A~",
    "0",
    "9",
    "123",
    "-1",
    "+12",
    "012",
    "-",
    "_",
    "a-b",
    "a--b",
    "ab-",
    "abab",
    "abcd",
    "abbcd",
    "aaa",
    "aaaa",
    "aab",
    "$1",
    "/",
    ".",
    "$",
    "^",
    "\\",
    "[",
    "]",
    "{}",
    "*+?(){}|$^.",
    "^$\\.*+?()[]{}|/",
    "-][\\^",
    "Abc Def",
    "Abc  Def",
    "user@example.com",
    "user@exa.mple.com",
    "v1.2.3",
    "v1.2",
    "#a0b1c2",
    "#a0b1c",
    "192.168.0.1",
    "256.1.1.1",
    "2024-02-29",
    "2024-13-01",
    "2024-02-29T12:30:45.123+01:00",
    "2024-02-29t12:30:45Z",
    "2024-02-29T24:00:00Z",
    "2024-02-29T12:30:45Z\n",
    "123e4567-e89b-12d3-a456-426614174000",
    "123E4567-E89B-12D3-A456-426614174000",
    "123e4567-e89b-12d3-a456-42661417400",
    "/api/v1/rooms",
    "/api/v3/rooms",
    "general",
    "room_1-2",
    "news.sport:live-1",
    "Room",
    "a" * 1000,
    "a" * 999 + "!",
    "x" * 5000,
    "1" * 500,
    "ab" * 300 + "c",
    "\t\t  word",
    "a" * 100_000,
    "é😀" * 20_000 + "\n",
]


@cache
def ecma_verdicts(patterns: tuple[str, ...], texts: tuple[str, ...]) -> list[Any]:
    """JavaScript's verdicts (see tests/patterns/ecma.mjs), from one Node process."""
    node = shutil.which("node")
    if node is None:
        pytest.fail("Node.js is not installed: the JavaScript checks of patterns need node")
    done = subprocess.run(
        [node, str(ECMA_SCRIPT)],
        input=json.dumps({"patterns": patterns, "texts": texts}),
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=True,
    )
    verdicts: list[Any] = json.loads(done.stdout)
    return verdicts


def test_the_corpus_is_large_enough() -> None:
    assert len(PROTOCOL_PATTERNS) >= 3
    assert len(set(ACCEPTED)) - len(PROTOCOL_PATTERNS) - len(FORMAT_PATTERNS) >= 40
    assert len(set(ACCEPTED)) == len(ACCEPTED)


@pytest.mark.parametrize("pattern", ACCEPTED)
def test_accepted_patterns_match_as_regress_javascript_and_jsonschema_rs(pattern: str) -> None:
    regex = compile(pattern)
    assert regex.source == pattern
    reference = regress.Regex(pattern, "u")
    javascript = ecma_verdicts(tuple(ACCEPTED), tuple(TEXTS))[ACCEPTED.index(pattern)]
    assert isinstance(javascript, list), javascript
    rs = jsonschema_rs.validator_for({"type": "string", "pattern": pattern})
    disagreements = []
    for text, js in zip(TEXTS, javascript, strict=True):
        verdicts = {
            "regress": reference.find(text) is not None,
            "search": regex.search(text),
            "javascript": js,
            "jsonschema-rs": rs.is_valid(text),
        }
        if len(set(verdicts.values())) > 1:
            disagreements.append((text[:40], verdicts))
    assert disagreements == []


@pytest.mark.parametrize("pattern", ACCEPTED)
def test_the_rust_translation_compiles_in_jsonschema_rs_linear_engine(pattern: str) -> None:
    # the Rust form reads the same in any Rust `regex` engine: jsonschema-rs's agrees with search
    regex = compile(pattern)
    rs = jsonschema_rs.validator_for(
        {"type": "string", "pattern": regex.rust}, pattern_options=jsonschema_rs.RegexOptions()
    )
    assert [rs.is_valid(text) for text in TEXTS] == [regex.search(text) for text in TEXTS]


def test_accepted_patterns_compile_in_pythons_re_without_warnings() -> None:
    # python-jsonschema's engine: its $ and . differ from ECMA-262's, but it compiles them all
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for pattern in ACCEPTED:
            re.compile(pattern)


@pytest.mark.parametrize(
    ("pattern", "rust"),
    [
        ("a.b", "a[^\\n\\r\\x{2028}-\\x{2029}]b"),
        ("^\\t\\v\\x41\\u00e9$", "^\\t\\x{B}Aé$"),
        ("^[a-z_-]+$", "^[\\-_a-z]+$"),
        ("^[^a-c]\\/$", "^[^a-c]/$"),
        ("^(?:ab|c)+?x{2,}", "^(?:ab|c)+?x{2,}"),
        ("^(a|b)c{0,1}$", "^(?:a|b)c?$"),
        ("^a\nb\x00$", "^a\\nb\\x{0}$"),
    ],
)
def test_the_rust_translation(pattern: str, rust: str) -> None:
    assert compile(pattern).rust == rust


def test_search_is_a_search_not_a_full_match() -> None:
    assert compile("b+").search("abbbc")
    assert not compile("^b+").search("abbbc")


def test_a_text_with_a_lone_surrogate_never_matches() -> None:
    # a Python string can hold one, valid UTF-8 JSON cannot; pydantic refuses such a string too
    assert not compile("").search("\ud800")
    assert not compile("a").search("a\udc00")
    assert compile("a").search("a\U0001f600")


SYNTAX = "is not a valid regular expression: "

# (pattern, fragment of the message, fragment of the hint)
REFUSED = [
    (
        "\\d",
        "uses \\d, which JavaScript, Python and Rust validators match differently outside ASCII",
        "write [0-9] instead",
    ),
    ("[\\w-]", "uses \\w, which JavaScript", "write [A-Za-z0-9_] instead"),
    ("a\\sb", "uses \\s, which", "write [ \\t\\n\\r\\f\\v] instead"),
    ("\\S", "uses \\S", "write [^ \\t\\n\\r\\f\\v] instead"),
    ("\\D\\W", "uses \\D", "write [^0-9] instead"),
    ("\\bword\\b", "uses \\b, which", "spell the word boundary out"),
    ("a\\B", "uses \\B, which", "spell the word boundary out"),
    ("[\\b]", "uses \\b in a class", "write \\x08 instead"),
    (
        "a(?=b)",
        "uses a lookahead (?=…), which is not regular",
        "classes, groups, | and quantifiers",
    ),
    ("a(?!b)", "uses a lookahead (?!…)", "classes, groups"),
    ("(?<=a)b", "uses a lookbehind (?<=…)", "classes, groups"),
    ("(?<!a)b", "uses a lookbehind (?<!…)", "classes, groups"),
    ("(?<year>[0-9]{4})", "uses a named group", "write a plain group (…) or (?:…)"),
    ("(a)\\1", "uses \\1, a backreference", "match the text itself"),
    ("(?<x>a)\\k<x>", "uses a named group", "plain group"),
    ("\\k<x>", "uses \\k, a named backreference", "match the text itself"),
    ("\\p{L}+", "uses \\p{…}, a Unicode property", "list the characters in a class"),
    ("\\P{Lu}", "uses \\P{…}", "list the characters"),
    ("\\u{1F600}", "uses \\u{…}, which Python's re", "write the character itself"),
    ("\\cJ", "uses \\cJ, a control escape", "write \\x0A instead"),
    ("\\0", "uses \\0, which jsonschema-rs", "write \\x00 instead"),
    (
        "^[a-z\\ud83d\\ude00]+$",
        "uses \\ud83d, a surrogate escape",
        "write the character itself (😀) instead",
    ),
    ("\\udc00", "uses \\udc00, a surrogate escape", "write the character itself instead"),
    ("a\ud800", "holds a lone surrogate U+D800 (at offset 1)", "write the whole character"),
    ("[]", "uses the class []", "an empty class matches nothing"),
    ("a[^]b", "uses the class [^]", "write (?:.|[\\n\\r\\u2028\\u2029]) for any character"),
    ("[[a]", "has [ inside a class", "escape it: \\["),
    ("[a&&b]", "has && in a class", "write & once"),
    ("[a--]", "has -- in a class", "escape it as \\-"),
    ("[||]", "has || in a class", "write | once"),
    ("a{1001}", "repeats a{1001} more than 1000 times (at offset 1)", "minLength/maxLength"),
    ("a{2,999999999}", "repeats a{2,999999999} more than 1000 times", "use * or + here"),
    (
        "(a{100}){11}",
        "repeats (a{100}){11} into 1100 copies of its characters (at offset 0)",
        "minLength/maxLength",
    ),
    (".{600}.{600}", "compiles into 1200 copies of characters", "minLength/maxLength"),
    (
        "x" * (MAX_LENGTH + 1),
        f"is {MAX_LENGTH + 1} characters long, more than {MAX_LENGTH}",
        "maxLength",
    ),
    (
        "(" * (MAX_DEPTH + 1) + ")" * (MAX_DEPTH + 1),
        f"nests groups more than {MAX_DEPTH} deep (at offset {MAX_DEPTH})",
        "flatten",
    ),
    ("(", SYNTAX + "Unterminated group (at offset 0)", "ECMA-262"),
    ("(?:a", SYNTAX + "Unterminated group", "ECMA-262"),
    ("a)", SYNTAX + "Unmatched ')' (at offset 1)", "ECMA-262"),
    ("a{", SYNTAX + "Incomplete quantifier (at offset 1)", "ECMA-262"),
    ("a{1,2", SYNTAX + "Incomplete quantifier", "ECMA-262"),
    ("a{,3}", SYNTAX + "Incomplete quantifier", "ECMA-262"),
    ("]", SYNTAX + "Lone quantifier brackets (at offset 0)", "ECMA-262"),
    ("}", SYNTAX + "Lone quantifier brackets", "ECMA-262"),
    ("a**", SYNTAX + "Nothing to repeat (at offset 2)", "ECMA-262"),
    ("*", SYNTAX + "Nothing to repeat (at offset 0)", "ECMA-262"),
    ("a|+", SYNTAX + "Nothing to repeat", "ECMA-262"),
    ("{1}", SYNTAX + "Nothing to repeat", "ECMA-262"),
    ("^*", SYNTAX + "Nothing to repeat", "ECMA-262"),
    ("a??+", SYNTAX + "Nothing to repeat", "ECMA-262"),
    ("a{2,1}", SYNTAX + "numbers out of order in {} quantifier", "ECMA-262"),
    ("[b-a]", SYNTAX + "Range out of order in character class", "ECMA-262"),
    ("[a", SYNTAX + "Unterminated character class (at offset 0)", "ECMA-262"),
    ("\\-", SYNTAX + "Invalid escape", "ECMA-262"),
    ("\\q", SYNTAX + "Invalid escape", "ECMA-262"),
    ("[\\q]", SYNTAX + "Invalid escape", "ECMA-262"),
    ("\\x4", SYNTAX + "Invalid escape", "ECMA-262"),
    ("\\u12", SYNTAX + "Invalid Unicode escape", "ECMA-262"),
    ("\\c", SYNTAX + "Invalid Unicode escape", "ECMA-262"),
    ("a\\", SYNTAX + "\\ at end of pattern (at offset 1)", "ECMA-262"),
    ("(?i)a", SYNTAX + "Invalid group (at offset 0)", "ECMA-262"),
    ("(?", SYNTAX + "Invalid group", "ECMA-262"),
]


@pytest.mark.parametrize(("pattern", "message", "hint"), REFUSED, ids=lambda v: repr(v)[:40])
def test_refused_patterns_say_what_and_what_instead(pattern: str, message: str, hint: str) -> None:
    with pytest.raises(PatternError) as refused:
        compile(pattern)
    assert message in refused.value.message
    assert hint in refused.value.hint


def test_syntax_errors_use_javascripts_words() -> None:
    syntax = [(p, m) for p, m, _ in REFUSED if m.startswith(SYNTAX)]
    patterns = tuple(p for p, _ in syntax)
    for (pattern, message), javascript in zip(syntax, ecma_verdicts(patterns, ()), strict=True):
        words = message.removeprefix(SYNTAX).split(" (at offset")[0]
        assert javascript == f"Invalid regular expression: /{pattern}/u: {words}"


@pytest.mark.parametrize(
    ("pattern", "offset"),
    [
        ("a(?=b)", 1),
        ("x(?<=a)b", 1),
        ("^[a-z\\ud83d\\ude00]+$", 5),
        ("a[^]b", 1),
        ("[[a]", 1),
        ("😀\\d", 1),
        ("ab{1001}", 2),
        ("(?:(a){2}|b{2000})", 11),
        ("x" * (MAX_LENGTH + 1), None),
    ],
)
def test_a_refusal_says_where_the_construct_is(pattern: str, offset: int | None) -> None:
    with pytest.raises(PatternError) as refused:
        compile(pattern)
    assert refused.value.offset == offset
    assert (f"(at offset {offset})" in refused.value.message) == (offset is not None)


EXPONENTIAL = "can take exponential time in backtracking validators"
POLYNOMIAL = "can take polynomial time in backtracking validators"
QUADRATIC = "can take quadratic time in backtracking validators"
WAYS = "ways on the way to a match"

# Patterns from the ReDoS literature (OWASP, Weideman et al., Davis et al.), the issue tracker's,
# and near misses of the accepted corpus; \w and \s written out as wirebook requires.
CATASTROPHIC = [
    ("^([a-z0-9]+-?)*$", EXPONENTIAL),
    ("(a+)+$", EXPONENTIAL),
    ("^(a+)+$", EXPONENTIAL),
    ("(a|a)*$", EXPONENTIAL),
    ("(a|aa)+$", EXPONENTIAL),
    ("^(a|a?)+$", EXPONENTIAL),
    ("^(a*)*$", EXPONENTIAL),
    ("(x+x+)+y", EXPONENTIAL),
    ("^([A-Za-z0-9_]+[ \\t]?)*$", EXPONENTIAL),
    ("^(([a-z])+.)+[A-Z]([a-z])+$", EXPONENTIAL),
    (
        "^([a-zA-Z0-9])(([\\-.]|[_]+)?([a-zA-Z0-9]+))*(@){1}[a-z0-9]+[.]{1}"
        "(([a-z]{2,3})|([a-z]{2,3}[.]{1}[a-z]{2,3}))$",
        EXPONENTIAL,
    ),
    ("^(a|ab|b)*c$", EXPONENTIAL),
    ("^(?:a*b?)*c$", EXPONENTIAL),
    ("^((a?|b?)c)+$", EXPONENTIAL),
    ("^([0-9]+)*\\.$", EXPONENTIAL),
    ("^(?:[a-z]+\\.?)+[a-z]{2,}$", EXPONENTIAL),
    ("^(a{1,20})*$", EXPONENTIAL),
    ("^(x|xx){1,100}$", EXPONENTIAL),
    ("(.*a){12}", EXPONENTIAL),
    ("^(?:(a?){16}){16}$", "whose part can match the empty text"),
    ('^"(?:\\\\?.)*"$', EXPONENTIAL),
    ("^a*a*$", POLYNOMIAL),
    ("^[0-9]+[0-9]+$", POLYNOMIAL),
    ("^[a-z]+[a-z0-9]*@$", POLYNOMIAL),
    ("^.*.*=.*$", POLYNOMIAL),
    ("<.*>.*</.*>", POLYNOMIAL),
    ("^(a?){25}a{25}$", POLYNOMIAL),
    ("^" + "a{0,16}" * 20 + "$", POLYNOMIAL),
    ("[a-z]+!", QUADRATIC),
    ("a*b", QUADRATIC),
    ("[ \\t]+$", QUADRATIC),
    ("[0-9]{1,64}x", QUADRATIC),
    ("^" + "(a|a)" * 12 + "$", WAYS),
    ("^" + "(?:[a-z]+,)?" * 12 + "$", WAYS),
    ("^a" + "(?:|)" * 9 + "b$", "can match 'a' in more than 256 ways"),
    ("^" + "(?:|)" * 9 + "b$", "can match the empty text in more than 256 ways"),
    ("^" + "(?:x|)" * 11 + "b$", "can match 'xxxx' in more than 256 ways"),
]


def test_the_catastrophic_corpus_is_large_enough() -> None:
    assert len(CATASTROPHIC) >= 20


@pytest.mark.parametrize(("pattern", "message"), CATASTROPHIC, ids=lambda v: repr(v)[:40])
def test_patterns_that_backtrack_catastrophically_are_refused(pattern: str, message: str) -> None:
    with pytest.raises(PatternError) as refused:
        compile(pattern)
    assert message in refused.value.message


def test_a_repeated_ambiguous_part_is_named_with_an_unambiguous_rewrite() -> None:
    with pytest.raises(PatternError) as refused:
        compile("^([a-z0-9]+-?)*$")
    assert refused.value.message == (
        "can take exponential time in backtracking validators (JavaScript's RegExp, Python's "
        "re): ([a-z0-9]+-?)* (at offset 1) repeats a part that can match the same text in more "
        "than one way, and on a text that almost matches they try every way"
    )
    assert "^[a-z0-9]+(-[a-z0-9]+)*-?$ rather than ^([a-z0-9]+-?)*$" in refused.value.hint
    assert refused.value.offset == 1
    compile("^[a-z0-9]+(-[a-z0-9]+)*-?$")


@pytest.mark.parametrize(
    ("pattern", "named", "hint"),
    [
        ("(a+)+$", "(a+)+ (at offset 0) repeats a part", "a+ rather than (a+)+"),
        ("^x(a|aa)+$", "(a|aa)+ (at offset 2) repeats a part", "a+ rather than (a|aa)+"),
        ("^(?:(?:a|a)*b)*$", "(?:a|a)* (at offset 4) repeats", "alternatives"),
        ("^[a-z]+[a-z0-9]*@$", "[a-z]+ (at offset 1) and [a-z0-9]* (at offset 7) can match", ""),
        ("(.*a){3}", "(.*a){3} (at offset 0) repeats a part", ""),
        ("^(a?){3}$", "(a?){3} (at offset 1) can match the same text in two of its", "a{0,25}"),
        ("[a-z]+!", "it does not start with ^", "start it with ^"),
        (
            "^(a|a)(a|a)(a|a)(a|a)(a|a)(a|a)(a|a)(a|a)(a|a)$",
            "can match 'aaaaaaaaa' in more than 256 ways",
            "",
        ),
    ],
)
def test_a_slow_pattern_is_refused_naming_its_culprit(pattern: str, named: str, hint: str) -> None:
    with pytest.raises(PatternError) as refused:
        compile(pattern)
    assert named in refused.value.message
    assert hint in refused.value.hint


def test_a_search_is_analysed_from_every_start() -> None:
    # unanchored, a failing loop is retried from each character; anchored or last, it is not
    with pytest.raises(PatternError):
        compile("[a-z]+!")
    compile("^[a-z]+!")
    compile("[a-z]+")
    compile("![a-z]+")


def test_repeating_a_part_that_can_be_empty_inside_a_repetition_is_refused() -> None:
    # regress (the reference validator's engine) allocates without end on these, then aborts
    for pattern in ["^(?:(?:b?)?)+$", "^(?:(?:b?)?x){1,2}$", "^(?:(?:b|)?)+$", "(?:(?:b?){2})+"]:
        with pytest.raises(PatternError) as refused:
            compile(pattern)
        assert "whose part can match the empty text" in refused.value.message
    compile("^(?:b?)+$")
    compile("^(?:(?:b?)?)?$")


# A child process runs each case and prints its name when done: one that hangs fails the test
# (after CASE_BUDGET seconds) instead of stalling CI. A hang guard, not a speed target.
CASE_BUDGET = 20.0
_GUARD = textwrap.dedent(
    r"""
    import json, sys
    from wirebook.patterns import PatternError, compile

    def adversarial_texts(pattern):
        # 100,000 characters that pump each character of the pattern, then fail
        pumps = sorted({c for c in pattern if c not in "\\^$()[]{}|*+?"} | set("a0- "))
        for pump in [*pumps, "ab", "a-", "0.", "\U0001f600"]:
            body = pump * (100_000 // len(pump))
            yield from (body, body + "!", body + "\n", "x" + body + "\x00")

    for name, kind, pattern in json.load(sys.stdin):
        if kind == "search":
            regex = compile(pattern)
            for text in adversarial_texts(pattern):
                regex.search(text)
        else:
            try:
                compile(pattern)
            except PatternError:
                pass
            else:
                raise SystemExit(f"accepted: {name}")
        print(name, flush=True)
    """
)


def run_guarded(cases: list[tuple[str, str, str]]) -> None:
    """Run (name, "search" | "refuse", pattern) cases in a child process, each within
    CASE_BUDGET seconds: "search" searches adversarial texts, "refuse" expects a PatternError."""
    child = subprocess.Popen(
        [sys.executable, "-c", _GUARD],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
    )
    assert child.stdin is not None and child.stdout is not None and child.stderr is not None
    try:
        child.stdin.write(json.dumps(cases))
        child.stdin.close()
        with selectors.DefaultSelector() as selector:
            selector.register(child.stdout, selectors.EVENT_READ)
            for name, *_ in cases:
                if not selector.select(timeout=CASE_BUDGET):
                    pytest.fail(f"{name} still runs after {CASE_BUDGET} s")
                line = child.stdout.readline()
                if line != f"{name}\n":
                    pytest.fail(f"{name}: {line!r} {child.stderr.read()}")
    finally:
        child.kill()
        child.wait()


def test_search_finishes_on_adversarial_texts() -> None:
    run_guarded([(f"search {p!r}", "search", p) for p in ACCEPTED])


HOSTILE = [
    ("a 1 MB pattern", "a" * 1_000_000),
    ("a 1 MB class", "[" + "a-z" * 333_333 + "]"),
    ("groups 10,000 deep", "(" * 10_000 + "a" + ")" * 10_000),
    ("groups 490 deep", "(" * 490 + "a" + ")" * 490),
    ("classes 10,000 deep", "[" * 10_000),
    ("a huge count", "a{999999999}"),
    ("a count of 400 digits", "a{" + "9" * 400 + "}"),
    ("nested counts", "((a{1000}){1000}){1000}"),
    ("alternatives 10,000 wide", "|".join(["a"] * 10_000)),
    (
        "an analysis past its budget",
        "^(?:"
        + "|".join(c * n for n in (1, 2, 3, 4, 5) for c in "abcdefghijklmnopqrstuvwxyz")
        + ")*$",
    ),
    ("2^150 ways", "^" + "(a|a)" * 150 + "$"),
    ("150 loops", "^" + "[^x]*x" * 150 + "$"),
]


def test_hostile_patterns_are_refused_without_hanging() -> None:
    run_guarded([(name, "refuse", pattern) for name, pattern in HOSTILE])
    for _, pattern in HOSTILE:  # and in this process: a PatternError, no RecursionError
        with pytest.raises(PatternError):
            compile(pattern)

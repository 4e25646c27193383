"""The inner loop of the fast path of `wirebook validate` (_sift.c)."""

from collections.abc import Callable, Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from typing import Any, TypeVar

_V = TypeVar("_V")
_T = TypeVar("_T", bound=tuple[Any, ...])

HEAD: int
"""The first bytes of a line where ``sift`` looks for the `v` of a route first."""

def sift(
    decode: Callable[[bytes], Any],
    lines: Sequence[bytes],
    routes: Sequence[tuple[int, Callable[[bytes], Any]]] = (),
) -> tuple[dict[type, int], list[int]]:
    """Decode each line; how many values of each type the lines that decode and are not
    ``suspect`` gave, and the indexes of the others (decode raised ValueError or RecursionError,
    or the line is suspect). ``routes``: (version, decode) pairs, the decoders of other wire
    versions: a line naming one (`"v":2`) in its first HEAD bytes is given to it alone; another
    to ``decode``, then to those it names further on."""

def suspect(text: bytes) -> bool:
    """Whether some object of JSON ``text`` repeats a key, or the text has what is not looked at
    closely: a key with an escape, nesting over 64 levels, over 256 keys open at once, a number
    of 19 digits or more."""

def nesting(text: bytes) -> int:
    """The most containers (objects, arrays) that enclose one value of JSON ``text``: 0 for a
    scalar alone, 1 for the members of an object; as jiter counts, which refuses more than 200
    (so an empty container may be the 201st)."""

def skeleton(text: bytes, plan: dict[bytes, tuple[int, int]]) -> bytes | None:
    """``text`` with the content of each string that ``plan`` names (by the member names from the
    root, joined by NUL bytes, all in objects) and whose length in code points is within its
    bounds replaced by one byte 0xFF; None if such a string is not what a JSON string holds, or
    the text is cut short or nested over 64 levels."""

def recall(
    lines: Sequence[bytes],
    indexes: list[int],
    plan: dict[bytes, tuple[int, int]],
    memory: dict[bytes, _V],
    texts: dict[bytes, _V],
    longest: int,
) -> tuple[list[_V | bytes | None], list[int]]:
    """For each of ``indexes``, ``memory``'s value for the ``skeleton`` of that line with
    ``plan``; else ``texts``' value for the line itself; else that skeleton; else None: the
    line is longer than ``longest`` bytes, or has no skeleton. And the places of the lines
    without a value."""

def tally(
    verdicts: list[Any],
    indexes: list[int],
    first: int,
    finding: type[_T],
    per_type: dict[str, int],
    invalid: dict[str, int],
    per_kind: dict[str, int],
) -> list[_T]:
    """A ``finding`` (a tuple type: ``first + indexes[i]``, the verdict's ``type``, its
    ``rejections``) for each of ``verdicts`` that has rejections, in order; and the lines of each
    verdict added to ``per_type[label]``, and, if it has rejections, to ``invalid[label]`` and to
    ``per_kind[kind]`` for each of its ``kinds``."""

def text_lines(
    place: str,
    base: int,
    findings: Iterable[tuple[int, str | None, Any]],
    by_id: Mapping[int, tuple[Any, str | None, Any]],
    compose: Callable[[Any], list[str]],
) -> str:
    """The text report's lines of ``findings``: each ``place:number: `` joined into its words,
    those of ``by_id[id(rejections)]`` when it is the finding's (its rejections and type), else
    ``compose(finding)``'s."""

class Checks:
    """The ``__post_init__`` of a Struct of the fast path, called with each value decoded: each
    attribute of ``names`` that is not ``unset`` holds a value in its set of ``known`` (None: no
    set) or that its callable of ``checks`` passes; and for each ``(attributes, fitting)`` of
    ``fits``, the tuple of booleans saying which of them are set is in ``fitting``. Else
    ValueError."""

    def __init__(
        self,
        names: tuple[str, ...],
        known: tuple[AbstractSet[Any] | None, ...],
        checks: tuple[Callable[[Any], bool], ...],
        fits: tuple[tuple[tuple[str, ...], AbstractSet[tuple[bool, ...]]], ...],
        unset: object,
    ) -> None: ...
    def __call__(self, value: object) -> None: ...

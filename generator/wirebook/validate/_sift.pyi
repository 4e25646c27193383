"""The inner loop of the fast path of `wirebook validate` (_sift.c)."""

from collections.abc import Callable, Sequence
from typing import Any

def sift(decode: Callable[[bytes], Any], lines: Sequence[bytes]) -> tuple[list[type], list[int]]:
    """Decode each line; the types of the values of the lines that decode and repeat no key in
    any object, and the indexes of the others (decode raised ValueError or RecursionError, or a
    key is repeated, or a key has an escape)."""

def has_repeated_key(text: bytes) -> bool:
    """Whether some object of JSON ``text`` repeats a key, or has a key with an escape, or the
    text is nested deeper than 64 levels or has more than 256 keys open at one time."""

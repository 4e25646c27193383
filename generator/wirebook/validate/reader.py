"""Where messages come from: files, folders and standard input, streamed a block at a time.

A ``.json`` file is one message; a ``.jsonl``/``.ndjson`` file (or any other file named on the
command line, or standard input) is JSON Lines. Lines are cut from 256 KiB blocks, so memory
stays flat however long the input, and a line longer than ``--max-bytes`` is skipped over
without ever being held whole.
"""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Literal

# Lines are checked a block at a time, while the block is still in the processor's cache; and
# at most LINES at a time, so that what a batch finds stays small when its lines are (a block of
# empty lines is 262,144 invalid messages).
BLOCK = 256 << 10
LINES = 8192
# One unit of work for a process: big enough to pay for its dispatch (what it finds is bounded
# apart: see run.FINDINGS).
TASK_BYTES = 4 << 20
STDIN = "-"
MESSAGE_SUFFIXES = (".json",)
LINES_SUFFIXES = (".jsonl", ".ndjson")


@dataclass(frozen=True)
class Source:
    """One input: how reports name it, and whether it holds one message or one per line."""

    name: str
    kind: Literal["message", "lines"]

    @property
    def is_stdin(self) -> bool:
        return self.name == STDIN

    @property
    def seekable(self) -> bool:
        """A regular file, which processes can split by byte ranges (not a pipe or a FIFO, nor a
        file that says it is empty: those of /proc hold what they are read for)."""
        try:
            status = os.stat(self.name)
        except OSError:
            return False
        return not self.is_stdin and stat.S_ISREG(status.st_mode) and status.st_size > 0


@dataclass
class Batch:
    """Lines cut from an input; an over-long line is kept as ``b""`` with its size aside."""

    lines: list[bytes] = field(default_factory=list)
    oversized: dict[int, int] = field(default_factory=dict)  # index → size in bytes
    unterminated: bool = False  # the last line ends the input without a newline
    size: int = 0  # the bytes of the input that the lines take, each counted with a newline

    def slices(self) -> Iterator[Batch]:
        """This batch cut into batches of LINES lines at most."""
        if len(self.lines) <= LINES:
            yield self
            return
        for start in range(0, len(self.lines), LINES):
            end = start + LINES
            lines = self.lines[start:end]
            oversized = {i - start: n for i, n in self.oversized.items() if start <= i < end}
            size = sum(map(len, lines)) + sum(oversized.values()) + len(lines)
            yield Batch(lines, oversized, self.unterminated and end >= len(self.lines), size)


def expand(paths: Sequence[str]) -> tuple[list[Source], list[str]]:
    """The inputs named by ``paths`` (folders walked, in sorted order), and what is wrong."""
    sources: list[Source] = []
    errors: list[str] = []
    for name in paths:
        if name == STDIN:
            if sys.stdin is None:  # started with `<&-`
                errors.append(f"{STDIN}: standard input is closed")
            else:
                sources.append(Source(STDIN, "lines"))
        elif os.path.isdir(name):
            found = _walk(name, errors)
            if not found:
                errors.append(f"{name}: no {', '.join(MESSAGE_SUFFIXES + LINES_SUFFIXES)} files")
            sources.extend(found)
        elif os.path.exists(name):
            sources.append(Source(name, _kind(name) or "lines"))
        else:
            errors.append(f"{name}: no such file or folder")
    return sources, errors


def _kind(name: str) -> Literal["message", "lines"] | None:
    suffix = os.path.splitext(name)[1].lower()
    if suffix in MESSAGE_SUFFIXES:
        return "message"
    return "lines" if suffix in LINES_SUFFIXES else None


def _walk(folder: str, errors: list[str]) -> list[Source]:
    found = []

    def refuse(error: OSError) -> None:
        errors.append(f"{error.filename}: cannot read: {error.strerror}")

    for root, dirs, files in os.walk(folder, onerror=refuse):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))  # no .git, .venv…
        for name in sorted(files):
            kind = _kind(name)
            if kind is not None:
                found.append(Source(os.path.join(root, name), kind))
    return found


def regions(path: str, size: int | None = None) -> Iterator[tuple[int, int]]:
    """Byte ranges of about ``size`` that cover the file and end just after a newline."""
    size = size or TASK_BYTES
    with open(path, "rb") as stream:
        total = os.fstat(stream.fileno()).st_size
        start = 0
        while start < total:
            end = min(start + size, total)
            if end < total:
                end = _line_end(stream, end - 1, total)
            yield start, end
            start = end


def _line_end(stream: BinaryIO, offset: int, total: int) -> int:
    """The offset just after the first newline at or after ``offset`` (or the end)."""
    stream.seek(offset)
    while offset < total:
        piece = stream.read(1 << 16)
        if not piece:
            break
        cut = piece.find(b"\n")
        if cut >= 0:
            return offset + cut + 1
        offset += len(piece)
    return total


def batches(stream: BinaryIO, max_bytes: int, limit: int | None = None) -> Iterator[Batch]:
    """Cut ``stream`` (at most ``limit`` bytes of it) into batches of lines: those that end in
    one block, LINES at most."""
    batch = Batch()
    rest = b""  # the start of a line whose end is not read yet
    skipped: int | None = None  # size so far of an over-long line being skipped
    left = limit
    while left is None or left > 0:
        block = stream.read(BLOCK if left is None else min(BLOCK, left))
        if not block:
            break
        if left is not None:
            left -= len(block)
        if skipped is not None:
            cut = block.find(b"\n")
            if cut < 0:
                skipped += len(block)
                continue
            batch.oversized[len(batch.lines)] = skipped + cut
            batch.lines.append(b"")
            batch.size += skipped + cut + 1
            skipped, block = None, block[cut + 1 :]
        data = rest + block
        lines = data.split(b"\n")
        rest = lines.pop()
        batch.size += len(data) - len(rest)
        # no line of data is longer than data: most blocks need no look at each line's length
        if len(data) > max_bytes and lines and max(map(len, lines)) > max_bytes:
            for index, line in enumerate(lines):
                if len(line) > max_bytes:
                    batch.oversized[len(batch.lines) + index] = len(line)
                    lines[index] = b""
        if batch.lines:
            batch.lines.extend(lines)
        else:
            batch.lines = lines
        if len(rest) > max_bytes:
            skipped, rest = len(rest), b""
        if batch.lines:
            yield from batch.slices()
            batch = Batch()
    if skipped is not None:
        batch.oversized[len(batch.lines)] = skipped
        batch.lines.append(b"")
        batch.size += skipped + 1
    elif rest:
        batch.lines.append(rest)
        batch.unterminated = True
        batch.size += len(rest) + 1
    if batch.lines:
        yield from batch.slices()


def read_message(path: str, max_bytes: int) -> bytes | int:
    """A ``.json`` file's bytes, or its size when that is over ``max_bytes`` (it is not read)."""
    with open(path, "rb") as stream:
        data = stream.read(max_bytes + 1)
        if len(data) <= max_bytes:
            return data
        return os.fstat(stream.fileno()).st_size if Path(path).is_file() else len(data)

"""The work of a run: tasks cut from the inputs, checked in this or in worker processes.

Results come back in input order whatever the number of processes, so the output is the same
for ``--jobs 1`` and ``--jobs 8``. Memory stays flat however many lines are invalid: at most a
few tasks per process are in flight, a worker reads its own byte range of a file, and only
findings travel back, at most about FINDINGS of them per outcome: a task that has found that
many stops, and the rest of its byte range is a task of its own, next in order.
"""

from __future__ import annotations

import sys
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from itertools import chain, islice
from typing import TYPE_CHECKING

from wirebook.validate.engine import Tally, Validator, too_large
from wirebook.validate.options import Choice
from wirebook.validate.reader import Batch, Source, batches, read_message, regions

if TYPE_CHECKING:
    from multiprocessing.pool import AsyncResult


@dataclass(frozen=True)
class Region:
    """A byte range of a regular JSON Lines file, cut after a newline."""

    source: int
    start: int
    end: int


@dataclass(frozen=True)
class Lines:
    """Lines already read, from standard input or a pipe."""

    source: int
    batch: Batch


@dataclass(frozen=True)
class Whole:
    """A ``.json`` file: one message."""

    source: int


@dataclass(frozen=True)
class Unreadable:
    """An input that failed while its tasks were cut; reported in its place in the order."""

    source: int
    error: str


Task = Region | Lines | Whole | Unreadable


# Findings that one outcome holds at most (give or take a batch): about 2 MB of them.
FINDINGS = 16384


@dataclass(frozen=True)
class Outcome:
    source: int
    tally: Tally
    error: str | None = None
    rest: Region | None = None  # what is left of the task, when it stopped at FINDINGS


class Checker:
    """Checks one task; lives in each worker process (or in this one)."""

    def __init__(
        self, validator: Validator, sources: Sequence[Source], choice: Choice, max_bytes: int
    ) -> None:
        self.validator = validator
        self.sources = sources
        self.choice = choice
        self.max_bytes = max_bytes

    def __call__(self, task: Task) -> Outcome:
        if isinstance(task, Unreadable):
            return Outcome(task.source, Tally(), task.error)
        name = self.sources[task.source].name
        try:
            if isinstance(task, Region):
                return self._region(task, name)
            return Outcome(task.source, self._tally(task, name))
        except OSError as exc:
            return Outcome(task.source, Tally(), _unreadable(name, exc))

    def _tally(self, task: Lines | Whole, name: str) -> Tally:
        if isinstance(task, Lines):
            return self._lines(task.batch)
        data = read_message(name, self.max_bytes)
        if isinstance(data, int):
            tally = Tally(read=1)
            tally.add(too_large(data, self.max_bytes))
            return tally
        return self.validator.check_lines([data], self.choice)

    def _region(self, task: Region, name: str) -> Outcome:
        tally = Tally()
        with open(name, "rb") as stream:
            stream.seek(task.start)
            done = task.start
            for batch in batches(stream, self.max_bytes, limit=task.end - task.start):
                tally.merge(self._lines(batch, first=tally.read))
                done += batch.size
                if len(tally.findings) >= FINDINGS and done < task.end:
                    return Outcome(task.source, tally, rest=Region(task.source, done, task.end))
        return Outcome(task.source, tally)

    def _lines(self, batch: Batch, first: int = 0) -> Tally:
        return self.validator.check_lines(
            batch.lines, self.choice, batch.oversized, self.max_bytes, batch.unterminated, first
        )


def _unreadable(name: str, exc: OSError) -> str:
    return f"{name}: cannot read: {exc.strerror or exc}"


def tasks(sources: Sequence[Source], max_bytes: int) -> Iterator[Task]:
    """The tasks of every input, in order; standard input and pipes are read here, lazily."""
    for index, source in enumerate(sources):
        if source.kind == "message":
            yield Whole(index)
            continue
        try:
            if source.seekable:
                yield from (Region(index, start, end) for start, end in regions(source.name))
            elif source.is_stdin:
                yield from (Lines(index, b) for b in batches(sys.stdin.buffer, max_bytes))
            else:
                with open(source.name, "rb") as stream:
                    yield from (Lines(index, b) for b in batches(stream, max_bytes))
        except OSError as exc:
            yield Unreadable(index, _unreadable(source.name, exc))


# Set in each worker process by ``_start_worker``.
_WORKER: Checker | None = None


def _start_worker(checker: Checker) -> None:
    global _WORKER
    _WORKER = checker


def _work(task: Task) -> Outcome:
    assert _WORKER is not None, "the pool's initializer sets the worker up"
    return _WORKER(task)


def execute(
    validator: Validator,
    sources: Sequence[Source],
    choice: Choice,
    max_bytes: int,
    jobs: int,
) -> Iterator[Outcome]:
    """Check every input; outcomes come in input order."""
    todo = tasks(sources, max_bytes)
    first = list(islice(todo, 2))
    todo = chain(first, todo)
    if jobs <= 1 or len(first) < 2:
        check = Checker(validator, sources, choice, max_bytes)
        for task in todo:
            outcome = check(task)
            yield outcome
            while outcome.rest is not None:
                outcome = check(outcome.rest)
                yield outcome
        return
    import multiprocessing  # imported here: a run in this process alone does without it

    # forked workers inherit the checker, its schemas compiled; spawned ones rebuild it from the
    # schemas (see Validator.__reduce__)
    validator.prepare(choice)
    checker = Checker(validator, sources, choice, max_bytes)
    with multiprocessing.get_context().Pool(jobs, _start_worker, (checker,)) as pool:
        yield from _in_order(todo, pool.apply_async, 2 * jobs)


def _in_order(
    todo: Iterator[Task],
    submit: Callable[[Callable[[Task], Outcome], tuple[Task]], AsyncResult[Outcome]],
    window: int,
) -> Iterator[Outcome]:
    """Submit tasks, keeping about ``window`` in flight, and yield their outcomes in order; the
    rest of a task that stopped early comes next."""
    pending: deque[AsyncResult[Outcome]] = deque()

    def first() -> Outcome:
        outcome = pending.popleft().get()
        if outcome.rest is not None:
            pending.appendleft(submit(_work, (outcome.rest,)))
        return outcome

    for task in todo:
        pending.append(submit(_work, (task,)))
        if len(pending) >= window:
            yield first()
    while pending:
        yield first()

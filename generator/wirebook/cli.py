"""The ``wirebook`` command."""

from __future__ import annotations

import argparse
import contextlib
import errno
import gc
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from wirebook import __version__
from wirebook.breaking import command as breaking_command
from wirebook.diagnostics import DefinitionError, render_all
from wirebook.errors import errors_help
from wirebook.lint import rules_help
from wirebook.validate import command as validate_command
from wirebook.validate.options import add_schema_option

if TYPE_CHECKING:
    from wirebook.pipeline import Compiled
    from wirebook.write import Run

# The compiler's modules (datamodel-code-generator, Jinja, python-jsonschema) are imported by the
# commands that use them: `wirebook validate` starts in a fraction of the time without them.

# 2 is also the code of an I/O problem: a standard stream closed, full or a broken pipe, an
# output folder that cannot be written. Either way the command could not do its work, and a
# script must not read it as "problems found in the definitions" (1).
EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2


class StreamError(Exception):
    """Standard output or error cannot be written: full, or a pipe that nobody reads."""

    def __init__(self, stream: TextIO, reason: str) -> None:
        name = "output" if stream is sys.stdout else "error"
        super().__init__(f"cannot write to standard {name} ({reason})")
        self.stream = stream


def _write(stream: TextIO, text: str, end: str = "\n") -> None:
    try:
        print(text, file=stream, end=end, flush=True)  # flushed: a full disk shows here
    except OSError as exc:
        raise StreamError(stream, exc.strerror or str(exc)) from None


def _say(text: str) -> None:
    _write(sys.stdout, text)


def _warn(text: str) -> None:
    _write(sys.stderr, text)


def _compile(schema: Path) -> Compiled | None:
    from wirebook.pipeline import compile_definitions

    try:
        compiled = compile_definitions(schema)
    except DefinitionError as exc:
        errors = [d for d in exc.diagnostics if d.is_error]
        _warn(render_all(exc.diagnostics))
        _warn(f"{len(errors)} error{'s' * (len(errors) != 1)} in {schema}/; nothing was written.")
        return None
    if compiled.warnings:
        _warn(render_all(compiled.warnings))
    return compiled


@contextlib.contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """A run makes many objects and few cycles (the models' generator, the messages read): without
    the cyclic collector `generate` takes about 7% less time, for 8 MB more (300 messages)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def cmd_generate(args: argparse.Namespace) -> int:
    from wirebook.write import generating

    try:
        with generating(args.out, notice=_warn) as run:
            return _generate(args, run)
    except OSError as exc:  # the output folder or the skeleton's cannot be written
        what = f"cannot write {exc.filename} ({exc.strerror})" if exc.filename else str(exc)
        _warn(f"wirebook generate: error: {what}; nothing was written")
        return EXIT_USAGE


def _generate(args: argparse.Namespace, run: Run) -> int:
    from wirebook.emit.python import handlers_skeleton
    from wirebook.pipeline import render_outputs
    from wirebook.write import ForeignFiles, write_once, write_tree

    compiled = _compile(args.schema)
    if compiled is None:
        return EXIT_PROBLEMS
    files = render_outputs(compiled)
    try:
        changed = write_tree(run, files)
    except ForeignFiles as exc:
        _warn(render_all(exc.diagnostics))
        return EXIT_PROBLEMS
    _say(f"wrote {len(files)} files to {args.out}/ ({changed} changed)")
    if args.handlers is not None:
        # checked first only to spare rendering it: write_once never replaces a file either
        if not args.handlers.exists() and write_once(
            args.handlers, handlers_skeleton(compiled.schemas), run
        ):
            _say(f"wrote the handler skeleton {args.handlers}: fill it in")
        else:
            _say(f"kept {args.handlers} (it exists; wirebook writes the skeleton only once)")
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    from wirebook.pipeline import render_outputs
    from wirebook.write import stale_files

    compiled = _compile(args.schema)
    if compiled is None:
        return EXIT_PROBLEMS
    failed = False
    if compiled.warnings:
        _warn(f"{len(compiled.warnings)} lint finding(s); fix them or silence the rule.")
        failed = True
    stale = stale_files(args.out, render_outputs(compiled))
    if stale:
        _warn("\n".join(stale))
        _warn(
            f"{args.out}/ is not what the definitions give: "
            "run `make generate` and commit the result."
        )
        failed = True
    if failed:
        return EXIT_PROBLEMS
    messages = len(compiled.protocol.messages)
    examples = sum(len(m.examples) + len(m.invalid) for m in compiled.protocol.messages)
    _say(
        f"ok: {messages} messages, {examples + len(compiled.protocol.invalid)} examples checked, "
        f"{args.out}/ up to date"
    )
    return EXIT_OK


class _Parser(argparse.ArgumentParser):
    """argparse, but its help, version and usage errors fail like any other output: argparse
    itself ignores a failed write, and --help on a full disk would say nothing and exit 0."""

    def _print_message(self, message: str, file: object = None) -> None:
        to_stdout = file is sys.stdout  # help and version; the rest goes to sys.stderr
        if message:
            _write(sys.stdout if to_stdout else sys.stderr, message, end="")


def build_parser() -> argparse.ArgumentParser:
    # typed as its base: the subcommands' parsers (validate's too) are built alike, as _Parser
    parser: argparse.ArgumentParser = _Parser(
        prog="wirebook",
        description="Compile one YAML description of a JSON message protocol into JSON Schemas, "
        "Pydantic models, a typed dispatch table and Markdown docs.",
    )
    parser.add_argument("--version", action="version", version=f"wirebook {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def common(sub: argparse.ArgumentParser) -> None:
        add_schema_option(sub)
        sub.add_argument(
            "--out",
            type=Path,
            default=Path("generated"),
            metavar="DIR",
            help="folder of the generated files (default: generated)",
        )

    generate = commands.add_parser(
        "generate",
        help="check the definitions and write everything under --out",
        description="Check the definitions and their examples, then write schemas/, python/ and "
        "docs/ under --out. On any error nothing is written; on success the whole folder is "
        "replaced at once. Lint findings are printed as warnings.",
    )
    common(generate)
    generate.add_argument(
        "--handlers",
        type=Path,
        metavar="FILE",
        help="also write a handler skeleton to FILE if it does not exist yet "
        "(it is yours afterwards: never overwritten)",
    )
    generate.set_defaults(run=cmd_generate)

    check = commands.add_parser(
        "check",
        help="fail on broken definitions, failing examples, lint findings or a stale --out",
        description="Exit 1 if a definition is broken, an example fails (or an invalid example "
        "passes), a lint rule is broken, or --out differs from what the definitions give.",
        epilog="lint rules (silence one with `lint: {ignore: [ID]}` on a message, or under "
        "`protocol:` for all):\n"
        + rules_help()
        + "\n\ndefinition errors (printed as error[ID]):\n"
        + errors_help(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    common(check)
    check.set_defaults(run=cmd_check)

    validate_command.add_parser(commands)
    breaking_command.add_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    _reserve_closed_streams()
    # Python makes a standard stream None when its descriptor was closed as it started
    if sys.stdout is None or sys.stderr is None:
        _closed_stream()
        return EXIT_USAGE
    try:
        try:
            args = build_parser().parse_args(argv)
            with _no_cycle_collection():
                code: int = args.run(args)
        finally:  # also after --help and usage errors (SystemExit), which argparse printed
            for stream in (sys.stdout, sys.stderr):
                try:
                    stream.flush()
                except OSError as exc:
                    raise StreamError(stream, exc.strerror or str(exc)) from None
    except BrokenPipeError:  # a print that was not ours, to either stream
        _give_up(StreamError(sys.stdout, os.strerror(errno.EPIPE)))
        return EXIT_USAGE
    except StreamError as exc:
        _give_up(exc)
        return EXIT_USAGE
    return code


def _reserve_closed_streams() -> None:
    """Open /dev/null on the standard file descriptors that were closed when wirebook started,
    so that no file it opens takes their number (a lock file as fd 0 would be a child process's
    standard input)."""
    closed = set()
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            closed.add(fd)
    if closed:
        null = os.open(os.devnull, os.O_RDWR)  # the lowest closed one
        for fd in closed - {null}:
            os.dup2(null, fd)
        if null not in closed:
            os.close(null)


def _closed_stream() -> None:
    name, other = ("output", sys.stderr) if sys.stdout is None else ("error", sys.stdout)
    if other is not None:  # else both are closed: nowhere to say it
        with contextlib.suppress(StreamError):
            _write(other, f"wirebook: error: standard {name} is closed; nothing was done")


def _give_up(exc: StreamError) -> None:
    """Say on the other stream, in one line, why the command failed, and point the stream that
    failed at /dev/null, so that Python's own flush at exit does not fail (and print) again."""
    with contextlib.suppress(OSError, ValueError):  # not a real file (a test's StringIO)
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, exc.stream.fileno())
        os.close(null)
    other = sys.stderr if exc.stream is sys.stdout else sys.stdout
    with contextlib.suppress(StreamError):  # both broken: nowhere to say it
        _write(other, f"wirebook: error: {exc}")


if __name__ == "__main__":
    sys.exit(main())

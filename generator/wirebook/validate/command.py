"""``wirebook validate``: its arguments and its exit code."""

from __future__ import annotations

import argparse
import gc
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from wirebook.validate.options import CHOICES, FORMATS, add_schema_option

if TYPE_CHECKING:
    from wirebook.validate.engine import Validator
    from wirebook.validate.reader import Source
    from wirebook.validate.report import Report

# the codes of every wirebook command
EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2
DEFAULT_MAX_BYTES = 1 << 20

DESCRIPTION = """\
Check real messages (fixtures, recorded sessions, captured traffic) against the protocol.

Each message is routed on its `v` to the schemas of its wire version (a message without `v` is
of the protocol's default version), then on its `type` to that message's own schema, so an
error names the field: `path:line: <type>: <JSON pointer>: <what is wrong, expected vs got>`.
An unknown type lists the types that exist in its version. Input that is not a message (not
JSON or not UTF-8, a byte-order mark, NaN, a repeated key, nesting over 200 levels, a line
over --max-bytes, an empty line) is reported like any invalid message, and reading goes on.

PATH is a .json file (one message), a .jsonl or .ndjson file (one message a line; so is any
other file named here), a folder (searched recursively for both kinds; hidden folders are
skipped) or - for JSON Lines on standard input."""

EPILOG = """\
exit codes: 0 every message is valid, 1 some message is invalid, 2 usage or input problem
(a missing file, an unreadable or broken schema).

examples:
  wirebook validate tests/fixtures/                      # with the definitions in schema/
  wirebook validate --published generated/schemas capture.jsonl
  zcat traffic.jsonl.gz | wirebook validate --direction client -
  wirebook validate --format github fixtures/             # annotations in a GitHub workflow"""


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return value


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "validate",
        help="check messages (.json, .jsonl, folders, stdin) against the protocol",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("paths", nargs="+", metavar="PATH", help="what to check (see above)")
    parser.add_argument(
        "--direction",
        choices=CHOICES,
        default="any",
        help="who sent the messages: client (to server), server (to client), or any (default): "
        "valid in one direction that has the type, errors against each that has it",
    )
    protocol = parser.add_mutually_exclusive_group()
    add_schema_option(protocol)
    protocol.add_argument(
        "--published",
        type=Path,
        metavar="DIR",
        help="use the published bundles in DIR (client.schema.json, server.schema.json, and "
        "v{N}/ for a wire version of another shape) instead of the definitions, e.g. "
        "generated/schemas",
    )
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default="text",
        help="text (default): a line per problem; json: a JSON record per invalid message; "
        "github: workflow annotations. The summary goes to stderr with json and github",
    )
    parser.add_argument(
        "--jobs",
        type=_positive,
        default=_cores(),
        metavar="N",
        help=f"processes to check with (default: the cores usable here, {_cores()}); "
        "output is the same for any N",
    )
    parser.add_argument(
        "--max-bytes",
        type=_positive,
        default=DEFAULT_MAX_BYTES,
        metavar="N",
        help="a message longer than N bytes is invalid, and not even parsed "
        f"(default: {DEFAULT_MAX_BYTES})",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    # imported here: building the parser for another command must not load the engine
    from wirebook.validate import sources
    from wirebook.validate.engine import Validator
    from wirebook.validate.reader import expand
    from wirebook.validate.report import OutputError, Report

    if sys.stdout is None or sys.stderr is None:  # started with `>&-` or `2>&-`
        if sys.stderr is not None:
            print("wirebook validate: error: standard output is closed", file=sys.stderr)
        return EXIT_USAGE
    try:
        if args.published is not None:
            schemas = sources.from_published(args.published)
        else:
            schemas = sources.from_definitions(args.schema)
        validator = Validator.of(schemas)
        validator.routes(args.direction)
    except sources.SourceError as exc:
        print(f"wirebook validate: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    inputs, errors = expand(args.paths)
    report = Report(args.format, sys.stdout, sys.stderr)
    # what is built so far (modules, the compiled schemas) lives as long as the run: the
    # collector need not walk it again and again
    gc.freeze()
    try:
        for error in errors:
            report.input_error(error)
        if errors:
            return EXIT_USAGE
        return _check(validator, inputs, args, report)
    except BrokenPipeError:  # `wirebook validate … | head`: the reader has seen enough
        _silence(sys.stdout)
        return EXIT_INVALID
    except OutputError as exc:  # a full disk, say
        _failed_output(str(exc))
        return EXIT_USAGE
    finally:
        gc.unfreeze()


def _failed_output(text: str) -> None:
    """Say why the report could not be written, on whichever stream still takes words; a stream
    that fails drops what it holds (else Python would try again at exit, and fail loudly)."""
    try:
        sys.stdout.flush()
    except OSError:
        _silence(sys.stdout)
    try:
        sys.stderr.write(f"wirebook validate: error: {text}\n")
        sys.stderr.flush()
    except OSError:
        _silence(sys.stderr)


def _silence(stream: TextIO) -> None:
    """Send what ``stream`` still writes to /dev/null."""
    os.dup2(os.open(os.devnull, os.O_WRONLY), stream.fileno())


def _check(
    validator: Validator, inputs: list[Source], args: argparse.Namespace, report: Report
) -> int:
    """Check and report every input; the exit code."""
    from wirebook.validate.engine import Tally
    from wirebook.validate.run import execute

    total = Tally()
    unread: set[int] = set()  # inputs that failed, whole or in part
    source, base = -1, 0  # the input being reported, and its lines reported so far
    for outcome in execute(validator, inputs, args.direction, args.max_bytes, args.jobs):
        if outcome.source != source:
            source, base = outcome.source, 0
        if outcome.error is not None:
            report.input_error(outcome.error)
            unread.add(source)
            continue
        report.findings(inputs[source].name, base, outcome.tally.findings)
        base += outcome.tally.read
        total.merge(outcome.tally, keep_findings=False)
    report.summary(total, len(inputs), len(unread))
    if unread:
        return EXIT_USAGE
    return EXIT_INVALID if total.invalid else EXIT_OK

"""``wirebook breaking``: its arguments and its exit code."""

from __future__ import annotations

import argparse
import contextlib
import sys
import tempfile
from pathlib import Path
from typing import TextIO

from wirebook.breaking.rules import rules_help
from wirebook.validate.options import FORMATS, add_schema_option

EXIT_OK, EXIT_BREAKS, EXIT_USAGE = 0, 1, 2

DESCRIPTION = """\
Compare the definitions (--schema) with an older version of the protocol, one direction at a
time, from the side of the one who receives: a client message breaks when old clients may send
something the server now refuses; a server message breaks when the server may now send
something old clients refuse. The same edit can be safe one way and breaking the other (a new
optional member is safe in a client message, and breaks a server message where unknown members
are refused).

Each wire version that both protocols support is compared on its own, in the shape each gives
it: a version only the new one supports has no deployed clients, so what it adds or takes away
breaks nothing; a version the old one supported and the new one does not is WB233. When either
protocol has versions of several shapes, a finding names the wire versions it is in.

OLD is a git revision (`main`, `origin/main`, a tag: the definitions folder as it was there;
nothing is checked out), a folder of definitions, or a folder of published bundles
(client.schema.json and server.schema.json, and v{N}/ beside them for each wire version of
another shape). A folder wins over a revision of the same name."""

EPILOG = """\
exit codes: 0 compatible (or every break acknowledged), 1 a change breaks a side or cannot be
judged (uncertain), 2 usage problem (OLD cannot be read, definitions with errors).

rules (acknowledge a deliberate break with `breaking: {ignore: [{rule: ID, reason: …}]}` on the
message, or under `protocol:` for all; a reason is required):
"""


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "breaking",
        help="fail when the definitions break what an older version accepted or sent",
        description=DESCRIPTION,
        epilog=EPILOG + rules_help(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_schema_option(parser)
    parser.add_argument(
        "--against",
        required=True,
        metavar="OLD",
        help="the older version: a git revision, a definitions folder or a bundles folder",
    )
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default="text",
        help="text (default), json (one document) or github (workflow annotations)",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from wirebook.breaking import report
    from wirebook.breaking.judge import judge
    from wirebook.breaking.versions import VersionError, from_definitions, read_old

    try:
        with tempfile.TemporaryDirectory(prefix="wirebook-breaking-") as scratch:
            new = from_definitions(args.schema)
            old = read_old(args.against, args.schema, Path(scratch))
            verdict = judge(old, new)  # a revision's files may be read again, for a location
    except VersionError as exc:
        message = str(exc)
        _write(sys.stderr, message if "\n" in message else f"wirebook breaking: error: {message}")
        return EXIT_USAGE
    if args.format == "text":
        lines, summary = report.text(verdict)
        out, err = [*lines, summary], []
    else:
        out = [report.as_json(verdict)] if args.format == "json" else report.github(verdict)
        err = [report.summary(verdict)]
    try:
        _write(sys.stdout, "\n".join(out))
    except OSError as exc:  # a full disk, a pipe nobody reads: the verdict was not delivered
        with contextlib.suppress(OSError):
            _write(sys.stderr, f"wirebook breaking: error: cannot write the report ({exc})")
        return EXIT_USAGE
    with contextlib.suppress(OSError):  # the report is out; its summary changes nothing
        _write(sys.stderr, "\n".join(err))
    return EXIT_BREAKS if verdict.failing() else EXIT_OK


def _write(stream: TextIO, text: str) -> None:
    if text:
        print(text, file=stream, flush=True)

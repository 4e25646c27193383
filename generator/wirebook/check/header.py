"""The protocol header: the `protocol:` section (names, wire versions, envelope, lint options)
and the error codes of `errors:`."""

from __future__ import annotations

import keyword
from dataclasses import dataclass
from typing import Any

from wirebook import ir
from wirebook.breaking.rules import BY_ID as BREAKING_RULES
from wirebook.check.context import Gaps, Run, Where, sections
from wirebook.check.versions import Wire
from wirebook.diagnostics import Position, did_you_mean
from wirebook.errors import (
    CORRELATION_NAME,
    DUPLICATE_ERROR_CODE,
    PROTOCOL_SECTION,
    UNKNOWN_BREAKING_RULE,
    UNKNOWN_LINT_RULE,
    WIRE_VERSIONS,
)
from wirebook.lint import RULES
from wirebook.load import Document

# The envelope's own members; the correlation field sits beside them.
ENVELOPE_FIELDS = ("v", "type", "payload")


@dataclass(frozen=True)
class Header:
    """The `protocol:` section as checked, and the declared error codes."""

    where: Where
    spec: dict[str, Any]
    wire: Wire
    correlation: str | None  # None: none, or broken and reported
    error_codes: tuple[ir.ErrorCode, ...]
    acknowledgements: tuple[ir.Acknowledgement, ...] = ()


def read_header(run: Run, docs: list[Document], gaps: Gaps) -> Header | None:
    """The header, or None when no `protocol:` section can be read at all."""
    protocols = list(sections(docs, "protocol"))
    if not protocols and "" not in gaps.protocol_keys:
        run.error(
            PROTOCOL_SECTION,
            Position(docs[0].file, 1, 1),
            "no file has a `protocol:` section",
            "add `protocol: {name, title, version, base_uri}` to one file",
        )
    if not protocols:
        if "" not in gaps.protocol_keys:
            return None
        protocols = [(Where(docs[0], ("protocol",)), {})]  # broken: check the rest all the same
    for extra, _ in protocols[1:]:
        run.error(
            PROTOCOL_SECTION,
            extra.key_position,
            f"a second `protocol:` section (the first is in {protocols[0][0].doc.file})",
            "a protocol has one `protocol:` section: merge the two into one file",
        )
    where, spec = protocols[0]

    wire = spec.get("wire", {})
    supported = tuple(wire.get("supported", [wire.get("current", 1)]))
    current = wire.get("current", max(supported))
    if current not in supported:
        run.error(
            WIRE_VERSIONS,
            where.child("wire", "current").position,
            f"the current wire version {current} is not among the supported {list(supported)}",
            f"add {current} to `supported`, or change `current`",
        )
    default = wire.get("default", current)
    if "default" in wire and default not in supported:
        run.error(
            WIRE_VERSIONS,
            where.child("wire", "default").position,
            f"the default wire version {default} (a message without `v`) is not among the "
            f"supported {list(supported)}",
            f"add {default} to `supported`, or change `default`",
        )
    correlation = spec.get("envelope", {}).get("correlation", "ref")
    if {"", "envelope"} & gaps.protocol_keys or (
        correlation is not None
        and not _correlation_ok(run, where.child("envelope", "correlation"), correlation)
    ):
        correlation = None  # broken and reported: checking `ack` for it would only guess
    check_lint_ignore(run, where.child("lint", "ignore"), spec)
    return Header(
        where,
        spec,
        Wire(current, supported, default),
        correlation,
        _error_codes(run, docs),
        acknowledgements(run, where.child("breaking", "ignore"), spec),
    )


def _error_codes(run: Run, docs: list[Document]) -> tuple[ir.ErrorCode, ...]:
    codes: dict[str, Position] = {}
    found = []
    for section, errors in sections(docs, "errors"):
        for code, description in errors.items():
            code_at = section.child(code).key_position
            if code in codes:
                run.error(
                    DUPLICATE_ERROR_CODE,
                    code_at,
                    f"error code {code} is declared twice (first at {codes[code]})",
                    "keep one of them",
                )
                continue
            codes[code] = code_at
            found.append(ir.ErrorCode(code, description))
    return tuple(found)


def _correlation_ok(run: Run, at: Where, name: str) -> bool:
    """The correlation field is an envelope member and a Python attribute of every message."""
    if name in ENVELOPE_FIELDS:
        run.error(
            CORRELATION_NAME,
            at.position,
            f"the correlation field cannot be named '{name}': the envelope has that member already",
            "choose another name, such as `ref`",
        )
        return False
    if keyword.iskeyword(name) or name.startswith("model_"):
        run.error(
            CORRELATION_NAME,
            at.position,
            f"the correlation field cannot be named '{name}': the generated "
            "Python models use that name",
            "choose another name, such as `ref`",
        )
        return False
    return True


def check_lint_ignore(run: Run, at: Where, owner: dict[str, Any]) -> None:
    known = [rule.id for rule in RULES]
    for i, rule_id in enumerate(owner.get("lint", {}).get("ignore", [])):
        if rule_id not in known:
            run.error(
                UNKNOWN_LINT_RULE,
                at.child(i).position,
                f"there is no lint rule {rule_id}",
                did_you_mean(rule_id, known) + " (`wirebook check --help` lists the rules)",
            )


def acknowledgements(run: Run, at: Where, owner: dict[str, Any]) -> tuple[ir.Acknowledgement, ...]:
    """`breaking: {ignore: [{rule, reason}]}`: the deliberate breaks `wirebook breaking` lets
    through, each of a rule that exists (the definition schema requires the reason)."""
    found = []
    for i, item in enumerate(owner.get("breaking", {}).get("ignore", [])):
        if not isinstance(item, dict):  # broken, and reported
            continue
        rule = item.get("rule")
        if rule not in BREAKING_RULES:
            run.error(
                UNKNOWN_BREAKING_RULE,
                at.child(i, "rule").position,
                f"there is no breaking-change rule {rule}",
                did_you_mean(str(rule), BREAKING_RULES)
                + " (`wirebook breaking --help` lists the rules)",
            )
            continue
        found.append(ir.Acknowledgement(str(rule), str(item.get("reason")), at.child(i).position))
    return tuple(found)

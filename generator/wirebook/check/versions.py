"""Wire versions that differ in shape: the versions a message, a field or an enum value exists
in (`since`, `until`), and a field that became required (`required_since`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from wirebook import ir
from wirebook.check.context import Run, Where
from wirebook.errors import WIRE_SPAN


@dataclass(frozen=True)
class Wire:
    """The `protocol.wire` section, as checked."""

    current: int
    supported: tuple[int, ...]
    default: int

    def version(self, where: Where, key: str, version: int, what: str, run: Run) -> bool:
        """Whether ``version`` (written at ``key``) is one that a span may name."""
        if version > self.current:
            run.error(
                WIRE_SPAN,
                where.child(key).position,
                f"{what}: `{key}: {version}` is after the current wire version {self.current}",
                "raise `wire.current` (and add the version to `supported`) first",
            )
            return False
        return True


def read_span(run: Run, where: Where, spec: Any, wire: Wire, what: str) -> ir.Span:
    """The span ``spec`` gives (``ir.ALWAYS`` when it gives none, or a wrong one, reported)."""
    if not isinstance(spec, dict):
        return ir.ALWAYS
    since, until = spec.get("since"), spec.get("until")
    for key, version in (("since", since), ("until", until)):
        if version is not None and not wire.version(where, key, version, what, run):
            return ir.ALWAYS
    if until is not None and until == wire.current:
        run.error(
            WIRE_SPAN,
            where.child("until").position,
            f"{what}: `until: {until}` is the current wire version, so it is in every version "
            "a client may speak",
            "drop `until`; once a newer version removes it, raise `wire.current` and write "
            f"`until: {until}`",
        )
        return ir.ALWAYS
    if since is not None and until is not None and since > until:
        run.error(
            WIRE_SPAN,
            where.child("until").position,
            f"{what}: `until: {until}` is before `since: {since}`",
            "a thing exists from `since` through `until`: swap or fix them",
        )
        return ir.ALWAYS
    span = ir.Span(since, until)
    if not any(span.has(v) for v in wire.supported):
        run.error(
            WIRE_SPAN,
            where.child("since" if since is not None else "until").position,
            f"{what} is in none of the supported wire versions {list(wire.supported)}",
            "remove it: no client may send or receive it any more",
        )
        return ir.ALWAYS
    return span


def required_since(
    run: Run, where: Where, spec: Any, wire: Wire, span: ir.Span, what: str
) -> int | None:
    """The version from which a field is required (None: none, or a wrong one, reported)."""
    if not isinstance(spec, dict) or "required_since" not in spec:
        return None
    version: int = spec["required_since"]
    if not wire.version(where, "required_since", version, what, run):
        return None
    clash = next((k for k in ("required", "default") if k in spec), None)
    if clash is not None:
        run.error(
            WIRE_SPAN,
            where.child(clash).key_position,
            f"{what} has both `required_since` and `{clash}`",
            "`required_since: N` says it all: optional before version N, required from it on",
        )
        return None
    if not span.has(version):
        run.error(
            WIRE_SPAN,
            where.child("required_since").position,
            f"{what}: `required_since: {version}` is outside the versions it exists in "
            f"({span.label()})",
            "name a version that has the field",
        )
        return None
    return version

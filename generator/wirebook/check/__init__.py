"""Check definition files and build the IR, in phases that each report every problem they find:

1. ``files``: the definition files of the folder, each read as YAML with positions
   (``wirebook.load``);
2. structure: each file against the definition format's own JSON Schema (``wirebook.structure``);
   what is broken is taken out (``context.Gaps``), so that the phases below see well-formed data
   and a check that depends on what was taken out stays quiet instead of guessing;
3. ``header``: the `protocol:` section and the error codes;
4. ``types``: the named types and the lowering of every type spec, with the class names they
   make (``names``);
5. ``messages``: the messages of each direction, and what the generated dispatch needs.

Examples are checked afterwards, against the emitted schemas (``wirebook.verify``).
"""

from __future__ import annotations

from pathlib import Path

from wirebook import ir
from wirebook.check.context import Gaps, Run, items, without
from wirebook.check.files import definition_files, display_name, same_name
from wirebook.check.header import read_header
from wirebook.check.messages import invalid_example, read_messages
from wirebook.check.names import ClassNames, pascal
from wirebook.check.types import FORMAT_PATTERNS, Types
from wirebook.diagnostics import DefinitionError
from wirebook.errors import NO_DEFINITIONS, NOT_A_MAPPING
from wirebook.load import Document, load_file
from wirebook.structure import check_structure, definition_schema

__all__ = ["FORMAT_PATTERNS", "definition_files", "definition_schema", "load_protocol", "pascal"]


def load_protocol(schema_dir: Path) -> ir.Protocol:
    """Load, check and build; raise DefinitionError with every problem found."""
    run = Run()
    if not schema_dir.is_dir():
        raise DefinitionError(
            [
                NO_DEFINITIONS.at(
                    None,
                    f"no definitions folder at {schema_dir}",
                    "pass --schema DIR, the folder of your *.yaml files",
                )
            ]
        )
    files = definition_files(schema_dir)
    if not files:
        raise DefinitionError(
            [
                NO_DEFINITIONS.at(
                    None,
                    f"no definition files (*.yaml, *.yml) in {schema_dir}",
                    "pass --schema DIR, the folder of your *.yaml files, or create one with a "
                    "`protocol:` section",
                )
            ]
        )
    docs, gaps = _read(run, schema_dir, files)
    sources = tuple(f"{schema_dir.name}/{p.name}" for p in files)
    protocol = _build(run, docs, sources, gaps) if docs else None
    if protocol is None or run.failed:
        raise DefinitionError(run.diagnostics)
    return protocol


def _read(run: Run, schema_dir: Path, files: list[Path]) -> tuple[list[Document], Gaps]:
    """Phases 1 and 2: each file read and checked against the format's schema."""
    docs, gaps = [], Gaps()
    left_out = same_name(run, files, schema_dir)
    if left_out:
        gaps.everything()  # what the files left unread hold is unknown
    for path in files:
        if path in left_out:
            continue
        doc, problems = load_file(path, display_name(schema_dir, path))
        run.diagnostics.extend(problems)
        if doc is not None and not isinstance(doc.data, dict):
            run.error(
                NOT_A_MAPPING,
                doc.at(()),
                "a definition file must be a mapping of sections, "
                f"not {'a list' if isinstance(doc.data, list) else 'a single value'}",
                "start with `protocol:`, `errors:`, `types:`, `client:`, `server:` or `invalid:`",
            )
            doc = None
        if doc is None:
            gaps.everything()
            continue
        errors, broken = check_structure(doc)
        run.diagnostics.extend(errors)
        docs.append(without(doc, broken | doc.broken, gaps))
    return docs, gaps


def _build(
    run: Run, docs: list[Document], sources: tuple[str, ...], gaps: Gaps
) -> ir.Protocol | None:
    """Phases 3 to 5, on what phases 1 and 2 kept."""
    header = read_header(run, docs, gaps)
    if header is None:
        return None
    types = Types(run, gaps, ClassNames(run), header.error_codes, header.wire)
    named = types.declare(docs)
    messages = read_messages(run, docs, gaps, types, header)
    invalid = tuple(
        invalid_example(run, at, item, item["direction"], None)
        for at, item in items(docs, "invalid")
    )
    if run.failed:
        return None
    spec = header.spec
    return ir.Protocol(
        name=spec["name"],
        title=spec["title"],
        description=spec.get("description", ""),
        version=spec["version"],
        base_uri=spec["base_uri"],
        wire_current=header.wire.current,
        wire_supported=header.wire.supported,
        wire_default=header.wire.default,
        correlation=header.correlation,
        allow_unknown_fields=spec.get("envelope", {}).get("unknown_fields", "reject") == "allow",
        error_codes=header.error_codes,
        types=tuple(named),
        messages=tuple(messages),
        invalid=invalid,
        sources=sources,
        lint_ignore=tuple(spec.get("lint", {}).get("ignore", [])),
        breaking_ignore=header.acknowledgements,
        position=header.where.key_position,
    )

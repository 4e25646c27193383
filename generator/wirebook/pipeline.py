"""The one pipeline: load → check → IR → verify examples → lint → emit. Writing is separate."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from wirebook import ir
from wirebook.check import load_protocol
from wirebook.diagnostics import DefinitionError, Diagnostic
from wirebook.emit.schemas import SchemaSet
from wirebook.lint import lint
from wirebook.verify import verify_examples


@dataclass(frozen=True)
class Compiled:
    protocol: ir.Protocol
    schemas: SchemaSet
    warnings: list[Diagnostic]


def compile_definitions(schema_dir: Path) -> Compiled:
    """Check the definitions and their examples; raise DefinitionError listing every error."""
    protocol = load_protocol(schema_dir)
    schemas = SchemaSet(protocol)
    errors = verify_examples(schemas)
    if errors:
        raise DefinitionError(errors)
    return Compiled(protocol, schemas, lint(protocol))


def json_text(value: Any) -> str:
    """Indented JSON, as people read it in a diff (orjson: the stdlib's indenting is slow)."""
    try:
        return orjson.dumps(value, option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE).decode()
    except TypeError:  # an integer beyond 64 bits, which only the stdlib writes
        return json.dumps(value, indent=2, ensure_ascii=False) + "\n"


def render_outputs(compiled: Compiled) -> dict[str, str]:
    """Every generated file: path under the output folder → text."""
    # imported here: checking definitions (`check`, `validate`) needs no code generators
    from wirebook.emit import docs, python

    files = {
        f"schemas/{path}": json_text(schema)
        for path, schema in compiled.schemas.published().items()
    }
    files.update(
        {f"python/{path}": text for path, text in python.package_files(compiled.schemas).items()}
    )
    files["docs/protocol.md"] = docs.render(compiled.protocol)
    return dict(sorted(files.items()))

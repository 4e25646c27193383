"""The Python package: Pydantic v2 models (datamodel-code-generator), base model, dispatch.

``models.py`` comes from datamodel-code-generator, called in-process on the same schemas that are
published, so the models and the schemas cannot drift. The options below are chosen so that the
models accept exactly what the schemas accept:

- strict scalar types: no "1" for an integer, no 1 for a string;
- ``MISSING`` for optional fields: an explicit ``null`` is rejected unless the field is nullable;
- ``extra="forbid"`` (in ``WireModel``) mirrors ``additionalProperties: false``;
- the keywords pydantic reads otherwise, and the constraints below a field, are checked by
  ``WireModel`` from a table on each field (see ``models_input``).

All generated Python is finished by one ``ruff`` run (imports sorted, then formatted).
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import subprocess
import tempfile
import textwrap
from collections.abc import Sequence
from pathlib import Path

from jinja2 import Environment
from ruff.__main__ import find_ruff_bin  # type: ignore[import-untyped]

from wirebook import ir
from wirebook.check import pascal
from wirebook.emit import generated_by, templates
from wirebook.emit.models_input import CHECKS_KEY, DOCSTRING_WIDTH, models_schema
from wirebook.emit.schemas import SchemaSet

LINE_LENGTH = 100  # ruff's, as the repository's pyproject.toml sets it


def header(protocol: ir.Protocol) -> str:
    """The comment at the top of every generated module, wrapped as ruff's line length wants."""
    said = f"{generated_by(protocol)}. Do not edit: change the definitions and run `make generate`."
    return "\n".join(
        "# " + line
        for line in textwrap.wrap(
            said, DOCSTRING_WIDTH, break_long_words=False, break_on_hyphens=False
        )
    )


# datamodel-code-generator's options, as its command line takes them: its `main` runs in-process
# in about half the time of its `generate()` facade, which first builds a large config model.
MODEL_OPTIONS = [
    "--input-file-type",
    "jsonschema",
    "--output-model-type",
    "pydantic_v2.BaseModel",
    "--target-python-version",
    "3.11",
    "--target-pydantic-version",
    "2.14",
    "--ignore-pyproject",  # the user's own datamodel-codegen settings must not change our output
    "--use-title-as-name",
    "--use-schema-description",
    "--use-field-description",
    "--use-missing-sentinel",
    "--strict-nullable",
    "--strict-types",
    "str",
    "int",
    "float",
    "bool",
    "--collapse-root-models",
    "--field-constraints",
    "--no-use-annotated",
    "--use-default-kwarg",  # `Field(default=…)`: type checkers see which fields are optional
    "--deserialize-default-values",  # a default of an enum field is its member, as mypy wants
    "enum",
    "--use-union-operator",
    "--use-standard-collections",
    "--use-double-quotes",
    "--enum-field-as-literal",
    "one",
    "--enum-field-as-literal-map",  # the envelope's `v`: `Literal[1, 2]`, not a class of versions
    '{"v": "literal"}',
    "--disable-timestamp",
    "--class-name",
    "ClientMessage",
]


def write_models(schemas: SchemaSet, output: Path, formatters: Sequence[str] = ()) -> None:
    """Run datamodel-code-generator on the schemas' models input, writing ``output``."""
    protocol = schemas.protocol
    source = output.with_name("models-input.json")
    source.write_text(json.dumps(models_schema(schemas.models_input())), encoding="utf-8")
    args = [
        "--input",
        str(source),
        "--output",
        str(output),
        *MODEL_OPTIONS,
        "--base-class",
        f"{protocol.package}.wire.WireModel",
        "--field-extra-keys",
        CHECKS_KEY,
        "--custom-file-header",
        header(protocol),
        *(["--formatters", *formatters] if formatters else ["--no-formatters"]),
    ]
    messages = io.StringIO()
    with contextlib.redirect_stdout(messages), contextlib.redirect_stderr(messages):
        # imported here: importing its __main__ reads sys.argv, which is ours (`wirebook --help`)
        from datamodel_code_generator.__main__ import main as datamodel_codegen

        status = datamodel_codegen(args)
    source.unlink()
    if status != 0:
        raise RuntimeError(f"datamodel-code-generator failed ({status}):\n{messages.getvalue()}")


def _environment() -> Environment:
    return templates(pascal=pascal, handler_name=handler_name)


def handler_name(message: ir.Message) -> str:
    """``join_room`` → ``on_join_room``: a method name whatever characters the type has."""
    words = [w.lower() for w in _split_words(message.type)]
    return "on_" + "_".join(words)


def _split_words(name: str) -> list[str]:
    return re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z0-9]+", name) or [name]


def package_files(schemas: SchemaSet) -> dict[str, str]:
    """Path under ``python/`` → text, for the whole generated package."""
    protocol = schemas.protocol
    env = _environment()
    ack = protocol.message("server", "ack") if protocol.correlation else None
    context = {
        "protocol": protocol,
        "header": header(protocol),
        "checks_key": CHECKS_KEY,
        "client": protocol.direction("client"),
        "server": protocol.direction("server"),
        "error": protocol.message("server", "error"),
        "ack": ack,
        "ack_status_class": _class_of(ack, "status") if ack else None,
        **{
            f"{d}_versions": {
                m.type: protocol.exists_in(m.span)
                for m in protocol.direction(d)
                if m.span != ir.ALWAYS
            }
            for d in ir.DIRECTIONS
        },
        # the union of each version that lacks some messages of its direction
        **{
            f"{d}_unions": {
                v: [m.class_name for m in protocol.direction(d) if m.span.has(v)]
                for v in protocol.wire_supported
                if not all(m.span.has(v) for m in protocol.direction(d))
            }
            for d in ir.DIRECTIONS
        },
    }
    base = protocol.package
    templated = {
        f"{base}/__init__.py": env.get_template("init.py.jinja").render(context),
        f"{base}/wire.py": env.get_template("wire.py.jinja").render(context),
        f"{base}/dispatch.py": env.get_template("dispatch.py.jinja").render(context),
        f"{base}/py.typed": "",
    }
    with tempfile.TemporaryDirectory(prefix="wirebook-") as scratch:
        root = Path(scratch)
        _write(root, templated)
        write_models(schemas, root / base / "models.py")
        files = _ruff_finish(root, [*templated, f"{base}/models.py"])
    files[f"{base}/models.py"] = _long_literals(files[f"{base}/models.py"], protocol)
    return files


def _long_literals(text: str, protocol: ir.Protocol) -> str:
    """A pattern or an enum value is a literal that no formatter wraps: a module that holds a
    line too long for ruff says that it may."""
    if all(len(line) <= LINE_LENGTH for line in text.splitlines()):
        return text
    said = header(protocol)
    return text.replace(said, said + "\n# ruff: noqa: E501", 1)


def _class_of(message: ir.Message, field_name: str) -> str:
    """The generated class of an enum field: its named type, or its hoisted title."""
    field = next(f for f in message.fields if f.name == field_name)
    return field.type.name if isinstance(field.type, ir.RefType) else field.title


def handlers_skeleton(schemas: SchemaSet) -> str:
    protocol = schemas.protocol
    text = (
        _environment()
        .get_template("handlers.py.jinja")
        .render(protocol=protocol, client=protocol.direction("client"), header=header(protocol))
    )
    with tempfile.TemporaryDirectory(prefix="wirebook-") as scratch:
        _write(Path(scratch), {"handlers.py": text})
        return _ruff_finish(Path(scratch), ["handlers.py"])["handlers.py"]


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def _ruff_finish(root: Path, names: list[str]) -> dict[str, str]:
    """Sort imports and format the ``.py`` files under ``root`` with one ruff run each."""
    config = [
        *("--isolated", "--no-cache", "--line-length", str(LINE_LENGTH)),
        *("--target-version", "py311"),
    ]
    python_files = [str(root / n) for n in names if n.endswith(".py")]
    ruff = [find_ruff_bin()]  # the binary itself: `python -m ruff` costs an interpreter start
    for step in (
        ["check", "--fix", "--select", "I,F401,RUF036", "--quiet", *config],
        ["format", "--quiet", *config],
    ):
        done = subprocess.run([*ruff, *step, *python_files], capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(
                f"ruff {step[0]} failed on generated code:\n{done.stdout}{done.stderr}"
            )
    return {name: (root / name).read_text(encoding="utf-8") for name in names}

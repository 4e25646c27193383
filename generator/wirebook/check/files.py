"""The definition files of a folder."""

from __future__ import annotations

from pathlib import Path

from wirebook.check.context import Run
from wirebook.diagnostics import Position
from wirebook.errors import SAME_FILE_NAME


def definition_files(schema_dir: Path) -> list[Path]:
    """Every `*.yaml` and `*.yml` file of the folder, whatever the case of the extension; a
    broken link too (reading it says what is wrong), never a pipe, which would never end."""
    return sorted(
        p
        for p in schema_dir.iterdir()
        if p.suffix.lower() in (".yaml", ".yml")
        and (p.is_file() or (p.is_symlink() and not p.exists()))
    )


def display_name(schema_dir: Path, path: Path) -> str:
    """How messages name a definition file: `schema/client.yaml`."""
    return f"{schema_dir.as_posix().rstrip('/')}/{path.name}"


def same_name(run: Run, files: list[Path], schema_dir: Path) -> set[Path]:
    """Two files of one name (`client.yaml` and `client.yml`, or `Client.yaml`): one is most
    likely a stale copy, and macOS and Windows keep only one of a pair that differs by case.
    The files after the first of each name are reported and left unread."""
    first: dict[str, Path] = {}
    left_out: set[Path] = set()
    for path in files:
        other = first.setdefault(path.stem.casefold(), path)
        if other is path:
            continue
        left_out.add(path)
        by_case = path.stem != other.stem
        name, first_name = display_name(schema_dir, path), display_name(schema_dir, other)
        run.error(
            SAME_FILE_NAME,
            Position(name, 1, 1),
            f"{name} and {first_name} are two definition files with "
            + ("names that differ only by case" if by_case else "the same name"),
            "merge them into one file and delete the other: "
            + (
                "macOS and Windows cannot hold both"
                if by_case
                else "wirebook reads every .yaml and .yml file, so both would count"
            ),
        )
    return left_out

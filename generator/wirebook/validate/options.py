"""The options of `wirebook validate`, apart from its engine: the parser is cheap to build."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Literal

Choice = Literal["client", "server", "any"]
CHOICES: tuple[Choice, ...] = ("client", "server", "any")

Format = Literal["text", "json", "github"]
FORMATS: tuple[Format, ...] = ("text", "json", "github")


def add_schema_option(target: argparse._ActionsContainer) -> None:
    """`--schema DIR`, the definitions folder, as every wirebook command takes it."""
    target.add_argument(
        "--schema",
        type=Path,
        default=Path("schema"),
        metavar="DIR",
        help="folder of the *.yaml definitions (default: schema)",
    )

"""The choices of `wirebook validate`, apart from its engine: the parser is cheap to build."""

from __future__ import annotations

from typing import Literal

Choice = Literal["client", "server", "any"]
CHOICES: tuple[Choice, ...] = ("client", "server", "any")

Format = Literal["text", "json", "github"]
FORMATS: tuple[Format, ...] = ("text", "json", "github")

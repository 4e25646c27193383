"""Emitters: each reads only the IR (or the schemas made from it) and returns file texts."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jinja2 import Environment


def templates(**filters: Callable[..., Any]) -> Environment:
    """The Jinja environment of wirebook's templates, with ``filters`` added."""
    # imported here: `wirebook validate` reads emit.schemas and has no use for Jinja
    from jinja2 import Environment, PackageLoader, StrictUndefined

    env = Environment(
        loader=PackageLoader("wirebook", "templates"),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=StrictUndefined,
        autoescape=False,  # the outputs are Python and Markdown, not HTML
    )
    env.filters.update(filters)
    return env

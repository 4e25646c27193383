"""Emitters: each reads only the IR (or the schemas made from it) and returns file texts."""

from collections.abc import Callable
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined


def templates(**filters: Callable[..., Any]) -> Environment:
    """The Jinja environment of wirebook's templates, with ``filters`` added."""
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

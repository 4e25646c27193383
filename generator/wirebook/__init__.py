"""wirebook: one YAML description of a JSON message protocol, compiled into everything around it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from wirebook.validate.engine import Validator


def __getattr__(name: str) -> Any:
    # `wirebook.Validator` is imported on first use: the compiler's commands do not need it
    if name == "Validator":
        from wirebook.validate.engine import Validator

        return Validator
    raise AttributeError(f"module 'wirebook' has no attribute {name!r}")


__all__ = ["Validator", "__version__"]

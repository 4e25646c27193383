"""Names: the class names the generated code gets (unique, not shadowing its own), and the file
names of the published per-message schemas."""

from __future__ import annotations

import builtins
import re

from wirebook.check.context import Run, Where
from wirebook.diagnostics import Position
from wirebook.errors import CLASS_NAME_TAKEN, MESSAGE_FILE_NAME

# Class names made by wirebook, and names the generated Python modules define or import: a
# message or type of the same name would shadow them (`field` → `Field`, pydantic's `Field`).
WIREBOOK_NAMES = ("ClientMessage", "ServerMessage", "ErrorCode")
GENERATED_CODE_NAMES = (
    frozenset(
        (  # noqa: SIM905 - a list of words reads better than thirty quoted names
            "ABC Any Awaitable BaseModel C Callable ClassVar ClientHandlers ConfigDict "
            "Connection Field Generic Handler Handlers IncomingMessage Literal MISSING Mapping "
            "OutgoingMessage Protocol ProtocolError RootModel StrEnum StrictBool StrictFloat "
            "StrictInt StrictStr "
            "TypeAdapter TypeVar ValidationError WireModel"
        ).split()
    )
    | {name for name in dir(builtins) if name[:1].isupper()}
)  # None, True, Exception…


def pascal(name: str) -> str:
    """``join_room`` → ``JoinRoom``; ``user-left`` → ``UserLeft``."""
    parts = re.split(r"[^A-Za-z0-9]+", name)
    return "".join(p[:1].upper() + p[1:] for p in parts if p)


class ClassNames:
    """Every generated class name must be unique; two things must not both make `Foo`."""

    def __init__(self, run: Run) -> None:
        self.run = run
        self.titles: dict[str, tuple[str, Position]] = {}

    def claim(self, title: str, what: str, position: Position) -> bool:
        """Claim ``title`` for ``what``: False, and reported, when it cannot have it."""
        if title in WIREBOOK_NAMES or title in GENERATED_CODE_NAMES:
            self.run.error(
                CLASS_NAME_TAKEN,
                position,
                f"{what} would make the class name '{title}', which the generated "
                "Python code already uses",
                (
                    "rename it: ClientMessage, ServerMessage and ErrorCode are made by wirebook"
                    if title in WIREBOOK_NAMES
                    else "rename it: a generated class must not hide a name that the generated "
                    "modules import or define (Field, Literal, BaseModel, Connection, …)"
                ),
            )
            return False
        if title in self.titles:
            first, at = self.titles[title]
            self.run.error(
                CLASS_NAME_TAKEN,
                position,
                f"{what} would make the class name '{title}', "
                f"which {first} makes already (at {at})",
                "rename one of the two so that their generated class names differ",
            )
            return False
        self.titles[title] = (what, position)
        return True

    # ---- types


# Names Windows keeps for devices, with any extension and in any case (`nul.schema.json`).
_WINDOWS_DEVICES = frozenset(
    ("con", "prn", "aux", "nul", *(f"{port}{n}" for port in ("com", "lpt") for n in range(10)))
)


def file_name_ok(
    run: Run,
    direction: str,
    at: Where,
    type_: str,
    folded: dict[tuple[str, str], tuple[str, Position]],
) -> bool:
    """Each message has its schema file `<direction>/<type>.schema.json`: a name every file
    system can hold and that no other type of the direction shares, whatever its case."""
    device = type_.split(".")[0].lower()
    if device in _WINDOWS_DEVICES:
        run.error(
            MESSAGE_FILE_NAME,
            at.position,
            f"{direction} message type '{type_}' cannot name a file on Windows: "
            f"{device.upper()} is a device name there",
            "each message has its schema file `<direction>/<type>.schema.json`, and Windows "
            "keeps CON, PRN, AUX, NUL, COM0-9 and LPT0-9 (in any case, with any extension) for "
            "devices: rename the type",
        )
        return False
    other = folded.setdefault((direction, type_.casefold()), (type_, at.position))
    if other[0] != type_:
        run.error(
            MESSAGE_FILE_NAME,
            at.position,
            f"{direction} message types '{type_}' and '{other[0]}' (at {other[1]}) differ only "
            "by case: their schema files are one file on macOS and Windows",
            "rename one of the two (the types of one direction differ by more than case)",
        )
        return False
    return True

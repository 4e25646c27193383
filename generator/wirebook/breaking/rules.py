"""The breaking-change rules: one table gives each its stable ID, name, category and reason.

A rule is named after what the receiver of a direction now does to messages it took before
(``-narrowed``: the server refuses what old clients send) or to messages it did not know
(``-widened``, ``-added``: old clients refuse what the server now sends). Acknowledge a
deliberate break with ``breaking: {ignore: [{rule: WB205, reason: …}]}`` on the message, or under
``protocol:`` for the whole protocol.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Category = Literal["breaking", "uncertain"]
# The side that breaks: "client" is what the server receives from old clients, "server" what
# old clients receive from the server.
Side = Literal["client", "server", "either"]


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    category: Category
    breaks: Side
    reason: str
    # Why no message can show this change, when none can (a change of meaning, not of what is
    # accepted); empty when a message accepted on one side and refused on the other shows it.
    unshown: str = ""


RULES: tuple[Rule, ...] = (
    Rule("WB201", "message-removed", "breaking", "client",
         "Old clients still send this type; the server now refuses it as unknown."),
    Rule("WB202", "message-added", "breaking", "server",
         "Old clients refuse a type they do not know, and the server may now send it."),
    Rule("WB203", "member-removed", "breaking", "client",
         "Old clients may send this member; unknown members are refused."),
    Rule("WB204", "member-added", "breaking", "server",
         "The server may send this member; old clients refuse unknown members."),
    Rule("WB205", "member-required", "breaking", "client",
         "Old clients may leave this member out; it is now required."),
    Rule("WB206", "member-optional", "breaking", "server",
         "The server may now leave out a member that old clients require."),
    Rule("WB207", "type-narrowed", "breaking", "client",
         "A JSON type old clients may send is no longer accepted."),
    Rule("WB208", "type-widened", "breaking", "server",
         "The server may send a JSON type old clients refuse."),
    Rule("WB209", "nullable-removed", "breaking", "client",
         "Old clients may send null here; it is no longer accepted."),
    Rule("WB210", "nullable-added", "breaking", "server",
         "The server may send null here; old clients refuse it."),
    Rule("WB211", "enum-value-removed", "breaking", "client",
         "A value old clients may send is no longer in the accepted set."),
    Rule("WB212", "enum-value-added", "breaking", "server",
         "The server may send a value outside the set old clients accept."),
    Rule("WB213", "bound-narrowed", "breaking", "client",
         "A number old clients may send is now out of bounds."),
    Rule("WB214", "bound-widened", "breaking", "server",
         "The server may send a number out of the bounds old clients check."),
    Rule("WB215", "length-narrowed", "breaking", "client",
         "A string length old clients may send is no longer accepted."),
    Rule("WB216", "length-widened", "breaking", "server",
         "The server may send a string length old clients refuse."),
    Rule("WB217", "count-narrowed", "breaking", "client",
         "An item count old clients may send is no longer accepted."),
    Rule("WB218", "count-widened", "breaking", "server",
         "The server may send an item count old clients refuse."),
    Rule("WB219", "unique-items-added", "breaking", "client",
         "Old clients may send repeated items; they are now refused."),
    Rule("WB220", "unique-items-removed", "breaking", "server",
         "The server may send repeated items; old clients refuse them."),
    Rule("WB221", "pattern-narrowed", "breaking", "client",
         "A string old clients may send no longer matches the pattern."),
    Rule("WB222", "pattern-widened", "breaking", "server",
         "The server may send a string that old clients' pattern refuses."),
    Rule("WB223", "format-narrowed", "breaking", "client",
         "A string old clients may send is not of the new format (validators that check "
         "formats, such as Ajv with ajv-formats, refuse it).",
         unshown="the reference validator does not check formats; wirebook pairs each format "
         "with a pattern, which WB221 checks"),
    Rule("WB224", "format-widened", "breaking", "server",
         "The server may send a string that is not of the format old clients check.",
         unshown="the reference validator does not check formats; wirebook pairs each format "
         "with a pattern, which WB222 checks"),
    Rule("WB225", "unknown-members-rejected", "breaking", "client",
         "Old clients may send undeclared members; they are now refused."),
    Rule("WB226", "unknown-members-allowed", "breaking", "server",
         "The server may send undeclared members; old clients refuse them."),
    Rule("WB227", "open-member-declared", "breaking", "client",
         "Old clients may send this member with any value (unknown members were allowed); "
         "now it must match its declaration."),
    Rule("WB228", "open-member-undeclared", "breaking", "server",
         "The server may send this member with any value (unknown members are allowed); "
         "old clients check it against its declaration."),
    Rule("WB229", "default-changed", "breaking", "either",
         "A message that leaves this member out now means another value to its receiver.",
         unshown="the same messages are accepted; what an omitted member means changed"),
    Rule("WB230", "pattern-changed", "uncertain", "either",
         "The pattern changed and no probe string tells whether it takes less or more: "
         "compare them yourself."),
    Rule("WB231", "union-changed", "uncertain", "either",
         "Alternatives (anyOf, oneOf) that fit only together, or may overlap: compare them "
         "yourself."),
    Rule("WB232", "keyword-changed", "uncertain", "either",
         "A schema keyword that wirebook cannot compare changed: compare it yourself."),
    Rule("WB233", "wire-version-dropped", "breaking", "either",
         "Old clients of this wire version are no longer served: the server refuses their `v`, "
         "and sends nothing in it.",
         unshown="messages are compared in the wire versions both protocols support; those of "
         "a dropped version are refused whole, for their `v`"),
)  # fmt: skip

BY_ID = {rule.id: rule for rule in RULES}


def rules_help() -> str:
    """The table for ``wirebook breaking --help``."""
    return "\n".join(
        f"  {r.id} {r.name} ({r.category}, breaks {_SIDES[r.breaks]}): {r.reason}" for r in RULES
    )


_SIDES = {"client": "client messages", "server": "server messages", "either": "either"}

"""Consent on the homeserver: who may invite whom, and who may join whose room.

Kindred's homeserver asks here (through its consent module and the internal
``/_kindred/consent`` endpoint) before an invite or a join goes through, so
the promise of the web pages holds in any Matrix client too: you talk to
someone only while you two have an open match, and a block separates a pair
in both directions at once.

Matrix IDs stand for Kindred people by their local account or a verified
linked ID. The matcher bot and server admins never reach this module: the
homeserver module lets them through before asking.
"""

from __future__ import annotations

from dataclasses import dataclass

from domain import people
from domain.blocks import is_blocked
from domain.context import Kindred
from store import matches

# The matrix_policy that leaves invites to ordinary Matrix rules (the default, "matched", applies ours).
OPEN = "open"

# Sentences the homeserver hands to the Matrix client (Element shows them).
# The blocked one is neutral on purpose: it does not say who blocked whom.
BLOCKED = "Kindred does not allow these two people to reach each other."
NO_MATCH = (
    "On Kindred you can invite someone only while you two have an open match; send them a request on Kindred first."
)
STRANGER_INVITES = "This person takes invites only from people they matched with on Kindred."
STRANGER_INVITING = "Only people you matched with on Kindred can be invited from this account."


@dataclass(frozen=True)
class Decision:
    allow: bool
    reason: str = ""


ALLOWED = Decision(True)


async def may_invite(ctx: Kindred, actor_mxid: str, target_mxid: str, room_id: str) -> Decision:
    """May ``actor_mxid`` invite ``target_mxid``?

    ``room_id`` is not needed by today's rule (an open match allows invites
    into any room); it is part of the question so that group rooms Kindred
    makes can be allowed later without changing the homeserver module.
    """
    if ctx.matrix_policy == OPEN or actor_mxid == target_mxid:
        return ALLOWED
    async with ctx.db.read() as conn:
        actor = await people.by_matrix_id(conn, actor_mxid)
        target = await people.by_matrix_id(conn, target_mxid)
        if actor is None and target is None:
            return ALLOWED  # neither is a Kindred person: not Kindred's to decide
        if target is None:
            return Decision(False, STRANGER_INVITING)
        if actor is None:
            return Decision(False, STRANGER_INVITES)
        if actor.id == target.id:
            return ALLOWED  # one person's linked and local IDs
        if await is_blocked(conn, actor.id, target.id):
            return Decision(False, BLOCKED)
        if await matches.open_between(conn, actor.id, target.id) is None:
            return Decision(False, NO_MATCH)
    return ALLOWED


async def may_join(ctx: Kindred, user_mxid: str, room_creator_mxid: str) -> Decision:
    """May ``user_mxid`` join a room that ``room_creator_mxid`` created?

    Only a block stops a join: whoever made a room joinable chose who may
    enter, but never someone on the other side of a block with them.
    """
    if ctx.matrix_policy == OPEN or user_mxid == room_creator_mxid:
        return ALLOWED
    async with ctx.db.read() as conn:
        joiner = await people.by_matrix_id(conn, user_mxid)
        creator = await people.by_matrix_id(conn, room_creator_mxid)
        if joiner is None or creator is None or joiner.id == creator.id:
            return ALLOWED
        if await is_blocked(conn, joiner.id, creator.id):
            return Decision(False, BLOCKED)
    return ALLOWED

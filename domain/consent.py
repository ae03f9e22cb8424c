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

from domain import circle_consent, people
from domain.blocks import is_blocked
from domain.context import Kindred
from store import matches
from store.circles import Circle
from store.connection import Connection

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
    """May ``actor_mxid`` invite ``target_mxid`` into ``room_id``?

    Into a circle's room any Kindred person may be invited who may join it
    (domain/circle_consent.py), but never across a block; anywhere else an
    open match between the two is needed.
    """
    if actor_mxid == target_mxid:
        return ALLOWED
    async with ctx.db.read() as conn:
        circle = await circle_consent.circle_of(conn, room_id)
        if circle is not None:
            return await _circle_invite(conn, circle, actor_mxid, target_mxid)
    if ctx.matrix_policy == OPEN:
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


async def may_join(ctx: Kindred, user_mxid: str, room_creator_mxid: str, room_id: str = "") -> Decision:
    """May ``user_mxid`` join a room that ``room_creator_mxid`` created?

    A circle's room (Element's room list of the Space lets members join it
    directly) takes whoever the circle would take on the web. Elsewhere only
    a block stops a join: whoever made a room joinable chose who may enter,
    but never someone on the other side of a block with them.
    """
    if room_id:
        async with ctx.db.read() as conn:
            circle = await circle_consent.circle_of(conn, room_id)
            if circle is not None:
                joiner = await people.by_matrix_id(conn, user_mxid)
                refusal = await circle_consent.refuse_entry(conn, circle, joiner)
                return Decision(False, refusal) if refusal else ALLOWED
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


async def _circle_invite(conn: Connection, circle: Circle, actor_mxid: str, target_mxid: str) -> Decision:
    actor = await people.by_matrix_id(conn, actor_mxid)
    target = await people.by_matrix_id(conn, target_mxid)
    if (
        actor is not None
        and target is not None
        and actor.id != target.id
        and await is_blocked(conn, actor.id, target.id)
    ):
        return Decision(False, BLOCKED)
    if target is None:
        return Decision(False, circle_consent.NOT_ON_KINDRED)
    refusal = await circle_consent.refuse_entry(conn, circle, target)
    return Decision(False, refusal) if refusal else ALLOWED

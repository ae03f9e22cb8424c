"""Consent in circle rooms: who may be invited in, and who may join.

Circles are open to anyone on Kindred, so no match is needed there; what
stops an invite or a join is what Kindred's pages would refuse too: a closed
or full circle, a ban, a suspension, and a block between the two people
(they may both be members, but neither can invite the other). Only
Kindred's people (by their own account or a verified linked ID) are let in.
"""

from __future__ import annotations

from store import circle_members, circles
from store.circles import Circle
from store.connection import Connection
from store.users import User

# Sentences the homeserver hands to the Matrix client (Element shows them).
CLOSED = "This Kindred circle is closed."
FULL = "This Kindred circle is full."
BANNED = "This person is banned from this Kindred circle."
SUSPENDED = "This Kindred account is suspended."
# Someone Kindred does not know could be neither counted nor moderated there.
NOT_ON_KINDRED = "Only people on Kindred can be invited into a Kindred circle."


async def circle_of(conn: Connection, room_id: str) -> Circle | None:
    return await circles.by_room(conn, room_id)


async def refuse_entry(conn: Connection, circle: Circle, person: User | None) -> str | None:
    """Why ``person`` may not come into the circle's room, or None if they may."""
    if circle.status != circles.OPEN:
        return CLOSED
    if person is None:
        # Not Kindred's person: they reach a circle only through its Space,
        # which only Kindred's people are in.
        return None
    if person.status != "active":
        return SUSPENDED
    member = await circle_members.get(conn, circle.id, person.id)
    if member is not None and member.state == circle_members.BANNED:
        return BANNED
    if (member is None or not member.seated) and circle.seats >= circle.member_cap:
        return FULL
    return None

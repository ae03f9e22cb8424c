"""How circles look to one person: shared by reading and changing functions."""

from __future__ import annotations

from dataclasses import dataclass

from domain.context import Kindred
from domain.errors import KindredError
from store import circle_members, circles
from store.circle_members import CircleMember
from store.circles import Circle
from store.connection import Connection
from store.users import User


@dataclass(frozen=True)
class CircleView:
    """A circle as one person sees it."""

    circle: Circle
    # The username of the owner shown first (None if no owner is left).
    owner: str | None
    member_count: int
    online_count: int
    room_url: str | None
    # None when they hold no place in it.
    my_role: str | None
    # Their state: joining (the homeserver is still putting them in),
    # joined, banned, or None.
    my_state: str | None


@dataclass(frozen=True)
class CircleDetail:
    view: CircleView
    staff: list[CircleMember]


async def load(conn: Connection, slug: str) -> Circle:
    circle = await circles.by_slug(conn, slug.strip().lower()) if isinstance(slug, str) else None
    if circle is None:
        raise KindredError("circle_not_found")
    return circle


async def views(ctx: Kindred, conn: Connection, found: list[Circle], viewer: User | None) -> list[CircleView]:
    """Views of several circles in a fixed number of queries, whatever their count."""
    ids = [circle.id for circle in found]
    mine = await circle_members.roles_for(conn, ids, viewer.id) if viewer is not None else {}
    online = await circle_members.online_counts(conn, ids)
    owners = await circle_members.first_owners(conn, ids)
    result = []
    for circle in found:
        row = mine.get(circle.id)
        shown = row is not None and (row.seated or row.state == circle_members.BANNED)
        result.append(
            CircleView(
                circle=circle,
                owner=owners.get(circle.id),
                member_count=circle.seats,
                online_count=online.get(circle.id, 0),
                room_url=ctx.links.room_url(circle.room_id),
                my_role=row.role if row is not None and row.seated else None,
                my_state=row.state if row is not None and shown else None,
            )
        )
    return result

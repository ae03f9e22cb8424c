"""Circles: group rooms about one interest, with owners who moderate.

The web, the API and the bot call these functions, so one rule holds
everywhere. Every change is written together with the homeserver work it
needs (domain/circle_jobs.py); the circle worker does that work, so a create
or a join made while the homeserver is down shows as "joining" and completes
when it returns.

A member's place is taken in the same transaction that makes them joining,
by one conditional UPDATE of the circle's seat count: the cap holds under
parallel joins on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import logging

from domain import circle_jobs, circle_rules, events, matrix_ids
from domain.circle_jobs import enqueue_txn, publish

# The moderation functions live beside these, re-exported so callers need one
# module (the web, the API and the bot all say ``circles.moderate``).
from domain.circle_moderation import (
    activity_seen,
    close,
    membership_seen,
    moderate,
    remove_everywhere_txn,
    update,
)
from domain.circle_views import CircleDetail, CircleView
from domain.circle_views import load as _circle
from domain.circle_views import views as _views
from domain.context import Kindred
from domain.errors import KindredError
from store import circle_members, circles, interests
from store.circle_members import CircleMember
from store.circles import Circle
from store.connection import Connection
from store.errors import UniqueViolation
from store.users import User

logger = logging.getLogger(__name__)


# -- reading -----------------------------------------------------------------


async def list_circles(
    ctx: Kindred, viewer: User, *, interest: str | None = None, query: str = "", page: int = 1
) -> list[CircleView]:
    """Open circles, those about the viewer's interests first (ranked by how
    many members share their interests, then by recent activity)."""
    async with ctx.db.read() as conn:
        interest_id = None
        if interest:
            interest_id = await interests.get_id(conn, interest.strip().lower())
            if interest_id is None:
                return []
        found = await circles.listing(
            conn,
            viewer_id=viewer.id,
            interest_id=interest_id,
            query=query.strip()[:100],
            limit=circle_rules.CIRCLES_PAGE,
            offset=(max(page, 1) - 1) * circle_rules.CIRCLES_PAGE,
        )
        return await _views(ctx, conn, found, viewer)


async def get_circle(ctx: Kindred, viewer: User | None, slug: str) -> CircleDetail:
    """A circle by its address, with its owners and moderators; closed ones
    are hidden from everyone but their former members."""
    async with ctx.db.read() as conn:
        circle = await _circle(conn, slug)
        [view] = await _views(ctx, conn, [circle], viewer)
        if circle.status == circles.CLOSED and view.my_role is None:
            raise KindredError("circle_not_found")
        return CircleDetail(view, await circle_members.staff(conn, circle.id))


async def members(ctx: Kindred, viewer: User | None, slug: str, page: int = 1) -> list[CircleMember]:
    """Members holding a place, owners and moderators first, a page at a time."""
    async with ctx.db.read() as conn:
        circle = await _circle(conn, slug)
        size = circle_rules.MEMBERS_PAGE
        return await circle_members.page(conn, circle.id, size, (max(page, 1) - 1) * size)


async def by_room(ctx: Kindred, room_id: str) -> Circle | None:
    """The circle whose room this is (the bot asks, for commands in the room)."""
    async with ctx.db.read() as conn:
        return await circles.by_room(conn, room_id)


async def invited_as(ctx: Kindred, user: User) -> str | None:
    """The person's Matrix ID when it is on another homeserver: they come into
    a circle's room by accepting an invite there (not at once), and only into
    the room, as Kindred's Space takes only its own homeserver's people."""
    mxid = await matrix_ids.effective_id(ctx, user)
    return mxid if mxid is not None and matrix_ids.server_of(mxid) != ctx.links.server_name else None


async def view(ctx: Kindred, viewer: User | None, circle_id: int) -> CircleView:
    async with ctx.db.read() as conn:
        circle = await circles.get(conn, circle_id)
        if circle is None:
            raise KindredError("circle_not_found")
        [found] = await _views(ctx, conn, [circle], viewer)
        return found


# -- changing ------------------------------------------------------------------


async def create_circle(
    ctx: Kindred, user: User, name: object, interest: object, description: object = "", member_cap: object = None
) -> CircleView:
    """Start a circle for one of the creator's interests; they own it."""
    clean_name = circle_rules.name(name)
    clean_description = circle_rules.description(description)
    cap = circle_rules.DEFAULT_CAP if member_cap is None else circle_rules.member_cap(member_cap)
    if not isinstance(interest, str):
        raise KindredError("field_type", field="interest")
    # A name taken by a racing create (or a slug by a like-named one) shows
    # as a unique violation when the transaction ends: looked at again.
    for _ in range(3):
        try:
            made = await _create_txn(ctx, user, clean_name, interest, clean_description, cap)
            break
        except UniqueViolation:
            continue
    else:
        raise KindredError("circle_name_taken", field="name")
    circle = made.circle
    circle_jobs.announce(ctx)
    publish(ctx, events.CIRCLE_JOINED, circle, user.id, user.username)
    logger.info("circle %s (%d) started by %s", circle.slug, circle.id, user.username)
    return made


async def _create_txn(ctx: Kindred, user: User, name: str, interest: str, description: str, cap: int) -> CircleView:
    async with ctx.db.transaction() as conn:
        held = {held.name: held.id for held in await interests.for_user(conn, user.id)}
        interest_id = held.get(interest.strip().lower())
        if interest_id is None:
            raise KindredError("circle_interest_not_held", field="interest")
        if await circles.name_taken(conn, interest_id, circle_rules.name_key(name)):
            raise KindredError("circle_name_taken", field="name")
        circle_id = await circles.insert(
            conn,
            slug=await _free_slug(conn, name),
            name=name,
            name_key=circle_rules.name_key(name),
            interest_id=interest_id,
            description=description,
            member_cap=cap,
            created_by=user.id,
        )
        await circles.take_seat(conn, circle_id)
        await circle_members.put(conn, circle_id, user.id, circle_rules.OWNER, circle_members.JOINING)
        await enqueue_txn(conn, circle_id, circle_jobs.CREATE_ROOM)
        await enqueue_txn(conn, circle_id, circle_jobs.JOIN, user_id=user.id)
        await enqueue_txn(conn, circle_id, circle_jobs.ROLES)
        circle = await circles.get(conn, circle_id)
        assert circle is not None
        [made] = await _views(ctx, conn, [circle], user)
    return made


async def _free_slug(conn: Connection, name: str) -> str:
    base = circle_rules.slug_base(name)
    for number in range(1, 1000):
        slug = base if number == 1 else f"{base}-{number}"
        if not await circles.slug_taken(conn, slug):
            return slug
    raise KindredError("circle_name_taken", field="name")


async def join(ctx: Kindred, user: User, slug: str) -> CircleView:
    """Take a place and queue the homeserver join; joining twice is a no-op."""
    async with ctx.db.transaction() as conn:
        circle = await _circle(conn, slug)
        if circle.status != circles.OPEN:
            raise KindredError("circle_closed")
        member = await circle_members.get(conn, circle.id, user.id)
        if member is not None and member.state == circle_members.BANNED:
            raise KindredError("circle_banned")
        queued = member is None or not member.seated
        if queued:
            if not await circles.take_seat(conn, circle.id):
                raise KindredError("circle_full")
            await circle_members.put(conn, circle.id, user.id, circle_rules.MEMBER, circle_members.JOINING)
            await enqueue_txn(conn, circle.id, circle_jobs.JOIN, user_id=user.id)
    if queued:
        # The worker starts on the homeserver while the answer is read.
        circle_jobs.announce(ctx)
    async with ctx.db.read() as conn:
        circle = await _circle(conn, slug)
        [joined] = await _views(ctx, conn, [circle], user)
    if queued:
        publish(ctx, events.CIRCLE_JOINED, circle, user.id, user.username)
    return joined


async def leave(ctx: Kindred, user: User, slug: str) -> CircleView:
    """Give up one's place; the last owner must hand over or close first."""
    async with ctx.db.transaction() as conn:
        circle = await _circle(conn, slug)
        member = await circle_members.get(conn, circle.id, user.id)
        if member is None or not member.seated:
            raise KindredError("circle_not_member")
        if (
            member.role == circle_rules.OWNER
            and circle.status == circles.OPEN
            and await circle_members.count_owners(conn, circle.id) <= 1
        ):
            raise KindredError("circle_last_owner")
        await circle_members.put(conn, circle.id, user.id, circle_rules.MEMBER, circle_members.LEAVING)
        await circles.free_seat(conn, circle.id)
        await enqueue_txn(conn, circle.id, circle_jobs.LEAVE, user_id=user.id)
        if circle_rules.is_staff(member.role):
            await enqueue_txn(conn, circle.id, circle_jobs.ROLES, user_id=user.id)
        circle = await _circle(conn, slug)
        [after] = await _views(ctx, conn, [circle], user)
    circle_jobs.announce(ctx)
    publish(ctx, events.CIRCLE_LEFT, circle, user.id, user.username)
    return after


__all__ = [
    "activity_seen",
    "CircleDetail",
    "CircleView",
    "by_room",
    "close",
    "create_circle",
    "get_circle",
    "invited_as",
    "join",
    "leave",
    "list_circles",
    "members",
    "membership_seen",
    "moderate",
    "remove_everywhere_txn",
    "update",
    "view",
]

"""What owners and moderators do to a circle, and what the homeserver tells
Kindred about its rooms.

Owners outrank moderators, who outrank members; nobody acts on their own
rank or above, as in the room's power levels (owner 75, moderator 50), so a
moderator in Element can do exactly what they can do on the web. Roles
(promote, demote), the member cap and closing are the owners'; removing,
banning and editing the name and description are every moderator's.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from domain import circle_jobs, circle_rules, events, people
from domain.circle_jobs import enqueue_txn, publish
from domain.circle_views import CircleView, load, views
from domain.context import Kindred
from domain.errors import KindredError
from store import circle_members, circles
from store.circle_members import CircleMember
from store.circles import Circle
from store.connection import Connection
from store.errors import UniqueViolation
from store.timeutil import iso, parse
from store.users import User

logger = logging.getLogger(__name__)

# How finely a circle's last activity is kept (the listing's order needs no finer).
ACTIVITY_GRAIN = timedelta(minutes=1)

_JOB_OF = {
    circle_rules.REMOVE: circle_jobs.KICK,
    circle_rules.BAN: circle_jobs.BAN,
    circle_rules.UNBAN: circle_jobs.UNBAN,
    circle_rules.PROMOTE: circle_jobs.ROLES,
    circle_rules.DEMOTE: circle_jobs.ROLES,
}
_EVENT_OF = {circle_rules.REMOVE: events.CIRCLE_REMOVED, circle_rules.BAN: events.CIRCLE_REMOVED}


async def _staff(conn: Connection, circle: Circle, actor: User, *, owners_only: bool = False) -> CircleMember:
    member = await circle_members.get(conn, circle.id, actor.id)
    if member is None or not member.seated or not circle_rules.is_staff(member.role):
        raise KindredError("circle_not_moderator")
    if owners_only and member.role != circle_rules.OWNER:
        raise KindredError("circle_not_owner")
    if circle.status != circles.OPEN:
        raise KindredError("circle_closed")
    return member


async def _person(conn: Connection, target: str) -> User:
    """A username, or a Matrix ID (the bot's commands name people by theirs)."""
    if not isinstance(target, str):
        raise KindredError("user_not_found")
    if target.startswith("@"):
        found = await people.by_matrix_id(conn, target.strip())
        if found is None:
            raise KindredError("user_not_found")
        return found
    return await people.named(conn, target)


async def moderate(
    ctx: Kindred, actor: User, slug: str, target: str, action: str, reason: str = ""
) -> CircleMember | None:
    """remove, ban, unban, promote or demote one person; returns their row after."""
    if action not in circle_rules.ACTIONS:
        raise KindredError("not_found")
    reason = circle_rules.description(reason)[:200] if reason else ""
    async with ctx.db.transaction() as conn:
        circle = await load(conn, slug)
        me = await _staff(conn, circle, actor, owners_only=action in circle_rules.OWNER_ACTIONS)
        person = await _person(conn, target)
        if person.id == actor.id:
            raise KindredError("circle_cannot_moderate_self")
        member = await circle_members.get(conn, circle.id, person.id)
        await _apply(conn, circle, me, person, member, action, reason)
        await enqueue_txn(conn, circle.id, _JOB_OF[action], user_id=person.id, reason=reason or None)
        if action in (circle_rules.REMOVE, circle_rules.BAN) and member is not None and member.role != "member":
            await enqueue_txn(conn, circle.id, circle_jobs.ROLES, user_id=person.id)
        after = await circle_members.get(conn, circle.id, person.id)
        circle = await load(conn, slug)
    circle_jobs.announce(ctx)
    publish(ctx, _EVENT_OF.get(action, events.CIRCLE_CHANGED), circle, person.id, person.username)
    logger.info("circle %s: %s did %s to %s", circle.slug, actor.username, action, person.username)
    return after


async def _apply(
    conn: Connection,
    circle: Circle,
    me: CircleMember,
    person: User,
    member: CircleMember | None,
    action: str,
    reason: str,
) -> None:
    seated = member is not None and member.seated
    if action == circle_rules.UNBAN:
        if member is None or member.state != circle_members.BANNED:
            raise KindredError("circle_not_banned")
        await circle_members.set_state(conn, circle.id, person.id, circle_members.LEFT)
        return
    if action == circle_rules.BAN and not seated:
        # Banning someone not (or no longer) in the circle keeps them out.
        await circle_members.put(conn, circle.id, person.id, circle_rules.MEMBER, circle_members.BANNED, reason)
        return
    if member is None or not seated:
        raise KindredError("circle_member_not_found")
    if not circle_rules.outranks(me.role, member.role) and action != circle_rules.DEMOTE:
        raise KindredError("circle_outranked")
    if action in (circle_rules.REMOVE, circle_rules.BAN):
        state = circle_members.REMOVED if action == circle_rules.REMOVE else circle_members.BANNED
        await circle_members.put(conn, circle.id, person.id, circle_rules.MEMBER, state, reason or None)
        await circles.free_seat(conn, circle.id)
        return
    role = circle_rules.promoted(member.role) if action == circle_rules.PROMOTE else circle_rules.demoted(member.role)
    if role is None:
        raise KindredError("circle_role_limit")
    if member.role == circle_rules.OWNER and await circle_members.count_owners(conn, circle.id) <= 1:
        raise KindredError("circle_last_owner")
    await circle_members.set_role(conn, circle.id, person.id, role)


async def update(
    ctx: Kindred,
    actor: User,
    slug: str,
    *,
    name: object = None,
    description: object = None,
    member_cap: object = None,
) -> CircleView:
    """Edit the name and description (moderators) or the member cap (owners)."""
    try:
        circle, after = await _update_txn(ctx, actor, slug, name, description, member_cap)
    except UniqueViolation:
        # A racing rename took the name first.
        raise KindredError("circle_name_taken", field="name") from None
    circle_jobs.announce(ctx)
    publish(ctx, events.CIRCLE_CHANGED, circle, actor.id, actor.username)
    return after


async def _update_txn(
    ctx: Kindred, actor: User, slug: str, name: object, description: object, member_cap: object
) -> tuple[Circle, CircleView]:
    async with ctx.db.transaction() as conn:
        circle = await load(conn, slug)
        await _staff(conn, circle, actor, owners_only=member_cap is not None)
        new_name = circle.name if name is None else circle_rules.name(name)
        new_description = circle.description if description is None else circle_rules.description(description)
        if member_cap is not None:
            cap = circle_rules.member_cap(member_cap)
            if cap < circle.seats:
                raise KindredError("circle_cap_too_low", field="member_cap")
            await circles.set_cap(conn, circle.id, cap)
        if (new_name, new_description) != (circle.name, circle.description):
            key = circle_rules.name_key(new_name)
            if await circles.name_taken(conn, circle.interest_id, key, other_than=circle.id):
                raise KindredError("circle_name_taken", field="name")
            await circles.update_profile(conn, circle.id, new_name, key, new_description)
            await enqueue_txn(conn, circle.id, circle_jobs.PROFILE)
        circle = await load(conn, slug)
        [after] = await views(ctx, conn, [circle], actor)
    return circle, after


async def close(ctx: Kindred, actor: User, slug: str) -> CircleView:
    """Archive the room (read-only, history kept) and hide the circle."""
    async with ctx.db.transaction() as conn:
        circle = await load(conn, slug)
        await _staff(conn, circle, actor, owners_only=True)
        await circles.close(conn, circle.id)
        await enqueue_txn(conn, circle.id, circle_jobs.ARCHIVE)
        circle = await load(conn, slug)
        [after] = await views(ctx, conn, [circle], actor)
    circle_jobs.announce(ctx)
    publish(ctx, events.CIRCLE_CLOSED, circle, actor.id, actor.username)
    return after


async def remove_everywhere_txn(conn: Connection, user_id: int, reason: str = "suspended") -> list[int]:
    """A suspended (or deleted) person leaves every circle: removed, not
    banned, so lifting a suspension lets them rejoin. Inside the caller's
    transaction; returns the circles, and the caller wakes the worker after
    commit (``circle_jobs.announce``)."""
    removed = await circle_members.circles_of(conn, user_id)
    for circle_id in removed:
        member = await circle_members.get(conn, circle_id, user_id)
        await circle_members.set_state(conn, circle_id, user_id, circle_members.REMOVED, reason)
        await circles.free_seat(conn, circle_id)
        await enqueue_txn(conn, circle_id, circle_jobs.KICK, user_id=user_id, reason=reason)
        if member is not None and circle_rules.is_staff(member.role):
            await circle_members.set_role(conn, circle_id, user_id, circle_rules.MEMBER)
            await enqueue_txn(conn, circle_id, circle_jobs.ROLES, user_id=user_id)
            await _hand_over_txn(conn, circle_id)
    return removed


async def _hand_over_txn(conn: Connection, circle_id: int) -> None:
    """A circle whose last owner went (left in Element, suspended, deleted)
    is not left without one: its longest-standing moderator, else member,
    becomes owner. Nobody left: it stays as it is, empty."""
    if await circle_members.count_owners(conn, circle_id) > 0:
        return
    heir = await circle_members.successor(conn, circle_id)
    if heir is not None:
        await circle_members.set_role(conn, circle_id, heir, circle_rules.OWNER)
        await enqueue_txn(conn, circle_id, circle_jobs.ROLES, user_id=heir)
        logger.info("circle %d lost its last owner; user %d owns it now", circle_id, heir)


async def membership_seen(ctx: Kindred, room_id: str, matrix_user_id: str, membership: str, sender: str) -> None:
    """The homeserver reports a membership change in a circle's room, made
    outside Kindred or by its own jobs (then nothing changes here): a leave or
    a kick or ban in Element, an accepted invite, or a join from the Space."""
    # Most rooms the bot hears are not circles (direct rooms, matches): a
    # read settles those without taking the writer.
    async with ctx.db.read() as conn:
        if await circles.by_room(conn, room_id) is None:
            return
    async with ctx.db.transaction() as conn:
        circle = await circles.by_room(conn, room_id)
        person = await people.by_matrix_id(conn, matrix_user_id) if circle is not None else None
        if circle is None or person is None:
            return
        member = await circle_members.get(conn, circle.id, person.id)
        outcome = await _reflect(conn, circle, person, member, membership, sender == matrix_user_id)
        circle = await circles.get(conn, circle.id)
    if outcome is not None and circle is not None:
        circle_jobs.announce(ctx)
        publish(ctx, outcome, circle, person.id, person.username)
        logger.info("circle %s: %s is %s (seen on the homeserver)", circle.slug, person.username, membership)


async def _reflect(
    conn: Connection, circle: Circle, person: User, member: CircleMember | None, membership: str, own: bool
) -> str | None:
    """Write what the room says; returns the event to publish, if anything changed."""
    seated = member is not None and member.seated
    if membership == "join":
        if member is not None and member.state == circle_members.JOINING:
            await circle_members.set_state(conn, circle.id, person.id, circle_members.JOINED)
            return events.CIRCLE_JOINED
        if seated:
            return None
        banned = member is not None and member.state == circle_members.BANNED
        if circle.status != circles.OPEN or banned or person.status != "active":
            await enqueue_txn(conn, circle.id, circle_jobs.KICK, user_id=person.id)
            return None
        if not await circles.take_seat(conn, circle.id):
            await enqueue_txn(conn, circle.id, circle_jobs.KICK, user_id=person.id, reason="full")
            return None
        await circle_members.put(conn, circle.id, person.id, circle_rules.MEMBER, circle_members.JOINED)
        return events.CIRCLE_JOINED
    if membership == "ban":
        if member is not None and member.state == circle_members.BANNED:
            return None
        await circle_members.put(conn, circle.id, person.id, circle_rules.MEMBER, circle_members.BANNED)
        if seated:
            await circles.free_seat(conn, circle.id)
            await _roles_if_staff(conn, circle, member)
        return events.CIRCLE_REMOVED
    if membership == "leave":
        if member is not None and member.state == circle_members.BANNED and not own:
            # Unbanned in Element.
            await circle_members.set_state(conn, circle.id, person.id, circle_members.LEFT)
            return events.CIRCLE_CHANGED
        if member is not None and member.state == circle_members.LEAVING:
            await circle_members.set_state(conn, circle.id, person.id, circle_members.LEFT)
            return None
        if not seated:
            return None
        state = circle_members.LEFT if own else circle_members.REMOVED
        await circle_members.put(conn, circle.id, person.id, circle_rules.MEMBER, state)
        await circles.free_seat(conn, circle.id)
        await _roles_if_staff(conn, circle, member)
        return events.CIRCLE_LEFT if own else events.CIRCLE_REMOVED
    return None


async def _roles_if_staff(conn: Connection, circle: Circle, member: CircleMember | None) -> None:
    if member is not None and circle_rules.is_staff(member.role):
        await enqueue_txn(conn, circle.id, circle_jobs.ROLES, user_id=member.user_id)
        await _hand_over_txn(conn, circle.id)


async def activity_seen(ctx: Kindred, room_id: str, at: str) -> None:
    """Someone spoke in a circle's room (``at``: ISO time): the listing ranks
    circles by recent activity. Rooms that are not circles are ignored.

    Kept to the minute: a busy room costs a read per sync batch, and a write
    only when the recorded time is a minute or more behind."""
    async with ctx.db.read() as conn:
        circle = await circles.by_room(conn, room_id)
    if circle is None or circle.last_activity_at >= iso(parse(at) - ACTIVITY_GRAIN):
        return
    async with ctx.db.transaction() as conn:
        await circles.touch(conn, circle.id, at)

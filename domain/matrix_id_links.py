"""Matrix ID links: a Matrix ID from another homeserver, linked to a Kindred account.

The person names the ID; the bot invites it to a direct room and posts a
six-digit code there; whoever reads that room owns the ID, and proves it by
giving the code back (on Kindred, or as ``!verify <code>`` to the bot). Codes
are random, stored only as salted hashes, compared in constant time, valid
for 15 minutes and 5 tries. One Matrix ID belongs to at most one person.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from domain import mail, matrix_ids
from domain.context import Kindred
from domain.errors import KindredError
from domain.languages import written_language
from domain.one_time_codes import CODE_LIFETIME, TRIES, check, hash_code, new_code, refuse_early_resend
from domain.ports import HomeserverDown, InviteRefused, MatrixIdUnreachable
from store import bot_direct_rooms, matrix_id_link_codes, matrix_id_links, users
from store.connection import Connection
from store.matrix_id_link_codes import LinkCode
from store.timeutil import iso, utc_now
from store.users import User

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class LinkStatus:
    matrix_user_id: str | None
    local_matrix_user_id: str | None
    linked_matrix_user_id: str | None
    pending: LinkCode | None


async def status(ctx: Kindred, user: User) -> LinkStatus:
    async with ctx.db.read() as conn:
        current = await users.get(conn, user.id) or user
        link = await matrix_id_links.for_user(conn, user.id)
        pending = await matrix_id_link_codes.for_user(conn, user.id)
    return LinkStatus(
        matrix_ids.effective(current, link),
        current.matrix_user_id,
        link.matrix_user_id if link else None,
        pending,
    )


async def claimable(ctx: Kindred, value: str) -> str:
    """The Matrix ID in ``value`` if it may be linked: well-formed, on another
    server that Kindred can reach, and nobody's yet."""
    matrix_user_id = matrix_ids.parse(value)
    if matrix_ids.server_of(matrix_user_id) == ctx.links.server_name:
        raise KindredError("matrix_id_not_external", field="matrix_user_id")
    if not ctx.federates:
        raise KindredError("federation_off", field="matrix_user_id")
    async with ctx.db.read() as conn:
        link = await matrix_id_links.by_matrix_id(conn, matrix_user_id)
    if link is not None:
        raise KindredError("matrix_id_taken", field="matrix_user_id")
    return matrix_user_id


async def request_link(ctx: Kindred, user: User, value: str) -> LinkStatus:
    """Send a fresh code to ``value``; any earlier code stops working."""
    matrix_user_id = await claimable(ctx, value)
    async with ctx.db.read() as conn:
        earlier = await matrix_id_link_codes.for_user(conn, user.id)
    if earlier is not None:
        refuse_early_resend(earlier.created_at)
    await start(ctx, user, matrix_user_id)
    return await status(ctx, user)


async def start(ctx: Kindred, user: User, matrix_user_id: str) -> None:
    """Store a new code for the person and deliver it to ``matrix_user_id``.

    Stored first, so the code works the moment it arrives; if it cannot be
    delivered it is removed again and the reason raised.
    """
    code = new_code()
    code_hash = hash_code(code)
    async with ctx.db.transaction() as conn:
        await matrix_id_link_codes.put(conn, user.id, matrix_user_id, code_hash, TRIES, iso(utc_now() + CODE_LIFETIME))
    try:
        await _deliver(ctx, user, matrix_user_id, code, code_hash)
    except BaseException:
        async with ctx.db.transaction() as conn:
            await matrix_id_link_codes.delete(conn, user.id, code_hash)
        raise
    logger.info("sent a link code for %s to %s", user.username, matrix_user_id)


async def _deliver(ctx: Kindred, user: User, matrix_user_id: str, code: str, code_hash: str) -> None:
    if ctx.direct is None:
        raise KindredError("homeserver_unavailable")
    try:
        room_id = await ctx.direct.open_direct_room(matrix_user_id, "Kindred")
        async with ctx.db.transaction() as conn:
            await matrix_id_link_codes.set_room(conn, user.id, code_hash, room_id)
        await ctx.direct.send_text(room_id, _code_message(ctx, user, code))
    except MatrixIdUnreachable as exc:
        logger.info("link to %s: server unreachable: %s", matrix_user_id, exc)
        raise KindredError("matrix_server_unreachable", field="matrix_user_id") from exc
    except InviteRefused as exc:
        logger.info("link to %s: invite refused: %s", matrix_user_id, exc)
        raise KindredError("matrix_invite_refused", field="matrix_user_id") from exc
    except HomeserverDown as exc:
        raise KindredError("homeserver_unavailable") from exc


def _code_message(ctx: Kindred, user: User, code: str) -> str:
    # In the language of the account asking: the one who reads it, if all is well.
    context = {
        "site": ctx.links.web_url,
        "display_name": user.display_name,
        "username": user.username,
        "code": code,
        "minutes": int(CODE_LIFETIME.total_seconds() // 60),
    }
    return mail.render_message("matrix_link_code", context, written_language(user))


async def verify(ctx: Kindred, user: User, code: str) -> LinkStatus:
    """Prove the pending link with the code typed on Kindred."""
    async with ctx.db.transaction() as conn:
        pending = await matrix_id_link_codes.for_user(conn, user.id)
        refusal = await _settle(conn, pending, code)
    if refusal is not None:
        raise refusal
    return await status(ctx, user)


async def verify_in_room(ctx: Kindred, sender: str, room_id: str, code: str) -> User:
    """Prove a pending link with ``!verify <code>`` sent to the bot's direct room."""
    async with ctx.db.transaction() as conn:
        pending = await matrix_id_link_codes.by_room(conn, room_id)
        if pending is not None and pending.matrix_user_id != sender:
            pending = None
        user = await users.get(conn, pending.user_id) if pending is not None else None
        refusal = await _settle(conn, pending, code)
    if refusal is not None:
        raise refusal
    assert user is not None
    return user


async def _settle(conn: Connection, pending: LinkCode | None, code: str) -> KindredError | None:
    """Check a code inside the caller's transaction; a refusal is returned,
    not raised, so that a spent try is committed with it."""
    if pending is None:
        return KindredError("no_pending_link")

    owner = pending.user_id

    async def spend_try() -> int:
        return await matrix_id_link_codes.spend_try(conn, owner)

    refusal = await check(pending.code_hash, pending.expires_at, pending.tries_left, code, spend_try)
    if refusal is not None:
        return refusal
    holder = await matrix_id_links.by_matrix_id(conn, pending.matrix_user_id)
    if holder is not None and holder.user_id != pending.user_id:
        # Someone else proved this ID first. Asked before writing, not caught
        # after: a failed statement ends a PostgreSQL transaction, and writes
        # are serialized, so nobody can take the ID in between.
        return KindredError("matrix_id_taken", field="code")
    await matrix_id_links.put(conn, pending.user_id, pending.matrix_user_id, pending.room_id)
    await matrix_id_link_codes.delete(conn, pending.user_id)
    if pending.room_id is not None:
        # The room the code came through becomes the person's direct room
        # with the bot: they are in it already, as the ID now in use.
        await bot_direct_rooms.put(conn, pending.user_id, pending.room_id)
    logger.info("user %d linked %s", pending.user_id, pending.matrix_user_id)
    return None


async def unlink(ctx: Kindred, user: User) -> LinkStatus:
    """Drop the linked ID (and any pending one); the local account takes over."""
    async with ctx.db.transaction() as conn:
        current = await users.get(conn, user.id) or user
        link = await matrix_id_links.for_user(conn, user.id)
        if link is not None and current.matrix_user_id is None:
            raise KindredError("matrix_id_required")
        await matrix_id_links.delete(conn, user.id)
        await matrix_id_link_codes.delete(conn, user.id)
        if link is not None and link.room_id is not None:
            # That direct room holds the unlinked ID: the bot's next message
            # opens a new one with the local account.
            await bot_direct_rooms.delete_room(conn, link.room_id)
    return await status(ctx, user)

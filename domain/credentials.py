"""Passwords after signup: change, forgotten (reset by mail), and reset by
an operator. The Kindred password is also the person's Matrix password, so
each new one is set on the homeserver first and on Kindred only once the
homeserver took it; if Kindred then fails to record it, the homeserver is
given the old one back where Kindred still knows it (a change).

A new password ends every other session: the person's refresh tokens are
revoked, access tokens issued before are refused (the session epoch), open
reset links are spent, and the homeserver logs out all Matrix devices.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import timedelta

from config.i18n import N_
from domain import emails, mail, validation
from domain.context import Kindred
from domain.errors import KindredError
from domain.languages import written_language
from domain.passwords import hash_password, verify_password
from domain.ports import AccountRefused, HomeserverDown
from store import password_resets, refresh_tokens, users
from store.connection import Connection
from store.timeutil import iso, parse, utc_now
from store.users import User

logger = logging.getLogger(__name__)

RESET_LIFETIME = timedelta(minutes=30)
# One reset mail per person this often, so nobody floods a mailbox.
RESET_MAIL_AFTER = timedelta(seconds=60)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


async def change(ctx: Kindred, user: User, current: str, new: str) -> User:
    """Change a password knowing the current one; returns the person with
    their new session epoch (the caller issues this session a new pair)."""
    if not isinstance(current, str) or not await verify_password(user.password_hash, current):
        raise KindredError("password_wrong", field="current_password")
    secret = validation.password(new, user.username, field="new_password")
    password_hash = await hash_password(secret)
    await _set_on_homeserver(user, ctx, secret)
    try:
        async with ctx.db.transaction() as conn:
            await _record(conn, ctx, user, password_hash, "profile")
    except BaseException:
        if user.matrix_user_id is not None:
            # Kindred kept the old password: so must the homeserver.
            try:
                await ctx.accounts.set_password(user.matrix_user_id, current)
            except (HomeserverDown, AccountRefused) as exc:
                logger.error("password of %s differs on the homeserver now: %s", user.username, exc)
        raise
    mail.queued(ctx)
    return await _reread(ctx, user.id)


async def forgot(ctx: Kindred, username_or_email: str) -> None:
    """Mail a one-time reset link to the person's verified address. Says
    nothing about whether the account or address exists: the caller answers
    the same either way."""
    user = await emails.address_of(ctx, username_or_email)
    if user is None or not user.email_verified or user.email is None:
        return
    async with ctx.db.transaction() as conn:
        latest = await password_resets.latest_at(conn, user.id)
        if latest is not None and parse(latest) > utc_now() - RESET_MAIL_AFTER:
            return
        token = await _new_reset(conn, user.id)
        context = {
            "username": user.username,
            "display_name": user.display_name,
            "token": token,
            "link": reset_link(ctx, token),
            "minutes": int(RESET_LIFETIME.total_seconds() // 60),
        }
        await mail.queue(conn, ctx, mail.PASSWORD_RESET, user.email, context, written_language(user))
    mail.queued(ctx)


async def operator_reset_link(ctx: Kindred, username: str) -> str:
    """A one-time reset link for an operator to hand over (``kindred admin
    reset-password``), for people without a verified address."""
    async with ctx.db.transaction() as conn:
        user = await users.get_by_username(conn, username.strip().lower())
        if user is None or user.status != "active":
            raise KindredError("user_not_found", field="username")
        token = await _new_reset(conn, user.id)
    logger.info("an operator made a password reset link for %s", user.username)
    return reset_link(ctx, token)


def reset_link(ctx: Kindred, token: str) -> str:
    return f"{ctx.links.web_url.rstrip('/')}/reset?token={token}"


async def _new_reset(conn: Connection, user_id: int) -> str:
    token = secrets.token_urlsafe(32)
    await password_resets.insert(conn, user_id, _digest(token), iso(utc_now() + RESET_LIFETIME))
    return token


async def reset(ctx: Kindred, token: str, new: str) -> User:
    """Set a new password with a reset token (single use); every session ends."""
    async with ctx.db.transaction() as conn:
        row = await password_resets.get_by_hash(conn, _digest(token.strip())) if token else None
        user = await users.get(conn, row.user_id) if row is not None else None
        if (
            row is None
            or user is None
            or row.used_at is not None
            or parse(row.expires_at) <= utc_now()
            or user.status != "active"
        ):
            raise KindredError("reset_token_invalid", field="token")
        secret = validation.password(new, user.username, field="new_password")
        # Spent before the homeserver call: two resets racing cannot both pass.
        if not await password_resets.use(conn, row.id):
            raise KindredError("reset_token_invalid", field="token")
    password_hash = await hash_password(secret)
    try:
        await _set_on_homeserver(user, ctx, secret)
    except BaseException:
        async with ctx.db.transaction() as conn:
            await password_resets.unuse(conn, row.id)
        raise
    async with ctx.db.transaction() as conn:
        await _record(conn, ctx, user, password_hash, "reset_link")
    mail.queued(ctx)
    return await _reread(ctx, user.id)


async def _set_on_homeserver(user: User, ctx: Kindred, secret: str) -> None:
    if user.matrix_user_id is None:
        # A Matrix ID of another server: its password is not Kindred's.
        return
    try:
        await ctx.accounts.set_password(user.matrix_user_id, secret)
    except HomeserverDown as exc:
        logger.warning("password of %s not changed: homeserver down: %s", user.username, exc)
        raise KindredError("homeserver_unavailable") from exc
    except AccountRefused as exc:
        raise KindredError(
            "homeserver_refused",
            N_("The chat server refused the new password: %(reason)s"),
            "new_password",
            params={"reason": exc.reason},
        ) from exc


async def _record(conn: Connection, ctx: Kindred, user: User, password_hash: str, how: str) -> None:
    await users.set_password_hash(conn, user.id, password_hash)
    await users.end_sessions(conn, user.id)
    await refresh_tokens.revoke_user(conn, user.id)
    await password_resets.use_all(conn, user.id)
    if user.email_verified and user.email is not None:
        context = {"username": user.username, "display_name": user.display_name, "how": how}
        await mail.queue(conn, ctx, mail.PASSWORD_CHANGED, user.email, context, written_language(user))
    logger.info("password of %s changed (%s)", user.username, how)


async def _reread(ctx: Kindred, user_id: int) -> User:
    async with ctx.db.read() as conn:
        found = await users.get(conn, user_id)
    assert found is not None
    return found

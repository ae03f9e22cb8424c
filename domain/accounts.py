"""Signing up and logging in.

A Kindred account and its Matrix account are made together or not at all:
the username is reserved by a ``pending`` row, the homeserver account is
registered, and only then is the row activated. Any failure in between
deletes the reservation. Someone who brings a Matrix ID from another server
gets no local account: the bot's code must reach that ID instead.

With ``require_email`` the reservation is ``unverified`` instead, holding the
address, and nothing is registered until the mailed code comes back
(``verify_email``): the Matrix account is then made with the password,
kept sealed until then (the homeserver makes accounts from passwords only)
and erased once it is used.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from config.i18n import N_
from domain import emails, events, mail, matrix_id_links, matrix_ids, validation
from domain.context import Kindred
from domain.errors import KindredError
from domain.passwords import hash_password, open_password, seal_password, verify_password
from domain.ports import AccountRefused, AccountUnavailable, HomeserverDown
from store import email_codes, users
from store.errors import UniqueViolation
from store.timeutil import parse, utc_now
from store.users import User

logger = logging.getLogger(__name__)

# Longer than any signup takes (registration is one homeserver call).
PENDING_GRACE = timedelta(minutes=10)
# How long a name waits for its email code before anyone may take it.
UNVERIFIED_GRACE = timedelta(days=2)


async def signup(
    ctx: Kindred,
    username: str,
    password: str,
    display_name: str,
    matrix_user_id: str | None = None,
    email: str | None = None,
    browser_language: str | None = None,
) -> User:
    """Sign up; with ``matrix_user_id`` (an ID on another server) no local
    Matrix account is made and a link code is sent to that ID instead.
    ``browser_language`` is what the signup page was shown in: the first
    mail and the bot's first words use it.

    The person returned is ``active``, or ``unverified`` with
    ``require_email`` (a code is on its way; see ``verify_email``)."""
    name = validation.username(username)
    secret = validation.password(password, name)
    shown = validation.display_name(display_name)
    address = validation.email(email) if email else None
    if address is None and ctx.require_email:
        raise KindredError("email_required", field="email")
    if name in ctx.reserved_usernames:
        raise KindredError("username_taken", field="username")
    if address is not None:
        async with ctx.db.read() as conn:
            await emails.ensure_free(conn, address)
    external = await matrix_id_links.claimable(ctx, matrix_user_id) if matrix_user_id else None
    if ctx.require_email:
        assert address is not None
        return await _signup_unverified(ctx, name, secret, shown, address, external, browser_language)
    # The memory-hard hash and the homeserver's own registration are both
    # slow: run them side by side. The reservation holds no usable hash
    # (pending people cannot log in) until activation stores it.
    hashing = asyncio.ensure_future(hash_password(secret))
    try:
        user_id = await _reserve(ctx, name, "", shown, browser_language=browser_language)
    except BaseException:
        hashing.cancel()
        raise
    try:
        if external is None:
            matrix_user_id = await _register(ctx, name, secret, shown)
        else:
            matrix_user_id = None
            await _send_link_code(ctx, user_id, external)
        password_hash = await hashing
    except AccountUnavailable:
        await _abandon(ctx, user_id, hashing)
        raise KindredError("username_taken", field="username") from None
    except AccountRefused as exc:
        # Warned, not just noted: a refusal of every signup (a wrong shared
        # secret, say) is the operator's to fix.
        logger.warning("the homeserver refused the signup of %s: %s", name, exc.reason)
        await _abandon(ctx, user_id, hashing)
        raise _refusal(exc) from exc
    except HomeserverDown as exc:
        logger.warning("signup of %s failed: homeserver down: %s", name, exc)
        await _abandon(ctx, user_id, hashing)
        raise KindredError("homeserver_unavailable") from exc
    except BaseException:
        await _abandon(ctx, user_id, hashing)
        raise
    async with ctx.db.transaction() as conn:
        await users.activate(conn, user_id, matrix_user_id, password_hash)
        if address is not None:
            # Optional here: the code proves it for password resets later.
            await users.set_email(conn, user_id, address, None)
        user = await users.get(conn, user_id)
        assert user is not None
        if address is not None:
            await emails.send_code(conn, ctx, user, address, email_codes.VERIFY)
    logger.info("signed up %s as %s", name, matrix_user_id)
    mail.queued(ctx)
    ctx.events.publish(events.Event(events.USER_SIGNED_UP, (user.id,)))
    return user


async def _signup_unverified(
    ctx: Kindred, name: str, secret: str, shown: str, address: str, external: str | None, browser_language: str | None
) -> User:
    """Reserve the name as ``unverified`` with the address, and mail the code.
    The homeserver hears of the account only when the code comes back."""
    password_hash = await hash_password(secret)
    user_id = await _reserve(ctx, name, password_hash, shown, address, "unverified", browser_language)
    async with ctx.db.transaction() as conn:
        if external is None:
            await users.set_matrix_password_seal(conn, user_id, seal_password(ctx.signing_key, name, secret))
        user = await users.get(conn, user_id)
        assert user is not None
        await emails.send_code(conn, ctx, user, address, email_codes.VERIFY)
    mail.queued(ctx)
    if external is not None:
        try:
            await matrix_id_links.start(ctx, user, external)
        except BaseException:
            await _release(ctx, user_id)
            raise
    logger.info("signed up %s, waiting for the email code", name)
    return user


async def verify_email(ctx: Kindred, username: str, code: str) -> User:
    """Prove the address with its code; an ``unverified`` account is made now."""
    user = await emails.verify(ctx, username, code)
    if user.status == "unverified":
        await _make_verified(ctx, user)
    active = await active_user(ctx, user.id)
    if active is None:
        raise KindredError("no_pending_code", field="code")
    return active


async def _make_verified(ctx: Kindred, user: User) -> None:
    """Register the Matrix account of an account whose email was just proven
    (none for a Matrix ID of another server), then activate it. A failure
    leaves it ``unverified`` with its address proven: the person logs in
    (or verifies) again and this is tried again."""
    matrix_user_id: str | None = None
    if user.matrix_password_seal is not None:
        secret = open_password(ctx.signing_key, user.username, user.matrix_password_seal)
        try:
            matrix_user_id = await _register(ctx, user.username, secret, user.display_name)
        except AccountUnavailable:
            raise KindredError("username_taken", field="username") from None
        except AccountRefused as exc:
            logger.warning("the homeserver refused the account of %s: %s", user.username, exc.reason)
            raise _refusal(exc) from exc
        except HomeserverDown as exc:
            logger.warning("account of %s not made: homeserver down: %s", user.username, exc)
            raise KindredError("homeserver_unavailable") from exc
    async with ctx.db.transaction() as conn:
        await users.activate(conn, user.id, matrix_user_id)
        await users.set_matrix_password_seal(conn, user.id, None)
    logger.info("signed up %s as %s after the email code", user.username, matrix_user_id)
    ctx.events.publish(events.Event(events.USER_SIGNED_UP, (user.id,)))


async def _register(ctx: Kindred, name: str, secret: str, shown: str) -> str:
    """Register the Matrix account, or adopt the one an earlier signup left.

    A registration whose answer was lost (Kindred killed, a timeout) may
    still have made the account; the name would then stay "in use" on the
    homeserver with no Kindred person behind it. Kindred holds the name's
    reservation here, so such an account is the orphan of a signup of this
    name, and is taken over instead of answering ``username_taken``.
    """
    try:
        return await ctx.accounts.register(name, secret, shown)
    except AccountUnavailable:
        adopted = await ctx.accounts.adopt(name, secret, shown)
        if adopted is None:
            raise
        return adopted
    except HomeserverDown:
        try:
            adopted = await ctx.accounts.adopt(name, secret, shown)
        except HomeserverDown:
            adopted = None
        if adopted is None:
            raise
        return adopted


def _refusal(exc: AccountRefused) -> KindredError:
    if exc.retry_after_ms is not None:
        return KindredError("rate_limited", retry_after=max(1, -(-exc.retry_after_ms // 1000)))
    return KindredError(
        "homeserver_refused", N_("The chat server refused this signup: %(reason)s"), params={"reason": exc.reason}
    )


async def _send_link_code(ctx: Kindred, user_id: int, external: str) -> None:
    async with ctx.db.read() as conn:
        reserved = await users.get(conn, user_id)
    assert reserved is not None
    await matrix_id_links.start(ctx, reserved, external)


async def _reserve(
    ctx: Kindred,
    name: str,
    password_hash: str,
    shown: str,
    email: str | None = None,
    status: str = "pending",
    browser_language: str | None = None,
) -> int:
    try:
        async with ctx.db.transaction() as conn:
            existing = await users.get_by_username(conn, name)
            if existing is not None and _abandoned(existing):
                # A signup that died mid-way (process killed), or whose email
                # code never came back, left its reservation; after a while
                # the name is free again.
                await users.delete(conn, existing.id)
            elif existing is not None:
                raise KindredError("username_taken", field="username")
            return await users.insert_pending(conn, name, password_hash, shown, email, status, browser_language)
    except UniqueViolation:
        raise KindredError("username_taken", field="username") from None


def _abandoned(user: User) -> bool:
    if user.status == "pending":
        return parse(user.created_at) < utc_now() - PENDING_GRACE
    if user.status == "unverified":
        return parse(user.created_at) < utc_now() - UNVERIFIED_GRACE
    return False


async def _abandon(ctx: Kindred, user_id: int, hashing: asyncio.Future[str]) -> None:
    hashing.cancel()
    await _release(ctx, user_id)


async def _release(ctx: Kindred, user_id: int) -> None:
    async with ctx.db.transaction() as conn:
        await users.delete(conn, user_id)


async def authenticate(ctx: Kindred, username: str, password: str) -> User:
    """The same answer for an unknown name and a wrong password. Someone
    whose email code is still awaited is told so, once the password is right."""
    async with ctx.db.read() as conn:
        user = await users.get_by_username(conn, username.strip().lower())
    if user is not None and user.status not in ("active", "unverified"):
        user = None
    ok = await verify_password(user.password_hash if user else None, password)
    if not ok or user is None:
        raise KindredError("invalid_credentials")
    if user.status == "unverified":
        if user.email_verified_at is not None:
            # Proven, but the homeserver was down when it was: finish now.
            await _make_verified(ctx, user)
            active = await active_user(ctx, user.id)
            if active is not None:
                return active
        raise KindredError("email_unverified")
    return user


async def active_user(ctx: Kindred, user_id: int) -> User | None:
    # Every signed-in request asks this: a read by key, without a thread hop.
    async with ctx.db.lookup() as conn:
        user = await users.get(conn, user_id)
    return user if user is not None and user.status == "active" else None


async def by_matrix_id(ctx: Kindred, matrix_user_id: str) -> User | None:
    """The active person behind a Matrix ID, local or linked (the bot asks this per message)."""
    return await matrix_ids.owner(ctx, matrix_user_id)

"""Email addresses, proven by a six-digit code sent to them.

A person gives an address at signup (required with ``require_email``) or on
their profile. The address is private: its owner sees it, nobody else. It
counts as theirs once they enter the code mailed to it; only a verified
address can receive a password reset. Changing the address mails a code to
the new one, and the old address stays until that code is entered.

With ``require_email`` an account is ``unverified`` until the code is
entered: it cannot log in, and its Matrix account is made only then.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from domain import mail, people, validation
from domain.context import Kindred
from domain.errors import KindredError
from domain.languages import written_language
from domain.one_time_codes import CODE_LIFETIME, TRIES, check, hash_code, new_code, refuse_early_resend
from store import email_codes, users
from store.connection import Connection
from store.timeutil import iso, utc_now
from store.users import User

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class EmailStatus:
    """What the owner sees of their address (nobody else sees any of it)."""

    email: str | None
    verified: bool
    # A new address waiting for its code.
    pending: str | None


async def status(ctx: Kindred, user: User) -> EmailStatus:
    async with ctx.db.lookup() as conn:
        current = await users.get(conn, user.id) or user
        change = await email_codes.get(conn, user.id, email_codes.CHANGE)
    return EmailStatus(current.email, current.email_verified, change.email if change is not None else None)


async def send_code(conn: Connection, ctx: Kindred, user: User, address: str, purpose: str) -> None:
    """Store a new code for ``address`` and queue its mail, in the caller's
    transaction (call ``mail.queued`` after it commits)."""
    code = new_code()
    expires = iso(utc_now() + CODE_LIFETIME)
    await email_codes.replace(conn, user.id, purpose, address, hash_code(code), TRIES, expires)
    kind = mail.EMAIL_CHANGE if purpose == email_codes.CHANGE else mail.EMAIL_CODE
    context = {
        "code": code,
        "username": user.username,
        "display_name": user.display_name,
        "minutes": int(CODE_LIFETIME.total_seconds() // 60),
    }
    await mail.queue(conn, ctx, kind, address, context, written_language(user))


async def ensure_free(conn: Connection, address: str, user_id: int | None = None) -> None:
    """Refuse an address another account has proven."""
    holder = await users.get_by_verified_email(conn, address)
    if holder is not None and holder.id != user_id:
        raise KindredError("email_taken", field="email")


async def resend(ctx: Kindred, username: str) -> None:
    """A new code for the address a person is proving (signup or change)."""
    async with ctx.db.transaction() as conn:
        user = await users.get_by_username(conn, username.strip().lower())
        if user is None or user.status in ("pending", "suspended", "deleted"):
            raise KindredError("no_pending_code", field="username")
        pending = await _waiting(conn, user)
        if pending is None:
            raise KindredError("no_pending_code", field="username")
        purpose, address, sent_at = pending
        if sent_at is not None:
            refuse_early_resend(sent_at)
        await send_code(conn, ctx, user, address, purpose)
    mail.queued(ctx)


async def _waiting(conn: Connection, user: User) -> tuple[str, str, str | None] | None:
    """(purpose, address, when the last code was made) of what the person is proving."""
    change = await email_codes.get(conn, user.id, email_codes.CHANGE)
    if change is not None:
        return email_codes.CHANGE, change.email, change.created_at
    if user.email is None or user.email_verified_at is not None:
        return None
    earlier = await email_codes.get(conn, user.id, email_codes.VERIFY)
    return email_codes.VERIFY, user.email, earlier.created_at if earlier else None


async def verify(ctx: Kindred, username: str, code: str) -> User:
    """Prove the signup address with its code; returns the person as they
    were (domain/accounts.py makes an ``unverified`` account after this)."""
    async with ctx.db.transaction() as conn:
        user = await users.get_by_username(conn, username.strip().lower())
        if user is None or user.status in ("pending", "suspended", "deleted"):
            refusal: KindredError | None = KindredError("no_pending_code", field="code")
        else:
            refusal = await _settle(conn, user, email_codes.VERIFY, code)
    if refusal is not None:
        raise refusal
    assert user is not None
    return user


async def request_change(ctx: Kindred, user: User, value: str) -> None:
    """Mail a code to a new address; the current one stays until it is entered."""
    address = validation.email(value)
    async with ctx.db.transaction() as conn:
        await ensure_free(conn, address, user.id)
        if user.email == address and user.email_verified_at is not None:
            return
        earlier = await email_codes.get(conn, user.id, email_codes.CHANGE)
        if earlier is not None and earlier.email == address:
            refuse_early_resend(earlier.created_at)
        await send_code(conn, ctx, user, address, email_codes.CHANGE)
    mail.queued(ctx)


async def confirm_change(ctx: Kindred, user: User, code: str) -> User:
    async with ctx.db.transaction() as conn:
        refusal = await _settle(conn, user, email_codes.CHANGE, code)
    if refusal is not None:
        raise refusal
    async with ctx.db.read() as conn:
        done = await users.get(conn, user.id)
    assert done is not None
    return done


async def _settle(conn: Connection, user: User, purpose: str, code: str) -> KindredError | None:
    """Check a code in the caller's transaction and, if right, record the
    address as proven. A refusal is returned so its spent try commits."""
    pending = await email_codes.get(conn, user.id, purpose)
    if pending is None:
        return KindredError("no_pending_code", field="code")
    pending_id = pending.id

    async def spend_try() -> int:
        return await email_codes.spend_try(conn, pending_id)

    refusal = await check(pending.code_hash, pending.expires_at, pending.tries_left, code, spend_try)
    if refusal is not None:
        return refusal
    holder = await users.get_by_verified_email(conn, pending.email)
    if holder is not None and holder.id != user.id:
        # Proven by someone else first: asked before writing (a failed
        # statement would end a PostgreSQL transaction).
        return KindredError("email_taken", field="code")
    await users.set_email(conn, user.id, pending.email, iso(utc_now()))
    await email_codes.delete(conn, pending.id)
    logger.info("user %d verified their email address", user.id)
    return None


async def address_of(ctx: Kindred, username_or_email: str) -> User | None:
    """The active person with this username or verified address (password reset)."""
    value = username_or_email.strip().lower()
    async with ctx.db.read() as conn:
        if "@" in value:
            found = await users.get_by_verified_email(conn, value)
            return found if found is not None and found.status == "active" else None
        return await people.by_username(conn, value, active=True)

"""Refresh tokens: opaque, stored hashed, rotated on every use.

A token belongs to a family (one login). Presenting a token that was already
used means it leaked: the whole family is revoked, logging out both the
thief and the owner, who simply logs in again.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import timedelta

from domain.context import Kindred
from domain.errors import KindredError
from store import refresh_tokens
from store.timeutil import iso, parse, utc_now


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


async def start(ctx: Kindred, user_id: int, lifetime: timedelta) -> str:
    token = secrets.token_urlsafe(32)
    async with ctx.db.transaction() as conn:
        await refresh_tokens.insert(
            conn, user_id, _digest(token), uuid.uuid4().hex, iso(utc_now() + lifetime)
        )
    return token


async def rotate(ctx: Kindred, token: str, lifetime: timedelta) -> tuple[int, str]:
    """Trade a refresh token for a new one; returns (user id, new token)."""
    if not token:
        raise KindredError("refresh_token_invalid")
    fresh = secrets.token_urlsafe(32)
    async with ctx.db.transaction() as conn:
        row = await refresh_tokens.get_by_hash(conn, _digest(token))
        if row is None or row.revoked_at is not None or parse(row.expires_at) <= utc_now():
            raise KindredError("refresh_token_invalid")
        if not await refresh_tokens.mark_used(conn, row.id):
            await refresh_tokens.revoke_family(conn, row.family)
            replayed = True
        else:
            replayed = False
            await refresh_tokens.insert(
                conn, row.user_id, _digest(fresh), row.family, iso(utc_now() + lifetime)
            )
    if replayed:
        raise KindredError("refresh_token_invalid")
    return row.user_id, fresh


async def end(ctx: Kindred, token: str | None) -> None:
    """Log out: revoke the token's family. Unknown tokens are ignored."""
    if not token:
        return
    async with ctx.db.transaction() as conn:
        row = await refresh_tokens.get_by_hash(conn, _digest(token))
        if row is not None:
            await refresh_tokens.revoke_family(conn, row.family)

"""Refresh tokens: opaque, stored hashed, rotated on every use.

A token belongs to a family (one login). Presenting a token that was already
used means it leaked: the whole family is revoked, logging out both the
thief and the owner, who simply logs in again.

Except just after it was spent: two tabs, or a page refetching while another
request refreshes, send the same token at once, and the later one must not
log the person out. For ``REUSE_GRACE`` after a token is spent, presenting
it again hands back the successor it was traded for. The successor is kept
only sealed with the spent token (XOR with a hash of it), so the table
holds no usable token; only whoever presents the spent token can open it.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import uuid
from datetime import timedelta

from domain.context import Kindred
from domain.errors import KindredError
from store import refresh_tokens, users
from store.connection import Connection
from store.refresh_tokens import RefreshToken
from store.timeutil import iso, parse, utc_now

REUSE_GRACE = timedelta(seconds=30)
_TOKEN_BYTES = 32


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _new_token() -> tuple[str, bytes]:
    """A token as ``secrets.token_urlsafe(32)`` makes it, with its raw bytes."""
    raw = secrets.token_bytes(_TOKEN_BYTES)
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii"), raw


def _pad(spent: str) -> bytes:
    return hashlib.sha256(b"kindred refresh successor\x00" + spent.encode("utf-8")).digest()


def _seal(spent: str, successor_raw: bytes) -> str:
    return bytes(a ^ b for a, b in zip(successor_raw, _pad(spent), strict=False)).hex()


def _unseal(spent: str, seal: str) -> str:
    raw = bytes(a ^ b for a, b in zip(bytes.fromhex(seal), _pad(spent), strict=False))
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


async def start(ctx: Kindred, user_id: int, lifetime: timedelta) -> str:
    token, _ = _new_token()
    async with ctx.db.transaction() as conn:
        await refresh_tokens.insert(conn, user_id, _digest(token), uuid.uuid4().hex, iso(utc_now() + lifetime))
    return token


async def rotate(ctx: Kindred, token: str, lifetime: timedelta) -> tuple[int, str]:
    """Trade a refresh token for a new one; returns (user id, new token)."""
    if not token:
        raise KindredError("refresh_token_invalid")
    async with ctx.db.transaction() as conn:
        row = await refresh_tokens.get_by_hash(conn, _digest(token))
        if row is None or row.revoked_at is not None or parse(row.expires_at) <= utc_now():
            raise KindredError("refresh_token_invalid")
        if not await _owner_active(conn, row.user_id):
            # Suspended (or gone): their sessions end, even a login racing the suspension.
            raise KindredError("refresh_token_invalid")
        if row.used_at is None:
            fresh, raw = _new_token()
            await refresh_tokens.mark_used(conn, row.id, _seal(token, raw))
            await refresh_tokens.insert(conn, row.user_id, _digest(fresh), row.family, iso(utc_now() + lifetime))
            return row.user_id, fresh
        successor = _successor_in_grace(row, token)
        if successor is None:
            await refresh_tokens.revoke_family(conn, row.family)
    # Raised after the commit, so the revocation stands.
    if successor is None:
        raise KindredError("refresh_token_invalid")
    return row.user_id, successor


def _successor_in_grace(row: RefreshToken, token: str) -> str | None:
    """The token ``row`` was traded for, if it was spent moments ago."""
    if row.used_at is None or row.successor_seal is None:
        return None
    if utc_now() - parse(row.used_at) > REUSE_GRACE:
        return None
    return _unseal(token, row.successor_seal)


async def _owner_active(conn: Connection, user_id: int) -> bool:
    owner = await users.get(conn, user_id)
    return owner is not None and owner.status == "active"


async def end(ctx: Kindred, token: str | None) -> None:
    """Log out: revoke the token's family. Unknown tokens are ignored."""
    if not token:
        return
    async with ctx.db.transaction() as conn:
        row = await refresh_tokens.get_by_hash(conn, _digest(token))
        if row is not None:
            await refresh_tokens.revoke_family(conn, row.family)

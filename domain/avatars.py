"""Profile pictures: which images are accepted, who may see them, and the
copy on the person's Matrix account."""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime, timedelta

from config.i18n import N_
from domain import people
from domain.context import Kindred
from domain.errors import KindredError
from domain.ports import HomeserverDown
from store import avatar_uploads, avatars, blocks, users
from store.avatars import Avatar
from store.connection import Connection
from store.timeutil import iso, parse, utc_now
from store.users import User

logger = logging.getLogger(__name__)

MAX_BYTES = 2 * 1024 * 1024
# Browsers and clients still send this old name for JPEG.
_ALIASES = {"image/jpg": "image/jpeg", "image/pjpeg": "image/jpeg"}
_HOUR = timedelta(hours=1)
_EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/webp": "webp"}


def sniff(data: bytes) -> str | None:
    """The image type the bytes themselves announce, or None.

    The declared type is never trusted alone: a "PNG" that is really HTML
    would otherwise be served back to other people's browsers.
    """
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def check(data: bytes, declared: str | None = None) -> str:
    """The picture's content type, once it passes every rule; else a KindredError."""
    if not data:
        raise KindredError("avatar_required", field="avatar")
    if len(data) > MAX_BYTES:
        raise KindredError("body_too_large", N_("A picture is at most 2 MiB."), "avatar")
    found = sniff(data)
    # A client that does not know the type says so; one that names a type must be right.
    named = _normal_type(declared) if declared else "application/octet-stream"
    wanted = found if named == "application/octet-stream" else named
    if found is None or wanted != found:
        raise KindredError("avatar_type_invalid", field="avatar")
    return found


def _normal_type(value: str) -> str:
    base = value.split(";", 1)[0].strip().lower()
    return _ALIASES.get(base, base)


async def set_avatar(ctx: Kindred, user: User, data: bytes, declared: str | None = None) -> str:
    """Keep the picture and show it in Matrix too; returns its digest."""
    content_type = check(data, declared)
    digest = hashlib.sha256(data).hexdigest()
    now = utc_now()
    async with ctx.db.transaction() as conn:
        current = await users.get(conn, user.id)
        if current is None or current.status != "active":
            raise KindredError("user_not_found")
        await _within_hourly_limit(conn, user.id, ctx.avatar_uploads_per_hour, now)
        await avatars.put(conn, user.id, content_type, data, digest)
        await avatar_uploads.add(conn, user.id, iso(now))
    if current.matrix_user_id:
        await _mirror(ctx, current.matrix_user_id, content_type, data)
    return digest


async def _within_hourly_limit(conn: Connection, user_id: int, per_hour: int, now: datetime) -> None:
    """Each upload is a new file on the homeserver: a person may make
    ``per_hour`` of them in any hour."""
    start = now - _HOUR
    await avatar_uploads.prune(conn, user_id, iso(start))
    recent = await avatar_uploads.since(conn, user_id, iso(start))
    if len(recent) >= per_hour:
        # Free again when the oldest upload in the window turns an hour old.
        wait = parse(recent[len(recent) - per_hour]) + _HOUR - now
        raise KindredError(
            "rate_limited",
            N_("You can upload %(count)s pictures an hour; try again later."),
            "avatar",
            retry_after=max(1, int(wait.total_seconds()) + 1),
            params={"count": per_hour},
        )


async def remove_avatar(ctx: Kindred, user: User) -> None:
    """Take the picture away, here and on the Matrix account."""
    async with ctx.db.transaction() as conn:
        current = await users.get(conn, user.id)
        if current is None or current.status != "active":
            raise KindredError("user_not_found")
        if not await avatars.delete(conn, user.id):
            raise KindredError("avatar_not_found")
    if current.matrix_user_id:
        try:
            await ctx.accounts.clear_avatar(current.matrix_user_id)
        except HomeserverDown as exc:
            # As with uploads, Kindred's side stands; Matrix keeps the old
            # picture until the next change reaches it.
            logger.warning("could not clear the Matrix avatar of %s: %s", current.matrix_user_id, exc)


async def _mirror(ctx: Kindred, matrix_user_id: str, content_type: str, data: bytes) -> None:
    """Kindred's copy is the truth: with the homeserver down the picture still
    stands here, and Matrix catches up on the next upload."""
    filename = f"avatar.{_EXTENSIONS[content_type]}"
    try:
        await ctx.accounts.set_avatar(matrix_user_id, content_type, data, filename)
    except HomeserverDown as exc:
        logger.warning("could not update the Matrix avatar of %s: %s", matrix_user_id, exc)


async def avatar_of(ctx: Kindred, username: str, viewer: User) -> Avatar:
    """Someone's picture, seen by ``viewer``; as hidden as their profile is."""
    async with ctx.db.read() as conn:
        owner = await people.by_username(conn, username, active=True)
        if owner is None:
            raise KindredError("avatar_not_found")
        if owner.id != viewer.id and await blocks.between(conn, viewer.id, owner.id) is not None:
            raise KindredError("avatar_not_found")
        found = await avatars.get(conn, owner.id)
    if found is None:
        raise KindredError("avatar_not_found")
    return found


async def versions(ctx: Kindred, usernames: list[str]) -> dict[str, str]:
    """username -> a short version tag, for the people of a page who have a picture."""
    async with ctx.db.lookup() as conn:
        found = await avatars.digests_by_username(conn, sorted(set(usernames)))
    return {name: digest[:12] for name, digest in found.items()}

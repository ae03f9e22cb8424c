"""What people say about themselves, and what others may see of it."""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from typing import Callable

from config.i18n import N_
from domain import matrix_ids, people, validation
from domain.context import Kindred
from domain.errors import KindredError
from domain.ports import HomeserverDown
from store import blocks, interests, matrix_id_links, users
from store.users import User

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Profile:
    username: str
    display_name: str
    bio: str
    interests: list[str]
    matrix_user_id: str | None


@dataclass(frozen=True)
class ProfileChanges:
    """What a person changes about themselves; None leaves that part as it is."""

    display_name: str | None = None
    bio: str | None = None
    interests: list[str] | None = None


def _profile(user: User, names: list[str]) -> Profile:
    return Profile(user.username, user.display_name, user.bio, names, user.matrix_user_id)


async def own_profile(ctx: Kindred, user: User) -> Profile:
    async with ctx.db.lookup() as conn:
        held = await interests.for_user(conn, user.id)
        link = await matrix_id_links.for_user(conn, user.id)
    # People see the Matrix ID Kindred uses for them: a linked one wins.
    return dataclasses.replace(_profile(user, [h.name for h in held]), matrix_user_id=matrix_ids.effective(user, link))


async def public_profile(ctx: Kindred, username: str, viewer: User | None = None) -> Profile:
    async with ctx.db.read() as conn:
        user = await people.named(conn, username, active=True)
        # A blocked pair cannot find each other, not even by name.
        if viewer is not None and await blocks.between(conn, viewer.id, user.id) is not None:
            raise KindredError("user_not_found")
        held = await interests.for_user(conn, user.id)
    return _profile(user, [h.name for h in held])


async def update_profile(ctx: Kindred, user: User, changes: ProfileChanges) -> Profile:
    """Apply any of display_name, bio, interests; all are checked before any is written."""
    shown = validation.display_name(changes.display_name) if changes.display_name is not None else None
    about = validation.bio(changes.bio) if changes.bio is not None else None
    wanted = validation.interests(changes.interests) if changes.interests is not None else None
    async with ctx.db.transaction() as conn:
        current = await users.get(conn, user.id)
        if current is None:
            raise KindredError("user_not_found")
        await users.update_profile(
            conn,
            user.id,
            shown if shown is not None else current.display_name,
            about if about is not None else current.bio,
        )
        if wanted is not None:
            await interests.replace_for_user(conn, user.id, wanted)
        updated = await users.get(conn, user.id)
    assert updated is not None
    if shown is not None and shown != current.display_name and updated.matrix_user_id:
        await _mirror_display_name(ctx, updated.matrix_user_id, shown)
    return await own_profile(ctx, updated)


async def _mirror_display_name(ctx: Kindred, matrix_user_id: str, display_name: str) -> None:
    """Show the new name in Matrix too. Kindred's copy is the truth: if the
    homeserver is down the change stands and Matrix catches up on the next edit."""
    try:
        await ctx.accounts.set_display_name(matrix_user_id, display_name)
    except HomeserverDown as exc:
        logger.warning("could not update the Matrix display name of %s: %s", matrix_user_id, exc)


async def search_people(ctx: Kindred, viewer: User, query: object, limit: int = 20) -> list[Profile]:
    if not isinstance(query, str):
        raise KindredError("invalid_parameter", N_("'q' must be text."), "q")
    text = query.strip()
    if not text:
        return []
    if len(text) > 64 or validation.has_control_characters(text):
        raise KindredError("invalid_parameter", N_("'q' must be 1 to 64 characters."), "q")
    async with ctx.db.read() as conn:
        hidden = await blocks.others_of(conn, viewer.id)
        # Asking for as many more as are hidden keeps a full page when it can.
        candidates = await users.search(conn, text, viewer.id, limit + len(hidden))
        found = [u for u in candidates if u.id not in hidden][:limit]
        names = await interests.names_for_users(conn, [u.id for u in found])
    return [_profile(u, names[u.id]) for u in found]


async def add_interests(ctx: Kindred, user: User, names: object) -> Profile:
    """Add to the person's interests (``names``: a list or "a, b")."""
    wanted = validation.interests(names)
    return await _change_interests(ctx, user, lambda held: held + [n for n in wanted if n not in held])


async def remove_interests(ctx: Kindred, user: User, names: object) -> Profile:
    unwanted = validation.interests(names)

    def without(held: list[str]) -> list[str]:
        missing = [n for n in unwanted if n not in held]
        if missing:
            raise KindredError(
                "interest_not_listed",
                N_("You do not list: %(names)s."),
                "interests",
                params={"names": ", ".join(missing)},
            )
        return [n for n in held if n not in unwanted]

    return await _change_interests(ctx, user, without)


async def _change_interests(ctx: Kindred, user: User, change: Callable[[list[str]], list[str]]) -> Profile:
    # Read and write in one transaction, so two quick edits cannot lose one.
    async with ctx.db.transaction() as conn:
        held = [h.name for h in await interests.for_user(conn, user.id)]
        # The same limits as a whole-profile edit: 1 to 30 interests.
        await interests.replace_for_user(conn, user.id, validation.interests(change(held)))
        current = await users.get(conn, user.id)
        names = [h.name for h in await interests.for_user(conn, user.id)]
    assert current is not None
    return _profile(current, names)

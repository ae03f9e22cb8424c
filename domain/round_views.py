"""What a person sees of rounds: their latest round and whom it introduced."""

from __future__ import annotations

from dataclasses import dataclass

from domain.context import Kindred
from domain.matches import shared_by_some
from domain.rounds import unpaired_sentence
from store import interests, matches, round_entrants, round_groups, rounds, users
from store.users import User


@dataclass(frozen=True)
class CurrentRound:
    round_id: int
    # When the round ran (ISO-8601, UTC).
    ran_at: str
    # The others in their group; empty when they were left unpaired.
    others: list[User]
    shared_interests: list[str]
    match_id: int | None
    match_status: str | None
    room_url: str | None
    # Why they were left out, in a sentence (None when they were introduced):
    # the English text, marked for translation; the caller translates it.
    unpaired: str | None


async def current(ctx: Kindred, user: User) -> CurrentRound | None:
    """The newest round the person was in, and what became of them; None if never."""
    async with ctx.db.read() as conn:
        entry = await round_entrants.latest_for_user(conn, user.id)
        if entry is None:
            return None
        round_ = await rounds.get(conn, entry.round_id)
        assert round_ is not None
        ran_at = round_.planned_at or round_.claimed_at
        if entry.group_id is None:
            reason = unpaired_sentence(entry.unpaired_reason or "")
            return CurrentRound(round_.id, ran_at, [], [], None, None, None, reason)
        group = await round_groups.get(conn, entry.group_id)
        members = await round_entrants.members(conn, entry.group_id)
        found = await users.get_many(conn, members)
        names = await interests.names_for_users(conn, members)
        match = await matches.get(conn, group.match_id) if group and group.match_id else None
    others = [found[m] for m in members if m != user.id and m in found]
    return CurrentRound(
        round_.id,
        ran_at,
        others,
        shared_by_some([names[m] for m in members]),
        match.id if match else None,
        match.status if match else None,
        ctx.links.room_url(match.room_id) if match else None,
        None,
    )

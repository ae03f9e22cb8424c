"""Your data: everything Kindred holds about you, in one piece.

The export is the person's own: their profile with the private parts (email
address), their interests and picture, the requests they sent and received
(notes both ways: a note sent to you is yours to keep), their matches and
rooms, the blocks and reports they made (never the reports about them),
their rounds settings and answers to the check-ins after rounds, and their
Matrix IDs. Of other
people it names only the username, which anyone signed in can see: no one
else's profile, address or Matrix ID.
"""

from __future__ import annotations

from dataclasses import dataclass

from domain import matrix_ids
from domain.context import Kindred
from store import (
    avatars,
    blocks,
    checkins,
    interests,
    matches,
    matrix_id_links,
    reports,
    requests,
    round_settings,
    users,
)
from store.avatars import Avatar
from store.checkins import Checkin
from store.matches import Match
from store.matrix_id_links import MatrixLink
from store.reports import Report
from store.requests import Request
from store.round_settings import RoundSettings
from store.timeutil import iso, utc_now
from store.users import User


@dataclass(frozen=True)
class AccountExport:
    user: User
    # The Matrix ID Kindred uses for the person (a linked one wins), as GET /me shows it.
    matrix_user_id: str | None
    link: MatrixLink | None
    interests: list[str]
    avatar: Avatar | None
    sent: list[Request]
    received: list[Request]
    matches: list[Match]
    # (the other person's id, since when), for each block the person made.
    blocks: list[tuple[int, str]]
    reports: list[Report]
    # Asked after a round's introduction, and what they answered.
    checkins: list[Checkin]
    # Opted in to rounds or not, how often, paused: None if never touched.
    rounds: RoundSettings | None
    # user id -> username, for everyone the rest names.
    usernames: dict[int, str]
    exported_at: str

    def other_username(self, match: Match) -> str:
        return self.usernames.get(match.other(self.user.id), "")

    def also_usernames(self, match: Match) -> list[str]:
        """The third person of a round's trio, beside ``other_username``."""
        named = (self.user.id, match.other(self.user.id))
        return [self.usernames.get(member, "") for member in match.members if member not in named]


async def export(ctx: Kindred, user: User) -> AccountExport:
    """Everything Kindred holds about ``user``."""
    async with ctx.db.read() as conn:
        current = await users.get(conn, user.id) or user
        link = await matrix_id_links.for_user(conn, user.id)
        held = await interests.for_user(conn, user.id)
        picture = await avatars.get(conn, user.id)
        all_requests = await requests.involving(conn, user.id)
        own_matches = await matches.involving(conn, user.id)
        made_blocks = await blocks.by_blocker(conn, user.id)
        made_reports = await reports.by_reporter(conn, user.id)
        answers = await checkins.all_of_user(conn, user.id)
        rounds = await round_settings.get(conn, user.id)
        others = {member for m in own_matches for member in m.members if member != user.id}
        others |= {other for other, _ in made_blocks} | {r.reported_id for r in made_reports}
        named = await users.get_many(conn, sorted(others))
    return AccountExport(
        user=current,
        matrix_user_id=matrix_ids.effective(current, link),
        link=link,
        interests=[h.name for h in held],
        avatar=picture,
        sent=[r for r in all_requests if r.from_user_id == user.id],
        received=[r for r in all_requests if r.to_user_id == user.id],
        matches=own_matches,
        blocks=made_blocks,
        reports=made_reports,
        checkins=answers,
        rounds=rounds,
        usernames={user_id: person.username for user_id, person in named.items()},
        exported_at=iso(utc_now()),
    )

"""The rules of circles, on the store alone (no homeserver): names, limits,
the cap under parallel joins, who may moderate whom, the last owner, bans,
suspensions, what the homeserver reports, activity heard by the bot's sync,
and consent in circle rooms."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import AsyncIterator

import pytest

from bridge.sync_reader import Batch, Message
from domain import circle_consent, circle_jobs, circles, consent, moderation
from domain.context import Kindred, Links
from domain.errors import KindredError
from domain.events import EventBus
from matcher import circle_sync
from store import blocks, interests, users
from store import circle_jobs as circle_job_rows
from store import circles as circle_rows
from store.database import Database
from store.timeutil import iso, parse, utc_now
from store.users import User
from tests import databases
from tests.conftest import FakeAccounts
from tests.helpers import unique


@pytest.fixture
async def ctx(tmp_path: Path) -> AsyncIterator[Kindred]:
    db = Database(tmp_path / "kindred.db", databases.database_url_for(tmp_path))
    await db.open()
    yield Kindred(db, FakeAccounts(), EventBus(), Links("localhost", "http://hs", "http://web"))
    await db.close()


async def person(ctx: Kindred, *held: str, admin: bool = False) -> User:
    async with ctx.db.transaction() as conn:
        username = unique("p")
        user_id = await users.insert_pending(conn, username, "x", username.title())
        await users.activate(conn, user_id, f"@{username}:localhost")
        await interests.replace_for_user(conn, user_id, list(held) or ["esperanto"])
        if admin:
            await users.set_admin(conn, user_id, True)
        found = await users.get(conn, user_id)
    assert found is not None
    return found


async def refused(code: str, call: object) -> None:
    with pytest.raises(KindredError) as caught:
        await call  # type: ignore[misc]
    assert caught.value.code == code


async def test_names_descriptions_and_caps_are_checked_and_names_are_unique_per_interest(ctx: Kindred) -> None:
    ada = await person(ctx, "esperanto", "chess")
    await refused("circle_name_invalid", circles.create_circle(ctx, ada, "  ab ", "esperanto"))
    await refused("circle_name_invalid", circles.create_circle(ctx, ada, "x" * 61, "esperanto"))
    await refused("circle_description_too_long", circles.create_circle(ctx, ada, "Readers", "esperanto", "d" * 501))
    for cap in (1, 10_001, True):
        await refused("circle_cap_invalid", circles.create_circle(ctx, ada, "Readers", "esperanto", "", cap))
    await refused("circle_interest_not_held", circles.create_circle(ctx, ada, "Readers", "knitting"))

    made = await circles.create_circle(ctx, ada, "  Café   Readers ", "Esperanto", "Legu kun ni", 2)
    assert (made.circle.name, made.circle.slug, made.my_role, made.member_count) == (
        "Café Readers",
        "cafe-readers",
        "owner",
        1,
    )
    # The same name (any case) for the same interest is taken; for another it is fine.
    await refused("circle_name_taken", circles.create_circle(ctx, ada, "CAFÉ READERS", "esperanto"))
    other = await circles.create_circle(ctx, ada, "Café Readers", "chess")
    assert other.circle.slug == "cafe-readers-2"
    async with ctx.db.read() as conn:
        jobs = await circle_job_rows.queued_for(conn, made.circle.id)
    assert [job.kind for job in jobs] == [circle_jobs.CREATE_ROOM, circle_jobs.JOIN, circle_jobs.ROLES]


async def test_the_cap_holds_under_thirty_parallel_joins(ctx: Kindred) -> None:
    owner = await person(ctx)
    made = await circles.create_circle(ctx, owner, "Esperanto Tables", "esperanto", "", 10)
    crowd = [await person(ctx) for _ in range(30)]
    outcomes = await asyncio.gather(
        *(circles.join(ctx, someone, made.circle.slug) for someone in crowd), return_exceptions=True
    )
    errors = [o.code for o in outcomes if isinstance(o, KindredError)]
    assert len(errors) == 21 and set(errors) == {"circle_full"}, outcomes
    assert (await circles.get_circle(ctx, owner, made.circle.slug)).view.member_count == 10
    assert len(await circles.members(ctx, owner, made.circle.slug)) == 10


async def test_roles_decide_who_moderates_whom_and_the_last_owner_stays(ctx: Kindred) -> None:
    ada, bo, cy, di = [await person(ctx) for _ in range(4)]
    slug = (await circles.create_circle(ctx, ada, "Esperanto", "esperanto")).circle.slug
    for someone in (bo, cy, di):
        await circles.join(ctx, someone, slug)
    await refused("circle_not_moderator", circles.moderate(ctx, bo, slug, cy.username, "remove"))
    await refused("circle_not_moderator", circles.moderate(ctx, bo, slug, cy.username, "promote"))
    promoted = await circles.moderate(ctx, ada, slug, bo.username, "promote")
    assert promoted is not None and promoted.role == "moderator"
    # A moderator removes members, never an owner or another moderator.
    await refused("circle_outranked", circles.moderate(ctx, bo, slug, ada.username, "ban"))
    await refused("circle_cannot_moderate_self", circles.moderate(ctx, bo, slug, bo.username, "remove"))
    removed = await circles.moderate(ctx, bo, slug, f"@{cy.username}:localhost", "remove", "off topic")
    assert removed is not None and (removed.state, removed.reason) == ("removed", "off topic")
    await circles.join(ctx, cy, slug)  # removed is not banned
    await circles.moderate(ctx, bo, slug, cy.username, "ban")
    await refused("circle_banned", circles.join(ctx, cy, slug))
    await circles.moderate(ctx, bo, slug, cy.username, "unban")
    assert (await circles.join(ctx, cy, slug)).my_state == "joining"

    await refused("circle_last_owner", circles.leave(ctx, ada, slug))
    await refused("circle_not_owner", circles.moderate(ctx, bo, slug, di.username, "promote"))
    await circles.moderate(ctx, ada, slug, bo.username, "promote")  # a second owner
    assert (await circles.leave(ctx, ada, slug)).my_role is None
    await refused("circle_not_member", circles.leave(ctx, ada, slug))
    await refused("circle_cap_too_low", circles.update(ctx, bo, slug, member_cap=2))
    changed = await circles.update(ctx, bo, slug, name="Esperanto Friends", description="Saluton", member_cap=50)
    assert (changed.circle.name, changed.circle.member_cap, changed.circle.slug) == ("Esperanto Friends", 50, slug)
    closed = await circles.close(ctx, bo, slug)
    assert closed.circle.status == "closed"
    await refused("circle_closed", circles.join(ctx, ada, slug))
    assert slug not in [v.circle.slug for v in await circles.list_circles(ctx, di)]


async def test_suspended_people_leave_every_circle(ctx: Kindred) -> None:
    admin, ada, bo = await person(ctx, admin=True), await person(ctx), await person(ctx)
    slugs = [(await circles.create_circle(ctx, ada, f"Esperanto {n}", "esperanto")).circle.slug for n in range(2)]
    for slug in slugs:
        await circles.join(ctx, bo, slug)
    await moderation.suspend(ctx, admin.username, bo.username, "spam")
    for slug in slugs:
        assert (await circles.get_circle(ctx, bo, slug)).view.member_count == 1
        assert [m.username for m in await circles.members(ctx, ada, slug)] == [ada.username]
    # A circle whose last owner goes is handed to who has been in it longest.
    cy = await person(ctx)
    await circles.join(ctx, cy, slugs[0])
    await moderation.suspend(ctx, admin.username, ada.username)
    assert [(m.username, m.role) for m in await circles.members(ctx, cy, slugs[0])] == [(cy.username, "owner")]
    assert (await circles.get_circle(ctx, cy, slugs[0])).view.owner == cy.username


async def test_what_the_homeserver_reports_is_reflected(ctx: Kindred) -> None:
    ada, bo, cy, di = [await person(ctx) for _ in range(4)]
    made = await circles.create_circle(ctx, ada, "Esperanto", "esperanto", "", 3)
    slug, room = made.circle.slug, "!circle:localhost"
    async with ctx.db.transaction() as conn:
        await circle_rows.set_room(conn, made.circle.id, room)
    mx = {p.id: p.matrix_user_id or "" for p in (ada, bo, cy, di)}
    await circles.join(ctx, bo, slug)
    await circles.membership_seen(ctx, room, mx[bo.id], "join", mx[bo.id])
    assert (await circles.get_circle(ctx, bo, slug)).view.my_state == "joined"
    # Joined from the Space in Element: a place is taken.
    await circles.membership_seen(ctx, room, mx[cy.id], "join", mx[cy.id])
    assert (await circles.get_circle(ctx, cy, slug)).view.my_role == "member"
    # A fourth would go past the cap: they are shown out again.
    await circles.membership_seen(ctx, room, mx[di.id], "join", mx[di.id])
    assert (await circles.get_circle(ctx, di, slug)).view.my_role is None
    # Kicked and banned in Element; a leave of one's own.
    await circles.membership_seen(ctx, room, mx[bo.id], "leave", mx[ada.id])
    await circles.membership_seen(ctx, room, mx[cy.id], "ban", mx[ada.id])
    detail = await circles.get_circle(ctx, cy, slug)
    assert (detail.view.my_state, detail.view.member_count) == ("banned", 1)
    await refused("circle_banned", circles.join(ctx, cy, slug))
    await circles.membership_seen(ctx, "!other:localhost", mx[cy.id], "leave", mx[cy.id])  # not a circle: ignored


async def test_consent_in_circle_rooms(ctx: Kindred) -> None:
    ada, bo, cy = [await person(ctx) for _ in range(3)]
    made = await circles.create_circle(ctx, ada, "Esperanto", "esperanto", "", 2)
    room = "!circle:localhost"
    async with ctx.db.transaction() as conn:
        await circle_rows.set_room(conn, made.circle.id, room)
        await blocks.insert(conn, ada.id, bo.id)
    ada_mx, bo_mx, cy_mx = (p.matrix_user_id or "" for p in (ada, bo, cy))
    # A blocked pair may both be members, but neither invites the other.
    assert (await consent.may_join(ctx, bo_mx, "@kindred-bot:localhost", room)).allow
    assert not (await consent.may_invite(ctx, ada_mx, bo_mx, room)).allow
    assert (await consent.may_invite(ctx, ada_mx, cy_mx, room)).allow  # no match needed in a circle
    # Someone Kindred does not know could be neither counted nor moderated there.
    stranger = await consent.may_invite(ctx, ada_mx, "@someone:elsewhere.example", room)
    assert stranger.reason == circle_consent.NOT_ON_KINDRED
    await circles.join(ctx, bo, slug := made.circle.slug)
    # Full now (cap 2): Cy may neither join from the Space nor be invited.
    assert (await consent.may_join(ctx, cy_mx, "@kindred-bot:localhost", room)).reason == "This Kindred circle is full."
    assert (await consent.may_join(ctx, bo_mx, "@kindred-bot:localhost", room)).allow  # seated
    await circles.close(ctx, ada, slug)
    assert not (await consent.may_join(ctx, bo_mx, "@kindred-bot:localhost", room)).allow


async def test_messages_heard_by_the_sync_mark_a_circle_active_to_the_minute(ctx: Kindred) -> None:
    ada = await person(ctx)
    made = await circles.create_circle(ctx, ada, "Esperanto", "esperanto")
    room, start = "!circle:localhost", datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    async with ctx.db.transaction() as conn:
        await circle_rows.set_room(conn, made.circle.id, room)
        await conn.execute("UPDATE circles SET last_activity_at = ? WHERE id = ?", (iso(start), made.circle.id))

    def said(*at: tuple[str, timedelta]) -> Batch:
        """A sync batch with a message in each room, sent that long after ``start``."""
        return Batch(
            "s",
            [
                Message(r, f"$e{i}", "@x:localhost", "hi", "m.text", int((start + after).timestamp() * 1000))
                for i, (r, after) in enumerate(at)
            ],
        )

    async def last_activity() -> str:
        async with ctx.db.read() as conn:
            found = await circle_rows.get(conn, made.circle.id)
        assert found is not None
        return found.last_activity_at

    # The latest of a batch counts; a room that is no circle is passed over.
    await circle_sync.activity(
        ctx,
        said((room, timedelta(minutes=2)), (room, timedelta(minutes=3)), ("!other:localhost", timedelta(minutes=9))),
    )
    assert await last_activity() == iso(start + timedelta(minutes=3))
    # Within the minute: no write.
    await circle_sync.activity(ctx, said((room, timedelta(minutes=3, seconds=40))))
    assert await last_activity() == iso(start + timedelta(minutes=3))
    # A clock from the future counts as now.
    await circle_sync.activity(ctx, said((room, timedelta(days=3650))))
    assert start + timedelta(minutes=4) < parse(await last_activity()) <= utc_now()

"""Rounds through the bot on the real homeserver: ``!rounds`` with the web's
rules and messages, and the check-in after a round: asked in each person's
direct room, reminded only where nobody has written, answered with ``!met``."""

from __future__ import annotations

from datetime import timedelta

from nio import RoomCreateResponse

from domain import checkins, round_preferences, rounds
from domain.checkins import ASK_AFTER, REMIND_AFTER
from domain.context import Kindred
from store import checkins as checkins_store
from store import users
from store.timeutil import utc_now
from store.users import User
from testkit.homeserver import ThrowawayHomeserver
from tests.bot_helpers import BOT, MatrixPerson, ready_match
from tests.conftest import AppFactory
from tests.helpers import Api, eventually, sign_up
from web import keys


async def _user(ctx: Kindred, person: Api) -> User:
    async with ctx.db.read() as conn:
        found = await users.get_by_username(conn, person.username)
    assert found is not None
    return found


async def _reminder_settled(ctx: Kindred, user_id: int) -> bool:
    """The person's reminder job has run (whether or not it said anything)."""
    async with ctx.db.read() as conn:
        cursor = await conn.execute(
            "SELECT state FROM bot_jobs WHERE kind = 'checkin_remind' AND user_id = ?", (user_id,)
        )
        states = [str(row[0]) for row in await cursor.fetchall()]
    return states == ["done"]


async def test_rounds_commands_and_the_checkin_after_a_round(
    kindred: AppFactory, homeserver: ThrowawayHomeserver
) -> None:
    client = await kindred()
    ctx = client.app[keys.KINDRED]
    ada = await sign_up(client, "ada", "Ada", ["sailing", "knots"])
    bo = await sign_up(client, "bo", "Bo", ["sailing", "knots"])
    cy = await sign_up(client, "cy", "Cy", ["bouldering", "maps"])
    di = await sign_up(client, "di", "Di", ["bouldering", "maps"])
    ada_mx = await MatrixPerson.login(client, homeserver.url, ada)
    cy_mx = await MatrixPerson.login(client, homeserver.url, cy)
    try:
        opened = await ada_mx.mx.room_create(invite=[BOT], is_direct=True)
        assert isinstance(opened, RoomCreateResponse), opened
        dm = opened.room_id
        await ada_mx.wait_for_bot(dm, "Hello Ada", "!rounds")

        # The settings, with the web's rules and messages.
        await ada_mx.command(dm, "!rounds", "You're not in rounds", "!rounds on")
        await ada_mx.command(dm, "!rounds on daily", "Rounds come weekly, fortnightly or four_weekly.")
        await ada_mx.command(dm, "!rounds on fortnightly", "You're in rounds", "every two weeks", "Your next round:")
        await ada_mx.command(dm, "!rounds pause 2001-01-01", "A pause ends on a date")
        await ada_mx.command(dm, "!rounds pause", "Say until when")
        await ada_mx.command(dm, "!rounds skip", "sit out the next round", "skipping the next one")
        await ada_mx.command(dm, "!rounds off", "You're out of rounds")
        # Back in, as she left: the skip still stands until she resumes.
        await ada_mx.command(dm, "!rounds on", "You're in rounds", "every two weeks", "skipping the next one")
        resumed = await ada_mx.command(dm, "!rounds resume", "Welcome back", "Your next round:")
        assert "skipping" not in resumed["body"]
        await ada_mx.command(dm, "!met yes", "No introduction is waiting for your answer.")
        await ada_mx.command(dm, "!met maybe", "Answer with !met yes or !met no.")
        chosen = await round_preferences.current(ctx, await _user(ctx, ada))
        assert (chosen.enabled, chosen.cadence, chosen.paused_until, chosen.skip_next) == (
            True,
            "fortnightly",
            None,
            False,
        )

        # A round introduces Ada to Bo and Cy to Di; their rooms are made by the bot.
        for person in (bo, cy, di):
            await round_preferences.change(ctx, await _user(ctx, person), enabled=True)
        done = await rounds.run_now(ctx, utc_now())
        assert (done.due_count, done.paired_count) == (4, 2)
        ada_match = await ready_match(ada, timeout=60)
        cy_match = await ready_match(cy, timeout=60)
        assert ada_match["user"]["username"] == bo.username and cy_match["user"]["username"] == di.username
        cy_dm = await cy_mx.direct_room()

        # Four days on, each is asked privately.
        start = utc_now()
        assert await checkins.queue_due(ctx, start + ASK_AFTER + timedelta(minutes=1)) == 4
        await ada_mx.wait_for_bot(dm, "Did you two meet?", bo.username, "!met yes")
        await cy_mx.wait_for_bot(cy_dm, "Did you two meet?", di.username)

        # Cy writes in their room; nobody writes in Ada's. Two days on, only Ada is reminded.
        await cy_mx.join(cy_match["room_id"])
        await cy_mx.say(cy_match["room_id"], "Hi Di! Coffee at the wall on Thursday?")
        assert await checkins.queue_due(ctx, start + ASK_AFTER + REMIND_AFTER + timedelta(minutes=2)) == 4
        await ada_mx.wait_for_bot(dm, "A gentle reminder", "Did you two meet?")
        cy_user = await _user(ctx, cy)
        await eventually(lambda: _reminder_settled(ctx, cy_user.id))
        cy_heard = [n["body"] for n in await cy_mx.bot_notices(cy_dm)]
        assert sum("Did you two meet?" in b for b in cy_heard) == 1 and not any("reminder" in b for b in cy_heard)

        # Ada answers; it is recorded, and the question is not asked again.
        await ada_mx.command(dm, "!met yes", "Noted that you met", "Bo")
        ada_user = await _user(ctx, ada)
        async with ctx.db.read() as conn:
            row = await checkins_store.get(conn, ada_match["id"], ada_user.id)
        assert row is not None and row.met is True and row.asked_at and row.reminded_at
        await ada_mx.command(dm, "!met no", "No introduction is waiting for your answer.")
    finally:
        await ada_mx.close()
        await cy_mx.close()

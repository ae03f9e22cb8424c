"""Commands to the matcher bot, sent by matrix-nio clients on a real Synapse.

The same rules as the web answer them; only the people a command concerns
may use it; old commands are never answered again after a restart.
"""

from __future__ import annotations

import random

from nio import RoomCreateResponse, RoomGetStateEventResponse, RoomInviteResponse

from bridge.sync_reader import SYNC_FILTER, Batch, Departure, Invite, Message, parse, sync_filter
from config.i18n import translator
from domain import events, languages
from matcher.commands import Command
from matcher.commands import parse as parse_command
from matcher.icebreakers import Icebreakers
from matcher.replies import Reply
from matcher.throttle import CommandThrottle
from store import reports, users
from tests.bot_helpers import BOT, MatrixPerson, Pair, ready_match
from tests.helpers import eventually, sign_up
from web import keys

# -- the pieces, without a homeserver ------------------------------------------------


def test_commands_are_parsed_and_plain_talk_is_not() -> None:
    assert parse_command("!accept ada") == Command("accept", "ada")
    assert parse_command("  !Request bo  Climb on Saturday?\nBring shoes ") == Command(
        "request", "bo  Climb on Saturday?\nBring shoes"
    )
    assert parse_command("!help") == Command("help", "")
    for talk in ("hello", "wow!", "!!!", "! help", "> <@a:b> !help", ""):
        assert parse_command(talk) is None, talk


def test_the_throttle_answers_once_per_burst_then_frees_up() -> None:
    throttle = CommandThrottle(limit=3, window_seconds=10)
    assert all(throttle.check("@a:x", now=t).allowed for t in (0, 1, 2))
    first = throttle.check("@a:x", now=3)
    assert not first.allowed and first.warn_seconds == 7
    assert throttle.check("@a:x", now=4).warn_seconds is None  # quiet for the rest of the burst
    assert throttle.check("@b:x", now=4).allowed  # per person
    assert throttle.check("@a:x", now=10.5).allowed


def test_icebreakers_differ_each_time_and_come_from_shared_interests() -> None:
    picks = Icebreakers(random.Random(1))
    seen = [picks.pick("!r", ["chess", "go"], translator(None)) for _ in range(20)]
    assert all(a != b for a, b in zip(seen, seen[1:], strict=False))
    assert all("chess" in s or "go" in s for s in seen)
    assert picks.pick("!other", [], translator(None))  # something to say even with nothing shared


def test_replies_escape_what_people_typed() -> None:
    reply = Reply("Hi ").bold("<script>").text(" & ").link("https://x/?a=1&b=2", "<room>")
    assert reply.body == "Hi <script> & <room> (https://x/?a=1&b=2)"
    assert "<script>" not in reply.formatted and "&lt;script&gt;" in reply.formatted
    assert 'href="https://x/?a=1&amp;b=2"' in reply.formatted


def test_the_sync_filter_keeps_the_bot_light_and_the_reader_takes_only_what_it_needs() -> None:
    room = SYNC_FILTER["room"]
    assert room["state"]["lazy_load_members"] is True
    assert room["timeline"]["limit"] <= 20
    assert set(room["timeline"]["types"]) == {"m.room.message", "m.room.member"}
    assert room["ephemeral"] == {"not_types": ["*"]}
    # Presence is kept: the pages show who is online.
    assert SYNC_FILTER["presence"] == {"types": ["m.presence"]}
    # The bot's own rooms and notices do not wake its sync.
    own = sync_filter(BOT)
    assert own["room"]["timeline"]["not_senders"] == [BOT]
    assert own["room"]["timeline"]["types"] == room["timeline"]["types"] and "not_senders" not in room["timeline"]
    payload = {
        "next_batch": "s2",
        "rooms": {
            "join": {
                "!a": {
                    "timeline": {
                        "events": [
                            {
                                "type": "m.room.message",
                                "event_id": "$1",
                                "sender": "@u:x",
                                "origin_server_ts": 5,
                                "content": {"msgtype": "m.text", "body": "!help"},
                            },
                            {
                                "type": "m.room.message",
                                "event_id": "$2",
                                "sender": "@u:x",
                                "content": {"msgtype": "m.image"},
                            },
                            {"type": "m.room.member", "state_key": "@u:x", "content": {"membership": "leave"}},
                            {"type": "m.room.member", "state_key": "@v:x", "content": {"membership": "join"}},
                        ]
                    }
                },
            },
            "invite": {
                "!dm": {
                    "invite_state": {
                        "events": [
                            {
                                "type": "m.room.member",
                                "state_key": "@bot:x",
                                "sender": "@u:x",
                                "content": {"membership": "invite", "is_direct": True},
                            },
                        ]
                    }
                },
            },
        },
    }
    batch = parse(payload, "@bot:x")
    assert batch.next_batch == "s2"
    assert batch.messages == [Message("!a", "$1", "@u:x", "!help", "m.text", 5)]
    assert batch.departures == [Departure("!a", "@u:x")]
    assert batch.invites == [Invite("!dm", "@u:x", True)]
    assert [(m.user_id, m.membership) for m in batch.memberships] == [("@u:x", "leave"), ("@v:x", "join")]
    assert parse({"next_batch": "s3"}, "@bot:x") == Batch("s3")


# -- on the homeserver ----------------------------------------------------------------


async def test_direct_room_commands_use_the_same_rules_as_the_web(kindred, homeserver) -> None:
    client = await kindred()
    ada = await sign_up(client, "ada", "Ada", ["go", "rock climbing", "jazz"])
    bo = await sign_up(client, "bo", "Bo", ["go", "rock climbing", "chess"])
    cy = await sign_up(client, "cy", "Cy", ["chess"])
    await ada.call("POST", "/requests", 201, json={"to": bo.username, "note": "Climb?"})
    counted: list[str] = []
    client.app[keys.KINDRED].events.subscribe(
        lambda e: counted.append(e.data["command"]) if e.type == events.BOT_COMMAND else None
    )
    bo_mx = await MatrixPerson.login(client, homeserver.url, bo)
    try:
        dm = await bo_mx.direct_room()
        await bo_mx.wait_for_bot(dm, f"!accept {ada.username}")
        helped = await bo_mx.command(dm, "!help", "!requests", "!suggest", "!interests add")
        assert "<code>!accept &lt;username&gt;</code>" in helped["formatted_body"]
        await bo_mx.command(dm, "!requests", "Waiting for your answer", ada.username, "Climb?")
        await bo_mx.command(dm, "!frobnicate", "I don't know !frobnicate", "!help")
        await bo_mx.say(dm, "thanks, just saying hi")

        await bo_mx.command(dm, f"!accept @{ada.username}", "matched")
        match = await ready_match(bo)
        assert match["user"]["username"] == ada.username and match["room_id"]
        await bo_mx.command(dm, f"!accept {ada.username}", "No such request")
        await bo_mx.command(dm, "!matches", "Your matches", ada.username)

        await bo_mx.command(dm, "!suggest", "People you might like", cy.username, "!request")
        await bo_mx.command(dm, f"!request {cy.username} Jazz night?", "Request sent to", "Cy")
        incoming = (await cy.call("GET", "/requests?box=incoming", 200))["requests"]
        assert [(r["from"], r["note"]) for r in incoming] == [(bo.username, "Jazz night?")]
        await bo_mx.command(dm, f"!request {cy.username}", "already have a pending request")

        await bo_mx.command(dm, "!interests add Knitting,  JAZZ", "knitting", "jazz")
        await bo_mx.command(dm, "!interests remove chess", "Your interests")
        profile = await bo.call("GET", "/me", 200)
        assert profile["interests"] == ["go", "jazz", "knitting", "rock climbing"]
        await bo_mx.command(dm, "!interests remove golf", "You do not list: golf")
        # Plain talk got no answer: the only "unknown command" is the one for !frobnicate.
        texts = [n["body"] for n in await bo_mx.bot_notices(dm)]
        assert sum("I don't know" in t for t in texts) == 1
        assert counted[:5] == ["help", "requests", "unknown", "accept", "accept"]
    finally:
        await bo_mx.close()


async def test_match_room_commands_share_and_break_the_ice(kindred, homeserver) -> None:
    client = await kindred()
    pair = await Pair.make(client, homeserver.url, ["Go", "rock climbing", "jazz"], ["go", "rock climbing", "chess"])
    try:
        shared = await pair.a_mx.command(pair.room_id, "!shared", "You both like")
        assert "go, rock climbing" in shared["body"]
        first = await pair.b_mx.command(pair.room_id, "!icebreaker", "Icebreaker")
        second = await pair.a_mx.command(pair.room_id, "!icebreaker", "Icebreaker")
        assert first["body"] != second["body"]
        assert "go" in first["body"] or "rock climbing" in first["body"]
        await pair.b_mx.command(pair.room_id, "!help", "!shared", "!icebreaker", "!unmatch", "!block", "!report")
    finally:
        await pair.close()


async def test_unmatch_closes_the_match_and_empties_the_room(kindred, homeserver) -> None:
    client = await kindred()
    pair = await Pair.make(client, homeserver.url, ["tea"], ["tea"])
    try:
        await pair.a_mx.say(pair.room_id, "!unmatch")
        # Removed first, with the news in the reason: a notice after the kick is not seen.
        for person in (pair.a_mx, pair.b_mx):
            await person.wait_for_removal(pair.room_id, "Ada closed this match")

        async def closed() -> bool:
            match = (await pair.b.call("GET", f"/matches/{pair.match['id']}", 200))["match"]
            return match["status"] == "closed"

        await eventually(closed)

        await eventually(pair.both_removed)
        # An unmatch is not a block: they may meet again.
        await pair.a.call("POST", "/requests", 201, json={"to": pair.b.username})
    finally:
        await pair.close()


async def test_block_unmatches_and_keeps_the_pair_apart_for_good(kindred, homeserver) -> None:
    client = await kindred()
    pair = await Pair.make(client, homeserver.url, ["tea", "chess"], ["tea", "chess"])
    try:
        await pair.b_mx.say(pair.room_id, "!block")
        dm = await pair.b_mx.direct_room()
        await pair.b_mx.wait_for_bot(dm, "You blocked", "Ada")
        await pair.a_mx.wait_for_removal(pair.room_id, "Bo closed this match")
        match = (await pair.a.call("GET", f"/matches/{pair.match['id']}", 200))["match"]
        assert match["status"] == "closed"

        await eventually(pair.both_removed)
        for one, other in ((pair.a, pair.b), (pair.b, pair.a)):
            refused = await one.call("POST", "/requests", 403, json={"to": other.username})
            assert refused["error"]["code"] == "user_blocked"
            found = (await one.call("GET", "/suggestions?interest=tea", 200))["suggestions"]
            assert other.username not in [s["user"]["username"] for s in found]
            assert (await one.call("GET", f"/users?q={other.username}", 200))["users"] == []
            await one.call("GET", f"/users/{other.username}", 404)
    finally:
        await pair.close()


async def test_strangers_are_refused_and_reports_are_stored_privately(kindred, homeserver) -> None:
    # Served on the consent port: the homeserver lets Ada invite Carl only
    # because the two have a match of their own.
    client = await kindred(consent=True)
    pair = await Pair.make(client, homeserver.url, ["tea"], ["tea"])
    carl = await sign_up(client, "carl", "Carl", ["tea"])
    sent = await carl.call("POST", "/requests", 201, json={"to": pair.a.username})
    await pair.a.call("POST", f"/requests/{sent['request']['id']}/accept", 200)
    carl_mx = await MatrixPerson.login(client, homeserver.url, carl)
    try:
        invited = await pair.a_mx.mx.room_invite(pair.room_id, carl_mx.user_id)
        assert isinstance(invited, RoomInviteResponse), invited
        await carl_mx.join(pair.room_id)
        await carl_mx.command(pair.room_id, "!shared", "only the two people matched")
        await carl_mx.command(pair.room_id, "!unmatch", "only the two people matched")
        match = (await pair.a.call("GET", f"/matches/{pair.match['id']}", 200))["match"]
        assert match["status"] == "ready"

        before = len(await pair.a_mx.bot_notices(pair.room_id))
        await pair.a_mx.say(pair.room_id, "!report Carl was rude & pushy")
        dm = await pair.a_mx.direct_room()
        await pair.a_mx.wait_for_bot(dm, "Your report", "stored for the operators")
        db = client.app[keys.KINDRED].db
        async with db.read() as conn:
            stored = await reports.recent(conn, 5)
        assert [r.reason for r in stored] == ["Carl was rude & pushy"]
        # Nothing was said in the shared room about the report: the bot
        # handles one person's commands in order, so once the answer to a
        # later command is there, anything about the report would be too.
        await pair.a_mx.command(pair.room_id, "!shared", "tea")
        notices = await pair.a_mx.bot_notices(pair.room_id)
        assert len(notices) == before + 1
        assert not any("report" in n["body"].lower() for n in notices)
    finally:
        await carl_mx.close()
        await pair.close()


async def test_a_restarted_bot_does_not_answer_old_commands_again(kindred, homeserver) -> None:
    client = await kindred()
    data_dir = client.app[keys.SETTINGS].data_dir
    ada = await sign_up(client, "ada", "Ada", ["tea"])
    bo = await sign_up(client, "bo", "Bo", ["tea"])
    await ada.call("POST", "/requests", 201, json={"to": bo.username})
    bo_mx = await MatrixPerson.login(client, homeserver.url, bo)
    try:
        dm = await bo_mx.direct_room()
        await bo_mx.command(dm, "!help", "What I can do")
        await bo_mx.command(dm, "!requests", "Waiting for your answer")
        await client.close()

        restarted = await kindred(data_dir=data_dir)
        bo_mx.app_client = restarted
        # Bo's commands are handled in order, so with this answer in, any
        # second answer to the old ones would be in too.
        await bo_mx.command(dm, "!matches", "No matches yet")
        bodies = [n["body"] for n in await bo_mx.bot_notices(dm)]
        assert sum("What I can do" in b for b in bodies) == 1
        assert sum("Waiting for your answer" in b for b in bodies) == 1
    finally:
        await bo_mx.close()


async def test_a_person_can_open_the_direct_room_themselves(kindred, homeserver) -> None:
    client = await kindred()
    ada = await sign_up(client, "ada", "Ada", ["tea"])
    ctx = client.app[keys.KINDRED]
    # Ada reads Kindred in German: the bot greets and answers her in German.
    async with ctx.db.read() as conn:
        ada_user = await users.get_by_username(conn, ada.username)
    assert ada_user is not None
    await languages.set_language(ctx, ada_user, "de")
    ada_mx = await MatrixPerson.login(client, homeserver.url, ada)
    try:
        plain = await ada_mx.mx.room_create(invite=[BOT])
        direct = await ada_mx.mx.room_create(invite=[BOT], is_direct=True)
        assert isinstance(plain, RoomCreateResponse) and isinstance(direct, RoomCreateResponse)
        await ada_mx.wait_for_bot(direct.room_id, "Hallo Ada!", "Das kann ich hier für dich tun", "!requests")
        assert await ada_mx.direct_room_id() == direct.room_id
        helped = await ada_mx.command(direct.room_id, "!help", "!accept <Benutzername>", "die Anfrage annehmen")
        assert "What I can do" not in helped["body"]
        await ada_mx.command(direct.room_id, "!interests", "Deine Interessen: tea.")

        async def declined() -> bool:
            state = await ada_mx.mx.room_get_state_event(plain.room_id, "m.room.member", BOT)
            return isinstance(state, RoomGetStateEventResponse) and state.content.get("membership") == "leave"

        # A room that is not a direct chat is declined.
        await eventually(declined)
    finally:
        await ada_mx.close()

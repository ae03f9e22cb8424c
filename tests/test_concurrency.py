"""Many people at once: 100 users, 500 requests, 150 accepts in parallel.

The database must stay consistent (one match per accepted request, no
duplicates, every job done) and every match must end ready in a room holding
exactly its two people (plus the bot). Rooms are also counted on the
homeserver, so a room made but never recorded would show; the same count
checks the two races of one pair: two accepts of one request at once, and
two requests crossing.
"""

from __future__ import annotations

import asyncio
import itertools
import random
from typing import Any

from bridge.matrix_client import BotSession, MatrixClient
from tests.helpers import Api, eventually, sign_up
from tests.room_audit import app_rooms_by_match
from web import keys

USERS, REQUESTS, ACCEPTS = 100, 500, 150


async def test_parallel_accepts_keep_the_database_and_rooms_consistent(kindred, homeserver) -> None:
    client = await kindred()
    people: list[Api] = []
    for batch in range(0, USERS, 10):
        people += await asyncio.gather(
            *(sign_up(client, "crowd", interests=["crowds", f"i{(batch + n) % 7}"]) for n in range(10))
        )
    by_name = {p.username: p for p in people}
    rng = random.Random(7)
    pairs = rng.sample(list(itertools.combinations(range(USERS), 2)), REQUESTS)
    sent = await asyncio.gather(
        *(people[a].call("POST", "/requests", 201, json={"to": people[b].username}) for a, b in pairs)
    )
    to_accept = rng.sample([s["request"] for s in sent], ACCEPTS)
    accepted = await asyncio.gather(
        *(by_name[r["to"]].call("POST", f"/requests/{r['id']}/accept", 200) for r in to_accept)
    )
    match_ids = {a["match"]["id"] for a in accepted}
    assert len(match_ids) == ACCEPTS

    db = client.app[keys.KINDRED].db

    async def all_ready() -> bool:
        async with db.read() as conn:
            row = await (
                await conn.execute("SELECT COUNT(*) FROM matches WHERE status = 'ready' AND room_id IS NOT NULL")
            ).fetchone()
        return row[0] == ACCEPTS

    await eventually(all_ready, timeout=240, interval=0.5)
    async with db.read() as conn:
        statuses = dict(await (await conn.execute("SELECT status, COUNT(*) FROM requests GROUP BY status")).fetchall())
        jobs = dict(await (await conn.execute("SELECT state, COUNT(*) FROM jobs GROUP BY state")).fetchall())
        rooms = await (
            await conn.execute(
                "SELECT m.room_id, a.matrix_user_id, b.matrix_user_id FROM matches m"
                " JOIN users a ON a.id = m.user_low JOIN users b ON b.id = m.user_high"
            )
        ).fetchall()
        orphan = await (
            await conn.execute(
                "SELECT COUNT(*) FROM matches m JOIN requests r ON r.id = m.request_id WHERE r.status <> 'accepted'"
            )
        ).fetchone()
    assert statuses == {"accepted": ACCEPTS, "pending": REQUESTS - ACCEPTS}
    assert jobs == {"done": ACCEPTS}
    assert orphan[0] == 0
    assert len({room_id for room_id, _, _ in rooms}) == ACCEPTS

    session = BotSession.load(client.app[keys.SETTINGS].data_dir / "bot-session.json")
    assert session is not None
    bot = MatrixClient(homeserver.url, session)
    try:
        slots = asyncio.Semaphore(16)

        async def members(room_id: str) -> dict[str, str]:
            async with slots:
                state = await bot.room_state(room_id)
            return {e["state_key"]: e["content"]["membership"] for e in state if e["type"] == "m.room.member"}

        found: list[Any] = await asyncio.gather(*(members(room_id) for room_id, _, _ in rooms))
        for (room_id, a, b), membership in zip(rooms, found, strict=False):
            assert membership == {session.user_id: "join", a: "invite", b: "invite"}, room_id
    finally:
        await bot.close()
    # On the homeserver: no room of this instance beyond the recorded ones.
    assert await app_rooms_by_match(client, homeserver.url) == {
        match_id: [room_id] for match_id, room_id in await recorded_rooms(client)
    }


async def recorded_rooms(client: Any) -> list[tuple[int, str]]:
    async with client.app[keys.KINDRED].db.read() as conn:
        rows = await (await conn.execute("SELECT id, room_id FROM matches")).fetchall()
    return [(int(match_id), str(room_id)) for match_id, room_id in rows]


async def _one_ready_match(person: Api) -> dict[str, Any] | None:
    found = (await person.call("GET", "/matches", 200))["matches"]
    return found[0] if len(found) == 1 and found[0]["status"] == "ready" else None


async def test_two_accepts_of_one_request_at_once_make_one_match_and_one_room(kindred, homeserver) -> None:
    client = await kindred()
    a = await sign_up(client, "race", interests=["races"])
    b = await sign_up(client, "race", interests=["races"])
    sent = await a.call("POST", "/requests", 201, json={"to": b.username})
    path = f"/api/v1/requests/{sent['request']['id']}/accept"
    answers = await asyncio.gather(*(client.post(path, headers=b.headers) for _ in range(2)))
    statuses = sorted(r.status for r in answers)
    assert statuses == [200, 409], [await r.text() for r in answers]
    match = await eventually(lambda: _one_ready_match(a), timeout=30)
    assert await recorded_rooms(client) == [(match["id"], match["room_id"])]
    assert await app_rooms_by_match(client, homeserver.url) == {match["id"]: [match["room_id"]]}


async def test_two_requests_crossing_make_one_match_and_one_room(kindred, homeserver) -> None:
    client = await kindred()
    a = await sign_up(client, "cross", interests=["crossings"])
    b = await sign_up(client, "cross", interests=["crossings"])
    answers = await asyncio.gather(
        client.post("/api/v1/requests", headers=a.headers, json={"to": b.username}),
        client.post("/api/v1/requests", headers=b.headers, json={"to": a.username}),
    )
    # One is sent, the other meets it and is the acceptance.
    assert sorted(r.status for r in answers) == [200, 201], [await r.text() for r in answers]
    match = await eventually(lambda: _one_ready_match(a), timeout=30)
    seen_by_b = await _one_ready_match(b)
    assert seen_by_b is not None and (seen_by_b["id"], seen_by_b["room_id"]) == (match["id"], match["room_id"])
    assert await recorded_rooms(client) == [(match["id"], match["room_id"])]
    assert await app_rooms_by_match(client, homeserver.url) == {match["id"]: [match["room_id"]]}

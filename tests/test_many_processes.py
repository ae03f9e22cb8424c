"""Kindred split over processes on one PostgreSQL store, as an operator scales it:
two ``kindred web`` and two ``kindred bot`` (the second a hot standby), against
the session's homeserver. The active bot is killed (SIGKILL) while a burst of
accepts is being turned into rooms: the standby takes the lease over and
finishes, and the homeserver shows exactly one room and one introduction per
match. An accept on one web process wakes the bot process, and the match's
``match.ready`` reaches a WebSocket on the other web process. With the killed
bot back as the standby, a command in a match room is answered once; a
hundred accepts spread over both web processes end in one room each, counted
on the homeserver; and the login limit counts an address's logins on both web
processes together. A ``kindred run`` beside a ``kindred bot`` stands by too."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from nio import AsyncClient, SyncResponse

from store import requests, users
from store.database import Database
from testkit.process import KindredProcess
from tests.bot_helpers import MatrixPerson, matrix_login, ready_match
from tests.databases import database_url_for, postgresql_only, query
from tests.deployment import deployment_part
from tests.helpers import Api, assert_status, eventually, sign_up
from tests.room_audit import bot_client, intro_count, rooms_by_match

pytestmark = [pytest.mark.homeserver, postgresql_only("kindred web and kindred bot run on PostgreSQL only")]

# Accepted in one burst, the active bot killed right after.
PAIRS = 4
# Accepted by one person over both web processes, every other one on each.
MANY = 100
# Logins an address may make in a minute, over all web processes together.
LOGINS = 3
STANDING_BY = "standing by"


def _part(store: Path, name: str, command: str, homeserver: Any) -> KindredProcess:
    return deployment_part(
        store,
        name,
        command,
        homeserver,
        KINDRED_LOGINS_PER_MINUTE=str(LOGINS),
        KINDRED_SIGNUPS_PER_HOUR="1000",
    )


async def _standing_by(process: KindredProcess, after: int = 0) -> bool:
    """Whether ``process`` said it stands by (more than ``after`` times)."""
    return await asyncio.sleep(0, process.output().count(STANDING_BY) > after)


async def _lease_holder_pid(store: Path) -> int | None:
    rows = await query(store, "SELECT holder FROM leases WHERE role = 'bot'")
    return int(rows[0][0].split(":")[-2]) if rows else None


async def _match_ready_on(ws: Any, match_id: int) -> dict[str, Any]:
    while True:
        message = await ws.receive_json()
        if message["type"] == "match.ready" and message["data"].get("match_id") == match_id:
            return dict(message)


async def test_killing_the_active_bot_hands_its_work_to_the_standby_and_no_room_is_made_twice(
    tmp_path: Path, homeserver: Any
) -> None:
    site = _part(tmp_path, "web", "web", homeserver)
    other_site = _part(tmp_path, "web-2", "web", homeserver)
    first = _part(tmp_path, "bot-1", "bot", homeserver)
    second = _part(tmp_path, "bot-2", "bot", homeserver)
    try:
        # Started together on an empty database: they migrate it one at a time.
        site.launch()
        first.launch()
        other_site.launch()
        await site.wait_answering()
        await other_site.wait_answering()
        assert first.process is not None
        first_pid = first.process.pid
        await eventually(lambda: _is_holder(tmp_path, first_pid), timeout=60)
        second.launch()
        assert second.process is not None
        second_pid = second.process.pid
        await eventually(lambda: _standing_by(second), timeout=60)

        async with site.web() as web:
            people = [await sign_up(web, f"hand{i}", interests=["handover"]) for i in range(2 * PAIRS + 2)]
            receivers, senders = people[0::2], people[1::2]
            sent = [
                await sender.call("POST", "/requests", 201, json={"to": receiver.username})
                for sender, receiver in zip(senders, receivers, strict=True)
            ]
            accepted = await asyncio.gather(
                *(
                    receiver.call("POST", f"/requests/{request['request']['id']}/accept", 200)
                    for receiver, request in zip(receivers[:PAIRS], sent[:PAIRS], strict=True)
                )
            )
            # Mid-burst: the rooms are being made by the first bot, woken from the web process.
            first.kill()
            rooms = {}
            for receiver in receivers[:PAIRS]:
                match = await ready_match(receiver, timeout=90)
                rooms[int(match["id"])] = str(match["room_id"])
            assert sorted(rooms) == sorted(outcome["match"]["id"] for outcome in accepted)
            assert await _lease_holder_pid(tmp_path) == second_pid

            # One more accept on this web process: the bot process makes the
            # room, and a WebSocket on the other web process hears of it.
            last, request = receivers[PAIRS], sent[PAIRS]
            async with other_site.web() as other_web:
                ws = await other_web.ws_connect("/ws", headers=last.headers)
                assert (await ws.receive_json())["type"] == "hello"
                outcome = await last.call("POST", f"/requests/{request['request']['id']}/accept", 200)
                await asyncio.wait_for(_match_ready_on(ws, outcome["match"]["id"]), 90)
                await ws.close()
            match = await ready_match(last, timeout=30)
            rooms[int(match["id"])] = str(match["room_id"])

            # The killed bot is started again, as an operator would: it stands by.
            said, before = first.output().count(STANDING_BY), len(first.output())
            first.launch()
            await eventually(lambda: _standing_by(first, said), timeout=60)
            await _one_answer_per_command(homeserver.url, receivers[0], rooms[int(accepted[0]["match"]["id"])])

            async with other_site.web() as other_web:
                await _logins_counted_over_both(web, other_web, receivers[1])
                hub, request_ids = await _many_requests(tmp_path, web)
                hub_rooms = await _accepted_over_both(tmp_path, hub, request_ids, web, other_web)
                rooms |= hub_rooms
        assert await _lease_holder_pid(tmp_path) == second_pid
        # The standby did none of the work all along.
        assert "now does the bot work" not in first.output()[before:]
        assert await site.interrupt() == 0
        assert await other_site.interrupt() == 0
        assert await first.interrupt() == 0
        assert await second.interrupt() == 0
        # A clean stop gives the lease up at once.
        assert await _lease_holder_pid(tmp_path) is None
    finally:
        for process in (site, other_site, first, second):
            process.stop()

    # Counted on the homeserver: one room per match, one introduction in each.
    [(instance_id,)] = await query(tmp_path, "SELECT id FROM instance")
    bot = bot_client(second.data_dir, homeserver.url)
    try:
        found = await rooms_by_match(bot, instance_id)
        assert found == {match_id: [room_id] for match_id, room_id in rooms.items()}
        intros = await asyncio.gather(*(intro_count(bot, room_id) for room_id in rooms.values()))
        assert intros == [1] * len(rooms)
    finally:
        await bot.close()
    # The person who accepted the hundred is invited to each of their rooms, as their client sees it.
    invited = await _invites(homeserver.url, hub)
    assert set(hub_rooms.values()) <= invited


async def _is_holder(store: Path, pid: int) -> bool:
    return await _lease_holder_pid(store) == pid


async def _one_answer_per_command(homeserver_url: str, person: Api, room_id: str) -> None:
    """Two bot processes run, one active and one standing by: a command in a
    match room is answered once."""
    mx = MatrixPerson(person.client, person, await matrix_login(homeserver_url, person))
    try:
        await mx.join(room_id)
        await mx.command(room_id, "!shared", "You both like")
        # Commands are answered in order: with this answer in, a second
        # answer to the first command would be in too.
        await mx.command(room_id, "!help", "!shared", "!icebreaker")
        bodies = [notice.get("body", "") for notice in await mx.bot_notices(room_id)]
        # The introduction says "you matched ... You both like" too; the answer begins with it.
        assert sum(body.startswith("You both like") for body in bodies) == 1, bodies
        assert sum("!icebreaker" in body for body in bodies) == 1, bodies
    finally:
        await mx.close()


async def _logins_counted_over_both(web: aiohttp.ClientSession, other_web: aiohttp.ClientSession, person: Api) -> None:
    """An address's logins are counted on both web processes together."""
    login = {"username": person.username, "password": person.password}
    statuses = []
    for n in range(LOGINS + 1):
        response = await (web, other_web)[n % 2].post("/api/v1/auth/login", json=login)
        statuses.append(response.status)
    assert statuses == [200] * LOGINS + [429], statuses
    assert int(response.headers["Retry-After"]) >= 1
    assert (await response.json())["error"]["code"] == "rate_limited"


async def _many_requests(store: Path, web: aiohttp.ClientSession) -> tuple[Api, list[int]]:
    """One person signed up (with a Matrix account), and a request to them
    from each of MANY others. The others are written to the store directly,
    without Matrix accounts: the accepts are under test, not their signups,
    and without an account they are neither invited nor sent notices, which
    keeps the homeserver's work to the rooms themselves."""
    hub = await sign_up(web, "hub", interests=["handover"])
    db = Database(store / "kindred.db", database_url_for(store))
    await db.open(migrate=False)
    try:
        async with db.transaction() as conn:
            receiver = await users.get_by_username(conn, hub.username)
            assert receiver is not None
            request_ids = []
            for n in range(MANY):
                sender = await users.insert_pending(conn, f"{hub.username}-fan{n}", "!", f"Fan {n}", status="active")
                request_ids.append(await requests.insert(conn, sender, receiver.id, ""))
    finally:
        await db.close()
    return hub, request_ids


async def _accepted_over_both(
    store: Path, hub: Api, request_ids: list[int], web: aiohttp.ClientSession, other_web: aiohttp.ClientSession
) -> dict[int, str]:
    """``hub`` accepts every request, every other one on each web process, a
    few at a time; returns the rooms of the matches, once all are ready."""
    slots = asyncio.Semaphore(8)

    async def accept(n: int, request_id: int) -> int:
        async with slots:
            response = await (web, other_web)[n % 2].post(f"/api/v1/requests/{request_id}/accept", headers=hub.headers)
            return int((await assert_status(response, 200))["match"]["id"])

    match_ids = await asyncio.gather(*(accept(n, request_id) for n, request_id in enumerate(request_ids)))
    listed = ",".join(str(match_id) for match_id in match_ids)

    async def rooms() -> dict[int, str] | None:
        ready = await query(store, f"SELECT id, room_id FROM matches WHERE id IN ({listed}) AND status = 'ready'")
        return {int(match_id): str(room_id) for match_id, room_id in ready} if len(ready) == MANY else None

    found: dict[int, str] = await eventually(rooms, timeout=180, interval=0.5)
    return found


async def _invites(homeserver_url: str, person: Api) -> set[str]:
    """The rooms ``person``'s own Matrix client is invited to."""
    mx: AsyncClient = await matrix_login(homeserver_url, person)
    try:
        response = await mx.sync(timeout=0)
        assert isinstance(response, SyncResponse), response
        return set(response.rooms.invite)
    finally:
        await mx.close()


async def test_kindred_run_beside_kindred_bot_stands_by_and_takes_over_when_it_stops(
    tmp_path: Path, homeserver: Any
) -> None:
    bot = _part(tmp_path, "bot", "bot", homeserver)
    everything = _part(tmp_path, "run", "run", homeserver)
    try:
        bot.launch()
        assert bot.process is not None
        # Alone on an empty database: it migrates it, then takes the lease.
        await eventually(lambda: asyncio.sleep(0, "holding the bot lease" in bot.output()), timeout=60)
        bot_pid = bot.process.pid
        assert await _lease_holder_pid(tmp_path) == bot_pid
        everything.launch()
        assert everything.process is not None
        await everything.wait_answering()
        await eventually(lambda: _standing_by(everything), timeout=60)

        async with everything.web() as web:
            ada, bo, cy = [await sign_up(web, name, interests=["standby"]) for name in ("ada", "bo", "cy")]
            # Accepted on kindred run's web: the room is made by the kindred bot holding the lease.
            sent = await ada.call("POST", "/requests", 201, json={"to": bo.username})
            await bo.call("POST", f"/requests/{sent['request']['id']}/accept", 200)
            first_match = await ready_match(ada, timeout=60)
            assert await _lease_holder_pid(tmp_path) == bot_pid

            # The bot stops cleanly: kindred run takes the lease over and makes the next room itself.
            assert await bot.interrupt() == 0
            assert everything.process is not None
            await eventually(lambda: _is_holder(tmp_path, everything.process.pid), timeout=30)
            sent = await cy.call("POST", "/requests", 201, json={"to": bo.username})
            await bo.call("POST", f"/requests/{sent['request']['id']}/accept", 200)
            second_match = await ready_match(cy, timeout=60)
        assert await everything.interrupt() == 0
        assert await _lease_holder_pid(tmp_path) is None
    finally:
        for process in (bot, everything):
            process.stop()

    [(instance_id,)] = await query(tmp_path, "SELECT id FROM instance")
    matrix = bot_client(everything.data_dir, homeserver.url)
    try:
        found = await rooms_by_match(matrix, instance_id)
    finally:
        await matrix.close()
    assert found == {int(m["id"]): [str(m["room_id"])] for m in (first_match, second_match)}

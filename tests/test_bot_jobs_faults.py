"""The bot's work after a state change survives faults, on the real stack.

A real ``kindred run`` process is killed with SIGKILL while its bot is
opening a person's direct room to tell them of a request: the homeserver is
held still (SIGSTOP) so the call is on the wire when the process dies, and
goes on (SIGCONT) to make the room nobody recorded. Started again, Kindred
must find that room, post the notice there once, and make no second room.

A match closed while the homeserver is down is emptied once it is back.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
from pathlib import Path
from typing import Any, AsyncIterator

import pytest
from nio import (
    AsyncClient,
    RoomMessagesResponse,
    SyncResponse,
)

from bridge.matrix_client import BotSession, MatrixClient
from config.secrets import load_or_create_secrets
from domain import events
from testkit.homeserver import fresh_homeserver
from testkit.process import KindredProcess
from tests.bot_helpers import BOT, MatrixPerson, Pair, matrix_login
from tests.conftest import make_settings
from tests.databases import query
from tests.helpers import assert_status, eventually, kindred_run, sign_up
from web import keys
from web.app import create_app

pytestmark = pytest.mark.homeserver


@pytest.fixture
async def kindred_process(homeserver: Any, tmp_path: Path) -> AsyncIterator[KindredProcess]:
    """A ``kindred run`` process on the session's homeserver, restartable after a kill."""
    data_dir = tmp_path / "kindred"
    data_dir.mkdir()
    shutil.copy(homeserver.root / "secrets.json", data_dir / "secrets.json")
    running = kindred_run(data_dir, homeserver.url)
    try:
        yield running
    finally:
        running.stop()


async def _start(kindred: KindredProcess) -> None:
    kindred.launch()
    await kindred.wait_answering()


async def _rooms_with_bot(mx: AsyncClient) -> list[str]:
    """Every room the bot has invited this person to or shares with them, on the homeserver."""
    synced = await mx.sync(timeout=0, full_state=True)
    assert isinstance(synced, SyncResponse), synced
    found = []
    for room_id, room in synced.rooms.invite.items():
        if any(getattr(e, "sender", None) == BOT for e in room.invite_state):
            found.append(room_id)
    for room_id, room in synced.rooms.join.items():
        if any(getattr(e, "sender", None) == BOT for e in room.state + room.timeline.events):
            found.append(room_id)
    return found


async def _bot_notices(mx: AsyncClient, room_id: str, needle: str) -> list[str]:
    response = await mx.room_messages(room_id, start="", limit=100)
    assert isinstance(response, RoomMessagesResponse), response
    bodies = [e.source.get("content", {}).get("body", "") for e in response.chunk if e.source.get("sender") == BOT]
    return [b for b in bodies if needle in b]


async def test_a_notice_cut_off_by_a_crash_arrives_after_the_restart_once_in_one_direct_room(
    kindred_process: KindredProcess, homeserver: Any
) -> None:
    await _start(kindred_process)
    synapse_pid = homeserver.pid
    async with kindred_process.web() as web:
        ada = await sign_up(web, "ada", "Ada", ["knots"])
        bo = await sign_up(web, "bo", "Bo", ["knots"])
        bo_mx = await matrix_login(homeserver.url, bo)
        [(bo_id,)] = await query(kindred_process.data_dir, f"SELECT id FROM users WHERE username = '{bo.username}'")
        try:
            os.kill(synapse_pid, signal.SIGSTOP)
            try:
                await ada.call("POST", "/requests", 201, json={"to": bo.username})
                # The bot noted it is opening Bo's direct room: its createRoom is on the wire.
                attempted = f"SELECT user_id FROM direct_room_attempts WHERE user_id = {bo_id}"
                await eventually(lambda: query(kindred_process.data_dir, attempted), timeout=30)
                await asyncio.sleep(0.5)  # margin for the request to leave the process
                kindred_process.kill()
            finally:
                os.kill(synapse_pid, signal.SIGCONT)

            # The homeserver made the room; Kindred died before recording it or posting the notice.
            [orphan] = await eventually(lambda: _rooms_with_bot(bo_mx), timeout=30)
            assert (
                await query(kindred_process.data_dir, f"SELECT room_id FROM bot_direct_rooms WHERE user_id = {bo_id}")
                == []
            )
            queued = "SELECT state FROM bot_jobs WHERE kind = 'notice_request'"
            assert await query(kindred_process.data_dir, queued) == [("queued",)]

            await _start(kindred_process)
            await bo_mx.join(orphan)
            told = await eventually(lambda: _bot_notices(bo_mx, orphan, "would like to connect"), timeout=60)
            assert len(told) == 1 and "Ada" in told[0]
            await eventually(lambda: query(kindred_process.data_dir, queued + " AND state = 'done'"), timeout=30)
            # One direct room, the one the crash left, and the notice in it once.
            assert await _rooms_with_bot(bo_mx) == [orphan]
            assert len(await _bot_notices(bo_mx, orphan, "would like to connect")) == 1
        finally:
            await bo_mx.close()


async def _joined(homeserver_url: str, session: BotSession) -> list[str]:
    bot = MatrixClient(homeserver_url, session)
    try:
        joined = await bot.request_json("GET", "/_matrix/client/v3/joined_rooms")
        return list(joined["joined_rooms"])
    finally:
        await bot.close()


async def test_a_match_closed_while_the_homeserver_is_down_is_emptied_once_it_is_back(
    tmp_path: Path, aiohttp_client: Any
) -> None:
    secrets = load_or_create_secrets(tmp_path / "kindred")
    pair: Pair | None = None
    async with fresh_homeserver(tmp_path, secrets=secrets, supervised=True, remove=True) as server:
        try:
            client = await aiohttp_client(create_app(make_settings(tmp_path / "kindred", server.url), secrets))
            pair = await Pair.make(client, server.url, ["kites"], ["kites"])
            session = BotSession.load(tmp_path / "kindred" / "bot-session.json")
            assert session is not None and pair.room_id in await _joined(server.url, session)

            os.kill(server.pid, signal.SIGKILL)
            # The close is Kindred's alone: it answers at once, the homeserver being down.
            await pair.a.call("POST", f"/matches/{pair.match['id']}/close", 200)
            await assert_status(await client.get("/healthz"), 503)

            # Back up: both are removed and the bot has left, as seen on the homeserver.
            await eventually(pair.both_removed, timeout=120, interval=0.5)
            await eventually(lambda: _gone(server.url, session, pair.room_id), timeout=60, interval=0.5)
            for person in (pair.a_mx, pair.b_mx):
                await person.wait_for_removal(pair.room_id, "Ada closed this match")
        finally:
            if pair is not None:
                await pair.close()


async def _gone(homeserver_url: str, session: BotSession, room_id: str) -> bool:
    return room_id not in await _joined(homeserver_url, session)


async def test_a_notice_sent_again_after_a_crash_before_it_was_marked_done_is_posted_once(
    kindred: Any, homeserver: Any
) -> None:
    client = await kindred()
    ctx = client.app[keys.KINDRED]
    data_dir = client.app[keys.SETTINGS].data_dir
    ada = await sign_up(client, "ada", "Ada", ["kites"])
    bo = await sign_up(client, "bo", "Bo", ["kites"])
    bo_mx = await MatrixPerson.login(client, homeserver.url, bo)
    try:
        room = await bo_mx.requested_by(ada, "would like to connect")
        done = "SELECT id FROM bot_jobs WHERE kind = 'notice_request' AND state = 'done'"
        [(job_id,)] = await eventually(lambda: query(data_dir, done))
        # As if the process had died after the send and before marking it done.
        await query(data_dir, f"UPDATE bot_jobs SET state = 'queued' WHERE id = {job_id}")
        ctx.events.publish(events.Event(events.REQUEST_RECEIVED, (), {"request_id": 0}))
        await eventually(lambda: query(data_dir, done))
        notices = [n for n in await bo_mx.bot_notices(room) if "would like to connect" in n["body"]]
        assert len(notices) == 1
    finally:
        await bo_mx.close()


async def test_an_accept_cut_off_by_a_crash_is_told_after_the_restart_once_in_one_direct_room(
    kindred_process: KindredProcess, homeserver: Any
) -> None:
    await _start(kindred_process)
    synapse_pid = homeserver.pid
    data_dir = kindred_process.data_dir
    async with kindred_process.web() as web:
        ada = await sign_up(web, "ada", "Ada", ["knots"])
        bo = await sign_up(web, "bo", "Bo", ["knots"])
        sent = await ada.call("POST", "/requests", 201, json={"to": bo.username})
        told_bo = "SELECT id FROM bot_jobs WHERE kind = 'notice_request' AND state = 'done'"
        await eventually(lambda: query(data_dir, told_bo), timeout=30)

        os.kill(synapse_pid, signal.SIGSTOP)
        try:
            await bo.call("POST", f"/requests/{sent['request']['id']}/accept", 200)
            # The room worker has begun: its createRoom is on the wire, no notice has gone.
            await eventually(lambda: query(data_dir, "SELECT id FROM jobs WHERE attempts > 0"), timeout=30)
            await asyncio.sleep(0.5)  # margin for the request to leave the process
            kindred_process.kill()
        finally:
            os.kill(synapse_pid, signal.SIGCONT)
        pending = "SELECT COUNT(*) FROM bot_jobs WHERE kind = 'notice_match' AND state = 'queued'"
        assert await query(data_dir, pending) == [(2,)]

        await _start(kindred_process)
        done = "SELECT COUNT(*) FROM bot_jobs WHERE kind = 'notice_match' AND state = 'done'"
        await eventually(lambda: _equals(query(data_dir, done), [(2,)]), timeout=90)
        match = (await ada.call("GET", "/matches", 200))["matches"][0]
        assert match["status"] == "ready"

        for person, needles in ((ada, ("accepted your request", "is ready")), (bo, ("Your room with Ada",))):
            mx = await matrix_login(homeserver.url, person)
            try:
                [direct] = [r for r in await _rooms_with_bot(mx) if r != match["room_id"]]
                await mx.join(direct)
                for needle in needles:
                    assert len(await _bot_notices(mx, direct, needle)) == 1, needle
            finally:
                await mx.close()


async def _equals(found: Any, expected: Any) -> bool:
    return await found == expected

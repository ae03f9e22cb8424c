"""6. The bot at scale: many match rooms joined, its sync, its memory, and
how fast it answers ``!shared``.

Two real people are matched through Kindred and join their room; then the
bot's own account creates the other rooms (marked as match rooms, as the
room worker marks them). They hold the bot alone: signing up thousands of
people as well would take most of the run, and a room's weight in the bot's
sync is its membership and timeline, which a quiet two-person room barely
adds to.

Measured: the bot's first filtered sync with every room in it (the worst
case, after a lost sync position), an incremental one, Kindred's resident
memory after its bot has digested that first sync, and the time from a
person sending ``!shared`` to their own client receiving the answer.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from pathlib import Path

import aiohttp
from nio import AsyncClient, AsyncClientConfig, JoinResponse, LoginResponse, RoomSendResponse, SyncResponse

from benchmarks import matrix
from benchmarks.harness import Homeserver, Kindred, rss_mb, summary_ms
from benchmarks.report import Result, Target, ms
from bridge import sync_reader
from bridge.matrix_client import MATCH_STATE_TYPE, BotSession, MatrixClient
from config.secrets import load_or_create_secrets

ANSWER_P50, MEMORY_MB = 300.0, 300.0
_INTERESTS = ["chess", "go", "tango", "sourdough", "bouldering"]
# The bot answers at most 20 commands a minute per person.
_PER_PERSON = 15


async def run(hs: Homeserver, kindred: Kindred, rooms: int, rounds: int) -> Result:
    async with aiohttp.ClientSession() as http:
        bot = MatrixClient(hs.url, await _bot_device(http, hs, kindred))
        talkers, room_id = await _matched_pair(http, hs, kindred, rounds)
        try:
            # Kindred is down while the rooms are made: its bot would sync
            # after each one, slowing the setup; it comes back, with its sync
            # position forgotten, to be measured below.
            kindred.stop()
            made = await _bot_rooms(bot, rooms)
            first, incremental, seen = await _bot_syncs(bot)
            rss, peak = await _memory_after_first_sync(kindred)
            answers = await _shared_answers(talkers, room_id, rounds)
        finally:
            for client in talkers:
                await client.close()
            await bot.close()
    return _result(rooms, rounds, made, first, incremental, seen, rss, peak, answers)


async def _matched_pair(
    http: aiohttp.ClientSession, hs: Homeserver, kindred: Kindred, rounds: int
) -> tuple[list[AsyncClient], str]:
    pairs = max(1, -(-rounds // (2 * _PER_PERSON)))
    clients: list[AsyncClient] = []
    room_id = ""
    for _ in range(pairs):
        a = await matrix.sign_up(http, kindred.url, "talker", _INTERESTS)
        b = await matrix.sign_up(http, kindred.url, "talker", _INTERESTS[1:])
        request_id = await matrix.request_between(http, kindred.url, a, b)
        await matrix.accept(http, kindred.url, b, request_id)
        room_id = await matrix.room_of_request(kindred.database, request_id, ready=True)
        for person in (a, b):
            client = AsyncClient(hs.url, person.username, config=AsyncClientConfig(store_sync_tokens=False))
            login = await client.login(matrix.PASSWORD, device_name="benchmark client")
            assert isinstance(login, LoginResponse), login
            joined = await client.join(room_id)
            assert isinstance(joined, JoinResponse), joined
            client.room_for_bench = room_id  # type: ignore[attr-defined]
            clients.append(client)
    return clients, room_id


async def _bot_device(http: aiohttp.ClientSession, hs: Homeserver, kindred: Kindred) -> BotSession:
    """The bot's account on a device of the benchmark's own: Synapse answers
    a repeated sync of one device from a short-lived cache, so sharing the
    running bot's device could time a cached answer."""
    saved = BotSession.load(kindred.data_dir / "bot-session.json")
    assert saved is not None, "the bot has no session yet"
    password = load_or_create_secrets(kindred.data_dir).bot_password
    body = await matrix.call(
        http,
        "POST",
        hs.url + "/_matrix/client/v3/login",
        200,
        json={
            "type": "m.login.password",
            "identifier": {"type": "m.id.user", "user": saved.user_id},
            "password": password,
        },
    )
    return BotSession(body["user_id"], body["device_id"], body["access_token"])


async def _bot_rooms(bot: MatrixClient, rooms: int, concurrency: int = 24) -> float:
    """Rooms made by the bot's account; returns how many per second."""
    slots = asyncio.Semaphore(concurrency)

    async def one(number: int) -> None:
        # No name or topic: the bot's sync filter asks for membership and
        # messages only, so such state would cost the set-up, not the bot.
        body = {
            "preset": "private_chat",
            "initial_state": [
                {"type": MATCH_STATE_TYPE, "state_key": "", "content": {"instance": "bench", "match_id": -number}},
            ],
        }
        async with slots:
            await bot.request_json("POST", "/_matrix/client/v3/createRoom", body)

    started = time.perf_counter()
    await asyncio.gather(*(one(n) for n in range(rooms)))
    return rooms / (time.perf_counter() - started)


async def _bot_syncs(bot: MatrixClient) -> tuple[float, float, int]:
    """The bot's filtered sync from nothing (every room) and then from there."""
    filter_id = await sync_reader.upload_filter(bot)
    started = time.perf_counter()
    payload = await bot.request_json(
        "GET", f"/_matrix/client/v3/sync?filter={filter_id}&timeout=0&set_presence=offline", timeout=600
    )
    sync_reader.parse(payload, bot.user_id)
    first = time.perf_counter() - started
    seen = len((payload.get("rooms") or {}).get("join") or {})
    since = payload["next_batch"]
    del payload
    started = time.perf_counter()
    await sync_reader.sync(bot, since, filter_id, 0)
    return first, time.perf_counter() - started, seen


async def _memory_after_first_sync(kindred: Kindred, timeout: float = 600.0) -> tuple[float, float]:
    """Restart Kindred with its sync position forgotten, so its bot's first
    sync holds every room; resident memory once that batch is handled."""
    kindred.stop()
    conn = sqlite3.connect(kindred.database)
    try:
        conn.execute("DELETE FROM bot_sync")
        conn.commit()
    finally:
        conn.close()
    await kindred.start()
    deadline = time.monotonic() + timeout
    while not _has_sync_position(kindred.database):
        if time.monotonic() > deadline:
            raise RuntimeError("the bot did not finish its first sync")
        await asyncio.sleep(0.2)
    await asyncio.sleep(1.0)
    assert kindred.process is not None
    return rss_mb(kindred.process.pid), rss_mb(kindred.process.pid, "VmHWM")


def _has_sync_position(database: Path) -> bool:
    conn = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        return conn.execute("SELECT 1 FROM bot_sync").fetchone() is not None
    finally:
        conn.close()


async def _shared_answers(talkers: list[AsyncClient], room_id: str, rounds: int) -> list[float]:
    for client in talkers:
        first = await client.sync(timeout=0)
        assert isinstance(first, SyncResponse), first
    times: list[float] = []
    for n in range(rounds):
        client = talkers[n % len(talkers)]
        room = client.room_for_bench  # type: ignore[attr-defined]
        started = time.perf_counter()
        sent = await client.room_send(room, "m.room.message", {"msgtype": "m.text", "body": "!shared"})
        assert isinstance(sent, RoomSendResponse), sent
        times.append(await _answer(client, room, started))
        await asyncio.sleep(0.2)
    return times


async def _answer(client: AsyncClient, room_id: str, started: float, timeout: float = 30.0) -> float:
    deadline = started + timeout
    while time.perf_counter() < deadline:
        response = await client.sync(timeout=10_000)
        arrived = time.perf_counter()
        if not isinstance(response, SyncResponse):
            continue
        room = response.rooms.join.get(room_id)
        for event in room.timeline.events if room else []:
            body = event.source.get("content", {}).get("body", "")
            if event.sender != client.user_id and "both like" in body:
                return arrived - started
    raise RuntimeError("the bot did not answer !shared")


def _result(
    rooms: int,
    rounds: int,
    made: float,
    first: float,
    incremental: float,
    seen: int,
    rss: float,
    peak: float,
    answers: list[float],
) -> Result:
    answer = summary_ms(answers)
    return Result(
        number=6,
        title="The bot at scale: sync, memory and a !shared answer",
        sizes=f"{rooms:,} bot rooms plus the talking pair's, {rounds} !shared rounds",
        table=[
            ["measure", "value"],
            ["rooms the bot is in (first sync)", f"{seen:,}"],
            ["bot's first filtered sync, every room", f"{first:.2f} s"],
            ["bot's incremental sync, nothing new", ms(incremental * 1000)],
            ["Kindred resident memory after its bot's first sync", f"{rss:.0f} MB (peak {peak:.0f} MB)"],
            ["!shared sent to answer seen, p50", ms(answer["p50"])],
            ["!shared sent to answer seen, p90", ms(answer["p90"])],
            ["rooms created per second while setting up (bot account)", f"{made:.1f}"],
        ],
        targets=[
            Target("!shared answer p50", f"<= {ANSWER_P50:.0f} ms", ms(answer["p50"]), answer["p50"] <= ANSWER_P50),
            Target(f"Kindred memory with {seen:,} rooms", f"< {MEMORY_MB:.0f} MB", f"{rss:.0f} MB", rss < MEMORY_MB),
        ],
        notes=[
            "Memory is the whole Kindred process (web app, database handles and bot), measured after a "
            "restart with the bot's sync position deleted, so its first sync carried every room.",
            "The !shared time runs from the person's client sending the message to that same client's "
            "sync returning the bot's answer: homeserver delivery to the bot, the bot's command handling, "
            "its reply, and delivery back.",
            "The first filtered sync with every room takes the homeserver tens of seconds at this size "
            "(the bot allows a first sync 5 minutes); it happens only for a new bot or after a lost sync "
            "position. An incremental sync takes milliseconds.",
        ],
        figures={
            "answer_ms": answer,
            "first_sync_s": first,
            "incremental_sync_ms": incremental * 1000,
            "rss_mb": rss,
            "peak_mb": peak,
            "rooms_seen": seen,
        },
    )

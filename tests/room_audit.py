"""Counting match rooms the way an auditor would: on the homeserver, as the bot.

Each joined room of the bot is read for the mark its ``m.room.create`` event
carries (or, for rooms made before that mark, the ``org.kindred.match``
state), so half-made rooms are counted too, not only the complete ones.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

from bridge.errors import BridgeError
from bridge.matrix_client import MATCH_STATE_TYPE, BotSession, MatrixClient
from store import instance
from web import keys

INTRO_KEY = "org.kindred.intro"


def bot_client(data_dir: Path, homeserver_url: str) -> MatrixClient:
    session = BotSession.load(data_dir / "bot-session.json")
    assert session is not None
    return MatrixClient(homeserver_url, session)


async def rooms_by_match(bot: MatrixClient, instance_id: str) -> dict[int, list[str]]:
    rooms = (await bot.request_json("GET", "/_matrix/client/v3/joined_rooms"))["joined_rooms"]
    slots = asyncio.Semaphore(16)

    async def mark(room_id: str) -> dict[str, Any] | None:
        async with slots:
            create = await _state_event(bot, room_id, "m.room.create")
            if create is not None and MATCH_STATE_TYPE in create:
                return dict(create[MATCH_STATE_TYPE])
            state = await _state_event(bot, room_id, MATCH_STATE_TYPE)
        return dict(state) if state is not None else None

    found: dict[int, list[str]] = {}
    marks = await asyncio.gather(*(mark(room_id) for room_id in rooms))
    for room_id, content in zip(rooms, marks, strict=False):
        if content and content.get("instance") == instance_id:
            found.setdefault(int(content["match_id"]), []).append(room_id)
    return found


async def app_instance_id(client: Any) -> str:
    """The Kindred instance a test app (``kindred()``) marks its rooms with."""
    async with client.app[keys.KINDRED].db.read() as conn:
        return await instance.get_id(conn)


async def app_rooms_by_match(client: Any, homeserver_url: str) -> dict[int, list[str]]:
    """A test app's match rooms on the homeserver, half-made ones included."""
    found = await app_instance_id(client)
    bot = bot_client(client.app[keys.SETTINGS].data_dir, homeserver_url)
    try:
        return await rooms_by_match(bot, found)
    finally:
        await bot.close()


async def members(bot: MatrixClient, room_id: str) -> dict[str, str]:
    state = await bot.room_state(room_id)
    return {e["state_key"]: e["content"]["membership"] for e in state if e["type"] == "m.room.member"}


async def _state_event(bot: MatrixClient, room_id: str, event_type: str) -> dict[str, Any] | None:
    """The content of a state event, or None when there is none or the bot cannot see it."""
    path = f"/_matrix/client/v3/rooms/{quote(room_id, safe='')}/state/{quote(event_type, safe='')}/"
    try:
        return await bot.request_json("GET", path)
    except BridgeError:
        return None


async def intro_count(bot: MatrixClient, room_id: str) -> int:
    """How many introductions the bot posted in the room (read from its whole history)."""
    event_filter = quote(json.dumps({"types": ["m.room.message"], "senders": [bot.user_id]}))
    path = f"/_matrix/client/v3/rooms/{quote(room_id, safe='')}/messages?dir=f&limit=100&filter={event_filter}"
    answer = await bot.request_json("GET", path)
    return sum(1 for event in answer.get("chunk", []) if INTRO_KEY in event.get("content", {}))


async def room_exists(bot: MatrixClient, room_id: str) -> bool:
    """Whether the homeserver still holds the room at all (admin API; the bot is an admin)."""
    try:
        await bot.request_json("GET", f"/_synapse/admin/v1/rooms/{quote(room_id, safe='')}")
    except BridgeError as exc:
        if exc.http_status == 404:
            return False
        raise
    return True

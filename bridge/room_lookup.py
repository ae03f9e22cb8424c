"""Reading the marks the bot leaves on match rooms, and removing debris.

Every match room says which (instance, match) it is for from its very first
event: a key in the ``m.room.create`` content, which nobody can change later.
A room is the bot's only if the bot sent that create event, so a room someone
else made cannot pass for a match room whatever state they put in it. A room
is *complete* when it also holds the ``org.kindred.match`` state event, sent
by the bot: Synapse writes a new room's initial state (power levels, join
rules, that marker, name, topic) in one batch after the creator's join, so a
room without it is debris of a creation that died part-way.
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass
from typing import Any, Iterable
from urllib.parse import quote

from bridge.errors import BridgeError
from bridge.matrix_client import MatrixClient, room_path
from bridge.rooms import MATCH_STATE_TYPE

logger = logging.getLogger(__name__)

# Look at this many rooms at once: the scan runs beside live work.
PARALLEL = 4
# The mark on a notice that makes it findable: the room's introduction.
INTRO_KEY = "org.kindred.intro"


@dataclass(frozen=True)
class RoomMark:
    room_id: str
    instance_id: str
    match_id: int


def _parse(room_id: str, content: Any) -> RoomMark | None:
    if not isinstance(content, dict):
        return None
    instance, match_id = content.get("instance"), content.get("match_id")
    if not isinstance(instance, str) or not isinstance(match_id, int) or isinstance(match_id, bool):
        return None
    return RoomMark(room_id, instance, match_id)


async def joined_rooms(client: MatrixClient) -> list[str]:
    answer = await client.request_json("GET", "/_matrix/client/v3/joined_rooms")
    return [room for room in answer.get("joined_rooms", []) if isinstance(room, str)]


async def _state_event(client: MatrixClient, room_id: str, event_type: str) -> dict[str, Any] | None:
    """The whole state event (sender included), or None when there is none."""
    path = f"{room_path(room_id)}/state/{quote(event_type, safe='')}/?format=event"
    try:
        return await client.request_json("GET", path)
    except BridgeError as exc:
        # 404: no such state; 403: the bot is no longer in the room.
        if exc.http_status in (403, 404):
            return None
        raise


async def mark_of(client: MatrixClient, room_id: str) -> RoomMark | None:
    """The room's (instance, match) if the bot created it as a match room."""
    create = await _state_event(client, room_id, "m.room.create")
    if create is None or create.get("sender") != client.user_id:
        return None
    content = create.get("content")
    if isinstance(content, dict) and MATCH_STATE_TYPE in content:
        return _parse(room_id, content[MATCH_STATE_TYPE])
    # Rooms made before the creation mark existed carry only the state event.
    return await _state_mark(client, room_id)


async def _state_mark(client: MatrixClient, room_id: str) -> RoomMark | None:
    event = await _state_event(client, room_id, MATCH_STATE_TYPE)
    if event is None or event.get("sender") != client.user_id:
        return None
    return _parse(room_id, event.get("content"))


async def is_complete(client: MatrixClient, mark: RoomMark) -> bool:
    """The bot's own ``org.kindred.match`` state agrees with the creation mark."""
    return await _state_mark(client, mark.room_id) == mark


async def marks_of(client: MatrixClient, room_ids: Iterable[str]) -> list[RoomMark]:
    """The marks of those rooms that are the bot's match rooms (a few at a time)."""
    slots = asyncio.Semaphore(PARALLEL)

    async def one(room_id: str) -> RoomMark | None:
        async with slots:
            return await mark_of(client, room_id)

    found = await asyncio.gather(*(one(room_id) for room_id in room_ids))
    return [mark for mark in found if mark is not None]


async def has_intro(client: MatrixClient, room_id: str) -> bool:
    """Whether the bot's introduction is already in the room.

    It is among the room's first messages, so the timeline is read forwards
    from the start, the bot's own messages only.
    """
    event_filter = json.dumps({"types": ["m.room.message"], "senders": [client.user_id]})
    path = f"{room_path(room_id)}/messages?dir=f&limit=20&filter={quote(event_filter)}"
    answer = await client.request_json("GET", path)
    return any(
        isinstance(event.get("content"), dict) and INTRO_KEY in event["content"]
        for event in answer.get("chunk", [])
        if isinstance(event, dict)
    )


async def purge(client: MatrixClient, room_id: str) -> None:
    """Shut the room down and purge it (Synapse's admin API; the bot is an admin).

    The shutdown makes every local member leave, the bot included, and
    withdraws the invites, so nobody is left holding a door to nowhere. On a
    homeserver where the bot is no admin, it can only leave.
    """
    try:
        answer = await client.request_json(
            "DELETE", f"/_synapse/admin/v2/rooms/{quote(room_id, safe='')}", {"purge": True}
        )
    except BridgeError as exc:
        if exc.http_status != 403:
            raise
        logger.warning("cannot purge %s (%s); leaving it instead", room_id, exc)
        await client.request_json("POST", f"{room_path(room_id)}/leave", {})
        return
    logger.info("purging room %s (delete id %s)", room_id, answer.get("delete_id"))

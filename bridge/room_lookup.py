"""Finding a match's room by the state event the bot marks it with.

Used only when an earlier attempt may have created the room and died before
recording it: the bot's joined rooms are scanned for ``org.kindred.match``
with this instance's id and the match id, so a retry adopts that room instead of making another.
"""

from __future__ import annotations

import asyncio

from nio import JoinedRoomsResponse, RoomGetStateEventResponse

from bridge.errors import BridgeError
from bridge.matrix_client import MATCH_STATE_TYPE, MatrixClient

_PARALLEL = 16


async def find_match_room(client: MatrixClient, instance_id: str, match_id: int) -> str | None:
    joined = await client.client.joined_rooms()
    if not isinstance(joined, JoinedRoomsResponse):
        raise BridgeError(getattr(joined, "status_code", None) or "M_UNKNOWN", str(joined))
    slots = asyncio.Semaphore(_PARALLEL)

    async def marked(room_id: str) -> str | None:
        async with slots:
            response = await client.client.room_get_state_event(room_id, MATCH_STATE_TYPE, "")
        if isinstance(response, RoomGetStateEventResponse):
            content = response.content
            if content.get("match_id") == match_id and content.get("instance") == instance_id:
                return room_id
        return None

    # Newest rooms are the likeliest; the list is small for a healthy bot
    # and this path only runs after a failed attempt.
    for found in await asyncio.gather(*(marked(room) for room in reversed(joined.rooms))):
        if found:
            return found
    return None

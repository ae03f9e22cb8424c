"""What the matcher bot does in rooms: talk, kick, join, leave, and keep one
direct room per person marked as direct (``m.direct``) on both sides.

Every call waits out a homeserver 429 as ``bridge.transport.PATIENT`` says;
any other failure is a ``BridgeError``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Any
from urllib.parse import quote

from bridge.errors import BridgeError
from bridge.matrix_client import MatrixClient, room_path
from bridge.rooms import DIRECT_MARKER, direct_room
from bridge.transport import patiently

logger = logging.getLogger(__name__)

_PARALLEL = 16
# How long the token used to write someone's m.direct may live.
_PUPPET_TOKEN_MS = 60_000


class BotRooms:
    def __init__(self, client: MatrixClient) -> None:
        self._client = client
        self.user_id = client.user_id
        # The bot's m.direct is one document: read-modify-write it one at a time.
        self._direct_lock = asyncio.Lock()
        # Each room's creation marker (None: unmarked or not the bot's), as
        # read once: m.room.create never changes, so after a crash with many
        # interrupted direct rooms the bot's rooms are read once, not per person.
        self._markers: dict[str, Any] = {}

    async def notice(self, room_id: str, body: str, formatted: str | None = None, txn_id: str | None = None) -> str:
        """Post a notice; ``formatted`` is trusted HTML whose user text is escaped.

        With ``txn_id`` the homeserver posts it once however often it is sent
        (it de-duplicates a transaction id per device): a job retried after a
        crash that followed the send does not post it twice.
        """
        return await patiently(lambda: self._client.send_notice(room_id, body, formatted, txn_id=txn_id))

    async def kick(self, room_id: str, user_id: str, reason: str) -> None:
        await self._call("POST", f"{room_path(room_id)}/kick", {"user_id": user_id, "reason": reason})

    async def invite(self, room_id: str, user_id: str) -> None:
        await patiently(lambda: self._client.invite(room_id, user_id))

    async def join(self, room_id: str) -> None:
        await self._call("POST", f"/_matrix/client/v3/join/{quote(room_id, safe='')}", {})

    async def leave(self, room_id: str) -> None:
        await patiently(lambda: self._client.leave(room_id))

    async def membership(self, room_id: str, user_id: str) -> str | None:
        """``user_id``'s membership, or None when there is none or the bot cannot see the room."""
        path = f"{room_path(room_id)}/state/m.room.member/{quote(user_id, safe='')}"
        try:
            content = await self._call("GET", path)
        except BridgeError as exc:
            if exc.http_status in (403, 404):
                return None
            raise
        return str(content.get("membership")) if content.get("membership") else None

    async def anyone_wrote(self, room_id: str) -> bool:
        """Whether anyone but the bot has sent a message in the room.

        One page of the room's history, filtered on the homeserver to
        messages from others: the answer does not depend on the bot having
        been running (and syncing) when they were sent.
        """
        only_people = json.dumps({"types": ["m.room.message"], "not_senders": [self.user_id]})
        path = f"{room_path(room_id)}/messages?dir=b&limit=1&filter={quote(only_people, safe='')}"
        page = await self._call("GET", path)
        return bool(page.get("chunk"))

    async def create_direct_room(self, user_id: str, marker: dict[str, Any] | None = None) -> str:
        """A private room for the bot and ``user_id`` (``rooms.direct_room``)."""
        return await patiently(lambda: self._client.create_room(direct_room(user_id, marker)))

    async def find_direct_room(self, marker: dict[str, Any]) -> str | None:
        """A room the bot is in whose creation carries ``marker``, newest first.

        Only asked after a creation whose outcome is unknown, so scanning the
        bot's rooms is rare.
        """
        joined = await self._call("GET", "/_matrix/client/v3/joined_rooms")
        rooms = [str(room) for room in joined.get("joined_rooms") or []]
        slots = asyncio.Semaphore(_PARALLEL)

        async def marked(room_id: str) -> bool:
            if room_id not in self._markers:
                async with slots:
                    self._markers[room_id] = await self._marker_of(room_id)
            return bool(self._markers[room_id] == marker)

        for room_id, hit in zip(rooms[::-1], await asyncio.gather(*(marked(r) for r in rooms[::-1])), strict=False):
            if hit:
                return room_id
        return None

    async def _marker_of(self, room_id: str) -> Any:
        try:
            create = await self._call("GET", f"{room_path(room_id)}/state/m.room.create/?format=event")
        except BridgeError as exc:
            if exc.http_status in (403, 404):
                return None
            raise
        # Only rooms the bot created itself count: anyone may put any key in theirs.
        if create.get("sender") != self.user_id:
            return None
        return (create.get("content") or {}).get(DIRECT_MARKER)

    async def mark_direct(self, user_id: str, room_id: str, both_sides: bool = True) -> None:
        """Record the room in the bot's m.direct and, as their client would, in ``user_id``'s."""
        async with self._direct_lock:
            await self._add_direct(self.user_id, user_id, room_id, None)
        if both_sides:
            # Only the person can write their own account data, so the bot
            # (a homeserver admin) borrows a short-lived token for them.
            login = await self._call(
                "POST",
                f"/_synapse/admin/v1/users/{quote(user_id, safe='')}/login",
                {"valid_until_ms": int(time.time() * 1000) + _PUPPET_TOKEN_MS},
            )
            token = str(login["access_token"])
            try:
                await self._add_direct(user_id, self.user_id, room_id, token)
            finally:
                try:
                    await self._call("POST", "/_matrix/client/v3/logout", {}, token)
                except BridgeError as exc:
                    logger.warning("could not log out the token for %s: %s", user_id, exc)

    async def _add_direct(self, owner: str, other: str, room_id: str, token: str | None) -> None:
        path = f"/_matrix/client/v3/user/{quote(owner, safe='')}/account_data/m.direct"
        try:
            direct = await self._call("GET", path, None, token)
        except BridgeError as exc:
            if exc.http_status != 404:
                raise
            direct = {}
        if direct.get(other) == [room_id]:
            return
        # One direct room per person: an earlier one (left or replaced) is dropped.
        direct[other] = [room_id]
        await self._call("PUT", path, direct, token)

    async def _call(
        self, method: str, path: str, body: dict[str, Any] | None = None, token: str | None = None
    ) -> dict[str, Any]:
        return await patiently(lambda: self._client.request_json(method, path, body, token=token))

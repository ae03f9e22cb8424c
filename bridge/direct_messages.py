"""The domain's ``DirectMessages`` port: the bot's direct rooms with any Matrix ID.

Used to deliver link codes to IDs on other homeservers. The room is created
first and the invite sent on its own, so that a refused or undeliverable
invite (the other server is the one that answers) is told apart from a
failure of Kindred's own homeserver, and the empty room is left behind.
It speaks through the bot's one client (``bridge.matrix_client``).
"""

from __future__ import annotations

import contextlib
import logging

from bridge.errors import BridgeError
from bridge.matrix_client import MatrixClient
from bridge.rooms import link_code_room
from bridge.transport import AT_ONCE
from domain.ports import HomeserverDown, InviteRefused, MatrixIdUnreachable

logger = logging.getLogger(__name__)

# Synapse answers 502 when it cannot reach (or even resolve) the other
# server; a gateway timeout means the same to us.
_REMOTE_UNREACHABLE = {502, 504}


class BotDirectMessages:
    def __init__(self, client: MatrixClient) -> None:
        self._client = client

    async def open_direct_room(self, matrix_user_id: str, name: str) -> str:
        # Someone waits on the page for this: a 429 is not sat out (AT_ONCE).
        try:
            room_id = await AT_ONCE.run(lambda: self._client.create_room(link_code_room(name)))
        except BridgeError as exc:
            raise HomeserverDown(str(exc)) from exc
        try:
            await AT_ONCE.run(lambda: self._client.invite(room_id, matrix_user_id))
        except BridgeError as exc:
            await self._abandon(room_id)
            if exc.http_status in _REMOTE_UNREACHABLE:
                raise MatrixIdUnreachable(str(exc)) from exc
            if exc.unreachable:
                raise HomeserverDown(str(exc)) from exc
            raise InviteRefused(str(exc)) from exc
        return room_id

    async def send_text(self, room_id: str, body: str) -> None:
        try:
            await AT_ONCE.run(lambda: self._client.send_notice(room_id, body))
        except BridgeError as exc:
            raise HomeserverDown(str(exc)) from exc

    async def _abandon(self, room_id: str) -> None:
        with contextlib.suppress(BridgeError):
            await self._client.leave(room_id)
            await self._client.forget(room_id)

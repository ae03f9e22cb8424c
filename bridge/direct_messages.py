"""The domain's ``DirectMessages`` port: the bot's direct rooms with any Matrix ID.

Used to deliver link codes to IDs on other homeservers. The room is created
first and the invite sent on its own, so that a refused or undeliverable
invite (the other server is the one that answers) is told apart from a
failure of Kindred's own homeserver, and the empty room is left behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any, Awaitable, Callable

import aiohttp
from nio import (
    ErrorResponse,
    RoomCreateResponse,
    RoomForgetResponse,
    RoomInviteResponse,
    RoomLeaveResponse,
    RoomPreset,
    RoomSendResponse,
    RoomVisibility,
)

from bridge.errors import BridgeError
from bridge.matrix_client import BotSession, MatrixClient
from domain.ports import HomeserverDown, InviteRefused, MatrixIdUnreachable

logger = logging.getLogger(__name__)

# Synapse answers 502 when it cannot reach (or even resolve) the other
# server; a gateway timeout means the same to us.
_REMOTE_UNREACHABLE = {502, 504}

SessionSource = Callable[[], Awaitable[BotSession]]


class BotDirectMessages:
    def __init__(self, homeserver_url: str, session: SessionSource) -> None:
        self._homeserver_url = homeserver_url
        self._session = session
        self._client: MatrixClient | None = None
        self._lock = asyncio.Lock()

    async def close(self) -> None:
        if self._client is not None:
            await self._client.close()
            self._client = None

    async def open_direct_room(self, matrix_user_id: str, name: str) -> str:
        client = await self._nio()
        created = await _call(
            client.room_create(
                visibility=RoomVisibility.private,
                name=name,
                preset=RoomPreset.private_chat,
                is_direct=True,
                initial_state=[
                    {"type": "m.room.guest_access", "state_key": "", "content": {"guest_access": "forbidden"}},
                ],
            ),
            RoomCreateResponse,
        )
        room_id = str(created.room_id)
        try:
            await _call(client.room_invite(room_id, matrix_user_id), RoomInviteResponse)
        except BridgeError as exc:
            await self._abandon(room_id)
            if exc.http_status in _REMOTE_UNREACHABLE:
                raise MatrixIdUnreachable(str(exc)) from exc
            if exc.unreachable:
                raise HomeserverDown(str(exc)) from exc
            raise InviteRefused(str(exc)) from exc
        return room_id

    async def send_text(self, room_id: str, body: str) -> None:
        client = await self._nio()
        content = {"msgtype": "m.notice", "body": body}
        try:
            await _call(client.room_send(room_id, "m.room.message", content), RoomSendResponse)
        except BridgeError as exc:
            raise HomeserverDown(str(exc)) from exc

    async def _abandon(self, room_id: str) -> None:
        client = await self._nio()
        with contextlib.suppress(BridgeError):
            await _call(client.room_leave(room_id), RoomLeaveResponse)
            await _call(client.room_forget(room_id), RoomForgetResponse)

    async def _nio(self) -> Any:
        """The bot's client, renewed when its session was (the source checks the token)."""
        async with self._lock:
            try:
                session = await self._session()
            except BridgeError as exc:
                raise HomeserverDown(str(exc)) from exc
            if self._client is not None and self._client.client.access_token != session.access_token:
                await self.close()
            if self._client is None:
                self._client = MatrixClient(self._homeserver_url, session)
            return self._client.client


async def _call(call: Awaitable[Any], expected: type) -> Any:
    """Await a nio call; an error response becomes a ``BridgeError`` with its HTTP status."""
    try:
        response = await call
    except (TimeoutError, aiohttp.ClientError, OSError) as exc:
        raise BridgeError("K_UNREACHABLE", f"{type(exc).__name__}: {exc}") from exc
    if isinstance(response, expected):
        return response
    status = getattr(getattr(response, "transport_response", None), "status", None)
    if isinstance(response, ErrorResponse):
        raise BridgeError(response.status_code or "M_UNKNOWN", response.message or "error", status)
    raise BridgeError("M_UNKNOWN", f"unexpected response {type(response).__name__}", status)

"""The bot's one Matrix client: one HTTP session, one source of its access
token, every call through ``bridge.transport.exchange`` (so a failure is a
``BridgeError``, never mistaken for a result), and the one place rooms are
created (from a ``bridge.rooms.RoomSpec``).
"""

from __future__ import annotations

import asyncio
import html
import json
import logging
import os
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Awaitable, Callable
from urllib.parse import quote

import aiohttp

from bridge.errors import BridgeError
from bridge.rooms import MATCH_STATE_TYPE, RoomSpec, match_room
from bridge.transport import DEFAULT_TIMEOUT, exchange, json_object

__all__ = ["MATCH_STATE_TYPE", "BotSession", "MatrixClient", "SessionSource", "escape"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class BotSession:
    user_id: str
    device_id: str
    access_token: str

    def save(self, path: Path) -> None:
        # A name of this process's own: the web processes and the bot of one
        # deployment may share the data directory and save at the same moment.
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        # Created owner-only: the token must never be readable, even briefly.
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(json.dumps(asdict(self)))
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> BotSession | None:
        try:
            return cls(**json.loads(path.read_text()))
        except (OSError, ValueError, TypeError):
            return None


# Gives the bot's session, checked (and renewed if need be) on each call.
SessionSource = Callable[[], Awaitable[BotSession]]


def room_path(room_id: str) -> str:
    return f"/_matrix/client/v3/rooms/{quote(room_id, safe='')}"


class MatrixClient:
    """The bot's client. Given a ``session``, it uses that one; given
    ``renew``, it asks for a session on first use and asks again once when
    the homeserver no longer knows the token (``M_UNKNOWN_TOKEN``).

    No 429 is retried here: callers choose (``bridge.transport.RateLimit``),
    since the room worker retries through its durable job queue instead.
    """

    def __init__(
        self, homeserver_url: str, session: BotSession | None = None, renew: SessionSource | None = None
    ) -> None:
        self._base = homeserver_url.rstrip("/")
        self._session = session
        self._renew = renew
        self._http: aiohttp.ClientSession | None = None
        self._lock = asyncio.Lock()

    @property
    def user_id(self) -> str:
        if self._session is None:
            raise RuntimeError("the bot is not logged in yet (await login() first)")
        return self._session.user_id

    async def login(self) -> BotSession:
        """The bot's session, asked of the source if there is none yet."""
        async with self._lock:
            if self._session is None:
                if self._renew is None:
                    raise BridgeError("M_UNKNOWN_TOKEN", "the bot has no session")
                self._session = await self._renew()
            return self._session

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()
            self._http = None

    async def request_json(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        timeout: float | None = None,
        token: str | None = None,
    ) -> dict[str, Any]:
        """A client-server (or admin) API call, as the bot or with ``token``."""
        return json_object(await self._request(method, path, body, timeout, token))

    async def room_state(self, room_id: str) -> list[dict[str, Any]]:
        """The room's whole state (as it was when the bot left, if it did)."""
        answer = await self._request("GET", f"{room_path(room_id)}/state")
        return [event for event in answer if isinstance(event, dict)] if isinstance(answer, list) else []

    async def _request(
        self, method: str, path: str, body: Any = None, timeout: float | None = None, token: str | None = None
    ) -> Any:
        if self._http is None:
            self._http = aiohttp.ClientSession()
        limit = DEFAULT_TIMEOUT if timeout is None else aiohttp.ClientTimeout(total=timeout, connect=5)
        if token is not None:
            return await exchange(self._http, method, self._base + path, body, token, limit)
        session = await self.login()
        try:
            return await exchange(self._http, method, self._base + path, body, session.access_token, limit)
        except BridgeError as exc:
            if exc.errcode != "M_UNKNOWN_TOKEN" or self._renew is None:
                raise
            logger.warning("the bot's token was refused; renewing its session")
            fresh = await self._renewed(session)
            return await exchange(self._http, method, self._base + path, body, fresh.access_token, limit)

    async def _renewed(self, stale: BotSession) -> BotSession:
        async with self._lock:
            if self._session is stale and self._renew is not None:
                self._session = await self._renew()
            assert self._session is not None
            return self._session

    async def create_room(self, spec: RoomSpec) -> str:
        """Make the room the spec declares; its id."""
        created = await self.request_json("POST", "/_matrix/client/v3/createRoom", spec.body())
        room_id = created.get("room_id")
        if not isinstance(room_id, str):
            raise BridgeError("M_UNKNOWN", "createRoom gave no room id")
        return room_id

    async def create_match_room(
        self, instance_id: str, match_id: int, name: str, topic: str, invitees: list[str]
    ) -> str:
        """A private room for two, marked with its match id (``rooms.match_room``)."""
        return await self.create_room(match_room(instance_id, match_id, name, topic, invitees))

    async def invite(self, room_id: str, user_id: str) -> None:
        await self.request_json("POST", f"{room_path(room_id)}/invite", {"user_id": user_id})

    async def leave(self, room_id: str) -> None:
        await self.request_json("POST", f"{room_path(room_id)}/leave", {})

    async def forget(self, room_id: str) -> None:
        await self.request_json("POST", f"{room_path(room_id)}/forget", {})

    async def send_notice(
        self,
        room_id: str,
        body: str,
        formatted: str | None = None,
        extra: dict[str, Any] | None = None,
        txn_id: str | None = None,
    ) -> str:
        """Post a notice; ``formatted`` is trusted HTML built with ``escape``.

        ``extra`` adds keys to the content (a mark to find the notice by).
        With ``txn_id`` the homeserver posts it once however often it is sent
        (it de-duplicates a transaction id per device): a job retried after a
        crash that followed the send does not post it twice.
        """
        content: dict[str, Any] = {"msgtype": "m.notice", "body": body}
        if formatted is not None:
            content.update(format="org.matrix.custom.html", formatted_body=formatted)
        if extra:
            content.update(extra)
        txn = quote(txn_id or uuid.uuid4().hex, safe="")
        sent = await self.request_json("PUT", f"{room_path(room_id)}/send/m.room.message/{txn}", content)
        return str(sent.get("event_id", ""))


def escape(text: str) -> str:
    return html.escape(text, quote=True)

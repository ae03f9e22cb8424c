"""The bot's Matrix client: matrix-nio, with every error response turned
into a ``BridgeError`` so callers never mistake a failure for a result."""

from __future__ import annotations

import html
import json
import logging
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import aiohttp
from nio import (
    AsyncClient,
    AsyncClientConfig,
    ErrorResponse,
    RoomSendResponse,
)

from bridge.errors import BridgeError, unreachable

logger = logging.getLogger(__name__)

MATCH_STATE_TYPE = "org.kindred.match"


@dataclass(frozen=True)
class BotSession:
    user_id: str
    device_id: str
    access_token: str

    def save(self, path: Path) -> None:
        tmp = path.with_suffix(".tmp")
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


def _checked(response: Any, expected: type) -> Any:
    if isinstance(response, expected):
        return response
    if isinstance(response, ErrorResponse):
        raise BridgeError(
            response.status_code or "M_UNKNOWN",
            response.message or "unknown error",
            None,
            response.retry_after_ms,
        )
    raise BridgeError("M_UNKNOWN", f"unexpected response {type(response).__name__}")


class MatrixClient:
    def __init__(self, homeserver_url: str, session: BotSession) -> None:
        # 429s and time-outs come back to us instead of being retried inside
        # nio forever: the provisioning queue owns retries and backoff.
        config = AsyncClientConfig(max_limit_exceeded=0, max_timeouts=1, request_timeout=30, store_sync_tokens=False)
        self.client = AsyncClient(homeserver_url, session.user_id, session.device_id, config=config)
        self.client.restore_login(session.user_id, session.device_id, session.access_token)
        self.user_id = session.user_id

    async def close(self) -> None:
        await self.client.close()

    async def _guard(self, call: Any, expected: type) -> Any:
        try:
            return _checked(await call, expected)
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            raise unreachable(exc) from exc

    async def request_json(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        timeout: float | None = None,
        token: str | None = None,
    ) -> dict[str, Any]:
        """A raw client-server (or admin) API call, as the bot or with ``token``.

        For what nio has no call for (account data, admin login, a filtered
        sync read without nio keeping every room in memory).
        """
        headers = {
            "Authorization": f"Bearer {token or self.client.access_token}",
            "Content-Type": "application/json",
        }
        data = json.dumps(body) if body is not None else None
        try:
            response = await self.client.send(method, path, data, headers, timeout=timeout)
            async with response:
                payload = await response.json(content_type=None)
        except (TimeoutError, aiohttp.ClientError, OSError, ValueError) as exc:
            raise unreachable(exc) from exc
        payload = payload if isinstance(payload, dict) else {}
        if response.status >= 400:
            raise BridgeError(
                str(payload.get("errcode", "M_UNKNOWN")),
                str(payload.get("error", response.reason)),
                response.status,
                payload.get("retry_after_ms"),
            )
        return payload

    async def create_match_room(
        self, instance_id: str, match_id: int, name: str, topic: str, invitees: list[str]
    ) -> str:
        """A private, invite-only room for two, marked with its match id.

        The mark is made twice. In ``creation_content`` it rides on the room's
        very first event (``m.room.create``), so even a room whose creation
        died part-way (before any other state) can be told apart and cleaned
        up; as the ``org.kindred.match`` state event it is written with the
        rest of the initial state, so its presence says creation got that far.
        """
        mark = {"instance": instance_id, "match_id": match_id}
        body = {
            "visibility": "private",
            "preset": "private_chat",
            "name": name,
            "topic": topic,
            "invite": invitees,
            "creation_content": {MATCH_STATE_TYPE: mark},
            "initial_state": [
                {"type": "m.room.history_visibility", "state_key": "", "content": {"history_visibility": "shared"}},
                {"type": "m.room.guest_access", "state_key": "", "content": {"guest_access": "forbidden"}},
                {"type": MATCH_STATE_TYPE, "state_key": "", "content": mark},
            ],
        }
        created = await self.request_json("POST", "/_matrix/client/v3/createRoom", body)
        room_id = created.get("room_id")
        if not isinstance(room_id, str):
            raise BridgeError("M_UNKNOWN", "createRoom gave no room id")
        return room_id

    async def send_notice(
        self,
        room_id: str,
        body: str,
        formatted: str | None = None,
        extra: dict[str, Any] | None = None,
        txn_id: str | None = None,
    ) -> str:
        """Post a notice; ``formatted`` is trusted HTML built with ``escape``.

        ``extra`` adds keys to the content (a mark to find the notice by);
        the same ``txn_id`` sent twice makes one event, not two.
        """
        content: dict[str, Any] = {"msgtype": "m.notice", "body": body}
        if formatted is not None:
            content.update(format="org.matrix.custom.html", formatted_body=formatted)
        if extra:
            content.update(extra)
        response = await self._guard(
            self.client.room_send(room_id, "m.room.message", content, tx_id=txn_id, ignore_unverified_devices=True),
            RoomSendResponse,
        )
        return str(response.event_id)


def escape(text: str) -> str:
    return html.escape(text, quote=True)

"""The domain's ``HomeserverAccounts`` port, backed by the admin API."""

from __future__ import annotations

import logging
from typing import Awaitable, Callable

from bridge.admin import SynapseAdmin
from bridge.errors import BridgeError
from domain.ports import AccountRefused, AccountUnavailable, HomeserverDown

logger = logging.getLogger(__name__)

# Returns an access token of a homeserver admin (the bot's).
AdminToken = Callable[[], Awaitable[str]]


class MatrixAccounts:
    def __init__(self, admin: SynapseAdmin, admin_token: AdminToken, server_name: str) -> None:
        self._admin = admin
        self._admin_token = admin_token
        self._server_name = server_name

    async def register(self, username: str, password: str, display_name: str) -> str:
        try:
            return await self._admin.register(username, password, display_name)
        except BridgeError as exc:
            if exc.errcode in ("M_USER_IN_USE", "M_EXCLUSIVE"):
                raise AccountUnavailable(username) from exc
            if exc.unreachable:
                raise HomeserverDown(str(exc)) from exc
            # The homeserver is up and said no (an invalid name, a weak
            # password, a rate limit): the person gets a 4xx, not "try later".
            raise AccountRefused(exc.message, exc.retry_after_ms) from exc

    async def adopt(self, username: str, password: str, display_name: str) -> str | None:
        user_id = f"@{username}:{self._server_name}"
        try:
            token = await self._admin_token()
            found = await self._admin.get_user(user_id, token)
            if found is None or found.get("admin") or found.get("deactivated") or found.get("appservice_id"):
                # Admins, closed accounts and bridged users were never a
                # signup's orphan: taking them over would be a hijack.
                return None
            await self._admin.update_user(
                user_id, token, {"password": password, "displayname": display_name, "logout_devices": True}
            )
        except BridgeError as exc:
            raise HomeserverDown(str(exc)) from exc
        logger.warning("adopted the existing homeserver account %s for a new signup", user_id)
        return user_id

    async def set_display_name(self, matrix_user_id: str, display_name: str) -> None:
        await self._update(matrix_user_id, {"displayname": display_name})

    async def set_locked(self, matrix_user_id: str, locked: bool) -> None:
        await self._update(matrix_user_id, {"locked": locked})

    async def set_avatar(self, matrix_user_id: str, content_type: str, data: bytes, filename: str) -> None:
        # We hold no token of the person: the bot (a homeserver admin) uploads
        # the picture and sets it on the account through the admin API.
        try:
            token = await self._admin_token()
            uri = await self._admin.upload_media(token, content_type, data, filename)
        except BridgeError as exc:
            raise HomeserverDown(str(exc)) from exc
        await self._update(matrix_user_id, {"avatar_url": uri})

    async def clear_avatar(self, matrix_user_id: str) -> None:
        await self._update(matrix_user_id, {"avatar_url": ""})

    async def _update(self, matrix_user_id: str, fields: dict[str, object]) -> None:
        try:
            await self._admin.update_user(matrix_user_id, await self._admin_token(), fields)
        except BridgeError as exc:
            raise HomeserverDown(str(exc)) from exc

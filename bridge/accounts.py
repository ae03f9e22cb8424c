"""The domain's ``HomeserverAccounts`` port, backed by the admin API."""

from __future__ import annotations

from typing import Awaitable, Callable

from bridge.admin import SynapseAdmin
from bridge.errors import BridgeError
from domain.ports import AccountUnavailable, HomeserverDown

# Returns an access token of a homeserver admin (the bot's).
AdminToken = Callable[[], Awaitable[str]]


class MatrixAccounts:
    def __init__(self, admin: SynapseAdmin, admin_token: AdminToken) -> None:
        self._admin = admin
        self._admin_token = admin_token

    async def register(self, username: str, password: str, display_name: str) -> str:
        try:
            return await self._admin.register(username, password, display_name)
        except BridgeError as exc:
            if exc.errcode in ("M_USER_IN_USE", "M_EXCLUSIVE"):
                raise AccountUnavailable(username) from exc
            raise HomeserverDown(str(exc)) from exc

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

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
            if exc.unreachable:
                raise HomeserverDown(str(exc)) from exc
            raise AccountRefused(exc.message, exc.retry_after_ms) from exc
        logger.warning("adopted the existing homeserver account %s for a new signup", user_id)
        return user_id

    async def set_password(self, matrix_user_id: str, password: str) -> None:
        try:
            await self._admin.update_user(
                matrix_user_id, await self._admin_token(), {"password": password, "logout_devices": True}
            )
        except BridgeError as exc:
            if exc.unreachable:
                raise HomeserverDown(str(exc)) from exc
            raise AccountRefused(exc.message, exc.retry_after_ms) from exc

    async def set_display_name(self, matrix_user_id: str, display_name: str) -> None:
        await self._update(matrix_user_id, {"displayname": display_name})

    async def set_locked(self, matrix_user_id: str, locked: bool) -> None:
        await self._update(matrix_user_id, {"locked": locked})

    async def set_avatar(self, matrix_user_id: str, content_type: str, data: bytes, filename: str) -> None:
        # We hold no token of the person: the bot (a homeserver admin) uploads
        # the picture and sets it on the account through the admin API.
        try:
            token = await self._admin_token()
            old = await self._current_avatar(matrix_user_id, token)
            uri = await self._admin.upload_media(token, content_type, data, filename)
        except BridgeError as exc:
            raise HomeserverDown(str(exc)) from exc
        await self._update(matrix_user_id, {"avatar_url": uri})
        await self._forget(old, token, keep=uri)

    async def clear_avatar(self, matrix_user_id: str) -> None:
        try:
            token = await self._admin_token()
            old = await self._current_avatar(matrix_user_id, token)
        except BridgeError as exc:
            raise HomeserverDown(str(exc)) from exc
        await self._update(matrix_user_id, {"avatar_url": ""})
        await self._forget(old, token)

    async def deactivate(self, matrix_user_id: str) -> None:
        try:
            token = await self._admin_token()
            found = await self._admin.get_user(matrix_user_id, token)
            if found is None or found.get("deactivated"):
                return
            picture = found.get("avatar_url")
            await self._admin.deactivate(matrix_user_id, token, erase=True)
        except BridgeError as exc:
            if exc.unreachable:
                raise HomeserverDown(str(exc)) from exc
            raise AccountRefused(exc.message, exc.retry_after_ms) from exc
        # Erasure takes the picture off the profile; the file goes too.
        await self._forget(picture if isinstance(picture, str) and picture else None, token)
        logger.info("deactivated and erased %s", matrix_user_id)

    async def _current_avatar(self, matrix_user_id: str, token: str) -> str | None:
        found = await self._admin.get_user(matrix_user_id, token)
        uri = (found or {}).get("avatar_url")
        return uri if isinstance(uri, str) and uri else None

    async def _forget(self, uri: str | None, token: str, keep: str | None = None) -> None:
        """Delete the picture the account no longer shows, so uploads do not
        pile up in the media repository. Only this homeserver's own media:
        a picture elsewhere is not ours to delete. Failing here loses nothing
        the person sees, so it is logged, not raised."""
        if uri is None or uri == keep or not uri.startswith(f"mxc://{self._server_name}/"):
            return
        try:
            await self._admin.delete_media(token, uri)
        except BridgeError as exc:
            logger.warning("could not delete the old avatar %s: %s", uri, exc)

    async def _update(self, matrix_user_id: str, fields: dict[str, object]) -> None:
        try:
            await self._admin.update_user(matrix_user_id, await self._admin_token(), fields)
        except BridgeError as exc:
            raise HomeserverDown(str(exc)) from exc

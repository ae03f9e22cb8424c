"""Synapse's admin API: shared-secret registration, rate-limit overrides, media uploads, deactivation."""

from __future__ import annotations

import hashlib
import hmac
import logging
from typing import Any
from urllib.parse import quote

import aiohttp

from bridge.errors import BridgeError
from bridge.transport import AT_ONCE, exchange, json_object

logger = logging.getLogger(__name__)


class SynapseAdmin:
    """Its own HTTP session (the app's), the bot client's error mapping and
    rate-limit policy: ``AT_ONCE``, since a person waits on most of these
    calls (a signup, a new picture) and the bot is exempt from limits anyway."""

    def __init__(self, session: aiohttp.ClientSession, base_url: str, shared_secret: str) -> None:
        self._session = session
        self._base = base_url.rstrip("/")
        self._secret = shared_secret.encode("utf-8")

    async def _call(
        self,
        method: str,
        path: str,
        body: Any = None,
        token: str | None = None,
        data: bytes | None = None,
        content_type: str | None = None,
    ) -> dict[str, Any]:
        url = self._base + path
        answer = await AT_ONCE.run(
            lambda: exchange(self._session, method, url, body, token, data=data, content_type=content_type)
        )
        return json_object(answer)

    async def register(self, username: str, password: str, display_name: str, admin: bool = False) -> str:
        """Register through the shared secret; returns the new user's ID.

        The MAC covers nonce, username, password and the admin flag, so the
        secret itself never crosses the wire.
        """
        nonce = (await self._call("GET", "/_synapse/admin/v1/register"))["nonce"]
        mac = hmac.new(self._secret, digestmod=hashlib.sha1)
        for part in (nonce, username, password, "admin" if admin else "notadmin"):
            if part is not nonce:
                mac.update(b"\x00")
            mac.update(part.encode("utf-8"))
        body = {
            "nonce": nonce,
            "username": username,
            "password": password,
            "displayname": display_name,
            "admin": admin,
            "mac": mac.hexdigest(),
        }
        result = await self._call("POST", "/_synapse/admin/v1/register", body)
        # Registration logs the new account in; Kindred has no use for that
        # device, so it is logged out rather than left lying around.
        if result.get("access_token"):
            try:
                await self._call("POST", "/_matrix/client/v3/logout", {}, result["access_token"])
            except BridgeError as exc:
                logger.warning("could not log out registration device: %s", exc)
        return str(result["user_id"])

    async def exempt_from_rate_limits(self, user_id: str, admin_token: str) -> None:
        await self._call(
            "POST",
            f"/_synapse/admin/v1/users/{quote(user_id)}/override_ratelimit",
            {"messages_per_second": 0, "burst_count": 0},
            admin_token,
        )

    async def get_user(self, user_id: str, admin_token: str) -> dict[str, Any] | None:
        """The admin API's view of an account, or None when there is none."""
        try:
            return await self._call("GET", f"/_synapse/admin/v2/users/{quote(user_id)}", None, admin_token)
        except BridgeError as exc:
            if exc.http_status == 404:
                return None
            raise

    async def update_user(self, user_id: str, admin_token: str, fields: dict[str, Any]) -> None:
        """Change an account through the admin API (display name, lock)."""
        await self._call("PUT", f"/_synapse/admin/v2/users/{quote(user_id)}", fields, admin_token)

    async def deactivate(self, user_id: str, admin_token: str, erase: bool = True) -> None:
        """Synapse's deactivation: the account can never be used again and
        leaves its rooms; with ``erase`` its profile goes too, and its
        messages are hidden from whoever joins those rooms later."""
        await self._call("POST", f"/_synapse/admin/v1/deactivate/{quote(user_id)}", {"erase": erase}, admin_token)

    async def upload_media(self, admin_token: str, content_type: str, data: bytes, filename: str) -> str:
        """Put the bytes in the homeserver's media repository; returns their mxc:// URI."""
        path = f"/_matrix/media/v3/upload?filename={quote(filename)}"
        payload = await self._call("POST", path, None, admin_token, data=data, content_type=content_type)
        uri = payload.get("content_uri")
        if not isinstance(uri, str) or not uri.startswith("mxc://"):
            raise BridgeError("M_UNKNOWN", "the upload gave no content URI")
        return uri

    async def delete_media(self, admin_token: str, uri: str) -> None:
        """Remove a picture of this homeserver from its media repository
        (files and thumbnails); one that is already gone is fine."""
        server_name, _, media_id = uri.removeprefix("mxc://").partition("/")
        try:
            await self._call(
                "DELETE", f"/_synapse/admin/v1/media/{quote(server_name)}/{quote(media_id)}", None, admin_token
            )
        except BridgeError as exc:
            if exc.http_status != 404:
                raise

    async def healthy(self) -> bool:
        try:
            async with self._session.get(self._base + "/health", timeout=aiohttp.ClientTimeout(total=3)) as response:
                return response.status == 200
        except (TimeoutError, aiohttp.ClientError):
            return False

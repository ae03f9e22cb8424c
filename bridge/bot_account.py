"""The matcher bot's own account on the bundled homeserver.

Registered once with the shared secret (as a homeserver admin, so it may
lift its own rate limits), then reused from the saved session.
"""

from __future__ import annotations

import logging
from pathlib import Path

import aiohttp

from bridge.admin import SynapseAdmin
from bridge.errors import BridgeError
from bridge.matrix_client import BotSession
from bridge.transport import exchange, json_object

logger = logging.getLogger(__name__)


async def ensure_bot_session(
    admin: SynapseAdmin,
    session: aiohttp.ClientSession,
    homeserver_url: str,
    localpart: str,
    display_name: str,
    password: str,
    session_path: Path,
) -> BotSession:
    saved = BotSession.load(session_path)
    if saved is not None and await _token_works(session, homeserver_url, saved.access_token):
        return saved
    try:
        await admin.register(localpart, password, display_name, admin=True)
        logger.info("registered the bot account %s", localpart)
    except BridgeError as exc:
        if exc.errcode != "M_USER_IN_USE":
            raise
    bot = await _login(session, homeserver_url, localpart, password)
    await admin.exempt_from_rate_limits(bot.user_id, bot.access_token)
    bot.save(session_path)
    return bot


async def _token_works(session: aiohttp.ClientSession, base: str, token: str) -> bool:
    try:
        await exchange(session, "GET", f"{base}/_matrix/client/v3/account/whoami", token=token)
    except BridgeError as exc:
        if exc.http_status is None:
            raise
        return False
    return True


async def _login(session: aiohttp.ClientSession, base: str, localpart: str, password: str) -> BotSession:
    body = {
        "type": "m.login.password",
        "identifier": {"type": "m.id.user", "user": localpart},
        "password": password,
        "initial_device_display_name": "Kindred matcher bot",
    }
    payload = json_object(await exchange(session, "POST", f"{base}/_matrix/client/v3/login", body))
    return BotSession(payload["user_id"], payload["device_id"], payload["access_token"])

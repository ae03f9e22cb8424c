"""``kindred doctor``: is this installation able to run?

The homeserver checks live here (only bridge/ speaks to it); the local ones
in config/doctor.py. Nothing is changed: the database is opened read-only,
registration is probed with the nonce request alone, and the bot's saved
token is only asked who it belongs to.
"""

from __future__ import annotations

from typing import Any

import aiohttp

from bridge import doctor_federation
from bridge.matrix_client import BotSession
from config import doctor
from config.doctor import FAIL, OK, SKIP, Check
from config.settings import Settings

_TIMEOUT = aiohttp.ClientTimeout(total=10, connect=5)
_DATABASE_TIMEOUT_S = 10
_NEEDS_HOMESERVER = ("client API", "homeserver version", "shared-secret registration", "bot session")
_UNREACHABLE = "not checked: the homeserver is not reachable"


async def diagnose(settings: Settings) -> list[Check]:
    """Every check, in the order a person would fix them."""
    checks = [doctor.data_dir(settings), *await doctor.store(settings, _DATABASE_TIMEOUT_S)]
    async with aiohttp.ClientSession(timeout=_TIMEOUT) as http:
        base = settings.internal_homeserver_url.rstrip("/")
        health = await _health(http, base)
        checks.append(health)
        if health.failed:
            # One clear failure rather than the same one five times.
            checks += [Check(name, SKIP, _UNREACHABLE) for name in _NEEDS_HOMESERVER]
            return [*checks, _rate_limits(settings), Check("federation", SKIP, _UNREACHABLE)]

        async def get(url: str, verify: bool) -> tuple[int, Any]:
            return await _get(http, url, verify=verify)

        checks.append(await _versions(http, base))
        checks.append(await doctor_federation.version(get, base))
        checks.append(await _registration(http, base))
        checks.append(await _bot_session(http, base, settings))
        checks.append(_rate_limits(settings))
        checks.append(await doctor_federation.federation(get, settings))
    return checks


async def _get(http: aiohttp.ClientSession, url: str, token: str | None = None, verify: bool = True) -> tuple[int, Any]:
    """The raw status and body: the doctor explains answers to a person, so,
    unlike every Matrix call of Kindred's (``bridge.transport``), it keeps them.
    ``verify`` off accepts any certificate (a listener's own, self-signed)."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with http.get(url, headers=headers, ssl=verify) as response:
        try:
            body = await response.json(content_type=None)
        except ValueError:
            body = None
        return response.status, body


def _unreachable(name: str, base: str, exc: BaseException) -> Check:
    reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return Check(name, FAIL, f"{base} is not reachable ({reason}); is the homeserver running?")


async def _health(http: aiohttp.ClientSession, base: str) -> Check:
    try:
        async with http.get(f"{base}/health") as response:
            if response.status == 200:
                return Check("homeserver", OK, f"{base} answers /health")
            return Check("homeserver", FAIL, f"{base}/health answered {response.status}")
    except (TimeoutError, aiohttp.ClientError) as exc:
        return _unreachable("homeserver", base, exc)


async def _versions(http: aiohttp.ClientSession, base: str) -> Check:
    try:
        status, body = await _get(http, f"{base}/_matrix/client/versions")
    except (TimeoutError, aiohttp.ClientError) as exc:
        return _unreachable("client API", base, exc)
    versions = body.get("versions") if isinstance(body, dict) else None
    if status != 200 or not isinstance(versions, list) or not versions:
        return Check("client API", FAIL, f"/_matrix/client/versions answered {status}, not a Matrix server")
    return Check("client API", OK, f"Matrix client API up to {versions[-1]}")


async def _registration(http: aiohttp.ClientSession, base: str) -> Check:
    try:
        status, body = await _get(http, f"{base}/_synapse/admin/v1/register")
    except (TimeoutError, aiohttp.ClientError) as exc:
        return _unreachable("shared-secret registration", base, exc)
    if status == 200 and isinstance(body, dict) and body.get("nonce"):
        return Check("shared-secret registration", OK, "the homeserver hands out registration nonces")
    error = body.get("error", "") if isinstance(body, dict) else ""
    return Check(
        "shared-secret registration",
        FAIL,
        f"answered {status} {error}".strip() + "; set registration_shared_secret in the homeserver config",
    )


def _rate_limits(settings: Settings) -> Check:
    if not settings.run_homeserver:
        return Check(
            "homeserver rate limits",
            SKIP,
            "not the bundled homeserver: raise rc_invites.per_user and rc_room_creation in its own config",
        )
    return doctor.synapse_rate_limits(settings.data_dir / "synapse")


async def _bot_session(http: aiohttp.ClientSession, base: str, settings: Settings) -> Check:
    saved = BotSession.load(settings.data_dir / "bot-session.json")
    if saved is None:
        return Check("bot session", SKIP, "no saved session yet; the bot logs in at first start")
    try:
        status, body = await _get(http, f"{base}/_matrix/client/v3/account/whoami", saved.access_token)
    except (TimeoutError, aiohttp.ClientError) as exc:
        return _unreachable("bot session", base, exc)
    user_id = body.get("user_id") if isinstance(body, dict) else None
    if status == 200 and user_id == settings.bot_user_id:
        return Check("bot session", OK, f"the saved token is {user_id}'s")
    if status == 200:
        return Check("bot session", FAIL, f"the saved token belongs to {user_id}, not {settings.bot_user_id}")
    errcode = body.get("errcode", "") if isinstance(body, dict) else ""
    return Check(
        "bot session", FAIL, f"the saved token was refused ({status} {errcode}); Kindred logs in again at start"
    )

"""A 429 on the bot's sync is waited out for the time it names, capped.

Synapse puts no rate limit on /sync itself (only on what the bot does with
what it reads), so the 429 is injected by a small proxy between the bot and
the real homeserver: the first syncs are refused with a named wait, the rest
pass through. The bot must wait as told (never spinning), never longer than
the cap (an hour named is not an hour waited), and then answer a command
read on its sync.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from config.secrets import load_or_create_secrets
from matcher import sync_loop
from tests.bot_helpers import MatrixPerson
from tests.conftest import make_settings
from tests.helpers import sign_up
from web.app import create_app

pytestmark = pytest.mark.store_agnostic

# The waits the injected 429s name, in order (milliseconds).
_NAMED = [3_600_000, 1_500]
_CAP = 2.0


class RateLimitingProxy:
    """Passes every call to the homeserver, but answers the first syncs 429."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.rstrip("/")
        self.refused_at: list[float] = []
        self.passed_syncs = 0
        self._http: aiohttp.ClientSession | None = None

    def app(self) -> web.Application:
        app = web.Application(client_max_size=50 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._forward)
        app.on_cleanup.append(self._close)
        return app

    async def _close(self, app: web.Application) -> None:
        if self._http is not None:
            await self._http.close()

    async def _forward(self, request: web.Request) -> web.StreamResponse:
        if request.path == "/_matrix/client/v3/sync":
            if len(self.refused_at) < len(_NAMED):
                self.refused_at.append(time.monotonic())
                named = _NAMED[len(self.refused_at) - 1]
                body = {"errcode": "M_LIMIT_EXCEEDED", "error": "Too Many Requests", "retry_after_ms": named}
                return web.json_response(body, status=429)
            self.passed_syncs += 1
        if self._http is None:
            self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=400))
        headers = {k: v for k, v in request.headers.items() if k.lower() not in ("host", "content-length")}
        async with self._http.request(
            request.method, self.upstream + request.rel_url.path_qs, headers=headers, data=await request.read()
        ) as upstream:
            body = await upstream.read()
            kept = {k: v for k, v in upstream.headers.items() if k.lower() == "content-type"}
            return web.Response(status=upstream.status, body=body, headers=kept)


async def test_a_rate_limited_sync_waits_as_named_up_to_the_cap_and_then_goes_on(
    homeserver: Any, aiohttp_server: Any, aiohttp_client: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    monkeypatch.setattr(sync_loop, "MAX_RATE_LIMIT_WAIT", _CAP)
    proxy = RateLimitingProxy(homeserver.url)
    server = await aiohttp_server(proxy.app())
    started = time.monotonic()
    shutil.copy(homeserver.root / "secrets.json", tmp_path / "secrets.json")
    settings = make_settings(tmp_path, str(server.make_url("")).rstrip("/"))
    client = await aiohttp_client(create_app(settings, load_or_create_secrets(tmp_path)))
    ada = await sign_up(client, "ada", "Ada", ["kites"])
    bo = await sign_up(client, "bo", "Bo", ["kites"])
    bo_mx = await MatrixPerson.login(client, homeserver.url, bo)
    try:
        room = await bo_mx.requested_by(ada, "would like to connect")
        # Read on the sync: answered once the named waits are over.
        await bo_mx.command(room, "!help", "!accept")
        answered = time.monotonic()

        first, second = proxy.refused_at
        assert proxy.passed_syncs >= 1
        # The hour named was waited for the cap only...
        assert _CAP - 0.1 <= second - first < _CAP + 3
        # ...and the next named wait was honoured, not cut short.
        assert answered - second >= _NAMED[1] / 1000 - 0.1
        assert answered - started < 60
    finally:
        await bo_mx.close()

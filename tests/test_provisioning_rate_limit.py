"""A homeserver 429 during provisioning is waited out for the time it names.

A throwaway homeserver of this test's own allows one new room per ten
seconds, and the bot's exemption from rate limits is lifted, so creating
two match rooms back to back meets a real ``M_LIMIT_EXCEEDED``.
"""

from __future__ import annotations

import asyncio
import logging
import re
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from config.secrets import load_or_create_secrets
from store.timeutil import parse
from testkit.homeserver import THROWAWAY_SYNAPSE_OVERRIDES, fresh_homeserver
from tests.conftest import make_settings
from tests.helpers import all_ready, eventually, pairs
from tests.room_audit import bot_client
from web import keys
from web.app import create_app

pytestmark = [pytest.mark.homeserver, pytest.mark.store_agnostic]

_ASKED = re.compile(r"M_LIMIT_EXCEEDED.*asked to wait (\d+) ms")


async def test_a_429_is_waited_out_for_the_time_it_names(
    tmp_path: Path, aiohttp_client: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="domain.provisioning")
    secrets = load_or_create_secrets(tmp_path / "kindred")
    overrides = {**THROWAWAY_SYNAPSE_OVERRIDES, "rc_room_creation": {"per_second": 0.1, "burst_count": 1}}
    async with fresh_homeserver(tmp_path, overrides, secrets=secrets, remove=True) as server:
        client = await aiohttp_client(create_app(make_settings(tmp_path / "kindred", server.url), secrets))
        made = await pairs(client, 2)
        bot = bot_client(tmp_path / "kindred", server.url)
        try:
            await bot.request_json(
                "DELETE", f"/_synapse/admin/v1/users/{quote(bot.user_id, safe='')}/override_ratelimit"
            )
        finally:
            await bot.close()
        await asyncio.gather(*(b.call("POST", f"/requests/{request_id}/accept", 200) for _, b, request_id in made))
        for a, _, _ in made:
            await eventually(lambda a=a: all_ready(a, 1), timeout=120)

        # Each refusal was answered with a wait of at least what it asked for ...
        asked = [
            (record, int(found.group(1)))
            for record in caplog.records
            if record.name == "domain.provisioning" and (found := _ASKED.search(record.getMessage()))
        ]
        assert asked, [r.getMessage() for r in caplog.records]
        for record, wait_ms in asked:
            delay = record.args[-1]  # type: ignore[index]
            assert isinstance(delay, timedelta) and delay >= timedelta(milliseconds=wait_ms), record.getMessage()
        # ... and the job ran again only once that wait was over.
        async with client.app[keys.KINDRED].db.read() as conn:
            rows = await (
                await conn.execute(
                    "SELECT attempts, run_after, updated_at, last_error FROM jobs WHERE last_error LIKE '%M_LIMIT_EXCEEDED%'"
                )
            ).fetchall()
        assert rows
        for attempts, run_after, finished_at, _ in rows:
            assert attempts >= 2 and parse(finished_at) >= parse(run_after)

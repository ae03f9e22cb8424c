"""Kindred's store on PostgreSQL when the server drops its connections (a
restart, a failover, an operator's pg_terminate_backend): the operation in
flight is a 503, never a 500, and the next one works without a restart of
Kindred. SQLite has no server to lose, so these run in the PostgreSQL pass."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import asyncpg
from aiohttp.test_utils import TestClient

from store.database import Database, DatabaseUnavailable
from tests.databases import database_url_for, postgresql_only
from tests.helpers import assert_status, eventually, sign_up

pytestmark = postgresql_only("SQLite is a file: there is no server to drop a connection")


async def _drop_every_connection(url: str) -> int:
    """Terminate every other session on the database, as a server restart would."""
    conn = await asyncpg.connect(url)
    try:
        return int(
            await conn.fetchval(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
    finally:
        await conn.close()


async def test_the_store_reconnects_after_its_connections_are_dropped(tmp_path: Path) -> None:
    url = database_url_for(tmp_path)
    db = Database(tmp_path / "unused.db", url)
    await db.open()
    try:
        async with db.transaction() as conn:
            await conn.execute("CREATE TABLE notes (body TEXT NOT NULL)")
        assert await _drop_every_connection(url) >= 2  # the writer and a reader at least

        outcomes: list[str] = []
        for attempt in range(3):
            try:
                async with db.transaction() as conn:
                    await conn.execute("INSERT INTO notes (body) VALUES (?)", (f"try {attempt}",))
                outcomes.append("ok")
            except DatabaseUnavailable:
                outcomes.append("unavailable")
        # At most the first try meets the dropped connection; the rest write.
        assert outcomes[1:] == ["ok", "ok"] and outcomes[0] in ("ok", "unavailable")

        for _ in range(3):  # each pooled reader may meet its drop once
            try:
                async with db.read() as conn:
                    rows = await (await conn.execute("SELECT body FROM notes ORDER BY body")).fetchall()
                break
            except DatabaseUnavailable:
                continue
        assert [row[0] for row in rows] == [f"try {n}" for n in range(3) if outcomes[n] == "ok"]
    finally:
        await db.close()


async def test_the_api_answers_503_then_carries_on(offline_client: TestClient, tmp_path: Path) -> None:
    ada = await sign_up(offline_client, "ada", interests=["chess"])
    await _drop_every_connection(database_url_for(tmp_path))
    statuses = []
    for attempt in range(4):
        response = await offline_client.put("/api/v1/me/profile", json={"bio": f"take {attempt}"}, headers=ada.headers)
        body = await response.json()
        statuses.append(response.status)
        if response.status == 503:
            assert body["error"]["code"] == "database_unavailable"
            assert response.headers["Retry-After"] == "5"
    # Never a 500; within a couple of tries everything works again.
    assert set(statuses) <= {200, 503} and statuses[-2:] == [200, 200]
    assert (await ada.call("GET", "/me", 200))["bio"] == "take 3"


async def test_an_accept_after_the_connections_drop_still_gets_its_room(kindred, tmp_path: Path) -> None:
    client = await kindred()
    ada = await sign_up(client, "ada", interests=["chess"])
    bo = await sign_up(client, "bo", interests=["chess"])
    sent = await ada.call("POST", "/requests", 201, json={"to": bo.username})
    data_dir = next(path for path in tmp_path.iterdir() if path.name.startswith("kindred-"))
    await _drop_every_connection(database_url_for(data_dir))
    # Let the bot's workers meet the dropped connections first (the room
    # worker polls its queue every few seconds).
    await asyncio.sleep(6)
    for _ in range(4):
        response = await client.post(f"/api/v1/requests/{sent['request']['id']}/accept", headers=bo.headers)
        if response.status != 503:
            break
    await assert_status(response, 200)

    async def ready() -> dict[str, Any] | None:
        # A reader may still meet its dropped connection once: a 503, never a 500.
        answer = await client.get("/api/v1/matches", headers=ada.headers)
        assert answer.status in (200, 503), await answer.text()
        found = (await answer.json()).get("matches", []) if answer.status == 200 else []
        return next((m for m in found if m["status"] == "ready"), None)

    match = await eventually(ready, timeout=30)
    assert match["room_id"].startswith("!")

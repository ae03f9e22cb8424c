"""A signup that died between reserving its name and finishing must not
keep the name forever."""

from __future__ import annotations

from datetime import timedelta

from aiohttp.test_utils import TestClient

from domain.accounts import PENDING_GRACE
from store import users
from store.timeutil import iso, utc_now
from tests.helpers import assert_status
from web import keys


async def _leave_reservation(client: TestClient, name: str, age: timedelta) -> None:
    db = client.app[keys.KINDRED].db
    async with db.transaction() as conn:
        user_id = await users.insert_pending(conn, name, "x", "Ghost")
        await conn.execute("UPDATE users SET created_at = ? WHERE id = ?", (iso(utc_now() - age), user_id))


async def test_a_fresh_reservation_holds_the_name(offline_client: TestClient) -> None:
    await _leave_reservation(offline_client, "inflight", timedelta(seconds=5))
    response = await offline_client.post(
        "/api/v1/auth/signup", json={"username": "inflight", "password": "kindred-pass-31", "display_name": "I"}
    )
    body = await assert_status(response, 409)
    assert body["error"]["code"] == "username_taken"


async def test_an_abandoned_reservation_is_reclaimed(offline_client: TestClient) -> None:
    await _leave_reservation(offline_client, "ghost", PENDING_GRACE + timedelta(minutes=1))
    response = await offline_client.post(
        "/api/v1/auth/signup", json={"username": "ghost", "password": "kindred-pass-31", "display_name": "Real"}
    )
    body = await assert_status(response, 201)
    assert body["user"]["display_name"] == "Real"
    login = await offline_client.post("/api/v1/auth/login", json={"username": "ghost", "password": "kindred-pass-31"})
    await assert_status(login, 200)

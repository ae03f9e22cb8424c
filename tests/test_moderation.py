"""Operators: the role, suspension with all its effects, and the action log."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from typing import Any

from aiohttp.test_utils import TestClient
from nio import AsyncClient, LoginError, LoginResponse

from domain import moderation, sessions
from store import users
from tests.databases import database_env
from tests.helpers import assert_status, csrf_token, eventually, page_login, sign_up
from web import keys


async def test_only_operators_see_admin_pages(offline_client: TestClient) -> None:
    person = await sign_up(offline_client, "plain")
    await page_login(offline_client, person)
    response = await offline_client.get("/admin")
    await assert_status(response, 403)
    assert "Only operators" in await response.text()
    ctx = offline_client.app[keys.KINDRED]
    await moderation.set_admin(ctx, moderation.COMMAND_LINE, person.username, True)
    response = await offline_client.get("/admin")
    await assert_status(response, 200)
    assert person.username in await response.text()


async def test_suspension_hides_closes_blocks_login_and_is_logged(
    offline_client: TestClient, fake_accounts: Any
) -> None:
    ctx = offline_client.app[keys.KINDRED]
    operator = await sign_up(offline_client, "op", interests=["moderation"])
    await moderation.set_admin(ctx, moderation.COMMAND_LINE, operator.username, True)
    bad = await sign_up(offline_client, "bad", interests=["moderation", "x"])
    friend = await sign_up(offline_client, "friend", interests=["moderation", "x"])
    waiting = await sign_up(offline_client, "waiting", interests=["x"])
    sent = await bad.call("POST", "/requests", 201, json={"to": friend.username})
    await friend.call("POST", f"/requests/{sent['request']['id']}/accept", 200)
    pending = await waiting.call("POST", "/requests", 201, json={"to": bad.username})

    # Spent moments before the suspension: its grace must not outlive it.
    rotated = await offline_client.post("/api/v1/auth/refresh", json={"refresh_token": bad.refresh_token})
    successor = (await assert_status(rotated, 200))["refresh_token"]

    await page_login(offline_client, operator)
    response = await offline_client.post(
        f"/admin/users/{bad.username}/suspend", data={"reason": "spam", "csrf_token": csrf_token(offline_client)}
    )
    await assert_status(response, 200)
    assert f"Suspended {bad.username}" in await response.text()

    # Login refused, tokens dead, hidden from everyone, matches closed, requests ended.
    login = await offline_client.post("/api/v1/auth/login", json={"username": bad.username, "password": bad.password})
    await assert_status(login, 401)
    await bad.call("GET", "/me", 401)
    # Refreshing fails: the spent token (still in its grace), its successor, and
    # a session that a login racing the suspension might have opened.
    late = await sessions.start(ctx, await _id_of(ctx, bad.username), timedelta(days=1))
    for token in (bad.refresh_token, successor, late):
        refused = await offline_client.post("/api/v1/auth/refresh", json={"refresh_token": token})
        assert (await assert_status(refused, 401))["error"]["code"] == "refresh_token_invalid"
    names = [s["user"]["username"] for s in (await friend.call("GET", "/suggestions", 200))["suggestions"]]
    assert bad.username not in names
    assert (await friend.call("GET", f"/users?q={bad.username}", 200))["users"] == []
    assert [m["status"] for m in (await friend.call("GET", "/matches", 200))["matches"]] == ["closed"]
    mine = (await waiting.call("GET", "/requests?box=outgoing", 200))["requests"]
    assert [(r["id"], r["status"]) for r in mine] == [(pending["request"]["id"], "rejected")]
    assert fake_accounts.locked == {f"@{bad.username}:localhost": True}

    log = await offline_client.get("/admin/log")
    text = await log.text()
    assert "suspend" in text and "spam" in text and operator.username in text

    response = await offline_client.post(
        f"/admin/users/{bad.username}/unsuspend", data={"csrf_token": csrf_token(offline_client)}
    )
    await assert_status(response, 200)
    login = await offline_client.post("/api/v1/auth/login", json={"username": bad.username, "password": bad.password})
    await assert_status(login, 200)
    assert fake_accounts.locked[f"@{bad.username}:localhost"] is False


async def _id_of(ctx: Any, username: str) -> int:
    async with ctx.db.read() as conn:
        user = await users.get_by_username(conn, username)
    assert user is not None
    return user.id


async def test_admin_forms_need_the_csrf_token(offline_client: TestClient) -> None:
    ctx = offline_client.app[keys.KINDRED]
    operator = await sign_up(offline_client, "op")
    target = await sign_up(offline_client, "target")
    await moderation.set_admin(ctx, moderation.COMMAND_LINE, operator.username, True)
    await page_login(offline_client, operator)
    response = await offline_client.post(f"/admin/users/{target.username}/suspend", data={"reason": "x"})
    await assert_status(response, 403)
    await target.call("GET", "/me", 200)


async def test_suspension_locks_the_matrix_account_and_the_cli_grants(kindred, homeserver) -> None:
    client = await kindred(run_bot=False)
    person = await sign_up(client, "locked")
    data_dir = client.app[keys.SETTINGS].data_dir
    env = {
        **os.environ,
        **database_env(data_dir),
        "KINDRED_RUN_HOMESERVER": "false",
        "KINDRED_HOMESERVER_URL": homeserver.url,
    }

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "kindred_cli", "admin", *args], env=env, capture_output=True, text=True, timeout=60
        )

    granted = cli("grant", person.username)
    assert granted.returncode == 0 and "now an operator" in granted.stdout, granted.stderr
    unknown = cli("grant", "nobody-at-all")
    assert unknown.returncode == 1 and "No such person" in unknown.stderr
    suspended = cli("suspend", person.username, "--reason", "test")
    assert suspended.returncode == 0 and "suspended" in suspended.stdout, suspended.stderr

    mx = AsyncClient(homeserver.url, person.username)
    try:
        refused = await mx.login(person.password)
        assert isinstance(refused, LoginError) and refused.status_code == "M_USER_LOCKED", refused
        assert cli("unsuspend", person.username).returncode == 0
        allowed = await eventually(lambda: _login(mx, person.password), timeout=10)
        assert isinstance(allowed, LoginResponse)
    finally:
        await mx.close()


async def _login(mx: AsyncClient, password: str) -> Any:
    response = await mx.login(password)
    return response if isinstance(response, LoginResponse) else None

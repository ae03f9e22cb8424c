"""Leaving Kindred: the export of your data, and deleting your account, on
the real homeserver where the README promises homeserver behaviour (the
Matrix account deactivated, the match rooms emptied), with a stand-in
homeserver for the rules and for a deactivation that must outlast an
outage and a restart."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient
from nio import AsyncClient, LoginError, RoomMessagesResponse

from bridge.matrix_client import BotSession
from config.secrets import load_or_create_secrets
from domain import reports
from domain.ports import HomeserverDown
from testkit.homeserver import ThrowawayHomeserver
from tests.bot_helpers import Pair
from tests.conftest import AppFactory, FakeAccounts, FakeDirectMessages, make_settings
from tests.helpers import Api, assert_status, csrf_token, eventually, page_login, sign_up, unique
from tests.images import png
from web import keys
from web.app import create_app

PASSWORD = "correct horse battery"


async def _matrix_login(homeserver: ThrowawayHomeserver, username: str, password: str) -> Any:
    client = AsyncClient(homeserver.url, username)
    try:
        return await client.login(password, device_name="test")
    finally:
        await client.close()


async def _row(client: TestClient, sql: str, *params: Any) -> Any:
    async with client.app[keys.DB].read() as conn:
        cursor = await conn.execute(sql, params)
        row = await cursor.fetchone()
    return tuple(row) if row is not None else None


async def _deactivation(client: TestClient, username: str) -> Any:
    """(state, attempts, last_error, matrix_user_id) of the person's deactivation, or None."""
    return await _row(
        client,
        "SELECT d.state, d.attempts, d.last_error, d.matrix_user_id FROM deactivations d"
        " JOIN users u ON u.id = d.user_id WHERE u.username = ?",
        username,
    )


async def _left_room(mx: AsyncClient, room_id: str, user_id: str) -> bool:
    """Whether ``user_id`` left (or was removed from) the room, in ``mx``'s view of its history."""
    response = await mx.room_messages(room_id, start="", limit=100)
    assert isinstance(response, RoomMessagesResponse), response
    return any(
        e.source.get("type") == "m.room.member"
        and e.source.get("state_key") == user_id
        and (e.source.get("content") or {}).get("membership") == "leave"
        for e in response.chunk
    )


async def _with_confirmed_address(client: TestClient, prefix: str, interests: list[str]) -> tuple[Api, str]:
    """Someone whose address is confirmed (no SMTP server: the code is read from the outbox)."""
    name = unique(prefix)
    address = f"{name}@example.org"
    body = {"username": name, "password": PASSWORD, "display_name": prefix.title(), "email": address}
    person = Api(client, name, PASSWORD, await assert_status(await client.post("/api/v1/auth/signup", json=body), 201))
    (text,) = await _row(client, "SELECT text_body FROM mail_outbox WHERE to_address = ?", address)
    code = next(word for word in text.split() if word.isdigit() and len(word) == 6)
    verified = await client.post("/api/v1/auth/verify-email", json={"username": name, "code": code})
    await assert_status(verified, 200)
    await person.call("PUT", "/me/profile", 200, json={"interests": interests, "bio": f"{prefix} private bio"})
    return person, address


async def test_a_deleted_account_is_gone_from_kindred_and_the_homeserver(
    homeserver: ThrowawayHomeserver, kindred: AppFactory
) -> None:
    client = await kindred()
    pair = await Pair.make(client, homeserver.url, ["knots", "kites"], ["knots"])
    ada, bo = pair.a, pair.b
    carol = await sign_up(client, "carol", "Carol", ["knots"])
    dan = await sign_up(client, "dan", "Dan", ["kites"])
    asked = await carol.call("POST", "/requests", 201, json={"to": ada.username, "note": "hello"})
    await dan.call("POST", f"/users/{ada.username}/report", 201, json={"reason": "too keen on kites"})
    ada_mxid = f"@{ada.username}:localhost"
    try:
        # Before: Dan finds Ada every way there is.
        suggested = await dan.call("GET", "/suggestions", 200)
        assert ada.username in [s["user"]["username"] for s in suggested["suggestions"]]
        assert [u["username"] for u in (await dan.call("GET", f"/users?q={ada.username}", 200))["users"]] == [
            ada.username
        ]

        # A wrong password changes nothing.
        wrong = await ada.call("DELETE", "/me", 400, json={"password": "not my password"})
        assert (wrong["error"]["code"], wrong["error"]["field"]) == ("password_wrong", "password")
        assert (await ada.call("GET", "/me", 200))["username"] == ada.username
        assert (await bo.call("GET", f"/matches/{pair.match['id']}", 200))["match"]["status"] == "ready"

        assert await ada.call("DELETE", "/me", 200, json={"password": PASSWORD}) == {"deleted": True}

        # Every token stops at once, and the password opens nothing.
        assert (await ada.call("GET", "/me", 401))["error"]["code"] == "token_invalid"
        refresh = await client.post("/api/v1/auth/refresh", json={"refresh_token": ada.refresh_token})
        assert (await assert_status(refresh, 401))["error"]["code"] == "refresh_token_invalid"
        login = await client.post("/api/v1/auth/login", json={"username": ada.username, "password": PASSWORD})
        await assert_status(login, 401)

        # The partner's match is closed; the bot removed Bo saying why, and Ada is out of the room too.
        assert (await bo.call("GET", f"/matches/{pair.match['id']}", 200))["match"]["status"] == "closed"
        await pair.b_mx.wait_for_removal(pair.room_id, "left Kindred")
        assert await eventually(lambda: _left_room(pair.b_mx.mx, pair.room_id, ada_mxid))

        # The Matrix account is deactivated and erased: logging in to it fails.
        await eventually(lambda: _done(client, ada.username), timeout=60)
        assert isinstance(await _matrix_login(homeserver, ada.username, PASSWORD), LoginError)
        session = BotSession.load(client.app[keys.SETTINGS].data_dir / "bot-session.json")
        assert session is not None
        found = await client.app[keys.ADMIN].get_user(ada_mxid, session.access_token)
        assert found is not None and found["deactivated"] is True and found.get("erased") is True, found

        # Gone from suggestions, search and profiles; the pending request ended.
        suggested = await dan.call("GET", "/suggestions", 200)
        assert ada.username not in [s["user"]["username"] for s in suggested["suggestions"]]
        assert (await dan.call("GET", f"/users?q={ada.username}", 200))["users"] == []
        assert (await dan.call("GET", f"/users/{ada.username}", 404))["error"]["code"] == "user_not_found"
        await page_login(client, dan)
        await assert_status(await client.get(f"/u/{ada.username}"), 404)
        outgoing = (await carol.call("GET", "/requests?box=outgoing", 200))["requests"]
        assert [(r["id"], r["status"]) for r in outgoing] == [(asked["request"]["id"], "rejected")]

        # The name is retired for ever.
        again = {"username": ada.username, "password": PASSWORD, "display_name": "Another Ada"}
        taken = await client.post("/api/v1/auth/signup", json=again)
        assert (await assert_status(taken, 409))["error"]["code"] == "username_taken"

        # The report about Ada stays with the operators, with nothing behind the name.
        queued = await reports.queue(client.app[keys.KINDRED], True, 10)
        assert [(r.reported_username, r.reported_status) for r in queued] == [(ada.username, "deleted")]
        kept = await _row(
            client,
            "SELECT display_name, bio, email, matrix_user_id, password_hash FROM users WHERE username = ?",
            ada.username,
        )
        assert kept == (ada.username, "", None, None, "")
    finally:
        await pair.close()


async def _done(client: TestClient, username: str) -> bool:
    found = await _deactivation(client, username)
    return found is not None and found[0] == "done"


async def test_the_export_holds_your_data_and_nobody_elses_private_data(
    offline_client: TestClient,
) -> None:
    client = offline_client
    ada, ada_address = await _with_confirmed_address(client, "ada", ["knots", "kites"])
    bo, bo_address = await _with_confirmed_address(client, "bo", ["knots"])
    carol, _ = await _with_confirmed_address(client, "carol", ["knots"])
    dan = await sign_up(client, "dan", "Dan", ["kites"])
    picture = png()
    upload = await client.put("/api/v1/me/avatar", data=picture, headers={**ada.headers, "Content-Type": "image/png"})
    await assert_status(upload, 200)
    sent = await ada.call("POST", "/requests", 201, json={"to": bo.username, "note": "knots together?"})
    matched = await bo.call("POST", f"/requests/{sent['request']['id']}/accept", 200)
    received = await carol.call("POST", "/requests", 201, json={"to": ada.username, "note": "a note for Ada"})
    await ada.call("POST", f"/users/{dan.username}/block", 200)
    await ada.call("POST", f"/users/{carol.username}/report", 201, json={"reason": "pushy"})
    # What others say about Ada is not hers to export.
    await bo.call("POST", f"/users/{ada.username}/report", 201, json={"reason": "said by Bo"})

    response = await client.get("/api/v1/me/export", headers=ada.headers)
    data = await assert_status(response, 200)
    assert response.headers["Content-Disposition"] == f'attachment; filename="kindred-export-{ada.username}.json"'
    profile = data["profile"]
    assert (profile["username"], profile["display_name"], profile["bio"]) == (ada.username, "Ada", "ada private bio")
    assert (profile["email"], profile["email_verified"]) == (ada_address, True)
    assert profile["matrix_user_id"] == profile["local_matrix_user_id"] == f"@{ada.username}:localhost"
    assert profile["created_at"] and data["exported_at"]
    assert data["interests"] == ["kites", "knots"]
    assert data["avatar"]["content_type"] == "image/png"
    assert data["avatar"]["data_url"] == "data:image/png;base64," + base64.b64encode(picture).decode("ascii")
    assert data["linked_matrix_id"] is None
    assert data["requests"]["sent"] == [
        {
            "id": sent["request"]["id"],
            "to": bo.username,
            "note": "knots together?",
            "status": "accepted",
            "created_at": sent["request"]["created_at"],
            "decided_at": matched["request"]["decided_at"],
        }
    ]
    [incoming] = data["requests"]["received"]
    assert (incoming["from"], incoming["note"], incoming["status"]) == (carol.username, "a note for Ada", "pending")
    assert incoming["id"] == received["request"]["id"]
    [match] = data["matches"]
    assert (match["id"], match["with"]) == (matched["match"]["id"], bo.username)
    assert match["status"] in ("provisioning", "ready") and "room_id" in match
    assert [b["username"] for b in data["blocks"]] == [dan.username]
    assert [(r["about"], r["reason"]) for r in data["reports"]] == [(carol.username, "pushy")]

    # Others appear by username only: none of their addresses, bios or names.
    text = await response.text()
    for private in (bo_address, "bo private bio", "carol private bio", "said by Bo", "Carol", "Dan"):
        assert private not in text, private

    # The page offers the same file.
    await page_login(client, ada)
    page = await assert_status(await client.get("/account"), 200)
    assert "Download your data" in page and "Delete account" in page
    download = await client.get("/account/export")
    assert (await assert_status(download, 200))["profile"]["email"] == ada_address
    assert download.headers["Content-Disposition"].startswith("attachment;")


async def test_a_wrong_password_deletes_nothing(offline_client: TestClient, fake_accounts: FakeAccounts) -> None:
    ada = await sign_up(offline_client, "ada", "Ada", ["knots"])
    bo = await sign_up(offline_client, "bo", "Bo", ["knots"])
    sent = await ada.call("POST", "/requests", 201, json={"to": bo.username})
    for body, code in (({"password": "not it at all"}, "password_wrong"), ({}, "field_required")):
        error = (await ada.call("DELETE", "/me", 400, json=body))["error"]
        assert (error["code"], error.get("field")) == (code, "password")
    assert (await ada.call("GET", "/me", 200))["interests"] == ["knots"]
    assert [r["status"] for r in (await bo.call("GET", "/requests", 200))["requests"]] == ["pending"]
    assert (await bo.call("GET", f"/users/{ada.username}", 200))["username"] == ada.username
    refresh = await offline_client.post("/api/v1/auth/refresh", json={"refresh_token": ada.refresh_token})
    await assert_status(refresh, 200)
    assert fake_accounts.deactivated == [] and sent["request"]["status"] == "pending"
    assert await _deactivation(offline_client, ada.username) is None


async def test_deleting_through_the_account_page(offline_client: TestClient, fake_accounts: FakeAccounts) -> None:
    client = offline_client
    ada = await sign_up(client, "ada", "Ada", ["knots"])
    await page_login(client, ada)
    await client.get("/account")
    wrong = await client.post("/account/delete", data={"password": "nope nope nope", "csrf_token": csrf_token(client)})
    assert "That is not your current password." in await assert_status(wrong, 400)
    await ada.call("GET", "/me", 200)

    done = await client.post(
        "/account/delete", data={"password": PASSWORD, "csrf_token": csrf_token(client)}, allow_redirects=False
    )
    await assert_status(done, 303)
    assert done.headers["Location"] == "/"
    # Both session cookies are cleared, and home shows the news.
    cleared = {name: morsel.value for name, morsel in done.cookies.items()}
    assert cleared.get("kindred_access") == "" and cleared.get("kindred_refresh") == ""
    home = await assert_status(await client.get("/"), 200)
    assert "Your account is deleted." in home
    await ada.call("GET", "/me", 401)
    await eventually(lambda: _done(client, ada.username))
    assert fake_accounts.deactivated == [f"@{ada.username}:localhost"]


async def test_someone_with_only_a_linked_matrix_id_has_no_local_account_to_close(
    offline_client: TestClient, fake_accounts: FakeAccounts
) -> None:
    client = offline_client
    ada = await sign_up(client, "ada", "Ada", ["knots"])
    async with client.app[keys.DB].transaction() as conn:
        cursor = await conn.execute(
            "UPDATE users SET matrix_user_id = NULL WHERE username = ? RETURNING id", (ada.username,)
        )
        (ada_id,) = await cursor.fetchone()
        await conn.execute(
            "INSERT INTO matrix_links (user_id, matrix_user_id, room_id, verified_at)"
            " VALUES (?, '@ada:elsewhere.example', NULL, '2024-01-01T00:00:00.000+00:00')",
            (ada_id,),
        )
    exported = await ada.call("GET", "/me/export", 200)
    assert exported["linked_matrix_id"]["matrix_user_id"] == "@ada:elsewhere.example"
    assert exported["profile"]["local_matrix_user_id"] is None

    await ada.call("DELETE", "/me", 200, json={"password": PASSWORD})
    assert await _row(client, "SELECT status FROM users WHERE id = ?", ada_id) == ("deleted",)
    assert await _row(client, "SELECT COUNT(*) FROM matrix_links WHERE user_id = ?", ada_id) == (0,)
    assert await _deactivation(client, ada.username) is None
    assert fake_accounts.deactivated == []


async def test_a_deactivation_outlasts_a_homeserver_outage_and_a_restart(tmp_path: Path, aiohttp_client: Any) -> None:
    settings = make_settings(tmp_path, "http://127.0.0.1:9", run_bot=False)
    secrets = load_or_create_secrets(tmp_path)
    down = FakeAccounts()
    first = await aiohttp_client(create_app(settings, secrets, down, FakeDirectMessages()))
    ada = await sign_up(first, "ada", "Ada", ["knots"])
    bo = await sign_up(first, "bo", "Bo", ["knots"])
    mxid = f"@{ada.username}:localhost"
    down.fail_with = HomeserverDown("the homeserver is down")

    # Kindred's side is done at once, whatever the homeserver is doing.
    await ada.call("DELETE", "/me", 200, json={"password": PASSWORD})
    await bo.call("GET", f"/users/{ada.username}", 404)

    async def tried_and_failed() -> bool:
        found = await _deactivation(first, ada.username)
        return found is not None and found[0] == "queued" and found[1] >= 1 and "down" in (found[2] or "")

    await eventually(tried_and_failed)
    assert down.deactivated == []
    await first.close()

    # Started again, with the homeserver back: the job left behind finishes.
    up = FakeAccounts()
    second = await aiohttp_client(create_app(settings, secrets, up, FakeDirectMessages()))
    await eventually(lambda: _done(second, ada.username))
    assert up.deactivated == [mxid]
    assert (await _deactivation(second, ada.username))[3] == mxid


async def test_a_deactivation_is_retried_until_the_homeserver_takes_it(
    offline_client: TestClient, fake_accounts: FakeAccounts
) -> None:
    ada = await sign_up(offline_client, "ada", "Ada", ["knots"])
    fake_accounts.fail_with = HomeserverDown("the homeserver is down")
    await ada.call("DELETE", "/me", 200, json={"password": PASSWORD})

    async def failed_twice() -> bool:
        found = await _deactivation(offline_client, ada.username)
        return found is not None and found[0] == "queued" and found[1] >= 2

    await eventually(failed_twice)
    fake_accounts.fail_with = None
    await eventually(lambda: _done(offline_client, ada.username))
    assert fake_accounts.deactivated == [f"@{ada.username}:localhost"]


async def test_a_deleted_accounts_mail_goes_with_it(offline_client: TestClient) -> None:
    person, address = await _with_confirmed_address(offline_client, "mailed", ["knots"])
    assert await _row(offline_client, "SELECT COUNT(*) FROM mail_outbox WHERE to_address = ?", address) == (1,)
    assert await person.call("DELETE", "/me", 200, json={"password": PASSWORD}) == {"deleted": True}
    assert await _row(offline_client, "SELECT COUNT(*) FROM mail_outbox WHERE to_address = ?", address) == (0,)

"""The authentication contract: signup, login, refresh rotation, logout, access tokens,
and which /api/v1 routes need a token."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Callable

import jwt
import pytest
from aiohttp.test_utils import TestClient

from domain import sessions
from store import users
from store.timeutil import iso, utc_now
from tests.helpers import Api, assert_status, page_login, sign_up
from web import keys
from web.api_routes import PUBLIC_API
from web.auth import REFRESH_COOKIE

PASSWORD = "correct horse battery"


def jwt_secret(client: TestClient) -> str:
    return client.server.app[keys.SECRETS].jwt_secret


def access_token(secret: str, **claims: Any) -> str:
    now = int(time.time())
    body: dict[str, Any] = {"sub": "1", "typ": "access", "iat": now, "exp": now + 600}
    body.update(claims)
    return jwt.encode({k: v for k, v in body.items() if v is not None}, secret, algorithm="HS256")


async def refresh(client: TestClient, token: str) -> Any:
    return await client.post("/api/v1/auth/refresh", json={"refresh_token": token})


# Signup and login


async def test_signup_answers_201_with_user_and_token_pair(offline_client: TestClient) -> None:
    response = await offline_client.post(
        "/api/v1/auth/signup",
        json={"username": "  Ada ", "password": PASSWORD, "display_name": " Ada  Lovelace "},
    )
    body = await assert_status(response, 201)
    assert set(body) == {"user", "access_token", "refresh_token", "token_type", "expires_in"}
    assert body["user"] == {
        "username": "ada",
        "display_name": "Ada Lovelace",
        "matrix_user_id": "@ada:localhost",
    }
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 15 * 60
    assert body["refresh_token"] and body["access_token"] != body["refresh_token"]
    me = await offline_client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert (await assert_status(me, 200))["username"] == "ada"


async def test_signup_with_a_taken_username_is_409(offline_client: TestClient) -> None:
    ada = await sign_up(offline_client, "ada")
    response = await offline_client.post(
        "/api/v1/auth/signup",
        json={"username": ada.username.upper(), "password": PASSWORD, "display_name": "Other"},
    )
    body = await assert_status(response, 409)
    assert body["error"]["code"] == "username_taken"


async def test_login_issues_a_working_pair(offline_client: TestClient) -> None:
    ada = await sign_up(offline_client, "ada")
    response = await offline_client.post(
        "/api/v1/auth/login", json={"username": ada.username.upper(), "password": PASSWORD}
    )
    body = await assert_status(response, 200)
    assert {"access_token", "refresh_token", "token_type", "expires_in"} <= set(body)
    assert body["refresh_token"] != ada.refresh_token
    me = await offline_client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert (await assert_status(me, 200))["username"] == ada.username


async def test_login_gives_the_same_401_for_unknown_user_and_wrong_password(
    offline_client: TestClient,
) -> None:
    ada = await sign_up(offline_client, "ada")
    answers = []
    for username, password in [
        ("nobody-here", PASSWORD),
        (ada.username, "wrong password"),
        (ada.username, ""),
        (None, None),
    ]:
        response = await offline_client.post("/api/v1/auth/login", json={"username": username, "password": password})
        answers.append(await assert_status(response, 401))
    assert answers[0]["error"]["code"] == "invalid_credentials"
    assert all(answer == answers[0] for answer in answers)


# Refresh tokens


async def test_refresh_rotates_the_token(offline_client: TestClient) -> None:
    ada = await sign_up(offline_client, "ada")
    body = await assert_status(await refresh(offline_client, ada.refresh_token), 200)
    assert body["refresh_token"] != ada.refresh_token
    me = await offline_client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert (await assert_status(me, 200))["username"] == ada.username
    # The new one works in turn.
    await assert_status(await refresh(offline_client, body["refresh_token"]), 200)


async def _spent_long_ago(client: TestClient) -> None:
    """Move every spent token's use back past the grace, as if a minute had passed."""
    moment = iso(utc_now() - sessions.REUSE_GRACE - timedelta(seconds=1))
    async with client.server.app[keys.KINDRED].db.transaction() as conn:
        await conn.execute("UPDATE refresh_tokens SET used_at = ? WHERE used_at IS NOT NULL", (moment,))


async def test_reusing_a_spent_refresh_token_revokes_the_family(offline_client: TestClient) -> None:
    ada = await sign_up(offline_client, "ada")
    first = ada.refresh_token
    second = (await assert_status(await refresh(offline_client, first), 200))["refresh_token"]
    await _spent_long_ago(offline_client)
    replay = await assert_status(await refresh(offline_client, first), 401)
    assert replay["error"]["code"] == "refresh_token_invalid"
    # The thief's replay logged the owner's current token out too...
    revoked = await assert_status(await refresh(offline_client, second), 401)
    assert revoked["error"]["code"] == "refresh_token_invalid"
    # ...but other logins (other families) are untouched.
    login = await offline_client.post("/api/v1/auth/login", json={"username": ada.username, "password": PASSWORD})
    other = (await assert_status(login, 200))["refresh_token"]
    await assert_status(await refresh(offline_client, other), 200)


async def test_the_same_token_sent_twice_at_once_keeps_the_session(offline_client: TestClient) -> None:
    """Two tabs refresh with one token at the same moment: both get the same successor."""
    ada = await sign_up(offline_client, "ada")
    answers = await asyncio.gather(*(refresh(offline_client, ada.refresh_token) for _ in range(3)))
    bodies = [await assert_status(answer, 200) for answer in answers]
    successors = {body["refresh_token"] for body in bodies}
    assert len(successors) == 1 and ada.refresh_token not in successors
    for body in bodies:
        me = await offline_client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['access_token']}"})
        await assert_status(me, 200)
    # The family lives on: the successor rotates as usual.
    await assert_status(await refresh(offline_client, successors.pop()), 200)


async def test_page_requests_refreshing_one_cookie_at_once_stay_logged_in(offline_client: TestClient) -> None:
    ada = await sign_up(offline_client, "ada")
    await page_login(offline_client, ada)
    jar = offline_client.session.cookie_jar
    refresh_cookie = next(c.value for c in jar if c.key == REFRESH_COOKIE)
    jar.clear()
    cookies = {REFRESH_COOKIE: refresh_cookie}  # the access cookie has expired
    pages = await asyncio.gather(
        *(offline_client.get(path, cookies=cookies, allow_redirects=False) for path in ("/discover", "/matches"))
    )
    for page in pages:
        assert page.status == 200, (page.url, page.status, page.headers.get("Location"))
    handed = {page.cookies[REFRESH_COOKIE].value for page in pages}
    assert len(handed) == 1
    # And the session goes on with what the browser now holds.
    later = await offline_client.get("/discover", cookies={REFRESH_COOKIE: handed.pop()}, allow_redirects=False)
    await assert_status(later, 200)


async def test_replaying_a_token_in_its_grace_hands_back_its_successor_only(offline_client: TestClient) -> None:
    ada = await sign_up(offline_client, "ada")
    second = (await assert_status(await refresh(offline_client, ada.refresh_token), 200))["refresh_token"]
    again = (await assert_status(await refresh(offline_client, ada.refresh_token), 200))["refresh_token"]
    assert again == second
    third = (await assert_status(await refresh(offline_client, second), 200))["refresh_token"]
    assert third != second
    # Past the grace the same replay is a theft: the family is revoked.
    await _spent_long_ago(offline_client)
    await assert_status(await refresh(offline_client, ada.refresh_token), 401)
    await assert_status(await refresh(offline_client, third), 401)


@pytest.mark.parametrize("token", ["", "not-a-token", None, 12345, ["x"]])
async def test_refresh_with_a_bad_token_is_401(offline_client: TestClient, token: Any) -> None:
    response = await offline_client.post("/api/v1/auth/refresh", json={"refresh_token": token})
    body = await assert_status(response, 401)
    assert body["error"]["code"] == "refresh_token_invalid"


async def test_logout_revokes_the_refresh_token(offline_client: TestClient) -> None:
    ada = await sign_up(offline_client, "ada")
    rotated = (await assert_status(await refresh(offline_client, ada.refresh_token), 200))["refresh_token"]
    response = await offline_client.post("/api/v1/auth/logout", json={"refresh_token": rotated})
    assert await assert_status(response, 200) == {"logged_out": True}
    await assert_status(await refresh(offline_client, rotated), 401)
    await assert_status(await refresh(offline_client, ada.refresh_token), 401)


async def test_logout_with_an_unknown_token_still_answers_200(offline_client: TestClient) -> None:
    response = await offline_client.post("/api/v1/auth/logout", json={"refresh_token": "never-issued"})
    assert await assert_status(response, 200) == {"logged_out": True}


# Access tokens


async def test_expired_and_forged_access_tokens_are_401(offline_client: TestClient) -> None:
    ada = await sign_up(offline_client, "ada")
    me = await ada.call("GET", "/me", 200)
    assert me["username"] == ada.username
    secret = jwt_secret(offline_client)
    sub = jwt.decode(ada.access_token, options={"verify_signature": False})["sub"]
    past = int(time.time()) - 3600
    assert access_token(secret, sub=sub) != ada.access_token
    await assert_status(
        await offline_client.get("/api/v1/me", headers={"Authorization": f"Bearer {access_token(secret, sub=sub)}"}),
        200,
    )
    bad_tokens = {
        "expired": access_token(secret, sub=sub, iat=past - 900, exp=past),
        "wrong secret": access_token("not-the-secret-" + "x" * 32, sub=sub),
        "refresh typ": access_token(secret, sub=sub, typ="refresh"),
        "no exp": access_token(secret, sub=sub, exp=None),
        "no such user": access_token(secret, sub="999999"),
        "non-numeric sub": access_token(secret, sub="ada"),
        "unsigned": jwt.encode({"sub": sub, "typ": "access", "exp": past + 7200}, None, algorithm="none"),
        "garbage": "garbage",
        "truncated": ada.access_token[:-3],
    }
    for name, token in bad_tokens.items():
        response = await offline_client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
        body = await assert_status(response, 401)
        assert body["error"]["code"] == "token_invalid", name


async def test_missing_or_malformed_header_is_401_not_authenticated(offline_client: TestClient) -> None:
    ada = await sign_up(offline_client, "ada")
    for headers in [{}, {"Authorization": ada.access_token}, {"Authorization": f"Token {ada.access_token}"}]:
        response = await offline_client.get("/api/v1/me", headers=headers)
        body = await assert_status(response, 401)
        assert body["error"]["code"] == "not_authenticated"


# Every non-auth route needs a token: endpoint x (anonymous, another user, the owner)


@dataclass
class World:
    sender: Api  # sent the pending request to receiver
    receiver: Api
    outsider: Api  # matched with receiver, a stranger to the pending request
    stranger: Api  # no relation to anyone
    request_id: int
    match_id: int
    circle_slug: str  # sender's circle; receiver is a member


async def make_world(client: TestClient) -> World:
    sender = await sign_up(client, "sender", interests=["chess", "go"])
    receiver = await sign_up(client, "receiver", interests=["chess"])
    outsider = await sign_up(client, "outsider", interests=["chess"])
    stranger = await sign_up(client, "stranger", interests=["go"])
    pending = await sender.call("POST", "/requests", 201, json={"to": receiver.username})
    first = await receiver.call("POST", "/requests", 201, json={"to": outsider.username})
    matched = await outsider.call("POST", f"/requests/{first['request']['id']}/accept", 200)
    circle = await sender.call(
        "POST", "/circles", 201, json={"name": "Chess at lunch", "interest": "chess", "description": ""}
    )
    slug = circle["circle"]["slug"]
    await receiver.call("POST", f"/circles/{slug}/join", 202)
    return World(sender, receiver, outsider, stranger, pending["request"]["id"], matched["match"]["id"], slug)


@dataclass(frozen=True)
class Row:
    method: str
    route: str  # the router's canonical path
    owner: str  # which World person owns the resource
    status: tuple[int, int, int]  # anonymous, another user, the owner
    body: Callable[[World], dict[str, Any]] | None = None

    def path(self, world: World) -> str:
        target = world.match_id if self.route.startswith("/api/v1/matches") else world.request_id
        path = self.route.replace("{id}", str(target)).replace("{username}", world.receiver.username)
        return path.replace("{slug}", world.circle_slug)


TABLE = [
    Row("GET", "/api/v1/me", "sender", (401, 200, 200)),
    Row("PUT", "/api/v1/me/profile", "sender", (401, 200, 200), lambda w: {"bio": "hello"}),
    # The JSON body here is no image: a 400, but only once the person is known.
    Row("PUT", "/api/v1/me/avatar", "sender", (401, 400, 400), lambda w: {"bio": "hello"}),
    # Nobody in this world has a picture: nothing to remove, for anyone.
    Row("DELETE", "/api/v1/me/avatar", "sender", (401, 404, 404)),
    Row("GET", "/api/v1/me/matrix-id", "sender", (401, 200, 200)),
    # Your own password, address and digest: a wrong current password, no code asked for yet.
    Row(
        "POST",
        "/api/v1/me/password",
        "sender",
        (401, 400, 400),
        lambda w: {"current_password": "not the one", "new_password": "a fine new password"},
    ),
    Row("POST", "/api/v1/me/email/verify", "sender", (401, 404, 404), lambda w: {"code": "123456"}),
    Row("PUT", "/api/v1/me/email", "sender", (401, 202, 202), lambda w: {"email": "someone@example.org"}),
    Row("PUT", "/api/v1/me/digest", "sender", (401, 200, 200), lambda w: {"frequency": "weekly"}),
    Row("PUT", "/api/v1/me/language", "sender", (401, 200, 200), lambda w: {"language": ""}),
    Row("GET", "/api/v1/me/presence", "sender", (401, 200, 200)),
    Row("PUT", "/api/v1/me/presence", "sender", (401, 200, 200), lambda w: {"hidden": True}),
    # Rounds settings are each person's own; nobody here has been in a round yet.
    Row("GET", "/api/v1/me/rounds", "sender", (401, 200, 200)),
    Row("PUT", "/api/v1/me/rounds", "sender", (401, 200, 200), lambda w: {"cadence": "fortnightly"}),
    Row("GET", "/api/v1/rounds/current", "sender", (401, 200, 200)),
    Row(
        "POST",
        "/api/v1/me/matrix-id",
        "sender",
        (401, 202, 202),
        lambda w: {"matrix_user_id": "@sam:elsewhere.example"},
    ),
    # Nothing pending for either: a code checks only against your own link.
    Row("POST", "/api/v1/me/matrix-id/verify", "sender", (401, 404, 404), lambda w: {"code": "123456"}),
    Row("DELETE", "/api/v1/me/matrix-id", "sender", (401, 200, 200)),
    Row("GET", "/api/v1/suggestions", "sender", (401, 200, 200)),
    Row("GET", "/api/v1/users", "sender", (401, 200, 200)),
    Row("GET", "/api/v1/users/{username}", "sender", (401, 200, 200)),
    Row("GET", "/api/v1/requests", "sender", (401, 200, 200)),
    Row("POST", "/api/v1/requests", "sender", (401, 201, 201), lambda w: {"to": w.stranger.username}),
    # Another user is a stranger to the request or match: for them it does not exist.
    Row("POST", "/api/v1/requests/{id}/accept", "receiver", (401, 404, 200)),
    Row("POST", "/api/v1/requests/{id}/reject", "receiver", (401, 404, 200)),
    Row("POST", "/api/v1/requests/{id}/withdraw", "sender", (401, 404, 200)),
    Row("GET", "/api/v1/matches", "outsider", (401, 200, 200)),
    Row("GET", "/api/v1/matches/{id}", "outsider", (401, 404, 200)),
    Row("POST", "/api/v1/matches/{id}/report", "outsider", (401, 404, 201), lambda w: {"reason": "rude"}),
    Row("POST", "/api/v1/matches/{id}/close", "outsider", (401, 404, 200)),
    Row("POST", "/api/v1/matches/{id}/block", "outsider", (401, 404, 200)),
    # This match came from a request, not a round: nothing to check in on, but only its people learn that.
    Row("POST", "/api/v1/matches/{id}/checkin", "outsider", (401, 404, 409), lambda w: {"met": True}),
    # Anyone may block anyone: both block the receiver here.
    Row("POST", "/api/v1/users/{username}/block", "sender", (401, 200, 200)),
    # Only your own block can be lifted; neither has blocked the receiver here.
    Row("DELETE", "/api/v1/users/{username}/block", "sender", (401, 404, 404)),
    Row("POST", "/api/v1/users/{username}/report", "sender", (401, 201, 201), lambda w: {"reason": "spam"}),
    Row("GET", "/api/v1/me/blocks", "sender", (401, 200, 200)),
    Row("GET", "/api/v1/me/export", "sender", (401, 200, 200)),
    # Circles: anyone signed in sees them; only the circle's owner (sender)
    # changes or moderates it, and receiver is the member moderated.
    Row("GET", "/api/v1/circles", "sender", (401, 200, 200)),
    # The same name twice for one interest: the second is refused.
    Row(
        "POST", "/api/v1/circles", "sender", (401, 201, 409), lambda w: {"name": "Chess at night", "interest": "chess"}
    ),
    Row("GET", "/api/v1/circles/{slug}", "sender", (401, 200, 200)),
    Row("PATCH", "/api/v1/circles/{slug}", "sender", (401, 403, 200), lambda w: {"description": "Tuesdays."}),
    Row("GET", "/api/v1/circles/{slug}/members", "sender", (401, 200, 200)),
    # The other is let in; for the owner, in already, joining again changes nothing.
    Row("POST", "/api/v1/circles/{slug}/join", "sender", (401, 202, 202)),
    # The other is no member; the last owner cannot leave.
    Row("POST", "/api/v1/circles/{slug}/leave", "sender", (401, 409, 409)),
    Row("POST", "/api/v1/circles/{slug}/members/{username}/promote", "sender", (401, 403, 200)),
    Row("POST", "/api/v1/circles/{slug}/members/{username}/demote", "sender", (401, 403, 409)),
    Row("POST", "/api/v1/circles/{slug}/members/{username}/remove", "sender", (401, 403, 200)),
    Row("POST", "/api/v1/circles/{slug}/members/{username}/ban", "sender", (401, 403, 200)),
    # Only the owner learns the member is not banned.
    Row("POST", "/api/v1/circles/{slug}/members/{username}/unban", "sender", (401, 403, 404)),
    Row("POST", "/api/v1/circles/{slug}/close", "sender", (401, 403, 200)),
    # A wrong password: nobody's account is deleted by this table.
    Row("DELETE", "/api/v1/me", "sender", (401, 400, 400), lambda w: {"password": "not the password"}),
]


def test_the_table_covers_every_protected_api_route(offline_client: TestClient) -> None:
    routes = {
        (route.method, route.resource.canonical)
        for route in offline_client.server.app.router.routes()
        if route.resource is not None and route.resource.canonical.startswith("/api/") and route.method != "HEAD"
    }
    protected = {(method, path) for method, path in routes if path not in PUBLIC_API}
    assert protected == {(row.method, row.route) for row in TABLE}
    assert {path for _, path in routes} >= PUBLIC_API


@pytest.mark.parametrize("row", TABLE, ids=lambda row: f"{row.method} {row.route}")
async def test_access_by_anonymous_another_user_and_owner(offline_client: TestClient, row: Row) -> None:
    world = await make_world(offline_client)
    owner: Api = getattr(world, row.owner)
    another = world.sender if row.owner == "outsider" else world.outsider
    body = row.body(world) if row.body else None
    path = row.path(world)
    anonymous_status, another_status, owner_status = row.status

    anonymous = await offline_client.request(row.method, path, json=body)
    answer = await assert_status(anonymous, anonymous_status)
    assert answer["error"]["code"] == "not_authenticated"

    forged = await offline_client.request(row.method, path, json=body, headers={"Authorization": "Bearer x.y.z"})
    await assert_status(forged, 401)

    for person, status in [(another, another_status), (owner, owner_status)]:
        response = await offline_client.request(
            row.method, path, json=body, headers={"Authorization": f"Bearer {person.access_token}"}
        )
        await assert_status(response, status)


async def test_a_token_checked_before_is_refused_once_its_sessions_end_or_it_expires(
    offline_client: TestClient,
) -> None:
    # Signatures are checked once per token (web/token_cache.py); whether its
    # owner may still act is never remembered.
    ada = await sign_up(offline_client, "ada")
    await ada.call("GET", "/me", 200)
    ctx = offline_client.server.app[keys.KINDRED]
    async with ctx.db.transaction() as conn:
        found = await users.get_by_username(conn, ada.username)
        assert found is not None
        await users.end_sessions(conn, found.id)
    assert (await ada.call("GET", "/me", 401))["error"]["code"] == "token_invalid"

    verified = offline_client.server.app[keys.TOKENS]
    verified.put("checked-earlier", found.id, found.session_epoch + 1, time.time() + 60)
    assert verified.get("checked-earlier") == (found.id, found.session_epoch + 1)
    verified.put("checked-earlier", found.id, found.session_epoch + 1, time.time() - 1)
    assert verified.get("checked-earlier") is None

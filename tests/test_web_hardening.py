"""Edges an outside review found: deeply nested JSON, the live socket's Origin,
a refused request's page, and matches older than a page of them."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from config.secrets import load_or_create_secrets
from store import matches, requests, users
from tests.conftest import FakeAccounts, make_settings
from tests.helpers import Api, assert_status, csrf_token, page_login, sign_up
from web import keys
from web.app import create_app
from web.bodies import MAX_JSON_DEPTH

# Nested JSON


def _nested(depth: int) -> bytes:
    return b'{"username": ' + b"[" * depth + b"]" * depth + b"}"


@pytest.mark.parametrize(
    "raw",
    [b"[" * 30000, b"{" * 30000, _nested(5000), _nested(MAX_JSON_DEPTH + 1)],
    ids=["open-brackets", "open-braces", "deep-valid", "just-too-deep"],
)
@pytest.mark.parametrize("path", ["/api/v1/auth/signup", "/api/v1/auth/login", "/api/v1/auth/refresh"])
async def test_deeply_nested_json_is_a_400_before_authentication(
    offline_client: TestClient, path: str, raw: bytes
) -> None:
    response = await offline_client.post(path, data=raw, headers={"Content-Type": "application/json"})
    body = await assert_status(response, 400)
    assert body["error"]["code"] == "invalid_json"


async def test_deeply_nested_json_is_a_400_for_people_too(offline_client: TestClient) -> None:
    ada = await sign_up(offline_client, "ada")
    for method, path in [("PUT", "/api/v1/me/profile"), ("POST", "/api/v1/requests")]:
        response = await offline_client.request(method, path, data=b"[" * 30000, headers=ada.headers)
        assert (await assert_status(response, 400))["error"]["code"] == "invalid_json"
    # Ordinary nesting still reads.
    shallow = {"interests": ["knots"], "bio": "x"}
    await ada.call("PUT", "/me/profile", 200, json=shallow)


# The live socket's Origin


def _upgrade(origin: str | None, person: Api | None = None) -> dict[str, str]:
    headers = {
        "Upgrade": "websocket",
        "Connection": "Upgrade",
        "Sec-WebSocket-Version": "13",
        "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
    }
    if origin is not None:
        headers["Origin"] = origin
    if person is not None:
        headers.update(person.headers)
    return headers


def _own_origin(client: TestClient) -> str:
    url = client.make_url("/")
    return f"{url.scheme}://{url.host}:{url.port}"


@pytest.fixture
async def public_client(tmp_path: Path, aiohttp_client: Any) -> TestClient:
    """Kindred whose pages are served at https://kindred.example."""
    settings = make_settings(tmp_path, "http://127.0.0.1:9", run_bot=False, public_web_url="https://kindred.example")
    return await aiohttp_client(create_app(settings, load_or_create_secrets(tmp_path), FakeAccounts()))


async def test_the_socket_refuses_a_page_of_another_origin(public_client: TestClient) -> None:
    ada = await sign_up(public_client, "ada")
    for origin in (
        "https://evil.example",
        "null",
        "https://kindred.example.evil.example",
        "http://kindred.example",
        _own_origin(public_client),
    ):
        response = await public_client.get("/ws", headers=_upgrade(origin, ada))
        assert response.status == 403, (origin, response.status)
        assert "Live updates open only from" in await response.text()
    for origin in ("https://kindred.example", "https://KINDRED.example:443"):
        ws = await public_client.ws_connect("/ws", headers={**ada.headers, "Origin": origin})
        assert (await ws.receive_json(timeout=5))["type"] == "hello"
        await ws.close()
    # An API client sends no Origin: its bearer token is enough.
    ws = await public_client.ws_connect("/ws", headers=ada.headers)
    assert (await ws.receive_json(timeout=5))["type"] == "hello"
    await ws.close()


async def test_without_a_public_url_the_socket_takes_its_own_address_only(offline_client: TestClient) -> None:
    ada = await sign_up(offline_client, "ada")
    await page_login(offline_client, ada)
    refused = await offline_client.get("/ws", headers=_upgrade("https://evil.example"))
    await assert_status(refused, 403)
    # A refused handshake rotated nothing: the session cookie still works as it was.
    assert "kindred_refresh" not in refused.cookies
    ws = await offline_client.ws_connect("/ws", headers={"Origin": _own_origin(offline_client)})
    assert (await ws.receive_json(timeout=5))["type"] == "hello"
    await ws.close()


# A refused request's page


async def test_a_refused_request_shows_a_blocked_person_nothing_of_the_blocker(offline_client: TestClient) -> None:
    ada = await sign_up(offline_client, "ada", display_name="Adelheid Private")
    await ada.call("PUT", "/me/profile", 200, json={"bio": "secret-bio-line", "interests": ["hidden-hobby"]})
    bo = await sign_up(offline_client, "bo")
    await ada.call("POST", f"/users/{bo.username}/block", 200)
    await page_login(offline_client, bo)
    response = await offline_client.post(
        "/requests", data={"to": ada.username, "note": "hi", "csrf_token": csrf_token(offline_client)}
    )
    page = await response.text()
    assert response.status == 403, page
    for secret in ("Adelheid Private", "secret-bio-line", "hidden-hobby"):
        assert secret not in page


# Matches older than the newest 200


async def test_an_old_match_behind_two_hundred_newer_ones_closes(offline_client: TestClient) -> None:
    ada = await sign_up(offline_client, "ada")
    bo = await sign_up(offline_client, "bo")
    sent = await bo.call("POST", "/requests", 201, json={"to": ada.username})
    old = (await ada.call("POST", f"/requests/{sent['request']['id']}/accept", 200))["match"]["id"]
    await _many_newer_matches(offline_client, ada.username, 201)
    assert old not in [m["id"] for m in (await ada.call("GET", "/matches", 200))["matches"]]

    assert (await ada.call("GET", f"/matches/{old}", 200))["match"]["id"] == old
    closed = await ada.call("POST", f"/matches/{old}/close", 200)
    assert closed["match"]["status"] == "closed"
    assert (await bo.call("GET", f"/matches/{old}", 200))["match"]["status"] == "closed"


async def _many_newer_matches(client: TestClient, username: str, count: int) -> None:
    """``count`` more matches for ``username``, written straight to the store (fast)."""
    async with client.server.app[keys.KINDRED].db.transaction() as conn:
        owner = await users.get_by_username(conn, username)
        assert owner is not None
        for _ in range(count):
            other = await users.insert_pending(conn, f"filler-{uuid.uuid4().hex[:10]}", "x", "Filler")
            await users.activate(conn, other, None)
            request_id = await requests.insert(conn, other, owner.id, "")
            await matches.insert(conn, request_id, other, owner.id)

"""Security headers, rate limits and cookies."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from config.secrets import load_or_create_secrets
from tests.conftest import FakeAccounts, make_settings
from tests.helpers import assert_status, sign_up
from web.app import create_app


@pytest.fixture
async def strict_client(tmp_path: Path, aiohttp_client: Any) -> TestClient:
    settings = make_settings(tmp_path, "http://127.0.0.1:9", run_bot=False).with_changes(
        signups_per_hour=3, logins_per_minute=4, requests_per_day=2
    )
    return await aiohttp_client(create_app(settings, load_or_create_secrets(tmp_path), FakeAccounts()))


@pytest.mark.parametrize("path", ["/", "/login", "/api/v1/me", "/healthz", "/nope"])
async def test_every_response_carries_security_headers(offline_client: TestClient, path: str) -> None:
    response = await offline_client.get(path, allow_redirects=False)
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


async def test_redirects_carry_security_headers(offline_client: TestClient) -> None:
    response = await offline_client.get("/discover", allow_redirects=False)
    await assert_status(response, 303)
    assert response.headers["X-Frame-Options"] == "DENY"


async def test_signups_per_address_are_limited_with_retry_after(strict_client: TestClient) -> None:
    for n in range(3):
        await sign_up(strict_client, f"p{n}")
    response = await strict_client.post(
        "/api/v1/auth/signup", json={"username": "late", "password": "kindred-pass-31", "display_name": "L"}
    )
    body = await assert_status(response, 429)
    assert body["error"]["code"] == "rate_limited"
    assert 1 <= int(response.headers["Retry-After"]) <= 3600


async def test_logins_per_address_are_limited(strict_client: TestClient) -> None:
    person = await sign_up(strict_client, "ada")
    statuses = []
    for _ in range(5):
        response = await strict_client.post(
            "/api/v1/auth/login", json={"username": person.username, "password": person.password}
        )
        statuses.append(response.status)
    assert statuses == [200, 200, 200, 200, 429]
    assert int(response.headers["Retry-After"]) >= 1


async def test_requests_per_day_are_limited_and_nothing_is_written(strict_client: TestClient) -> None:
    ada = await sign_up(strict_client, "ada", interests=["x"])
    others = [await sign_up(strict_client, f"o{n}", interests=["x"]) for n in range(2)]
    for other in others:
        await ada.call("POST", "/requests", 201, json={"to": other.username})
    # A third signup would hit the signup limit; reuse an existing person as the target.
    third = await ada.call("GET", "/users?q=" + others[0].username, 200)
    assert third["users"]
    extra = await strict_client.post("/api/v1/requests", json={"to": "nobody-here"}, headers=ada.headers)
    await assert_status(extra, 404)  # unknown people are still a 404, not a 429
    body = await ada.call("POST", "/requests", 409, json={"to": others[0].username})
    assert body["error"]["code"] == "request_exists"
    # Withdraw one and ask again: the day's count still includes it.
    sent = (await ada.call("GET", "/requests?box=outgoing", 200))["requests"]
    await ada.call("POST", f"/requests/{sent[0]['id']}/withdraw", 200)
    response = await strict_client.post("/api/v1/requests", json={"to": sent[0]["to"]}, headers=ada.headers)
    limited = await assert_status(response, 429)
    assert limited["error"]["code"] == "rate_limited"
    assert int(response.headers["Retry-After"]) > 0
    outgoing = (await ada.call("GET", "/requests?box=outgoing&status=pending", 200))["requests"]
    assert len(outgoing) == 1


async def test_session_cookies_are_httponly_and_lax(offline_client: TestClient) -> None:
    page = await offline_client.get("/signup")
    csrf = page.cookies["kindred_csrf"].value
    response = await offline_client.post(
        "/signup",
        data={"username": "cookie-person", "display_name": "C", "password": "kindred-pass-31", "csrf_token": csrf},
        allow_redirects=False,
    )
    await assert_status(response, 303)
    for name in ("kindred_access", "kindred_refresh"):
        morsel = response.cookies[name]
        assert morsel["httponly"] and morsel["samesite"] == "Lax"


async def test_form_posts_without_the_csrf_token_are_refused(offline_client: TestClient) -> None:
    await offline_client.get("/signup")
    response = await offline_client.post(
        "/signup", data={"username": "no-token", "display_name": "N", "password": "kindred-pass-31"}
    )
    await assert_status(response, 403)
    login = await offline_client.post(
        "/api/v1/auth/login", json={"username": "no-token", "password": "kindred-pass-31"}
    )
    await assert_status(login, 401)  # nothing was created

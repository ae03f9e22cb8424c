"""Bad input gets a clean 4xx with the one error shape, never a 5xx, and writes nothing."""

from __future__ import annotations

import asyncio
import json
from typing import Any, AsyncIterator

import pytest
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient

from domain.ports import AccountUnavailable, HomeserverDown
from tests.conftest import FakeAccounts
from tests.helpers import Api, assert_status, sign_up
from web import keys

PASSWORD = "correct horse battery"


async def assert_error(response: ClientResponse, status: int, code: str, field: str | None = None) -> None:
    body = await assert_status(response, status)
    assert isinstance(body, dict) and set(body) == {"error"}, body
    error = body["error"]
    assert {"code", "message"} <= set(error) <= {"code", "message", "field"}, error
    assert error["code"] == code, error
    assert isinstance(error["message"], str) and error["message"]
    assert error.get("field") == field, error


async def count(client: TestClient, table: str) -> int:
    async with client.server.app[keys.DB].read() as conn:
        cursor = await conn.execute(f"SELECT COUNT(*) FROM {table}")
        row = await cursor.fetchone()
        return int(row[0])


def signup_body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"username": "ada", "password": PASSWORD, "display_name": "Ada"}
    body.update(changes)
    return {k: v for k, v in body.items() if v is not ...}


async def put_profile(person: Api, **kwargs: Any) -> ClientResponse:
    return await person.client.put("/api/v1/me/profile", headers=person.headers, **kwargs)


# The body itself


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b"{", "invalid_json"),
        (b"{'username': 'ada'}", "invalid_json"),
        (b'{"username": "ada",}', "invalid_json"),
        (b"\xff\xfe{}", "invalid_json"),
        (b"username=ada", "invalid_json"),
        (b"[]", "invalid_body"),
        (b'["username", "ada"]', "invalid_body"),
        (b'"ada"', "invalid_body"),
        (b"42", "invalid_body"),
        (b"null", "invalid_body"),
    ],
)
@pytest.mark.parametrize("path", ["/api/v1/auth/signup", "/api/v1/auth/login", "/api/v1/auth/refresh"])
async def test_bodies_that_are_not_a_json_object(offline_client: TestClient, path: str, raw: bytes, code: str) -> None:
    response = await offline_client.post(path, data=raw, headers={"Content-Type": "application/json"})
    await assert_error(response, 400, code)
    assert await count(offline_client, "users") == 0


async def test_authenticated_routes_answer_the_same_shape(offline_client: TestClient) -> None:
    ada = await sign_up(offline_client, "ada")
    for method, path in [("PUT", "/api/v1/me/profile"), ("POST", "/api/v1/requests")]:
        response = await offline_client.request(method, path, data=b"{nope", headers=ada.headers)
        await assert_error(response, 400, "invalid_json")
        response = await offline_client.request(method, path, data=b"[1, 2]", headers=ada.headers)
        await assert_error(response, 400, "invalid_body")


@pytest.mark.parametrize("size", [64 * 1024 + 1, 200 * 1024, 1024 * 1024])
async def test_oversized_bodies_are_413(offline_client: TestClient, size: int) -> None:
    padding = "x" * size
    response = await offline_client.post("/api/v1/auth/signup", json=signup_body(padding=padding))
    await assert_error(response, 413, "body_too_large")
    assert await count(offline_client, "users") == 0


async def test_oversized_chunked_bodies_are_413(offline_client: TestClient) -> None:
    ada = await sign_up(offline_client, "ada", interests=["chess"])
    raw = json.dumps({"interests": ["go"], "padding": "x" * 100_000}).encode()

    async def pieces() -> AsyncIterator[bytes]:
        for start in range(0, len(raw), 4096):
            yield raw[start : start + 4096]

    await assert_error(await put_profile(ada, data=pieces()), 413, "body_too_large")
    assert (await ada.call("GET", "/me", 200))["interests"] == ["chess"]


async def test_a_body_arriving_in_pieces_is_read_whole(offline_client: TestClient) -> None:
    ada = await sign_up(offline_client, "ada")
    raw = json.dumps({"interests": ["chess", "go"], "bio": "hello", "ignored": "y" * 30_000}).encode()

    async def slowly() -> AsyncIterator[bytes]:
        for start in range(0, len(raw), 1000):
            yield raw[start : start + 1000]
            await asyncio.sleep(0)

    body = await assert_status(await put_profile(ada, data=slowly()), 200)
    assert (body["bio"], sorted(body["interests"])) == ("hello", ["chess", "go"])


# Fields


@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        ({"username": ...}, "field_required", "username"),
        ({"password": ...}, "field_required", "password"),
        ({"display_name": ...}, "field_required", "display_name"),
        ({"username": None}, "field_required", "username"),
        ({"username": 42}, "field_type", "username"),
        ({"password": ["a", "list"]}, "field_type", "password"),
        ({"display_name": {"first": "Ada"}}, "field_type", "display_name"),
        ({"display_name": True}, "field_type", "display_name"),
        ({"username": "x" * 33}, "username_invalid", "username"),
        ({"username": "a" * 10_000}, "username_invalid", "username"),
        ({"password": "p" * 129}, "password_invalid", "password"),
        ({"password": "short"}, "password_invalid", "password"),
        ({"display_name": "D" * 65}, "display_name_invalid", "display_name"),
        ({"username": "ada\x00"}, "control_characters", "username"),
        ({"password": "pass\x00word123"}, "control_characters", "password"),
        ({"display_name": "Ada\u0007"}, "control_characters", "display_name"),
    ],
)
async def test_bad_signup_fields_write_nothing(
    offline_client: TestClient, fake_accounts: FakeAccounts, changes: dict[str, Any], code: str, field: str
) -> None:
    response = await offline_client.post("/api/v1/auth/signup", json=signup_body(**changes))
    await assert_error(response, 400, code, field)
    assert await count(offline_client, "users") == 0
    assert fake_accounts.registered == {}


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"display_name": 5}, "field_type"),
        ({"display_name": ""}, "display_name_invalid"),
        ({"display_name": "Ada\x1b[2J"}, "control_characters"),
        ({"bio": "b" * 501}, "bio_too_long"),
        ({"bio": ["not", "text"]}, "field_type"),
        ({"bio": "nul\x00"}, "control_characters"),
        ({"interests": []}, "interests_invalid"),
        ({"interests": [f"topic {n}" for n in range(31)]}, "interests_invalid"),
        ({"interests": ["i" * 41]}, "interest_invalid"),
        ({"interests": ["chess", ""]}, "interest_invalid"),
        ({"interests": {"chess": True}}, "field_type"),
        ({"interests": ["chess", 1]}, "field_type"),
        ({"interests": None}, "field_type"),
        ({"interests": ["che\x00ss"]}, "control_characters"),
    ],
)
async def test_one_bad_profile_field_leaves_the_profile_unchanged(
    offline_client: TestClient, changes: dict[str, Any], code: str
) -> None:
    ada = await sign_up(offline_client, "ada", interests=["chess", "go"])
    before = await ada.call("PUT", "/me/profile", 200, json={"bio": "Original bio", "display_name": "Ada L"})
    # Every other field in the same update is valid.
    update = {"display_name": "Someone Else", "bio": "New bio", "interests": ["rowing"], **changes}
    field = next(iter(changes))
    await assert_error(await put_profile(ada, json=update), 400, code, field)
    assert await ada.call("GET", "/me", 200) == before
    assert await count(offline_client, "user_interests") == 2


# Query parameters and routing


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/api/v1/suggestions?limit=0", "limit"),
        ("/api/v1/suggestions?limit=101", "limit"),
        ("/api/v1/suggestions?limit=ten", "limit"),
        ("/api/v1/suggestions?limit=1.5", "limit"),
        ("/api/v1/users?q=" + "q" * 65, "q"),
        ("/api/v1/users?q=ada%00", "q"),
        ("/api/v1/users?limit=-3", "limit"),
        ("/api/v1/requests?box=all", "box"),
    ],
)
async def test_bad_query_parameters_are_400(offline_client: TestClient, path: str, field: str) -> None:
    ada = await sign_up(offline_client, "ada", interests=["chess"])
    response = await offline_client.get(path, headers=ada.headers)
    await assert_error(response, 400, "invalid_parameter", field)


async def test_a_bad_interest_filter_is_400_not_500(offline_client: TestClient) -> None:
    ada = await sign_up(offline_client, "ada", interests=["chess"])
    for value, code in [("i" * 41, "interest_invalid"), ("che%07ss", "control_characters")]:
        response = await offline_client.get(f"/api/v1/suggestions?interest={value}", headers=ada.headers)
        # The error names the query parameter at fault, not the profile's field.
        await assert_error(response, 400, code, "interest")


async def test_unknown_paths_and_methods_answer_json(offline_client: TestClient) -> None:
    ada = await sign_up(offline_client, "ada")
    await assert_error(await offline_client.get("/api/v1/nothing-here", headers=ada.headers), 404, "not_found")
    await assert_error(await offline_client.patch("/api/v1/me", headers=ada.headers), 405, "method_not_allowed")
    await assert_error(await offline_client.get("/api/v1/auth/login"), 405, "method_not_allowed")


# The homeserver


async def test_signup_while_the_homeserver_is_down_is_503_and_can_be_retried(
    offline_client: TestClient, fake_accounts: FakeAccounts
) -> None:
    fake_accounts.fail_with = HomeserverDown("connection refused")
    response = await offline_client.post("/api/v1/auth/signup", json=signup_body())
    await assert_error(response, 503, "homeserver_unavailable")
    assert await count(offline_client, "users") == 0
    # Nor can anyone log in as the half-made account.
    login = await offline_client.post("/api/v1/auth/login", json={"username": "ada", "password": PASSWORD})
    await assert_error(login, 401, "invalid_credentials")

    fake_accounts.fail_with = None
    response = await offline_client.post("/api/v1/auth/signup", json=signup_body())
    body = await assert_status(response, 201)
    assert body["user"]["matrix_user_id"] == "@ada:localhost"
    assert await count(offline_client, "users") == 1


async def test_a_name_taken_on_the_homeserver_is_409_and_leaves_no_row(
    offline_client: TestClient, fake_accounts: FakeAccounts
) -> None:
    fake_accounts.fail_with = AccountUnavailable("ada")
    response = await offline_client.post("/api/v1/auth/signup", json=signup_body())
    await assert_error(response, 409, "username_taken", "username")
    assert await count(offline_client, "users") == 0


async def test_reserved_names_are_taken(offline_client: TestClient, fake_accounts: FakeAccounts) -> None:
    for name in ("kindred-bot", "admin", "Kindred"):
        response = await offline_client.post("/api/v1/auth/signup", json=signup_body(username=name))
        await assert_error(response, 409, "username_taken", "username")
    assert fake_accounts.registered == {}

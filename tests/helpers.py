"""Small helpers shared by the tests."""

from __future__ import annotations

import asyncio
import socket
import uuid
from typing import Any, Awaitable, Callable

from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def unique(prefix: str) -> str:
    """A username no other test (sharing the homeserver) will pick."""
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


async def assert_status(response: ClientResponse, status: int) -> Any:
    """Check the status, showing the body when it is wrong; return the JSON body."""
    text = await response.text()
    assert response.status == status, f"{response.method} {response.url} -> {response.status}: {text}"
    try:
        return await response.json(content_type=None)
    except ValueError:
        return text


async def eventually(check: Callable[[], Awaitable[Any]], timeout: float = 30.0, interval: float = 0.1) -> Any:
    """Await ``check`` until it returns something truthy, or fail after ``timeout``."""
    deadline = asyncio.get_running_loop().time() + timeout
    last: Any = None
    while asyncio.get_running_loop().time() < deadline:
        last = await check()
        if last:
            return last
        await asyncio.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s; last value: {last!r}")


class Api:
    """A person using the JSON API through the test client."""

    def __init__(self, client: TestClient, username: str, password: str, body: dict[str, Any]) -> None:
        self.client = client
        self.username = username
        self.password = password
        self.access_token = str(body["access_token"])
        self.refresh_token = str(body["refresh_token"])
        self.user = body.get("user", {})

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}

    async def call(self, method: str, path: str, status: int, **kwargs: Any) -> Any:
        response = await self.client.request(method, "/api/v1" + path, headers=self.headers, **kwargs)
        return await assert_status(response, status)


async def sign_up(
    client: TestClient,
    prefix: str = "user",
    display_name: str | None = None,
    interests: list[str] | None = None,
    password: str = "correct horse battery",
) -> Api:
    username = unique(prefix)
    response = await client.post(
        "/api/v1/auth/signup",
        json={"username": username, "password": password, "display_name": display_name or prefix.title()},
    )
    body = await assert_status(response, 201)
    person = Api(client, username, password, body)
    if interests is not None:
        await person.call("PUT", "/me/profile", 200, json={"interests": interests})
    return person


def csrf_token(client: TestClient) -> str:
    """The CSRF token a page form would carry, from the client's cookie."""
    return next(m.value for m in client.session.cookie_jar if m.key == "kindred_csrf")


async def page_login(client: TestClient, person: Api) -> None:
    """Log ``person`` in through the login page, as a fresh browser would."""
    client.session.cookie_jar.clear()
    await client.get("/login")
    response = await client.post(
        "/login", data={"username": person.username, "password": person.password, "csrf_token": csrf_token(client)}
    )
    assert response.status == 200, await response.text()

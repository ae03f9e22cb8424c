"""Small helpers shared by the tests."""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from pathlib import Path
from typing import Any, Awaitable, Callable

from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient

from testkit.homeserver import free_port as free_port  # the tests take it from here
from testkit.process import KindredProcess
from tests.databases import database_env

ROOT = Path(__file__).resolve().parent.parent


async def kindred_command(*args: str, **env: str) -> tuple[int, str, str]:
    """Run the real command line without blocking the test's event loop."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "kindred_cli",
        *args,
        env={**os.environ, "KINDRED_CONFIG": "", **env},
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


def unique(prefix: str) -> str:
    """A username no other test (sharing the homeserver) will pick."""
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


async def assert_status(response: ClientResponse, status: int) -> Any:
    """Check the status, showing the body when it is wrong; return the JSON body."""
    try:
        text = await response.text()
    except UnicodeDecodeError:  # an image: its size is all the message needs
        text = f"<{len(await response.read())} bytes>"
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


async def all_ready(person: Api, count: int) -> list[dict[str, Any]] | None:
    """``person``'s matches once exactly ``count`` of them are ready."""
    found = (await person.call("GET", "/matches", 200))["matches"]
    ready = [m for m in found if m["status"] == "ready"]
    return ready if len(ready) == count else None


async def pairs(client: Any, count: int, shared: str = "fault tolerance") -> list[tuple[Api, Api, int]]:
    """``count`` pairs of people sharing an interest, each with a request sent (not yet accepted)."""
    made = []
    for _ in range(count):
        a = await sign_up(client, "req", interests=[shared])
        b = await sign_up(client, "rcv", interests=[shared])
        sent = await a.call("POST", "/requests", 201, json={"to": b.username})
        made.append((a, b, sent["request"]["id"]))
    return made


def csrf_token(client: TestClient) -> str:
    """The CSRF token a page form would carry, from the client's cookie."""
    return next(m.value for m in client.session.cookie_jar if m.key == "kindred_csrf")


async def page_signup(client: TestClient, username: str, display_name: str) -> ClientResponse:
    """Sign up through the signup form (a page visited before set the CSRF cookie)."""
    return await client.post(
        "/signup",
        data={
            "username": username,
            "display_name": display_name,
            "password": "kindred-pass-31",
            "csrf_token": csrf_token(client),
        },
    )


async def page_login(client: TestClient, person: Api) -> None:
    """Log ``person`` in through the login page, as a fresh browser would."""
    client.session.cookie_jar.clear()
    await client.get("/login")
    response = await client.post(
        "/login", data={"username": person.username, "password": person.password, "csrf_token": csrf_token(client)}
    )
    await assert_status(response, 200)


def kindred_run(
    data_dir: Path,
    homeserver_url: str | None = None,
    synapse_port: int | None = None,
    port: int | None = None,
    **env: str,
) -> KindredProcess:
    """``kindred run`` as its own process on ``data_dir``'s store: against
    ``homeserver_url`` (the session's homeserver), or else with its bundled
    homeserver (on ``synapse_port``). ``env`` adds settings."""
    settings = database_env(data_dir)
    if homeserver_url is not None:
        settings |= {
            "KINDRED_RUN_HOMESERVER": "false",
            "KINDRED_HOMESERVER_URL": homeserver_url,
            "KINDRED_SERVER_NAME": "localhost",
        }
    if synapse_port is not None:
        settings["KINDRED_SYNAPSE_PORT"] = str(synapse_port)
    return KindredProcess(data_dir, {**settings, **env}, port)

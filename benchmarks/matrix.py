"""The homeserver side of the benchmarks: people through Kindred's API, an
admin account for the floor, raw ``createRoom``, and a person's own Matrix
client watching its sync for invites."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import sqlite3
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
from nio import AsyncClient, AsyncClientConfig, LoginResponse, SyncResponse

from bridge.admin import SynapseAdmin
from bridge.matrix_client import MATCH_STATE_TYPE

PASSWORD = "benchmark password"


@dataclass
class Person:
    username: str
    token: str
    matrix_user_id: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


async def call(http: aiohttp.ClientSession, method: str, url: str, status: int, **kwargs: Any) -> Any:
    async with http.request(method, url, **kwargs) as response:
        body = await response.json(content_type=None)
        if response.status != status:
            raise RuntimeError(f"{method} {url} -> {response.status}: {body}")
        return body


async def sign_up(
    http: aiohttp.ClientSession,
    kindred_url: str,
    prefix: str,
    interests: list[str] | None = None,
    with_email: bool = False,
) -> Person:
    username = unique(prefix)
    fields = {"username": username, "password": PASSWORD, "display_name": prefix.title()}
    if with_email:
        # The code mail is queued in the signup's transaction, sent later.
        fields["email"] = f"{username}@example.org"
    body = await call(http, "POST", kindred_url + "/api/v1/auth/signup", 201, json=fields)
    person = Person(username, body["access_token"], body["user"]["matrix_user_id"])
    if interests:
        await call(
            http,
            "PUT",
            kindred_url + "/api/v1/me/profile",
            200,
            json={"interests": interests},
            headers=person.headers,
        )
    return person


async def request_between(http: aiohttp.ClientSession, kindred_url: str, sender: Person, receiver: Person) -> int:
    body = await call(
        http,
        "POST",
        kindred_url + "/api/v1/requests",
        201,
        json={"to": receiver.username},
        headers=sender.headers,
    )
    return int(body["request"]["id"])


async def accept(http: aiohttp.ClientSession, kindred_url: str, receiver: Person, request_id: int) -> None:
    await call(
        http,
        "POST",
        f"{kindred_url}/api/v1/requests/{request_id}/accept",
        200,
        headers=receiver.headers,
    )


class FloorAccount:
    """An admin account on the homeserver doing the same work by hand."""

    def __init__(self, http: aiohttp.ClientSession, base: str, token: str, user_id: str) -> None:
        self._http = http
        self._base = base
        self.token = token
        self.user_id = user_id

    @classmethod
    async def create(cls, http: aiohttp.ClientSession, base: str, shared_secret: str) -> FloorAccount:
        admin = SynapseAdmin(http, base, shared_secret)
        localpart = unique("floor")
        await admin.register(localpart, PASSWORD, "Floor", admin=True)
        body = await call(
            http,
            "POST",
            base + "/_matrix/client/v3/login",
            200,
            json={
                "type": "m.login.password",
                "identifier": {"type": "m.id.user", "user": localpart},
                "password": PASSWORD,
            },
        )
        # The bot is exempt from rate limits; so is its floor.
        await admin.exempt_from_rate_limits(body["user_id"], body["access_token"])
        return cls(http, base, body["access_token"], body["user_id"])

    async def create_room(self, invitees: list[str], number: int) -> str:
        """The room Kindred makes for a match: same preset, state and invites."""
        body = {
            "visibility": "private",
            "preset": "private_chat",
            "name": f"Floor {number}",
            "topic": "Matched on Kindred over a shared interest",
            "invite": invitees,
            "initial_state": [
                {"type": "m.room.history_visibility", "state_key": "", "content": {"history_visibility": "shared"}},
                {"type": "m.room.guest_access", "state_key": "", "content": {"guest_access": "forbidden"}},
                {"type": MATCH_STATE_TYPE, "state_key": "", "content": {"instance": "floor", "match_id": number}},
            ],
        }
        result = await call(
            self._http,
            "POST",
            self._base + "/_matrix/client/v3/createRoom",
            200,
            json=body,
            headers={"Authorization": f"Bearer {self.token}"},
        )
        return str(result["room_id"])

    async def register_raw(self, shared_secret: str, localpart: str) -> None:
        """The homeserver's own shared-secret registration: nonce, then register."""
        nonce = (await call(self._http, "GET", self._base + "/_synapse/admin/v1/register", 200))["nonce"]
        mac = hmac.new(shared_secret.encode(), digestmod=hashlib.sha1)
        mac.update(b"\x00".join(part.encode() for part in (nonce, localpart, PASSWORD, "notadmin")))
        await call(
            self._http,
            "POST",
            self._base + "/_synapse/admin/v1/register",
            200,
            json={
                "nonce": nonce,
                "username": localpart,
                "password": PASSWORD,
                "displayname": localpart,
                "admin": False,
                "mac": mac.hexdigest(),
            },
        )


class InviteWatcher:
    """A person's own Matrix client, syncing in a loop like any chat app,
    noting when each room invite first shows up in a sync response."""

    def __init__(self, homeserver_url: str, person_localpart: str) -> None:
        config = AsyncClientConfig(store_sync_tokens=False)
        self.client = AsyncClient(homeserver_url, person_localpart, config=config)
        self.seen: dict[str, float] = {}
        self._changed = asyncio.Condition()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        response = await self.client.login(PASSWORD, device_name="benchmark client")
        if not isinstance(response, LoginResponse):
            raise RuntimeError(f"login failed: {response}")
        first = await self.client.sync(timeout=0, full_state=True)
        if not isinstance(first, SyncResponse):
            raise RuntimeError(f"sync failed: {first}")
        for room_id in first.rooms.invite:
            self.seen[room_id] = 0.0
        self._task = asyncio.create_task(self._loop())

    async def _loop(self) -> None:
        while True:
            response = await self.client.sync(timeout=30_000)
            arrived = time.perf_counter()
            if not isinstance(response, SyncResponse):
                await asyncio.sleep(0.1)
                continue
            async with self._changed:
                for room_id in response.rooms.invite:
                    self.seen.setdefault(room_id, arrived)
                self._changed.notify_all()

    async def wait_for(self, room_id: str, timeout: float = 60.0) -> float:
        """When the invite to ``room_id`` first arrived (perf_counter time)."""
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: room_id in self.seen), timeout)
        return self.seen[room_id]

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self.client.close()


async def room_of_request(database: Path | str, request_id: int, ready: bool = False, timeout: float = 60.0) -> str:
    """The match room Kindred recorded for a request (once the match is
    ready, if asked), read from its database (a SQLite file, or a PostgreSQL
    URL): not its API, so watching adds no load to the process being measured."""
    if isinstance(database, str):
        return await _room_of_request_postgres(database, request_id, ready, timeout)
    deadline = time.monotonic() + timeout
    conn = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    condition = " AND status = 'ready'" if ready else ""
    try:
        while time.monotonic() < deadline:
            row = conn.execute(
                "SELECT room_id FROM matches WHERE request_id = ? AND room_id IS NOT NULL" + condition,
                (request_id,),
            ).fetchone()
            if row:
                return str(row[0])
            await asyncio.sleep(0.01)
    finally:
        conn.close()
    raise RuntimeError(f"request {request_id} got no room within {timeout:.0f}s")


async def _room_of_request_postgres(url: str, request_id: int, ready: bool, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    conn = await asyncpg.connect(url)
    condition = " AND status = 'ready'" if ready else ""
    try:
        while time.monotonic() < deadline:
            room_id = await conn.fetchval(
                "SELECT room_id FROM matches WHERE request_id = $1 AND room_id IS NOT NULL" + condition, request_id
            )
            if room_id:
                return str(room_id)
            await asyncio.sleep(0.01)
    finally:
        await conn.close()
    raise RuntimeError(f"request {request_id} got no room within {timeout:.0f}s")

"""People talking to the matcher bot as ordinary Matrix clients (matrix-nio)."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient
from nio import (
    AsyncClient,
    JoinedRoomsResponse,
    JoinResponse,
    LoginError,
    LoginResponse,
    RoomMessagesResponse,
    RoomSendResponse,
)

from domain import bot_state
from store import users
from tests.helpers import Api, eventually, sign_up
from web import keys

BOT = "@kindred-bot:localhost"


async def try_matrix_login(homeserver_url: str, username: str, password: str) -> LoginResponse | LoginError:
    """What the homeserver answers a login with this password (the client is closed again)."""
    client = AsyncClient(homeserver_url, username)
    try:
        return await client.login(password, device_name="test")
    finally:
        await client.close()


async def matrix_login(homeserver_url: str, person: Api) -> AsyncClient:
    """A Matrix client logged in as ``person``, as their own app would be."""
    mx = AsyncClient(homeserver_url, person.username)
    response = await mx.login(person.password, device_name="test client")
    assert isinstance(response, LoginResponse), response
    return mx


class MatrixPerson:
    def __init__(self, client: TestClient, person: Api, mx: AsyncClient) -> None:
        self.app_client = client
        self.person = person
        self.mx = mx
        self.user_id = mx.user_id

    @classmethod
    async def login(cls, client: TestClient, homeserver_url: str, person: Api) -> MatrixPerson:
        return cls(client, person, await matrix_login(homeserver_url, person))

    async def close(self) -> None:
        await self.mx.close()

    async def direct_room_id(self) -> str | None:
        """The bot's direct room with this person, as Kindred has it recorded."""
        ctx = self.app_client.app[keys.KINDRED]
        async with ctx.db.read() as conn:
            user = await users.get_by_username(conn, self.person.username)
        assert user is not None
        return await bot_state.direct_room_of(ctx, user.id)

    async def direct_room(self, timeout: float = 30) -> str:
        """The bot's direct room with this person, once it exists; joined."""
        room_id = await eventually(self.direct_room_id, timeout=timeout)
        await self.join(room_id)
        return str(room_id)

    async def requested_by(self, sender: Api, *needles: str) -> str:
        """``sender`` asks this person to connect; their direct room, once the
        bot's notice of it (with every needle) is there."""
        await sender.call("POST", "/requests", 201, json={"to": self.person.username})
        room_id = await self.direct_room()
        await self.wait_for_bot(room_id, *needles)
        return room_id

    async def join(self, room_id: str) -> None:
        async def joined() -> bool:
            return isinstance(await self.mx.join(room_id), JoinResponse)

        await eventually(joined, timeout=30, interval=0.2)

    async def say(self, room_id: str, body: str) -> str:
        content = {"msgtype": "m.text", "body": body}
        response = await self.mx.room_send(room_id, "m.room.message", content)
        assert isinstance(response, RoomSendResponse), response
        return str(response.event_id)

    async def messages(self, room_id: str) -> list[dict[str, Any]]:
        """The room's messages, oldest first, as raw events."""
        response = await self.mx.room_messages(room_id, start="", limit=100)
        assert isinstance(response, RoomMessagesResponse), response
        found = [e.source for e in response.chunk if e.source.get("type") == "m.room.message"]
        return list(reversed(found))

    async def bot_notices(self, room_id: str) -> list[dict[str, Any]]:
        return [e["content"] for e in await self.messages(room_id) if e["sender"] == BOT]

    async def wait_for_bot(self, room_id: str, *needles: str, after: int = 0, timeout: float = 30) -> dict[str, Any]:
        """The first bot message (after the first ``after`` ones) containing every needle."""

        async def said() -> dict[str, Any] | None:
            for content in (await self.bot_notices(room_id))[after:]:
                if all(n in content.get("body", "") for n in needles):
                    return content
            return None

        return await eventually(said, timeout=timeout, interval=0.2)

    async def wait_for_removal(self, room_id: str, *needles: str, timeout: float = 30) -> dict[str, Any]:
        """This person's removal from a room (the kick the bot made), once its reason has every needle."""

        async def removed() -> dict[str, Any] | None:
            response = await self.mx.room_messages(room_id, start="", limit=100)
            assert isinstance(response, RoomMessagesResponse), response
            for event in (e.source for e in response.chunk):
                content = event.get("content") or {}
                if (
                    event.get("type") == "m.room.member"
                    and event.get("state_key") == self.user_id
                    and content.get("membership") == "leave"
                    and event.get("sender") == BOT
                    and all(n in str(content.get("reason", "")) for n in needles)
                ):
                    return event
            return None

        return await eventually(removed, timeout=timeout, interval=0.2)

    async def command(self, room_id: str, body: str, *needles: str) -> dict[str, Any]:
        """Send a command and wait for the bot's answer containing the needles."""
        before = len(await self.bot_notices(room_id))
        await self.say(room_id, body)
        return await self.wait_for_bot(room_id, *needles, after=before)


async def ready_match(person: Api, timeout: float = 30) -> dict[str, Any]:
    async def ready() -> dict[str, Any] | None:
        found = (await person.call("GET", "/matches", 200))["matches"]
        return next((m for m in found if m["status"] == "ready"), None)

    return dict(await eventually(ready, timeout=timeout))


async def joined_rooms(person: MatrixPerson) -> list[str]:
    response = await person.mx.joined_rooms()
    assert isinstance(response, JoinedRoomsResponse), response
    return list(response.rooms)


class Pair:
    """Two people matched through the API, both joined to their room as Matrix clients."""

    def __init__(self, a: Api, b: Api, a_mx: MatrixPerson, b_mx: MatrixPerson, match: dict[str, Any]) -> None:
        self.a, self.b, self.a_mx, self.b_mx, self.match = a, b, a_mx, b_mx, match
        self.room_id = str(match["room_id"])

    @classmethod
    async def make(
        cls, client: TestClient, homeserver_url: str, a_interests: list[str], b_interests: list[str]
    ) -> Pair:
        a = await sign_up(client, "ada", "Ada", a_interests)
        b = await sign_up(client, "bo", "Bo", b_interests)
        sent = await a.call("POST", "/requests", 201, json={"to": b.username})
        await b.call("POST", f"/requests/{sent['request']['id']}/accept", 200)
        match = await ready_match(a)
        a_mx = await MatrixPerson.login(client, homeserver_url, a)
        b_mx = await MatrixPerson.login(client, homeserver_url, b)
        for person in (a_mx, b_mx):
            await person.join(str(match["room_id"]))
        return cls(a, b, a_mx, b_mx, match)

    async def both_removed(self) -> bool:
        """Neither of the two is in their match room any more."""
        for person in (self.a_mx, self.b_mx):
            if self.room_id in await joined_rooms(person):
                return False
        return True

    async def close(self) -> None:
        await self.a_mx.close()
        await self.b_mx.close()

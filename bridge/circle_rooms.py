"""Circles on the homeserver: Kindred's Space, a room per circle inside it,
and the bot's moderation there (joins, kicks, bans, roles, closing).

Every call is idempotent, so the circle worker may repeat a job after a
crash or an outage: a room is found again by its alias, a join of someone
already in is a no-op, a kick of someone already gone is done. Every call
waits out a 429 as ``bridge.transport.PATIENT`` says; any other failure is a
``BridgeError`` (``unreachable`` when the homeserver is down).
"""

from __future__ import annotations

import logging
import time
from typing import Any
from urllib.parse import quote

from bridge import circle_specs
from bridge.errors import BridgeError
from bridge.matrix_client import MatrixClient, room_path
from bridge.transport import patiently

logger = logging.getLogger(__name__)

# How long the token used to leave a room as a person may live.
_PUPPET_TOKEN_MS = 60_000
_GONE = ("leave", "ban", None)


class CircleRooms:
    def __init__(self, client: MatrixClient, instance_id: str) -> None:
        self._client = client
        self._instance = instance_id

    @property
    def server_name(self) -> str:
        return self._client.user_id.split(":", 1)[1]

    async def ensure_space(self, name: str = "Kindred", topic: str = "Circles: group chats about one interest") -> str:
        """Kindred's one Space, made on first call; its room id.

        Found again by its alias, so a second call (or a retry after a lost
        answer) returns the same Space.
        """
        alias = circle_specs.space_alias(self._instance)
        body = circle_specs.space_body(self._instance, self._client.user_id, name, topic)
        return await self._create_once(alias, body)

    async def create_circle(self, space_id: str, circle_id: int, name: str, topic: str) -> str:
        """The circle's room (made once), listed in the Space; its room id."""
        alias = circle_specs.circle_alias(self._instance, circle_id)
        body = circle_specs.circle_body(
            self._instance, self._client.user_id, space_id, circle_id, name, topic, self.server_name
        )
        room_id = await self._create_once(alias, body)
        await self._put_state(space_id, "m.space.child", room_id, {"via": [self.server_name]})
        return room_id

    async def join_local(self, space_id: str, room_id: str, user_id: str) -> None:
        """Put a person of this homeserver into the circle, then the Space.

        The admin join API invites (as the bot) and joins them at once: no
        invite for them to accept. As the join follows that invite, the
        consent module does not ask Kindred again (bridge/consent_module.py
        asks only about uninvited joins into a circle, from the Space); Kindred
        decided when it gave the place. The room comes first, as that is what
        the person waits for. Membership is looked up only when the homeserver
        refuses (someone already in is refused too), so a first join is one
        call per room.
        """
        for room in (room_id, space_id):
            try:
                await self._call("POST", f"/_synapse/admin/v1/join/{quote(room, safe='')}", {"user_id": user_id})
            except BridgeError as exc:
                if exc.http_status != 403 or await self.membership(room, user_id) != "join":
                    raise

    async def invite(self, room_id: str, user_id: str) -> None:
        """Invite a person of another homeserver (over federation); they join from their client."""
        if await self.membership(room_id, user_id) in ("join", "invite"):
            return
        await self._call("POST", f"{room_path(room_id)}/invite", {"user_id": user_id})

    async def leave(self, room_id: str, user_id: str) -> None:
        """Take a person out of the circle because they left on Kindred.

        Someone of this homeserver leaves themselves (through a short-lived
        token the bot, an admin, borrows for them), so Element shows "left",
        not "removed"; someone of another homeserver can only be kicked.
        """
        membership = await self.membership(room_id, user_id)
        if membership in _GONE:
            return
        if user_id.split(":", 1)[-1] != self.server_name:
            await self.kick(room_id, user_id, "Left the circle on Kindred")
            return
        token = await self._puppet_token(user_id)
        try:
            await self._call("POST", f"{room_path(room_id)}/leave", {}, token)
        finally:
            try:
                await self._call("POST", "/_matrix/client/v3/logout", {}, token)
            except BridgeError as exc:
                logger.warning("could not log out the token for %s: %s", user_id, exc)

    async def kick(self, room_id: str, user_id: str, reason: str) -> None:
        if await self.membership(room_id, user_id) in _GONE:
            return
        await self._call("POST", f"{room_path(room_id)}/kick", {"user_id": user_id, "reason": reason})

    async def ban(self, room_id: str, user_id: str, reason: str) -> None:
        if await self.membership(room_id, user_id) == "ban":
            return
        await self._call("POST", f"{room_path(room_id)}/ban", {"user_id": user_id, "reason": reason})

    async def unban(self, room_id: str, user_id: str) -> None:
        if await self.membership(room_id, user_id) != "ban":
            return
        await self._call("POST", f"{room_path(room_id)}/unban", {"user_id": user_id})

    async def set_roles(self, room_id: str, levels: dict[str, int]) -> None:
        """Make the room's levels Kindred's roles: ``levels`` (Matrix ID →
        power level) names every owner and moderator, and anyone else the
        room lists goes back to member (0 says so too). So a moderator who
        left keeps no level to come back with from the Space. The bot keeps
        its own level whatever is asked."""
        current = await self._state(room_id, "m.room.power_levels")
        users: dict[str, int] = {self._client.user_id: circle_specs.BOT_LEVEL}
        for user_id, level in levels.items():
            if user_id != self._client.user_id and level > circle_specs.MEMBER_LEVEL:
                users[user_id] = level
        if users == current.get("users"):
            return
        await self._put_state(room_id, "m.room.power_levels", "", {**current, "users": users})

    async def set_profile(self, room_id: str, name: str, topic: str) -> None:
        """The room's name and topic follow the circle's."""
        if (await self._state(room_id, "m.room.name")).get("name") != name:
            await self._put_state(room_id, "m.room.name", "", {"name": name})
        if (await self._state(room_id, "m.room.topic")).get("topic") != topic:
            await self._put_state(room_id, "m.room.topic", "", {"topic": topic})

    async def archive(self, room_id: str) -> None:
        """Close the circle: read-only for everyone but the bot, nobody new
        may join, out of the Space's listing; its history stays readable."""
        parents = [
            str(event["state_key"])
            for event in await patiently(lambda: self._client.room_state(room_id))
            if event.get("type") == "m.space.parent" and event.get("content")
        ]
        levels = await self._state(room_id, "m.room.power_levels")
        if levels.get("events_default") != circle_specs.ARCHIVED_EVENTS_LEVEL:
            closed = {**levels, "events_default": circle_specs.ARCHIVED_EVENTS_LEVEL, "invite": circle_specs.BOT_LEVEL}
            await self._put_state(room_id, "m.room.power_levels", "", closed)
        await self._put_state(room_id, "m.room.join_rules", "", {"join_rule": "invite"})
        for space_id in parents:
            # An m.space.child with empty content is how a Space stops listing a room.
            await self._put_state(space_id, "m.space.child", room_id, {})

    async def members(self, room_id: str) -> dict[str, str]:
        """Everyone with a membership in the room (Matrix ID → join, invite, leave, ban)."""
        answer = await self._call("GET", f"{room_path(room_id)}/members")
        found: dict[str, str] = {}
        for event in answer.get("chunk") or []:
            membership = (event.get("content") or {}).get("membership")
            if isinstance(membership, str) and isinstance(event.get("state_key"), str):
                found[event["state_key"]] = membership
        return found

    async def membership(self, room_id: str, user_id: str) -> str | None:
        """``user_id``'s membership, or None when they have none."""
        content = await self._state(room_id, "m.room.member", user_id)
        membership = content.get("membership")
        return str(membership) if membership else None

    async def _create_once(self, alias_local: str, body: dict[str, Any]) -> str:
        alias = f"#{alias_local}:{self.server_name}"
        found = await self._resolve(alias)
        if found is not None:
            return found
        try:
            created = await self._call("POST", "/_matrix/client/v3/createRoom", body)
        except BridgeError as exc:
            # Made by an earlier call whose answer was lost, or at the same time.
            if exc.errcode != "M_ROOM_IN_USE":
                raise
            found = await self._resolve(alias)
            if found is None:
                raise
            return found
        room_id = created.get("room_id")
        if not isinstance(room_id, str):
            raise BridgeError("M_UNKNOWN", "createRoom gave no room id")
        return room_id

    async def _resolve(self, alias: str) -> str | None:
        try:
            answer = await self._call("GET", f"/_matrix/client/v3/directory/room/{quote(alias, safe='')}")
        except BridgeError as exc:
            if exc.http_status == 404:
                return None
            raise
        room_id = answer.get("room_id")
        return room_id if isinstance(room_id, str) else None

    async def _state(self, room_id: str, kind: str, state_key: str = "") -> dict[str, Any]:
        """One state event's content; ``{}`` when there is none."""
        path = f"{room_path(room_id)}/state/{quote(kind, safe='')}/{quote(state_key, safe='')}"
        try:
            return await self._call("GET", path)
        except BridgeError as exc:
            if exc.http_status == 404:
                return {}
            raise

    async def _put_state(self, room_id: str, kind: str, state_key: str, content: dict[str, Any]) -> None:
        path = f"{room_path(room_id)}/state/{quote(kind, safe='')}/{quote(state_key, safe='')}"
        await self._call("PUT", path, content)

    async def _puppet_token(self, user_id: str) -> str:
        login = await self._call(
            "POST",
            f"/_synapse/admin/v1/users/{quote(user_id, safe='')}/login",
            {"valid_until_ms": int(time.time() * 1000) + _PUPPET_TOKEN_MS},
        )
        return str(login["access_token"])

    async def _call(
        self, method: str, path: str, body: dict[str, Any] | None = None, token: str | None = None
    ) -> dict[str, Any]:
        return await patiently(lambda: self._client.request_json(method, path, body, token=token))

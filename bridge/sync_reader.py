"""The bot's /sync, filtered down to what it acts on.

The bot sits in one room per match, so a sync must stay cheap however many
rooms there are: the filter drops account data, receipts and typing,
lazy-loads members and keeps a small timeline of messages and memberships,
and the presence of the people it shares rooms with (for the pages). The response is read once into a few small records and then
dropped: no client-side room bookkeeping (which would hold every room and
member in memory).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

from bridge.matrix_client import MatrixClient

TIMELINE_LIMIT = 20
# A first sync (no position) carries every room the bot is in: with thousands
# of match rooms the homeserver takes tens of seconds to build it, and giving
# up sooner would only make it build the answer again.
FIRST_SYNC_TIMEOUT = 300.0
_NOTHING = {"not_types": ["*"]}

SYNC_FILTER: dict[str, Any] = {
    "presence": {"types": ["m.presence"]},
    "account_data": _NOTHING,
    "event_fields": [
        "type",
        "event_id",
        "sender",
        "state_key",
        "origin_server_ts",
        "content.body",
        "content.msgtype",
        "content.membership",
        "content.is_direct",
        "content.presence",
        "content.last_active_ago",
        "content.currently_active",
    ],
    "room": {
        "include_leave": False,
        "account_data": _NOTHING,
        "ephemeral": _NOTHING,
        "state": {"types": ["m.room.member"], "lazy_load_members": True},
        "timeline": {"types": ["m.room.message", "m.room.member"], "limit": TIMELINE_LIMIT},
    },
}


@dataclass(frozen=True)
class Message:
    room_id: str
    event_id: str
    sender: str
    body: str
    msgtype: str
    # Milliseconds since the epoch, by the sender's homeserver.
    timestamp: int


@dataclass(frozen=True)
class Invite:
    room_id: str
    inviter: str
    is_direct: bool


@dataclass(frozen=True)
class Departure:
    """Someone left a room the bot is in, or was removed from it."""

    room_id: str
    user_id: str


@dataclass(frozen=True)
class Membership:
    """Someone's membership in a room the bot is in changed (joined, left,
    was kicked or banned, invited), by ``sender``'s doing."""

    room_id: str
    user_id: str
    membership: str
    sender: str


@dataclass(frozen=True)
class Presence:
    user_id: str
    presence: str
    # Milliseconds since they were last active, when the event was sent.
    last_active_ago: int | None
    currently_active: bool


@dataclass(frozen=True)
class Batch:
    next_batch: str
    messages: list[Message] = field(default_factory=list)
    invites: list[Invite] = field(default_factory=list)
    departures: list[Departure] = field(default_factory=list)
    memberships: list[Membership] = field(default_factory=list)
    presence: list[Presence] = field(default_factory=list)


def sync_filter(bot_user_id: str) -> dict[str, Any]:
    """The filter, leaving out the bot's own events: each room it makes or
    notice it posts would otherwise wake its sync again, only to be ignored."""
    room = dict(SYNC_FILTER["room"])
    room["timeline"] = {**room["timeline"], "not_senders": [bot_user_id]}
    return {**SYNC_FILTER, "room": room}


async def upload_filter(client: MatrixClient) -> str:
    path = f"/_matrix/client/v3/user/{quote(client.user_id, safe='')}/filter"
    return str((await client.request_json("POST", path, sync_filter(client.user_id)))["filter_id"])


async def sync(client: MatrixClient, since: str | None, filter_id: str, timeout_ms: int) -> Batch:
    """One /sync: returns at once with news, or after ``timeout_ms`` without."""
    params = {"filter": filter_id, "timeout": str(timeout_ms), "set_presence": "offline"}
    if since:
        params["since"] = since
    # The server may hold the request for timeout_ms; give it room to answer.
    allowed = timeout_ms / 1000 + 30 if since else FIRST_SYNC_TIMEOUT
    payload = await client.request_json("GET", f"/_matrix/client/v3/sync?{urlencode(params)}", timeout=allowed)
    return parse(payload, client.user_id)


def parse(payload: dict[str, Any], bot_user_id: str) -> Batch:
    batch = Batch(str(payload.get("next_batch", "")))
    rooms = payload.get("rooms") or {}
    for room_id, room in (rooms.get("join") or {}).items():
        for event in ((room.get("timeline") or {}).get("events")) or []:
            _read_event(batch, room_id, event)
    for room_id, room in (rooms.get("invite") or {}).items():
        invite = _read_invite(room_id, room, bot_user_id)
        if invite is not None:
            batch.invites.append(invite)
    for event in (payload.get("presence") or {}).get("events") or []:
        _read_presence(batch, event)
    return batch


def _read_presence(batch: Batch, event: dict[str, Any]) -> None:
    content = event.get("content") or {}
    state = content.get("presence")
    if event.get("type") != "m.presence" or not isinstance(state, str):
        return
    ago = content.get("last_active_ago")
    batch.presence.append(
        Presence(
            str(event.get("sender", "")),
            state,
            ago if isinstance(ago, int) else None,
            content.get("currently_active") is True,
        )
    )


def _read_event(batch: Batch, room_id: str, event: dict[str, Any]) -> None:
    content = event.get("content") or {}
    kind = event.get("type")
    if kind == "m.room.message" and isinstance(content.get("body"), str):
        batch.messages.append(
            Message(
                room_id,
                str(event.get("event_id", "")),
                str(event.get("sender", "")),
                content["body"],
                str(content.get("msgtype", "")),
                int(event.get("origin_server_ts") or 0),
            )
        )
    elif kind == "m.room.member" and isinstance(content.get("membership"), str):
        user_id = str(event.get("state_key", ""))
        batch.memberships.append(Membership(room_id, user_id, content["membership"], str(event.get("sender", ""))))
        if content["membership"] in ("leave", "ban"):
            batch.departures.append(Departure(room_id, user_id))


def _read_invite(room_id: str, room: dict[str, Any], bot_user_id: str) -> Invite | None:
    for event in ((room.get("invite_state") or {}).get("events")) or []:
        if event.get("type") == "m.room.member" and event.get("state_key") == bot_user_id:
            content = event.get("content") or {}
            if content.get("membership") == "invite":
                return Invite(room_id, str(event.get("sender", "")), content.get("is_direct") is True)
    return None

"""Events across processes: what one process publishes, the others' subscribers get too.

With ``kindred web`` and ``kindred bot`` on one PostgreSQL database, an
accept on a web process must wake the room worker in the bot process, and a
match made ready there must reach a person's live page on any web process.
Every event published locally is also sent on a ``store.notifications``
channel; every process re-publishes what arrives to its own subscribers
only, and drops what it sent itself (PostgreSQL hands a notification to its
sender's listener too), so nothing echoes.
"""

from __future__ import annotations

import json
import logging
import secrets
from typing import Any

from domain import events
from domain.events import Event, EventBus
from store.notifications import Channel

logger = logging.getLogger(__name__)

CHANNEL = "kindred_events"
# Counted where they happen: relayed, every process's metrics would count them.
LOCAL_ONLY = frozenset({events.BOT_COMMAND})


class EventRelay:
    def __init__(self, bus: EventBus, database_url: str) -> None:
        self._bus = bus
        self.origin = secrets.token_hex(8)
        self.channel = Channel(database_url, CHANNEL, self._received)

    def attach(self) -> None:
        self._bus.relay = self._send

    def detach(self) -> None:
        self._bus.relay = None

    async def run(self) -> None:
        await self.channel.run()

    def _send(self, event: Event) -> None:
        if event.type in LOCAL_ONLY:
            return
        self.channel.send(encode(event, self.origin))

    def _received(self, payload: str) -> None:
        origin, event = decode(payload)
        if origin != self.origin:
            self._bus.deliver(event)


def encode(event: Event, origin: str) -> str:
    return json.dumps(
        {"origin": origin, "type": event.type, "user_ids": list(event.user_ids), "data": event.data},
        separators=(",", ":"),
        default=str,
    )


def decode(payload: str) -> tuple[str, Event]:
    body: dict[str, Any] = json.loads(payload)
    event = Event(str(body["type"]), tuple(int(user) for user in body["user_ids"]), dict(body["data"]))
    return str(body["origin"]), event

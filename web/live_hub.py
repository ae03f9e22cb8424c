"""Who has a page open: the signed-in people's live sockets, and what to tell them.

The hub subscribes to the domain's events and hands each one to the
outboxes of the people it concerns. Publishing never waits on a slow
browser: an outbox that is full drops the event (the page still shows the
truth on its next load).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from domain import events
from domain.context import Kindred

logger = logging.getLogger(__name__)

LIVE_EVENTS = frozenset(
    {
        events.REQUEST_RECEIVED,
        events.REQUEST_ACCEPTED,
        events.REQUEST_REJECTED,
        events.REQUEST_WITHDRAWN,
        events.MATCH_READY,
        events.MATCH_CLOSED,
        *(events.CIRCLE_JOINED, events.CIRCLE_LEFT, events.CIRCLE_REMOVED, events.CIRCLE_CLOSED),
        events.CIRCLE_CHANGED,
    }
)
# Circles are seen by everyone signed in: whoever has a circle's page (or the
# list) open follows its counts and members, not only the person concerned.
# They carry only the circle's slug.
_EVERYONE = frozenset(
    {events.CIRCLE_JOINED, events.CIRCLE_LEFT, events.CIRCLE_REMOVED, events.CIRCLE_CLOSED, events.CIRCLE_CHANGED}
)
# Only ids go to the browser; the page fetches what it shows with the user's own rights.
_PUBLIC_FIELDS = ("request_id", "match_id")
_CIRCLE_FIELDS = ("slug",)
OUTBOX_SIZE = 64

Outbox = asyncio.Queue[dict[str, Any]]


class LiveHub:
    def __init__(self, ctx: Kindred) -> None:
        self._ctx = ctx
        self._outboxes: dict[int, set[Outbox]] = {}
        self._unsubscribe = ctx.events.subscribe(self.on_event)

    def open(self, user_id: int) -> Outbox:
        outbox: Outbox = asyncio.Queue(OUTBOX_SIZE)
        self._outboxes.setdefault(user_id, set()).add(outbox)
        return outbox

    def close(self, user_id: int, outbox: Outbox) -> None:
        boxes = self._outboxes.get(user_id)
        if boxes is not None:
            boxes.discard(outbox)
            if not boxes:
                del self._outboxes[user_id]

    def stop(self) -> None:
        self._unsubscribe()

    @property
    def connected(self) -> int:
        return sum(len(boxes) for boxes in self._outboxes.values())

    def on_event(self, event: events.Event) -> None:
        if event.type not in LIVE_EVENTS:
            return
        public = _CIRCLE_FIELDS if event.type in _EVERYONE else _PUBLIC_FIELDS
        message = {
            "type": event.type,
            "data": {k: event.data[k] for k in public if k in event.data},
        }
        for user_id in list(self._outboxes) if event.type in _EVERYONE else set(event.user_ids):
            for outbox in self._outboxes.get(user_id, ()):
                try:
                    outbox.put_nowait(message)
                except asyncio.QueueFull:
                    logger.info("live outbox of user %d is full; dropped %s", user_id, event.type)

"""In-process events, published after a transaction commits.

Subscribers (the provisioning worker, live pages, bot notifications) must
not block: they get the event synchronously and schedule their own work.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Callable

logger = logging.getLogger(__name__)

REQUEST_RECEIVED = "request.received"
REQUEST_ACCEPTED = "request.accepted"
REQUEST_REJECTED = "request.rejected"
REQUEST_WITHDRAWN = "request.withdrawn"
MATCH_READY = "match.ready"
MATCH_CLOSED = "match.closed"
JOB_QUEUED = "job.queued"
USER_SIGNED_UP = "user.signed_up"
# A mail was queued (domain/mail.py): the mailer wakes.
MAIL_QUEUED = "mail.queued"
# Someone deleted their account (domain/leaving.py): the deactivator wakes.
ACCOUNT_DELETED = "account.deleted"
# The bot handled a command: publish Event(BOT_COMMAND, (user_id,), {"command": name})
# with ``name`` from a fixed list (it becomes a metrics label).
BOT_COMMAND = "bot.command"
# Check-in questions were queued (domain/checkins.py): the bot's notifier wakes.
CHECKIN_QUEUED = "checkin.queued"
# Someone answered "did you meet?" (data: match_id, met).
CHECKIN_ANSWERED = "checkin.answered"

# Circles (domain/circles.py), data: circle_id, slug, username, member_count.
# Published for the person concerned; live circle pages watch them all.
CIRCLE_JOINED = "circle.joined"
CIRCLE_LEFT = "circle.left"
CIRCLE_REMOVED = "circle.removed"
CIRCLE_CLOSED = "circle.closed"
CIRCLE_CHANGED = "circle.changed"
# Homeserver work for circles was queued: the circle worker wakes.
CIRCLE_JOB_QUEUED = "circle.job_queued"


@dataclass(frozen=True)
class Event:
    type: str
    # Whom it concerns (Kindred user ids); empty for internal events.
    user_ids: tuple[int, ...] = ()
    data: dict[str, Any] = field(default_factory=dict)


Subscriber = Callable[[Event], None]


class EventBus:
    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []
        # Also given every event published here (domain/event_relay.py sends
        # them to the other processes); None in a single process.
        self.relay: Subscriber | None = None

    def subscribe(self, subscriber: Subscriber) -> Callable[[], None]:
        self._subscribers.append(subscriber)
        return lambda: self._subscribers.remove(subscriber)

    def publish(self, event: Event) -> None:
        self.deliver(event)
        if self.relay is not None:
            try:
                self.relay(event)
            except Exception:
                logger.exception("could not relay %s to the other processes", event.type)

    def deliver(self, event: Event) -> None:
        """Hand ``event`` to this process's subscribers only (one that came
        from another process, so it is not sent back)."""
        for subscriber in list(self._subscribers):
            try:
                subscriber(event)
            except Exception:
                logger.exception("event subscriber failed for %s", event.type)

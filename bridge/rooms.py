"""Every room Kindred makes, declared as a ``RoomSpec``.

A spec says who is invited, what marks the room carries in its very first
event (``creation_content``: crash recovery finds rooms by them) and what
initial state it starts with; ``MatrixClient.create_room`` turns it into one
``createRoom`` call. Match rooms, the bot's direct rooms and link-code rooms
are the three kinds today; group rooms would be a fourth spec.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# The match mark: a creation_content key and a state event of that type.
MATCH_STATE_TYPE = "org.kindred.match"
# The key in a direct room's m.room.create naming the Kindred instance and person.
DIRECT_MARKER = "org.kindred.direct"


@dataclass(frozen=True)
class RoomSpec:
    """A private, invite-only room, never in the directory, closed to guests."""

    name: str | None = None
    topic: str | None = None
    invite: tuple[str, ...] = ()
    is_direct: bool = False
    # None leaves the homeserver's default.
    history_visibility: str | None = None
    # Keys of creation_content, on m.room.create: nobody can change them later.
    marks: dict[str, Any] = field(default_factory=dict)
    # Further state events (type → content, empty state key), written with
    # the initial state in one batch after the creator's join.
    state: dict[str, Any] = field(default_factory=dict)

    def body(self) -> dict[str, Any]:
        """The ``createRoom`` request body."""
        body: dict[str, Any] = {"visibility": "private", "preset": "private_chat"}
        if self.name is not None:
            body["name"] = self.name
        if self.topic is not None:
            body["topic"] = self.topic
        if self.invite:
            body["invite"] = list(self.invite)
        if self.is_direct:
            body["is_direct"] = True
        if self.marks:
            body["creation_content"] = dict(self.marks)
        initial = []
        if self.history_visibility is not None:
            initial.append(_state("m.room.history_visibility", {"history_visibility": self.history_visibility}))
        initial.append(_state("m.room.guest_access", {"guest_access": "forbidden"}))
        initial.extend(_state(kind, content) for kind, content in self.state.items())
        body["initial_state"] = initial
        return body


def _state(kind: str, content: Any) -> dict[str, Any]:
    return {"type": kind, "state_key": "", "content": content}


def match_room(instance_id: str, match_id: int, name: str, topic: str, invitees: list[str]) -> RoomSpec:
    """A room for two, history shared with members, marked with its match twice.

    In ``creation_content`` the mark rides on the room's very first event, so
    even a room whose creation died part-way (before any other state) can be
    told apart and cleaned up; as the ``org.kindred.match`` state event it is
    written with the rest of the initial state, so its presence says creation
    got that far.
    """
    mark = {"instance": instance_id, "match_id": match_id}
    return RoomSpec(
        name=name,
        topic=topic,
        invite=tuple(invitees),
        history_visibility="shared",
        marks={MATCH_STATE_TYPE: mark},
        state={MATCH_STATE_TYPE: mark},
    )


def direct_room(user_id: str, marker: dict[str, Any] | None = None) -> RoomSpec:
    """The bot's direct room with one person, flagged direct in the invite.

    ``marker`` goes into the room's very first event, so a room made by a
    call whose answer was lost can be found again.
    """
    return RoomSpec(
        invite=(user_id,),
        is_direct=True,
        history_visibility="invited",
        marks={DIRECT_MARKER: marker} if marker is not None else {},
    )


def link_code_room(name: str) -> RoomSpec:
    """A direct room for a link code; the invite is sent on its own afterwards,
    so that a refused invite is told apart from a failed creation."""
    return RoomSpec(name=name, is_direct=True)

"""The ``createRoom`` bodies of Kindred's Space and of its circles.

A circle is a group room inside one Kindred Space (``m.space``), so Element
lists them together. Circles use a room version with restricted joins (10):
members of the Space may join a circle from Element's room list directly.
These are not ``bridge.rooms.RoomSpec``s because that spec only knows private
invite-only rooms with empty state keys; a Space child carries state keyed
by room id and needs its own room version and power levels.

Both carry an alias made of the Kindred instance and the circle: the
homeserver refuses a second room with the same alias, so a creation retried
after a lost answer finds the first room instead of making another.
"""

from __future__ import annotations

from typing import Any

# The key in m.room.create naming the Kindred instance (and circle).
SPACE_MARKER = "org.kindred.space"
CIRCLE_MARKER = "org.kindred.circle"
ROOM_VERSION = "10"

# Kindred's roles as power levels; the bot (100) stays above everyone, so
# only Kindred changes roles, names and join rules, and those stay in step
# with what the pages show.
BOT_LEVEL = 100
OWNER_LEVEL = 75
MODERATOR_LEVEL = 50
MEMBER_LEVEL = 0
# Read-only: only the bot may post once a circle is closed.
ARCHIVED_EVENTS_LEVEL = BOT_LEVEL


def space_alias(instance_id: str) -> str:
    """The local part of the Space's alias."""
    return f"kindred-space-{instance_id}"


def circle_alias(instance_id: str, circle_id: int) -> str:
    return f"kindred-circle-{instance_id}-{circle_id}"


def space_body(instance_id: str, bot_user_id: str, name: str, topic: str) -> dict[str, Any]:
    """The Space: invite-only (Kindred puts people in), history shared with members."""
    return {
        "visibility": "private",
        "preset": "private_chat",
        "room_version": ROOM_VERSION,
        "name": name,
        "topic": topic,
        "room_alias_name": space_alias(instance_id),
        "creation_content": {"type": "m.space", SPACE_MARKER: {"instance": instance_id}},
        "power_level_content_override": _power_levels(bot_user_id),
        "initial_state": [
            _state("m.room.guest_access", {"guest_access": "forbidden"}),
            _state("m.room.history_visibility", {"history_visibility": "shared"}),
        ],
    }


def circle_body(
    instance_id: str, bot_user_id: str, space_id: str, circle_id: int, name: str, topic: str, server: str
) -> dict[str, Any]:
    """A circle room: anyone in the Space may join it (restricted), a child
    of the Space (``m.space.parent``; the Space's ``m.space.child`` is written
    after creation, since it lives in the Space)."""
    return {
        "visibility": "private",
        "preset": "private_chat",
        "room_version": ROOM_VERSION,
        "name": name,
        "topic": topic,
        "room_alias_name": circle_alias(instance_id, circle_id),
        "creation_content": {CIRCLE_MARKER: {"instance": instance_id, "circle_id": circle_id}},
        "power_level_content_override": _power_levels(bot_user_id),
        "initial_state": [
            _state("m.room.guest_access", {"guest_access": "forbidden"}),
            _state("m.room.history_visibility", {"history_visibility": "shared"}),
            _state("m.room.join_rules", restricted_to(space_id)),
            _state("m.space.parent", {"via": [server], "canonical": True}, space_id),
        ],
    }


def restricted_to(space_id: str) -> dict[str, Any]:
    return {"join_rule": "restricted", "allow": [{"type": "m.room_membership", "room_id": space_id}]}


def _power_levels(bot_user_id: str) -> dict[str, Any]:
    return {
        "users": {bot_user_id: BOT_LEVEL},
        "users_default": MEMBER_LEVEL,
        "events_default": MEMBER_LEVEL,
        # Members may invite (the homeserver asks Kindred whether an invite
        # is allowed: blocked people never invite each other).
        "invite": MEMBER_LEVEL,
        "kick": MODERATOR_LEVEL,
        "ban": MODERATOR_LEVEL,
        "redact": MODERATOR_LEVEL,
        "state_default": BOT_LEVEL,
        "events": {
            "m.room.pinned_events": MODERATOR_LEVEL,
            "m.room.name": BOT_LEVEL,
            "m.room.topic": BOT_LEVEL,
            "m.room.avatar": BOT_LEVEL,
            "m.room.power_levels": BOT_LEVEL,
            "m.room.join_rules": BOT_LEVEL,
            "m.space.child": BOT_LEVEL,
            "m.space.parent": BOT_LEVEL,
        },
    }


def _state(kind: str, content: Any, state_key: str = "") -> dict[str, Any]:
    return {"type": kind, "state_key": state_key, "content": content}

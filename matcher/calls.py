"""The one shape of a bot command: a ``Call`` in, a ``Reply`` (or nothing) out.

Every command, in a direct room or a match room (and rooms to come), is a
``Spec`` in ``matcher.command_table``: where it may run, how it is used, and
whether its answer is private (sent to the sender's direct room instead of
the shared room, errors included).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Awaitable, Callable

from config.i18n import Translator
from domain.bot_state import RoomRole
from domain.context import Kindred
from domain.errors import KindredError
from matcher.icebreakers import Icebreakers
from matcher.replies import Reply
from store.matches import Match
from store.users import User


class Place(enum.Flag):
    """The rooms a command runs in."""

    DIRECT = enum.auto()
    MATCH = enum.auto()
    # A circle's group room.
    CIRCLE = enum.auto()
    # A room the bot knows nothing of yet (a Matrix ID proving itself).
    UNKNOWN = enum.auto()


@dataclass(frozen=True)
class Call:
    ctx: Kindred
    room_id: str
    # The Matrix ID that sent the command, and its Kindred account if any.
    matrix_id: str
    sender: User | None
    role: RoomRole | None
    args: str
    icebreakers: Icebreakers
    # The language the answer is written in: that of whoever reads it.
    t: Translator

    def error(self, exc: KindredError) -> str:
        """A rule's refusal, in the answer's language."""
        return exc.message_in(self.t)

    @property
    def person(self) -> User:
        """The sender, for commands that run only for Kindred people (checked before dispatch)."""
        assert self.sender is not None, "dispatch lets only Kindred people through"
        return self.sender

    @property
    def match(self) -> Match:
        assert self.role is not None and self.role.match is not None, "a match-room command"
        return self.role.match


Handler = Callable[[Call], Awaitable[Reply | None]]


@dataclass(frozen=True)
class Spec:
    name: str
    places: Place
    handler: Handler
    # (usage, meaning) lines for !help, in the order shown.
    usage: tuple[tuple[str, str], ...]
    # Answered in the sender's direct room, never in the shared room.
    private: bool = False
    # Runs for any Matrix ID, not only for the Kindred people of the room.
    anyone: bool = False
    # Where !help lists it, when that differs from where it runs.
    listed_in: Place | None = None
    # How it is used in a circle's room, when that differs (``!report`` names whom).
    circle_usage: tuple[tuple[str, str], ...] | None = None

    def usage_in(self, place: Place) -> tuple[tuple[str, str], ...]:
        return self.circle_usage if place == Place.CIRCLE and self.circle_usage is not None else self.usage

    def listed(self, place: Place) -> bool:
        return place in (self.listed_in if self.listed_in is not None else self.places)

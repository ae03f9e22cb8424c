"""What the domain needs from the homeserver, without knowing it is Matrix."""

from __future__ import annotations

from typing import Protocol


class AccountUnavailable(Exception):
    """The homeserver already has an account with this name."""


class HomeserverDown(Exception):
    """The homeserver could not be reached or failed."""


class AccountRefused(Exception):
    """The homeserver answered, and refused the account (a 4xx of its own).

    ``retry_after_ms`` is set when the refusal is a rate limit.
    """

    def __init__(self, reason: str, retry_after_ms: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after_ms = retry_after_ms


class HomeserverAccounts(Protocol):
    async def register(self, username: str, password: str, display_name: str) -> str:
        """Create the account and return its full Matrix user ID."""
        ...

    async def adopt(self, username: str, password: str, display_name: str) -> str | None:
        """Take over an existing ordinary account of this name, if there is one.

        Called only while Kindred holds the name's reservation, after a
        registration said "in use" or lost its answer: the account is then an
        orphan of an earlier signup. Its password becomes ``password`` and its
        other sessions end; returns its Matrix ID, or None when there is no
        account to adopt. Raises HomeserverDown or AccountRefused.
        """
        ...

    async def set_password(self, matrix_user_id: str, password: str) -> None:
        """Give the account a new password and log out all its devices.
        Raises HomeserverDown or AccountRefused."""
        ...

    async def set_display_name(self, matrix_user_id: str, display_name: str) -> None: ...

    async def set_locked(self, matrix_user_id: str, locked: bool) -> None:
        """Lock (suspend) or unlock an account; a locked account cannot be used."""
        ...

    async def set_avatar(self, matrix_user_id: str, content_type: str, data: bytes, filename: str) -> None:
        """Upload the picture to the homeserver and make it the account's
        avatar; the picture it replaces is deleted from the homeserver."""
        ...

    async def clear_avatar(self, matrix_user_id: str) -> None:
        """Take the account's avatar away, and delete it from the homeserver."""
        ...

    async def deactivate(self, matrix_user_id: str) -> None:
        """Close the account for good, erased: it leaves every room, its
        devices and profile go, and people who join its rooms later do not
        see its messages. An account already closed, or never made, is done
        already. Raises HomeserverDown or AccountRefused (to be tried again)."""
        ...


class MatrixIdUnreachable(Exception):
    """The homeserver of a Matrix ID is unknown or did not answer."""


class InviteRefused(Exception):
    """The homeserver of a Matrix ID refused the bot's invite."""


class DirectMessages(Protocol):
    """The bot's direct rooms with Matrix IDs on any server."""

    async def open_direct_room(self, matrix_user_id: str, name: str) -> str:
        """Create a private direct room with the bot, invite the ID, return the room id.

        Raises MatrixIdUnreachable, InviteRefused, or HomeserverDown.
        """
        ...

    async def send_text(self, room_id: str, body: str) -> None:
        """Post a notice from the bot; raises HomeserverDown."""
        ...


class MailUndelivered(Exception):
    """The mail server could not be reached or did not take the mail."""


class MailTransport(Protocol):
    async def send(self, to_address: str, subject: str, text_body: str, html_body: str) -> None:
        """Hand one mail to the mail server; raises MailUndelivered."""
        ...

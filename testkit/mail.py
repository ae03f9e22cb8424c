"""A real SMTP server for tests: aiosmtpd on a free loopback port, keeping
every mail it is given so a test can wait for the one it expects.

It can be stopped and started again on the same port, to show that mail
queued while the server was down goes out once it is back.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import re
import threading
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any, Callable

from aiosmtpd.controller import Controller

from testkit.homeserver import free_port


@dataclass(frozen=True)
class Received:
    to: list[str]
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def text(self) -> str:
        part = self.message.get_body(preferencelist=("plain",))
        assert part is not None, "the mail has no plain-text part"
        return str(part.get_content())

    @property
    def html(self) -> str:
        part = self.message.get_body(preferencelist=("html",))
        assert part is not None, "the mail has no HTML part"
        return str(part.get_content())

    def code(self) -> str:
        """The six-digit code the mail carries."""
        found = re.search(r"\b(\d{6})\b", self.subject + "\n" + self.text)
        assert found is not None, f"no code in {self.subject!r}"
        return found.group(1)

    def reset_token(self) -> str:
        found = re.search(r"/reset\?token=([A-Za-z0-9_\-]+)", self.text)
        assert found is not None, f"no reset link in {self.text!r}"
        return found.group(1)


class _Keep:
    def __init__(self, box: MailCatcher) -> None:
        self._box = box

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self._box._add(Received(list(envelope.rcpt_tos), parsed))
        return "250 Message accepted for delivery"


class MailCatcher:
    """Start with ``start()``; ``url`` is the ``smtp_url`` Kindred is given."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self._controller: Controller | None = None
        self._mails: list[Received] = []
        self._changed = threading.Condition()

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> None:
        self._controller = Controller(_Keep(self), hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def _add(self, mail: Received) -> None:
        with self._changed:
            self._mails.append(mail)
            self._changed.notify_all()

    def to(self, address: str) -> list[Received]:
        with self._changed:
            return [m for m in self._mails if address in m.to]

    async def wait_for(
        self, address: str, where: Callable[[Received], bool] = lambda _: True, timeout: float = 30.0, count: int = 1
    ) -> Received:
        """The ``count``-th mail to ``address`` matching ``where``, once it has arrived."""

        def wait() -> Received | None:
            with self._changed:
                found = self._changed.wait_for(
                    lambda: len([m for m in self._mails if address in m.to and where(m)]) >= count, timeout
                )
                if not found:
                    return None
                return [m for m in self._mails if address in m.to and where(m)][count - 1]

        mail = await asyncio.to_thread(wait)
        if mail is None:
            raise AssertionError(f"no mail {count} to {address} within {timeout} s; got {self.to(address)!r}")
        return mail

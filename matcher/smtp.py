"""The mailer's SMTP client: ``smtp_url`` says where and how.

``smtp://user:password@host:port`` speaks plain SMTP and upgrades with
STARTTLS whenever the server offers it; ``smtps://`` is TLS from the first
byte (port 465 by default). Every failure (refused, unreachable, timed out,
a 4xx or 5xx answer) is ``MailUndelivered``: the mailer tries again later.
"""

from __future__ import annotations

import email.utils
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

import aiosmtplib

from domain.ports import MailUndelivered


class SmtpTransport:
    def __init__(self, smtp_url: str, sender: str, timeout: float = 30.0) -> None:
        parts = urlsplit(smtp_url)
        self._implicit_tls = parts.scheme == "smtps"
        self._host = parts.hostname or "127.0.0.1"
        self._port = parts.port or (465 if self._implicit_tls else 25)
        self._username = unquote(parts.username) if parts.username else None
        self._password = unquote(parts.password) if parts.password else None
        self._sender = sender
        self._timeout = timeout

    async def send(self, to_address: str, subject: str, text_body: str, html_body: str) -> None:
        message = EmailMessage()
        message["From"] = self._sender
        message["To"] = to_address
        message["Subject"] = subject
        message["Date"] = email.utils.formatdate(localtime=False)
        message["Message-ID"] = email.utils.make_msgid(domain=email.utils.parseaddr(self._sender)[1].split("@")[-1])
        message.set_content(text_body)
        message.add_alternative(html_body, subtype="html")
        try:
            await aiosmtplib.send(
                message,
                hostname=self._host,
                port=self._port,
                username=self._username,
                password=self._password,
                use_tls=self._implicit_tls,
                # None: STARTTLS when the server offers it.
                start_tls=None if not self._implicit_tls else False,
                timeout=self._timeout,
            )
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise MailUndelivered(f"{type(exc).__name__}: {exc}") from exc

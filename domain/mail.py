"""Mail Kindred sends: written from templates and queued in the same
transaction as the change it reports, never sent inside a request.

The mailer (matcher/mailer.py) sends what is queued and retries with
backoff. With no SMTP server configured, mails are ``kept`` in the outbox
instead, where the operator reads them (/admin/outbox, and the log), so a
local run works end to end.

Every mail says what it is, who asked, and what to do if it was not you,
in the recipient's language (``domain.addressing``): subject, text and HTML
are templates (``<kind>.subject.txt``, ``<kind>.txt``, ``<kind>.html``)
translated with Jinja's i18n extension.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import jinja2

from config.i18n import translator
from domain import events
from domain.context import Kindred
from store import mail_outbox
from store.connection import Connection
from store.database import POSTGRESQL
from store.timeutil import iso, parse, utc_now

logger = logging.getLogger(__name__)

_TEMPLATES = Path(__file__).resolve().parent.parent / "config" / "templates" / "mail"


@functools.cache
def _environment(language: str, html: bool) -> jinja2.Environment:
    """The templates of one language, as text or HTML (escaped); made once."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(_TEMPLATES),
        autoescape=html,
        keep_trailing_newline=not html,
        extensions=["jinja2.ext.i18n"],
    )
    # As extracted (babel.cfg): whitespace inside {% trans %} is collapsed.
    env.policies["ext.i18n.trimmed"] = True
    env.install_gettext_translations(translator(language), newstyle=True)  # type: ignore[attr-defined]
    return env


@dataclass(frozen=True)
class Kind:
    name: str


EMAIL_CODE = Kind("email_code")
EMAIL_CHANGE = Kind("email_change")
PASSWORD_RESET = Kind("password_reset")
PASSWORD_CHANGED = Kind("password_changed")
DIGEST = Kind("digest")
KINDS = {kind.name: kind for kind in (EMAIL_CODE, EMAIL_CHANGE, PASSWORD_RESET, PASSWORD_CHANGED, DIGEST)}


def render(kind: Kind, context: dict[str, Any], language: str | None = None) -> tuple[str, str, str]:
    """(subject, plain text, HTML) of a mail, in ``language`` (None: the default)."""
    language = translator(language).locale
    text_env, html_env = _environment(language, False), _environment(language, True)
    subject = " ".join(text_env.get_template(f"{kind.name}.subject.txt").render(**context).split())
    text = text_env.get_template(f"{kind.name}.txt").render(**context)
    html = html_env.get_template(f"{kind.name}.html").render(subject=subject, lang=language, **context)
    return subject, text, html


def render_message(name: str, context: dict[str, Any], language: str | None) -> str:
    """A plain message Kindred sends a person over Matrix rather than by
    mail (``<name>.txt`` here, beside the mails), in ``language``."""
    return _environment(translator(language).locale, False).get_template(f"{name}.txt").render(**context).strip()


async def queue(
    conn: Connection,
    ctx: Kindred,
    kind: Kind,
    to_address: str,
    context: dict[str, Any],
    language: str | None,
) -> int:
    """Queue a mail inside the caller's transaction, in the recipient's
    ``language`` (their ``users.language``); call ``queued`` after it commits."""
    subject, text, html = render(kind, {"site": ctx.links.web_url, **context}, language)
    state = "queued" if ctx.mail_sends else "kept"
    mail_id = await mail_outbox.enqueue(conn, kind.name, to_address, subject, text, html, state)
    if state == "kept":
        # Without SMTP the operator is the postman: the log shows the mail.
        logger.info("mail kept in the outbox (no smtp_url) to %s: %s\n%s", to_address, subject, text)
    return mail_id


def queued(ctx: Kindred) -> None:
    """Wake the mailer after the transaction that queued mail committed."""
    if ctx.mail_sends:
        ctx.events.publish(events.Event(events.MAIL_QUEUED))


# Waits before the next try of a mail the SMTP server did not take.
_BACKOFF_SECONDS = (15, 60, 300, 900, 1800, 3600)


async def due(ctx: Kindred, limit: int = 20) -> list[mail_outbox.Mail]:
    if ctx.db.dialect == POSTGRESQL:
        # Other workers may share the queue: only what none of them holds.
        async with ctx.db.transaction() as conn:
            return await mail_outbox.claim_due(conn, limit, ctx.worker_id, utc_now())
    async with ctx.db.read() as conn:
        return await mail_outbox.due(conn, limit)


async def next_due_at(ctx: Kindred) -> datetime | None:
    async with ctx.db.read() as conn:
        when = await mail_outbox.next_due_at(conn)
    return parse(when) if when else None


async def begin(ctx: Kindred, mail: mail_outbox.Mail) -> None:
    """Count the attempt before the SMTP call, so a crash mid-way shows."""
    async with ctx.db.transaction() as conn:
        await mail_outbox.begin_attempt(conn, mail.id)


async def sent(ctx: Kindred, mail: mail_outbox.Mail) -> None:
    async with ctx.db.transaction() as conn:
        await mail_outbox.mark_sent(conn, mail.id)


async def failed(ctx: Kindred, mail: mail_outbox.Mail, error: str) -> None:
    """Try again later: the mail stays queued (a code mail is never dropped)."""
    wait = _BACKOFF_SECONDS[min(mail.attempts, len(_BACKOFF_SECONDS) - 1)]
    async with ctx.db.transaction() as conn:
        await mail_outbox.retry_later(conn, mail.id, iso(utc_now() + timedelta(seconds=wait)), error)
    logger.warning(
        "mail %d to %s not sent (try %d), again in %d s: %s", mail.id, mail.to_address, mail.attempts + 1, wait, error
    )


async def outbox_page(ctx: Kindred, limit: int, offset: int) -> list[mail_outbox.Mail]:
    async with ctx.db.read() as conn:
        return await mail_outbox.page(conn, limit, offset)

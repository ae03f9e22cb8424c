"""Six-digit one-time codes: random, stored only as salted hashes, checked in
constant time, each with a lifetime and a number of tries.

Shared by Matrix ID links (the bot posts the code) and email codes (the
mailer sends it), so both refuse a guess the same way.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta
from typing import Awaitable, Callable

from config.i18n import N_
from domain.errors import KindredError
from store.timeutil import parse, utc_now

CODE_DIGITS = 6
CODE_LIFETIME = timedelta(minutes=15)
TRIES = 5
# A new code at most this often, so Kindred cannot be used to pester a
# mailbox or a stranger's Matrix ID.
RESEND_AFTER = timedelta(seconds=60)


def refuse_early_resend(created_at: str) -> None:
    """``rate_limited`` (with the wait) when the last code is under a minute old."""
    wait = parse(created_at) + RESEND_AFTER - utc_now()
    if wait > timedelta(0):
        seconds = int(wait.total_seconds()) + 1
        message = N_("A code was sent a moment ago; you can ask for a new one in %(seconds)s s.")
        raise KindredError("rate_limited", message, retry_after=seconds, params={"seconds": seconds})


def new_code() -> str:
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def hash_code(code: str, salt: str | None = None) -> str:
    salt = salt or secrets.token_hex(16)
    digest = hashlib.sha256(f"{salt}:{code}".encode("ascii")).hexdigest()
    return f"{salt}${digest}"


def matches(stored: str, code: str) -> bool:
    text = code.strip()
    if not (len(text) == CODE_DIGITS and text.isascii() and text.isdigit()):
        return False
    salt = stored.split("$", 1)[0]
    return hmac.compare_digest(hash_code(text, salt), stored)


async def check(
    code_hash: str, expires_at: str, tries_left: int, code: str, spend_try: Callable[[], Awaitable[int]]
) -> KindredError | None:
    """The refusal of a guess, or None when it is right. A wrong guess costs a
    try (``spend_try`` returns those left); the caller commits that spent try
    along with the refusal, so it is returned rather than raised."""
    if utc_now() >= parse(expires_at):
        return KindredError("verification_code_expired", field="code")
    if tries_left <= 0:
        return KindredError("verification_code_spent", field="code")
    if not matches(code_hash, code):
        left = await spend_try()
        if left == 0:
            return KindredError("verification_code_spent", field="code")
        if left == 1:
            return KindredError("verification_code_wrong", N_("That code is not right; 1 try left."), "code")
        wrong = N_("That code is not right; %(tries)s tries left.")
        return KindredError("verification_code_wrong", wrong, "code", params={"tries": left})
    return None

"""Password hashing, run off the event loop: argon2id for Kindred, bcrypt for the homeserver."""

from __future__ import annotations

import asyncio

import bcrypt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
# Verified against when the username is unknown, so a wrong name and a wrong
# password take the same time and give the same answer.
_DUMMY_HASH = _hasher.hash("kindred-timing-equaliser")


async def hash_password(password: str) -> str:
    return await asyncio.to_thread(_hasher.hash, password)


async def verify_password(password_hash: str | None, password: str) -> bool:
    def _verify() -> bool:
        try:
            return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
        except (VerificationError, InvalidHashError):
            return False

    return await asyncio.to_thread(_verify)


async def matrix_password_hash(password: str) -> str:
    """The hash the homeserver stores (bcrypt, as Synapse does), for an
    account made later from it (see domain/accounts.py, ``require_email``).
    Synapse checks any bcrypt cost; 12 rounds is its own default."""
    return await asyncio.to_thread(lambda: bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(12)).decode("ascii"))

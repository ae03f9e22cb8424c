"""Password hashing (argon2id, run off the event loop), and the seal that keeps a
password for an account the homeserver has not made yet."""

from __future__ import annotations

import asyncio
import base64
import os

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

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


def _seal_key(secret: str) -> AESGCM:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"kindred matrix password seal").derive(
        secret.encode("utf-8")
    )
    return AESGCM(key)


def seal_password(secret: str, username: str, password: str) -> str:
    """The password, sealed for the few days an account waits for its email
    code: the homeserver's admin API makes an account from a password only.
    Bound to the username, so a seal cannot be moved to another account."""
    nonce = os.urandom(12)
    sealed = _seal_key(secret).encrypt(nonce, password.encode("utf-8"), username.encode("utf-8"))
    return base64.b64encode(nonce + sealed).decode("ascii")


def open_password(secret: str, username: str, seal: str) -> str:
    raw = base64.b64decode(seal)
    return _seal_key(secret).decrypt(raw[:12], raw[12:], username.encode("utf-8")).decode("utf-8")

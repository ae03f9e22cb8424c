"""Secrets generated on first start and kept in the data directory.

They never live in the config file, so a config can be shared or committed
without leaking the keys that sign tokens or register homeserver accounts.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Mapping

_FILE_NAME = "secrets.json"
# Several processes may share one data directory (the web replicas and the
# bot of a docker-compose deployment, starting together on an empty volume):
# they take turns on this lock, so all of them end up with the same secrets.
_LOCK_NAME = ".secrets.lock"

# Anyone who knows the JWT key forges logins, and anyone who knows the
# registration secret makes homeserver admins: a value from an example file,
# or one short enough to guess, is refused rather than run with.
MIN_SECRET_BYTES = 32
_PLACEHOLDERS = ("change-me", "changeme", "change_me", "replace-me", "secret", "example", "password")


class SecretError(ValueError):
    """A secret given by the operator is a placeholder or too short."""


def check_secret(name: str, value: str) -> None:
    """Refuse ``value`` for the secret ``name`` (named in the error) unless it
    is at least 32 bytes and not a placeholder."""
    lowered = value.strip().lower()
    if any(lowered.startswith(mark) for mark in _PLACEHOLDERS):
        raise SecretError(
            f"{name} is still a placeholder; generate one with: "
            'python3 -c "import secrets; print(secrets.token_urlsafe(32))"'
        )
    if len(value.encode("utf-8")) < MIN_SECRET_BYTES:
        raise SecretError(f"{name} is shorter than {MIN_SECRET_BYTES} bytes; generate a longer one")


@dataclass(frozen=True)
class Secrets:
    jwt_secret: str
    registration_shared_secret: str
    bot_password: str
    # The homeserver's consent module presents it to /_kindred/consent.
    consent_secret: str


# A deployment whose homeserver is not the bundled one shares the
# registration secret with it through the environment (docker-compose).
_ENV = {
    "KINDRED_REGISTRATION_SHARED_SECRET": "registration_shared_secret",
    "KINDRED_JWT_SECRET": "jwt_secret",
    "KINDRED_CONSENT_SECRET": "consent_secret",
}


def load_or_create_secrets(data_dir: Path, environ: Mapping[str, str] | None = None) -> Secrets:
    """Return the data directory's secrets, generating any that are missing.

    Secrets given in the environment win over stored ones and are not
    written; a placeholder or short one raises SecretError naming it.
    """
    environ = os.environ if environ is None else environ
    for env_name in _ENV:
        if environ.get(env_name):
            check_secret(env_name, environ[env_name])
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    with _locked(data_dir / _LOCK_NAME):
        values = _read_or_generate(data_dir / _FILE_NAME)
    for env_name, field in _ENV.items():
        if environ.get(env_name):
            values[field] = environ[env_name]
    return Secrets(**values)


def _read_or_generate(path: Path) -> dict[str, str]:
    stored: dict[str, str] = {}
    if path.exists():
        stored = json.loads(path.read_text(encoding="utf-8"))
    values = {name: stored.get(name) or secrets.token_urlsafe(32) for name in Secrets.__dataclass_fields__}
    if values != stored:
        tmp = path.with_suffix(".tmp")
        # Written owner-only and renamed into place so a crash never leaves a
        # half-written secrets file behind.
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(values, handle, indent=2)
        os.replace(tmp, path)
    return values


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (made owner-only if missing)."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)

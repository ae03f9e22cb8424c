"""Secrets generated on first start and kept in the data directory.

They never live in the config file, so a config can be shared or committed
without leaking the keys that sign tokens or register homeserver accounts.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

_FILE_NAME = "secrets.json"


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

    Secrets given in the environment win over stored ones and are not written.
    """
    environ = os.environ if environ is None else environ
    path = data_dir / _FILE_NAME
    stored: dict[str, str] = {}
    if path.exists():
        stored = json.loads(path.read_text(encoding="utf-8"))
    values = {
        name: stored.get(name) or secrets.token_urlsafe(32)
        for name in Secrets.__dataclass_fields__
    }
    if values != stored:
        data_dir.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        # Written owner-only and renamed into place so a crash never leaves a
        # half-written secrets file behind.
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(values, handle, indent=2)
        os.replace(tmp, path)
    for env_name, field in _ENV.items():
        if environ.get(env_name):
            values[field] = environ[env_name]
    return Secrets(**values)



"""Kindred's processes as an operator deploys them over one PostgreSQL store."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from testkit.process import KindredProcess
from tests.databases import database_url_for


def deployment_part(store: Path, name: str, command: str, homeserver: Any, **settings: str) -> KindredProcess:
    """One process (``kindred web``, ``bot`` or ``run``) of the deployment: its
    own data directory, the store and secrets all share, and any further
    ``KINDRED_*`` settings."""
    data_dir = store / name
    data_dir.mkdir()
    shutil.copy(homeserver.root / "secrets.json", data_dir / "secrets.json")
    env = {
        "KINDRED_DATA_DIR": str(data_dir),
        "KINDRED_DATABASE_URL": database_url_for(store),
        "KINDRED_RUN_HOMESERVER": "false",
        "KINDRED_HOMESERVER_URL": homeserver.url,
        "KINDRED_SERVER_NAME": "localhost",
        **settings,
    }
    return KindredProcess(data_dir, env, command=command)

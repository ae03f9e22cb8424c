"""``kindred doctor``'s checks that need nothing but the settings and the disk
(or, for a PostgreSQL store, the database server).

Each check answers a ``Check``: OK, FAIL (Kindred will not work as set up),
or SKIP (does not apply here, or nothing to look at yet).
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, TextIO
from urllib.parse import urlsplit

import asyncpg
import yaml

from config.settings import Settings
from store.migrations import LATEST
from store.schema_info import postgresql_schema_version, schema_version

OK, FAIL, SKIP = "OK", "FAIL", "SKIP"

# Synapse's own defaults, which stall a popular person's invites and a busy
# bot's rooms; the bundled config must raise both (config/templates/ratelimits.yaml).
SYNAPSE_DEFAULTS = {
    ("rc_invites", "per_user"): {"per_second": 0.003, "burst_count": 5},
    ("rc_room_creation",): {"per_second": 0.016, "burst_count": 10},
}


@dataclass(frozen=True)
class Check:
    name: str
    status: str
    detail: str

    @property
    def failed(self) -> bool:
        return self.status == FAIL


def data_dir(settings: Settings) -> Check:
    path = settings.data_dir.resolve()
    if not path.exists():
        parent = next(p for p in path.parents if p.exists())
        if os.access(parent, os.W_OK):
            return Check("data dir", OK, f"{path} (created at first start)")
        return Check("data dir", FAIL, f"{path} does not exist and {parent} is not writable")
    try:
        with tempfile.NamedTemporaryFile(dir=path, prefix=".doctor-"):
            pass
    except OSError as exc:
        return Check("data dir", FAIL, f"{path} is not writable: {exc.strerror or exc}")
    return Check("data dir", OK, f"{path} is writable")


def database(settings: Settings) -> Check:
    """The SQLite database file (see ``postgresql_database`` for the other store)."""
    path = settings.data_dir / "kindred.db"
    if not path.exists():
        return Check("database", OK, f"not created yet; made at first start (schema version {LATEST})")
    try:
        version = schema_version(path)
    except sqlite3.Error as exc:
        return Check("database", FAIL, f"{path} does not open as a Kindred database: {exc}")
    return _schema_check(str(path), version)


async def postgresql_database(settings: Settings, timeout: float) -> Check:
    """The PostgreSQL database ``database_url`` names: reachable, and a schema
    this Kindred can use."""
    parts = urlsplit(settings.database_url)
    # Named without the URL's password.
    where = f"PostgreSQL {parts.hostname or 'localhost'}:{parts.port or 5432}{parts.path}"
    try:
        version = await postgresql_schema_version(settings.database_url, timeout)
    except (TimeoutError, OSError, ValueError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        return Check("database", FAIL, f"{where} does not open: {exc or type(exc).__name__}")
    if version == 0:
        return Check("database", OK, f"{where}: empty; tables made at first start (schema version {LATEST})")
    return _schema_check(where, version)


def _schema_check(where: str, version: int) -> Check:
    if version > LATEST:
        return Check(
            "database",
            FAIL,
            f"{where}: schema version {version} is newer than this Kindred ({LATEST}); upgrade Kindred",
        )
    if version < LATEST:
        return Check("database", OK, f"{where}: schema version {version}; upgraded to {LATEST} at next start")
    return Check("database", OK, f"{where}: schema version {version} (current)")


def synapse_rate_limits(synapse_dir: Path) -> Check:
    """The invite and room-creation limits in the bundled homeserver's config."""
    files = [synapse_dir / "homeserver.yaml", synapse_dir / "kindred-overrides.yaml"]
    if not all(f.exists() for f in files):
        return Check("homeserver rate limits", SKIP, f"no generated config in {synapse_dir} yet (written at start)")
    merged: dict[str, Any] = {}
    try:
        for f in files:  # read in the order Synapse merges them: the later wins
            merged.update(yaml.safe_load(f.read_text()) or {})
    except (OSError, yaml.YAMLError) as exc:
        return Check("homeserver rate limits", FAIL, f"cannot read the homeserver config: {exc}")
    low = [".".join(path) for path, default in SYNAPSE_DEFAULTS.items() if not _raised(merged, path, default)]
    if low:
        return Check("homeserver rate limits", FAIL, f"not raised above Synapse's defaults: {', '.join(low)}")
    per_user = merged["rc_invites"]["per_user"]
    return Check(
        "homeserver rate limits",
        OK,
        f"rc_invites.per_user {per_user['per_second']}/s burst {per_user['burst_count']}, "
        f"rc_room_creation {merged['rc_room_creation']['per_second']}/s",
    )


def _raised(config: Mapping[str, Any], path: tuple[str, ...], default: Mapping[str, float]) -> bool:
    node: Any = config
    for key in path:
        node = node.get(key) if isinstance(node, Mapping) else None
    if not isinstance(node, Mapping):
        return False
    try:
        return all(float(node.get(name, 0)) > floor for name, floor in default.items())
    except (TypeError, ValueError):
        return False


def settings_ok(settings: Settings) -> Check:
    where = "bundled" if settings.run_homeserver else "external"
    return Check("settings", OK, f"valid; {where} homeserver at {settings.internal_homeserver_url}")


def report(checks: list[Check], stream: TextIO) -> int:
    """One line per check; the exit status is 1 when any failed."""
    width = max(len(c.name) for c in checks)
    for check in checks:
        stream.write(f"{check.status:<4}  {check.name:<{width}}  {check.detail}\n")
    return 1 if any(c.failed for c in checks) else 0

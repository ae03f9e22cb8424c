"""``kindred doctor``'s checks that need nothing but the settings and the disk
(or, for a PostgreSQL store, the database server).

Each check answers a ``Check``: OK, WARN (works, but wants attention), FAIL
(Kindred will not work as set up), or SKIP (does not apply here, or nothing
to look at yet).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, TextIO
from urllib.parse import urlsplit

import asyncpg
import yaml

from config.settings import Settings
from store.migrations import LATEST, MIGRATIONS
from store.schema_info import StoreState, postgresql_state, sqlite_state

# WARN: works, but needs the operator's attention soon (the line says why).
OK, WARN, FAIL, SKIP = "OK", "WARN", "FAIL", "SKIP"

# The store's size worth a word: a SQLite file that has outgrown one writer
# at a time, a write-ahead log that is never folded back into it, and a
# PostgreSQL database whose disk and backups want watching.
SQLITE_SIZE_WARN_BYTES = 2 * 1024**3
SQLITE_WAL_WARN_BYTES = 256 * 1024**2
POSTGRESQL_SIZE_WARN_BYTES = 20 * 1024**3
_STORE_NAMES = ("migrations", "store size")

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


async def store(settings: Settings, timeout: float) -> list[Check]:
    """The store: it opens (read-only), its migrations, and its size."""
    if settings.database_url:
        parts = urlsplit(settings.database_url)
        # Named without the URL's password.
        where = f"PostgreSQL {parts.hostname or 'localhost'}:{parts.port or 5432}{parts.path}"
        try:
            state = await postgresql_state(settings.database_url, timeout)
        except (TimeoutError, OSError, ValueError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            return _unreadable(Check("database", FAIL, f"{where} does not open: {exc or type(exc).__name__}"))
        size = _postgresql_size(state.size_bytes)
    else:
        path = settings.data_dir / "kindred.db"
        where = str(path)
        if not path.exists():
            return [
                Check("database", OK, f"{where}: not created yet; made at first start"),
                migrations(frozenset()),
                Check("store size", OK, "nothing stored yet"),
            ]
        try:
            state = sqlite_state(path)
        except sqlite3.Error as exc:
            return _unreadable(Check("database", FAIL, f"{where} does not open as a Kindred database: {exc}"))
        size = _sqlite_size(state, settings.data_dir)
    return [Check("database", OK, f"{where} opens"), migrations(state.applied), size]


def _unreadable(database: Check) -> list[Check]:
    return [database, *(Check(name, SKIP, "not checked: the database does not open") for name in _STORE_NAMES)]


def migrations(applied: frozenset[int]) -> Check:
    """The migrations applied to a store against those this Kindred knows."""
    if not applied:
        return Check("migrations", OK, f"none applied yet; all {len(MIGRATIONS)} run at first start")
    newest = max(applied)
    if newest > LATEST:
        return Check(
            "migrations",
            FAIL,
            f"the database is at schema version {newest}, newer than this Kindred ({LATEST}): "
            "it was written by a newer Kindred, which this one will not start on; upgrade Kindred",
        )
    pending = [(number, description) for number, description, _ in MIGRATIONS if number not in applied]
    if pending:
        listed = "; ".join(f"{number} {description.split(':')[0]}" for number, description in pending)
        return Check(
            "migrations",
            WARN,
            f"{len(pending)} pending ({listed}): applied at the next start; back the database up first",
        )
    return Check("migrations", OK, f"all {len(applied)} applied (schema version {newest}, current)")


def _sqlite_size(state: StoreState, data_dir: Path) -> Check:
    detail = f"{_human(state.size_bytes)} (write-ahead log {_human(state.wal_bytes)})"
    if state.wal_bytes > SQLITE_WAL_WARN_BYTES:
        # Checkpoints fold the log back into the file; one this big says they cannot finish.
        return Check("store size", WARN, f"{detail}: the log is not being folded back; restart Kindred")
    if state.size_bytes > SQLITE_SIZE_WARN_BYTES:
        return Check(
            "store size",
            WARN,
            f"{detail}: above {_human(SQLITE_SIZE_WARN_BYTES)}, where SQLite's one writer at a time starts to "
            "show; move the store to PostgreSQL (kindred db copy)",
        )
    free = shutil.disk_usage(data_dir).free
    if free < state.size_bytes:
        return Check("store size", WARN, f"{detail}: only {_human(free)} free beside it, too little for a backup")
    return Check("store size", OK, detail)


def _postgresql_size(size: int) -> Check:
    detail = f"{_human(size)} (pg_database_size)"
    if size > POSTGRESQL_SIZE_WARN_BYTES:
        return Check(
            "store size",
            WARN,
            f"{detail}: above {_human(POSTGRESQL_SIZE_WARN_BYTES)}; check the server's free disk and how long "
            "a backup takes",
        )
    return Check("store size", OK, detail)


def _human(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    value = size / 1024
    for unit in ("KiB", "MiB"):
        if value < 1024:
            return f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GiB"


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

"""`kindred doctor`'s lines on the store (migrations, size), on the
homeserver's version and on federation. The command itself, end to end, is
in test_cli_tools.py; federation that works, in test_federation_two_servers.py."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import pytest

from bridge import doctor_federation
from bridge.doctor import diagnose
from config import doctor
from config.doctor import FAIL, OK, SKIP, WARN, Check
from config.settings import Settings
from store.database import Database
from store.migrations import LATEST, MIGRATIONS
from testkit.homeserver import ThrowawayHomeserver
from tests.databases import BACKEND, database_url_for, query
from tests.helpers import free_port


def _by_name(checks: list[Check]) -> dict[str, Check]:
    return {check.name: check for check in checks}


@pytest.fixture
async def settings(tmp_path: Path) -> Settings:
    """A store at the current schema, made the way Kindred makes it, then closed."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    made = Settings(data_dir=data_dir, database_url=database_url_for(data_dir))
    db = Database(data_dir / "kindred.db", made.database_url)
    await db.open()
    await db.close()
    return made


async def test_a_pending_migration_is_a_warning_and_a_newer_database_a_failure(settings: Settings) -> None:
    checks = _by_name(await doctor.store(settings, timeout=10))
    assert checks["database"].status == OK
    assert checks["migrations"].status == OK and f"schema version {LATEST}, current" in checks["migrations"].detail

    await query(settings.data_dir, f"DELETE FROM schema_version WHERE version = {LATEST}")
    checks = _by_name(await doctor.store(settings, timeout=10))
    [(_, description, _)] = [step for step in MIGRATIONS if step[0] == LATEST]
    pending = checks["migrations"]
    assert pending.status == WARN, pending
    assert f"1 pending ({LATEST} {description.split(':')[0]})" in pending.detail
    assert "applied at the next start" in pending.detail
    # A look, not an upgrade: the step is still pending.
    assert (LATEST,) not in await query(settings.data_dir, "SELECT version FROM schema_version")

    await query(settings.data_dir, "INSERT INTO schema_version (version) VALUES (999)")
    newer = _by_name(await doctor.store(settings, timeout=10))["migrations"]
    assert newer.status == FAIL and "newer than this Kindred" in newer.detail and "upgrade Kindred" in newer.detail


async def test_the_store_size_is_reported_and_warned_of_past_its_threshold(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    size = _by_name(await doctor.store(settings, timeout=10))["store size"]
    assert size.status == OK and ("KiB" in size.detail or "MiB" in size.detail), size
    if BACKEND == "sqlite":
        assert "write-ahead log" in size.detail
        monkeypatch.setattr(doctor, "SQLITE_SIZE_WARN_BYTES", 1024)
        advice = "move the store to PostgreSQL (kindred db copy)"
    else:
        assert "pg_database_size" in size.detail
        monkeypatch.setattr(doctor, "POSTGRESQL_SIZE_WARN_BYTES", 1024)
        advice = "check the server's free disk"
    size = _by_name(await doctor.store(settings, timeout=10))["store size"]
    assert size.status == WARN and advice in size.detail, size


async def test_an_unreadable_store_skips_its_migrations_and_size(tmp_path: Path) -> None:
    (tmp_path / "kindred.db").write_text("not a database, only notes\n" * 100)
    checks = _by_name(await doctor.store(Settings(data_dir=tmp_path), timeout=10))
    assert checks["database"].status == FAIL
    assert checks["migrations"].status == SKIP and checks["store size"].status == SKIP


@pytest.mark.store_agnostic
async def test_federation_off_by_config_warns_and_a_silent_listener_fails(
    homeserver: ThrowawayHomeserver, tmp_path: Path
) -> None:
    # The session's homeserver, as if Kindred had started it.
    bundled = Settings(data_dir=tmp_path, synapse_port=urlsplit(homeserver.url).port or 0)
    checks = _by_name(await diagnose(bundled))
    assert checks["homeserver version"].status == OK and checks["homeserver version"].detail.startswith("Synapse 1.")
    off = checks["federation"]
    assert off.status == WARN and "federation_port is 0" in off.detail and "cannot link Matrix IDs" in off.detail

    silent = bundled.with_changes(federation_port=free_port())
    failed = _by_name(await diagnose(silent))["federation"]
    assert failed.status == FAIL, failed
    assert f"127.0.0.1:{silent.federation_port}" in failed.detail and "restart Kindred" in failed.detail


class _Answers:
    """A stand-in for the network in the discovery rules' unit tests: URL ->
    (status, body), and anything else does not connect."""

    def __init__(self, answers: dict[str, tuple[int, Any]]) -> None:
        self.answers = answers
        self.asked: list[str] = []

    async def __call__(self, url: str, verify: bool) -> tuple[int, Any]:
        self.asked.append(url)
        if url not in self.answers:
            raise aiohttp.ClientConnectionError("Connection refused")
        return self.answers[url]


@pytest.mark.store_agnostic
async def test_federation_is_found_as_other_servers_find_it() -> None:
    external = Settings(run_homeserver=False, homeserver_url="http://synapse:8008", server_name="example.org")
    keys = (200, {"server_name": "example.org", "verify_keys": {}})
    delegated = _Answers(
        {
            "http://synapse:8008/_matrix/key/v2/server": keys,
            "https://example.org/.well-known/matrix/server": (200, {"m.server": "matrix.example.org:443"}),
            "https://matrix.example.org:443/_matrix/key/v2/server": keys,
        }
    )
    found = await doctor_federation.federation(delegated, external)
    assert found.status == OK, found
    assert "matrix.example.org:443 (delegated by https://example.org/.well-known)" in found.detail

    # No delegation: port 8448 of the name itself, which does not answer here.
    undelegated = _Answers({"http://synapse:8008/_matrix/key/v2/server": keys})
    failed = await doctor_federation.federation(undelegated, external)
    assert failed.status == FAIL and "other servers cannot reach example.org at example.org:8448" in failed.detail
    assert "cannot link Matrix IDs of other servers" in failed.detail and "check DNS" in failed.detail

    # Keys of another name: the delegation points at someone else's server.
    elsewhere = _Answers(
        {
            **delegated.answers,
            "https://matrix.example.org:443/_matrix/key/v2/server": (200, {"server_name": "other.example"}),
        }
    )
    wrong = await doctor_federation.federation(elsewhere, external)
    assert wrong.status == FAIL and "'other.example', not of 'example.org'" in wrong.detail

"""What must hold on either store (SQLite, or PostgreSQL in the second pass):
the migrations, and the spots where the two databases differ by nature."""

from __future__ import annotations

from pathlib import Path

from aiohttp.test_utils import TestClient

from store.database import Database
from store.migrations import LATEST, MIGRATIONS
from store.migrations import __path__ as _migrations_path
from tests.databases import database_url_for, query
from tests.helpers import assert_status, sign_up

MIGRATIONS_DIR = _migrations_path[0]


async def test_every_migration_is_applied_once_and_reopening_changes_nothing(tmp_path: Path) -> None:
    for _ in range(2):
        db = Database(tmp_path / "kindred.db", database_url_for(tmp_path))
        await db.open()
        await db.close()
    rows = await query(tmp_path, "SELECT version FROM schema_version ORDER BY version")
    assert [row[0] for row in rows] == [number for number, _, _ in MIGRATIONS]
    assert rows[-1][0] == LATEST


def test_every_step_file_registers_itself_with_a_description() -> None:
    files = sorted(Path(MIGRATIONS_DIR).glob("v[0-9][0-9][0-9]_*.py"))
    assert [int(path.name[1:4]) for path in files] == [number for number, _, _ in MIGRATIONS]
    assert all(description.strip() for _, description, _ in MIGRATIONS)


async def test_a_nul_character_in_a_lookup_finds_nobody(offline_client: TestClient) -> None:
    # PostgreSQL's text cannot hold NUL; looking one up is "nobody", as on SQLite.
    ada = await sign_up(offline_client, "ada")
    await ada.call("GET", "/users/a%00b", 404)
    login = await offline_client.post("/api/v1/auth/login", json={"username": "a\x00b", "password": "x" * 10})
    await assert_status(login, 401)


async def test_search_is_case_blind_and_lists_exact_then_prefix_hits_first(offline_client: TestClient) -> None:
    # SQLite's LIKE ignores ASCII case by itself; PostgreSQL's needs lower().
    viewer = await sign_up(offline_client, "viewer")
    bee = await sign_up(offline_client, "zbee", display_name="Busy BEE")
    await sign_up(offline_client, "abeekeeper", display_name="Keeper")
    found = await viewer.call("GET", "/users?q=bee", 200)
    names = [user["username"] for user in next(iter(found.values()))]
    assert bee.username in names and len(names) == 2
    assert names == sorted(names)  # neither is an exact or prefix hit: by username

"""`kindred db copy`: a SQLite store, filled through the app as people use it,
copied into a fresh PostgreSQL database; then Kindred opened on the copy must
show everyone what the SQLite store showed them. The target is a PostgreSQL
database, so these run in the PostgreSQL pass (each makes its own databases
on the throwaway server)."""

from __future__ import annotations

import re
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import pytest
from aiohttp.test_utils import TestClient

from config.secrets import load_or_create_secrets
from domain import moderation
from store.migrations import LATEST
from tests.conftest import FakeAccounts, FakeDirectMessages, make_settings
from tests.databases import database_url_for, postgresql_only
from tests.helpers import Api, assert_status, free_port, kindred_command, page_login, sign_up, unique
from tests.images import png
from web import keys
from web.app import create_app

pytestmark = postgresql_only("the copy's target is a PostgreSQL database")

NO_HOMESERVER = "http://127.0.0.1:9"
# What ada and cy see of their own, read on the source and again on the copy.
ADA_VIEWS = ("/me", "/suggestions", "/matches", "/requests", "/requests?box=outgoing", "/me/blocks")
CY_VIEWS = ("/me", "/me/matrix-id", "/suggestions", "/requests?box=outgoing", "/me/blocks")


@dataclass
class Store:
    data_dir: Path
    people: dict[str, Api]
    seen: dict[tuple[str, str], Any]
    picture: bytes

    @property
    def file(self) -> Path:
        return self.data_dir / "kindred.db"


@pytest.fixture
def app_on(aiohttp_client: Any, fake_accounts: FakeAccounts, fake_direct: FakeDirectMessages) -> Any:
    """Start Kindred (web app, fake homeserver, no bot) on ``data_dir`` with ``database_url``."""

    async def start(data_dir: Path, database_url: str) -> TestClient:
        settings = make_settings(data_dir, NO_HOMESERVER, run_bot=False, database_url=database_url)
        app = create_app(settings, load_or_create_secrets(data_dir), fake_accounts, fake_direct)
        return await aiohttp_client(app)

    return start


async def _fill(client: TestClient) -> tuple[dict[str, Api], bytes]:
    """Everything people leave in a store, through the API as they would."""
    ada = await sign_up(client, "ada", interests=["chess", "beekeeping", "go"])
    bo = await sign_up(client, "bo", interests=["chess", "beekeeping"])
    cy = await sign_up(client, "cy", interests=["chess", "go", "knitting"])
    dee = await sign_up(client, "dee", interests=["chess", "knitting"])
    eve = await _sign_up_with_email(client, "eve", ["go", "origami"])
    picture = png((200, 40, 40), size=16, other=(10, 10, 90))
    form = aiohttp.FormData()
    form.add_field("avatar", picture, content_type="image/png", filename="me.png")
    await ada.call("PUT", "/me/avatar", 200, data=form)
    sent = await bo.call("POST", "/requests", 201, json={"to": ada.username, "note": "Chess on Sundays?"})
    await ada.call("POST", f"/requests/{sent['request']['id']}/accept", 200)
    await cy.call("POST", "/requests", 201, json={"to": ada.username, "note": "A game of go?"})
    await dee.call("POST", f"/users/{cy.username}/block", 200)
    await dee.call("POST", f"/users/{cy.username}/report", 201, json={"reason": "rude in every message"})
    await cy.call("POST", "/me/matrix-id", 202, json={"matrix_user_id": "@cy:elsewhere.example"})
    await ada.call("PUT", "/me/digest", 200, json={"frequency": "weekly"})
    mallory = await sign_up(client, "mallory", interests=["chess"])
    await moderation.suspend(client.app[keys.KINDRED], moderation.COMMAND_LINE, mallory.username, "spam")
    fay = await sign_up(client, "fay", interests=["go"])
    await fay.call("DELETE", "/me", 200, json={"password": fay.password})
    return {"ada": ada, "bo": bo, "cy": cy, "dee": dee, "eve": eve}, picture


async def _sign_up_with_email(client: TestClient, prefix: str, interests: list[str]) -> Api:
    username = unique(prefix)
    body = {"username": username, "password": "correct horse battery", "display_name": "Eve", "email": "e@x.org"}
    person = Api(
        client,
        username,
        body["password"],
        await assert_status(await client.post("/api/v1/auth/signup", json=body), 201),
    )
    await person.call("PUT", "/me/profile", 200, json={"interests": interests})
    return person


@pytest.fixture
async def store(tmp_path: Path, app_on: Any) -> Store:
    """A SQLite store as ``make run`` keeps it, filled and then stopped."""
    data_dir = tmp_path / "sqlite"
    data_dir.mkdir()
    client = await app_on(data_dir, "")
    people, picture = await _fill(client)
    seen = {("ada", path): await people["ada"].call("GET", path, 200) for path in ADA_VIEWS}
    seen |= {("cy", path): await people["cy"].call("GET", path, 200) for path in CY_VIEWS}
    await client.close()
    return Store(data_dir, people, seen, picture)


@pytest.fixture
async def small_store(tmp_path: Path, app_on: Any) -> Store:
    """A stopped SQLite store with one person in it."""
    data_dir = tmp_path / "small"
    data_dir.mkdir()
    client = await app_on(data_dir, "")
    ada = await sign_up(client, "ada", interests=["chess"])
    await client.close()
    return Store(data_dir, {"ada": ada}, {}, b"")


async def _copy(source: Path, target_url: str) -> tuple[int, str, str]:
    return await kindred_command("db", "copy", "--from", f"sqlite:///{source}", "--to", target_url)


def _sqlite_tables(path: Path) -> dict[str, list[str]]:
    """table -> its columns, from the SQLite schema itself."""
    conn = sqlite3.connect(path)
    try:
        names = [row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {name: [row[1] for row in conn.execute(f'PRAGMA table_info("{name}")')] for name in names}
    finally:
        conn.close()


def _sqlite_rows(path: Path, table: str, columns: list[str]) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(path)
    try:
        return sorted(conn.execute(f'SELECT {", ".join(columns)} FROM "{table}"').fetchall(), key=repr)
    finally:
        conn.close()


async def _pg(url: str, sql: str) -> list[tuple[Any, ...]]:
    conn = await asyncpg.connect(url)
    try:
        return sorted((tuple(row) for row in await conn.fetch(sql)), key=repr)
    finally:
        await conn.close()


def _sqlite(path: Path, sql: str) -> None:
    conn = sqlite3.connect(path)
    try:
        with conn:
            conn.execute(sql)
    finally:
        conn.close()


def _duplicate(source: Path, copy: Path) -> Path:
    """A second SQLite store with the same rows (through SQLite's backup, WAL included)."""
    src, dst = sqlite3.connect(source), sqlite3.connect(copy)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()
    return copy


async def _log_in(client: TestClient, person: Api) -> Api:
    response = await client.post("/api/v1/auth/login", json={"username": person.username, "password": person.password})
    return Api(client, person.username, person.password, await assert_status(response, 200))


async def test_the_copy_holds_every_row_and_kindred_on_it_shows_the_same(
    store: Store, tmp_path: Path, app_on: Any
) -> None:
    target_dir = tmp_path / "postgresql"
    target_dir.mkdir()
    shutil.copy(store.data_dir / "secrets.json", target_dir / "secrets.json")
    url = database_url_for(target_dir)  # a new, empty database on the throwaway server

    code, out, err = await _copy(store.file, url)
    assert code == 0, err
    assert "every table's row count and checksum match" in out

    # Every table of the source's schema was copied and verified, row for row,
    # ids and pictures included; the target's migrations wrote schema_version.
    tables = _sqlite_tables(store.file)
    verified = {line.split()[1].rstrip(":") for line in err.splitlines() if line.startswith("verified ")}
    assert verified == set(tables) - {"schema_version"}
    for table, columns in tables.items():
        rows = _sqlite_rows(store.file, table, columns)
        assert await _pg(url, f'SELECT {", ".join(columns)} FROM "{table}"') == rows, table
    for table in ("users", "avatars", "requests", "matches", "jobs", "blocks", "reports", "matrix_link_codes"):
        assert _sqlite_rows(store.file, table, tables[table]), f"the store was meant to hold {table}"
    for table in ("mail_outbox", "email_codes", "admin_actions", "deactivations", "digest_settings", "bot_jobs"):
        assert _sqlite_rows(store.file, table, tables[table]), f"the store was meant to hold {table}"

    # The count of active people (kept by a trigger) is the source's, and right.
    active = _sqlite_rows(store.file, "population", ["active"])
    assert active == [(5,)] and await _pg(url, "SELECT active FROM population") == active
    assert await _pg(url, "SELECT COUNT(*) FROM users WHERE status = 'active'") == active

    client = await app_on(target_dir, url)
    for name, views in (("ada", ADA_VIEWS), ("cy", CY_VIEWS)):
        person = await _log_in(client, store.people[name])
        for path in views:
            assert await person.call("GET", path, 200) == store.seen[(name, path)], (name, path)
    ada = store.people["ada"]
    await page_login(client, ada)
    picture = await client.get(f"/avatars/{ada.username}")
    assert await picture.read() == store.picture

    # New rows get new ids past the copied ones, and the trigger counts again.
    newcomer = await sign_up(client, "newcomer", interests=["chess"])
    [(new_id,)] = await _pg(url, f"SELECT id FROM users WHERE username = '{newcomer.username}'")
    assert new_id > max(row[0] for row in _sqlite_rows(store.file, "users", ["id"]))
    assert await _pg(url, "SELECT active FROM population") == [(6,)]


async def test_a_target_that_holds_kindred_rows_is_refused(small_store: Store, tmp_path: Path) -> None:
    url = database_url_for(tmp_path / "target")
    code, _, err = await _copy(small_store.file, url)
    assert code == 0, err
    before = await _pg(url, "SELECT id, username FROM users")

    code, out, err = await _copy(small_store.file, url)
    assert code == 1 and out == ""
    [line] = err.strip().splitlines()
    assert re.fullmatch(
        r"kindred: the target database already holds Kindred data \(rows in \w+\): copy only into an empty database",
        line,
    ), line
    assert await _pg(url, "SELECT id, username FROM users") == before


async def test_a_source_at_another_schema_version_is_refused(small_store: Store, tmp_path: Path) -> None:
    url = database_url_for(tmp_path / "target")
    older = _duplicate(small_store.file, tmp_path / "older.db")
    _sqlite(older, f"DELETE FROM schema_version WHERE version = {LATEST}")
    code, _, err = await _copy(older, url)
    assert code == 1
    assert err.strip().splitlines() == [
        f"kindred: the SQLite store is at schema version {LATEST - 1} (without {LATEST}), this Kindred's is "
        f"{LATEST}: start this Kindred once on it (it upgrades the store as it starts), stop it, then copy again"
    ]

    newer = _duplicate(small_store.file, tmp_path / "newer.db")
    _sqlite(newer, "INSERT INTO schema_version (version) VALUES (999)")
    code, _, err = await _copy(newer, url)
    assert code == 1 and "newer than this Kindred's" in err and "upgrade Kindred" in err
    # Refused before anything was written: not even the migrations ran.
    assert await _pg(url, "SELECT to_regclass('users')") == [(None,)]


async def test_a_large_table_shows_its_rows_going_across_and_being_verified(small_store: Store, tmp_path: Path) -> None:
    _sqlite(
        small_store.file,
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2500)"
        " INSERT INTO interests (name) SELECT 'topic ' || i FROM n",
    )
    [(total,)] = _sqlite_rows(small_store.file, "interests", ["COUNT(*)"])
    code, _, err = await _copy(small_store.file, database_url_for(tmp_path / "target"))
    assert code == 0, err
    # Rewritten in place on a terminal (carriage returns), a line each here.
    shown = [line.strip() for line in err.splitlines() if " interests: " in line]
    assert shown == [f"copying interests: {done}/{total} rows" for done in (0, 1000, 2000, total)] + [
        f"verifying interests: {done}/{total} rows" for done in (1000, 2000)
    ] + [f"verified interests: {total} rows, same checksum"], shown


async def test_an_empty_target_from_a_newer_kindred_is_refused(small_store: Store, tmp_path: Path) -> None:
    url = database_url_for(tmp_path / "target")
    await _pg(url, "CREATE TABLE schema_version (version INTEGER NOT NULL)")
    await _pg(url, "INSERT INTO schema_version (version) VALUES (999)")
    code, out, err = await _copy(small_store.file, url)
    assert code == 1 and out == ""
    assert err.strip().splitlines() == [
        f"kindred: the target database is at schema version 999, newer than this Kindred's ({LATEST}): "
        "copy with the Kindred that made it, or into a new empty database"
    ]
    assert await _pg(url, "SELECT to_regclass('users')") == [(None,)]


async def test_an_unreadable_source_is_refused(tmp_path: Path) -> None:
    url = database_url_for(tmp_path / "target")
    text = tmp_path / "notes.db"
    text.write_text("not a database, only notes\n" * 100)
    for source in (text, tmp_path / "missing.db"):
        code, out, err = await _copy(source, url)
        assert code == 1 and out == ""
        [line] = err.strip().splitlines()
        assert line.startswith(f"kindred: cannot read the SQLite store at {source}: "), line


async def test_a_failed_copy_leaves_the_target_empty_and_runs_again(small_store: Store, tmp_path: Path) -> None:
    url = database_url_for(tmp_path / "target")
    # A row whose person is gone (written past the foreign key): PostgreSQL
    # refuses it, after the people were already sent in the same transaction.
    _sqlite(small_store.file, "INSERT INTO avatar_uploads (user_id, uploaded_at) VALUES (424242, '2026-01-01')")
    code, out, err = await _copy(small_store.file, url)
    assert code == 1 and out == ""
    assert "table avatar_uploads" in err and "the copy was rolled back, the target holds no Kindred rows" in err
    assert "Traceback" not in err
    assert await _pg(url, "SELECT COUNT(*) FROM users") == [(0,)]

    _sqlite(small_store.file, "DELETE FROM avatar_uploads WHERE user_id = 424242")
    code, _, err = await _copy(small_store.file, url)
    assert code == 0, err
    assert await _pg(url, "SELECT username FROM users") == [(small_store.people["ada"].username,)]


async def test_a_target_that_is_unreachable_or_not_postgresql_fails_clearly(small_store: Store) -> None:
    unreachable = f"postgresql://kindred:s3cret@127.0.0.1:{free_port()}/kindred"
    code, _, err = await _copy(small_store.file, unreachable)
    [line] = err.strip().splitlines()
    assert code == 1 and line.startswith("kindred: cannot open the PostgreSQL database in --to (127.0.0.1:"), line
    code, _, err = await _copy(small_store.file, "mysql://kindred:s3cret@127.0.0.1/kindred")
    assert code == 2 and "--to: must be postgresql://user:password@host:port/database" in err
    # The password stays out of every message.
    assert "s3cret" not in err + line

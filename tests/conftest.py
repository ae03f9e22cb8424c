"""Fixtures: a real Synapse for the session, and Kindred apps around it.

The homeserver is started once, by the throwaway-homeserver factory the
benchmarks use too (testkit/homeserver.py: cheap bcrypt and loose login
limits, since tests log many clients in quickly). Each test gets its own Kindred
data directory and database, talking to that shared homeserver.

With ``KINDRED_TEST_DATABASE_URL`` naming a PostgreSQL server, every data
directory gets its own fresh database on it instead of SQLite, dropped when
the test ends.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any, Awaitable, Callable, Iterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from config.secrets import load_or_create_secrets
from config.settings import Settings
from domain.ports import AccountUnavailable, HomeserverAccounts
from testkit.homeserver import ThrowawayHomeserver, free_port, running_sync, throwaway_homeserver
from testkit.mail import MailCatcher
from tests import databases
from web.app import create_app

# The consent module waits this long for Kindred before refusing; short, so
# that the test of a Kindred that does not answer stays quick.
TEST_CONSENT_TIMEOUT = 3


@pytest.fixture(scope="session")
def homeserver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ThrowawayHomeserver]:
    """The session's homeserver; its consent module asks the Kindred app on
    ``consent_port`` (``kindred(consent=True)``), and ``root`` holds the
    ``secrets.json`` each Kindred copies."""
    hs = throwaway_homeserver(
        tmp_path_factory.mktemp("homeserver"), consent_port=free_port(), consent_timeout=TEST_CONSENT_TIMEOUT
    )
    with running_sync(hs.server):
        yield hs


@pytest.fixture(autouse=True)
def _drop_test_databases() -> Iterator[None]:
    """Drop the PostgreSQL databases a test made, after its apps have closed;
    those of wider fixtures (made before the test) wait for the session's end."""
    before = databases.known()
    yield
    databases.drop(databases.known() - before)


@pytest.fixture(autouse=True, scope="session")
def _drop_remaining_databases() -> Iterator[None]:
    yield
    databases.drop(databases.known())


def make_settings(data_dir: Path, homeserver_url: str, **changes: Any) -> Settings:
    return Settings(
        data_dir=data_dir,
        database_url=databases.database_url_for(data_dir),
        port=0,
        run_homeserver=False,
        homeserver_url=homeserver_url,
        server_name="localhost",
        # Tests sign many people up from one address; the limits have tests of their own.
        signups_per_hour=100_000,
        logins_per_minute=100_000,
        requests_per_day=100_000,
        # Rounds run when a test runs them (with its own clock), never on the wall clock's schedule.
        run_rounds=False,
    ).with_changes(**changes)


AppFactory = Callable[..., Awaitable[TestClient]]


@pytest.fixture
async def kindred(homeserver: ThrowawayHomeserver, tmp_path: Path, aiohttp_client: Any) -> AppFactory:
    """Start a Kindred app (web + bot) against the session's homeserver."""

    async def start(data_dir: Path | None = None, consent: bool = False, **changes: Any) -> TestClient:
        """A new app; pass an earlier app's ``data_dir`` to restart it.

        With ``consent`` the app serves the homeserver's consent port, so
        the homeserver asks it about invites and joins (one such app at a
        time).
        """
        if data_dir is None:
            data_dir = tmp_path / f"kindred-{len(list(tmp_path.iterdir()))}"
            data_dir.mkdir()
            shutil.copy(homeserver.root / "secrets.json", data_dir / "secrets.json")
        settings = make_settings(data_dir, homeserver.url, **changes)
        app = create_app(settings, load_or_create_secrets(data_dir))
        if consent:
            return await aiohttp_client(app, server_kwargs={"port": homeserver.consent_port})
        return await aiohttp_client(app)

    return start


class FakeAccounts:
    """Stands in for the homeserver in fast tests of the rules."""

    def __init__(self) -> None:
        self.registered: dict[str, str] = {}
        self.display_names: dict[str, str] = {}
        self.locked: dict[str, bool] = {}
        self.avatars: dict[str, tuple[str, bytes]] = {}
        self.deactivated: list[str] = []
        self.fail_with: Exception | None = None
        # Accounts a lost registration answer left behind (adopt() takes them over).
        self.orphans: set[str] = set()

    async def register(self, username: str, password: str, display_name: str) -> str:
        if self.fail_with is not None:
            raise self.fail_with
        if username in self.registered:
            raise AccountUnavailable(username)
        self.registered[username] = password
        return f"@{username}:localhost"

    async def adopt(self, username: str, password: str, display_name: str) -> str | None:
        if username not in self.orphans:
            return None
        self.orphans.discard(username)
        self.registered[username] = password
        return f"@{username}:localhost"

    async def set_password(self, matrix_user_id: str, password: str) -> None:
        if self.fail_with is not None:
            raise self.fail_with
        self.registered[matrix_user_id.split(":")[0].lstrip("@")] = password

    async def set_display_name(self, matrix_user_id: str, display_name: str) -> None:
        if self.fail_with is not None:
            raise self.fail_with
        self.display_names[matrix_user_id] = display_name

    async def set_locked(self, matrix_user_id: str, locked: bool) -> None:
        if self.fail_with is not None:
            raise self.fail_with
        self.locked[matrix_user_id] = locked

    async def set_avatar(self, matrix_user_id: str, content_type: str, data: bytes, filename: str) -> None:
        if self.fail_with is not None:
            raise self.fail_with
        self.avatars[matrix_user_id] = (content_type, data)

    async def clear_avatar(self, matrix_user_id: str) -> None:
        if self.fail_with is not None:
            raise self.fail_with
        self.avatars.pop(matrix_user_id, None)

    async def deactivate(self, matrix_user_id: str) -> None:
        if self.fail_with is not None:
            raise self.fail_with
        if matrix_user_id not in self.deactivated:
            self.deactivated.append(matrix_user_id)
        self.avatars.pop(matrix_user_id, None)


@pytest.fixture
def fake_accounts() -> FakeAccounts:
    return FakeAccounts()


class FakeDirectMessages:
    """Stands in for the bot's direct rooms: keeps what it would have sent."""

    def __init__(self) -> None:
        self.rooms: dict[str, str] = {}
        self.sent: list[tuple[str, str]] = []
        self.fail_with: Exception | None = None

    async def open_direct_room(self, matrix_user_id: str, name: str) -> str:
        if self.fail_with is not None:
            raise self.fail_with
        room_id = f"!direct{len(self.rooms) + 1}:localhost"
        self.rooms[room_id] = matrix_user_id
        return room_id

    async def send_text(self, room_id: str, body: str) -> None:
        self.sent.append((room_id, body))

    def last_code(self, matrix_user_id: str) -> str:
        """The code in the newest message to ``matrix_user_id``."""
        room_id, body = next((r, b) for r, b in reversed(self.sent) if self.rooms[r] == matrix_user_id)
        return body.split("your code is ", 1)[1][:6]


@pytest.fixture
def fake_direct() -> FakeDirectMessages:
    return FakeDirectMessages()


@pytest.fixture
def smtp() -> Iterator[MailCatcher]:
    """A real SMTP server on a free port; pass ``smtp.url`` as ``smtp_url``."""
    catcher = MailCatcher()
    catcher.start()
    yield catcher
    catcher.stop()


@pytest.fixture
async def offline_client(
    tmp_path: Path, aiohttp_client: Any, fake_accounts: FakeAccounts, fake_direct: FakeDirectMessages
) -> TestClient:
    """The web app with a fake homeserver and no bot: for rule and API-shape tests."""
    settings = make_settings(tmp_path, "http://127.0.0.1:9", run_bot=False)
    accounts: HomeserverAccounts = fake_accounts
    app: web.Application = create_app(settings, load_or_create_secrets(tmp_path), accounts, fake_direct)
    return await aiohttp_client(app)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Anything that needs the real homeserver is marked, so `make unit` can skip it.
    for item in items:
        if "homeserver" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.homeserver)
        # The PostgreSQL pass is about Kindred's store: what would only run the
        # same homeserver, processes or browser a second time is said (-rs) and
        # left to the SQLite pass, which keeps CI's two passes within budget.
        if databases.TEST_DATABASE_URL and item.get_closest_marker("store_agnostic"):
            item.add_marker(pytest.mark.skip(reason="store-agnostic: run once, in the SQLite pass"))

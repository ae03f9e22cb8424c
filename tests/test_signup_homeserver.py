"""Signup as the homeserver sees it: its refusals are the person's 4xx, and
an account a lost registration answer left behind is adopted, not lost."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient
from nio import LoginError, LoginResponse

from bridge.accounts import MatrixAccounts
from bridge.admin import SynapseAdmin
from domain.ports import AccountRefused, HomeserverDown
from testkit.homeserver import ThrowawayHomeserver
from tests.bot_helpers import try_matrix_login
from tests.conftest import AppFactory, FakeAccounts
from tests.helpers import assert_status, unique

PASSWORD = "a brand new password"


def _body(username: str, password: str = PASSWORD) -> dict[str, Any]:
    return {"username": username, "password": password, "display_name": "Orphan"}


async def test_an_orphan_matrix_account_is_adopted_at_signup(
    homeserver: ThrowawayHomeserver, kindred: AppFactory
) -> None:
    client = await kindred()
    name = unique("orphan")
    # What a registration whose answer never reached Kindred leaves behind.
    await homeserver.register(name, "the lost attempt's password", "Orphan")

    response = await client.post("/api/v1/auth/signup", json=_body(name))
    body = await assert_status(response, 201)
    assert body["user"]["matrix_user_id"] == f"@{name}:localhost"
    assert isinstance(await try_matrix_login(homeserver.url, name, PASSWORD), LoginResponse)
    assert isinstance(await try_matrix_login(homeserver.url, name, "the lost attempt's password"), LoginError)
    login = await client.post("/api/v1/auth/login", json={"username": name, "password": PASSWORD})
    await assert_status(login, 200)


async def test_a_homeserver_admin_of_that_name_is_not_taken_over(
    homeserver: ThrowawayHomeserver, kindred: AppFactory
) -> None:
    client = await kindred()
    name = unique("operator")
    await homeserver.register(name, "the operator's password", "Op", admin=True)

    response = await client.post("/api/v1/auth/signup", json=_body(name))
    body = await assert_status(response, 409)
    assert body["error"]["code"] == "username_taken"
    assert isinstance(await try_matrix_login(homeserver.url, name, "the operator's password"), LoginResponse)


async def test_a_homeserver_refusal_is_a_refusal_not_an_outage(homeserver: ThrowawayHomeserver, tmp_path: Path) -> None:
    async with aiohttp.ClientSession() as http:
        admin = SynapseAdmin(http, homeserver.url, homeserver.secrets.registration_shared_secret)

        async def no_token() -> str:
            raise AssertionError("registration needs no admin token")

        accounts = MatrixAccounts(admin, no_token, "localhost")
        # Kindred's own rules refuse this name first; the homeserver's answer
        # to it is a 400, which must not read as "the homeserver is down".
        with pytest.raises(AccountRefused) as caught:
            await accounts.register("12345", PASSWORD, "Num")
        assert "numeric" in caught.value.reason.lower()


@pytest.mark.parametrize(
    ("refusal", "status", "code"),
    [
        (AccountRefused("Invalid username"), 400, "homeserver_refused"),
        (AccountRefused("Too many requests", retry_after_ms=2500), 429, "rate_limited"),
    ],
)
async def test_homeserver_refusals_at_signup_are_4xx_and_leave_no_row(
    offline_client: TestClient, fake_accounts: FakeAccounts, refusal: Exception, status: int, code: str
) -> None:
    fake_accounts.fail_with = refusal
    response = await offline_client.post("/api/v1/auth/signup", json=_body("ada"))
    body = await assert_status(response, status)
    assert body["error"]["code"] == code
    if status == 429:
        assert response.headers["Retry-After"] == "3"
    fake_accounts.fail_with = None
    await assert_status(await offline_client.post("/api/v1/auth/signup", json=_body("ada")), 201)


async def test_a_lost_registration_answer_is_reconciled(
    offline_client: TestClient, fake_accounts: FakeAccounts
) -> None:
    # The homeserver made the account, then the answer was lost on the way.
    fake_accounts.orphans.add("ada")
    fake_accounts.fail_with = HomeserverDown("connection reset")
    response = await offline_client.post("/api/v1/auth/signup", json=_body("ada"))
    body = await assert_status(response, 201)
    assert body["user"]["matrix_user_id"] == "@ada:localhost"
    # Without an orphan, a lost answer is still an outage.
    response = await offline_client.post("/api/v1/auth/signup", json=_body("bo"))
    assert (await assert_status(response, 503))["error"]["code"] == "homeserver_unavailable"

"""Accounts people can trust, against a real SMTP server (aiosmtpd) and the
real homeserver: email codes, required email, password change and reset,
and mail that waits out an SMTP outage."""

from __future__ import annotations

import asyncio
import logging
import os
import re
import sys
from datetime import timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from nio import AsyncClient, LoginError, LoginResponse, WhoamiError

from domain import digests, moderation
from store.timeutil import iso, utc_now
from testkit.homeserver import ThrowawayHomeserver
from testkit.mail import MailCatcher
from tests.bot_helpers import try_matrix_login
from tests.conftest import AppFactory
from tests.databases import database_env
from tests.helpers import Api, assert_status, eventually, page_login, sign_up, unique
from web import keys

PASSWORD = "maple syrup on snow"
NEW_PASSWORD = "a different river"


async def _backdate_codes(client: TestClient, seconds: int) -> None:
    """As if the codes were mailed ``seconds`` ago (the resend gap is a minute)."""
    async with client.app[keys.DB].transaction() as conn:
        await conn.execute("UPDATE email_codes SET created_at = ?", (iso(utc_now() - timedelta(seconds=seconds)),))


async def _signup(client: TestClient, name: str, email: str | None, status: int = 201) -> Any:
    body: dict[str, Any] = {"username": name, "password": PASSWORD, "display_name": name.title()}
    if email is not None:
        body["email"] = email
    return await assert_status(await client.post("/api/v1/auth/signup", json=body), status)


async def _verified_person(client: TestClient, smtp: MailCatcher) -> tuple[Api, str]:
    name = unique("mailer")
    address = f"{name}@example.org"
    body = await _signup(client, name, address)
    code = (await smtp.wait_for(address)).code()
    response = await client.post("/api/v1/auth/verify-email", json={"username": name, "code": code})
    await assert_status(response, 200)
    return Api(client, name, PASSWORD, body), address


async def test_required_email_makes_the_account_only_after_the_code(
    homeserver: ThrowawayHomeserver, kindred: AppFactory, smtp: MailCatcher
) -> None:
    client = await kindred(smtp_url=smtp.url, require_email=True)
    name = unique("careful")
    address = f"{name}@Example.org"

    refused = await _signup(client, unique("nomail"), None, 400)
    assert refused["error"]["code"] == "email_required"
    body = await _signup(client, name, address, 202)
    assert body == {
        "user": {"username": name, "display_name": name.title(), "matrix_user_id": None},
        "email_verification": "sent",
    }
    # No tokens, no login, and no Matrix account until the code comes back.
    login = await client.post("/api/v1/auth/login", json={"username": name, "password": PASSWORD})
    assert (await assert_status(login, 403))["error"]["code"] == "email_unverified"
    assert isinstance(await try_matrix_login(homeserver.url, name, PASSWORD), LoginError)

    mail = await smtp.wait_for(address.lower())
    assert name in mail.text and "If this was not you" in mail.text and mail.code() in mail.html
    first = mail.code()
    wrong = "000000" if first != "000000" else "111111"
    for left in (4, 3, 2, 1):
        response = await client.post("/api/v1/auth/verify-email", json={"username": name, "code": wrong})
        error = (await assert_status(response, 400))["error"]
        assert error["code"] == "verification_code_wrong" and f"{left} tr" in error["message"]
    response = await client.post("/api/v1/auth/verify-email", json={"username": name, "code": wrong})
    assert (await assert_status(response, 400))["error"]["code"] == "verification_code_spent"
    # Five wrong tries lock the code: even the right one is refused now.
    response = await client.post("/api/v1/auth/verify-email", json={"username": name, "code": first})
    assert (await assert_status(response, 400))["error"]["code"] == "verification_code_spent"

    # A new code at most once a minute.
    early = await client.post("/api/v1/auth/resend-code", json={"username": name})
    await assert_status(early, 429)
    assert int(early.headers["Retry-After"]) >= 1
    await _backdate_codes(client, 61)
    await assert_status(await client.post("/api/v1/auth/resend-code", json={"username": name}), 202)
    second = (await smtp.wait_for(address.lower(), count=2)).code()

    response = await client.post("/api/v1/auth/verify-email", json={"username": name, "code": second})
    pair = await assert_status(response, 200)
    person = Api(client, name, PASSWORD, pair)
    me = await person.call("GET", "/me", 200)
    assert me["email"] == address.lower() and me["email_verified"] is True
    assert me["matrix_user_id"] == f"@{name}:localhost"
    # The Matrix account exists now, with the password given at signup.
    assert isinstance(await try_matrix_login(homeserver.url, name, PASSWORD), LoginResponse)
    login = await client.post("/api/v1/auth/login", json={"username": name, "password": PASSWORD})
    await assert_status(login, 200)


async def test_forgot_and_reset_change_the_password_on_both_sides(
    homeserver: ThrowawayHomeserver, kindred: AppFactory, smtp: MailCatcher
) -> None:
    client = await kindred(smtp_url=smtp.url)
    person, address = await _verified_person(client, smtp)

    # The same answer for a known name, an unknown one and an unknown address.
    answers = []
    for body in ({"username": person.username}, {"username": unique("nobody")}, {"email": "no@example.org"}):
        answers.append(await assert_status(await client.post("/api/v1/auth/forgot", json=body), 202))
    assert answers[0] == answers[1] == answers[2] == {"reset": "mailed_if_known"}

    mail = await smtp.wait_for(address, lambda m: "Reset" in m.subject)
    assert "If this was not you" in mail.text
    token = mail.reset_token()
    weak = await client.post("/api/v1/auth/reset", json={"token": token, "new_password": "password12"})
    assert (await assert_status(weak, 400))["error"]["code"] == "password_common"
    done = await client.post("/api/v1/auth/reset", json={"token": token, "new_password": NEW_PASSWORD})
    await assert_status(done, 200)

    again = await client.post("/api/v1/auth/reset", json={"token": token, "new_password": "yet another one"})
    assert (await assert_status(again, 400))["error"]["code"] == "reset_token_invalid"
    # Every session ended: the old access token and refresh token are refused.
    await person.call("GET", "/me", 401)
    refresh = await client.post("/api/v1/auth/refresh", json={"refresh_token": person.refresh_token})
    await assert_status(refresh, 401)
    # The old password fails on Kindred and on the homeserver; the new one works on both.
    old = await client.post("/api/v1/auth/login", json={"username": person.username, "password": PASSWORD})
    await assert_status(old, 401)
    assert isinstance(await try_matrix_login(homeserver.url, person.username, PASSWORD), LoginError)
    new = await client.post("/api/v1/auth/login", json={"username": person.username, "password": NEW_PASSWORD})
    await assert_status(new, 200)
    assert isinstance(await try_matrix_login(homeserver.url, person.username, NEW_PASSWORD), LoginResponse)
    await smtp.wait_for(address, lambda m: "was changed" in m.subject)


async def test_changing_the_password_ends_other_sessions_on_both_sides(
    homeserver: ThrowawayHomeserver, kindred: AppFactory, smtp: MailCatcher
) -> None:
    client = await kindred(smtp_url=smtp.url)
    person, _ = await _verified_person(client, smtp)
    login = await client.post("/api/v1/auth/login", json={"username": person.username, "password": PASSWORD})
    other = Api(client, person.username, PASSWORD, await assert_status(login, 200))
    element = AsyncClient(homeserver.url, person.username)
    try:
        assert isinstance(await element.login(PASSWORD, device_name="element"), LoginResponse)

        wrong = await person.call(
            "POST", "/me/password", 400, json={"current_password": "not it at all", "new_password": NEW_PASSWORD}
        )
        assert (wrong["error"]["code"], wrong["error"]["field"]) == ("password_wrong", "current_password")
        same = await person.call(
            "POST", "/me/password", 400, json={"current_password": PASSWORD, "new_password": person.username}
        )
        assert (same["error"]["code"], same["error"]["field"]) == ("password_is_username", "new_password")

        pair = await person.call(
            "POST", "/me/password", 200, json={"current_password": PASSWORD, "new_password": NEW_PASSWORD}
        )
        # This session goes on with the new pair; the other session and the Matrix device end.
        fresh = Api(client, person.username, NEW_PASSWORD, pair)
        await fresh.call("GET", "/me", 200)
        await person.call("GET", "/me", 401)
        await other.call("GET", "/me", 401)
        refresh = await client.post("/api/v1/auth/refresh", json={"refresh_token": other.refresh_token})
        await assert_status(refresh, 401)
        assert isinstance(await element.whoami(), WhoamiError)
    finally:
        await element.close()
    assert isinstance(await try_matrix_login(homeserver.url, person.username, NEW_PASSWORD), LoginResponse)
    assert isinstance(await try_matrix_login(homeserver.url, person.username, PASSWORD), LoginError)


async def test_an_email_change_needs_a_code_from_the_new_address_and_stays_private(
    kindred: AppFactory, smtp: MailCatcher
) -> None:
    client = await kindred(smtp_url=smtp.url)
    person, address = await _verified_person(client, smtp)
    newer = f"new-{address}"
    sent = await person.call("PUT", "/me/email", 202, json={"email": newer.upper()})
    assert sent == {"email_verification": "sent"}
    me = await person.call("GET", "/me", 200)
    # The old address stays until the new one is proven.
    assert (me["email"], me["email_verified"], me["email_pending"]) == (address, True, newer)
    code = (await smtp.wait_for(newer)).code()
    me = await person.call("POST", "/me/email/verify", 200, json={"code": code})
    assert (me["email"], me["email_verified"], me["email_pending"]) == (newer, True, None)

    # Nobody else sees it, and nobody else can prove it.
    stranger, _ = await _verified_person(client, smtp)
    seen = await stranger.call("GET", f"/users/{person.username}", 200)
    assert newer not in str(seen) and "email" not in seen
    taken = await stranger.call("PUT", "/me/email", 409, json={"email": newer})
    assert taken["error"]["code"] == "email_taken"


async def test_mail_waits_out_an_smtp_outage(kindred: AppFactory) -> None:
    smtp = MailCatcher()  # not started: the mail server is down
    client = await kindred(smtp_url=smtp.url)
    name = unique("patient")
    address = f"{name}@example.org"
    # Signup does not wait for the mail, and does not fail for it.
    await _signup(client, name, address)

    async def failed_once() -> bool:
        async with client.app[keys.DB].read() as conn:
            cursor = await conn.execute(
                "SELECT attempts, last_error, state FROM mail_outbox WHERE to_address = ?", (address,)
            )
            row = await cursor.fetchone()
        return row is not None and row[0] >= 1 and row[1] is not None and row[2] == "queued"

    await eventually(failed_once)
    smtp.start()
    try:
        mail = await smtp.wait_for(address, timeout=60)
        assert len(mail.code()) == 6
    finally:
        smtp.stop()


async def test_without_smtp_mail_is_kept_in_the_outbox_for_operators(
    offline_client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    client = offline_client
    name = unique("local")
    address = f"{name}@example.org"
    with caplog.at_level(logging.INFO, logger="domain.mail"):
        await _signup(client, name, address)
    # The log shows it too, so a local run needs no page to find a code.
    logged = [r.getMessage() for r in caplog.records if r.name == "domain.mail"]
    assert any(address in line and "Your Kindred code" in line for line in logged), logged
    async with client.app[keys.DB].read() as conn:
        cursor = await conn.execute("SELECT state, text_body FROM mail_outbox WHERE to_address = ?", (address,))
        state, text = await cursor.fetchone()
    assert state == "kept"
    code = next(word for word in text.split() if word.isdigit() and len(word) == 6)

    # Operators read it at /admin/outbox; nobody else can.
    reader = await sign_up(client, "reader")
    await page_login(client, reader)
    await assert_status(await client.get("/admin/outbox"), 403)
    await moderation.set_admin(client.app[keys.KINDRED], moderation.COMMAND_LINE, reader.username, True)
    page = await assert_status(await client.get("/admin/outbox"), 200)
    assert address in page and code in page and "No SMTP server is set" in page

    response = await client.post("/api/v1/auth/verify-email", json={"username": name, "code": code})
    await assert_status(response, 200)


async def test_signup_refuses_weak_passwords_and_bad_addresses(offline_client: TestClient) -> None:
    cases = [
        ({"password": "qwertyuiop"}, "password_common", "password"),
        ({"password": "short one"}, "password_invalid", "password"),
        ({"email": "not an address"}, "email_invalid", "email"),
    ]
    for change, code, field in cases:
        name = unique("weak")
        body = {"username": name, "password": PASSWORD, "display_name": "W", **change}
        error = (await assert_status(await offline_client.post("/api/v1/auth/signup", json=body), 400))["error"]
        assert (error["code"], error.get("field")) == (code, field), error
    name = unique("self")  # 13 characters: long enough to be a password but for the rule
    body = {"username": name, "password": name.upper(), "display_name": "S"}
    error = (await assert_status(await offline_client.post("/api/v1/auth/signup", json=body), 400))["error"]
    assert error["code"] == "password_is_username"


async def test_a_digest_lists_waiting_requests_and_unsubscribes_in_one_click(
    kindred: AppFactory, smtp: MailCatcher
) -> None:
    client = await kindred(smtp_url=smtp.url)
    ctx = client.app[keys.KINDRED]
    person, address = await _verified_person(client, smtp)
    assert await person.call("PUT", "/me/digest", 200, json={"frequency": "daily"}) == {"frequency": "daily"}
    refused = await person.call("PUT", "/me/digest", 400, json={"frequency": "hourly"})
    assert refused["error"]["code"] == "digest_invalid"
    asker = await sign_up(client, "asker")
    await asker.call("POST", "/requests", 201, json={"to": person.username, "note": "Chess on Sunday?"})

    # Nothing before the day is over; then one digest with the request in it.
    assert await digests.send_due(ctx) == 0
    async with client.app[keys.DB].transaction() as conn:
        await conn.execute("UPDATE digest_settings SET last_sent_at = ?", (iso(utc_now() - timedelta(days=2)),))
    assert await digests.send_due(ctx) == 1
    assert await digests.send_due(ctx) == 0
    mail = await smtp.wait_for(address, lambda m: "digest" in m.subject)
    assert asker.username in mail.text and "Chess on Sunday?" in mail.text and "/requests" in mail.html

    found = re.search(r"/unsubscribe\?u=\d+&sig=[0-9a-f]+", mail.text)
    assert found is not None, mail.text
    link = found.group(0)
    tampered = link[:-1] + ("0" if link[-1] != "0" else "1")
    await assert_status(await client.get(tampered), 404)
    assert (await person.call("GET", "/me", 200))["digest"] == "daily"
    # One click, no login (a fresh client without cookies or token).
    page = await assert_status(await client.get(link), 200)
    assert "no more digest mail" in page
    assert (await person.call("GET", "/me", 200))["digest"] == "off"


async def test_an_operator_prints_a_one_time_reset_link_for_someone_without_an_address(
    homeserver: ThrowawayHomeserver, kindred: AppFactory
) -> None:
    client = await kindred(run_bot=False)
    name = unique("forgetful")
    await _signup(client, name, None)
    # No confirmed address: the reset page says only an operator can help.
    page = await assert_status(await client.get("/forgot"), 200)
    assert "only an operator" in page
    env = {
        **os.environ,
        **database_env(client.app[keys.SETTINGS].data_dir),
        "KINDRED_DATA_DIR": str(client.app[keys.SETTINGS].data_dir),
        "KINDRED_RUN_HOMESERVER": "false",
        "KINDRED_HOMESERVER_URL": homeserver.url,
    }

    async def cli(*args: str) -> tuple[int, str, str]:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "kindred_cli",
            "admin",
            *args,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(process.communicate(), 60)
        return process.returncode or 0, out.decode(), err.decode()

    code, out, err = await cli("reset-password", name)
    assert code == 0, err
    found = re.search(r"/reset\?token=([A-Za-z0-9_\-]+)", out)
    assert found is not None, out
    token = found.group(1)
    done = await client.post("/api/v1/auth/reset", json={"token": token, "new_password": NEW_PASSWORD})
    await assert_status(done, 200)
    assert isinstance(await try_matrix_login(homeserver.url, name, NEW_PASSWORD), LoginResponse)
    again = await client.post("/api/v1/auth/reset", json={"token": token, "new_password": "one more new one"})
    assert (await assert_status(again, 400))["error"]["code"] == "reset_token_invalid"
    code, _, err = await cli("reset-password", unique("nobody"))
    assert code == 1 and "No such person" in err

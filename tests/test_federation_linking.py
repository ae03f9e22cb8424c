"""Linking a Matrix ID from another homeserver: the rules, with a stand-in bot.

The real thing (two Synapses federating) is in test_federation_two_servers;
here the bot's direct rooms are a fake that keeps what it would have sent, so
every rule (codes, expiry, tries, ownership, errors) is checked quickly.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from aiohttp.test_utils import TestClient

from domain import bot_state
from domain.ports import HomeserverDown, InviteRefused, MatrixIdUnreachable
from store import users
from store.timeutil import iso, utc_now
from tests.conftest import FakeAccounts, FakeDirectMessages
from tests.helpers import Api, assert_status, csrf_token, sign_up, unique
from web import keys

REMOTE = "@bob:elsewhere.example"


async def _link(person: Api, matrix_user_id: str = REMOTE, status: int = 202) -> dict:
    return await person.call("POST", "/me/matrix-id", status, json={"matrix_user_id": matrix_user_id})


async def _direct_room(client: TestClient, person: Api) -> str | None:
    ctx = client.app[keys.KINDRED]
    async with ctx.db.read() as conn:
        user = await users.get_by_username(conn, person.username)
    assert user is not None
    return await bot_state.direct_room_of(ctx, user.id)


async def _age_code(client: TestClient, by: timedelta) -> None:
    """Move the pending codes' clock back, as if ``by`` had passed."""
    past = iso(utc_now() - by)
    async with client.app[keys.DB].transaction() as conn:
        await conn.execute("UPDATE matrix_link_codes SET expires_at = ?, created_at = ?", (past, past))


async def test_link_verify_and_the_effective_id(offline_client: TestClient, fake_direct: FakeDirectMessages) -> None:
    ada = await sign_up(offline_client, "ada")
    local = f"@{ada.username}:localhost"
    pending = await _link(ada)
    assert pending["matrix_user_id"] == local
    assert pending["pending"]["matrix_user_id"] == REMOTE and pending["pending"]["tries_left"] == 5
    room_id, body = fake_direct.sent[-1]
    assert fake_direct.rooms[room_id] == REMOTE
    assert ada.username in body and "!verify" in body
    code = fake_direct.last_code(REMOTE)
    assert re.fullmatch(r"[0-9]{6}", code)

    done = await ada.call("POST", "/me/matrix-id/verify", 200, json={"code": code})
    assert done == {
        "matrix_user_id": REMOTE,
        "local_matrix_user_id": local,
        "linked_matrix_user_id": REMOTE,
        "pending": None,
    }
    assert (await ada.call("GET", "/me", 200))["matrix_user_id"] == REMOTE
    # The code is spent with the link.
    again = await ada.call("POST", "/me/matrix-id/verify", 404, json={"code": code})
    assert again["error"]["code"] == "no_pending_link"

    # The room the code came through is now the bot's direct room with Ada.
    assert await _direct_room(offline_client, ada) == room_id

    back = await ada.call("DELETE", "/me/matrix-id", 200)
    assert back["matrix_user_id"] == local and back["linked_matrix_user_id"] is None
    assert (await ada.call("GET", "/me", 200))["matrix_user_id"] == local
    # ...and no longer, once unlinked: the bot's next message opens one with the local account.
    assert await _direct_room(offline_client, ada) is None


async def test_wrong_codes_count_down_and_then_the_code_is_spent(
    offline_client: TestClient, fake_direct: FakeDirectMessages
) -> None:
    ada = await sign_up(offline_client, "ada")
    await _link(ada)
    code = fake_direct.last_code(REMOTE)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for left in (4, 3, 2, 1):
        body = await ada.call("POST", "/me/matrix-id/verify", 400, json={"code": wrong})
        assert body["error"]["code"] == "verification_code_wrong" and body["error"]["field"] == "code"
        assert f"{left} tr" in body["error"]["message"]
    last = await ada.call("POST", "/me/matrix-id/verify", 400, json={"code": "12"})
    assert last["error"]["code"] == "verification_code_spent"
    # Even the right code no longer works.
    spent = await ada.call("POST", "/me/matrix-id/verify", 400, json={"code": code})
    assert spent["error"]["code"] == "verification_code_spent"
    assert (await ada.call("GET", "/me", 200))["matrix_user_id"] == f"@{ada.username}:localhost"


async def test_an_expired_code_is_refused_and_a_new_one_works(
    offline_client: TestClient, fake_direct: FakeDirectMessages
) -> None:
    ada = await sign_up(offline_client, "ada")
    await _link(ada)
    old = fake_direct.last_code(REMOTE)
    too_soon = await _link(ada, status=429)
    assert too_soon["error"]["code"] == "rate_limited"
    await _age_code(offline_client, timedelta(minutes=16))
    expired = await ada.call("POST", "/me/matrix-id/verify", 400, json={"code": old})
    assert expired["error"]["code"] == "verification_code_expired"
    await _link(ada)
    new = fake_direct.last_code(REMOTE)
    if new != old:
        refused = await ada.call("POST", "/me/matrix-id/verify", 400, json={"code": old})
        assert refused["error"]["code"] == "verification_code_wrong"
    await ada.call("POST", "/me/matrix-id/verify", 200, json={"code": new})


async def test_one_matrix_id_belongs_to_one_person(offline_client: TestClient, fake_direct: FakeDirectMessages) -> None:
    ada = await sign_up(offline_client, "ada")
    mallory = await sign_up(offline_client, "mallory")
    await _link(ada)
    ada_code = fake_direct.last_code(REMOTE)
    # Both may ask while nobody holds it; whoever proves it first keeps it.
    await _link(mallory)
    mallory_code = fake_direct.last_code(REMOTE)
    await ada.call("POST", "/me/matrix-id/verify", 200, json={"code": ada_code})
    late = await mallory.call("POST", "/me/matrix-id/verify", 409, json={"code": mallory_code})
    assert late["error"]["code"] == "matrix_id_taken"
    taken = await _link(mallory, status=409)
    assert taken["error"] == {
        "code": "matrix_id_taken",
        "message": "That Matrix ID is already linked to a Kindred account.",
        "field": "matrix_user_id",
    }
    signup = await offline_client.post(
        "/api/v1/auth/signup",
        json={
            "username": unique("eve"),
            "password": "kindred-pass-31",
            "display_name": "Eve",
            "matrix_user_id": REMOTE,
        },
    )
    assert (await assert_status(signup, 409))["error"]["code"] == "matrix_id_taken"


@pytest.mark.parametrize(
    ("matrix_user_id", "code"),
    [
        ("bob", "matrix_id_invalid"),
        ("@bob", "matrix_id_invalid"),
        ("@bob:exa mple.org", "matrix_id_invalid"),
        ("@:example.org", "matrix_id_invalid"),
        ("@bob:localhost", "matrix_id_not_external"),
        (42, "field_type"),
    ],
)
async def test_bad_matrix_ids_are_refused(offline_client: TestClient, matrix_user_id: object, code: str) -> None:
    ada = await sign_up(offline_client, "ada")
    body = await _link(ada, matrix_user_id, status=400)  # type: ignore[arg-type]
    assert body["error"]["code"] == code


@pytest.mark.parametrize(
    ("failure", "status", "code"),
    [
        (MatrixIdUnreachable("Can't connect to server"), 400, "matrix_server_unreachable"),
        (InviteRefused("M_FORBIDDEN"), 400, "matrix_invite_refused"),
        (HomeserverDown("down"), 503, "homeserver_unavailable"),
    ],
)
async def test_delivery_failures_are_clear_and_leave_nothing_pending(
    offline_client: TestClient, fake_direct: FakeDirectMessages, failure: Exception, status: int, code: str
) -> None:
    ada = await sign_up(offline_client, "ada")
    fake_direct.fail_with = failure
    body = await _link(ada, status=status)
    assert body["error"]["code"] == code
    assert (await ada.call("GET", "/me/matrix-id", 200))["pending"] is None
    # A failed try does not hold up the next one.
    fake_direct.fail_with = None
    await _link(ada)


async def test_signup_with_an_external_id_makes_no_local_account(
    offline_client: TestClient, fake_accounts: FakeAccounts, fake_direct: FakeDirectMessages
) -> None:
    username = unique("bob")
    response = await offline_client.post(
        "/api/v1/auth/signup",
        json={"username": username, "password": "kindred-pass-31", "display_name": "Bob", "matrix_user_id": REMOTE},
    )
    body = await assert_status(response, 201)
    assert body["user"]["matrix_user_id"] is None
    assert username not in fake_accounts.registered
    bob = Api(offline_client, username, "kindred-pass-31", body)
    assert (await bob.call("GET", "/me/matrix-id", 200))["pending"]["matrix_user_id"] == REMOTE
    await bob.call("POST", "/me/matrix-id/verify", 200, json={"code": fake_direct.last_code(REMOTE)})
    assert (await bob.call("GET", "/me", 200))["matrix_user_id"] == REMOTE
    # With no local account to fall back on, the only ID stays.
    kept = await bob.call("DELETE", "/me/matrix-id", 409)
    assert kept["error"]["code"] == "matrix_id_required"


async def test_a_signup_whose_code_cannot_be_delivered_leaves_no_account(
    offline_client: TestClient, fake_direct: FakeDirectMessages
) -> None:
    username = unique("bob")
    body = {"username": username, "password": "kindred-pass-31", "display_name": "Bob", "matrix_user_id": REMOTE}
    fake_direct.fail_with = MatrixIdUnreachable("no such server")
    failed = await offline_client.post("/api/v1/auth/signup", json=body)
    assert (await assert_status(failed, 400))["error"]["code"] == "matrix_server_unreachable"
    fake_direct.fail_with = None
    await assert_status(await offline_client.post("/api/v1/auth/signup", json=body), 201)


async def test_linking_needs_federation(tmp_path, aiohttp_client, fake_direct: FakeDirectMessages) -> None:
    from config.secrets import load_or_create_secrets
    from tests.conftest import make_settings
    from web.app import create_app

    # The bundled homeserver without its federation listener cannot reach other servers.
    settings = make_settings(tmp_path, "http://127.0.0.1:9", run_bot=False, run_homeserver=True)
    client = await aiohttp_client(create_app(settings, load_or_create_secrets(tmp_path), FakeAccounts(), fake_direct))
    ada = await sign_up(client, "ada")
    body = await _link(ada, status=403)
    assert body["error"]["code"] == "federation_off"
    assert fake_direct.sent == []


async def _post(client: TestClient, path: str, form: dict[str, str], status: int = 200) -> str:
    response = await client.post(path, data={**form, "csrf_token": csrf_token(client)})
    await assert_status(response, status)
    return await response.text()


async def test_the_pages_sign_up_with_an_external_id_and_verify(
    offline_client: TestClient, fake_direct: FakeDirectMessages
) -> None:
    await offline_client.get("/signup")
    signup = {"username": unique("bob"), "display_name": "Bob", "password": "kindred-pass-31"}
    refused = await _post(offline_client, "/signup", {**signup, "matrix_user_id": "not an id"}, 400)
    assert "A Matrix ID looks like @name:example.org." in refused
    waiting = await _post(offline_client, "/signup", {**signup, "matrix_user_id": REMOTE})
    assert "Enter your code" in waiting and REMOTE in waiting
    code = fake_direct.last_code(REMOTE)
    wrong = await _post(offline_client, "/matrix-id/verify", {"code": "111111" if code == "000000" else "000000"}, 400)
    assert "4 tries left" in wrong
    linked = await _post(offline_client, "/matrix-id/verify", {"code": code})
    assert f"Linked: Kindred now uses {REMOTE}." in linked
    assert f"go to <code>{REMOTE}</code>" in linked
    # No local account to return to: no unlink button.
    assert "Unlink" not in linked
    assert REMOTE in await (await offline_client.get("/profile")).text()


async def test_the_page_links_an_id_to_an_existing_account_and_unlinks_it(
    offline_client: TestClient, fake_direct: FakeDirectMessages
) -> None:
    await offline_client.get("/signup")
    username = unique("ada")
    await _post(offline_client, "/signup", {"username": username, "display_name": "Ada", "password": "kindred-pass-31"})
    page = await (await offline_client.get("/matrix-id")).text()
    assert f"go to <code>@{username}:localhost</code>" in page
    sent = await _post(offline_client, "/matrix-id", {"matrix_user_id": REMOTE})
    assert f"Kindred&#39;s bot sent a code to {REMOTE}." in sent
    await _post(offline_client, "/matrix-id/verify", {"code": fake_direct.last_code(REMOTE)})
    unlinked = await _post(offline_client, "/matrix-id/unlink", {})
    assert f"Unlinked: Kindred uses @{username}:localhost again." in unlinked

"""The consent rules (domain/consent.py) and the internal endpoint the
homeserver's module asks, with a stand-in homeserver: fast.

The real path, a Synapse loading the module, is in test_consent_homeserver.py.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from domain import consent
from store import matrix_id_links, users
from tests.helpers import Api, assert_status, sign_up
from web import keys

PATH = "/_kindred/consent"


def _auth(client: TestClient) -> dict[str, str]:
    return {"Authorization": f"Bearer {client.app[keys.SECRETS].consent_secret}"}


async def _ask(client: TestClient, status: int = 200, **question: Any) -> Any:
    body = {"action": "invite", "room_id": "!room:localhost", **question}
    return await assert_status(await client.post(PATH, json=body, headers=_auth(client)), status)


async def _match(a: Api, b: Api) -> int:
    sent = await a.call("POST", "/requests", 201, json={"to": b.username})
    accepted = await b.call("POST", f"/requests/{sent['request']['id']}/accept", 200)
    return int(accepted["match"]["id"])


def _mxid(person: Api) -> str:
    return str(person.user["matrix_user_id"])


@pytest.mark.parametrize(
    "header",
    [None, "Bearer ", "Bearer wrong", "Basic abc", "{secret}"],
)
async def test_only_the_consent_secret_may_ask(offline_client: TestClient, header: str | None) -> None:
    secret = offline_client.app[keys.SECRETS].consent_secret
    headers = {} if header is None else {"Authorization": header.format(secret=secret)}
    body = {"action": "invite", "actor": "@a:localhost", "target": "@b:localhost", "room_id": "!r:localhost"}
    answer = await assert_status(await offline_client.post(PATH, json=body, headers=headers), 401)
    assert answer["error"]["code"] == "consent_secret_invalid"


@pytest.mark.parametrize(
    "body, field",
    [
        ({"action": "kick", "actor": "@a:l", "target": "@b:l", "room_id": "!r:l"}, "action"),
        ({"actor": "@a:l", "target": "@b:l", "room_id": "!r:l"}, "action"),
        ({"action": "invite", "actor": 7, "target": "@b:l", "room_id": "!r:l"}, "actor"),
        ({"action": "invite", "actor": "@a:l", "room_id": "!r:l"}, "target"),
        ({"action": "join", "actor": "@a:l", "target": "@b:l", "room_id": "x" * 300}, "room_id"),
    ],
)
async def test_a_malformed_question_is_a_400(offline_client: TestClient, body: dict, field: str) -> None:
    answer = await assert_status(await offline_client.post(PATH, json=body, headers=_auth(offline_client)), 400)
    assert answer["error"]["field"] == field


async def test_broken_json_is_a_400_in_the_error_shape(offline_client: TestClient) -> None:
    response = await offline_client.post(PATH, data=b"{", headers=_auth(offline_client))
    assert (await assert_status(response, 400))["error"]["code"] == "invalid_json"


async def test_only_an_open_match_allows_invites(offline_client: TestClient) -> None:
    ada, bo = await sign_up(offline_client, "ada"), await sign_up(offline_client, "bo")
    refused = await _ask(offline_client, actor=_mxid(ada), target=_mxid(bo))
    assert refused == {"allow": False, "reason": consent.NO_MATCH}

    match_id = await _match(ada, bo)
    for actor, target in ((ada, bo), (bo, ada)):
        assert await _ask(offline_client, actor=_mxid(actor), target=_mxid(target)) == {"allow": True, "reason": ""}

    await ada.call("POST", f"/matches/{match_id}/close", 200)
    assert (await _ask(offline_client, actor=_mxid(bo), target=_mxid(ada)))["allow"] is False


async def test_a_block_refuses_invites_and_joins_both_ways(offline_client: TestClient) -> None:
    ada, bo = await sign_up(offline_client, "ada"), await sign_up(offline_client, "bo")
    await _match(ada, bo)
    await bo.call("POST", f"/users/{ada.username}/block", 200)
    for actor, target in ((ada, bo), (bo, ada)):
        for action in ("invite", "join"):
            answer = await _ask(offline_client, action=action, actor=_mxid(actor), target=_mxid(target))
            assert answer == {"allow": False, "reason": consent.BLOCKED}


async def test_joins_are_stopped_only_by_a_block(offline_client: TestClient) -> None:
    ada, bo = await sign_up(offline_client, "ada"), await sign_up(offline_client, "bo")
    assert (await _ask(offline_client, action="join", actor=_mxid(ada), target=_mxid(bo)))["allow"] is True
    stranger = "@someone:elsewhere.example"
    assert (await _ask(offline_client, action="join", actor=stranger, target=_mxid(bo)))["allow"] is True


async def test_unknown_ids_may_neither_invite_nor_be_invited_by_people(offline_client: TestClient) -> None:
    ada = await sign_up(offline_client, "ada")
    stranger = "@stranger:elsewhere.example"
    assert await _ask(offline_client, actor=stranger, target=_mxid(ada)) == {
        "allow": False,
        "reason": consent.STRANGER_INVITES,
    }
    assert await _ask(offline_client, actor=_mxid(ada), target=stranger) == {
        "allow": False,
        "reason": consent.STRANGER_INVITING,
    }
    # Between two IDs that are nobody on Kindred, Kindred has no say.
    assert (await _ask(offline_client, actor=stranger, target="@other:localhost"))["allow"] is True


async def test_a_linked_outside_id_is_its_person(offline_client: TestClient) -> None:
    ada, bo = await sign_up(offline_client, "ada"), await sign_up(offline_client, "bo")
    linked = "@bob:elsewhere.example"
    ctx = offline_client.app[keys.KINDRED]
    async with ctx.db.transaction() as conn:
        person = await users.get_by_username(conn, bo.username)
        assert person is not None
        await matrix_id_links.put(conn, person.id, linked, None)

    assert (await _ask(offline_client, actor=linked, target=_mxid(ada)))["reason"] == consent.NO_MATCH
    await _match(ada, bo)
    assert (await _ask(offline_client, actor=linked, target=_mxid(ada)))["allow"] is True
    assert (await _ask(offline_client, actor=_mxid(ada), target=linked))["allow"] is True


async def test_the_open_policy_allows_everything(offline_client: TestClient) -> None:
    ada, bo = await sign_up(offline_client, "ada"), await sign_up(offline_client, "bo")
    await bo.call("POST", f"/users/{ada.username}/block", 200)
    ctx = dataclasses.replace(offline_client.app[keys.KINDRED], matrix_policy=consent.OPEN)
    assert await consent.may_invite(ctx, _mxid(ada), _mxid(bo), "!r:localhost") == consent.ALLOWED
    assert await consent.may_invite(ctx, "@x:elsewhere.example", _mxid(bo), "!r:localhost") == consent.ALLOWED
    assert await consent.may_join(ctx, _mxid(ada), _mxid(bo)) == consent.ALLOWED


async def test_the_endpoint_is_not_in_the_public_api_document(offline_client: TestClient) -> None:
    doc = await assert_status(await offline_client.get("/api/v1/openapi.json"), 200)
    assert not any(path.startswith("/_kindred") for path in doc["paths"])


def test_matrix_policy_is_validated_and_read_from_the_environment() -> None:
    from config.settings import SettingsError, load_settings

    assert load_settings({}).matrix_policy == "matched"
    assert load_settings({"KINDRED_MATRIX_POLICY": "open"}).matrix_policy == "open"
    with pytest.raises(SettingsError, match="matrix_policy"):
        load_settings({"KINDRED_MATRIX_POLICY": "anything"})
    with pytest.raises(SettingsError, match="consent_timeout_seconds"):
        load_settings({"KINDRED_CONSENT_TIMEOUT_SECONDS": "0"})


def test_the_bundled_homeserver_loads_the_module_pointed_at_kindred(tmp_path: Any) -> None:
    import yaml

    from bridge.consent_module import KindredConsent
    from bridge.homeserver import BundledHomeserver
    from config.secrets import load_or_create_secrets
    from config.settings import load_settings

    settings = load_settings({"KINDRED_PORT": "8123", "KINDRED_HOST": "0.0.0.0"}).with_changes(data_dir=tmp_path)
    secrets = load_or_create_secrets(tmp_path, {})
    server = BundledHomeserver.from_settings(settings, secrets)
    server.directory.mkdir(parents=True)
    server.generated_config.write_text("{}\n")  # skip Synapse's own generation
    server.prepare()
    [module] = yaml.safe_load(server.kindred_config.read_text())["modules"]
    assert module["module"] == "bridge.consent_module.KindredConsent"
    assert module["config"] == {
        "kindred_url": "http://127.0.0.1:8123",
        "secret": secrets.consent_secret,
        "bot_user_id": "@kindred-bot:localhost",
        "timeout_seconds": 5,
    }
    # The module accepts exactly that config, and refuses a broken one by name.
    assert KindredConsent.parse_config(module["config"]).kindred_url == "http://127.0.0.1:8123"
    with pytest.raises(ValueError, match="secret"):
        KindredConsent.parse_config({**module["config"], "secret": ""})

"""Profile pictures: what is accepted, where it is served, and its Matrix copy."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient
from nio import ProfileGetAvatarResponse

from config.secrets import load_or_create_secrets
from config.settings import SettingsError, load_settings
from domain.avatars import MAX_BYTES
from domain.ports import HomeserverDown
from tests.bot_helpers import matrix_login
from tests.conftest import FakeAccounts, make_settings
from tests.helpers import Api, assert_status, csrf_token, page_login, sign_up
from tests.images import GIF, JPEG, WEBP, png
from web import keys
from web.app import create_app


async def _put(person: Api, data: bytes, kind: str, status: int) -> dict[str, object]:
    """Upload ``data`` as the whole body, declared as ``kind``."""
    response = await person.client.put("/api/v1/me/avatar", data=data, headers={**person.headers, "Content-Type": kind})
    body: dict[str, object] = await assert_status(response, status)
    return body


async def test_an_uploaded_png_is_served_to_people_and_set_in_matrix(
    offline_client: TestClient, fake_accounts: FakeAccounts
) -> None:
    ada = await sign_up(offline_client, "ada")
    bo = await sign_up(offline_client, "bo")
    image = png()
    saved = await _put(ada, image, "image/png", 200)
    assert saved["avatar_url"].startswith(f"/avatars/{ada.username}?v=")
    assert fake_accounts.avatars[f"@{ada.username}:localhost"] == ("image/png", image)

    await page_login(offline_client, bo)
    response = await offline_client.get(saved["avatar_url"])
    await assert_status(response, 200)
    assert response.headers["Content-Type"] == "image/png"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "immutable" in response.headers["Cache-Control"]
    assert await response.read() == image
    again = await offline_client.get(saved["avatar_url"], headers={"If-None-Match": response.headers["ETag"]})
    await assert_status(again, 304)


async def test_every_accepted_type_by_multipart(offline_client: TestClient) -> None:
    ada = await sign_up(offline_client, "ada")
    await page_login(offline_client, ada)
    for data, kind in [(GIF, "image/gif"), (JPEG, "image/jpeg"), (WEBP, "image/webp")]:
        form = aiohttp.FormData()
        form.add_field("avatar", data, content_type=kind, filename="me")
        await ada.call("PUT", "/me/avatar", 200, data=form)
        response = await offline_client.get(f"/avatars/{ada.username}")
        assert response.headers["Content-Type"] == kind and await response.read() == data


async def test_wrong_types_and_sizes_are_refused_and_nothing_is_kept(
    offline_client: TestClient, fake_accounts: FakeAccounts
) -> None:
    ada = await sign_up(offline_client, "ada")
    cases = [
        (b"<html><script>alert(1)</script>", "image/png", 400, "avatar_type_invalid"),
        (png(), "image/jpeg", 400, "avatar_type_invalid"),  # the bytes say otherwise
        (b"BM" + b"\x00" * 40, "image/bmp", 400, "avatar_type_invalid"),
        (b"", "image/png", 400, "avatar_required"),
        (png() + b"\x00" * MAX_BYTES, "image/png", 413, "body_too_large"),
    ]
    for data, kind, status, code in cases:
        body = await _put(ada, data, kind, status)
        assert body["error"]["code"] == code, body
    assert fake_accounts.avatars == {}
    await page_login(offline_client, ada)
    await assert_status(await offline_client.get(f"/avatars/{ada.username}"), 404)


async def test_a_picture_exactly_at_the_limit_is_accepted(offline_client: TestClient) -> None:
    ada = await sign_up(offline_client, "ada")
    image = png()
    data = image + b"\x00" * (MAX_BYTES - len(image))
    await _put(ada, data, "image/png", 200)


async def test_the_picture_stays_when_the_homeserver_is_down(
    offline_client: TestClient, fake_accounts: FakeAccounts
) -> None:
    ada = await sign_up(offline_client, "ada")
    fake_accounts.fail_with = HomeserverDown("down")
    await _put(ada, png(), "image/png", 200)
    await page_login(offline_client, ada)
    await assert_status(await offline_client.get(f"/avatars/{ada.username}"), 200)


async def test_pictures_need_a_login_and_hide_like_profiles(offline_client: TestClient) -> None:
    ada = await sign_up(offline_client, "ada")
    bo = await sign_up(offline_client, "bo")
    await _put(ada, png(), "image/png", 200)
    anonymous = await offline_client.get(f"/avatars/{ada.username}", allow_redirects=False)
    await assert_status(anonymous, 303)
    await bo.call("POST", f"/users/{ada.username}/block", 200)
    await page_login(offline_client, bo)
    await assert_status(await offline_client.get(f"/avatars/{ada.username}"), 404)
    await assert_status(await offline_client.get("/avatars/nobody-here"), 404)


async def test_the_profile_form_uploads_and_pages_show_pictures_or_initials(offline_client: TestClient) -> None:
    ada = await sign_up(offline_client, "ada", "Ada", interests=["chess"])
    await sign_up(offline_client, "bo", "Bo", interests=["chess"])
    await page_login(offline_client, ada)
    form = aiohttp.FormData()
    form.add_field("csrf_token", csrf_token(offline_client))
    form.add_field("avatar", png(), content_type="image/png", filename="me.png")
    response = await offline_client.post("/profile/avatar", data=form)
    page = await response.text()
    await assert_status(response, 200)
    assert "Picture saved." in page
    assert f'src="/avatars/{ada.username}?v=' in page

    form = aiohttp.FormData()
    form.add_field("csrf_token", csrf_token(offline_client))
    form.add_field("avatar", b"not an image", content_type="image/png", filename="me.png")
    refused = await (await offline_client.post("/profile/avatar", data=form)).text()
    assert "must be a PNG, JPEG, GIF or WebP" in refused

    discover = await (await offline_client.get("/discover")).text()
    assert 'class="avatar placeholder "' in discover and ">B</span>" in discover


async def test_the_upload_form_needs_its_csrf_token(offline_client: TestClient) -> None:
    ada = await sign_up(offline_client, "ada")
    await page_login(offline_client, ada)
    form = aiohttp.FormData()
    form.add_field("avatar", png(), content_type="image/png", filename="me.png")
    response = await offline_client.post("/profile/avatar", data=form)
    await assert_status(response, 403)
    await assert_status(await offline_client.get(f"/avatars/{ada.username}"), 404)


async def test_the_picture_becomes_the_matrix_avatar(kindred, homeserver) -> None:
    client = await kindred(run_bot=False)
    ada = await sign_up(client, "ada", "Ada Lovelace")
    await _put(ada, png(), "image/png", 200)
    mx = await matrix_login(homeserver.url, ada)
    try:
        answer = await mx.get_avatar(mx.user_id)
        assert isinstance(answer, ProfileGetAvatarResponse), answer
        assert (answer.avatar_url or "").startswith("mxc://"), answer
    finally:
        await mx.close()


async def test_an_unnamed_type_is_read_from_the_bytes(offline_client: TestClient) -> None:
    ada = await sign_up(offline_client, "ada")
    await _put(ada, GIF, "application/octet-stream", 200)
    await page_login(offline_client, ada)
    assert (await offline_client.get(f"/avatars/{ada.username}")).headers["Content-Type"] == "image/gif"


async def test_the_api_shows_where_each_persons_picture_is(offline_client: TestClient) -> None:
    ada = await sign_up(offline_client, "ada", "Ada", interests=["chess"])
    bo = await sign_up(offline_client, "bo", "Bo", interests=["chess"])
    saved = await _put(ada, png(), "image/png", 200)
    assert (await ada.call("GET", "/me", 200))["avatar_url"] == saved["avatar_url"]
    assert (await bo.call("GET", f"/users/{ada.username}", 200))["avatar_url"] == saved["avatar_url"]
    suggested = (await bo.call("GET", "/suggestions", 200))["suggestions"]
    assert [s["user"]["avatar_url"] for s in suggested if s["user"]["username"] == ada.username] == [
        saved["avatar_url"]
    ]
    found = (await bo.call("GET", f"/users?q={ada.username}", 200))["users"]
    assert [u["avatar_url"] for u in found] == [saved["avatar_url"]]
    # Without a picture, null.
    assert (await bo.call("GET", "/me", 200))["avatar_url"] is None


async def test_a_removed_picture_is_gone_here_and_in_matrix(
    offline_client: TestClient, fake_accounts: FakeAccounts
) -> None:
    ada = await sign_up(offline_client, "ada")
    saved = await _put(ada, png(), "image/png", 200)
    assert await ada.call("DELETE", "/me/avatar", 200) == {"avatar_url": None}
    assert f"@{ada.username}:localhost" not in fake_accounts.avatars
    assert (await ada.call("GET", "/me", 200))["avatar_url"] is None
    await page_login(offline_client, ada)
    await assert_status(await offline_client.get(saved["avatar_url"]), 404)
    # Removing twice: there is nothing left to remove.
    error = await ada.call("DELETE", "/me/avatar", 404)
    assert error["error"]["code"] == "avatar_not_found"


async def test_removing_still_works_with_the_homeserver_down(
    offline_client: TestClient, fake_accounts: FakeAccounts
) -> None:
    ada = await sign_up(offline_client, "ada")
    await _put(ada, png(), "image/png", 200)
    fake_accounts.fail_with = HomeserverDown("down")
    await ada.call("DELETE", "/me/avatar", 200)
    assert (await ada.call("GET", "/me", 200))["avatar_url"] is None


async def test_the_profile_page_removes_the_picture(offline_client: TestClient) -> None:
    ada = await sign_up(offline_client, "ada", "Ada")
    await page_login(offline_client, ada)
    before = await (await offline_client.get("/profile")).text()
    assert "Remove picture" not in before
    await _put(ada, png(), "image/png", 200)
    page = await (await offline_client.get("/profile")).text()
    assert "Remove picture" in page
    # Like every form, it needs its CSRF token.
    await assert_status(await offline_client.post("/profile/avatar/remove", data={}), 403)
    response = await offline_client.post("/profile/avatar/remove", data={"csrf_token": csrf_token(offline_client)})
    page = await response.text()
    await assert_status(response, 200)
    assert "Picture removed." in page
    assert f'src="/avatars/{ada.username}?v=' not in page and "Remove picture" not in page


async def test_a_removed_picture_leaves_the_matrix_account(kindred, homeserver) -> None:
    client = await kindred(run_bot=False)
    ada = await sign_up(client, "ada", "Ada Lovelace")
    await _put(ada, png(), "image/png", 200)
    await ada.call("DELETE", "/me/avatar", 200)
    mx = await matrix_login(homeserver.url, ada)
    try:
        # The whole profile, read raw: with no avatar there is no avatar_url
        # field, which nio's own avatar call treats as an error.
        response = await mx.send(
            "GET", f"/_matrix/client/v3/profile/{mx.user_id}", headers={"Authorization": f"Bearer {mx.access_token}"}
        )
        await assert_status(response, 200)
        profile = await response.json()
        assert profile.get("displayname") == "Ada Lovelace"
        assert not profile.get("avatar_url"), profile
    finally:
        await mx.close()


async def _matrix_avatar(homeserver_url: str, person: Api) -> str:
    mx = await matrix_login(homeserver_url, person)
    try:
        answer = await mx.get_avatar(mx.user_id)
        assert isinstance(answer, ProfileGetAvatarResponse), answer
        return answer.avatar_url or ""
    finally:
        await mx.close()


async def _media_status(client: TestClient, homeserver_url: str, uri: str) -> int:
    """What the homeserver's admin API says of a picture: 200 kept, 404 gone."""
    token = json.loads((client.app[keys.SETTINGS].data_dir / "bot-session.json").read_text())["access_token"]
    async with aiohttp.ClientSession() as http:
        async with http.get(
            f"{homeserver_url}/_synapse/admin/v1/media/{uri.removeprefix('mxc://')}",
            headers={"Authorization": f"Bearer {token}"},
        ) as response:
            return response.status


async def test_a_new_picture_deletes_the_old_one_from_the_homeserver(kindred, homeserver) -> None:
    client = await kindred(run_bot=False)
    ada = await sign_up(client, "ada", "Ada Lovelace")
    await _put(ada, png((200, 0, 0)), "image/png", 200)
    first = await _matrix_avatar(homeserver.url, ada)
    assert first.startswith("mxc://localhost/")
    assert await _media_status(client, homeserver.url, first) == 200

    await _put(ada, png((0, 200, 0)), "image/png", 200)
    second = await _matrix_avatar(homeserver.url, ada)
    assert second.startswith("mxc://localhost/") and second != first
    assert await _media_status(client, homeserver.url, first) == 404
    assert await _media_status(client, homeserver.url, second) == 200

    await ada.call("DELETE", "/me/avatar", 200)
    assert await _media_status(client, homeserver.url, second) == 404


async def test_uploads_are_limited_per_person_per_hour(
    tmp_path: Path, aiohttp_client: Any, fake_accounts: FakeAccounts
) -> None:
    settings = make_settings(tmp_path, "http://127.0.0.1:9", run_bot=False, avatar_uploads_per_hour=2)
    client = await aiohttp_client(create_app(settings, load_or_create_secrets(tmp_path), fake_accounts))
    ada = await sign_up(client, "ada")
    bo = await sign_up(client, "bo")
    await _put(ada, png((1, 1, 1)), "image/png", 200)
    await _put(ada, png((2, 2, 2)), "image/png", 200)
    response = await client.put(
        "/api/v1/me/avatar", data=png((3, 3, 3)), headers={**ada.headers, "Content-Type": "image/png"}
    )
    body = await assert_status(response, 429)
    assert body["error"]["code"] == "rate_limited"
    assert 3500 <= int(response.headers["Retry-After"]) <= 3601
    # Refused means nothing changed, here or on Matrix; someone else is not held back.
    assert fake_accounts.avatars[f"@{ada.username}:localhost"] == ("image/png", png((2, 2, 2)))
    await _put(bo, png(), "image/png", 200)
    # An upload that failed its checks does not count against the limit.
    await _put(bo, b"not a picture", "image/png", 400)
    await _put(bo, png((4, 4, 4)), "image/png", 200)


def test_the_upload_limit_is_a_setting() -> None:
    assert load_settings({"KINDRED_AVATAR_UPLOADS_PER_HOUR": "3"}, None).avatar_uploads_per_hour == 3
    assert load_settings({}, None).avatar_uploads_per_hour == 10
    with pytest.raises(SettingsError, match="avatar_uploads_per_hour"):
        load_settings({"KINDRED_AVATAR_UPLOADS_PER_HOUR": "0"}, None)

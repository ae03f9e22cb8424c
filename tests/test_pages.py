"""Page flows that need no browser: login gates, logout, CSRF cookie."""

from __future__ import annotations

from aiohttp.test_utils import TestClient

from tests.helpers import assert_status, csrf_token, page_signup


async def test_logout_page_offers_a_post_that_ends_the_session(offline_client: TestClient) -> None:
    page = await offline_client.get("/logout")
    await assert_status(page, 200)
    assert "Log out?" in await page.text()
    signed_up = await page_signup(offline_client, "zed", "Zed")
    await assert_status(signed_up, 200)
    assert signed_up.url.path == "/profile"
    await assert_status(await offline_client.get("/discover", allow_redirects=False), 200)
    out = await offline_client.post("/logout", data={"csrf_token": csrf_token(offline_client)})
    assert out.url.path == "/" and "You are logged out." in await out.text()
    gated = await offline_client.get("/discover", allow_redirects=False)
    await assert_status(gated, 303)
    assert gated.headers["Location"] == "/login?next=/discover"


async def test_a_refresh_cookie_keeps_a_page_session_alive(offline_client: TestClient) -> None:
    await offline_client.get("/signup")
    await page_signup(offline_client, "amy", "Amy")
    # The access cookie expires after 15 minutes; without it the refresh cookie
    # is rotated transparently.
    offline_client.session.cookie_jar.clear(lambda m: m.key == "kindred_access")
    page = await offline_client.get("/profile", allow_redirects=False)
    await assert_status(page, 200)
    assert "kindred_access" in page.cookies and "kindred_refresh" in page.cookies


async def test_a_bad_interest_filter_shows_its_error_on_discover(offline_client: TestClient) -> None:
    await offline_client.get("/logout")
    await page_signup(offline_client, "yara", "Yara")
    page = await offline_client.get("/discover?interest=" + "i" * 41)
    text = await page.text()
    await assert_status(page, 200)
    assert 'role="alert">Each interest is 1 to 40 characters.' in text

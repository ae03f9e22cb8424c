"""The pages in a real Chromium: two people sign up, find each other, match,
and get a link to their Matrix room; plus form errors, logout and login gates.

Chromium comes from Debian (`make browser-deps`); Playwright drives it and
never downloads a browser of its own. With KINDRED_SCREENSHOTS=1 the main
pages are saved under docs/screenshots/ at phone and desktop widths.
"""

from __future__ import annotations

import contextlib
import os
import re
from datetime import timedelta
from pathlib import Path
from typing import Any, AsyncIterator

import pytest
from aiohttp.test_utils import TestClient
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import async_playwright, expect

from domain import checkins, moderation, round_preferences, rounds
from domain.errors import KindredError
from store import matches, users
from store.timeutil import utc_now
from tests.helpers import assert_status, unique
from tests.helpers import sign_up as api_sign_up
from tests.images import png
from web import keys

pytestmark = [pytest.mark.browser, pytest.mark.store_agnostic]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}
PASSWORD = "correct horse battery"
TIMEOUT_MS = 15_000


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Any]:
    """One headless Chromium for the module; a missing one fails loudly."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"Chromium not found at {CHROMIUM}: run `make browser-deps` to install it")
    async with async_playwright() as playwright:
        try:
            chromium = await playwright.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
            )
        except PlaywrightError as exc:
            pytest.fail(f"Chromium at {CHROMIUM} did not start: {exc}")
        yield chromium
        await chromium.close()


@pytest.fixture
async def new_page(browser: Any) -> AsyncIterator[Any]:
    """Opens pages in separate contexts: separate cookies, like separate people."""
    contexts: list[Any] = []

    async def open_page() -> Any:
        context = await browser.new_context(viewport=VIEWPORTS["desktop"])
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return await context.new_page()

    yield open_page
    for context in contexts:
        await context.close()


async def screenshot(page: Any, name: str) -> None:
    """Save the page at both widths, only when asked to (KINDRED_SCREENSHOTS=1)."""
    if os.environ.get("KINDRED_SCREENSHOTS") != "1":
        return
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    original = page.viewport_size
    for label, size in VIEWPORTS.items():
        await page.set_viewport_size(size)
        await page.screenshot(path=str(SCREENSHOTS / f"{name}-{label}.png"), full_page=True)
    await page.set_viewport_size(original)


def base(client: TestClient) -> str:
    return str(client.make_url("")).rstrip("/")


async def sign_up(page: Any, url: str, username: str, display_name: str) -> None:
    await page.goto(f"{url}/signup")
    await page.get_by_label("Username").fill(username)
    await page.get_by_label("Display name").fill(display_name)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign up").click()
    await page.wait_for_url(f"{url}/profile")
    await expect_text(page.locator(".flash"), f"Welcome, {display_name}!")


async def fill_profile(page: Any, display_name: str, bio: str, interests: str) -> None:
    await page.get_by_label("Display name").fill(display_name)
    await page.get_by_label("About you").fill(bio)
    await page.get_by_label("Interests").fill(interests)
    await page.get_by_role("button", name="Save").click()
    await expect_text(page.locator(".flash"), "Profile saved.")


async def upload_picture(page: Any, name: str, image: bytes) -> None:
    await page.get_by_label("Profile picture").set_input_files(
        files=[{"name": name, "mimeType": "image/png", "buffer": image}]
    )
    await page.get_by_role("button", name="Upload picture").click()
    await expect_text(page.locator(".flash"), "Picture saved.")
    await expect(page.locator("form.avatar-form img.avatar")).to_be_visible()


async def expect_text(locator: Any, text: str | re.Pattern[str]) -> None:
    await expect(locator).to_contain_text(text)


async def test_two_people_meet_match_and_get_a_room_link(kindred: Any, new_page: Any) -> None:
    client = await kindred()
    url = base(client)
    ada_name, bo_name = unique("ada"), unique("bo")
    ada, bo = await new_page(), await new_page()

    await sign_up(ada, url, ada_name, "Ada")
    await sign_up(bo, url, bo_name, "Bo")
    await fill_profile(ada, "Ada Lovelace", "Numbers by day, crags by weekend.", "Rock Climbing, jazz, Go, baking")
    await fill_profile(bo, "Bo Chen", "Looking for a climbing partner.", "rock climbing , Go, chess")
    # Interests come back normalised, in the form and as the saved profile.
    await expect(ada.get_by_label("Interests")).to_have_value("baking, go, jazz, rock climbing")
    await expect(ada.get_by_label("About you")).to_have_value("Numbers by day, crags by weekend.")
    await upload_picture(ada, "ada.png", png((79, 70, 229), 96, (249, 168, 212)))
    await upload_picture(bo, "bo.png", png((6, 118, 71), 96, (254, 240, 138)))
    await screenshot(ada, "profile")

    # Ada finds Bo with the interests they share.
    await ada.get_by_role("link", name="Discover").click()
    await ada.wait_for_url(f"{url}/discover")
    bo_card = ada.locator("article.person", has=ada.get_by_text(f"@{bo_name}"))
    await expect(bo_card).to_have_count(1)
    await expect(bo_card.get_by_role("link", name="Bo Chen")).to_be_visible()
    await expect(bo_card.locator(".tag")).to_have_text(["go", "rock climbing"])
    await expect_text(bo_card, "Looking for a climbing partner.")
    # The picture really loads (served as an image, allowed by the CSP).
    await expect(bo_card.locator("img.avatar")).to_have_js_property("naturalWidth", 96)
    await screenshot(ada, "discover")

    # Filtering by an interest only Ada has hides Bo; by a shared one shows him.
    await ada.get_by_label("Filter by interest").fill("jazz")
    await ada.get_by_role("button", name="Go", exact=True).click()
    await ada.wait_for_url(re.compile(r"/discover\?interest=jazz"))
    await expect(ada.locator("article.person")).to_have_count(0)
    await expect_text(ada.locator(".empty"), "No suggestions for “jazz”")
    await ada.get_by_label("Filter by interest").fill("go")
    await ada.get_by_role("button", name="Go", exact=True).click()
    await ada.wait_for_url(re.compile(r"/discover\?interest=go"))
    await expect(ada.get_by_label("Filter by interest")).to_have_value("go")
    await expect(bo_card).to_have_count(1)

    # Bo's page, and a request with a note (markup in it stays text).
    await bo_card.get_by_role("link", name="Bo Chen").click()
    await ada.wait_for_url(f"{url}/u/{bo_name}")
    await expect(ada.get_by_role("heading", level=1)).to_contain_text("Bo Chen")
    await expect(ada.locator(".tag.shared")).to_have_text(["go", "rock climbing"])
    note = "Climb on Saturday? <b>I bring</b> the rope & chalk."
    await ada.get_by_label("A note (optional)").fill(note)
    await ada.get_by_role("button", name="Ask to connect").click()
    await ada.wait_for_url(f"{url}/requests")
    await expect_text(ada.locator(".flash"), "Request sent to Bo Chen.")
    await expect(ada.locator("nav .badge")).to_have_count(0)
    sent = ada.locator("section", has=ada.get_by_role("heading", name="Sent by you"))
    await expect(sent.locator("blockquote")).to_have_text(note)

    # Bo sees the waiting request in the navigation and on /requests.
    await bo.get_by_role("link", name="Discover").click()
    await bo.wait_for_url(f"{url}/discover")
    await expect(bo.locator("nav .badge")).to_have_text("1")
    await expect(bo.locator("nav .badge")).to_have_attribute("aria-label", "1 pending")
    await bo.get_by_role("link", name=re.compile("^Requests")).click()
    await bo.wait_for_url(f"{url}/requests")
    incoming = bo.locator("section", has=bo.get_by_role("heading", name="For you")).locator("article.request")
    await expect(incoming).to_have_count(1)
    await expect_text(incoming, f"Ada Lovelace @{ada_name} wants to connect.")
    await expect(incoming.locator("blockquote")).to_have_text(note)
    await expect(incoming.locator("blockquote b")).to_have_count(0)
    await screenshot(bo, "requests")
    await incoming.get_by_role("button", name="Accept").click()
    await bo.wait_for_url(f"{url}/matches")
    await expect_text(bo.locator(".flash"), "Accepted!")
    await expect(bo.locator("nav .badge")).to_have_count(0)

    # Both see the match; once the bot has opened the room, the link points at it.
    links: dict[str, str | None] = {}
    for page, other in ((bo, ada_name), (ada, bo_name)):
        if page is ada:
            await page.get_by_role("link", name="Matches").click()
            await page.wait_for_url(f"{url}/matches")
        card = page.locator("article.match")
        await expect(card).to_have_count(1)
        await expect_text(card, f"@{other}")
        await expect(card.locator(".tag")).to_have_text(["go", "rock climbing"])
        link = card.get_by_role("link", name="Open in Element")
        for _ in range(60):
            if await link.count():
                break
            await expect_text(card.locator(".status"), "Opening your chat room")
            await page.wait_for_timeout(500)
            await page.reload()
        await expect(link).to_be_visible()
        links[other] = await link.get_attribute("href")
    await screenshot(ada, "matches")

    response = await client.post("/api/v1/auth/login", json={"username": ada_name, "password": PASSWORD})
    token = (await assert_status(response, 200))["access_token"]
    response = await client.get("/api/v1/matches", headers={"Authorization": f"Bearer {token}"})
    (match,) = (await assert_status(response, 200))["matches"]
    assert match["status"] == "ready"
    assert match["room_id"].startswith("!")
    for href in links.values():
        assert href == match["room_url"]
        assert href.startswith("https://matrix.to/#/!")
        assert match["room_id"] in href


async def test_signup_error_is_shown_by_its_field_and_keeps_what_was_typed(kindred: Any, new_page: Any) -> None:
    client = await kindred()
    url = base(client)
    page = await new_page()
    await page.goto(f"{url}/signup")
    await page.get_by_label("Username").fill("Not Valid!")
    await page.get_by_label("Display name").fill("Zoë <Z>")
    await page.get_by_label("Password").fill(PASSWORD)
    async with page.expect_response(lambda r: r.request.method == "POST") as answer:
        await page.get_by_role("button", name="Sign up").click()
    response = await answer.value
    assert 400 <= response.status < 500, response.status

    username = page.locator(".field", has=page.locator("#f-username"))
    await expect(username).to_have_class(re.compile(r"\binvalid\b"))
    error = username.locator(".field-error")
    await expect(error).to_be_visible()
    await expect(error).to_contain_text(re.compile(r"\S"))
    await expect(page.get_by_label("Username")).to_have_attribute("aria-describedby", re.compile(r"\be-username\b"))
    await expect(page.get_by_label("Username")).to_have_value("Not Valid!")
    await expect(page.get_by_label("Display name")).to_have_value("Zoë <Z>")
    await expect(page.get_by_label("Password")).to_have_value("")
    # Only the username is flagged.
    await expect(page.locator(".field-error")).to_have_count(1)

    # Fixing it signs the person up.
    name = unique("zoe")
    await page.get_by_label("Username").fill(name)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign up").click()
    await page.wait_for_url(f"{url}/profile")
    await expect(page.locator("main")).to_contain_text(f"@{name}:localhost")


async def test_pages_need_login_and_logout_works(kindred: Any, new_page: Any) -> None:
    client = await kindred()
    url = base(client)
    page = await new_page()

    for path in ("/discover", "/requests", "/matches", "/profile"):
        await page.goto(f"{url}{path}")
        await expect(page).to_have_url(f"{url}/login?next={path}")
        await expect(page.get_by_role("heading", name="Log in")).to_be_visible()

    name = unique("lin")
    await sign_up(page, url, name, "Lin")
    await page.get_by_role("button", name="Log out").click()
    await page.wait_for_url(f"{url}/")
    await expect_text(page.locator(".flash"), "You are logged out.")
    await expect(page.get_by_role("button", name="Log out")).to_have_count(0)
    await expect(page.get_by_role("navigation").get_by_role("link", name="Log in")).to_be_visible()

    # Logged out means logged out: the gate comes back, and logging in returns to the page asked for.
    await page.goto(f"{url}/discover?interest=go")
    await expect(page).to_have_url(re.compile(r"/login\?next="))
    await page.get_by_label("Username").fill(name)
    await page.get_by_label("Password").fill("not the password")
    await page.get_by_role("button", name="Log in").click()
    await expect_text(page.locator("main"), "Wrong username or password.")
    await expect(page.get_by_label("Username")).to_have_value(name)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Log in").click()
    await page.wait_for_url(f"{url}/discover?interest=go")
    await expect(page.get_by_role("heading", name="Discover")).to_be_visible()


async def test_signup_with_an_email_code_then_forgot_and_reset(kindred: Any, new_page: Any, smtp: Any) -> None:
    client = await kindred(smtp_url=smtp.url, require_email=True)
    url = base(client)
    page = await new_page()
    name = unique("mira")
    address = f"{name}@example.org"
    await page.goto(f"{url}/signup")
    await page.get_by_label("Username").fill(name)
    await page.get_by_label("Display name").fill("Mira")
    await page.get_by_label("Email").fill(address)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign up").click()
    await page.wait_for_url(re.compile(r"/verify-email\?username="))
    await expect_text(page.locator(".flash"), f"We mailed a code to {address}")
    await expect(page.get_by_label("Username")).to_have_value(name)

    # A wrong code is shown by its field; the right one logs the person in.
    await page.get_by_label("Code").fill("000000" if (await smtp.wait_for(address)).code() != "000000" else "111111")
    await page.get_by_role("button", name="Confirm").click()
    await expect_text(page.locator(".field", has=page.locator("#f-code")), "That code is not right")
    await page.get_by_label("Code").fill((await smtp.wait_for(address)).code())
    await page.get_by_role("button", name="Confirm").click()
    await page.wait_for_url(f"{url}/profile")
    await expect_text(page.locator(".flash"), "Email confirmed. Welcome, Mira!")
    await expect(page.locator("main")).to_contain_text(f"@{name}:localhost")

    # Forgotten: the link in the mail sets a new password, and it logs in.
    await page.get_by_role("button", name="Log out").click()
    await page.goto(f"{url}/login")
    await page.get_by_role("link", name="Forgot your password?").click()
    await page.get_by_label("Username or email address").fill(address)
    await page.get_by_role("button", name="Mail me a reset link").click()
    await expect_text(page.locator("main"), "a reset link is on its way")
    mail = await smtp.wait_for(address, lambda m: "Reset" in m.subject)
    await page.goto(f"{url}/reset?token={mail.reset_token()}")
    await page.get_by_label("New password").fill("password123")
    await page.get_by_role("button", name="Set password").click()
    await expect_text(page.locator(".field", has=page.locator("#f-new_password")), "most common")
    await page.get_by_label("New password").fill("an entirely new one")
    await page.get_by_role("button", name="Set password").click()
    await page.wait_for_url(f"{url}/login")
    await expect_text(page.locator(".flash"), "Your password is changed")
    await page.get_by_label("Username").fill(name)
    await page.get_by_label("Password").fill("an entirely new one")
    await page.get_by_role("button", name="Log in").click()
    await page.wait_for_url(f"{url}/discover")


async def test_rounds_settings_and_the_operators_rounds_charts(kindred: Any, browser: Any) -> None:
    # No bot: the rounds' rooms are recorded as made, so no homeserver work waits.
    client = await kindred(run_bot=False)
    url = base(client)
    ctx = client.app[keys.KINDRED]
    context = await browser.new_context(viewport=VIEWPORTS["desktop"], timezone_id="Europe/Berlin")
    context.set_default_timeout(TIMEOUT_MS)
    try:
        page = await context.new_page()
        name = unique("rae")
        await sign_up(page, url, name, "Rae")
        await page.get_by_role("link", name="rounds: regular introductions").click()
        await page.wait_for_url(f"{url}/profile/rounds")
        await expect_text(page.locator(".rounds-state"), "You're not in rounds")
        # The time zone starts as the browser's own.
        await expect(page.get_by_label("Time zone")).to_have_value("Europe/Berlin")

        await page.get_by_label("Introduce me in rounds").check()
        await page.get_by_label("How often").select_option("fortnightly")
        await page.get_by_label("Pause until").fill("2001-01-01")
        await page.get_by_role("button", name="Save").click()
        pause = page.get_by_label("Pause until")
        await expect(pause).to_have_attribute("aria-invalid", "true")
        await expect_text(page.locator("#e-paused_until"), "from tomorrow to a year from today")
        # What was chosen is kept next to the error.
        await expect(page.get_by_label("How often")).to_have_value("fortnightly")
        await pause.fill("")
        await page.get_by_label("Skip the next round only").check()
        await page.get_by_role("button", name="Save").click()
        await expect_text(page.locator(".flash"), "Saved. Your next round:")
        await expect_text(page.locator(".rounds-state"), "every two weeks, skipping the next one")
        await expect(page.get_by_label("Time zone")).to_have_value("Europe/Berlin")
        await screenshot(page, "rounds")

        # Five weeks of rounds with check-in answers, for the operator's page.
        await moderation.set_admin(ctx, moderation.COMMAND_LINE, name, True)
        await _weeks_of_rounds(client, 5)
        await page.reload()
        await page.get_by_role("link", name="Admin").click()
        await page.get_by_role("link", name="Rounds").click()
        await page.wait_for_url(f"{url}/admin/rounds")
        charts = page.get_by_role("img")
        await expect(charts).to_have_count(2)
        await expect(page.get_by_role("img", name="People in rounds per week")).to_be_visible()
        await expect(page.get_by_role("img", name="Share who met, per week")).to_be_visible()
        await expect(page.locator("#chart-people rect.bar")).to_have_count(5)
        await expect(page.locator("#rounds tbody tr")).to_have_count(5)
        # The charts' figures as a table too.
        await page.get_by_text("The same figures as a table").click()
        await expect(page.locator("#weeks tbody tr")).to_have_count(5)
        await expect_text(page.locator("#weeks tbody tr").first, "8")
        await screenshot(page, "admin-rounds")
    finally:
        await context.close()


async def _weeks_of_rounds(client: TestClient, weeks: int) -> None:
    """Eight people in a round a week for ``weeks`` weeks up to now, their
    rooms recorded as made and most of them saying they met."""
    ctx = client.app[keys.KINDRED]
    hobbies = ["chess", "go", "tea", "jazz", "maps", "knots", "bread", "birds"]
    people = []
    for i in range(8):
        person = await api_sign_up(client, "wk", interests=["walking", hobbies[i], hobbies[(i + 1) % 8]])
        async with ctx.db.read() as conn:
            user = await users.get_by_username(conn, person.username)
        assert user is not None
        await round_preferences.change(ctx, user, enabled=True)
        people.append(user)
    for week in range(weeks - 1, -1, -1):
        await rounds.run_now(ctx, utc_now() - timedelta(weeks=week))
        async with ctx.db.transaction() as conn:
            made = {m.id: m for p in people for m in await matches.list_for_user(conn, p.id, 50)}
            for match in made.values():
                await matches.set_room(conn, match.id, f"!wk{match.id}:localhost")
                await matches.mark_ready(conn, match.id)
        for match in made.values():
            for n, member in enumerate(match.members):
                if n == 0 or match.id % 3 == 0:
                    with contextlib.suppress(KindredError):
                        await checkins.answer(ctx, await _user(ctx, member), match.id, match.id % 4 != 0)


async def _user(ctx: Any, user_id: int) -> Any:
    async with ctx.db.read() as conn:
        return await users.get(conn, user_id)

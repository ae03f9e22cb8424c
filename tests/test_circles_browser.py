"""The circle pages in a real Chromium, at phone and desktop widths: starting
a circle (with an error by its field first), finding it on Discover, joining
it, the owner's page following live, presence, moderation and a ban.

With KINDRED_SCREENSHOTS=1 the pages are saved as docs/screenshots/circles-*.png.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.async_api import expect

from domain import circle_presence
from store import users
from tests.bot_helpers import matrix_login
from tests.helpers import eventually, sign_up
from tests.test_browser import PASSWORD, VIEWPORTS, base, browser, new_page, screenshot  # noqa: F401  (fixtures)
from web import keys

pytestmark = [pytest.mark.browser, pytest.mark.store_agnostic]

# Wider than the window means a sideways scroll on a phone.
OVERFLOW = "() => document.documentElement.scrollWidth > window.innerWidth"


async def _log_in(page: Any, url: str, username: str) -> None:
    await page.goto(f"{url}/login")
    await page.get_by_label("Username").fill(username)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Log in").click()
    await page.wait_for_url(f"{url}/discover")


async def _fits_a_phone(page: Any) -> None:
    await page.set_viewport_size(VIEWPORTS["phone"])
    assert not await page.evaluate(OVERFLOW), f"{page.url} scrolls sideways on a phone"
    await page.set_viewport_size(VIEWPORTS["desktop"])


async def test_start_find_join_moderate_and_ban_in_a_circle(kindred: Any, new_page: Any) -> None:  # noqa: F811
    client = await kindred()
    url = base(client)
    ada_api = await sign_up(client, "ada", "Ada", ["esperanto", "chess"])
    bo_api = await sign_up(client, "bo", "Bo", ["esperanto"])
    ada, bo = await new_page(), await new_page()
    await _log_in(ada, url, ada_api.username)
    await _log_in(bo, url, bo_api.username)

    # A name too short is refused next to its field, with what was typed kept.
    await ada.get_by_role("link", name="Circles").click()
    await ada.wait_for_url(f"{url}/circles")
    await expect(ada.locator(".empty")).to_contain_text("No circles yet")
    await ada.get_by_text("Start a circle", exact=True).click()
    await ada.get_by_label("Name", exact=True).fill("Eo")
    await ada.get_by_label("Interest", exact=True).select_option("esperanto")
    await ada.get_by_label("Description (optional)").fill("Speak it, every week.")
    await ada.get_by_role("button", name="Start circle").click()
    name = ada.get_by_label("Name", exact=True)
    await expect(name).to_have_attribute("aria-invalid", "true")
    await expect(name).to_have_attribute("aria-describedby", re.compile(r"\be-name\b"))
    await expect(ada.locator("#e-name[role=alert]")).to_contain_text("3 to 60 characters")
    await expect(ada.get_by_label("Description (optional)")).to_have_value("Speak it, every week.")
    await name.fill("Esperanto Evenings")
    await ada.get_by_role("button", name="Start circle").click()
    await ada.wait_for_url(f"{url}/circles/esperanto-evenings")
    await expect(ada.locator(".flash")).to_contain_text("Your circle is started.")
    await expect(ada.get_by_role("heading", level=1)).to_have_text("Esperanto Evenings")
    team = ada.locator("section", has=ada.get_by_role("heading", name="Owners and moderators"))
    await expect(team).to_contain_text(f"@{ada_api.username}")
    await expect(team).to_contain_text("owner")

    # Bo is offered it on Discover, and joins; Ada's open page follows by itself.
    await bo.reload()
    offered = bo.locator("section", has=bo.get_by_role("heading", name="Circles for you"))
    await expect(offered.locator("article.circle")).to_have_count(1)
    await offered.get_by_role("link", name="Esperanto Evenings").click()
    await bo.wait_for_url(f"{url}/circles/esperanto-evenings")
    await bo.get_by_role("button", name="Join circle").click()
    await expect(bo.locator(".flash")).to_contain_text("Welcome to Esperanto Evenings!")
    await expect(bo.locator("#circle")).to_contain_text(re.compile("Leave circle|Joining…"))
    bo_row = ada.locator(f"#member-{bo_api.username}")
    await expect(bo_row).to_be_visible()
    await expect(ada.locator("#member-count")).to_contain_text("2 members")

    # Presence as the homeserver reports it, on the circle's page: Bo's own
    # Matrix app syncs, and the bot, in a room with him, hears he is online.
    ctx = client.app[keys.KINDRED]
    async with ctx.db.read() as conn:
        bo_user = await users.get_by_username(conn, bo_api.username)
    assert bo_user is not None
    bo_mx = await matrix_login(client.app[keys.SETTINGS].homeserver_url, bo_api)
    try:

        async def online() -> bool:
            await bo_mx.sync(timeout=0, set_presence="online")
            found = (await circle_presence.seen(ctx, [bo_user])).get(bo_api.username)
            return found is not None and found.online

        assert await eventually(online, timeout=60, interval=0.5)
    finally:
        await bo_mx.close()
    await ada.reload()
    await expect(bo_row.locator(".presence.online")).to_have_text("online now")

    await ada.goto(f"{url}/circles")
    await expect(ada.locator("article.circle")).to_contain_text("2 members")
    await _fits_a_phone(ada)
    await screenshot(ada, "circles")
    await ada.goto(f"{url}/circles/esperanto-evenings")
    # Once the homeserver has her in the room (the page follows by itself), the room's link shows.
    await expect(ada.get_by_role("link", name="Open in Element")).to_be_visible(timeout=30_000)
    await _fits_a_phone(ada)
    await screenshot(ada, "circles-circle")

    # The owner makes Bo a moderator, then bans him; he cannot join again.
    await bo_row.get_by_text("Moderate Bo").click()
    await bo_row.get_by_role("button", name="Make moderator").click()
    await expect(ada.locator(".flash")).to_contain_text("Bo has a new role.")
    await expect(team).to_contain_text(f"@{bo_api.username}")
    await expect(team).to_contain_text("moderator")
    await ada.locator(f"#member-{bo_api.username}").get_by_text("Moderate Bo").click()
    await ada.get_by_label("Reason (optional)").fill("Spam.")
    await ada.locator(f"#member-{bo_api.username}").get_by_role("button", name="Ban").click()
    await expect(ada.locator(".flash")).to_contain_text("Bo is banned from the circle.")
    await expect(ada.locator(f"#member-{bo_api.username}")).to_have_count(0)
    await bo.reload()
    await expect(bo.locator(".status")).to_contain_text("banned you")
    await expect(bo.get_by_role("button", name="Join circle")).to_have_count(0)

    # Lifting the ban by username lets him join again.
    await ada.get_by_text("Circle settings", exact=True).click()
    await ada.get_by_label("Lift a ban (username)").fill(bo_api.username)
    await ada.get_by_role("button", name="Lift ban", exact=True).click()
    await expect(ada.locator(".flash")).to_contain_text("The ban on Bo is lifted.")
    await bo.reload()
    await expect(bo.get_by_role("button", name="Join circle")).to_be_visible()

    # The last owner cannot leave; closing takes the circle off the list.
    await ada.get_by_role("button", name="Leave circle").click()
    await expect(ada.locator(".flash")).to_contain_text("last owner")
    await ada.get_by_text("Circle settings", exact=True).click()
    await ada.get_by_label("Yes, close this circle").check()
    await ada.get_by_role("button", name="Close circle").click()
    await ada.wait_for_url(f"{url}/circles")
    await expect(ada.locator(".flash")).to_contain_text("Esperanto Evenings is closed.")
    await expect(ada.locator("article.circle")).to_have_count(0)

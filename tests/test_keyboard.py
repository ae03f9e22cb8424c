"""The keyboard alone: signup, Discover and a request with Tab and Enter,
in a real Chromium, with the focus visible at every step; and a page that
updates itself leaves the focus where it was."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.async_api import expect

from tests.conftest import AppFactory
from tests.helpers import sign_up, unique
from tests.test_browser import PASSWORD, TIMEOUT_MS, VIEWPORTS, browser  # noqa: F401  (the module's Chromium)

pytestmark = [pytest.mark.browser, pytest.mark.store_agnostic]


# The focused element shows a ring or a shadow (both count as a visible focus style).
FOCUS_SHOWN = """() => {
    const style = getComputedStyle(document.activeElement);
    const ring = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
    return ring || style.boxShadow !== "none";
}"""


async def _tab_to(page: Any, target: Any, limit: int = 40) -> None:
    """Press Tab until ``target`` has the focus, checking that each element on
    the way shows it."""
    for _ in range(limit):
        await page.keyboard.press("Tab")
        focused = await page.evaluate("document.activeElement.outerHTML.slice(0, 120)")
        assert await page.evaluate(FOCUS_SHOWN), f"no visible focus on {focused}"
        if await target.evaluate("element => element === document.activeElement"):
            return
    raise AssertionError(f"{limit} presses of Tab did not reach {target}")


async def _type_into(page: Any, label: str, text: str) -> None:
    await _tab_to(page, page.get_by_label(label, exact=True))
    await page.keyboard.type(text)


async def test_the_keyboard_alone_signs_up_finds_someone_and_asks(kindred: AppFactory, browser: Any) -> None:  # noqa: F811
    client = await kindred()
    url = str(client.make_url("")).rstrip("/")
    found = await sign_up(client, "found", "Found Person", ["tactile maps"])
    context = await browser.new_context(viewport=VIEWPORTS["desktop"])
    context.set_default_timeout(TIMEOUT_MS)
    page = await context.new_page()
    await page.add_init_script(
        "window.heard = []; document.addEventListener('kindred:live', e => heard.push(e.detail.type))"
    )
    name = unique("keys")

    # The first Tab reaches the skip link, which takes the focus past the navigation.
    await page.goto(f"{url}/signup")
    await page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    await expect(skip).to_be_focused()
    await expect(skip).to_be_in_viewport()
    assert await page.evaluate(FOCUS_SHOWN)
    await page.keyboard.press("Enter")
    await expect(page.locator("main")).to_be_focused()

    await _type_into(page, "Username", name)
    await _type_into(page, "Display name", "Kim Keys")
    await _type_into(page, "Password", PASSWORD)
    await _tab_to(page, page.get_by_role("button", name="Sign up"))
    await page.keyboard.press("Enter")
    await page.wait_for_url(f"{url}/profile")

    await _type_into(page, "Interests", "tactile maps")
    await page.keyboard.press("Enter")
    await expect(page.locator(".flash")).to_contain_text("Profile saved.")

    await _tab_to(page, page.get_by_role("navigation", name="Main").get_by_role("link", name="Discover"))
    await page.keyboard.press("Enter")
    await page.wait_for_url(f"{url}/discover")
    card = page.locator("article.person", has=page.get_by_text(f"@{found.username}"))
    await _tab_to(page, card.get_by_role("button", name="Ask to connect"))
    await page.keyboard.press("Enter")
    await page.wait_for_url(f"{url}/requests")
    await expect(page.locator(".flash")).to_contain_text("Request sent to Found Person.")

    (arrived,) = (await found.call("GET", "/requests", 200))["requests"]
    assert (arrived["from"], arrived["status"]) == (name, "pending")

    # A live update of the page keeps the keyboard's place.
    await page.wait_for_function("window.heard.includes('hello')")
    withdraw = page.locator("article.request").get_by_role("button", name="Withdraw")
    await _tab_to(page, withdraw)
    another = await sign_up(client, "another", "Another Person")
    await another.call("POST", "/requests", 201, json={"to": name})
    await expect(page.get_by_text("Another Person")).to_be_visible()
    await expect(withdraw).to_be_focused()
    await context.close()

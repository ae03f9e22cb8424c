"""Every page under axe-core (the keyboard path is in test_keyboard.py).

One Kindred is seeded once for the module (an operator with matches,
requests, blocks, reports and mail; a plain person; a stranger signed out).
Each entry of ``VISITS`` is loaded once in each language (the browser asks
for it with Accept-Language, as a visitor's would); axe then runs four times
on it without a reload: phone and desktop widths, light and dark colour
schemes. A serious or critical violation fails the visit with a readable list.
The forms a visit fills are found by their labels in the page's language.
"""

from __future__ import annotations

import itertools
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any, AsyncIterator, Awaitable, Callable

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from axe_playwright_python.base import AXE_SCRIPT
from playwright.async_api import expect

from config.i18n import SUPPORTED, translator
from config.secrets import load_or_create_secrets
from domain import circles, digests, moderation, rounds
from domain.one_time_codes import CODE_LIFETIME, TRIES, hash_code
from store import matrix_id_link_codes, users
from store.timeutil import iso, utc_now
from testkit.homeserver import ThrowawayHomeserver
from tests.conftest import make_settings
from tests.helpers import all_ready, eventually, sign_up
from tests.test_browser import PASSWORD, TIMEOUT_MS, VIEWPORTS, browser  # noqa: F401  (the module's Chromium)
from web import keys
from web.app import create_app
from web.routes import setup_routes

pytestmark = [pytest.mark.browser, pytest.mark.store_agnostic]

SCHEMES = ("light", "dark")
FAILING_IMPACTS = ("serious", "critical")
SHARED = ["accessible design", "braille", "sign language"]


Gettext = Callable[[str], str]


@dataclass(frozen=True)
class Visit:
    """One page as one person sees it; ``then`` brings it into a state (form errors) first."""

    name: str
    who: str  # "stranger" (signed out), "operator" or "plain"
    path: str  # formatted with what _seed returns: {operator}, {suggested}, {unsubscribe}, {circle}
    then: Callable[[Any, Gettext], Awaitable[None]] | None = None
    status: int = 200


# Field errors that are not announced, or not tied to an invalid field by aria-describedby.
UNLINKED_ERRORS = """() => [...document.querySelectorAll(".field-error")]
    .filter(error => error.getAttribute("role") !== "alert"
        || !document.querySelector(`[aria-invalid="true"][aria-describedby~="${error.id}"]`))
    .map(error => error.outerHTML)"""


async def _submit(page: Any, fields: dict[str, str], button: str, shows: str, _: Gettext) -> None:
    for label, value in fields.items():
        await page.get_by_label(_(label), exact=True).fill(value)
    await page.get_by_role("button", name=_(button), exact=True).click()
    await expect(page.locator(shows).first).to_be_visible()
    assert await page.evaluate(UNLINKED_ERRORS) == []


def _form(fields: dict[str, str], button: str, shows: str = ".field-error") -> Callable[[Any], Awaitable[None]]:
    async def then(page: Any, _: Gettext) -> None:
        await _submit(page, fields, button, shows, _)

    return then


def _shows(text: str) -> Callable[[Any, Gettext], Awaitable[None]]:
    """Only a check that the page is in the state the visit is for."""

    async def then(page: Any, _: Gettext) -> None:
        await expect(page.get_by_text(_(text), exact=True).first).to_be_visible()

    return then


async def _open_details(page: Any, _: Gettext) -> None:
    await page.locator("details summary").first.click()


def _in_details(summary: str, fields: dict[str, str], button: str) -> Callable[[Any, Gettext], Awaitable[None]]:
    """A form folded in a <details>: unfold it, then submit it with errors."""

    async def then(page: Any, _: Gettext) -> None:
        await page.get_by_text(_(summary), exact=True).click()
        await _submit(page, fields, button, ".field-error", _)

    return then


VISITS = [
    Visit("landing", "stranger", "/"),
    Visit("signup", "stranger", "/signup"),
    Visit(
        "signup-errors",
        "stranger",
        "/signup",
        _form({"Username": "Not Valid!", "Display name": "Zoë", "Password": PASSWORD}, "Sign up"),
    ),
    Visit("login", "stranger", "/login?next=/discover"),
    Visit(
        "login-errors", "stranger", "/login", _form({"Username": "nobody", "Password": PASSWORD}, "Log in", ".error")
    ),
    Visit("forgot", "stranger", "/forgot"),
    Visit(
        "forgot-sent",
        "stranger",
        "/forgot",
        _form({"Username or email address": "nobody"}, "Mail me a reset link", ".notice"),
    ),
    Visit("reset", "stranger", "/reset"),
    Visit(
        "reset-errors",
        "stranger",
        "/reset",
        _form({"Reset code (from the mail)": "not-a-code", "New password": "a long new password"}, "Set password"),
    ),
    Visit("verify-email", "stranger", "/verify-email?username=someone"),
    Visit(
        "verify-email-errors",
        "stranger",
        "/verify-email",
        _form({"Username": "nobody", "Code": "123456"}, "Confirm", "[role=alert]"),
    ),
    Visit("unsubscribed", "stranger", "/unsubscribe?{unsubscribe}"),
    Visit("unsubscribe-link-wrong", "stranger", "/unsubscribe?u=1&sig=x", status=404),
    Visit("api-docs", "stranger", "/api/docs"),
    Visit("not-found", "stranger", "/no/such/page", status=404),
    Visit("profile", "operator", "/profile"),
    Visit("profile-errors", "operator", "/profile", _form({"Interests": "x" * 41}, "Save")),
    Visit("account", "operator", "/account", _shows("Mail a new code")),
    Visit(
        "account-errors",
        "operator",
        "/account",
        _form({"Current password": "not it", "New password": "another long one"}, "Change password"),
    ),
    Visit("discover", "operator", "/discover"),
    Visit("discover-filtered", "operator", "/discover?interest=braille"),
    Visit("discover-empty", "operator", "/discover?interest=knitting"),
    Visit("discover-errors", "operator", "/discover?interest=" + "i" * 41),
    Visit("discover-by-name", "operator", "/discover?q={suggested}"),
    Visit("person", "operator", "/u/{suggested}", _open_details),
    Visit("own-page", "operator", "/u/{operator}"),
    Visit("requests", "operator", "/requests", _shows("Hello!")),
    Visit("matches", "operator", "/matches", _shows("Open in Element")),
    Visit("matrix-id", "operator", "/matrix-id"),
    Visit("matrix-id-errors", "operator", "/matrix-id", _form({"Matrix ID": "not an id"}, "Send me a code")),
    Visit("blocks", "operator", "/blocks"),
    Visit("logout", "operator", "/logout"),
    Visit("admin-people", "operator", "/admin"),
    Visit("admin-reports", "operator", "/admin/reports?show=all"),
    Visit("admin-log", "operator", "/admin/log"),
    Visit("admin-outbox", "operator", "/admin/outbox"),
    Visit("admin-rounds", "operator", "/admin/rounds"),
    Visit("rounds", "operator", "/profile/rounds"),
    Visit("rounds-errors", "operator", "/profile/rounds", _form({"Pause until": "2020-01-01"}, "Save")),
    Visit("not-found-signed-in", "operator", "/no/such/page", status=404),
    Visit("forbidden", "plain", "/admin", status=403),
    Visit("profile-empty", "plain", "/profile"),
    Visit("discover-no-interests", "plain", "/discover"),
    Visit("requests-empty", "plain", "/requests"),
    Visit("matches-empty", "plain", "/matches"),
    Visit("blocks-empty", "plain", "/blocks"),
    Visit("rounds-not-in", "plain", "/profile/rounds"),
    Visit("matrix-id-code-waiting", "plain", "/matrix-id", _shows("Enter your code")),
    Visit("circles", "operator", "/circles"),
    Visit("circles-errors", "operator", "/circles", _in_details("Start a circle", {"Name": "x"}, "Start circle")),
    Visit("circles-none-found", "operator", "/circles?q=nothing+like+it"),
    Visit("circles-no-interests", "plain", "/circles"),
    Visit("circle", "operator", "/circles/{circle}", _open_details),
    Visit(
        "circle-settings-errors",
        "operator",
        "/circles/{circle}",
        _in_details("Circle settings", {"Most members": "1"}, "Save changes"),
    ),
    Visit("circle-to-join", "plain", "/circles/{circle}"),
    Visit("circle-not-found", "operator", "/circles/no-such-circle", status=404),
]


@dataclass
class Site:
    client: TestClient
    url: str
    names: dict[str, str]
    pages: dict[tuple[str, str], Any]  # (who, language)


async def _seed(client: TestClient) -> dict[str, str]:
    """An operator in every situation a page shows: sent, received and past
    requests, a ready match, a block, reports, a suspension and kept mail."""
    ctx = client.app[keys.KINDRED]
    operator = await sign_up(client, "op", "Ada Operator", SHARED)
    await moderation.set_admin(ctx, moderation.COMMAND_LINE, operator.username, True)
    # No SMTP server: the code is kept in the outbox, and the account page asks for it.
    await operator.call("PUT", "/me/email", 202, json={"email": f"{operator.username}@example.org"})
    friend, asker, wanted, declined, suggested = [
        await sign_up(client, prefix, prefix.title(), SHARED)
        for prefix in ("friend", "asker", "wanted", "declined", "suggested")
    ]
    await suggested.call("PUT", "/me/profile", 200, json={"bio": "Reads to the library's circle.", "interests": SHARED})
    blocked, reported, suspended = [await sign_up(client, p) for p in ("blocked", "reported", "suspended")]
    plain = await sign_up(client, "plain", "Plain Person")

    sent = await operator.call("POST", "/requests", 201, json={"to": friend.username, "note": "Tea on Friday?"})
    await friend.call("POST", f"/requests/{sent['request']['id']}/accept", 200)
    await asker.call("POST", "/requests", 201, json={"to": operator.username, "note": "Hello!"})
    await operator.call("POST", "/requests", 201, json={"to": wanted.username})
    old = await declined.call("POST", "/requests", 201, json={"to": operator.username})
    await operator.call("POST", f"/requests/{old['request']['id']}/reject", 200)
    await operator.call("POST", f"/users/{blocked.username}/block", 200)
    await operator.call("POST", f"/users/{reported.username}/report", 201, json={"reason": "Spam in the room."})
    await plain.call("POST", f"/users/{suspended.username}/report", 201, json={"reason": "Rude."})
    await moderation.suspend(ctx, operator.username, suspended.username, "rude")
    # The matches page shows the room link once the bot has opened the room.
    await eventually(lambda: all_ready(operator, 1))
    async with ctx.db.transaction() as conn:
        plain_user = await users.get_by_username(conn, plain.username)
        assert plain_user is not None
        # A Matrix ID waiting for its code (as if the bot had delivered it elsewhere).
        expires = iso(utc_now() + CODE_LIFETIME)
        await matrix_id_link_codes.put(conn, plain_user.id, "@plain:example.org", hash_code("123456"), TRIES, expires)
    # A round of four others, and the operator in rounds: the rounds pages have something to show.
    for prefix in ("round-a", "round-b", "round-c", "round-d"):
        person = await sign_up(client, prefix, prefix.title(), SHARED)
        await person.call("PUT", "/me/rounds", 200, json={"enabled": True})
    await rounds.run_now(ctx, utc_now())
    await operator.call("PUT", "/me/rounds", 200, json={"enabled": True, "cadence": "fortnightly"})
    unsubscribe = f"u={plain_user.id}&sig={digests.signature(ctx, plain_user.id)}"
    # A circle the operator owns, with a member to moderate.
    async with ctx.db.read() as conn:
        owner, member = [await users.get_by_username(conn, p.username) for p in (operator, friend)]
    assert owner is not None and member is not None
    circle = await circles.create_circle(ctx, owner, "Braille readers", "braille", "Books, labels and tips.")
    await circles.join(ctx, member, circle.circle.slug)
    return {
        "operator": operator.username,
        "plain": plain.username,
        "suggested": suggested.username,
        "unsubscribe": unsubscribe,
        "circle": circle.circle.slug,
    }


async def _log_in(page: Any, url: str, username: str, _: Gettext) -> None:
    await page.goto(f"{url}/login")
    await page.get_by_label(_("Username")).fill(username)
    await page.get_by_label(_("Password")).fill(PASSWORD)
    await page.get_by_role("button", name=_("Log in")).click()
    await page.wait_for_url(f"{url}/discover")


async def _new_page(browser: Any, language: str) -> Any:  # noqa: F811
    # The browser's language is what a person who chose none is shown.
    context = await browser.new_context(viewport=VIEWPORTS["desktop"], locale=language)
    context.set_default_timeout(TIMEOUT_MS)
    # In every page before its own scripts, so axe is there after each load.
    await context.add_init_script(AXE_SCRIPT)
    return await context.new_page()


@pytest.fixture(scope="module")
async def site(
    homeserver: ThrowawayHomeserver,
    tmp_path_factory: pytest.TempPathFactory,
    browser: Any,  # noqa: F811
) -> AsyncIterator[Site]:
    data_dir: Path = tmp_path_factory.mktemp("a11y")
    shutil.copy(homeserver.root / "secrets.json", data_dir / "secrets.json")
    app = create_app(make_settings(data_dir, homeserver.url), load_or_create_secrets(data_dir))
    async with TestClient(TestServer(app)) as client:
        names = await _seed(client)
        url = str(client.make_url("")).rstrip("/")
        pages = {
            (who, language): await _new_page(browser, language)
            for who in ("stranger", "operator", "plain")
            for language in SUPPORTED
        }
        for (who, language), page in pages.items():
            if who != "stranger":
                await _log_in(page, url, names[who], translator(language).gettext)
        yield Site(client, url, names, pages)
        for page in pages.values():
            await page.context.close()


def _describe(violation: dict[str, Any]) -> str:
    """One violation, readably: the rule, why, and each element with what to fix."""
    lines = [f"{violation['id']} ({violation['impact']}): {violation['help']}  {violation['helpUrl']}"]
    for node in violation["nodes"]:
        lines.append(f"  at {' '.join(map(str, node['target']))}: {' '.join(node['html'].split())[:200]}")
        lines.extend(f"    {line.strip()}" for line in node.get("failureSummary", "").splitlines())
    return "\n".join(lines)


async def _failures_everywhere(page: Any) -> dict[str, list[str]]:
    """Axe at each width and colour scheme on the page as loaded, without a
    reload: each serious or critical violation, with where it was seen."""
    found: dict[str, list[str]] = {}
    backgrounds = set()
    for (width, size), scheme in itertools.product(VIEWPORTS.items(), SCHEMES):
        await page.set_viewport_size(size)
        await page.emulate_media(color_scheme=scheme)
        result: dict[str, Any] = await page.evaluate("axe.run(document, {resultTypes: ['violations']})")
        for violation in result["violations"]:
            if violation["impact"] in FAILING_IMPACTS:
                found.setdefault(_describe(violation), []).append(f"{width} {scheme}")
        # Contrast is really checked in both themes, and the dark one really applies.
        checked = {rule["id"] for kind in ("passes", "violations", "incomplete") for rule in result[kind]}
        assert "color-contrast" in checked, f"axe did not check colour contrast ({width} {scheme})"
        backgrounds.add(await page.evaluate("getComputedStyle(document.body).backgroundColor"))
    assert len(backgrounds) == len(SCHEMES), f"the dark scheme changes nothing: {backgrounds}"
    await page.set_viewport_size(VIEWPORTS["desktop"])
    await page.emulate_media(color_scheme="light")
    return found


async def _open(site: Site, visit: Visit, language: str) -> Any:
    page = site.pages[visit.who, language]
    response = await page.goto(site.url + visit.path.format(**site.names))
    assert response is not None and response.status == visit.status, (visit.path, response and response.status)
    assert await page.get_attribute("html", "lang") == language
    if visit.then is not None:
        await visit.then(page, translator(language).gettext)
    return page


@pytest.mark.parametrize("language", SUPPORTED)
@pytest.mark.parametrize("visit", VISITS, ids=[v.name for v in VISITS])
async def test_page_has_no_serious_violation(site: Site, visit: Visit, language: str) -> None:
    page = await _open(site, visit, language)
    found = await _failures_everywhere(page)
    report = "\n".join(f"[{', '.join(where)}] {violation}" for violation, where in found.items())
    if found:
        pytest.fail(
            f"axe on {visit.path} ({visit.who}, {language}) found serious or critical violations:\n{report}",
            pytrace=False,
        )


def test_every_page_is_visited() -> None:
    """A new page needs a visit above: every GET route outside the JSON API is in VISITS."""
    app = web.Application()
    setup_routes(app)
    pages = {
        route.resource.canonical
        for route in app.router.routes()
        if route.method == "GET" and route.resource is not None and not route.resource.canonical.startswith("/api/v1")
    }
    not_pages = {"/healthz", "/ws", "/metrics", "/static", "/account/export", "/avatars/{username}"}
    visited = {v.path.split("?")[0].replace("{suggested}", "{username}").replace("{circle}", "{slug}") for v in VISITS}
    assert pages - not_pages - visited == set()

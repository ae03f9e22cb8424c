"""Long lists on pages come ``page_size`` (twenty) at a time, with Previous and Next links."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient

from config.secrets import load_or_create_secrets
from domain import moderation
from tests.conftest import FakeAccounts, FakeDirectMessages, make_settings
from tests.helpers import page_login, sign_up
from web import keys
from web.app import create_app


def _count(page: str, marker: str) -> int:
    return len(re.findall(marker, page))


async def test_discover_pages_through_suggestions(offline_client: TestClient) -> None:
    ada = await sign_up(offline_client, "ada", interests=["chess"])
    for n in range(25):
        await sign_up(offline_client, f"p{n}", interests=["chess"])
    await page_login(offline_client, ada)

    first = await (await offline_client.get("/discover?interest=chess")).text()
    assert _count(first, 'class="card person"') == 20
    assert 'rel="next"' in first and 'rel="prev"' not in first
    assert "interest=chess&amp;page=2" in first  # the filter is kept

    second = await (await offline_client.get("/discover?interest=chess&page=2")).text()
    assert _count(second, 'class="card person"') == 5
    assert 'rel="prev"' in second and 'rel="next"' not in second

    for wrong in ("abc", "0", "-3", "99999"):
        page = await (await offline_client.get(f"/discover?page={wrong}")).text()
        assert _count(page, 'class="card person"') == 20, wrong


async def test_matches_and_request_history_page(offline_client: TestClient) -> None:
    ada = await sign_up(offline_client, "ada", interests=["chess"])
    for n in range(21):
        other = await sign_up(offline_client, f"m{n}", interests=["chess"])
        sent = await other.call("POST", "/requests", 201, json={"to": ada.username})
        await ada.call("POST", f"/requests/{sent['request']['id']}/accept", 200)
    await page_login(offline_client, ada)

    first = await (await offline_client.get("/matches")).text()
    assert _count(first, 'class="card match"') == 20 and 'rel="next"' in first
    second = await (await offline_client.get("/matches?page=2")).text()
    assert _count(second, 'class="card match"') == 1 and 'rel="prev"' in second

    history = await (await offline_client.get("/requests")).text()
    assert _count(history, ": accepted</li>") == 20 and 'rel="next"' in history
    older = await (await offline_client.get("/requests?page=2")).text()
    assert _count(older, ": accepted</li>") == 1 and 'rel="next"' not in older
    # The API keeps its own, unpaged behaviour.
    assert len((await ada.call("GET", "/matches", 200))["matches"]) == 21


async def test_short_lists_have_no_pager(offline_client: TestClient) -> None:
    ada = await sign_up(offline_client, "ada", interests=["chess"])
    await page_login(offline_client, ada)
    for path in ("/discover", "/matches", "/requests"):
        page = await (await offline_client.get(path)).text()
        assert 'class="pager"' not in page, path
        assert 'class="empty"' in page, path


async def test_page_size_is_one_setting_for_every_list_operators_included(
    tmp_path: Path, aiohttp_client: Any, fake_accounts: FakeAccounts, fake_direct: FakeDirectMessages
) -> None:
    settings = make_settings(tmp_path, "http://127.0.0.1:9", run_bot=False, page_size=3)
    client: TestClient = await aiohttp_client(
        create_app(settings, load_or_create_secrets(tmp_path), fake_accounts, fake_direct)
    )
    ada = await sign_up(client, "ada", interests=["chess"])
    for n in range(4):
        await sign_up(client, f"pg{n}", interests=["chess"])
    await moderation.set_admin(client.app[keys.KINDRED], moderation.COMMAND_LINE, ada.username, True)
    await page_login(client, ada)

    first = await (await client.get("/discover?interest=chess")).text()
    assert _count(first, 'class="card person"') == 3 and 'rel="next"' in first

    # The operators' list pages the same way, and keeps the search.
    people = await (await client.get("/admin?q=pg")).text()
    assert _count(people, 'id="person-') == 3
    assert 'rel="next"' in people and 'rel="prev"' not in people
    assert "q=pg&amp;page=2" in people
    second = await (await client.get("/admin?q=pg&page=2")).text()
    assert _count(second, 'id="person-') == 1
    assert 'rel="prev"' in second and 'rel="next"' not in second
    # Operators must reach every entry: their pages have no depth cap.
    far = await (await client.get("/admin?q=pg&page=400")).text()
    assert _count(far, 'id="person-') == 0 and 'rel="prev"' in far

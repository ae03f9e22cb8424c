"""Rounds through the API: settings, their 400s naming the field, and the current round."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from domain import rounds
from store.timeutil import utc_now
from tests.helpers import assert_status, page_login, sign_up
from web import keys


async def test_opt_in_change_and_read_back(offline_client: TestClient) -> None:
    ada = await sign_up(offline_client, "ada", interests=["chess"])
    fresh = (await ada.call("GET", "/me/rounds", 200))["rounds"]
    assert (fresh["enabled"], fresh["cadence"], fresh["timezone"], fresh["next_round"]) == (
        False,
        "weekly",
        "UTC",
        None,
    )
    body = {"enabled": True, "cadence": "fortnightly", "timezone": "Europe/Berlin"}
    chosen = (await ada.call("PUT", "/me/rounds", 200, json=body))["rounds"]
    assert (chosen["enabled"], chosen["cadence"], chosen["timezone"], chosen["skip_next"]) == (
        True,
        "fortnightly",
        "Europe/Berlin",
        False,
    )
    assert chosen["next_round"] is not None
    # Only what is given changes.
    skipped = (await ada.call("PUT", "/me/rounds", 200, json={"skip_next": True}))["rounds"]
    assert (skipped["cadence"], skipped["skip_next"]) == ("fortnightly", True)
    assert (await ada.call("GET", "/me/rounds", 200))["rounds"] == skipped


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({"cadence": "daily"}, "round_cadence_invalid", "cadence"),
        ({"timezone": "Nowhere/Special"}, "timezone_invalid", "timezone"),
        ({"paused_until": "2001-01-01"}, "pause_date_invalid", "paused_until"),
        ({"paused_until": "2999-01-01"}, "pause_date_invalid", "paused_until"),
        ({"enabled": "yes"}, "field_type", "enabled"),
    ],
)
async def test_bad_settings_are_400_naming_the_field(
    offline_client: TestClient, body: dict[str, Any], code: str, field: str
) -> None:
    ada = await sign_up(offline_client, "ada")
    response = await offline_client.put("/api/v1/me/rounds", json=body, headers=ada.headers)
    assert response.status == 400, await response.text()
    error = (await response.json())["error"]
    assert (error["code"], error.get("field")) == (code, field)
    assert (await ada.call("GET", "/me/rounds", 200))["rounds"]["enabled"] is False


async def test_current_round_names_whom_you_were_introduced_to(offline_client: TestClient) -> None:
    ada = await sign_up(offline_client, "ada", interests=["chess", "go"])
    bo = await sign_up(offline_client, "bo", interests=["go", "chess"])
    assert (await ada.call("GET", "/rounds/current", 200))["round"] is None
    for person in (ada, bo):
        await person.call("PUT", "/me/rounds", 200, json={"enabled": True})
    await rounds.run_now(offline_client.server.app[keys.KINDRED], utc_now())
    mine = (await ada.call("GET", "/rounds/current", 200))["round"]
    assert [u["username"] for u in mine["with"]] == [bo.username]
    assert mine["shared_interests"] == ["chess", "go"]
    assert mine["unpaired"] is None
    # An ordinary match: it is on the Matches list.
    assert [m["id"] for m in (await ada.call("GET", "/matches", 200))["matches"]] == [mine["match_id"]]


async def test_a_trio_is_one_match_all_three_see_with_both_others(offline_client: TestClient) -> None:
    trio = [await sign_up(offline_client, name, interests=["chess", "go"]) for name in ("ada", "bo", "cy")]
    for person in trio:
        await person.call("PUT", "/me/rounds", 200, json={"enabled": True})
    done = await rounds.run_now(offline_client.server.app[keys.KINDRED], utc_now())
    assert (done.paired_count, done.trio_count, done.unpaired_count) == (1, 1, 0)
    for person in trio:
        [match] = (await person.call("GET", "/matches", 200))["matches"]
        seen = {match["user"]["username"], *(u["username"] for u in match["also"])}
        assert seen == {p.username for p in trio} - {person.username}
        assert match["shared_interests"] == ["chess", "go"]
    # The Matches page names both others too.
    await page_login(offline_client, trio[0])
    text = await assert_status(await offline_client.get("/matches"), 200)
    assert all(f"@{p.username}" in text for p in trio[1:])

"""Rankings stay fresh across processes: each ``kindred web`` ranks from its
own index of interests in memory, and a change made through the other web
process (an interest, a block, a request, a suspension, a new person) shows
in the very next ranking, with no waiting in between."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from testkit.process import KindredProcess
from tests.databases import postgresql_only, query
from tests.deployment import deployment_part
from tests.helpers import Api, sign_up

pytestmark = [pytest.mark.homeserver, postgresql_only("kindred web runs on PostgreSQL only")]


def _web(store: Path, name: str, homeserver: Any) -> KindredProcess:
    return deployment_part(store, name, "web", homeserver)


def _on(web: Any, person: Api) -> Api:
    """The same person, their same token, on another web process."""
    return Api(
        web,
        person.username,
        person.password,
        {"access_token": person.access_token, "refresh_token": person.refresh_token},
    )


async def _ranked(viewer: Api) -> list[tuple[str, list[str]]]:
    body = await viewer.call("GET", "/suggestions", 200)
    return [(s["user"]["username"], s["shared_interests"]) for s in body["suggestions"]]


async def test_a_change_on_one_web_process_shows_in_the_next_ranking_on_the_other(
    tmp_path: Path, homeserver: Any
) -> None:
    one, two = _web(tmp_path, "web-1", homeserver), _web(tmp_path, "web-2", homeserver)
    try:
        one.launch()
        two.launch()
        await one.wait_answering()
        await two.wait_answering()
        async with one.web() as web_one, two.web() as web_two:
            viewer = await sign_up(web_one, "viewer", interests=["kayaks", "maps", "tea"])
            rare = await sign_up(web_one, "rare", interests=["kayaks"])
            common = await sign_up(web_one, "common", interests=["tea"])
            both = await sign_up(web_one, "both", interests=["kayaks", "tea"])
            for filler in range(3):
                await sign_up(web_one, f"filler{filler}", interests=["tea", "bread"])
            there = _on(web_two, viewer)
            first = await _ranked(there)
            assert [name for name, _ in first[:2]] == [both.username, rare.username]
            assert (common.username, ["tea"]) in first

            # An interest added on process one: process two's next ranking has it.
            await common.call("PUT", "/me/profile", 200, json={"interests": ["tea", "maps"]})
            assert (common.username, ["maps", "tea"]) in await _ranked(there)

            # A block made on process one hides at once on process two.
            await viewer.call("POST", f"/users/{rare.username}/block", 200)
            assert rare.username not in [name for name, _ in await _ranked(there)]

            # So does a request sent.
            await viewer.call("POST", "/requests", 201, json={"to": both.username})
            assert both.username not in [name for name, _ in await _ranked(there)]

            # A suspension, written by whichever process (here the operator's SQL).
            await query(tmp_path, f"UPDATE users SET status = 'suspended' WHERE username = '{common.username}'")
            assert common.username not in [name for name, _ in await _ranked(there)]

            # And someone new, signed up on process one, is ranked on process two.
            newcomer = await sign_up(web_one, "newcomer", interests=["kayaks", "maps"])
            assert (await _ranked(there))[0] == (newcomer.username, ["kayaks", "maps"])
        assert await one.interrupt() == 0
        assert await two.interrupt() == 0
    finally:
        one.stop()
        two.stop()

"""Check-ins after a round's introduction: the rules with an injected clock,
the API's answers and the Matches page's buttons (no homeserver: the rooms
are recorded as made)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from domain import checkins, moderation, round_preferences, rounds
from domain.checkins import ASK_AFTER, REMIND_AFTER, order_penalty
from domain.context import Kindred
from domain.errors import KindredError
from store import bot_jobs, matches, round_settings, users
from store.timeutil import utc_now
from store.users import User
from tests.helpers import Api, assert_status, csrf_token, page_login, sign_up
from web import keys


async def _person(ctx: Kindred, person: Api) -> User:
    async with ctx.db.read() as conn:
        found = await users.get_by_username(conn, person.username)
    assert found is not None
    return found


async def _round_of(client: TestClient, count: int) -> tuple[list[Api], list[int]]:
    """``count`` people opted in and introduced by one round, their rooms
    recorded as ready; the people and the round's match ids."""
    ctx = client.app[keys.KINDRED]
    people = [await sign_up(client, "rnd", interests=["sourdough", "go"]) for _ in range(count)]
    for person in people:
        await round_preferences.change(ctx, await _person(ctx, person), enabled=True)
    done = await rounds.run_now(ctx, utc_now())
    assert done.paired_count == count // 2, done
    found: list[int] = []
    async with ctx.db.transaction() as conn:
        for person in people:
            user = await _person(ctx, person)
            for match in await matches.list_for_user(conn, user.id, 10):
                if match.id not in found:
                    found.append(match.id)
                    await matches.set_room(conn, match.id, f"!room{match.id}:localhost")
                    await matches.mark_ready(conn, match.id)
    return people, found


async def _jobs(ctx: Kindred, kind: str) -> list[tuple[int | None, int | None]]:
    async with ctx.db.read() as conn:
        due = await bot_jobs.due(conn, 1000)
    return sorted((job.match_id, job.user_id) for job in due if job.kind == kind)


async def test_questions_come_once_after_four_days_and_reminders_once_two_days_later(
    offline_client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx = offline_client.app[keys.KINDRED]
    # Small batches, as a large round's would be: each its own transaction, none left behind.
    monkeypatch.setattr(checkins, "_BATCH", 2)
    people, made = await _round_of(offline_client, 5)
    async with ctx.db.read() as conn:
        members = {m: (await matches.get(conn, m)).members for m in made}  # type: ignore[union-attr]
    assert sorted(len(m) for m in members.values()) == [2, 3]
    trio = next(m for m, ids in members.items() if len(ids) == 3)
    start = utc_now()

    # Not before four days; then every person of both matches, once.
    assert await checkins.queue_due(ctx, start + ASK_AFTER - timedelta(minutes=5)) == 0
    assert await checkins.queue_due(ctx, start + ASK_AFTER + timedelta(minutes=5)) == 5
    assert await checkins.queue_due(ctx, start + ASK_AFTER + timedelta(minutes=6)) == 0
    asked = await _jobs(ctx, "checkin_ask")
    assert asked == sorted((m, u) for m, ids in members.items() for u in ids)

    # One person of the trio answers at once; the others are reminded, once.
    trio_people = members[trio]
    by_id = {(await _person(ctx, p)).id: p for p in people}
    answerer = by_id[trio_people[0]]
    await answerer.call("POST", f"/matches/{trio}/checkin", 200, json={"met": True})
    later = start + ASK_AFTER + REMIND_AFTER + timedelta(minutes=10)
    assert await checkins.queue_due(ctx, later) == 4
    assert await checkins.queue_due(ctx, later + timedelta(days=1)) == 0
    reminded = await _jobs(ctx, "checkin_remind")
    assert (trio, trio_people[0]) not in reminded and len(reminded) == 4

    # !met answers the newest question waiting; nothing left is a clear no.
    other = await _person(ctx, by_id[trio_people[1]])
    answer = await checkins.answer_latest(ctx, other, met=True)
    assert answer.match_id == trio and sorted(u.id for u in answer.others) == [trio_people[0], trio_people[2]]
    try:
        await checkins.answer_latest(ctx, other, met=False)
        raise AssertionError("a second answer must be refused")
    except KindredError as exc:
        assert exc.code == "checkin_not_found"


async def test_a_no_counts_against_partners_who_did_not_say_they_met(offline_client: TestClient) -> None:
    ctx = offline_client.app[keys.KINDRED]
    people, (match_id,) = await _round_of(offline_client, 2)
    a, b = people
    b_user = await _person(ctx, b)
    body = await a.call("POST", f"/matches/{match_id}/checkin", 200, json={"met": False})
    assert body["checkin"] == {"match_id": match_id, "met": False, "with": [b.username]}
    async with ctx.db.read() as conn:
        counted = {p.user_id: p.no_shows for p in await round_settings.enabled_active(conn)}
    assert counted[b_user.id] == 1 and counted[(await _person(ctx, a)).id] == 0
    # B says they met after all: contested, so A is not counted; B's count stays.
    await b.call("POST", f"/matches/{match_id}/checkin", 200, json={"met": True})
    async with ctx.db.read() as conn:
        assert (await checkins.order_penalties(conn, [b_user.id])) == {b_user.id: 0}
    # The answer is in the person's export, and only theirs.
    exported = (await a.call("GET", "/me/export", 200))["checkins"]
    assert [(c["match_id"], c["met"], c["asked_at"]) for c in exported] == [(match_id, False, None)]
    assert exported[0]["answered_at"]
    # Once is bad luck; from the second time, later in the order.
    assert [order_penalty(n) for n in range(4)] == [0, 0, 2, 3]


async def test_the_checkin_api_says_what_is_wrong(offline_client: TestClient) -> None:
    people, (match_id,) = await _round_of(offline_client, 2)
    a, b = people
    outsider = await sign_up(offline_client, "out", interests=["go"])
    path = f"/matches/{match_id}/checkin"

    async def error(person: Api, status: int, **kwargs: Any) -> str:
        return str((await person.call("POST", path, status, **kwargs))["error"]["code"])

    assert await error(a, 400, json={}) == "field_required"
    assert await error(a, 400, json={"met": "yes"}) == "field_type"
    assert await error(a, 400, json=[True]) == "invalid_body"
    # Someone outside the match learns nothing of it, as for every match route.
    assert await error(outsider, 404, json={"met": True}) == "match_not_found"
    response = await offline_client.post("/api/v1" + path, json={"met": True})
    await assert_status(response, 401)
    await a.call("POST", path, 200, json={"met": True})
    assert await error(a, 409, json={"met": False}) == "checkin_answered"
    # A match made by a request is not a round's: there is nothing to check in on.
    sent = await outsider.call("POST", "/requests", 201, json={"to": b.username})
    accepted = await b.call("POST", f"/requests/{sent['request']['id']}/accept", 200)
    own = accepted["match"]["id"]
    assert (await b.call("POST", f"/matches/{own}/checkin", 409, json={"met": True}))["error"][
        "code"
    ] == "checkin_not_round"
    document = await assert_status(await offline_client.get("/api/v1/openapi.json"), 200)
    operation = document["paths"]["/api/v1/matches/{id}/checkin"]["post"]
    assert {"200", "400", "404", "409"} <= set(operation["responses"])


async def test_the_matches_page_asks_and_takes_the_answer_without_javascript(offline_client: TestClient) -> None:
    ctx = offline_client.app[keys.KINDRED]
    people, (match_id,) = await _round_of(offline_client, 2)
    a = people[0]
    await page_login(offline_client, a)
    # Asked: the question shows under the match, with two buttons.
    assert await checkins.queue_due(ctx, utc_now() + ASK_AFTER + timedelta(minutes=1)) == 2
    page = await assert_status(await offline_client.get("/matches"), 200)
    assert "Did you meet?" in page and f'action="/matches/{match_id}/checkin"' in page
    response = await offline_client.post(
        f"/matches/{match_id}/checkin", data={"met": "no", "csrf_token": csrf_token(offline_client)}
    )
    page = await assert_status(response, 200)
    assert "Did you meet?" not in page and "You said you didn't meet" in page, page[page.find("<main>") :]


async def test_the_rounds_page_works_without_javascript_and_shows_errors_by_their_fields(
    offline_client: TestClient,
) -> None:
    person = await sign_up(offline_client, "set", interests=["go"])
    await page_login(offline_client, person)
    page = await assert_status(await offline_client.get("/profile/rounds"), 200)
    assert "You're not in rounds" in page and "data-from-browser" in page

    async def save(**fields: str) -> tuple[str, int]:
        data = {"enabled": "on", "cadence": "fortnightly", "timezone": "Europe/Berlin", **fields}
        response = await offline_client.post("/profile/rounds", data={**data, "csrf_token": csrf_token(offline_client)})
        return await response.text(), response.status

    page, status = await save(timezone="Mars/Olympus")
    assert status == 400 and 'aria-describedby="h-timezone e-timezone"' in page and "Mars/Olympus" in page
    page, status = await save(paused_until="2001-01-01")
    assert status == 400 and 'id="e-paused_until"' in page
    page, status = await save(cadence="daily")
    assert status == 400 and 'id="e-cadence"' in page
    # Nothing half-written: still out of rounds.
    ctx = offline_client.app[keys.KINDRED]
    user = await _person(ctx, person)
    assert not (await round_preferences.current(ctx, user)).enabled
    page, status = await save(skip_next="on")
    assert status == 200 and "Saved. Your next round:" in page and "skipping the next one" in page
    chosen = await round_preferences.current(ctx, user)
    assert (chosen.enabled, chosen.cadence, chosen.timezone, chosen.skip_next) == (
        True,
        "fortnightly",
        "Europe/Berlin",
        True,
    )
    page, status = await save(action="off")
    assert status == 200 and "re out of rounds." in page and "You're not in rounds" in page


async def test_operators_see_each_round_and_charts_and_metrics_carry_the_same_figures(
    offline_client: TestClient,
) -> None:
    ctx = offline_client.app[keys.KINDRED]
    people, made = await _round_of(offline_client, 5)
    operator = await sign_up(offline_client, "op")
    await moderation.set_admin(ctx, moderation.COMMAND_LINE, operator.username, True)
    # Two answers for the round: one met, one did not.
    async with ctx.db.read() as conn:
        first = await matches.get(conn, made[0])
    assert first is not None
    by_id = {(await _person(ctx, p)).id: p for p in people}
    await by_id[first.members[0]].call("POST", f"/matches/{first.id}/checkin", 200, json={"met": True})
    await by_id[first.members[1]].call("POST", f"/matches/{first.id}/checkin", 200, json={"met": False})

    await page_login(offline_client, people[0])
    await assert_status(await offline_client.get("/admin/rounds"), 403)
    await page_login(offline_client, operator)
    page = await assert_status(await offline_client.get("/admin/rounds"), 200)
    assert page.count('role="img"') == 2 and '<title id="chart-people-title">People in rounds per week' in page
    assert page.count('class="bar"') == 2  # one week, in each chart
    # The round's row: 5 due, 5 introduced in 2 groups, 1 trio, nobody left out, 50 % met.
    row = page[page.index('id="round-') :]
    row = row[: row.index("</tr>")]
    cells = [c.split("<br>")[0].split("</td>")[0] for c in row.split("<td>")[1:]]
    assert cells[:5] == ["5", "5", "1", "0", "50 %"], row

    metrics = await assert_status(await offline_client.get("/metrics"), 200)
    for line in (
        'kindred_round_people{state="due"} 5.0',
        'kindred_round_people{state="paired"} 5.0',
        'kindred_round_people{state="unpaired"} 0.0',
        "kindred_round_trios 1.0",
        "kindred_round_week_people 5.0",
        "kindred_round_week_met_ratio 0.5",
        'kindred_round_checkins{answer="met"} 1.0',
        'kindred_round_checkins{answer="not_met"} 1.0',
    ):
        assert line in metrics, line

"""Suggestions: IDF weights, and the served ranking equals the reference scorer.

The population is written straight through the store (no password hashing),
then the viewer asks the API with an access token made for them.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from domain import interest_index
from domain.ranking import idf
from store import interests, users
from tests.helpers import assert_status
from web import keys
from web.auth import issue_access_token


def score(weights: dict[str, float], mine: set[str], theirs: set[str]) -> float:
    """The reference scorer the served ranking must agree with."""
    return sum(weights[name] for name in mine & theirs)


# A vocabulary with skewed popularity, so weights differ widely.
VOCABULARY = [f"topic {n:02d}" for n in range(20)]
POPULARITY = [1.0 / (n + 1) for n in range(20)]


@dataclass
class Person:
    id: int
    username: str
    interests: set[str]


class World:
    """People written straight to the store, and the API as any of them."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.people: dict[str, Person] = {}

    @property
    def db(self) -> Any:
        return self.client.server.app[keys.DB]

    async def add(self, username: str, held: set[str] | list[str], active: bool = True) -> Person:
        async with self.db.transaction() as conn:
            user_id = await users.insert_pending(conn, username, "not-a-real-hash", username.title())
            if active:
                await users.activate(conn, user_id, f"@{username}:localhost")
            await interests.replace_for_user(conn, user_id, sorted(held))
        person = Person(user_id, username, set(held))
        if active:
            self.people[username] = person
        return person

    async def execute(self, sql: str, *params: Any) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(sql, params)

    async def suggestions(self, viewer: Person, query: str = "", status: int = 200) -> Any:
        secret = self.client.server.app[keys.SECRETS].jwt_secret
        token = issue_access_token(secret, viewer.id, 15)
        response = await self.client.get("/api/v1/suggestions" + query, headers={"Authorization": f"Bearer {token}"})
        await assert_status(response, status)
        return await response.json()

    def reference(
        self,
        viewer: Person,
        exclude: set[str] = frozenset(),
        only: str | None = None,  # type: ignore[assignment]
    ) -> list[tuple[str, float, list[str]]]:
        """(username, score, shared) for everyone sharing something, best first."""
        population = len(self.people)
        holders = {name: sum(name in p.interests for p in self.people.values()) for name in viewer.interests}
        weights = {name: idf(population, n) for name, n in holders.items()}
        ranked = []
        for person in self.people.values():
            shared = viewer.interests & person.interests
            if person is viewer or not shared or person.username in exclude:
                continue
            if only is not None and only not in person.interests:
                continue
            value = score(weights, viewer.interests, person.interests)
            ranked.append((person.username, value, sorted(shared)))
        # Equal sums are ties: round away float noise from the summing order.
        ranked.sort(key=lambda r: (-round(r[1], 9), -len(r[2]), r[0]))
        return ranked


def served(body: Any) -> list[tuple[str, float, list[str]]]:
    return [(s["user"]["username"], s["score"], s["shared_interests"]) for s in body["suggestions"]]


def assert_same_ranking(
    actual: list[tuple[str, float, list[str]]], expected: list[tuple[str, float, list[str]]]
) -> None:
    assert [name for name, _, _ in actual] == [name for name, _, _ in expected]
    for (name, got, shared), (_, want, want_shared) in zip(actual, expected, strict=False):
        assert got == pytest.approx(want, abs=1e-4), name
        assert shared == want_shared, name


async def random_world(client: TestClient, seed: int, size: int) -> World:
    rng = random.Random(seed)
    world = World(client)
    for n in range(size):
        count = rng.randint(1, 6)
        held: set[str] = set()
        while len(held) < count:
            held.add(rng.choices(VOCABULARY, POPULARITY)[0])
        await world.add(f"p{n:03d}-{seed}", held)
    return world


# IDF


def test_idf_weighs_rare_interests_more() -> None:
    weights = [idf(1000, holders) for holders in (1, 2, 10, 100, 1000)]
    assert weights == sorted(weights, reverse=True)
    assert len(set(weights)) == len(weights)
    assert idf(1000, 1000) == pytest.approx(math.log(2))  # universal, yet worth a little
    assert idf(10, 2) == pytest.approx(math.log1p(5))
    # Counts that briefly disagree never divide by zero or go negative.
    assert idf(0, 0) > 0 and idf(3, 5) == pytest.approx(math.log(2))


def test_reference_scorer_sums_weights_of_shared_interests_only() -> None:
    weights = {"chess": 2.0, "go": 0.5, "knitting": 1.25}
    assert score(weights, {"chess", "go", "knitting"}, {"go", "knitting", "rowing"}) == 1.75
    assert score(weights, {"chess"}, {"go"}) == 0


async def test_sharing_a_rare_interest_ranks_above_a_common_one(offline_client: TestClient) -> None:
    world = World(offline_client)
    viewer = await world.add("viewer", {"music", "bouldering in leeds"})
    rare = await world.add("rare", {"bouldering in leeds"})
    common = await world.add("common", {"music"})
    for n in range(8):
        await world.add(f"fan{n}", {"music"})
    body = await world.suggestions(viewer)
    ranked = served(body)
    assert ranked[0][0] == rare.username
    # N = 11 active people; 2 list the rare interest, 10 list music.
    assert ranked[0][1] == pytest.approx(math.log1p(11 / 2), abs=1e-4)
    common_score = dict((name, s) for name, s, _ in ranked)[common.username]
    assert common_score == pytest.approx(math.log1p(11 / 10), abs=1e-4)
    assert ranked[0][1] > common_score


async def test_equal_scores_are_ordered_by_username(offline_client: TestClient) -> None:
    world = World(offline_client)
    viewer = await world.add("viewer", {"a", "b", "c"})
    await world.add("zed", {"a", "b"})
    await world.add("amy", {"a", "b"})
    await world.add("mo", {"c"})
    body = await world.suggestions(viewer)
    assert [name for name, _, _ in served(body)] == ["amy", "zed", "mo"]
    assert served(body)[0][2] == ["a", "b"]


# Against the reference


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
@pytest.mark.parametrize("passes", ["default", "small"])
async def test_suggestions_equal_the_reference_ranking(
    offline_client: TestClient, monkeypatch: pytest.MonkeyPatch, seed: int, passes: str
) -> None:
    if passes == "small":
        # Tiny passes make the engine prune and widen even on a small population.
        for name, value in [("_FIRST_ROWS", 3), ("_PROBE", 2), ("_DIRECT_FILTER_ROWS", 2)]:
            monkeypatch.setattr(interest_index, name, value)
    world = await random_world(offline_client, seed, 60)
    viewers = list(world.people.values())[:5]
    for viewer in viewers:
        expected = world.reference(viewer)
        assert_same_ranking(served(await world.suggestions(viewer, "?limit=100")), expected)
        assert_same_ranking(served(await world.suggestions(viewer, "?limit=5")), expected[:5])
        for only in sorted(viewer.interests)[:2]:
            body = await world.suggestions(viewer, f"?limit=100&interest={only.upper()}")
            assert_same_ranking(served(body), world.reference(viewer, only=only))


async def test_default_limit_is_20(offline_client: TestClient) -> None:
    world = World(offline_client)
    viewer = await world.add("viewer", {"chess"})
    for n in range(25):
        await world.add(f"player{n:02d}", {"chess"})
    assert len((await world.suggestions(viewer))["suggestions"]) == 20
    assert len((await world.suggestions(viewer, "?limit=25"))["suggestions"]) == 25


# Who is never suggested


async def test_never_yourself_nor_inactive_people_nor_people_sharing_nothing(offline_client: TestClient) -> None:
    world = World(offline_client)
    viewer = await world.add("viewer", {"chess", "go"})
    # Shares chess, but is not active: never suggested.
    await world.add("half-signed-up", {"chess"}, active=False)
    await world.add("stranger", {"rowing"})
    friend = await world.add("friend", {"go"})
    body = await world.suggestions(viewer)
    assert served(body) == [(friend.username, pytest.approx(math.log1p(3 / 2), abs=1e-4), ["go"])]


async def test_pending_requests_and_open_matches_are_left_out(offline_client: TestClient) -> None:
    world = World(offline_client)
    viewer = await world.add("viewer", {"chess"})
    asked = await world.add("asked", {"chess"})
    asker = await world.add("asker", {"chess"})
    matched = await world.add("matched", {"chess"})
    ended = await world.add("ended", {"chess"})
    free = await world.add("free", {"chess"})
    requests = [
        (viewer.id, asked.id, "pending"),
        (asker.id, viewer.id, "pending"),
        (viewer.id, matched.id, "accepted"),
        (viewer.id, ended.id, "rejected"),
    ]
    for sender, receiver, status in requests:
        await world.execute(
            "INSERT INTO requests (from_user_id, to_user_id, user_low, user_high, status, created_at)"
            " VALUES (?, ?, ?, ?, ?, '2024-01-01T00:00:00.000+00:00')",
            sender,
            receiver,
            min(sender, receiver),
            max(sender, receiver),
            status,
        )
    await world.execute(
        "INSERT INTO matches (request_id, user_low, user_high, status, created_at)"
        " SELECT id, user_low, user_high, 'ready', created_at FROM requests WHERE status = 'accepted'"
    )
    expected = world.reference(viewer, exclude={asked.username, asker.username, matched.username})
    assert {name for name, _, _ in expected} == {ended.username, free.username}
    assert_same_ranking(served(await world.suggestions(viewer)), expected)
    # Requests between other people do not hide anyone from the viewer.
    assert asked.username in {name for name, _, _ in served(await world.suggestions(free))}

    # Once the match closes they may be suggested again.
    await world.execute("UPDATE matches SET status = 'closed'")
    names = {name for name, _, _ in served(await world.suggestions(viewer))}
    assert matched.username in names


async def test_the_same_exclusions_through_the_request_api(offline_client: TestClient) -> None:
    from tests.helpers import sign_up

    ada = await sign_up(offline_client, "ada", interests=["chess", "go"])
    bo = await sign_up(offline_client, "bo", interests=["chess"])
    cy = await sign_up(offline_client, "cy", interests=["go"])

    async def names() -> list[str]:
        body = await ada.call("GET", "/suggestions", 200)
        return [s["user"]["username"] for s in body["suggestions"]]

    assert sorted(await names()) == sorted([bo.username, cy.username])
    sent = await ada.call("POST", "/requests", 201, json={"to": bo.username})
    assert await names() == [cy.username]
    await ada.call("POST", f"/requests/{sent['request']['id']}/withdraw", 200)
    assert bo.username in await names()
    received = await cy.call("POST", "/requests", 201, json={"to": ada.username})
    await ada.call("POST", f"/requests/{received['request']['id']}/accept", 200)
    assert await names() == [bo.username]


# The interest filter


async def test_interest_filter(offline_client: TestClient) -> None:
    world = World(offline_client)
    viewer = await world.add("viewer", {"chess", "go", "rock climbing"})
    both = await world.add("both", {"chess", "go"})
    climber = await world.add("climber", {"rock climbing", "go"})
    await world.add("chess-only", {"chess"})
    body = await world.suggestions(viewer, "?interest=Go")
    assert {name for name, _, _ in served(body)} == {both.username, climber.username}
    # Shared interests still list everything shared, not only the filter.
    assert dict((n, s) for n, _, s in served(body)) == {
        both.username: ["chess", "go"],
        climber.username: ["go", "rock climbing"],
    }
    normalised = await world.suggestions(viewer, "?interest=%20ROCK%20%20Climbing%20")
    assert [name for name, _, _ in served(normalised)] == [climber.username]
    assert (await world.suggestions(viewer, "?interest=nobody+lists+this"))["suggestions"] == []
    assert len((await world.suggestions(viewer, "?interest="))["suggestions"]) == 3


async def test_someone_without_interests_gets_no_suggestions(offline_client: TestClient) -> None:
    world = World(offline_client)
    await world.add("someone", {"chess"})
    async with world.db.transaction() as conn:
        user_id = await users.insert_pending(conn, "blank", "not-a-real-hash", "Blank")
        await users.activate(conn, user_id, "@blank:localhost")
    body = await world.suggestions(Person(user_id, "blank", set()))
    assert body == {"suggestions": []}

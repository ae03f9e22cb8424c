"""Rounds with an injected clock: who is due, what is never paired, and
that a round runs once and resumes after a crash without pairing twice."""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import UTC, datetime, timedelta
from itertools import combinations
from pathlib import Path
from typing import Any, AsyncIterator

import pytest

from domain import exports, round_preferences, rounds
from domain.context import Kindred, Links
from domain.errors import KindredError
from domain.events import EventBus
from domain.round_entrants import gather
from store import blocks, interests, round_settings, users
from store.database import Database
from tests import databases
from tests.conftest import FakeAccounts
from tests.helpers import unique
from web.serializers import account_export

# A Monday, 10:00 UTC: the default schedule's moment for people in UTC.
MONDAY = datetime(2027, 3, 1, 10, 0, tzinfo=UTC)
WEEK = timedelta(days=7)


@pytest.fixture
async def ctx(tmp_path: Path) -> AsyncIterator[Kindred]:
    db = Database(tmp_path / "kindred.db", databases.database_url_for(tmp_path))
    await db.open()
    yield Kindred(db, FakeAccounts(), EventBus(), Links("localhost", "http://hs", "http://web"))
    await db.close()


async def people(ctx: Kindred, count: int, interests_of: Any = None, **choices: Any) -> list[int]:
    """``count`` active people opted in (weekly, UTC unless ``choices`` say otherwise)."""
    made = []
    async with ctx.db.transaction() as conn:
        for n in range(count):
            user_id = await users.insert_pending(conn, unique("p"), "x", f"P{n}")
            await users.activate(conn, user_id, f"@p{user_id}:localhost", None)
            names = interests_of(n) if interests_of else ["walking", f"topic{n // 2}"]
            await interests.replace_for_user(conn, user_id, names)
            made.append(user_id)
    for user_id in made:
        person = await _user(ctx, user_id)
        await round_preferences.change(ctx, person, enabled=True, now=MONDAY - WEEK, **choices)
    return made


async def _user(ctx: Kindred, user_id: int) -> Any:
    async with ctx.db.read() as conn:
        found = await users.get(conn, user_id)
    assert found is not None
    return found


async def rows(ctx: Kindred, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    async with ctx.db.read() as conn:
        return [tuple(r) for r in await (await conn.execute(sql, params)).fetchall()]


async def groups_of(ctx: Kindred, round_id: int) -> list[tuple[int, ...]]:
    """The members of each match a round made."""
    found = await rows(
        ctx,
        "SELECT m.user_low, m.user_high, m.user_third FROM round_groups g JOIN matches m ON m.id = g.match_id"
        " WHERE g.round_id = ? ORDER BY m.id",
        round_id,
    )
    return [tuple(sorted(v for v in r if v is not None)) for r in found]


async def close_all_matches(ctx: Kindred) -> None:
    async with ctx.db.transaction() as conn:
        await conn.execute("UPDATE matches SET status = 'closed'")


async def test_seven_due_make_two_pairs_and_a_trio_as_ordinary_matches(ctx: Kindred) -> None:
    everyone = await people(ctx, 7)
    done = await rounds.run_now(ctx, MONDAY)
    assert (done.status, done.due_count, done.paired_count, done.trio_count, done.unpaired_count) == (
        "done",
        7,
        3,
        1,
        0,
    )
    made = await groups_of(ctx, done.id)
    assert sorted(len(g) for g in made) == [2, 2, 3]
    assert sorted(u for g in made for u in g) == sorted(everyone)
    # Ordinary matches: a room job each, a notice per member, and no request in anyone's lists.
    assert await rows(ctx, "SELECT COUNT(*) FROM jobs WHERE state = 'queued'") == [(3,)]
    assert await rows(ctx, "SELECT COUNT(*) FROM bot_jobs WHERE kind = 'notice_match'") == [(7,)]
    assert await rows(ctx, "SELECT COUNT(*) FROM requests WHERE via_round = 0") == [(0,)]
    # Each member's export names the other two of the trio, and their rounds
    # settings; the round's stand-in requests are not requests anyone sent.
    trio = next(g for g in made if len(g) == 3)
    for member in trio:
        data = account_export(await exports.export(ctx, await _user(ctx, member)))
        (match,) = data["matches"]
        named = {match["with"], *match["also"]}
        assert len(named) == 2 and (await _user(ctx, member)).username not in named
        assert data["requests"] == {"sent": [], "received": []}
        assert data["rounds"]["enabled"] is True and data["rounds"]["cadence"] == "weekly"


async def test_blocked_matched_and_asked_pairs_are_never_paired(ctx: Kindred) -> None:
    # Everyone shares everything: only the exclusions decide.
    a, b, c, d = await people(ctx, 4, lambda n: ["chess", "go"])
    async with ctx.db.transaction() as conn:
        await blocks.insert(conn, a, b)
        await conn.execute(
            "INSERT INTO requests (from_user_id, to_user_id, user_low, user_high, status, created_at)"
            " VALUES (?, ?, ?, ?, 'pending', 'x')",
            (c, d, min(c, d), max(c, d)),
        )
    done = await rounds.run_now(ctx, MONDAY)
    made = {frozenset(g) for g in await groups_of(ctx, done.id)}
    assert made == {frozenset((a, c)), frozenset((b, d))} or made == {frozenset((a, d)), frozenset((b, c))}
    # The next week they are matched with each other: the two open matches keep those pairs apart too.
    first = made
    again = await rounds.run_now(ctx, MONDAY + WEEK)
    assert not {frozenset(g) for g in await groups_of(ctx, again.id)} & first


async def test_paused_and_skipping_people_sit_out_then_come_back(ctx: Kindred) -> None:
    await people(ctx, 2)
    paused, skipping = await people(ctx, 2)
    await round_preferences.change(
        ctx, await _user(ctx, paused), paused_until=(MONDAY + WEEK).date().isoformat(), now=MONDAY
    )
    await round_preferences.change(ctx, await _user(ctx, skipping), skip_next=True, now=MONDAY)
    first = await rounds.run_now(ctx, MONDAY)
    assert first.due_count == 2
    assert not {u for g in await groups_of(ctx, first.id) for u in g} & {paused, skipping}
    async with ctx.db.read() as conn:
        spent = await round_settings.get(conn, skipping)
    assert spent is not None and not spent.skip_next
    await close_all_matches(ctx)
    second = await rounds.run_now(ctx, MONDAY + WEEK)
    assert {paused, skipping} <= {u for g in await groups_of(ctx, second.id) for u in g}


async def test_fortnightly_people_are_due_every_other_week(ctx: Kindred) -> None:
    await people(ctx, 2, cadence_="fortnightly")
    assert (await rounds.run_now(ctx, MONDAY)).due_count == 2
    await close_all_matches(ctx)
    assert (await rounds.run_now(ctx, MONDAY + WEEK)).due_count == 0
    assert (await rounds.run_now(ctx, MONDAY + 2 * WEEK)).due_count == 2


async def test_a_round_due_during_downtime_runs_once_after_start(ctx: Kindred) -> None:
    await people(ctx, 2)
    await people(ctx, 2, timezone_="Asia/Tokyo")
    # Kindred was down over Monday morning everywhere; it comes back in the afternoon.
    back = MONDAY + timedelta(hours=5)
    ran = await rounds.run_due(ctx, back)
    # Two slots: Tokyo's Monday 10:00 (01:00 UTC) and UTC's, each run once.
    assert sorted(r.slot for r in ran) == ["2027-03-01T01:00Z", "2027-03-01T10:00Z"]
    assert [r.due_count for r in ran] == [2, 2]
    assert await rounds.run_due(ctx, back) == []
    assert await rounds.run_due(ctx, back + timedelta(hours=30)) == []
    assert await rows(ctx, "SELECT COUNT(*) FROM rounds") == [(2,)]
    assert await rows(ctx, "SELECT COUNT(*) FROM matches") == [(2,)]


async def test_nothing_runs_before_its_moment(ctx: Kindred) -> None:
    await people(ctx, 2)
    assert await rounds.run_due(ctx, MONDAY - timedelta(minutes=1)) == []
    assert [r.due_count for r in await rounds.run_due(ctx, MONDAY)] == [2]


async def test_a_crash_mid_round_resumes_without_pairing_anyone_twice(
    ctx: Kindred, monkeypatch: pytest.MonkeyPatch
) -> None:
    everyone = await people(ctx, 6)
    real = rounds._make_match_txn
    calls = 0

    async def dies_on_the_second(conn: Any, group: Any) -> int | None:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise RuntimeError("power cut")
        return await real(conn, group)

    monkeypatch.setattr(rounds, "_make_match_txn", dies_on_the_second)
    with pytest.raises(RuntimeError):
        await rounds.run_due(ctx, MONDAY)
    assert await rows(ctx, "SELECT status FROM rounds") == [("planned",)]
    assert await rows(ctx, "SELECT COUNT(*) FROM matches") == [(1,)]
    monkeypatch.setattr(rounds, "_make_match_txn", real)
    # A running schedule leaves a young unfinished round alone: it may be a run by hand still going.
    assert await rounds.run_due(ctx, MONDAY + timedelta(minutes=1), stale_after=rounds.STALE) == []
    assert await rows(ctx, "SELECT status FROM rounds") == [("planned",)]
    # The next start takes up what the crash left, however young.
    [resumed] = await rounds.run_due(ctx, MONDAY + timedelta(minutes=1))
    assert resumed.status == "done"
    made = await groups_of(ctx, resumed.id)
    assert sorted(u for g in made for u in g) == sorted(everyone)
    assert await rows(ctx, "SELECT COUNT(*) FROM matches") == [(3,)]
    assert await rounds.run_due(ctx, MONDAY + timedelta(minutes=2)) == []


async def test_no_pair_repeats_within_the_window_over_ten_rounds(ctx: Kindred) -> None:
    # Twenty people who all share the same things: the window alone keeps pairs fresh.
    await people(ctx, 20, lambda n: ["walking", "tea"])
    met: dict[frozenset[int], list[int]] = {}
    for week in range(10):
        done = await rounds.run_now(ctx, MONDAY + week * WEEK)
        assert done.unpaired_count == 0
        for group in await groups_of(ctx, done.id):
            for pair in combinations(group, 2):
                met.setdefault(frozenset(pair), []).append(week)
        await close_all_matches(ctx)
    gaps = [b - a for weeks in met.values() for a, b in itertools.pairwise(weeks)]
    assert all(gap > 6 for gap in gaps), Counter(gaps)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"cadence_": "daily"}, "cadence"),
        ({"timezone_": "Mars/Olympus"}, "timezone"),
        ({"timezone_": "../../etc/passwd"}, "timezone"),
        ({"paused_until": "2027-02-28"}, "paused_until"),
        ({"paused_until": "2028-04-01"}, "paused_until"),
        ({"paused_until": "next week"}, "paused_until"),
    ],
)
async def test_bad_settings_name_the_field_and_write_nothing(ctx: Kindred, change: dict[str, Any], field: str) -> None:
    [person] = await people(ctx, 1)
    before = await round_preferences.current(ctx, await _user(ctx, person), MONDAY)
    with pytest.raises(KindredError) as raised:
        await round_preferences.change(ctx, await _user(ctx, person), now=MONDAY, **change)
    assert (raised.value.field, raised.value.kind.value) == (field, "invalid")
    assert await round_preferences.current(ctx, await _user(ctx, person), MONDAY) == before


async def test_a_plan_is_made_again_when_someone_changes_under_it(
    ctx: Kindred, monkeypatch: pytest.MonkeyPatch
) -> None:
    stays_a, stays_b, leaves = await people(ctx, 3)
    real = rounds.plan_round
    planned = 0

    def counting(*args: Any, **kwargs: Any) -> Any:
        nonlocal planned
        planned += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(rounds, "plan_round", counting)
    original_unchanged = rounds.unchanged

    async def unchanged_after_leaving(conn: Any, field: Any) -> bool:
        if planned == 1:
            # As if they opted out between the read and the write (same connection: no second writer).
            await conn.execute("UPDATE round_settings SET enabled = 0 WHERE user_id = ?", (leaves,))
        return await original_unchanged(conn, field)

    monkeypatch.setattr(rounds, "unchanged", unchanged_after_leaving)
    done = await rounds.run_now(ctx, MONDAY)
    assert planned == 2
    assert (done.due_count, await groups_of(ctx, done.id)) == (2, [tuple(sorted((stays_a, stays_b)))])


async def test_someone_left_out_is_told_why_and_goes_first_next_time(ctx: Kindred) -> None:
    [alone] = await people(ctx, 1)
    done = await rounds.run_now(ctx, MONDAY)
    assert (done.due_count, done.paired_count, done.unpaired_count) == (1, 0, 1)
    [(payload,)] = await rows(ctx, "SELECT payload FROM bot_jobs WHERE kind = 'round_unpaired' AND user_id = ?", alone)
    assert "nobody_else_due" in payload
    async with ctx.db.read() as conn:
        settings = await round_settings.get(conn, alone)
    # Not counted as a turn (due again next week) and lifted to the front of its order.
    assert settings is not None and (settings.last_round_week, settings.priority) == (None, 1)
    await people(ctx, 2)
    again = await rounds.run_now(ctx, MONDAY + WEEK)
    assert alone in {u for g in await groups_of(ctx, again.id) for u in g}
    async with ctx.db.read() as conn:
        settings = await round_settings.get(conn, alone)
    assert settings is not None and settings.priority == 0


async def test_only_repeated_no_shows_move_someone_back_in_the_order(ctx: Kindred) -> None:
    once, twice, never = await people(ctx, 3)
    async with ctx.db.transaction() as conn:
        await round_settings.add_no_show(conn, once)
        for _ in range(2):
            await round_settings.add_no_show(conn, twice)
    async with ctx.db.read() as conn:
        field = await gather(conn, MONDAY, ctx.round_schedule, ctx.round_repeat_window, None)
    order = {entrant.user_id: entrant.order for entrant in field.entrants}
    assert order == {once: 0, twice: 2, never: 0}

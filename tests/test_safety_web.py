"""Blocking, unblocking and reporting from the web, and the operators' report queue."""

from __future__ import annotations

from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient

from domain import moderation
from store import blocks, migrations
from store.database import Database
from tests.databases import database_url_for
from tests.helpers import Api, assert_status, csrf_token, page_login, sign_up
from tests.images import png
from web import keys


async def test_own_blocks_are_listed_and_only_the_blocker_lifts_them(offline_client: TestClient) -> None:
    ada = await sign_up(offline_client, "ada", interests=["knots"])
    bo = await sign_up(offline_client, "bo", interests=["knots"])
    await ada.call("POST", f"/users/{bo.username}/block", 200)
    listed = (await ada.call("GET", "/me/blocks", 200))["blocks"]
    assert [b["username"] for b in listed] == [bo.username]
    # The blocked person sees no trace of it, and cannot lift it.
    assert (await bo.call("GET", "/me/blocks", 200))["blocks"] == []
    refused = await bo.call("DELETE", f"/users/{ada.username}/block", 404)
    assert refused["error"]["code"] == "block_not_found"
    await bo.call("POST", "/requests", 403, json={"to": ada.username})

    assert (await ada.call("DELETE", f"/users/{bo.username}/block", 200)) == {"unblocked": bo.username}
    assert (await ada.call("GET", "/me/blocks", 200))["blocks"] == []
    names = [s["user"]["username"] for s in (await ada.call("GET", "/suggestions", 200))["suggestions"]]
    assert bo.username in names
    await bo.call("POST", "/requests", 201, json={"to": ada.username})


async def test_blocking_or_reporting_yourself_has_its_own_code(offline_client: TestClient) -> None:
    ada = await sign_up(offline_client, "ada", interests=["knots"])
    blocked = await ada.call("POST", f"/users/{ada.username}/block", 400)
    assert blocked["error"]["code"] == "cannot_block_self"
    reported = await ada.call("POST", f"/users/{ada.username}/report", 400, json={"reason": "testing"})
    assert reported["error"]["code"] == "cannot_report_self"


async def test_block_and_unblock_through_the_pages(offline_client: TestClient) -> None:
    ada = await sign_up(offline_client, "ada")
    bo = await sign_up(offline_client, "bo")
    await page_login(offline_client, ada)
    profile = await offline_client.get(f"/u/{bo.username}")
    assert f"/u/{bo.username}/block" in await profile.text()
    blocked = await offline_client.post(f"/u/{bo.username}/block", data={"csrf_token": csrf_token(offline_client)})
    text = await blocked.text()
    assert blocked.url.path == "/blocks" and "You blocked" in text and f"@{bo.username}" in text
    gone = await offline_client.get(f"/u/{bo.username}")
    await assert_status(gone, 404)
    lifted = await offline_client.post(
        f"/blocks/{bo.username}/unblock", data={"csrf_token": csrf_token(offline_client)}
    )
    assert "You unblocked" in await lifted.text() and "not blocked anyone" in await lifted.text()


async def test_reports_reach_the_queue_and_are_resolved_once(offline_client: TestClient) -> None:
    ctx = offline_client.app[keys.KINDRED]
    operator = await sign_up(offline_client, "op")
    await moderation.set_admin(ctx, moderation.COMMAND_LINE, operator.username, True)
    reporter = await sign_up(offline_client, "reporter")
    troll = await sign_up(offline_client, "troll")

    created = await reporter.call("POST", f"/users/{troll.username}/report", 201, json={"reason": "<b>spam</b>"})
    assert created["report"]["match_id"] is None
    bad = await reporter.call("POST", f"/users/{troll.username}/report", 400, json={"reason": "  "})
    assert bad["error"]["code"] == "report_reason_invalid"
    await reporter.call("POST", f"/users/{reporter.username}/report", 400, json={"reason": "me"})

    # Through the profile page too.
    await page_login(offline_client, reporter)
    thanked = await offline_client.post(
        f"/u/{troll.username}/report", data={"reason": "again", "csrf_token": csrf_token(offline_client)}
    )
    assert "operators will look" in await thanked.text()

    await page_login(offline_client, reporter)
    await assert_status(await offline_client.get("/admin/reports"), 403)

    await page_login(offline_client, operator)
    queue = await offline_client.get("/admin/reports")
    text = await queue.text()
    await assert_status(queue, 200)
    assert text.count(f"reported by {reporter.username}") == 2
    assert "&lt;b&gt;spam&lt;/b&gt;" in text and "<b>spam</b>" not in text
    report_id = created["report"]["id"]
    resolved = await offline_client.post(
        f"/admin/reports/{report_id}/resolve", data={"csrf_token": csrf_token(offline_client)}
    )
    text = await resolved.text()
    assert f"Report {report_id} resolved" in text and text.count(f"reported by {reporter.username}") == 1
    again = await offline_client.post(
        f"/admin/reports/{report_id}/resolve", data={"csrf_token": csrf_token(offline_client)}
    )
    await assert_status(again, 404)
    everything = await offline_client.get("/admin/reports?show=all")
    assert f"Resolved by {operator.username}" in await everything.text()
    log = await (await offline_client.get("/admin/log")).text()
    assert "resolve_report" in log and f"report {report_id}" in log


async def test_both_of_a_pair_may_block_and_each_lifts_only_their_own(offline_client: TestClient) -> None:
    ada = await sign_up(offline_client, "ada", interests=["knots"])
    bo = await sign_up(offline_client, "bo", interests=["knots"])
    await _put_picture(ada)
    await ada.call("POST", f"/users/{bo.username}/block", 200)
    await bo.call("POST", f"/users/{ada.username}/block", 200)
    assert [b["username"] for b in (await ada.call("GET", "/me/blocks", 200))["blocks"]] == [bo.username]
    assert [b["username"] for b in (await bo.call("GET", "/me/blocks", 200))["blocks"]] == [ada.username]

    # Ada lifts hers; Bo's block still keeps them apart everywhere.
    await ada.call("DELETE", f"/users/{bo.username}/block", 200)
    assert (await ada.call("GET", "/me/blocks", 200))["blocks"] == []
    assert [b["username"] for b in (await bo.call("GET", "/me/blocks", 200))["blocks"]] == [ada.username]
    await _assert_apart(offline_client, ada, bo)
    await ada.call("DELETE", f"/users/{bo.username}/block", 404)

    # Once Bo lifts his too, they may find each other again.
    await bo.call("DELETE", f"/users/{ada.username}/block", 200)
    names = [s["user"]["username"] for s in (await bo.call("GET", "/suggestions", 200))["suggestions"]]
    assert ada.username in names
    await bo.call("GET", f"/users/{ada.username}", 200)
    await bo.call("POST", "/requests", 201, json={"to": ada.username})


async def _put_picture(person: Api) -> None:
    response = await person.client.put(
        "/api/v1/me/avatar", data=png(), headers={**person.headers, "Content-Type": "image/png"}
    )
    await assert_status(response, 200)


async def _assert_apart(client: TestClient, a: Api, b: Api) -> None:
    for viewer, other in ((a, b), (b, a)):
        suggested = (await viewer.call("GET", "/suggestions", 200))["suggestions"]
        assert other.username not in [s["user"]["username"] for s in suggested]
        assert (await viewer.call("GET", f"/users?q={other.username}", 200))["users"] == []
        await viewer.call("GET", f"/users/{other.username}", 404)
        refused = await viewer.call("POST", "/requests", 403, json={"to": other.username})
        assert refused["error"]["code"] == "user_blocked"
    await page_login(client, b)
    await assert_status(await client.get(f"/avatars/{a.username}"), 404)


async def test_a_second_block_survives_the_upgrade_that_keeps_blocks_per_direction(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """v9 keeps the blocks made before it, and then takes the other direction too."""
    before = [step for step in migrations.MIGRATIONS if step[0] < 9]
    monkeypatch.setattr(migrations, "MIGRATIONS", before)
    monkeypatch.setattr(migrations, "LATEST", before[-1][0])
    ids = await _people_with_an_old_block(tmp_path)
    monkeypatch.undo()

    db = Database(tmp_path / "kindred.db", database_url_for(tmp_path))
    await db.open()
    try:
        async with db.transaction() as conn:
            assert await blocks.insert(conn, ids[1], ids[0])
        async with db.read() as conn:
            assert await blocks.by_blocker(conn, ids[0]) != []
            assert await blocks.by_blocker(conn, ids[1]) != []
        async with db.transaction() as conn:
            assert await blocks.delete_own(conn, ids[0], ids[1])
        async with db.read() as conn:
            assert await blocks.between(conn, ids[0], ids[1]) is not None
            assert await blocks.between(conn, ids[1], ids[0]) is not None
    finally:
        await db.close()


async def _people_with_an_old_block(data_dir: Path) -> tuple[int, int]:
    db = Database(data_dir / "kindred.db", database_url_for(data_dir))
    await db.open()
    try:
        async with db.transaction() as conn:
            # The users table as it was before v9: written in that shape, not
            # through today's store module, which knows later columns.
            ids = []
            for name in ("old-a", "old-b"):
                cursor = await conn.execute(
                    "INSERT INTO users (username, password_hash, display_name, status, created_at)"
                    " VALUES (?, 'x', ?, 'active', '2026-01-01T00:00:00+00:00') RETURNING id",
                    (name, name.upper()),
                )
                ids.append(int((await cursor.fetchone())[0]))
            a, b = ids
            assert await blocks.insert(conn, a, b)
    finally:
        await db.close()
    return a, b

"""Blocking, unblocking and reporting from the web, and the operators' report queue."""

from __future__ import annotations

from aiohttp.test_utils import TestClient

from domain import moderation
from tests.helpers import csrf_token, page_login, sign_up
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
    assert gone.status == 404
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
    assert (await offline_client.get("/admin/reports")).status == 403

    await page_login(offline_client, operator)
    queue = await offline_client.get("/admin/reports")
    text = await queue.text()
    assert queue.status == 200 and text.count(f"reported by {reporter.username}") == 2
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
    assert again.status == 404
    everything = await offline_client.get("/admin/reports?show=all")
    assert f"Resolved by {operator.username}" in await everything.text()
    log = await (await offline_client.get("/admin/log")).text()
    assert "resolve_report" in log and f"report {report_id}" in log

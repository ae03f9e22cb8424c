"""GET /metrics: Prometheus text, counts fed by the middleware and domain
events, the queue depth read at scrape time, local clients only."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Awaitable, Callable

from aiohttp import web
from aiohttp.test_utils import TestClient
from prometheus_client.parser import text_string_to_metric_families

from config.secrets import load_or_create_secrets
from domain import events
from tests.conftest import AppFactory, FakeAccounts, make_settings
from tests.helpers import assert_status, eventually, sign_up
from web import keys
from web.app import create_app


async def scrape(client: TestClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = await client.get("/metrics")
    text = await assert_status(response, 200)
    assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: dict[Any, float], name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


async def test_requests_are_counted_by_route_name_and_status(offline_client: TestClient) -> None:
    for _ in range(3):
        await offline_client.get("/api/v1/me")
    await offline_client.get("/api/v1/openapi.json")
    await offline_client.get("/api/v1/users/someone-who-is-not-there")
    await offline_client.get("/no/such/path")
    samples = await scrape(offline_client)
    total = "kindred_http_requests_total"
    assert value(samples, total, route="api_me", method="GET", status="401") == 3
    assert value(samples, total, route="api_openapi", method="GET", status="200") == 1
    assert value(samples, total, route="api_user", method="GET", status="401") == 1
    # Unmatched paths share one label: a scanner cannot create series at will.
    assert value(samples, total, route="unmatched", method="GET", status="404") == 1
    assert value(samples, "kindred_http_request_duration_seconds_count", route="api_me") == 3


async def test_signups_requests_accepts_and_queue_depth(offline_client: TestClient) -> None:
    ada = await sign_up(offline_client, "ada", interests=["chess"])
    bo = await sign_up(offline_client, "bo", interests=["chess"])
    cy = await sign_up(offline_client, "cy", interests=["chess"])
    sent = await ada.call("POST", "/requests", 201, json={"to": bo.username})
    await cy.call("POST", "/requests", 201, json={"to": bo.username})
    await bo.call("POST", f"/requests/{sent['request']['id']}/accept", 200)
    samples = await scrape(offline_client)
    assert value(samples, "kindred_signups_total") == 3
    assert value(samples, "kindred_requests_sent_total") == 2
    assert value(samples, "kindred_requests_accepted_total") == 1
    # No bot in this app: the accepted match's room job stays queued.
    assert value(samples, "kindred_provisioning_queue_depth") == 1
    # Nor its notices: two requests told, and each of the match's two people.
    assert value(samples, "kindred_bot_jobs_queue_depth") == 4


async def test_bot_command_hooks(offline_client: TestClient) -> None:
    app = offline_client.app
    app[keys.KINDRED].events.publish(events.Event(events.BOT_COMMAND, (1,), {"command": "help"}))
    app[keys.KINDRED].events.publish(events.Event(events.BOT_COMMAND, (1,), {"command": "help"}))
    app[keys.METRICS].bot_commands.labels(command="accept").inc()
    samples = await scrape(offline_client)
    assert value(samples, "kindred_bot_commands_total", command="help") == 2
    assert value(samples, "kindred_bot_commands_total", command="accept") == 1


async def test_each_app_has_its_own_registry(tmp_path: Path, aiohttp_client: Any) -> None:
    clients = []
    for name in ("one", "two"):
        (tmp_path / name).mkdir()
        settings = make_settings(tmp_path / name, "http://127.0.0.1:9", run_bot=False)
        app = create_app(settings, load_or_create_secrets(tmp_path / name), FakeAccounts())
        clients.append(await aiohttp_client(app))
    await sign_up(clients[0], "only-here")
    assert value(await scrape(clients[0]), "kindred_signups_total") == 1
    assert value(await scrape(clients[1]), "kindred_signups_total") == 0


def _seen_from(address: str) -> Callable[..., Awaitable[web.StreamResponse]]:
    @web.middleware
    async def middleware(request: web.Request, handler: Any) -> web.StreamResponse:
        return await handler(request.clone(remote=address))

    return middleware


async def _client_from(address: str, tmp_path: Path, aiohttp_client: Any, **changes: Any) -> TestClient:
    settings = make_settings(tmp_path, "http://127.0.0.1:9", run_bot=False, **changes)
    app = create_app(settings, load_or_create_secrets(tmp_path), FakeAccounts())
    app.middlewares.insert(0, _seen_from(address))
    return await aiohttp_client(app)


async def test_metrics_refused_to_remote_clients(tmp_path: Path, aiohttp_client: Any) -> None:
    client = await _client_from("203.0.113.7", tmp_path, aiohttp_client)
    response = await client.get("/metrics")
    await assert_status(response, 403)
    assert "kindred_" not in await response.text()


async def test_metrics_public_setting_opens_it(tmp_path: Path, aiohttp_client: Any) -> None:
    client = await _client_from("203.0.113.7", tmp_path, aiohttp_client, metrics_public=True)
    await assert_status(await client.get("/metrics"), 200)


async def test_ipv6_loopback_is_local(tmp_path: Path, aiohttp_client: Any) -> None:
    client = await _client_from("::1", tmp_path, aiohttp_client)
    await assert_status(await client.get("/metrics"), 200)


async def test_provisioning_latency_from_accept_to_ready(kindred: AppFactory) -> None:
    client = await kindred()
    ada = await sign_up(client, "lat-ada", interests=["go"])
    bo = await sign_up(client, "lat-bo", interests=["go"])
    sent = await ada.call("POST", "/requests", 201, json={"to": bo.username})
    accepted = await bo.call("POST", f"/requests/{sent['request']['id']}/accept", 200)
    match_id = accepted["match"]["id"]

    async def ready() -> bool:
        match = await bo.call("GET", f"/matches/{match_id}", 200)
        return match["match"]["status"] == "ready"

    await eventually(ready)
    samples = await eventually(
        lambda: _when(scrape(client), lambda s: value(s, "kindred_provisioning_seconds_count") == 1)
    )
    assert value(samples, "kindred_provisioning_seconds_sum") > 0
    assert value(samples, "kindred_provisioning_queue_depth") == 0


async def _when(samples: Awaitable[dict[Any, float]], condition: Callable[[dict[Any, float]], bool]) -> Any:
    found = await samples
    return found if condition(found) else None

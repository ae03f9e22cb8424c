"""The OpenAPI document: it covers exactly the router's /api/v1 routes, it is
served publicly with a docs page, and the live API keeps to it.

The conformance test is schemathesis: for every operation it generates
requests from the document (valid ones and deliberately broken ones) and
sends them, with a real token, to the app with a stand-in homeserver. Every
answer must be a documented status, JSON, match the documented schema (for
an error: the error shape with one of the listed codes), and never be a 5xx.
The app runs on its own event loop in a thread because schemathesis calls it
synchronously.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import pytest
import requests
import schemathesis
from aiohttp import web
from aiohttp.test_utils import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from config.secrets import load_or_create_secrets
from tests.conftest import FakeAccounts, FakeDirectMessages, make_settings
from tests.helpers import assert_status, free_port
from web import openapi
from web.app import create_app

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def _router_operations(app: web.Application) -> dict[tuple[str, str], str | None]:
    found: dict[tuple[str, str], str | None] = {}
    for route in app.router.routes():
        path = route.resource.canonical if route.resource is not None else ""
        if path.startswith("/api/v1/") and route.method != "HEAD":
            found[(route.method.lower(), path)] = route.name
    return found


def test_document_and_router_agree(tmp_path: Path) -> None:
    app = create_app(make_settings(tmp_path, "http://127.0.0.1:9", run_bot=False), load_or_create_secrets(tmp_path))
    routed = _router_operations(app)
    documented = {
        (method, path): spec["operationId"]
        for path, methods in openapi.document()["paths"].items()
        for method, spec in methods.items()
    }
    assert set(routed) - set(documented) == set(), "routes missing from web/openapi.py"
    assert set(documented) - set(routed) == set(), "documented operations with no route"
    assert routed == documented, "operationId must be the route's name"


def test_every_error_code_is_in_the_catalogue() -> None:
    from domain.errors import CATALOGUE

    for op in openapi.OPERATIONS:
        assert set(op.errors) <= set(CATALOGUE), op.route


async def test_document_and_docs_page_are_public(offline_client: TestClient) -> None:
    doc = await assert_status(await offline_client.get("/api/v1/openapi.json"), 200)
    assert doc == openapi.document()
    assert doc["openapi"].startswith("3.")
    assert doc["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    signup = doc["paths"]["/api/v1/auth/signup"]["post"]
    assert signup["security"] == [] and "requestBody" in signup
    assert "field" in doc["components"]["schemas"]["Error"]["properties"]["error"]["properties"]
    me = doc["paths"]["/api/v1/me"]["get"]
    assert "security" not in me  # the document-wide bearer requirement applies
    assert me["responses"]["401"]["content"]["application/json"]["schema"]["properties"]["error"]

    page = await offline_client.get("/api/docs")
    html = await assert_status(page, 200)
    assert page.content_type == "text/html"
    for path in doc["paths"]:
        assert path in html
    assert "<script" not in html  # the CSP forbids inline script; the page needs none
    assert "username_taken" in html and "/api/v1/openapi.json" in html


@dataclass
class LiveApi:
    url: str
    headers: dict[str, str]


def _serve(app: web.Application, port: int, ready: threading.Event, stop: list[Any]) -> None:
    loop = asyncio.new_event_loop()
    runner = web.AppRunner(app)
    loop.run_until_complete(runner.setup())
    loop.run_until_complete(web.TCPSite(runner, "127.0.0.1", port).start())
    stop.append(loop)
    ready.set()
    loop.run_forever()
    loop.run_until_complete(runner.cleanup())
    loop.close()


def _populate(url: str) -> dict[str, str]:
    """An owner with a match, an incoming and an outgoing request, so lists are not empty."""
    tokens = {}
    for name in ("owner", "friend", "asker", "asked"):
        body = {"username": f"oa-{name}", "password": "kindred-pass-31", "display_name": name.title()}
        answer = requests.post(f"{url}/api/v1/auth/signup", json=body, timeout=10)
        assert answer.status_code == 201, answer.text
        tokens[name] = answer.json()["access_token"]
        requests.put(
            f"{url}/api/v1/me/profile",
            json={"interests": ["chess", "tango", name]},
            headers={"Authorization": f"Bearer {tokens[name]}"},
            timeout=10,
        ).raise_for_status()

    def send(who: str, to: str) -> None:
        answer = requests.post(
            f"{url}/api/v1/requests",
            json={"to": f"oa-{to}", "note": "hi"},
            headers={"Authorization": f"Bearer {tokens[who]}"},
            timeout=10,
        )
        assert answer.status_code in (200, 201), answer.text

    send("owner", "friend")
    send("friend", "owner")  # asking back is accepting: a match
    send("asker", "owner")
    send("owner", "asked")
    return {"Authorization": f"Bearer {tokens['owner']}"}


@pytest.fixture(scope="module")
def live_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApi]:
    tmp = tmp_path_factory.mktemp("openapi")
    app = create_app(
        make_settings(tmp, "http://127.0.0.1:9", run_bot=False),
        load_or_create_secrets(tmp),
        FakeAccounts(),
        FakeDirectMessages(),
    )
    port, ready, holder = free_port(), threading.Event(), []
    thread = threading.Thread(target=_serve, args=(app, port, ready, holder), daemon=True)
    thread.start()
    assert ready.wait(30)
    url = f"http://127.0.0.1:{port}"
    try:
        yield LiveApi(url, _populate(url))
    finally:
        loop = holder[0]
        loop.call_soon_threadsafe(loop.stop)
        thread.join(30)


# Built from the module, not fetched: schemathesis makes one test per
# operation when the file is collected. The served copy is compared above.
schema = schemathesis.openapi.from_dict(openapi.document())


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_keeps_to_the_document(case: Any, live_api: LiveApi) -> None:
    case.call_and_validate(base_url=live_api.url, headers=live_api.headers, checks=CHECKS, timeout=10)

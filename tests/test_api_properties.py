"""Property-based tests: whatever JSON (or non-JSON) arrives, the API answers
a 2xx or a 4xx with the error shape: never a 5xx, never a trace.

Hypothesis drives a synchronous test, so the app runs on a private event loop
created here (the stand-in homeserver keeps it fast).
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any, Iterator

import pytest
from aiohttp.test_utils import TestClient, TestServer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from config.secrets import load_or_create_secrets
from tests.conftest import FakeAccounts, make_settings
from tests.helpers import assert_status
from web.app import create_app

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=80),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=12), children, max_size=5),
    max_leaves=20,
)
FIELDS = ["username", "password", "display_name", "bio", "interests", "to", "note", "refresh_token", "met"]
bodies = st.one_of(
    json_values,
    st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=6),
    st.fixed_dictionaries(
        {"interests": st.lists(st.text(max_size=60), max_size=40)},
        optional={"display_name": st.text(max_size=80), "bio": st.text(max_size=600)},
    ),
)
ENDPOINTS = [
    ("POST", "/api/v1/auth/signup"),
    ("POST", "/api/v1/auth/login"),
    ("POST", "/api/v1/auth/refresh"),
    ("POST", "/api/v1/auth/logout"),
    ("PUT", "/api/v1/me/profile"),
    ("POST", "/api/v1/requests"),
    ("POST", "/api/v1/requests/1/accept"),
    ("POST", "/api/v1/requests/1/withdraw"),
    ("POST", "/api/v1/matches/1/checkin"),
]


class Harness:
    def __init__(self, tmp: Path) -> None:
        self.loop = asyncio.new_event_loop()
        settings_ = make_settings(tmp, "http://127.0.0.1:9", run_bot=False)
        app = create_app(settings_, load_or_create_secrets(tmp), FakeAccounts())
        self.client = TestClient(TestServer(app), loop=self.loop)
        self.run(self.client.start_server())
        body = self.run(self._signup("prop-owner"))
        self.token = body["access_token"]
        self.run(self._signup("prop-other"))

    def run(self, coro: Any) -> Any:
        return self.loop.run_until_complete(coro)

    async def _signup(self, name: str) -> Any:
        response = await self.client.post(
            "/api/v1/auth/signup", json={"username": name, "password": "kindred-pass-31", "display_name": name}
        )
        await assert_status(response, 201)
        return await response.json()

    async def send(self, method: str, path: str, data: bytes, query: str = "") -> tuple[int, Any]:
        response = await self.client.request(
            method,
            path + query,
            data=data,
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"},
        )
        text = await response.text()
        return response.status, text

    def close(self) -> None:
        self.run(self.client.close())
        self.loop.close()


@pytest.fixture(scope="module")
def harness(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harness]:
    h = Harness(tmp_path_factory.mktemp("properties"))
    yield h
    h.close()


def _check(status: int, text: str) -> None:
    assert status < 500, text
    if status >= 400:
        body = json.loads(text)
        assert set(body) == {"error"}, text
        assert isinstance(body["error"]["code"], str) and isinstance(body["error"]["message"], str)
        assert set(body["error"]) <= {"code", "message", "field"}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(endpoint=st.sampled_from(ENDPOINTS), body=bodies)
def test_any_json_body_gets_a_clean_answer(harness: Harness, endpoint: tuple[str, str], body: Any) -> None:
    method, path = endpoint
    _check(*harness.run(harness.send(method, path, json.dumps(body).encode())))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(endpoint=st.sampled_from(ENDPOINTS), raw=st.binary(max_size=200))
def test_any_bytes_get_a_clean_answer(harness: Harness, endpoint: tuple[str, str], raw: bytes) -> None:
    method, path = endpoint
    _check(*harness.run(harness.send(method, path, raw)))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    path=st.sampled_from(["/api/v1/suggestions", "/api/v1/users", "/api/v1/requests"]),
    params=st.dictionaries(
        st.sampled_from(["interest", "limit", "q", "box", "status"]), st.text(max_size=70), max_size=3
    ),
)
def test_any_query_gets_a_clean_answer(harness: Harness, path: str, params: dict[str, str]) -> None:
    from urllib.parse import urlencode

    query = "?" + urlencode(params) if params else ""
    _check(*harness.run(harness.send("GET", path, b"", query)))

"""Edges an outside review found: deeply nested JSON, the live socket's Origin,
a refused request's page, and matches older than a page of them."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient

from config.secrets import load_or_create_secrets
from store import matches, requests, users
from tests.conftest import FakeAccounts, make_settings
from tests.helpers import Api, assert_status, csrf_token, page_login, sign_up
from web import keys
from web.app import create_app
from web.bodies import MAX_JSON_DEPTH

# Nested JSON


def _nested(depth: int) -> bytes:
    return b'{"username": ' + b"[" * depth + b"]" * depth + b"}"


@pytest.mark.parametrize(
    "raw",
    [b"[" * 30000, b"{" * 30000, _nested(5000), _nested(MAX_JSON_DEPTH + 1)],
    ids=["open-brackets", "open-braces", "deep-valid", "just-too-deep"],
)
@pytest.mark.parametrize("path", ["/api/v1/auth/signup", "/api/v1/auth/login", "/api/v1/auth/refresh"])
async def test_deeply_nested_json_is_a_400_before_authentication(
    offline_client: TestClient, path: str, raw: bytes
) -> None:
    response = await offline_client.post(path, data=raw, headers={"Content-Type": "application/json"})
    body = await assert_status(response, 400)
    assert body["error"]["code"] == "invalid_json"


async def test_deeply_nested_json_is_a_400_for_people_too(offline_client: TestClient) -> None:
    ada = await sign_up(offline_client, "ada")
    for method, path in [("PUT", "/api/v1/me/profile"), ("POST", "/api/v1/requests")]:
        response = await offline_client.request(method, path, data=b"[" * 30000, headers=ada.headers)
        assert (await assert_status(response, 400))["error"]["code"] == "invalid_json"
    # Ordinary nesting still reads.
    shallow = {"interests": ["knots"], "bio": "x"}
    await ada.call("PUT", "/me/profile", 200, json=shallow)

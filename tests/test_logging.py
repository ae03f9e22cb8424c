"""Structured logs and request ids: every line one JSON object when asked,
and every line written while a request is handled carries that request's id."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Iterator

import pytest
from aiohttp.test_utils import TestClient

from config import logs
from tests.databases import database_env
from tests.helpers import assert_status, unique
from web.request_id import HEADER, choose_id


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    """Root-logger lines in JSON, as `KINDRED_LOG_FORMAT=json` writes them."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.JsonFormatter())
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)


def _lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def test_json_line_has_the_fields_and_the_traceback() -> None:
    logger = logging.getLogger("kindred.test")
    try:
        raise ValueError("boom")
    except ValueError:
        record = logger.makeRecord("kindred.test", logging.ERROR, __file__, 1, "failed %s", ("x",), sys.exc_info())
    entry = json.loads(logs.JsonFormatter().format(record))
    assert entry["level"] == "ERROR"
    assert entry["logger"] == "kindred.test"
    assert entry["message"] == "failed x"
    assert entry["time"].endswith("+00:00")
    assert "ValueError: boom" in entry["exc_info"]
    assert "request_id" not in entry


def test_json_line_carries_the_current_request_id() -> None:
    token = logs.REQUEST_ID.set("abc-123-def")
    try:
        record = logging.LogRecord("x", logging.INFO, __file__, 1, "hello\nworld", None, None)
        line = logs.JsonFormatter().format(record)
    finally:
        logs.REQUEST_ID.reset(token)
    assert "\n" not in line  # one line per record, even for a multi-line message
    assert json.loads(line)["request_id"] == "abc-123-def"


def test_text_format_shows_the_request_id() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "hi", None, None)
    record.request_id = "rid-0000001"
    assert "x [rid-0000001]: hi" in logs.TextFormatter().format(record)


@pytest.mark.parametrize(
    "incoming, kept",
    [
        ("0f8a2c4e-1b7d-4e9a-9c3f-2d6b8e1a7c55", True),
        ("req_12345678", True),
        ("short", False),
        ("has space in it", False),
        ("x" * 129, False),
        ("line\nbreak-123456", False),
        (None, False),
    ],
)
def test_choose_id_keeps_only_sane_ids(incoming: str | None, kept: bool) -> None:
    chosen = choose_id(incoming)
    assert (chosen == incoming) is kept
    assert 8 <= len(chosen) <= 128


async def test_responses_carry_a_request_id(offline_client: TestClient) -> None:
    first = await offline_client.get("/healthz")
    second = await offline_client.get("/api/v1/me")
    missing = await offline_client.get("/no/such/page")
    ids = [r.headers.get(HEADER) for r in (first, second, missing)]
    assert all(ids) and len(set(ids)) == 3
    reused = await offline_client.get("/api/v1/me", headers={HEADER: "edge-7f3a9b21"})
    assert reused.headers[HEADER] == "edge-7f3a9b21"
    replaced = await offline_client.get("/api/v1/me", headers={HEADER: "<script>"})
    assert replaced.headers[HEADER] != "<script>"


async def test_redirects_carry_a_request_id(offline_client: TestClient) -> None:
    response = await offline_client.get("/matches", allow_redirects=False)
    assert response.status in (302, 303)
    assert response.headers.get(HEADER)


async def test_log_lines_inside_a_request_carry_its_id(offline_client: TestClient, captured: io.StringIO) -> None:
    username = unique("logged")
    response = await offline_client.post(
        "/api/v1/auth/signup",
        json={"username": username, "password": "kindred-pass-31", "display_name": "Logged"},
        headers={HEADER: "signup-req-0001"},
    )
    await assert_status(response, 201)
    signed_up = [e for e in _lines(captured) if e["message"].startswith(f"signed up {username}")]
    assert signed_up, captured.getvalue()
    assert signed_up[0]["request_id"] == "signup-req-0001"
    assert signed_up[0]["logger"] == "domain.accounts"
    # Outside the request the id is gone again.
    logging.getLogger("after").info("later")
    assert "request_id" not in _lines(captured)[-1]


def test_kindred_command_writes_json_lines(tmp_path: Path) -> None:
    """`KINDRED_LOG_FORMAT=json` through the real command: every stderr line parses."""
    env = {
        **os.environ,
        **database_env(tmp_path),
        "KINDRED_LOG_FORMAT": "json",
        "KINDRED_RUN_HOMESERVER": "false",
        "KINDRED_HOMESERVER_URL": "http://127.0.0.1:9",
        "KINDRED_CONFIG": "",
    }
    # Opening a new database logs its migrations; nobody is there to promote.
    result = subprocess.run(
        [sys.executable, "-m", "kindred_cli", "admin", "grant", "nobody"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).parent.parent,
    )
    assert result.returncode == 1, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("{")]
    assert lines, result.stderr
    entries = [json.loads(line) for line in lines]
    assert any(e["message"].startswith("applying migration 1") for e in entries)
    assert {"time", "level", "logger", "message"} <= set(entries[0])

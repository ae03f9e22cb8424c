"""Reading request bodies and parameters into plain values, or a 4xx."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from domain.errors import KindredError

MAX_JSON_BYTES = 64 * 1024


async def json_object(request: web.Request) -> dict[str, Any]:
    if request.content_length is not None and request.content_length > MAX_JSON_BYTES:
        raise KindredError("body_too_large")
    # A body may arrive in several pieces; read() returns what has come so far.
    raw = b""
    while len(raw) <= MAX_JSON_BYTES:
        piece = await request.content.read(MAX_JSON_BYTES + 1 - len(raw))
        if not piece:
            break
        raw += piece
    if len(raw) > MAX_JSON_BYTES:
        raise KindredError("body_too_large")
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise KindredError("invalid_json") from exc
    if not isinstance(body, dict):
        raise KindredError("invalid_body")
    return body


def required(body: dict[str, Any], name: str) -> Any:
    if name not in body or body[name] is None:
        raise KindredError("field_required", f"'{name}' is required.", name)
    return body[name]


def path_id(request: web.Request, name: str, not_found: str) -> int:
    try:
        value = int(request.match_info[name])
    except (KeyError, ValueError):
        raise KindredError(not_found) from None
    if not 0 < value < 2**63:
        raise KindredError(not_found)
    return value

"""Reading request bodies and parameters into plain values, or a 4xx."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

from domain.errors import KindredError

MAX_JSON_BYTES = 64 * 1024


async def raw_body(request: web.Request, limit: int) -> bytes:
    """The whole body, or body_too_large as soon as it passes ``limit`` bytes."""
    if request.content_length is not None and request.content_length > limit:
        raise KindredError("body_too_large")
    # A body may arrive in several pieces; read() returns what has come so far.
    raw = b""
    while len(raw) <= limit:
        piece = await request.content.read(limit + 1 - len(raw))
        if not piece:
            break
        raw += piece
    if len(raw) > limit:
        raise KindredError("body_too_large")
    return raw


async def upload(request: web.Request, name: str, limit: int) -> tuple[bytes, str | None]:
    """A file's bytes and declared type: the ``name`` part of a multipart form,
    or else the whole body with its Content-Type."""
    if request.content_type.startswith("multipart/"):
        try:
            form = await request.post()
        except (ValueError, HttpProcessingError) as exc:  # no boundary, or broken parts
            raise KindredError("avatar_required", "The multipart form could not be read.", name) from exc
        part = form.get(name)
        if not isinstance(part, web.FileField):
            return b"", None
        # One byte past the limit is enough to know it is too large.
        return part.file.read(limit + 1), part.content_type
    return await raw_body(request, limit), request.headers.get("Content-Type")


async def json_object(request: web.Request) -> dict[str, Any]:
    raw = await raw_body(request, MAX_JSON_BYTES)
    if not raw.strip():
        return {}
    body = parse_json(raw)
    if not isinstance(body, dict):
        raise KindredError("invalid_body")
    return body


# No body Kindred reads nests deeper than a few levels.
MAX_JSON_DEPTH = 32


def parse_json(raw: bytes) -> Any:
    """JSON from a client, or invalid_json: also when it nests too deeply.

    Python's parser recurses once per level, so ``[`` repeated thirty thousand
    times (well under the size limit) exhausts the stack: that is a client's
    mistake, not a server error. What parses is held to ``MAX_JSON_DEPTH``
    too, so nothing after this point walks a pathological structure.
    """
    try:
        value = json.loads(raw.decode("utf-8"))
    except RecursionError as exc:
        raise _too_deep() from exc
    except (UnicodeDecodeError, ValueError) as exc:
        raise KindredError("invalid_json") from exc
    # Cheap first: fewer brackets than the limit cannot nest past it.
    if raw.count(b"[") + raw.count(b"{") > MAX_JSON_DEPTH and _depth(value) > MAX_JSON_DEPTH:
        raise _too_deep()
    return value


def _too_deep() -> KindredError:
    return KindredError("invalid_json", f"JSON may nest at most {MAX_JSON_DEPTH} levels deep.")


def _depth(value: Any) -> int:
    """How deeply lists and objects nest in ``value``, without recursion."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        item, level = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        deepest = max(deepest, level)
        if deepest > MAX_JSON_DEPTH:
            break
        stack.extend((child, level + 1) for child in children if isinstance(child, (dict, list)))
    return deepest


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

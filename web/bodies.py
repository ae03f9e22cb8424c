"""Reading request bodies and parameters into typed values (web/schemas.py), or a 4xx."""

from __future__ import annotations

import json
from typing import Any, TypeVar

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from config.i18n import N_
from domain.errors import KindredError
from web.schemas import Form, Refuse

B = TypeVar("B", bound=BaseModel)
F = TypeVar("F", bound=Form)

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
            raise KindredError("avatar_required", N_("The multipart form could not be read."), name) from exc
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
    body = _decode(raw)
    if not isinstance(body, dict):
        raise KindredError("invalid_body")
    return body


# No body Kindred reads nests deeper than a few levels.
MAX_JSON_DEPTH = 32


def _decode(raw: bytes) -> Any:
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
    return KindredError(
        "invalid_json", N_("JSON may nest at most %(most)s levels deep."), params={"most": MAX_JSON_DEPTH}
    )


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


async def parse_json(request: web.Request, model: type[B]) -> B:
    """The body as ``model``, or the catalogue error of its first fault."""
    return parse(model, await json_object(request))


async def parse_form(request: web.Request, model: type[F]) -> F:
    """A page form as ``model``: its fields as text, a missing one empty."""
    form = await request.post()
    return model.model_validate({name: str(form.get(name, "")) for name in model.model_fields})


def parse(model: type[B], body: dict[str, Any]) -> B:
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        raise _refusal(model, exc.errors()) from None


def _refusal(model: type[BaseModel], errors: list[ErrorDetails]) -> KindredError:
    """One error for the whole body: a missing field first, as people fix
    those first; otherwise the first field (in declared order) at fault."""
    faults = [(_is_missing(model, e), e) for e in errors]
    missing, error = next((f for f in faults if f[0]), faults[0])
    name = str(error["loc"][0])
    if len(error["loc"]) > 1:  # an item of a list
        return KindredError("field_type", _NOT_A_STRING, name, params={"field": name})
    for refuse in model.model_fields[name].metadata:
        if isinstance(refuse, Refuse) and (refuse.missing if missing else refuse.wrong_type):
            return KindredError(refuse.code, refuse.message, name if refuse.named else None, params={"field": name})
    if missing:
        return KindredError("field_required", N_("'%(field)s' is required."), name, params={"field": name})
    return KindredError("field_type", _NOT_A_STRING, name, params={"field": name})


_NOT_A_STRING = N_("'%(field)s' must be a string.")


def _is_missing(model: type[BaseModel], error: ErrorDetails) -> bool:
    # Null stands for "not given" where a value is required; where a field
    # may be left out, null is a value of the wrong type.
    name = str(error["loc"][0])
    required = name in model.model_fields and model.model_fields[name].is_required()
    return error["type"] == "missing" or (len(error["loc"]) == 1 and error["input"] is None and required)


def path_id(request: web.Request, name: str, not_found: str) -> int:
    try:
        value = int(request.match_info[name])
    except (KeyError, ValueError):
        raise KindredError(not_found) from None
    if not 0 < value < 2**63:
        raise KindredError(not_found)
    return value

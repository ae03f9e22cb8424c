"""POST /_kindred/consent: the homeserver's consent module asks, Kindred answers.

Internal, not part of the public API (and not in its OpenAPI document): the
caller is Kindred's own homeserver, which proves it with the consent secret
from the data directory's secrets. The answer is always 200
``{allow, reason}`` for a well-formed question; the module refuses the
invite or join with ``reason`` when ``allow`` is false.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from domain import consent
from domain.errors import KindredError
from web import keys
from web.bodies import json_object, required

PATH = "/_kindred/consent"
_ACTIONS = ("invite", "join")
# A Matrix ID or room ID is at most 255 bytes (the spec's limit).
_MAX_ID = 255


@dataclass(frozen=True)
class Question:
    action: str
    actor: str
    target: str
    room_id: str

    @classmethod
    def parse(cls, body: dict[str, Any]) -> Question:
        action = required(body, "action")
        if action not in _ACTIONS:
            raise KindredError("field_type", "'action' must be \"invite\" or \"join\".", "action")
        return cls(action, _matrix_id(body, "actor"), _matrix_id(body, "target"), _matrix_id(body, "room_id"))


def _matrix_id(body: dict[str, Any], name: str) -> str:
    value = required(body, name)
    if not isinstance(value, str) or not 0 < len(value.encode("utf-8")) <= _MAX_ID:
        raise KindredError("field_type", f"'{name}' must be a Matrix ID of at most {_MAX_ID} bytes.", name)
    return value


async def check(request: web.Request) -> web.Response:
    _authenticate(request)
    question = Question.parse(await json_object(request))
    ctx = request.app[keys.KINDRED]
    if question.action == "invite":
        decision = await consent.may_invite(ctx, question.actor, question.target, question.room_id)
    else:
        decision = await consent.may_join(ctx, question.actor, question.target)
    return web.json_response({"allow": decision.allow, "reason": decision.reason})


def _authenticate(request: web.Request) -> None:
    expected = request.app[keys.SECRETS].consent_secret
    header = request.headers.get("Authorization", "")
    sent = header[len("Bearer "):] if header.startswith("Bearer ") else ""
    # Constant time, and never with an empty secret on either side.
    if not expected or not sent or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise KindredError("consent_secret_invalid")

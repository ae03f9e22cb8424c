"""POST /_kindred/consent: the homeserver's consent module asks, Kindred answers.

Internal, not part of the public API (and not in its OpenAPI document): the
caller is Kindred's own homeserver, which proves it with the consent secret
from the data directory's secrets. The answer is always 200
``{allow, reason}`` for a well-formed question; the module refuses the
invite or join with ``reason`` when ``allow`` is false.
"""

from __future__ import annotations

import hmac

from aiohttp import web

from domain import consent
from domain.errors import KindredError
from web import keys
from web.bodies import parse_json
from web.schemas import ConsentQuestion

PATH = "/_kindred/consent"


async def check(request: web.Request) -> web.Response:
    _authenticate(request)
    question = await parse_json(request, ConsentQuestion)
    ctx = request.app[keys.KINDRED]
    if question.action == "invite":
        decision = await consent.may_invite(ctx, question.actor, question.target, question.room_id)
    else:
        decision = await consent.may_join(ctx, question.actor, question.target, question.room_id)
    return web.json_response({"allow": decision.allow, "reason": decision.reason})


def _authenticate(request: web.Request) -> None:
    expected = request.app[keys.SECRETS].consent_secret
    header = request.headers.get("Authorization", "")
    sent = header[len("Bearer ") :] if header.startswith("Bearer ") else ""
    # Constant time, and never with an empty secret on either side.
    if not expected or not sent or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise KindredError("consent_secret_invalid")

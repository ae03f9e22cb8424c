"""/api/v1/requests: send one, list yours, answer or withdraw one."""

from __future__ import annotations

from aiohttp import web

from domain import matches, requests
from domain.requests import Outcome
from web import keys, serializers
from web.bodies import parse_json, path_id
from web.schemas import SendRequestBody


async def _outcome_body(request: web.Request, outcome: Outcome) -> dict[str, object]:
    body: dict[str, object] = {"request": serializers.request(outcome.request)}
    if outcome.match is not None:
        view = await matches.get_match(request.app[keys.KINDRED], request[keys.USER], outcome.match.id)
        body["match"] = serializers.match(view)
    return body


async def send(request: web.Request) -> web.Response:
    body = await parse_json(request, SendRequestBody)
    outcome = await requests.send(request.app[keys.KINDRED], request[keys.USER], body.to, body.note)
    # A request that met one coming the other way became a match: 200, not 201.
    status = 201 if outcome.created else 200
    return web.json_response(await _outcome_body(request, outcome), status=status)


async def list_requests(request: web.Request) -> web.Response:
    found = await requests.list_requests(
        request.app[keys.KINDRED],
        request[keys.USER],
        request.query.get("box", "incoming"),
        request.query.get("status"),
    )
    return web.json_response({"requests": [serializers.request(r) for r in found]})


async def accept(request: web.Request) -> web.Response:
    request_id = path_id(request, "id", "request_not_found")
    outcome = await requests.accept(request.app[keys.KINDRED], request[keys.USER], request_id)
    return web.json_response(await _outcome_body(request, outcome))


async def reject(request: web.Request) -> web.Response:
    request_id = path_id(request, "id", "request_not_found")
    outcome = await requests.reject(request.app[keys.KINDRED], request[keys.USER], request_id)
    return web.json_response(await _outcome_body(request, outcome))


async def withdraw(request: web.Request) -> web.Response:
    request_id = path_id(request, "id", "request_not_found")
    outcome = await requests.withdraw(request.app[keys.KINDRED], request[keys.USER], request_id)
    return web.json_response(await _outcome_body(request, outcome))

"""/api/v1/circles: group rooms about one interest, and their moderation
(the web's side of the bot's ``!circles``, ``!join``, ``!kick`` ...)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from domain import circle_rules, circles
from domain.circle_views import CircleView
from store.circle_members import CircleMember
from web import keys
from web.bodies import parse_json
from web.schemas import CreateCircleBody, ModerateCircleBody, UpdateCircleBody


def circle(view: CircleView) -> dict[str, Any]:
    c = view.circle
    return {
        "slug": c.slug,
        "name": c.name,
        "interest": c.interest,
        "description": c.description,
        "owner": view.owner,
        "member_count": view.member_count,
        "online_count": view.online_count,
        "member_cap": c.member_cap,
        "status": c.status,
        "room_id": c.room_id,
        "room_url": view.room_url,
        "my_role": view.my_role,
        "my_state": view.my_state,
    }


def member(row: CircleMember) -> dict[str, Any]:
    return {"username": row.username, "display_name": row.display_name, "role": row.role, "state": row.state}


async def list_circles(request: web.Request) -> web.Response:
    found = await circles.list_circles(
        request.app[keys.KINDRED],
        request[keys.USER],
        interest=request.query.get("interest"),
        query=request.query.get("q", ""),
        page=circle_rules.page_number(request.query.get("page")),
    )
    return web.json_response({"circles": [circle(view) for view in found]})


async def create(request: web.Request) -> web.Response:
    body = await parse_json(request, CreateCircleBody)
    made = await circles.create_circle(
        request.app[keys.KINDRED], request[keys.USER], body.name, body.interest, body.description, body.member_cap
    )
    return web.json_response({"circle": circle(made)}, status=201)


async def get(request: web.Request) -> web.Response:
    found = await circles.get_circle(request.app[keys.KINDRED], request[keys.USER], request.match_info["slug"])
    return web.json_response({"circle": circle(found.view), "staff": [member(row) for row in found.staff]})


async def update(request: web.Request) -> web.Response:
    body = await parse_json(request, UpdateCircleBody)
    changed = await circles.update(
        request.app[keys.KINDRED],
        request[keys.USER],
        request.match_info["slug"],
        name=body.name,
        description=body.description,
        member_cap=body.member_cap,
    )
    return web.json_response({"circle": circle(changed)})


async def join(request: web.Request) -> web.Response:
    view = await circles.join(request.app[keys.KINDRED], request[keys.USER], request.match_info["slug"])
    # 202 while the homeserver has not put them in yet (it is down, or busy).
    status = 202 if view.my_state == "joining" else 200
    return web.json_response({"circle": circle(view)}, status=status)


async def leave(request: web.Request) -> web.Response:
    view = await circles.leave(request.app[keys.KINDRED], request[keys.USER], request.match_info["slug"])
    return web.json_response({"circle": circle(view)})


async def members(request: web.Request) -> web.Response:
    found = await circles.members(
        request.app[keys.KINDRED],
        request[keys.USER],
        request.match_info["slug"],
        circle_rules.page_number(request.query.get("page")),
    )
    return web.json_response({"members": [member(row) for row in found]})


async def close(request: web.Request) -> web.Response:
    view = await circles.close(request.app[keys.KINDRED], request[keys.USER], request.match_info["slug"])
    return web.json_response({"circle": circle(view)})


def moderation(action: str) -> Any:
    """The handler of one of remove, ban, unban, promote, demote."""

    async def handler(request: web.Request) -> web.Response:
        body = await parse_json(request, ModerateCircleBody) if request.can_read_body else ModerateCircleBody()
        row = await circles.moderate(
            request.app[keys.KINDRED],
            request[keys.USER],
            request.match_info["slug"],
            request.match_info["username"],
            action,
            body.reason or "",
        )
        return web.json_response({"member": member(row) if row is not None else None})

    handler.__name__ = f"moderate_{action}"
    return handler

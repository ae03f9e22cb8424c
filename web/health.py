"""GET /healthz: is the web app, its database and the homeserver up?"""

from __future__ import annotations

from aiohttp import web

from web import keys


async def healthz(request: web.Request) -> web.Response:
    app = request.app
    checks = {
        "web": True,
        "database": await app[keys.KINDRED].db.ping(),
        "homeserver": await app[keys.ADMIN].healthy(),
    }
    down = [name for name, ok in checks.items() if not ok]
    body = {"status": "ok" if not down else "degraded", "checks": checks, "down": down}
    return web.json_response(body, status=200 if not down else 503)

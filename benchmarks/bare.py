"""The floor for web throughput: a bare aiohttp app, no middleware, no
database, answering each path with bytes captured from Kindred's own answer.

Run as ``python -m benchmarks.bare PORT DIRECTORY``: every file
``DIRECTORY/<name>.body`` with ``<name>.type`` beside it is served at the
path written in ``<name>.path``.
"""

from __future__ import annotations

import sys
from pathlib import Path

from aiohttp import web


def make_app(directory: Path) -> web.Application:
    app = web.Application()
    for body in sorted(directory.glob("*.body")):
        payload = body.read_bytes()
        content_type = body.with_suffix(".type").read_text().strip()
        path = body.with_suffix(".path").read_text().strip()

        async def handler(
            request: web.Request, payload: bytes = payload, content_type: str = content_type
        ) -> web.Response:
            return web.Response(body=payload, headers={"Content-Type": content_type})

        app.router.add_get(path, handler)
    return app


def main() -> None:
    port, directory = int(sys.argv[1]), Path(sys.argv[2])
    web.run_app(make_app(directory), host="127.0.0.1", port=port, print=None, access_log=None)


if __name__ == "__main__":
    main()

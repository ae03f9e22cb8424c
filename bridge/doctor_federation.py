"""``kindred doctor``'s look at the homeserver's version and at federation.

Federation is checked the way another homeserver would find this one
(Matrix server discovery): the server name itself when it carries a port or
is an address, else its ``/.well-known/matrix/server`` delegation, else port
8448; there it asks for the server's signing keys, which every federating
server fetches first. Before that, the homeserver's own federation listener
must answer: the bundled one's TLS port, or the federation resource of an
external homeserver (docker-compose's serves it beside the client API).
"""

from __future__ import annotations

import ipaddress
from typing import Any, Awaitable, Callable

import aiohttp

from config.doctor import FAIL, OK, WARN, Check
from config.settings import Settings

# pyproject.toml's floor for matrix-synapse: what Kindred is known to work with.
MIN_SYNAPSE = (1, 100)
_FEDERATION_PORT = 8448
_WHAT_FAILS = "people cannot link Matrix IDs of other servers, nor be invited to match rooms with them"

# (status, body) of a GET; ``verify`` False accepts any certificate.
Get = Callable[[str, bool], Awaitable[tuple[int, Any]]]


async def version(get: Get, base: str) -> Check:
    """The homeserver's software and version: Synapse's admin API says it to
    anyone, else the federation API's version endpoint."""
    for path in ("/_synapse/admin/v1/server_version", "/_matrix/federation/v1/version"):
        try:
            status, body = await get(f"{base}{path}", True)
        except (TimeoutError, aiohttp.ClientError):
            continue
        found = _named_version(body) if status == 200 else None
        if found is not None:
            return _judge(*found)
    return Check(
        "homeserver version",
        WARN,
        "the homeserver does not say its version (neither /_synapse/admin/v1/server_version nor "
        "/_matrix/federation/v1/version answers); Kindred needs Synapse",
    )


def _named_version(body: Any) -> tuple[str, str] | None:
    if not isinstance(body, dict):
        return None
    if isinstance(body.get("server_version"), str):
        return "Synapse", body["server_version"]
    server = body.get("server")
    if isinstance(server, dict) and isinstance(server.get("version"), str):
        return str(server.get("name", "unknown")), server["version"]
    return None


def _judge(name: str, number: str) -> Check:
    if name != "Synapse":
        return Check("homeserver version", WARN, f"{name} {number}: Kindred's invite rules are a Synapse module")
    try:
        major, minor = (int(part) for part in number.split(" ")[0].split(".")[:2])
    except ValueError:
        return Check("homeserver version", WARN, f"Synapse {number}: not a version number Kindred can compare")
    if (major, minor) < MIN_SYNAPSE:
        floor = ".".join(map(str, MIN_SYNAPSE))
        return Check("homeserver version", WARN, f"Synapse {number}, older than {floor}: upgrade the homeserver")
    return Check("homeserver version", OK, f"Synapse {number}")


async def federation(get: Get, settings: Settings) -> Check:
    if settings.run_homeserver and not settings.federation_port:
        return Check(
            "federation",
            WARN,
            f"off: federation_port is 0, so {_WHAT_FAILS}; set federation_port to turn it on",
        )
    local = await _local_listener(get, settings)
    if local is not None:
        return local
    return await _from_outside(get, settings)


async def _local_listener(get: Get, settings: Settings) -> Check | None:
    """None when the homeserver's own federation listener hands out its keys."""
    if settings.run_homeserver:
        host = settings.federation_host if settings.federation_host not in ("0.0.0.0", "::") else "127.0.0.1"
        where = f"https://{_bracketed(host)}:{settings.federation_port}"
        fix = "restart Kindred so that the homeserver starts with federation_port set"
    else:
        where = settings.internal_homeserver_url.rstrip("/")
        fix = ""
    try:
        # Its own certificate may be self-signed; what others make of it is checked next.
        status, body = await get(f"{where}/_matrix/key/v2/server", False)
    except (TimeoutError, aiohttp.ClientError) as exc:
        return Check("federation", FAIL, f"the federation listener {where} does not answer ({_reason(exc)}); {fix}")
    if status == 404 and not settings.run_homeserver:
        return Check(
            "federation",
            WARN,
            f"off: {where} does not serve the federation API (no federation resource on its listener), "
            f"so {_WHAT_FAILS}",
        )
    if status != 200 or not isinstance(body, dict):
        return Check("federation", FAIL, f"{where}/_matrix/key/v2/server answered {status}; {fix}".rstrip("; "))
    return _names_itself(body, settings.server_name, where)


async def _from_outside(get: Get, settings: Settings) -> Check:
    name = settings.server_name
    target, how = await _discover(get, name)
    verify = settings.federation_verify_tls
    try:
        status, body = await get(f"https://{target}/_matrix/key/v2/server", verify)
    except (TimeoutError, aiohttp.ClientError) as exc:
        return Check(
            "federation",
            FAIL,
            f"other servers cannot reach {name} at {target} ({how}): {_reason(exc)}. Until they can, {_WHAT_FAILS}; "
            "check DNS, the .well-known delegation, that the port is open and the certificate valid",
        )
    if status != 200 or not isinstance(body, dict):
        return Check("federation", FAIL, f"{target}/_matrix/key/v2/server answered {status} ({how}); {_WHAT_FAILS}")
    wrong = _names_itself(body, name, target)
    if wrong is not None:
        return wrong
    return Check("federation", OK, f"other servers reach {name} at {target} ({how}) and get its signing keys")


def _names_itself(body: dict[str, Any], name: str, where: str) -> Check | None:
    if body.get("server_name") != name:
        return Check(
            "federation",
            FAIL,
            f"{where} hands out the keys of {body.get('server_name')!r}, not of {name!r}: "
            "the server name or the delegation points elsewhere",
        )
    return None


async def _discover(get: Get, name: str) -> tuple[str, str]:
    """Where another server sends federation requests for ``name``, and how it found out."""
    host, port = _split(name)
    if port is not None or _is_address(host):
        return f"{_bracketed(host)}:{port or _FEDERATION_PORT}", "the server name itself"
    try:
        status, body = await get(f"https://{host}/.well-known/matrix/server", True)
    except (TimeoutError, aiohttp.ClientError):
        status, body = 0, None
    delegated = body.get("m.server") if status == 200 and isinstance(body, dict) else None
    if isinstance(delegated, str) and delegated:
        to, to_port = _split(delegated)
        return f"{_bracketed(to)}:{to_port or _FEDERATION_PORT}", f"delegated by https://{host}/.well-known"
    return f"{host}:{_FEDERATION_PORT}", f"no .well-known delegation at https://{host}"


def _split(server: str) -> tuple[str, int | None]:
    if server.startswith("["):
        host, _, rest = server[1:].partition("]")
        return host, int(rest[1:]) if rest.startswith(":") and rest[1:].isdigit() else None
    host, sep, port = server.rpartition(":")
    if sep and port.isdigit() and ":" not in host:
        return host, int(port)
    return server, None


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _bracketed(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _reason(exc: BaseException) -> str:
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__

"""How every call to the homeserver is made: one HTTP exchange that turns
whatever went wrong into a ``BridgeError``, and one policy for 429s.

The bot's client (``bridge.matrix_client``) and the admin API
(``bridge.admin``) both go through ``exchange``, so a Matrix error, an HTTP
status and a network fault look the same wherever they happen.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, TypeVar

import aiohttp

from bridge.errors import BridgeError, unreachable

logger = logging.getLogger(__name__)

T = TypeVar("T")

DEFAULT_TIMEOUT = aiohttp.ClientTimeout(total=30, connect=5)


async def exchange(
    http: aiohttp.ClientSession,
    method: str,
    url: str,
    body: Any = None,
    token: str | None = None,
    timeout: aiohttp.ClientTimeout = DEFAULT_TIMEOUT,
    data: bytes | None = None,
    content_type: str | None = None,
) -> Any:
    """One request; the JSON of a success, anything else a ``BridgeError``.

    Network faults, time-outs and an answer that is not JSON are
    ``K_UNREACHABLE``; a status of 400 or more carries the homeserver's
    errcode, message, status and ``retry_after_ms``.
    """
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if content_type is not None:
        headers["Content-Type"] = content_type
    try:
        async with http.request(
            method, url, json=body if data is None else None, data=data, headers=headers, timeout=timeout
        ) as response:
            payload = await response.json(content_type=None)
            status, reason = response.status, response.reason
    except (TimeoutError, aiohttp.ClientError, OSError, ValueError) as exc:
        raise unreachable(exc) from exc
    answer = json_object(payload)
    if status >= 400:
        retry_after = answer.get("retry_after_ms")
        raise BridgeError(
            str(answer.get("errcode", "M_UNKNOWN")),
            str(answer.get("error", reason)),
            status,
            retry_after if isinstance(retry_after, int) else None,
        )
    return payload


def json_object(payload: Any) -> dict[str, Any]:
    """The answer as a JSON object; ``{}`` when it is anything else."""
    return payload if isinstance(payload, dict) else {}


@dataclass(frozen=True)
class RateLimit:
    """What to do with a 429: wait the time it names (capped), up to ``tries`` in all."""

    tries: int
    # When a 429 names no wait, and the longest wait accepted from one.
    default_wait_ms: int = 1000
    max_wait_ms: int = 60_000

    def wait_ms(self, exc: BridgeError) -> int:
        return min(exc.retry_after_ms or self.default_wait_ms, self.max_wait_ms)

    async def run(self, call: Callable[[], Awaitable[T]]) -> T:
        """Run ``call``; on a 429, sleep as asked and run it again."""
        for attempt in range(self.tries):
            try:
                return await call()
            except BridgeError as exc:
                if exc.errcode != "M_LIMIT_EXCEEDED" or attempt == self.tries - 1:
                    raise
                wait = self.wait_ms(exc)
                logger.info("homeserver asked the bot to wait %d ms", wait)
                await asyncio.sleep(wait / 1000)
        raise AssertionError("unreachable")


# The bot's work in rooms: nobody is waiting on the other end, so it waits.
PATIENT = RateLimit(tries=5)
# Someone is waiting on the answer (a signup, a link code): the 429 goes back
# to them at once, with the homeserver's retry_after_ms, instead of hanging.
AT_ONCE = RateLimit(tries=1)


async def patiently(call: Callable[[], Awaitable[T]]) -> T:
    return await PATIENT.run(call)

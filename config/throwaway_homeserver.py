"""Homeserver settings for throwaway homeservers only: the ones the test
suite and the benchmarks start and delete.

They make password hashing cheap and lift the login, message and join
throttles, because a test or a benchmark signs in dozens of clients from one
address within seconds. Never applied by ``kindred run``: production keeps
Synapse's bcrypt cost and the limits in ``config/templates``.
"""

from __future__ import annotations

from typing import Any

_LOOSE = {"per_second": 1000, "burst_count": 1000}

THROWAWAY_SYNAPSE_OVERRIDES: dict[str, Any] = {
    "bcrypt_rounds": 4,
    "rc_login": {"address": _LOOSE, "account": _LOOSE, "failed_attempts": _LOOSE},
    "rc_message": _LOOSE,
    "rc_joins": {"local": _LOOSE},
}

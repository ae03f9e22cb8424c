"""The few SQL fragments SQLite and PostgreSQL spell differently.

Store modules write portable SQL wherever there is one (CASE for a pair's
order, max() as an aggregate); what has no common spelling lives here,
chosen by the connection the store function was given.
"""

from __future__ import annotations

from typing import Any


def is_postgresql(conn: Any) -> bool:
    return getattr(conn, "dialect", "sqlite") == "postgresql"


def comma_list(conn: Any, expression: str) -> str:
    """An aggregate joining ``expression`` over the group with commas."""
    if is_postgresql(conn):
        return f"string_agg(CAST({expression} AS TEXT), ',')"
    return f"group_concat({expression})"

"""The few SQL fragments SQLite and PostgreSQL spell differently.

Store modules write portable SQL wherever there is one (CASE for a pair's
order, max() as an aggregate); what has no common spelling lives here,
chosen by the connection the store function was given.
"""

from __future__ import annotations

from typing import Any


def is_postgresql(conn: Any) -> bool:
    return getattr(conn, "dialect", "sqlite") == "postgresql"


def storable(text: str) -> bool:
    """Whether a text could be in the database at all. PostgreSQL's text has
    no NUL character (binding one is an error, not a miss), and input is
    checked for control characters before it is written, so a look-up for
    such a text answers "nobody" without asking either database."""
    return "\x00" not in text


def comma_list(conn: Any, expression: str) -> str:
    """An aggregate joining ``expression`` over the group with commas."""
    if is_postgresql(conn):
        return f"string_agg(CAST({expression} AS TEXT), ',')"
    return f"group_concat({expression})"

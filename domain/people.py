"""Finding a person by username or by Matrix ID.

A ``pending`` row is a signup in progress, and an ``unverified`` one waits
for its email code (``require_email``): the name is reserved but the account
is not made yet, so it is nobody, everywhere. A ``deleted`` row is an
account that was deleted (domain/leaving.py), nobody too; only the
operators' list and reports still show its name. Suspended people still
exist (an operator can find them, a block or a report can name them) but the
ones who meet others (profiles, pictures, requests, logins) ask for active
people only.
"""

from __future__ import annotations

from domain.errors import KindredError
from store import matrix_id_links, users
from store.connection import Connection
from store.users import User


def _counts(user: User | None, active: bool) -> User | None:
    if user is None or user.status in ("pending", "unverified", "deleted"):
        return None
    if active and user.status != "active":
        return None
    return user


async def by_username(conn: Connection, username: str, *, active: bool = False) -> User | None:
    """The person called ``username`` (any case, spaces trimmed), or None."""
    return _counts(await users.get_by_username(conn, username.strip().lower()), active)


async def named(conn: Connection, username: str, *, active: bool = False, field: str | None = None) -> User:
    """The person called ``username``, or ``user_not_found`` (naming ``field``)."""
    found = await by_username(conn, username, active=active)
    if found is None:
        raise KindredError("user_not_found", field=field)
    return found


async def by_matrix_id(conn: Connection, matrix_user_id: str, *, active: bool = False) -> User | None:
    """The person behind a Matrix ID: a verified linked ID first, then a local account."""
    link = await matrix_id_links.by_matrix_id(conn, matrix_user_id)
    if link is not None:
        user = await users.get(conn, link.user_id)
    else:
        user = await users.get_by_matrix_id(conn, matrix_user_id)
    return _counts(user, active)

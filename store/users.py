"""The ``users`` table."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from store.connection import Connection
from store.dialect import storable
from store.timeutil import iso, utc_now

_COLUMNS = (
    "id, username, password_hash, display_name, bio, matrix_user_id, status, created_at, is_admin,"
    " email, email_verified_at, session_epoch, matrix_password_seal, language, browser_language"
)


# Case-blind matching, as SQLite's LIKE does for ASCII; PostgreSQL's LIKE
# does not, so both sides are lowered in SQL.
_MATCHES = "lower({}) LIKE lower(?) ESCAPE '\\'"


def _contains(query: str) -> str:
    """A LIKE pattern matching ``query`` literally anywhere (escape is '\\')."""
    return "%" + query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


@dataclass(frozen=True)
class User:
    id: int
    username: str
    password_hash: str
    display_name: str
    bio: str
    matrix_user_id: str | None
    status: str
    created_at: str
    is_admin: bool = False
    # Private: shown to its owner only (GET /me), never to other people.
    email: str | None = None
    email_verified_at: str | None = None
    # Carried in access tokens; raised to end every session at once.
    session_epoch: int = 0
    # With ``require_email``: the password, sealed, until the email is
    # verified and the homeserver account made (see migration v013).
    matrix_password_seal: str | None = None
    # The language they chose (``en``, ``de``); None follows the browser.
    language: str | None = None
    # What their browser asked for at their last signup or login: the bot and
    # mails write in it while ``language`` is None.
    browser_language: str | None = None

    @property
    def email_verified(self) -> bool:
        return self.email is not None and self.email_verified_at is not None

    @classmethod
    def _from_row(cls, row: Any) -> User:
        (id_, username, password_hash, display_name, bio, matrix_user_id, status, created_at, is_admin, *rest) = row
        email, email_verified_at, session_epoch, matrix_password_seal, language, browser_language = rest
        return cls(
            id_,
            username,
            password_hash,
            display_name,
            bio,
            matrix_user_id,
            status,
            created_at,
            bool(is_admin),
            email,
            email_verified_at,
            int(session_epoch),
            matrix_password_seal,
            language,
            browser_language,
        )


async def insert_pending(
    conn: Connection,
    username: str,
    password_hash: str,
    display_name: str,
    email: str | None = None,
    status: str = "pending",
    browser_language: str | None = None,
) -> int:
    """Reserve a name: ``pending`` while the homeserver account is made,
    ``unverified`` while an email code is awaited (``require_email``)."""
    cursor = await conn.execute(
        "INSERT INTO users (username, password_hash, display_name, email, status, created_at, browser_language)"
        " VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
        (username, password_hash, display_name, email, status, iso(utc_now()), browser_language),
    )
    row = await cursor.fetchone()
    return int(row[0])


async def activate(
    conn: Connection, user_id: int, matrix_user_id: str | None, password_hash: str | None = None
) -> None:
    """Make the reservation a person; ``matrix_user_id`` is None for people
    who use a Matrix ID from another server (see ``matrix_id_links``). A given
    ``password_hash`` replaces the one reserved with."""
    await conn.execute(
        "UPDATE users SET status = 'active', matrix_user_id = ?,"
        " password_hash = COALESCE(?, password_hash) WHERE id = ?",
        (matrix_user_id, password_hash, user_id),
    )


async def delete(conn: Connection, user_id: int) -> None:
    await conn.execute("DELETE FROM users WHERE id = ?", (user_id,))


async def get(conn: Connection, user_id: int) -> User | None:
    cursor = await conn.execute(f"SELECT {_COLUMNS} FROM users WHERE id = ?", (user_id,))
    row = await cursor.fetchone()
    return User._from_row(row) if row else None


async def get_by_username(conn: Connection, username: str) -> User | None:
    if not storable(username):
        return None
    cursor = await conn.execute(f"SELECT {_COLUMNS} FROM users WHERE username = ?", (username,))
    row = await cursor.fetchone()
    return User._from_row(row) if row else None


async def get_many(conn: Connection, user_ids: list[int]) -> dict[int, User]:
    if not user_ids:
        return {}
    marks = ",".join("?" * len(user_ids))
    cursor = await conn.execute(f"SELECT {_COLUMNS} FROM users WHERE id IN ({marks})", user_ids)
    return {row[0]: User._from_row(row) for row in await cursor.fetchall()}


async def active_between(conn: Connection, first_id: int, last_id: int) -> list[tuple[int, str]]:
    """(id, username) of the active people with ids in [first, last]."""
    cursor = await conn.execute(
        "SELECT id, username FROM users WHERE id BETWEEN ? AND ? AND status = 'active' ORDER BY id",
        (first_id, last_id),
    )
    return [(int(row[0]), str(row[1])) for row in await cursor.fetchall()]


async def standing_of(conn: Connection, user_ids: list[int]) -> dict[int, tuple[str, bool]]:
    """(username, whether active) of each of ``user_ids`` that exists."""
    if not user_ids:
        return {}
    marks = ",".join("?" * len(user_ids))
    cursor = await conn.execute(f"SELECT id, username, status FROM users WHERE id IN ({marks})", user_ids)
    return {int(row[0]): (str(row[1]), row[2] == "active") for row in await cursor.fetchall()}


async def highest_id(conn: Connection) -> int:
    cursor = await conn.execute("SELECT COALESCE(MAX(id), 0) FROM users")
    row = await cursor.fetchone()
    return int(row[0]) if row else 0


async def update_profile(conn: Connection, user_id: int, display_name: str, bio: str) -> None:
    await conn.execute(
        "UPDATE users SET display_name = ?, bio = ? WHERE id = ?",
        (display_name, bio, user_id),
    )


async def search(conn: Connection, query: str, exclude_id: int, limit: int) -> list[User]:
    """Active people whose username or display name contains ``query``."""
    if not storable(query):
        return []
    pattern = _contains(query)
    cursor = await conn.execute(
        f"SELECT {_COLUMNS} FROM users"
        " WHERE status = 'active' AND id <> ?"
        f" AND ({_MATCHES.format('username')} OR {_MATCHES.format('display_name')})"
        # Exact and prefix hits first: what someone typing a name expects.
        f" ORDER BY (username = ?) DESC, ({_MATCHES.format('username')}) DESC, username"
        " LIMIT ?",
        (exclude_id, pattern, pattern, query, pattern[1:], limit),
    )
    return [User._from_row(row) for row in await cursor.fetchall()]


async def set_status(conn: Connection, user_id: int, status: str) -> None:
    await conn.execute("UPDATE users SET status = ? WHERE id = ?", (status, user_id))


async def set_admin(conn: Connection, user_id: int, is_admin: bool) -> None:
    await conn.execute("UPDATE users SET is_admin = ? WHERE id = ?", (int(is_admin), user_id))


async def page(conn: Connection, query: str, limit: int, offset: int) -> list[User]:
    """Everyone (any status) for operators, optionally filtered by name."""
    if not storable(query):
        return []
    pattern = _contains(query)
    cursor = await conn.execute(
        f"SELECT {_COLUMNS} FROM users"
        f" WHERE {_MATCHES.format('username')} OR {_MATCHES.format('display_name')}"
        " ORDER BY id DESC LIMIT ? OFFSET ?",
        (pattern, pattern, limit, offset),
    )
    return [User._from_row(row) for row in await cursor.fetchall()]


async def get_by_matrix_id(conn: Connection, matrix_user_id: str) -> User | None:
    if not storable(matrix_user_id):
        return None
    cursor = await conn.execute(f"SELECT {_COLUMNS} FROM users WHERE matrix_user_id = ?", (matrix_user_id,))
    row = await cursor.fetchone()
    return User._from_row(row) if row else None


async def set_password_hash(conn: Connection, user_id: int, password_hash: str) -> None:
    await conn.execute("UPDATE users SET password_hash = ? WHERE id = ?", (password_hash, user_id))


async def end_sessions(conn: Connection, user_id: int) -> int:
    """Raise the session epoch, so every access token issued before is refused; returns the new epoch."""
    cursor = await conn.execute(
        "UPDATE users SET session_epoch = session_epoch + 1 WHERE id = ? RETURNING session_epoch", (user_id,)
    )
    row = await cursor.fetchone()
    return int(row[0]) if row else 0


async def set_email(conn: Connection, user_id: int, email: str | None, verified_at: str | None) -> None:
    await conn.execute("UPDATE users SET email = ?, email_verified_at = ? WHERE id = ?", (email, verified_at, user_id))


async def set_language(conn: Connection, user_id: int, language: str | None) -> None:
    await conn.execute("UPDATE users SET language = ? WHERE id = ?", (language, user_id))


async def set_browser_language(conn: Connection, user_id: int, language: str) -> None:
    await conn.execute("UPDATE users SET browser_language = ? WHERE id = ?", (language, user_id))


async def set_matrix_password_seal(conn: Connection, user_id: int, matrix_password_seal: str | None) -> None:
    await conn.execute("UPDATE users SET matrix_password_seal = ? WHERE id = ?", (matrix_password_seal, user_id))


async def get_by_verified_email(conn: Connection, email: str) -> User | None:
    if not storable(email):
        return None
    cursor = await conn.execute(
        f"SELECT {_COLUMNS} FROM users WHERE email = ? AND email_verified_at IS NOT NULL", (email,)
    )
    row = await cursor.fetchone()
    return User._from_row(row) if row else None


async def erase(conn: Connection, user_id: int) -> None:
    """A deleted account: status ``deleted`` and nothing personal left but the
    username, which the row keeps retired (see migration v14). The display
    name becomes the username, so the partner's history still names someone."""
    await conn.execute(
        "UPDATE users SET status = 'deleted', deleted_at = ?, password_hash = '', display_name = username,"
        " bio = '', matrix_user_id = NULL, email = NULL, email_verified_at = NULL, matrix_password_seal = NULL,"
        " language = NULL, browser_language = NULL,"
        " is_admin = 0 WHERE id = ?",
        (iso(utc_now()), user_id),
    )

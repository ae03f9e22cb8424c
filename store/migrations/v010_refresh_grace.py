"""v10: a spent refresh token remembers its successor, sealed, for a short grace.

Two tabs (or a page refetching while another request refreshes) present the
same refresh token at once; the later one must get the successor the first
one got rather than count as a theft. The successor is kept only sealed with
the spent token itself (XOR with a hash of it), so the table still holds no
usable token: opening the seal takes the spent token, which only its holder has.
"""

from __future__ import annotations

from typing import Any

from store.migrations.portable import ddl

DESCRIPTION = "refresh_tokens: successor_seal, the sealed successor of a spent token"

_STATEMENTS = [
    "ALTER TABLE refresh_tokens ADD COLUMN successor_seal TEXT",
]


async def upgrade(conn: Any, dialect: str) -> None:
    for statement in _STATEMENTS:
        await conn.execute(ddl(statement, dialect))

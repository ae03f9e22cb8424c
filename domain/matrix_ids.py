"""Which Matrix ID stands for a person, and what a Matrix ID may look like.

A person has up to two: the account Kindred made on its own homeserver
(``users.matrix_user_id``, absent for people who signed up with an ID from
elsewhere) and a verified ID from another server (its Matrix ID link,
``domain.matrix_id_links``). The linked one wins while it exists; unlinking
falls back to the local one.
Match rooms, the bot's direct messages and its commands all ask here.
"""

from __future__ import annotations

import dataclasses
import re

from domain import people
from domain.context import Kindred
from domain.errors import KindredError
from store import matrix_id_links
from store.connection import Connection
from store.matrix_id_links import MatrixLink
from store.users import User

# The historical localpart grammar (printable ASCII but ':'), since IDs from
# older servers still use it; server names as the spec allows them.
_MATRIX_ID = re.compile(
    r"@([\x21-\x39\x3b-\x7e]+):"
    r"((?:[A-Za-z0-9.\-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?)"
)
_MAX_LENGTH = 255


def parse(value: str) -> str:
    """A well-formed Matrix user ID, or ``matrix_id_invalid``."""
    text = value.strip()
    if len(text.encode("utf-8")) > _MAX_LENGTH or not _MATRIX_ID.fullmatch(text):
        raise KindredError("matrix_id_invalid", field="matrix_user_id")
    return text


def server_of(matrix_user_id: str) -> str:
    return matrix_user_id.split(":", 1)[1]


def effective(user: User, link: MatrixLink | None) -> str | None:
    """The one rule: a verified linked ID, else the local account's."""
    return link.matrix_user_id if link is not None else user.matrix_user_id


async def effective_id(ctx: Kindred, user: User) -> str | None:
    async with ctx.db.read() as conn:
        return effective(user, await matrix_id_links.for_user(conn, user.id))


async def with_effective_ids(conn: Connection, people: dict[int, User]) -> dict[int, User]:
    """The same people, each carrying their effective Matrix ID.

    For inviting and showing only: the local account (to lock it, or to
    mirror a display name) is the one read from ``users``.
    """
    links = await matrix_id_links.for_users(conn, list(people))
    return {
        user_id: dataclasses.replace(user, matrix_user_id=effective(user, links.get(user_id)))
        for user_id, user in people.items()
    }


async def owner(ctx: Kindred, matrix_user_id: str) -> User | None:
    """The active person behind a Matrix ID, linked or local (commands ask this)."""
    async with ctx.db.read() as conn:
        return await people.by_matrix_id(conn, matrix_user_id, active=True)

"""Demo people for trying Kindred out: realistic names, bios and interests.

By default they are written straight to the database, active and without a
Matrix account (``matrix_user_id`` NULL): fast, and enough to fill
suggestions and search. With ``matrix=True`` each goes through the real
signup, so they get a homeserver account too and can be matched into rooms.
Every demo person's password is ``DEMO_PASSWORD``.

A tool of ``kindred demo`` beside the command line, not a rule of Kindred:
it calls the domain (signup, interests) like any other caller.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import random
import sys
import unicodedata
from dataclasses import dataclass
from typing import Callable, TextIO

from domain import accounts, profiles
from domain.context import Kindred
from domain.errors import KindredError
from domain.passwords import hash_password
from kindred_demo_vocabulary import BIO_TEMPLATES, FIRST_NAMES, HOBBIES, JOBS, LAST_NAMES, PLACES
from store import interests, users

logger = logging.getLogger(__name__)

DEMO_PASSWORD = "demo-password"
# Rank r is drawn with weight 1 / (r + 1) ** _SKEW: the top few hobbies are
# held by a large share of people, the tail by a handful each.
_SKEW = 1.1
_BATCH = 200
_MATRIX_PARALLEL = 4

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class DemoPerson:
    username: str
    display_name: str
    bio: str
    interests: list[str]


class People:
    """Draws demo people; usernames are unique within one run."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._weights = [1 / (rank + 1) ** _SKEW for rank in range(len(HOBBIES))]
        self._taken: set[str] = set()

    def draw(self) -> DemoPerson:
        first, last = self._rng.choice(FIRST_NAMES), self._rng.choice(LAST_NAMES)
        held = self._interests(self._rng.randint(3, 10))
        return DemoPerson(self.username(first, last), f"{first} {last}", self._bio(held), held)

    def renamed(self, person: DemoPerson) -> DemoPerson:
        """The same person under another username (the first was taken)."""
        first, last = person.display_name.split(" ", 1)
        return dataclasses.replace(person, username=self.username(first, last))

    def username(self, first: str, last: str) -> str:
        base = _ascii(f"{first}.{last}")[:26]
        name = base
        while name in self._taken:
            name = f"{base}{self._rng.randint(2, 9999)}"
        self._taken.add(name)
        return name

    def _interests(self, count: int) -> list[str]:
        chosen: list[str] = []
        while len(chosen) < count:
            pick = self._rng.choices(HOBBIES, self._weights)[0]
            if pick not in chosen:
                chosen.append(pick)
        return chosen

    def _bio(self, held: list[str]) -> str:
        job, a, b = self._rng.choice(JOBS), held[0], held[-1]
        return self._rng.choice(BIO_TEMPLATES).format(
            job=job, Job=job.capitalize(), place=self._rng.choice(PLACES), a=a, A=a.capitalize(), b=b
        )


def _ascii(text: str) -> str:
    """ "Andrés.O'Brien" -> "andres.obrien": usernames are Matrix localparts."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return "".join(ch for ch in plain if ch.isalnum() or ch in "._-")


async def seed(
    ctx: Kindred,
    count: int,
    rng: random.Random | None = None,
    matrix: bool = False,
    progress: Progress | None = None,
) -> list[str]:
    """Add ``count`` demo people; returns their usernames."""
    people = People(rng or random.Random())
    report = progress or (lambda done, total: None)
    if matrix:
        return await _through_signup(ctx, people, count, report)
    return await _direct(ctx, people, count, report)


async def _direct(ctx: Kindred, people: People, count: int, report: Progress) -> list[str]:
    # One hash for all: they share a published password, so a salt per
    # person would protect nothing and cost a second each thousand people.
    password_hash = await hash_password(DEMO_PASSWORD)
    made: list[str] = []
    while len(made) < count:
        async with ctx.db.transaction() as conn:
            for _ in range(min(_BATCH, count - len(made))):
                person = people.draw()
                while await users.get_by_username(conn, person.username) is not None:
                    person = people.renamed(person)
                user_id = await users.insert_pending(conn, person.username, password_hash, person.display_name)
                await users.set_status(conn, user_id, "active")
                await users.update_profile(conn, user_id, person.display_name, person.bio)
                await interests.replace_for_user(conn, user_id, person.interests)
                made.append(person.username)
        report(len(made), count)
    logger.info("seeded %d demo people", len(made))
    return made


async def _through_signup(ctx: Kindred, people: People, count: int, report: Progress) -> list[str]:
    made: list[str] = []
    gate = asyncio.Semaphore(_MATRIX_PARALLEL)

    async def one() -> None:
        async with gate:
            person = people.draw()
            for _ in range(5):
                try:
                    user = await accounts.signup(ctx, person.username, DEMO_PASSWORD, person.display_name)
                    break
                except KindredError as exc:
                    if exc.code != "username_taken":
                        raise
                    person = people.renamed(person)
            else:
                raise KindredError("username_taken", field="username")
            await profiles.update_profile(
                ctx, user, profiles.ProfileChanges(bio=person.bio, interests=person.interests)
            )
            made.append(person.username)
            report(len(made), count)

    await asyncio.gather(*(one() for _ in range(count)))
    logger.info("seeded %d demo people with Matrix accounts", len(made))
    return made


class TextProgress:
    """A plain progress bar on one line of ``stream`` (stderr by default)."""

    def __init__(self, stream: TextIO | None = None, width: int = 30) -> None:
        self._stream = stream or sys.stderr
        self._width = width

    def __call__(self, done: int, total: int) -> None:
        filled = self._width * done // max(total, 1)
        bar = "#" * filled + "." * (self._width - filled)
        end = "\n" if done >= total else ""
        self._stream.write(f"\r[{bar}] {done}/{total} people{end}")
        self._stream.flush()

"""Leases: of several processes that could do one role's work, exactly one does.

The role's row in ``leases`` names its holder and an expiry. The holder renews
it every ``renew_every`` (a third of its lifetime), so one late renewal costs
nothing; another process takes the role only after the expiry has passed, so
a holder that died is replaced within a lifetime and a poll. A holder that
cannot renew (the database is unreachable) stops acting once its own last
expiry passes, before anyone else may take over. Clocks of the processes are
assumed to agree (NTP) to well under a second.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
from datetime import datetime, timedelta
from typing import Callable

from store import claims, leases
from store.database import Database
from store.timeutil import utc_now

logger = logging.getLogger(__name__)

BOT = "bot"
# A dead holder is replaced within LIFETIME + POLL (7 s).
LIFETIME = timedelta(seconds=6)
POLL_SECONDS = 1.0

Clock = Callable[[], datetime]


def holder_id() -> str:
    """Names this process in the lease: where it runs, and a random part so a
    restarted process is a new holder."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


class Holder:
    """One process's claim on one role."""

    def __init__(
        self,
        db: Database,
        role: str,
        holder: str | None = None,
        clock: Clock = utc_now,
        lifetime: timedelta = LIFETIME,
        poll_seconds: float = POLL_SECONDS,
    ) -> None:
        self._db = db
        self.role = role
        self.id = holder or holder_id()
        self._clock = clock
        self._lifetime = lifetime
        self._poll_seconds = poll_seconds
        # Until when this process may act, by its own last successful take.
        self._valid_until: datetime | None = None

    @property
    def renew_every(self) -> float:
        return self._lifetime.total_seconds() / 3

    def holds(self) -> bool:
        return self._valid_until is not None and self._clock() < self._valid_until

    async def try_take(self) -> bool:
        """Take the role, or renew it; False while another holds it unexpired."""
        now = self._clock()
        async with self._db.transaction() as conn:
            before = await leases.get(conn, self.role)
            taken = await leases.take(conn, self.role, self.id, now, now + self._lifetime)
            if taken and before is not None and before.holder != self.id:
                # Taken over from a holder that is gone: its claimed jobs are
                # this process's to do now, without waiting for the claims to lapse.
                await claims.release_all(conn, before.holder)
        self._valid_until = now + self._lifetime if taken else None
        return taken

    async def wait_to_take(self, stop: asyncio.Event) -> bool:
        """Poll until the role is ours (True) or ``stop`` is set (False)."""
        waiting_logged = False
        while not stop.is_set():
            try:
                if await self.try_take():
                    logger.info("holding the %s lease as %s", self.role, self.id)
                    return True
            except Exception:
                logger.exception("could not ask for the %s lease; asking again", self.role)
            if not waiting_logged:
                logger.info("another process holds the %s lease; standing by", self.role)
                waiting_logged = True
            try:
                await asyncio.wait_for(stop.wait(), self._poll_seconds)
            except TimeoutError:
                pass
        return False

    async def keep(self) -> None:
        """Renew until the role is lost: returns when another process holds it,
        or when renewals failed until this process's own expiry passed."""
        while True:
            await asyncio.sleep(self.renew_every)
            try:
                if not await self.try_take():
                    logger.error("the %s lease was taken over by another process; stopping its work", self.role)
                    return
            except Exception:
                if not self.holds():
                    logger.exception("could not renew the %s lease before it expired; stopping its work", self.role)
                    self._valid_until = None
                    return
                logger.exception("could not renew the %s lease; trying again", self.role)

    async def release(self) -> None:
        """Let a standby take over at once (a clean stop)."""
        self._valid_until = None
        async with self._db.transaction() as conn:
            await leases.release(conn, self.role, self.id)

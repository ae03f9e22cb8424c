"""The bot's ears: a filtered /sync in a loop.

The position is saved after every batch, so a restarted bot (or a standby
taking over) continues where the last one stopped: a command sent while no
bot was running is answered once one is, and one already answered is not
read again. Without a saved position (a new bot, or a position the
homeserver refused) anything sent before the bot started is skipped, so the
history of its rooms is not answered.
Each sender's commands run in order; different senders in parallel.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict
from typing import Awaitable, Callable, Sequence, TypeVar

from bridge import sync_reader
from bridge.bot_rooms import BotRooms
from bridge.errors import BridgeError
from bridge.matrix_client import MatrixClient
from bridge.sync_reader import Batch, Invite, Message
from bridge.transport import PATIENT
from domain import accounts, addressing, bot_state
from domain.context import Kindred
from matcher import circle_sync
from matcher.calls import Place
from matcher.command_table import help_for
from matcher.commands import Commands
from matcher.direct_rooms import DirectRooms
from matcher.replies import Reply

logger = logging.getLogger(__name__)

T = TypeVar("T")

POLL_MS = 30_000
# While the bot writes in bulk (the room worker making rooms, the notifier
# posting notices), it asks for news this often instead of holding a long
# poll open: the homeserver recomputes a waiting sync on every event in any
# of the bot's rooms (its own included, even when the filter then drops them),
# and a burst of rooms or notices is hundreds of events. A long poll already
# waiting when such work starts is dropped for the same reason. Each sync
# that finds new rooms costs the homeserver work per room and per sync; every
# two seconds keeps the second part small, and a command sent meanwhile is
# still answered within a few seconds.
BUSY_POLL = 2.0
_PARALLEL = 16
_MAX_BACKOFF = 60.0
# The longest a 429 on the sync may keep the bot waiting (seconds): the
# bridge's cap. The sync never gives up, so only the cap is shared.
MAX_RATE_LIMIT_WAIT = PATIENT.max_wait_ms / 1000


class SyncLoop:
    def __init__(
        self,
        ctx: Kindred,
        client: MatrixClient,
        rooms: BotRooms,
        direct: DirectRooms,
        commands: Commands,
        started_ms: int | None = None,
        busy: Sequence[asyncio.Event] = (),
        busy_poll: float = BUSY_POLL,
    ) -> None:
        self._ctx = ctx
        self._client = client
        self._rooms = rooms
        self._direct = direct
        self._commands = commands
        self.started_ms = int(time.time() * 1000) if started_ms is None else started_ms
        # Messages older than this are not answered: see the module's doc.
        self._answer_from = self.started_ms
        self._slots = asyncio.Semaphore(_PARALLEL)
        # Each set while some part of the bot writes in bulk.
        self._busy = tuple(busy)
        self._busy_poll = busy_poll

    async def run(self) -> None:
        filter_id = await self._retrying(lambda: sync_reader.upload_filter(self._client))
        since = await bot_state.sync_token(self._ctx)
        if since:
            # Everything after the saved position is news, however old.
            self._answer_from = 0
        failures = 0
        while True:
            # The first sync of a fresh bot returns at once: there is nothing to wait for.
            wait_ms = POLL_MS if since else 0
            if any(signal.is_set() for signal in self._busy):
                await asyncio.sleep(self._busy_poll)
                wait_ms = 0
            try:
                batch = await self._sync(since, filter_id, wait_ms)
            except BridgeError as exc:
                failures += 1
                if exc.http_status == 400 and since:
                    logger.warning("the saved sync position was refused (%s); starting afresh", exc)
                    since = None
                    self._answer_from = int(time.time() * 1000)
                await asyncio.sleep(_delay(exc, failures))
                continue
            failures = 0
            if batch is None:
                continue  # the bot is writing in bulk: poll instead
            await self.handle(batch)
            if batch.next_batch and batch.next_batch != since:
                since = batch.next_batch
                try:
                    await bot_state.save_sync_token(self._ctx, since)
                except Exception:
                    logger.exception("could not save the bot's sync position")

    async def _sync(self, since: str | None, filter_id: str, wait_ms: int) -> Batch | None:
        """One sync; None when a long poll was dropped because the bot began writing in bulk.

        Dropping it closes the connection, and the homeserver stops working
        on a sync whose client has gone; the position is unchanged, so
        nothing is missed.
        """
        if not wait_ms or not self._busy:
            return await sync_reader.sync(self._client, since, filter_id, wait_ms)
        syncing = asyncio.ensure_future(sync_reader.sync(self._client, since, filter_id, wait_ms))
        busy = [asyncio.ensure_future(signal.wait()) for signal in self._busy]
        try:
            await asyncio.wait({syncing, *busy}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (*busy, syncing):
                if not task.done():
                    task.cancel()
            await asyncio.gather(*busy, syncing, return_exceptions=True)
        return None if syncing.cancelled() else syncing.result()

    async def handle(self, batch: Batch) -> None:
        for invite in batch.invites:
            await self._guarded(self._on_invite(invite))
        for departure in batch.departures:
            await self._guarded(self._direct.drop_if_owner_left(departure.room_id, departure.user_id))
        # Apart, so that a failure in one does not lose the other.
        await self._guarded(circle_sync.memberships(self._ctx, batch))
        await self._guarded(circle_sync.presence(self._ctx, batch))
        by_sender: dict[str, list[Message]] = defaultdict(list)
        for message in batch.messages:
            if self._fresh(message):
                by_sender[message.sender].append(message)
        await asyncio.gather(*(self._in_order(messages) for messages in by_sender.values()))
        # After the commands, so an answer never waits on the listing's bookkeeping.
        await self._guarded(circle_sync.activity(self._ctx, batch))

    def _fresh(self, message: Message) -> bool:
        return (
            message.sender != self._rooms.user_id
            and message.timestamp >= self._answer_from
            # Notices are what bots send; answering them could start a loop.
            and message.msgtype in ("m.text", "m.emote")
        )

    async def _in_order(self, messages: list[Message]) -> None:
        async with self._slots:
            for message in messages:
                await self._guarded(self._commands.handle(message))

    async def _on_invite(self, invite: Invite) -> None:
        """A person who opens a direct chat with the bot gets it as their direct room."""
        inviter = await accounts.by_matrix_id(self._ctx, invite.inviter)
        if inviter is None or not invite.is_direct:
            await self._rooms.leave(invite.room_id)
            return
        await self._rooms.join(invite.room_id)
        await self._direct.adopt(inviter, invite.room_id)
        t = addressing.for_person(inviter)
        hello = Reply(t.gettext("Hello %(name)s!") % {"name": inviter.display_name}).text(" ")
        hello.append(help_for(Place.DIRECT, t))
        await self._rooms.notice(invite.room_id, hello.body, hello.formatted)

    async def _guarded(self, work: Awaitable[object]) -> None:
        try:
            await work
        except asyncio.CancelledError:
            raise
        except BridgeError as exc:
            logger.warning("bot could not finish an action: %s", exc)
        except Exception:
            logger.exception("bot failed on an event")

    async def _retrying(self, call: Callable[[], Awaitable[T]]) -> T:
        failures = 0
        while True:
            try:
                return await call()
            except BridgeError as exc:
                failures += 1
                await asyncio.sleep(_delay(exc, failures))


def _delay(exc: BridgeError, failures: int) -> float:
    """Seconds before the next try: the homeserver's ``retry_after_ms``, else backoff.

    A named wait is honoured up to a cap, so a homeserver (or a proxy in front
    of it) that names an hour does not stall the bot for that long; a 429
    naming none, or naming zero, still backs off rather than spinning.
    """
    backoff: float = min(_MAX_BACKOFF, 0.5 * (1 << min(failures, 8)))
    if exc.errcode == "M_LIMIT_EXCEEDED" or exc.http_status == 429:
        named = float(exc.retry_after_ms or 0) / 1000
        wait = min(MAX_RATE_LIMIT_WAIT, named) if named > 0 else backoff
        logger.info("homeserver rate-limited the bot's sync; waiting %.1f s", wait)
        return wait
    logger.warning("bot sync failed (%s); try %d", exc, failures)
    return backoff

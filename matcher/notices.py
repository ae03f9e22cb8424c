"""What each bot job does on the homeserver, one call per kind.

``run`` answers ``None`` when the job is done, or how long to wait before
looking again (a match whose room is still being made). Every notice is
posted with a transaction id derived from the job, so a retry after a crash
that followed the send never posts it twice.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Awaitable

from bridge.bot_rooms import BotRooms
from bridge.errors import BridgeError
from domain import accounts, bot_jobs, checkins, matches, requests, rounds
from domain.context import Kindred
from matcher.direct_rooms import DirectRooms
from matcher.replies import Reply
from store.bot_jobs import BotJob
from store.matches import Match
from store.timeutil import parse, utc_now
from store.users import User

logger = logging.getLogger(__name__)

# How long a match notice waits before looking again at a room still being
# made; the match turning ready wakes it sooner.
ROOM_WAIT = timedelta(seconds=60)


class Notices:
    def __init__(self, ctx: Kindred, rooms: BotRooms, direct: DirectRooms, accept_grace: float) -> None:
        self._ctx = ctx
        self._rooms = rooms
        self._direct = direct
        self._accept_grace = timedelta(seconds=accept_grace)
        self._instance_id: str | None = None

    async def run(self, job: BotJob) -> timedelta | None:
        if job.kind == bot_jobs.NOTICE_REQUEST:
            await self._request_received(job)
        elif job.kind == bot_jobs.NOTICE_MATCH:
            return await self._match_news(job)
        elif job.kind == bot_jobs.CLOSE_ROOM:
            await self._close_room(job)
        elif job.kind in (bot_jobs.CHECKIN_ASK, bot_jobs.CHECKIN_REMIND):
            await self._checkin(job, reminder=job.kind == bot_jobs.CHECKIN_REMIND)
        elif job.kind == bot_jobs.ROUND_UNPAIRED:
            await self._round_unpaired(job)
        else:
            logger.error("bot job %d has an unknown kind %r; dropped", job.id, job.kind)
        return None

    async def _round_unpaired(self, job: BotJob) -> None:
        assert job.user_id is not None
        why = rounds.unpaired_sentence(str(job.payload.get("reason", "")))
        reply = Reply("This round I found nobody for you: ").text(why)
        reply.text(" You go first in the next round.")
        await self._tell(job, job.user_id, reply)

    async def _request_received(self, job: BotJob) -> None:
        assert job.request_id is not None
        request = await requests.load(self._ctx, job.request_id)
        if request is None or request.status != "pending":
            return
        shared = await matches.shared_between(self._ctx, request.from_user_id, request.to_user_id)
        reply = Reply().person(request.from_display_name, request.from_username)
        reply.text(" would like to connect with you.").line().text("You both like: ")
        reply.interests(shared, "no interests in common yet").text(".")
        if request.note:
            reply.line().text("Their note: ").quote(request.note)
        reply.line().text("Answer with ").code(f"!accept {request.from_username}")
        reply.text(" or ").code(f"!reject {request.from_username}").text(", or on the web: ")
        # The web's own path for the requests page (the bot has no router).
        reply.link(f"{self._ctx.links.web_url.rstrip('/')}/requests")
        await self._tell(job, request.to_user_id, reply)

    async def _match_news(self, job: BotJob) -> timedelta | None:
        assert job.match_id is not None and job.user_id is not None
        match = await matches.load(self._ctx, job.match_id)
        if match is None or match.status == "closed":
            return None
        told = bool(job.payload.get("accepted_told"))
        requester = bool(job.payload.get("requester"))
        if match.status == "ready":
            await self._room_ready(job, match, requester and not told)
            return None
        # Still being made: the 'accepted' news waits a short grace for the
        # room, to go with it in one message, and goes alone if the room is late.
        if not requester or told:
            return ROOM_WAIT
        left = parse(job.created_at) + self._accept_grace - utc_now()
        if left > timedelta(0):
            return left
        await self._accepted_alone(job, match)
        await bot_jobs.note_progress(self._ctx, job, {**job.payload, "accepted_told": True})
        return ROOM_WAIT

    async def _accepted_alone(self, job: BotJob, match: Match) -> None:
        assert job.user_id is not None
        other = await accounts.active_user(self._ctx, match.other(job.user_id))
        if other is None:
            return
        reply = Reply().person(other.display_name, other.username)
        reply.text(" accepted your request! I'm opening a private room for you two")
        reply.text(" and will tell you here when it is ready.")
        await self._tell(job, job.user_id, reply, step="accepted")

    async def _room_ready(self, job: BotJob, match: Match, with_accepted_news: bool) -> None:
        assert job.user_id is not None
        members = await matches.people(self._ctx, match)
        others = [person for person in members if person.id != job.user_id]
        other = others[0]
        shared = await matches.shared_between(self._ctx, match.user_low, match.user_high)
        if with_accepted_news:
            reply = Reply().person(other.display_name, other.username)
            reply.text(" accepted your request! Your room is ready: ")
        else:
            reply = Reply("Your room with ").person(other.display_name, other.username)
            # A round's trio: both others are named.
            for more in others[1:]:
                reply.text(" and ").person(more.display_name, more.username)
            reply.text(" is ready: ")
        reply.link(self._ctx.links.room_url(match.room_id) or "", "open it")
        reply.text(". You both like: ").interests(shared, "being on Kindred").text(". Say hello!")
        await self._tell(job, job.user_id, reply)

    async def _close_room(self, job: BotJob) -> None:
        assert job.match_id is not None
        match = await matches.load(self._ctx, job.match_id)
        if match is None or match.room_id is None:
            # No room yet: the room worker empties a room made for a closed match.
            return
        pair = await matches.people(self._ctx, match)
        closer = next((p for p in pair if p.id == job.payload.get("closed_by")), None)
        left = job.payload.get("left")
        reply = Reply()
        if closer is not None:
            reply.bold(closer.display_name).text(" closed this match.")
        elif isinstance(left, str):
            reply.bold(left).text(" left Kindred, so this match is closed.")
        else:
            reply.text("This match has been closed.")
        reply.text(" I'm closing this room now. Take care!")
        # The two go first: once closed, neither should stay a moment longer
        # than the homeserver takes, whatever happens to the notice. The
        # reason carries the news, since a removed person sees no later notice.
        # Someone who deleted their account has no Matrix ID in Kindred any
        # more: the job carries the ones they had, removed first.
        removed = [str(i) for i in job.payload.get("remove", []) if isinstance(i, str)]
        for matrix_user_id in dict.fromkeys([*removed, *(p.matrix_user_id for p in pair if p.matrix_user_id)]):
            await _gone_already_ok(self._rooms.kick(match.room_id, matrix_user_id, reply.body))
        txn_id = await self._txn_id(job, "closed")
        await _gone_already_ok(self._rooms.notice(match.room_id, reply.body, reply.formatted, txn_id))
        # The bot leaves too: closed rooms must not weigh on its sync.
        await _gone_already_ok(self._rooms.leave(match.room_id))

    async def _checkin(self, job: BotJob, reminder: bool) -> None:
        assert job.match_id is not None and job.user_id is not None
        found = await checkins.question_for(self._ctx, job.match_id, job.user_id)
        if found is None:
            return
        match, others = found
        # A reminder is for rooms where nobody has said a word: people who
        # are talking are getting on without it.
        if reminder and match.room_id and await self._rooms.anyone_wrote(match.room_id):
            return
        room_url = self._ctx.links.room_url(match.room_id)
        await self._tell(job, job.user_id, _question(others, reminder, room_url), step="checkin")

    async def _tell(self, job: BotJob, user_id: int, reply: Reply, step: str = "notice") -> None:
        user = await accounts.active_user(self._ctx, user_id)
        if user is None:
            return
        room_id = await self._direct.room_for(user)
        if room_id is not None:
            await self._rooms.notice(room_id, reply.body, reply.formatted, await self._txn_id(job, step))

    async def _txn_id(self, job: BotJob, step: str) -> str:
        if self._instance_id is None:
            self._instance_id = await bot_jobs.instance_id(self._ctx)
        return f"kindred-{self._instance_id}-job{job.id}-{step}"


def _question(others: list[User], reminder: bool, room_url: str | None) -> Reply:
    reply = Reply("A gentle reminder: " if reminder else "")
    reply.text("Did you two meet? " if len(others) == 1 else "Did the three of you meet? ")
    reply.text("Your round introduced you to ")
    for i, other in enumerate(others):
        if i:
            reply.text(" and ")
        reply.person(other.display_name, other.username)
    reply.text(". Answer with ").code("!met yes").text(" or ").code("!met no")
    reply.text(" (or on your Matches page). Only Kindred sees your answer: it helps pair people who show up.")
    if room_url:
        reply.line().text("Your room: ").link(room_url, "open it")
    return reply


async def _gone_already_ok(call: Awaitable[object]) -> None:
    """Await a kick, notice or leave; a refusal means it is done already (the
    person left, the bot left on an earlier try), while a homeserver that is
    down or busy raises, to be retried."""
    try:
        await call
    except BridgeError as exc:
        if exc.http_status not in (403, 404):
            raise
        logger.info("room closing step already done: %s", exc)

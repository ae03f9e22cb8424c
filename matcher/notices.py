"""What each bot job does on the homeserver, one call per kind.

``run`` answers ``None`` when the job is done, or how long to wait before
looking again (a match whose room is still being made). Every notice is
posted with a transaction id derived from the job, so a retry after a crash
that followed the send never posts it twice. Each is written in the language
of whoever reads it (``domain.addressing``).
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Awaitable, Callable

from bridge.bot_rooms import BotRooms
from bridge.errors import BridgeError
from domain import accounts, addressing, bot_jobs, checkins, matches, requests, rounds
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
        to = await accounts.active_user(self._ctx, job.user_id)
        if to is None:
            return
        _ = addressing.for_person(to).gettext
        why = _(rounds.unpaired_sentence(str(job.payload.get("reason", ""))))
        reply = Reply().fill(_("This round I found nobody for you: %(why)s You go first in the next round."), why=why)
        await self._tell(job, to, reply)

    async def _request_received(self, job: BotJob) -> None:
        assert job.request_id is not None
        request = await requests.load(self._ctx, job.request_id)
        if request is None or request.status != "pending":
            return
        to = await accounts.active_user(self._ctx, request.to_user_id)
        if to is None:
            return
        _ = addressing.for_person(to).gettext
        shared = await matches.shared_between(self._ctx, request.from_user_id, request.to_user_id)
        reply = Reply().fill(
            _("%(person)s would like to connect with you."),
            person=Reply().person(request.from_display_name, request.from_username),
        )
        reply.line().fill(
            _("You both like: %(interests)s."),
            interests=Reply().interests(shared, _("no interests in common yet")),
        )
        if request.note:
            reply.line().fill(_("Their note: %(note)s"), note=Reply().quote(request.note))
        reply.line().fill(
            _("Answer with %(accept)s or %(reject)s, or on the web: %(link)s"),
            accept=Reply().code(f"!accept {request.from_username}"),
            reject=Reply().code(f"!reject {request.from_username}"),
            # The web's own path for the requests page (the bot has no router).
            link=Reply().link(f"{self._ctx.links.web_url.rstrip('/')}/requests"),
        )
        await self._tell(job, to, reply)

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
        to = await accounts.active_user(self._ctx, job.user_id)
        if other is None or to is None:
            return
        reply = Reply().fill(
            addressing.for_person(to).gettext(
                "%(person)s accepted your request! I'm opening a private room for you two"
                " and will tell you here when it is ready."
            ),
            person=Reply().person(other.display_name, other.username),
        )
        await self._tell(job, to, reply, step="accepted")

    async def _room_ready(self, job: BotJob, match: Match, with_accepted_news: bool) -> None:
        assert job.user_id is not None
        to = await accounts.active_user(self._ctx, job.user_id)
        if to is None:
            return
        _ = addressing.for_person(to).gettext
        members = await matches.people(self._ctx, match)
        others = [person for person in members if person.id != job.user_id]
        other = others[0]
        shared = await matches.shared_in(self._ctx, match)
        if with_accepted_news:
            news = _("%(person)s accepted your request! Your room is ready: %(link)s.")
        else:
            news = _("Your room with %(person)s is ready: %(link)s.")
        # A round's trio: both others are named.
        person = Reply().person(other.display_name, other.username)
        for more in others[1:]:
            person = Reply().fill(
                _("%(first)s and %(second)s"), first=person, second=Reply().person(more.display_name, more.username)
            )
        reply = Reply().fill(
            news,
            person=person,
            link=Reply().link(self._ctx.links.room_url(match.room_id) or "", _("open it")),
        )
        reply.text(" ").fill(
            _("You both like: %(interests)s. Say hello!")
            if len(others) == 1
            else _("Between you, you like: %(interests)s. Say hello!"),
            interests=Reply().interests(shared, _("being on Kindred")),
        )
        await self._tell(job, to, reply)

    async def _close_room(self, job: BotJob) -> None:
        assert job.match_id is not None
        match = await matches.load(self._ctx, job.match_id)
        if match is None or match.room_id is None:
            # No room yet: the room worker empties a room made for a closed match.
            return
        pair = await matches.people(self._ctx, match)
        closer = next((p for p in pair if p.id == job.payload.get("closed_by")), None)
        left = job.payload.get("left")
        # Both read it (the kick's reason carries it too): the pair's language.
        _ = addressing.for_people(*pair).gettext
        reply = Reply()
        if closer is not None:
            reply.fill(_("%(person)s closed this match."), person=Reply().bold(closer.display_name))
        elif isinstance(left, str):
            reply.fill(_("%(person)s left Kindred, so this match is closed."), person=Reply().bold(left))
        else:
            reply.text(_("This match has been closed."))
        reply.text(" ").text(_("I'm closing this room now. Take care!"))
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
        to = await accounts.active_user(self._ctx, job.user_id)
        if to is None:
            return
        room_url = self._ctx.links.room_url(match.room_id)
        question = _question(others, reminder, room_url, addressing.for_person(to).gettext)
        await self._tell(job, to, question, step="checkin")

    async def _tell(self, job: BotJob, user: User, reply: Reply, step: str = "notice") -> None:
        room_id = await self._direct.room_for(user)
        if room_id is not None:
            await self._rooms.notice(room_id, reply.body, reply.formatted, await self._txn_id(job, step))

    async def _txn_id(self, job: BotJob, step: str) -> str:
        if self._instance_id is None:
            self._instance_id = await bot_jobs.instance_id(self._ctx)
        return f"kindred-{self._instance_id}-job{job.id}-{step}"


def _question(others: list[User], reminder: bool, room_url: str | None, _: Callable[[str], str]) -> Reply:
    whom = Reply().person(others[0].display_name, others[0].username)
    for more in others[1:]:
        whom = Reply().fill(
            _("%(first)s and %(second)s"), first=whom, second=Reply().person(more.display_name, more.username)
        )
    if len(others) == 1:
        asked = _("Did you two meet? Your round introduced you to %(people)s.")
    else:
        asked = _("Did the three of you meet? Your round introduced you to %(people)s.")
    reply = Reply()
    if reminder:
        reply.text(_("A gentle reminder:")).text(" ")
    reply.fill(asked, people=whom).text(" ")
    reply.fill(
        _(
            "Answer with %(yes)s or %(no)s (or on your Matches page)."
            " Only Kindred sees your answer: it helps pair people who show up."
        ),
        yes=Reply().code("!met yes"),
        no=Reply().code("!met no"),
    )
    if room_url:
        reply.line().fill(_("Your room: %(link)s"), link=Reply().link(room_url, _("open it")))
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

"""7. Consent check: one invite between a matched pair, on a homeserver that
asks Kindred (the consent module) against one that does not.

Two fresh homeservers with the same settings, started for this benchmark:
one loads Kindred's consent module and has Kindred (``kindred run``, bot off
so nothing else loads the homeserver) answering it; the other is plain.
On each, a pair of people: on the first two Kindred people with an open
match, on the second two plain accounts. Each round the inviter makes a
fresh room (not timed) and then invites the other (timed: the client's
``/invite`` call, which is where the module's check runs). Invites alternate
between the two servers, each going first every other round, so a busy
machine slows both alike.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from benchmarks import harness, matrix
from benchmarks.report import Result, Target, ms, ratio
from bridge.admin import SynapseAdmin

TARGET = 1.1


class Inviter:
    """A person's own client, calling the client-server API directly."""

    def __init__(self, http: aiohttp.ClientSession, base: str, token: str) -> None:
        self._http, self._base, self._headers = http, base, {"Authorization": f"Bearer {token}"}

    @classmethod
    async def login(cls, http: aiohttp.ClientSession, base: str, localpart: str) -> Inviter:
        body = await matrix.call(
            http,
            "POST",
            base + "/_matrix/client/v3/login",
            200,
            json={
                "type": "m.login.password",
                "identifier": {"type": "m.id.user", "user": localpart},
                "password": matrix.PASSWORD,
            },
        )
        return cls(http, base, body["access_token"])

    async def new_room(self) -> str:
        body = await matrix.call(
            self._http,
            "POST",
            self._base + "/_matrix/client/v3/createRoom",
            200,
            json={"preset": "private_chat"},
            headers=self._headers,
        )
        return str(body["room_id"])

    async def invite(self, room_id: str, user_id: str) -> float:
        """Seconds the invite call took."""
        started = time.perf_counter()
        await matrix.call(
            self._http,
            "POST",
            f"{self._base}/_matrix/client/v3/rooms/{room_id}/invite",
            200,
            json={"user_id": user_id},
            headers=self._headers,
        )
        return time.perf_counter() - started


async def run(work: Path, rounds: int) -> Result:
    port = harness.free_port()
    async with (
        harness.homeserver(work / "with-module", consent_port=port) as checked,
        harness.homeserver(work / "plain") as plain,
    ):
        kindred = harness.Kindred(work / "kindred", checked, run_bot=False, port=port)
        with harness.running(kindred):
            await kindred.start()
            async with aiohttp.ClientSession() as http:
                with_module = await _matched_pair(http, kindred.url, checked.url)
                without = await _plain_pair(http, plain)
                question = {
                    "action": "invite",
                    "actor": with_module.inviter_id,
                    "target": with_module.invitee_id,
                    "room_id": "!benchmark:localhost",
                }
                secret = checked.secrets.consent_secret
                module_times: list[float] = []
                plain_times: list[float] = []
                answer_times: list[float] = []
                # Round 0 warms both servers' caches and connections.
                sides = [(with_module, module_times), (without, plain_times)]
                for n in range(rounds + 1):
                    # Each side goes first every other round: the one after pays
                    # for whatever the first left the machine doing.
                    for pair, times in sides if n % 2 == 0 else sides[::-1]:
                        room_id = await pair.inviter.new_room()
                        await asyncio.sleep(0.05)  # let the room's own work settle
                        took = await pair.inviter.invite(room_id, pair.invitee_id)
                        if n > 0:
                            times.append(took)
                    # Kindred's own share: the module's question, asked directly.
                    took = await _ask_kindred(http, kindred.url, secret, question)
                    if n > 0:
                        answer_times.append(took)
    return _result(module_times, plain_times, answer_times, rounds)


@dataclass
class Pair:
    inviter: Inviter
    inviter_id: str
    invitee_id: str


async def _matched_pair(http: aiohttp.ClientSession, kindred_url: str, base: str) -> Pair:
    ada = await matrix.sign_up(http, kindred_url, "ada")
    bo = await matrix.sign_up(http, kindred_url, "bo")
    request_id = await matrix.request_between(http, kindred_url, ada, bo)
    await matrix.accept(http, kindred_url, bo, request_id)
    return Pair(await Inviter.login(http, base, ada.username), ada.matrix_user_id, bo.matrix_user_id)


async def _plain_pair(http: aiohttp.ClientSession, hs: harness.Homeserver) -> Pair:
    admin = SynapseAdmin(http, hs.url, hs.secrets.registration_shared_secret)
    inviter, invitee = matrix.unique("ada"), matrix.unique("bo")
    inviter_id = await admin.register(inviter, matrix.PASSWORD, "Ada")
    invitee_id = await admin.register(invitee, matrix.PASSWORD, "Bo")
    return Pair(await Inviter.login(http, hs.url, inviter), inviter_id, invitee_id)


async def _ask_kindred(http: aiohttp.ClientSession, kindred_url: str, secret: str, question: dict) -> float:
    started = time.perf_counter()
    answer = await matrix.call(
        http,
        "POST",
        kindred_url + "/_kindred/consent",
        200,
        json=question,
        headers={"Authorization": f"Bearer {secret}"},
    )
    took = time.perf_counter() - started
    if answer != {"allow": True, "reason": ""}:
        raise RuntimeError(f"Kindred refused the matched pair: {answer}")
    return took


def _result(module_times: list[float], plain_times: list[float], answer_times: list[float], rounds: int) -> Result:
    k, f, a = harness.summary_ms(module_times), harness.summary_ms(plain_times), harness.summary_ms(answer_times)
    p50, p90 = k["p50"] / f["p50"], k["p90"] / f["p90"]
    return Result(
        number=7,
        title="Consent check: an invite between a matched pair, with the module against without",
        sizes=f"{rounds} invites on each homeserver",
        table=[
            ["", "with the consent module", "without (plain Synapse)", "ratio"],
            ["p50", ms(k["p50"]), ms(f["p50"]), ratio(p50)],
            ["p90", ms(k["p90"]), ms(f["p90"]), ratio(p90)],
            ["mean", ms(k["mean"]), ms(f["mean"]), ratio(k["mean"] / f["mean"])],
            ["Kindred's answer alone, p50", ms(a["p50"]), "", ""],
        ],
        targets=[
            Target("invite p50 with the consent module, ratio to without", f"<= {TARGET}", ratio(p50), p50 <= TARGET)
        ],
        notes=[
            "The module's extra work per invite: one HTTP call from the homeserver to Kindred on loopback "
            "(POST /_kindred/consent) and Kindred's answer from a few indexed reads (each Matrix ID to its "
            "person, the block between them, their open match). Server admins and the bot skip it.",
            "Two fresh homeservers with the same settings; on the module's side Kindred runs with its bot "
            "off, so only the invites load either homeserver.",
            "The last row is the check's own price: the module's question asked of Kindred directly by the "
            "benchmark, over HTTP on loopback. It is small next to an invite, so on a busy machine the two "
            "homeservers' spread can exceed it and the ratio can come out under 1.",
        ],
        figures={"module_ms": k, "plain_ms": f, "kindred_answer_ms": a, "p50_ratio": p50, "p90_ratio": p90},
    )

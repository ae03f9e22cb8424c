"""Federation for real: two Synapses on loopback, talking over TLS.

Kindred's bundled homeserver runs with its federation listener on (a
self-signed certificate, as ``KINDRED_FEDERATION_*`` would set it up), and a
second, ordinary Synapse stands for "somewhere else on Matrix" with people of
its own. Both are named ``127.0.0.1:<federation port>``, accept each other's
self-signed certificates and loopback addresses, and fetch each other's
signing keys directly (no key servers). They are started once for this
module, in parallel, separate from the session's homeserver.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, Iterator

import aiohttp
import pytest
from aiohttp.test_utils import TestClient
from nio import (
    AsyncClient,
    JoinResponse,
    LoginResponse,
    RoomCreateResponse,
    RoomInviteError,
    RoomInviteResponse,
    RoomMessagesResponse,
    RoomSendResponse,
    SyncResponse,
)

from bridge.admin import SynapseAdmin
from bridge.doctor import diagnose
from bridge.homeserver import BundledHomeserver, Federation
from config.doctor import OK
from config.secrets import load_or_create_secrets
from config.settings import Settings
from domain import consent
from store import matrix_id_links, users
from store.timeutil import iso, utc_now
from testkit.homeserver import THROWAWAY_SYNAPSE_OVERRIDES, running_sync
from tests.bot_helpers import ready_match
from tests.conftest import make_settings
from tests.helpers import Api, assert_status, eventually, free_port, page_login, sign_up, unique
from web import keys
from web.app import create_app

pytestmark = [pytest.mark.homeserver, pytest.mark.store_agnostic]

PASSWORD = "remote password 1"
_CODE = re.compile(r"your code is ([0-9]{6})")


@dataclass
class TwoServers:
    kindred: Settings
    secrets_dir: Path
    kindred_url: str
    other: BundledHomeserver
    other_secret: str
    # Kindred's homeserver loads the consent module, which asks the app
    # serving this port (``kindred_app``).
    consent_port: int

    @property
    def other_name(self) -> str:
        return self.other.server_name

    @property
    def bot(self) -> str:
        return self.kindred.bot_user_id


@pytest.fixture(scope="module")
def two_servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TwoServers]:
    root = tmp_path_factory.mktemp("federation")
    secrets = load_or_create_secrets(root / "kindred")
    client_port, federation_port, consent_port = free_port(), free_port(), free_port()
    kindred = Settings(
        data_dir=root / "kindred",
        port=consent_port,
        server_name=f"127.0.0.1:{federation_port}",
        synapse_port=client_port,
        federation_port=federation_port,
        federation_host="127.0.0.1",
        federation_verify_tls=False,
        federation_allow_loopback=True,
    )
    bundled = BundledHomeserver.from_settings(kindred, secrets, THROWAWAY_SYNAPSE_OVERRIDES)
    other = _plain_synapse(root / "other")
    with running_sync(bundled, other):
        yield TwoServers(kindred, root / "kindred", bundled.url, other, "other-secret", consent_port)


def _plain_synapse(directory: Path) -> BundledHomeserver:
    """Another homeserver with nothing of Kindred's but the loopback test switches."""
    client_port, federation_port = free_port(), free_port()
    return BundledHomeserver(
        directory,
        f"127.0.0.1:{federation_port}",
        client_port,
        "other-secret",
        f"http://127.0.0.1:{client_port}",
        THROWAWAY_SYNAPSE_OVERRIDES,
        federation=Federation(federation_port, "127.0.0.1", verify_tls=False, allow_loopback=True),
    )


@pytest.fixture
async def kindred_app(two_servers: TwoServers, tmp_path: Path, aiohttp_client: Any) -> TestClient:
    """A Kindred app (web and bot) on the federating homeserver."""
    data_dir = tmp_path / "kindred"
    data_dir.mkdir()
    shutil.copy(two_servers.secrets_dir / "secrets.json", data_dir / "secrets.json")
    settings = make_settings(
        data_dir,
        two_servers.kindred_url,
        run_homeserver=True,
        server_name=two_servers.kindred.server_name,
        synapse_port=two_servers.kindred.synapse_port,
        federation_port=two_servers.kindred.federation_port,
    )
    app = create_app(settings, load_or_create_secrets(data_dir))
    return await aiohttp_client(app, server_kwargs={"port": two_servers.consent_port})


class Remote:
    """Someone on the other homeserver, with their own Matrix client."""

    def __init__(self, mx: AsyncClient) -> None:
        self.mx = mx
        self.user_id = str(mx.user_id)
        self._since: str | None = None
        self.seen_invites: set[str] = set()

    @classmethod
    async def register(cls, servers: TwoServers, prefix: str) -> Remote:
        name = unique(prefix)
        async with aiohttp.ClientSession() as http:
            await SynapseAdmin(http, servers.other.url, servers.other_secret).register(name, PASSWORD, prefix.title())
        mx = AsyncClient(servers.other.url, name)
        assert isinstance(await mx.login(PASSWORD, device_name="remote"), LoginResponse)
        return cls(mx)

    async def next_invite(self) -> str:
        """Wait for an invite not seen before (it crossed federation), and join it."""

        async def invited() -> str | None:
            sync = await self.mx.sync(timeout=500, since=self._since)
            assert isinstance(sync, SyncResponse), sync
            self._since = sync.next_batch
            fresh = [room for room in sync.rooms.invite if room not in self.seen_invites]
            return fresh[0] if fresh else None

        room_id = str(await eventually(invited, timeout=30, interval=0.1))
        self.seen_invites.add(room_id)
        await join(self.mx, room_id)
        return room_id

    async def code(self, room_id: str) -> str:
        """The code the bot posted in ``room_id``."""

        async def posted() -> str | None:
            for _, body in await texts(self.mx, room_id):
                found = _CODE.search(body)
                if found:
                    return found.group(1)
            return None

        return str(await eventually(posted, timeout=30, interval=0.2))


async def join(mx: AsyncClient, room_id: str) -> None:
    async def joined() -> bool:
        return isinstance(await mx.join(room_id), JoinResponse)

    await eventually(joined, timeout=30, interval=0.2)


async def say(mx: AsyncClient, room_id: str, body: str) -> None:
    sent = await mx.room_send(room_id, "m.room.message", {"msgtype": "m.text", "body": body})
    assert isinstance(sent, RoomSendResponse), sent


async def texts(mx: AsyncClient, room_id: str) -> list[tuple[str, str]]:
    response = await mx.room_messages(room_id, start="", limit=50)
    assert isinstance(response, RoomMessagesResponse), response
    return [
        (event.sender, event.source["content"].get("body", ""))
        for event in reversed(response.chunk)
        if event.source.get("type") == "m.room.message"
    ]


async def heard(mx: AsyncClient, room_id: str, sender: str, needle: str) -> str:
    """Wait until ``mx`` can read a message from ``sender`` containing ``needle``."""

    async def found() -> str | None:
        return next((b for s, b in await texts(mx, room_id) if s == sender and needle in b), None)

    return str(await eventually(found, timeout=30, interval=0.2))


async def test_a_remote_person_signs_up_verifies_matches_and_talks(
    kindred_app: TestClient, two_servers: TwoServers
) -> None:
    bob_mx = await Remote.register(two_servers, "bob")
    ada_mx: AsyncClient | None = None
    try:
        # Bob signs up on Kindred with the Matrix ID he already has.
        username = unique("bob")
        response = await kindred_app.post(
            "/api/v1/auth/signup",
            json={
                "username": username,
                "password": "kindred pass 1",
                "display_name": "Bob",
                "matrix_user_id": bob_mx.user_id,
            },
        )
        signed_up = await assert_status(response, 201)
        assert signed_up["user"]["matrix_user_id"] is None
        bob = Api(kindred_app, username, "kindred pass 1", signed_up)

        # The bot's code reaches him over federation; he answers it in Matrix.
        link_room = await bob_mx.next_invite()
        code = await bob_mx.code(link_room)
        await say(bob_mx.mx, link_room, f"!verify {code}")
        await heard(bob_mx.mx, link_room, two_servers.bot, "Verified!")
        assert (await bob.call("GET", "/me", 200))["matrix_user_id"] == bob_mx.user_id

        # Ada is local; they match and the room on Kindred's server invites Bob across.
        await bob.call("PUT", "/me/profile", 200, json={"interests": ["sailing", "tea"]})
        ada = await sign_up(kindred_app, "ada", "Ada", ["sailing", "chess"])
        sent = await ada.call("POST", "/requests", 201, json={"to": bob.username})
        await bob.call("POST", f"/requests/{sent['request']['id']}/accept", 200)
        match = await ready_match(ada)
        assert match["user"]["matrix_user_id"] == bob_mx.user_id
        room_id = match["room_id"]

        ada_mx = AsyncClient(two_servers.kindred_url, ada.username)
        assert isinstance(await ada_mx.login(ada.password), LoginResponse)
        await join(ada_mx, room_id)
        assert await bob_mx.next_invite() == room_id

        await say(ada_mx, room_id, "Hi Bob, from Kindred's own server!")
        await say(bob_mx.mx, room_id, "Hi Ada, from the other server!")
        await heard(bob_mx.mx, room_id, str(ada_mx.user_id), "Hi Bob")
        await heard(ada_mx, room_id, bob_mx.user_id, "Hi Ada")

        # The bot's room commands answer the remote person too.
        await say(bob_mx.mx, room_id, "!shared")
        assert "sailing" in await heard(bob_mx.mx, room_id, two_servers.bot, "You both like")

        # A circle: joining on Kindred invites Bob's own ID across; the page
        # says where to accept, and once he does Kindred shows him in.
        made = await ada.call("POST", "/circles", 201, json={"name": "Sailors", "interest": "sailing"})
        slug = made["circle"]["slug"]
        assert (await bob.call("POST", f"/circles/{slug}/join", 202))["circle"]["my_state"] == "joining"
        await page_login(kindred_app, bob)
        page = await assert_status(await kindred_app.get(f"/circles/{slug}"), 200)
        assert f"in your Matrix app (as {bob_mx.user_id})" in page
        await say(bob_mx.mx, link_room, f"!join {slug}")
        await heard(bob_mx.mx, link_room, two_servers.bot, "Accept the invite to its room")
        circle_room = await bob_mx.next_invite()

        async def both_joined() -> bool:
            seen = [(await p.call("GET", f"/circles/{slug}", 200))["circle"] for p in (ada, bob)]
            return all(c["my_state"] == "joined" and c["room_id"] == circle_room for c in seen)

        await eventually(both_joined, timeout=30, interval=0.2)
        await say(bob_mx.mx, link_room, f"!join {slug}")
        assert circle_room in await heard(bob_mx.mx, link_room, two_servers.bot, "Its room: ")
        await say(ada_mx, circle_room, "Welcome aboard, Bob!")
        await heard(bob_mx.mx, circle_room, str(ada_mx.user_id), "Welcome aboard")
        # From his server he may invite Kindred's people in, as anyone in the circle may.
        cy = await sign_up(kindred_app, "cy", "Cy")
        invited = await bob_mx.mx.room_invite(circle_room, cy.user["matrix_user_id"])
        assert isinstance(invited, RoomInviteResponse), invited
    finally:
        await bob_mx.mx.close()
        if ada_mx is not None:
            await ada_mx.close()


async def test_wrong_and_expired_codes_and_a_second_claim(kindred_app: TestClient, two_servers: TwoServers) -> None:
    carol_mx = await Remote.register(two_servers, "carol")
    try:
        ada = await sign_up(kindred_app, "ada", "Ada")
        mallory = await sign_up(kindred_app, "mallory", "Mallory")
        link = {"matrix_user_id": carol_mx.user_id}

        await ada.call("POST", "/me/matrix-id", 202, json=link)
        first = await carol_mx.code(await carol_mx.next_invite())
        wrong = f"{(int(first) + 1) % 1_000_000:06d}"
        body = await ada.call("POST", "/me/matrix-id/verify", 400, json={"code": wrong})
        assert body["error"]["code"] == "verification_code_wrong"

        await _age_codes(kindred_app, timedelta(minutes=16))
        body = await ada.call("POST", "/me/matrix-id/verify", 400, json={"code": first})
        assert body["error"]["code"] == "verification_code_expired"

        # A fresh code, read from Matrix and typed on Kindred, links it.
        await ada.call("POST", "/me/matrix-id", 202, json=link)
        second = await carol_mx.code(await carol_mx.next_invite())
        done = await ada.call("POST", "/me/matrix-id/verify", 200, json={"code": second})
        assert done["matrix_user_id"] == carol_mx.user_id
        assert done["local_matrix_user_id"] == f"@{ada.username}:{two_servers.kindred.server_name}"

        # Nobody else can claim it now.
        taken = await mallory.call("POST", "/me/matrix-id", 409, json=link)
        assert taken["error"]["code"] == "matrix_id_taken"

        # A server that does not answer is named as the problem.
        nowhere = await mallory.call(
            "POST", "/me/matrix-id", 400, json={"matrix_user_id": f"@someone:127.0.0.1:{free_port()}"}
        )
        assert nowhere["error"]["code"] == "matrix_server_unreachable"
    finally:
        await carol_mx.mx.close()


async def test_a_remote_stranger_is_refused_and_a_linked_id_with_a_match_is_allowed(
    kindred_app: TestClient, two_servers: TwoServers
) -> None:
    stranger = await Remote.register(two_servers, "stranger")
    bob_mx = await Remote.register(two_servers, "bob")
    try:
        ada = await sign_up(kindred_app, "ada", "Ada")
        ada_id = ada.user["matrix_user_id"]

        # Someone on the other server Kindred knows nothing of.
        refused = await stranger.mx.room_invite(await _remote_room(stranger), ada_id)
        assert isinstance(refused, RoomInviteError), refused
        assert (refused.status_code, refused.message) == ("M_FORBIDDEN", consent.STRANGER_INVITES)

        # Bob's ID on the other server is linked to a Kindred account: he is
        # a Kindred person there, held to the same rule as a local one.
        bob = await sign_up(kindred_app, "bob", "Bob")
        async with kindred_app.app[keys.DB].transaction() as conn:
            account = await users.get_by_username(conn, bob.username)
            assert account is not None
            await matrix_id_links.put(conn, account.id, bob_mx.user_id, None)
        bob_room = await _remote_room(bob_mx)
        unmatched = await bob_mx.mx.room_invite(bob_room, ada_id)
        assert isinstance(unmatched, RoomInviteError), unmatched
        assert (unmatched.status_code, unmatched.message) == ("M_FORBIDDEN", consent.NO_MATCH)

        sent = await ada.call("POST", "/requests", 201, json={"to": bob.username})
        await bob.call("POST", f"/requests/{sent['request']['id']}/accept", 200)
        allowed = await bob_mx.mx.room_invite(bob_room, ada_id)
        assert isinstance(allowed, RoomInviteResponse), allowed
    finally:
        await stranger.mx.close()
        await bob_mx.mx.close()


async def _remote_room(person: Remote) -> str:
    created = await person.mx.room_create()
    assert isinstance(created, RoomCreateResponse), created
    return str(created.room_id)


async def _age_codes(client: TestClient, by: timedelta) -> None:
    past = iso(utc_now() - by)
    async with client.app[keys.DB].transaction() as conn:
        await conn.execute("UPDATE matrix_link_codes SET expires_at = ?, created_at = ?", (past, past))


async def test_the_doctor_finds_that_other_servers_reach_this_one(two_servers: TwoServers) -> None:
    checks = {check.name: check for check in await diagnose(two_servers.kindred)}
    name = two_servers.kindred.server_name
    federation = checks["federation"]
    assert federation.status == OK, federation
    assert f"other servers reach {name} at {name} (the server name itself)" in federation.detail
    assert checks["homeserver version"].status == OK, checks["homeserver version"]

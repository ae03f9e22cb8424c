"""The bot and the mails write to each person in their language.

Fast checks with the homeserver faked (the store is real): a German
speaker's command replies, notices and mails are German, a shared room is
in the pair's common language (else English), and English stays the
default. The real homeserver answers a German speaker's ``!help`` in
test_bot_commands.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

from bridge.sync_reader import Message
from config.i18n import translator
from domain import addressing, bot_state, emails, languages, mail
from domain.provisioning import RoomPlan
from matcher.calls import Place
from matcher.command_table import COMMANDS, help_for
from matcher.commands import Commands
from matcher.icebreakers import Icebreakers
from matcher.notices import _question
from matcher.notifier import Notifier
from matcher.replies import Reply
from matcher.room_worker import RoomWorker
from store import email_codes, users
from store.users import User
from tests.helpers import Api, eventually, sign_up
from tests.test_notifier_grace import FakeDirect, FakeRooms, _running
from web import keys

BOT = "@bot:localhost"


class _Rooms(FakeRooms):
    user_id = BOT


async def _person(client: Any, name: str, language: str | None) -> tuple[Api, User]:
    ctx = client.app[keys.KINDRED]
    person = await sign_up(client, name, name.title(), ["chess", "go"])
    async with ctx.db.read() as conn:
        user = await users.get_by_username(conn, person.username)
    assert user is not None
    if language is not None:
        await languages.set_language(ctx, user, language)
        user = await _reread(ctx, user)
    return person, user


async def _reread(ctx: Any, user: User) -> User:
    async with ctx.db.read() as conn:
        found = await users.get(conn, user.id)
    assert found is not None
    return found


def test_help_is_translated_but_the_commands_stay_the_same() -> None:
    german = help_for(Place.DIRECT, translator("de"))
    assert german.body.startswith("Das kann ich hier für dich tun:")
    assert "!accept <Benutzername>" in german.body and "die Anfrage annehmen" in german.body
    for spec in COMMANDS:
        if spec.listed(Place.DIRECT):
            assert f"!{spec.name}" in german.body
    assert "Befehle in einem Match-Raum" in help_for(Place.MATCH, translator("de")).body
    # No language chosen, or one Kindred does not speak: English.
    assert help_for(Place.DIRECT, translator(None)).body == help_for(Place.DIRECT, translator("fr")).body
    assert "What I can do for you here" in help_for(Place.DIRECT, translator(None)).body


def test_a_translated_sentence_keeps_its_pieces_formatted_and_escaped() -> None:
    reply = Reply().fill("%(person)s hat 100%% <Lust> auf %(what)s.", person=Reply().bold("<Bo>"), what="Go & Tee")
    assert reply.body == "<Bo> hat 100% <Lust> auf Go & Tee."
    assert reply.formatted == "<b>&lt;Bo&gt;</b> hat 100% &lt;Lust&gt; auf Go &amp; Tee."


def test_icebreakers_ask_in_the_rooms_language() -> None:
    picks = Icebreakers()
    asked = [picks.pick("!r", ["Schach"], translator("de")) for _ in range(10)]
    assert all("Schach" in question for question in asked)
    assert all(a != b for a, b in zip(asked, asked[1:], strict=False))
    assert not any("What" in question or "Who" in question for question in asked)


class _Client:
    """Keeps the notices the room worker posts."""

    user_id = BOT

    def __init__(self) -> None:
        self.posted: list[tuple[str, str]] = []

    async def send_notice(self, room_id: str, body: str, formatted: str, **_: object) -> str:
        self.posted.append((body, formatted))
        return "$intro"


def _someone(user_id: int, name: str, language: str | None) -> User:
    return User(user_id, name.lower(), "", name, "", f"@{name.lower()}:localhost", "active", "", language=language)


async def test_a_match_room_is_introduced_in_the_pairs_shared_language() -> None:
    client = _Client()
    worker = RoomWorker(None, client, sweep=False)  # type: ignore[arg-type]
    german = RoomPlan(1, "provisioning", None, (_someone(1, "Ada", "de"), _someone(2, "Bo", "de")), ["Go"], "i")
    mixed = RoomPlan(2, "provisioning", None, (_someone(1, "Ada", "de"), _someone(3, "Cy", None)), [], "i")
    await worker._introduce("!a", german, check_first=False)
    await worker._introduce("!b", mixed, check_first=False)
    assert client.posted[0][0].startswith("Ada und Bo, ihr seid ein Match auf Kindred! Ihr mögt beide: Go.")
    assert "<b>Ada</b> und <b>Bo</b>" in client.posted[0][1]
    assert client.posted[1][0].startswith("Ada and Cy, you matched on Kindred!")


def test_a_rounds_check_in_asks_in_the_readers_language() -> None:
    trio = [_someone(2, "Bo", "de"), _someone(3, "Cy", "de")]
    asked = _question(trio, True, "https://matrix.to/#/!r:localhost", translator("de").gettext)
    assert asked.body.startswith(
        "Eine freundliche Erinnerung: Habt ihr drei euch getroffen? Deine Runde hat dich Bo (@bo) und Cy (@cy) vorgestellt."
    )
    assert "Antworte mit !met yes oder !met no" in asked.body and "Dein Raum: öffnen (https://" in asked.body
    english = _question(trio[:1], False, None, translator(None).gettext)
    assert english.body.startswith("Did you two meet? Your round introduced you to Bo (@bo).")


async def test_a_german_speakers_commands_are_answered_in_german(offline_client) -> None:
    ctx = offline_client.app[keys.KINDRED]
    _, ada = await _person(offline_client, "ada", "de")
    assert ada.matrix_user_id
    await bot_state.remember_direct_room(ctx, ada.id, "!dm-ada:localhost")
    rooms = _Rooms()
    commands = Commands(ctx, rooms, FakeDirect())  # type: ignore[arg-type]

    async def say(body: str) -> str:
        assert ada.matrix_user_id
        await commands.handle(
            Message("!dm-ada:localhost", f"${len(rooms.notices)}", ada.matrix_user_id, body, "m.text", 0)
        )
        return rooms.notices[-1][1]

    assert "Deine Interessen: chess, go." in await say("!interests")
    assert "kenne ich nicht" in await say("!frobnicate")
    # A rule's refusal (the domain's error catalogue) is German too.
    assert "Sag mir, wen: !accept <Benutzername>" in await say("!accept")
    assert "Gerade habe ich keine Vorschläge" in await say("!suggest")
    # Rounds: the words sent stay English, the answers are German.
    assert "Du machst bei den Runden nicht mit. Sende !rounds on" in await say("!rounds")
    joined = await say("!rounds on fortnightly")
    assert joined.startswith("Du machst bei den Runden mit. Runden: alle zwei Wochen, Zeitzone UTC.")
    assert re.search(r"Deine nächste Runde: Montag, \d{4}-\d\d-\d\d, 10:00 Uhr\.", joined), joined
    assert "Die nächste Runde setzt du aus." in await say("!rounds skip")
    assert "Sag, bis wann: !rounds pause JJJJ-MM-TT" in await say("!rounds pause")
    assert "Nutze !rounds, !rounds on" in await say("!rounds sometimes")
    assert "Keine Vorstellung wartet auf deine Antwort." in await say("!met yes")


async def test_notices_and_shared_rooms_follow_their_readers(offline_client) -> None:
    ctx = offline_client.app[keys.KINDRED]
    ada_api, ada = await _person(offline_client, "ada", None)
    _, bo = await _person(offline_client, "bo", "de")
    cy_api, cy = await _person(offline_client, "cy", "de")
    rooms = FakeRooms()
    async with _running(Notifier(ctx, rooms, FakeDirect())):  # type: ignore[arg-type]
        await ada_api.call("POST", "/requests", 201, json={"to": bo.username, "note": "Go?"})
        await cy_api.call("POST", "/requests", 201, json={"to": ada.username})

        def told(user: User) -> list[str]:
            return [body for room, body in rooms.notices if room == f"!dm-{user.username}:localhost"]

        # Bo reads German, Ada (who chose nothing) English.
        to_bo = await eventually(lambda: asyncio.sleep(0, told(bo)), timeout=5)
        assert "möchte sich mit dir verbinden" in to_bo[0] and "Ihr mögt beide: chess, go." in to_bo[0]
        assert "Die Notiz dazu: “Go?”" in to_bo[0]
        to_ada = await eventually(lambda: asyncio.sleep(0, told(ada)), timeout=5)
        assert "would like to connect with you" in to_ada[0]
    # A room for two: their shared language, else English.
    assert addressing.for_people(bo, cy).locale == "de"
    assert addressing.for_people(ada, bo).locale == "en"
    assert addressing.for_person(ada).locale == "en"


async def test_a_german_speakers_mail_is_german_in_every_part(offline_client) -> None:
    ctx = offline_client.app[keys.KINDRED]
    _, bo = await _person(offline_client, "bo", "de")
    async with ctx.db.transaction() as conn:
        await emails.send_code(conn, ctx, bo, "bo@example.org", email_codes.CHANGE)
    kept = [m for m in await mail.outbox_page(ctx, 10, 0) if m.to_address == "bo@example.org"]
    assert kept[0].subject.startswith("Bestätige deine neue E-Mail-Adresse für Kindred: ")
    assert f"Hallo {bo.display_name}," in kept[0].text_body and "Minuten lang" in kept[0].text_body
    assert '<html lang="de">' in kept[0].html_body and "Diese E-Mail hat dir Kindred" in kept[0].html_body
    # Every kind renders in German, with its plural forms and names escaped.
    context = {
        "site": "https://kindred.example",
        "code": "123456",
        "username": "bo",
        "display_name": "<Bo>",
        "minutes": 15,
        "how": "profile",
        "link": "https://kindred.example/reset?token=t",
        "token": "t",
        "requests": [("Ada", "ada", None), ("Cy", "cy", "Tee?")],
        "matches": [],
        "requests_url": "u",
        "matches_url": "m",
        "unsubscribe": "x",
    }
    for kind in mail.KINDS.values():
        subject, text, html = mail.render(kind, context, "de")
        english = mail.render(kind, context, None)
        assert subject != english[0], kind.name
        assert text.startswith("Hallo <Bo>,") and "<p>Hallo &lt;Bo&gt;,</p>" in html, kind.name
    _, text, html = mail.render(mail.DIGEST, context, "de")
    assert "2 Personen möchten sich auf Kindred mit dir verbinden" in text and "Abbestellen" in html
    # The code that proves a Matrix ID, sent over Matrix, like a mail.
    code = mail.render_message("matrix_link_code", context, "de")
    assert "lautet dein Code 123456" in code and "!verify 123456" in code

"""Pages and API errors in the reader's language: the browser's when signed
out, the Profile setting when signed in; error codes never change."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from aiohttp.test_utils import TestClient

from domain import mail, moderation
from domain.languages import language_of, written_language
from store import users
from tests.helpers import Api, assert_status, csrf_token, page_login, sign_up
from web import keys

GERMAN = {"Accept-Language": "de-DE,de;q=0.9,en;q=0.5"}
ENGLISH = {"Accept-Language": "en-GB,en;q=0.8"}


async def _send_to_self(client: TestClient, person: Api) -> Any:
    """A request to oneself, from a client whose browser asks for English."""
    sent = await client.post("/api/v1/requests", json={"to": person.username}, headers={**person.headers, **ENGLISH})
    return await assert_status(sent, 400)


async def test_signed_out_pages_follow_the_browser(offline_client: TestClient) -> None:
    german = await offline_client.get("/", headers=GERMAN)
    text = await assert_status(german, 200)
    assert '<html lang="de">' in text and "Finde Leute, die deine Interessen teilen" in text
    assert "Registrieren" in text and "Sign up" not in text
    # A {% trans %} block, its whitespace trimmed as extracted, its links filled in.
    assert "Beschreib dich durch das, was du liebst, sieh, wer es teilt, und sende eine Anfrage." in text
    assert '<a class="button" href="/signup">Konto erstellen</a> oder <a href="/login">anmelden</a>.' in text
    assert german.headers["Content-Language"] == "de" and "Accept-Language" in german.headers.getall("Vary")
    style = await offline_client.get("/static/style.css", headers=GERMAN)
    assert style.status == 200 and "Content-Language" not in style.headers
    english = await assert_status(await offline_client.get("/", headers=ENGLISH), 200)
    assert '<html lang="en">' in english and "Find people who share your interests" in english
    # A language Kindred does not speak falls back to English.
    assert '<html lang="en">' in await assert_status(
        await offline_client.get("/", headers={"Accept-Language": "fr"}), 200
    )
    missing = await offline_client.get("/no-such-page", headers=GERMAN)
    assert "Nicht gefunden" in await assert_status(missing, 404)


async def test_form_errors_and_signed_out_api_errors_follow_the_browser(offline_client: TestClient) -> None:
    person = await sign_up(offline_client, "ute")
    await offline_client.get("/login", headers=GERMAN)
    wrong = await offline_client.post(
        "/login",
        data={"username": person.username, "password": "not it at all", "csrf_token": csrf_token(offline_client)},
        headers=GERMAN,
    )
    assert "Falscher Benutzername oder falsches Passwort." in await assert_status(wrong, 401)
    refused = await offline_client.post(
        "/api/v1/auth/login", json={"username": person.username, "password": "not it at all"}, headers=GERMAN
    )
    error = (await assert_status(refused, 401))["error"]
    assert error == {"code": "invalid_credentials", "message": "Falscher Benutzername oder falsches Passwort."}
    english = await offline_client.post("/api/v1/auth/login", json={"username": person.username, "password": "x"})
    assert (await assert_status(english, 401))["error"]["message"] == "Wrong username or password."
    # A message with a value put in: translated first, then filled.
    bad = await offline_client.post("/api/v1/auth/signup", json={"password": "x"}, headers=GERMAN)
    error = (await assert_status(bad, 400))["error"]
    assert error == {"code": "field_required", "message": "„username“ ist erforderlich.", "field": "username"}


async def test_the_profile_setting_switches_a_signed_in_persons_pages_and_api_messages(
    offline_client: TestClient,
) -> None:
    person = await sign_up(offline_client, "jo")
    await page_login(offline_client, person)
    before = await assert_status(await offline_client.get("/discover", headers=ENGLISH), 200)
    assert '<html lang="en">' in before and ">Discover</h1>" in before

    chosen = await offline_client.post(
        "/profile/language", data={"language": "de", "csrf_token": csrf_token(offline_client)}, headers=ENGLISH
    )
    page = await assert_status(chosen, 200)
    assert chosen.url.path == "/profile" and "Sprache gespeichert." in page
    assert '<option value="de" lang="de" selected>Deutsch</option>' in page
    # The setting wins over the browser, on every page...
    after = await assert_status(await offline_client.get("/discover", headers=ENGLISH), 200)
    assert '<html lang="de">' in after and ">Entdecken</h1>" in after and "Anfragen" in after
    # ...and in the API's messages; the code stays the same.
    refused = await _send_to_self(offline_client, person)
    assert refused["error"] == {
        "code": "cannot_request_self",
        "message": "Du kannst dir selbst keine Anfrage senden.",
        "field": "to",
    }

    # Back to "as my browser asks".
    await offline_client.post(
        "/profile/language", data={"language": "", "csrf_token": csrf_token(offline_client)}, headers=ENGLISH
    )
    again = await assert_status(await offline_client.get("/discover", headers=ENGLISH), 200)
    assert '<html lang="en">' in again and ">Discover</h1>" in again
    english = await _send_to_self(offline_client, person)
    assert english["error"]["code"] == "cannot_request_self"
    assert english["error"]["message"] == "You cannot send a request to yourself."


async def test_a_language_kindred_does_not_offer_is_refused_by_the_field(offline_client: TestClient) -> None:
    person = await sign_up(offline_client, "kai")
    await page_login(offline_client, person)
    refused = await offline_client.post(
        "/profile/language", data={"language": "tlh", "csrf_token": csrf_token(offline_client)}, headers=GERMAN
    )
    page = await assert_status(refused, 400)
    assert 'id="e-language"' in page and "Wähle eine der angebotenen Sprachen." in page


async def test_concurrent_requests_each_render_in_their_own_language(offline_client: TestClient) -> None:
    async def title(headers: dict[str, str]) -> str:
        return str(await assert_status(await offline_client.get("/login", headers=headers), 200))

    pages = await asyncio.gather(*(title(GERMAN if i % 2 else ENGLISH) for i in range(40)))
    for i, page in enumerate(pages):
        wanted, unwanted = (
            ("<h1>Anmelden</h1>", "<h1>Log in</h1>") if i % 2 else ("<h1>Log in</h1>", "<h1>Anmelden</h1>")
        )
        assert wanted in page and unwanted not in page


async def test_the_language_is_chosen_and_shown_through_the_api_too(offline_client: TestClient) -> None:
    person = await sign_up(offline_client, "lea")
    assert (await person.call("GET", "/me", 200))["language"] is None
    assert await person.call("PUT", "/me/language", 200, json={"language": "de"}) == {"language": "de"}
    assert (await person.call("GET", "/me", 200))["language"] == "de"
    assert (await person.call("GET", "/me/export", 200))["profile"]["language"] == "de"
    assert await language_of(offline_client.app[keys.KINDRED], await _id_of(offline_client, person)) == "de"
    refused = await person.call("PUT", "/me/language", 400, json={"language": "fr"})
    assert refused["error"] == {
        "code": "language_invalid",
        "message": "Wähle eine der angebotenen Sprachen.",
        "field": "language",
    }
    assert await person.call("PUT", "/me/language", 200, json={"language": ""}) == {"language": None}
    # Where no browser asks (the bot, mails), no choice means the default language.
    assert await language_of(offline_client.app[keys.KINDRED], await _id_of(offline_client, person)) == "en"


async def _id_of(client: TestClient, person: Api) -> int:
    async with client.app[keys.DB].read() as conn:
        found = await users.get_by_username(conn, person.username)
    assert found is not None
    return found.id


async def test_rounds_and_their_operators_page_read_in_german(offline_client: TestClient) -> None:
    person = await sign_up(offline_client, "runde")
    await page_login(offline_client, person)
    page = await assert_status(await offline_client.get("/profile/rounds", headers=GERMAN), 200)
    assert "Du machst bei den Runden nicht mit." in page and "Vorstellungen kommen montags um 10:00 Uhr" in page
    # The stored values stay; what people read of them is German.
    assert '<option value="fortnightly">Alle zwei Wochen</option>' in page

    async def save(**fields: str) -> str:
        data = {"enabled": "on", "cadence": "fortnightly", "timezone": "UTC", **fields}
        sent = await offline_client.post(
            "/profile/rounds", data={**data, "csrf_token": csrf_token(offline_client)}, headers=GERMAN
        )
        return str(await sent.text())

    assert "Diese Zeitzone kennt Kindred nicht" in await save(timezone="Mars/Olympus")
    saved = await save(skip_next="on")
    # Weekday in German, the date as YYYY-MM-DD.
    assert re.search(r"Gespeichert\. Deine nächste Runde: Montag, \d{4}-\d\d-\d\d, 10:00 Uhr\.", saved), saved
    assert "Du machst bei den Runden mit</strong>: alle zwei Wochen, die nächste setzt du aus." in saved

    operator = await sign_up(offline_client, "betreiber")
    await moderation.set_admin(offline_client.app[keys.KINDRED], moderation.COMMAND_LINE, operator.username, True)
    await page_login(offline_client, operator)
    admin = await assert_status(await offline_client.get("/admin/rounds", headers=GERMAN), 200)
    assert "<title>Runden · Verwaltung" in admin and "Noch keine Runden." in admin


async def test_mail_follows_the_signup_pages_language_until_a_choice(offline_client: TestClient) -> None:
    """The bot and mails have no browser: they write in what the browser asked
    for at signup and at the latest login, until the person chooses on Profile."""
    ctx = offline_client.app[keys.KINDRED]
    credentials = {"username": "maren", "password": "a long enough password"}
    signup = {**credentials, "display_name": "Maren", "email": "maren@example.org"}
    await assert_status(await offline_client.post("/api/v1/auth/signup", json=signup, headers=GERMAN), 201)
    kept = [m for m in await mail.outbox_page(ctx, 10, 0) if m.to_address == "maren@example.org"]
    assert kept[0].subject.startswith("Dein Kindred-Code: ")

    async def written() -> str:
        async with ctx.db.read() as conn:
            user = await users.get_by_username(conn, "maren")
        return written_language(user)

    assert await written() == "de"
    # A login from an English browser moves it; a script that asks for nothing does not.
    await assert_status(await offline_client.post("/api/v1/auth/login", json=credentials, headers=ENGLISH), 200)
    assert await written() == "en"
    await assert_status(await offline_client.post("/api/v1/auth/login", json=credentials), 200)
    assert await written() == "en"
    # Her own choice beats any browser.
    tokens = await assert_status(await offline_client.post("/api/v1/auth/login", json=credentials, headers=GERMAN), 200)
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    await assert_status(await offline_client.put("/api/v1/me/language", json={"language": "en"}, headers=headers), 200)
    assert await written() == "en"

"""/api/v1/me/password, /me/email, /me/digest, /me/export and DELETE /me: your password,
your address, your digest mail, your data, and leaving."""

from __future__ import annotations

from aiohttp import web

from domain import circle_presence, credentials, digests, emails, exports, languages, leaving
from web import keys, serializers
from web.api.people import me
from web.auth import issue_pair
from web.bodies import parse_json
from web.schemas import (
    ChangePasswordBody,
    DeleteAccountBody,
    DigestBody,
    EmailBody,
    LanguageBody,
    PresenceBody,
    VerifyBody,
)


async def change_password(request: web.Request) -> web.Response:
    body = await parse_json(request, ChangePasswordBody)
    user = await credentials.change(
        request.app[keys.KINDRED], request[keys.USER], body.current_password, body.new_password
    )
    # Every session ended with the old password; this one goes on with a new pair.
    return web.json_response(await issue_pair(request.app, user))


async def change_email(request: web.Request) -> web.Response:
    body = await parse_json(request, EmailBody)
    await emails.request_change(request.app[keys.KINDRED], request[keys.USER], body.email)
    return web.json_response({"email_verification": "sent"}, status=202)


async def verify_email_change(request: web.Request) -> web.StreamResponse:
    body = await parse_json(request, VerifyBody)
    request[keys.USER] = await emails.confirm_change(request.app[keys.KINDRED], request[keys.USER], body.code)
    return await me(request)


async def choose_digest(request: web.Request) -> web.Response:
    body = await parse_json(request, DigestBody)
    chosen = await digests.choose(request.app[keys.KINDRED], request[keys.USER], body.frequency)
    return web.json_response({"frequency": chosen})


async def get_presence(request: web.Request) -> web.Response:
    hidden = await circle_presence.is_hidden(request.app[keys.KINDRED], request[keys.USER].id)
    return web.json_response({"hidden": hidden})


async def choose_presence(request: web.Request) -> web.Response:
    body = await parse_json(request, PresenceBody)
    await circle_presence.set_hidden(request.app[keys.KINDRED], request[keys.USER].id, body.hidden)
    return web.json_response({"hidden": body.hidden})


async def choose_language(request: web.Request) -> web.Response:
    body = await parse_json(request, LanguageBody)
    chosen = await languages.set_language(request.app[keys.KINDRED], request[keys.USER], body.language)
    return web.json_response({"language": chosen})


async def export_data(request: web.Request) -> web.Response:
    data = await exports.export(request.app[keys.KINDRED], request[keys.USER])
    disposition = f'attachment; filename="{serializers.export_filename(data)}"'
    return web.json_response(serializers.account_export(data), headers={"Content-Disposition": disposition})


async def delete_account(request: web.Request) -> web.Response:
    body = await parse_json(request, DeleteAccountBody)
    await leaving.delete_account(request.app[keys.KINDRED], request[keys.USER], body.password)
    return web.json_response({"deleted": True})

"""The JSON API, declared once: one entry per operation.

Each entry carries what every consumer needs: the method, path, handler and
route name (web/routes.py registers the router from them), whether anyone
may call it (web/auth.py's public paths), and its summary, body model
(web/schemas.py), answers, error codes and parameters (web/openapi.py builds
the document from them). Adding a route is adding one entry here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable

from aiohttp import web

from web.api import account, auth, avatars, circles, docs, matches, matrix_id, people, requests, rounds, safety
from web.schemas import (
    Body,
    ChangePasswordBody,
    CheckinBody,
    CreateCircleBody,
    DeleteAccountBody,
    DigestBody,
    EmailBody,
    ForgotBody,
    LanguageBody,
    LinkBody,
    LoginBody,
    ModerateCircleBody,
    PresenceBody,
    ProfileBody,
    RefreshBody,
    ReportBody,
    ResendCodeBody,
    ResetBody,
    RoundsBody,
    SendRequestBody,
    SignupBody,
    UpdateCircleBody,
    VerifyBody,
    VerifyEmailBody,
)

Schema = dict[str, Any]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class Param:
    name: str
    where: str  # "query" or "path"
    schema: Schema
    description: str = ""


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    handler: Handler
    route: str
    summary: str
    tag: str
    answers: dict[int, str]  # status -> response schema name (web/openapi.py SCHEMAS)
    errors: tuple[str, ...] = ()
    body: type[Body] | None = None
    params: tuple[Param, ...] = ()
    public: bool = False
    description: str = ""
    # Merged into the operation as is: for bodies that are not JSON.
    extra: dict[str, Any] = field(default_factory=dict)
    # False for the HTML page about the document, which is not itself in it.
    documented: bool = True


_TEXT_ERRORS = ("field_required", "field_type", "control_characters")
_REQUEST_ID = Param("id", "path", {"type": "integer", "minimum": 1})
_MATCH_ID = Param("id", "path", {"type": "integer", "minimum": 1})
_USERNAME = Param("username", "path", {"type": "string"})
_ANSWER_ERRORS = ("request_not_found", "request_not_pending", "not_found")
# Naming a Matrix ID of another server, and reaching it.
_LINK_ERRORS = (
    "field_required",
    "field_type",
    "matrix_id_invalid",
    "matrix_id_not_external",
    "matrix_id_taken",
    "federation_off",
    "matrix_server_unreachable",
    "matrix_invite_refused",
    "homeserver_unavailable",
)
_IMAGE: Schema = {"type": "string", "contentMediaType": "image/*", "maxLength": 2 * 1024 * 1024}
_AVATAR_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            **{kind: {"schema": _IMAGE} for kind in ("image/png", "image/jpeg", "image/gif", "image/webp")},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["avatar"],
                    "properties": {"avatar": {**_IMAGE, "format": "binary"}},
                    "additionalProperties": True,
                }
            },
        },
    }
}
_CODE_ERRORS = (
    "field_required",
    "field_type",
    "no_pending_code",
    "verification_code_wrong",
    "verification_code_expired",
    "verification_code_spent",
)
_NEW_PASSWORD_ERRORS = ("password_invalid", "password_is_username", "password_common", "control_characters")
_LIMIT = Param("limit", "query", {"type": "integer", "minimum": 1, "maximum": 100, "default": 20})

_SLUG = Param("slug", "path", {"type": "string"}, "The circle's address, as in its page's URL.")
_PAGE = Param("page", "query", {"type": "integer", "minimum": 1, "default": 1})
_CIRCLE_TEXT_ERRORS = ("field_type", "control_characters", "format_characters")
# Who may do what to a member (web/api/circles.py, domain/circle_moderation.py).
_MODERATION = {
    "remove": ("Remove someone from a circle", "Owners and moderators; they may join again (a ban keeps them out)."),
    "ban": ("Ban someone from a circle", "Owners and moderators; also someone not in it, to keep them out."),
    "unban": ("Lift a ban", "Owners and moderators; the person may join again."),
    "promote": ("Make a member a moderator, or a moderator an owner", "Owners only."),
    "demote": ("Make an owner a moderator, or a moderator a member", "Owners only; never the last owner."),
}


def _circle_operations() -> tuple[Operation, ...]:
    found = [
        Operation(
            "get",
            "/api/v1/circles",
            circles.list_circles,
            "api_circles",
            "Circles: group chats about one interest",
            "circles",
            {200: "CircleList"},
            ("invalid_parameter",),
            params=(
                Param("interest", "query", {"type": "string"}, "Only circles about this interest."),
                Param("q", "query", {"type": "string", "maxLength": 100}, "Part of a circle's name."),
                _PAGE,
            ),
            description="Open circles, those about your interests first: ranked by how many of their members "
            "share your interests, then by recent activity. 20 a page.",
        ),
        Operation(
            "post",
            "/api/v1/circles",
            circles.create,
            "api_circle_create",
            "Start a circle",
            "circles",
            {201: "Circle"},
            (
                "field_required",
                *_CIRCLE_TEXT_ERRORS,
                "circle_name_invalid",
                "circle_name_taken",
                "circle_description_too_long",
                "circle_cap_invalid",
                "circle_interest_not_held",
            ),
            body=CreateCircleBody,
            description="For one of your interests; you become its owner. Its room is made on the homeserver "
            "inside Kindred's Space: my_state is joining until you are in it (also while the homeserver is "
            "down: it completes when it returns).",
        ),
        Operation(
            "get",
            "/api/v1/circles/{slug}",
            circles.get,
            "api_circle",
            "One circle, with its owners and moderators",
            "circles",
            {200: "CircleDetail"},
            ("circle_not_found",),
            params=(_SLUG,),
        ),
        Operation(
            "patch",
            "/api/v1/circles/{slug}",
            circles.update,
            "api_circle_update",
            "Change a circle's name, description or member cap",
            "circles",
            {200: "Circle"},
            (
                "circle_not_found",
                *_CIRCLE_TEXT_ERRORS,
                "circle_name_invalid",
                "circle_name_taken",
                "circle_description_too_long",
                "circle_cap_invalid",
                "circle_cap_too_low",
                "circle_not_moderator",
                "circle_not_owner",
                "circle_closed",
            ),
            body=UpdateCircleBody,
            params=(_SLUG,),
            description="Name and description: owners and moderators (the room's name and topic follow); "
            "member_cap: owners, not below the members already in.",
        ),
        Operation(
            "post",
            "/api/v1/circles/{slug}/join",
            circles.join,
            "api_circle_join",
            "Join a circle",
            "circles",
            {200: "Circle", 202: "Circle"},
            ("circle_not_found", "circle_full", "circle_closed", "circle_banned"),
            params=(_SLUG,),
            description="People of Kindred's homeserver are put in the room at once; a linked Matrix ID of "
            "another server is invited. 202 (my_state joining) while the homeserver has yet to do it. "
            "Joining again is a no-op.",
        ),
        Operation(
            "post",
            "/api/v1/circles/{slug}/leave",
            circles.leave,
            "api_circle_leave",
            "Leave a circle",
            "circles",
            {200: "Circle"},
            ("circle_not_found", "circle_not_member", "circle_last_owner"),
            params=(_SLUG,),
            description="The last owner must make someone else an owner, or close the circle, first.",
        ),
        Operation(
            "get",
            "/api/v1/circles/{slug}/members",
            circles.members,
            "api_circle_members",
            "A circle's members",
            "circles",
            {200: "CircleMembers"},
            ("circle_not_found", "invalid_parameter"),
            params=(_SLUG, _PAGE),
            description="Owners, then moderators, then members, by username; 50 a page.",
        ),
        Operation(
            "post",
            "/api/v1/circles/{slug}/close",
            circles.close,
            "api_circle_close",
            "Close a circle",
            "circles",
            {200: "Circle"},
            ("circle_not_found", "circle_not_moderator", "circle_not_owner", "circle_closed"),
            params=(_SLUG,),
            description="Owners only. The room turns read-only (its history stays) and leaves the Space; "
            "the circle is hidden from the list.",
        ),
    ]
    for action, (summary, description) in _MODERATION.items():
        found.append(
            Operation(
                "post",
                f"/api/v1/circles/{{slug}}/members/{{username}}/{action}",
                circles.moderation(action),
                f"api_circle_{action}",
                summary,
                "circles",
                {200: "CircleMember"},
                (
                    "circle_not_found",
                    "user_not_found",
                    "circle_member_not_found",
                    "circle_not_banned",
                    "circle_not_moderator",
                    "circle_not_owner",
                    "circle_outranked",
                    "circle_cannot_moderate_self",
                    "circle_role_limit",
                    "circle_last_owner",
                    "circle_closed",
                    "field_type",
                    "control_characters",
                ),
                body=ModerateCircleBody,
                params=(_SLUG, _USERNAME),
                description=description + " Done in the room too; a kick or ban made in Element shows here.",
            )
        )
    return tuple(found)


OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "post",
        "/api/v1/auth/signup",
        auth.signup,
        "api_signup",
        "Sign up",
        "auth",
        {201: "SignedUp", 202: "VerificationSent"},
        (
            *_TEXT_ERRORS,
            "username_invalid",
            "username_all_digits",
            "password_invalid",
            "display_name_invalid",
            "format_characters",
            "homeserver_refused",
            "username_taken",
            "rate_limited",
            "homeserver_unavailable",
            "password_is_username",
            "password_common",
            "email_invalid",
            "email_required",
            "email_taken",
            *_LINK_ERRORS,
        ),
        body=SignupBody,
        public=True,
        description="Creates the Kindred account and its Matrix account (same username and password) together. "
        "With an email address, a six-digit code is mailed to it. Where the server requires email "
        "(require_email), the answer is 202 without tokens: the account, and its Matrix account, "
        "are made when the code comes back (POST /api/v1/auth/verify-email).",
    ),
    Operation(
        "post",
        "/api/v1/auth/verify-email",
        auth.verify_email,
        "api_verify_email",
        "Prove your email address with its code",
        "auth",
        {200: "TokenPair"},
        (
            *_CODE_ERRORS,
            "email_taken",
            "username_taken",
            "homeserver_refused",
            "homeserver_unavailable",
            "rate_limited",
        ),
        body=VerifyEmailBody,
        public=True,
        description="Answers like a login. Codes live 15 minutes and allow 5 tries; an account waiting "
        "for its code is made now.",
    ),
    Operation(
        "post",
        "/api/v1/auth/resend-code",
        auth.resend_code,
        "api_resend_code",
        "Mail a new email code",
        "auth",
        {202: "CodeSent"},
        ("field_required", "field_type", "no_pending_code", "rate_limited"),
        body=ResendCodeBody,
        public=True,
        description="At most one a minute (429 with Retry-After before that); the earlier code stops working.",
    ),
    Operation(
        "post",
        "/api/v1/auth/forgot",
        auth.forgot,
        "api_forgot",
        "Mail a password reset link",
        "auth",
        {202: "ResetMailed"},
        ("field_required", "field_type", "rate_limited"),
        body=ForgotBody,
        public=True,
        description="By username or email. Only a verified address gets the mail; the answer is the same "
        "whether or not anyone has that name or address. The link (and its token) work once, for 30 minutes.",
    ),
    Operation(
        "post",
        "/api/v1/auth/reset",
        auth.reset,
        "api_reset",
        "Set a new password with a reset token",
        "auth",
        {200: "PasswordReset"},
        (
            "field_required",
            "field_type",
            "reset_token_invalid",
            *_NEW_PASSWORD_ERRORS,
            "homeserver_refused",
            "homeserver_unavailable",
            "rate_limited",
        ),
        body=ResetBody,
        public=True,
        description="Sets the password on Kindred and on your Matrix account, and ends every session on both.",
    ),
    Operation(
        "post",
        "/api/v1/auth/login",
        auth.login,
        "api_login",
        "Log in",
        "auth",
        {200: "TokenPair"},
        ("invalid_credentials", "email_unverified", "rate_limited"),
        body=LoginBody,
        public=True,
    ),
    Operation(
        "post",
        "/api/v1/auth/refresh",
        auth.refresh,
        "api_refresh",
        "Swap a refresh token for a new pair",
        "auth",
        {200: "TokenPair"},
        ("refresh_token_invalid",),
        body=RefreshBody,
        public=True,
        description="The refresh token is spent; presenting it again revokes its whole family.",
    ),
    Operation(
        "post",
        "/api/v1/auth/logout",
        auth.logout,
        "api_logout",
        "Log out",
        "auth",
        {200: "LoggedOut"},
        body=RefreshBody,
        public=True,
        description="Revokes the refresh token's whole family.",
    ),
    Operation("get", "/api/v1/me", people.me, "api_me", "Your profile", "people", {200: "Me"}),
    Operation(
        "delete",
        "/api/v1/me",
        account.delete_account,
        "api_delete_account",
        "Delete your account",
        "people",
        {200: "AccountDeleted"},
        ("field_required", "field_type", "password_wrong", "user_not_found"),
        body=DeleteAccountBody,
        description="For good, with your password asked again. Your pending requests end and your matches close "
        "(the bot says so in the rooms and removes you); your profile, interests, picture, email address, codes "
        "and sessions are deleted, and every token stops working at once. Your Matrix account on Kindred's "
        "homeserver is deactivated with erasure (retried until the homeserver takes it, if it is down). "
        "The username is never given to anyone again.",
    ),
    Operation(
        "get",
        "/api/v1/me/export",
        account.export_data,
        "api_export",
        "Everything Kindred holds about you",
        "people",
        {200: "AccountExport"},
        description="One JSON file, sent as an attachment (kindred-export-USERNAME.json): your profile with "
        "your email address, interests, picture (a data URL), the requests you sent and received with their "
        "notes, your matches and their rooms, the blocks and reports you made, and your Matrix IDs. "
        "Other people appear by username only.",
    ),
    Operation(
        "post",
        "/api/v1/me/password",
        account.change_password,
        "api_password",
        "Change your password",
        "people",
        {200: "TokenPair"},
        (
            "field_required",
            "field_type",
            "password_wrong",
            *_NEW_PASSWORD_ERRORS,
            "homeserver_refused",
            "homeserver_unavailable",
        ),
        body=ChangePasswordBody,
        description="Also your Matrix password. Every other session ends (Kindred's and the Matrix "
        "account's devices); this one goes on with the new token pair in the answer.",
    ),
    Operation(
        "put",
        "/api/v1/me/digest",
        account.choose_digest,
        "api_digest",
        "Choose your digest mail",
        "people",
        {200: "Digest"},
        ("field_required", "field_type", "digest_invalid"),
        body=DigestBody,
        description="off, daily or weekly: a mail listing requests waiting for your answer and new matches, "
        "sent to your verified address when there is something to tell. Each has a one-click unsubscribe link.",
    ),
    Operation(
        "get",
        "/api/v1/me/rounds",
        rounds.get_settings,
        "api_rounds",
        "Your rounds settings",
        "rounds",
        {200: "Rounds"},
        description="Rounds introduce you, on a schedule, to someone who shares your interests; next_round is "
        "the local date of the next one you will be in (null when you are not in rounds).",
    ),
    Operation(
        "put",
        "/api/v1/me/rounds",
        rounds.put_settings,
        "api_rounds_change",
        "Change your rounds settings",
        "rounds",
        {200: "Rounds"},
        ("field_type", "round_cadence_invalid", "timezone_invalid", "pause_date_invalid"),
        body=RoundsBody,
        description="Only the fields given change. A bad value is a 400 naming the field, and nothing changes.",
    ),
    Operation(
        "get",
        "/api/v1/rounds/current",
        rounds.current,
        "api_rounds_current",
        "Whom your latest round introduced you to",
        "rounds",
        {200: "CurrentRound"},
        description="null when you have not been in a round yet; unpaired says why a round found nobody for you.",
    ),
    Operation(
        "get",
        "/api/v1/me/presence",
        account.get_presence,
        "api_presence",
        "Whether your presence is hidden",
        "people",
        {200: "Presence"},
    ),
    Operation(
        "put",
        "/api/v1/me/presence",
        account.choose_presence,
        "api_presence_change",
        "Show or hide your presence",
        "people",
        {200: "Presence"},
        ("field_required", "field_type"),
        body=PresenceBody,
        description='Pages show "online now" or "active 5 minutes ago" from the homeserver\'s presence '
        "(what Matrix clients show); hidden: true shows nothing of yours on Kindred's pages.",
    ),
    Operation(
        "put",
        "/api/v1/me/language",
        account.choose_language,
        "api_language",
        "Choose your language",
        "people",
        {200: "Language"},
        ("field_required", "field_type", "language_invalid"),
        body=LanguageBody,
        description="The language of your pages, of the error messages the API answers you with, and of "
        "the bot's messages and mails: a supported language's code, or an empty string to follow the "
        "Accept-Language header again (the bot and mails then use English).",
    ),
    Operation(
        "put",
        "/api/v1/me/email",
        account.change_email,
        "api_email",
        "Change your email address",
        "people",
        {202: "CodeSent"},
        ("field_required", "field_type", "control_characters", "email_invalid", "email_taken", "rate_limited"),
        body=EmailBody,
        description="Mails a code to the new address; the current one stays until the code is entered "
        "(POST /api/v1/me/email/verify).",
    ),
    Operation(
        "post",
        "/api/v1/me/email/verify",
        account.verify_email_change,
        "api_verify_email_change",
        "Prove a new email address with its code",
        "people",
        {200: "Me"},
        (*_CODE_ERRORS, "email_taken"),
        body=VerifyBody,
    ),
    Operation(
        "put",
        "/api/v1/me/profile",
        people.update_profile,
        "api_profile",
        "Change your profile",
        "people",
        {200: "Me"},
        (
            "field_type",
            "control_characters",
            "format_characters",
            "display_name_invalid",
            "bio_too_long",
            "interests_invalid",
            "interest_invalid",
        ),
        body=ProfileBody,
        description="Any of display_name, bio, interests; all are checked before any is written. "
        "Interests are trimmed, case-folded and de-duplicated.",
    ),
    Operation(
        "put",
        "/api/v1/me/avatar",
        avatars.upload_avatar,
        "api_avatar",
        "Set your profile picture",
        "people",
        {200: "AvatarSaved"},
        ("avatar_required", "avatar_type_invalid", "body_too_large", "user_not_found", "rate_limited"),
        extra=_AVATAR_BODY,
        description="The image bytes as the body with their Content-Type, or a multipart form with an "
        "`avatar` file. PNG, JPEG, GIF or WebP, checked by their first bytes; at most 2 MiB. "
        "Also becomes your Matrix account's avatar (if the chat server is down, Kindred keeps it anyway); "
        "the picture it replaces is deleted from the chat server. At most `avatar_uploads_per_hour` "
        "(10 by default) uploads per person per hour.",
    ),
    Operation(
        "delete",
        "/api/v1/me/avatar",
        avatars.remove_avatar,
        "api_remove_avatar",
        "Remove your profile picture",
        "people",
        {200: "AvatarRemoved"},
        ("avatar_not_found", "user_not_found"),
        description="Also taken off your Matrix account (if the chat server is down, Kindred's side "
        "is removed anyway).",
    ),
    Operation(
        "get",
        "/api/v1/me/matrix-id",
        matrix_id.show,
        "api_matrix_id",
        "Your Matrix IDs",
        "matrix",
        {200: "MatrixLink"},
    ),
    Operation(
        "post",
        "/api/v1/me/matrix-id",
        matrix_id.link,
        "api_link_matrix_id",
        "Link a Matrix ID from another homeserver",
        "matrix",
        {202: "MatrixLink"},
        (*_LINK_ERRORS, "rate_limited"),
        body=LinkBody,
        description="Kindred's bot invites the ID to a direct room and posts a six-digit code there "
        "(15 minutes, 5 tries); any earlier code stops working. At most one new code a minute.",
    ),
    Operation(
        "post",
        "/api/v1/me/matrix-id/verify",
        matrix_id.verify,
        "api_verify_matrix_id",
        "Prove a Matrix ID with its code",
        "matrix",
        {200: "MatrixLink"},
        (
            "field_required",
            "no_pending_link",
            "verification_code_wrong",
            "verification_code_expired",
            "verification_code_spent",
            "matrix_id_taken",
        ),
        body=VerifyBody,
        description="Sending `!verify <code>` to the bot in that room does the same.",
    ),
    Operation(
        "delete",
        "/api/v1/me/matrix-id",
        matrix_id.unlink,
        "api_unlink_matrix_id",
        "Unlink your Matrix ID",
        "matrix",
        {200: "MatrixLink"},
        ("matrix_id_required",),
        description="Kindred goes back to your account on its own homeserver.",
    ),
    Operation(
        "get",
        "/api/v1/suggestions",
        people.list_suggestions,
        "api_suggestions",
        "People who share your interests",
        "people",
        {200: "SuggestionList"},
        ("invalid_parameter", "control_characters", "format_characters", "interest_invalid"),
        params=(Param("interest", "query", {"type": "string"}, "Only people who list this interest."), _LIMIT),
        description="Ranked so a rare shared interest counts for more than a common one.",
    ),
    Operation(
        "get",
        "/api/v1/users",
        people.search_users,
        "api_users",
        "Find people by name",
        "people",
        {200: "UserList"},
        ("invalid_parameter",),
        params=(
            Param("q", "query", {"type": "string", "maxLength": 64}, "Part of a username or display name."),
            _LIMIT,
        ),
    ),
    Operation(
        "get",
        "/api/v1/users/{username}",
        people.user_profile,
        "api_user",
        "Someone's public profile",
        "people",
        {200: "PublicUser"},
        ("user_not_found", "not_found"),
        params=(_USERNAME,),
    ),
    Operation(
        "post",
        "/api/v1/requests",
        requests.send,
        "api_send_request",
        "Send a request",
        "requests",
        {201: "RequestOutcome", 200: "RequestOutcome"},
        (
            *_TEXT_ERRORS,
            "note_too_long",
            "user_not_found",
            "cannot_request_self",
            "request_exists",
            "already_matched",
            "user_blocked",
            "rate_limited",
        ),
        body=SendRequestBody,
        description="201 with the new request; 200 with the request and the match when they had already asked you.",
    ),
    Operation(
        "get",
        "/api/v1/requests",
        requests.list_requests,
        "api_requests",
        "Your requests",
        "requests",
        {200: "RequestList"},
        ("invalid_parameter",),
        params=(
            Param("box", "query", {"enum": ["incoming", "outgoing"], "default": "incoming"}),
            Param("status", "query", {"enum": ["pending", "accepted", "rejected", "withdrawn"]}),
        ),
    ),
    Operation(
        "post",
        "/api/v1/requests/{id}/accept",
        requests.accept,
        "api_accept",
        "Accept a request (receiver only)",
        "requests",
        {200: "RequestOutcome"},
        (*_ANSWER_ERRORS, "not_request_receiver"),
        params=(_REQUEST_ID,),
        description="Creates the match; its Matrix room follows (status provisioning, then ready).",
    ),
    Operation(
        "post",
        "/api/v1/requests/{id}/reject",
        requests.reject,
        "api_reject",
        "Reject a request (receiver only)",
        "requests",
        {200: "RequestOutcome"},
        (*_ANSWER_ERRORS, "not_request_receiver"),
        params=(_REQUEST_ID,),
    ),
    Operation(
        "post",
        "/api/v1/requests/{id}/withdraw",
        requests.withdraw,
        "api_withdraw",
        "Withdraw a request (sender only)",
        "requests",
        {200: "RequestOutcome"},
        (*_ANSWER_ERRORS, "not_request_sender"),
        params=(_REQUEST_ID,),
    ),
    Operation(
        "get",
        "/api/v1/matches",
        matches.list_matches,
        "api_matches",
        "Your matches",
        "matches",
        {200: "MatchList"},
    ),
    Operation(
        "get",
        "/api/v1/matches/{id}",
        matches.get_match,
        "api_match",
        "One of your matches",
        "matches",
        {200: "MatchBody"},
        ("match_not_found", "not_found"),
        params=(_MATCH_ID,),
    ),
    Operation(
        "post",
        "/api/v1/matches/{id}/close",
        matches.close,
        "api_close_match",
        "Close one of your matches",
        "matches",
        {200: "MatchBody"},
        ("match_not_found", "match_closed", "not_found"),
        params=(_MATCH_ID,),
        description="Either of the two may close it; the bot says so in the room and removes you both.",
    ),
    Operation(
        "post",
        "/api/v1/matches/{id}/block",
        matches.block,
        "api_block_match",
        "Close a match and block the other person",
        "matches",
        {200: "MatchBody"},
        ("match_not_found", "not_found"),
        params=(_MATCH_ID,),
        description="Closes the match if open; afterwards neither of you finds or can request the other.",
    ),
    Operation(
        "post",
        "/api/v1/matches/{id}/report",
        matches.report,
        "api_report_match",
        "Report the person of one of your matches",
        "matches",
        {201: "ReportCreated"},
        ("match_not_found", "report_reason_invalid", "not_found"),
        body=ReportBody,
        params=(_MATCH_ID,),
        description="Stored for the operators; the other person is not told.",
    ),
    Operation(
        "post",
        "/api/v1/matches/{id}/checkin",
        matches.checkin,
        "api_checkin_match",
        "Say whether you met the people a round introduced you to",
        "matches",
        {200: "CheckinAnswer"},
        (
            "field_required",
            "field_type",
            "match_not_found",
            "checkin_not_round",
            "checkin_too_early",
            "checkin_answered",
            "not_found",
        ),
        body=CheckinBody,
        params=(_MATCH_ID,),
        description="For a match a round made. Asked by the bot four days after the introduction, but may be "
        "answered from the moment the room is ready; the first answer stands (409 checkin_answered after it). "
        "Only Kindred sees it: a no places the others who did not say they met later in the next rounds.",
    ),
    Operation(
        "post",
        "/api/v1/users/{username}/block",
        safety.block_user,
        "api_block_user",
        "Block someone",
        "people",
        {200: "Blocked"},
        ("user_not_found", "cannot_block_self", "not_found"),
        params=(_USERNAME,),
        description="Ends any pending request and open match between you; neither finds or can request "
        "the other again.",
    ),
    Operation(
        "delete",
        "/api/v1/users/{username}/block",
        safety.unblock_user,
        "api_unblock_user",
        "Lift a block you made",
        "people",
        {200: "Unblocked"},
        ("block_not_found", "not_found"),
        params=(_USERNAME,),
        description="Only the person who blocked can lift it; afterwards you may find and request each other again.",
    ),
    Operation(
        "post",
        "/api/v1/users/{username}/report",
        safety.report_user,
        "api_report_user",
        "Report someone to the operators",
        "people",
        {201: "ReportCreated"},
        ("user_not_found", "cannot_report_self", "report_reason_invalid", "not_found"),
        body=ReportBody,
        params=(_USERNAME,),
        description="Stored for the operators; the other person is not told.",
    ),
    Operation(
        "get",
        "/api/v1/me/blocks",
        safety.my_blocks,
        "api_blocks",
        "The people you blocked",
        "people",
        {200: "BlockList"},
    ),
    Operation(
        "get",
        "/api/v1/openapi.json",
        docs.openapi_json,
        "api_openapi",
        "This document",
        "meta",
        {200: "OpenApiDocument"},
        public=True,
    ),
    Operation(
        "get",
        "/api/docs",
        docs.docs_page,
        "api_docs",
        "This document, for people to read",
        "meta",
        {},
        public=True,
        documented=False,
    ),
) + _circle_operations()

# API paths anyone may call; every other /api path needs a user.
PUBLIC_API = frozenset(op.path for op in OPERATIONS if op.public)


def add_routes(router: web.UrlDispatcher) -> None:
    for op in OPERATIONS:
        if op.method == "get":
            router.add_get(op.path, op.handler, name=op.route)  # and HEAD, as every GET
        else:
            router.add_route(op.method.upper(), op.path, op.handler, name=op.route)

"""The OpenAPI 3.1 description of /api/v1, built from the tables below.

``OPERATIONS`` names each route (as in web/routes.py), its body, its answers
and the catalogue codes it may answer with; ``SCHEMAS`` holds the JSON shapes
of web/serializers.py. The error responses are derived from the catalogue
(domain/errors.py) and the kind-to-status map (web/errors.py), so a 4xx in
the document lists exactly the codes that route can give. A test compares
the table with the router and runs property-based requests against it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any

from domain import validation
from domain.errors import CATALOGUE
from web.errors import STATUS

Schema = dict[str, Any]


def _ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def _obj(
    required: dict[str, Schema], optional: dict[str, Schema] | None = None, closed: bool = True
) -> Schema:
    """An object schema. Answers are closed (a field missing from the document
    fails the conformance test); bodies are open, as unknown fields are ignored."""
    return {
        "type": "object",
        "required": list(required),
        "properties": {**required, **(optional or {})},
        "additionalProperties": not closed,
    }


_STR: Schema = {"type": "string"}
_INT: Schema = {"type": "integer"}
_NULLABLE_STR: Schema = {"type": ["string", "null"]}
_AVATAR_URL: Schema = {
    "type": ["string", "null"],
    "description": "Where their picture is served (versioned; for people who are logged in), or null.",
}
_NAMES: Schema = {"type": "array", "items": _STR}
_USERNAME: Schema = {"type": "string", "pattern": r"^[a-z0-9][a-z0-9._\-]{1,31}$"}
_TOKENS: dict[str, Schema] = {
    "access_token": _STR,
    "refresh_token": _STR,
    "token_type": {"const": "Bearer"},
    "expires_in": {"type": "integer", "description": "Seconds the access token lives."},
}

SCHEMAS: dict[str, Schema] = {
    "SignupBody": _obj(
        {
            "username": _USERNAME,
            "password": {"type": "string", "minLength": validation.MIN_PASSWORD, "maxLength": validation.MAX_PASSWORD},
            "display_name": {"type": "string", "minLength": 1, "maxLength": validation.MAX_DISPLAY_NAME},
        },
        {
            "matrix_user_id": {
                **_NULLABLE_STR,
                "description": "Your Matrix ID on another homeserver: no local Matrix account is made, "
                "and Kindred's bot sends that ID a code to verify (POST /api/v1/me/matrix-id/verify).",
            }
        },
        closed=False,
    ),
    "LoginBody": _obj({"username": _STR, "password": _STR}, closed=False),
    "RefreshBody": _obj({"refresh_token": _STR}, closed=False),
    "ProfileBody": _obj(
        {},
        {
            "display_name": {"type": "string", "minLength": 1, "maxLength": validation.MAX_DISPLAY_NAME},
            "bio": {"type": "string", "maxLength": validation.MAX_BIO},
            "interests": {
                "type": "array",
                "minItems": 1,
                "maxItems": validation.MAX_INTERESTS,
                "items": {"type": "string", "minLength": 1, "maxLength": validation.MAX_INTEREST_LENGTH},
            },
        },
        closed=False,
    ),
    "SendRequestBody": _obj(
        {"to": _USERNAME},
        {"note": {"type": ["string", "null"], "maxLength": validation.MAX_NOTE}},
        closed=False,
    ),
    "TokenPair": _obj(_TOKENS),
    "SignedUp": _obj({"user": _ref("SignedUpUser"), **_TOKENS}),
    "SignedUpUser": _obj({"username": _STR, "display_name": _STR, "matrix_user_id": _NULLABLE_STR}),
    "LoggedOut": _obj({"logged_out": {"const": True}}),
    "PublicUser": _obj(
        {"username": _STR, "display_name": _STR, "bio": _STR, "interests": _NAMES, "avatar_url": _AVATAR_URL}
    ),
    "Me": _obj(
        {
            "username": _STR,
            "display_name": _STR,
            "bio": _STR,
            "interests": _NAMES,
            "avatar_url": _AVATAR_URL,
            "matrix_user_id": {**_NULLABLE_STR, "description": "The Matrix ID Kindred uses for you: a verified linked one, "
                "else your account on Kindred's server. Null for a demo person without a Matrix account, "
                "or for someone whose own Matrix ID is not verified yet."},
            "homeserver_url": _STR,
        }
    ),
    "UserList": _obj({"users": {"type": "array", "items": _ref("PublicUser")}}),
    "Suggestion": _obj(
        {
            "user": _obj({"username": _STR, "display_name": _STR, "bio": _STR, "avatar_url": _AVATAR_URL}),
            "shared_interests": _NAMES,
            "score": {"type": "number", "description": "Sum over shared interests of ln(1 + people / holders)."},
        }
    ),
    "SuggestionList": _obj({"suggestions": {"type": "array", "items": _ref("Suggestion")}}),
    "Request": _obj(
        {
            "id": _INT,
            "from": _STR,
            "from_display_name": _STR,
            "to": _STR,
            "to_display_name": _STR,
            "note": _STR,
            "status": {"enum": ["pending", "accepted", "rejected", "withdrawn"]},
            "created_at": {"type": "string", "format": "date-time"},
            "decided_at": {"type": ["string", "null"], "format": "date-time"},
        }
    ),
    "RequestList": _obj({"requests": {"type": "array", "items": _ref("Request")}}),
    "Match": _obj(
        {
            "id": _INT,
            "user": _obj({"username": _STR, "display_name": _STR, "matrix_user_id": _NULLABLE_STR}),
            "status": {"enum": ["provisioning", "ready", "closed"]},
            "room_id": _NULLABLE_STR,
            "room_url": _NULLABLE_STR,
            "shared_interests": _NAMES,
            "created_at": {"type": "string", "format": "date-time"},
        }
    ),
    "MatchList": _obj({"matches": {"type": "array", "items": _ref("Match")}}),
    "MatchBody": _obj({"match": _ref("Match")}),
    "RequestOutcome": _obj({"request": _ref("Request")}, {"match": _ref("Match")}),
    "ReportBody": _obj({"reason": {"type": "string", "minLength": 1, "maxLength": 500}}, closed=False),
    "ReportCreated": _obj(
        {
            "report": _obj(
                {
                    "id": _INT,
                    "match_id": {"type": ["integer", "null"]},
                    "reason": _STR,
                    "created_at": {"type": "string", "format": "date-time"},
                }
            )
        }
    ),
    "Blocked": _obj({"blocked": _STR}),
    "Unblocked": _obj({"unblocked": _STR}),
    "BlockList": _obj(
        {
            "blocks": {
                "type": "array",
                "items": _obj(
                    {"username": _STR, "display_name": _STR, "created_at": {"type": "string", "format": "date-time"}}
                ),
            }
        }
    ),
    "LinkBody": _obj({"matrix_user_id": {**_STR, "examples": ["@you:example.org"]}}, closed=False),
    "VerifyBody": _obj({"code": {**_STR, "pattern": "^[0-9]{6}$"}}, closed=False),
    "MatrixLink": _obj(
        {
            "matrix_user_id": {**_NULLABLE_STR, "description": "The ID Kindred uses for you: the linked one, else the local one."},
            "local_matrix_user_id": {**_NULLABLE_STR, "description": "Your account on Kindred's homeserver, if you have one."},
            "linked_matrix_user_id": {**_NULLABLE_STR, "description": "Your verified ID from another homeserver."},
            "pending": {
                "oneOf": [
                    {"type": "null"},
                    _obj(
                        {
                            "matrix_user_id": _STR,
                            "expires_at": {"type": "string", "format": "date-time"},
                            "tries_left": _INT,
                        }
                    ),
                ]
            },
        }
    ),
    "AvatarSaved": _obj(
        {"avatar_url": {**_STR, "description": "Where the picture is served, for people who are logged in."}}
    ),
    "AvatarRemoved": _obj({"avatar_url": {"type": "null"}}),
    "OpenApiDocument": {"type": "object", "required": ["openapi", "paths"]},
    "Error": _obj(
        {
            "error": _obj(
                {"code": {"type": "string", "pattern": "^[a-z_]+$"}, "message": _STR},
                {"field": {"type": "string", "description": "The input at fault, when there is one."}},
            )
        }
    ),
}


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
    route: str
    summary: str
    tag: str
    answers: dict[int, str]  # status -> schema name
    errors: tuple[str, ...] = ()
    body: str | None = None
    params: tuple[Param, ...] = ()
    public: bool = False
    description: str = ""
    # Merged into the operation as is: for bodies that are not JSON.
    extra: dict[str, Any] = field(default_factory=dict)


# Every body is read whole and must be a JSON object of at most 64 KiB.
_BODY_ERRORS = ("invalid_json", "invalid_body", "body_too_large")
_TEXT_ERRORS = ("field_required", "field_type", "control_characters")
_REQUEST_ID = Param("id", "path", {"type": "integer", "minimum": 1})
_MATCH_ID = Param("id", "path", {"type": "integer", "minimum": 1})
_ANSWER_ERRORS = ("request_not_found", "request_not_pending", "not_found")
# Naming a Matrix ID of another server, and reaching it.
_LINK_ERRORS = (
    "field_required", "field_type", "matrix_id_invalid", "matrix_id_not_external", "matrix_id_taken",
    "federation_off", "matrix_server_unreachable", "matrix_invite_refused", "homeserver_unavailable",
)
_IMAGE: Schema = {"type": "string", "contentMediaType": "image/*", "maxLength": 2 * 1024 * 1024}
_AVATAR_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            **{kind: {"schema": _IMAGE} for kind in ("image/png", "image/jpeg", "image/gif", "image/webp")},
            "multipart/form-data": {"schema": _obj({"avatar": {**_IMAGE, "format": "binary"}}, closed=False)},
        },
    }
}
_LIMIT = Param("limit", "query", {"type": "integer", "minimum": 1, "maximum": 100, "default": 20})

OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "post", "/api/v1/auth/signup", "api_signup", "Sign up", "auth", {201: "SignedUp"},
        (*_TEXT_ERRORS, "username_invalid", "username_all_digits", "password_invalid", "display_name_invalid",
         "format_characters", "username_taken", "homeserver_refused", "rate_limited", "homeserver_unavailable",
         *_LINK_ERRORS),
        body="SignupBody", public=True,
        description="Creates the Kindred account and its Matrix account (same username and password) together.",
    ),
    Operation(
        "post", "/api/v1/auth/login", "api_login", "Log in", "auth", {200: "TokenPair"},
        ("invalid_credentials", "rate_limited"), body="LoginBody", public=True,
    ),
    Operation(
        "post", "/api/v1/auth/refresh", "api_refresh", "Swap a refresh token for a new pair", "auth",
        {200: "TokenPair"}, ("refresh_token_invalid",), body="RefreshBody", public=True,
        description="The refresh token is spent; presenting it again revokes its whole family.",
    ),
    Operation(
        "post", "/api/v1/auth/logout", "api_logout", "Log out", "auth", {200: "LoggedOut"},
        body="RefreshBody", public=True, description="Revokes the refresh token's whole family.",
    ),
    Operation("get", "/api/v1/me", "api_me", "Your profile", "people", {200: "Me"}),
    Operation(
        "put", "/api/v1/me/profile", "api_profile", "Change your profile", "people", {200: "Me"},
        ("field_type", "control_characters", "format_characters", "display_name_invalid", "bio_too_long",
         "interests_invalid", "interest_invalid"),
        body="ProfileBody",
        description="Any of display_name, bio, interests; all are checked before any is written. "
        "Interests are trimmed, case-folded and de-duplicated.",
    ),
    Operation(
        "put", "/api/v1/me/avatar", "api_avatar", "Set your profile picture", "people", {200: "AvatarSaved"},
        ("avatar_required", "avatar_type_invalid", "body_too_large", "user_not_found", "rate_limited"),
        extra=_AVATAR_BODY,
        description="The image bytes as the body with their Content-Type, or a multipart form with an "
        "`avatar` file. PNG, JPEG, GIF or WebP, checked by their first bytes; at most 2 MiB. "
        "Also becomes your Matrix account's avatar (if the chat server is down, Kindred keeps it anyway); "
        "the picture it replaces is deleted from the chat server. At most `avatar_uploads_per_hour` "
        "(10 by default) uploads per person per hour.",
    ),
    Operation(
        "delete", "/api/v1/me/avatar", "api_remove_avatar", "Remove your profile picture", "people",
        {200: "AvatarRemoved"}, ("avatar_not_found", "user_not_found"),
        description="Also taken off your Matrix account (if the chat server is down, Kindred's side "
        "is removed anyway).",
    ),
    Operation(
        "get", "/api/v1/me/matrix-id", "api_matrix_id", "Your Matrix IDs", "matrix", {200: "MatrixLink"},
    ),
    Operation(
        "post", "/api/v1/me/matrix-id", "api_link_matrix_id", "Link a Matrix ID from another homeserver",
        "matrix", {202: "MatrixLink"}, (*_LINK_ERRORS, "rate_limited"), body="LinkBody",
        description="Kindred's bot invites the ID to a direct room and posts a six-digit code there "
        "(15 minutes, 5 tries); any earlier code stops working. At most one new code a minute.",
    ),
    Operation(
        "post", "/api/v1/me/matrix-id/verify", "api_verify_matrix_id", "Prove a Matrix ID with its code",
        "matrix", {200: "MatrixLink"},
        ("field_required", "no_pending_link", "verification_code_wrong", "verification_code_expired",
         "verification_code_spent", "matrix_id_taken"),
        body="VerifyBody",
        description="Sending `!verify <code>` to the bot in that room does the same.",
    ),
    Operation(
        "delete", "/api/v1/me/matrix-id", "api_unlink_matrix_id", "Unlink your Matrix ID", "matrix",
        {200: "MatrixLink"}, ("matrix_id_required",),
        description="Kindred goes back to your account on its own homeserver.",
    ),
    Operation(
        "get", "/api/v1/suggestions", "api_suggestions", "People who share your interests", "people",
        {200: "SuggestionList"}, ("invalid_parameter", "control_characters", "format_characters", "interest_invalid"),
        params=(Param("interest", "query", _STR, "Only people who list this interest."), _LIMIT),
        description="Ranked so a rare shared interest counts for more than a common one.",
    ),
    Operation(
        "get", "/api/v1/users", "api_users", "Find people by name", "people", {200: "UserList"},
        ("invalid_parameter",),
        params=(Param("q", "query", {"type": "string", "maxLength": 64}, "Part of a username or display name."), _LIMIT),
    ),
    Operation(
        "get", "/api/v1/users/{username}", "api_user", "Someone's public profile", "people",
        {200: "PublicUser"}, ("user_not_found", "not_found"), params=(Param("username", "path", _STR),),
    ),
    Operation(
        "post", "/api/v1/requests", "api_send_request", "Send a request", "requests",
        {201: "RequestOutcome", 200: "RequestOutcome"},
        (*_TEXT_ERRORS, "note_too_long", "user_not_found", "cannot_request_self", "request_exists",
         "already_matched", "user_blocked", "rate_limited"),
        body="SendRequestBody",
        description="201 with the new request; 200 with the request and the match when they had "
        "already asked you.",
    ),
    Operation(
        "get", "/api/v1/requests", "api_requests", "Your requests", "requests", {200: "RequestList"},
        ("invalid_parameter",),
        params=(
            Param("box", "query", {"enum": ["incoming", "outgoing"], "default": "incoming"}),
            Param("status", "query", {"enum": ["pending", "accepted", "rejected", "withdrawn"]}),
        ),
    ),
    Operation(
        "post", "/api/v1/requests/{id}/accept", "api_accept", "Accept a request (receiver only)", "requests",
        {200: "RequestOutcome"}, (*_ANSWER_ERRORS, "not_request_receiver"), params=(_REQUEST_ID,),
        description="Creates the match; its Matrix room follows (status provisioning, then ready).",
    ),
    Operation(
        "post", "/api/v1/requests/{id}/reject", "api_reject", "Reject a request (receiver only)", "requests",
        {200: "RequestOutcome"}, (*_ANSWER_ERRORS, "not_request_receiver"), params=(_REQUEST_ID,),
    ),
    Operation(
        "post", "/api/v1/requests/{id}/withdraw", "api_withdraw", "Withdraw a request (sender only)",
        "requests", {200: "RequestOutcome"}, (*_ANSWER_ERRORS, "not_request_sender"), params=(_REQUEST_ID,),
    ),
    Operation("get", "/api/v1/matches", "api_matches", "Your matches", "matches", {200: "MatchList"}),
    Operation(
        "get", "/api/v1/matches/{id}", "api_match", "One of your matches", "matches", {200: "MatchBody"},
        ("match_not_found", "not_found"), params=(Param("id", "path", {"type": "integer", "minimum": 1}),),
    ),
    Operation(
        "post", "/api/v1/matches/{id}/close", "api_close_match", "Close one of your matches", "matches",
        {200: "MatchBody"}, ("match_not_found", "match_closed", "not_found"), params=(_MATCH_ID,),
        description="Either of the two may close it; the bot says so in the room and removes you both.",
    ),
    Operation(
        "post", "/api/v1/matches/{id}/block", "api_block_match", "Close a match and block the other person",
        "matches", {200: "MatchBody"}, ("match_not_found", "not_found"), params=(_MATCH_ID,),
        description="Closes the match if open; afterwards neither of you finds or can request the other.",
    ),
    Operation(
        "post", "/api/v1/matches/{id}/report", "api_report_match", "Report the person of one of your matches",
        "matches", {201: "ReportCreated"}, ("match_not_found", "report_reason_invalid", "not_found"),
        body="ReportBody", params=(_MATCH_ID,),
        description="Stored for the operators; the other person is not told.",
    ),
    Operation(
        "post", "/api/v1/users/{username}/block", "api_block_user", "Block someone", "people",
        {200: "Blocked"}, ("user_not_found", "cannot_request_self", "not_found"),
        params=(Param("username", "path", _STR),),
        description="Ends any pending request and open match between you; neither finds or can request "
        "the other again.",
    ),
    Operation(
        "delete", "/api/v1/users/{username}/block", "api_unblock_user", "Lift a block you made", "people",
        {200: "Unblocked"}, ("block_not_found", "not_found"), params=(Param("username", "path", _STR),),
        description="Only the person who blocked can lift it; afterwards you may find and request each other again.",
    ),
    Operation(
        "post", "/api/v1/users/{username}/report", "api_report_user", "Report someone to the operators", "people",
        {201: "ReportCreated"}, ("user_not_found", "cannot_request_self", "report_reason_invalid", "not_found"),
        body="ReportBody", params=(Param("username", "path", _STR),),
        description="Stored for the operators; the other person is not told.",
    ),
    Operation("get", "/api/v1/me/blocks", "api_blocks", "The people you blocked", "people", {200: "BlockList"}),
    Operation(
        "get", "/api/v1/openapi.json", "api_openapi", "This document", "meta", {200: "OpenApiDocument"},
        public=True,
    ),
)


def _error_responses(op: Operation) -> dict[str, Any]:
    codes = list(op.errors)
    if op.body is not None:
        codes += _BODY_ERRORS
    if not op.public:
        codes += ["not_authenticated", "token_invalid"]
    by_status: dict[int, list[str]] = {}
    for code in dict.fromkeys(codes):
        by_status.setdefault(STATUS[CATALOGUE[code].kind], []).append(code)
    responses: dict[str, Any] = {}
    for status, group in sorted(by_status.items()):
        schema = _obj(
            {
                "error": _obj(
                    {"code": {"enum": group}, "message": _STR},
                    {"field": {"type": "string"}},
                )
            }
        )
        listing = "\n".join(f"- `{code}`: {CATALOGUE[code].message}" for code in group)
        responses[str(status)] = {
            "description": listing,
            "content": {"application/json": {"schema": schema}},
            **({"headers": {"Retry-After": {"schema": _INT}}} if "rate_limited" in group else {}),
        }
    return responses


def _operation(op: Operation) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "operationId": op.route,
        "summary": op.summary,
        "tags": [op.tag],
        "responses": {
            str(status): {"description": "OK", "content": {"application/json": {"schema": _ref(name)}}}
            for status, name in sorted(op.answers.items())
        }
        | _error_responses(op),
    }
    if op.description:
        spec["description"] = op.description
    if op.params:
        spec["parameters"] = [
            {"name": p.name, "in": p.where, "required": p.where == "path", "schema": p.schema}
            | ({"description": p.description} if p.description else {})
            for p in op.params
        ]
    if op.body is not None:
        spec["requestBody"] = {"required": True, "content": {"application/json": {"schema": _ref(op.body)}}}
    if op.public:
        spec["security"] = []
    return spec | op.extra


@cache
def document() -> dict[str, Any]:
    """The whole document; built once, never mutated."""
    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        paths.setdefault(op.path, {})[op.method] = _operation(op)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Kindred API",
            "version": "1",
            "description": (
                "Find people who share your interests; accepted requests become private Matrix rooms. "
                "Every error is a 4xx (or 503) with the body "
                '`{"error": {"code", "message", "field?"}}`; codes are stable. '
                "Every response carries an `X-Request-Id` header."
            ),
        },
        "servers": [{"url": "/"}],
        "security": [{"bearerAuth": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "JWT",
                    "description": "The access_token from signup, login or refresh; lives at most 15 minutes.",
                }
            },
            "schemas": SCHEMAS,
        },
    }

"""The OpenAPI 3.1 description of /api/v1, built from the route table.

Each operation comes from its one entry in web/api_routes.py (the same
entries register the router), each request body's schema from its model in
web/schemas.py; ``SCHEMAS`` below holds the JSON shapes of the answers
(web/serializers.py). The error responses are derived from the catalogue
(domain/errors.py) and the kind-to-status map (web/errors.py), so a 4xx in
the document lists exactly the codes that route can give. A test compares
the document with the router and runs property-based requests against it.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue

from config.i18n import SUPPORTED
from domain.errors import CATALOGUE
from web.api_routes import OPERATIONS, Operation
from web.errors import STATUS
from web.schemas import Body

Schema = dict[str, Any]


def _ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def _obj(required: dict[str, Schema], optional: dict[str, Schema] | None = None, closed: bool = True) -> Schema:
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
_TIME: Schema = {"type": "string", "format": "date-time"}
_NULLABLE_TIME: Schema = {"type": ["string", "null"], "format": "date-time"}


def _exported_request(side: str) -> Schema:
    return _obj(
        {
            "id": _INT,
            side: {**_STR, "description": "The other person's username."},
            "note": _STR,
            "status": {"enum": ["pending", "accepted", "rejected", "withdrawn"]},
            "created_at": _TIME,
            "decided_at": _NULLABLE_TIME,
        }
    )


_TOKENS: dict[str, Schema] = {
    "access_token": _STR,
    "refresh_token": _STR,
    "token_type": {"const": "Bearer"},
    "expires_in": {"type": "integer", "description": "Seconds the access token lives."},
}

# A person's chosen language; null follows the Accept-Language header.
_LANGUAGE: Schema = {"enum": [*SUPPORTED, None], "description": "Your language; null: as Accept-Language asks."}

SCHEMAS: dict[str, Schema] = {
    "TokenPair": _obj(_TOKENS),
    "SignedUp": _obj({"user": _ref("SignedUpUser"), **_TOKENS}),
    "SignedUpUser": _obj({"username": _STR, "display_name": _STR, "matrix_user_id": _NULLABLE_STR}),
    "LoggedOut": _obj({"logged_out": {"const": True}}),
    "VerificationSent": _obj(
        {
            "user": _ref("SignedUpUser"),
            "email_verification": {
                "const": "sent",
                "description": "A code is on its way to the address; POST /api/v1/auth/verify-email with it.",
            },
        }
    ),
    "CodeSent": _obj({"email_verification": {"const": "sent"}}),
    "PasswordReset": _obj({"password_reset": {"const": True}}),
    "Digest": _obj({"frequency": {"enum": ["off", "daily", "weekly"]}}),
    "Language": _obj({"language": _LANGUAGE}),
    "Presence": _obj({"hidden": {"type": "boolean"}}),
    "ResetMailed": _obj(
        {
            "reset": {
                "const": "mailed_if_known",
                "description": "The same answer whether or not an account has that name or verified address.",
            }
        }
    ),
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
            "matrix_user_id": {
                **_NULLABLE_STR,
                "description": "The Matrix ID Kindred uses for you: a verified linked one, "
                "else your account on Kindred's server. Null for a demo person without a Matrix account, "
                "or for someone whose own Matrix ID is not verified yet.",
            },
            "homeserver_url": _STR,
            "email": {**_NULLABLE_STR, "description": "Private: shown to you only."},
            "email_verified": {"type": "boolean"},
            "email_pending": {
                **_NULLABLE_STR,
                "description": "A new address waiting for its code (POST /api/v1/me/email/verify).",
            },
            "digest": {"enum": ["off", "daily", "weekly"], "description": "Digest mail of waiting requests."},
            "language": _LANGUAGE,
        }
    ),
    "AccountDeleted": _obj({"deleted": {"const": True}}),
    "AccountExport": _obj(
        {
            "kindred_export": {"const": 1, "description": "The version of this file's shape."},
            "exported_at": _TIME,
            "profile": _obj(
                {
                    "username": _STR,
                    "display_name": _STR,
                    "bio": _STR,
                    "created_at": _TIME,
                    "matrix_user_id": {**_NULLABLE_STR, "description": "The Matrix ID Kindred uses for you."},
                    "local_matrix_user_id": {
                        **_NULLABLE_STR,
                        "description": "Your account on Kindred's homeserver, if you have one.",
                    },
                    "email": _NULLABLE_STR,
                    "email_verified": {"type": "boolean"},
                    "language": {**_NULLABLE_STR, "description": "The language you chose; null: none."},
                }
            ),
            "interests": _NAMES,
            "avatar": {
                "oneOf": [
                    {"type": "null"},
                    _obj({"content_type": _STR, "data_url": {"type": "string"}, "updated_at": _TIME}),
                ]
            },
            "linked_matrix_id": {
                "oneOf": [{"type": "null"}, _obj({"matrix_user_id": _STR, "verified_at": _TIME})],
            },
            "requests": _obj(
                {
                    "sent": {"type": "array", "items": _exported_request("to")},
                    "received": {"type": "array", "items": _exported_request("from")},
                }
            ),
            "matches": {
                "type": "array",
                "items": _obj(
                    {
                        "id": _INT,
                        "with": {**_STR, "description": "The other person's username."},
                        "also": {
                            "type": "array",
                            "items": _STR,
                            "description": "In a round's group of three, the third person's username.",
                        },
                        "status": {"enum": ["provisioning", "ready", "closed"]},
                        "room_id": _NULLABLE_STR,
                        "created_at": _TIME,
                        "ready_at": _NULLABLE_TIME,
                        "closed_at": _NULLABLE_TIME,
                    }
                ),
            },
            "blocks": {"type": "array", "items": _obj({"username": _STR, "created_at": _TIME})},
            "reports": {
                "type": "array",
                "items": _obj(
                    {
                        "id": _INT,
                        "about": {**_STR, "description": "The username of the person reported."},
                        "match_id": {"type": ["integer", "null"]},
                        "reason": _STR,
                        "created_at": _TIME,
                    }
                ),
            },
            "checkins": {
                "type": "array",
                "description": "Whether you met the people a round introduced you to (null: not answered).",
                "items": _obj(
                    {
                        "match_id": _INT,
                        "met": {"type": ["boolean", "null"]},
                        "asked_at": _NULLABLE_TIME,
                        "answered_at": _NULLABLE_TIME,
                    }
                ),
            },
            "rounds": {
                "description": "Your rounds settings; null if you never opened them.",
                "oneOf": [
                    {"type": "null"},
                    _obj(
                        {
                            "enabled": {"type": "boolean"},
                            "cadence": {"enum": ["weekly", "fortnightly", "four_weekly"]},
                            "timezone": _STR,
                            "paused_until": {"type": ["string", "null"], "format": "date"},
                            "skip_next": {"type": "boolean"},
                        }
                    ),
                ],
            },
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
            "also": {
                "type": "array",
                "items": _obj({"username": _STR, "display_name": _STR}),
                "description": "The third person of a round's trio (the match is with both); empty for a pair.",
            },
        }
    ),
    "MatchList": _obj({"matches": {"type": "array", "items": _ref("Match")}}),
    "MatchBody": _obj({"match": _ref("Match")}),
    "RequestOutcome": _obj({"request": _ref("Request")}, {"match": _ref("Match")}),
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
    "Rounds": _obj(
        {
            "rounds": _obj(
                {
                    "enabled": {"type": "boolean"},
                    "cadence": {"enum": ["weekly", "fortnightly", "four_weekly"]},
                    "timezone": _STR,
                    "paused_until": {"type": ["string", "null"], "format": "date"},
                    "skip_next": {"type": "boolean"},
                    "next_round": {"type": ["string", "null"], "format": "date"},
                }
            )
        }
    ),
    "CurrentRound": _obj(
        {
            "round": {
                "oneOf": [
                    {"type": "null"},
                    _obj(
                        {
                            "round_id": _INT,
                            "ran_at": _STR,
                            "with": {"type": "array", "items": _obj({"username": _STR, "display_name": _STR})},
                            "shared_interests": _NAMES,
                            "match_id": {"type": ["integer", "null"]},
                            "match_status": {"type": ["string", "null"]},
                            "room_url": {"type": ["string", "null"]},
                            "unpaired": {"type": ["string", "null"]},
                        }
                    ),
                ]
            }
        }
    ),
    "CheckinAnswer": _obj(
        {
            "checkin": _obj(
                {
                    "match_id": _INT,
                    "met": {"type": "boolean"},
                    "with": {**_NAMES, "description": "The usernames of the others the round introduced you to."},
                }
            )
        }
    ),
    "Circle": _obj({"circle": _ref("CircleItem")}),
    "CircleItem": _obj(
        {
            "slug": _STR,
            "name": _STR,
            "interest": _STR,
            "description": _STR,
            "owner": _NULLABLE_STR,
            "member_count": _INT,
            "online_count": _INT,
            "member_cap": _INT,
            "status": {"enum": ["open", "closed"]},
            "room_id": {**_NULLABLE_STR, "description": "null until the homeserver made the room."},
            "room_url": _NULLABLE_STR,
            "my_role": {"enum": ["owner", "moderator", "member", None], "description": "null: not a member."},
            "my_state": {
                "enum": ["joining", "joined", "banned", None],
                "description": "joining: the homeserver is yet to put you in (it may be down).",
            },
        }
    ),
    "CircleList": _obj({"circles": {"type": "array", "items": _ref("CircleItem")}}),
    "CircleDetail": _obj({"circle": _ref("CircleItem"), "staff": {"type": "array", "items": _ref("CircleMemberItem")}}),
    "CircleMemberItem": _obj(
        {
            "username": _STR,
            "display_name": _STR,
            "role": {"enum": ["owner", "moderator", "member"]},
            "state": {"enum": ["joining", "joined", "leaving", "left", "removed", "banned"]},
        }
    ),
    "CircleMembers": _obj({"members": {"type": "array", "items": _ref("CircleMemberItem")}}),
    "CircleMember": _obj({"member": {"oneOf": [{"type": "null"}, _ref("CircleMemberItem")]}}),
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
    "MatrixLink": _obj(
        {
            "matrix_user_id": {
                **_NULLABLE_STR,
                "description": "The ID Kindred uses for you: the linked one, else the local one.",
            },
            "local_matrix_user_id": {
                **_NULLABLE_STR,
                "description": "Your account on Kindred's homeserver, if you have one.",
            },
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


# Every body is read whole and must be a JSON object of at most 64 KiB.
_BODY_ERRORS = ("invalid_json", "invalid_body", "body_too_large")


class _Documented(GenerateJsonSchema):
    """A body model's schema as the document shows it: keys in the order
    written, no generated titles or defaults."""

    def field_title_should_be_set(self, schema: Any) -> bool:
        return False

    def default_schema(self, schema: Any) -> JsonSchemaValue:
        return self.generate_inner(schema["schema"])

    def sort(self, value: JsonSchemaValue, parent_key: str | None = None) -> JsonSchemaValue:
        return value


def body_schema(model: type[Body]) -> Schema:
    """An open object (unknown fields are ignored) with the model's fields."""
    generated = model.model_json_schema(schema_generator=_Documented)
    return _obj(
        {name: prop for name, prop in generated["properties"].items() if name in generated.get("required", [])},
        {name: prop for name, prop in generated["properties"].items() if name not in generated.get("required", [])},
        closed=False,
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
        schema = _ref(op.body.__name__)
        spec["requestBody"] = {"required": True, "content": {"application/json": {"schema": schema}}}
    if op.public:
        spec["security"] = []
    return spec | op.extra


@cache
def document() -> dict[str, Any]:
    """The whole document; built once, never mutated."""
    documented = [op for op in OPERATIONS if op.documented]
    paths: dict[str, dict[str, Any]] = {}
    for op in documented:
        paths.setdefault(op.path, {})[op.method] = _operation(op)
    bodies = {op.body.__name__: body_schema(op.body) for op in documented if op.body is not None}
    unknown = {name for op in documented for name in op.answers.values()} - set(SCHEMAS)
    assert not unknown, f"answers with no schema: {unknown}"
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
            "schemas": {**bodies, **SCHEMAS},
        },
    }

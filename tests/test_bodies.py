"""Bodies are parsed into their models at the edge: a missing or mistyped
field gets the same catalogue error (code, message, field) as it always did,
unknown fields are ignored, and the OpenAPI document's body schemas are the
models' own."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel

from domain.errors import KindredError
from web import openapi
from web.api_routes import OPERATIONS, PUBLIC_API
from web.bodies import parse
from web.schemas import (
    LinkBody,
    LoginBody,
    ProfileBody,
    RefreshBody,
    ReportBody,
    SendRequestBody,
    SignupBody,
    VerifyBody,
)

SIGNUP = {"username": "ada", "password": "kindred-pass-31", "display_name": "Ada"}


def refusal(model: type[BaseModel], body: dict[str, Any]) -> tuple[str, str, str | None]:
    with pytest.raises(KindredError) as caught:
        parse(model, body)
    return caught.value.code, caught.value.message, caught.value.field


@pytest.mark.parametrize(
    ("model", "body", "expected"),
    [
        (SignupBody, {"password": "p", "display_name": "A"}, ("field_required", "'username' is required.", "username")),
        (SignupBody, {**SIGNUP, "password": None}, ("field_required", "'password' is required.", "password")),
        (SignupBody, {**SIGNUP, "username": 42}, ("field_type", "'username' must be a string.", "username")),
        (
            SignupBody,
            {**SIGNUP, "display_name": True},
            ("field_type", "'display_name' must be a string.", "display_name"),
        ),
        (
            SignupBody,
            {**SIGNUP, "matrix_user_id": 42},
            ("field_type", "'matrix_user_id' must be a string.", "matrix_user_id"),
        ),
        # A missing field is named before a mistyped one.
        (SignupBody, {"username": 42, "display_name": "A"}, ("field_required", "'password' is required.", "password")),
        (LoginBody, {"username": "ada"}, ("invalid_credentials", "Wrong username or password.", None)),
        (
            LoginBody,
            {"username": ["ada"], "password": "x"},
            ("invalid_credentials", "Wrong username or password.", None),
        ),
        (SendRequestBody, {}, ("field_required", "'to' is required.", "to")),
        (SendRequestBody, {"to": None}, ("field_required", "'to' is required.", "to")),
        (SendRequestBody, {"to": 7}, ("field_type", "'to' must be a username.", "to")),
        (SendRequestBody, {"to": "bo", "note": 5}, ("field_type", "'note' must be a string.", "note")),
        (ProfileBody, {"bio": None}, ("field_type", "'bio' must be a string.", "bio")),
        (ProfileBody, {"display_name": 5}, ("field_type", "'display_name' must be a string.", "display_name")),
        (ProfileBody, {"interests": None}, ("field_type", "'interests' must be a list of strings.", "interests")),
        (
            ProfileBody,
            {"interests": {"chess": True}},
            ("field_type", "'interests' must be a list of strings.", "interests"),
        ),
        (ProfileBody, {"interests": ["chess", 1]}, ("field_type", "'interests' must be a string.", "interests")),
        (ReportBody, {}, ("report_reason_invalid", "Say what happened in 1 to 500 characters.", "reason")),
        (ReportBody, {"reason": 3}, ("report_reason_invalid", "Say what happened in 1 to 500 characters.", "reason")),
        (LinkBody, {}, ("field_required", "'matrix_user_id' is required.", "matrix_user_id")),
        (LinkBody, {"matrix_user_id": 42}, ("field_type", "'matrix_user_id' must be a string.", "matrix_user_id")),
        (VerifyBody, {"code": None}, ("field_required", "'code' is required.", "code")),
    ],
)
def test_bad_fields_get_their_catalogue_error(
    model: type[BaseModel], body: dict[str, Any], expected: tuple[str, str, str | None]
) -> None:
    assert refusal(model, body) == expected


def test_good_bodies_become_typed_values_and_unknown_fields_are_ignored() -> None:
    signup = parse(SignupBody, {**SIGNUP, "shoe_size": 44})
    assert (signup.username, signup.matrix_user_id) == ("ada", None)
    assert parse(SendRequestBody, {"to": "bo"}).note is None
    # Left out is "no change"; a comma list is a list, as for the bot.
    assert (
        parse(ProfileBody, {"interests": "chess, go,, "}).changes()
        == parse(ProfileBody, {"interests": ["chess", " go"]}).changes()
    )
    assert parse(ProfileBody, {}).changes().display_name is None


def test_codes_and_tokens_of_another_type() -> None:
    # A code sent as a number is its digits; any other type is a wrong guess
    # (the domain spends a try), never a type error.
    assert parse(VerifyBody, {"code": 123456}).code == "123456"
    odd_codes: list[object] = [True, [1], 1.5, {}]
    assert [parse(VerifyBody, {"code": odd}).code for odd in odd_codes] == ["", "", "", ""]
    # Refresh refuses, and logout ignores, a token that is not text.
    assert parse(RefreshBody, {"refresh_token": 5}).refresh_token is None
    assert parse(RefreshBody, {}).refresh_token is None


def test_the_document_takes_body_schemas_from_the_models() -> None:
    schemas = openapi.document()["components"]["schemas"]
    bodies = {op.body for op in OPERATIONS if op.body is not None}
    assert len(bodies) == 23
    for model in bodies:
        documented = schemas[model.__name__]
        assert documented == openapi.body_schema(model)
        assert set(documented["properties"]) == set(model.model_fields), model.__name__
        assert documented["additionalProperties"] is True
    assert schemas["SignupBody"]["required"] == ["username", "password", "display_name"]
    assert schemas["RefreshBody"]["required"] == ["refresh_token"]
    assert schemas["ProfileBody"]["required"] == []


def test_public_paths_come_from_the_table() -> None:
    assert PUBLIC_API == {
        "/api/v1/auth/signup",
        # Proving an address and resetting a password come before any login.
        "/api/v1/auth/verify-email",
        "/api/v1/auth/resend-code",
        "/api/v1/auth/forgot",
        "/api/v1/auth/reset",
        "/api/v1/auth/login",
        "/api/v1/auth/refresh",
        "/api/v1/auth/logout",
        "/api/v1/openapi.json",
        "/api/docs",
    }
    documented = {path for path in openapi.document()["paths"]}
    assert {op.path for op in OPERATIONS if op.documented} == documented
    assert [op.path for op in OPERATIONS if not op.documented] == ["/api/docs"]

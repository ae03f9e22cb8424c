"""What a request may carry: one model per JSON body of the API and per page form.

Bodies are parsed into these at the edge (``web.bodies.parse_json`` and
``parse_form``), so the domain takes typed values and never looks at JSON.
The models check types only: lengths, blank-after-trim and the other limits
are the domain's rules, which the bot's commands go through as well. The
limits written here (``Field(json_schema_extra=...)``, ``WithJsonSchema``)
document those rules in the OpenAPI document; they are never enforced here,
so a bad value gets the same error whichever way it comes in.

Every field is text (or a list of text). A missing (or null) required field
is ``field_required``, a value of the wrong type ``field_type``; a field
annotated with ``Refuse`` gets another catalogue error instead. Unknown
fields are ignored.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    JsonValue,
    WithJsonSchema,
    field_validator,
)

from config.i18n import N_, SUPPORTED
from domain import validation
from domain.profiles import ProfileChanges


@dataclass(frozen=True)
class Refuse:
    """The error a field gets instead of field_required (``missing``) or
    field_type (``wrong_type``): a catalogue code, its message (None: the
    catalogue's) and whether the error names the field."""

    code: str
    message: str | None = None
    named: bool = True
    missing: bool = True
    wrong_type: bool = True


def _not_null(value: object) -> object:
    # An optional field may be left out, but null is not one of its values.
    if value is None:
        raise ValueError("null")
    return value


def _text_or_none(value: object) -> object:
    return value if isinstance(value, str) else None


def _code_text(value: object) -> object:
    # A code sent as a number counts as its digits; any other type is
    # simply a wrong guess (it spends a try), like a wrong number.
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return ""


def _split(text: str) -> list[str]:
    return [part for part in text.split(",") if part.strip()]


def _comma_list(value: object) -> object:
    # "chess, go" is accepted for a list, as the bot's !interests takes it.
    return _split(value) if isinstance(value, str) else value


def _doc(**schema: JsonValue) -> Any:
    """Documented limits of a field, for the OpenAPI document only."""
    return Field(json_schema_extra=schema)


NotNull = BeforeValidator(_not_null)
_USERNAME = _doc(pattern=r"^[a-z0-9][a-z0-9._\-]{1,31}$")
_DISPLAY_NAME = _doc(minLength=1, maxLength=validation.MAX_DISPLAY_NAME)
_NOT_A_STRING_LIST = Refuse("field_type", N_("'interests' must be a list of strings."), missing=False)


class Body(BaseModel):
    """A JSON body: an object whose fields have exactly the declared types."""

    model_config = ConfigDict(strict=True, extra="ignore", frozen=True)


class SignupBody(Body):
    username: Annotated[str, _USERNAME]
    password: Annotated[str, _doc(minLength=validation.MIN_PASSWORD, maxLength=validation.MAX_PASSWORD)]
    display_name: Annotated[str, _DISPLAY_NAME]
    matrix_user_id: Annotated[
        str | None,
        WithJsonSchema(
            {
                "type": ["string", "null"],
                "description": "Your Matrix ID on another homeserver: no local Matrix account is made, "
                "and Kindred's bot sends that ID a code to verify (POST /api/v1/me/matrix-id/verify).",
            }
        ),
    ] = None
    email: Annotated[
        str | None,
        WithJsonSchema(
            {
                "type": ["string", "null"],
                "format": "email",
                "maxLength": validation.MAX_EMAIL,
                "description": "Required when the server sets require_email. Private: only you see it. "
                "A six-digit code is mailed to it (POST /api/v1/auth/verify-email).",
            }
        ),
    ] = None


_NO_CREDENTIALS = Refuse("invalid_credentials", named=False)
_PASSWORD = _doc(minLength=validation.MIN_PASSWORD, maxLength=validation.MAX_PASSWORD)
_CODE = WithJsonSchema({"type": "string", "pattern": "^[0-9]{6}$"})


class LoginBody(Body):
    # Whatever is wrong, a login answers the same: no hint about which part.
    username: Annotated[str, _NO_CREDENTIALS]
    password: Annotated[str, _NO_CREDENTIALS]


class RefreshBody(Body):
    """Refresh and logout: a token of another type is no token (refresh
    refuses it, logout ignores it)."""

    model_config = ConfigDict(json_schema_extra={"required": ["refresh_token"]})

    refresh_token: Annotated[str | None, BeforeValidator(_text_or_none), WithJsonSchema({"type": "string"})] = None


class ProfileBody(Body):
    """Any of the three; a field left out stays as it is."""

    display_name: Annotated[
        str | None,
        NotNull,
        WithJsonSchema({"type": "string", "minLength": 1, "maxLength": validation.MAX_DISPLAY_NAME}),
    ] = None
    bio: Annotated[str | None, NotNull, WithJsonSchema({"type": "string", "maxLength": validation.MAX_BIO})] = None
    interests: Annotated[
        list[str] | None,
        NotNull,
        BeforeValidator(_comma_list),
        _NOT_A_STRING_LIST,
        WithJsonSchema(
            {
                "type": "array",
                "minItems": 1,
                "maxItems": validation.MAX_INTERESTS,
                "items": {"type": "string", "minLength": 1, "maxLength": validation.MAX_INTEREST_LENGTH},
            }
        ),
    ] = None

    def changes(self) -> ProfileChanges:
        return ProfileChanges(self.display_name, self.bio, self.interests)


class SendRequestBody(Body):
    to: Annotated[str, _USERNAME, Refuse("field_type", N_("'to' must be a username."), missing=False)]
    note: Annotated[str | None, WithJsonSchema({"type": ["string", "null"], "maxLength": validation.MAX_NOTE})] = None


class ReportBody(Body):
    reason: Annotated[str, _doc(minLength=1, maxLength=500), Refuse("report_reason_invalid")]


class CheckinBody(Body):
    met: Annotated[
        bool,
        Refuse("field_type", N_("'met' must be true or false."), missing=False),
        WithJsonSchema({"type": "boolean", "description": "Whether you met the people the round introduced."}),
    ]


class CreateCircleBody(Body):
    name: Annotated[str, _doc(minLength=3, maxLength=60)]
    interest: Annotated[str, _doc(description="One of your interests; the circle is about it.")]
    description: Annotated[str | None, WithJsonSchema({"type": ["string", "null"], "maxLength": 500})] = None
    member_cap: Annotated[
        int | None,
        Refuse("circle_cap_invalid", missing=False),
        WithJsonSchema({"type": ["integer", "null"], "minimum": 2, "maximum": 10_000}),
    ] = None


class UpdateCircleBody(Body):
    """Only the fields given change: name and description (owners and
    moderators), member_cap (owners)."""

    name: Annotated[str | None, NotNull, WithJsonSchema({"type": "string", "minLength": 3, "maxLength": 60})] = None
    description: Annotated[str | None, NotNull, WithJsonSchema({"type": "string", "maxLength": 500})] = None
    member_cap: Annotated[
        int | None,
        NotNull,
        Refuse("circle_cap_invalid", missing=False),
        WithJsonSchema({"type": "integer", "minimum": 2, "maximum": 10_000}),
    ] = None


class ModerateCircleBody(Body):
    reason: Annotated[str | None, WithJsonSchema({"type": ["string", "null"], "maxLength": 200})] = None


class RoundsBody(Body):
    """Only the fields given change; ``paused_until: null`` ends a pause."""

    enabled: Annotated[
        bool | None, NotNull, WithJsonSchema({"type": "boolean", "description": "In rounds, or out."})
    ] = None
    cadence: Annotated[
        str | None, NotNull, WithJsonSchema({"type": "string", "enum": ["weekly", "fortnightly", "four_weekly"]})
    ] = None
    timezone: Annotated[
        str | None,
        NotNull,
        WithJsonSchema(
            {
                "type": "string",
                "description": "An IANA time zone, like Europe/Berlin; rounds reach "
                "you on the operator's weekday and hour in it.",
            }
        ),
    ] = None
    paused_until: Annotated[
        str | None,
        WithJsonSchema(
            {
                "type": ["string", "null"],
                "format": "date",
                "description": "No rounds before this date (from tomorrow to a year ahead); null ends a pause.",
            }
        ),
    ] = None
    skip_next: Annotated[
        bool | None, NotNull, WithJsonSchema({"type": "boolean", "description": "Sit out the next round only."})
    ] = None

    def pause_given(self) -> bool:
        return "paused_until" in self.model_fields_set


class LinkBody(Body):
    matrix_user_id: Annotated[str, Field(examples=["@you:example.org"])]


class VerifyBody(Body):
    code: Annotated[str, BeforeValidator(_code_text), _CODE]


class VerifyEmailBody(Body):
    username: Annotated[str, _USERNAME]
    code: Annotated[str, BeforeValidator(_code_text), _CODE]


class ResendCodeBody(Body):
    username: Annotated[str, _USERNAME]


class EmailBody(Body):
    email: Annotated[str, _doc(format="email", maxLength=validation.MAX_EMAIL)]


class DigestBody(Body):
    frequency: Annotated[str, WithJsonSchema({"type": "string", "enum": ["off", "daily", "weekly"]})]


class PresenceBody(Body):
    # True: pages show nobody that you are online or when you were last active.
    hidden: bool


class LanguageBody(Body):
    # "" follows the client's Accept-Language again.
    language: Annotated[str, WithJsonSchema({"type": "string", "enum": ["", *SUPPORTED]})]


class ChangePasswordBody(Body):
    current_password: str
    new_password: Annotated[str, _PASSWORD]


class DeleteAccountBody(Body):
    # Asked again: a token alone (a device left signed in) must not end an account.
    password: str


class ForgotBody(Body):
    """Either field; the answer is the same whether or not it names anyone."""

    model_config = ConfigDict(json_schema_extra={"minProperties": 1})

    username: Annotated[str | None, NotNull, WithJsonSchema({"type": "string"})] = None
    email: Annotated[str | None, NotNull, WithJsonSchema({"type": "string", "format": "email"})] = None


class ResetBody(Body):
    token: str
    new_password: Annotated[str, _PASSWORD]


# A Matrix ID or room ID is at most 255 bytes (the spec's limit; _matrix_id's message says it too).
_MAX_ID = 255


def _matrix_id(name: str) -> Any:
    return Refuse("field_type", N_("'%(field)s' must be a Matrix ID of at most 255 bytes."), missing=False)


class ConsentQuestion(Body):
    """What the homeserver's consent module asks (internal, not in the API document)."""

    action: Annotated[
        Literal["invite", "join"], Refuse("field_type", N_('\'action\' must be "invite" or "join".'), missing=False)
    ]
    actor: Annotated[str, _matrix_id("actor")]
    target: Annotated[str, _matrix_id("target")]
    room_id: Annotated[str, _matrix_id("room_id")]

    @field_validator("actor", "target", "room_id")
    @classmethod
    def _short(cls, value: str) -> str:
        if not 0 < len(value.encode("utf-8")) <= _MAX_ID:
            raise ValueError("length")
        return value


class Form(BaseModel):
    """A page form: every field is text, and a field left out is empty."""

    model_config = ConfigDict(strict=True, extra="ignore", frozen=True)


class SignupForm(Form):
    username: str = ""
    display_name: str = ""
    password: str = ""
    matrix_user_id: str = ""
    email: str = ""


class VerifyEmailForm(Form):
    username: str = ""
    code: str = ""
    # "resend" asks for a new code instead of checking one.
    action: str = ""


class EmailForm(Form):
    email: str = ""


class DigestForm(Form):
    frequency: str = ""


class PresenceForm(Form):
    # A checkbox: "on" when ticked, left out (empty) when not.
    hidden: str = ""


class LanguageForm(Form):
    language: str = ""


class PasswordForm(Form):
    current_password: str = ""
    new_password: str = ""


class DeleteAccountForm(Form):
    password: str = ""


class ForgotForm(Form):
    # A username or an email address.
    who: str = ""


class ResetForm(Form):
    token: str = ""
    new_password: str = ""


class LoginForm(Form):
    username: str = ""
    password: str = ""
    next: str = ""


class ProfileForm(Form):
    display_name: str = ""
    bio: str = ""
    interests: str = ""

    def changes(self) -> ProfileChanges:
        return ProfileChanges(self.display_name, self.bio, _split(self.interests))


class LinkForm(Form):
    matrix_user_id: str = ""


class VerifyForm(Form):
    code: str = ""


class SendRequestForm(Form):
    to: str = ""
    note: str = ""


class RoundsForm(Form):
    # Checkboxes: "on" when ticked, left out (empty) when not.
    enabled: str = ""
    cadence: str = ""
    timezone: str = ""
    paused_until: str = ""
    skip_next: str = ""
    # "off": the Leave rounds button, whatever the box says.
    action: str = ""


class CheckinForm(Form):
    # "yes" or "no", from the Matches page's two buttons.
    met: str = ""


class ReasonForm(Form):
    """Reporting someone, or an operator suspending them."""

    reason: str = ""

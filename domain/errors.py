"""The one catalogue of errors Kindred reports, each with a stable code.

Domain code raises ``KindredError("code")``; the web turns the error's kind
into an HTTP status and the bot into a polite sentence. Codes are part of the
API contract: add new ones, never rename.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Kind(enum.Enum):
    INVALID = "invalid"
    UNAUTHENTICATED = "unauthenticated"
    FORBIDDEN = "forbidden"
    NOT_FOUND = "not_found"
    CONFLICT = "conflict"
    TOO_LARGE = "too_large"
    RATE_LIMITED = "rate_limited"
    UNAVAILABLE = "unavailable"


@dataclass(frozen=True)
class ErrorSpec:
    kind: Kind
    message: str


CATALOGUE: dict[str, ErrorSpec] = {
    # Input
    "invalid_json": ErrorSpec(Kind.INVALID, "The request body is not valid JSON."),
    "invalid_body": ErrorSpec(Kind.INVALID, "The request body must be a JSON object."),
    "field_required": ErrorSpec(Kind.INVALID, "A required field is missing."),
    "field_type": ErrorSpec(Kind.INVALID, "A field has the wrong type."),
    "invalid_parameter": ErrorSpec(Kind.INVALID, "A query parameter is not valid."),
    "body_too_large": ErrorSpec(Kind.TOO_LARGE, "The request body is too large."),
    "control_characters": ErrorSpec(Kind.INVALID, "Text may not contain control characters."),
    "username_invalid": ErrorSpec(
        Kind.INVALID,
        "Usernames are 2 to 32 characters: lowercase letters, digits, '.', '_' or '-', "
        "starting with a letter or digit.",
    ),
    "username_all_digits": ErrorSpec(
        Kind.INVALID, "A username needs at least one letter or '.', '_', '-': all-digit names are reserved."
    ),
    "format_characters": ErrorSpec(Kind.INVALID, "Names may not contain invisible or direction-changing characters."),
    "username_taken": ErrorSpec(Kind.CONFLICT, "That username is taken."),
    "homeserver_refused": ErrorSpec(Kind.INVALID, "The chat server refused this signup."),
    "password_invalid": ErrorSpec(Kind.INVALID, "Passwords are 10 to 128 characters."),
    "password_is_username": ErrorSpec(Kind.INVALID, "A password must not be your username."),
    "password_common": ErrorSpec(
        Kind.INVALID, "That password is one of the most common ones, which others try first; choose another."
    ),
    "password_wrong": ErrorSpec(Kind.INVALID, "That is not your current password."),
    "email_invalid": ErrorSpec(Kind.INVALID, "That does not look like an email address."),
    "email_required": ErrorSpec(Kind.INVALID, "An email address is required to sign up here."),
    "email_taken": ErrorSpec(Kind.CONFLICT, "That email address belongs to another account."),
    "email_unverified": ErrorSpec(
        Kind.FORBIDDEN,
        "Your email address is not verified yet: enter the code we mailed you, or ask for a new one.",
    ),
    "no_pending_code": ErrorSpec(Kind.NOT_FOUND, "No code is waiting; ask for a new one."),
    "digest_invalid": ErrorSpec(Kind.INVALID, "A digest is off, daily or weekly."),
    "unsubscribe_link_invalid": ErrorSpec(
        Kind.NOT_FOUND, "That unsubscribe link is not valid; turn digests off on your Account page instead."
    ),
    "round_cadence_invalid": ErrorSpec(Kind.INVALID, "Rounds come weekly, fortnightly or four_weekly."),
    "timezone_invalid": ErrorSpec(Kind.INVALID, "That is not a time zone Kindred knows, like Europe/Berlin or UTC."),
    "pause_date_invalid": ErrorSpec(
        Kind.INVALID, "A pause ends on a date (YYYY-MM-DD) from tomorrow to a year from today."
    ),
    "reset_token_invalid": ErrorSpec(
        Kind.INVALID, "That reset link or code is not valid: it may have expired or been used. Ask for a new one."
    ),
    "display_name_invalid": ErrorSpec(Kind.INVALID, "Display names are 1 to 64 characters."),
    "bio_too_long": ErrorSpec(Kind.INVALID, "A bio is at most 500 characters."),
    "interests_invalid": ErrorSpec(Kind.INVALID, "List between 1 and 30 interests."),
    "interest_invalid": ErrorSpec(Kind.INVALID, "Each interest is 1 to 40 characters."),
    "note_too_long": ErrorSpec(Kind.INVALID, "A note is at most 500 characters."),
    "avatar_required": ErrorSpec(Kind.INVALID, "Choose a picture to upload."),
    "avatar_type_invalid": ErrorSpec(Kind.INVALID, "A picture must be a PNG, JPEG, GIF or WebP image."),
    # Authentication
    "invalid_credentials": ErrorSpec(Kind.UNAUTHENTICATED, "Wrong username or password."),
    "not_authenticated": ErrorSpec(Kind.UNAUTHENTICATED, "Log in to do this."),
    "token_invalid": ErrorSpec(Kind.UNAUTHENTICATED, "The access token is invalid or expired."),
    "refresh_token_invalid": ErrorSpec(Kind.UNAUTHENTICATED, "The refresh token is invalid, expired or already used."),
    "consent_secret_invalid": ErrorSpec(
        Kind.UNAUTHENTICATED, "Only Kindred's homeserver may ask this, with the consent secret."
    ),
    "csrf_failed": ErrorSpec(Kind.FORBIDDEN, "The form expired; reload the page and try again."),
    "origin_forbidden": ErrorSpec(Kind.FORBIDDEN, "Live updates open only from Kindred's own pages."),
    # People, requests, matches
    "user_not_found": ErrorSpec(Kind.NOT_FOUND, "No such person."),
    "cannot_request_self": ErrorSpec(Kind.INVALID, "You cannot send a request to yourself."),
    "cannot_block_self": ErrorSpec(Kind.INVALID, "You cannot block yourself."),
    "cannot_report_self": ErrorSpec(Kind.INVALID, "You cannot report yourself."),
    "request_exists": ErrorSpec(Kind.CONFLICT, "You already have a pending request to this person."),
    "already_matched": ErrorSpec(Kind.CONFLICT, "You are already matched with this person."),
    "request_not_found": ErrorSpec(Kind.NOT_FOUND, "No such request."),
    "not_request_receiver": ErrorSpec(Kind.FORBIDDEN, "Only the person who received this request can do that."),
    "not_request_sender": ErrorSpec(Kind.FORBIDDEN, "Only the person who sent this request can do that."),
    "request_not_pending": ErrorSpec(Kind.CONFLICT, "This request has already been answered."),
    "match_not_found": ErrorSpec(Kind.NOT_FOUND, "No such match."),
    "match_closed": ErrorSpec(Kind.CONFLICT, "This match is already closed."),
    # Neutral on purpose: it does not say which of the two blocked.
    "user_blocked": ErrorSpec(Kind.FORBIDDEN, "You cannot connect with this person."),
    "report_reason_invalid": ErrorSpec(Kind.INVALID, "Say what happened in 1 to 500 characters."),
    "interest_not_listed": ErrorSpec(Kind.NOT_FOUND, "You do not list that interest."),
    "avatar_not_found": ErrorSpec(Kind.NOT_FOUND, "No picture here."),
    # Check-ins after a round's introduction
    "checkin_not_round": ErrorSpec(Kind.CONFLICT, "Only introductions made by a round are checked in on."),
    "checkin_too_early": ErrorSpec(Kind.CONFLICT, "Your room is still being opened; answer once you have met."),
    "checkin_answered": ErrorSpec(Kind.CONFLICT, "You already answered for this introduction. Thank you!"),
    "checkin_not_found": ErrorSpec(Kind.NOT_FOUND, "No introduction is waiting for your answer."),
    # Moderation
    "block_not_found": ErrorSpec(Kind.NOT_FOUND, "You have not blocked this person."),
    "report_not_found": ErrorSpec(Kind.NOT_FOUND, "No such open report."),
    "not_admin": ErrorSpec(Kind.FORBIDDEN, "Only operators can do that."),
    "cannot_moderate_self": ErrorSpec(Kind.INVALID, "Operators cannot suspend themselves."),
    # Matrix IDs from other homeservers
    "matrix_id_invalid": ErrorSpec(Kind.INVALID, "A Matrix ID looks like @name:example.org."),
    "matrix_id_not_external": ErrorSpec(
        Kind.INVALID, "That Matrix ID is on Kindred's own server; link one from another server."
    ),
    "matrix_id_taken": ErrorSpec(Kind.CONFLICT, "That Matrix ID is already linked to a Kindred account."),
    "federation_off": ErrorSpec(
        Kind.FORBIDDEN, "This Kindred does not federate, so it cannot use Matrix IDs of other servers."
    ),
    "matrix_server_unreachable": ErrorSpec(
        Kind.INVALID,
        "Kindred could not reach the homeserver of that Matrix ID: check the ID, or try again later.",
    ),
    "matrix_invite_refused": ErrorSpec(Kind.INVALID, "The homeserver of that Matrix ID refused Kindred's invite."),
    "no_pending_link": ErrorSpec(Kind.NOT_FOUND, "No Matrix ID is waiting for a code; ask for one first."),
    "verification_code_wrong": ErrorSpec(Kind.INVALID, "That code is not right."),
    "verification_code_expired": ErrorSpec(Kind.INVALID, "That code has expired; ask for a new one."),
    "verification_code_spent": ErrorSpec(Kind.INVALID, "Too many wrong codes; ask for a new one."),
    "matrix_id_required": ErrorSpec(
        Kind.CONFLICT, "Your account has no other Matrix ID; link a different one instead of removing this."
    ),
    # Infrastructure
    "homeserver_unavailable": ErrorSpec(
        Kind.UNAVAILABLE, "The chat server is not reachable right now; please try again shortly."
    ),
    "database_unavailable": ErrorSpec(
        Kind.UNAVAILABLE, "Kindred's database is not reachable right now; please try again shortly."
    ),
    "not_found": ErrorSpec(Kind.NOT_FOUND, "Nothing here."),
    "method_not_allowed": ErrorSpec(Kind.INVALID, "That method is not allowed here."),
    "rate_limited": ErrorSpec(Kind.RATE_LIMITED, "Too many attempts; slow down and try again."),
}


class KindredError(Exception):
    """A rule said no. ``field`` names the input at fault, when there is one."""

    def __init__(
        self,
        code: str,
        message: str | None = None,
        field: str | None = None,
        retry_after: int | None = None,
    ) -> None:
        spec = CATALOGUE[code]
        self.code = code
        self.kind = spec.kind
        self.message = message or spec.message
        self.field = field
        # Seconds until trying again can succeed (rate limits).
        self.retry_after = retry_after
        super().__init__(f"{code}: {self.message}")

"""The one catalogue of errors Kindred reports, each with a stable code.

Domain code raises ``KindredError("code")``; the web turns the error's kind
into an HTTP status and the bot into a polite sentence. Codes are part of the
API contract: add new ones, never rename.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass

from config.i18n import N_, Translator


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
    "invalid_json": ErrorSpec(Kind.INVALID, N_("The request body is not valid JSON.")),
    "invalid_body": ErrorSpec(Kind.INVALID, N_("The request body must be a JSON object.")),
    "field_required": ErrorSpec(Kind.INVALID, N_("A required field is missing.")),
    "field_type": ErrorSpec(Kind.INVALID, N_("A field has the wrong type.")),
    "invalid_parameter": ErrorSpec(Kind.INVALID, N_("A query parameter is not valid.")),
    "body_too_large": ErrorSpec(Kind.TOO_LARGE, N_("The request body is too large.")),
    "control_characters": ErrorSpec(Kind.INVALID, N_("Text may not contain control characters.")),
    "username_invalid": ErrorSpec(
        Kind.INVALID,
        N_(
            "Usernames are 2 to 32 characters: lowercase letters, digits, '.', '_' or '-', "
            "starting with a letter or digit."
        ),
    ),
    "username_all_digits": ErrorSpec(
        Kind.INVALID, N_("A username needs at least one letter or '.', '_', '-': all-digit names are reserved.")
    ),
    "format_characters": ErrorSpec(
        Kind.INVALID, N_("Names may not contain invisible or direction-changing characters.")
    ),
    "username_taken": ErrorSpec(Kind.CONFLICT, N_("That username is taken.")),
    "homeserver_refused": ErrorSpec(Kind.INVALID, N_("The chat server refused this signup.")),
    "password_invalid": ErrorSpec(Kind.INVALID, N_("Passwords are 10 to 128 characters.")),
    "password_is_username": ErrorSpec(Kind.INVALID, N_("A password must not be your username.")),
    "password_common": ErrorSpec(
        Kind.INVALID, N_("That password is one of the most common ones, which others try first; choose another.")
    ),
    "password_wrong": ErrorSpec(Kind.INVALID, N_("That is not your current password.")),
    "email_invalid": ErrorSpec(Kind.INVALID, N_("That does not look like an email address.")),
    "email_required": ErrorSpec(Kind.INVALID, N_("An email address is required to sign up here.")),
    "email_taken": ErrorSpec(Kind.CONFLICT, N_("That email address belongs to another account.")),
    "email_unverified": ErrorSpec(
        Kind.FORBIDDEN,
        N_("Your email address is not verified yet: enter the code we mailed you, or ask for a new one."),
    ),
    "no_pending_code": ErrorSpec(Kind.NOT_FOUND, N_("No code is waiting; ask for a new one.")),
    "digest_invalid": ErrorSpec(Kind.INVALID, N_("A digest is off, daily or weekly.")),
    "unsubscribe_link_invalid": ErrorSpec(
        Kind.NOT_FOUND, N_("That unsubscribe link is not valid; turn digests off on your Account page instead.")
    ),
    "round_cadence_invalid": ErrorSpec(Kind.INVALID, N_("Rounds come weekly, fortnightly or four_weekly.")),
    "timezone_invalid": ErrorSpec(
        Kind.INVALID, N_("That is not a time zone Kindred knows, like Europe/Berlin or UTC.")
    ),
    "pause_date_invalid": ErrorSpec(
        Kind.INVALID, N_("A pause ends on a date (YYYY-MM-DD) from tomorrow to a year from today.")
    ),
    "reset_token_invalid": ErrorSpec(
        Kind.INVALID, N_("That reset link or code is not valid: it may have expired or been used. Ask for a new one.")
    ),
    "display_name_invalid": ErrorSpec(Kind.INVALID, N_("Display names are 1 to 64 characters.")),
    "bio_too_long": ErrorSpec(Kind.INVALID, N_("A bio is at most 500 characters.")),
    "interests_invalid": ErrorSpec(Kind.INVALID, N_("List between 1 and 30 interests.")),
    "interest_invalid": ErrorSpec(Kind.INVALID, N_("Each interest is 1 to 40 characters.")),
    "note_too_long": ErrorSpec(Kind.INVALID, N_("A note is at most 500 characters.")),
    "avatar_required": ErrorSpec(Kind.INVALID, N_("Choose a picture to upload.")),
    "avatar_type_invalid": ErrorSpec(Kind.INVALID, N_("A picture must be a PNG, JPEG, GIF or WebP image.")),
    # Authentication
    "invalid_credentials": ErrorSpec(Kind.UNAUTHENTICATED, N_("Wrong username or password.")),
    "not_authenticated": ErrorSpec(Kind.UNAUTHENTICATED, N_("Log in to do this.")),
    "token_invalid": ErrorSpec(Kind.UNAUTHENTICATED, N_("The access token is invalid or expired.")),
    "refresh_token_invalid": ErrorSpec(
        Kind.UNAUTHENTICATED, N_("The refresh token is invalid, expired or already used.")
    ),
    "consent_secret_invalid": ErrorSpec(
        Kind.UNAUTHENTICATED, N_("Only Kindred's homeserver may ask this, with the consent secret.")
    ),
    "csrf_failed": ErrorSpec(Kind.FORBIDDEN, N_("The form expired; reload the page and try again.")),
    "origin_forbidden": ErrorSpec(Kind.FORBIDDEN, N_("Live updates open only from Kindred's own pages.")),
    # People, requests, matches
    "user_not_found": ErrorSpec(Kind.NOT_FOUND, N_("No such person.")),
    "cannot_request_self": ErrorSpec(Kind.INVALID, N_("You cannot send a request to yourself.")),
    "cannot_block_self": ErrorSpec(Kind.INVALID, N_("You cannot block yourself.")),
    "cannot_report_self": ErrorSpec(Kind.INVALID, N_("You cannot report yourself.")),
    "request_exists": ErrorSpec(Kind.CONFLICT, N_("You already have a pending request to this person.")),
    "already_matched": ErrorSpec(Kind.CONFLICT, N_("You are already matched with this person.")),
    "request_not_found": ErrorSpec(Kind.NOT_FOUND, N_("No such request.")),
    "not_request_receiver": ErrorSpec(Kind.FORBIDDEN, N_("Only the person who received this request can do that.")),
    "not_request_sender": ErrorSpec(Kind.FORBIDDEN, N_("Only the person who sent this request can do that.")),
    "request_not_pending": ErrorSpec(Kind.CONFLICT, N_("This request has already been answered.")),
    "match_not_found": ErrorSpec(Kind.NOT_FOUND, N_("No such match.")),
    "match_closed": ErrorSpec(Kind.CONFLICT, N_("This match is already closed.")),
    # Neutral on purpose: it does not say which of the two blocked.
    "user_blocked": ErrorSpec(Kind.FORBIDDEN, N_("You cannot connect with this person.")),
    "report_reason_invalid": ErrorSpec(Kind.INVALID, N_("Say what happened in 1 to 500 characters.")),
    "interest_not_listed": ErrorSpec(Kind.NOT_FOUND, N_("You do not list that interest.")),
    "avatar_not_found": ErrorSpec(Kind.NOT_FOUND, N_("No picture here.")),
    # Check-ins after a round's introduction
    "checkin_not_round": ErrorSpec(Kind.CONFLICT, N_("Only introductions made by a round are checked in on.")),
    "checkin_too_early": ErrorSpec(Kind.CONFLICT, N_("Your room is still being opened; answer once you have met.")),
    "checkin_answered": ErrorSpec(Kind.CONFLICT, N_("You already answered for this introduction. Thank you!")),
    "checkin_not_found": ErrorSpec(Kind.NOT_FOUND, N_("No introduction is waiting for your answer.")),
    # Circles
    "circle_name_invalid": ErrorSpec(Kind.INVALID, N_("A circle's name is 3 to 60 characters.")),
    "circle_name_taken": ErrorSpec(Kind.CONFLICT, N_("There is already a circle of that name for this interest.")),
    "circle_description_too_long": ErrorSpec(Kind.INVALID, N_("A circle's description is at most 500 characters.")),
    "circle_cap_invalid": ErrorSpec(Kind.INVALID, N_("A member cap is a whole number from 2 to 10,000.")),
    "circle_cap_too_low": ErrorSpec(
        Kind.CONFLICT, N_("The member cap cannot be below the number of people already in the circle.")
    ),
    "circle_interest_not_held": ErrorSpec(
        Kind.FORBIDDEN, N_("You can start a circle only for one of your own interests.")
    ),
    "circle_not_found": ErrorSpec(Kind.NOT_FOUND, N_("No such circle.")),
    "circle_full": ErrorSpec(Kind.CONFLICT, N_("This circle is full.")),
    "circle_closed": ErrorSpec(Kind.CONFLICT, N_("This circle is closed.")),
    "circle_banned": ErrorSpec(Kind.FORBIDDEN, N_("You are banned from this circle.")),
    "circle_not_member": ErrorSpec(Kind.CONFLICT, N_("You are not in this circle.")),
    "circle_member_not_found": ErrorSpec(Kind.NOT_FOUND, N_("That person is not in this circle.")),
    "circle_not_banned": ErrorSpec(Kind.NOT_FOUND, N_("That person is not banned from this circle.")),
    "circle_not_moderator": ErrorSpec(Kind.FORBIDDEN, N_("Only the circle's owners and moderators can do that.")),
    "circle_not_owner": ErrorSpec(Kind.FORBIDDEN, N_("Only the circle's owners can do that.")),
    "circle_outranked": ErrorSpec(
        Kind.FORBIDDEN, N_("You cannot do that to someone whose role is the same as yours or higher.")
    ),
    "circle_cannot_moderate_self": ErrorSpec(Kind.INVALID, N_("You cannot do that to yourself.")),
    "circle_role_limit": ErrorSpec(Kind.CONFLICT, N_("That person already has the highest or the lowest role.")),
    "circle_last_owner": ErrorSpec(
        Kind.CONFLICT, N_("You are this circle's last owner: make someone else an owner, or close the circle.")
    ),
    # Moderation
    "block_not_found": ErrorSpec(Kind.NOT_FOUND, N_("You have not blocked this person.")),
    "report_not_found": ErrorSpec(Kind.NOT_FOUND, N_("No such open report.")),
    "not_admin": ErrorSpec(Kind.FORBIDDEN, N_("Only operators can do that.")),
    "cannot_moderate_self": ErrorSpec(Kind.INVALID, N_("Operators cannot suspend themselves.")),
    # Matrix IDs from other homeservers
    "matrix_id_invalid": ErrorSpec(Kind.INVALID, N_("A Matrix ID looks like @name:example.org.")),
    "matrix_id_not_external": ErrorSpec(
        Kind.INVALID, N_("That Matrix ID is on Kindred's own server; link one from another server.")
    ),
    "matrix_id_taken": ErrorSpec(Kind.CONFLICT, N_("That Matrix ID is already linked to a Kindred account.")),
    "federation_off": ErrorSpec(
        Kind.FORBIDDEN, N_("This Kindred does not federate, so it cannot use Matrix IDs of other servers.")
    ),
    "matrix_server_unreachable": ErrorSpec(
        Kind.INVALID,
        N_("Kindred could not reach the homeserver of that Matrix ID: check the ID, or try again later."),
    ),
    "matrix_invite_refused": ErrorSpec(Kind.INVALID, N_("The homeserver of that Matrix ID refused Kindred's invite.")),
    "no_pending_link": ErrorSpec(Kind.NOT_FOUND, N_("No Matrix ID is waiting for a code; ask for one first.")),
    "verification_code_wrong": ErrorSpec(Kind.INVALID, N_("That code is not right.")),
    "verification_code_expired": ErrorSpec(Kind.INVALID, N_("That code has expired; ask for a new one.")),
    "verification_code_spent": ErrorSpec(Kind.INVALID, N_("Too many wrong codes; ask for a new one.")),
    "matrix_id_required": ErrorSpec(
        Kind.CONFLICT, N_("Your account has no other Matrix ID; link a different one instead of removing this.")
    ),
    # Infrastructure
    "homeserver_unavailable": ErrorSpec(
        Kind.UNAVAILABLE, N_("The chat server is not reachable right now; please try again shortly.")
    ),
    "database_unavailable": ErrorSpec(
        Kind.UNAVAILABLE, N_("Kindred's database is not reachable right now; please try again shortly.")
    ),
    "not_found": ErrorSpec(Kind.NOT_FOUND, N_("Nothing here.")),
    "method_not_allowed": ErrorSpec(Kind.INVALID, N_("That method is not allowed here.")),
    "rate_limited": ErrorSpec(Kind.RATE_LIMITED, N_("Too many attempts; slow down and try again.")),
    "language_invalid": ErrorSpec(Kind.INVALID, N_("Choose one of the languages offered.")),
}


class KindredError(Exception):
    """A rule said no. ``field`` names the input at fault, when there is one."""

    def __init__(
        self,
        code: str,
        message: str | None = None,
        field: str | None = None,
        retry_after: int | None = None,
        params: Mapping[str, object] | None = None,
    ) -> None:
        spec = CATALOGUE[code]
        self.code = code
        self.kind = spec.kind
        # ``message`` (marked with N_) may hold %(name)s placeholders, filled
        # from ``params`` after translation: the message in English (logs)
        # and ``message_in`` (people) come from the same text.
        self.template = message or spec.message
        self.params = dict(params or {})
        self.message = self.template % self.params if self.params else self.template
        self.field = field
        # Seconds until trying again can succeed (rate limits).
        self.retry_after = retry_after
        super().__init__(f"{code}: {self.message}")

    def message_in(self, translator: Translator) -> str:
        """The message in the reader's language; the code stays as it is."""
        text = translator.gettext(self.template)
        return text % self.params if self.params else text

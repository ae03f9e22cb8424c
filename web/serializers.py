"""The JSON shapes of the API, in one place."""

from __future__ import annotations

import base64
from typing import Any

from config.i18n import Translator
from domain.blocks import BlockedPerson
from domain.checkins import Answer
from domain.context import Links
from domain.emails import EmailStatus
from domain.exports import AccountExport
from domain.matches import MatchView
from domain.matrix_id_links import LinkStatus
from domain.profiles import Profile
from domain.round_preferences import RoundsView
from domain.round_views import CurrentRound
from domain.suggestions import Suggestion
from store.reports import Report
from store.requests import Request
from store.users import User


def public_user(profile: Profile, avatar_url: str | None = None) -> dict[str, Any]:
    return {
        "username": profile.username,
        "display_name": profile.display_name,
        "bio": profile.bio,
        "interests": profile.interests,
        "avatar_url": avatar_url,
    }


def signed_up_user(user: User) -> dict[str, Any]:
    return {
        "username": user.username,
        "display_name": user.display_name,
        "matrix_user_id": user.matrix_user_id,
    }


def me(
    profile: Profile,
    links: Links,
    account: EmailStatus,
    digest: str,
    avatar_url: str | None = None,
    language: str | None = None,
) -> dict[str, Any]:
    return {
        **public_user(profile, avatar_url),
        "matrix_user_id": profile.matrix_user_id,
        "homeserver_url": links.homeserver_url,
        # Private: only ever in the owner's own GET /me.
        "email": account.email,
        "email_verified": account.verified,
        "email_pending": account.pending,
        "digest": digest,
        "language": language,
    }


def suggestion(item: Suggestion, avatar_url: str | None = None) -> dict[str, Any]:
    return {
        "user": {
            "username": item.username,
            "display_name": item.display_name,
            "bio": item.bio,
            "avatar_url": avatar_url,
        },
        "shared_interests": item.shared_interests,
        "score": item.score,
    }


def request(item: Request) -> dict[str, Any]:
    return {
        "id": item.id,
        "from": item.from_username,
        "from_display_name": item.from_display_name,
        "to": item.to_username,
        "to_display_name": item.to_display_name,
        "note": item.note,
        "status": item.status,
        "created_at": item.created_at,
        "decided_at": item.decided_at,
    }


def match(view: MatchView) -> dict[str, Any]:
    return {
        "id": view.id,
        "user": {
            "username": view.other.username,
            "display_name": view.other.display_name,
            "matrix_user_id": view.other.matrix_user_id,
        },
        "status": view.status,
        "room_id": view.room_id,
        "room_url": view.room_url,
        "shared_interests": view.shared_interests,
        "created_at": view.created_at,
        # The third person of a round's trio; empty for a pair.
        "also": [{"username": u.username, "display_name": u.display_name} for u in view.also],
    }


def rounds_settings(view: RoundsView) -> dict[str, Any]:
    return {
        "enabled": view.enabled,
        "cadence": view.cadence,
        "timezone": view.timezone,
        "paused_until": view.paused_until,
        "skip_next": view.skip_next,
        "next_round": view.next_round.isoformat() if view.next_round else None,
    }


def current_round(found: CurrentRound | None, t: Translator) -> dict[str, Any] | None:
    """``unpaired`` is a sentence for people, in the reader's language."""
    if found is None:
        return None
    return {
        "round_id": found.round_id,
        "ran_at": found.ran_at,
        "with": [{"username": u.username, "display_name": u.display_name} for u in found.others],
        "shared_interests": found.shared_interests,
        "match_id": found.match_id,
        "match_status": found.match_status,
        "room_url": found.room_url,
        "unpaired": t.gettext(found.unpaired) if found.unpaired else None,
    }


def checkin(answer: Answer) -> dict[str, Any]:
    return {"match_id": answer.match_id, "met": answer.met, "with": [other.username for other in answer.others]}


def matrix_link(status: LinkStatus) -> dict[str, Any]:
    pending = status.pending
    return {
        "matrix_user_id": status.matrix_user_id,
        "local_matrix_user_id": status.local_matrix_user_id,
        "linked_matrix_user_id": status.linked_matrix_user_id,
        "pending": None
        if pending is None
        else {
            "matrix_user_id": pending.matrix_user_id,
            "expires_at": pending.expires_at,
            "tries_left": pending.tries_left,
        },
    }


def report(item: Report) -> dict[str, Any]:
    # Only what the reporter may see: not the operator's view of it.
    return {"id": item.id, "match_id": item.match_id, "reason": item.reason, "created_at": item.created_at}


def blocked(item: BlockedPerson) -> dict[str, Any]:
    return {"username": item.username, "display_name": item.display_name, "created_at": item.since}


def export_filename(data: AccountExport) -> str:
    # Usernames are [a-z0-9._-]: safe in a header as they are.
    return f"kindred-export-{data.user.username}.json"


def account_export(data: AccountExport) -> dict[str, Any]:
    """Everything Kindred holds about the person: others appear by username only."""
    user = data.user
    avatar = data.avatar
    return {
        "kindred_export": 1,
        "exported_at": data.exported_at,
        "profile": {
            "username": user.username,
            "display_name": user.display_name,
            "bio": user.bio,
            "created_at": user.created_at,
            "matrix_user_id": data.matrix_user_id,
            "local_matrix_user_id": user.matrix_user_id,
            "email": user.email,
            "email_verified": user.email_verified,
            "language": user.language,
        },
        "interests": data.interests,
        "avatar": None
        if avatar is None
        else {
            "content_type": avatar.content_type,
            "data_url": f"data:{avatar.content_type};base64,{base64.b64encode(avatar.data).decode('ascii')}",
            "updated_at": avatar.updated_at,
        },
        "linked_matrix_id": None
        if data.link is None
        else {"matrix_user_id": data.link.matrix_user_id, "verified_at": data.link.verified_at},
        "requests": {
            "sent": [_exported_request(r, "to", r.to_username) for r in data.sent],
            "received": [_exported_request(r, "from", r.from_username) for r in data.received],
        },
        "matches": [
            {
                "id": m.id,
                "with": data.other_username(m),
                "also": data.also_usernames(m),
                "status": m.status,
                "room_id": m.room_id,
                "created_at": m.created_at,
                "ready_at": m.ready_at,
                "closed_at": m.closed_at,
            }
            for m in data.matches
        ],
        "blocks": [{"username": data.usernames.get(other, ""), "created_at": since} for other, since in data.blocks],
        "reports": [
            {
                "id": r.id,
                "about": data.usernames.get(r.reported_id, ""),
                "match_id": r.match_id,
                "reason": r.reason,
                "created_at": r.created_at,
            }
            for r in data.reports
        ],
        "checkins": [
            {"match_id": c.match_id, "met": c.met, "asked_at": c.asked_at, "answered_at": c.answered_at}
            for c in data.checkins
        ],
        "rounds": None
        if data.rounds is None
        else {
            "enabled": data.rounds.enabled,
            "cadence": data.rounds.cadence,
            "timezone": data.rounds.timezone,
            "paused_until": data.rounds.paused_until,
            "skip_next": data.rounds.skip_next,
        },
    }


def _exported_request(item: Request, side: str, other: str) -> dict[str, Any]:
    return {
        "id": item.id,
        side: other,
        "note": item.note,
        "status": item.status,
        "created_at": item.created_at,
        "decided_at": item.decided_at,
    }

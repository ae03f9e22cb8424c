"""Everything a domain function needs, passed explicitly rather than global."""

from __future__ import annotations

from dataclasses import dataclass, field

from domain.events import EventBus
from domain.interest_index import InterestIndex
from domain.ports import DirectMessages, HomeserverAccounts
from domain.round_schedule import Schedule
from store.database import Database


@dataclass(frozen=True)
class Links:
    """How to point people at the homeserver and their rooms."""

    server_name: str
    homeserver_url: str
    web_url: str
    element_url: str = ""

    def room_url(self, room_id: str | None) -> str | None:
        if not room_id:
            return None
        if self.element_url:
            return f"{self.element_url.rstrip('/')}/#/room/{room_id}"
        return f"https://matrix.to/#/{room_id}?via={self.server_name}"

    def matrix_user_id(self, username: str) -> str:
        return f"@{username}:{self.server_name}"


@dataclass(frozen=True)
class Kindred:
    db: Database
    accounts: HomeserverAccounts
    events: EventBus
    links: Links
    # Names people may not sign up with (the bot's, for instance).
    reserved_usernames: frozenset[str] = frozenset()
    # How many requests one person may send in any 24 hours.
    requests_per_day: int = 50
    # How many pictures one person may upload in any hour.
    avatar_uploads_per_hour: int = 10
    # The bot's direct rooms, to reach Matrix IDs on any server (None where
    # there is no homeserver, as in rule tests that do not need one).
    direct: DirectMessages | None = None
    # Whether Matrix IDs of other homeservers can be reached and linked.
    federates: bool = False
    # Who may invite whom on the homeserver: "matched" (Kindred's rules) or
    # "open" (ordinary Matrix); see domain/consent.py.
    matrix_policy: str = "matched"
    # Whether mail goes out over SMTP (True) or stays in the outbox for the
    # operator (False: no ``smtp_url``).
    mail_sends: bool = False
    # Whether an account exists only once its email is proven by a code.
    require_email: bool = False
    # Signs links that work without a login (a digest's unsubscribe link).
    signing_key: str = ""
    # When rounds happen (weekday and local hour), and how many of a person's
    # rounds must pass before they may meet someone from one of them again.
    round_schedule: Schedule = Schedule()
    round_repeat_window: int = 6
    # Names this process's workers in the claims they put on queued jobs
    # (store/claims.py): the bot lease's holder id in a ``kindred bot``, the
    # same every start in a lone ``kindred run`` (so its claims outlive a crash
    # only as its own).
    worker_id: str = "local"
    # This process's index of interests for rankings (domain/interest_index.py).
    ranking: InterestIndex = field(default_factory=InterestIndex)

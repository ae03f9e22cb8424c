"""Kindred's consent module for Synapse: invites and joins obey Kindred's rules.

Loaded by the homeserver itself (``modules:`` in its config), so it imports
only the standard library, Twisted and Synapse, never Kindred: the compose
deployment copies this one file into the Synapse image. For every invite and
join that involves someone other than the matcher bot or a server admin
(Synapse itself lets admins through without asking modules), it asks Kindred (``POST {kindred_url}/_kindred/consent`` with the shared consent
secret) and refuses with Kindred's sentence when Kindred says no. When Kindred
cannot answer in time, it refuses too (fail closed): a stranger's invite must
never slip through because Kindred was restarting. Everything else the
homeserver does goes on untouched.

Config::

    modules:
      - module: bridge.consent_module.KindredConsent
        config:
          kindred_url: http://127.0.0.1:8080
          secret: <consent_secret from Kindred's secrets>
          bot_user_id: "@kindred-bot:example.org"
          timeout_seconds: 5
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Literal, Union

from synapse.api.errors import Codes
from synapse.events import EventBase
from synapse.logging.context import make_deferred_yieldable, run_in_background
from synapse.module_api import NOT_SPAM, ModuleApi
from twisted.internet import reactor

logger = logging.getLogger(__name__)

PATH = "/_kindred/consent"
UNAVAILABLE = {
    "invite": "Kindred could not check this invite right now; try again shortly.",
    "join": "Kindred could not check this join right now; try again shortly.",
}
REFUSED = "Kindred does not allow this."
# The key in m.room.create that marks a circle's room (bridge/circle_specs.py
# writes it; this module imports nothing of Kindred's).
CIRCLE_MARKER = "org.kindred.circle"

Verdict = Union[Literal["NOT_SPAM"], "tuple[Codes, dict[str, Any]]"]


@dataclass(frozen=True)
class ConsentConfig:
    kindred_url: str
    secret: str
    bot_user_id: str
    timeout_seconds: float = 5.0


class KindredConsent:
    def __init__(self, config: ConsentConfig, api: ModuleApi) -> None:
        self._config = config
        self._api = api
        self._url = config.kindred_url.rstrip("/") + PATH
        api.register_spam_checker_callbacks(
            user_may_invite=self.user_may_invite,
            federated_user_may_invite=self.federated_user_may_invite,
            user_may_join_room=self.user_may_join_room,
        )

    @staticmethod
    def parse_config(config: dict[str, Any]) -> ConsentConfig:
        """Refuse a config that cannot work, naming the key, at homeserver start."""
        if not isinstance(config, dict):
            raise ValueError("the Kindred consent module needs a config mapping")
        for key in ("kindred_url", "secret", "bot_user_id"):
            if not isinstance(config.get(key), str) or not config[key]:
                raise ValueError(f"the Kindred consent module needs '{key}' (a non-empty string)")
        if not config["kindred_url"].startswith(("http://", "https://")):
            raise ValueError("the Kindred consent module's 'kindred_url' must be an http(s) URL")
        timeout = config.get("timeout_seconds", 5)
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not 0 < timeout <= 60:
            raise ValueError("the Kindred consent module's 'timeout_seconds' must be between 0 and 60")
        return ConsentConfig(config["kindred_url"], config["secret"], config["bot_user_id"], float(timeout))

    # Server admins never get here: Synapse skips the spam checker for an
    # admin's invites and joins (room_member.py), so no lookup is needed.

    async def user_may_invite(self, inviter: str, invitee: str, room_id: str) -> Verdict:
        if self._config.bot_user_id in (inviter, invitee):
            return NOT_SPAM
        return await self._ask("invite", inviter, invitee, room_id)

    async def federated_user_may_invite(self, event: EventBase) -> Verdict:
        """An invite from another homeserver to someone here: the same rules."""
        return await self.user_may_invite(event.sender, event.state_key or "", event.room_id)

    async def user_may_join_room(self, user: str, room_id: str, is_invited: bool) -> Verdict:
        """Only joins into someone else's room are asked about (a block stops them).

        The bot's rooms take whom the bot invited (Kindred decided that
        already, and the admin join API invites first); the one way into them
        uninvited is a circle's room joined from Kindred's Space (a restricted
        join in Element), and Kindred is asked about that.
        """
        bot = self._config.bot_user_id
        if user == bot:
            return NOT_SPAM
        create = await self._create_event(room_id)
        creator = create.sender if create is not None else None
        # No creator known here: a room on another server this one has not
        # seen yet, whose creator cannot be told apart; Kindred's own rooms
        # are always known.
        if create is None or creator == user:
            return NOT_SPAM
        if creator == bot and (is_invited or CIRCLE_MARKER not in (create.content or {})):
            return NOT_SPAM
        return await self._ask("join", user, creator or "", room_id)

    async def _create_event(self, room_id: str) -> EventBase | None:
        state = await self._api.get_room_state(room_id, [("m.room.create", "")])
        return state.get(("m.room.create", ""))

    async def _ask(self, action: str, actor: str, target: str, room_id: str) -> Verdict:
        question = {"action": action, "actor": actor, "target": target, "room_id": room_id}
        try:
            answer = await self._post(question)
            allow, reason = answer["allow"], answer.get("reason") or REFUSED
            if not isinstance(allow, bool) or not isinstance(reason, str):
                raise ValueError(f"unexpected answer {answer!r}")
        except Exception as exc:  # noqa: BLE001 - down, slow, non-200, not JSON: refuse (fail closed)
            logger.warning("Kindred did not answer the consent check for %s %s -> %s: %r", action, actor, target, exc)
            return Codes.FORBIDDEN, {"error": UNAVAILABLE[action]}
        if allow:
            return NOT_SPAM
        logger.info("Kindred refused %s %s -> %s in %s", action, actor, target, room_id)
        return Codes.FORBIDDEN, {"error": reason}

    async def _post(self, question: dict[str, str]) -> dict[str, Any]:
        headers = {b"Authorization": [b"Bearer " + self._config.secret.encode("utf-8")]}
        # Synapse's client waits up to a minute; an invite should not. The
        # request runs in the background (keeping Synapse's logging contexts
        # right) and is cancelled when the timeout passes.
        request = run_in_background(self._api.http_client.post_json_get_json, self._url, question, headers)
        request.addTimeout(self._config.timeout_seconds, reactor)
        answer = await make_deferred_yieldable(request)
        if not isinstance(answer, dict):
            raise ValueError(f"unexpected answer {answer!r}")
        return answer

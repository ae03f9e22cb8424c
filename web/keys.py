"""Typed keys for what hangs on the app; nothing lives in module globals."""

from __future__ import annotations

from typing import TYPE_CHECKING

import aiohttp
from aiohttp import web

from bridge.admin import SynapseAdmin
from config.i18n import Translator
from config.secrets import Secrets
from config.settings import Settings
from domain.context import Kindred
from domain.rate_limits import Limits
from store.database import Database
from store.users import User
from web.live_hub import LiveHub
from web.token_cache import VerifiedTokens

if TYPE_CHECKING:
    # web.metrics reads these keys, so it is imported for type checking only.
    from web.metrics import Metrics

SETTINGS = web.AppKey("settings", Settings)
SECRETS = web.AppKey("secrets", Secrets)
KINDRED = web.AppKey("kindred", Kindred)
HTTP = web.AppKey("http", aiohttp.ClientSession)
ADMIN = web.AppKey("admin", SynapseAdmin)
DB = web.AppKey("db", Database)
LIMITS = web.AppKey("limits", Limits)
TOKENS = web.AppKey("tokens", VerifiedTokens)
LIVE = web.AppKey("live", LiveHub)
# The open live sockets, closed first when the app shuts down.
LIVE_SOCKETS = web.AppKey("live_sockets", set)
METRICS: web.AppKey[Metrics] = web.AppKey("metrics")
# From the API's route table (web/api_routes.py), set with the routes.
PUBLIC_API = web.AppKey("public_api", frozenset)
API_DOCUMENT = web.AppKey("api_document", dict)

# Per-request values set by the middlewares.
USER = web.RequestKey("user", User | None)  # type: ignore[arg-type]
NEW_COOKIES = web.RequestKey("new_cookies", dict)
CSRF = web.RequestKey("csrf", str)
NEW_CSRF = web.RequestKey("csrf_is_new", bool)
TRANSLATOR = web.RequestKey("translator", Translator)

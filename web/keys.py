"""Typed keys for what hangs on the app; nothing lives in module globals."""

from __future__ import annotations

import aiohttp
from aiohttp import web

from bridge.admin import SynapseAdmin
from config.secrets import Secrets
from config.settings import Settings
from domain.context import Kindred
from store.database import Database

SETTINGS = web.AppKey("settings", Settings)
SECRETS = web.AppKey("secrets", Secrets)
KINDRED = web.AppKey("kindred", Kindred)
HTTP = web.AppKey("http", aiohttp.ClientSession)
ADMIN = web.AppKey("admin", SynapseAdmin)
DB = web.AppKey("db", Database)

# Per-request values set by the auth middleware.
USER = "kindred.user"
NEW_COOKIES = "kindred.new_cookies"

"""The app factory: ``create_app(settings, secrets)``.

Every resource is opened in a ``cleanup_ctx`` generator and closed in
reverse order on shutdown: the database, the HTTP session to the
homeserver, the domain context, the mailer (when an SMTP server is set), the
deactivator of deleted people's Matrix accounts and (when enabled) the
matcher bot.

The role says which of them one process runs: ``all`` (``kindred run``,
everything in one process), ``web`` (pages, API and live updates; no bot,
no worker) or ``bot`` (no HTTP; the workers and the bot, run only while this
process holds the bot lease, see matcher/standby.py). On PostgreSQL ``all``
takes the same lease for its workers, so a ``kindred run`` beside a
``kindred bot`` never makes a second bot. With several processes events
cross between them through the database (``_events``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta
from pathlib import Path
from typing import AsyncIterator, Awaitable, Callable

import aiohttp
import aiohttp_jinja2
import jinja2
from aiohttp import web
from yarl import URL

from bridge.accounts import MatrixAccounts
from bridge.admin import SynapseAdmin
from bridge.bot_account import ensure_bot_session
from bridge.direct_messages import BotDirectMessages
from bridge.matrix_client import BotSession, MatrixClient
from config import file_modes
from config.secrets import Secrets
from config.settings import WEEKDAYS, Settings
from domain import avatars, leases
from domain.context import Kindred, Links
from domain.event_relay import EventRelay
from domain.events import EventBus
from domain.ports import DirectMessages, HomeserverAccounts
from domain.rate_limits import Limits
from domain.round_schedule import Schedule
from matcher.bot import running_bot
from matcher.deactivator import running_deactivator
from matcher.digest_worker import running_digests
from matcher.mailer import running_mailer
from matcher.round_worker import running_rounds
from matcher.smtp import SmtpTransport
from matcher.standby import serve as serve_with_lease
from store.database import Database
from web import i18n, keys, live
from web.metrics import Metrics, metrics_ctx
from web.middlewares import MIDDLEWARES
from web.pages import template_globals
from web.routes import setup_routes
from web.token_cache import VerifiedTokens

logger = logging.getLogger(__name__)

TEMPLATES = Path(__file__).resolve().parent / "templates"
# Room for a profile picture (2 MiB) and its multipart wrapping; JSON bodies
# keep their own, much smaller limit (web/bodies.py).
MAX_BODY = avatars.MAX_BYTES + 64 * 1024
# What tests put in place of the homeserver, or None for the real one.
_ACCOUNTS: web.AppKey[HomeserverAccounts | None] = web.AppKey("accounts_override")
_DIRECT: web.AppKey[DirectMessages | None] = web.AppKey("direct_override")
# The bot's one Matrix client, shared by the bot and the link codes.
_MATRIX = web.AppKey("matrix", MatrixClient)

# Process roles (``kindred run``, ``kindred web``, ``kindred bot``).
ALL = "all"
WEB = "web"
BOT = "bot"
ROLES = (ALL, WEB, BOT)
_ROLE = web.AppKey("role", str)


def create_app(
    settings: Settings,
    secrets: Secrets,
    accounts: HomeserverAccounts | None = None,
    direct: DirectMessages | None = None,
    role: str = ALL,
) -> web.Application:
    """Build the app for one process ``role``. ``accounts`` and ``direct``
    replace the homeserver in rule tests."""
    if role not in ROLES:
        raise ValueError(f"unknown process role {role!r}")
    app = web.Application(
        middlewares=MIDDLEWARES,
        client_max_size=MAX_BODY,
    )
    app[keys.SETTINGS] = settings
    app[keys.SECRETS] = secrets
    app[keys.METRICS] = Metrics()
    app[_ACCOUNTS] = accounts
    app[_DIRECT] = direct
    app[_ROLE] = role
    app[keys.TOKENS] = VerifiedTokens()
    app[keys.LIMITS] = Limits.per_settings(settings.signups_per_hour, settings.logins_per_minute)
    env = aiohttp_jinja2.setup(
        app,
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=jinja2.select_autoescape(["html"]),
        context_processors=[template_globals],
        # Templates ship with the code: no stat of every template file on every render.
        auto_reload=False,
    )
    i18n.setup(env)
    env.globals["url"] = _url_maker(app)
    app.cleanup_ctx.extend([_database, _homeserver, _kindred])
    if role != ALL or settings.database_url:
        # Other processes may share the store: events go to them and come from them.
        app.cleanup_ctx.append(_events)
    if role == BOT:
        # No pages: the workers, while the lease is this process's.
        app.cleanup_ctx.append(_standby)
        return app
    setup_routes(app)
    app.cleanup_ctx.extend([metrics_ctx, _warm_ranking])
    if _leased(app):
        # ``kindred run`` on PostgreSQL: a ``kindred bot`` may share the
        # store, so the workers run only while this process holds the lease.
        app.cleanup_ctx.append(_standby)
    elif role == ALL:
        # On SQLite no other process can share the store: no lease to wait for.
        app.cleanup_ctx.extend(_WORKERS)
    live.setup(app)
    return app


def _leased(app: web.Application) -> bool:
    """Whether this process's workers run under the bot lease: in ``kindred
    bot``, and in ``kindred run`` on PostgreSQL."""
    return app[_ROLE] == BOT or (app[_ROLE] == ALL and bool(app[keys.SETTINGS].database_url))


async def _database(app: web.Application) -> AsyncIterator[None]:
    settings = app[keys.SETTINGS]
    db = Database(settings.data_dir / "kindred.db", settings.database_url)
    await db.open()
    # SQLite made the database (and its -wal and -shm, which copy its mode)
    # under whatever umask this process has: owner-only, like the secrets.
    file_modes.secure(settings.data_dir)
    app[keys.DB] = db
    yield
    await db.close()


async def _homeserver(app: web.Application) -> AsyncIterator[None]:
    settings = app[keys.SETTINGS]
    async with aiohttp.ClientSession() as session:
        app[keys.HTTP] = session
        app[keys.ADMIN] = SynapseAdmin(
            session, settings.internal_homeserver_url, app[keys.SECRETS].registration_shared_secret
        )
        yield


async def _kindred(app: web.Application) -> AsyncIterator[None]:
    settings = app[keys.SETTINGS]
    session = bot_session(app[keys.ADMIN], app[keys.HTTP], settings, app[keys.SECRETS])
    accounts = app[_ACCOUNTS] or MatrixAccounts(app[keys.ADMIN], _token_of(session), settings.server_name)
    # No session is asked for until the first call: the homeserver may still be starting.
    client = app[_MATRIX] = MatrixClient(settings.internal_homeserver_url, renew=session)
    direct = app[_DIRECT] or BotDirectMessages(client)
    # A process working under the lease claims jobs under the name it holds
    # the lease with, so a standby taking over frees them (domain/leases.py).
    worker_id = leases.holder_id() if _leased(app) else "local"
    app[keys.KINDRED] = build_kindred(settings, app[keys.DB], accounts, direct, app[keys.SECRETS].jwt_secret, worker_id)
    yield
    await client.close()


def _url_maker(app: web.Application) -> Callable[..., URL]:
    """Templates' ``url(name, **parts)``. A route's address without parts
    never changes once the app runs, and a page asks for some of them many
    times (a form on every card): each is built once."""
    fixed: dict[str, URL] = {}

    def url(name: str, **parts: str) -> URL:
        if parts:
            return app.router[name].url_for(**parts)
        if name not in fixed:
            fixed[name] = app.router[name].url_for()
        return fixed[name]

    return url


async def _warm_ranking(app: web.Application) -> AsyncIterator[None]:
    """Load the ranking's index of interests while the process starts, not
    in the first person's request (a million people take seconds)."""

    async def load() -> None:
        try:
            await app[keys.KINDRED].ranking.refresh(app[keys.DB])
        except Exception:
            # The first ranking tries again.
            logger.exception("could not load the ranking index at start")

    task = asyncio.create_task(load())
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


def build_kindred(
    settings: Settings,
    db: Database,
    accounts: HomeserverAccounts,
    direct: DirectMessages | None = None,
    signing_key: str = "",
    worker_id: str = "local",
) -> Kindred:
    """The domain context, as the web app and the command line both need it."""
    return Kindred(
        db=db,
        accounts=accounts,
        events=EventBus(),
        links=Links(
            server_name=settings.server_name,
            homeserver_url=settings.client_homeserver_url,
            web_url=settings.web_url,
            element_url=settings.element_url,
        ),
        reserved_usernames=frozenset({settings.bot_localpart, "admin", "root", "kindred"}),
        requests_per_day=settings.requests_per_day,
        avatar_uploads_per_hour=settings.avatar_uploads_per_hour,
        direct=direct,
        federates=settings.federates,
        matrix_policy=settings.matrix_policy,
        mail_sends=bool(settings.smtp_url),
        require_email=settings.require_email,
        signing_key=signing_key,
        round_schedule=Schedule(
            weekday=WEEKDAYS.index(settings.rounds_day),
            hour=settings.rounds_hour,
            catch_up=timedelta(hours=settings.rounds_catch_up_hours),
        ),
        round_repeat_window=settings.rounds_repeat_window,
        worker_id=worker_id,
    )


def admin_token(
    admin: SynapseAdmin, http: aiohttp.ClientSession, settings: Settings, secrets: Secrets
) -> Callable[[], Awaitable[str]]:
    """The bot's token, fetched on use: the bot is a homeserver admin."""
    return _token_of(bot_session(admin, http, settings, secrets))


def bot_session(
    admin: SynapseAdmin, http: aiohttp.ClientSession, settings: Settings, secrets: Secrets
) -> Callable[[], Awaitable[BotSession]]:
    """The bot's session, checked (and renewed if need be) on every use."""

    async def session() -> BotSession:
        return await ensure_bot_session(
            admin,
            http,
            settings.internal_homeserver_url,
            settings.bot_localpart,
            settings.bot_display_name,
            secrets.bot_password,
            settings.data_dir / "bot-session.json",
        )

    return session


def _token_of(session: Callable[[], Awaitable[BotSession]]) -> Callable[[], Awaitable[str]]:
    async def token() -> str:
        return (await session()).access_token

    return token


async def _mailer(app: web.Application) -> AsyncIterator[None]:
    settings = app[keys.SETTINGS]
    async with running_digests(app[keys.KINDRED]):
        if not settings.smtp_url:
            # No SMTP server: mail stays in the outbox (domain/mail.py).
            yield
            return
        async with running_mailer(app[keys.KINDRED], SmtpTransport(settings.smtp_url, settings.sender)):
            yield


async def _rounds(app: web.Application) -> AsyncIterator[None]:
    # The schedule only writes the store; the bot's room worker makes the rooms.
    if not app[keys.SETTINGS].run_rounds:
        yield
        return
    async with running_rounds(app[keys.KINDRED]):
        yield


async def _deactivator(app: web.Application) -> AsyncIterator[None]:
    # Always on: it speaks to the admin API, not through the bot.
    async with running_deactivator(app[keys.KINDRED]):
        yield


async def _bot(app: web.Application) -> AsyncIterator[None]:
    settings = app[keys.SETTINGS]
    if not settings.run_bot:
        yield
        return
    async with running_bot(app[keys.KINDRED], app[_MATRIX]):
        yield


# Everything but the web: one process runs them (``kindred run``, or the
# ``kindred bot`` holding the lease).
_WORKERS = [_mailer, _rounds, _deactivator, _bot]


@contextlib.asynccontextmanager
async def _workers(app: web.Application) -> AsyncIterator[None]:
    async with contextlib.AsyncExitStack() as stack:
        for worker in _WORKERS:
            await stack.enter_async_context(contextlib.asynccontextmanager(worker)(app))
        yield


async def _events(app: web.Application) -> AsyncIterator[None]:
    # One of several processes: events go to the others through the database.
    relay = EventRelay(app[keys.KINDRED].events, app[keys.SETTINGS].database_url)
    relay.attach()
    task = asyncio.create_task(relay.run(), name="event-relay")
    yield
    relay.detach()
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


async def _standby(app: web.Application) -> AsyncIterator[None]:
    holder = leases.Holder(app[keys.DB], leases.BOT, app[keys.KINDRED].worker_id)
    stop = asyncio.Event()
    task = asyncio.create_task(serve_with_lease(holder, stop, lambda: _workers(app)), name="bot-lease")
    yield
    stop.set()
    await task

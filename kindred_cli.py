"""The ``kindred`` command.

``kindred run`` starts the bundled homeserver, then the web app and the
matcher bot, and stops them all on Ctrl-C. On PostgreSQL the same work can be
split over processes: ``kindred web`` (pages, API, live updates; run as many
as needed) and ``kindred bot`` (the bot and every worker; a second one waits
as a hot standby and takes over when the first dies). Neither starts the
homeserver. ``kindred admin grant|revoke|
suspend|unsuspend|reset-password <username>`` acts as the operator from the
command line (reset-password prints a one-time link for someone who cannot
get a reset mail).
``kindred demo --users N`` adds demo people; ``kindred doctor`` checks the
installation; ``kindred db copy --from sqlite:///PATH --to postgresql://…``
copies a SQLite store into an empty PostgreSQL database. ``kindred rounds
preview`` prints who a round run now would introduce, with scores, and
changes nothing; ``kindred rounds run`` runs one now for everyone due (the
running bot makes the rooms). The work itself lives in kindred_demo,
bridge.doctor, store.copy and domain.rounds.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import random
import signal
import sys
from pathlib import Path
from typing import AsyncIterator, TextIO
from urllib.parse import urlsplit

import aiohttp
from aiohttp import web

import kindred_demo as demo
from bridge.accounts import MatrixAccounts
from bridge.admin import SynapseAdmin
from bridge.doctor import diagnose
from bridge.homeserver import BundledHomeserver, HomeserverFailed
from config import doctor, file_modes, logs
from config.secrets import SecretError, load_or_create_secrets
from config.settings import Settings, SettingsError, load_settings
from domain import credentials, moderation, rounds
from domain.context import Kindred
from domain.errors import KindredError
from store import copy as store_copy
from store.database import Database, DatabaseUnavailable
from store.migrations import SchemaTooNew
from store.timeutil import utc_now
from web.app import BOT, WEB, admin_token, build_kindred, create_app
from web.request_id import AccessLogger

logger = logging.getLogger("kindred")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kindred", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="run the homeserver, the web app and the bot")
    commands.add_parser("web", help="run the web app only (PostgreSQL; as many as you like)")
    commands.add_parser("bot", help="run the bot and its workers (PostgreSQL; a second one stands by)")
    admin = commands.add_parser("admin", help="operator actions on one person")
    admin.add_argument("action", choices=["grant", "revoke", "suspend", "unsuspend", "reset-password"])
    admin.add_argument("username")
    admin.add_argument("--reason", default="", help="why (suspend only); kept in the action log")
    seeding = commands.add_parser("demo", help="add demo people with realistic profiles")
    seeding.add_argument("--users", type=_positive, required=True, metavar="N", help="how many")
    seeding.add_argument("--matrix", action="store_true", help="sign them up on the homeserver too (slower)")
    seeding.add_argument("--seed", type=int, help="draw the same people every time")
    commands.add_parser("doctor", help="check settings, data, database and homeserver; exit 1 on failure")
    database = commands.add_parser("db", help="Kindred's store as a whole")
    copying = database.add_subparsers(dest="db_command", required=True).add_parser(
        "copy", help="copy a SQLite store into an empty PostgreSQL database, then verify every table"
    )
    copying.add_argument("--from", dest="source", type=_sqlite_path, required=True, metavar="sqlite:///PATH")
    copying.add_argument("--to", dest="target", type=_postgresql_url, required=True, metavar="postgresql://…")
    round_commands = commands.add_parser("rounds", help="scheduled introductions").add_subparsers(
        dest="rounds_command", required=True
    )
    round_commands.add_parser("preview", help="print who a round run now would introduce, changing nothing")
    round_commands.add_parser("run", help="run a round now for everyone due; the running bot makes the rooms")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "db":
        # Both databases are named on the command line: the settings play no part.
        logs.configure("INFO", "text")
        try:
            return asyncio.run(copy_action(args.source, args.target))
        except KeyboardInterrupt:
            print("kindred: interrupted; a copy is kept only once it completes", file=sys.stderr)
            return 1
    try:
        settings = load_settings()
    except SettingsError as exc:
        if args.command == "doctor":
            return doctor.report([doctor.Check("settings", doctor.FAIL, str(exc))], sys.stdout)
        print(f"kindred: bad configuration: {exc}", file=sys.stderr)
        return 2
    logs.configure(settings.log_level, settings.log_format)
    # Secrets, sessions and databases are made owner-only (config/file_modes.py).
    os.umask(file_modes.OWNER_ONLY_UMASK)
    try:
        return _dispatch(args, settings)
    except SecretError as exc:
        print(f"kindred: bad configuration: {exc}", file=sys.stderr)
        return 2


def _dispatch(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "run":
        return asyncio.run(run(settings))
    if args.command in (WEB, BOT):
        if not settings.database_url:
            print(
                f"kindred: 'kindred {args.command}' needs the store on PostgreSQL (set database_url): "
                "processes share nothing else. On SQLite, run everything in one process with 'kindred run'.",
                file=sys.stderr,
            )
            return 2
        return asyncio.run(serve_role(settings, args.command))
    if args.command == "admin":
        return asyncio.run(admin_action(settings, args.action, args.username, args.reason))
    if args.command == "demo":
        return asyncio.run(demo_action(settings, args.users, args.matrix, args.seed))
    if args.command == "rounds":
        return asyncio.run(rounds_action(settings, args.rounds_command == "run"))
    if args.command == "doctor":
        checks = [doctor.settings_ok(settings), *asyncio.run(diagnose(settings))]
        return doctor.report(checks, sys.stdout)
    return 2


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _sqlite_path(text: str) -> Path:
    """``sqlite:///var/kindred.db`` (relative, as SQLAlchemy writes it; four
    slashes for an absolute path) or a plain path."""
    if text.startswith("sqlite:///"):
        return Path(text.removeprefix("sqlite:///"))
    if "://" in text:
        raise argparse.ArgumentTypeError("must be sqlite:///path/to/kindred.db or a path")
    return Path(text)


def _postgresql_url(text: str) -> str:
    # The message never repeats the URL: it may hold a password.
    parts = urlsplit(text)
    database = parts.path.strip("/")
    if parts.scheme not in ("postgresql", "postgres") or not database or "/" in database:
        raise argparse.ArgumentTypeError("must be postgresql://user:password@host:port/database")
    return text


@contextlib.asynccontextmanager
async def _offline_context(settings: Settings) -> AsyncIterator[Kindred]:
    """The domain on the database directly, as the command line acts without the web app.

    The homeserver is reached only when an action needs it (locking an account,
    registering a demo person with ``--matrix``).
    """
    secrets = load_or_create_secrets(settings.data_dir)
    db = Database(settings.data_dir / "kindred.db", settings.database_url)
    await db.open()
    try:
        async with aiohttp.ClientSession() as http:
            synapse = SynapseAdmin(http, settings.internal_homeserver_url, secrets.registration_shared_secret)
            accounts = MatrixAccounts(synapse, admin_token(synapse, http, settings, secrets), settings.server_name)
            yield build_kindred(settings, db, accounts, signing_key=secrets.jwt_secret)
    finally:
        await db.close()


async def admin_action(settings: Settings, action: str, username: str, reason: str) -> int:
    actor = moderation.COMMAND_LINE
    try:
        async with _offline_context(settings) as ctx:
            if action in ("grant", "revoke"):
                user = await moderation.set_admin(ctx, actor, username, action == "grant")
                print(f"{user.username} is {'now' if user.is_admin else 'no longer'} an operator")
                return 0
            if action == "reset-password":
                link = await credentials.operator_reset_link(ctx, username)
                print(f"A one-time link for {username.strip().lower()} to choose a new password (30 minutes):")
                print(link)
                return 0
            if action == "suspend":
                result = await moderation.suspend(ctx, actor, username, reason)
            else:
                result = await moderation.unsuspend(ctx, actor, username)
    except KindredError as exc:
        print(f"kindred: {exc.message}", file=sys.stderr)
        return 1
    except (DatabaseUnavailable, SchemaTooNew) as exc:
        print(f"kindred: {exc}", file=sys.stderr)
        return 1
    print(f"{result.user.username} is {result.user.status}")
    if not result.matrix_locked:
        print("warning: the homeserver was unreachable; run this again to update the Matrix account")
    return 0


async def rounds_action(settings: Settings, run_it: bool) -> int:
    """Preview (nothing written) or run a round now, for everyone due."""
    try:
        async with _offline_context(settings) as ctx:
            if run_it:
                done = await rounds.run_now(ctx, utc_now())
                print(
                    f"round {done.id}: {done.due_count} due, {done.paired_count} introductions"
                    f" ({done.trio_count} of three), {done.unpaired_count} left unpaired"
                )
                if done.paired_count:
                    print("the running Kindred's bot opens their rooms now")
                return 0
            seen = await rounds.preview(ctx, utc_now())
            for line in await rounds.describe(ctx, seen):
                print(line)
    except (DatabaseUnavailable, SchemaTooNew) as exc:
        print(f"kindred: {exc}", file=sys.stderr)
        return 1
    return 0


async def demo_action(settings: Settings, count: int, matrix: bool, seed: int | None) -> int:
    """Seed demo people; with ``matrix`` the homeserver must be up (``kindred run``)."""
    try:
        async with _offline_context(settings) as ctx:
            made = await demo.seed(ctx, count, random.Random(seed), matrix, demo.TextProgress())
    except KindredError as exc:
        print(f"\nkindred: {exc.message}", file=sys.stderr)
        return 1
    except (DatabaseUnavailable, SchemaTooNew) as exc:
        print(f"kindred: {exc}", file=sys.stderr)
        return 1
    print(f"added {len(made)} demo people (password {demo.DEMO_PASSWORD!r}), e.g. {made[0]}")
    return 0


class CopyProgress:
    """A line per table on ``stream`` (stderr): its rows as they go across,
    rewritten in place, then, once all are across, its rows as they are read
    back (large tables only), then the table once its count and checksum match."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream or sys.stderr
        # The line being rewritten in place, to blank out when a shorter one replaces it.
        self._open = 0

    def copied(self, table: str, done: int, total: int) -> None:
        self._write(f"copying {table}: {done}/{total} rows", done >= total)

    def checking(self, table: str, done: int, total: int) -> None:
        self._write(f"verifying {table}: {done}/{total} rows", False)

    def verified(self, table: str, rows: int) -> None:
        self._write(f"verified {table}: {rows} rows, same checksum", True)

    def _write(self, text: str, done: bool) -> None:
        start = "\r" + text.ljust(self._open) if self._open else text
        self._stream.write(start + ("\n" if done else ""))
        self._stream.flush()
        self._open = 0 if done else len(text)


async def copy_action(source: Path, target: str) -> int:
    try:
        copied = await store_copy.copy_store(source, target, CopyProgress(), named_in="--to")
    except (store_copy.CopyRefused, store_copy.CopyFailed, DatabaseUnavailable, SchemaTooNew) as exc:
        print(f"kindred: {exc}", file=sys.stderr)
        return 1
    rows = sum(table.rows for table in copied)
    print(f"copied {len(copied)} tables ({rows} rows); every table's row count and checksum match the source's")
    return 0


async def run(settings: Settings) -> int:
    # An older install left its files readable to others: repaired at start.
    file_modes.secure(settings.data_dir)
    secrets = load_or_create_secrets(settings.data_dir)
    homeserver: BundledHomeserver | None = None
    if settings.run_homeserver:
        homeserver = BundledHomeserver.from_settings(settings, secrets)
        homeserver.prepare()
        homeserver.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    runner = web.AppRunner(create_app(settings, secrets), handle_signals=False, access_log_class=AccessLogger)
    try:
        if homeserver is not None:
            logger.info("waiting for the homeserver at %s", homeserver.url)
            await homeserver.wait_ready()
        await runner.setup()
        await web.TCPSite(runner, settings.host, settings.port).start()
        logger.info("Kindred is up at %s (homeserver %s)", settings.web_url, settings.client_homeserver_url)
        if homeserver is not None:
            await homeserver.supervise(stop)
        await stop.wait()
        logger.info("stopping")
        return 0
    except HomeserverFailed as exc:
        logger.error("the homeserver did not start: %s", exc)
        return 1
    except (DatabaseUnavailable, SchemaTooNew) as exc:
        logger.error("the database did not open: %s", exc)
        return 1
    finally:
        await runner.cleanup()
        if homeserver is not None:
            homeserver.stop()


async def serve_role(settings: Settings, role: str) -> int:
    """``kindred web`` or ``kindred bot``: one part of Kindred, until SIGINT or SIGTERM."""
    file_modes.secure(settings.data_dir)
    secrets = load_or_create_secrets(settings.data_dir)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    app = create_app(settings, secrets, role=role)
    runner = web.AppRunner(app, handle_signals=False, access_log_class=AccessLogger)
    try:
        await runner.setup()
        if role == WEB:
            await web.TCPSite(runner, settings.host, settings.port).start()
            logger.info("Kindred's web is up at %s", settings.web_url)
        else:
            logger.info("Kindred's bot process is up; it works while it holds the bot lease")
        await stop.wait()
        logger.info("stopping")
        return 0
    except (DatabaseUnavailable, SchemaTooNew) as exc:
        logger.error("the database did not open: %s", exc)
        return 1
    finally:
        await runner.cleanup()


if __name__ == "__main__":
    sys.exit(main())

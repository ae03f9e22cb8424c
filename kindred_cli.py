"""The ``kindred`` command: ``kindred run`` starts the bundled homeserver,
then the web app and the matcher bot, and stops them all on Ctrl-C."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys

from aiohttp import web

from bridge.homeserver import BundledHomeserver, HomeserverFailed
from config.secrets import load_or_create_secrets
from config.settings import Settings, SettingsError, load_settings
from web.app import create_app

logger = logging.getLogger("kindred")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="kindred", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="run the homeserver, the web app and the bot")
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"kindred: bad configuration: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if args.command == "run":
        return asyncio.run(run(settings))
    return 2


async def run(settings: Settings) -> int:
    secrets = load_or_create_secrets(settings.data_dir)
    homeserver: BundledHomeserver | None = None
    if settings.run_homeserver:
        homeserver = BundledHomeserver(
            settings.data_dir / "synapse",
            settings.server_name,
            settings.synapse_port,
            secrets.registration_shared_secret,
            settings.client_homeserver_url,
            settings.synapse_overrides,
            settings.synapse_host,
        )
        homeserver.prepare()
        homeserver.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    runner = web.AppRunner(create_app(settings, secrets), handle_signals=False)
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
    finally:
        await runner.cleanup()
        if homeserver is not None:
            homeserver.stop()


if __name__ == "__main__":
    sys.exit(main())

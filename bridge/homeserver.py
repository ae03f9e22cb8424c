"""The bundled Synapse: its config, its process, its readiness.

On first start Synapse generates its own config (signing key, macaroon
secret). Kindred then writes a second file from ``config/templates`` at
every start; Synapse merges the two, so settings changes apply on restart
without touching what Synapse generated.
"""

from __future__ import annotations

import asyncio
import ctypes
import logging
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Mapping

import aiohttp
import jinja2
import yaml

from bridge.tls import ensure_self_signed
from config import file_modes

if TYPE_CHECKING:
    from config.secrets import Secrets
    from config.settings import Settings

logger = logging.getLogger(__name__)

_TEMPLATES = Path(__file__).resolve().parent.parent / "config" / "templates"


# prctl(2): deliver a signal to this process when its parent dies (Linux).
_PR_SET_PDEATHSIG = 1
_RESTART_BASE = 1.0
_RESTART_MAX = 60.0
_STABLE_AFTER = 120.0


class HomeserverFailed(RuntimeError):
    pass


@dataclass(frozen=True)
class Federation:
    """The bundled server's federation listener (TLS, federation API only)."""

    port: int
    host: str = "0.0.0.0"
    # Empty paths: a self-signed pair is generated in the Synapse directory.
    tls_cert: str = ""
    tls_key: str = ""
    # Off only for test pairs on one machine (self-signed certificates,
    # loopback addresses that Synapse refuses by default).
    verify_tls: bool = True
    allow_loopback: bool = False


@dataclass(frozen=True)
class ConsentCheck:
    """Where the homeserver's consent module asks Kindred about invites and
    joins (bridge/consent_module.py), and how it proves it is the homeserver."""

    kindred_url: str
    secret: str
    bot_user_id: str
    timeout_seconds: int = 5


def _deep_merge(base: dict[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in extra.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


class BundledHomeserver:
    def __init__(
        self,
        directory: Path,
        server_name: str,
        port: int,
        registration_shared_secret: str,
        public_baseurl: str,
        overrides: Mapping[str, Any] | None = None,
        bind_address: str = "127.0.0.1",
        federation: Federation | None = None,
        consent: ConsentCheck | None = None,
    ) -> None:
        self.directory = directory.resolve()
        self.server_name = server_name
        self.port = port
        self._secret = registration_shared_secret
        self._public_baseurl = public_baseurl
        self._overrides = dict(overrides or {})
        self._bind_address = bind_address
        self.federation = federation
        self.consent = consent
        self._process: subprocess.Popen[bytes] | None = None

    @classmethod
    def from_settings(
        cls, settings: Settings, secrets: Secrets, overrides: Mapping[str, Any] | None = None
    ) -> BundledHomeserver:
        """The bundled server as Kindred's settings describe it; ``overrides``
        are merged over ``synapse_overrides`` (tests use this)."""
        federation = None
        if settings.federation_port:
            federation = Federation(
                settings.federation_port,
                settings.federation_host,
                settings.federation_tls_cert,
                settings.federation_tls_key,
                settings.federation_verify_tls,
                settings.federation_allow_loopback,
            )
        return cls(
            settings.data_dir / "synapse",
            settings.server_name,
            settings.synapse_port,
            secrets.registration_shared_secret,
            settings.client_homeserver_url,
            _deep_merge(dict(settings.synapse_overrides), overrides or {}),
            settings.synapse_host,
            federation,
            ConsentCheck(
                settings.consent_url,
                secrets.consent_secret,
                settings.bot_user_id,
                settings.consent_timeout_seconds,
            ),
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def generated_config(self) -> Path:
        return self.directory / "homeserver.yaml"

    @property
    def kindred_config(self) -> Path:
        return self.directory / "kindred-overrides.yaml"

    @property
    def pid_path(self) -> Path:
        return self.directory / "homeserver.pid"

    @property
    def log_path(self) -> Path:
        return self.directory / "synapse-output.log"

    def prepare(self) -> None:
        """Generate Synapse's own config once, then (re)write Kindred's layer."""
        file_modes.secure(self.directory)
        if not self.generated_config.exists():
            logger.info("generating homeserver config for %s in %s", self.server_name, self.directory)
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "synapse.app.homeserver",
                    "--server-name",
                    self.server_name,
                    "--config-path",
                    str(self.generated_config),
                    "--data-directory",
                    str(self.directory),
                    "--report-stats=no",
                    "--generate-config",
                ],
                check=True,
                cwd=self.directory,
                stdout=subprocess.DEVNULL,
                preexec_fn=_owner_only,
            )
        templates = jinja2.Environment(loader=jinja2.FileSystemLoader(_TEMPLATES), keep_trailing_newline=True)
        rendered = templates.get_template("homeserver.yaml.j2").render(
            synapse_dir=str(self.directory),
            public_baseurl=self._public_baseurl.rstrip("/") + "/",
            port=self.port,
            bind_address=self._bind_address,
            registration_shared_secret=self._secret,
            federation=self.federation,
            tls=self._tls_paths(),
            consent=self.consent,
        )
        layer = _deep_merge(yaml.safe_load(rendered), self._overrides)
        # It holds the registration secret: owner-only from the first byte.
        file_modes.write_private(self.kindred_config, yaml.safe_dump(layer, sort_keys=False))
        # The generated config and signing key, and an older install's files.
        file_modes.secure(self.directory)

    def _tls_paths(self) -> tuple[str, str] | None:
        if self.federation is None:
            return None
        if self.federation.tls_cert:
            return self.federation.tls_cert, self.federation.tls_key
        cert = self.directory / "federation.crt"
        key = self.directory / "federation.key"
        ensure_self_signed(cert, key, self.server_name)
        return str(cert), str(key)

    @property
    def command(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "synapse.app.homeserver",
            "-c",
            str(self.generated_config),
            "-c",
            str(self.kindred_config),
        ]

    def start(self) -> None:
        # A homeserver an earlier Kindred left running (killed before it could
        # stop it) holds the port and the database: a second one would fail
        # to listen and be restarted in a loop while Kindred talks to the old.
        self.stop_leftover()
        log = open(self.log_path, "ab")
        # A session of its own: Ctrl-C reaches Kindred, which then stops
        # Synapse in order, instead of both dying at once mid-request.
        self._process = subprocess.Popen(
            self.command,
            cwd=self.directory,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_child_setup(os.getpid()),
        )
        log.close()
        # Synapse writes no pid file unless it daemonizes; operators, the
        # fault tests and the next start (``stop_leftover``) find it here.
        file_modes.write_private(self.pid_path, f"{self._process.pid}\n")
        logger.info("started homeserver (pid %d) on port %d", self._process.pid, self.port)

    def stop_leftover(self, grace: float = 15.0) -> None:
        """Stop a homeserver still running on this directory from an earlier
        start, if the pid file names one and its command line proves it is
        Synapse with this very config (a recycled pid is left alone)."""
        try:
            pid = int(self.pid_path.read_text().strip())
        except (OSError, ValueError):
            return
        if (self._process is not None and self._process.pid == pid) or not self._is_ours(pid):
            return
        logger.warning("stopping a homeserver left running on %s (pid %d)", self.directory, pid)
        _signal_group(pid, signal.SIGTERM)
        deadline = time.monotonic() + grace
        while _running(pid):
            if time.monotonic() > deadline:
                _signal_group(pid, signal.SIGKILL)
                deadline = time.monotonic() + grace
            time.sleep(0.1)

    def _is_ours(self, pid: int) -> bool:
        try:
            raw = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            return False  # gone, or no /proc to prove anything with
        args = raw.decode(errors="replace").split("\0")
        return "synapse.app.homeserver" in args and str(self.generated_config) in args

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    async def wait_ready(self, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        async with aiohttp.ClientSession() as session:
            while time.monotonic() < deadline:
                if self._process is not None and self._process.poll() is not None:
                    raise HomeserverFailed(f"homeserver exited with {self._process.returncode}:\n{self.log_tail()}")
                try:
                    async with session.get(self.url + "/health", timeout=aiohttp.ClientTimeout(total=2)) as response:
                        if response.status == 200:
                            return
                except (TimeoutError, aiohttp.ClientError):
                    pass
                await asyncio.sleep(0.2)
        raise HomeserverFailed(f"homeserver not ready after {timeout:.0f}s:\n{self.log_tail()}")

    async def supervise(self, stop: asyncio.Event) -> None:
        """Restart the homeserver whenever it dies, backing off up to a minute.

        Runs until ``stop`` is set. The backoff resets once a restarted
        server has stayed up for a while, so a crash loop slows down but a
        rare crash is repaired within a second or two.
        """
        delay = _RESTART_BASE
        while not stop.is_set():
            process = self._process
            if process is None:
                return
            exited = asyncio.ensure_future(asyncio.to_thread(process.wait))
            stopping = asyncio.ensure_future(stop.wait())
            started = time.monotonic()
            await asyncio.wait({exited, stopping}, return_when=asyncio.FIRST_COMPLETED)
            stopping.cancel()
            if stop.is_set():
                exited.cancel()
                return
            logger.error(
                "homeserver exited with %s; restarting in %.0fs\n%s",
                process.returncode,
                delay,
                self.log_tail(10),
            )
            if time.monotonic() - started > _STABLE_AFTER:
                delay = _RESTART_BASE
            try:
                await asyncio.wait_for(stop.wait(), delay)
                return
            except TimeoutError:
                pass
            delay = min(delay * 2, _RESTART_MAX)
            self.start()
            try:
                await self.wait_ready(timeout=120)
                logger.info("homeserver is back")
            except HomeserverFailed as exc:
                logger.error("restarted homeserver is not ready: %s", exc)

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no homeserver log)"

    def stop(self, grace: float = 15.0) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        logger.info("stopping homeserver (pid %d)", process.pid)
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(grace)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _owner_only() -> None:
    """In a child, before exec: everything it creates is owner-only."""
    os.umask(file_modes.OWNER_ONLY_UMASK)


def _child_setup(parent: int) -> Callable[[], None]:
    """What the homeserver's process does before exec: owner-only files, and
    the parent-death signal, so that Kindred killed outright (SIGKILL, the
    OOM killer) does not leave an orphan homeserver behind. The session of
    its own stays, so Ctrl-C still reaches only Kindred."""
    try:
        # Looked up here, in the parent: loading a library after fork is unsafe.
        prctl: Callable[..., int] | None = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        prctl = None  # not Linux: the leftover check at start still applies

    def setup() -> None:
        _owner_only()
        if prctl is None:
            return
        prctl(_PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)
        if os.getppid() != parent:
            # Kindred died between fork and prctl: the signal will never come.
            os.kill(os.getpid(), signal.SIGTERM)

    return setup


def _running(pid: int) -> bool:
    """Alive and not a zombie waiting to be reaped."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    return fields[0] not in ("Z", "X")


def _signal_group(pid: int, signum: signal.Signals) -> None:
    """Signal the process's group when it leads one (as Kindred starts it), else the process."""
    try:
        if os.getpgid(pid) == pid:
            os.killpg(pid, signum)
        else:
            os.kill(pid, signum)
    except ProcessLookupError:
        pass

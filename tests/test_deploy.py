"""The deployment files, checked without a Docker engine: the compose file's
services, images, volumes and wiring, and the configs rendered from .env."""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from config.deploy import SECRETS, DeployConfigError, read_env, render
from config.secrets import SecretError, load_or_create_secrets
from config.settings import load_settings, settings_from_mapping
from tests.conftest import FakeAccounts, make_settings
from web.app import create_app

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def env() -> dict[str, str]:
    """The example, filled in as its comments ask: every secret generated."""
    example = read_env(ROOT / ".env.example")
    return {key: secrets.token_urlsafe(32) if key in SECRETS else value for key, value in example.items()}


@pytest.fixture
def rendered(tmp_path: Path, env: dict[str, str]) -> Path:
    render(env, tmp_path)
    return tmp_path


def _variables(text: str) -> set[str]:
    return set(re.findall(r"\$\{([A-Z0-9_]+)\}", text))


def test_services_images_and_volumes(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert set(services) == {
        "postgres",
        "synapse-keys",
        "synapse",
        "synapse-sync",
        "redis",
        "kindred-web",
        "kindred-bot",
        "element",
        "proxy",
    }
    assert services["postgres"]["image"].startswith("postgres:")
    # Synapse's image is the official one plus Kindred's consent module.
    assert services["synapse"]["build"] == {"context": ".", "dockerfile": "Dockerfile.synapse"}
    assert services["synapse"]["image"] == services["synapse-keys"]["image"]
    assert services["synapse"]["build"] == services["synapse-keys"]["build"]
    assert services["element"]["image"].startswith("vectorim/element-web:")
    assert services["proxy"]["image"].startswith("caddy:")
    assert services["kindred-web"]["build"] == services["kindred-bot"]["build"] == "."
    named = set(compose["volumes"])
    for service in services.values():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            assert source.startswith("./deploy/") or source in named, volume
    # Only the proxy faces the outside.
    assert [name for name, s in services.items() if s.get("ports")] == ["proxy"]


def test_every_variable_the_compose_file_uses_is_in_the_env_example(
    compose: dict[str, Any], env: dict[str, str]
) -> None:
    used = _variables((ROOT / "docker-compose.yml").read_text())
    assert used and used <= set(env), used - set(env)


@pytest.mark.parametrize("name", ["kindred-web", "kindred-bot"])
def test_kindred_is_wired_to_the_homeserver_with_the_same_secret(compose: dict[str, Any], name: str) -> None:
    services = compose["services"]
    kindred = services[name]["environment"]
    assert kindred["KINDRED_RUN_HOMESERVER"] == "false"
    assert kindred["KINDRED_HOMESERVER_URL"] == "http://synapse:8008"
    assert kindred["KINDRED_REGISTRATION_SHARED_SECRET"] == "${REGISTRATION_SHARED_SECRET}"
    assert kindred["KINDRED_SERVER_NAME"] == "${KINDRED_DOMAIN}"
    assert kindred["KINDRED_PUBLIC_HOMESERVER_URL"] == "https://matrix.${KINDRED_DOMAIN}"
    assert kindred["KINDRED_ELEMENT_URL"] == "https://chat.${KINDRED_DOMAIN}"
    assert kindred["KINDRED_TRUST_PROXY"] == "true"
    assert services["postgres"]["environment"]["POSTGRES_PASSWORD"] == "${POSTGRES_PASSWORD}"
    assert services["synapse"]["depends_on"]["synapse-keys"]["condition"] == "service_completed_successfully"
    assert services[name]["depends_on"]["synapse"]["condition"] == "service_healthy"


def test_kindred_keeps_its_store_in_its_own_database_as_its_own_role(
    compose: dict[str, Any], env: dict[str, str]
) -> None:
    services = compose["services"]
    postgres = services["postgres"]["environment"]
    url = services["kindred-web"]["environment"]["KINDRED_DATABASE_URL"]
    assert services["kindred-bot"]["environment"]["KINDRED_DATABASE_URL"] == url
    assert url == "postgresql://kindred:${KINDRED_DB_PASSWORD}@postgres:5432/kindred"
    # The role and the database the init script makes are the ones in the URL.
    assert (postgres["KINDRED_DB_USER"], postgres["KINDRED_DB_NAME"]) == ("kindred", "kindred")
    assert postgres["KINDRED_DB_PASSWORD"] == "${KINDRED_DB_PASSWORD}"
    assert services["kindred-web"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    # With .env's values in, it is a URL Kindred's settings accept.
    filled = re.sub(r"\$\{([A-Z0-9_]+)\}", lambda m: env[m[1]], url)
    assert load_settings({"KINDRED_DATABASE_URL": filled}).database_url == filled


def test_the_superuser_password_reaches_only_the_database_server_and_its_init(compose: dict[str, Any]) -> None:
    services = compose["services"]
    postgres = services["postgres"]
    assert postgres["environment"]["POSTGRES_USER"] not in ("kindred", "synapse")
    for name, service in services.items():
        if name != "postgres":
            assert "POSTGRES_PASSWORD" not in yaml.safe_dump(service), name
    # The init script runs from the image's init directory, on an empty volume.
    [init] = [volume for volume in postgres["volumes"] if "docker-entrypoint-initdb.d" in volume]
    source, target, mode = init.split(":")
    assert source == "./deploy/postgres-init.sh" and target.endswith(".sh") and mode == "ro"
    # It finds every value it requires in the service's environment.
    script = (ROOT / "config" / "templates" / "deploy" / "postgres-init.sh").read_text()
    required = set(re.findall(r"\$\{([A-Z_]+):\?", script))
    assert required and required <= set(postgres["environment"]), required
    # Healthy only once the real server listens on TCP, after the init script.
    assert "-h 127.0.0.1" in postgres["healthcheck"]["test"][1]


def test_rendered_synapse_config_agrees_with_compose(rendered: Path, env: dict[str, str]) -> None:
    config = yaml.safe_load((rendered / "homeserver.yaml").read_text())
    assert config["server_name"] == env["KINDRED_DOMAIN"]
    assert config["registration_shared_secret"] == env["REGISTRATION_SHARED_SECRET"]
    assert config["database"]["name"] == "psycopg2"
    database = config["database"]["args"]
    postgres = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]["postgres"]["environment"]
    assert database["host"] == "postgres"
    # Synapse's own role and database, as the init script makes them.
    assert (database["user"], database["database"]) == (postgres["SYNAPSE_DB_USER"], postgres["SYNAPSE_DB_NAME"])
    assert database["password"] == env["SYNAPSE_DB_PASSWORD"]
    assert config["enable_registration"] is False
    assert config["listeners"][0]["port"] == 8008
    assert {"client", "federation"} <= set(config["listeners"][0]["resources"][0]["names"])
    assert config["rc_invites"]["per_user"]["burst_count"] >= 100
    assert config["rc_room_creation"]["burst_count"] >= 100


def test_rendered_element_config_points_at_the_homeserver(rendered: Path, env: dict[str, str]) -> None:
    config = json.loads((rendered / "element-config.json").read_text())
    server = config["default_server_config"]["m.homeserver"]
    assert server["base_url"] == f"https://matrix.{env['KINDRED_DOMAIN']}"
    assert server["server_name"] == env["KINDRED_DOMAIN"]
    assert config["brand"] == "Kindred"
    assert config["setting_defaults"]["UIFeature.registration"] is False


def test_the_proxy_routes_all_three_sites(rendered: Path, compose: dict[str, Any]) -> None:
    caddy = (rendered / "Caddyfile").read_text()
    for upstream in ("kindred-web 8080", "synapse:8008", "element:80"):
        assert "reverse_proxy" in caddy and upstream in caddy
    assert "/.well-known/matrix/server" in caddy and "/.well-known/matrix/client" in caddy
    assert set(re.findall(r"\{\$([A-Z_]+)\}", caddy)) <= set(compose["services"]["proxy"]["environment"])


def test_render_refuses_an_incomplete_env(tmp_path: Path, env: dict[str, str]) -> None:
    with pytest.raises(DeployConfigError, match="POSTGRES_PASSWORD"):
        render({**env, "POSTGRES_PASSWORD": ""}, tmp_path)


@pytest.mark.parametrize("value", ["", "http://mail.example.org", "smtp://"])
def test_render_needs_an_smtp_relay(tmp_path: Path, env: dict[str, str], value: str) -> None:
    # The deployment requires email at signup (KINDRED_REQUIRE_EMAIL): no relay, no signups.
    with pytest.raises(DeployConfigError, match="SMTP_URL"):
        render({**env, "SMTP_URL": value}, tmp_path)


@pytest.mark.parametrize("key", ["KINDRED_DB_PASSWORD", "SYNAPSE_DB_PASSWORD"])
def test_render_refuses_a_database_password_a_url_cannot_hold(tmp_path: Path, env: dict[str, str], key: str) -> None:
    with pytest.raises(DeployConfigError, match=key):
        render({**env, key: "p@ss/word" + "x" * 32}, tmp_path)


def test_render_refuses_one_password_for_two_database_roles(tmp_path: Path, env: dict[str, str]) -> None:
    with pytest.raises(DeployConfigError, match="must all differ"):
        render({**env, "KINDRED_DB_PASSWORD": env["POSTGRES_PASSWORD"]}, tmp_path)


def test_render_writes_the_database_init_script_executable(rendered: Path) -> None:
    script = rendered / "postgres-init.sh"
    assert script.read_text().startswith("#!/bin/sh") and os.access(script, os.X_OK)


def test_render_refuses_the_example_placeholders_naming_the_variable(tmp_path: Path) -> None:
    with pytest.raises(DeployConfigError, match="POSTGRES_PASSWORD is still a placeholder"):
        render(read_env(ROOT / ".env.example"), tmp_path)
    assert not (tmp_path / "homeserver.yaml").exists()


@pytest.mark.parametrize("key", SECRETS)
@pytest.mark.parametrize(("value", "why"), [("change-me-please-" + "x" * 40, "placeholder"), ("x" * 31, "shorter")])
def test_render_refuses_a_placeholder_or_short_secret(
    tmp_path: Path, env: dict[str, str], key: str, value: str, why: str
) -> None:
    with pytest.raises(DeployConfigError, match=f"{key} .*{why}"):
        render({**env, key: value}, tmp_path)


def test_secrets_from_the_environment_win(tmp_path: Path) -> None:
    stored = load_or_create_secrets(tmp_path, {})
    from_env = secrets.token_urlsafe(32)
    given = load_or_create_secrets(tmp_path, {"KINDRED_REGISTRATION_SHARED_SECRET": from_env})
    assert given.registration_shared_secret == from_env
    assert given.jwt_secret == stored.jwt_secret
    assert from_env not in (tmp_path / "secrets.json").read_text()


@pytest.mark.parametrize("name", ["KINDRED_JWT_SECRET", "KINDRED_REGISTRATION_SHARED_SECRET"])
@pytest.mark.parametrize("value", ["change-me-jwt", "change-me-" + "x" * 40, "short-but-real"])
def test_placeholder_or_short_secrets_in_the_environment_are_refused(tmp_path: Path, name: str, value: str) -> None:
    with pytest.raises(SecretError, match=name):
        load_or_create_secrets(tmp_path, {name: value})


def test_kindred_will_not_start_with_a_placeholder_secret(tmp_path: Path) -> None:
    env = {**os.environ, "KINDRED_DATA_DIR": str(tmp_path), "KINDRED_JWT_SECRET": "change-me-jwt"}
    done = subprocess.run(
        [sys.executable, "-m", "kindred_cli", "run"], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2, done.stderr
    assert "KINDRED_JWT_SECRET is still a placeholder" in done.stderr


async def test_behind_a_trusted_proxy_the_client_address_and_scheme_are_used(
    tmp_path: Path, aiohttp_client: Any
) -> None:
    settings = make_settings(tmp_path, "http://127.0.0.1:9", run_bot=False).with_changes(
        trust_proxy=True, logins_per_minute=1
    )
    client = await aiohttp_client(create_app(settings, load_or_create_secrets(tmp_path), FakeAccounts()))
    login = {"username": "nobody", "password": "whatever1"}
    first = await client.post("/api/v1/auth/login", json=login, headers={"X-Forwarded-For": "203.0.113.1"})
    other = await client.post("/api/v1/auth/login", json=login, headers={"X-Forwarded-For": "203.0.113.2"})
    again = await client.post("/api/v1/auth/login", json=login, headers={"X-Forwarded-For": "203.0.113.1"})
    assert (first.status, other.status, again.status) == (401, 401, 429)
    page = await client.get("/signup", headers={"X-Forwarded-Proto": "https"})
    assert page.cookies["kindred_csrf"]["secure"]


def test_the_homeserver_image_carries_the_consent_module_and_asks_kindred(
    compose: dict[str, Any], rendered: Path, env: dict[str, str]
) -> None:
    dockerfile = (ROOT / "Dockerfile.synapse").read_text()
    assert "FROM matrixdotorg/synapse:v1.163.2" in dockerfile
    copied = re.search(r"^COPY (\S+) (\S+)$", dockerfile, re.M)
    assert copied is not None and copied[1] == "bridge/consent_module.py"
    module_dir, module_file = copied[2].rsplit("/", 1)
    assert f"ENV PYTHONPATH={module_dir}" in dockerfile

    config = yaml.safe_load((rendered / "homeserver.yaml").read_text())
    [module] = config["modules"]
    assert module["module"] == module_file.removesuffix(".py") + ".KindredConsent"
    services = compose["services"]
    port = services["kindred-web"]["environment"]["KINDRED_PORT"]
    assert module["config"]["kindred_url"] == f"http://kindred-web:{port}"
    assert module["config"]["secret"] == env["KINDRED_CONSENT_SECRET"]
    assert module["config"]["bot_user_id"] == f"@kindred-bot:{env['KINDRED_DOMAIN']}"
    assert services["kindred-web"]["environment"]["KINDRED_CONSENT_SECRET"] == "${KINDRED_CONSENT_SECRET}"
    # The module file imports nothing of Kindred: it runs alone in that image.
    source = (ROOT / "bridge" / "consent_module.py").read_text()
    imported = set(re.findall(r"^(?:from|import) (\w+)", source, re.M))
    assert imported <= {"__future__", "logging", "dataclasses", "typing", "json", "twisted", "synapse"}, imported
    from bridge.consent_module import KindredConsent

    assert KindredConsent.parse_config(module["config"]).timeout_seconds > 0
    # The internal endpoint is not served to the outside.
    assert "respond /_kindred/* 404" in (rendered / "Caddyfile").read_text()


def test_consent_secret_from_the_environment_wins(tmp_path: Path) -> None:
    from_env = "consent-from-the-environment-" + "x" * 16
    given = load_or_create_secrets(tmp_path, {"KINDRED_CONSENT_SECRET": from_env})
    assert given.consent_secret == from_env
    assert from_env not in (tmp_path / "secrets.json").read_text()


def test_the_deployment_requires_email_through_the_relay_in_env(compose: dict[str, Any]) -> None:
    kindred = compose["services"]["kindred-web"]["environment"]
    assert kindred["KINDRED_REQUIRE_EMAIL"] == "true"
    assert kindred["KINDRED_SMTP_URL"] == "${SMTP_URL}"
    # Settings accept what the example gives (the relay's URL shape).
    assert settings_from_mapping({"smtp_url": read_env(ROOT / ".env.example")["SMTP_URL"], "require_email": True})

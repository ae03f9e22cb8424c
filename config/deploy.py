"""Render the docker-compose deployment's config files from ``.env``.

    python -m config.deploy --env .env --out deploy

writes ``deploy/homeserver.yaml`` (Synapse), ``deploy/synapse-sync.yaml``
(Synapse's sync worker), ``deploy/element-config.json`` (Element Web) and
``deploy/Caddyfile`` (the proxy), and copies the database server's init script
(``postgres-init.sh``: a role and a database for each application). Secrets
come from ``.env``; the same values reach Kindred's containers through
docker-compose, so the homeserver and Kindred always agree on the registration
secret.

``COMPOSE_PROFILES`` in ``.env`` is what docker compose reads to start optional
services; with ``workers`` in it the homeserver runs with a sync worker and
Redis, so the homeserver's config gains the replication listener, Redis and
the instance map, and the proxy sends the sync endpoints to the worker.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
from pathlib import Path
from typing import Mapping

import jinja2

from config.secrets import SecretError, check_secret
from config.settings import SettingsError, check_smtp_url

TEMPLATES = Path(__file__).resolve().parent / "templates"
# Each is a key someone could forge with: checked like Kindred's own secrets.
SECRETS = (
    "POSTGRES_PASSWORD",
    "KINDRED_DB_PASSWORD",
    "SYNAPSE_DB_PASSWORD",
    "REGISTRATION_SHARED_SECRET",
    "KINDRED_JWT_SECRET",
    "KINDRED_CONSENT_SECRET",
    "SYNAPSE_MACAROON_SECRET",
    "SYNAPSE_FORM_SECRET",
)
# Needed only with the workers profile: the main homeserver process and its
# workers authenticate their HTTP replication with it.
WORKER_SECRETS = ("SYNAPSE_REPLICATION_SECRET",)
REQUIRED = (
    "KINDRED_DOMAIN",
    "ACME_EMAIL",
    # The deployment requires email at signup: without a relay nobody could sign up.
    "SMTP_URL",
    *SECRETS,
)


_URL_SAFE = re.compile(r"[A-Za-z0-9_\-]+")
# Spelled unescaped into Kindred's database URL and Synapse's YAML.
_IN_URLS = ("KINDRED_DB_PASSWORD", "SYNAPSE_DB_PASSWORD")
# One password per role: the superuser's and each application's.
_DATABASE_PASSWORDS = ("POSTGRES_PASSWORD", *_IN_URLS)
# Copied as they are; the init script reads its values from the environment.
_COPIED = {"postgres-init.sh": 0o755}
# Rendered from the template of the same name plus ``.j2``, with their modes:
# the homeserver's configs hold secrets.
_RENDERED = {
    "homeserver.yaml": 0o640,
    "synapse-sync.yaml": 0o640,
    "element-config.json": 0o640,
    "Caddyfile": 0o644,
}
# The compose profile that runs Synapse with workers.
WORKERS_PROFILE = "workers"
# What the sync worker serves: the "Sync requests" of Synapse's workers
# documentation (generic_worker). The proxy sends exactly these to it.
SYNC_ENDPOINTS = (
    r"^/_matrix/client/(r0|v3)/sync$",
    r"^/_matrix/client/(api/v1|r0|v3)/events$",
    r"^/_matrix/client/(api/v1|r0|v3)/initialSync$",
    r"^/_matrix/client/(api/v1|r0|v3)/rooms/[^/]+/initialSync$",
)


class DeployConfigError(ValueError):
    pass


def read_env(path: Path) -> dict[str, str]:
    """The KEY=value lines of an env file (comments and blanks skipped)."""
    values: dict[str, str] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        if not sep:
            raise DeployConfigError(f"{path}:{number}: expected KEY=value")
        values[key.strip()] = value.strip().strip("'\"")
    return values


def render(env: Mapping[str, str], out: Path) -> list[Path]:
    workers = with_workers(env)
    required = (*REQUIRED, *WORKER_SECRETS) if workers else REQUIRED
    missing = [key for key in required if not env.get(key)]
    if missing:
        raise DeployConfigError("missing in the env file: " + ", ".join(missing))
    for key in (*SECRETS, *WORKER_SECRETS) if workers else SECRETS:
        try:
            check_secret(key, env[key])
        except SecretError as exc:
            raise DeployConfigError(str(exc)) from None
    try:
        check_smtp_url(env["SMTP_URL"])
    except SettingsError as exc:
        raise DeployConfigError(str(exc).replace("setting 'smtp_url'", "SMTP_URL")) from None
    _check_database_passwords(env)
    templates = jinja2.Environment(
        loader=jinja2.FileSystemLoader([TEMPLATES / "deploy", TEMPLATES]),
        keep_trailing_newline=True,
        # A line holding only {% if %} or {% endif %} leaves nothing behind.
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    values = {
        "domain": env["KINDRED_DOMAIN"],
        "synapse_db_password": env["SYNAPSE_DB_PASSWORD"],
        "registration_shared_secret": env["REGISTRATION_SHARED_SECRET"],
        "macaroon_secret_key": env["SYNAPSE_MACAROON_SECRET"],
        "form_secret": env["SYNAPSE_FORM_SECRET"],
        "consent_secret": env["KINDRED_CONSENT_SECRET"],
        "workers": workers,
        "replication_secret": env.get("SYNAPSE_REPLICATION_SECRET", ""),
        "sync_endpoints": "|".join(SYNC_ENDPOINTS),
    }
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, mode in _RENDERED.items():
        target = out / name
        target.write_text(templates.get_template(f"{name}.j2").render(values), encoding="utf-8")
        target.chmod(mode)
        written.append(target)
    for name, mode in _COPIED.items():
        shutil.copyfile(TEMPLATES / "deploy" / name, out / name)
        (out / name).chmod(mode)
        written.append(out / name)
    return written


def with_workers(env: Mapping[str, str]) -> bool:
    """Whether ``COMPOSE_PROFILES`` (comma-separated, as docker compose reads
    it) turns the workers profile on."""
    profiles = {name.strip() for name in env.get("COMPOSE_PROFILES", "").split(",")}
    return WORKERS_PROFILE in profiles or "*" in profiles


def _check_database_passwords(env: Mapping[str, str]) -> None:
    for key in _IN_URLS:
        if not _URL_SAFE.fullmatch(env[key]):
            raise DeployConfigError(f"{key} may only hold letters, digits, - and _ (it goes into a URL)")
    if len({env[key] for key in _DATABASE_PASSWORDS}) < len(_DATABASE_PASSWORDS):
        # A shared password would give either application the other's database, or the superuser.
        raise DeployConfigError(f"{', '.join(_DATABASE_PASSWORDS)} must all differ: one per database role")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--env", type=Path, default=Path(".env"))
    parser.add_argument("--out", type=Path, default=Path("deploy"))
    args = parser.parse_args(argv)
    try:
        for path in render(read_env(args.env), args.out):
            print(f"wrote {path}")
    except (OSError, DeployConfigError) as exc:
        print(f"config.deploy: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())

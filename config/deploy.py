"""Render the docker-compose deployment's config files from ``.env``.

    python -m config.deploy --env .env --out deploy

writes ``deploy/homeserver.yaml`` (Synapse) and ``deploy/element-config.json``
(Element Web) and copies the Caddyfile and the database server's init script
(``postgres-init.sh``: a role and a database for each application). Secrets
come from ``.env``; the same values reach Kindred's container through
docker-compose, so the homeserver and Kindred always agree on the registration
secret.
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
_COPIED = {"Caddyfile": 0o644, "postgres-init.sh": 0o755}


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
    missing = [key for key in REQUIRED if not env.get(key)]
    if missing:
        raise DeployConfigError("missing in the env file: " + ", ".join(missing))
    for key in SECRETS:
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
        undefined=jinja2.StrictUndefined,
    )
    values = {
        "domain": env["KINDRED_DOMAIN"],
        "synapse_db_password": env["SYNAPSE_DB_PASSWORD"],
        "registration_shared_secret": env["REGISTRATION_SHARED_SECRET"],
        "macaroon_secret_key": env["SYNAPSE_MACAROON_SECRET"],
        "form_secret": env["SYNAPSE_FORM_SECRET"],
        "consent_secret": env["KINDRED_CONSENT_SECRET"],
    }
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for template, name in (
        ("homeserver.yaml.j2", "homeserver.yaml"),
        ("element-config.json.j2", "element-config.json"),
    ):
        target = out / name
        target.write_text(templates.get_template(template).render(values), encoding="utf-8")
        target.chmod(0o640)
        written.append(target)
    for name, mode in _COPIED.items():
        shutil.copyfile(TEMPLATES / "deploy" / name, out / name)
        (out / name).chmod(mode)
        written.append(out / name)
    return written


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

"""Render the docker-compose deployment's config files from ``.env``.

    python -m config.deploy --env .env --out deploy

writes ``deploy/homeserver.yaml`` (Synapse) and ``deploy/element-config.json``
(Element Web) and copies the Caddyfile. Secrets come from ``.env``; the same
values reach Kindred's container through docker-compose, so the homeserver and
Kindred always agree on the registration secret.
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
    if not _URL_SAFE.fullmatch(env["POSTGRES_PASSWORD"]):
        # It is spelled into Kindred's database URL by docker-compose, unescaped.
        raise DeployConfigError("POSTGRES_PASSWORD may only hold letters, digits, - and _ (it goes into a URL)")
    templates = jinja2.Environment(
        loader=jinja2.FileSystemLoader([TEMPLATES / "deploy", TEMPLATES]),
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    values = {
        "domain": env["KINDRED_DOMAIN"],
        "postgres_password": env["POSTGRES_PASSWORD"],
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
    shutil.copyfile(TEMPLATES / "deploy" / "Caddyfile", out / "Caddyfile")
    written.append(out / "Caddyfile")
    return written


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

"""Kindred's settings: one frozen dataclass, validated once at start-up.

Values come from defaults, then an optional YAML file (``KINDRED_CONFIG``, or
``kindred.yaml`` in the working directory when present), then ``KINDRED_*``
environment variables. A bad value stops start-up with a message naming the
setting, so an operator never chases a failure that happens hours later.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping
from urllib.parse import urlsplit

import yaml


class SettingsError(ValueError):
    """A setting is missing or malformed; the message names it."""


_SERVER_NAME = re.compile(r"(?:[A-Za-z0-9.\-]+|\[[0-9A-Fa-f:.]+\])(?::(?P<port>[0-9]{1,5}))?")
_LOCALPART = re.compile(r"^[a-z0-9._=\-]{1,64}$")


@dataclass(frozen=True)
class Settings:
    data_dir: Path = Path("./var")
    # Kindred's own store: empty for SQLite in ``data_dir`` (the default), or
    # a PostgreSQL URL (postgresql://user:password@host:port/database).
    database_url: str = ""
    host: str = "127.0.0.1"
    port: int = 8080
    synapse_port: int = 8008
    # Where the bundled Synapse listens. Loopback unless a container must
    # publish it.
    synapse_host: str = "127.0.0.1"
    server_name: str = "localhost"
    # Federation of the bundled Synapse: 0 leaves it off. When on, a TLS
    # listener on this port serves the federation API; without certificate
    # paths a self-signed certificate is generated (enough for servers that
    # do not verify, or behind a proxy that terminates TLS).
    federation_port: int = 0
    federation_host: str = "0.0.0.0"
    federation_tls_cert: str = ""
    federation_tls_key: str = ""
    # Only for two test servers on one machine: real federation verifies
    # certificates and refuses private addresses.
    federation_verify_tls: bool = True
    federation_allow_loopback: bool = False
    # Where people's Matrix clients reach the homeserver. Defaults to the
    # bundled listener; set it when a reverse proxy fronts Synapse.
    public_homeserver_url: str = ""
    # Where Kindred's own pages are reachable, used in links the bot sends.
    public_web_url: str = ""
    # Element (or any client) to open rooms in; empty means matrix.to links.
    element_url: str = ""
    bot_localpart: str = "kindred-bot"
    bot_display_name: str = "Kindred"
    access_token_minutes: int = 15
    refresh_token_days: int = 30
    # Start the bundled Synapse as a child process. Off when an operator runs
    # Synapse themselves (docker-compose) and points ``homeserver_url`` at it.
    run_homeserver: bool = True
    homeserver_url: str = ""
    run_bot: bool = True
    # Extra keys merged into the generated Synapse config (tests lower
    # bcrypt_rounds here; operators may tune anything Synapse accepts).
    synapse_overrides: Mapping[str, Any] = field(default_factory=dict)
    log_level: str = "INFO"
    # "text" for people reading a terminal, "json" (one object per line) for
    # log collectors.
    log_format: str = "text"
    # /metrics answers loopback clients only unless this is on; put it behind
    # your own access control before turning it on.
    metrics_public: bool = False
    # Behind a reverse proxy: take the client's address and scheme from
    # X-Forwarded-For / X-Forwarded-Proto (rate limits, Secure cookies).
    trust_proxy: bool = False
    # Abuse limits: per client address for signup and login, per person for
    # requests sent. Answered with 429 and Retry-After.
    signups_per_hour: int = 30
    logins_per_minute: int = 20
    requests_per_day: int = 50
    # Picture uploads per person per hour: each one is a new file in the
    # homeserver's media repository.
    avatar_uploads_per_hour: int = 10
    # Who may invite whom on the homeserver: "matched" (only an open match,
    # never across a block; see domain/consent.py) or "open" (plain Matrix).
    matrix_policy: str = "matched"
    # How long the homeserver's consent module waits for Kindred's answer
    # before refusing (fail closed).
    consent_timeout_seconds: int = 5
    # Entries on one page of a long list (discover, requests, matches, the
    # operators' pages), with Previous and Next links past them.
    page_size: int = 20
    # Where mail goes: smtp://user:password@host:port (STARTTLS when the
    # server offers it) or smtps://... (TLS from the first byte). Empty keeps
    # every mail in the database's outbox, shown at /admin/outbox.
    smtp_url: str = ""
    # The From of Kindred's mail; empty means Kindred <kindred@server_name>.
    mail_from: str = ""
    # Whether signing up needs an email address proven by a code before the
    # account (and its Matrix account) exists; off for a local run.
    require_email: bool = False
    # Rounds (scheduled introductions): the weekday and the hour, in each
    # person's own time zone, that people are introduced at; how many of a
    # person's rounds pass before they may be introduced to someone from one
    # of them again; how long after its moment a round missed while Kindred
    # was down still runs; and whether this process runs the schedule.
    rounds_day: str = "monday"
    rounds_hour: int = 10
    rounds_repeat_window: int = 6
    rounds_catch_up_hours: int = 48
    run_rounds: bool = True

    @property
    def internal_homeserver_url(self) -> str:
        """The URL Kindred itself uses to talk to the homeserver."""
        return self.homeserver_url or f"http://127.0.0.1:{self.synapse_port}"

    @property
    def client_homeserver_url(self) -> str:
        """The URL shown to people for their Matrix client."""
        return self.public_homeserver_url or self.internal_homeserver_url

    @property
    def web_url(self) -> str:
        return self.public_web_url or f"http://{self.host}:{self.port}"

    @property
    def federates(self) -> bool:
        """Whether Matrix IDs of other servers can be reached: the bundled
        Synapse has its federation listener, or the operator runs their own
        homeserver (which is expected to federate, as docker-compose's does)."""
        return self.federation_port > 0 or not self.run_homeserver

    @property
    def consent_url(self) -> str:
        """Where the bundled homeserver's consent module reaches this Kindred."""
        host = self.host if self.host not in ("0.0.0.0", "::") else "127.0.0.1"
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.port}"

    @property
    def sender(self) -> str:
        """The From of Kindred's mail."""
        host = self.server_name.split(":")[0].strip("[]")
        return self.mail_from or f"Kindred <kindred@{host}>"

    @property
    def bot_user_id(self) -> str:
        return f"@{self.bot_localpart}:{self.server_name}"

    def with_changes(self, **changes: Any) -> Settings:
        return _validated(dataclasses.replace(self, **changes))


# Settings only the config file can hold: a mapping has no one-line spelling.
YAML_ONLY = frozenset({"synapse_overrides"})

# Every other setting has its environment variable, named after it, so this
# table cannot drift from the dataclass.
ENVIRONMENT = {
    f"KINDRED_{setting.name.upper()}": setting.name
    for setting in dataclasses.fields(Settings)
    if setting.name not in YAML_ONLY
}


def load_settings(environ: Mapping[str, str] | None = None, config_path: Path | None = None) -> Settings:
    """Read the config file and the environment into validated ``Settings``."""
    environ = os.environ if environ is None else environ
    raw: dict[str, Any] = {}
    path = config_path or _config_path(environ)
    if path is not None:
        raw.update(_read_yaml(path))
    for env_name, attr in ENVIRONMENT.items():
        if env_name in environ:
            raw[attr] = environ[env_name]
    return settings_from_mapping(raw)


def settings_from_mapping(raw: Mapping[str, Any]) -> Settings:
    known = {f.name: f for f in dataclasses.fields(Settings)}
    values: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in known:
            raise SettingsError(f"unknown setting {key!r}")
        values[key] = _coerce(key, known[key].type, value)
    return _validated(Settings(**values))


def _config_path(environ: Mapping[str, str]) -> Path | None:
    if environ.get("KINDRED_CONFIG"):
        path = Path(environ["KINDRED_CONFIG"])
        if not path.is_file():
            raise SettingsError(f"KINDRED_CONFIG names {path}, which is not a file")
        return path
    default = Path("kindred.yaml")
    return default if default.is_file() else None


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise SettingsError(f"{path} is not valid YAML: {exc}") from exc
    if not isinstance(loaded, dict):
        raise SettingsError(f"{path} must hold a mapping of settings")
    return loaded


def _coerce(name: str, type_name: Any, value: Any) -> Any:
    kind = str(type_name)
    try:
        if kind == "int":
            if isinstance(value, bool):
                raise ValueError
            return int(value)
        if kind == "bool":
            return _to_bool(value)
        if kind == "Path":
            if not str(value).strip():
                raise ValueError
            return Path(str(value))
        if kind == "str":
            if not isinstance(value, (str, int)):
                raise ValueError
            return str(value)
    except (TypeError, ValueError) as exc:
        raise SettingsError(f"setting {name!r} has a bad value: {value!r}") from exc
    if kind.startswith("Mapping") and not isinstance(value, Mapping):
        raise SettingsError(f"setting {name!r} must be a mapping")
    return value


def _to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"1", "true", "yes", "on"}:
        return True
    if text in {"0", "false", "no", "off"}:
        return False
    raise ValueError(value)


def _validated(settings: Settings) -> Settings:
    for name in ("port", "synapse_port", "federation_port"):
        port = getattr(settings, name)
        if not 0 <= port <= 65535:
            raise SettingsError(f"setting {name!r} must be a TCP port, not {port}")
    for name in ("host", "synapse_host", "federation_host"):
        try:
            ipaddress.ip_address(getattr(settings, name))
        except ValueError:
            raise SettingsError(f"setting {name!r} must be an IP address, not {getattr(settings, name)!r}") from None
    parsed = _SERVER_NAME.fullmatch(settings.server_name)
    if parsed is None or (parsed["port"] is not None and not 1 <= int(parsed["port"]) <= 65535):
        raise SettingsError(f"setting 'server_name' is not a valid Matrix server name: {settings.server_name!r}")
    if not _LOCALPART.fullmatch(settings.bot_localpart):
        raise SettingsError(f"setting 'bot_localpart' is not a valid Matrix localpart: {settings.bot_localpart!r}")
    if not 1 <= settings.access_token_minutes <= 15:
        raise SettingsError("setting 'access_token_minutes' must be between 1 and 15")
    if not 1 <= settings.refresh_token_days <= 365:
        raise SettingsError("setting 'refresh_token_days' must be between 1 and 365")
    for name in ("signups_per_hour", "logins_per_minute", "requests_per_day", "avatar_uploads_per_hour"):
        if getattr(settings, name) < 1:
            raise SettingsError(f"setting {name!r} must be at least 1")
    if not settings.run_homeserver and not settings.homeserver_url:
        raise SettingsError("setting 'homeserver_url' is required when 'run_homeserver' is off")
    for name in ("homeserver_url", "public_homeserver_url", "public_web_url", "element_url"):
        url = getattr(settings, name)
        if url and not url.startswith(("http://", "https://")):
            raise SettingsError(f"setting {name!r} must be an http(s) URL, not {url!r}")
    _check_database_url(settings.database_url)
    if settings.log_level.upper() not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
        raise SettingsError("setting 'log_level' must be DEBUG, INFO, WARNING or ERROR")
    _check_federation(settings)
    if settings.matrix_policy not in {"matched", "open"}:
        raise SettingsError(f"setting 'matrix_policy' must be matched or open, not {settings.matrix_policy!r}")
    if not 1 <= settings.consent_timeout_seconds <= 60:
        raise SettingsError("setting 'consent_timeout_seconds' must be between 1 and 60")
    if not 1 <= settings.page_size <= 100:
        raise SettingsError("setting 'page_size' must be between 1 and 100")
    check_smtp_url(settings.smtp_url)
    if "\n" in settings.mail_from or "\r" in settings.mail_from:
        raise SettingsError("setting 'mail_from' must be one line")
    _check_rounds(settings)
    if settings.log_format not in {"text", "json"}:
        raise SettingsError(f"setting 'log_format' must be text or json, not {settings.log_format!r}")
    return settings


WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _check_rounds(settings: Settings) -> None:
    if settings.rounds_day not in WEEKDAYS:
        raise SettingsError(
            f"setting 'rounds_day' must be a weekday in English (monday ... sunday), not {settings.rounds_day!r}"
        )
    if not 0 <= settings.rounds_hour <= 23:
        raise SettingsError("setting 'rounds_hour' must be an hour from 0 to 23")
    if not 0 <= settings.rounds_repeat_window <= 52:
        raise SettingsError("setting 'rounds_repeat_window' must be between 0 and 52")
    if not 1 <= settings.rounds_catch_up_hours <= 24 * 6:
        raise SettingsError("setting 'rounds_catch_up_hours' must be between 1 and 144 (less than a week)")


def _check_database_url(url: str) -> None:
    """Empty (SQLite), or a PostgreSQL URL with a database named in it. The
    value is never echoed: it may hold a password."""
    if not url:
        return
    parts = urlsplit(url)
    if parts.scheme not in ("postgresql", "postgres"):
        raise SettingsError("setting 'database_url' must be a postgresql:// URL (or empty for SQLite)")
    try:
        port = parts.port
    except ValueError:
        port = 0
    if port == 0:
        raise SettingsError("setting 'database_url' has a port that is not a number from 1 to 65535") from None
    if parts.path.strip("/") == "" or "/" in parts.path.strip("/"):
        raise SettingsError(
            "setting 'database_url' must name one database: postgresql://user:password@host:port/database"
        )


def check_smtp_url(url: str) -> None:
    """Empty (the outbox), or smtp(s)://[user:password@]host[:port]. The value
    is never echoed: it may hold a password."""
    if not url:
        return
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps"):
        raise SettingsError("setting 'smtp_url' must be an smtp:// or smtps:// URL (or empty for the outbox)")
    try:
        port = parts.port
    except ValueError:
        port = 0
    if not parts.hostname or port == 0:
        raise SettingsError("setting 'smtp_url' must name a host and, if any, a port from 1 to 65535")


def _check_federation(settings: Settings) -> None:
    if settings.federation_port and settings.federation_port == settings.synapse_port:
        raise SettingsError("setting 'federation_port' must differ from 'synapse_port'")
    if bool(settings.federation_tls_cert) != bool(settings.federation_tls_key):
        raise SettingsError("settings 'federation_tls_cert' and 'federation_tls_key' go together: give both or neither")

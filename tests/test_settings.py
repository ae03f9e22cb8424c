"""Settings: defaults, KINDRED_* environment overrides, and refusals that name the setting."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from config.settings import ENVIRONMENT, YAML_ONLY, Settings, SettingsError, load_settings, settings_from_mapping


@pytest.fixture(autouse=True)
def no_config_file_here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # load_settings reads ./kindred.yaml when present; run where there is none.
    monkeypatch.chdir(tmp_path)


def test_defaults_with_an_empty_environment() -> None:
    settings = load_settings({})
    assert settings == Settings()
    assert settings.data_dir == Path("./var")
    assert (settings.host, settings.port) == ("127.0.0.1", 8080)
    assert settings.synapse_port == 8008
    assert settings.server_name == "localhost"
    assert settings.internal_homeserver_url == "http://127.0.0.1:8008"
    assert settings.web_url == "http://127.0.0.1:8080"
    assert settings.bot_user_id == "@kindred-bot:localhost"


def test_environment_overrides() -> None:
    settings = load_settings(
        {
            "KINDRED_DATA_DIR": "/srv/kindred",
            "KINDRED_HOST": "0.0.0.0",
            "KINDRED_PORT": "9090",
            "KINDRED_SYNAPSE_PORT": "18008",
            "KINDRED_SERVER_NAME": "example.org",
            "UNRELATED": "ignored",
        }
    )
    assert settings.data_dir == Path("/srv/kindred")
    assert settings.host == "0.0.0.0"
    assert settings.port == 9090 and isinstance(settings.port, int)
    assert settings.synapse_port == 18008
    assert settings.server_name == "example.org"
    # Derived values follow the overrides.
    assert settings.internal_homeserver_url == "http://127.0.0.1:18008"
    assert settings.bot_user_id == "@kindred-bot:example.org"


def test_environment_wins_over_the_config_file(tmp_path: Path) -> None:
    config = tmp_path / "custom.yaml"
    config.write_text("port: 7000\nserver_name: from-file.org\n", encoding="utf-8")
    settings = load_settings({"KINDRED_CONFIG": str(config), "KINDRED_PORT": "7001"})
    assert (settings.port, settings.server_name) == (7001, "from-file.org")


@pytest.mark.parametrize(
    ("variable", "value", "setting"),
    [
        ("KINDRED_PORT", "eighty", "port"),
        ("KINDRED_PORT", "8080.5", "port"),
        ("KINDRED_PORT", "65536", "port"),
        ("KINDRED_PORT", "-1", "port"),
        ("KINDRED_SYNAPSE_PORT", "", "synapse_port"),
        ("KINDRED_SYNAPSE_PORT", "100000", "synapse_port"),
        ("KINDRED_HOST", "localhost", "host"),
        ("KINDRED_HOST", "999.1.1.1", "host"),
        ("KINDRED_SERVER_NAME", "", "server_name"),
        ("KINDRED_SERVER_NAME", "bad name", "server_name"),
        ("KINDRED_SERVER_NAME", "example.org/path", "server_name"),
        ("KINDRED_SERVER_NAME", "example.org\n", "server_name"),
        ("KINDRED_BOT_LOCALPART", "Bot", "bot_localpart"),
        ("KINDRED_BOT_LOCALPART", "bot\n", "bot_localpart"),
        ("KINDRED_DATA_DIR", "", "data_dir"),
        ("KINDRED_DATA_DIR", "   ", "data_dir"),
        ("KINDRED_RUN_BOT", "maybe", "run_bot"),
        ("KINDRED_ACCESS_TOKEN_MINUTES", "60", "access_token_minutes"),
        ("KINDRED_LOG_LEVEL", "LOUD", "log_level"),
        ("KINDRED_DATABASE_URL", "mysql://k:pw@db/kindred", "database_url"),
        ("KINDRED_DATABASE_URL", "kindred.db", "database_url"),
        ("KINDRED_DATABASE_URL", "postgresql://k:pw@db:port/kindred", "database_url"),
        ("KINDRED_DATABASE_URL", "postgresql://k:pw@db:70000/kindred", "database_url"),
        ("KINDRED_DATABASE_URL", "postgresql://k:pw@db:5432", "database_url"),
    ],
)
def test_bad_values_raise_naming_the_setting(variable: str, value: str, setting: str) -> None:
    with pytest.raises(SettingsError, match=f"'{setting}'"):
        load_settings({variable: value})


def test_booleans_read_common_spellings() -> None:
    for text, expected in [("1", True), ("yes", True), ("On", True), ("0", False), ("false", False), ("off", False)]:
        assert load_settings({"KINDRED_RUN_BOT": text}).run_bot is expected


def test_running_without_the_bundled_homeserver_needs_its_url() -> None:
    with pytest.raises(SettingsError, match="'homeserver_url'"):
        load_settings({"KINDRED_RUN_HOMESERVER": "false"})
    settings = load_settings({"KINDRED_RUN_HOMESERVER": "false", "KINDRED_HOMESERVER_URL": "http://synapse:8008"})
    assert settings.internal_homeserver_url == "http://synapse:8008"


def test_unknown_keys_in_the_config_file_are_refused(tmp_path: Path) -> None:
    config = tmp_path / "kindred.yaml"
    config.write_text("prot: 8080\n", encoding="utf-8")
    with pytest.raises(SettingsError, match="'prot'"):
        load_settings({})


def test_with_changes_validates_too() -> None:
    assert Settings().with_changes(port=0).port == 0
    with pytest.raises(SettingsError, match="'port'"):
        Settings().with_changes(port=70000)


@pytest.mark.parametrize("name", ["example.org:99999", "127.0.0.1:0", "[::1]:70000"])
def test_a_server_name_port_must_be_a_real_port(name: str) -> None:
    with pytest.raises(SettingsError, match="server_name"):
        settings_from_mapping({"server_name": name})


def test_the_store_is_sqlite_unless_a_postgresql_url_is_given() -> None:
    assert load_settings({}).database_url == ""
    url = "postgresql://kindred:s3cret@db:5432/kindred"
    assert load_settings({"KINDRED_DATABASE_URL": url}).database_url == url


def test_a_bad_database_url_is_not_echoed() -> None:
    # It may hold a password, and the message goes to logs.
    with pytest.raises(SettingsError) as raised:
        load_settings({"KINDRED_DATABASE_URL": "mysql://kindred:s3cret@db/kindred"})
    assert "s3cret" not in str(raised.value)


def _readme_configuration_rows() -> list[str]:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    return [line for line in section.splitlines() if line.startswith("| `")]


def test_every_setting_has_its_variable_unless_yaml_only() -> None:
    fields = {f.name for f in dataclasses.fields(Settings)}
    assert set(ENVIRONMENT.values()) | YAML_ONLY == fields
    assert not set(ENVIRONMENT.values()) & YAML_ONLY
    assert all(name.startswith("KINDRED_") for name in ENVIRONMENT)


def test_every_variable_and_setting_is_in_the_readme_configuration_table() -> None:
    rows = _readme_configuration_rows()
    named = {m for row in rows for m in re.findall(r"`([A-Za-z_]+)`", row.split("|")[1])}
    variables = {m for row in rows for m in re.findall(r"`(KINDRED_[A-Z_]+)`", row.split("|")[2])}
    assert set(ENVIRONMENT) - variables == set()
    assert {f.name for f in dataclasses.fields(Settings)} - named == set()


def test_the_bot_display_name_has_its_variable() -> None:
    assert load_settings({"KINDRED_BOT_DISPLAY_NAME": "Matchmaker"}).bot_display_name == "Matchmaker"


def test_page_size_is_one_setting_from_the_file_or_the_environment(tmp_path: Path) -> None:
    assert load_settings({}).page_size == 20
    assert load_settings({"KINDRED_PAGE_SIZE": "50"}).page_size == 50
    config = tmp_path / "kindred.yaml"
    config.write_text("page_size: 5\n", encoding="utf-8")
    assert load_settings({"KINDRED_CONFIG": str(config)}).page_size == 5
    for wrong in ("0", "101", "ten", "-3"):
        with pytest.raises(SettingsError, match="'page_size'"):
            load_settings({"KINDRED_PAGE_SIZE": wrong})

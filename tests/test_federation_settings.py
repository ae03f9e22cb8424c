"""Federation settings and the bundled homeserver's federation listener, without starting Synapse."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from cryptography import x509

from bridge.homeserver import BundledHomeserver
from bridge.tls import ensure_self_signed, host_of
from config.secrets import Secrets
from config.settings import Settings, SettingsError, load_settings


@pytest.fixture(autouse=True)
def no_config_file_here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def _layer(server: BundledHomeserver) -> dict:
    # Skip Synapse's own config generation: only Kindred's layer is looked at.
    server.directory.mkdir(parents=True, exist_ok=True)
    server.generated_config.write_text("{}\n")
    server.prepare()
    return yaml.safe_load(server.kindred_config.read_text())


def _secrets() -> Secrets:
    return Secrets(jwt_secret="j", registration_shared_secret="r", bot_password="b", consent_secret="c")


def test_federation_is_off_by_default(tmp_path: Path) -> None:
    settings = load_settings({})
    assert settings.federation_port == 0
    layer = _layer(BundledHomeserver.from_settings(settings.with_changes(data_dir=tmp_path), _secrets()))
    assert [listener["resources"][0]["names"] for listener in layer["listeners"]] == [["client"]]
    assert "tls_certificate_path" not in layer
    assert "federation_verify_certificates" not in layer
    assert "ip_range_whitelist" not in layer


def test_environment_turns_federation_on() -> None:
    settings = load_settings(
        {
            "KINDRED_SERVER_NAME": "127.0.0.1:8448",
            "KINDRED_FEDERATION_PORT": "8448",
            "KINDRED_FEDERATION_VERIFY_TLS": "false",
            "KINDRED_FEDERATION_ALLOW_LOOPBACK": "true",
        }
    )
    assert settings.federation_port == 8448
    assert settings.federation_verify_tls is False
    assert settings.federation_allow_loopback is True
    assert settings.federates


@pytest.mark.parametrize(
    ("environ", "named"),
    [
        ({"KINDRED_FEDERATION_PORT": "70000"}, "federation_port"),
        ({"KINDRED_FEDERATION_PORT": "8008"}, "federation_port"),
        ({"KINDRED_FEDERATION_HOST": "example.org"}, "federation_host"),
        ({"KINDRED_FEDERATION_TLS_CERT": "/etc/cert.pem"}, "federation_tls_key"),
        ({"KINDRED_FEDERATION_VERIFY_TLS": "maybe"}, "federation_verify_tls"),
    ],
)
def test_bad_federation_settings_are_refused_by_name(environ: dict[str, str], named: str) -> None:
    with pytest.raises(SettingsError, match=named):
        load_settings(environ)


def test_federation_listener_with_a_generated_certificate(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path,
        server_name="127.0.0.1:18448",
        federation_port=18448,
        federation_host="127.0.0.1",
        federation_verify_tls=False,
        federation_allow_loopback=True,
    )
    layer = _layer(BundledHomeserver.from_settings(settings, _secrets(), {"bcrypt_rounds": 4}))
    federation = layer["listeners"][1]
    assert federation["port"] == 18448 and federation["tls"] is True
    assert federation["bind_addresses"] == ["127.0.0.1"]
    assert federation["resources"][0]["names"] == ["federation"]
    assert layer["federation_verify_certificates"] is False
    assert layer["federation_ip_range_blacklist"] == []
    assert "127.0.0.0/8" in layer["ip_range_whitelist"]
    assert layer["trusted_key_servers"] == []
    assert layer["bcrypt_rounds"] == 4
    cert = x509.load_pem_x509_certificate(Path(layer["tls_certificate_path"]).read_bytes())
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert [str(ip) for ip in names.get_values_for_type(x509.IPAddress)] == ["127.0.0.1"]
    assert oct(Path(layer["tls_private_key_path"]).stat().st_mode & 0o777) == "0o600"


def test_given_certificate_paths_are_used_and_verification_stays_on(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path,
        server_name="example.org",
        federation_port=8448,
        federation_tls_cert="/etc/kindred/fullchain.pem",
        federation_tls_key="/etc/kindred/privkey.pem",
    )
    layer = _layer(BundledHomeserver.from_settings(settings, _secrets()))
    assert layer["tls_certificate_path"] == "/etc/kindred/fullchain.pem"
    assert layer["tls_private_key_path"] == "/etc/kindred/privkey.pem"
    assert "federation_verify_certificates" not in layer
    assert "federation_ip_range_blacklist" not in layer
    assert not (tmp_path / "synapse" / "federation.crt").exists()


def test_a_certificate_is_generated_once(tmp_path: Path) -> None:
    cert, key = tmp_path / "c.pem", tmp_path / "k.pem"
    ensure_self_signed(cert, key, "matrix.example.org")
    first = cert.read_bytes()
    ensure_self_signed(cert, key, "matrix.example.org")
    assert cert.read_bytes() == first
    names = x509.load_pem_x509_certificate(first).extensions.get_extension_for_class(x509.SubjectAlternativeName)
    assert names.value.get_values_for_type(x509.DNSName) == ["matrix.example.org"]


@pytest.mark.parametrize(
    ("server_name", "host"),
    [
        ("example.org", "example.org"),
        ("example.org:8448", "example.org"),
        ("[::1]:8448", "::1"),
        ("127.0.0.1:9", "127.0.0.1"),
    ],
)
def test_host_of_a_server_name(server_name: str, host: str) -> None:
    assert host_of(server_name) == host

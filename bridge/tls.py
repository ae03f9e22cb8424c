"""A self-signed certificate for the bundled homeserver's federation listener.

Matrix federation runs over TLS. An operator with a real domain gives
Kindred a proper certificate (or terminates TLS in a proxy); otherwise one is
generated here once, so the listener can start. Servers that verify
certificates will refuse it, which is why it only suits test pairs with
verification off.
"""

from __future__ import annotations

import datetime
import ipaddress
import logging
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

logger = logging.getLogger(__name__)

_VALID_FOR = datetime.timedelta(days=3650)


def host_of(server_name: str) -> str:
    """The host part of a server name: ``[::1]:8448`` -> ``::1``, ``a.org:443`` -> ``a.org``."""
    if server_name.startswith("["):
        return server_name[1:].split("]", 1)[0]
    return server_name.rsplit(":", 1)[0] if ":" in server_name else server_name


def ensure_self_signed(cert_path: Path, key_path: Path, server_name: str) -> None:
    """Write a certificate and key for ``server_name`` unless both exist."""
    if cert_path.exists() and key_path.exists():
        return
    host = host_of(server_name)
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + _VALID_FOR)
        .add_extension(x509.SubjectAlternativeName([_alt_name(host)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_path.parent.mkdir(parents=True, exist_ok=True)
    key_bytes = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    key_path.write_bytes(key_bytes)
    key_path.chmod(0o600)
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    logger.info("generated a self-signed federation certificate for %s", host)


def _alt_name(host: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(host))
    except ValueError:
        return x509.DNSName(host)

"""A development CA and one certificate per internal identity, for mTLS between services.

`make run`, `make cluster` and the tests call `ensure(root)`: it makes `root/ca.pem` (and its key)
once, then `root/<identity>/{ca.pem, cert.pem, key.pem}` for every identity that has none yet. A
service is given `REPORTS_TLS_DIR=root/<identity>`; services/common/grpc_credentials.py reads that
directory, so a service never learns anything but its own key and the CA it trusts.

A certificate names its identities as DNS subject alternative names (the caller rules in
services/common/callers.py match them) plus `localhost` and `127.0.0.1`, so a server certificate
also verifies when dialled on loopback. The CA key stays in `root/`; no service directory holds it.
Bring your own: any directory with the same three files works (README: Internal authentication).
"""

from __future__ import annotations

import datetime
import ipaddress
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from services.common.callers import IDENTITIES

VALID_DAYS = 825
HARNESS = "harness"  # tests and benchmarks: one certificate acting as every identity


def default_root(var_dir: Path) -> Path:
    """REPORTS_TLS_ROOT, else `<var>/tls`: where the dev CA and the per-identity directories live."""
    configured = os.environ.get("REPORTS_TLS_ROOT", "").strip()
    return Path(configured).resolve() if configured else var_dir / "tls"


def ensure(root: Path, identities: Iterable[str] = IDENTITIES) -> Path:
    """The CA and a directory per identity under `root`, made where missing; returns `root`."""
    root.mkdir(parents=True, exist_ok=True, mode=0o700)
    ca_cert, ca_key = _ensure_ca(root)
    for identity in identities:
        if not (root / identity / "key.pem").exists():
            issue(root, identity, [identity], ca_cert, ca_key)
    return root


def ensure_harness(root: Path) -> Path:
    """A directory whose certificate carries every identity: for test and benchmark processes."""
    ensure(root)
    if not (root / HARNESS / "key.pem").exists():
        ca_cert, ca_key = _ensure_ca(root)
        issue(root, HARNESS, [HARNESS, *IDENTITIES], ca_cert, ca_key)
    return root / HARNESS


def issue(
    root: Path, name: str, identities: Sequence[str], ca_cert: x509.Certificate, ca_key: ec.EllipticCurvePrivateKey
) -> Path:
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.UTC)
    names: list[x509.GeneralName] = [x509.DNSName(identity) for identity in identities]
    names += [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, identities[0])]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=VALID_DAYS))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    directory = root / name
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    _write(directory / "key.pem", _private_pem(key), private=True)
    _write(directory / "cert.pem", cert.public_bytes(serialization.Encoding.PEM))
    _write(directory / "ca.pem", ca_cert.public_bytes(serialization.Encoding.PEM))
    return directory


def _ensure_ca(root: Path) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    cert_path, key_path = root / "ca.pem", root / "ca-key.pem"
    if cert_path.exists() and key_path.exists():
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
        assert isinstance(key, ec.EllipticCurvePrivateKey)
        return x509.load_pem_x509_certificate(cert_path.read_bytes()), key
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.UTC)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "reports dev CA")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=VALID_DAYS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_cert_sign=True,
                crl_sign=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    _write(key_path, _private_pem(key), private=True)
    _write(cert_path, cert.public_bytes(serialization.Encoding.PEM))
    return cert, key


def _private_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _write(path: Path, data: bytes, private: bool = False) -> None:
    """Written to a temporary name and renamed: a reader never sees half a file."""
    temporary = path.with_name(path.name + ".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600 if private else 0o644)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.replace(temporary, path)


if __name__ == "__main__":
    # `python -m stack.certificates ROOT`: the compose file's one-shot `certs` service runs this.
    import sys

    print(ensure(Path(sys.argv[1] if len(sys.argv) > 1 else "var/tls").resolve()))

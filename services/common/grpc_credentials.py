"""mTLS for every internal gRPC server and channel, from the files in REPORTS_TLS_DIR.

REPORTS_TLS_DIR holds `ca.pem` (the CA that signs every internal peer), `cert.pem` and `key.pem`
(this process's own certificate). Servers demand a client certificate signed by that CA; channels
present theirs and check that the server's certificate names the identity they meant to reach
(`peer`), so a process holding some other service's certificate cannot pose as the store.
REPORTS_GRPC_INSECURE=1 is the only way to plaintext, and it is explicit: a service with neither
refuses to start. stack/certificates.py makes the files for `make run`, `make cluster` and tests.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc

from services.common import env

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TlsFiles:
    ca: bytes
    cert: bytes
    key: bytes

    @classmethod
    def read(cls, directory: Path) -> TlsFiles:
        try:
            return cls(
                (directory / "ca.pem").read_bytes(),
                (directory / "cert.pem").read_bytes(),
                (directory / "key.pem").read_bytes(),
            )
        except OSError as exc:
            raise env.ConfigError(f"REPORTS_TLS_DIR={directory}: {exc.strerror}: {exc.filename}") from None


def tls_files(environ: Mapping[str, str] | None = None) -> TlsFiles | None:
    """This process's mTLS files, or None when REPORTS_GRPC_INSECURE says plaintext."""
    e = os.environ if environ is None else environ
    if env.flag(e, "REPORTS_GRPC_INSECURE"):
        return None
    directory = e.get("REPORTS_TLS_DIR", "").strip()
    if not directory:
        raise env.ConfigError(
            "internal gRPC is mTLS: set REPORTS_TLS_DIR (ca.pem, cert.pem, key.pem; "
            "`make run` makes them under var/tls/) or REPORTS_GRPC_INSECURE=1 to opt out"
        )
    return TlsFiles.read(Path(directory))


def server_credentials(files: TlsFiles) -> grpc.ServerCredentials:
    return grpc.ssl_server_credentials([(files.key, files.cert)], root_certificates=files.ca, require_client_auth=True)


def channel_credentials(files: TlsFiles) -> grpc.ChannelCredentials:
    return grpc.ssl_channel_credentials(root_certificates=files.ca, private_key=files.key, certificate_chain=files.cert)


def peer_identities(context: grpc.aio.ServicerContext[Any, Any]) -> list[str]:
    """The names the caller's verified certificate carries (empty on a plaintext connection)."""
    auth = context.auth_context() or {}
    return [name for value in auth.get("peer_dns", []) if (name := value.decode()) != "localhost"]

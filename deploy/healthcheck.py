"""Container healthcheck for any service: `python healthcheck.py [SERVICE]`; exit 0 when healthy.

The service is the argument, else $REPORTS_SERVICE, else read from PID 1's command line (the
entrypoint execs `python -m services.<name>`). gRPC services must answer the standard
grpc.health.v1 check with SERVING on their listen port; the gateway must answer GET /readyz and
the dev LLM GET /healthz with 200. Every failure exits 1 (Docker reserves 2).
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request
from collections.abc import Mapping

# The same variables and defaults the services read (services/*/settings.py, __main__.py).
GRPC_LISTEN = {
    "store": ("REPORTS_STORE_LISTEN", "127.0.0.1:50051"),
    "resolver": ("REPORTS_RESOLVER_LISTEN", "127.0.0.1:50052"),
    "renderer": ("REPORTS_RENDERER_LISTEN", "127.0.0.1:50053"),
    "webhooks": ("REPORTS_WEBHOOKS_LISTEN", "127.0.0.1:50054"),
}
HTTP_LISTEN = {  # service: (host variable, port variable, default port, path)
    "gateway": ("REPORTS_GATEWAY_HOST", "REPORTS_GATEWAY_PORT", "8080", "/readyz"),
    "devllm": ("DEVLLM_HOST", "DEVLLM_PORT", "8089", "/healthz"),
}
WILDCARDS = {"", "0.0.0.0", "::", "[::]"}
TIMEOUT_S = 3.0


def service_name(argv: list[str], environ: Mapping[str, str], cmdline: str = "/proc/1/cmdline") -> str:
    if argv:
        return argv[0]
    if environ.get("REPORTS_SERVICE"):
        return environ["REPORTS_SERVICE"]
    try:
        with open(cmdline, "rb") as f:
            args = f.read().decode(errors="replace").split("\0")
    except OSError:
        return ""
    modules = [args[i + 1] for i, arg in enumerate(args[:-1]) if arg == "-m"]
    return modules[0].removeprefix("services.") if modules and modules[0].startswith("services.") else ""


def local_host(host: str) -> str:
    """Where to reach a server bound to `host` from inside its own container."""
    return "127.0.0.1" if host.strip() in WILDCARDS else host.strip()


def grpc_channel(target: str, environ: Mapping[str, str]):  # type: ignore[no-untyped-def]
    """The service's own mTLS identity (REPORTS_TLS_DIR) dials it, unless REPORTS_GRPC_INSECURE."""
    import grpc

    from services.common import grpc_credentials

    files = grpc_credentials.tls_files(environ)
    if files is None:
        return grpc.insecure_channel(target)
    return grpc.secure_channel(
        target, grpc_credentials.channel_credentials(files), options=[("grpc.ssl_target_name_override", "localhost")]
    )


def check_grpc(target: str, environ: Mapping[str, str] | None = None) -> str | None:
    """None when the server answers SERVING, else what went wrong."""
    import grpc
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    with grpc_channel(target, os.environ if environ is None else environ) as channel:
        try:
            reply = health_pb2_grpc.HealthStub(channel).Check(
                health_pb2.HealthCheckRequest(service=""), timeout=TIMEOUT_S
            )
        except grpc.RpcError as exc:
            return f"{target}: {exc.code().name}"
    if reply.status != health_pb2.HealthCheckResponse.SERVING:
        return f"{target}: {health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status)}"
    return None


def check_http(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_S) as response:
            return None if response.status == 200 else f"{url}: HTTP {response.status}"
    except urllib.error.HTTPError as exc:
        return f"{url}: HTTP {exc.code}"
    except OSError as exc:
        return f"{url}: {exc}"


def main(argv: list[str], environ: Mapping[str, str]) -> int:
    name = service_name(argv, environ)
    if name in GRPC_LISTEN:
        variable, default = GRPC_LISTEN[name]
        host, _, port = (environ.get(variable, "").strip() or default).rpartition(":")
        problem = check_grpc(f"{local_host(host)}:{port}", environ)
    elif name in HTTP_LISTEN:
        host_var, port_var, default_port, path = HTTP_LISTEN[name]
        host = local_host(environ.get(host_var, "127.0.0.1"))
        port = environ.get(port_var, "").strip() or default_port
        problem = check_http(f"http://{f'[{host}]' if ':' in host else host}:{port}{path}")
    else:
        known = ", ".join([*GRPC_LISTEN, *HTTP_LISTEN])
        print(f"healthcheck: unknown service {name!r} (pass one of: {known}, or set REPORTS_SERVICE)", file=sys.stderr)
        return 1
    if problem:
        print(f"healthcheck: {name} unhealthy: {problem}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:], os.environ))

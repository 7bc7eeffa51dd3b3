"""Each service of the stack holds only the secrets it reads (stack/service_env.py)."""

from __future__ import annotations

from pathlib import Path

from stack.platform import Platform
from stack.service_env import SECRETS

PER_SERVICE = {"REPORTS_NATS_USER", "REPORTS_NATS_PASSWORD", "REPORTS_TLS_DIR"}  # each its own


def environ_of(pid: int) -> dict[str, str]:
    pairs = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    return dict(p.decode().split("=", 1) for p in pairs if b"=" in p)


def test_each_service_holds_only_the_secrets_it_reads(session_platform: Platform):  # it only reads /proc
    seen = {}
    for name, process in session_platform.processes.items():
        assert process.proc is not None
        module = process.argv[-1].removeprefix("services.")
        environ = environ_of(process.proc.pid)
        held = {variable for variable in SECRETS if variable in environ} - PER_SERVICE
        assert held == {v for v, readers in SECRETS.items() if module in readers and v in held}, (name, held)
        seen[module] = held
        if "REPORTS_NATS_PASSWORD" in environ:  # its own NATS user, nobody else's
            assert environ["REPORTS_NATS_USER"] == module
        if module != "devllm":
            assert Path(environ["REPORTS_TLS_DIR"]).name == module
        cmdline = Path(f"/proc/{process.proc.pid}/cmdline").read_bytes().decode()
        assert not [
            v
            for v in set(SECRETS) - {"REPORTS_NATS_USER", "REPORTS_TLS_DIR"}
            if environ.get(v) and environ[v] in cmdline
        ], name
    assert "REPORTS_API_KEYS" in seen["gateway"]
    assert "REPORTS_WEBHOOK_SECRET" in seen["webhooks"]
    assert "OPENAI_API_KEY" in seen["renderer"]
    assert seen["devllm"] == set()

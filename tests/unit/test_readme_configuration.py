"""Every variable a service reads is in the README's configuration table."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from services.common import grpc_credentials, streams, tracing
from services.common.env import ConfigError
from services.common.runtime import ProcessSettings
from tests.support.service_settings import FROM_ENV, REQUIRED

ROOT = Path(__file__).resolve().parents[2]


class Recording(dict[str, str]):
    """An environment that remembers every name asked of it."""

    def __init__(self, values: dict[str, str]) -> None:
        super().__init__(values)
        self.asked: set[str] = set()

    def get(self, name, default=None):  # type: ignore[no-untyped-def, override]
        self.asked.add(name)
        return super().get(name, default)

    def __getitem__(self, name: str) -> str:
        self.asked.add(name)
        return super().__getitem__(name)

    def __contains__(self, name: object) -> bool:
        self.asked.add(str(name))
        return super().__contains__(name)


def configuration_table() -> set[str]:
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("\n## Configuration\n") :]
    section = section[: section.index("\n## ", 1)]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    return {name for row in rows for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", row)}


def read_by(service: str) -> set[str]:
    environ = Recording(REQUIRED.get(service, {}))
    FROM_ENV[service](environ)
    if service != "devllm":  # the dev LLM logs plain lines, on no metrics port, and speaks no gRPC or NATS
        ProcessSettings.from_env(environ)
        streams.nats_credentials(environ)
        tracing.wanted(environ)
        with pytest.raises(ConfigError):  # neither REPORTS_GRPC_INSECURE nor REPORTS_TLS_DIR set
            grpc_credentials.tls_files(environ)
    return environ.asked


@pytest.mark.parametrize("service", sorted(FROM_ENV))
def test_every_variable_the_service_reads_is_in_the_readme_configuration_table(service):
    assert read_by(service) - configuration_table() == set()


def test_the_recording_sees_the_variables_a_service_reads():
    assert {
        "REPORTS_STORE_LISTEN",
        "REPORTS_DATABASE_URL",
        "REPORTS_EVENT_LOOP",
        "REPORTS_TLS_DIR",
        "REPORTS_NATS_USER",
        "OTEL_EXPORTER_OTLP_ENDPOINT",
    } <= read_by("store")

"""Every internal RPC has a caller rule, and the rules mean what docs/internal-grpc.md says."""

from __future__ import annotations

import pytest

from reports.v1 import renderer_pb2, resolver_pb2, store_pb2
from services.common import callers, grpc_credentials
from services.common.env import ConfigError


def _methods() -> list[str]:
    found = []
    for module in (store_pb2, resolver_pb2, renderer_pb2):
        for service in module.DESCRIPTOR.services_by_name.values():
            found += [f"/{service.full_name}/{method.name}" for method in service.methods]
    return found


@pytest.mark.parametrize("method", _methods())
def test_every_rpc_has_a_caller_rule(method: str):
    assert method in callers.RULES, f"add {method} to services/common/callers.py and docs/internal-grpc.md"


def test_no_rule_names_an_unknown_identity():
    assert set().union(*callers.RULES.values()) <= set(callers.IDENTITIES)


def test_a_method_without_a_rule_is_refused_even_to_every_identity():
    assert not callers.allowed("/reports.v1.Store/DropEverything", callers.IDENTITIES)


def test_health_is_open_to_any_authenticated_peer():
    assert callers.allowed("/grpc.health.v1.Health/Check", ["anyone"])


def test_tenant_scoped_reads_are_the_gateways_and_job_steps_the_renderers():
    assert callers.allowed("/reports.v1.Store/ListReports", ["gateway"])
    assert not callers.allowed("/reports.v1.Store/ListReports", ["renderer", "resolver", "webhooks", "operator"])
    assert callers.allowed("/reports.v1.Store/CompleteJob", ["renderer"])
    assert not callers.allowed("/reports.v1.Store/CompleteJob", ["gateway"])
    assert callers.allowed("/reports.v1.Store/ClaimJob", ["renderer"])
    assert not callers.allowed("/reports.v1.Store/ClaimJob", ["gateway", "resolver", "webhooks", "operator"])
    # the claim answers with the job, a refused move names its status: a renderer never reads a job
    assert not callers.allowed("/reports.v1.Store/GetJob", ["renderer"])
    # a renderer resolves its jobs' targets itself, from the transcript
    assert callers.allowed("/reports.v1.Store/GetMedia", ["renderer"])
    assert not callers.allowed("/reports.v1.Store/GetMedia", ["webhooks"])


def test_a_service_without_tls_files_or_an_explicit_opt_out_does_not_start():
    with pytest.raises(ConfigError, match=r"REPORTS_TLS_DIR"):
        grpc_credentials.tls_files({})
    assert grpc_credentials.tls_files({"REPORTS_GRPC_INSECURE": "1"}) is None


def test_a_tls_dir_missing_a_file_says_which(tmp_path):
    with pytest.raises(ConfigError, match=r"ca.pem"):
        grpc_credentials.tls_files({"REPORTS_TLS_DIR": str(tmp_path)})

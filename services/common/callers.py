"""Who may call what: each internal gRPC method and the identities allowed to call it.

An identity is a name in the caller's client certificate (a DNS subject alternative name, see
stack/certificates.py), so it is proven by mTLS, not claimed in a header. The store's tenant-scoped
methods take a tenant only from the identities that act for tenants (the gateway, which checked the
tenant's API key; the renderer and the webhook dispatcher, which act on a job that carries its
tenant). `operator` is the identity of internal tools (prompt editing, the example client in
docs/internal-grpc.md). A method with no rule is refused: a new RPC needs a line here, and
tests/unit/common/test_callers.py fails until it has one. docs/internal-grpc.md is this table in prose.
"""

from __future__ import annotations

from collections.abc import Iterable

GATEWAY, STORE, RESOLVER, RENDERER, WEBHOOKS, OPERATOR = (
    "gateway",
    "store",
    "resolver",
    "renderer",
    "webhooks",
    "operator",
)
IDENTITIES = (GATEWAY, STORE, RESOLVER, RENDERER, WEBHOOKS, OPERATOR)

_STORE = "/reports.v1.Store/"
RULES: dict[str, frozenset[str]] = {
    _STORE + "CreateMedia": frozenset({GATEWAY}),
    _STORE + "GetMedia": frozenset({GATEWAY, RESOLVER, RENDERER}),
    _STORE + "ListMedia": frozenset({GATEWAY}),
    _STORE + "CreateJob": frozenset({GATEWAY}),
    _STORE + "CreateJobs": frozenset({GATEWAY}),
    _STORE + "GetJob": frozenset({GATEWAY, WEBHOOKS}),
    _STORE + "ListJobs": frozenset({GATEWAY}),
    _STORE + "ClaimJob": frozenset({RENDERER}),
    _STORE + "TransitionJob": frozenset({RENDERER}),
    _STORE + "CompleteJob": frozenset({RENDERER}),
    _STORE + "CancelJob": frozenset({GATEWAY}),
    _STORE + "GetReport": frozenset({GATEWAY}),
    _STORE + "GetReportByJob": frozenset({GATEWAY}),
    _STORE + "ListReports": frozenset({GATEWAY}),
    _STORE + "RecordWebhookAttempt": frozenset({WEBHOOKS}),
    _STORE + "RedeliverWebhook": frozenset({GATEWAY}),
    _STORE + "DeleteMedia": frozenset({GATEWAY}),
    _STORE + "DeleteJob": frozenset({GATEWAY}),
    _STORE + "DeleteReport": frozenset({GATEWAY}),
    _STORE + "ListAudit": frozenset({GATEWAY}),
    _STORE + "GetUsage": frozenset({GATEWAY}),
    _STORE + "GetPrompt": frozenset({RENDERER, OPERATOR}),
    _STORE + "CreatePromptVersion": frozenset({OPERATOR}),
    _STORE + "SetPromptLabels": frozenset({OPERATOR}),
    # RENDERER: renderers of the release before 2026-12-04 resolve through it while they are upgraded
    "/reports.v1.Resolver/ResolveTarget": frozenset({GATEWAY, RENDERER, OPERATOR}),
    "/reports.v1.Renderer/RenderReport": frozenset({OPERATOR}),
}

# Any authenticated peer: probes and (when REPORTS_GRPC_REFLECTION is on) tooling.
OPEN_SERVICES = (
    "/grpc.health.v1.Health/",
    "/grpc.reflection.v1alpha.ServerReflection/",
    "/grpc.reflection.v1.ServerReflection/",
)


def allowed(method: str, identities: Iterable[str]) -> bool:
    if method.startswith(OPEN_SERVICES):
        return True
    rule = RULES.get(method)
    return rule is not None and not rule.isdisjoint(identities)

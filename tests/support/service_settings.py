"""Each service's settings class, and the least environment each starts from (its required secrets)."""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping
from typing import Any

from services.devllm.settings import Settings as DevLlmSettings
from services.gateway.settings import GatewaySettings
from services.renderer.settings import RendererSettings
from services.resolver.settings import ResolverSettings
from services.store.settings import StoreSettings
from services.webhooks.settings import WebhookSettings

FROM_ENV: dict[str, Callable[[Mapping[str, str]], Any]] = {
    "gateway": GatewaySettings.from_env,
    "store": StoreSettings.from_env,
    "resolver": ResolverSettings.from_env,
    "renderer": RendererSettings.from_env,
    "webhooks": WebhookSettings.from_env,
    "devllm": DevLlmSettings.from_env,
}

WEBHOOK_SECRET = "whsec_" + base64.b64encode(b"sixteen byte key").decode()
REQUIRED: dict[str, dict[str, str]] = {
    "gateway": {"REPORTS_API_KEYS": "key=tenant"},
    "renderer": {"OPENAI_BASE_URL": "http://127.0.0.1:9/v1"},
    "webhooks": {"REPORTS_WEBHOOK_SECRET": WEBHOOK_SECRET},
}


def settings_of(service: str, environ: Mapping[str, str] | None = None) -> Any:
    """`service`'s settings from its required variables plus `environ`."""
    return FROM_ENV[service]({**REQUIRED.get(service, {}), **(environ or {})})

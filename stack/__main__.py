"""`make run`: the whole platform on this machine until Ctrl-C or SIGTERM."""

from __future__ import annotations

import os
import sys

from services.common import defaults, env
from services.common.env import ConfigError
from services.renderer.llm import settings_from_env
from stack.console import DEV_WEBHOOK_SECRET_FILE, api_keys, dev_webhook_secret, key_line, run_until_stopped
from stack.platform import Platform, PlatformConfig


def llm_line(platform: Platform) -> str:
    """Which provider and model write the reports, as the renderer will read its settings."""
    try:
        llm = settings_from_env(platform.service_env())
    except ConfigError as exc:
        return f"not configured: {exc}"
    if "devllm" in platform.addresses and llm.base_url and llm.base_url.startswith(platform.addresses["devllm"]):
        return (
            f"dev LLM ({llm.model} through the {llm.provider} SDK) at {platform.addresses['devllm']}: "
            f"placeholder reports; set OPENAI_API_KEY or ANTHROPIC_API_KEY for real ones"
        )
    return f"{llm.provider}, model {llm.model}" + (f" at {llm.base_url}" if llm.base_url else "")


def main() -> int:
    environ = dict(os.environ)
    var_dir = env.var_dir(environ)
    keys = api_keys(environ, var_dir)
    webhook_secret = environ.get("REPORTS_WEBHOOK_SECRET") or dev_webhook_secret(var_dir)
    webhook_note = (
        "signed with REPORTS_WEBHOOK_SECRET"
        if environ.get("REPORTS_WEBHOOK_SECRET")
        else f"signed with the secret in {var_dir / DEV_WEBHOOK_SECRET_FILE}   "
        "(generated: set REPORTS_WEBHOOK_SECRET for your own)"
    )
    config = PlatformConfig(
        var_dir=var_dir,
        api_keys=keys.keys,
        gateway_port=env.integer(environ, "REPORTS_GATEWAY_PORT", defaults.GATEWAY_PORT),
        store_listen=environ.get("REPORTS_STORE_LISTEN", defaults.STORE_ADDR),
        resolver_listen=environ.get("REPORTS_RESOLVER_LISTEN", defaults.RESOLVER_ADDR),
        renderer_listen=environ.get("REPORTS_RENDERER_LISTEN", defaults.RENDERER_ADDR),
        webhooks_listen=environ.get("REPORTS_WEBHOOKS_LISTEN", defaults.WEBHOOKS_ADDR),
        devllm_port=env.integer(environ, "DEVLLM_PORT", defaults.DEVLLM_PORT),
        nats_url=environ.get("REPORTS_NATS_URL") or None,
        nats_port=env.integer(environ, "REPORTS_NATS_PORT", defaults.NATS_PORT),
        database_url=environ.get("REPORTS_DATABASE_URL") or None,
        env={"REPORTS_WEBHOOK_SECRET": webhook_secret},
    )
    platform = Platform(config)

    def banner() -> str:
        url = platform.gateway_url
        return f"""
reports platform is up
  gateway   {url}   (REST v1; health {url}/healthz, readiness {url}/readyz)
  nats      {platform.nats_address}
  database  {config.database_url or "SQLite in " + str(config.var_dir / "reports.db")}
  llm       {llm_line(platform)}
  logs      {config.log_dir}/
  api key   {key_line(keys, var_dir)}
  webhooks  {webhook_note}

try it, from this folder (README.md, Quick start, goes on from there):
  curl -s -X POST {url}/v1/media -H "Authorization: Bearer {keys.dev_key or "$REPORTS_API_KEY"}" -H 'Content-Type: application/json' \\
    -d @examples/pricing-call.media.json

Ctrl-C stops everything.
"""

    return run_until_stopped("reports platform", platform, banner)


if __name__ == "__main__":
    sys.exit(main())

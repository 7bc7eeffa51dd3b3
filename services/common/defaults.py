"""Defaults more than one process reads, named once: where each service listens (its `*_LISTEN`)
is where its clients look for it (their `*_ADDR`), and `make run` starts them there."""

from __future__ import annotations

STORE_ADDR = "127.0.0.1:50051"
RESOLVER_ADDR = "127.0.0.1:50052"
RENDERER_ADDR = "127.0.0.1:50053"
WEBHOOKS_ADDR = "127.0.0.1:50054"
NATS_PORT = 4333
NATS_URL = f"nats://127.0.0.1:{NATS_PORT}"
GATEWAY_HOST = "127.0.0.1"
GATEWAY_PORT = 8080
DEVLLM_HOST = "127.0.0.1"
DEVLLM_PORT = 8089
RENDERER_CONCURRENCY = 16  # jobs one renderer runs at once (REPORTS_RENDERER_CONCURRENCY)
RPC_TIMEOUT_S = 10.0  # the deadline on each gRPC call the gateway and the dispatcher make

"""python -m services.resolver"""

from __future__ import annotations

import logging
import os

from reports.v1 import resolver_pb2, store_pb2_grpc
from services.common import env, grpc_server, runtime
from services.resolver.servicer import ResolverServicer, register

log = logging.getLogger("services.resolver")
SERVICE_NAME = resolver_pb2.DESCRIPTOR.services_by_name["Resolver"].full_name


async def main() -> None:
    e = os.environ
    channel = grpc_server.channel(env.text(e, "REPORTS_STORE_ADDR", "127.0.0.1:50051"), peer="store")
    servicer = ResolverServicer(
        store_pb2_grpc.StoreStub(channel),
        evidence_budget_chars=env.integer(e, "REPORTS_EVIDENCE_BUDGET_CHARS", 12000, minimum=200),
        hint_threshold=env.number(e, "REPORTS_HINT_THRESHOLD", 0.6),
    )
    server, port, _ = await grpc_server.create_server(
        [register(servicer)], [SERVICE_NAME], env.text(e, "REPORTS_RESOLVER_LISTEN", "127.0.0.1:50052"))
    log.info("listening", extra={"grpc_port": port})
    await grpc_server.wait_for_stop_signal()
    await server.stop(2)
    await channel.close()


if __name__ == "__main__":
    runtime.start("resolver")
    runtime.run("resolver", main)

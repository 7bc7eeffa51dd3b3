"""An internal gRPC caller: which speaker does a target pick in a media? (docs/internal-grpc.md)

    REPORTS_TLS_DIR=var/tls/operator python examples/internal_grpc_client.py TENANT MEDIA_ID [ADDRESS]

It presents the `operator` certificate from REPORTS_TLS_DIR and checks that the server's names the
resolver; the resolver's caller rules let the operator call ResolveTarget.
"""

from __future__ import annotations

import asyncio
import sys

from reports.v1 import resolver_pb2, resolver_pb2_grpc, target_pb2
from services.common import grpc_server


async def main(tenant: str, media_id: str, address: str) -> int:
    async with grpc_server.channel(address, peer="resolver") as channel:
        resolution = await resolver_pb2_grpc.ResolverStub(channel).ResolveTarget(
            resolver_pb2.ResolveTargetRequest(
                tenant=tenant, media_id=media_id, target=target_pb2.Target(strategy=target_pb2.STRATEGY_DOMINANT)
            ),
            timeout=10,
        )
    print(resolution.entity.id, resolution.entity.label)
    return 0


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    sys.exit(asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else "127.0.0.1:50052")))

"""B1's baseline: a bare Starlette JSON endpoint, served exactly as the gateway is served.

`python -m bench.baseline_app` binds BENCH_BASELINE_PORT (0: any) and logs the gateway's
`"msg": "listening"` line. Same uvicorn.Config as services/gateway/__main__.py (one process,
`log_config=None`, `access_log=False`, `lifespan="on"`, uvicorn's `auto` loop and HTTP
implementation), same pre-bound socket; the only difference is what the endpoint does: read the
JSON body and answer 202 with a fixed job-shaped object, no validation, no auth, no backend.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import sys
import uuid

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from services.common.listen import tcp_listener


async def create_job(request: Request) -> JSONResponse:
    await request.json()
    return JSONResponse(
        {"jobId": f"job_{uuid.uuid4().hex}", "status": "queued", "stage": "queued", "estimatedWaitSec": 0.0},
        status_code=202,
    )


def create_app() -> Starlette:
    return Starlette(routes=[Route("/v1/reports/jobs", create_job, methods=["POST"])])


async def main() -> None:
    sock = tcp_listener("127.0.0.1", int(os.environ.get("BENCH_BASELINE_PORT", "0")))
    config = uvicorn.Config(create_app(), log_config=None, access_log=False, timeout_graceful_shutdown=5, lifespan="on")
    port = sock.getsockname()[1]

    class AnnouncingServer(uvicorn.Server):
        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets)
            line = {"msg": "listening", "url": f"http://127.0.0.1:{port}"}
            sys.stdout.write(json.dumps(line) + "\n")
            sys.stdout.flush()

    await AnnouncingServer(config).serve(sockets=[sock])


if __name__ == "__main__":
    asyncio.run(main())

"""gRPC keepalive that clients and servers agree on (REPORTS_GRPC_KEEPALIVE_S, default 30).

Idle connections through a NAT or a load balancer are dropped silently after a few minutes, and a
peer that died without closing is only noticed by a ping that goes unanswered. So both sides ping
every K seconds, even with no call in flight, and give up on a peer after KEEPALIVE_TIMEOUT_S.

gRPC's server defaults refuse that: a client ping without data more often than every 5 minutes is
a "strike", and two strikes end the connection with GOAWAY `too_many_pings` (the 503 after 2-3
idle minutes of issue 13). The server here accepts pings every K/2 seconds, and the client keeps
pinging while idle (by default it stops after 2 pings without data).
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from services.common import env

DEFAULT_KEEPALIVE_S = 30.0
KEEPALIVE_TIMEOUT_S = 20.0

Options = list[tuple[str, int]]


def keepalive_s(environ: Mapping[str, str] | None = None) -> float:
    return env.number(
        os.environ if environ is None else environ, "REPORTS_GRPC_KEEPALIVE_S", DEFAULT_KEEPALIVE_S, minimum=0.1
    )


def _common(environ: Mapping[str, str] | None) -> tuple[int, Options]:
    every_ms = int(keepalive_s(environ) * 1000)
    return every_ms, [
        ("grpc.keepalive_time_ms", every_ms),
        ("grpc.keepalive_timeout_ms", int(KEEPALIVE_TIMEOUT_S * 1000)),
        ("grpc.keepalive_permit_without_calls", 1),
        ("grpc.http2.max_pings_without_data", 0),  # keep pinging an idle connection
    ]


def client_options(environ: Mapping[str, str] | None = None) -> Options:
    return _common(environ)[1]


def server_options(environ: Mapping[str, str] | None = None) -> Options:
    every_ms, options = _common(environ)
    return [
        *options,
        # A client pinging every K seconds is welcome: accept pings twice as often, never strike.
        ("grpc.http2.min_ping_interval_without_data_ms", every_ms // 2),
        ("grpc.http2.min_time_between_pings_ms", every_ms // 2),
        ("grpc.http2.max_ping_strikes", 0),
    ]

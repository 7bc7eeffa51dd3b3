"""Keeping a JetStream message's ack deadline away while its work runs: `in_progress` heartbeats."""

from __future__ import annotations

import asyncio
import logging

from nats.aio.msg import Msg

log = logging.getLogger(__name__)


def period_s(ack_wait_s: float) -> float:
    """A third of the ack wait: two heartbeats may be lost or late before the message is redelivered."""
    return max(ack_wait_s / 3, 0.1)


async def keep_in_progress(msg: Msg, ack_wait_s: float) -> None:
    """`in_progress` at once (the message may have waited in the client's buffer), then every
    period until cancelled. A failed one is logged: the message may be redelivered elsewhere."""
    while True:
        try:
            await msg.in_progress()
        except Exception as exc:  # noqa: BLE001 - NATS away or the connection closing
            log.warning("could not keep a message in progress; it may be redelivered: %s", exc)
        await asyncio.sleep(period_s(ack_wait_s))  # the heartbeat's period, not a wait for a condition

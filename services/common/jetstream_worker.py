"""One JetStream pull worker for every consumer: pull, bound what is in flight, heartbeat, drain.

A durable pull consumer with explicit acks; its `max_deliver` bounds redelivery, and the handler
given to the worker decides each message's end (ack, nak with a delay, term). From the moment
the worker has a message in hand until its handler returns, `in_progress` keeps its ack deadline
away (at once, then every third of the ack wait), so a message is redelivered elsewhere only if
this process dies or loses NATS for two heartbeats.

nats-py's `fetch` hands over whatever its local buffer holds, which can be more than the batch
asked for: a pull request whose `fetch` timed out on a busy event loop still gets the server's
messages. Such a message is delivered, its ack-wait clock running, yet in no handler's hands;
left there while every slot is busy it would be redelivered to another process and then handled
here too. So the worker also takes buffered messages when it is full (checked every heartbeat
period), heartbeats them at once, and a semaphore keeps the handlers that run at `concurrency`.
A handler that raises has its message nakked with `unhandled_retry_s`: settled even so.

Heartbeats can still run late (an event loop starved of CPU past the ack wait), and JetStream then
redelivers a message this worker still holds, possibly to this worker. A message is one stream
sequence, so a delivery whose stream sequence is in hand here is not handled again: the running
handler keeps it, and its message moves to the newest delivery's reply subject (heartbeats and the
handler's ack or nak go through it), which is heartbeated at once. The server settles an ack by
stream sequence whichever delivery it came through; the newest is the one a server that refused
stale deliveries' acks would still take. Counted in `jetstream_duplicate_deliveries_total`.
On `stop`, the worker pulls no more and waits up to `drain_timeout_s` for what it holds.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig
from nats.js.errors import BadRequestError
from prometheus_client import Counter

from services.common import heartbeat

log = logging.getLogger(__name__)
FETCH_RETRY_S = 0.5  # after a failed fetch: NATS is reconnecting, and the client retries on its own

Handler = Callable[[Msg], Awaitable[None]]
DUPLICATE_DELIVERIES = Counter(
    "jetstream_duplicate_deliveries_total",
    "Deliveries of a message this worker was still handling (heartbeats late): not handled again",
    ["consumer"],
)


@dataclass(frozen=True)
class Consumer:
    """Which durable consumer to pull from, and how it bounds redelivery."""

    stream: str
    durable: str
    filter_subject: str
    max_deliver: int

    def config(self, ack_wait_s: float) -> ConsumerConfig:
        return ConsumerConfig(
            durable_name=self.durable,
            ack_policy=AckPolicy.EXPLICIT,
            ack_wait=ack_wait_s,
            max_deliver=self.max_deliver,
            filter_subject=self.filter_subject,
            # Messages waiting for a retry count as pending acks: never let them stall new ones.
            max_ack_pending=-1,
        )


@dataclass(frozen=True)
class PullSettings:
    concurrency: int
    ack_wait_s: float
    drain_timeout_s: float
    unhandled_retry_s: float
    fetch_timeout_s: float = 1.0


class JetStreamWorker:
    def __init__(self, js: JetStreamContext, consumer: Consumer, handle: Handler, settings: PullSettings) -> None:
        self._js = js
        self._consumer = consumer
        self._handle = handle
        self._settings = settings
        self._inflight: set[asyncio.Task[None]] = set()  # messages handled or waiting for a slot
        self._in_hand: dict[int, Msg] = {}  # by stream sequence: the messages of `_inflight`
        self._slots = asyncio.Semaphore(settings.concurrency)
        self._stopping = asyncio.Event()

    async def ensure_consumer(self) -> None:
        try:
            await self._js.add_consumer(self._consumer.stream, self._consumer.config(self._settings.ack_wait_s))
        except BadRequestError as exc:
            log.info(
                "consumer %s on %s exists with other settings; using it: %s",
                self._consumer.durable,
                self._consumer.stream,
                exc,
            )

    def stop(self) -> None:
        self._stopping.set()

    async def run(self) -> None:
        """Pull until `stop`, then drain: wait for the messages in hand, up to the drain timeout."""
        psub = await self._js.pull_subscribe_bind(durable=self._consumer.durable, stream=self._consumer.stream)
        concurrency = self._settings.concurrency
        try:
            while not self._stopping.is_set():
                if len(self._inflight) >= concurrency and not psub.pending_msgs:
                    await asyncio.wait(
                        self._inflight,
                        timeout=heartbeat.period_s(self._settings.ack_wait_s),
                        return_when=asyncio.FIRST_COMPLETED,
                    )
                    continue
                # One message a fetch, or what is already in this process's buffer: a fetch of more
                # finding the queue empty waits for all of them (up to its timeout) before handing
                # over the first.
                try:
                    messages = await psub.fetch(batch=max(psub.pending_msgs, 1), timeout=self._settings.fetch_timeout_s)
                except TimeoutError:
                    continue
                except Exception as exc:  # noqa: BLE001 - a failed fetch is logged and retried
                    log.warning("fetch failed: %s", exc)
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._stopping.wait(), FETCH_RETRY_S)
                    continue
                for msg in messages:
                    held = self._in_hand.get(msg.metadata.sequence.stream)
                    if held is not None and not held.is_acked:
                        await self._keep_in_hand(held, msg)
                        continue
                    self._in_hand[msg.metadata.sequence.stream] = msg
                    task = asyncio.create_task(self.settle(msg))
                    self._inflight.add(task)
                    task.add_done_callback(self._inflight.discard)
        finally:
            if self._inflight:
                await asyncio.wait(self._inflight, timeout=self._settings.drain_timeout_s)
            with contextlib.suppress(Exception):
                await psub.unsubscribe()

    async def settle(self, msg: Msg) -> None:
        """Heartbeat `msg` while it waits for a slot and while its handler runs."""
        keep_alive = asyncio.create_task(heartbeat.keep_in_progress(msg, self._settings.ack_wait_s))
        try:
            async with self._slots:
                await self._handle(msg)
        except Exception:
            log.exception("message not handled; retried later")
            with contextlib.suppress(Exception):  # already settled, or NATS is away: redelivered after ack wait
                await msg.nak(delay=self._settings.unhandled_retry_s)
        finally:
            keep_alive.cancel()
            stream_seq = msg.metadata.sequence.stream
            if self._in_hand.get(stream_seq) is msg:
                del self._in_hand[stream_seq]

    async def _keep_in_hand(self, held: Msg, newer: Msg) -> None:
        """`newer` delivers `held` again: its handler carries on, settling through `newer`'s reply."""
        DUPLICATE_DELIVERIES.labels(self._consumer.durable).inc()
        log.info(
            "message %s delivered again (delivery %s) while still handled here; not handled twice",
            newer.metadata.sequence.stream,
            newer.metadata.num_delivered,
        )
        held.reply = newer.reply
        try:
            await held.in_progress()
        except Exception as exc:  # noqa: BLE001 - NATS away: the heartbeat task tries again
            log.warning("could not keep a message in progress; it may be redelivered: %s", exc)

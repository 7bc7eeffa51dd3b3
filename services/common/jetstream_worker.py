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

from services.common import heartbeat

log = logging.getLogger(__name__)
FETCH_RETRY_S = 0.5  # after a failed fetch: NATS is reconnecting, and the client retries on its own

Handler = Callable[[Msg], Awaitable[None]]


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

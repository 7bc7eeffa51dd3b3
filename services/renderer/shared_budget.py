"""Provider budgets shared by every renderer replica: one JetStream KV key per provider and model.

Before each LLM call a renderer reserves its slot in the key's schedule (services/renderer/budgets.py)
with a compare-and-set on the key (read, compute, write only if the key is still at the revision
read; a replica that lost the race reads again), then waits until its slot, telling the job why.
After the call it settles the tokens it used beyond its estimate. Every answer's rate-limit headers
(and a 429's retry-after) are checked: a spent limit holds every renderer back until its reset
(or, on an answer to a model with an rpm budget, one interval: budgets.hold_back).

Why NATS KV: every renderer already holds a NATS connection, a reservation is one read and one
conditional write (a few hundred microseconds) against an LLM call of seconds, and no renderer
has to own the schedule. Once `start_watching` has run (the renderer does at start), the read is
of this renderer's copy of the bucket, which a KV watch keeps current (budget_copies.py): a call
to a model with no budget then goes without a round trip to NATS. Clocks: the schedule is
wall-clock time shared across hosts; keep them on NTP.

Contention is not a reason to go unbudgeted: a renderer that loses the compare-and-set backs off
(exponentially, with jitter, `BACKOFF_FIRST_S` up to `BACKOFF_MAX_S`) and tries again for as long
as the render's deadline allows (`latest_s`), then refuses the call (`BudgetExhausted`). Only when
the KV bucket cannot be reached (no NATS, no bucket, a read or write unanswered within `TIMEOUT_S`)
does the call go without a reservation (fail open, logged at most once a minute and counted in
`renderer_llm_budget_fail_open_total`): the provider's own 429s and the retry loop still stand
behind it. A settle or a learned limit that stays contended for `TIMEOUT_S` is dropped (logged).
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable, Mapping

from nats.aio.client import Client as NatsClient
from nats.js.errors import KeyNotFoundError, KeyWrongLastSequenceError
from prometheus_client import Counter

from services.common import streams
from services.common.shared_kv import SharedKv
from services.renderer import budgets
from services.renderer.budget_copies import BudgetCopies
from services.renderer.budgets import Budget, Observed, Schedule
from services.renderer.providers.base import reset_seconds, retry_after_seconds

log = logging.getLogger(__name__)

TIMEOUT_S = 1.0  # one KV read or write; also how long a settle or learn may stay contended
BACKOFF_FIRST_S = 0.005
BACKOFF_MAX_S = 0.25
LATE_S = 0.5  # a call waking this long after its slot takes a new one (admit)

FAIL_OPEN = Counter(
    "renderer_llm_budget_fail_open_total",
    "Provider budget operations that went ahead without "
    "the shared schedule because its KV bucket could not be reached (a reserve: an unbudgeted "
    "call)",
    ["operation"],
)

LATE_TURNS = Counter(
    "renderer_llm_budget_late_turns_total",
    "Provider budget slots given up because the call "
    "woke more than LATE_S after its slot (its renderer stalled); it took a new slot",
)

# seconds to wait, why: the job is told before it waits; None once its call may go
OnBudgetWait = Callable[[float | None, str], Awaitable[None]]


def key_of(provider: str, model: str) -> str:
    """A KV key for any model name (keys allow only [-/_=.a-zA-Z0-9])."""
    return f"{provider}.{model.encode().hex()}"


def observed(status: int, headers: Mapping[str, str], now: float | None = None) -> Observed:
    """How long the provider will refuse calls, from one answer: a spent limit (a `remaining` of 0,
    OpenAI's `x-ratelimit-remaining-*` or Anthropic's `anthropic-ratelimit-*-remaining`) until its
    reset, or a 429's `retry-after`."""
    lowered = {k.lower(): v for k, v in headers.items()}
    spent = any(
        v.strip() == "0"
        for k, v in lowered.items()
        if k.startswith("x-ratelimit-remaining-") or (k.startswith("anthropic-ratelimit-") and k.endswith("-remaining"))
    )
    blocked = reset_seconds(lowered, now) if spent else None
    if status == 429:
        asked = retry_after_seconds(lowered, now)
        if asked is not None:
            blocked = max(blocked or 0.0, asked)
    return Observed(blocked if blocked else None, answered=status < 400)


class SharedBudget:
    """The budgets of REPORTS_LLM_LIMITS, kept in the KV bucket `llm_budget`."""

    def __init__(
        self,
        nats: Callable[[], NatsClient | None],
        limits: Mapping[tuple[str, str], Budget],
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
        monotonic: Callable[[], float] = time.monotonic,
        jitter: Callable[[], float] = random.random,
        backoff_sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        self._limits = dict(limits)
        self._clock = clock  # the schedule's wall-clock time, shared across hosts
        self._sleep = sleep  # the wait for a reserved turn
        self._backoff_sleep = backoff_sleep  # the pause after a lost compare-and-set
        self._monotonic = monotonic  # how long contention has lasted
        self._jitter = jitter  # in [0, 1): spreads the renderers that lost one race
        self._kv = SharedKv(nats, streams.LLM_BUDGET_BUCKET, "provider budget", log)
        self._copies = BudgetCopies(nats, self._kv.bucket)

    def start_watching(self) -> None:
        """Keeps a copy of the bucket from now on (budget_copies.py), read instead of the bucket."""
        self._copies.start()

    @property
    def copy_current(self) -> bool:
        """The watched copy is what calls read (else each reads the bucket)."""
        return self._copies.current

    async def aclose(self) -> None:
        await self._copies.aclose()

    def budget(self, provider: str, model: str) -> Budget:
        return self._limits.get((provider, model), Budget())

    async def admit(
        self, provider: str, model: str, tokens: int, on_wait: OnBudgetWait | None = None, latest_s: float | None = None
    ) -> bool:
        """Reserves one call of about `tokens` tokens and waits for its slot; True when it waited.
        Raises `BudgetExhausted` when the slot is later than `latest_s` from now (nothing reserved).

        A call that wakes more than LATE_S after its slot (its renderer stalled: a loaded host, a long
        pause) takes a new one rather than going: the calls that slept through the same stall would
        all go at once, past the burst a provider takes (a second's worth), and turn into 429s."""
        budget = self.budget(provider, model)
        key = key_of(provider, model)
        started = self._monotonic()
        waited = False
        while True:
            left_s = None if latest_s is None else latest_s - (self._monotonic() - started)
            reservation = await self._change(
                "reserve", key, lambda s, now: budgets.reserve(s, budget, tokens, now), left_s
            )
            if reservation is None or reservation.wait_s <= 0:
                break
            turn = self._clock() + reservation.wait_s
            if on_wait is not None and not waited:
                held = reservation.schedule.not_before > self._clock()
                await on_wait(reservation.wait_s, budgets.reason(provider, model, budget, reservation.wait_s, held))
            await self._sleep(reservation.wait_s)
            waited = True
            if self._clock() - turn <= LATE_S:
                break
            LATE_TURNS.inc()
        if waited and on_wait is not None:
            await on_wait(None, "")
        return waited

    async def settle(self, provider: str, model: str, extra_tokens: int) -> None:
        budget = self.budget(provider, model)
        if budget.tpm and extra_tokens:
            await self._change(
                "settle",
                key_of(provider, model),
                lambda s, now: budgets.Reservation(budgets.settle(s, budget, extra_tokens), 0.0),
            )

    async def learn(self, provider: str, model: str, seen: Observed) -> None:
        seen = budgets.hold_back(seen, self.budget(provider, model))
        if seen.blocked_s is not None:
            await self._change(
                "learn", key_of(provider, model), lambda s, now: budgets.Reservation(budgets.learn(s, seen, now), 0.0)
            )

    async def _change(
        self,
        operation: str,
        key: str,
        step: Callable[[Schedule, float], budgets.Reservation],
        latest_s: float | None = None,
    ) -> budgets.Reservation | None:
        """`step` applied to the key's schedule by compare-and-set, retried while other renderers win
        the race: until `latest_s` has passed (a reservation, then `BudgetExhausted`), else for
        `TIMEOUT_S` (then dropped). None when the bucket is unreachable (fail open)."""
        started = self._monotonic()
        within_s = latest_s if latest_s is not None else TIMEOUT_S
        lost = 0
        while True:
            left_s = within_s - (self._monotonic() - started)
            try:  # a copy that was behind lost the race: the key is read from the bucket after that
                return await self._cas(key, step, left_s if latest_s is not None else None, from_copy=lost == 0)
            except BudgetExhausted:
                raise
            except KeyWrongLastSequenceError:
                lost += 1  # another renderer changed the schedule first: wait a little, read again
            except Exception as exc:  # noqa: BLE001 - an unreachable schedule fails open
                self._kv.failed(exc)
                FAIL_OPEN.labels(operation).inc()
                return None
            wait = min(BACKOFF_MAX_S, BACKOFF_FIRST_S * 2 ** min(lost, 16)) * (0.5 + self._jitter() / 2)
            if self._monotonic() - started + wait > within_s:
                if operation == "reserve":  # never an unbudgeted call for contention
                    raise BudgetExhausted(wait, contended=True)
                log.warning(
                    "a provider budget %s was dropped: its schedule stayed contended",
                    operation,
                    extra={"key": key, "attempts": lost},
                )
                return None
            await self._backoff_sleep(wait)

    async def _cas(
        self,
        key: str,
        step: Callable[[Schedule, float], budgets.Reservation],
        latest_s: float | None,
        from_copy: bool = True,
    ) -> budgets.Reservation:
        """One read (of the watched copy when `from_copy` and it is current) and one conditional
        write, each within `TIMEOUT_S`; raises KeyWrongLastSequenceError when another renderer
        wrote the key in between."""
        async with asyncio.timeout(TIMEOUT_S):
            kv = await self._kv.bucket()
        copy = self._copies.get(key) if from_copy else None
        if copy is None:
            try:
                async with asyncio.timeout(TIMEOUT_S):
                    entry = await kv.get(key)
                copy = (entry.value, entry.revision or 0)
            except KeyNotFoundError:
                copy = (None, 0)
        raw, revision = copy
        schedule = Schedule.decode(raw)
        result = step(schedule, self._clock())
        if latest_s is not None and result.wait_s > latest_s:
            raise BudgetExhausted(result.wait_s)
        if result.schedule != schedule:
            encoded = result.schedule.encode()
            async with asyncio.timeout(TIMEOUT_S):
                written = await kv.update(key, encoded, last=revision)
            self._copies.saw(key, encoded, written)
        return result


class BudgetExhausted(Exception):
    """The budget's next slot is later than the render's deadline allows."""

    def __init__(self, wait_s: float, contended: bool = False) -> None:
        super().__init__(
            "the schedule stayed contended until the deadline" if contended else f"the next slot is {wait_s:.0f}s away"
        )
        self.wait_s = wait_s
        self.contended = contended  # other renderers kept winning the compare-and-set

"""What a frame costs the gateway between the fan-out and its stream: `python -m bench.fanout_wake [STREAMS [FRAMES]]`.

STREAMS subscribers (1,000) each wait for their next frame, as the SSE streams of B4 do; FRAMES
(50) times, one frame is offered to all of them and every stream takes it before the next. Prints
the CPU of the process per frame taken, on uvloop (the services' default loop, whatever
REPORTS_EVENT_LOOP says). Round 13 of bench/README.md compares it across commits: run it in a
checkout of each (copied into one older than the tool).
"""

from __future__ import annotations

import asyncio
import sys
import time

from services.common import loop_choice
from services.gateway.event_fanout import Frame, Subscriber


async def cpu_per_frame_us(streams: int, frames: int) -> tuple[int, float]:
    """(frames taken by all streams together, µs of CPU per frame taken)."""
    subscribers = [Subscriber(limit=frames + 1) for _ in range(streams)]
    taken = 0

    async def stream(subscriber: Subscriber) -> None:
        nonlocal taken
        while await subscriber.next(timeout=60) is not None:
            taken += 1

    readers = [asyncio.create_task(stream(s)) for s in subscribers]
    while not all(subscriber.waiting for subscriber in subscribers):
        await asyncio.sleep(0)
    started = time.process_time()
    for seq in range(frames):
        shared = Frame(seq, b"data: {}\n\n", terminal=False)
        for subscriber in subscribers:
            subscriber.offer(shared)
        while taken < (seq + 1) * streams:
            await asyncio.sleep(0)
    spent = time.process_time() - started
    for reader in readers:
        reader.cancel()
    await asyncio.gather(*readers, return_exceptions=True)
    return taken, 1e6 * spent / (streams * frames)


def main(argv: list[str]) -> None:
    streams = int(argv[0]) if argv else 1000
    frames = int(argv[1]) if len(argv) > 1 else 50
    with asyncio.Runner(loop_factory=loop_choice.factory(loop_choice.DEFAULT)) as runner:
        _, per_frame = runner.run(cpu_per_frame_us(streams, frames))
    print(f"{per_frame:.2f} µs of CPU per frame taken ({streams} streams × {frames} frames)")


if __name__ == "__main__":
    main(sys.argv[1:])

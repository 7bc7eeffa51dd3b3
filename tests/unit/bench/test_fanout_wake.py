"""bench.fanout_wake delivers every frame to every stream and reports a cost per frame."""

from __future__ import annotations

import asyncio

from bench import fanout_wake


async def test_every_stream_takes_every_frame():
    taken, _ = await asyncio.wait_for(fanout_wake.cpu_per_frame_us(streams=20, frames=5), timeout=10)
    assert taken == 20 * 5


def test_the_command_prints_its_figure(capsys):
    fanout_wake.main(["10", "3"])
    assert "µs of CPU per frame taken (10 streams × 3 frames)" in capsys.readouterr().out

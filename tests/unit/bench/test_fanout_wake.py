"""bench.fanout_wake delivers every frame to every stream and reports a cost per frame."""

from __future__ import annotations

import asyncio

from bench import fanout_wake


async def test_every_stream_takes_every_frame_and_its_cost_is_counted():
    taken, per_frame_us = await asyncio.wait_for(fanout_wake.cpu_per_frame_us(streams=200, frames=5), timeout=10)
    assert taken == 200 * 5 and per_frame_us > 0


def test_the_command_prints_its_figure(capsys):
    fanout_wake.main(["10", "3"])
    assert "µs of CPU per frame taken (10 streams × 3 frames)" in capsys.readouterr().out

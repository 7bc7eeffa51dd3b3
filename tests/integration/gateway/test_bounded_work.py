"""One tenant's large upload does not stall the others: it is parsed on the bounded CPU pool, so the
event loop (gateway and store share it here) keeps answering small requests meanwhile."""

from __future__ import annotations

import asyncio

from tests.integration.helpers import create_media
from tests.support.tenants import AUTH_A, AUTH_B


async def test_small_requests_are_answered_while_a_large_transcript_is_parsed(gateway):
    c = gateway.client
    await create_media(c, AUTH_B)
    # At the segment and speaker caps: seconds of parsing, decoding and analytics.
    content = [
        {"speaker": f"s{i % 200}", "start": i, "end": i + 1.5, "text": f"segment {i} of many, right?"}
        for i in range(50_000)
    ]
    large = asyncio.create_task(
        c.post("/v1/media", json={"transcript": {"format": "segments", "content": content}}, headers=AUTH_A)
    )
    answered_meanwhile = 0
    while not large.done():
        response = await c.get("/v1/media", headers=AUTH_B)
        assert response.status_code == 200
        if not large.done():
            answered_meanwhile += 1
    assert (await large).status_code == 201, (await large).text
    assert answered_meanwhile >= 3

"""The token bucket's arithmetic (GCRA): what is spent, what is left, when it is back."""

from __future__ import annotations

from services.gateway.token_bucket import decide, decide_many


def test_a_full_bucket_allows_burst_requests_at_once_then_refuses():
    tat, now = None, 1000.0
    remaining = []
    for _ in range(10):
        d = decide(tat, now, rps=5, burst=10)
        assert d.allowed
        tat = d.tat
        remaining.append(d.remaining)
    assert remaining == [9, 8, 7, 6, 5, 4, 3, 2, 1, 0]
    refused = decide(tat, now, rps=5, burst=10)
    assert not refused.allowed and refused.remaining == 0
    assert refused.tat == tat  # a refusal spends nothing
    assert refused.retry_after_s == 1  # one token is back in 0.2 s: rounded up
    assert refused.reset_s == 2  # the bucket is full again in 2 s
    assert refused.headers() == {
        "RateLimit-Limit": "10",
        "RateLimit-Remaining": "0",
        "RateLimit-Reset": "2",
        "Retry-After": "1",
    }


def test_tokens_come_back_at_the_rate():
    d = decide(None, 0.0, rps=1, burst=2)
    d = decide(d.tat, 0.0, rps=1, burst=2)
    assert not decide(d.tat, 0.0, rps=1, burst=2).allowed
    assert decide(d.tat, 0.999, rps=1, burst=2).allowed is False
    back = decide(d.tat, 1.0, rps=1, burst=2)
    assert back.allowed and back.remaining == 0
    assert decide(d.tat, 10.0, rps=1, burst=2).remaining == 1  # never more than the bucket holds


def test_a_slow_rate_says_how_long_to_wait():
    d = decide(None, 0.0, rps=0.01, burst=1)
    refused = decide(d.tat, 30.0, rps=0.01, burst=1)
    assert not refused.allowed
    assert refused.retry_after_s == 70 and refused.reset_s == 70
    assert "Retry-After" not in d.headers() and d.headers()["RateLimit-Reset"] == "100"


def test_requests_decided_together_are_decided_as_one_after_another():
    together = decide_many(None, 50.0, rps=2, burst=3, count=5)
    tat, one_by_one = None, []
    for _ in range(5):
        d = decide(tat, 50.0, rps=2, burst=3)
        one_by_one.append(d)
        tat = d.tat if d.allowed else tat
    assert together == one_by_one
    assert [d.allowed for d in together] == [True, True, True, False, False]
    assert [d.remaining for d in together[:3]] == [2, 1, 0]


def test_no_request_decided_together_is_allowed_from_an_empty_bucket():
    full_until = decide_many(None, 0.0, rps=1, burst=2, count=2)[-1].tat
    assert not any(d.allowed for d in decide_many(full_until, 0.0, rps=1, burst=2, count=3))

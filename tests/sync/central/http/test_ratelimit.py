"""The per-address token bucket of central's public booking routes (pure, on a given clock)."""

from __future__ import annotations

from sync.central.http.ratelimit import Rate, TokenBuckets, retry_after


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_then_the_refill_rate_per_address() -> None:
    clock = Clock()
    buckets = TokenBuckets(Rate(burst=3, per_second=0.5), clock=clock)
    assert [buckets.take("10.0.0.1") for _ in range(3)] == [0, 0, 0]
    wait = buckets.take("10.0.0.1")
    assert wait == 2.0 and retry_after(wait) == "2"  # one token every 2 s
    assert buckets.take("10.0.0.2") == 0  # another address has its own bucket
    clock.now += 2.0
    assert buckets.take("10.0.0.1") == 0
    assert buckets.take("10.0.0.1") > 0
    clock.now += 3600  # a long pause refills to the burst, never beyond
    assert [buckets.take("10.0.0.1") for _ in range(4)][:3] == [0, 0, 0]
    assert buckets.take("10.0.0.1") > 0


def test_refused_requests_do_not_dig_the_bucket_deeper() -> None:
    clock = Clock()
    buckets = TokenBuckets(Rate(burst=1, per_second=1.0), clock=clock)
    buckets.take("a")
    for _ in range(100):
        assert buckets.take("a") == 1.0
    clock.now += 1.0
    assert buckets.take("a") == 0


def test_the_table_keeps_at_most_max_clients_dropping_the_idlest() -> None:
    clock = Clock()
    buckets = TokenBuckets(Rate(burst=1, per_second=0.001), max_clients=2, clock=clock)
    buckets.take("old")
    buckets.take("new")
    buckets.take("newer")  # "old" is forgotten: it starts again with a full bucket
    assert buckets.take("old") == 0
    assert buckets.take("newer") > 0
    assert retry_after(0.2) == "1"

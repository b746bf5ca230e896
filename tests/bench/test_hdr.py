"""The benchmarks' latency histogram (tests/bench/hdr.py) against exact percentiles."""

from __future__ import annotations

import random

from tests.bench.hdr import Histogram
from tests.bench.loadgen import percentile


def test_every_value_lands_in_a_bucket_that_holds_it() -> None:
    h = Histogram()
    for value in [*range(0, 5000), *(random.Random(1).randrange(10**9) for _ in range(5000))]:
        index = h._index(value)
        assert h._highest(index) >= value
        assert index == 0 or h._highest(index - 1) < value


def test_percentiles_within_one_percent_and_never_lower() -> None:
    rng = random.Random(7)
    values = [rng.lognormvariate(1.5, 1.2) for _ in range(20_000)] + [2500.0]
    h = Histogram()
    for ms in values:
        h.record_ms(ms)
    for q in (50, 90, 99, 99.9, 100):
        exact = percentile(values, q)
        got = h.percentile_ms(q)
        assert exact - 0.001 <= got <= exact * 1.01 + 0.001, (q, exact, got)
    assert h.total == len(values) and h.max_us == 2_500_000


def test_merged_histograms_equal_one_fed_everything() -> None:
    rng = random.Random(3)
    values = [rng.expovariate(0.1) for _ in range(3000)]
    one, a, b = Histogram(), Histogram(), Histogram()
    for n, ms in enumerate(values):
        one.record_ms(ms)
        (a if n % 2 else b).record_ms(ms)
    a.merge(Histogram.from_dict(b.to_dict()))
    assert a.to_dict() == one.to_dict()

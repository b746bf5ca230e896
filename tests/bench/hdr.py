"""A latency histogram in the HdrHistogram layout, written here (no dependency): log-bucketed, a
fixed relative precision, constant memory whatever the number of samples, mergeable across
client processes.

Values are recorded as whole microseconds. With `digits` significant decimal digits (2 here: 1 %),
values below `2 ** sub_bits` are kept exactly; above, each power-of-two range is split into
`2 ** (sub_bits - 1)` equal sub-buckets, so a value is known to within 1 part in 2 ** (sub_bits-1)
of itself (sub_bits = 8 for 2 digits: within 0.8 %). A percentile is reported as the highest
value its bucket stands for, as HdrHistogram's `getValueAtPercentile` does, so rounding never
makes a latency look better than it was.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Histogram:
    digits: int = 2
    counts: dict[int, int] = field(default_factory=dict)  # bucket index -> count (sparse)
    total: int = 0
    min_us: int = 0
    max_us: int = 0

    @property
    def sub_bits(self) -> int:
        return math.ceil(math.log2(2 * 10**self.digits))

    def _index(self, value: int) -> int:
        sub_count = 1 << self.sub_bits
        if value < sub_count:
            return value
        shift = value.bit_length() - self.sub_bits
        half = sub_count >> 1
        return sub_count + (shift - 1) * half + ((value >> shift) - half)

    def _highest(self, index: int) -> int:
        """The largest value that lands in bucket `index`."""
        sub_count = 1 << self.sub_bits
        if index < sub_count:
            return index
        half = sub_count >> 1
        shift, offset = divmod(index - sub_count, half)
        shift += 1
        return ((half + offset + 1) << shift) - 1

    def record_ms(self, ms: float) -> None:
        value = max(0, round(ms * 1000))
        index = self._index(value)
        self.counts[index] = self.counts.get(index, 0) + 1
        self.min_us = value if not self.total else min(self.min_us, value)
        self.max_us = max(self.max_us, value)
        self.total += 1

    def merge(self, other: Histogram) -> None:
        if other.digits != self.digits:
            raise ValueError("histograms of different precision")
        if not other.total:
            return
        for index, n in other.counts.items():
            self.counts[index] = self.counts.get(index, 0) + n
        self.min_us = other.min_us if not self.total else min(self.min_us, other.min_us)
        self.max_us = max(self.max_us, other.max_us)
        self.total += other.total

    def percentile_ms(self, q: float) -> float:
        """The latency (ms) that `q` % of the recorded values are at or below."""
        if not self.total:
            return float("nan")
        wanted = max(1, math.ceil(q / 100 * self.total))
        seen = 0
        for index in sorted(self.counts):
            seen += self.counts[index]
            if seen >= wanted:
                return min(self._highest(index), self.max_us) / 1000
        return self.max_us / 1000

    def summary(self) -> dict[str, float]:
        return {
            "n": self.total,
            "p50": self.percentile_ms(50),
            "p90": self.percentile_ms(90),
            "p99": self.percentile_ms(99),
            "p99.9": self.percentile_ms(99.9),
            "max": self.max_us / 1000 if self.total else float("nan"),
        }

    def distribution(self) -> list[tuple[float, float]]:
        """(percentile, ms) at HdrHistogram's usual ticks, for the log a reader plots."""
        ticks = (0, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 99.99, 100)
        return [(q, self.percentile_ms(q) if q else self.min_us / 1000) for q in ticks]

    def to_dict(self) -> dict[str, Any]:
        return {
            "digits": self.digits,
            "counts": sorted(self.counts.items()),
            "total": self.total,
            "min_us": self.min_us,
            "max_us": self.max_us,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Histogram:
        found = cls(digits=int(data["digits"]))
        found.counts = {int(i): int(n) for i, n in data["counts"]}
        found.total, found.min_us, found.max_us = data["total"], data["min_us"], data["max_us"]
        return found

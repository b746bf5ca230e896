"""A token bucket per client address for central's public booking routes (SPEC §8).

No account is needed to book, so the address is the only handle on a client that books every
slot of a site or hammers the API. Each address has a bucket of `burst` tokens refilled at `rate`
per second; a request takes one, and an empty bucket answers 429 with Retry-After (the seconds
until the next token). In memory, per process: several central processes each allow the rate,
which is a bound, not an exact figure. The table is capped: the address idle longest goes first.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Rate:
    burst: float  # tokens a fresh client has
    per_second: float  # refill


class TokenBuckets:
    def __init__(
        self,
        rate: Rate,
        *,
        max_clients: int = 20_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.rate = rate
        self.max_clients = max_clients
        self.clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, client: str) -> float:
        """0 when the request may go, else the seconds to wait (Retry-After)."""
        now = self.clock()
        with self._lock:
            tokens, last = self._buckets.pop(client, (self.rate.burst, now))
            tokens = min(self.rate.burst, tokens + (now - last) * self.rate.per_second)
            wait = 0.0
            if tokens >= 1:
                tokens -= 1
            else:
                wait = (1 - tokens) / self.rate.per_second
            self._buckets[client] = (tokens, now)
            while len(self._buckets) > self.max_clients:
                self._buckets.popitem(last=False)
        return wait


def retry_after(wait: float) -> str:
    return str(max(1, math.ceil(wait)))

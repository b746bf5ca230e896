"""Jittered, capped exponential back-off for reconnecting (pure).

Full jitter: hundreds of sites that lost the same link must not all come back in the same second.
"""

from __future__ import annotations

import random


class Backoff:
    def __init__(self, base_s: float = 0.5, cap_s: float = 60.0, rng: random.Random | None = None):
        if base_s <= 0 or cap_s < base_s:
            raise ValueError("need 0 < base_s <= cap_s")
        self.base_s = base_s
        self.cap_s = cap_s
        self.attempts = 0
        self._rng = rng or random.Random()

    def next_delay(self) -> float:
        """Seconds to wait before the next attempt: uniform in [ceiling/2, ceiling]."""
        ceiling = min(self.cap_s, self.base_s * 2 ** min(self.attempts, 30))
        self.attempts += 1
        return self._rng.uniform(ceiling / 2, ceiling)

    def reset(self) -> None:
        self.attempts = 0

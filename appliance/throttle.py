"""Slowing down password guessing without locking out the officer who mistyped twice.

After a few failures for a username (or from one address) every further attempt must wait a
growing delay; a success clears the username. Kept in memory: a restart forgets, which only
helps someone who can already restart the box. Pure standard library, in the core, so the
appliance's web and the central server (which may not import each other) share one rule.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class _Record:
    failures: int = 0
    last: float = 0.0


class LoginThrottle:
    def __init__(
        self,
        *,
        free_attempts: int = 5,
        base_delay_s: float = 1.0,
        max_delay_s: float = 300.0,
        forget_after_s: float = 900.0,
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        self.free_attempts = free_attempts
        self.base_delay_s = base_delay_s
        self.max_delay_s = max_delay_s
        self.forget_after_s = forget_after_s
        self._now = now
        self._records: dict[str, _Record] = {}
        self._lock = threading.Lock()

    def _delay(self, record: _Record) -> float:
        extra = record.failures - self.free_attempts
        if extra < 0:
            return 0.0
        return float(min(self.max_delay_s, self.base_delay_s * 2**extra))

    def retry_after(self, *keys: str) -> float:
        """Seconds until another attempt for these keys is allowed (0 when allowed now)."""
        now = self._now()
        wait = 0.0
        with self._lock:
            for key in keys:
                record = self._records.get(key)
                if record is None:
                    continue
                if now - record.last > self.forget_after_s:
                    del self._records[key]
                    continue
                wait = max(wait, record.last + self._delay(record) - now)
        return max(0.0, wait)

    def failed(self, *keys: str) -> None:
        now = self._now()
        with self._lock:
            if len(self._records) > 10_000:  # a flood of made-up names must not eat the memory
                self._records.clear()
            for key in keys:
                record = self._records.setdefault(key, _Record())
                record.failures += 1
                record.last = now

    def succeeded(self, key: str) -> None:
        with self._lock:
            self._records.pop(key, None)

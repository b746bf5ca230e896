"""Slowing down password guessing without locking out the officer who mistyped twice, nor the
officer whose name a guesser elsewhere on the LAN is trying.

Failures are counted per (username, address) and per address: after a few, every further attempt
from there must wait a growing delay; a success clears that pair. A username alone is never
slowed by one address's failures (issue 15: one wrong password per Retry-After from an anonymous
LAN device kept the administrator out on every device). Guessing one name from many addresses is
bounded by a ceiling per username: past `ceiling` failures within `ceiling_window_s`, that name
waits everywhere until the oldest failure leaves the window. Each time an address starts being
slowed, or a name reaches its ceiling, a warning is logged with the name and the address (never
the password). Kept in memory: a restart forgets, which only helps someone who can already
restart the box. Pure standard library, in the core, so the appliance's web and the central server
(which may not import each other) share one rule.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)
MAX_KEYS = 10_000  # a flood of made-up names or addresses must not eat the memory


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
        ceiling: int = 100,
        ceiling_window_s: float = 900.0,
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        self.free_attempts = free_attempts
        self.base_delay_s = base_delay_s
        self.max_delay_s = max_delay_s
        self.forget_after_s = forget_after_s
        self.ceiling = ceiling
        self.ceiling_window_s = ceiling_window_s
        self._now = now
        self._records: dict[tuple[str, str], _Record] = {}
        self._windows: dict[str, deque[float]] = {}  # a name's latest failure times
        self._lock = threading.Lock()

    def _delay(self, record: _Record) -> float:
        extra = record.failures - self.free_attempts
        if extra < 0:
            return 0.0
        return float(min(self.max_delay_s, self.base_delay_s * 2**extra))

    @staticmethod
    def _keys(user: str, address: str) -> tuple[tuple[str, str], tuple[str, str]]:
        return ("pair", user.lower() + "\n" + address), ("addr", address)

    def retry_after(self, user: str, address: str) -> float:
        """Seconds until `user` may try again from `address` (0 when allowed now)."""
        now = self._now()
        wait = 0.0
        with self._lock:
            for key in self._keys(user, address):
                record = self._records.get(key)
                if record is None:
                    continue
                if now - record.last > self.forget_after_s:
                    del self._records[key]
                    continue
                wait = max(wait, record.last + self._delay(record) - now)
            times = self._windows.get(user.lower())
            if times is not None and len(times) >= self.ceiling:
                wait = max(wait, times[0] + self.ceiling_window_s - now)
        return max(0.0, wait)

    def failed(self, user: str, address: str) -> None:
        now = self._now()
        with self._lock:
            if len(self._records) > MAX_KEYS:
                self._records.clear()
            for kind, key in self._keys(user, address):
                record = self._records.setdefault((kind, key), _Record())
                record.failures += 1
                record.last = now
                if record.failures == self.free_attempts:  # the next attempt must wait
                    log.warning(
                        "failed logins: %s slowed after %d failures (user %r, address %s)",
                        "the pair" if kind == "pair" else "the address",
                        self.free_attempts,
                        user[:100],
                        address,
                    )
            self._count_against_ceiling(user, address, now)

    def _count_against_ceiling(self, user: str, address: str, now: float) -> None:
        if len(self._windows) > MAX_KEYS:
            self._windows.clear()
        times = self._windows.setdefault(user.lower(), deque())
        while times and now - times[0] > self.ceiling_window_s:
            times.popleft()
        times.append(now)
        if len(times) > self.ceiling:
            times.popleft()
        elif len(times) == self.ceiling:
            log.warning(
                "failed logins: user %r reached the ceiling of %d failures in %d s from many "
                "addresses (latest %s); the name waits everywhere",
                user[:100],
                self.ceiling,
                int(self.ceiling_window_s),
                address,
            )

    def succeeded(self, user: str, address: str) -> None:
        with self._lock:
            self._records.pop(self._keys(user, address)[0], None)

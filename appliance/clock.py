"""Wall time and monotonic time behind one small interface.

A Raspberry Pi has no battery clock: after a power cut it boots with whatever time
fake-hwclock saved, and only an NTP sync (or an administrator) puts it right. Everything that
needs the time asks a `Clock`, so the business-day guard can see whether the time is trusted and
tests can pin or jump the time.
"""

from __future__ import annotations

import functools
import os
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

# systemd-timesyncd touches this file after its first successful synchronisation.
TIMESYNC_MARKER = Path("/run/systemd/timesync/synchronized")


class Clock(Protocol):
    """What the core needs to know about time."""

    def now(self) -> datetime:
        """Aware UTC wall time."""
        ...

    def monotonic(self) -> float:
        """Seconds from an arbitrary start; never jumps."""
        ...

    def synchronised(self) -> bool:
        """Whether the wall time is known to be right (NTP, RTC or an administrator)."""
        ...


@functools.cache
def _libc() -> Any:
    """libc, found once: `find_library` runs ldconfig in a subprocess (~7 ms), far too slow for
    a question asked on every ticket."""
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    return ctypes.CDLL(name, use_errno=True) if name else None


def _kernel_clock_synchronised() -> bool | None:
    """Ask the kernel through adjtimex whether NTP disciplines the clock (None if unknown)."""
    try:
        import ctypes

        libc = _libc()
        if libc is None:
            return None
        # struct timex is ~208 bytes on 64-bit; a zeroed buffer with modes=0 only reads.
        buf = ctypes.create_string_buffer(512)
        state = int(libc.adjtimex(buf))
    except (OSError, AttributeError):
        return None
    TIME_ERROR = 5
    return state not in (-1, TIME_ERROR)


class SystemClock:
    """The machine's clock, plus an offset an administrator confirmed from a browser.

    `confirmed` marks the time as trusted even without NTP (the admin looked at a watch). The
    kernel's answer is kept for a few seconds: it is asked on every action, and a sync state that
    is seconds old is as good as a fresh one.
    """

    RECHECK_S = 5.0

    def __init__(self, *, assume_synchronised: bool | None = None) -> None:
        self._offset = timedelta(0)
        self._confirmed = False
        self._assume = assume_synchronised
        self._lock = threading.Lock()
        self._known: bool | None = None
        self._known_at = 0.0

    def now(self) -> datetime:
        with self._lock:
            offset = self._offset
        return datetime.now(UTC) + offset

    def monotonic(self) -> float:
        return time.monotonic()

    def synchronised(self) -> bool:
        if self._assume is not None:
            return self._assume
        with self._lock:
            if self._confirmed:
                return True
        now = time.monotonic()
        known, known_at = self._known, self._known_at
        if known is not None and now - known_at < self.RECHECK_S:
            return known
        answer = (
            TIMESYNC_MARKER.exists()
            or os.environ.get("MPP_CLOCK_SYNCED") == "1"
            or bool(_kernel_clock_synchronised())
        )
        self._known, self._known_at = answer, now
        return answer

    def confirm(self, actual: datetime) -> timedelta:
        """Trust `actual` as the real time from now on; returns the applied offset."""
        if actual.tzinfo is None:
            raise ValueError("the confirmed time must carry a time zone")
        offset = actual.astimezone(UTC) - datetime.now(UTC)
        with self._lock:
            self._offset = offset
            self._confirmed = True
        return offset


class ManualClock:
    """A clock tests and simulations move by hand."""

    def __init__(self, start: datetime, *, synchronised: bool = True) -> None:
        if start.tzinfo is None:
            raise ValueError("start must be aware")
        self._now = start.astimezone(UTC)
        self._mono = 1000.0
        self._synced = synchronised
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def monotonic(self) -> float:
        with self._lock:
            return self._mono

    def synchronised(self) -> bool:
        return self._synced

    def set_synchronised(self, value: bool) -> None:
        self._synced = value

    def advance(self, delta: timedelta) -> None:
        """Move forward in both wall and monotonic time."""
        with self._lock:
            self._now += delta
            self._mono += max(delta.total_seconds(), 0.0)

    def jump_to(self, when: datetime) -> None:
        """Set the wall time (possibly backwards), as an NTP step or a bad RTC would."""
        with self._lock:
            self._now = when.astimezone(UTC)

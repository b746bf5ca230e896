"""Estimated wait (pure): people ahead shared among open counters, times the handling time."""

from __future__ import annotations

import math
from collections.abc import Sequence


def average_handling_minutes(durations_s: Sequence[float], fallback_minutes: float) -> float:
    """Mean of recent handling times, or the catalogue's planning figure when there are none."""
    usable = [d for d in durations_s if d > 0]
    if not usable:
        return float(fallback_minutes)
    return sum(usable) / len(usable) / 60.0


def estimated_wait_minutes(people_ahead: int, open_counters: int, handling_minutes: float) -> int:
    """Whole minutes, rounded up; with no open counter, as if one opens."""
    if people_ahead <= 0:
        return 0
    counters = max(open_counters, 1)
    return math.ceil(people_ahead / counters * handling_minutes)

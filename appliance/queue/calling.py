"""The order a counter calls its queue in (pure): priority tickets first, unless the counter has
just called `limit` priority tickets in a row — then a general ticket goes first, so nobody waits
forever (SPEC §3 Calling); within each line, issue order.

The engine's *call next* asks `lines_in_turn` which line to take the head of and keeps its streak
with `streak_after`; `call_order` plays the same two rules over whole lines, so the queue a
console lists is the order its *call next* will take it in.

Bookings (SPEC §8): within the general line, a ticket checked in from a booking inside its slot
window (`ticket.booked`) comes before the walk-ins, in issue order among themselves; the line's
SQL orders it so (appliance/queue/statements.py `COUNTER_HEAD`, `COUNTER_LINE`). The priority
line stays first: a citizen in need (UU 25/2009) must not wait behind one who merely planned
ahead, and the streak limit still lets the general line — booked ones first — through. A booking
checked in outside its window is a walk-in.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")

PRIORITY, GENERAL = 1, 0  # the ticket table's `priority` column


def lines_in_turn(streak: int, limit: int) -> tuple[int, int]:
    """The lines (PRIORITY, GENERAL) *call next* tries, first to last, after `streak` priority
    calls in a row at this counter."""
    return (GENERAL, PRIORITY) if streak >= limit else (PRIORITY, GENERAL)


def streak_after(streak: int, priority: bool) -> int:
    """The counter's priority calls in a row once it has called a ticket of this kind."""
    return streak + 1 if priority else 0


def call_order(priority: Sequence[T], general: Sequence[T], streak: int, limit: int) -> list[T]:
    """Both lines (each in issue order) merged in the order repeated calls take them, starting
    from the counter's current `streak`."""
    lines = {PRIORITY: deque(priority), GENERAL: deque(general)}
    order: list[T] = []
    while lines[PRIORITY] or lines[GENERAL]:
        line = next(line for line in lines_in_turn(streak, limit) if lines[line])
        order.append(lines[line].popleft())
        streak = streak_after(streak, line == PRIORITY)
    return order

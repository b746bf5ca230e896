"""The bookable slots of a day and how a service's daily booking quota is shared among them (pure).

Central offers slots from the site's own weekly hours (the catalogue's `hours`, parsed by
`appliance.queue.hours`) cut into `slot_minutes` pieces; the appliance computes the same slots to
know a booking's window. A slot that would run past closing time, or that overlaps one of the
day's breaks (the Friday prayer break among them), is not offered: nobody should be asked to come
when no counter works.

The quota of a service is per business day (SPEC §8 `booking_quota`); it is split evenly over the
day's slots, the remainder going to the earliest slots, so a day of 7 slots and a quota of 10
gives 2, 2, 2, 1, 1, 1, 1.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from appliance.queue.hours import WEEKDAYS, Hours


@dataclass(frozen=True)
class Slot:
    """One bookable piece of a day, site-local times."""

    start: time
    end: time

    @property
    def start_text(self) -> str:
        return f"{self.start:%H:%M}"

    @property
    def end_text(self) -> str:
        return f"{self.end:%H:%M}"


def day_slots(hours: Hours, day: date, slot_minutes: int) -> list[Slot]:
    """The slots of `day`, earliest first; empty on a closed day or when `slot_minutes` < 1."""
    if slot_minutes < 1:
        return []
    weekday = WEEKDAYS[day.weekday()]
    span = hours.weekly.get(weekday)
    if span is None:
        return []
    opens, closes = (datetime.combine(day, moment) for moment in span)
    breaks = [
        (datetime.combine(day, item.start), datetime.combine(day, item.end))
        for item in hours.breaks
        if weekday in item.days
    ]
    step = timedelta(minutes=slot_minutes)
    slots: list[Slot] = []
    start = opens
    while start + step <= closes:
        end = start + step
        if not any(start < break_end and break_start < end for break_start, break_end in breaks):
            slots.append(Slot(start.time(), end.time()))
        start = end
    return slots


def slot_places(quota: int, slots: list[Slot]) -> dict[Slot, int]:
    """How many bookings each slot takes: `quota` split evenly, the remainder to the earliest.

    Every place is offered (the values add up to `quota` whenever there is a slot); a quota of 0
    or less, or a day without slots, offers none.
    """
    if quota <= 0 or not slots:
        return {slot: 0 for slot in slots}
    each, remainder = divmod(quota, len(slots))
    return {slot: each + (1 if index < remainder else 0) for index, slot in enumerate(slots)}


def find_slot(slots: list[Slot], start_text: str) -> Slot | None:
    """The slot that starts at `HH:MM`, or None."""
    for slot in slots:
        if slot.start_text == start_text:
            return slot
    return None

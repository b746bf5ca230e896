"""The slots of a day from the catalogue's hours, and the quota's split over them."""

from __future__ import annotations

from datetime import date, time

from hypothesis import given
from hypothesis import strategies as st

from appliance.bookings.slots import Slot, day_slots, find_slot, slot_places
from appliance.queue.hours import hours_from_catalogue

HOURS = hours_from_catalogue(
    {
        "weekly": {
            "mon": ["08:00", "15:00"],
            "tue": ["08:00", "15:00"],
            "wed": ["08:00", "15:00"],
            "thu": ["08:00", "15:00"],
            "fri": ["08:00", "15:30"],
        },
        "breaks": [
            {"days": ["fri"], "from": "11:30", "to": "13:00", "label": "Istirahat Jumat"},
            {"days": ["mon"], "from": "12:00", "to": "13:00", "label": "Istirahat"},
        ],
    }
)
THURSDAY = date(2026, 12, 3)
FRIDAY = date(2026, 12, 4)
SATURDAY = date(2026, 12, 5)
MONDAY = date(2026, 12, 7)


def starts(slots: list[Slot]) -> list[str]:
    return [slot.start_text for slot in slots]


def test_an_open_day_is_cut_into_slots_from_opening_to_closing() -> None:
    slots = day_slots(HOURS, THURSDAY, 60)
    assert starts(slots) == ["08:00", "09:00", "10:00", "11:00", "12:00", "13:00", "14:00"]
    assert slots[-1].end == time(15, 0)


def test_a_slot_that_would_run_past_closing_is_not_offered() -> None:
    assert starts(day_slots(HOURS, THURSDAY, 90)) == ["08:00", "09:30", "11:00", "12:30"]


def test_slots_overlapping_a_break_are_not_offered() -> None:
    assert starts(day_slots(HOURS, MONDAY, 60)) == [
        "08:00", "09:00", "10:00", "11:00", "13:00", "14:00",
    ]  # fmt: skip
    friday = starts(day_slots(HOURS, FRIDAY, 30))
    assert "11:00" in friday and "11:30" not in friday and "12:30" not in friday
    assert friday[-1] == "15:00" and "13:00" in friday


def test_a_closed_day_has_no_slots() -> None:
    assert day_slots(HOURS, SATURDAY, 60) == []
    assert day_slots(HOURS, THURSDAY, 0) == []


def test_the_quota_is_split_evenly_with_the_remainder_to_the_earliest_slots() -> None:
    slots = day_slots(HOURS, THURSDAY, 60)
    assert list(slot_places(10, slots).values()) == [2, 2, 2, 1, 1, 1, 1]
    assert list(slot_places(3, slots).values()) == [1, 1, 1, 0, 0, 0, 0]
    assert list(slot_places(0, slots).values()) == [0] * 7
    assert slot_places(5, []) == {}


@given(quota=st.integers(min_value=0, max_value=5000), minutes=st.integers(5, 240))
def test_every_place_is_offered_and_never_more(quota: int, minutes: int) -> None:
    slots = day_slots(HOURS, THURSDAY, minutes)
    places = list(slot_places(quota, slots).values())
    assert sum(places) == (quota if slots else 0)
    assert places == sorted(places, reverse=True)
    assert not places or max(places) - min(places) <= 1


def test_find_slot_by_its_start() -> None:
    slots = day_slots(HOURS, THURSDAY, 60)
    assert find_slot(slots, "09:00") == Slot(time(9, 0), time(10, 0))
    assert find_slot(slots, "09:30") is None
